//! Venues (会場) and the wards (区) they are in.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{domain::VenueKind, i18n::Lang};

pub mod pages;
#[cfg(feature = "ssr")]
pub mod api;
#[cfg(feature = "ssr")]
pub mod store;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Ward {
    pub code: String,
    pub name_ja: String,
    pub name_en: String,
}

impl Ward {
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.name_ja,
            Lang::En => &self.name_en,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Venue {
    pub id: i64,
    pub name: String,
    pub kind: VenueKind,
    pub ward: String,
    pub address: String,
    /// How to get there, in plain words.
    pub access: String,
}

/// A venue as typed into the form or the API: unchecked text.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VenueInput {
    pub name: String,
    pub kind: String,
    pub ward: String,
    pub address: String,
    pub access: String,
}

/// The venues and wards, for lists and filters.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct VenueDirectory {
    pub venues: Vec<Venue>,
    pub wards: Vec<Ward>,
}

impl VenueDirectory {
    pub fn venue(&self, id: i64) -> Option<&Venue> {
        self.venues.iter().find(|v| v.id == id)
    }

    pub fn ward_name(&self, code: &str, lang: Lang) -> String {
        self.wards.iter().find(|w| w.code == code).map(|w| w.name(lang).to_string()).unwrap_or_default()
    }
}

#[server]
pub async fn fetch_venue_directory() -> Result<VenueDirectory, ServerFnError> {
    let state = crate::server::state::app_state()?;
    state.venues.get(&state.db).await.map_err(|e| ServerFnError::new(e.to_string()))
}

//! Venues (会場) and the wards (区) they are in.

use serde::{Deserialize, Serialize};

use crate::{domain::VenueKind, i18n::Lang};

pub mod api;
pub mod pages;
pub mod store;

/// The names of the venue form's fields (also the API body's, in error messages).
pub mod field {
    pub const NAME: &str = "name";
    pub const KIND: &str = "kind";
    pub const WARD: &str = "ward";
    pub const ADDRESS: &str = "address";
    pub const ACCESS: &str = "access";
    pub const NAME_KANA: &str = "name_kana";
    pub const PHONE: &str = "phone";
    pub const HOURS: &str = "hours";
    pub const LATITUDE: &str = "latitude";
    pub const LONGITUDE: &str = "longitude";
    pub const WHEELCHAIR: &str = "wheelchair";
    pub const STEP_FREE: &str = "step_free";
    pub const ACCESSIBLE_TOILET: &str = "accessible_toilet";
    pub const PRIORITY_PARKING: &str = "priority_parking";
}

/// The accessibility facts a venue may have (as the 公共施設一覧 gives them), with their
/// field names: 車椅子可, スロープ・エレベータ, バリアフリートイレ, 優先駐車場.
pub const ACCESSIBILITY: [&str; 4] =
    [field::WHEELCHAIR, field::STEP_FREE, field::ACCESSIBLE_TOILET, field::PRIORITY_PARKING];

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
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

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Venue {
    pub id: i64,
    pub name: String,
    pub kind: VenueKind,
    pub ward: String,
    pub address: String,
    /// How to get there, in plain words.
    pub access: String,
    /// The name's reading in katakana (名称_カナ); lists sort by it. Empty if unknown.
    pub name_kana: String,
    /// The venue's phone number (national format), for people to call; empty if unknown.
    pub phone: String,
    /// Opening hours as the city writes them (月〜土 9:00〜21:00).
    pub hours: String,
    /// Position in degrees (WGS 84), for a map link; both or neither.
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// Accessibility facts: `None` where the city has not said.
    pub wheelchair: Option<bool>,
    pub step_free: Option<bool>,
    pub accessible_toilet: Option<bool>,
    pub priority_parking: Option<bool>,
}

impl Venue {
    /// A venue of `kind` with nothing else filled in (the new-venue form starts from it).
    pub fn blank(kind: VenueKind) -> Venue {
        Venue {
            id: 0,
            name: String::new(),
            kind,
            ward: String::new(),
            address: String::new(),
            access: String::new(),
            name_kana: String::new(),
            phone: String::new(),
            hours: String::new(),
            latitude: None,
            longitude: None,
            wheelchair: None,
            step_free: None,
            accessible_toilet: None,
            priority_parking: None,
        }
    }

    /// An accessibility fact by its field name (see `ACCESSIBILITY`).
    pub fn accessibility(&self, name: &str) -> Option<bool> {
        match name {
            field::WHEELCHAIR => self.wheelchair,
            field::STEP_FREE => self.step_free,
            field::ACCESSIBLE_TOILET => self.accessible_toilet,
            field::PRIORITY_PARKING => self.priority_parking,
            _ => None,
        }
    }

    /// A map of the venue: OpenStreetMap at its position, or a search for its address.
    pub fn map_url(&self) -> String {
        match (self.latitude, self.longitude) {
            (Some(lat), Some(lon)) => {
                format!("https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}")
            }
            _ => format!("https://www.openstreetmap.org/search?query={}", crate::ui::url_escape(&self.address)),
        }
    }
}

/// A venue as typed into the form, a CSV row or the API: unchecked text. In JSON the
/// position may be numbers and the facts `true`/`false`/`null`; the form and CSV send
/// text (`yes`/`no`/empty, 有/無).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VenueInput {
    pub name: String,
    pub kind: String,
    pub ward: String,
    pub address: String,
    pub access: String,
    pub name_kana: String,
    pub phone: String,
    pub hours: String,
    #[serde(deserialize_with = "loose_text")]
    pub latitude: String,
    #[serde(deserialize_with = "loose_text")]
    pub longitude: String,
    #[serde(deserialize_with = "loose_text")]
    pub wheelchair: String,
    #[serde(deserialize_with = "loose_text")]
    pub step_free: String,
    #[serde(deserialize_with = "loose_text")]
    pub accessible_toilet: String,
    #[serde(deserialize_with = "loose_text")]
    pub priority_parking: String,
}

/// A JSON string, number, boolean or null read as the text a form would have sent.
fn loose_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s,
        serde_json::Value::Bool(b) => if b { "yes" } else { "no" }.to_string(),
        serde_json::Value::Number(n) => n.to_string(),
        other => other.to_string(),
    })
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

//! Data exchange by CSV: import and export of venues, sessions and partners, as Excel
//! writes and reads them. An export's columns are exactly what the import reads, so a
//! file can be exported, edited and imported back.

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

#[cfg(feature = "ssr")]
pub mod api;
#[cfg(feature = "ssr")]
pub mod export;
#[cfg(feature = "ssr")]
pub mod import;
pub mod pages;

/// What can be imported and exported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(clap::ValueEnum))]
pub enum ImportKind {
    Venues,
    Sessions,
    Partners,
}

impl ImportKind {
    pub const ALL: [ImportKind; 3] = [ImportKind::Venues, ImportKind::Sessions, ImportKind::Partners];

    pub fn code(self) -> &'static str {
        match self {
            ImportKind::Venues => "venues",
            ImportKind::Sessions => "sessions",
            ImportKind::Partners => "partners",
        }
    }

    pub fn parse(code: &str) -> Option<ImportKind> {
        ImportKind::ALL.into_iter().find(|k| k.code() == code.trim())
    }

    pub fn label(self, lang: Lang) -> String {
        lang.tr(&format!("exchange.kind.{}", self.code()))
    }

    /// The columns of the file, in the order an export writes them. `id` empty: a new
    /// record; `id` of an existing one: that record is replaced by the row.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            ImportKind::Venues => &["id", "name", "kind", "ward", "address", "access"],
            ImportKind::Sessions => &[
                "id", "kind", "title", "topic", "venue_id", "meetings", "capacity", "loaner_devices", "instructors",
                "assistants", "slot_minutes", "advisors", "description", "what_to_bring",
            ],
            ImportKind::Partners => &[
                "id", "carrier", "name", "ward", "address", "contact_name", "phone", "email", "agreement_date", "active",
                "notes",
            ],
        }
    }

    /// Columns a file must have; the others may be left out (empty).
    pub fn required_columns(self) -> &'static [&'static str] {
        match self {
            ImportKind::Venues => &["name", "kind", "ward", "address"],
            ImportKind::Sessions => &["kind", "title", "topic", "venue_id", "meetings"],
            ImportKind::Partners => &["carrier", "name", "ward", "address"],
        }
    }
}

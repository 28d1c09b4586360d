//! Data exchange by CSV: import and export of venues, sessions, partners and wards, as
//! Excel writes and reads them, and the city's own 公共施設一覧 as it is published.
//!
//! An export's columns are exactly what the import reads, so a file can be exported,
//! edited and imported back; an unchanged file changes nothing. Every import is planned
//! before anything is written (`import::plan`): what would be created, what would change
//! (field by field), what is already so, what is refused and why. The command line
//! prints that plan (`--dry-run` stops there); the web upload shows it and writes only
//! when the clerk confirms the very same plan.

use serde::{Deserialize, Serialize};

use crate::{domain::Problem, i18n::Lang};

pub mod api;
pub mod cells;
pub mod export;
pub mod import;
pub mod pages;
pub mod previews;
pub mod read;

/// The names of the upload and confirmation forms' fields.
pub mod field {
    pub const KIND: &str = "kind";
    pub const FORMAT: &str = "format";
    pub const FACILITY_TYPE: &str = "facility_type";
    pub const FILE: &str = "file";
    pub const SKIP_BAD_ROWS: &str = "skip_bad_rows";
    pub const ACCEPT_RENAMES: &str = "accept_renames";
}

/// What can be imported and exported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
pub enum ImportKind {
    Venues,
    Sessions,
    Partners,
    Wards,
}

impl ImportKind {
    pub const ALL: [ImportKind; 4] =
        [ImportKind::Venues, ImportKind::Sessions, ImportKind::Partners, ImportKind::Wards];

    pub fn code(self) -> &'static str {
        match self {
            ImportKind::Venues => "venues",
            ImportKind::Sessions => "sessions",
            ImportKind::Partners => "partners",
            ImportKind::Wards => "wards",
        }
    }

    pub fn parse(code: &str) -> Option<ImportKind> {
        ImportKind::ALL.into_iter().find(|k| k.code() == code.trim())
    }

    pub fn label(self, lang: Lang) -> String {
        lang.tr(&format!("exchange.kind.{}", self.code()))
    }

    /// Wards are the administrators' to change; the rest, the managers'.
    pub fn require(self, viewer: &crate::policy::Viewer) -> crate::policy::Allowed {
        match self {
            ImportKind::Wards => viewer.require_admin(),
            _ => viewer.require_manager(),
        }
    }

    /// The columns of the file, in the order an export writes them. `id` (wards: `code`)
    /// empty: a new record, unless one with the same name and address is there; `id` of
    /// an existing record: that record is replaced by the row. Only a column named
    /// exactly `id` binds to Ippo's ids.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            ImportKind::Venues => &[
                "id",
                "name",
                "name_kana",
                "kind",
                "ward",
                "address",
                "access",
                "phone",
                "hours",
                "latitude",
                "longitude",
                "wheelchair",
                "step_free",
                "accessible_toilet",
                "priority_parking",
            ],
            ImportKind::Sessions => &[
                "id",
                "kind",
                "title",
                "topic",
                "venue_id",
                "meetings",
                "capacity",
                "loaner_devices",
                "instructors",
                "assistants",
                "slot_minutes",
                "advisors",
                "description",
                "what_to_bring",
            ],
            ImportKind::Partners => &[
                "id",
                "carrier",
                "name",
                "ward",
                "address",
                "contact_name",
                "phone",
                "email",
                "agreement_date",
                "active",
                "notes",
            ],
            ImportKind::Wards => &["code", "name_ja", "name_en", "sort_order"],
        }
    }

    /// Columns a file must have; the others may be left out (empty).
    pub fn required_columns(self) -> &'static [&'static str] {
        match self {
            ImportKind::Venues => &["name", "kind", "ward", "address"],
            ImportKind::Sessions => &["kind", "title", "topic", "venue_id", "meetings"],
            ImportKind::Partners => &["carrier", "name", "ward", "address"],
            ImportKind::Wards => &["code", "name_ja"],
        }
    }

    /// The column that holds a record's name: changing it is a rename, which a clerk
    /// must confirm.
    pub fn name_column(self) -> &'static str {
        match self {
            ImportKind::Sessions => "title",
            ImportKind::Wards => "name_ja",
            _ => "name",
        }
    }
}

/// How a file is laid out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
pub enum FileFormat {
    /// Ippo's own columns (what an export writes).
    #[default]
    Ippo,
    /// The 自治体標準オープンデータセット 公共施設一覧 as a city publishes it (venues only).
    FacilityList,
}

impl FileFormat {
    pub fn code(self) -> &'static str {
        match self {
            FileFormat::Ippo => "ippo",
            FileFormat::FacilityList => "facility-list",
        }
    }

    pub fn parse(code: &str) -> Option<FileFormat> {
        [FileFormat::Ippo, FileFormat::FacilityList].into_iter().find(|f| f.code() == code.trim())
    }
}

/// Something said to the clerk, in whichever language they read it later: a message key
/// with its values (a `Problem` that can be kept with a stored preview).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Said {
    pub key: String,
    pub args: Vec<(String, String)>,
}

impl Said {
    pub fn new(key: &str) -> Said {
        Said { key: key.to_string(), args: Vec::new() }
    }

    pub fn with(mut self, name: &str, value: impl ToString) -> Said {
        self.args.push((name.to_string(), value.to_string()));
        self
    }

    pub fn text(&self, lang: Lang) -> String {
        let args: Vec<(&str, String)> = self.args.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        lang.tr_with(&self.key, &args)
    }
}

impl From<&Problem> for Said {
    fn from(p: &Problem) -> Said {
        Said { key: p.key.to_string(), args: p.args.iter().map(|(k, v)| (k.to_string(), v.clone())).collect() }
    }
}

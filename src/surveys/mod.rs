//! The after-course survey (アンケート): answers by QR code on a phone or the venue's
//! tablet, and the staff's fast entry of paper sheets.

use serde::{Deserialize, Serialize};

pub mod api;
pub mod pages;
pub mod store;

/// The names of the survey forms' fields (also the API body's, in error messages).
pub mod field {
    pub const COMPREHENSION: &str = "comprehension";
    pub const SATISFACTION: &str = "satisfaction";
    pub const WANTS_ONLINE_SERVICES: &str = "wants_online_services";
    pub const TOPICS_WANTED: &str = "topics_wanted";
    pub const COMMENT: &str = "comment";
    pub const SURVEY_CODE: &str = "survey_code";
}

/// A survey answer as sent (unchecked).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SurveyInput {
    pub comprehension: Option<i64>,
    pub satisfaction: Option<i64>,
    pub wants_online_services: Option<bool>,
    pub topics_wanted: Vec<String>,
    pub comment: String,
    pub survey_code: Option<String>,
}

/// What the survey page shows about the session it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyTarget {
    pub session_id: i64,
    pub title: String,
    pub when: String,
    pub venue_name: String,
}

/// One stored answer, without anything that identifies a person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct SurveyAnswer {
    pub id: i64,
    pub session_id: i64,
    pub comprehension: Option<i32>,
    pub satisfaction: Option<i32>,
    pub wants_online_services: Option<bool>,
    pub topics_wanted: String,
    pub comment: String,
    pub source: String,
}

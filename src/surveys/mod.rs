//! The after-course survey (アンケート): answers by QR code on a phone or the venue's
//! tablet, and the staff's fast entry of paper sheets.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub mod pages;
#[cfg(feature = "ssr")]
pub mod api;
#[cfg(feature = "ssr")]
pub mod store;

/// Answers "4" and "5" count as understood / satisfied.
pub const GOOD_ANSWER: i64 = 4;

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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
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

#[server]
pub async fn find_survey_target(code: String) -> Result<Option<SurveyTarget>, ServerFnError> {
    let state = crate::server::state::app_state()?;
    store::target_by_code(&state.db, &code, crate::i18n::current_lang())
        .await
        .map_err(|e| ServerFnError::new(e.to_string()))
}

/// How many answers a session has (the running count of the fast entry page).
#[server]
pub async fn response_count(session_id: i64) -> Result<i64, ServerFnError> {
    let state = crate::server::state::app_state()?;
    store::count(&state.db, session_id).await.map_err(|e| ServerFnError::new(e.to_string()))
}

/// A session's answers for the KPI drill-down (managers and the venue's staff).
#[server]
pub async fn session_answers(session_id: i64) -> Result<Option<Vec<SurveyAnswer>>, ServerFnError> {
    let state = crate::server::state::app_state()?;
    let viewer = crate::accounts::current_viewer();
    let session = crate::sessions::store::detail(&state.db, session_id, viewer.as_ref())
        .await
        .map_err(|e| ServerFnError::new(e.to_string()))?;
    if !viewer.is_some_and(|v| v.works_at(session.venue.id)) {
        return Ok(None);
    }
    store::answers(&state.db, session_id).await.map(Some).map_err(|e| ServerFnError::new(e.to_string()))
}

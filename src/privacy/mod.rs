//! Privacy: the audit log viewer, the retention job that anonymises attendees'
//! personal data after the session, and an attendee's request to see or erase theirs.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub mod pages;
#[cfg(feature = "ssr")]
pub mod api;
#[cfg(feature = "ssr")]
pub mod store;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub user_email: Option<String>,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub client: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub user: Option<String>,
    /// Tokyo date `YYYY-MM-DD`: entries of that day.
    pub date: Option<String>,
}

/// A registration found for a data request: enough to tell people apart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct PersonMatch {
    pub id: i64,
    pub session_id: i64,
    pub session_title: String,
    pub starts_at: DateTime<Utc>,
    pub attendee_name: String,
    pub attendee_phone: String,
}

#[server]
pub async fn audit_entries(filter: AuditFilter) -> Result<Option<Vec<AuditEntry>>, ServerFnError> {
    let state = crate::server::state::app_state()?;
    if !crate::accounts::current_viewer().is_some_and(|v| v.is_admin()) {
        return Ok(None);
    }
    store::audit_entries(&state.db, &filter).await.map(Some).map_err(|e| ServerFnError::new(e.to_string()))
}

#[server]
pub async fn find_people(query: String) -> Result<Option<Vec<PersonMatch>>, ServerFnError> {
    let state = crate::server::state::app_state()?;
    let Some(viewer) = crate::accounts::current_viewer().filter(|v| v.is_admin()) else { return Ok(None) };
    store::find_people(&state.db, &viewer, &query).await.map(Some).map_err(|e| ServerFnError::new(e.to_string()))
}

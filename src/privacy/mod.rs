//! Privacy: the audit log viewer, the retention job that anonymises attendees'
//! personal data after the session, and an attendee's request to see or erase theirs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub mod api;
pub mod pages;
pub mod store;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct PersonMatch {
    pub id: i64,
    pub session_id: i64,
    pub session_title: String,
    pub starts_at: DateTime<Utc>,
    pub attendee_name: String,
    pub attendee_phone: String,
}

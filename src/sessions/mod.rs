//! Sessions (講座・開催回) and their meetings (開催日): scheduling, listing, the public pages.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    domain::{SessionKind, SessionStatus, Topic},
    venues::Venue,
};

pub mod pages;
#[cfg(feature = "ssr")]
pub mod api;
#[cfg(feature = "ssr")]
pub mod store;

/// The national programme asks for one instructor or assistant per this many attendees.
pub const ATTENDEES_PER_HELPER: i32 = 4;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Meeting {
    pub id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// A session as listings and the API show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionSummary {
    pub id: i64,
    pub kind: SessionKind,
    pub title: String,
    pub topic: Topic,
    pub venue_id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: i32,
    pub seats_left: i32,
    pub waitlist_count: i32,
    pub loaner_devices: i32,
    pub status: SessionStatus,
}

/// One session with everything its page needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionDetail {
    #[serde(flatten)]
    pub summary: SessionSummary,
    pub description: String,
    pub what_to_bring: String,
    pub instructors: i32,
    pub assistants: i32,
    pub slot_minutes: Option<i32>,
    pub advisors: Option<i32>,
    pub confirmed: i32,
    pub meetings: Vec<Meeting>,
    pub venue: Venue,
    /// Only for staff of the venue and managers: the code printed on survey sheets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub survey_code: Option<String>,
}

impl SessionDetail {
    /// Instructors and assistants fall short of one per four confirmed attendees.
    pub fn understaffed(&self) -> bool {
        (self.instructors + self.assistants) * ATTENDEES_PER_HELPER < self.confirmed
    }
}

/// A session as typed into the form or the API: unchecked.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionInput {
    pub kind: String,
    pub title: String,
    pub topic: String,
    pub venue_id: Option<i64>,
    pub starts_at: String,
    pub ends_at: String,
    pub capacity: Option<i64>,
    pub loaner_devices: Option<i64>,
    pub instructors: Option<i64>,
    pub assistants: Option<i64>,
    pub slot_minutes: Option<i64>,
    pub advisors: Option<i64>,
    pub description: String,
    pub what_to_bring: String,
    pub meetings: Option<Vec<MeetingInput>>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MeetingInput {
    pub starts_at: String,
    pub ends_at: String,
}

/// What the public list and the managers' list filter by.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionFilter {
    /// Tokyo dates, `YYYY-MM-DD`.
    pub from: Option<String>,
    pub to: Option<String>,
    pub ward: Option<String>,
    pub kind: Option<String>,
    pub topic: Option<String>,
    pub venue_id: Option<i64>,
    /// Managers also see what has ended.
    pub include_past: bool,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// One page of a listing and whether more follow.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SessionPage {
    pub sessions: Vec<SessionSummary>,
    pub has_more: bool,
}

#[server]
pub async fn list_sessions(filter: SessionFilter) -> Result<SessionPage, ServerFnError> {
    let state = crate::server::state::app_state()?;
    store::list(&state.db, &filter, Utc::now()).await.map_err(|e| ServerFnError::new(e.to_string()))
}

#[server]
pub async fn get_session(id: i64) -> Result<Option<SessionDetail>, ServerFnError> {
    let state = crate::server::state::app_state()?;
    let viewer = crate::accounts::current_viewer();
    match store::detail(&state.db, id, viewer.as_ref()).await {
        Ok(detail) => Ok(Some(detail)),
        Err(crate::server::error::AppError::NotFound) => Ok(None),
        Err(e) => Err(ServerFnError::new(e.to_string())),
    }
}

/// How many meeting rows the scheduling form offers (a beginner course has four).
pub const FORM_MEETING_ROWS: usize = 8;

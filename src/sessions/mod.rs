//! Sessions (講座・開催回) and their meetings (開催日): scheduling, listing, the public pages.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    domain::{SessionKind, SessionStatus, Topic},
    venues::Venue,
};

pub mod api;
pub mod changes;
pub mod pages;
pub mod store;

/// The national programme asks for one instructor or assistant per this many attendees.
pub const ATTENDEES_PER_HELPER: i32 = 4;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
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
    /// How many meetings, and whether they repeat weekly (see `schedule`).
    pub meeting_count: i32,
    pub weekly: bool,
}

impl SessionSummary {
    /// Its dates as a flyer gives them (`time::format_schedule`): 「全4回（毎週木曜）…」.
    pub fn schedule(&self, lang: crate::i18n::Lang) -> String {
        crate::time::format_schedule(self.starts_at, self.ends_at, self.meeting_count, self.weekly, lang)
    }
}

/// One session with everything its page needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
    /// How many times its dates, times or place changed: the SEQUENCE of its calendar files.
    #[serde(skip_serializing, default)]
    pub schedule_sequence: i32,
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
    /// Also what has started or ended (staff of the venue and managers only).
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

/// The names of the scheduling form's fields: the same strings name the API body's
/// fields in error messages, so the view, the parser and the errors agree.
pub mod field {
    pub const KIND: &str = "kind";
    pub const TITLE: &str = "title";
    pub const TOPIC: &str = "topic";
    pub const VENUE_ID: &str = "venue_id";
    pub const CAPACITY: &str = "capacity";
    pub const LOANER_DEVICES: &str = "loaner_devices";
    pub const INSTRUCTORS: &str = "instructors";
    pub const ASSISTANTS: &str = "assistants";
    pub const SLOT_MINUTES: &str = "slot_minutes";
    pub const ADVISORS: &str = "advisors";
    pub const DESCRIPTION: &str = "description";
    pub const WHAT_TO_BRING: &str = "what_to_bring";
    /// A single meeting's times (API) and where problems with the meetings as a whole go.
    pub const STARTS_AT: &str = "starts_at";
    pub const ENDS_AT: &str = "ends_at";
    /// The numbers typed into the form.
    pub const NUMBERS: [&str; 6] = [CAPACITY, LOANER_DEVICES, INSTRUCTORS, ASSISTANTS, SLOT_MINUTES, ADVISORS];

    /// Row `i` (from 1) of the form's meeting table.
    pub fn meeting_date(i: usize) -> String {
        format!("meeting_date_{i}")
    }

    pub fn meeting_start(i: usize) -> String {
        format!("meeting_start_{i}")
    }

    pub fn meeting_end(i: usize) -> String {
        format!("meeting_end_{i}")
    }
}

/// How many meeting rows the scheduling form offers (a beginner course has four).
pub const FORM_MEETING_ROWS: usize = 8;

//! Registrations (申込): sign-ups by families, seniors and staff; capacity and the
//! waitlist; cancellation; the roster and the day-before call list.

use chrono::{DateTime, Duration, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    domain::{AgeBand, Attendance, Channel, RegistrationStatus, SmartphoneOs},
    sessions::SessionDetail,
    time::to_tokyo,
};

pub mod pages;
#[cfg(feature = "ssr")]
pub mod api;
#[cfg(feature = "ssr")]
pub mod store;

/// The person who comes, as typed (unchecked).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AttendeeInput {
    pub name: String,
    pub name_kana: String,
    pub phone: String,
    pub age_band: String,
    pub has_smartphone: Option<bool>,
    pub smartphone_os: Option<String>,
    pub needs_loaner: Option<bool>,
    pub accessibility_needs: String,
    pub notes: String,
}

/// The person who fills in the form, as typed (unchecked).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegistrantInput {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub relation: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegistrationInput {
    pub attendee: AttendeeInput,
    pub registrant: RegistrantInput,
    pub channel: String,
    pub consent: bool,
    /// For a consultation: the chosen time slot.
    pub slot_starts_at: Option<String>,
}

/// The answer to a sign-up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationCreated {
    pub id: i64,
    pub status: RegistrationStatus,
    pub waitlist_position: Option<i64>,
    pub cancel_token: String,
}

/// What the holder of a cancel token sees of their registration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct RegistrationStatusView {
    pub id: i64,
    pub session_id: i64,
    pub status: RegistrationStatus,
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    pub waitlist_position: Option<i64>,
    pub attendee_name: String,
    pub needs_loaner: bool,
    pub slot_starts_at: Option<DateTime<Utc>>,
}

/// One line of a session's roster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct RosterEntry {
    pub id: i64,
    pub status: RegistrationStatus,
    pub attendance: Attendance,
    pub channel: Channel,
    pub slot_starts_at: Option<DateTime<Utc>>,
    pub attendee_name: String,
    pub attendee_kana: String,
    pub attendee_phone: String,
    pub age_band: AgeBand,
    pub has_smartphone: bool,
    pub smartphone_os: Option<SmartphoneOs>,
    pub needs_loaner: bool,
    pub accessibility_needs: String,
    pub notes: String,
    pub registrant_name: String,
    pub registrant_email: Option<String>,
    pub registrant_phone: Option<String>,
    pub registrant_relation: crate::domain::Relation,
    pub created_at: DateTime<Utc>,
}

impl RosterEntry {
    /// Confirmed, and the registrant left no e-mail: our mails never reach them, so
    /// staff call the day before.
    pub fn needs_call(&self) -> bool {
        self.status == RegistrationStatus::Confirmed && self.registrant_email.as_deref().is_none_or(str::is_empty)
    }
}

/// Every slot start of a consultation, in order: each meeting cut into `slot_minutes`.
pub fn slots(session: &SessionDetail) -> Vec<DateTime<Utc>> {
    let Some(minutes) = session.slot_minutes.filter(|m| *m > 0) else { return Vec::new() };
    let step = Duration::minutes(minutes as i64);
    session
        .meetings
        .iter()
        .flat_map(|m| {
            let mut starts = Vec::new();
            let mut t = m.starts_at;
            while t + step <= m.ends_at {
                starts.push(t);
                t += step;
            }
            starts
        })
        .collect()
}

/// "10:00〜10:30": a slot as the roster shows it.
pub fn slot_label(slot: DateTime<Utc>, minutes: i32) -> String {
    let s = to_tokyo(slot);
    format!("{}〜{}", s.format("%H:%M"), (s + Duration::minutes(minutes as i64)).format("%H:%M"))
}

#[server]
pub async fn fetch_registration(token: String) -> Result<Option<RegistrationStatusView>, ServerFnError> {
    let state = crate::server::state::app_state()?;
    store::status_by_token(&state.db, &token).await.map_err(|e| ServerFnError::new(e.to_string()))
}

/// The roster of a session for its venue's staff and managers (audit-logged).
#[server]
pub async fn session_roster(session_id: i64) -> Result<Option<Vec<RosterEntry>>, ServerFnError> {
    let state = crate::server::state::app_state()?;
    let Some(viewer) = crate::accounts::current_viewer() else { return Ok(None) };
    match store::roster(&state.db, &viewer, session_id).await {
        Ok(entries) => Ok(Some(entries)),
        Err(crate::server::error::AppError::Forbidden) => Ok(None),
        Err(e) => Err(ServerFnError::new(e.to_string())),
    }
}

/// Who came to one meeting, by registration id (staff of the venue and managers only).
#[server]
pub async fn checkin_status(session_id: i64, meeting_id: i64) -> Result<Option<Vec<(i64, Attendance)>>, ServerFnError> {
    let state = crate::server::state::app_state()?;
    let Some(viewer) = crate::accounts::current_viewer() else { return Ok(None) };
    let session = crate::sessions::store::detail(&state.db, session_id, Some(&viewer))
        .await
        .map_err(|e| ServerFnError::new(e.to_string()))?;
    if !viewer.works_at(session.venue.id) || !session.meetings.iter().any(|m| m.id == meeting_id) {
        return Ok(None);
    }
    store::meeting_attendance(&state.db, meeting_id).await.map(Some).map_err(|e| ServerFnError::new(e.to_string()))
}

/// The survey QR code of a session as SVG, pointing at its survey page (staff only).
#[server]
pub async fn survey_sheet(session_id: i64) -> Result<Option<(String, String)>, ServerFnError> {
    let state = crate::server::state::app_state()?;
    let viewer = crate::accounts::current_viewer();
    let session = crate::sessions::store::detail(&state.db, session_id, viewer.as_ref())
        .await
        .map_err(|e| ServerFnError::new(e.to_string()))?;
    let Some(code) = session.survey_code else { return Ok(None) };
    let url = format!("{}/survey/{code}", state.config.public_url.trim_end_matches('/'));
    let qr = qrcode::QrCode::new(url.as_bytes()).map_err(|e| ServerFnError::new(e.to_string()))?;
    let svg = qr.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).build();
    Ok(Some((url, svg)))
}

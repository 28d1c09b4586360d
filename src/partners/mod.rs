//! Partner carrier shops (協力店舗), their part in sessions, and referrals (紹介).
//!
//! Managers keep the registry and link shops to sessions; partner staff see their own
//! shop only: the sessions they help with (counts, never attendees) and the people
//! referred to them (name and phone, which is what a referral hands over).

use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    domain::{Carrier, PartnerRole, SessionKind, SessionStatus},
    reports::{KpiLine, Rate},
};

pub mod pages;
#[cfg(feature = "ssr")]
pub mod api;
#[cfg(feature = "ssr")]
pub mod store;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Partner {
    pub id: i64,
    pub carrier: Carrier,
    pub name: String,
    pub ward: String,
    pub address: String,
    pub contact_name: String,
    pub phone: String,
    pub email: String,
    pub agreement_date: Option<NaiveDate>,
    pub active: bool,
    pub notes: String,
}

impl Partner {
    /// The partner as an editable input (what the edit form and a PATCH start from).
    pub fn to_input(&self) -> PartnerInput {
        PartnerInput {
            carrier: self.carrier.as_str().into(),
            name: self.name.clone(),
            ward: self.ward.clone(),
            address: self.address.clone(),
            contact_name: self.contact_name.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            agreement_date: self.agreement_date.map(|d| d.format("%Y-%m-%d").to_string()),
            active: Some(self.active),
            notes: self.notes.clone(),
        }
    }
}

/// A partner as typed into the form, the API or a CSV row: unchecked.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PartnerInput {
    pub carrier: String,
    pub name: String,
    pub ward: String,
    pub address: String,
    pub contact_name: String,
    pub phone: String,
    pub email: String,
    /// `YYYY-MM-DD`; empty or absent: no agreement date recorded.
    pub agreement_date: Option<String>,
    /// Absent: active.
    pub active: Option<bool>,
    pub notes: String,
}

/// A partner's part in one session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SessionPartner {
    pub session_id: i64,
    pub partner_id: i64,
    pub role: PartnerRole,
    pub partner_name: String,
    pub carrier: Carrier,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionPartnerInput {
    pub partner_id: Option<i64>,
    pub role: String,
}

/// A session a partner helps with, as its staff see it: counts, no people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SupportedSession {
    pub session_id: i64,
    pub title: String,
    pub kind: SessionKind,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue_name: String,
    pub role: PartnerRole,
    pub confirmed: i32,
    pub capacity: i32,
    pub status: SessionStatus,
}

/// An attendee referred to a partner shop, with what the shop needs to call them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Referral {
    pub id: i64,
    pub registration_id: i64,
    pub session_id: i64,
    pub session_title: String,
    pub session_starts_at: DateTime<Utc>,
    pub partner_id: i64,
    pub partner_name: String,
    pub reason: String,
    pub created_at: DateTime<Utc>,
    pub handled_at: Option<DateTime<Utc>>,
    pub attendee_name: String,
    pub attendee_phone: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReferralInput {
    pub registration_id: Option<i64>,
    pub partner_id: Option<i64>,
    pub reason: String,
}

/// What staff need to refer attendees of one session: the active shops (those helping
/// with the session first) and the referrals already made from it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferralDesk {
    pub partners: Vec<Partner>,
    /// Of `partners`, those linked to the session.
    pub session_partner_ids: Vec<i64>,
    pub referrals: Vec<Referral>,
}

/// What a partner's staff see on their home page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerHome {
    pub partner: Partner,
    pub sessions: Vec<SupportedSession>,
    pub referrals: Vec<Referral>,
}

/// One partner's contribution in a fiscal year. The flattened line carries the tally of
/// the sessions it supported (`sessions`, `confirmed` …) and their survey rates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartnerLine {
    pub partner_id: i64,
    pub carrier: Carrier,
    pub active: bool,
    pub sessions_supported: i64,
    pub sessions_as_instructor: i64,
    pub sessions_as_support: i64,
    /// Confirmed registrations of the sessions it supported.
    pub attendees_reached: i64,
    pub referrals_made: i64,
    pub referrals_handled: i64,
    #[serde(flatten)]
    pub kpi: KpiLine,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartnerReport {
    pub fiscal_year: i32,
    pub target: f64,
    pub partners: Vec<PartnerLine>,
    /// Sessions supported by any shop of a carrier, each counted once.
    pub by_carrier: Vec<KpiLine>,
    /// Sessions of the year no partner supported, for comparison.
    pub without_partner: KpiLine,
}

impl PartnerLine {
    pub fn handled_rate(&self) -> Rate {
        Rate { too_few: false, ..Rate::of(self.referrals_handled, self.referrals_made) }
    }
}

/// A store answer for a page: refusals become `None` (the page shows why), failures errors.
#[cfg(feature = "ssr")]
fn for_page<T>(result: crate::server::error::AppResult<T>) -> Result<Option<T>, ServerFnError> {
    use crate::server::error::AppError;
    match result {
        Ok(value) => Ok(Some(value)),
        Err(AppError::Forbidden | AppError::Unauthorized | AppError::NotFound) => Ok(None),
        Err(e) => Err(ServerFnError::new(e.to_string())),
    }
}

/// The app and the logged-in viewer of a page's server function, if anyone is logged in.
#[cfg(feature = "ssr")]
fn page_context() -> Result<Option<(crate::server::state::AppState, crate::accounts::Viewer)>, ServerFnError> {
    let state = crate::server::state::app_state()?;
    Ok(crate::accounts::current_viewer().map(|viewer| (state, viewer)))
}

/// Every partner for managers; their own shop for partner staff.
#[server]
pub async fn load_partners() -> Result<Option<Vec<Partner>>, ServerFnError> {
    let Some((state, viewer)) = page_context()? else { return Ok(None) };
    for_page(store::visible_partners(&state.db, &viewer).await)
}

/// The partners linked to one session, for its managers' page.
#[server]
pub async fn load_session_partners(session_id: i64) -> Result<Option<Vec<SessionPartner>>, ServerFnError> {
    let Some((state, viewer)) = page_context()? else { return Ok(None) };
    if viewer.require_manager().is_err() {
        return Ok(None);
    }
    for_page(store::session_partners(&state.db, session_id).await)
}

/// The partner staff's home: their shop, its sessions and its referrals (audit-logged).
#[server]
pub async fn load_partner_home() -> Result<Option<PartnerHome>, ServerFnError> {
    let Some((state, viewer)) = page_context()? else { return Ok(None) };
    for_page(store::home(&state.db, &viewer, Utc::now()).await)
}

/// The referral page of one session, for its venue's staff and managers (audit-logged).
#[server]
pub async fn load_referral_desk(session_id: i64) -> Result<Option<ReferralDesk>, ServerFnError> {
    let Some((state, viewer)) = page_context()? else { return Ok(None) };
    for_page(store::referral_desk(&state.db, &viewer, session_id).await)
}

#[server]
pub async fn load_partner_report(fiscal_year: Option<i32>) -> Result<Option<PartnerReport>, ServerFnError> {
    let Some((state, viewer)) = page_context()? else { return Ok(None) };
    if viewer.require_manager().is_err() {
        return Ok(None);
    }
    let filter = crate::reports::KpiFilter { fiscal_year, ..Default::default() };
    for_page(store::report(&state.db, &filter, Utc::now(), crate::i18n::current_lang()).await)
}

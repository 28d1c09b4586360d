//! Partner carrier shops (協力店舗), their part in sessions, and referrals (紹介).
//!
//! Managers keep the registry and link shops to sessions; partner staff see their own
//! shop only: the sessions they help with (counts, never attendees) and the people
//! referred to them (name and phone, which is what a referral hands over).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{Carrier, PartnerRole, SessionKind, SessionStatus};

pub mod api;
pub mod pages;
pub mod store;

/// The names of the partner forms' fields (also the API body's, in error messages).
pub mod field {
    pub const CARRIER: &str = "carrier";
    pub const NAME: &str = "name";
    pub const WARD: &str = "ward";
    pub const ADDRESS: &str = "address";
    pub const CONTACT_NAME: &str = "contact_name";
    pub const PHONE: &str = "phone";
    pub const EMAIL: &str = "email";
    pub const AGREEMENT_DATE: &str = "agreement_date";
    pub const ACTIVE: &str = "active";
    pub const NOTES: &str = "notes";
    /// Linking a shop to a session, and referring an attendee to one.
    pub const PARTNER_ID: &str = "partner_id";
    pub const ROLE: &str = "role";
    /// Unlinking: the partner to remove from the session.
    pub const REMOVE: &str = "remove";
    pub const REGISTRATION_ID: &str = "registration_id";
    pub const REASON: &str = "reason";
    /// The attendee's agreement that the shop gets their name and phone.
    pub const CONSENT: &str = "consent";
    /// Marking a referral handled.
    pub const REFERRAL_ID: &str = "referral_id";
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
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
    /// The attendee agreed that their name and phone go to the shop (required).
    pub consent: bool,
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

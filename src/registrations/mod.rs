//! Registrations (申込): sign-ups by families, seniors and staff (`signup`), the
//! session's seats and waitlist (`seats`), what people are told (`notices`), check-in
//! (`attendance`), the roster and a registration's status (`roster`), with their API,
//! form posts (`api`) and pages.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    domain::{AgeBand, Attendance, Channel, RegistrationStatus, SmartphoneOs},
    sessions::SessionDetail,
    time::to_tokyo,
};

pub mod api;
pub mod attendance;
pub mod calls;
pub mod notices;
pub mod pages;
pub mod roster;
pub mod seats;
pub mod signup;

/// The names of the sign-up form's fields: the same strings name the API body's fields
/// in error messages (`error.fields`), so the view, the parser and the errors agree.
pub mod field {
    pub const ATTENDEE_NAME: &str = "attendee.name";
    pub const ATTENDEE_KANA: &str = "attendee.name_kana";
    pub const ATTENDEE_PHONE: &str = "attendee.phone";
    pub const AGE_BAND: &str = "attendee.age_band";
    pub const HAS_SMARTPHONE: &str = "attendee.has_smartphone";
    pub const SMARTPHONE_OS: &str = "attendee.smartphone_os";
    pub const NEEDS_LOANER: &str = "attendee.needs_loaner";
    pub const ACCESSIBILITY_NEEDS: &str = "attendee.accessibility_needs";
    pub const NOTES: &str = "attendee.notes";
    /// Who an attendee of a group is to the registrant (the first stands in `RELATION`).
    pub const ATTENDEE_RELATION: &str = "attendee.relation";
    /// The API's group: `attendees: [...]`, 1–4 attendee objects.
    pub const ATTENDEES: &str = "attendees";
    /// With fewer seats than people: `waitlist_all` (default) or `split`.
    pub const IF_NOT_ENOUGH_SEATS: &str = "if_not_enough_seats";
    pub const REGISTRANT_NAME: &str = "registrant.name";
    pub const REGISTRANT_EMAIL: &str = "registrant.email";
    pub const REGISTRANT_PHONE: &str = "registrant.phone";
    pub const RELATION: &str = "registrant.relation";
    pub const CHANNEL: &str = "channel";
    pub const CONSENT: &str = "consent";
    /// Agrees to the follow-up a few weeks after the course (`followups`).
    pub const FOLLOWUP_CONSENT: &str = "followup_consent";
    /// Agrees to get the notices as SMS too (「SMSで連絡を受け取る」).
    pub const SMS_CONSENT: &str = "sms_consent";
    pub const SLOT: &str = "slot_starts_at";
    /// A consultation group's person with a slot of their own (`attendees.{i}.slot_starts_at`);
    /// whoever chooses none takes `SLOT`.
    pub const ATTENDEE_SLOT: &str = "attendee.slot_starts_at";
    /// Check-in: which meeting, and whether the person came.
    pub const MEETING_ID: &str = "meeting_id";
    pub const ATTENDANCE: &str = "attendance";
}

/// The most people one sign-up holds (SPEC.md: `attendees`, 1–4).
pub const MAX_GROUP: usize = 4;

/// The field `name` (`attendee.name`) of the group's person `index`: `attendees.{i}.name`
/// for the API's `attendees`, the forms' extra people and their errors; the single
/// `attendee` (and the form's first person) keep `attendee.*`.
pub fn member_field(index: Option<usize>, name: &str) -> String {
    match index {
        None => name.to_string(),
        Some(i) => name.replacen("attendee.", &format!("attendees.{i}."), 1),
    }
}

/// The characters of a short link's code: digits and lower-case letters without the
/// look-alikes 0/o and 1/l/i, so a code read out over the phone is typed right.
const SHORT_CODE_CHARS: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";

/// A short link's code has 12 of `SHORT_CODE_CHARS`: 31¹² ≈ 2⁵⁹ codes, and the link
/// counts failed lookups against the client's allowance (`api::SHORT_LINK_MISSES`).
pub const SHORT_CODE_LEN: usize = 12;

/// A new random code for a registration's short link.
pub fn new_short_code() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..SHORT_CODE_LEN).map(|_| SHORT_CODE_CHARS[rng.gen_range(0..SHORT_CODE_CHARS.len())] as char).collect()
}

/// The status page's short link for texts: `<IPPO_PUBLIC_URL>/r/<code>` (a text then
/// carries 12 characters instead of the 48 of the cancel token).
pub fn short_link(public_url: &str, code: &str) -> String {
    format!("{}/r/{code}", public_url.trim_end_matches('/'))
}

/// Whether `code` has the shape of a short link's code (what `/r/{code}` looks up).
pub fn is_short_code(code: &str) -> bool {
    code.len() == SHORT_CODE_LEN && code.bytes().all(|b| SHORT_CODE_CHARS.contains(&b))
}

/// The person who comes, as typed (unchecked).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
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
    /// In a group, who this person is to the registrant (`self`, `family`, …); the
    /// first person's is the registrant's `relation`, the others' `family` when left out.
    pub relation: String,
    /// For a consultation: this person's own slot (RFC 3339), when it is not the
    /// sign-up's `slot_starts_at` — a couple with one advisor books two slots.
    pub slot_starts_at: Option<String>,
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
    /// Up to four people signed up together, instead of the single `attendee`; each gets
    /// their own registration (roster row, attendance, cancel link).
    pub attendees: Vec<AttendeeInput>,
    /// When fewer seats are left than `attendees`: `waitlist_all` (the default: everyone
    /// waits, and they move up together) or `split` (as many as fit now, the rest wait).
    pub if_not_enough_seats: String,
    pub registrant: RegistrantInput,
    pub channel: String,
    pub consent: bool,
    /// May be asked, weeks after the course, whether they now use the city's online
    /// services (the follow-up); recorded with its time.
    pub followup_consent: bool,
    /// Gets the notices as SMS too, at the attendee's mobile number (070/080/090), or the
    /// registrant's when the attendee has none; recorded with its time.
    pub sms_consent: bool,
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
    /// The code of the status page's short link (texts carry it; the answer does not).
    #[serde(skip)]
    pub short_code: Option<String>,
}

/// What the holder of a cancel token sees of their registration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct RegistrationStatusView {
    pub id: i64,
    pub session_id: i64,
    pub status: RegistrationStatus,
    #[sqlx(skip)]
    pub waitlist_position: Option<i64>,
    pub attendee_name: String,
    pub needs_loaner: bool,
    pub slot_starts_at: Option<DateTime<Utc>>,
    /// Where the mails go (shown to the holder of the link: "we sent a mail to …").
    #[serde(skip_serializing)]
    pub registrant_email: Option<String>,
    /// Where the SMS go, if anywhere (shown masked, with the button that stops them).
    #[serde(skip_serializing)]
    pub sms_number: Option<String>,
}

impl RegistrationStatusView {
    /// The 受付番号 people quote on the phone: the registration's number, six digits.
    pub fn reference(&self) -> String {
        format!("{:06}", self.id)
    }
}

/// One line of a session's roster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
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
    /// The mobile number that gets the notices as SMS, when they agreed to them.
    pub sms_number: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl RosterEntry {
    /// Confirmed, with neither an e-mail nor SMS: our reminder never reaches them, so
    /// staff call the day before.
    pub fn needs_call(&self) -> bool {
        self.status == RegistrationStatus::Confirmed
            && self.registrant_email.as_deref().is_none_or(str::is_empty)
            && self.sms_number.is_none()
    }
}

/// Every slot start of a consultation, in order: each meeting cut into `slot_minutes`.
pub fn slots(session: &SessionDetail) -> Vec<DateTime<Utc>> {
    let spans: Vec<(DateTime<Utc>, DateTime<Utc>)> =
        session.meetings.iter().map(|m| (m.starts_at, m.ends_at)).collect();
    session.slot_minutes.map_or_else(Vec::new, |minutes| slot_starts(&spans, minutes))
}

/// The slot starts of meetings (`[start, end)` spans) cut into `minutes`-long slots; a
/// slot that would run past its meeting's end is not one.
pub fn slot_starts(meetings: &[(DateTime<Utc>, DateTime<Utc>)], minutes: i32) -> Vec<DateTime<Utc>> {
    if minutes <= 0 {
        return Vec::new();
    }
    let step = Duration::minutes(minutes as i64);
    meetings
        .iter()
        .flat_map(|(starts_at, ends_at)| {
            let mut starts = Vec::new();
            let mut t = *starts_at;
            while t + step <= *ends_at {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_codes_are_twelve_unmistakable_characters_and_differ() {
        let codes: std::collections::HashSet<String> = (0..1000).map(|_| new_short_code()).collect();
        assert_eq!(codes.len(), 1000, "no two alike in a thousand");
        for code in &codes {
            assert!(is_short_code(code), "{code}");
            assert!(!code.contains(['0', 'o', '1', 'l', 'i']), "no look-alikes: {code}");
        }
        assert!(!is_short_code("abc"), "too short");
        assert!(!is_short_code("ABCDEFGHJKMN"), "looked up in lower case");
        assert!(!is_short_code("abcdefghjkm0"), "0 is never in a code");
        assert!(!is_short_code("ａｂｃｄｅｆｇｈｊｋｍｎ"), "full-width letters are not a code");
        assert_eq!(short_link("https://city.example.jp/", "k7m2q9x4pa3c"), "https://city.example.jp/r/k7m2q9x4pa3c");
    }
}

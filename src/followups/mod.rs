//! The follow-up (フォローアップ調査): a few weeks after a course, whether the attendee
//! has used the city's online services since — the outcome the current DX plan measures
//! (デジタル導入した市民サービスの市民利用率, target 80% by FY2027; 62.0% in the FY2024 city
//! survey). Asked only of attendees who came and agreed at sign-up: by an e-mailed link,
//! or by a staff member's call (the follow-up call list), `IPPO_FOLLOWUP_DAYS` after the
//! session. Its answers stay anonymous in every report and export.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    domain::{text_enum, AgeBand},
    i18n::Lang,
};

pub mod api;
pub mod pages;
pub mod store;

/// The names of the follow-up forms' fields (also the API body's, in error messages).
pub mod field {
    pub const SERVICES_USED: &str = "services_used";
    /// The form's box for "none of them" (the API says so with an empty list).
    pub const NONE_USED: &str = "none_used";
    pub const WITH_HELP: &str = "with_help";
    pub const BARRIERS: &str = "barriers";
    pub const COMMENT: &str = "comment";
    /// A choice being edited by a manager.
    pub const KIND: &str = "kind";
    pub const CODE: &str = "code";
    pub const LABEL_JA: &str = "label_ja";
    pub const LABEL_EN: &str = "label_en";
    pub const SORT_ORDER: &str = "sort_order";
    pub const ACTIVE: &str = "active";
    /// The call list's answer: how a call ended (`no_answer`, `declined`).
    pub const OUTCOME: &str = "outcome";
}

/// How many times staff call someone who does not answer before giving up (so nobody is
/// called three times).
pub const MAX_CALLS: i32 = 2;

/// Days after its day within which a follow-up round is still asked: a session recorded
/// later than that (last year's paper records) asks nobody.
pub const LATE_DAYS: i64 = 14;

/// The answer as sent (unchecked). An empty `services_used` means "none of them".
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FollowupInput {
    pub services_used: Vec<String>,
    /// Whether someone helped them (family, a shop, the centre); needed when they used a service.
    pub with_help: Option<bool>,
    pub barriers: Vec<String>,
    pub comment: String,
}

text_enum!(
    /// Which list a choice belongs to.
    ChoiceKind: "followup_choice_kind" {
        /// One of the city's digital services.
        Service = "service",
        /// What stopped someone who used none.
        Barrier = "barrier",
    }
);

/// One choice of the questionnaire (managers edit them at `/manage/followups/choices`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Choice {
    pub kind: ChoiceKind,
    pub code: String,
    pub label_ja: String,
    pub label_en: String,
    pub sort_order: i32,
    pub active: bool,
}

impl Choice {
    pub fn label(&self, lang: Lang) -> &str {
        match lang {
            Lang::En if !self.label_en.is_empty() => &self.label_en,
            _ => &self.label_ja,
        }
    }
}

/// A choice as the questionnaire API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceLabel {
    pub code: String,
    pub label: String,
}

/// What the holder of a follow-up link sees: the course it is about and the questions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Questionnaire {
    pub session_title: String,
    pub when: String,
    pub venue_name: String,
    /// 1 for the first round, 2 for the second (`IPPO_FOLLOWUP_DAYS`).
    pub round: i32,
    pub answered: bool,
    pub services: Vec<ChoiceLabel>,
    pub barriers: Vec<ChoiceLabel>,
}

text_enum!(
    /// How a follow-up reached, or is to reach, the person.
    Reach: "followup_reach" {
        /// A mail with the link to the registrant (and a text too, to those who get them).
        Email = "email",
        /// A text with the link, to who agreed to SMS and has no e-mail.
        Sms = "sms",
        /// A call by the venue's staff (neither e-mail nor SMS, or the message failed).
        Phone = "phone",
    }
);

text_enum!(
    /// What a staff member's call came to, when it did not come to an answer.
    CallOutcome: "followup_call" {
        /// Nobody picked up: called again another day, at most `MAX_CALLS` times in all.
        NoAnswer = "no_answer",
        /// They would rather not answer: never called again.
        Declined = "declined",
    }
);

/// One person on the follow-up call list (the venue's staff; personal data).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct FollowupCall {
    pub id: i64,
    pub round: i32,
    pub session_id: i64,
    pub venue_id: i64,
    pub session_title: String,
    pub session_ends_at: DateTime<Utc>,
    pub attendee_name: String,
    pub attendee_kana: String,
    pub attendee_phone: String,
    pub registrant_name: String,
    pub registrant_phone: Option<String>,
    pub age_band: AgeBand,
    pub call_attempts: i32,
    pub last_call_at: Option<DateTime<Utc>>,
    /// A mail was sent but could not be delivered.
    pub mail_failed: bool,
}

//! The glossary's vocabulary (kinds, topics, statuses …) and the parsers that turn
//! user input into values that cannot be wrong. Shared by server and browser.

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

/// A closed set of codes stored as text, serialised by code and labelled through the
/// translation files under `<prefix>.<code>`.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident : $prefix:literal { $($variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $(#[serde(rename = $code)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn parse(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }

            pub fn label(self, lang: Lang) -> String {
                lang.tr(&format!("{}.{}", $prefix, self.as_str()))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #[cfg(feature = "ssr")]
        impl<DB: sqlx::Database> sqlx::Type<DB> for $name where str: sqlx::Type<DB> {
            fn type_info() -> DB::TypeInfo { <str as sqlx::Type<DB>>::type_info() }
            fn compatible(ty: &DB::TypeInfo) -> bool { <str as sqlx::Type<DB>>::compatible(ty) }
        }

        #[cfg(feature = "ssr")]
        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $name where &'q str: sqlx::Encode<'q, DB> {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&str as sqlx::Encode<'q, DB>>::encode(self.as_str(), buf)
            }
        }

        #[cfg(feature = "ssr")]
        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name where &'r str: sqlx::Decode<'r, DB> {
            fn decode(value: <DB as sqlx::Database>::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let code = <&str as sqlx::Decode<'r, DB>>::decode(value)?;
                Self::parse(code).ok_or_else(|| format!("unknown {} code {code:?}", stringify!($name)).into())
            }
        }
    };
}

text_enum!(
    /// 会場の種類
    VenueKind: "venue_kind" {
        CommunityCenter = "community_center",
        CommercialFacility = "commercial_facility",
        CarrierShop = "carrier_shop",
        Other = "other",
    }
);

text_enum!(
    /// 種別
    SessionKind: "kind" {
        Course = "course",
        Consultation = "consultation",
        Seminar = "seminar",
        Experience = "experience",
    }
);

text_enum!(
    /// テーマ
    Topic: "topic" {
        BasicOperation = "basic_operation",
        CallsCamera = "calls_camera",
        Internet = "internet",
        Maps = "maps",
        Line = "line",
        Mynumber = "mynumber",
        Mynaportal = "mynaportal",
        DisasterApps = "disaster_apps",
        Cashless = "cashless",
        OnlineApplications = "online_applications",
        Other = "other",
    }
);

text_enum!(
    SessionStatus: "session_status" {
        Scheduled = "scheduled",
        Cancelled = "cancelled",
    }
);

text_enum!(
    RegistrationStatus: "registration_status" {
        Confirmed = "confirmed",
        Waitlisted = "waitlisted",
        Cancelled = "cancelled",
    }
);

text_enum!(
    Attendance: "attendance" {
        Unknown = "unknown",
        Attended = "attended",
        NoShow = "no_show",
    }
);

text_enum!(
    /// How a sign-up reached us: online, by phone, or at the counter.
    Channel: "channel" {
        Web = "web",
        Phone = "phone",
        Counter = "counter",
    }
);

text_enum!(
    /// Who filled in the form, relative to the attendee.
    Relation: "relation" {
        Myself = "self",
        Family = "family",
        Staff = "staff",
        Other = "other",
    }
);

text_enum!(
    AgeBand: "age_band" {
        Under60 = "under_60",
        From60To64 = "60_64",
        From65To69 = "65_69",
        From70To74 = "70_74",
        From75To79 = "75_79",
        From80 = "80_plus",
    }
);

text_enum!(
    SmartphoneOs: "smartphone_os" {
        Android = "android",
        Iphone = "iphone",
        Other = "other",
        Unknown = "unknown",
    }
);

text_enum!(
    Role: "role" {
        Admin = "admin",
        Manager = "manager",
        Staff = "staff",
        Partner = "partner",
    }
);

text_enum!(
    /// The carrier of a partner shop (携帯ショップ).
    Carrier: "carrier" {
        Docomo = "docomo",
        Au = "au",
        Softbank = "softbank",
        Rakuten = "rakuten",
        Ymobile = "ymobile",
        Uqmobile = "uqmobile",
        Other = "other",
    }
);

text_enum!(
    /// What a partner shop does in a session: teaches it, or helps the attendees.
    PartnerRole: "partner_role" {
        Instructor = "instructor",
        Support = "support",
    }
);

/// A message key from the translation files with values for its placeholders; how
/// domain code says what is wrong without knowing the reader's language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Problem {
    pub const fn new(key: &'static str) -> Self {
        Problem { key, args: Vec::new() }
    }

    pub fn with(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }

    pub fn message(&self, lang: Lang) -> String {
        lang.tr_with(self.key, &self.args)
    }
}

/// Problems found in a submitted form or request body, by field name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<(String, Problem)>);

impl FieldErrors {
    pub fn add(&mut self, field: impl Into<String>, problem: Problem) {
        self.0.push((field.into(), problem));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Records the problem of a failed parse and returns the value of a good one.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, Problem>) -> Option<T> {
        parsed.map_err(|problem| self.add(field, problem)).ok()
    }

    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

/// Free text from a person: trimmed, bounded, without control characters.
pub fn text(input: &str, max_chars: usize, required: bool, multiline: bool) -> Result<String, Problem> {
    let value = input.trim();
    if value.is_empty() {
        return if required { Err(Problem::new("error.required")) } else { Ok(String::new()) };
    }
    if value.chars().count() > max_chars {
        return Err(Problem::new("error.too_long").with("max", max_chars));
    }
    let allowed = |c: char| !c.is_control() || (multiline && (c == '\n' || c == '\r' || c == '\t'));
    if !value.chars().all(allowed) {
        return Err(Problem::new("error.control_chars"));
    }
    Ok(value.to_string())
}

/// Full-width digits and hyphens, as Japanese keyboards type them, made half-width.
fn half_width(input: &str) -> String {
    input
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            'ー' | '－' | '‐' | '−' | '―' => '-',
            '　' => ' ',
            _ => c,
        })
        .collect()
}

/// A Japanese phone number: 10 or 11 digits starting with 0, hyphens optional.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(input: &str) -> Result<Self, Problem> {
        let value = half_width(input).trim().to_string();
        if value.is_empty() {
            return Err(Problem::new("error.required"));
        }
        let digits: String = value.chars().filter(|c| !matches!(c, '-' | ' ' | '(' | ')')).collect();
        let ok = digits.chars().all(|c| c.is_ascii_digit())
            && digits.starts_with('0')
            && (10..=11).contains(&digits.len());
        if ok { Ok(PhoneNumber(value)) } else { Err(Problem::new("error.phone")) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An e-mail address, checked only as far as a typing mistake shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, Problem> {
        let value = input.trim();
        if value.is_empty() {
            return Err(Problem::new("error.required"));
        }
        let ok = value.len() <= 254
            && value.is_ascii()
            && !value.chars().any(|c| c.is_whitespace() || c.is_control())
            && matches!(value.split_once('@'), Some((local, domain))
                if !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
                    && !domain.ends_with('.') && !domain.contains('@'));
        if ok { Ok(Email(value.to_string())) } else { Err(Problem::new("error.email")) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A name's reading in kana (フリガナ); hiragana is accepted and stored as katakana.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kana(String);

impl Kana {
    pub fn parse(input: &str) -> Result<Self, Problem> {
        let value = text(input, 60, true, false)?;
        let katakana: String = value
            .chars()
            .map(|c| match c {
                'ぁ'..='ゖ' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
                '　' => ' ',
                _ => c,
            })
            .collect();
        let ok = katakana
            .chars()
            .all(|c| matches!(c, 'ァ'..='ヺ' | 'ー' | '・' | ' ' | 'ヽ' | 'ヾ'));
        if ok { Ok(Kana(katakana)) } else { Err(Problem::new("error.kana")) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How many people a session takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capacity(i32);

impl Capacity {
    pub const MAX: i64 = 1000;

    pub fn parse(value: i64) -> Result<Self, Problem> {
        if (1..=Self::MAX).contains(&value) {
            Ok(Capacity(value as i32))
        } else {
            Err(Problem::new("error.range").with("min", 1).with("max", Self::MAX))
        }
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

/// A count that may be zero (loaner devices, instructors …), bounded like a capacity.
pub fn count(value: i64) -> Result<i32, Problem> {
    if (0..=Capacity::MAX).contains(&value) {
        Ok(value as i32)
    } else {
        Err(Problem::new("error.range").with("min", 0).with("max", Capacity::MAX))
    }
}

/// A whole number typed into a form.
pub fn number(input: &str) -> Result<i64, Problem> {
    let value = half_width(input);
    let value = value.trim();
    if value.is_empty() {
        return Err(Problem::new("error.required"));
    }
    value.parse().map_err(|_| Problem::new("error.number"))
}

/// A code from a closed set, or the message that says it is not one of them.
pub fn choice<T>(input: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T, Problem> {
    if input.trim().is_empty() {
        return Err(Problem::new("error.required"));
    }
    parse(input.trim()).ok_or(Problem::new("error.choice"))
}

/// A calendar date as typed or as Excel writes it: `2026-12-05`, `2026/12/05` or `2026/12/5`.
pub fn date(input: &str) -> Result<chrono::NaiveDate, Problem> {
    let value = half_width(input).trim().replace('/', "-");
    if value.is_empty() {
        return Err(Problem::new("error.required"));
    }
    chrono::NaiveDate::parse_from_str(&value, "%Y-%m-%d").map_err(|_| Problem::new("error.date"))
}

/// A ward code as the sample city seeds them: lower-case ASCII letters.
pub fn ward_code(input: &str) -> Result<String, Problem> {
    let value = input.trim();
    if value.is_empty() {
        return Err(Problem::new("error.required"));
    }
    if value.len() <= 32 && value.chars().all(|c| c.is_ascii_lowercase()) {
        Ok(value.to_string())
    } else {
        Err(Problem::new("error.choice"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_accept_what_people_type() {
        assert!(PhoneNumber::parse("093-582-2102").is_ok());
        assert!(PhoneNumber::parse("０９０１２３４５６７８").is_ok());
        assert!(PhoneNumber::parse("090 1234 5678").is_ok());
        assert_eq!(PhoneNumber::parse("12345").unwrap_err().key, "error.phone");
        assert_eq!(PhoneNumber::parse("093-582-210a").unwrap_err().key, "error.phone");
        assert_eq!(PhoneNumber::parse("  ").unwrap_err().key, "error.required");
    }

    #[test]
    fn kana_is_stored_as_katakana() {
        assert_eq!(Kana::parse("きたきゅうしゅう はなこ").unwrap().as_str(), "キタキュウシュウ ハナコ");
        assert_eq!(Kana::parse("ヤマダ　タロウ").unwrap().as_str(), "ヤマダ タロウ");
        assert_eq!(Kana::parse("山田").unwrap_err().key, "error.kana");
    }

    #[test]
    fn email_catches_typos() {
        assert!(Email::parse("hanako@example.jp").is_ok());
        for bad in ["hanako", "hanako@", "@example.jp", "a b@example.jp", "a@example", "a@@example.jp"] {
            assert_eq!(Email::parse(bad).unwrap_err().key, "error.email", "{bad}");
        }
    }

    #[test]
    fn capacity_is_bounded() {
        assert_eq!(Capacity::parse(15).unwrap().get(), 15);
        assert!(Capacity::parse(0).is_err());
        assert!(Capacity::parse(1001).is_err());
        assert!(count(0).is_ok());
        assert!(count(-1).is_err());
    }

    #[test]
    fn text_refuses_control_characters_and_overlong_input() {
        assert_eq!(text("  講座 ", 10, true, false).unwrap(), "講座");
        assert_eq!(text("", 10, true, false).unwrap_err().key, "error.required");
        assert_eq!(text("", 10, false, false).unwrap(), "");
        assert_eq!(text("a\u{7}b", 10, true, false).unwrap_err().key, "error.control_chars");
        assert!(text("a\nb", 10, true, true).is_ok());
        assert_eq!(text(&"あ".repeat(11), 10, true, false).unwrap_err().key, "error.too_long");
    }

    #[test]
    fn codes_round_trip() {
        for kind in SessionKind::ALL {
            assert_eq!(SessionKind::parse(kind.as_str()), Some(*kind));
        }
        assert_eq!(Relation::parse("self"), Some(Relation::Myself));
        assert_eq!(AgeBand::parse("80_plus"), Some(AgeBand::From80));
        assert_eq!(Topic::parse("nope"), None);
        assert_eq!(serde_json::to_string(&AgeBand::From70To74).unwrap(), "\"70_74\"");
        assert_eq!(ward_code("kokurakita").unwrap(), "kokurakita");
        assert!(ward_code("小倉北区").is_err());
        assert_eq!(number("１５").unwrap(), 15);
    }

    #[test]
    fn dates_accept_what_excel_writes() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
        for typed in ["2026-04-01", "2026/04/01", "2026/4/1", "２０２６/４/１"] {
            assert_eq!(date(typed).unwrap(), day, "{typed}");
        }
        assert_eq!(date("2026/13/1").unwrap_err().key, "error.date");
        assert_eq!(date(" ").unwrap_err().key, "error.required");
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn parsers_never_panic_on_any_input(input in "\\PC*") {
                let _ = PhoneNumber::parse(&input);
                let _ = Email::parse(&input);
                let _ = Kana::parse(&input);
                let _ = text(&input, 50, true, true);
                let _ = number(&input);
                let _ = ward_code(&input);
            }

            #[test]
            fn a_parsed_phone_number_parses_again_to_itself(digits in "0[1-9][0-9]{8,9}") {
                let phone = PhoneNumber::parse(&digits).unwrap();
                prop_assert_eq!(PhoneNumber::parse(phone.as_str()).unwrap(), phone);
            }

            #[test]
            fn kana_output_is_always_katakana(input in "[ぁ-ゖァ-ヺー ]{1,20}") {
                if let Ok(kana) = Kana::parse(&input) {
                    prop_assert!(kana.as_str().chars().all(|c| !('ぁ'..='ゖ').contains(&c)));
                    prop_assert_eq!(Kana::parse(kana.as_str()).unwrap(), kana);
                }
            }

            #[test]
            fn text_is_bounded_and_free_of_control_characters(input in any::<String>(), max in 1usize..200) {
                if let Ok(t) = text(&input, max, false, false) {
                    prop_assert!(t.chars().count() <= max);
                    prop_assert!(!t.chars().any(char::is_control));
                }
            }

            #[test]
            fn capacity_accepts_exactly_its_range(n in any::<i64>()) {
                prop_assert_eq!(Capacity::parse(n).is_ok(), (1..=Capacity::MAX).contains(&n));
            }
        }
    }
}

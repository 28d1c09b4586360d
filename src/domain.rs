//! The glossary's vocabulary (kinds, topics, statuses …) and the parsers that turn
//! user input into values that cannot be wrong. Shared by server and browser.

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

/// A closed set of codes stored as text, serialised by code and labelled through the
/// translation files under `<prefix>.<code>`.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident : $prefix:literal { $($(#[$vmeta:meta])* $variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $($(#[$vmeta])* #[serde(rename = $code)] $variant),+ }

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
pub(crate) use text_enum;

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
    /// How a survey answer came in.
    AnswerSource: "answer_source" {
        /// By the session's survey code (the QR code), from anyone.
        Code = "code",
        /// A paper sheet typed in by the venue's staff.
        Paper = "paper",
        /// Entered by staff otherwise (the API).
        Staff = "staff",
    }
);

text_enum!(
    /// Why staff must phone someone (the call list).
    CallReason: "call_reason" {
        /// A date, time or place changed and the person has no e-mail.
        ScheduleChange = "schedule_change",
        /// A mail to them could not be delivered.
        MailFailed = "mail_failed",
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
        if self.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

/// Text as it is kept, whatever keyboard typed it: full-width letters and digits made
/// ASCII, half-width katakana made full-width with their (han)dakuten joined (ﾊﾟｿｺﾝ →
/// パソコン), the ideographic space made a space (see `fold_widths`); line breaks as `\n`,
/// and each line trimmed with its runs of spaces made one. Single-line text has its line
/// breaks made spaces. Japanese punctuation keeps its width: 「体験会（午前）」 stays as written.
pub fn normalise(input: &str, multiline: bool) -> String {
    let text = fold_widths(&input.replace("\r\n", "\n").replace('\r', "\n"));
    let squeeze = |line: &str| line.split([' ', '\u{a0}']).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
    if multiline {
        text.lines().map(squeeze).collect::<Vec<_>>().join("\n").trim_matches('\n').to_string()
    } else {
        squeeze(&text.replace('\n', " "))
    }
}

/// The width folding Japanese forms expect, narrower than NFKC (which would also turn
/// （）！？～ into ASCII and ① into 1): U+FF10–FF19, FF21–FF3A and FF41–FF5A (full-width
/// digits and letters) become ASCII, runs of U+FF61–FF9F (half-width katakana and their
/// punctuation) are NFKC-composed to full width, U+3000 becomes a space; then NFC.
fn fold_widths(input: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let half_width_kana = |c: char| ('\u{FF61}'..='\u{FF9F}').contains(&c);
    let mut out = String::with_capacity(input.len());
    let mut kana_run = String::new();
    for c in input.chars() {
        if half_width_kana(c) {
            kana_run.push(c);
            continue;
        }
        out.extend(kana_run.nfkc());
        kana_run.clear();
        out.push(match c {
            '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            '\u{3000}' => ' ',
            _ => c,
        });
    }
    out.extend(kana_run.nfkc());
    out.nfc().collect()
}

/// Free text from a person: normalised (see `normalise`), bounded, without control characters.
pub fn text(input: &str, max_chars: usize, required: bool, multiline: bool) -> Result<String, Problem> {
    let value = normalise(input, multiline);
    if value.is_empty() {
        return if required { Err(Problem::new("error.required")) } else { Ok(String::new()) };
    }
    if value.chars().count() > max_chars {
        return Err(Problem::new("error.too_long").with("max", max_chars));
    }
    let allowed = |c: char| !c.is_control() || (multiline && (c == '\n' || c == '\t'));
    if !value.chars().all(allowed) {
        return Err(Problem::new("error.control_chars"));
    }
    Ok(value)
}

/// An address as it is kept: like `text`, but every width folded (NFKC) and every dash
/// made `-`, as addresses are compared and searched (門司区大積１－２ → 門司区大積1-2).
/// The long vowel mark ー is a dash only between digits (１ー２), not in センター.
pub fn address(input: &str, max_chars: usize, required: bool) -> Result<String, Problem> {
    use unicode_normalization::UnicodeNormalization;
    let chars: Vec<char> = input.nfkc().collect();
    let digit = |i: Option<&char>| i.is_some_and(char::is_ascii_digit);
    let folded: String = chars
        .iter()
        .enumerate()
        .map(|(i, c)| match c {
            'ー' if !(i > 0 && digit(chars.get(i - 1)) && digit(chars.get(i + 1))) => 'ー',
            c if DASHES.contains(c) => '-',
            c => *c,
        })
        .collect();
    text(&folded, max_chars, required, false)
}

/// Every dash a Japanese IME or a copy-paste puts in a number, beyond what NFKC makes an
/// ASCII hyphen: U+2010–U+2015 (hyphens and dashes), U+2212 (minus), U+30FC (ー, the long
/// vowel mark typed for a dash), U+FE63 and U+2043.
const DASHES: [char; 10] = [
    '\u{2010}', '\u{2011}', '\u{2012}', '\u{2013}', '\u{2014}', '\u{2015}', '\u{2212}', '\u{30FC}', '\u{FE63}',
    '\u{2043}',
];

/// A number, date or time as typed on a Japanese keyboard, made ASCII: NFKC (full-width digits,
/// brackets, the full-width hyphen-minus), every dash a hyphen, trimmed.
pub fn ascii_number(input: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    input.nfkc().map(|c| if DASHES.contains(&c) { '-' } else { c }).collect::<String>().trim().to_string()
}

/// The form two names or addresses are compared in, to find the same place written
/// twice: NFKC (widths), every dash one, ヶ/ヵ/ケ one letter, no spaces, ASCII lower
/// case. 「小倉北区 大手町１－１」 and 「小倉北区大手町1-1」 are the same place.
pub fn match_key(input: &str) -> String {
    ascii_number(input)
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            'ヶ' | 'ヵ' | 'ｹ' => 'ケ',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// A Japanese phone number, kept in one canonical form: the national format with its
/// hyphens where the numbering plan puts them (093-582-2102, 090-1234-5678). Accepts
/// every way people type one: full-width digits, any dash, brackets, spaces, `+81`.
/// Checked against the Japanese numbering plan (libphonenumber's data, `phonenumber`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(input: &str) -> Result<Self, Problem> {
        let value = ascii_number(input);
        if value.is_empty() {
            return Err(Problem::new("error.required"));
        }
        let shape_ok = value.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | ' ' | '(' | ')' | '+' | '.'));
        let number = phonenumber::parse(Some(phonenumber::country::JP), &value).ok().filter(|_| shape_ok);
        match number {
            Some(n) if n.is_valid() && n.country().id() == Some(phonenumber::country::JP) => {
                Ok(PhoneNumber(n.format().mode(phonenumber::Mode::National).to_string()))
            }
            _ => Err(Problem::new("error.phone")),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether a checked phone number (`090-1234-5678`) is a Japanese mobile one, which can
/// receive SMS: eleven digits from 070, 080 or 090 (総務省の電気通信番号計画).
pub fn is_mobile(number: &str) -> bool {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    digits.len() == 11 && ["070", "080", "090"].iter().any(|p| digits.starts_with(p))
}

/// An e-mail address, checked only as far as a typing mistake shows. Typed on a phone it
/// may come full-width (ｔａｒｏ＠…): kept half-width, the domain in lower case. Local parts
/// that Japanese carriers issued before the RFC was enforced (`taro..yamada@docomo.ne.jp`,
/// `hanako.@ezweb.ne.jp`) are accepted: the mail goes out with the local part quoted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, Problem> {
        use unicode_normalization::UnicodeNormalization;
        let value: String = input.nfkc().collect::<String>().trim().to_string();
        if value.is_empty() {
            return Err(Problem::new("error.required"));
        }
        let parts = value.rsplit_once('@');
        let ok = value.len() <= 254
            && value.is_ascii()
            && !value.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '\\'))
            && matches!(parts, Some((local, domain))
                if !local.is_empty() && !local.contains('@') && domain.contains('.') && !domain.starts_with('.')
                    && !domain.ends_with('.') && !domain.contains(".."));
        match (ok, parts) {
            (true, Some((local, domain))) => Ok(Email(format!("{local}@{}", domain.to_ascii_lowercase()))),
            _ => Err(Problem::new("error.email")),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A name's reading in kana (フリガナ), kept in full-width katakana: hiragana and
/// half-width katakana (ﾔﾏﾀﾞ → ヤマダ) are accepted and stored as katakana.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kana(String);

impl Kana {
    pub fn parse(input: &str) -> Result<Self, Problem> {
        let value = text(input, 60, true, false)?;
        let katakana: String = value
            .chars()
            .map(|c| match c {
                'ぁ'..='ゖ' | 'ゝ' | 'ゞ' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
                _ => c,
            })
            .collect();
        let ok = katakana.chars().all(|c| matches!(c, 'ァ'..='ヺ' | 'ー' | '・' | ' ' | 'ヽ' | 'ヾ'));
        if ok {
            Ok(Kana(katakana))
        } else {
            Err(Problem::new("error.kana"))
        }
    }

    /// The reading of `name` as a form gives it: `given` if filled in (see `parse`), else
    /// what the name itself says (see `of_name`).
    pub fn of(name: &str, given: &str) -> Result<Self, Problem> {
        match given.trim() {
            "" => Kana::of_name(name),
            kana => Kana::parse(kana),
        }
    }

    /// The reading of a name given without one. A name in kana is its own reading (as
    /// katakana); a name in Latin letters, as foreign residents write theirs, has none
    /// (`""`). A name with kanji cannot be read without it: `error.kana_needed`.
    fn of_name(name: &str) -> Result<Self, Problem> {
        if name.chars().any(is_kanji) {
            Err(Problem::new("error.kana_needed"))
        } else {
            Ok(Kana::parse(name).unwrap_or(Kana(String::new())))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A kanji (CJK ideograph, with the iteration mark 々): a character whose reading the
/// writer has to give, unlike kana or Latin letters.
fn is_kanji(c: char) -> bool {
    matches!(c, '々' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{3134F}')
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
    let value = ascii_number(input);
    if value.is_empty() {
        return Err(Problem::new("error.required"));
    }
    value.parse().map_err(|_| Problem::new("error.number"))
}

/// A code from a closed set, or the message that says it is not one of them.
pub fn choice<T>(input: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T, Problem> {
    if input.trim().is_empty() {
        // Nothing chosen: "choose one", not "type something" (a select or radio group).
        return Err(Problem::new("error.choose"));
    }
    parse(input.trim()).ok_or(Problem::new("error.choice"))
}

/// A calendar date as typed or as Excel writes it: `2026-12-05`, `2026/12/05` or `2026/12/5`.
pub fn date(input: &str) -> Result<chrono::NaiveDate, Problem> {
    let value = ascii_number(input).replace('/', "-");
    if value.is_empty() {
        return Err(Problem::new("error.required"));
    }
    chrono::NaiveDate::parse_from_str(&value, "%Y-%m-%d")
        .ok()
        .filter(|d| crate::time::in_years(*d))
        .ok_or(Problem::new("error.date"))
}

/// A yes/no fact as forms, JSON, Excel and the 公共施設一覧 write it: `yes`/`no`,
/// `true`/`false`, `1`/`0`, はい/いいえ, 有/無, あり/なし, 可/不可, ○/×. Empty: not known.
pub fn yes_no(input: &str) -> Result<Option<bool>, Problem> {
    let value = normalise(input, false).to_lowercase();
    match value.as_str() {
        "" => Ok(None),
        "yes" | "true" | "1" | "on" | "はい" | "有" | "あり" | "有り" | "可" | "○" | "◯" | "〇" => {
            Ok(Some(true))
        }
        "no" | "false" | "0" | "いいえ" | "無" | "なし" | "無し" | "不可" | "×" | "✕" => Ok(Some(false)),
        _ => Err(Problem::new("error.yes_no").with("value", value)),
    }
}

/// A ward's code (`moji`, `chuo2`): see `code`.
pub fn ward_code(input: &str) -> Result<String, Problem> {
    code(input, "error.ward_code")
}

/// A number typed for a field that takes `min..=max`.
pub fn within(n: i64, min: i64, max: i64) -> Result<i64, Problem> {
    if (min..=max).contains(&n) {
        Ok(n)
    } else {
        Err(Problem::new("error.range").with("min", min).with("max", max))
    }
}

/// A code that data is keyed by (a ward's `moji`, a follow-up choice's `cashless`): a
/// lower-case ASCII letter, then lower-case letters, digits, `_` or `-`; at most 32
/// characters. Anything else is `problem` (a key whose message names the `value`).
pub fn code(input: &str, problem: &'static str) -> Result<String, Problem> {
    let value = input.trim();
    if value.is_empty() {
        return Err(Problem::new("error.required"));
    }
    let mut chars = value.chars();
    let shape = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if value.len() <= 32 && shape {
        Ok(value.to_string())
    } else {
        Err(Problem::new(problem).with("value", value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_accept_what_people_type() {
        for typed in [
            "093-582-2102",
            "0935822102",
            "０９３－５８２－２１０２",
            "093ー582ー2102",
            "093‐582‐2102",
            "093−582−2102",
            "093―582―2102",
            "(093) 582-2102",
            "（０９３）５８２ー２１０２",
            "+81 93-582-2102",
        ] {
            assert_eq!(PhoneNumber::parse(typed).unwrap().as_str(), "093-582-2102", "{typed}");
        }
        assert_eq!(PhoneNumber::parse("０９０１２３４５６７８").unwrap().as_str(), "090-1234-5678");
        assert!(is_mobile(PhoneNumber::parse("０９０ー１２３４ー５６７８").unwrap().as_str()));
        assert!(!is_mobile(PhoneNumber::parse("093-582-2102").unwrap().as_str()));
        assert!(!is_mobile(PhoneNumber::parse("0120-123-456").unwrap().as_str()));
        assert_eq!(PhoneNumber::parse("12345").unwrap_err().key, "error.phone");
        assert_eq!(PhoneNumber::parse("093-582-210a").unwrap_err().key, "error.phone");
        assert_eq!(PhoneNumber::parse("+1 415 555 2671").unwrap_err().key, "error.phone");
        assert_eq!(PhoneNumber::parse("  ").unwrap_err().key, "error.required");
    }

    #[test]
    fn kana_is_stored_as_katakana() {
        assert_eq!(Kana::parse("きたきゅうしゅう はなこ").unwrap().as_str(), "キタキュウシュウ ハナコ");
        assert_eq!(Kana::parse("ヤマダ　タロウ").unwrap().as_str(), "ヤマダ タロウ");
        assert_eq!(Kana::parse("ﾔﾏﾀﾞ ﾀﾛｰ").unwrap().as_str(), "ヤマダ タロー");
        assert_eq!(Kana::parse("ﾊﾟｿｺﾝ　　ﾌﾞﾝｶ").unwrap().as_str(), "パソコン ブンカ");
        assert_eq!(Kana::parse("山田").unwrap_err().key, "error.kana");
    }

    #[test]
    fn a_name_without_kanji_reads_itself() {
        assert_eq!(Kana::of_name("きたきゅう はなこ").unwrap().as_str(), "キタキュウ ハナコ");
        assert_eq!(Kana::of_name("Maria Santos").unwrap().as_str(), "");
        assert_eq!(Kana::of_name("佐々木 はな").unwrap_err().key, "error.kana_needed");
        assert_eq!(Kana::of_name("Lee 美咲").unwrap_err().key, "error.kana_needed");
        // What the form gives wins; a blank reading is no reading.
        assert_eq!(Kana::of("門司 花子", "もじ はなこ").unwrap().as_str(), "モジ ハナコ");
        assert_eq!(Kana::of("門司 花子", "　").unwrap_err().key, "error.kana_needed");
    }

    #[test]
    fn addresses_keep_one_dash() {
        assert_eq!(address("門司区大積１－２", 50, true).unwrap(), "門司区大積1-2");
        assert_eq!(address("小倉北区浅野１ー１ー１ アミュプラザ", 50, true).unwrap(), "小倉北区浅野1-1-1 アミュプラザ");
        assert_eq!(address("ショッピングセンター２Ｆ", 50, true).unwrap(), "ショッピングセンター2F");
    }

    #[test]
    fn text_is_normalised_where_it_enters() {
        assert_eq!(text("　山田　　太郎　", 20, true, false).unwrap(), "山田 太郎");
        assert_eq!(text("ＡＢＣ１２３", 20, true, false).unwrap(), "ABC123");
        assert_eq!(text("ﾊﾟｿｺﾝ教室", 20, true, false).unwrap(), "パソコン教室");
        assert_eq!(text("体験会（午前）！ ①ｶﾞｲﾄﾞ｡", 20, true, false).unwrap(), "体験会（午前）！ ①ガイド。");
        assert_eq!(text("一行目\r\n二行目\r三行目", 40, true, true).unwrap(), "一行目\n二行目\n三行目");
        assert_eq!(text("一行目\r\n二行目", 40, true, false).unwrap(), "一行目 二行目");
    }

    #[test]
    fn email_catches_typos() {
        assert!(Email::parse("hanako@example.jp").is_ok());
        for bad in ["hanako", "hanako@", "@example.jp", "a b@example.jp", "a@example", "a@@example.jp", "a@x..jp"] {
            assert_eq!(Email::parse(bad).unwrap_err().key, "error.email", "{bad}");
        }
    }

    #[test]
    fn email_keeps_what_carriers_issued() {
        assert_eq!(Email::parse("taro..yamada@docomo.ne.jp").unwrap().as_str(), "taro..yamada@docomo.ne.jp");
        assert_eq!(Email::parse("hanako.@EZweb.ne.jp").unwrap().as_str(), "hanako.@ezweb.ne.jp");
        assert_eq!(Email::parse("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ").unwrap().as_str(), "taro@example.jp");
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

        /// Katakana, hiragana and half-width katakana of the same sounds.
        const KANA: [(&str, &str, &str); 14] = [
            ("ア", "あ", "ｱ"),
            ("キ", "き", "ｷ"),
            ("タ", "た", "ﾀ"),
            ("ヤ", "や", "ﾔ"),
            ("マ", "ま", "ﾏ"),
            ("ダ", "だ", "ﾀﾞ"),
            ("ガ", "が", "ｶﾞ"),
            ("パ", "ぱ", "ﾊﾟ"),
            ("ポ", "ぽ", "ﾎﾟ"),
            ("ン", "ん", "ﾝ"),
            ("ッ", "っ", "ｯ"),
            ("ョ", "ょ", "ｮ"),
            ("ヴ", "ゔ", "ｳﾞ"),
            ("ー", "ー", "ｰ"),
        ];

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
                if let Ok(phone) = PhoneNumber::parse(&digits) {
                    prop_assert_eq!(PhoneNumber::parse(phone.as_str()).unwrap(), phone);
                }
            }

            /// Every way of typing one number is stored as one value.
            #[test]
            fn every_variant_of_a_phone_number_is_one_value(
                (area, rest) in prop_oneof![
                    ("0[89]0", "[1-9][0-9]{7}"),
                    ("093", "[2-9][0-9]{6}"),
                    ("03", "[3-6][0-9]{7}"),
                ],
                dash in prop::sample::select(vec!['-', '－', 'ー', 'ｰ', '‐', '‑', '‒', '–', '—', '―', '−', '﹣']),
                full_width in any::<bool>(),
                brackets in any::<bool>(),
                international in any::<bool>(),
            ) {
                // Numbers the numbering plan has not given out are not phone numbers at all.
                let plain = PhoneNumber::parse(&format!("{area}{rest}"));
                prop_assume!(plain.is_ok());
                let plain = plain.unwrap();
                let split = rest.len() - 4;
                let area_text = if international { format!("+81 {}", &area[1..]) } else { area.clone() };
                let area_text = if brackets { format!("({area_text})") } else { area_text };
                let mut typed = format!("{area_text}{dash}{}{dash}{}", &rest[..split], &rest[split..]);
                if full_width {
                    typed = typed.chars().map(|c| match c {
                        '0'..='9' => char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap(),
                        '(' => '（',
                        ')' => '）',
                        '+' => '＋',
                        ' ' => '　',
                        other => other,
                    }).collect();
                }
                prop_assert_eq!(PhoneNumber::parse(&typed).unwrap(), plain, "{}", typed);
            }

            /// A reading typed in katakana, hiragana or half-width katakana, with any
            /// spaces, is stored as one value.
            #[test]
            fn every_variant_of_a_reading_is_one_value(
                words in prop::collection::vec(prop::collection::vec(0usize..KANA.len(), 1..6), 1..3),
                form in 0u8..3,
                space in prop::sample::select(vec![" ", "　", "  ", "　 "]),
            ) {
                let write = |pick: fn(&(&'static str, &'static str, &'static str)) -> &'static str| {
                    words.iter().map(|w| w.iter().map(|i| pick(&KANA[*i])).collect::<String>()).collect::<Vec<_>>()
                };
                let canonical = write(|k| k.0).join(" ");
                let typed = match form {
                    0 => write(|k| k.1).join(space),
                    1 => write(|k| k.2).join(space),
                    _ => write(|k| k.0).join(space),
                };
                let stored = Kana::parse(&format!(" {typed} ")).unwrap();
                prop_assert_eq!(stored.as_str(), canonical.as_str());
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

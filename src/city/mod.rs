//! The city that runs the programme, as data: its profile (name, department, contact,
//! sender name, 全国地方公共団体コード) and its wards. Nothing of a particular city is
//! compiled in: a city sets itself up at `/admin/city` and `/admin/wards`, or with
//! `ippo city set`, `ippo seed wards` and `ippo import wards`.

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

pub mod api;
pub mod pages;
pub mod store;
pub mod wards;

/// The names of the city form's fields (also the command line's options).
pub mod field {
    pub const NAME: &str = "name";
    pub const NAME_EN: &str = "name_en";
    pub const DEPARTMENT: &str = "department";
    pub const DEPARTMENT_EN: &str = "department_en";
    pub const PHONE: &str = "phone";
    pub const EMAIL: &str = "email";
    pub const PRIVACY_CONTACT: &str = "privacy_contact";
    pub const SENDER_NAME: &str = "sender_name";
    pub const LG_CODE: &str = "lg_code";
}

/// The names of the ward forms' fields (also the columns of `ippo import wards`).
pub mod ward_field {
    pub const CODE: &str = "code";
    pub const NAME_JA: &str = "name_ja";
    pub const NAME_EN: &str = "name_en";
    pub const SORT_ORDER: &str = "sort_order";
}

/// The city profile (one row of `city_profile`). Empty strings until an administrator
/// fills them in; pages then speak of "the programme" without a city name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct CityProfile {
    /// 北九州市
    pub name: String,
    /// Kitakyushu City (English pages; the Japanese name when empty).
    pub name_en: String,
    /// デジタル市役所推進課
    pub department: String,
    pub department_en: String,
    /// The programme's phone number, on every page and mail (national format).
    pub phone: String,
    /// The programme's contact address (not the sender of mails).
    pub email: String,
    /// Whom people ask about their personal data; the department when empty.
    pub privacy_contact: String,
    /// The display name mails are sent under; "{name} スマホ教室" when empty.
    pub sender_name: String,
    /// The 6-digit 全国地方公共団体コード (401005 for Kitakyushu): open-data file names
    /// begin with it, and a facility list's rows of other bodies are told apart by it.
    pub lg_code: String,
    /// The sample city is loaded: every page says so.
    pub sample: bool,
}

impl CityProfile {
    /// Set up: an administrator gave the city a name.
    pub fn is_set_up(&self) -> bool {
        !self.name.is_empty()
    }

    /// The city's name in `lang` (English falls back to Japanese).
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::En if !self.name_en.is_empty() => &self.name_en,
            _ => &self.name,
        }
    }

    pub fn department(&self, lang: Lang) -> &str {
        match lang {
            Lang::En if !self.department_en.is_empty() => &self.department_en,
            _ => &self.department,
        }
    }

    /// The site's name: 「北九州市 スマホ教室・相談会」, or the programme alone before set-up.
    pub fn site_title(&self, lang: Lang) -> String {
        if self.is_set_up() {
            lang.tr_with("site.title_city", &[("city", self.name(lang).to_string())])
        } else {
            lang.tr("site.title")
        }
    }

    /// The page description for search engines and link previews.
    pub fn description(&self, lang: Lang) -> String {
        if self.is_set_up() {
            lang.tr_with("site.description_city", &[("city", self.name(lang).to_string())])
        } else {
            lang.tr("site.description")
        }
    }

    /// The sentence at the foot of every page: who runs the programme and whom to call.
    pub fn footer(&self, lang: Lang) -> String {
        let mut parts = Vec::new();
        if self.is_set_up() {
            let who = [self.name(lang), self.department(lang)].into_iter().filter(|s| !s.is_empty());
            parts.push(who.collect::<Vec<_>>().join(" "));
        }
        if self.sample {
            parts.push(lang.tr("site.sample"));
        }
        if !self.phone.is_empty() {
            parts.push(lang.tr_with("site.call", &[("phone", self.phone.clone())]));
        }
        parts.push(lang.tr("site.ask_centre"));
        parts.retain(|p| !p.is_empty());
        parts.join(" ")
    }

    /// Whom to ask about one's personal data.
    pub fn privacy_contact(&self, lang: Lang) -> String {
        if !self.privacy_contact.is_empty() {
            return self.privacy_contact.clone();
        }
        [self.name(lang), self.department(lang)].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ")
    }

    /// The display name of the sender of mails.
    pub fn sender(&self) -> Option<String> {
        if !self.sender_name.is_empty() {
            Some(self.sender_name.clone())
        } else if self.is_set_up() {
            Some(Lang::Ja.tr_with("site.title_city", &[("city", self.name.clone())]))
        } else {
            None
        }
    }

    /// The first part of an open-data file's name: `401005_` when the code is set.
    pub fn file_prefix(&self) -> String {
        if self.lg_code.is_empty() {
            String::new()
        } else {
            format!("{}_", self.lg_code)
        }
    }

    /// `text` without the city's name in front (「北九州市門司区」 → 「門司区」).
    pub fn without_city<'a>(&self, text: &'a str) -> &'a str {
        if self.name.is_empty() {
            return text;
        }
        text.strip_prefix(self.name.as_str()).map(str::trim_start).unwrap_or(text)
    }
}

/// The city profile as typed into `/admin/city` or `ippo city set`: unchecked text.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CityInput {
    pub name: String,
    pub name_en: String,
    pub department: String,
    pub department_en: String,
    pub phone: String,
    pub email: String,
    pub privacy_contact: String,
    pub sender_name: String,
    pub lg_code: String,
}

impl From<&CityProfile> for CityInput {
    fn from(p: &CityProfile) -> Self {
        CityInput {
            name: p.name.clone(),
            name_en: p.name_en.clone(),
            department: p.department.clone(),
            department_en: p.department_en.clone(),
            phone: p.phone.clone(),
            email: p.email.clone(),
            privacy_contact: p.privacy_contact.clone(),
            sender_name: p.sender_name.clone(),
            lg_code: p.lg_code.clone(),
        }
    }
}

/// The city profile of the request being rendered (put there by `store::attach`).
pub fn current() -> CityProfile {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CityProfile>().cloned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_site_speaks_of_the_city_only_once_it_is_set_up() {
        let empty = CityProfile::default();
        assert_eq!(empty.site_title(Lang::Ja), "スマホ教室・相談会");
        assert!(!empty.footer(Lang::Ja).contains("サンプル"));
        let city = CityProfile {
            name: "北九州市".into(),
            department: "デジタル市役所推進課".into(),
            phone: "093-582-2102".into(),
            ..Default::default()
        };
        assert_eq!(city.site_title(Lang::Ja), "北九州市 スマホ教室・相談会");
        assert!(city.footer(Lang::Ja).contains("093-582-2102"));
        assert!(!city.footer(Lang::Ja).contains("サンプル"));
        assert!(CityProfile { sample: true, ..city.clone() }.footer(Lang::Ja).contains("サンプル"));
        assert_eq!(city.without_city("北九州市門司区"), "門司区");
        assert_eq!(city.without_city("門司区"), "門司区");
        assert_eq!(city.sender().as_deref(), Some("北九州市 スマホ教室・相談会"));
    }
}

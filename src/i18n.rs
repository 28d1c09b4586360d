//! The user's language (Japanese by default, English on request) and message lookup.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    Ja,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            c if c.starts_with("ja") => Some(Lang::Ja),
            c if c.starts_with("en") => Some(Lang::En),
            _ => None,
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Ja => Lang::En,
            Lang::En => Lang::Ja,
        }
    }

    /// The first supported language of an `Accept-Language` header, in the order the client gave.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        header.split(',').filter_map(|part| part.split(';').next()).find_map(Lang::parse)
    }

    /// Picks the language from a `lang` cookie first (the user's explicit choice), then `Accept-Language`.
    pub fn from_headers(cookie: Option<&str>, accept_language: Option<&str>) -> Lang {
        cookie
            .and_then(|c| {
                c.split(';')
                    .filter_map(|kv| kv.trim().split_once('='))
                    .find(|(k, _)| *k == "lang")
                    .and_then(|(_, v)| Lang::parse(v))
            })
            .or_else(|| accept_language.and_then(Lang::from_accept_language))
            .unwrap_or_default()
    }

    /// The language of a request: the `lang` cookie, then `Accept-Language`, then Japanese.
    pub fn from_request(headers: &http::HeaderMap) -> Lang {
        let get = |name| headers.get(name).and_then(|v: &http::HeaderValue| v.to_str().ok());
        Lang::from_headers(get(http::header::COOKIE), get(http::header::ACCEPT_LANGUAGE))
    }

    /// Translates a message key; `%{name}` placeholders are filled from `args`.
    pub fn tr(self, key: &str) -> String {
        t!(key, locale = self.code()).into_owned()
    }

    pub fn tr_with(self, key: &str, args: &[(&str, String)]) -> String {
        args.iter().fold(self.tr(key), |text, (name, value)| text.replace(&format!("%{{{name}}}"), value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_choice_beats_accept_language() {
        assert_eq!(Lang::from_headers(Some("a=1; lang=en"), Some("ja")), Lang::En);
        assert_eq!(Lang::from_headers(None, Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(Lang::from_headers(None, Some("fr, ja;q=0.5")), Lang::Ja);
        assert_eq!(Lang::from_headers(None, None), Lang::Ja);
    }

    #[test]
    fn placeholders_are_filled() {
        assert!(Lang::En.tr_with("error.too_long", &[("max", "10".into())]).contains("10"));
    }
}

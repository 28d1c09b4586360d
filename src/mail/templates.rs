//! Mail templates (files under `templates/mail/<name>/`, Japanese first) and calendar files.

use std::sync::OnceLock;

use anyhow::Context;
use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, Event, EventLike};
use minijinja::Environment;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailTemplate {
    Confirmation,
    Waitlisted,
    Promoted,
    Cancelled,
    SessionCancelled,
    Reminder,
}

impl MailTemplate {
    pub fn name(self) -> &'static str {
        match self {
            MailTemplate::Confirmation => "confirmation",
            MailTemplate::Waitlisted => "waitlisted",
            MailTemplate::Promoted => "promoted",
            MailTemplate::Cancelled => "cancelled",
            MailTemplate::SessionCancelled => "session_cancelled",
            MailTemplate::Reminder => "reminder",
        }
    }

    /// Mails that tell someone they have a seat carry the calendar file.
    pub fn carries_calendar(self) -> bool {
        matches!(self, MailTemplate::Confirmation | MailTemplate::Promoted | MailTemplate::Reminder)
    }
}

macro_rules! template_files {
    ($($name:literal),+) => {
        &[$(
            (concat!($name, "/subject"), include_str!(concat!("../../templates/mail/", $name, "/subject.txt"))),
            (concat!($name, "/body"), include_str!(concat!("../../templates/mail/", $name, "/body.txt"))),
        )+]
    };
}

const FILES: &[(&str, &str)] =
    template_files!("confirmation", "waitlisted", "promoted", "cancelled", "session_cancelled", "reminder");

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in FILES {
            env.add_template(name, source).expect("mail templates are valid");
        }
        env
    })
}

/// What a registration mail says: filled in from the registration and its session.
#[derive(Clone, Debug, Serialize)]
pub struct MailContext {
    pub attendee_name: String,
    pub registrant_name: String,
    pub session_title: String,
    /// One line per meeting, Japanese style, and the same in English.
    pub when_ja: Vec<String>,
    pub when_en: Vec<String>,
    pub venue_name: String,
    pub venue_address: String,
    pub venue_access: String,
    pub what_to_bring: String,
    pub loaner_reserved: bool,
    pub waitlist_position: Option<i64>,
    pub status_url: String,
    pub cancel_url: String,
}

pub struct Rendered {
    pub subject: String,
    pub body: String,
}

pub fn render(template: MailTemplate, ctx: &MailContext) -> anyhow::Result<Rendered> {
    let env = environment();
    let get = |part: &str| -> anyhow::Result<String> {
        env.get_template(&format!("{}/{part}", template.name()))?
            .render(ctx)
            .with_context(|| format!("rendering mail {}/{part}", template.name()))
    };
    Ok(Rendered { subject: get("subject")?.trim().to_string(), body: get("body")? })
}

/// One meeting of a session for a calendar file.
pub struct CalendarMeeting {
    pub id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// An iCalendar file with one event per meeting.
pub fn calendar(title: &str, location: &str, description: &str, meetings: &[CalendarMeeting]) -> String {
    let mut cal = Calendar::new();
    cal.name(title);
    for m in meetings {
        cal.push(
            Event::new()
                .uid(&format!("ippo-meeting-{}@ippo", m.id))
                .summary(title)
                .location(location)
                .description(description)
                .starts(m.starts_at)
                .ends(m.ends_at)
                .done(),
        );
    }
    cal.done().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> MailContext {
        MailContext {
            attendee_name: "北九 花子".into(),
            registrant_name: "北九 一郎".into(),
            session_title: "スマートフォン初心者講座".into(),
            when_ja: vec!["2026年12月5日(土) 10:00〜12:30".into()],
            when_en: vec!["Sat 5 Dec 2026 10:00–12:30".into()],
            venue_name: "門司市民センター".into(),
            venue_address: "北九州市門司区".into(),
            venue_access: String::new(),
            what_to_bring: "筆記用具".into(),
            loaner_reserved: true,
            waitlist_position: Some(3),
            status_url: "http://x/registrations/t".into(),
            cancel_url: "http://x/registrations/t#cancel".into(),
        }
    }

    #[test]
    fn every_template_renders_with_the_facts() {
        for t in [
            MailTemplate::Confirmation,
            MailTemplate::Waitlisted,
            MailTemplate::Promoted,
            MailTemplate::Cancelled,
            MailTemplate::SessionCancelled,
            MailTemplate::Reminder,
        ] {
            let r = render(t, &ctx()).unwrap();
            assert!(r.subject.contains("スマートフォン初心者講座"), "{}", t.name());
            assert!(r.body.contains("2026年12月5日(土)"), "{}", t.name());
            assert!(r.body.contains("門司市民センター"), "{}", t.name());
        }
        assert!(render(MailTemplate::Waitlisted, &ctx()).unwrap().body.contains('3'));
        assert!(render(MailTemplate::Confirmation, &ctx()).unwrap().body.contains("http://x/registrations/t#cancel"));
    }

    #[test]
    fn calendar_has_one_event_per_meeting() {
        let t = DateTime::parse_from_rfc3339("2026-12-05T01:00:00Z").unwrap().with_timezone(&Utc);
        let meetings = [
            CalendarMeeting { id: 1, starts_at: t, ends_at: t + chrono::Duration::hours(2) },
            CalendarMeeting { id: 2, starts_at: t + chrono::Duration::days(7), ends_at: t + chrono::Duration::days(7) },
        ];
        let ics = calendar("講座", "門司市民センター", "", &meetings);
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2);
        assert!(ics.contains("DTSTART:20261205T010000Z"));
    }
}

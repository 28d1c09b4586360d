//! What a registration tells its people: the mails (templates under
//! `templates/mail/<name>/`, Japanese first) and, to those who agreed, the SMS
//! (`templates/sms/<name>.txt`), written to the outbox in the transaction of the change,
//! the day-before reminders, and the registration's calendar file — one builder for the
//! mailed and the downloaded copy.

use std::sync::OnceLock;

use anyhow::Context;
use chrono::{DateTime, Duration, NaiveTime, Utc};
use icalendar::{Alarm, Calendar, Component, Event, EventLike, EventStatus};
use minijinja::Environment;
use serde::Serialize;

use crate::{
    city::CityProfile,
    domain::{CallReason, RegistrationStatus},
    i18n::Lang,
    notify::{
        email::CALENDAR_METHOD,
        outbox::{self, Message},
        Channel,
    },
    on_db, on_tx,
    server::{
        db::{Db, Tx},
        error::{AppError, AppResult},
        state::AppState,
    },
    sessions::{
        store::{Span, MEETINGS_SQL},
        Meeting,
    },
    time::{format_short, format_span, from_tokyo, today_tokyo},
};

/// What a notice is about; names its mail and its SMS template alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailTemplate {
    Confirmation,
    Waitlisted,
    Promoted,
    Cancelled,
    SessionCancelled,
    Reminder,
    /// A date, time or place changed (old → new).
    ScheduleChanged,
    /// The session began and no seat opened for a waitlisted person.
    WaitlistClosed,
    /// Weeks after the course: the follow-up questionnaire's link (`followups`).
    Followup,
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
            MailTemplate::ScheduleChanged => "schedule_changed",
            MailTemplate::WaitlistClosed => "waitlist_closed",
            MailTemplate::Followup => "followup",
        }
    }

    /// Mails that tell someone they have a seat, that its times changed, or that it is
    /// gone carry the calendar file (a cancelled one removes the entries).
    pub fn carries_calendar(self) -> bool {
        matches!(
            self,
            MailTemplate::Confirmation
                | MailTemplate::Promoted
                | MailTemplate::Reminder
                | MailTemplate::ScheduleChanged
                | MailTemplate::Cancelled
                | MailTemplate::SessionCancelled
        )
    }
}

/// Each notice's mail (subject and body under `templates/mail/<name>/`) and SMS
/// (`templates/sms/<name>.txt`), by the name its `MailTemplate` gives.
macro_rules! template_files {
    ($($name:literal),+) => {
        &[$(
            (concat!($name, "/subject"), include_str!(concat!("../../templates/mail/", $name, "/subject.txt"))),
            (concat!($name, "/body"), include_str!(concat!("../../templates/mail/", $name, "/body.txt"))),
            (concat!("sms/", $name), include_str!(concat!("../../templates/sms/", $name, ".txt"))),
        )+]
    };
}

/// The layout every mail body extends: the fixed first lines (so nobody's text opens a
/// mail from the city) and the city's signature.
const LAYOUT: &str = include_str!("../../templates/mail/layout.txt");

/// The layout every SMS extends: who it is from, in brackets, as Japanese texts open.
const SMS_LAYOUT: &str = include_str!("../../templates/sms/layout.txt");

const FILES: &[(&str, &str)] = template_files!(
    "confirmation",
    "waitlisted",
    "promoted",
    "cancelled",
    "session_cancelled",
    "reminder",
    "schedule_changed",
    "waitlist_closed",
    "followup"
);

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.add_template("layout", LAYOUT).expect("the mail layout is valid");
        env.add_template("sms", SMS_LAYOUT).expect("the SMS layout is valid");
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
    /// The first start, short (12/5(土)10:00), for texts.
    pub when_short: String,
    pub when_en: Vec<String>,
    pub venue_name: String,
    pub venue_address: String,
    pub venue_access: String,
    pub what_to_bring: String,
    pub loaner_reserved: bool,
    pub waitlist_position: Option<i64>,
    /// What changed, one line each (old → new); empty but for a schedule change.
    pub changes_ja: Vec<String>,
    pub changes_en: Vec<String>,
    pub status_url: String,
    /// The status page's short link (`/r/<code>`) for texts; the long one for
    /// registrations made before short links.
    pub short_url: String,
    pub cancel_url: String,
    /// The follow-up questionnaire's link (empty but for the follow-up mail).
    pub followup_url: String,
    /// Everyone signed up together (empty for one alone): the sign-up's notice lists them.
    pub group: Vec<GroupMember>,
    /// The venue's phone number, if known (people call it with questions).
    pub venue_phone: String,
    /// Who sends the mail and whom else to call (the city profile).
    pub city: MailCity,
}

/// The city as the shared mail layout (`templates/mail/layout.txt`) signs with it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct MailCity {
    /// 「北九州市 スマホ教室・相談会（デジタル市役所推進課）」, or the programme alone.
    pub signature: String,
    /// Who a text is from, as short as it can be: the city's name, or 「スマホ教室」.
    pub short: String,
    pub department: String,
    pub phone: String,
}

impl MailCity {
    pub fn of(city: &CityProfile) -> MailCity {
        let title = city.site_title(Lang::Ja);
        let signature = if city.department.is_empty() { title } else { format!("{title}（{}）", city.department) };
        let short = if city.name.is_empty() { "スマホ教室".to_string() } else { city.name.clone() };
        MailCity { signature, short, department: city.department.clone(), phone: city.phone.clone() }
    }
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

/// The text of the SMS of `template`, on one line.
pub fn render_sms(template: MailTemplate, ctx: &MailContext) -> anyhow::Result<String> {
    let text = environment()
        .get_template(&format!("sms/{}", template.name()))?
        .render(ctx)
        .with_context(|| format!("rendering SMS {}", template.name()))?;
    Ok(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// One meeting of a session for a calendar file.
struct CalendarMeeting {
    id: i64,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    /// A meeting that was dropped: its entry is replaced by a cancelled one.
    cancelled: bool,
}

/// Text for a calendar line: line breaks as `\n` (a browser's textarea sends CRLF, and a
/// raw CR would break the line apart).
fn calendar_text(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// An iCalendar file with one event per meeting. `sequence` is the session's schedule
/// version: a later file with the same UIDs and a higher SEQUENCE replaces the entries an
/// earlier one made.
fn calendar(title: &str, location: &str, description: &str, meetings: &[CalendarMeeting], sequence: i32) -> String {
    let (title, location, description) = (calendar_text(title), calendar_text(location), calendar_text(description));
    let mut cal = Calendar::new();
    cal.name(&title).append_property(("METHOD", CALENDAR_METHOD));
    for m in meetings {
        let mut event = Event::new();
        event
            .uid(&format!("ippo-meeting-{}@ippo", m.id))
            .sequence(sequence.max(0) as u32)
            .summary(&title)
            .location(&location)
            .description(&description)
            .starts(m.starts_at)
            .ends(m.ends_at);
        if m.cancelled {
            event.status(EventStatus::Cancelled);
        } else {
            // Phones remind the day before, as the city's day-before call would. The alarm's
            // UID is the meeting's, so every copy of the file (mailed, downloaded) is the same.
            let mut alarm = Alarm::display(&format!("明日：{title}"), -Duration::days(1));
            alarm.uid(&format!("ippo-alarm-{}@ippo", m.id));
            event.alarm(alarm);
        }
        cal.push(event.done());
    }
    fold(&cal.done().to_string())
}

/// Folds every content line at 75 octets, never inside a character (RFC 5545, 3.1):
/// the calendar crate's own folding leaves a 76-octet line when exactly 75 remain.
fn fold(ics: &str) -> String {
    let mut out = String::with_capacity(ics.len() + ics.len() / 20);
    for line in ics.replace("\r\n ", "").replace("\r\n\t", "").split("\r\n").filter(|l| !l.is_empty()) {
        let (mut rest, mut limit) = (line, 75);
        while rest.len() > limit {
            let mut cut = limit;
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            out.push_str(&rest[..cut]);
            out.push_str("\r\n ");
            rest = &rest[cut..];
            // A continuation line starts with the space, so it holds one octet less.
            limit = 74;
        }
        out.push_str(rest);
        out.push_str("\r\n");
    }
    out
}

/// What a notice about a registration says of it, its session and its venue.
#[derive(sqlx::FromRow, Clone, Debug)]
pub struct Facts {
    pub(super) session_id: i64,
    pub(super) status: RegistrationStatus,
    pub(super) attendee_name: String,
    pub(super) registrant_name: String,
    pub(super) registrant_email: Option<String>,
    /// The mobile number that gets SMS, when the people agreed to them.
    pub(super) sms_number: Option<String>,
    pub(super) needs_loaner: bool,
    pub(super) slot_starts_at: Option<DateTime<Utc>>,
    pub(super) cancel_token: String,
    /// The code of the status page's short link (`/r/<code>`), if it has one.
    pub(super) short_code: Option<String>,
    pub(super) title: String,
    pub(super) what_to_bring: String,
    pub(super) loaner_devices: i32,
    pub(super) slot_minutes: Option<i32>,
    pub(super) venue_name: String,
    pub(super) venue_address: String,
    pub(super) venue_access: String,
    pub(super) venue_phone: String,
    /// The session's schedule version (`sessions.schedule_sequence`).
    pub(super) sequence: i32,
    #[sqlx(skip)]
    pub(super) meetings: Vec<Meeting>,
}

/// The facts of registrations, bound by one condition on `r` (the registration).
const FACTS_SQL: &str = "SELECT r.session_id, r.status, r.attendee_name, r.registrant_name, r.registrant_email,
        r.sms_number, r.needs_loaner, r.slot_starts_at, r.cancel_token, r.short_code, s.title, s.what_to_bring, s.loaner_devices, s.slot_minutes,
        v.name AS venue_name, v.address AS venue_address, v.access AS venue_access, v.phone AS venue_phone,
        s.schedule_sequence AS sequence
     FROM registrations r JOIN sessions s ON s.id = r.session_id JOIN venues v ON v.id = s.venue_id";

impl Facts {
    /// Reads them for registration `id` inside a change; `None` when there is nobody to
    /// send anything to.
    async fn load(tx: &mut Tx, id: i64) -> AppResult<Option<Self>> {
        let sql = format!("{FACTS_SQL} WHERE r.id = $1");
        let mut facts: Self = on_tx!(tx, conn => sqlx::query_as(&sql).bind(id).fetch_one(&mut *conn).await)?;
        if !facts.has_recipient() {
            return Ok(None);
        }
        facts.meetings =
            on_tx!(tx, conn => sqlx::query_as(MEETINGS_SQL).bind(facts.session_id).fetch_all(&mut *conn).await)?;
        Ok(Some(facts))
    }

    /// Reads them for the holder of a registration's cancel token.
    async fn by_token(db: &Db, token: &str) -> AppResult<Self> {
        let sql = format!("{FACTS_SQL} WHERE r.cancel_token = $1 AND r.anonymised_at IS NULL");
        let mut facts: Self = on_db!(db, pool => sqlx::query_as(&sql).bind(token).fetch_optional(pool).await)?
            .ok_or(AppError::NotFound)?;
        facts.meetings = on_db!(db, pool => sqlx::query_as(MEETINGS_SQL).bind(facts.session_id).fetch_all(pool).await)?;
        Ok(facts)
    }

    /// Someone gets this registration's notices: by e-mail, or by SMS.
    pub(super) fn has_recipient(&self) -> bool {
        self.registrant_email.as_deref().is_some_and(|e| !e.is_empty()) || self.sms_number.is_some()
    }

    /// The times this registration is about: a consultation's booked slot, else every meeting.
    fn spans(&self) -> Vec<CalendarMeeting> {
        match (self.slot_starts_at, self.slot_minutes) {
            (Some(slot), Some(minutes)) => vec![CalendarMeeting {
                id: self.meetings.iter().find(|m| m.starts_at <= slot && slot < m.ends_at).map_or(0, |m| m.id),
                starts_at: slot,
                ends_at: slot + Duration::minutes(minutes as i64),
                cancelled: false,
            }],
            _ => self
                .meetings
                .iter()
                .map(|m| CalendarMeeting { id: m.id, starts_at: m.starts_at, ends_at: m.ends_at, cancelled: false })
                .collect(),
        }
    }

    /// The registration's own page (status, calendar file, cancel).
    fn status_url(&self, public_url: &str) -> String {
        format!("{}/registrations/{}", public_url.trim_end_matches('/'), self.cancel_token)
    }

    /// The short link to the status page, for texts (the long one when it has no code).
    fn short_url(&self, public_url: &str) -> String {
        match &self.short_code {
            Some(code) => super::short_link(public_url, code),
            None => self.status_url(public_url),
        }
    }

    /// The calendar file of this registration: the same for the mail and the download;
    /// `dropped` meetings (of a schedule change) appear as cancelled entries, and a
    /// cancelled registration's entries all do, one version later, so calendars drop them.
    fn calendar(&self, public_url: &str, dropped: &[Meeting]) -> String {
        let location = format!("{} {}", self.venue_name, self.venue_address);
        let description = [self.what_to_bring.as_str(), &self.status_url(public_url)]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        let withdrawn = self.status == RegistrationStatus::Cancelled;
        let mut meetings = self.spans();
        meetings.iter_mut().for_each(|m| m.cancelled |= withdrawn);
        if self.slot_starts_at.is_none() {
            meetings.extend(dropped.iter().map(|m| CalendarMeeting {
                id: m.id,
                starts_at: m.starts_at,
                ends_at: m.ends_at,
                cancelled: true,
            }));
        }
        calendar(&self.title, &location, &description, &meetings, self.sequence + i32::from(withdrawn))
    }
}

/// Writes the notice `template` for registration `id` to the outbox, if someone gets it.
pub async fn notify(
    tx: &mut Tx,
    state: &AppState,
    template: MailTemplate,
    id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    match Facts::load(tx, id).await? {
        Some(facts) => write_notice(tx, state, template, id, &facts, &Extras::default(), now).await,
        None => Ok(()),
    }
}

/// What some mails say besides the facts of the registration.
#[derive(Default)]
pub struct Extras<'a> {
    /// Given by the one caller that mails a waitlisted person (the sign-up, which knows it
    /// from the locked tally).
    pub waitlist_position: Option<i64>,
    /// A schedule change being announced.
    pub change: Option<&'a ScheduleChange>,
    /// The follow-up questionnaire's link.
    pub followup_url: Option<&'a str>,
    /// Everyone signed up together with this person (empty for one alone).
    pub group: &'a [GroupMember],
    /// The group's mail went with its first person: this one gets only the SMS.
    pub skip_mail: bool,
    /// Another person of the group has this number: it got the SMS already.
    pub skip_sms: bool,
}

/// One person of a group sign-up, as its notice lists them.
#[derive(Clone, Debug, Serialize)]
pub struct GroupMember {
    pub name: String,
    /// Their place on the waitlist; `None`: they have a seat.
    pub waitlist_position: Option<i64>,
    /// Their own status page (to check or cancel them alone).
    pub status_url: String,
    /// Their consultation slot, 「10:00〜10:30」 (one slot per attendee).
    pub slot: Option<String>,
}

/// Renders the notice `template` for registration `id` and writes it to the outbox: a
/// mail to the registrant's e-mail, an SMS to the number that agreed to them (either,
/// both or neither).
pub async fn write_notice(
    tx: &mut Tx,
    state: &AppState,
    template: MailTemplate,
    id: i64,
    facts: &Facts,
    extras: &Extras<'_>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if !facts.has_recipient() {
        return Ok(());
    }
    let city = crate::city::store::get_in(tx).await?;
    let spans = facts.spans();
    let loaner_reserved = facts.needs_loaner && facts.status == RegistrationStatus::Confirmed && {
        let ahead: i64 = on_tx!(tx, conn => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM registrations
                 WHERE session_id = $1 AND status = 'confirmed' AND needs_loaner = TRUE AND id < $2",
            )
            .bind(facts.session_id)
            .bind(id)
            .fetch_one(&mut *conn)
            .await
        })?;
        ahead < facts.loaner_devices as i64
    };
    let status_url = facts.status_url(&state.config.public_url);
    let ctx = MailContext {
        attendee_name: facts.attendee_name.clone(),
        registrant_name: facts.registrant_name.clone(),
        session_title: facts.title.clone(),
        when_ja: spans.iter().map(|m| format_span(m.starts_at, m.ends_at, Lang::Ja)).collect(),
        when_en: spans.iter().map(|m| format_span(m.starts_at, m.ends_at, Lang::En)).collect(),
        when_short: spans.first().map(|m| format_short(m.starts_at)).unwrap_or_default(),
        venue_name: facts.venue_name.clone(),
        venue_address: facts.venue_address.clone(),
        venue_access: facts.venue_access.clone(),
        what_to_bring: facts.what_to_bring.clone(),
        loaner_reserved,
        waitlist_position: extras.waitlist_position,
        changes_ja: extras.change.map(|c| c.lines(Lang::Ja)).unwrap_or_default(),
        changes_en: extras.change.map(|c| c.lines(Lang::En)).unwrap_or_default(),
        cancel_url: format!("{status_url}/cancel"),
        followup_url: extras.followup_url.unwrap_or_default().to_string(),
        group: extras.group.to_vec(),
        short_url: facts.short_url(&state.config.public_url),
        status_url,
        venue_phone: facts.venue_phone.clone(),
        city: MailCity::of(&city),
    };
    if let Some(email) = facts.registrant_email.as_deref().filter(|e| !e.is_empty() && !extras.skip_mail) {
        let rendered = render(template, &ctx)?;
        let message = Message {
            channel: Channel::Email,
            template: template.name(),
            recipient: email.to_string(),
            subject: rendered.subject,
            body: rendered.body,
            calendar: template
                .carries_calendar()
                .then(|| facts.calendar(&state.config.public_url, extras.change.map_or(&[], |c| &c.removed))),
            registration_id: Some(id),
            sender_name: city.sender(),
        };
        outbox::enqueue(tx, &message, now).await?;
    }
    if let Some(number) = facts.sms_number.as_ref().filter(|_| !extras.skip_sms) {
        let message = Message {
            channel: Channel::Sms,
            template: template.name(),
            recipient: number.clone(),
            subject: String::new(),
            body: render_sms(template, &ctx)?,
            calendar: None,
            registration_id: Some(id),
            sender_name: None,
        };
        outbox::enqueue(tx, &message, now).await?;
    }
    Ok(())
}

/// The calendar file of a registration, for the download link on its page.
pub async fn calendar_by_token(state: &AppState, token: &str) -> AppResult<String> {
    Ok(Facts::by_token(&state.db, token).await?.calendar(&state.config.public_url, &[]))
}

/// Writes the follow-up mail with its questionnaire `url` for registration `id`, inside
/// the transaction that queues the follow-up (and its SMS, to those who agreed to them).
/// Returns how it went (by mail when there is an e-mail, else by SMS), or `None`,
/// writing nothing, when neither reaches anyone (the follow-up is then the staff's call).
pub async fn ask_followup(
    tx: &mut Tx,
    state: &AppState,
    id: i64,
    url: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<Channel>> {
    let Some(facts) = Facts::load(tx, id).await? else { return Ok(None) };
    let extras = Extras { followup_url: Some(url), ..Default::default() };
    write_notice(tx, state, MailTemplate::Followup, id, &facts, &extras, now).await?;
    let by_mail = facts.registrant_email.as_deref().is_some_and(|e| !e.is_empty());
    Ok(Some(if by_mail { Channel::Email } else { Channel::Sms }))
}

/// Queues the day-before reminder for confirmed registrations of sessions starting
/// tomorrow (Tokyo). Each registration is claimed once, whichever instance runs this.
pub async fn queue_reminders(state: &AppState, now: DateTime<Utc>) -> AppResult<usize> {
    let tomorrow = today_tokyo(now) + Duration::days(1);
    let (from, to) = (from_tokyo(tomorrow, NaiveTime::MIN), from_tokyo(tomorrow + Duration::days(1), NaiveTime::MIN));
    let sql = "UPDATE registrations SET reminder_queued_at = $1
         WHERE reminder_queued_at IS NULL AND status = 'confirmed'
           AND (registrant_email IS NOT NULL OR sms_number IS NOT NULL)
           AND session_id IN (SELECT id FROM sessions WHERE status = 'scheduled' AND starts_at >= $2 AND starts_at < $3)
         RETURNING id";
    claim_and_notify(state, MailTemplate::Reminder, sql, (now, from, to), now).await
}

/// Claims registrations with `sql` (an `UPDATE … RETURNING id` that marks them, bound
/// by three times) and writes `template` for each in the same transaction: each is
/// claimed once, whichever instance runs it. Returns how many were claimed.
async fn claim_and_notify(
    state: &AppState,
    template: MailTemplate,
    sql: &str,
    binds: (DateTime<Utc>, DateTime<Utc>, DateTime<Utc>),
    now: DateTime<Utc>,
) -> AppResult<usize> {
    let mut tx = state.db.begin().await?;
    let claimed: Vec<i64> = on_tx!(&mut tx, conn => {
        sqlx::query_scalar(sql).bind(binds.0).bind(binds.1).bind(binds.2).fetch_all(&mut *conn).await
    })?;
    for id in &claimed {
        notify(&mut tx, state, template, *id, now).await?;
    }
    tx.commit().await?;
    if !claimed.is_empty() {
        state.outbox.wake();
    }
    Ok(claimed.len())
}

/// What an edit changed of a session's dates, times and place, to tell its people.
#[derive(Clone, Debug, Default)]
pub struct ScheduleChange {
    /// Each moved meeting as it was, and its new times.
    pub moved: Vec<(Meeting, Span)>,
    pub removed: Vec<Meeting>,
    pub added: Vec<Span>,
    /// The venue's name before and after, when it changed.
    pub venue: Option<(String, String)>,
}

impl ScheduleChange {
    pub fn is_empty(&self) -> bool {
        self.moved.is_empty() && self.removed.is_empty() && self.added.is_empty() && self.venue.is_none()
    }

    /// One line per change, "old → new", in `lang`.
    pub fn lines(&self, lang: Lang) -> Vec<String> {
        let span = |(s, e): Span| format_span(s, e, lang);
        let mut lines: Vec<String> = Vec::new();
        lines.extend(self.moved.iter().map(|(m, new)| format!("{} → {}", span((m.starts_at, m.ends_at)), span(*new))));
        lines.extend(
            self.removed
                .iter()
                .map(|m| format!("{} → {}", span((m.starts_at, m.ends_at)), lang.tr("notices.meeting_cancelled"))),
        );
        lines.extend(self.added.iter().map(|new| format!("{} → {}", lang.tr("notices.meeting_added"), span(*new))));
        if let Some((before, after)) = &self.venue {
            lines.push(format!("{}: {before} → {after}", lang.tr("notices.venue")));
        }
        lines
    }
}

/// Tells every confirmed and waitlisted person of session `session_id` what changed:
/// a mail (with a calendar file that replaces the old entries) to those with an e-mail and
/// an SMS to those who agreed to them,
/// a call for the staff for those without. A consultation's booking is told only of a
/// new place: its slot was kept (`seats::check_slots`). The caller holds the lock and
/// has written the change.
pub async fn announce_change(
    tx: &mut Tx,
    state: &AppState,
    session_id: i64,
    change: &ScheduleChange,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let live: Vec<(i64, bool)> = on_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT id, slot_starts_at IS NOT NULL FROM registrations
             WHERE session_id = $1 AND status IN ('confirmed', 'waitlisted') AND anonymised_at IS NULL ORDER BY id",
        )
        .bind(session_id)
        .fetch_all(&mut *conn)
        .await
    })?;
    for (id, booked_slot) in live {
        if booked_slot && change.venue.is_none() {
            continue;
        }
        match Facts::load(tx, id).await? {
            Some(facts) => {
                let extras = Extras { change: Some(change), ..Default::default() };
                write_notice(tx, state, MailTemplate::ScheduleChanged, id, &facts, &extras, now).await?;
            }
            None => {
                let detail = change.lines(Lang::Ja).join(" / ");
                super::calls::add(tx, id, CallReason::ScheduleChange, &detail, now).await?;
            }
        }
    }
    Ok(())
}

/// Tells, once, each person still waiting when their session began that no seat opened
/// (the waitlist closes at the start: nobody is promoted into a session under way).
/// Only sessions that began within the last two days: a session recorded after the
/// fact tells nobody. Returns how many were told.
pub async fn close_waitlists(state: &AppState, now: DateTime<Utc>) -> AppResult<usize> {
    let sql = "UPDATE registrations SET waitlist_closed_at = $1
         WHERE waitlist_closed_at IS NULL AND status = 'waitlisted' AND anonymised_at IS NULL
           AND session_id IN (SELECT id FROM sessions WHERE status = 'scheduled' AND starts_at <= $2 AND starts_at > $3)
         RETURNING id";
    claim_and_notify(state, MailTemplate::WaitlistClosed, sql, (now, now, now - Duration::days(2)), now).await
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
            when_short: "12/5(土)10:00".into(),
            venue_name: "門司市民センター".into(),
            venue_address: "北九州市門司区".into(),
            venue_access: String::new(),
            what_to_bring: "筆記用具".into(),
            loaner_reserved: true,
            waitlist_position: Some(3),
            changes_ja: vec!["2026年12月5日(土) 10:00〜12:30 → 2026年12月12日(土) 10:00〜12:30".into()],
            changes_en: vec!["Sat 5 Dec 2026 10:00–12:30 → Sat 12 Dec 2026 10:00–12:30".into()],
            status_url: "http://x/registrations/t".into(),
            short_url: "http://x/r/abcdefghjkmn".into(),
            cancel_url: "http://x/registrations/t/cancel".into(),
            followup_url: "http://x/followup/f".into(),
            group: Vec::new(),
            venue_phone: "093-331-1881".into(),
            city: MailCity::of(&CityProfile {
                name: "北九州市".into(),
                department: "デジタル市役所推進課".into(),
                phone: "093-582-2102".into(),
                ..Default::default()
            }),
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
            MailTemplate::ScheduleChanged,
            MailTemplate::WaitlistClosed,
            MailTemplate::Followup,
        ] {
            let r = render(t, &ctx()).unwrap();
            assert!(r.subject.contains("スマートフォン初心者講座"), "{}", t.name());
            assert!(r.body.contains("2026年12月5日(土)"), "{}", t.name());
            assert!(r.body.contains("門司市民センター"), "{}", t.name());
        }
        assert!(render(MailTemplate::Waitlisted, &ctx()).unwrap().body.contains('3'));
        assert!(render(MailTemplate::Confirmation, &ctx()).unwrap().body.contains("http://x/registrations/t/cancel"));
        assert!(render(MailTemplate::ScheduleChanged, &ctx()).unwrap().body.contains("→ 2026年12月12日(土)"));
        assert!(render(MailTemplate::Followup, &ctx()).unwrap().body.contains("\nhttp://x/followup/f\n"));
        let body = render(MailTemplate::Reminder, &ctx()).unwrap().body;
        assert!(body.starts_with("スマホ教室・相談会の受付からのお知らせです。\n"), "{body}");
        assert!(body.contains("\n--\n北九州市 スマホ教室・相談会（デジタル市役所推進課）\n"), "{body}");
        assert!(body.contains("門司市民センター 093-331-1881") && body.contains("093-582-2102"), "{body}");
        let unnamed = MailContext { city: MailCity::of(&CityProfile::default()), ..ctx() };
        assert!(!render(MailTemplate::Reminder, &unnamed).unwrap().body.contains("北九州市 スマホ"));
    }

    #[test]
    fn texts_link_the_status_page_by_its_short_link() {
        for t in [
            MailTemplate::Confirmation,
            MailTemplate::Waitlisted,
            MailTemplate::Promoted,
            MailTemplate::SessionCancelled,
            MailTemplate::Reminder,
            MailTemplate::ScheduleChanged,
        ] {
            let text = render_sms(t, &ctx()).unwrap();
            assert!(text.ends_with("http://x/r/abcdefghjkmn"), "{}: {text}", t.name());
            assert!(!text.contains("/registrations/"), "{}: {text}", t.name());
        }
    }

    #[test]
    fn lines_fold_at_75_octets_on_character_boundaries() {
        for n in 60..160 {
            let line = format!("DESCRIPTION:{}", "あa".repeat(n / 4) + &"b".repeat(n % 7));
            let folded = fold(&format!("BEGIN:X\r\n{line}\r\nEND:X\r\n"));
            assert!(folded.split("\r\n").all(|l| l.len() <= 75), "{folded}");
            assert_eq!(folded.replace("\r\n ", ""), format!("BEGIN:X\r\n{line}\r\nEND:X\r\n"));
        }
    }

    #[test]
    fn calendar_has_one_event_per_meeting() {
        let t = DateTime::parse_from_rfc3339("2026-12-05T01:00:00Z").unwrap().with_timezone(&Utc);
        let meetings = [
            CalendarMeeting { id: 1, starts_at: t, ends_at: t + chrono::Duration::hours(2), cancelled: false },
            CalendarMeeting {
                id: 2,
                starts_at: t + chrono::Duration::days(7),
                ends_at: t + chrono::Duration::days(7),
                cancelled: true,
            },
        ];
        let ics = calendar("講座", "門司市民センター", "筆記用具\r\nめがね\rメモ", &meetings, 3);
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2);
        assert!(ics.contains("DTSTART:20261205T010000Z"));
        assert!(ics.contains(&format!("METHOD:{CALENDAR_METHOD}")));
        assert_eq!(ics.matches("SEQUENCE:3").count(), 2);
        assert_eq!(ics.matches("STATUS:CANCELLED").count(), 1);
        // Lines end in CRLF, no CR stands anywhere else, and none is longer than 75 octets.
        assert_eq!(ics.matches('\r').count(), ics.matches("\r\n").count());
        assert!(ics.split("\r\n").all(|l| l.len() <= 75));
        assert!(ics.contains(r"筆記用具\nめがね\nメモ"));
    }
}

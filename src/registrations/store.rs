//! The rules of registration. Every change locks its session row first (see
//! `sessions::store::lock`), so counts, capacity and the waitlist stay exact under any
//! concurrency on both backends; mails go to the outbox in the same transaction.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use rand::RngCore;

use super::{RegistrationCreated, RegistrationInput, RegistrationStatusView, RosterEntry};
use crate::{
    accounts::Viewer,
    domain::{self, AgeBand, Attendance, Channel, Email, FieldErrors, Kana, PhoneNumber, Problem, RegistrationStatus, Relation,
        SessionKind, SessionStatus, SmartphoneOs},
    mail::{
        outbox,
        templates::{calendar, CalendarMeeting, MailContext, MailTemplate},
    },
    on_db, on_tx,
    server::{
        audit,
        db::{Db, Tx},
        error::{AppError, AppResult},
        state::AppState,
    },
    sessions::{self, store::LockedSession, Meeting, SessionDetail},
    time::{format_span, from_tokyo, today_tokyo},
    i18n::Lang,
};

/// A sign-up that passed every check.
struct Checked {
    attendee_name: String,
    attendee_kana: String,
    attendee_phone: String,
    age_band: AgeBand,
    has_smartphone: bool,
    smartphone_os: Option<SmartphoneOs>,
    needs_loaner: bool,
    accessibility_needs: String,
    notes: String,
    registrant_name: String,
    registrant_email: Option<String>,
    registrant_phone: Option<String>,
    relation: Relation,
    channel: Channel,
    slot_starts_at: Option<DateTime<Utc>>,
}

fn check(input: &RegistrationInput, session: &SessionDetail, by_staff: bool) -> Result<Checked, AppError> {
    let mut errors = FieldErrors::default();
    let a = &input.attendee;
    let r = &input.registrant;
    let attendee_name = errors.check("attendee.name", domain::text(&a.name, 60, true, false));
    let attendee_kana = errors.check("attendee.name_kana", Kana::parse(&a.name_kana));
    let attendee_phone = errors.check("attendee.phone", PhoneNumber::parse(&a.phone));
    let age_band = errors.check("attendee.age_band", domain::choice(&a.age_band, AgeBand::parse));
    let has_smartphone = errors.check("attendee.has_smartphone", a.has_smartphone.ok_or(Problem::new("error.required")));
    let smartphone_os = match a.smartphone_os.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(os) => errors.check("attendee.smartphone_os", domain::choice(os, SmartphoneOs::parse)).map(Some),
        None => Some(None),
    };
    let needs_loaner = a.needs_loaner.unwrap_or(false);
    let accessibility_needs = errors.check("attendee.accessibility_needs", domain::text(&a.accessibility_needs, 500, false, true));
    let notes = errors.check("attendee.notes", domain::text(&a.notes, 500, false, true));

    let channel = match input.channel.trim() {
        "" => Some(if by_staff { Channel::Phone } else { Channel::Web }),
        code => errors.check("channel", domain::choice(code, Channel::parse)),
    };
    if channel.is_some_and(|c| c != Channel::Web) && !by_staff {
        return Err(AppError::Forbidden);
    }
    let relation = match r.relation.trim() {
        "" if by_staff => Some(Relation::Myself),
        code => errors.check("registrant.relation", domain::choice(code, Relation::parse)),
    };
    // The attendee may fill in the form themselves; then their name stands for the registrant's.
    let registrant_name = if r.name.trim().is_empty() && relation == Some(Relation::Myself) {
        attendee_name.clone()
    } else {
        errors.check("registrant.name", domain::text(&r.name, 60, true, false))
    };
    let registrant_email = match r.email.trim() {
        "" => Some(None),
        email => errors.check("registrant.email", Email::parse(email)).map(|e| Some(e.as_str().to_string())),
    };
    let registrant_phone = match r.phone.trim() {
        "" => Some(None),
        phone => errors.check("registrant.phone", PhoneNumber::parse(phone)).map(|p| Some(p.as_str().to_string())),
    };
    // Online, we need a way to reach the registrant; at the counter the attendee's phone is enough.
    if !by_staff && r.email.trim().is_empty() && r.phone.trim().is_empty() {
        errors.add("registrant.email", Problem::new("error.email_or_phone"));
    }
    if !input.consent {
        errors.add("consent", Problem::new("error.consent"));
    }
    if needs_loaner && session.summary.loaner_devices == 0 {
        errors.add("attendee.needs_loaner", Problem::new("error.no_loaners"));
    }
    let slot_starts_at = if session.summary.kind == SessionKind::Consultation {
        errors.check("slot_starts_at", check_slot(input.slot_starts_at.as_deref(), session)).map(Some)
    } else {
        Some(None)
    };
    errors.into_result()?;
    Ok(Checked {
        attendee_name: attendee_name.expect("checked"),
        attendee_kana: attendee_kana.expect("checked").as_str().to_string(),
        attendee_phone: attendee_phone.expect("checked").as_str().to_string(),
        age_band: age_band.expect("checked"),
        has_smartphone: has_smartphone.expect("checked"),
        smartphone_os: smartphone_os.expect("checked"),
        needs_loaner,
        accessibility_needs: accessibility_needs.expect("checked"),
        notes: notes.expect("checked"),
        registrant_name: registrant_name.expect("checked"),
        registrant_email: registrant_email.expect("checked"),
        registrant_phone: registrant_phone.expect("checked"),
        relation: relation.expect("checked"),
        channel: channel.expect("checked"),
        slot_starts_at: slot_starts_at.expect("checked"),
    })
}

fn check_slot(value: Option<&str>, session: &SessionDetail) -> Result<DateTime<Utc>, Problem> {
    let value = value.map(str::trim).filter(|v| !v.is_empty()).ok_or(Problem::new("error.slot_required"))?;
    let t = DateTime::parse_from_rfc3339(value).map_err(|_| Problem::new("error.datetime"))?.with_timezone(&Utc);
    if super::slots(session).contains(&t) { Ok(t) } else { Err(Problem::new("error.slot_unknown")) }
}

fn new_token() -> String {
    let mut bytes = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Whether one more person can be confirmed (in their slot, for a consultation).
async fn has_room(tx: &mut Tx, s: &LockedSession, slot: Option<DateTime<Utc>>) -> AppResult<bool> {
    if s.confirmed_count >= s.capacity {
        return Ok(false);
    }
    match (slot, s.advisors) {
        (Some(slot), Some(advisors)) => {
            let taken: i64 = on_tx!(tx, conn => {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM registrations WHERE session_id = $1 AND status = 'confirmed' AND slot_starts_at = $2",
                )
                .bind(s.id)
                .bind(slot)
                .fetch_one(&mut *conn)
                .await
            })?;
            Ok(taken < advisors as i64)
        }
        _ => Ok(true),
    }
}

/// A waitlisted registration's place in line: how many of its session's waitlisted came first.
const WAITLIST_POSITION_SQL: &str =
    "SELECT COUNT(*) FROM registrations WHERE session_id = $1 AND status = 'waitlisted' AND id <= $2";

async fn waitlist_position(tx: &mut Tx, session_id: i64, id: i64) -> AppResult<i64> {
    Ok(on_tx!(tx, conn => {
        sqlx::query_scalar(WAITLIST_POSITION_SQL)
        .bind(session_id)
        .bind(id)
        .fetch_one(&mut *conn)
        .await
    })?)
}

/// Signs someone up. Past capacity they join the waitlist. The same `idempotency_key`
/// for the same session returns the first registration instead of making another.
/// Returns the registration and whether it was created now (false: a replay).
pub async fn register(
    state: &AppState,
    session_id: i64,
    input: &RegistrationInput,
    viewer: Option<&Viewer>,
    idempotency_key: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<(RegistrationCreated, bool)> {
    let session = sessions::store::detail(&state.db, session_id, viewer).await?;
    let by_staff = viewer.is_some_and(|v| v.works_at(session.venue.id));
    let key = match idempotency_key.map(str::trim).filter(|k| !k.is_empty()) {
        Some(k) if k.len() <= 200 && k.chars().all(|c| c.is_ascii_graphic()) => Some(k.to_string()),
        Some(_) => return Err(AppError::BadRequest(Problem::new("error.idempotency_key"))),
        None => None,
    };
    let checked = check(input, &session, by_staff)?;
    let mut tx = state.db.begin().await?;
    let locked = sessions::store::lock(&mut tx, session_id, now).await?;
    if let Some(key) = &key {
        if let Some(existing) = find_by_key(&mut tx, session_id, key).await? {
            return Ok((existing, false));
        }
    }
    if locked.status == SessionStatus::Cancelled {
        return Err(AppError::Conflict(Problem::new("error.session_cancelled")));
    }
    // Staff may record sign-ups for a session under way or past (paper records); the public may not.
    if !by_staff && locked.starts_at <= now {
        return Err(AppError::Conflict(Problem::new("error.session_started")));
    }
    let status = if has_room(&mut tx, &locked, checked.slot_starts_at).await? {
        RegistrationStatus::Confirmed
    } else {
        RegistrationStatus::Waitlisted
    };
    let token = new_token();
    let id: i64 = on_tx!(&mut tx, conn => {
        sqlx::query_scalar(
            "INSERT INTO registrations (session_id, status, attendance, channel, slot_starts_at, attendee_name,
                 attendee_kana, attendee_phone, age_band, has_smartphone, smartphone_os, needs_loaner,
                 accessibility_needs, notes, registrant_name, registrant_email, registrant_phone,
                 registrant_relation, consent_at, cancel_token, idempotency_key, created_by, created_at, updated_at)
             VALUES ($1, $2, 'unknown', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
                 $19, $20, $21, $18, $18)
             RETURNING id",
        )
        .bind(session_id)
        .bind(status)
        .bind(checked.channel)
        .bind(checked.slot_starts_at)
        .bind(&checked.attendee_name)
        .bind(&checked.attendee_kana)
        .bind(&checked.attendee_phone)
        .bind(checked.age_band)
        .bind(checked.has_smartphone)
        .bind(checked.smartphone_os)
        .bind(checked.needs_loaner)
        .bind(&checked.accessibility_needs)
        .bind(&checked.notes)
        .bind(&checked.registrant_name)
        .bind(&checked.registrant_email)
        .bind(&checked.registrant_phone)
        .bind(checked.relation)
        .bind(now)
        .bind(&token)
        .bind(&key)
        .bind(viewer.map(|v| v.user_id))
        .fetch_one(&mut *conn)
        .await
    })?;
    let counter = if status == RegistrationStatus::Confirmed { "confirmed_count" } else { "waitlist_count" };
    let bump = format!("UPDATE sessions SET {counter} = {counter} + 1 WHERE id = $1");
    on_tx!(&mut tx, conn => sqlx::query(&bump).bind(session_id).execute(&mut *conn).await.map(|_| ()))?;
    // Under the lock the newcomer is the last of the session's waitlisted: the tally gives
    // its place without counting rows (one round trip less while everyone else waits).
    let waitlist_position = match status {
        RegistrationStatus::Waitlisted => Some(locked.waitlist_count as i64 + 1),
        _ => None,
    };
    let template = match status {
        RegistrationStatus::Confirmed => MailTemplate::Confirmation,
        _ => MailTemplate::Waitlisted,
    };
    if let Some(facts) = MailFacts::for_sign_up(&session, &checked, status, &token) {
        write_mail(&mut tx, state, template, id, &facts, waitlist_position, now).await?;
    }
    tx.commit().await?;
    state.mailer.wake();
    Ok((RegistrationCreated { id, status, waitlist_position, cancel_token: token }, true))
}

async fn find_by_key(tx: &mut Tx, session_id: i64, key: &str) -> AppResult<Option<RegistrationCreated>> {
    let row: Option<(i64, RegistrationStatus, String)> = on_tx!(tx, conn => {
        sqlx::query_as("SELECT id, status, cancel_token FROM registrations WHERE session_id = $1 AND idempotency_key = $2")
            .bind(session_id)
            .bind(key)
            .fetch_optional(&mut *conn)
            .await
    })?;
    let Some((id, status, cancel_token)) = row else { return Ok(None) };
    let waitlist_position = match status {
        RegistrationStatus::Waitlisted => Some(waitlist_position(tx, session_id, id).await?),
        _ => None,
    };
    Ok(Some(RegistrationCreated { id, status, waitlist_position, cancel_token }))
}

/// What a mail about a registration says of it, its session and its venue.
#[derive(sqlx::FromRow)]
struct MailFacts {
    session_id: i64,
    status: RegistrationStatus,
    attendee_name: String,
    registrant_name: String,
    registrant_email: Option<String>,
    needs_loaner: bool,
    slot_starts_at: Option<DateTime<Utc>>,
    cancel_token: String,
    title: String,
    what_to_bring: String,
    loaner_devices: i32,
    slot_minutes: Option<i32>,
    venue_name: String,
    venue_address: String,
    venue_access: String,
    #[sqlx(skip)]
    meetings: Vec<Meeting>,
}

impl MailFacts {
    /// Reads them for registration `id`; `None` when there is nobody to mail.
    async fn load(tx: &mut Tx, id: i64) -> AppResult<Option<Self>> {
        let mut facts: Self = on_tx!(tx, conn => {
            sqlx::query_as(
                "SELECT r.session_id, r.status, r.attendee_name, r.registrant_name, r.registrant_email, r.needs_loaner,
                        r.slot_starts_at, r.cancel_token, s.title, s.what_to_bring, s.loaner_devices, s.slot_minutes,
                        v.name AS venue_name, v.address AS venue_address, v.access AS venue_access
                 FROM registrations r JOIN sessions s ON s.id = r.session_id JOIN venues v ON v.id = s.venue_id
                 WHERE r.id = $1",
            )
            .bind(id)
            .fetch_one(&mut *conn)
            .await
        })?;
        if !facts.has_recipient() {
            return Ok(None);
        }
        facts.meetings = on_tx!(tx, conn => {
            sqlx::query_as(sessions::store::MEETINGS_SQL).bind(facts.session_id).fetch_all(&mut *conn).await
        })?;
        Ok(Some(facts))
    }

    /// The same for a sign-up being made, from the session as read before its lock was
    /// taken, so the locked transaction does not wait for these reads. A session edited in
    /// between is mailed as it was, as if the sign-up had come a moment before the edit.
    fn for_sign_up(session: &SessionDetail, checked: &Checked, status: RegistrationStatus, cancel_token: &str) -> Option<Self> {
        let facts = Self {
            session_id: session.summary.id,
            status,
            attendee_name: checked.attendee_name.clone(),
            registrant_name: checked.registrant_name.clone(),
            registrant_email: checked.registrant_email.clone(),
            needs_loaner: checked.needs_loaner,
            slot_starts_at: checked.slot_starts_at,
            cancel_token: cancel_token.to_string(),
            title: session.summary.title.clone(),
            what_to_bring: session.what_to_bring.clone(),
            loaner_devices: session.summary.loaner_devices,
            slot_minutes: session.slot_minutes,
            venue_name: session.venue.name.clone(),
            venue_address: session.venue.address.clone(),
            venue_access: session.venue.access.clone(),
            meetings: session.meetings.clone(),
        };
        facts.has_recipient().then_some(facts)
    }

    fn has_recipient(&self) -> bool {
        self.registrant_email.as_deref().is_some_and(|e| !e.is_empty())
    }
}

/// Writes the mail `template` for registration `id` to the outbox, if the registrant has an e-mail.
async fn notify(tx: &mut Tx, state: &AppState, template: MailTemplate, id: i64, now: DateTime<Utc>) -> AppResult<()> {
    match MailFacts::load(tx, id).await? {
        Some(facts) => write_mail(tx, state, template, id, &facts, None, now).await,
        None => Ok(()),
    }
}

/// `waitlist_position` is given by the one caller that mails a waitlisted person (the
/// sign-up, which knows it from the locked tally); every other mail is about a seat or a cancellation.
async fn write_mail(
    tx: &mut Tx,
    state: &AppState,
    template: MailTemplate,
    id: i64,
    facts: &MailFacts,
    waitlist_position: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let Some(email) = facts.registrant_email.as_deref() else { return Ok(()) };
    // A consultation is about the booked slot; other kinds about all their meetings.
    let spans: Vec<CalendarMeeting> = match (facts.slot_starts_at, facts.slot_minutes) {
        (Some(slot), Some(minutes)) => vec![CalendarMeeting {
            id: facts.meetings.iter().find(|m| m.starts_at <= slot && slot < m.ends_at).map_or(0, |m| m.id),
            starts_at: slot,
            ends_at: slot + Duration::minutes(minutes as i64),
        }],
        _ => facts.meetings.iter().map(|m| CalendarMeeting { id: m.id, starts_at: m.starts_at, ends_at: m.ends_at }).collect(),
    };
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
    let base = state.config.public_url.trim_end_matches('/');
    let status_url = format!("{base}/registrations/{}", facts.cancel_token);
    let ctx = MailContext {
        attendee_name: facts.attendee_name.clone(),
        registrant_name: facts.registrant_name.clone(),
        session_title: facts.title.clone(),
        when_ja: spans.iter().map(|m| format_span(m.starts_at, m.ends_at, Lang::Ja)).collect(),
        when_en: spans.iter().map(|m| format_span(m.starts_at, m.ends_at, Lang::En)).collect(),
        venue_name: facts.venue_name.clone(),
        venue_address: facts.venue_address.clone(),
        venue_access: facts.venue_access.clone(),
        what_to_bring: facts.what_to_bring.clone(),
        loaner_reserved,
        waitlist_position,
        cancel_url: format!("{status_url}#cancel"),
        status_url: status_url.clone(),
    };
    let location = format!("{} {}", facts.venue_name, facts.venue_address);
    let ics = calendar(&facts.title, &location, &status_url, &spans);
    outbox::enqueue(tx, template, email, &ctx, Some(ics), id, now).await
}

/// The calendar file of a registration, for the download link on its page.
pub async fn calendar_by_token(db: &Db, token: &str) -> AppResult<(String, String)> {
    let view = status_by_token(db, token).await?.ok_or(AppError::NotFound)?;
    let session = sessions::store::detail(db, view.session_id, None).await?;
    let spans: Vec<CalendarMeeting> = match (view.slot_starts_at, session.slot_minutes) {
        (Some(slot), Some(minutes)) => vec![CalendarMeeting {
            id: session.meetings.first().map_or(0, |m| m.id),
            starts_at: slot,
            ends_at: slot + Duration::minutes(minutes as i64),
        }],
        _ => session
            .meetings
            .iter()
            .map(|m| CalendarMeeting { id: m.id, starts_at: m.starts_at, ends_at: m.ends_at })
            .collect(),
    };
    let location = format!("{} {}", session.venue.name, session.venue.address);
    Ok((session.summary.title.clone(), calendar(&session.summary.title, &location, &session.what_to_bring, &spans)))
}

/// Cancels the registration holding this token. Cancelling twice changes nothing.
pub async fn cancel_by_token(state: &AppState, token: &str, now: DateTime<Utc>) -> AppResult<RegistrationStatusView> {
    let found: Option<(i64, i64)> = on_db!(&state.db, pool => {
        sqlx::query_as("SELECT id, session_id FROM registrations WHERE cancel_token = $1 AND anonymised_at IS NULL")
            .bind(token)
            .fetch_optional(pool)
            .await
    })?;
    let (id, session_id) = found.ok_or(AppError::NotFound)?;
    cancel(state, id, session_id, now).await?;
    status_by_token(&state.db, token).await?.ok_or(AppError::NotFound)
}

/// Staff cancel a registration of their venue (a phone call: "I can't come").
pub async fn cancel_by_staff(state: &AppState, viewer: &Viewer, id: i64, now: DateTime<Utc>) -> AppResult<i64> {
    let session_id: i64 = on_db!(&state.db, pool => {
        sqlx::query_scalar("SELECT session_id FROM registrations WHERE id = $1").bind(id).fetch_one(pool).await
    })?;
    let session = sessions::store::detail(&state.db, session_id, Some(viewer)).await?;
    viewer.require_venue(session.venue.id)?;
    cancel(state, id, session_id, now).await?;
    audit::record(&state.db, viewer, "registration.cancel", &format!("registration:{id}"), "").await?;
    Ok(session_id)
}

async fn cancel(state: &AppState, id: i64, session_id: i64, now: DateTime<Utc>) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    sessions::store::lock(&mut tx, session_id, now).await?;
    let status: RegistrationStatus = on_tx!(&mut tx, conn => {
        sqlx::query_scalar("SELECT status FROM registrations WHERE id = $1").bind(id).fetch_one(&mut *conn).await
    })?;
    if status == RegistrationStatus::Cancelled {
        return Ok(());
    }
    on_tx!(&mut tx, conn => {
        sqlx::query("UPDATE registrations SET status = 'cancelled', cancelled_at = $1, updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await.map(|_| ())
    })?;
    let counter = if status == RegistrationStatus::Confirmed { "confirmed_count" } else { "waitlist_count" };
    let drop = format!("UPDATE sessions SET {counter} = {counter} - 1 WHERE id = $1");
    on_tx!(&mut tx, conn => sqlx::query(&drop).bind(session_id).execute(&mut *conn).await.map(|_| ()))?;
    notify(&mut tx, state, MailTemplate::Cancelled, id, now).await?;
    promote_waitlisted(&mut tx, state, session_id, now).await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(())
}

/// Moves the oldest waitlisted registrations up while there is room, telling each.
/// The caller holds the session's lock.
pub async fn promote_waitlisted(tx: &mut Tx, state: &AppState, session_id: i64, now: DateTime<Utc>) -> AppResult<()> {
    loop {
        let session: LockedSession = on_tx!(tx, conn => {
            sqlx::query_as(
                "SELECT id, kind, status, capacity, confirmed_count, waitlist_count, starts_at, slot_minutes, advisors
                 FROM sessions WHERE id = $1",
            )
            .bind(session_id)
            .fetch_one(&mut *conn)
            .await
        })?;
        if session.status == SessionStatus::Cancelled || session.confirmed_count >= session.capacity {
            return Ok(());
        }
        let waiting: Vec<(i64, Option<DateTime<Utc>>)> = on_tx!(tx, conn => {
            sqlx::query_as(
                "SELECT id, slot_starts_at FROM registrations WHERE session_id = $1 AND status = 'waitlisted' ORDER BY id",
            )
            .bind(session_id)
            .fetch_all(&mut *conn)
            .await
        })?;
        let mut next = None;
        for (id, slot) in waiting {
            if has_room(tx, &session, slot).await? {
                next = Some(id);
                break;
            }
        }
        let Some(id) = next else { return Ok(()) };
        on_tx!(tx, conn => {
            sqlx::query("UPDATE registrations SET status = 'confirmed', updated_at = $1 WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(&mut *conn)
                .await.map(|_| ())
        })?;
        on_tx!(tx, conn => {
            sqlx::query(
                "UPDATE sessions SET confirmed_count = confirmed_count + 1, waitlist_count = waitlist_count - 1 WHERE id = $1",
            )
            .bind(session_id)
            .execute(&mut *conn)
            .await.map(|_| ())
        })?;
        notify(tx, state, MailTemplate::Promoted, id, now).await?;
    }
}

/// A manager cancelled the session: every live registration is cancelled and told so.
pub async fn cancel_all_for_session(tx: &mut Tx, state: &AppState, session_id: i64, now: DateTime<Utc>) -> AppResult<()> {
    let live: Vec<i64> = on_tx!(tx, conn => {
        sqlx::query_scalar("SELECT id FROM registrations WHERE session_id = $1 AND status <> 'cancelled' ORDER BY id")
            .bind(session_id)
            .fetch_all(&mut *conn)
            .await
    })?;
    for id in live {
        on_tx!(tx, conn => {
            sqlx::query("UPDATE registrations SET status = 'cancelled', cancelled_at = $1, updated_at = $1 WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(&mut *conn)
                .await.map(|_| ())
        })?;
        notify(tx, state, MailTemplate::SessionCancelled, id, now).await?;
    }
    on_tx!(tx, conn => {
        sqlx::query("UPDATE sessions SET confirmed_count = 0, waitlist_count = 0 WHERE id = $1")
            .bind(session_id)
            .execute(&mut *conn)
            .await.map(|_| ())
    })?;
    Ok(())
}

/// Queues the day-before reminder for confirmed registrations of sessions starting
/// tomorrow (Tokyo). Each registration is claimed once, whichever instance runs this.
pub async fn queue_reminders(state: &AppState, now: DateTime<Utc>) -> AppResult<usize> {
    let tomorrow = today_tokyo(now) + Duration::days(1);
    let (from, to) = (from_tokyo(tomorrow, NaiveTime::MIN), from_tokyo(tomorrow + Duration::days(1), NaiveTime::MIN));
    let mut tx = state.db.begin().await?;
    let due: Vec<i64> = on_tx!(&mut tx, conn => {
        sqlx::query_scalar(
            "UPDATE registrations SET reminder_queued_at = $1
             WHERE reminder_queued_at IS NULL AND status = 'confirmed' AND registrant_email IS NOT NULL
               AND session_id IN (SELECT id FROM sessions WHERE status = 'scheduled' AND starts_at >= $2 AND starts_at < $3)
             RETURNING id",
        )
        .bind(now)
        .bind(from)
        .bind(to)
        .fetch_all(&mut *conn)
        .await
    })?;
    for id in &due {
        notify(&mut tx, state, MailTemplate::Reminder, *id, now).await?;
    }
    tx.commit().await?;
    if !due.is_empty() {
        state.mailer.wake();
    }
    Ok(due.len())
}

pub async fn status_by_token(db: &Db, token: &str) -> AppResult<Option<RegistrationStatusView>> {
    let row: Option<RegistrationStatusView> = on_db!(db, pool => {
        sqlx::query_as(
            "SELECT id, session_id, status, attendee_name, needs_loaner, slot_starts_at
             FROM registrations WHERE cancel_token = $1 AND anonymised_at IS NULL",
        )
        .bind(token)
        .fetch_optional(pool)
        .await
    })?;
    let Some(mut view) = row else { return Ok(None) };
    let (id, session_id) = (view.id, view.session_id);
    view.waitlist_position = if view.status == RegistrationStatus::Waitlisted {
        let n: i64 = on_db!(db, pool => {
            sqlx::query_scalar(WAITLIST_POSITION_SQL)
            .bind(session_id)
            .bind(id)
            .fetch_one(pool)
            .await
        })?;
        Some(n)
    } else {
        None
    };
    Ok(Some(view))
}

const ROSTER_COLUMNS: &str = "id, status, attendance, channel, slot_starts_at, attendee_name, attendee_kana, attendee_phone,
     age_band, has_smartphone, smartphone_os, needs_loaner, accessibility_needs, notes, registrant_name,
     registrant_email, registrant_phone, registrant_relation, created_at";

/// The people registered for a session: confirmed first, then the waitlist, then cancelled.
pub async fn roster(db: &Db, viewer: &Viewer, session_id: i64) -> AppResult<Vec<RosterEntry>> {
    let session = sessions::store::detail(db, session_id, Some(viewer)).await?;
    viewer.require_venue(session.venue.id)?;
    audit::record(db, viewer, "roster.read", &format!("session:{session_id}"), "").await?;
    let sql = format!(
        "SELECT {ROSTER_COLUMNS} FROM registrations WHERE session_id = $1
         ORDER BY CASE status WHEN 'confirmed' THEN 0 WHEN 'waitlisted' THEN 1 ELSE 2 END, slot_starts_at, id"
    );
    Ok(on_db!(db, pool => sqlx::query_as(&sql).bind(session_id).fetch_all(pool).await)?)
}

/// Records whether a confirmed attendee came to one meeting (the first, if none is
/// named). The registration's own `attendance` sums up its meetings: attended if they
/// came to any, no-show if they were marked absent and came to none.
pub async fn record_attendance(
    state: &AppState,
    viewer: &Viewer,
    registration_id: i64,
    meeting_id: Option<i64>,
    attendance: Attendance,
    now: DateTime<Utc>,
) -> AppResult<AttendanceRecorded> {
    if attendance == Attendance::Unknown {
        let mut errors = FieldErrors::default();
        errors.add("attendance", Problem::new("error.choice"));
        return Err(errors.into());
    }
    let found: Option<(i64, RegistrationStatus)> = on_db!(&state.db, pool => {
        sqlx::query_as("SELECT session_id, status FROM registrations WHERE id = $1")
            .bind(registration_id)
            .fetch_optional(pool)
            .await
    })?;
    let (session_id, status) = found.ok_or(AppError::NotFound)?;
    let session = sessions::store::detail(&state.db, session_id, Some(viewer)).await?;
    viewer.require_venue(session.venue.id)?;
    if status != RegistrationStatus::Confirmed {
        return Err(AppError::Conflict(Problem::new("error.not_confirmed")));
    }
    let meeting_id = match meeting_id {
        None => session.meetings.first().map(|m| m.id).ok_or(AppError::NotFound)?,
        Some(id) if session.meetings.iter().any(|m| m.id == id) => id,
        Some(_) => {
            let mut errors = FieldErrors::default();
            errors.add("meeting_id", Problem::new("error.choice"));
            return Err(errors.into());
        }
    };
    let mut tx = state.db.begin().await?;
    sessions::store::lock(&mut tx, session_id, now).await?;
    let before: Attendance = on_tx!(&mut tx, conn => {
        sqlx::query_scalar("SELECT attendance FROM registrations WHERE id = $1").bind(registration_id).fetch_one(&mut *conn).await
    })?;
    on_tx!(&mut tx, conn => {
        sqlx::query(
            "INSERT INTO attendances (registration_id, meeting_id, attendance, recorded_at, recorded_by)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (registration_id, meeting_id) DO UPDATE
                 SET attendance = excluded.attendance, recorded_at = excluded.recorded_at, recorded_by = excluded.recorded_by",
        )
        .bind(registration_id)
        .bind(meeting_id)
        .bind(attendance)
        .bind(now)
        .bind(viewer.user_id)
        .execute(&mut *conn)
        .await
        .map(|_| ())
    })?;
    let attended_any: i64 = on_tx!(&mut tx, conn => {
        sqlx::query_scalar("SELECT COUNT(*) FROM attendances WHERE registration_id = $1 AND attendance = 'attended'")
            .bind(registration_id)
            .fetch_one(&mut *conn)
            .await
    })?;
    let after = if attended_any > 0 { Attendance::Attended } else { Attendance::NoShow };
    on_tx!(&mut tx, conn => {
        sqlx::query("UPDATE registrations SET attendance = $1, updated_at = $2 WHERE id = $3")
            .bind(after)
            .bind(now)
            .bind(registration_id)
            .execute(&mut *conn)
            .await
            .map(|_| ())
    })?;
    let delta = (after == Attendance::Attended) as i32 - (before == Attendance::Attended) as i32;
    if delta != 0 {
        on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE sessions SET attended_count = attended_count + $1 WHERE id = $2")
                .bind(delta)
                .bind(session_id)
                .execute(&mut *conn)
                .await
                .map(|_| ())
        })?;
    }
    tx.commit().await?;
    audit::record(&state.db, viewer, "attendance.record", &format!("registration:{registration_id}"), attendance.as_str()).await?;
    Ok(AttendanceRecorded { registration_id, session_id, meeting_id, attendance, registration_attendance: after })
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct AttendanceRecorded {
    pub registration_id: i64,
    pub session_id: i64,
    pub meeting_id: i64,
    pub attendance: Attendance,
    pub registration_attendance: Attendance,
}

/// Attendance of each registration at one meeting.
pub async fn meeting_attendance(db: &Db, meeting_id: i64) -> AppResult<Vec<(i64, Attendance)>> {
    Ok(on_db!(db, pool => {
        sqlx::query_as("SELECT registration_id, attendance FROM attendances WHERE meeting_id = $1")
            .bind(meeting_id)
            .fetch_all(pool)
            .await
    })?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{domain::{SessionKind, SessionStatus, Topic, VenueKind}, sessions::{Meeting, SessionSummary}, venues::Venue};

    fn consultation() -> SessionDetail {
        let t = DateTime::parse_from_rfc3339("2026-12-05T01:00:00Z").unwrap().with_timezone(&Utc);
        SessionDetail {
            summary: SessionSummary {
                id: 1, kind: SessionKind::Consultation, title: "相談会".into(), topic: Topic::Other, venue_id: 1,
                starts_at: t, ends_at: t + Duration::minutes(70), capacity: 4, seats_left: 4, waitlist_count: 0,
                loaner_devices: 0, status: SessionStatus::Scheduled,
            },
            description: String::new(), what_to_bring: String::new(), instructors: 0, assistants: 0,
            slot_minutes: Some(30), advisors: Some(2), confirmed: 0,
            meetings: vec![Meeting { id: 1, starts_at: t, ends_at: t + Duration::minutes(70) }],
            venue: Venue { id: 1, name: "v".into(), kind: VenueKind::Other, ward: "moji".into(), address: "a".into(), access: String::new() },
            survey_code: None,
        }
    }

    #[test]
    fn slots_fit_inside_meetings() {
        let s = consultation();
        let slots = super::super::slots(&s);
        assert_eq!(slots.len(), 2, "a 70-minute meeting holds two 30-minute slots");
        assert!(check_slot(Some(&slots[1].to_rfc3339()), &s).is_ok());
        assert_eq!(check_slot(Some("2026-12-05T01:10:00Z"), &s).unwrap_err().key, "error.slot_unknown");
        assert_eq!(check_slot(None, &s).unwrap_err().key, "error.slot_required");
    }
}

//! Signing up (by the public or by staff) and cancelling a registration: the checks of
//! a sign-up, the idempotency of a submission, and the registration row. Seats and the
//! waitlist are `seats`'s; what people are told is `notices`'s.

use chrono::{DateTime, Utc};

use super::{
    field,
    notices::{self, Facts, MailTemplate},
    roster::status_by_token,
    seats, RegistrationCreated, RegistrationInput, RegistrationStatusView,
};
use crate::{
    domain::{
        self, AgeBand, Channel, Email, FieldErrors, Kana, PhoneNumber, Problem, RegistrationStatus, Relation,
        SessionKind, SessionStatus, SmartphoneOs,
    },
    on_db, on_tx,
    policy::Viewer,
    server::{
        audit,
        db::Tx,
        error::{AppError, AppResult},
        state::AppState,
    },
    sessions::{self, SessionDetail},
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
    followup_consent: bool,
}

fn check(input: &RegistrationInput, session: &SessionDetail, by_staff: bool) -> Result<Checked, AppError> {
    let mut errors = FieldErrors::default();
    let a = &input.attendee;
    let r = &input.registrant;
    let attendee_name = errors.check(field::ATTENDEE_NAME, domain::text(&a.name, 60, true, false));
    let attendee_kana = errors.check(field::ATTENDEE_KANA, Kana::of(&a.name, &a.name_kana));
    let attendee_phone = errors.check(field::ATTENDEE_PHONE, PhoneNumber::parse(&a.phone));
    let age_band = errors.check(field::AGE_BAND, domain::choice(&a.age_band, AgeBand::parse));
    let has_smartphone = errors.check(field::HAS_SMARTPHONE, a.has_smartphone.ok_or(Problem::new("error.choose")));
    let smartphone_os = match a.smartphone_os.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(os) => errors.check(field::SMARTPHONE_OS, domain::choice(os, SmartphoneOs::parse)).map(Some),
        None => Some(None),
    };
    let needs_loaner = a.needs_loaner.unwrap_or(false);
    let accessibility_needs =
        errors.check(field::ACCESSIBILITY_NEEDS, domain::text(&a.accessibility_needs, 500, false, true));
    let notes = errors.check(field::NOTES, domain::text(&a.notes, 500, false, true));

    let channel = match input.channel.trim() {
        "" => Some(if by_staff { Channel::Phone } else { Channel::Web }),
        code => errors.check(field::CHANNEL, domain::choice(code, Channel::parse)),
    };
    if channel.is_some_and(|c| c != Channel::Web) && !by_staff {
        return Err(AppError::Forbidden);
    }
    let relation = match r.relation.trim() {
        "" if by_staff => Some(Relation::Myself),
        code => errors.check(field::RELATION, domain::choice(code, Relation::parse)),
    };
    // The attendee may fill in the form themselves; then they are the registrant, and the
    // registrant's name and phone (fields the form hides for them) are not asked.
    let signs_up_self = relation == Some(Relation::Myself);
    let registrant_name = if signs_up_self {
        attendee_name.clone()
    } else {
        errors.check(field::REGISTRANT_NAME, domain::text(&r.name, 60, true, false))
    };
    let registrant_email = match r.email.trim() {
        "" => Some(None),
        email => errors.check(field::REGISTRANT_EMAIL, Email::parse(email)).map(|e| Some(e.as_str().to_string())),
    };
    let registrant_phone = match r.phone.trim() {
        // Signing oneself up, one's own phone is the way to reach one: never typed twice.
        _ if signs_up_self => Some(attendee_phone.as_ref().map(|p| p.as_str().to_string())),
        "" => Some(None),
        phone => errors.check(field::REGISTRANT_PHONE, PhoneNumber::parse(phone)).map(|p| Some(p.as_str().to_string())),
    };
    // Someone signing another person up online must leave a way to reach them; a senior
    // alone is reached on their own phone, and at the counter the attendee's phone is enough.
    if !by_staff && !signs_up_self && r.email.trim().is_empty() && r.phone.trim().is_empty() {
        errors.add(field::REGISTRANT_EMAIL, Problem::new("error.email_or_phone"));
    }
    if !input.consent {
        errors.add(field::CONSENT, Problem::new("error.consent"));
    }
    if needs_loaner && session.summary.loaner_devices == 0 {
        errors.add(field::NEEDS_LOANER, Problem::new("error.no_loaners"));
    }
    let slot_starts_at = if session.summary.kind == SessionKind::Consultation {
        errors.check(field::SLOT, check_slot(input.slot_starts_at.as_deref(), session)).map(Some)
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
        followup_consent: input.followup_consent,
    })
}

fn check_slot(value: Option<&str>, session: &SessionDetail) -> Result<DateTime<Utc>, Problem> {
    let value = value.map(str::trim).filter(|v| !v.is_empty()).ok_or(Problem::new("error.slot_required"))?;
    let t = DateTime::parse_from_rfc3339(value).map_err(|_| Problem::new("error.datetime"))?.with_timezone(&Utc);
    if super::slots(session).contains(&t) {
        Ok(t)
    } else {
        Err(Problem::new("error.slot_unknown"))
    }
}

/// Staff of the session's venue (or a manager) sign someone up by phone or at the counter.
pub async fn register_by_staff(
    state: &AppState,
    viewer: &Viewer,
    session_id: i64,
    input: &RegistrationInput,
    idempotency_key: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<(RegistrationCreated, bool)> {
    let venue_id = sessions::store::venue_of(&state.db, session_id).await?;
    viewer.require_venue(venue_id)?;
    register(state, session_id, input, Some(viewer), idempotency_key, now).await
}

/// A sign-up that passed its checks, with what writing it needs.
struct Prepared {
    session: SessionDetail,
    by_staff: bool,
    key: Option<String>,
    body_hash: String,
    checked: Checked,
}

/// Reads the session and checks the sign-up and its idempotency key; writes nothing.
async fn prepare(
    state: &AppState,
    session_id: i64,
    input: &RegistrationInput,
    viewer: Option<&Viewer>,
    idempotency_key: Option<&str>,
) -> AppResult<Prepared> {
    let session = sessions::store::detail(&state.db, session_id, viewer).await?;
    let by_staff = viewer.is_some_and(|v| v.works_at(session.venue.id));
    let key = match idempotency_key.filter(|k| !k.trim().is_empty()) {
        Some(k) => Some(crate::server::once::check_key(k)?.to_string()),
        None => None,
    };
    let body_hash = crate::server::once::fingerprint(input);
    let checked = check(input, &session, by_staff)?;
    Ok(Prepared { session, by_staff, key, body_hash, checked })
}

/// The public form's sign-up, with its review step (入力 → 確認 → 完了): unless
/// `confirmed`, a sign-up that passed its checks is shown back first (`None`, nothing
/// written) when a mail will go to the address typed (a typo there means no confirmation
/// ever arrives) or when someone signs another person up. A senior alone with only a
/// phone signs up in one submit. Otherwise as `register`.
pub async fn register_or_review(
    state: &AppState,
    session_id: i64,
    input: &RegistrationInput,
    viewer: Option<&Viewer>,
    idempotency_key: Option<&str>,
    confirmed: bool,
) -> AppResult<Option<(RegistrationCreated, bool)>> {
    let prepared = prepare(state, session_id, input, viewer, idempotency_key).await?;
    let c = &prepared.checked;
    if !confirmed && (c.registrant_email.is_some() || c.relation != Relation::Myself) {
        return Ok(None);
    }
    write(state, prepared, viewer, Utc::now()).await.map(Some)
}

/// Signs someone up. Past capacity they join the waitlist. The same `idempotency_key`
/// for the same session returns the first registration instead of making another; the
/// same key with a different body is refused (409 `idempotency_mismatch`), never a
/// replay that silently drops the second person. Returns the registration and whether
/// it was created now (false: a replay).
pub async fn register(
    state: &AppState,
    session_id: i64,
    input: &RegistrationInput,
    viewer: Option<&Viewer>,
    idempotency_key: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<(RegistrationCreated, bool)> {
    write(state, prepare(state, session_id, input, viewer, idempotency_key).await?, viewer, now).await
}

/// Writes a prepared sign-up under its session's lock (see `register`).
async fn write(
    state: &AppState,
    prepared: Prepared,
    viewer: Option<&Viewer>,
    now: DateTime<Utc>,
) -> AppResult<(RegistrationCreated, bool)> {
    let Prepared { session, by_staff, key, body_hash, checked } = prepared;
    let session_id = session.summary.id;
    let mut tx = state.db.begin().await?;
    let locked = seats::lock(&mut tx, session_id, now).await?;
    if let Some(key) = &key {
        if let Some((existing, first_hash)) = find_by_key(&mut tx, session_id, key).await? {
            if first_hash.is_some_and(|h| h != body_hash) {
                return Err(AppError::Conflict(Problem::new("error.idempotency_mismatch")));
            }
            return Ok((existing, false));
        }
    }
    if locked.status == SessionStatus::Cancelled {
        return Err(AppError::Conflict(Problem::new("error.session_cancelled")));
    }
    check_not_hoarding(&mut tx, session_id, &checked, by_staff).await?;
    // Staff may record sign-ups for a session under way or past (paper records); the public may not.
    if !by_staff && locked.starts_at <= now {
        return Err(AppError::Conflict(Problem::new("error.session_started")));
    }
    let seats::Admission { status, waitlist_position } = seats::admit(&mut tx, &locked, checked.slot_starts_at).await?;
    let token = crate::server::once::random_hex(24);
    let id: i64 = on_tx!(&mut tx, conn => {
        sqlx::query_scalar(
            "INSERT INTO registrations (session_id, status, attendance, channel, slot_starts_at, attendee_name,
                 attendee_kana, attendee_phone, age_band, has_smartphone, smartphone_os, needs_loaner,
                 accessibility_needs, notes, registrant_name, registrant_email, registrant_phone,
                 registrant_relation, consent_at, cancel_token, idempotency_key, created_by, created_at, updated_at,
                 idempotency_hash, followup_consent_at)
             VALUES ($1, $2, 'unknown', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
                 $19, $20, $21, $18, $18, $22, $23)
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
        .bind(viewer.and_then(|v| v.user_id))
        .bind(key.as_ref().map(|_| &body_hash))
        .bind(checked.followup_consent.then_some(now))
        .fetch_one(&mut *conn)
        .await
    })?;
    let template = match status {
        RegistrationStatus::Confirmed => MailTemplate::Confirmation,
        _ => MailTemplate::Waitlisted,
    };
    if let Some(facts) = facts_for_sign_up(&session, &checked, status, &token) {
        let extras = notices::Extras { waitlist_position, ..Default::default() };
        notices::write_mail(&mut tx, state, template, id, &facts, &extras, now).await?;
    }
    tx.commit().await?;
    state.outbox.wake();
    if let Some(staff) = viewer.filter(|_| by_staff) {
        // Staff typed in someone's personal data (form or API): on record, as every change of it is.
        audit::record(&state.db, staff, "registration.create", &format!("registration:{id}"), "").await?;
    }
    Ok((RegistrationCreated { id, status, waitlist_position, cancel_token: token }, true))
}

/// Live registrations one attendee phone may hold in one session through the public
/// form: a couple may share a landline. Staff are not limited.
const MAX_PER_PHONE: i64 = 2;
/// Live registrations one registrant e-mail may make in one session through the public
/// form: a family signs up its parents, a friend a small group.
const MAX_PER_EMAIL: i64 = 4;

/// Refuses a second seat for the same person (same name and phone, whoever signs them
/// up) and, on the public form, one phone or e-mail holding many seats of a session (one
/// number once held 80). Under the session's lock, so a rush cannot slip past.
async fn check_not_hoarding(tx: &mut Tx, session_id: i64, c: &Checked, by_staff: bool) -> AppResult<()> {
    let person = format!("{} {}", c.attendee_phone, c.attendee_name);
    if live_with(tx, session_id, "attendee_phone || ' ' || attendee_name", &person).await? > 0 {
        return Err(AppError::Conflict(Problem::new("error.already_registered").with("name", &c.attendee_name)));
    }
    if by_staff {
        return Ok(());
    }
    if live_with(tx, session_id, "attendee_phone", &c.attendee_phone).await? >= MAX_PER_PHONE {
        return Err(AppError::Conflict(Problem::new("error.too_many_per_phone").with("max", MAX_PER_PHONE)));
    }
    if let Some(email) = &c.registrant_email {
        if live_with(tx, session_id, "registrant_email", email).await? >= MAX_PER_EMAIL {
            return Err(AppError::Conflict(Problem::new("error.too_many_per_email").with("max", MAX_PER_EMAIL)));
        }
    }
    Ok(())
}

/// How many live registrations of a session have `column` (an expression over its own
/// columns, never input) equal to `value`.
async fn live_with(tx: &mut Tx, session_id: i64, column: &'static str, value: &str) -> AppResult<i64> {
    let sql =
        format!("SELECT COUNT(*) FROM registrations WHERE session_id = $1 AND status <> 'cancelled' AND {column} = $2");
    Ok(on_tx!(tx, conn => sqlx::query_scalar(&sql).bind(session_id).bind(value).fetch_one(&mut *conn).await)?)
}

/// The registration made earlier with this key, and the hash of the body it was made from.
async fn find_by_key(
    tx: &mut Tx,
    session_id: i64,
    key: &str,
) -> AppResult<Option<(RegistrationCreated, Option<String>)>> {
    let row: Option<(i64, RegistrationStatus, String, Option<String>)> = on_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT id, status, cancel_token, idempotency_hash FROM registrations
             WHERE session_id = $1 AND idempotency_key = $2",
        )
        .bind(session_id)
        .bind(key)
        .fetch_optional(&mut *conn)
        .await
    })?;
    let Some((id, status, cancel_token, hash)) = row else { return Ok(None) };
    let waitlist_position = match status {
        RegistrationStatus::Waitlisted => Some(seats::waitlist_position(tx, session_id, id).await?),
        _ => None,
    };
    Ok(Some((RegistrationCreated { id, status, waitlist_position, cancel_token }, hash)))
}

/// What the sign-up's mail says, from the session as read before its lock was taken, so
/// the locked transaction does not wait for these reads. A session edited in between is
/// mailed as it was, as if the sign-up had come a moment before the edit.
fn facts_for_sign_up(
    session: &SessionDetail,
    checked: &Checked,
    status: RegistrationStatus,
    cancel_token: &str,
) -> Option<Facts> {
    let facts = Facts {
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
        venue_phone: session.venue.phone.clone(),
        sequence: session.schedule_sequence,
        meetings: session.meetings.clone(),
    };
    facts.has_recipient().then_some(facts)
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
    seats::lock(&mut tx, session_id, now).await?;
    if seats::release(&mut tx, state, session_id, id, now).await? {
        tx.commit().await?;
        state.outbox.wake();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        domain::{SessionKind, SessionStatus, Topic, VenueKind},
        sessions::{Meeting, SessionSummary},
        venues::Venue,
    };
    use chrono::Duration;

    fn consultation() -> SessionDetail {
        let t = DateTime::parse_from_rfc3339("2026-12-05T01:00:00Z").unwrap().with_timezone(&Utc);
        SessionDetail {
            summary: SessionSummary {
                id: 1,
                kind: SessionKind::Consultation,
                title: "相談会".into(),
                topic: Topic::Other,
                venue_id: 1,
                starts_at: t,
                ends_at: t + Duration::minutes(70),
                capacity: 4,
                seats_left: 4,
                waitlist_count: 0,
                loaner_devices: 0,
                status: SessionStatus::Scheduled,
                meeting_count: 1,
                weekly: false,
            },
            description: String::new(),
            what_to_bring: String::new(),
            instructors: 0,
            assistants: 0,
            slot_minutes: Some(30),
            advisors: Some(2),
            confirmed: 0,
            meetings: vec![Meeting { id: 1, starts_at: t, ends_at: t + Duration::minutes(70) }],
            venue: Venue {
                id: 1,
                name: "v".into(),
                ward: "moji".into(),
                address: "a".into(),
                ..Venue::blank(VenueKind::Other)
            },
            schedule_sequence: 0,
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

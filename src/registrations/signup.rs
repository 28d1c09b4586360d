//! Signing up (by the public or by staff) and cancelling a registration: the checks of
//! a sign-up, the idempotency of a submission, and the registration row. Seats and the
//! waitlist are `seats`'s; what people are told is `notices`'s.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{
    field, member_field,
    notices::{self, Facts, MailTemplate},
    roster::status_by_token,
    seats, RegistrationCreated, RegistrationInput, RegistrationStatusView, MAX_GROUP,
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
        db::{Db, Tx},
        error::{AppError, AppResult},
        state::AppState,
    },
    sessions::{self, SessionDetail},
};

/// One person of a sign-up, checked.
struct CheckedAttendee {
    name: String,
    kana: String,
    phone: String,
    age_band: AgeBand,
    has_smartphone: bool,
    smartphone_os: Option<SmartphoneOs>,
    needs_loaner: bool,
    accessibility_needs: String,
    notes: String,
    /// Who they are to the registrant.
    relation: Relation,
    /// The mobile number that gets their SMS (when agreed to).
    sms_number: Option<String>,
    /// For a consultation: their slot (one slot per attendee).
    slot: Option<DateTime<Utc>>,
}

/// A sign-up that passed every check: one to four attendees and who signed them up.
struct Checked {
    attendees: Vec<CheckedAttendee>,
    registrant_name: String,
    registrant_email: Option<String>,
    registrant_phone: Option<String>,
    channel: Channel,
    followup_consent: bool,
    /// With fewer seats than people, seat as many as fit (the rest waitlisted) rather
    /// than waitlist everyone together.
    split: bool,
}

impl Checked {
    /// The registrant is the (first) attendee.
    fn signs_up_self(&self) -> bool {
        self.attendees[0].relation == Relation::Myself
    }
}

fn check(input: &RegistrationInput, session: &SessionDetail, by_staff: bool) -> Result<Checked, AppError> {
    let mut errors = FieldErrors::default();
    let r = &input.registrant;
    let people: Vec<(Option<usize>, &super::AttendeeInput)> = if input.attendees.is_empty() {
        vec![(None, &input.attendee)]
    } else {
        if input.attendee != super::AttendeeInput::default() {
            errors.add(field::ATTENDEES, Problem::new("error.attendee_or_attendees"));
        }
        input.attendees.iter().enumerate().map(|(i, a)| (Some(i), a)).collect()
    };
    if people.len() > MAX_GROUP {
        return Err(FieldErrors(vec![(
            field::ATTENDEES.into(),
            Problem::new("error.group_size").with("max", MAX_GROUP),
        )])
        .into());
    }
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
    let mut attendees = Vec::new();
    for (position, (index, a)) in people.iter().enumerate() {
        let key = |name: &str| member_field(*index, name);
        let name = errors.check(&key(field::ATTENDEE_NAME), domain::text(&a.name, 60, true, false));
        let kana = errors.check(&key(field::ATTENDEE_KANA), Kana::of(&a.name, &a.name_kana));
        let phone = errors.check(&key(field::ATTENDEE_PHONE), PhoneNumber::parse(&a.phone));
        let age_band = errors.check(&key(field::AGE_BAND), domain::choice(&a.age_band, AgeBand::parse));
        let has_smartphone =
            errors.check(&key(field::HAS_SMARTPHONE), a.has_smartphone.ok_or(Problem::new("error.choose")));
        let smartphone_os = match a.smartphone_os.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(os) => errors.check(&key(field::SMARTPHONE_OS), domain::choice(os, SmartphoneOs::parse)).map(Some),
            None => Some(None),
        };
        let needs_loaner = a.needs_loaner.unwrap_or(false);
        if needs_loaner && session.summary.loaner_devices == 0 {
            errors.add(key(field::NEEDS_LOANER), Problem::new("error.no_loaners"));
        }
        let accessibility_needs =
            errors.check(&key(field::ACCESSIBILITY_NEEDS), domain::text(&a.accessibility_needs, 500, false, true));
        let notes = errors.check(&key(field::NOTES), domain::text(&a.notes, 500, false, true));
        // The first person stands in the registrant's relation; the others say theirs
        // (family when left out: a couple, a parent and a child).
        let own = match a.relation.trim() {
            "" if position == 0 => relation,
            "" => Some(Relation::Family),
            code => errors.check(&key(field::ATTENDEE_RELATION), domain::choice(code, Relation::parse)),
        };
        if let (
            Some(name),
            Some(kana),
            Some(phone),
            Some(age_band),
            Some(has_smartphone),
            Some(smartphone_os),
            Some(accessibility_needs),
            Some(notes),
            Some(relation),
        ) = (name, kana, phone, age_band, has_smartphone, smartphone_os, accessibility_needs, notes, own)
        {
            attendees.push(CheckedAttendee {
                name,
                kana: kana.as_str().to_string(),
                phone: phone.as_str().to_string(),
                age_band,
                has_smartphone,
                smartphone_os,
                needs_loaner,
                accessibility_needs,
                notes,
                relation,
                sms_number: None,
                slot: None,
            });
        }
    }
    let first_phone = attendees.first().map(|a| a.phone.clone());
    let registrant_name = match (signs_up_self, attendees.first()) {
        (true, Some(first)) => Some(first.name.clone()),
        (true, None) => None,
        (false, _) => errors.check(field::REGISTRANT_NAME, domain::text(&r.name, 60, true, false)),
    };
    let registrant_email = match r.email.trim() {
        "" => Some(None),
        email => errors.check(field::REGISTRANT_EMAIL, Email::parse(email)).map(|e| Some(e.as_str().to_string())),
    };
    let registrant_phone = match r.phone.trim() {
        // Signing oneself up, one's own phone is the way to reach one: never typed twice.
        _ if signs_up_self => Some(first_phone),
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
    // The same person twice in one sign-up is one mistake, not two seats.
    let mut seen = std::collections::HashSet::new();
    for (a, (index, _)) in attendees.iter().zip(&people) {
        if !seen.insert((a.name.clone(), a.phone.clone())) {
            errors.add(member_field(*index, field::ATTENDEE_NAME), Problem::new("error.same_person_twice"));
        }
    }
    if input.sms_consent {
        let registrant_mobile = registrant_phone.clone().flatten().filter(|p| domain::is_mobile(p));
        for a in &mut attendees {
            // Their own mobile first: the texts are about their seat.
            a.sms_number = Some(a.phone.clone()).filter(|p| domain::is_mobile(p)).or(registrant_mobile.clone());
        }
        // Told beside the other mistakes, so one round fixes them all.
        if attendees.iter().any(|a| a.sms_number.is_none()) || (attendees.is_empty() && registrant_mobile.is_none()) {
            let typed = people.iter().map(|(_, a)| a.phone.trim()).chain([r.phone.trim()]);
            let mut numbers: Vec<&str> = typed.filter(|p| !p.is_empty()).collect();
            numbers.dedup();
            errors.add(field::SMS_CONSENT, Problem::new("error.sms_needs_mobile").with("value", numbers.join("、")));
        }
    }
    let split = match input.if_not_enough_seats.trim() {
        "" | "waitlist_all" => Some(false),
        "split" => Some(true),
        _ => {
            errors.add(field::IF_NOT_ENOUGH_SEATS, Problem::new("error.if_not_enough_seats"));
            None
        }
    };
    // A consultation books one slot per attendee: their own (`attendees[i].slot_starts_at`,
    // the form's per-person choice), else the sign-up's `slot_starts_at`.
    let consultation = session.summary.kind == SessionKind::Consultation;
    let own_slot = |a: &super::AttendeeInput| a.slot_starts_at.clone().filter(|v| !v.trim().is_empty());
    let shared_slot = if consultation && people.iter().any(|(_, a)| own_slot(a).is_none()) {
        errors.check(field::SLOT, check_slot(input.slot_starts_at.as_deref(), session))
    } else {
        None
    };
    let slots: Vec<Option<DateTime<Utc>>> = people
        .iter()
        .map(|(index, a)| match own_slot(a) {
            _ if !consultation => None,
            Some(own) => errors.check(&member_field(*index, field::ATTENDEE_SLOT), check_slot(Some(&own), session)),
            None => shared_slot,
        })
        .collect();
    errors.into_result()?;
    for (a, slot) in attendees.iter_mut().zip(slots) {
        a.slot = slot;
    }
    Ok(Checked {
        attendees,
        registrant_name: registrant_name.expect("checked"),
        registrant_email: registrant_email.expect("checked"),
        registrant_phone: registrant_phone.expect("checked"),
        channel: channel.expect("checked"),
        followup_consent: input.followup_consent,
        split: split.expect("checked"),
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
) -> AppResult<(Vec<RegistrationCreated>, bool)> {
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
    let session = session_for_sign_up(state, session_id).await?;
    let by_staff = viewer.is_some_and(|v| v.works_at(session.venue.id));
    let key = match idempotency_key.filter(|k| !k.trim().is_empty()) {
        Some(k) => Some(crate::server::once::check_key(k)?.to_string()),
        None => None,
    };
    let body_hash = crate::server::once::fingerprint(input);
    let checked = check(input, &session, by_staff)?;
    Ok(Prepared { session, by_staff, key, body_hash, checked })
}

/// The session a sign-up checks against, as anyone may see it (without its survey
/// code), from a read begun after the sign-up arrived: the sign-ups of a rush that arrive
/// together share one read (`Rounds::share`) instead of each taking a connection for it.
async fn session_for_sign_up(state: &AppState, session_id: i64) -> AppResult<SessionDetail> {
    let db = state.db.clone();
    let read = move || {
        let db = db.clone();
        async move { sessions::store::detail(&db, session_id, None).await.map_err(Arc::new) }
    };
    match state.rounds.share(session_id, read).await {
        Some(Ok(session)) => Ok(session),
        Some(Err(error)) => Err(error.again()),
        None => Err(AppError::Internal(anyhow::anyhow!("the session's read ended without an answer"))),
    }
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
) -> AppResult<Option<(Vec<RegistrationCreated>, bool)>> {
    let prepared = prepare(state, session_id, input, viewer, idempotency_key).await?;
    let c = &prepared.checked;
    if !confirmed && (c.registrant_email.is_some() || !c.signs_up_self()) {
        return Ok(None);
    }
    write(state, prepared, viewer, Utc::now()).await.map(Some)
}

/// Signs someone up, or a group of up to four together. Past capacity they join the
/// waitlist; a group with fewer seats left than people is waitlisted together unless
/// it asked to `split`. The same `idempotency_key` for the same session returns the first
/// registrations instead of making others; the same key with a different body is refused
/// (409 `idempotency_mismatch`), never a replay that silently drops someone. Returns the
/// registrations in the order sent and whether they were created now (false: a replay).
pub async fn register(
    state: &AppState,
    session_id: i64,
    input: &RegistrationInput,
    viewer: Option<&Viewer>,
    idempotency_key: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<(Vec<RegistrationCreated>, bool)> {
    write(state, prepare(state, session_id, input, viewer, idempotency_key).await?, viewer, now).await
}

/// What a sign-up's writing answers: its registrations in the order sent, and whether
/// they were made now (false: a replay of an idempotency key).
type Written = AppResult<(Vec<RegistrationCreated>, bool)>;

/// A prepared sign-up waiting for its session's round.
struct Job {
    prepared: Prepared,
    /// The logged-in user who sent it.
    created_by: Option<i64>,
    /// Staff of the venue who typed it in: its rows are on the audit log.
    staff: Option<audit::Actor>,
    now: DateTime<Utc>,
}

/// At most this many sign-ups go in one round: the session's lock is held about a
/// millisecond for each (`bench/signup_rush.rs`), and the last of them waits for them all.
const MOST_PER_ROUND: usize = 100;

/// Writes a prepared sign-up (see `register`) in its session's next round: sign-ups that
/// arrive for a session while this instance writes its last round are written together,
/// in the order they came, in one transaction that takes the lock and commits once
/// (`write_round`).
async fn write(state: &AppState, prepared: Prepared, viewer: Option<&Viewer>, now: DateTime<Utc>) -> Written {
    let session_id = prepared.session.summary.id;
    let staff = viewer.filter(|_| prepared.by_staff).map(audit::Actor::of);
    let job = Job { prepared, created_by: viewer.and_then(|v| v.user_id), staff, now };
    let round_state = state.clone();
    state
        .rounds
        .join(session_id, MOST_PER_ROUND, job, move |jobs| write_round(round_state.clone(), jobs))
        .await
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the sign-up's round ended without it")))?
}

/// Writes one round of a session's sign-ups together (`write_together`). Should one
/// sign-up's statements fail, each is written again alone, so that the failure is only
/// its own; should the round's own steps fail (its connection, the lock, the commit),
/// every sign-up of the round is answered that error. One answer per job, in order.
async fn write_round(state: AppState, jobs: Vec<Job>) -> Vec<Written> {
    ::metrics::histogram!("ippo_signup_round_size").record(jobs.len() as f64);
    match write_together(&state, &jobs).await {
        Ok(written) => written,
        Err(Failed { error, by_one: true }) if jobs.len() > 1 => {
            tracing::warn!(%error, sign_ups = jobs.len(), "a sign-up failed its round; writing each alone");
            let mut written = Vec::with_capacity(jobs.len());
            for job in &jobs {
                written.push(match write_together(&state, std::slice::from_ref(job)).await {
                    Ok(mut one) => one.remove(0),
                    Err(failed) => Err(failed.error),
                });
            }
            written
        }
        Err(Failed { error, .. }) => jobs.iter().map(|_| Err(error.again())).collect(),
    }
}

/// Why a round was not written: nothing of it was.
struct Failed {
    error: AppError,
    /// The error came from one sign-up's own statements, not from the round's steps.
    by_one: bool,
}

/// Writes `jobs` (sign-ups for one session) in one transaction under the session's
/// lock, each decided against the seats the ones before it left: refused (its answer an
/// error, nothing of it written), replayed, or written with its registrations, notices
/// and, typed in by staff, audit entries.
async fn write_together(state: &AppState, jobs: &[Job]) -> Result<Vec<Written>, Failed> {
    let of_round = |error: AppError| Failed { error, by_one: false };
    let of_one = |error: AppError| Failed { error, by_one: true };
    let session_id = jobs[0].prepared.session.summary.id;
    let latest = jobs.iter().map(|j| j.now).max().unwrap_or_else(Utc::now);
    let mut tx = state.db.begin().await.map_err(|e| of_round(e.into()))?;
    let mut round = seats::Round::lock(&mut tx, session_id, latest).await.map_err(of_round)?;
    let mut written = Vec::with_capacity(jobs.len());
    for job in jobs {
        written.push(match decide(&mut tx, &mut round, job).await.map_err(of_one)? {
            Decision::Refused(problem) => Err(AppError::Conflict(problem)),
            Decision::Replay(existing) => Ok((existing, false)),
            Decision::Admitted(admissions) => {
                Ok((write_one(&mut tx, state, job, &admissions).await.map_err(of_one)?, true))
            }
        });
    }
    round.finish(&mut tx).await.map_err(of_round)?;
    tx.commit().await.map_err(|e| of_round(e.into()))?;
    state.outbox.wake();
    Ok(written)
}

/// What a sign-up comes to under its session's lock.
enum Decision {
    /// Not taken, with the reason (409).
    Refused(Problem),
    /// Its idempotency key was seen before: the registrations made then.
    Replay(Vec<RegistrationCreated>),
    /// Taken: one admission per attendee, to be written.
    Admitted(Vec<seats::Admission>),
}

/// Decides one sign-up of a round: its idempotency key, the session's state, hoarding,
/// then its seats. Writes nothing but the round's counts in memory.
async fn decide(tx: &mut Tx, round: &mut seats::Round, job: &Job) -> AppResult<Decision> {
    let Prepared { session, by_staff, key, body_hash, checked } = &job.prepared;
    let session_id = session.summary.id;
    if let Some(key) = key {
        if let Some((existing, first_hash)) = find_by_key(tx, session_id, key).await? {
            if first_hash.is_some_and(|h| h != *body_hash) {
                return Ok(Decision::Refused(Problem::new("error.idempotency_mismatch")));
            }
            return Ok(Decision::Replay(existing));
        }
    }
    if round.session().status == SessionStatus::Cancelled {
        return Ok(Decision::Refused(Problem::new("error.session_cancelled")));
    }
    if let Some(problem) = hoarding(tx, session_id, checked, *by_staff).await? {
        return Ok(Decision::Refused(problem));
    }
    // Staff may record sign-ups for a session under way or past (paper records); the public may not.
    if !by_staff && round.session().starts_at <= job.now {
        return Ok(Decision::Refused(Problem::new("error.session_started")));
    }
    let slots: Vec<Option<DateTime<Utc>>> = checked.attendees.iter().map(|a| a.slot).collect();
    Ok(Decision::Admitted(round.admit_group(tx, &slots, checked.split).await?))
}

/// Writes an admitted sign-up: every attendee's row (the group's first carrying the
/// idempotency key and the body's hash) and its notices.
async fn write_one(
    tx: &mut Tx,
    state: &AppState,
    job: &Job,
    admissions: &[seats::Admission],
) -> AppResult<Vec<RegistrationCreated>> {
    let Prepared { session, key, body_hash, checked, .. } = &job.prepared;
    let (session_id, now) = (session.summary.id, job.now);
    let mut created = Vec::new();
    for (position, (a, admission)) in checked.attendees.iter().zip(admissions).enumerate() {
        let token = crate::server::once::random_hex(24);
        let short_code = super::new_short_code();
        // The group's first row carries the key and the body's hash; the others point at it.
        let group_of = created.first().map(|first: &RegistrationCreated| first.id);
        let together = checked.attendees.len() > 1 && !checked.split;
        let id: i64 = on_tx!(tx, conn => {
            sqlx::query_scalar(
                "INSERT INTO registrations (session_id, status, attendance, channel, slot_starts_at, attendee_name,
                     attendee_kana, attendee_phone, age_band, has_smartphone, smartphone_os, needs_loaner,
                     accessibility_needs, notes, registrant_name, registrant_email, registrant_phone,
                     registrant_relation, consent_at, cancel_token, idempotency_key, created_by, created_at, updated_at,
                     idempotency_hash, followup_consent_at, sms_number, sms_consent_at, group_id, keeps_together,
                     short_code)
                 VALUES ($1, $2, 'unknown', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
                     $19, $20, $21, $18, $18, $22, $23, $24, $25, $26, $27, $28)
                 RETURNING id",
            )
            .bind(session_id)
            .bind(admission.status)
            .bind(checked.channel)
            .bind(a.slot)
            .bind(&a.name)
            .bind(&a.kana)
            .bind(&a.phone)
            .bind(a.age_band)
            .bind(a.has_smartphone)
            .bind(a.smartphone_os)
            .bind(a.needs_loaner)
            .bind(&a.accessibility_needs)
            .bind(&a.notes)
            .bind(&checked.registrant_name)
            .bind(&checked.registrant_email)
            .bind(&checked.registrant_phone)
            .bind(a.relation)
            .bind(now)
            .bind(&token)
            .bind(key.as_ref().filter(|_| position == 0))
            .bind(job.created_by)
            .bind(key.as_ref().filter(|_| position == 0).map(|_| body_hash))
            .bind(checked.followup_consent.then_some(now))
            .bind(&a.sms_number)
            .bind(a.sms_number.as_ref().map(|_| now))
            .bind(group_of)
            .bind(together)
            .bind(&short_code)
            .fetch_one(&mut *conn)
            .await
        })?;
        created.push(RegistrationCreated {
            id,
            status: admission.status,
            waitlist_position: admission.waitlist_position,
            cancel_token: token,
            short_code: Some(short_code),
        });
    }
    if created.len() > 1 {
        // The first row is the group's own id: every member, itself included, points at it.
        on_tx!(tx, conn => {
            sqlx::query("UPDATE registrations SET group_id = $1 WHERE id = $1").bind(created[0].id).execute(&mut *conn).await.map(|_| ())
        })?;
    }
    write_sign_up_notices(tx, state, session, checked, &created, now).await?;
    if let Some(staff) = &job.staff {
        // Staff typed in someone's personal data (form or API): on record, as every change of it is.
        for r in &created {
            audit::record_in(tx, staff, "registration.create", &format!("registration:{}", r.id), "").await?;
        }
    }
    Ok(created)
}

/// What a sign-up tells its people: one mail to the registrant listing everyone signed
/// up (with the first person's facts), and one SMS to each number that gets them.
async fn write_sign_up_notices(
    tx: &mut Tx,
    state: &AppState,
    session: &SessionDetail,
    checked: &Checked,
    created: &[RegistrationCreated],
    now: DateTime<Utc>,
) -> AppResult<()> {
    let group: Vec<notices::GroupMember> = if created.len() > 1 {
        let base = state.config.public_url.trim_end_matches('/');
        checked
            .attendees
            .iter()
            .zip(created)
            .map(|(a, r)| notices::GroupMember {
                name: a.name.clone(),
                waitlist_position: r.waitlist_position,
                status_url: format!("{base}/registrations/{}", r.cancel_token),
                slot: a.slot.map(|t| super::slot_label(t, session.slot_minutes.unwrap_or(0))),
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut texted: Vec<&str> = Vec::new();
    for (position, (a, r)) in checked.attendees.iter().zip(created).enumerate() {
        let new_number = a.sms_number.as_deref().filter(|n| !texted.contains(n));
        if position > 0 && new_number.is_none() {
            continue;
        }
        texted.extend(new_number);
        let template = match r.status {
            RegistrationStatus::Confirmed => MailTemplate::Confirmation,
            _ => MailTemplate::Waitlisted,
        };
        let facts = facts_for_sign_up(session, checked, a, r);
        let extras = notices::Extras {
            waitlist_position: r.waitlist_position,
            group: &group,
            // The group's mail goes once, with the first person.
            skip_mail: position > 0,
            skip_sms: new_number.is_none(),
            ..Default::default()
        };
        notices::write_notice(tx, state, template, r.id, &facts, &extras, now).await?;
    }
    Ok(())
}

/// Live registrations one attendee phone may hold in one session through the public
/// form: a couple may share a landline. Staff are not limited.
const MAX_PER_PHONE: usize = 2;
/// Live registrations one registrant e-mail may make in one session through the public
/// form: a family signs up its parents, a friend a small group.
const MAX_PER_EMAIL: usize = 4;

/// Why a sign-up would hoard seats, if it would: a second seat for the same person (same
/// name and phone, whoever signs them up) or, on the public form, one phone or e-mail
/// holding many seats of a session (one number once held 80). Under the session's lock,
/// so a rush cannot slip past; the sign-ups of the same round written before it count.
async fn hoarding(tx: &mut Tx, session_id: i64, c: &Checked, by_staff: bool) -> AppResult<Option<Problem>> {
    // One read of the session's live registrations sharing a phone or the e-mail: every
    // rule below is decided from it, so the session's lock is held one round trip.
    let phones = (0..c.attendees.len()).map(|i| format!("${}", i + 3)).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT attendee_phone, attendee_name, registrant_email FROM registrations
         WHERE session_id = $1 AND status <> 'cancelled' AND (registrant_email = $2 OR attendee_phone IN ({phones}))"
    );
    let live: Vec<(String, String, Option<String>)> = on_tx!(tx, conn => {
        let mut query = sqlx::query_as(&sql).bind(session_id).bind(&c.registrant_email);
        for a in &c.attendees {
            query = query.bind(&a.phone);
        }
        query.fetch_all(&mut *conn).await
    })?;
    for a in &c.attendees {
        if live.iter().any(|(phone, name, _)| *phone == a.phone && *name == a.name) {
            return Ok(Some(Problem::new("error.already_registered").with("name", &a.name)));
        }
    }
    if by_staff {
        return Ok(None);
    }
    for a in &c.attendees {
        let same_phone = c.attendees.iter().filter(|b| b.phone == a.phone).count();
        if live.iter().filter(|(phone, _, _)| *phone == a.phone).count() + same_phone > MAX_PER_PHONE {
            return Ok(Some(Problem::new("error.too_many_per_phone").with("max", MAX_PER_PHONE)));
        }
    }
    if let Some(email) = &c.registrant_email {
        let same_email = live.iter().filter(|(_, _, e)| e.as_ref() == Some(email)).count();
        if same_email + c.attendees.len() > MAX_PER_EMAIL {
            return Ok(Some(Problem::new("error.too_many_per_email").with("max", MAX_PER_EMAIL)));
        }
    }
    Ok(None)
}

/// The registrations made earlier with this key (a group's, in the order sent), and the
/// hash of the body they were made from.
async fn find_by_key(
    tx: &mut Tx,
    session_id: i64,
    key: &str,
) -> AppResult<Option<(Vec<RegistrationCreated>, Option<String>)>> {
    let first: Option<(i64, Option<String>)> = on_tx!(tx, conn => {
        sqlx::query_as("SELECT id, idempotency_hash FROM registrations WHERE session_id = $1 AND idempotency_key = $2")
            .bind(session_id)
            .bind(key)
            .fetch_optional(&mut *conn)
            .await
    })?;
    let Some((id, hash)) = first else { return Ok(None) };
    let rows: Vec<(i64, RegistrationStatus, String, Option<String>)> = on_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT id, status, cancel_token, short_code FROM registrations WHERE id = $1 OR group_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await
    })?;
    let mut members = Vec::new();
    for (id, status, cancel_token, short_code) in rows {
        let waitlist_position = match status {
            RegistrationStatus::Waitlisted => Some(seats::waitlist_position(tx, session_id, id).await?),
            _ => None,
        };
        members.push(RegistrationCreated { id, status, waitlist_position, cancel_token, short_code });
    }
    Ok(Some((members, hash)))
}

/// What the sign-up's notice says of attendee `a`, from the session as read before its
/// lock was taken, so the locked transaction does not wait for these reads. A session
/// edited in between is told as it was, as if the sign-up had come a moment before the edit.
fn facts_for_sign_up(
    session: &SessionDetail,
    checked: &Checked,
    a: &CheckedAttendee,
    created: &RegistrationCreated,
) -> Facts {
    Facts {
        session_id: session.summary.id,
        status: created.status,
        attendee_name: a.name.clone(),
        registrant_name: checked.registrant_name.clone(),
        registrant_email: checked.registrant_email.clone(),
        sms_number: a.sms_number.clone(),
        needs_loaner: a.needs_loaner,
        slot_starts_at: a.slot,
        cancel_token: created.cancel_token.clone(),
        short_code: created.short_code.clone(),
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
    }
}

/// Stops the SMS of the registration holding this token (its status page's button): the
/// number is forgotten and the time it stopped kept; messages not yet sent are dropped.
/// Stopping twice changes nothing.
pub async fn stop_sms_by_token(state: &AppState, token: &str, now: DateTime<Utc>) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    if stop_sms(&mut tx, "cancel_token", token, now).await? == 0 {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

/// Stops the SMS of the live registrations whose `column` (never input) is `value`;
/// returns how many there were.
async fn stop_sms(tx: &mut Tx, column: &'static str, value: &str, now: DateTime<Utc>) -> AppResult<usize> {
    let live = format!("{column} = $1 AND anonymised_at IS NULL");
    // The texts not yet sent go first, while the rows still name the number.
    let drop_unsent = format!(
        "DELETE FROM outbox WHERE channel = 'sms' AND sent_at IS NULL AND failed_at IS NULL
             AND registration_id IN (SELECT id FROM registrations WHERE {live})"
    );
    let stop = format!(
        "UPDATE registrations SET sms_number = NULL, sms_stopped_at = COALESCE(sms_stopped_at, $2) WHERE {live}"
    );
    on_tx!(tx, conn => sqlx::query(&drop_unsent).bind(value).execute(&mut *conn).await.map(|_| ()))?;
    let stopped: u64 = on_tx!(tx, conn => {
        sqlx::query(&stop).bind(value).bind(now).execute(&mut *conn).await.map(|r| r.rows_affected())
    })?;
    Ok(stopped as usize)
}

/// What a reply must say to stop the texts (after width folding and upper-casing, without
/// spaces): the words people use for it, in Japanese and in English.
const STOP_WORDS: [&str; 6] = ["停止", "ていし", "テイシ", "STOP", "やめて", "不要"];

/// Reads the texts people sent back: one saying 「停止」 (or STOP, …) stops the SMS to
/// its number, on every live registration, as the status page's button does. Each reply
/// is deleted once read, so no copy of it stays (housekeeping). Returns how many
/// registrations stopped.
pub async fn apply_sms_replies(db: &Db, now: DateTime<Utc>) -> AppResult<usize> {
    let replies: Vec<(i64, String, String)> = on_db!(db, pool => {
        sqlx::query_as("SELECT id, from_number, body_text FROM sms_replies ORDER BY id LIMIT 500").fetch_all(pool).await
    })?;
    let mut stopped = 0;
    for (id, from, text) in replies {
        let mut tx = db.begin().await?;
        let text: String = domain::normalise(&text, false).to_uppercase().split_whitespace().collect();
        let number = national_number(&from);
        if let Some(number) = number.filter(|_| STOP_WORDS.iter().any(|w| text.contains(w))) {
            stopped += stop_sms(&mut tx, "sms_number", &number, now).await?;
        }
        on_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM sms_replies WHERE id = $1").bind(id).execute(&mut *conn).await.map(|_| ())
        })?;
        tx.commit().await?;
    }
    Ok(stopped)
}

/// A sender as the SMSC gives it (`819012345678`, `+81…` or `090…`) as Ippo keeps
/// numbers (`090-1234-5678`).
fn national_number(from: &str) -> Option<String> {
    // SMSCs write numbers internationally without the plus; a domestic one begins with 0.
    let from = from.trim();
    let typed = if from.starts_with("81") { format!("+{from}") } else { from.to_string() };
    PhoneNumber::parse(&typed).ok().map(|p| p.as_str().to_string())
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

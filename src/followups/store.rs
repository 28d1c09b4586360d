//! Storing follow-ups: queueing them on their day (housekeeping), the questionnaire by
//! link, the answer (by the attendee's link or typed in by staff on the phone), the call
//! list with its "no answer / declined", and the manager's choices.

use chrono::{DateTime, Duration, Utc};

use super::{
    field, CallOutcome, Choice, ChoiceKind, ChoiceLabel, FollowupCall, FollowupInput, Questionnaire, Reach, LATE_DAYS,
    MAX_CALLS,
};
use crate::{
    domain::{self, FieldErrors, Problem},
    i18n::Lang,
    notify::Channel,
    on_db, on_tx,
    policy::Viewer,
    registrations::notices,
    server::{
        audit,
        db::{Db, Tx},
        error::{AppError, AppResult},
        once,
        state::AppState,
    },
    time::format_span,
};

/// Every choice of both lists, in the order the questionnaire shows them.
pub async fn choices(db: &Db) -> AppResult<Vec<Choice>> {
    Ok(on_db!(db, pool => {
        sqlx::query_as(
            "SELECT kind, code, label_ja, label_en, sort_order, active FROM followup_choices
             ORDER BY kind DESC, sort_order, code",
        )
        .fetch_all(pool)
        .await
    })?)
}

fn active(choices: &[Choice], kind: ChoiceKind) -> impl Iterator<Item = &Choice> {
    choices.iter().filter(move |c| c.active && c.kind == kind)
}

/// The active choices of one list, labelled in `lang`, in order.
pub fn labels(choices: &[Choice], kind: ChoiceKind, lang: Lang) -> Vec<ChoiceLabel> {
    active(choices, kind).map(|c| ChoiceLabel { code: c.code.clone(), label: c.label(lang).to_string() }).collect()
}

/// An answer that passed its checks.
#[derive(Debug, PartialEq)]
struct Checked {
    services: Vec<String>,
    with_help: Option<bool>,
    barriers: Vec<String>,
    comment: String,
}

/// Codes of one list, each once, each an active choice; an unknown one is named with
/// what is accepted.
fn codes(sent: &[String], choices: &[Choice], kind: ChoiceKind, name: &str, errors: &mut FieldErrors) -> Vec<String> {
    let accepted: Vec<&str> = active(choices, kind).map(|c| c.code.as_str()).collect();
    let mut out: Vec<String> = Vec::new();
    for code in sent.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        if !accepted.contains(&code) {
            errors.add(
                name,
                Problem::new("error.followup_choice").with("value", code).with("accepted", accepted.join(", ")),
            );
        } else if !out.iter().any(|c| c == code) {
            out.push(code.to_string());
        }
    }
    out
}

fn check(input: &FollowupInput, choices: &[Choice]) -> Result<Checked, FieldErrors> {
    let mut errors = FieldErrors::default();
    let services = codes(&input.services_used, choices, ChoiceKind::Service, field::SERVICES_USED, &mut errors);
    let barriers = codes(&input.barriers, choices, ChoiceKind::Barrier, field::BARRIERS, &mut errors);
    // "On their own or with help" is asked of those who used something.
    let with_help = match (services.is_empty(), input.with_help) {
        (true, _) => None,
        (false, Some(v)) => Some(v),
        (false, None) => {
            errors.add(field::WITH_HELP, Problem::new("error.choose"));
            None
        }
    };
    let comment = errors.check(field::COMMENT, domain::text(&input.comment, 1000, false, true));
    errors.into_result()?;
    Ok(Checked { services, with_help, barriers, comment: comment.unwrap_or_default() })
}

/// A follow-up found by its link's token, with the session it is about.
#[derive(sqlx::FromRow)]
struct ByToken {
    id: i64,
    session_id: i64,
    round: i32,
    answered: bool,
    title: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    venue_name: String,
}

/// A link stops working when the registration's personal data is deleted (retention).
async fn by_token(db: &Db, token: &str) -> AppResult<ByToken> {
    on_db!(db, pool => {
        sqlx::query_as(
            "SELECT f.id, f.session_id, f.round, f.answered_at IS NOT NULL AS answered, s.title, s.starts_at, s.ends_at,
                    v.name AS venue_name
             FROM followups f JOIN registrations r ON r.id = f.registration_id
               JOIN sessions s ON s.id = f.session_id JOIN venues v ON v.id = s.venue_id
             WHERE f.token = $1 AND r.anonymised_at IS NULL",
        )
        .bind(token.trim())
        .fetch_optional(pool)
        .await
    })?
    .ok_or(AppError::NotFound)
}

/// The questionnaire behind a follow-up link (anyone holding it; 404 for an unknown or
/// expired link). Shows only the course, never the person.
pub async fn questionnaire(db: &Db, token: &str, lang: Lang) -> AppResult<Questionnaire> {
    let f = by_token(db, token).await?;
    let choices = choices(db).await?;
    Ok(Questionnaire {
        session_title: f.title,
        when: format_span(f.starts_at, f.ends_at, lang),
        venue_name: f.venue_name,
        round: f.round,
        answered: f.answered,
        services: labels(&choices, ChoiceKind::Service, lang),
        barriers: labels(&choices, ChoiceKind::Barrier, lang),
    })
}

/// The attendee's answer through their link: once (a second answer is refused, 409
/// `followup_answered`). Returns the follow-up's id.
pub async fn answer_by_token(db: &Db, token: &str, input: &FollowupInput, now: DateTime<Utc>) -> AppResult<i64> {
    let f = by_token(db, token).await?;
    let checked = check(input, &choices(db).await?)?;
    write_answer(db, f.id, f.session_id, &checked, "link", None, now).await?;
    Ok(f.id)
}

/// An answer given on the phone, typed in by staff of the session's venue (or a manager;
/// audit-logged).
pub async fn answer_by_staff(
    db: &Db,
    viewer: &Viewer,
    followup_id: i64,
    input: &FollowupInput,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let session_id = session_of(db, viewer, followup_id).await?;
    let checked = check(input, &choices(db).await?)?;
    write_answer(db, followup_id, session_id, &checked, "phone", viewer.user_id, now).await?;
    audit::record(db, viewer, "followup.answer", &format!("followup:{followup_id}"), "").await?;
    Ok(())
}

/// The session of a follow-up, if the viewer works at its venue.
async fn session_of(db: &Db, viewer: &Viewer, followup_id: i64) -> AppResult<i64> {
    let (session_id, venue_id): (i64, i64) = on_db!(db, pool => {
        sqlx::query_as("SELECT s.id, s.venue_id FROM followups f JOIN sessions s ON s.id = f.session_id WHERE f.id = $1")
            .bind(followup_id)
            .fetch_optional(pool)
            .await
    })?
    .ok_or(AppError::NotFound)?;
    viewer.require_venue(venue_id)?;
    Ok(session_id)
}

/// What one change adds to the tallies of a follow-up's session and attendee.
#[derive(Default)]
struct Delta {
    sent: i32,
    answered: i32,
    used: i32,
    on_own: i32,
    unreachable: i32,
    declined: i32,
}

/// Adds `d` to the tallies of follow-up `id` (its session, the attendee's age band and
/// device), in the transaction of the change: what the outcome report sums.
async fn tally(tx: &mut Tx, id: i64, d: &Delta) -> AppResult<()> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO followup_tallies (session_id, age_band, device, sent, answered, used, on_own, unreachable, declined)
             SELECT f.session_id, r.age_band,
                    CASE WHEN r.has_smartphone THEN 'own' WHEN r.needs_loaner THEN 'loaner' ELSE 'none' END,
                    $2, $3, $4, $5, $6, $7
             FROM followups f JOIN registrations r ON r.id = f.registration_id WHERE f.id = $1
             ON CONFLICT (session_id, age_band, device) DO UPDATE SET
                 sent = followup_tallies.sent + excluded.sent,
                 answered = followup_tallies.answered + excluded.answered,
                 used = followup_tallies.used + excluded.used,
                 on_own = followup_tallies.on_own + excluded.on_own,
                 unreachable = followup_tallies.unreachable + excluded.unreachable,
                 declined = followup_tallies.declined + excluded.declined",
        )
        .bind(id)
        .bind(d.sent)
        .bind(d.answered)
        .bind(d.used)
        .bind(d.on_own)
        .bind(d.unreachable)
        .bind(d.declined)
        .execute(&mut *conn)
        .await
        .map(|_| ())
    })?;
    Ok(())
}

/// What closing a follow-up without an answer (`closed_reason`) counts as.
fn closed(reason: Option<&str>, sign: i32) -> Delta {
    match reason {
        Some("unreachable") => Delta { unreachable: sign, ..Default::default() },
        Some("declined") => Delta { declined: sign, ..Default::default() },
        _ => Delta::default(),
    }
}

/// Stores an answer and each choice it ticked, with their tallies, in one transaction;
/// the row is claimed by `answered_at IS NULL`, so two answers sent at once store one. A
/// late answer of someone closed as unreachable (or who declined) counts as an answer.
async fn write_answer(
    db: &Db,
    id: i64,
    session_id: i64,
    c: &Checked,
    source: &str,
    entered_by: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut tx = db.begin().await?;
    let claimed: Option<(Option<String>,)> = on_tx!(&mut tx, conn => {
        sqlx::query_as(
            "UPDATE followups SET answered_at = $2, source = $3, entered_by = $4, used_any = $5, with_help = $6,
                 services_used = $7, barriers = $8, comment = $9
             WHERE id = $1 AND answered_at IS NULL RETURNING closed_reason",
        )
        .bind(id)
        .bind(now)
        .bind(source)
        .bind(entered_by)
        .bind(!c.services.is_empty())
        .bind(c.with_help)
        .bind(c.services.join(","))
        .bind(c.barriers.join(","))
        .bind(&c.comment)
        .fetch_optional(&mut *conn)
        .await
    })?;
    let Some((was_closed,)) = claimed else {
        return Err(AppError::Conflict(Problem::new("error.followup_answered")));
    };
    let used = !c.services.is_empty();
    let reopened = closed(was_closed.as_deref(), -1);
    let answer =
        Delta { answered: 1, used: used.into(), on_own: (used && c.with_help == Some(false)).into(), ..reopened };
    tally(&mut tx, id, &answer).await?;
    let ticked = c.services.iter().map(|s| (ChoiceKind::Service, s, c.with_help));
    for (kind, code, with_help) in ticked.chain(c.barriers.iter().map(|b| (ChoiceKind::Barrier, b, None))) {
        on_tx!(&mut tx, conn => {
            sqlx::query(
                "INSERT INTO followup_answer_choices (followup_id, session_id, kind, code, with_help)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(session_id)
            .bind(kind.as_str())
            .bind(code)
            .bind(with_help)
            .execute(&mut *conn)
            .await
            .map(|_| ())
        })?;
        on_tx!(&mut tx, conn => {
            sqlx::query(
                "INSERT INTO followup_choice_tallies (session_id, kind, code, count, on_own) VALUES ($1, $2, $3, 1, $4)
                 ON CONFLICT (session_id, kind, code) DO UPDATE SET count = followup_choice_tallies.count + 1,
                     on_own = followup_choice_tallies.on_own + excluded.on_own",
            )
            .bind(session_id)
            .bind(kind.as_str())
            .bind(code)
            .bind(i32::from(with_help == Some(false)))
            .execute(&mut *conn)
            .await
            .map(|_| ())
        })?;
    }
    tx.commit().await?;
    Ok(())
}

/// The days (after a session's end) of each round, in order, each once.
pub fn rounds(days: &[u32]) -> Vec<u32> {
    let mut days = days.to_vec();
    days.sort_unstable();
    days.dedup();
    days
}

/// The sessions whose round falls due now: those that ended between `LATE_DAYS` and 0
/// days before their round's day, as `(ended after, ended at or before)`.
pub fn due_window(days: u32, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let day = now - Duration::days(days as i64);
    (day - Duration::days(LATE_DAYS), day)
}

/// How many registrations one housekeeping round queues at most (the rest next round).
const BATCH: i64 = 500;

/// Queues the follow-ups that fell due (housekeeping): for each round of
/// `IPPO_FOLLOWUP_DAYS`, every confirmed registration that came (attendance recorded),
/// agreed to the follow-up, is not yet anonymised, and has not declined an earlier round,
/// gets one follow-up, once whichever instance runs this (the unique round per
/// registration). With an e-mail, the mail with its link is written in the same
/// transaction; without, it waits on the venue's call list. Returns how many were queued.
pub async fn queue_due(state: &AppState, now: DateTime<Utc>) -> AppResult<usize> {
    let mut queued = 0;
    for (i, days) in rounds(&state.config.followup_days).into_iter().enumerate() {
        let round = i as i32 + 1;
        let (after, until) = due_window(days, now);
        let due: Vec<(i64, i64)> = on_db!(&state.db, pool => {
            sqlx::query_as(
                "SELECT r.id, r.session_id FROM registrations r JOIN sessions s ON s.id = r.session_id
                 WHERE r.status = 'confirmed' AND r.attendance = 'attended' AND r.followup_consent_at IS NOT NULL
                   AND r.anonymised_at IS NULL AND s.status <> 'cancelled' AND s.ends_at > $1 AND s.ends_at <= $2
                   AND NOT EXISTS (SELECT 1 FROM followups f WHERE f.registration_id = r.id
                                   AND (f.round = $3 OR f.closed_reason = 'declined'))
                 ORDER BY r.id LIMIT $4",
            )
            .bind(after)
            .bind(until)
            .bind(round)
            .bind(BATCH)
            .fetch_all(pool)
            .await
        })?;
        if due.is_empty() {
            continue;
        }
        let mut tx = state.db.begin().await?;
        for (registration_id, session_id) in due {
            if queue_one(&mut tx, state, registration_id, session_id, round, now).await? {
                queued += 1;
            }
        }
        tx.commit().await?;
    }
    if queued > 0 {
        state.outbox.wake();
    }
    Ok(queued)
}

/// Queues one follow-up unless another instance already did; returns whether this one did.
async fn queue_one(
    tx: &mut Tx,
    state: &AppState,
    registration_id: i64,
    session_id: i64,
    round: i32,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let token = once::random_hex(24);
    let id: Option<i64> = on_tx!(tx, conn => {
        sqlx::query_scalar(
            "INSERT INTO followups (registration_id, session_id, round, token, channel, queued_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (registration_id, round) DO NOTHING RETURNING id",
        )
        .bind(registration_id)
        .bind(session_id)
        .bind(round)
        .bind(&token)
        .bind(Reach::Phone.as_str())
        .bind(now)
        .fetch_optional(&mut *conn)
        .await
    })?;
    let Some(id) = id else { return Ok(false) };
    tally(tx, id, &Delta { sent: 1, ..Default::default() }).await?;
    let url = format!("{}/followup/{token}", state.config.public_url.trim_end_matches('/'));
    if let Some(channel) = notices::ask_followup(tx, state, registration_id, &url, now).await? {
        let reach = match channel {
            Channel::Email => Reach::Email,
            Channel::Sms => Reach::Sms,
        };
        on_tx!(tx, conn => {
            sqlx::query("UPDATE followups SET channel = $2 WHERE id = $1")
                .bind(id)
                .bind(reach.as_str())
                .execute(&mut *conn)
                .await
                .map(|_| ())
        })?;
    }
    Ok(true)
}

/// Every follow-up message to the person was refused for good (the outbox gave up on it,
/// or the SMSC could not deliver it): a mail that arrived while the text failed, or one
/// still being tried, is no reason to call.
const MAIL_FAILED: &str = "(EXISTS (SELECT 1 FROM outbox o WHERE o.registration_id = f.registration_id
         AND o.template = 'followup' AND o.failed_at IS NOT NULL)
     AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.registration_id = f.registration_id
         AND o.template = 'followup' AND o.failed_at IS NULL))";

/// Follow-ups with the person to call, bound by one condition on `f` and `r`.
fn call_sql(condition: &str) -> String {
    format!(
        "SELECT f.id, f.round, s.id AS session_id, s.venue_id, s.title AS session_title, s.ends_at AS session_ends_at,
                r.attendee_name, r.attendee_kana, r.attendee_phone, r.registrant_name, r.registrant_phone,
                r.age_band, f.call_attempts, f.last_call_at, (f.channel IN ('email', 'sms') AND {MAIL_FAILED}) AS mail_failed
         FROM followups f JOIN registrations r ON r.id = f.registration_id JOIN sessions s ON s.id = f.session_id
         WHERE r.anonymised_at IS NULL AND {condition}
         ORDER BY f.queued_at, f.id"
    )
}

/// The people to call for a follow-up at the viewer's venues (managers: every venue),
/// oldest first: not answered, not closed, and either without e-mail or their mail
/// failed. Reading it is audit-logged (names and numbers).
pub async fn call_list(db: &Db, viewer: &Viewer) -> AppResult<Vec<FollowupCall>> {
    viewer.require_staff()?;
    let sql =
        call_sql(&format!("f.answered_at IS NULL AND f.closed_at IS NULL AND (f.channel = 'phone' OR {MAIL_FAILED})"));
    let rows: Vec<FollowupCall> = on_db!(db, pool => sqlx::query_as(&sql).fetch_all(pool).await)?;
    let rows: Vec<FollowupCall> = rows.into_iter().filter(|c| viewer.works_at(c.venue_id)).collect();
    audit::record(db, viewer, "followup.calls", "followups", &format!("{} people", rows.len())).await?;
    Ok(rows)
}

/// One follow-up with the person to call, for the phone entry page (its venue's staff;
/// audit-logged).
pub async fn call(db: &Db, viewer: &Viewer, followup_id: i64) -> AppResult<FollowupCall> {
    session_of(db, viewer, followup_id).await?;
    let sql = call_sql("f.id = $1");
    let row: FollowupCall = on_db!(db, pool => sqlx::query_as(&sql).bind(followup_id).fetch_optional(pool).await)?
        .ok_or(AppError::NotFound)?;
    audit::record(db, viewer, "followup.view", &format!("followup:{followup_id}"), "").await?;
    Ok(row)
}

/// Records a call that did not come to an answer: after `MAX_CALLS` unanswered calls, or
/// when they decline, the follow-up is closed and leaves the list (audit-logged).
pub async fn record_call(
    db: &Db,
    viewer: &Viewer,
    followup_id: i64,
    outcome: CallOutcome,
    now: DateTime<Utc>,
) -> AppResult<()> {
    session_of(db, viewer, followup_id).await?;
    let mut tx = db.begin().await?;
    let changed: Option<(Option<String>,)> = on_tx!(&mut tx, conn => {
        sqlx::query_as(
            "UPDATE followups SET call_attempts = call_attempts + 1, last_call_at = $2,
                 closed_at = CASE WHEN $3 OR call_attempts + 1 >= $4 THEN $2 ELSE NULL END,
                 closed_reason = CASE WHEN $3 THEN 'declined' WHEN call_attempts + 1 >= $4 THEN 'unreachable' ELSE NULL END
             WHERE id = $1 AND answered_at IS NULL AND closed_at IS NULL RETURNING closed_reason",
        )
        .bind(followup_id)
        .bind(now)
        .bind(outcome == CallOutcome::Declined)
        .bind(MAX_CALLS)
        .fetch_optional(&mut *conn)
        .await
    })?;
    let Some((reason,)) = changed else {
        return Err(AppError::Conflict(Problem::new("error.followup_closed")));
    };
    tally(&mut tx, followup_id, &closed(reason.as_deref(), 1)).await?;
    tx.commit().await?;
    let action = match outcome {
        CallOutcome::NoAnswer => "followup.no_answer",
        CallOutcome::Declined => "followup.declined",
    };
    audit::record(db, viewer, action, &format!("followup:{followup_id}"), "").await?;
    Ok(())
}

/// A choice as a manager sends it (unchecked).
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct ChoiceInput {
    pub kind: String,
    pub code: String,
    pub label_ja: String,
    pub label_en: String,
    pub sort_order: String,
    pub active: bool,
}

/// Adds a choice or changes one (managers). A code stays once made, since answers
/// count by it; a choice no longer asked is made inactive, and its answers stay counted.
pub async fn save_choice(db: &Db, viewer: &Viewer, input: &ChoiceInput) -> AppResult<()> {
    viewer.require_manager()?;
    let mut errors = FieldErrors::default();
    let kind = errors.check(field::KIND, domain::choice(&input.kind, ChoiceKind::parse));
    let code = errors.check(field::CODE, domain::code(&input.code, "error.choice_code"));
    let label_ja = errors.check(field::LABEL_JA, domain::text(&input.label_ja, 60, true, false));
    let label_en = errors.check(field::LABEL_EN, domain::text(&input.label_en, 80, false, false));
    let sort_order = match input.sort_order.trim() {
        "" => Some(0),
        typed => errors.check(field::SORT_ORDER, domain::number(typed).and_then(|n| domain::within(n, 0, 999))),
    };
    errors.into_result()?;
    let (kind, code) = (kind.expect("checked"), code.expect("checked"));
    on_db!(db, pool => {
        sqlx::query(
            "INSERT INTO followup_choices (kind, code, label_ja, label_en, sort_order, active)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (kind, code) DO UPDATE SET label_ja = excluded.label_ja, label_en = excluded.label_en,
                 sort_order = excluded.sort_order, active = excluded.active",
        )
        .bind(kind.as_str())
        .bind(&code)
        .bind(label_ja.expect("checked"))
        .bind(label_en.expect("checked"))
        .bind(sort_order.expect("checked") as i32)
        .bind(input.active)
        .execute(pool)
        .await
        .map(|_| ())
    })?;
    audit::record(db, viewer, "followup.choice", &format!("{}:{code}", kind.as_str()), "").await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn choice(kind: ChoiceKind, code: &str, active: bool) -> Choice {
        Choice { kind, code: code.into(), label_ja: code.into(), label_en: String::new(), sort_order: 0, active }
    }

    fn all() -> Vec<Choice> {
        vec![
            choice(ChoiceKind::Service, "cashless", true),
            choice(ChoiceKind::Service, "mynaportal", true),
            choice(ChoiceKind::Service, "fax", false),
            choice(ChoiceKind::Barrier, "hard_to_use", true),
        ]
    }

    #[test]
    fn an_answer_names_known_choices_once() {
        let input = FollowupInput {
            services_used: vec!["cashless".into(), " cashless ".into(), "mynaportal".into()],
            with_help: Some(false),
            ..Default::default()
        };
        let c = check(&input, &all()).unwrap();
        assert_eq!(c.services, vec!["cashless", "mynaportal"]);
        assert_eq!(c.with_help, Some(false));

        let none = FollowupInput { barriers: vec!["hard_to_use".into()], with_help: Some(true), ..Default::default() };
        let c = check(&none, &all()).unwrap();
        assert!(c.services.is_empty());
        assert_eq!(c.with_help, None, "help is asked only of those who used a service");
    }

    #[test]
    fn unknown_or_retired_choices_are_named() {
        let input = FollowupInput { services_used: vec!["fax".into(), "tv".into()], ..Default::default() };
        let errors = check(&input, &all()).unwrap_err();
        let problems: Vec<&Problem> =
            errors.0.iter().filter(|(f, _)| f == field::SERVICES_USED).map(|(_, p)| p).collect();
        assert_eq!(problems.len(), 2, "{errors:?}");
        assert!(problems[0].args.iter().any(|(k, v)| *k == "value" && v == "fax"));
        assert!(problems[1].args.iter().any(|(k, v)| *k == "accepted" && v == "cashless, mynaportal"));
        let used = FollowupInput { services_used: vec!["cashless".into()], ..Default::default() };
        assert!(check(&used, &all()).unwrap_err().0.iter().any(|(f, _)| f == field::WITH_HELP));
    }

    #[test]
    fn a_round_is_due_from_its_day_for_two_weeks() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).unwrap();
        let (after, until) = due_window(30, now);
        assert_eq!(until, Utc.with_ymd_and_hms(2026, 11, 1, 3, 0, 0).unwrap());
        assert_eq!(after, until - Duration::days(LATE_DAYS));
        assert_eq!(rounds(&[90, 30, 30]), vec![30, 90]);
    }
}

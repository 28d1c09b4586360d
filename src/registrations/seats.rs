//! A session's seats, owned here and nowhere else: the session lock, capacity and
//! consultation-slot checks, the counters kept on the session row (`confirmed_count`,
//! `waitlist_count`, `attended_count` and the survey tallies) and waitlist promotion.
//!
//! Every change that touches them first locks the session row (`lock`): on PostgreSQL
//! this serialises writers of one session, on SQLite it takes the write lock before any
//! read, so counts, capacity and the waitlist stay exact under any concurrency (SPEC.md:
//! "A session never has more confirmed registrations than its capacity"). No other
//! module writes these columns; `check_counters` (`ippo check`) recomputes them from the rows.

use chrono::{DateTime, Utc};

use super::notices::{self, MailTemplate};
use crate::{
    domain::{AnswerSource, Problem, RegistrationStatus, SessionKind, SessionStatus},
    on_db, on_tx,
    server::{
        db::{Db, Tx},
        error::{AppError, AppResult},
        state::AppState,
    },
};

/// Answers "4" and "5" count as understood / satisfied (SPEC.md's KPI definitions).
pub const GOOD_ANSWER: i32 = 4;

/// The session row as locked for a change: its kind, state and counts.
#[derive(sqlx::FromRow, Clone, Debug)]
pub struct LockedSession {
    pub id: i64,
    pub kind: SessionKind,
    pub status: SessionStatus,
    pub capacity: i32,
    pub confirmed_count: i32,
    pub waitlist_count: i32,
    pub starts_at: DateTime<Utc>,
    pub slot_minutes: Option<i32>,
    pub advisors: Option<i32>,
}

const LOCKED_COLUMNS: &str =
    "id, kind, status, capacity, confirmed_count, waitlist_count, starts_at, slot_minutes, advisors";

/// Locks the session row for the rest of the transaction and returns its counts.
/// Taking the write lock first keeps SQLite from a lock upgrade and serialises
/// PostgreSQL writers of the same session.
pub async fn lock(tx: &mut Tx, session_id: i64, now: DateTime<Utc>) -> AppResult<LockedSession> {
    let sql = format!("UPDATE sessions SET updated_at = $2 WHERE id = $1 RETURNING {LOCKED_COLUMNS}");
    let row: Option<LockedSession> =
        on_tx!(tx, conn => sqlx::query_as(&sql).bind(session_id).bind(now).fetch_optional(&mut *conn).await)?;
    row.ok_or(AppError::NotFound)
}

/// The locked session as it is now, after changes made in this transaction.
async fn reread(tx: &mut Tx, session_id: i64) -> AppResult<LockedSession> {
    let sql = format!("SELECT {LOCKED_COLUMNS} FROM sessions WHERE id = $1");
    Ok(on_tx!(tx, conn => sqlx::query_as(&sql).bind(session_id).fetch_one(&mut *conn).await)?)
}

/// How many more people can be confirmed in consultation slot `slot`: its advisors less
/// the people confirmed in it.
async fn slot_room(tx: &mut Tx, session_id: i64, slot: DateTime<Utc>, advisors: i32) -> AppResult<usize> {
    let taken: i64 = on_tx!(tx, conn => {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM registrations WHERE session_id = $1 AND status = 'confirmed' AND slot_starts_at = $2",
        )
        .bind(session_id)
        .bind(slot)
        .fetch_one(&mut *conn)
        .await
    })?;
    Ok((advisors as i64 - taken).max(0) as usize)
}

/// Which of the people whose slots are `slots` (one each, in order; `None` outside
/// consultations) could be confirmed now: each takes a seat and, in a consultation, a
/// place in their own slot, the first in order placed first. The caller holds the lock.
async fn place(tx: &mut Tx, s: &LockedSession, slots: &[Option<DateTime<Utc>>]) -> AppResult<Vec<bool>> {
    let mut seats = (s.capacity - s.confirmed_count).max(0) as usize;
    // Places left in each slot asked for, read once per slot.
    let mut in_slot: Vec<(DateTime<Utc>, usize)> = Vec::new();
    let mut placed = Vec::with_capacity(slots.len());
    for slot in slots {
        if seats == 0 {
            placed.push(false);
            continue;
        }
        let free = match (slot, s.advisors) {
            (Some(t), Some(advisors)) => {
                let i = match in_slot.iter().position(|(u, _)| u == t) {
                    Some(i) => i,
                    None => {
                        in_slot.push((*t, slot_room(tx, s.id, *t, advisors).await?));
                        in_slot.len() - 1
                    }
                };
                Some(&mut in_slot[i].1)
            }
            _ => None,
        };
        let fits = free.as_deref().is_none_or(|n| *n > 0);
        if fits {
            seats -= 1;
            if let Some(n) = free {
                *n -= 1;
            }
        }
        placed.push(fits);
    }
    Ok(placed)
}

/// A waitlisted registration's place in line: how many of its session's waitlisted came first.
pub const WAITLIST_POSITION_SQL: &str =
    "SELECT COUNT(*) FROM registrations WHERE session_id = $1 AND status = 'waitlisted' AND id <= $2";

pub async fn waitlist_position(tx: &mut Tx, session_id: i64, id: i64) -> AppResult<i64> {
    Ok(
        on_tx!(tx, conn => sqlx::query_scalar(WAITLIST_POSITION_SQL).bind(session_id).bind(id).fetch_one(&mut *conn).await)?,
    )
}

/// Where a new sign-up stands: a seat, or a place on the waitlist (1 = next in line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Admission {
    pub status: RegistrationStatus,
    pub waitlist_position: Option<i64>,
}

/// A session locked for a round of sign-ups (`signup`): each sign-up of the round is
/// placed against the counts as the ones before it left them, and the counters are
/// written once, by `finish`: every statement under the lock is waited for by the
/// sign-ups behind it.
pub struct Round {
    session: LockedSession,
    seated: i32,
    waitlisted: i32,
}

impl Round {
    /// Locks the session (as `lock`) for a round of sign-ups.
    pub async fn lock(tx: &mut Tx, session_id: i64, now: DateTime<Utc>) -> AppResult<Round> {
        Ok(Round { session: lock(tx, session_id, now).await?, seated: 0, waitlisted: 0 })
    }

    /// The session with the counts the round has reached.
    pub fn session(&self) -> &LockedSession {
        &self.session
    }

    /// Seats a new sign-up of one person per entry of `slots` (each in their own slot,
    /// for a consultation: one slot per attendee) or puts them on the waitlist, and counts
    /// them: all seated when each has a place; otherwise all waitlisted together — or,
    /// when the sign-up asked to `split`, those who have a place seated and the rest
    /// waitlisted. Never a split the sign-up did not ask for. One admission per person,
    /// in order; the caller writes the rows before the round's next sign-up.
    pub async fn admit_group(
        &mut self,
        tx: &mut Tx,
        slots: &[Option<DateTime<Utc>>],
        split: bool,
    ) -> AppResult<Vec<Admission>> {
        let placed = place(tx, &self.session, slots).await?;
        let seat_placed = split || placed.iter().all(|p| *p);
        // Under the lock the newcomers are the last of the session's waitlisted: the tally
        // gives their places without counting rows.
        let mut behind = self.session.waitlist_count as i64;
        let admissions: Vec<Admission> = placed
            .iter()
            .map(|placed| match placed & seat_placed {
                true => Admission { status: RegistrationStatus::Confirmed, waitlist_position: None },
                false => {
                    behind += 1;
                    Admission { status: RegistrationStatus::Waitlisted, waitlist_position: Some(behind) }
                }
            })
            .collect();
        let seated = admissions.iter().filter(|a| a.status == RegistrationStatus::Confirmed).count() as i32;
        let waitlisted = slots.len() as i32 - seated;
        self.session.confirmed_count += seated;
        self.session.waitlist_count += waitlisted;
        self.seated += seated;
        self.waitlisted += waitlisted;
        Ok(admissions)
    }

    /// Writes the round's counts to the session row (before the transaction commits).
    pub async fn finish(self, tx: &mut Tx) -> AppResult<()> {
        bump(tx, self.session.id, self.seated, self.waitlisted).await
    }
}

/// Adds `confirmed` and `waitlisted` to the session's counters, in one statement (none
/// when both are 0): every round trip under the lock is waited for by the sign-ups behind.
async fn bump(tx: &mut Tx, session_id: i64, confirmed: i32, waitlisted: i32) -> AppResult<()> {
    if (confirmed, waitlisted) == (0, 0) {
        return Ok(());
    }
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE sessions SET confirmed_count = confirmed_count + $2, waitlist_count = waitlist_count + $3
             WHERE id = $1",
        )
        .bind(session_id)
        .bind(confirmed)
        .bind(waitlisted)
        .execute(&mut *conn)
        .await
        .map(|_| ())
    })?;
    Ok(())
}

/// Cancels one registration under the session's lock, tells the person, and gives the
/// freed seat to the waitlist. Returns false when it was already cancelled.
pub async fn release(tx: &mut Tx, state: &AppState, session_id: i64, id: i64, now: DateTime<Utc>) -> AppResult<bool> {
    let status: RegistrationStatus = on_tx!(tx, conn => {
        sqlx::query_scalar("SELECT status FROM registrations WHERE id = $1").bind(id).fetch_one(&mut *conn).await
    })?;
    if status == RegistrationStatus::Cancelled {
        return Ok(false);
    }
    set_cancelled(tx, id, now).await?;
    match status {
        RegistrationStatus::Confirmed => bump(tx, session_id, -1, 0).await?,
        _ => bump(tx, session_id, 0, -1).await?,
    }
    notices::notify(tx, state, MailTemplate::Cancelled, id, now).await?;
    promote_waitlisted(tx, state, session_id, now).await?;
    Ok(true)
}

async fn set_cancelled(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> AppResult<()> {
    on_tx!(tx, conn => {
        sqlx::query("UPDATE registrations SET status = 'cancelled', cancelled_at = $1, updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await.map(|_| ())
    })?;
    Ok(())
}

/// Moves the oldest waitlisted registrations up while there is room, telling each. A
/// group that chose to wait together moves up together, when there is room for all of
/// its waiting members; until then the people after it may take a freed seat. The
/// caller holds the session's lock.
pub async fn promote_waitlisted(tx: &mut Tx, state: &AppState, session_id: i64, now: DateTime<Utc>) -> AppResult<()> {
    loop {
        let session = reread(tx, session_id).await?;
        // The waitlist closes when the session begins: nobody is moved into a session
        // under way (those still waiting are told by `notices::close_waitlists`).
        if session.status == SessionStatus::Cancelled
            || session.confirmed_count >= session.capacity
            || session.starts_at <= now
        {
            return Ok(());
        }
        let waiting: Vec<(i64, Option<DateTime<Utc>>, Option<i64>)> = on_tx!(tx, conn => {
            sqlx::query_as(
                "SELECT id, slot_starts_at, CASE WHEN keeps_together THEN group_id END FROM registrations
                 WHERE session_id = $1 AND status = 'waitlisted' ORDER BY id",
            )
            .bind(session_id)
            .fetch_all(&mut *conn)
            .await
        })?;
        let mut next = None;
        for (id, slot, together) in &waiting {
            let moving: Vec<(i64, Option<DateTime<Utc>>)> = match together {
                Some(group) => waiting.iter().filter(|w| w.2 == Some(*group)).map(|w| (w.0, w.1)).collect(),
                None => vec![(*id, *slot)],
            };
            let slots: Vec<Option<DateTime<Utc>>> = moving.iter().map(|m| m.1).collect();
            if place(tx, &session, &slots).await?.iter().all(|p| *p) {
                next = Some(moving);
                break;
            }
        }
        let Some(moving) = next else { return Ok(()) };
        for (id, _) in &moving {
            on_tx!(tx, conn => {
                sqlx::query("UPDATE registrations SET status = 'confirmed', updated_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(id)
                    .execute(&mut *conn)
                    .await.map(|_| ())
            })?;
            notices::notify(tx, state, MailTemplate::Promoted, *id, now).await?;
        }
        bump(tx, session_id, moving.len() as i32, -(moving.len() as i32)).await?;
    }
}

/// The session was cancelled: every live registration is cancelled and told so, and
/// its seats are empty. The caller holds the lock.
pub async fn cancel_all(tx: &mut Tx, state: &AppState, session_id: i64, now: DateTime<Utc>) -> AppResult<()> {
    let live: Vec<i64> = on_tx!(tx, conn => {
        sqlx::query_scalar("SELECT id FROM registrations WHERE session_id = $1 AND status <> 'cancelled' ORDER BY id")
            .bind(session_id)
            .fetch_all(&mut *conn)
            .await
    })?;
    for id in live {
        set_cancelled(tx, id, now).await?;
        notices::notify(tx, state, MailTemplate::SessionCancelled, id, now).await?;
    }
    on_tx!(tx, conn => {
        sqlx::query("UPDATE sessions SET confirmed_count = 0, waitlist_count = 0 WHERE id = $1")
            .bind(session_id)
            .execute(&mut *conn)
            .await.map(|_| ())
    })?;
    Ok(())
}

/// Refuses an edit that would leave the session holding more confirmed people than it
/// has seats: the same rule a sign-up meets, checked under the lock.
pub fn check_capacity(locked: &LockedSession, capacity: i32) -> Result<(), Problem> {
    if capacity < locked.confirmed_count {
        Err(Problem::new("error.capacity_below_confirmed").with("confirmed", locked.confirmed_count))
    } else {
        Ok(())
    }
}

/// What an edit of a consultation would do to a booked slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SlotConflict {
    /// People booked this slot and it would no longer exist.
    Lost { slot: DateTime<Utc>, booked: i64 },
    /// More people are confirmed in this slot than there would be advisors.
    Crowded { slot: DateTime<Utc>, confirmed: i64, advisors: i32 },
}

/// Checks an edit of a consultation against its bookings: every booked slot must still
/// be one of `slots`, and none may hold more confirmed people than `advisors` — the rule
/// a sign-up meets, held on every edit. The caller holds the lock.
pub async fn check_slots(
    tx: &mut Tx,
    session_id: i64,
    slots: &[DateTime<Utc>],
    advisors: Option<i32>,
) -> AppResult<Vec<SlotConflict>> {
    let booked: Vec<(DateTime<Utc>, i64, i64)> = on_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT slot_starts_at, COUNT(*), SUM(CASE WHEN status = 'confirmed' THEN 1 ELSE 0 END)
             FROM registrations
             WHERE session_id = $1 AND status <> 'cancelled' AND slot_starts_at IS NOT NULL
             GROUP BY slot_starts_at ORDER BY slot_starts_at",
        )
        .bind(session_id)
        .fetch_all(&mut *conn)
        .await
    })?;
    let mut conflicts = Vec::new();
    for (slot, people, confirmed) in booked {
        if !slots.contains(&slot) {
            conflicts.push(SlotConflict::Lost { slot, booked: people });
        } else if let Some(advisors) = advisors.filter(|a| confirmed > *a as i64) {
            conflicts.push(SlotConflict::Crowded { slot, confirmed, advisors });
        }
    }
    Ok(conflicts)
}

/// Counts a registration that now counts as attended (+1) or no longer does (-1).
pub async fn count_attendance(tx: &mut Tx, session_id: i64, delta: i32) -> AppResult<()> {
    if delta != 0 {
        on_tx!(tx, conn => {
            sqlx::query("UPDATE sessions SET attended_count = attended_count + $1 WHERE id = $2")
                .bind(delta)
                .bind(session_id)
                .execute(&mut *conn)
                .await
                .map(|_| ())
        })?;
    }
    Ok(())
}

/// How many answers a session took by its code so far (under the lock).
pub async fn code_answers(tx: &mut Tx, session_id: i64) -> AppResult<i32> {
    Ok(on_tx!(tx, conn => {
        sqlx::query_scalar("SELECT responses_code FROM sessions WHERE id = $1").bind(session_id).fetch_one(&mut *conn).await
    })?)
}

/// Counts one survey answer in the session's tallies (what the KPI report reads).
pub async fn count_survey(
    tx: &mut Tx,
    session_id: i64,
    source: AnswerSource,
    comprehension: Option<i32>,
    satisfaction: Option<i32>,
) -> AppResult<()> {
    let answered = |v: Option<i32>| v.is_some() as i32;
    let good = |v: Option<i32>| v.is_some_and(|v| v >= GOOD_ANSWER) as i32;
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE sessions SET responses = responses + 1,
                 comprehension_answers = comprehension_answers + $2, comprehension_good = comprehension_good + $3,
                 satisfaction_answers = satisfaction_answers + $4, satisfaction_good = satisfaction_good + $5,
                 responses_code = responses_code + $6, responses_paper = responses_paper + $7
             WHERE id = $1",
        )
        .bind(session_id)
        .bind(answered(comprehension))
        .bind(good(comprehension))
        .bind(answered(satisfaction))
        .bind(good(satisfaction))
        .bind((source == AnswerSource::Code) as i32)
        .bind((source == AnswerSource::Paper) as i32)
        .execute(&mut *conn)
        .await
        .map(|_| ())
    })?;
    Ok(())
}

/// The counters of the session table, in the order `COUNTERS_SQL` returns them.
const COUNTERS: [&str; 10] = [
    "confirmed_count",
    "waitlist_count",
    "attended_count",
    "responses",
    "comprehension_answers",
    "comprehension_good",
    "satisfaction_answers",
    "satisfaction_good",
    "responses_code",
    "responses_paper",
];

/// Each session's counters as stored and as its rows say, only where they differ.
const COUNTERS_SQL: &str = "
    WITH r AS (
        SELECT session_id,
               SUM(CASE WHEN status = 'confirmed' THEN 1 ELSE 0 END) AS confirmed,
               SUM(CASE WHEN status = 'waitlisted' THEN 1 ELSE 0 END) AS waitlisted,
               SUM(CASE WHEN attendance = 'attended' THEN 1 ELSE 0 END) AS attended
        FROM registrations GROUP BY session_id
    ), a AS (
        SELECT session_id, COUNT(*) AS responses,
               COUNT(comprehension) AS comprehension_answers,
               SUM(CASE WHEN comprehension >= $1 THEN 1 ELSE 0 END) AS comprehension_good,
               COUNT(satisfaction) AS satisfaction_answers,
               SUM(CASE WHEN satisfaction >= $1 THEN 1 ELSE 0 END) AS satisfaction_good,
               SUM(CASE WHEN source = 'code' THEN 1 ELSE 0 END) AS responses_code,
               SUM(CASE WHEN source = 'paper' THEN 1 ELSE 0 END) AS responses_paper
        FROM survey_responses GROUP BY session_id
    ), c AS (
        SELECT s.id,
               CAST(s.confirmed_count AS BIGINT) AS s0, CAST(COALESCE(r.confirmed, 0) AS BIGINT) AS r0,
               CAST(s.waitlist_count AS BIGINT) AS s1, CAST(COALESCE(r.waitlisted, 0) AS BIGINT) AS r1,
               CAST(s.attended_count AS BIGINT) AS s2, CAST(COALESCE(r.attended, 0) AS BIGINT) AS r2,
               CAST(s.responses AS BIGINT) AS s3, CAST(COALESCE(a.responses, 0) AS BIGINT) AS r3,
               CAST(s.comprehension_answers AS BIGINT) AS s4, CAST(COALESCE(a.comprehension_answers, 0) AS BIGINT) AS r4,
               CAST(s.comprehension_good AS BIGINT) AS s5, CAST(COALESCE(a.comprehension_good, 0) AS BIGINT) AS r5,
               CAST(s.satisfaction_answers AS BIGINT) AS s6, CAST(COALESCE(a.satisfaction_answers, 0) AS BIGINT) AS r6,
               CAST(s.satisfaction_good AS BIGINT) AS s7, CAST(COALESCE(a.satisfaction_good, 0) AS BIGINT) AS r7,
               CAST(s.responses_code AS BIGINT) AS s8, CAST(COALESCE(a.responses_code, 0) AS BIGINT) AS r8,
               CAST(s.responses_paper AS BIGINT) AS s9, CAST(COALESCE(a.responses_paper, 0) AS BIGINT) AS r9
        FROM sessions s LEFT JOIN r ON r.session_id = s.id LEFT JOIN a ON a.session_id = s.id
    )
    SELECT * FROM c
    WHERE s0 <> r0 OR s1 <> r1 OR s2 <> r2 OR s3 <> r3 OR s4 <> r4 OR s5 <> r5 OR s6 <> r6 OR s7 <> r7 OR s8 <> r8
       OR s9 <> r9
    ORDER BY id";

/// A session's counters as stored (`s0`…) and as counted from its rows (`r0`…), in `COUNTERS` order.
#[derive(sqlx::FromRow)]
struct CounterRow {
    id: i64,
    s0: i64,
    r0: i64,
    s1: i64,
    r1: i64,
    s2: i64,
    r2: i64,
    s3: i64,
    r3: i64,
    s4: i64,
    r4: i64,
    s5: i64,
    r5: i64,
    s6: i64,
    r6: i64,
    s7: i64,
    r7: i64,
    s8: i64,
    r8: i64,
    s9: i64,
    r9: i64,
}

/// One counter of one session that differs from what its rows say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Drift {
    pub session_id: i64,
    pub counter: &'static str,
    pub stored: i64,
    pub counted: i64,
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "session {}: {} is {}, its rows say {}", self.session_id, self.counter, self.stored, self.counted)
    }
}

/// Recomputes every session's counters from its registrations and survey answers and
/// returns those that differ; with `repair`, also writes the recomputed values (in one
/// transaction, each session under its lock).
pub async fn check_counters(db: &Db, repair: bool) -> AppResult<Vec<Drift>> {
    let rows: Vec<CounterRow> =
        on_db!(db, pool => sqlx::query_as(COUNTERS_SQL).bind(GOOD_ANSWER).fetch_all(pool).await)?;
    let mut drift = Vec::new();
    for r in &rows {
        let pairs = [
            (r.s0, r.r0),
            (r.s1, r.r1),
            (r.s2, r.r2),
            (r.s3, r.r3),
            (r.s4, r.r4),
            (r.s5, r.r5),
            (r.s6, r.r6),
            (r.s7, r.r7),
            (r.s8, r.r8),
            (r.s9, r.r9),
        ];
        for (counter, (stored, counted)) in COUNTERS.iter().zip(pairs) {
            if stored != counted {
                drift.push(Drift { session_id: r.id, counter, stored, counted });
            }
        }
    }
    if repair && !drift.is_empty() {
        let now = Utc::now();
        let mut tx = db.begin().await?;
        for d in &drift {
            lock(&mut tx, d.session_id, now).await?;
            // The column name comes from `COUNTERS`, never from input.
            let sql = format!("UPDATE sessions SET {} = $2 WHERE id = $1", d.counter);
            on_tx!(&mut tx, conn => {
                sqlx::query(&sql).bind(d.session_id).bind(d.counted as i32).execute(&mut *conn).await.map(|_| ())
            })?;
        }
        tx.commit().await?;
    }
    Ok(drift)
}

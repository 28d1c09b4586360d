//! Storage and rules of sessions: listing, scheduling, editing and cancelling.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, SubsecRound, Utc};
use rand::Rng;

use super::{Meeting, MeetingInput, SessionDetail, SessionFilter, SessionInput, SessionPage, SessionSummary};
use crate::{
    accounts::Viewer,
    domain::{self, Capacity, FieldErrors, Problem, SessionKind, SessionStatus, Topic},
    on_db, on_tx,
    server::{
        db::{Db, Tx},
        error::{AppError, AppResult},
    },
    time::from_tokyo,
    venues,
};

pub const MAX_MEETINGS: usize = 20;

/// When a meeting starts and ends.
pub type Span = (DateTime<Utc>, DateTime<Utc>);
const PAGE_SIZE: i64 = 50;
const MAX_PAGE_SIZE: i64 = 500;

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    kind: SessionKind,
    title: String,
    topic: Topic,
    venue_id: i64,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    capacity: i32,
    confirmed_count: i32,
    waitlist_count: i32,
    loaner_devices: i32,
    status: SessionStatus,
}

impl From<SummaryRow> for SessionSummary {
    fn from(r: SummaryRow) -> Self {
        SessionSummary {
            id: r.id,
            kind: r.kind,
            title: r.title,
            topic: r.topic,
            venue_id: r.venue_id,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            capacity: r.capacity,
            seats_left: (r.capacity - r.confirmed_count).max(0),
            waitlist_count: r.waitlist_count,
            loaner_devices: r.loaner_devices,
            status: r.status,
        }
    }
}

const SUMMARY_COLUMNS: &str = "s.id, s.kind, s.title, s.topic, s.venue_id, s.starts_at, s.ends_at, s.capacity, \
     s.confirmed_count, s.waitlist_count, s.loaner_devices, s.status";

fn tokyo_day_start(date: &str) -> Result<DateTime<Utc>, Problem> {
    NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .map(|d| from_tokyo(d, NaiveTime::MIN))
        .map_err(|_| Problem::new("error.date"))
}

/// Upcoming sessions (or, for managers, all) matching the filter, soonest first.
pub async fn list(db: &Db, filter: &SessionFilter, now: DateTime<Utc>) -> AppResult<SessionPage> {
    let mut errors = FieldErrors::default();
    let from = match filter.from.as_deref().filter(|s| !s.is_empty()) {
        Some(date) => errors.check("from", tokyo_day_start(date)),
        None => None,
    };
    // `to` is inclusive: sessions starting before the next day's midnight.
    let to = match filter.to.as_deref().filter(|s| !s.is_empty()) {
        Some(date) => errors.check("to", tokyo_day_start(date)).map(|t| t + Duration::days(1)),
        None => None,
    };
    let kind = opt_code(&mut errors, "kind", filter.kind.as_deref(), SessionKind::parse);
    let topic = opt_code(&mut errors, "topic", filter.topic.as_deref(), Topic::parse);
    errors.into_result()?;
    // The public never sees sessions that have started: they cannot be joined any more.
    // Both bounds are always bound: an optional bound (`$1 IS NULL OR …`) makes SQLite scan
    // the start-time index from its first entry instead of seeking to the bound.
    // The open ends are years both backends store and compare as text and as timestamps alike.
    let earliest = from_tokyo(NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid date"), NaiveTime::MIN);
    let latest = from_tokyo(NaiveDate::from_ymd_opt(9999, 1, 1).expect("valid date"), NaiveTime::MIN);
    let from = if filter.include_past { from.unwrap_or(earliest) } else { from.map_or(now, |f| f.max(now)) };
    let to = to.unwrap_or(latest);
    let ward = filter.ward.as_deref().filter(|s| !s.is_empty());
    let limit = filter.limit.unwrap_or(PAGE_SIZE).clamp(1, MAX_PAGE_SIZE);
    let offset = filter.offset.unwrap_or(0).max(0);
    // Only the filters given are in the query, and venues are joined only for a ward:
    // PostgreSQL plans every execution, and the plain list (one table, one index range in
    // the order it is read) plans and runs in a third of the time of the all-filters query.
    let rows: Vec<SummaryRow> = on_db!(db, pool => {
        let mut query = sqlx::QueryBuilder::new(format!("SELECT {SUMMARY_COLUMNS} FROM sessions s"));
        if ward.is_some() {
            query.push(" JOIN venues v ON v.id = s.venue_id");
        }
        query.push(" WHERE s.starts_at >= ").push_bind(from).push(" AND s.starts_at < ").push_bind(to);
        if let Some(ward) = ward {
            query.push(" AND v.ward = ").push_bind(ward);
        }
        if let Some(kind) = kind {
            query.push(" AND s.kind = ").push_bind(kind);
        }
        if let Some(topic) = topic {
            query.push(" AND s.topic = ").push_bind(topic);
        }
        if let Some(venue_id) = filter.venue_id {
            query.push(" AND s.venue_id = ").push_bind(venue_id);
        }
        query.push(" ORDER BY s.starts_at, s.id LIMIT ").push_bind(limit + 1).push(" OFFSET ").push_bind(offset);
        query.build_query_as().fetch_all(pool).await
    })?;
    let has_more = rows.len() as i64 > limit;
    let sessions = rows.into_iter().take(limit as usize).map(SessionSummary::from).collect();
    Ok(SessionPage { sessions, has_more })
}

fn opt_code<T>(errors: &mut FieldErrors, field: &str, code: Option<&str>, parse: fn(&str) -> Option<T>) -> Option<T> {
    let code = code.map(str::trim).filter(|c| !c.is_empty())?;
    errors.check(field, parse(code).ok_or(Problem::new("error.choice")))
}

#[derive(sqlx::FromRow)]
struct DetailRow {
    #[sqlx(flatten)]
    summary: SummaryRow,
    description: String,
    what_to_bring: String,
    instructors: i32,
    assistants: i32,
    slot_minutes: Option<i32>,
    advisors: Option<i32>,
    survey_code: String,
}

pub async fn detail(db: &Db, id: i64, viewer: Option<&Viewer>) -> AppResult<SessionDetail> {
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS}, s.description, s.what_to_bring, s.instructors, s.assistants,
                s.slot_minutes, s.advisors, s.survey_code
         FROM sessions s WHERE s.id = $1"
    );
    let row: DetailRow = on_db!(db, pool => sqlx::query_as(&sql).bind(id).fetch_one(pool).await)?;
    let meetings = meetings(db, id).await?;
    let venue = venues::store::get(db, row.summary.venue_id).await?;
    let may_see_code = viewer.is_some_and(|v| v.works_at(venue.id));
    let confirmed = row.summary.confirmed_count;
    Ok(SessionDetail {
        summary: row.summary.into(),
        description: row.description,
        what_to_bring: row.what_to_bring,
        instructors: row.instructors,
        assistants: row.assistants,
        slot_minutes: row.slot_minutes,
        advisors: row.advisors,
        confirmed,
        meetings,
        venue,
        survey_code: may_see_code.then_some(row.survey_code),
    })
}

/// A session's meetings in order, as `Meeting` rows; bound by the session id.
pub const MEETINGS_SQL: &str = "SELECT id, starts_at, ends_at FROM meetings WHERE session_id = $1 ORDER BY starts_at, id";

pub async fn meetings(db: &Db, session_id: i64) -> AppResult<Vec<Meeting>> {
    Ok(on_db!(db, pool => {
        sqlx::query_as(MEETINGS_SQL)
            .bind(session_id)
            .fetch_all(pool)
            .await
    })?)
}

/// Meetings of a venue's sessions that start within [from, to), with their session.
pub async fn venue_meetings(
    db: &Db,
    venue_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Vec<(Meeting, SessionSummary)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        meeting_id: i64,
        meeting_starts_at: DateTime<Utc>,
        meeting_ends_at: DateTime<Utc>,
        #[sqlx(flatten)]
        session: SummaryRow,
    }
    let sql = format!(
        "SELECT m.id AS meeting_id, m.starts_at AS meeting_starts_at, m.ends_at AS meeting_ends_at, {SUMMARY_COLUMNS}
         FROM meetings m JOIN sessions s ON s.id = m.session_id
         WHERE s.venue_id = $1 AND m.starts_at >= $2 AND m.starts_at < $3
         ORDER BY m.starts_at, s.id"
    );
    let rows: Vec<Row> =
        on_db!(db, pool => sqlx::query_as(&sql).bind(venue_id).bind(from).bind(to).fetch_all(pool).await)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let meeting = Meeting { id: r.meeting_id, starts_at: r.meeting_starts_at, ends_at: r.meeting_ends_at };
            (meeting, r.session.into())
        })
        .collect())
}

/// Binds a draft's fields as `$1`…`$14` in the order of the sessions table's columns
/// (kind, title, topic, venue_id, starts_at, ends_at, capacity, loaner_devices,
/// instructors, assistants, slot_minutes, advisors, description, what_to_bring).
macro_rules! bind_draft {
    ($query:expr, $draft:expr, $starts_at:expr, $ends_at:expr) => {
        $query
            .bind($draft.kind)
            .bind(&$draft.title)
            .bind($draft.topic)
            .bind($draft.venue_id)
            .bind($starts_at)
            .bind($ends_at)
            .bind($draft.capacity)
            .bind($draft.loaner_devices)
            .bind($draft.instructors)
            .bind($draft.assistants)
            .bind($draft.slot_minutes)
            .bind($draft.advisors)
            .bind(&$draft.description)
            .bind(&$draft.what_to_bring)
    };
}

/// A session input that passed every check.
pub struct Draft {
    pub kind: SessionKind,
    pub title: String,
    pub topic: Topic,
    pub venue_id: i64,
    pub capacity: i32,
    pub loaner_devices: i32,
    pub instructors: i32,
    pub assistants: i32,
    pub slot_minutes: Option<i32>,
    pub advisors: Option<i32>,
    pub description: String,
    pub what_to_bring: String,
    pub meetings: Vec<Span>,
}

fn rfc3339(field: &str, value: &str, errors: &mut FieldErrors) -> Option<DateTime<Utc>> {
    if value.trim().is_empty() {
        errors.add(field, Problem::new("error.required"));
        return None;
    }
    // Whole seconds: nobody schedules a class to the nanosecond, and backends keep different precision.
    let parsed = DateTime::parse_from_rfc3339(value.trim()).map(|t| t.with_timezone(&Utc).trunc_subsecs(0));
    errors.check(field, parsed.map_err(|_| Problem::new("error.datetime")))
}

/// The meetings of an API body: `meetings`, or one from `starts_at`/`ends_at`.
pub fn api_meetings(input: &SessionInput) -> Result<Vec<Span>, FieldErrors> {
    let mut errors = FieldErrors::default();
    let given: Vec<(String, &MeetingInput)> = match &input.meetings {
        Some(list) if !list.is_empty() => list.iter().enumerate().map(|(i, m)| (format!("meetings[{i}]."), m)).collect(),
        _ => {
            let single = MeetingInput { starts_at: input.starts_at.clone(), ends_at: input.ends_at.clone() };
            let starts = rfc3339("starts_at", &single.starts_at, &mut errors);
            let ends = rfc3339("ends_at", &single.ends_at, &mut errors);
            errors.clone().into_result()?;
            return Ok(vec![(starts.expect("checked"), ends.expect("checked"))]);
        }
    };
    let mut meetings = Vec::new();
    for (prefix, m) in given {
        let starts = rfc3339(&format!("{prefix}starts_at"), &m.starts_at, &mut errors);
        let ends = rfc3339(&format!("{prefix}ends_at"), &m.ends_at, &mut errors);
        if let (Some(s), Some(e)) = (starts, ends) {
            meetings.push((s, e));
        }
    }
    errors.into_result().map(|_| meetings)
}

/// Checks a session: fields, meetings (ordered, not overlapping, ending after they
/// start) and, for a consultation, its time slots, from which its capacity follows.
pub async fn check(
    db: &Db,
    input: &SessionInput,
    meetings: Result<Vec<Span>, FieldErrors>,
) -> AppResult<Draft> {
    let mut errors = meetings.as_ref().err().cloned().unwrap_or_default();
    let kind = errors.check("kind", domain::choice(&input.kind, SessionKind::parse));
    let title = errors.check("title", domain::text(&input.title, 100, true, false));
    let topic = errors.check("topic", domain::choice(&input.topic, Topic::parse));
    let venue_id = match input.venue_id {
        None => {
            errors.add("venue_id", Problem::new("error.required"));
            None
        }
        Some(id) => match venues::store::get(db, id).await {
            Ok(_) => Some(id),
            Err(AppError::NotFound) => {
                errors.add("venue_id", Problem::new("error.choice"));
                None
            }
            Err(e) => return Err(e),
        },
    };
    let count_of = |errors: &mut FieldErrors, field: &str, value: Option<i64>| {
        errors.check(field, domain::count(value.unwrap_or(0)))
    };
    let loaner_devices = count_of(&mut errors, "loaner_devices", input.loaner_devices);
    let instructors = count_of(&mut errors, "instructors", input.instructors);
    let assistants = count_of(&mut errors, "assistants", input.assistants);
    let description = errors.check("description", domain::text(&input.description, 2000, false, true));
    let what_to_bring = errors.check("what_to_bring", domain::text(&input.what_to_bring, 500, false, true));

    let mut meetings = meetings.unwrap_or_default();
    meetings.sort();
    if meetings.is_empty() && errors.is_empty() {
        errors.add("starts_at", Problem::new("error.required"));
    }
    if meetings.len() > MAX_MEETINGS {
        errors.add("meetings", Problem::new("error.too_many_meetings").with("max", MAX_MEETINGS));
    }
    for (i, (starts, ends)) in meetings.iter().enumerate() {
        if ends <= starts {
            errors.add(meeting_field(input, i, "ends_at"), Problem::new("error.end_before_start"));
        } else if *ends - *starts > Duration::hours(12) {
            errors.add(meeting_field(input, i, "ends_at"), Problem::new("error.meeting_too_long"));
        }
        if i > 0 && meetings[i - 1].1 > *starts {
            errors.add(meeting_field(input, i, "starts_at"), Problem::new("error.meetings_overlap"));
        }
    }

    let (capacity, slot_minutes, advisors) = if kind == Some(SessionKind::Consultation) {
        let slot = errors.check("slot_minutes", slot_length(input.slot_minutes));
        let advisors = errors.check("advisors", advisors_count(input.advisors));
        let capacity = match (slot, advisors) {
            (Some(slot), Some(advisors)) => {
                let slots: i64 = meetings.iter().map(|(s, e)| (*e - *s).num_minutes() / slot as i64).sum();
                if slots == 0 && !meetings.is_empty() {
                    errors.add("slot_minutes", Problem::new("error.slot_longer_than_meeting"));
                }
                errors.check("capacity", Capacity::parse((slots * advisors as i64).max(1)))
            }
            _ => None,
        };
        (capacity, slot, advisors)
    } else {
        let capacity = match input.capacity {
            Some(c) => errors.check("capacity", Capacity::parse(c)),
            None => {
                errors.add("capacity", Problem::new("error.required"));
                None
            }
        };
        (capacity, None, None)
    };
    errors.into_result()?;
    Ok(Draft {
        kind: kind.expect("checked"),
        title: title.expect("checked"),
        topic: topic.expect("checked"),
        venue_id: venue_id.expect("checked"),
        capacity: capacity.expect("checked").get(),
        loaner_devices: loaner_devices.expect("checked"),
        instructors: instructors.expect("checked"),
        assistants: assistants.expect("checked"),
        slot_minutes,
        advisors,
        description: description.expect("checked"),
        what_to_bring: what_to_bring.expect("checked"),
        meetings,
    })
}

fn meeting_field(input: &SessionInput, i: usize, field: &str) -> String {
    match &input.meetings {
        Some(list) if !list.is_empty() => format!("meetings[{i}].{field}"),
        _ => field.to_string(),
    }
}

fn slot_length(value: Option<i64>) -> Result<i32, Problem> {
    match value {
        Some(v @ 5..=240) => Ok(v as i32),
        Some(_) => Err(Problem::new("error.range").with("min", 5).with("max", 240)),
        None => Err(Problem::new("error.required")),
    }
}

fn advisors_count(value: Option<i64>) -> Result<i32, Problem> {
    match value {
        Some(v @ 1..=50) => Ok(v as i32),
        Some(_) => Err(Problem::new("error.range").with("min", 1).with("max", 50)),
        None => Err(Problem::new("error.required")),
    }
}

/// The code on printed survey sheets; no 0/O or 1/I to misread.
fn new_survey_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..8).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

pub async fn create(db: &Db, draft: Draft) -> AppResult<i64> {
    let mut tx = db.begin().await?;
    let id = insert(&mut tx, &draft, Utc::now()).await?;
    tx.commit().await?;
    Ok(id)
}

/// Writes a new session and its meetings inside the caller's transaction.
pub async fn insert(tx: &mut Tx, draft: &Draft, now: DateTime<Utc>) -> AppResult<i64> {
    let (starts_at, ends_at) = span(&draft.meetings);
    let id: i64 = on_tx!(tx, conn => {
        bind_draft!(sqlx::query_scalar(
            "INSERT INTO sessions (kind, title, topic, venue_id, starts_at, ends_at, capacity, loaner_devices,
                 instructors, assistants, slot_minutes, advisors, description, what_to_bring,
                 status, survey_code, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'scheduled', $15, $16, $16)
             RETURNING id",
        ), draft, starts_at, ends_at)
        .bind(new_survey_code())
        .bind(now)
        .fetch_one(&mut *conn)
        .await
    })?;
    insert_meetings(tx, id, &draft.meetings).await?;
    Ok(id)
}

fn span(meetings: &[(DateTime<Utc>, DateTime<Utc>)]) -> (DateTime<Utc>, DateTime<Utc>) {
    let starts = meetings.iter().map(|m| m.0).min().expect("a draft has a meeting");
    let ends = meetings.iter().map(|m| m.1).max().expect("a draft has a meeting");
    (starts, ends)
}

async fn insert_meetings(tx: &mut Tx, session_id: i64, meetings: &[(DateTime<Utc>, DateTime<Utc>)]) -> AppResult<()> {
    for (starts, ends) in meetings {
        on_tx!(tx, conn => {
            sqlx::query("INSERT INTO meetings (session_id, starts_at, ends_at) VALUES ($1, $2, $3)")
                .bind(session_id)
                .bind(starts)
                .bind(ends)
                .execute(&mut *conn)
                .await.map(|_| ())
        })?;
    }
    Ok(())
}

/// Locks the session row for the rest of the transaction and returns its counts.
/// Taking the write lock first keeps SQLite from a lock upgrade and serialises
/// PostgreSQL writers of the same session.
pub async fn lock(tx: &mut Tx, session_id: i64, now: DateTime<Utc>) -> AppResult<LockedSession> {
    let row: Option<LockedSession> = on_tx!(tx, conn => {
        sqlx::query_as(
            "UPDATE sessions SET updated_at = $2 WHERE id = $1
             RETURNING id, kind, status, capacity, confirmed_count, waitlist_count, starts_at, slot_minutes, advisors",
        )
        .bind(session_id)
        .bind(now)
        .fetch_optional(&mut *conn)
        .await
    })?;
    row.ok_or(AppError::NotFound)
}

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

/// Replaces a session's settings. Capacity may not drop below the confirmed
/// registrations; if it grows, waitlisted people move up in the same transaction.
pub async fn update(state: &crate::server::state::AppState, id: i64, draft: Draft) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    update_in(&mut tx, state, id, &draft, Utc::now()).await?;
    tx.commit().await?;
    Ok(())
}

/// `update` inside the caller's transaction.
pub async fn update_in(
    tx: &mut Tx,
    state: &crate::server::state::AppState,
    id: i64,
    draft: &Draft,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let (starts_at, ends_at) = span(&draft.meetings);
    let locked = lock(tx, id, now).await?;
    if draft.capacity < locked.confirmed_count {
        let mut errors = FieldErrors::default();
        errors.add(
            "capacity",
            Problem::new("error.capacity_below_confirmed").with("confirmed", locked.confirmed_count),
        );
        return Err(errors.into());
    }
    on_tx!(tx, conn => {
        bind_draft!(sqlx::query(
            "UPDATE sessions SET kind = $1, title = $2, topic = $3, venue_id = $4, starts_at = $5, ends_at = $6,
                 capacity = $7, loaner_devices = $8, instructors = $9, assistants = $10, slot_minutes = $11,
                 advisors = $12, description = $13, what_to_bring = $14, updated_at = $15
             WHERE id = $16",
        ), draft, starts_at, ends_at)
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await.map(|_| ())
    })?;
    let current = meetings_in(tx, id).await?;
    if current != draft.meetings {
        on_tx!(tx, conn => {
            sqlx::query("DELETE FROM meetings WHERE session_id = $1").bind(id).execute(&mut *conn).await.map(|_| ())
        })?;
        insert_meetings(tx, id, &draft.meetings).await?;
    }
    crate::registrations::store::promote_waitlisted(tx, state, id, now).await
}

async fn meetings_in(tx: &mut Tx, session_id: i64) -> AppResult<Vec<Span>> {
    Ok(on_tx!(tx, conn => {
        sqlx::query_as("SELECT starts_at, ends_at FROM meetings WHERE session_id = $1 ORDER BY starts_at, id")
            .bind(session_id)
            .fetch_all(&mut *conn)
            .await
    })?)
}

/// Cancels a session and everyone's registration in it, telling each of them.
pub async fn cancel(state: &crate::server::state::AppState, id: i64) -> AppResult<()> {
    let now = Utc::now();
    let mut tx = state.db.begin().await?;
    let locked = lock(&mut tx, id, now).await?;
    if locked.status == SessionStatus::Cancelled {
        return Ok(());
    }
    on_tx!(&mut tx, conn => {
        sqlx::query("UPDATE sessions SET status = 'cancelled' WHERE id = $1").bind(id).execute(&mut *conn).await.map(|_| ())
    })?;
    crate::registrations::store::cancel_all_for_session(&mut tx, state, id, now).await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(())
}

impl SessionDetail {
    /// The session as an editable input (what the edit form and a PATCH start from).
    pub fn to_input(&self) -> SessionInput {
        let s = &self.summary;
        SessionInput {
            kind: s.kind.as_str().into(),
            title: s.title.clone(),
            topic: s.topic.as_str().into(),
            venue_id: Some(s.venue_id),
            starts_at: s.starts_at.to_rfc3339(),
            ends_at: s.ends_at.to_rfc3339(),
            capacity: Some(s.capacity.into()),
            loaner_devices: Some(s.loaner_devices.into()),
            instructors: Some(self.instructors.into()),
            assistants: Some(self.assistants.into()),
            slot_minutes: self.slot_minutes.map(Into::into),
            advisors: self.advisors.map(Into::into),
            description: self.description.clone(),
            what_to_bring: self.what_to_bring.clone(),
            meetings: Some(
                self.meetings
                    .iter()
                    .map(|m| MeetingInput { starts_at: m.starts_at.to_rfc3339(), ends_at: m.ends_at.to_rfc3339() })
                    .collect(),
            ),
        }
    }
}

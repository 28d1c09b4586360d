//! Storage and rules of sessions' own rows: listing, reading, checking a schedule and
//! writing it. What a change means for the people registered is `sessions::changes`'s.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, SubsecRound, Utc};
use rand::Rng;

use super::{field, Meeting, MeetingInput, SessionDetail, SessionFilter, SessionInput, SessionPage, SessionSummary};
use crate::{
    domain::{self, Capacity, FieldErrors, Problem, SessionKind, SessionStatus, Topic},
    on_db, on_tx,
    policy::Viewer,
    server::{
        db::{Db, Tx},
        error::{AppError, AppResult},
        once,
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
    meeting_count: i32,
    weekly: bool,
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
            meeting_count: r.meeting_count,
            weekly: r.weekly,
        }
    }
}

const SUMMARY_COLUMNS: &str = "s.id, s.kind, s.title, s.topic, s.venue_id, s.starts_at, s.ends_at, s.capacity, \
     s.confirmed_count, s.waitlist_count, s.loaner_devices, s.status, s.meeting_count, s.weekly";

fn tokyo_day_start(date: &str) -> Result<DateTime<Utc>, Problem> {
    domain::date(date).map(|d| from_tokyo(d, NaiveTime::MIN))
}

/// Upcoming sessions matching the filter, soonest first. Sessions that have started are
/// listed only for staff (`include_past`): a manager's, or a staff member's own venue's.
pub async fn list(
    db: &Db,
    viewer: Option<&Viewer>,
    filter: &SessionFilter,
    now: DateTime<Utc>,
) -> AppResult<SessionPage> {
    if filter.include_past {
        let viewer = crate::policy::logged_in(viewer)?;
        match filter.venue_id {
            Some(venue_id) => viewer.require_venue(venue_id)?,
            None => viewer.require_manager()?,
        }
    }
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
    let kind = opt_code(&mut errors, field::KIND, filter.kind.as_deref(), SessionKind::parse);
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
    schedule_sequence: i32,
}

pub async fn detail(db: &Db, id: i64, viewer: Option<&Viewer>) -> AppResult<SessionDetail> {
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS}, s.description, s.what_to_bring, s.instructors, s.assistants,
                s.slot_minutes, s.advisors, s.survey_code, s.schedule_sequence
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
        schedule_sequence: row.schedule_sequence,
        survey_code: may_see_code.then_some(row.survey_code),
    })
}

/// A session's meetings in order, as `Meeting` rows; bound by the session id.
pub const MEETINGS_SQL: &str =
    "SELECT id, starts_at, ends_at FROM meetings WHERE session_id = $1 ORDER BY starts_at, id";

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
#[derive(serde::Serialize)]
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
    let parsed = DateTime::parse_from_rfc3339(value.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc).trunc_subsecs(0))
        .filter(|t| crate::time::in_years(t.date_naive()));
    errors.check(field, parsed.ok_or(Problem::new("error.datetime")))
}

/// The meetings of an API body: `meetings`, or one from `starts_at`/`ends_at`.
pub fn api_meetings(input: &SessionInput) -> Result<Vec<Span>, FieldErrors> {
    let mut errors = FieldErrors::default();
    let given: Vec<(String, &MeetingInput)> = match &input.meetings {
        Some(list) if !list.is_empty() => {
            list.iter().enumerate().map(|(i, m)| (format!("meetings[{i}]."), m)).collect()
        }
        _ => {
            let single = MeetingInput { starts_at: input.starts_at.clone(), ends_at: input.ends_at.clone() };
            let starts = rfc3339(field::STARTS_AT, &single.starts_at, &mut errors);
            let ends = rfc3339(field::ENDS_AT, &single.ends_at, &mut errors);
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

/// Checks a session to be scheduled (managers): fields, meetings (ordered, not overlapping, ending after they
/// start) and, for a consultation, its time slots, from which its capacity follows.
pub async fn check(
    db: &Db,
    viewer: &Viewer,
    input: &SessionInput,
    meetings: Result<Vec<Span>, FieldErrors>,
) -> AppResult<Draft> {
    viewer.require_manager()?;
    let mut errors = meetings.as_ref().err().cloned().unwrap_or_default();
    let kind = errors.check(field::KIND, domain::choice(&input.kind, SessionKind::parse));
    let title = errors.check(field::TITLE, domain::text(&input.title, 100, true, false));
    let topic = errors.check(field::TOPIC, domain::choice(&input.topic, Topic::parse));
    let venue_id = match input.venue_id {
        None => {
            errors.add(field::VENUE_ID, Problem::new("error.choose"));
            None
        }
        Some(id) => match venues::store::get(db, id).await {
            Ok(_) => Some(id),
            Err(AppError::NotFound) => {
                errors.add(field::VENUE_ID, Problem::new("error.choice"));
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
    let description = errors.check(field::DESCRIPTION, domain::text(&input.description, 2000, false, true));
    let what_to_bring = errors.check(field::WHAT_TO_BRING, domain::text(&input.what_to_bring, 500, false, true));

    let mut meetings = meetings.unwrap_or_default();
    meetings.sort();
    if meetings.is_empty() && errors.is_empty() {
        errors.add(field::STARTS_AT, Problem::new("error.required"));
    }
    if meetings.len() > MAX_MEETINGS {
        errors.add("meetings", Problem::new("error.too_many_meetings").with("max", MAX_MEETINGS));
    }
    for (i, (starts, ends)) in meetings.iter().enumerate() {
        if ends <= starts {
            errors.add(meeting_field(input, i, field::ENDS_AT), Problem::new("error.end_before_start"));
        } else if *ends - *starts > Duration::hours(12) {
            errors.add(meeting_field(input, i, field::ENDS_AT), Problem::new("error.meeting_too_long"));
        }
        if i > 0 && meetings[i - 1].1 > *starts {
            errors.add(meeting_field(input, i, field::STARTS_AT), Problem::new("error.meetings_overlap"));
        }
    }

    let (capacity, slot_minutes, advisors) = if kind == Some(SessionKind::Consultation) {
        let slot = errors.check(field::SLOT_MINUTES, slot_length(input.slot_minutes));
        let advisors = errors.check(field::ADVISORS, advisors_count(input.advisors));
        let capacity = match (slot, advisors) {
            (Some(slot), Some(advisors)) => {
                let slots: i64 = meetings.iter().map(|(s, e)| (*e - *s).num_minutes() / slot as i64).sum();
                if slots == 0 && !meetings.is_empty() {
                    errors.add(field::SLOT_MINUTES, Problem::new("error.slot_longer_than_meeting"));
                }
                errors.check(field::CAPACITY, Capacity::parse((slots * advisors as i64).max(1)))
            }
            _ => None,
        };
        (capacity, slot, advisors)
    } else {
        let capacity = match input.capacity {
            Some(c) => errors.check(field::CAPACITY, Capacity::parse(c)),
            None => {
                errors.add(field::CAPACITY, Problem::new("error.required"));
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

fn meeting_field(input: &SessionInput, i: usize, name: &str) -> String {
    match &input.meetings {
        Some(list) if !list.is_empty() => format!("meetings[{i}].{name}"),
        _ => name.to_string(),
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

/// Schedules a new session (managers); a form sent twice (same `key`) schedules it once.
pub async fn create(db: &Db, viewer: &Viewer, draft: Draft, key: Option<&str>) -> AppResult<i64> {
    viewer.require_manager()?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    if let Some(earlier) = once::earlier(&mut tx, key, "session", &draft, now).await? {
        return Ok(earlier);
    }
    let id = insert(&mut tx, &draft, now).await?;
    once::remember(&mut tx, key, id).await?;
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
                 status, survey_code, created_at, updated_at, meeting_count, weekly)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'scheduled', $15, $16, $16, $17, $18)
             RETURNING id",
        ), draft, starts_at, ends_at)
        .bind(new_survey_code())
        .bind(now)
        .bind(draft.meetings.len() as i32)
        .bind(crate::time::weekly(&draft.meetings))
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

/// How an edit changes a session's meetings. A meeting whose times are unchanged keeps
/// its id (and with it its check-ins); the others are paired in time order — a meeting
/// moved to another time keeps its id too — and what is left over goes or comes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MeetingPlan {
    pub kept: Vec<Meeting>,
    /// Each meeting before its move, and its new times.
    pub moved: Vec<(Meeting, Span)>,
    pub removed: Vec<Meeting>,
    pub added: Vec<Span>,
}

impl MeetingPlan {
    /// Whether any date or time changes.
    pub fn changes_times(&self) -> bool {
        !(self.moved.is_empty() && self.removed.is_empty() && self.added.is_empty())
    }
}

/// The plan that turns `current` meetings into `wanted` ones.
pub fn plan_meetings(current: &[Meeting], wanted: &[Span]) -> MeetingPlan {
    let mut plan = MeetingPlan::default();
    let mut left: Vec<Span> = Vec::new();
    let mut unmatched: Vec<&Meeting> = current.iter().collect();
    for span in wanted {
        match unmatched.iter().position(|m| (m.starts_at, m.ends_at) == *span) {
            Some(i) => plan.kept.push(unmatched.remove(i).clone()),
            None => left.push(*span),
        }
    }
    unmatched.sort_by_key(|m| (m.starts_at, m.id));
    left.sort();
    let paired = unmatched.len().min(left.len());
    plan.moved = unmatched.iter().zip(&left).map(|(m, span)| ((*m).clone(), *span)).collect();
    plan.removed = unmatched[paired..].iter().map(|m| (*m).clone()).collect();
    plan.added = left[paired..].to_vec();
    plan
}

/// A session's meetings inside a change (under its lock).
pub async fn meetings_in(tx: &mut Tx, session_id: i64) -> AppResult<Vec<Meeting>> {
    Ok(on_tx!(tx, conn => sqlx::query_as(MEETINGS_SQL).bind(session_id).fetch_all(&mut *conn).await)?)
}

/// Of these meetings, those with check-ins recorded.
pub async fn meetings_with_attendance(tx: &mut Tx, ids: &[i64]) -> AppResult<Vec<i64>> {
    let mut marked = Vec::new();
    for id in ids {
        let n: i64 = on_tx!(tx, conn => {
            sqlx::query_scalar("SELECT COUNT(*) FROM attendances WHERE meeting_id = $1").bind(id).fetch_one(&mut *conn).await
        })?;
        if n > 0 {
            marked.push(*id);
        }
    }
    Ok(marked)
}

/// Writes a checked draft over session `id`'s settings, and its meetings by `plan`.
/// The caller holds the session's lock and has checked what the change means for its
/// registrations (a removed meeting holds no check-ins).
pub async fn write(tx: &mut Tx, id: i64, draft: &Draft, plan: &MeetingPlan, now: DateTime<Utc>) -> AppResult<()> {
    let (starts_at, ends_at) = span(&draft.meetings);
    on_tx!(tx, conn => {
        bind_draft!(sqlx::query(
            "UPDATE sessions SET kind = $1, title = $2, topic = $3, venue_id = $4, starts_at = $5, ends_at = $6,
                 capacity = $7, loaner_devices = $8, instructors = $9, assistants = $10, slot_minutes = $11,
                 advisors = $12, description = $13, what_to_bring = $14, updated_at = $15, meeting_count = $17,
                 weekly = $18
             WHERE id = $16",
        ), draft, starts_at, ends_at)
        .bind(now)
        .bind(id)
        .bind(draft.meetings.len() as i32)
        .bind(crate::time::weekly(&draft.meetings))
        .execute(&mut *conn)
        .await.map(|_| ())
    })?;
    for (meeting, (starts, ends)) in &plan.moved {
        on_tx!(tx, conn => {
            sqlx::query("UPDATE meetings SET starts_at = $2, ends_at = $3 WHERE id = $1")
                .bind(meeting.id)
                .bind(starts)
                .bind(ends)
                .execute(&mut *conn)
                .await.map(|_| ())
        })?;
    }
    for meeting in &plan.removed {
        on_tx!(tx, conn => {
            sqlx::query("DELETE FROM meetings WHERE id = $1").bind(meeting.id).execute(&mut *conn).await.map(|_| ())
        })?;
    }
    insert_meetings(tx, id, &plan.added).await
}

/// Counts one more change of the session's dates, times or place and returns the new
/// count: the SEQUENCE of its calendar files from now on.
pub async fn next_schedule_sequence(tx: &mut Tx, id: i64) -> AppResult<i32> {
    Ok(on_tx!(tx, conn => {
        sqlx::query_scalar("UPDATE sessions SET schedule_sequence = schedule_sequence + 1 WHERE id = $1 RETURNING schedule_sequence")
            .bind(id)
            .fetch_one(&mut *conn)
            .await
    })?)
}

/// Marks session `id` cancelled. The caller holds the lock and cancels its registrations.
pub async fn mark_cancelled(tx: &mut Tx, id: i64) -> AppResult<()> {
    on_tx!(tx, conn => {
        sqlx::query("UPDATE sessions SET status = 'cancelled' WHERE id = $1").bind(id).execute(&mut *conn).await.map(|_| ())
    })?;
    Ok(())
}

/// The venue of a session inside a change.
pub async fn venue_in(tx: &mut Tx, session_id: i64) -> AppResult<i64> {
    Ok(on_tx!(tx, conn => {
        sqlx::query_scalar("SELECT venue_id FROM sessions WHERE id = $1").bind(session_id).fetch_one(&mut *conn).await
    })?)
}

/// The venue a session is held at (what decides which staff may see its people).
pub async fn venue_of(db: &Db, session_id: i64) -> AppResult<i64> {
    Ok(
        on_db!(db, pool => sqlx::query_scalar("SELECT venue_id FROM sessions WHERE id = $1").bind(session_id).fetch_one(pool).await)?,
    )
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

#[cfg(test)]
mod plan_tests {
    use super::*;

    fn at(day: i64, hour: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-03T01:00:00Z").unwrap().with_timezone(&Utc)
            + Duration::days(day)
            + Duration::hours(hour)
    }

    fn meeting(id: i64, day: i64) -> Meeting {
        Meeting { id, starts_at: at(day, 0), ends_at: at(day, 2) }
    }

    #[test]
    fn moving_the_fourth_day_keeps_the_first_three() {
        let current = [meeting(1, 0), meeting(2, 7), meeting(3, 14), meeting(4, 21)];
        let wanted = [(at(0, 0), at(0, 2)), (at(7, 0), at(7, 2)), (at(14, 0), at(14, 2)), (at(22, 0), at(22, 2))];
        let plan = plan_meetings(&current, &wanted);
        assert_eq!(plan.kept.iter().map(|m| m.id).collect::<Vec<_>>(), vec![1, 2, 3]);
        assert_eq!(plan.moved, vec![(meeting(4, 21), (at(22, 0), at(22, 2)))]);
        assert!(plan.removed.is_empty() && plan.added.is_empty());
    }

    #[test]
    fn dropping_and_adding_meetings() {
        let current = [meeting(1, 0), meeting(2, 7), meeting(3, 14)];
        let plan = plan_meetings(&current, &[(at(0, 0), at(0, 2))]);
        assert_eq!(plan.removed.iter().map(|m| m.id).collect::<Vec<_>>(), vec![2, 3]);
        let plan = plan_meetings(&current[..1], &[(at(0, 0), at(0, 2)), (at(7, 0), at(7, 2))]);
        assert_eq!(plan.added, vec![(at(7, 0), at(7, 2))]);
        assert!(!plan_meetings(&current, &[(at(0, 0), at(0, 2)), (at(7, 0), at(7, 2)), (at(14, 0), at(14, 2))])
            .changes_times());
    }
}

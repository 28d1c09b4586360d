//! The KPI report. Sessions carry their own tallies (kept by the registration and
//! survey transactions), and the database keeps their sums by the report's keys (migration
//! 0021): by place (`kpi_place_cells`: fiscal year, venue, kind) and by time
//! (`kpi_time_cells`: fiscal year, kind, topic, month of the start in Tokyo). The report
//! sums those; it reads sessions one row each only for the lists it shows by name, for
//! those not ended yet and for the months of one venue or ward, each by an index of its
//! own: a nation's year is some 8,700 cells, not 108,775 sessions (docs/BENCHMARKS.md).

use std::{
    collections::{BTreeMap, HashMap},
    sync::LazyLock,
};

use chrono::{DateTime, Utc};
use futures::stream::BoxStream;

use super::{FlaggedSession, KpiFilter, KpiLine, KpiReport, Tally, BELOW_TARGET_SHOWN, TARGET};
use crate::{
    domain::{FieldErrors, Problem, SessionKind, Topic},
    i18n::Lang,
    on_db, on_tx,
    policy::Viewer,
    server::{
        db::{Db, Tx},
        error::{AppError, AppResult},
    },
    time::{fiscal_months, fiscal_year, fiscal_year_bounds},
    venues,
};

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct SessionTallyRow {
    pub id: i64,
    pub title: String,
    pub kind: SessionKind,
    pub topic: Topic,
    pub venue_id: i64,
    pub venue_name: String,
    pub ward: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: i32,
    pub confirmed_count: i32,
    pub attended_count: i32,
    pub responses: i32,
    pub comprehension_answers: i32,
    pub comprehension_good: i32,
    pub satisfaction_answers: i32,
    pub satisfaction_good: i32,
    pub responses_code: i32,
    pub responses_paper: i32,
}

impl SessionTallyRow {
    pub fn tally(&self, now: DateTime<Utc>) -> Tally {
        Tally {
            sessions: 1,
            capacity: self.capacity as i64,
            confirmed: self.confirmed_count as i64,
            confirmed_held: if self.ends_at <= now { self.confirmed_count as i64 } else { 0 },
            attended: self.attended_count as i64,
            responses: self.responses as i64,
            comprehension_answers: self.comprehension_answers as i64,
            comprehension_good: self.comprehension_good as i64,
            satisfaction_answers: self.satisfaction_answers as i64,
            satisfaction_good: self.satisfaction_good as i64,
            responses_code: self.responses_code as i64,
            responses_paper: self.responses_paper as i64,
        }
    }
}

/// The fiscal year asked for, or the current one.
pub fn resolve_year(filter: &KpiFilter, now: DateTime<Utc>) -> AppResult<i32> {
    match filter.fiscal_year {
        Some(fy) if (2000..=2100).contains(&fy) => Ok(fy),
        Some(_) => {
            let mut errors = FieldErrors::default();
            errors.add("fiscal_year", Problem::new("error.range").with("min", 2000).with("max", 2100));
            Err(errors.into())
        }
        None => Ok(fiscal_year(now)),
    }
}

/// The sessions a report covers: a fiscal year's, not cancelled, narrowed by venue, ward and
/// kind. `SCOPE_WHERE` is its SQL over `sessions s` and `venues v`, bound by `bind_scope!`.
pub(super) struct Scope {
    pub(super) from: DateTime<Utc>,
    pub(super) to: DateTime<Utc>,
    pub(super) venue_id: Option<i64>,
    pub(super) ward: Option<String>,
    pub(super) kind: Option<SessionKind>,
}

impl Scope {
    /// Narrowed to one venue or ward: the reports read that place's own rows there, as
    /// their cells by time and by person are kept for the whole city only.
    pub(super) fn one_place(&self) -> bool {
        self.venue_id.is_some() || self.ward.is_some()
    }
}

pub(super) const SCOPE_WHERE: &str = "s.starts_at >= $1 AND s.starts_at < $2 AND s.status <> 'cancelled'
     AND ($3 IS NULL OR s.venue_id = $3) AND ($4 IS NULL OR v.ward = $4) AND ($5 IS NULL OR s.kind = $5)";

macro_rules! bind_scope {
    ($query:expr, $scope:expr) => {
        $query.bind($scope.from).bind($scope.to).bind($scope.venue_id).bind($scope.ward.as_deref()).bind($scope.kind)
    };
}
pub(super) use bind_scope;

pub(super) fn scope(filter: &KpiFilter, fy: i32) -> AppResult<Scope> {
    let (from, to) = fiscal_year_bounds(fy);
    let kind = match filter.kind.as_deref().filter(|k| !k.is_empty()) {
        None => None,
        Some(code) => Some(SessionKind::parse(code).ok_or_else(|| {
            let mut errors = FieldErrors::default();
            errors.add("kind", Problem::new("error.choice"));
            AppError::Invalid(errors)
        })?),
    };
    Ok(Scope { from, to, venue_id: filter.venue_id, ward: filter.ward.clone().filter(|w| !w.is_empty()), kind })
}

/// The columns of a `SessionTallyRow`, over `sessions s` and `venues v`.
pub(super) const SESSION_COLUMNS: &str =
    "s.id, s.title, s.kind, s.topic, s.venue_id, v.name AS venue_name, v.ward, s.starts_at,
    s.ends_at, s.capacity, s.confirmed_count, s.attended_count, s.responses, s.comprehension_answers,
    s.comprehension_good, s.satisfaction_answers, s.satisfaction_good, s.responses_code, s.responses_paper";

/// The scope's sessions that also meet `condition` (SQL over `s` and `v`; "" for all),
/// in date order.
async fn sessions_where(db: &Db, scope: &Scope, condition: &str) -> AppResult<Vec<SessionTallyRow>> {
    let sql = format!(
        "SELECT {SESSION_COLUMNS} FROM sessions s JOIN venues v ON v.id = s.venue_id
         WHERE {SCOPE_WHERE} {condition} ORDER BY s.starts_at, s.id"
    );
    Ok(on_db!(db, pool => bind_scope!(sqlx::query_as(&sql), scope).fetch_all(pool).await)?)
}

/// Every held or scheduled (not cancelled) session of the fiscal year matching the filter.
pub async fn session_tallies(db: &Db, filter: &KpiFilter, fy: i32) -> AppResult<Vec<SessionTallyRow>> {
    sessions_where(db, &scope(filter, fy)?, "").await
}

/// The cells of the report's fiscal year (`$1`), venue (`$2`), ward (`$3`) and kind (`$4`),
/// over a cell table aliased `t` joined to `venues v`; bound by `bind_cells!`.
pub(super) const CELLS_WHERE: &str =
    "t.fiscal_year = $1 AND ($2 IS NULL OR t.venue_id = $2) AND ($3 IS NULL OR v.ward = $3)
     AND ($4 IS NULL OR t.kind = $4)";

macro_rules! bind_cells {
    ($query:expr, $fy:expr, $scope:expr) => {
        $query.bind($fy).bind($scope.venue_id).bind($scope.ward.as_deref()).bind($scope.kind)
    };
}

/// The rows of one grouped sum over the cells of fiscal year `fy` in `scope` (`sql` filters
/// by `CELLS_WHERE`).
pub(super) async fn cell_sums<T>(db: &Db, sql: &str, fy: i32, scope: &Scope) -> AppResult<Vec<T>>
where
    T: Send
        + Unpin
        + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
{
    Ok(on_db!(db, pool => bind_cells!(sqlx::query_as(sql), fy, scope).fetch_all(pool).await)?)
}

/// A KPI cell table's counts (aliased `t`, migrations 0021 and 0024) and the `Tally` field
/// each gives. `confirmed_held` is that of the sessions the cells count as ended: the
/// report sets it right for its moment with `not_counted_right`.
const CELL_COUNTS: [(&str, &str); 12] = [
    ("sessions", "sessions"),
    ("capacity", "capacity"),
    ("confirmed", "confirmed"),
    ("confirmed_held", "confirmed_held"),
    ("attended", "attended"),
    ("responses", "responses"),
    ("comprehension_answers", "comprehension_answers"),
    ("comprehension_good", "comprehension_good"),
    ("satisfaction_answers", "satisfaction_answers"),
    ("satisfaction_good", "satisfaction_good"),
    ("responses_code", "responses_code"),
    ("responses_paper", "responses_paper"),
];

/// The select list of the cells' counts in `Tally`'s names, each column as `each` reads
/// it (summed over a group, or one cell's as a `BIGINT`).
fn cell_counts(each: impl Fn(&str) -> String) -> String {
    CELL_COUNTS.map(|(column, field)| format!("{} AS {field}", each(&format!("t.{column}")))).join(", ")
}

/// The same sums over sessions (`s`), for a report narrowed to one venue or ward.
const SESSION_SUMS: &str = "COUNT(*) AS sessions, SUM(s.capacity) AS capacity, SUM(s.confirmed_count) AS confirmed,
    SUM(CASE WHEN s.ended_counted THEN s.confirmed_count ELSE 0 END) AS confirmed_held,
    SUM(s.attended_count) AS attended, SUM(s.responses) AS responses,
    SUM(s.comprehension_answers) AS comprehension_answers, SUM(s.comprehension_good) AS comprehension_good,
    SUM(s.satisfaction_answers) AS satisfaction_answers, SUM(s.satisfaction_good) AS satisfaction_good,
    SUM(s.responses_code) AS responses_code, SUM(s.responses_paper) AS responses_paper";

/// The sessions of one venue and kind in the year, summed, and how many of them are
/// below the target.
#[derive(sqlx::FromRow)]
struct PlaceCell {
    venue_id: i64,
    /// The venue's name.
    name: String,
    ward: String,
    kind: SessionKind,
    below_target: i64,
    #[sqlx(flatten)]
    tally: Tally,
}

/// The scope's sessions by venue and kind, from `kpi_place_cells`.
async fn places(tx: &mut Tx, scope: &Scope, fy: i32) -> AppResult<Vec<PlaceCell>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        // A place cell is one line of the venue breakdown already: read as it is, not grouped.
        format!(
            "SELECT t.venue_id, v.name, v.ward, t.kind, CAST(t.below_target AS BIGINT) AS below_target, {}
             FROM kpi_place_cells t JOIN venues v ON v.id = t.venue_id
             WHERE {CELLS_WHERE} AND t.sessions > 0",
            cell_counts(|column| format!("CAST({column} AS BIGINT)"))
        )
    });
    Ok(on_tx!(tx, conn => bind_cells!(sqlx::query_as(&SQL), fy, scope).fetch_all(&mut *conn).await)?)
}

/// The sessions of one topic and month of the year (`month` 0 = April), summed.
#[derive(sqlx::FromRow)]
struct TimeCell {
    topic: Topic,
    month: i32,
    #[sqlx(flatten)]
    tally: Tally,
}

/// SQL for the month of the fiscal year (0 = April) of `s.starts_at`, found by comparing it
/// with the months' first moments bound from `$first` on (May to March, `bind_months!`):
/// the same on both backends.
fn month_sql(first: usize) -> String {
    (0..11).fold(String::from("CASE"), |sql, i| format!("{sql} WHEN s.starts_at < ${} THEN {i}", first + i))
        + " ELSE 11 END"
}

macro_rules! bind_months {
    ($query:expr, $months:expr) => {
        $months[1..].iter().fold($query, |query, (_, first)| query.bind(*first))
    };
}

/// The scope's sessions by topic and month: from `kpi_time_cells` (kept by kind), or,
/// narrowed to a venue or ward, from that place's sessions (a venue-year is a few hundred
/// at most, read by `sessions_venue_starts_at_idx`).
async fn times(tx: &mut Tx, scope: &Scope, fy: i32, months: &[(String, DateTime<Utc>)]) -> AppResult<Vec<TimeCell>> {
    if !scope.one_place() {
        static SQL: LazyLock<String> = LazyLock::new(|| {
            format!(
                "SELECT t.topic, t.month, {} FROM kpi_time_cells t
                 WHERE t.fiscal_year = $1 AND ($2 IS NULL OR t.kind = $2)
                 GROUP BY t.topic, t.month
                 HAVING SUM(t.sessions) > 0",
                cell_counts(|column| format!("SUM({column})"))
            )
        });
        return Ok(on_tx!(tx, conn => sqlx::query_as(&SQL).bind(fy).bind(scope.kind).fetch_all(&mut *conn).await)?);
    }
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT s.topic, {} AS month, {SESSION_SUMS}
             FROM sessions s JOIN venues v ON v.id = s.venue_id
             WHERE {SCOPE_WHERE}
             GROUP BY 1, 2",
            month_sql(6)
        )
    });
    Ok(on_tx!(tx, conn => bind_months!(bind_scope!(sqlx::query_as(&SQL), scope), months).fetch_all(&mut *conn).await)?)
}

/// A session the cells do not count as ended though it has ended by `$N`, or count as
/// ended though it has not (an edit moved it back into the future): word for word the
/// expressions of `sessions_not_counted_end_idx` and `sessions_counted_end_idx`
/// (migration 0024), so that PostgreSQL's planner reads those indexes and knows how few
/// they are. (SQLite, which Ippo does not `ANALYZE`, reads a report's year by its start
/// instead: a city's year.)
fn not_counted_right(now: usize) -> String {
    format!(
        "((CASE WHEN s.ended_counted THEN NULL ELSE s.ends_at END) <= ${now}
          OR (CASE WHEN s.ended_counted THEN s.ends_at END) > ${now})"
    )
}

/// What the cells' `confirmed_held` lacks for one venue, kind, topic and month at `now`:
/// the confirmed registrations of sessions ended since the housekeeping last counted them,
/// less those of sessions counted as ended that have not.
#[derive(sqlx::FromRow)]
struct HeldAmend {
    venue_id: i64,
    kind: SessionKind,
    topic: Topic,
    month: i32,
    confirmed: i64,
}

/// The scope's sessions that the cells do not count right at `now` (`$6`), by venue, kind,
/// topic and month: none, or those that ended since the last housekeeping round.
async fn held_amends(
    tx: &mut Tx,
    scope: &Scope,
    months: &[(String, DateTime<Utc>)],
    now: DateTime<Utc>,
) -> AppResult<Vec<HeldAmend>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT s.venue_id, s.kind, s.topic, {} AS month,
                    SUM(CASE WHEN s.ended_counted THEN -s.confirmed_count ELSE s.confirmed_count END) AS confirmed
             FROM sessions s JOIN venues v ON v.id = s.venue_id
             WHERE {SCOPE_WHERE} AND {}
             GROUP BY 1, 2, 3, 4",
            month_sql(7),
            not_counted_right(6)
        )
    });
    // Planned for this `now` each time, as `count_ended` says.
    Ok(on_tx!(tx, conn => {
        bind_months!(bind_scope!(sqlx::query_as(&SQL), scope).bind(now), months)
            .persistent(false)
            .fetch_all(&mut *conn)
            .await
    })?)
}

/// How many sessions one housekeeping round counts as ended at most (the rest next round).
const COUNTED_PER_ROUND: i64 = 1000;

/// Counts as ended in the KPI cells the sessions that have ended by `now`, and no longer
/// those an edit moved back into the future (housekeeping). Each is set by its own
/// statement, so that the cells' triggers lock only that session's cells, in their order,
/// like any other write; the statement asks again whether the flag is wrong, so a session
/// another instance set meanwhile is left as it is. Returns how many sessions changed.
pub async fn count_ended(db: &Db, now: DateTime<Utc>) -> AppResult<u64> {
    static FIND: LazyLock<String> =
        LazyLock::new(|| format!("SELECT s.id FROM sessions s WHERE {} LIMIT $2", not_counted_right(1)));
    const SET: &str = "UPDATE sessions SET ended_counted = (ends_at <= $1)
                       WHERE id = $2 AND ended_counted <> (ends_at <= $1)";
    // Planned for this `now` each time: a plan kept for any `now` would guess a third of the
    // table and, with the LIMIT, might read all of it to find nothing.
    let ids: Vec<i64> = on_db!(db, pool => {
        sqlx::query_scalar(&FIND).bind(now).bind(COUNTED_PER_ROUND).persistent(false).fetch_all(pool).await
    })?;
    let mut changed = 0;
    for id in ids {
        changed +=
            on_db!(db, pool => sqlx::query(SET).bind(now).bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
    }
    Ok(changed)
}

/// The cells by place and by time and what their `confirmed_held` lacks, as one moment saw
/// them.
type Sums = (Vec<PlaceCell>, Vec<TimeCell>, Vec<HeldAmend>);

/// Reads the `Sums` in one snapshot, so that the amends fit the cells they amend (a
/// session counted as ended between two reads would otherwise be counted twice).
async fn sums(
    db: &Db,
    scope: &Scope,
    fy: i32,
    months: &[(String, DateTime<Utc>)],
    now: DateTime<Utc>,
) -> AppResult<Sums> {
    let mut tx = db.begin_snapshot().await?;
    let places = places(&mut tx, scope, fy).await?;
    let times = times(&mut tx, scope, fy, months).await?;
    let amends = held_amends(&mut tx, scope, months, now).await?;
    tx.commit().await?;
    Ok((places, times, amends))
}

/// Below the target (`TARGET`, 80%) on comprehension or on satisfaction: good / answers <
/// 0.8, written good × 5 < answers × 4 so that it is exact in integers. Word for word the
/// condition of `sessions_below_target_idx` and of the cells' `below_target` (migration
/// 0021), so that the planner reads that index.
const BELOW_TARGET: &str = "AND (s.comprehension_good * 5 < s.comprehension_answers * 4
          OR s.satisfaction_good * 5 < s.satisfaction_answers * 4)";

/// A session's lower rate, comprehension or satisfaction (NULL with no answers): word for
/// word the first column of `sessions_below_target_idx`, so that the planner reads the
/// list from that index in this order.
const LOWEST_RATE: &str = "(CASE WHEN s.comprehension_answers = 0 AND s.satisfaction_answers = 0 THEN NULL
          WHEN s.comprehension_answers = 0 THEN CAST(s.satisfaction_good AS DOUBLE PRECISION) / s.satisfaction_answers
          WHEN s.satisfaction_answers = 0
               OR s.comprehension_good * s.satisfaction_answers <= s.satisfaction_good * s.comprehension_answers
          THEN CAST(s.comprehension_good AS DOUBLE PRECISION) / s.comprehension_answers
          ELSE CAST(s.satisfaction_good AS DOUBLE PRECISION) / s.satisfaction_answers END)";

/// The scope's sessions below the target, the lowest rate first, at most
/// `BELOW_TARGET_SHOWN`: the first entries of `sessions_below_target_idx`.
async fn below_target(db: &Db, scope: &Scope) -> AppResult<Vec<SessionTallyRow>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {SESSION_COLUMNS} FROM sessions s JOIN venues v ON v.id = s.venue_id
             WHERE {SCOPE_WHERE} {BELOW_TARGET}
             ORDER BY {LOWEST_RATE}, s.starts_at, s.id
             LIMIT $6"
        )
    });
    Ok(on_db!(db, pool => {
        bind_scope!(sqlx::query_as(&SQL), scope).bind(BELOW_TARGET_SHOWN as i64).fetch_all(pool).await
    })?)
}

/// More answers by code than people came (or, before attendance was taken, than were
/// confirmed): a manager should look before trusting the session's rates. Read only at the
/// venues whose cells of the year (`$6`) count such a session, by `sessions_venue_starts_at_idx`.
const SUSPICIOUS: &str = "AND s.responses_code > s.attended_count AND s.responses_code > s.confirmed_count
     AND s.venue_id IN (SELECT c.venue_id FROM kpi_place_cells c WHERE c.fiscal_year = $6 AND c.flagged > 0)";

/// The sessions some shop supported, for the "by partner" lines: read from the links, not
/// from the year.
const SUPPORTED: &str = "AND s.id IN (SELECT sp.session_id FROM session_partners sp)";

/// The scope's flagged sessions (`SUSPICIOUS`) of fiscal year `fy`, in date order.
async fn flagged(db: &Db, scope: &Scope, fy: i32) -> AppResult<Vec<SessionTallyRow>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {SESSION_COLUMNS} FROM sessions s JOIN venues v ON v.id = s.venue_id
             WHERE {SCOPE_WHERE} {SUSPICIOUS} ORDER BY s.starts_at, s.id"
        )
    });
    Ok(on_db!(db, pool => bind_scope!(sqlx::query_as(SQL.as_str()), scope).bind(fy).fetch_all(pool).await)?)
}

/// Groups keyed by (sort order, code, label), summed.
type Groups = BTreeMap<(String, String, String), Tally>;

fn lines(groups: Groups) -> Vec<KpiLine> {
    groups.into_iter().map(|((_, key, label), tally)| KpiLine::new(key, label, tally)).collect()
}

/// The KPI report of a fiscal year (managers): the sums of its cells by place and by time
/// with their amends for the moment (one snapshot), and beside them, each on its own
/// connection, the sessions below target, flagged and partner-supported.
pub async fn report(
    db: &Db,
    viewer: &Viewer,
    filter: &KpiFilter,
    now: DateTime<Utc>,
    lang: Lang,
) -> AppResult<KpiReport> {
    viewer.require_manager()?;
    let fy = resolve_year(filter, now)?;
    let scope = scope(filter, fy)?;
    let months = fiscal_months(fy);
    let (sums, below, flagged, supported, wards) = tokio::try_join!(
        sums(db, &scope, fy, &months, now),
        below_target(db, &scope),
        flagged(db, &scope, fy),
        sessions_where(db, &scope, SUPPORTED),
        venues::store::wards(db),
    )?;
    Ok(KpiReport {
        below_target: below
            .into_iter()
            .map(|row| {
                let tally = row.tally(now);
                KpiLine::new(row.id.to_string(), row.title, tally)
            })
            .collect(),
        flagged: flagged
            .into_iter()
            .map(|row| FlaggedSession {
                session_id: row.id,
                title: row.title,
                answers_by_code: row.responses_code as i64,
                attended: row.attended_count as i64,
                confirmed: row.confirmed_count as i64,
            })
            .collect(),
        by_partner: super::partners::kpi_by_partner(db, fy, &supported, now, lang).await?,
        ..summarise(fy, sums, &months, &wards, lang)
    })
}

/// Sums the cells into the totals and every breakdown, with what has been held amended for
/// the report's moment; the lists of sessions and partners are left empty for the caller.
fn summarise(
    fy: i32,
    (mut places, mut times, amends): Sums,
    months: &[(String, DateTime<Utc>)],
    wards: &[venues::Ward],
    lang: Lang,
) -> KpiReport {
    let place_of: HashMap<(i64, SessionKind), usize> =
        places.iter().enumerate().map(|(i, c)| ((c.venue_id, c.kind), i)).collect();
    let time_of: HashMap<(Topic, i32), usize> =
        times.iter().enumerate().map(|(i, c)| ((c.topic, c.month), i)).collect();
    for a in &amends {
        if let Some(&i) = place_of.get(&(a.venue_id, a.kind)) {
            places[i].tally.confirmed_held += a.confirmed;
        }
        if let Some(&i) = time_of.get(&(a.topic, a.month)) {
            times[i].tally.confirmed_held += a.confirmed;
        }
    }
    let mut total = Tally::default();
    let mut below_target_total = 0;
    let (mut by_venue, mut by_ward, mut by_kind, mut by_topic, mut by_month) =
        (Groups::new(), Groups::new(), Groups::new(), Groups::new(), Groups::new());
    let bump = |map: &mut Groups, sort: String, key: String, label: String, t: &Tally| {
        map.entry((sort, key, label)).or_default().add(t)
    };
    for cell in &places {
        let t = &cell.tally;
        total.add(t);
        below_target_total += cell.below_target as usize;
        bump(&mut by_venue, format!("{:09}", cell.venue_id), cell.venue_id.to_string(), cell.name.clone(), t);
        let ward = wards.iter().position(|w| w.code == cell.ward).unwrap_or(usize::MAX);
        let ward_label = wards.get(ward).map(|w| w.name(lang).to_string()).unwrap_or_default();
        bump(&mut by_ward, format!("{ward:020}"), cell.ward.clone(), ward_label, t);
        bump(&mut by_kind, cell.kind.as_str().into(), cell.kind.as_str().into(), cell.kind.label(lang), t);
    }
    for cell in &times {
        let t = &cell.tally;
        bump(&mut by_topic, cell.topic.as_str().into(), cell.topic.as_str().into(), cell.topic.label(lang), t);
        let month = months[cell.month as usize].0.clone();
        bump(&mut by_month, month.clone(), month.clone(), month, t);
    }
    KpiReport {
        fiscal_year: fy,
        sessions: total.sessions,
        capacity: total.capacity,
        confirmed: total.confirmed,
        attended: total.attended,
        responses: total.responses,
        answers_by_code: total.responses_code,
        answers_on_paper: total.responses_paper,
        answers_by_staff: total.responses - total.responses_code - total.responses_paper,
        flagged: Vec::new(),
        comprehension_rate: total.comprehension(),
        satisfaction_rate: total.satisfaction(),
        attendance_rate: total.attendance(),
        fill_rate: total.fill(),
        target: TARGET,
        by_venue: lines(by_venue),
        by_ward: lines(by_ward),
        by_kind: lines(by_kind),
        by_topic: lines(by_topic),
        by_month: lines(by_month),
        by_partner: Vec::new(),
        below_target: Vec::new(),
        below_target_total,
    }
}

#[derive(sqlx::FromRow)]
pub struct AnswerRow {
    pub session_id: i64,
    pub starts_at: DateTime<Utc>,
    pub kind: SessionKind,
    pub topic: Topic,
    pub venue_name: String,
    pub comprehension: Option<i32>,
    pub satisfaction: Option<i32>,
    pub wants_online_services: Option<bool>,
    pub topics_wanted: String,
    pub comment: String,
}

/// Every survey answer of the scope's sessions, with no link to any person, read as it
/// is sent (for managers: the caller checks).
pub(super) fn answers<'a>(db: &'a Db, scope: &'a Scope) -> BoxStream<'a, Result<AnswerRow, sqlx::Error>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT a.session_id, s.starts_at, s.kind, s.topic, v.name AS venue_name, a.comprehension, a.satisfaction,
                    a.wants_online_services, a.topics_wanted, a.comment
             FROM survey_responses a JOIN sessions s ON s.id = a.session_id JOIN venues v ON v.id = s.venue_id
             WHERE {SCOPE_WHERE}
             ORDER BY s.starts_at, a.session_id, a.id"
        )
    });
    on_db!(db, pool => bind_scope!(sqlx::query_as(SQL.as_str()), scope).fetch(pool))
}

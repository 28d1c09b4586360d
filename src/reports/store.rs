//! The KPI report. Sessions carry their own tallies (kept by the registration and
//! survey transactions), which the report sums in SQL by venue, kind, topic and month
//! (Tokyo time, found by comparing with the months' first moments, the same SQL on both
//! backends); only the sessions it lists by name are read one row each.

use std::{collections::BTreeMap, sync::LazyLock};

use chrono::{DateTime, Utc};
use futures::stream::BoxStream;

use super::{FlaggedSession, KpiFilter, KpiLine, KpiReport, Tally, BELOW_TARGET_SHOWN, TARGET};
use crate::{
    domain::{FieldErrors, Problem, SessionKind, Topic},
    i18n::Lang,
    on_db,
    policy::Viewer,
    server::{
        db::Db,
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

/// The sessions of a year's tallies, summed in SQL (`Tally`'s names) where `$6` is now:
/// the report reads one row per cell, not one per session.
const TALLY_SUMS: &str = "COUNT(*) AS sessions, SUM(s.capacity) AS capacity, SUM(s.confirmed_count) AS confirmed,
    SUM(CASE WHEN s.ends_at <= $6 THEN s.confirmed_count ELSE 0 END) AS confirmed_held,
    SUM(s.attended_count) AS attended, SUM(s.responses) AS responses,
    SUM(s.comprehension_answers) AS comprehension_answers, SUM(s.comprehension_good) AS comprehension_good,
    SUM(s.satisfaction_answers) AS satisfaction_answers, SUM(s.satisfaction_good) AS satisfaction_good,
    SUM(s.responses_code) AS responses_code, SUM(s.responses_paper) AS responses_paper";

/// The sessions of one venue, kind, topic and month of the year (`month` 0 = April), summed.
#[derive(sqlx::FromRow)]
struct Cell {
    venue_id: i64,
    venue_name: String,
    ward: String,
    kind: SessionKind,
    topic: Topic,
    month: i32,
    #[sqlx(flatten)]
    tally: Tally,
}

/// The scope's cells. The month is found by comparing the start with the months' first
/// moments (`$7`…`$17`, May to March), which reads the same on both backends.
async fn cells(db: &Db, scope: &Scope, months: &[(String, DateTime<Utc>)], now: DateTime<Utc>) -> AppResult<Vec<Cell>> {
    let month = (1..months.len())
        .fold(String::from("CASE"), |sql, i| format!("{sql} WHEN s.starts_at < ${} THEN {}", i + 6, i - 1))
        + &format!(" ELSE {} END", months.len() - 1);
    let sql = format!(
        "SELECT s.venue_id, v.name AS venue_name, v.ward, s.kind, s.topic, {month} AS month, {TALLY_SUMS}
         FROM sessions s JOIN venues v ON v.id = s.venue_id
         WHERE {SCOPE_WHERE}
         GROUP BY 1, 2, 3, 4, 5, 6"
    );
    Ok(on_db!(db, pool => {
        let mut query = bind_scope!(sqlx::query_as(&sql), scope).bind(now);
        for (_, first) in &months[1..] {
            query = query.bind(*first);
        }
        query.fetch_all(pool).await
    })?)
}

/// A session of the scope with `matching`, how many sessions met the query's condition.
#[derive(sqlx::FromRow)]
struct Ranked {
    #[sqlx(flatten)]
    row: SessionTallyRow,
    matching: i64,
}

/// The scope's sessions below the target on comprehension or satisfaction (`Rate::below_target`,
/// the same division in SQL), the lowest rate first, at most `BELOW_TARGET_SHOWN`, and how
/// many there are in all.
async fn below_target(db: &Db, scope: &Scope) -> AppResult<(Vec<SessionTallyRow>, usize)> {
    let rate = |good: &str, answers: &str| {
        format!("CASE WHEN s.{answers} > 0 THEN CAST(s.{good} AS DOUBLE PRECISION) / s.{answers} END")
    };
    let sql = format!(
        "SELECT t.*, COUNT(*) OVER () AS matching FROM (
             SELECT {SESSION_COLUMNS}, {} AS c_rate, {} AS s_rate
             FROM sessions s JOIN venues v ON v.id = s.venue_id
             WHERE {SCOPE_WHERE}
         ) t
         WHERE t.c_rate < $6 OR t.s_rate < $6
         ORDER BY CASE WHEN t.c_rate IS NULL THEN t.s_rate WHEN t.s_rate IS NULL OR t.c_rate < t.s_rate THEN t.c_rate
                  ELSE t.s_rate END, t.starts_at, t.id
         LIMIT $7",
        rate("comprehension_good", "comprehension_answers"),
        rate("satisfaction_good", "satisfaction_answers"),
    );
    let ranked: Vec<Ranked> = on_db!(db, pool => {
        bind_scope!(sqlx::query_as(&sql), scope).bind(TARGET).bind(BELOW_TARGET_SHOWN as i64).fetch_all(pool).await
    })?;
    let total = ranked.first().map_or(0, |r| r.matching as usize);
    Ok((ranked.into_iter().map(|r| r.row).collect(), total))
}

/// More answers by code than people came (or, before attendance was taken, than were
/// confirmed): a manager should look before trusting the session's rates.
const SUSPICIOUS: &str = "AND s.responses_code > s.attended_count AND s.responses_code > s.confirmed_count";

/// The sessions some shop supported, for the "by partner" lines.
const SUPPORTED: &str = "AND EXISTS (SELECT 1 FROM session_partners sp WHERE sp.session_id = s.id)";

/// Groups keyed by (sort order, code, label), summed.
type Groups = BTreeMap<(String, String, String), Tally>;

fn lines(groups: Groups) -> Vec<KpiLine> {
    groups.into_iter().map(|((_, key, label), tally)| KpiLine::new(key, label, tally)).collect()
}

/// The KPI report of a fiscal year (managers): its cells, the sessions below target, the
/// flagged and the partner-supported ones, read at once on separate connections.
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
    let (cells, below, flagged, supported, wards) = tokio::try_join!(
        cells(db, &scope, &months, now),
        below_target(db, &scope),
        sessions_where(db, &scope, SUSPICIOUS),
        sessions_where(db, &scope, SUPPORTED),
        venues::store::wards(db),
    )?;
    let (below, below_target_total) = below;
    Ok(KpiReport {
        below_target: below
            .into_iter()
            .map(|row| {
                let tally = row.tally(now);
                KpiLine::new(row.id.to_string(), row.title, tally)
            })
            .collect(),
        below_target_total,
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
        ..summarise(fy, &cells, &months, &wards, lang)
    })
}

/// Sums the cells into the totals and every breakdown; the lists of sessions and partners
/// are left empty for the caller.
fn summarise(
    fy: i32,
    cells: &[Cell],
    months: &[(String, DateTime<Utc>)],
    wards: &[venues::Ward],
    lang: Lang,
) -> KpiReport {
    let mut total = Tally::default();
    let (mut by_venue, mut by_ward, mut by_kind, mut by_topic, mut by_month) =
        (Groups::new(), Groups::new(), Groups::new(), Groups::new(), Groups::new());
    for cell in cells {
        let t = &cell.tally;
        total.add(t);
        let bump = |map: &mut Groups, sort: String, key: String, label: String| {
            map.entry((sort, key, label)).or_default().add(t)
        };
        bump(&mut by_venue, format!("{:09}", cell.venue_id), cell.venue_id.to_string(), cell.venue_name.clone());
        let ward = wards.iter().position(|w| w.code == cell.ward).unwrap_or(usize::MAX);
        let ward_label = wards.get(ward).map(|w| w.name(lang).to_string()).unwrap_or_default();
        bump(&mut by_ward, format!("{ward:020}"), cell.ward.clone(), ward_label);
        bump(&mut by_kind, cell.kind.as_str().into(), cell.kind.as_str().into(), cell.kind.label(lang));
        bump(&mut by_topic, cell.topic.as_str().into(), cell.topic.as_str().into(), cell.topic.label(lang));
        let month = months[cell.month as usize].0.clone();
        bump(&mut by_month, month.clone(), month.clone(), month);
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
        below_target_total: 0,
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

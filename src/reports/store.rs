//! The KPI report. Sessions carry their own tallies (kept by the registration and
//! survey transactions), so a year's report reads one row per session and sums in Rust,
//! which also keeps month grouping (Tokyo time) out of dialect-specific SQL.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

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
    time::{fiscal_year, fiscal_year_bounds, to_tokyo},
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

    /// More answers by code than people came (or, before attendance was taken, than
    /// were confirmed): a manager should look before trusting its rates.
    pub fn suspicious(&self) -> bool {
        self.responses_code > self.attended_count.max(self.confirmed_count)
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
pub(super) struct Scope<'a> {
    pub(super) from: DateTime<Utc>,
    pub(super) to: DateTime<Utc>,
    pub(super) venue_id: Option<i64>,
    pub(super) ward: Option<&'a str>,
    pub(super) kind: Option<SessionKind>,
}

pub(super) const SCOPE_WHERE: &str = "s.starts_at >= $1 AND s.starts_at < $2 AND s.status <> 'cancelled'
     AND ($3 IS NULL OR s.venue_id = $3) AND ($4 IS NULL OR v.ward = $4) AND ($5 IS NULL OR s.kind = $5)";

macro_rules! bind_scope {
    ($query:expr, $scope:expr) => {
        $query.bind($scope.from).bind($scope.to).bind($scope.venue_id).bind($scope.ward).bind($scope.kind)
    };
}
pub(super) use bind_scope;

pub(super) fn scope(filter: &KpiFilter, fy: i32) -> AppResult<Scope<'_>> {
    let (from, to) = fiscal_year_bounds(fy);
    let kind = match filter.kind.as_deref().filter(|k| !k.is_empty()) {
        None => None,
        Some(code) => Some(SessionKind::parse(code).ok_or_else(|| {
            let mut errors = FieldErrors::default();
            errors.add("kind", Problem::new("error.choice"));
            AppError::Invalid(errors)
        })?),
    };
    Ok(Scope { from, to, venue_id: filter.venue_id, ward: filter.ward.as_deref().filter(|w| !w.is_empty()), kind })
}

/// Every held or scheduled (not cancelled) session of the fiscal year matching the filter.
pub async fn session_tallies(db: &Db, filter: &KpiFilter, fy: i32) -> AppResult<Vec<SessionTallyRow>> {
    let scope = scope(filter, fy)?;
    let sql = format!(
        "SELECT s.id, s.title, s.kind, s.topic, s.venue_id, v.name AS venue_name, v.ward, s.starts_at, s.ends_at,
                s.capacity, s.confirmed_count, s.attended_count, s.responses, s.comprehension_answers,
                s.comprehension_good, s.satisfaction_answers, s.satisfaction_good, s.responses_code, s.responses_paper
         FROM sessions s JOIN venues v ON v.id = s.venue_id
         WHERE {SCOPE_WHERE}
         ORDER BY s.starts_at, s.id"
    );
    Ok(on_db!(db, pool => bind_scope!(sqlx::query_as(&sql), scope).fetch_all(pool).await)?)
}

/// Groups keyed by (sort order, code, label), summed.
type Groups = BTreeMap<(String, String, String), Tally>;

fn lines(groups: Groups) -> Vec<KpiLine> {
    groups.into_iter().map(|((_, key, label), tally)| KpiLine::new(key, label, tally)).collect()
}

/// The KPI report of a fiscal year (managers).
pub async fn report(
    db: &Db,
    viewer: &Viewer,
    filter: &KpiFilter,
    now: DateTime<Utc>,
    lang: Lang,
) -> AppResult<KpiReport> {
    viewer.require_manager()?;
    let fy = resolve_year(filter, now)?;
    let rows = session_tallies(db, filter, fy).await?;
    let wards = venues::store::wards(db).await?;
    let mut report = summarise(fy, &rows, &wards, now, lang);
    report.by_partner = super::partners::kpi_by_partner(db, fy, &rows, now, lang).await?;
    Ok(report)
}

/// Sums the sessions into the totals and every breakdown.
pub fn summarise(
    fy: i32,
    rows: &[SessionTallyRow],
    wards: &[venues::Ward],
    now: DateTime<Utc>,
    lang: Lang,
) -> KpiReport {
    let mut total = Tally::default();
    let (mut by_venue, mut by_ward, mut by_kind, mut by_topic, mut by_month) =
        (Groups::new(), Groups::new(), Groups::new(), Groups::new(), Groups::new());
    let mut below = Vec::new();
    let mut flagged = Vec::new();
    for row in rows {
        let t = row.tally(now);
        total.add(&t);
        if row.suspicious() {
            flagged.push(FlaggedSession {
                session_id: row.id,
                title: row.title.clone(),
                answers_by_code: row.responses_code as i64,
                attended: row.attended_count as i64,
                confirmed: row.confirmed_count as i64,
            });
        }
        let bump = |map: &mut Groups, sort: String, key: String, label: String| {
            map.entry((sort, key, label)).or_default().add(&t)
        };
        bump(&mut by_venue, format!("{:09}", row.venue_id), row.venue_id.to_string(), row.venue_name.clone());
        let ward = wards.iter().position(|w| w.code == row.ward).unwrap_or(usize::MAX);
        let ward_label = wards.get(ward).map(|w| w.name(lang).to_string()).unwrap_or_default();
        bump(&mut by_ward, format!("{ward:020}"), row.ward.clone(), ward_label);
        bump(&mut by_kind, row.kind.as_str().into(), row.kind.as_str().into(), row.kind.label(lang));
        bump(&mut by_topic, row.topic.as_str().into(), row.topic.as_str().into(), row.topic.label(lang));
        let month = to_tokyo(row.starts_at).format("%Y-%m").to_string();
        bump(&mut by_month, month.clone(), month.clone(), month);
        if t.comprehension().below_target() || t.satisfaction().below_target() {
            below.push(KpiLine::new(row.id.to_string(), row.title.clone(), t));
        }
    }
    let below_target_total = below.len();
    let lowest = |l: &KpiLine| {
        [l.comprehension_rate.value, l.satisfaction_rate.value].into_iter().flatten().fold(f64::INFINITY, f64::min)
    };
    below.sort_by(|a, b| lowest(a).total_cmp(&lowest(b)));
    below.truncate(BELOW_TARGET_SHOWN);
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
        flagged,
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
        below_target: below,
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

/// Every survey answer of the year's sessions, with no link to any person (managers).
pub async fn answers(db: &Db, viewer: &Viewer, filter: &KpiFilter, fy: i32) -> AppResult<Vec<AnswerRow>> {
    viewer.require_manager()?;
    let scope = scope(filter, fy)?;
    let sql = format!(
        "SELECT a.session_id, s.starts_at, s.kind, s.topic, v.name AS venue_name, a.comprehension, a.satisfaction,
                a.wants_online_services, a.topics_wanted, a.comment
         FROM survey_responses a JOIN sessions s ON s.id = a.session_id JOIN venues v ON v.id = s.venue_id
         WHERE {SCOPE_WHERE}
         ORDER BY s.starts_at, a.session_id, a.id"
    );
    Ok(on_db!(db, pool => bind_scope!(sqlx::query_as(&sql), scope).fetch_all(pool).await)?)
}

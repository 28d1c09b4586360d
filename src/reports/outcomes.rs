//! The outcome report: of the follow-ups answered, how many attendees used at least one
//! of the city's digital services since the course (the usage rate), against the current
//! plan's target and the city-wide baseline, with the same breakdowns as the KPI report.
//! Summed from the cells the database keeps by the report's keys (migrations 0020, 0022
//! and 0023): by place (fiscal year, venue, kind, topic), by person (fiscal year, kind, age
//! band, device), by partner (fiscal year, partner, venue, kind) and by choice (fiscal
//! year, kind, choice) — a few thousand a year at a city, some 35,000 at a nation, however
//! many follow-ups there were. Only a report narrowed to one venue or ward reads follow-up
//! tallies: that place's, for its age bands, devices and choices.

use std::{
    collections::{BTreeMap, HashMap},
    sync::LazyLock,
};

use chrono::{DateTime, Utc};
use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};

use super::{
    store::{
        bind_scope, cell_sums, resolve_year, scope, Scope, SessionTallyRow, CELLS_WHERE, SCOPE_WHERE, SESSION_COLUMNS,
    },
    KpiFilter, Rate,
};
use crate::{
    domain::{AgeBand, SessionKind, Topic},
    followups::{self, ChoiceKind},
    i18n::Lang,
    on_db, partners,
    policy::Viewer,
    server::{db::Db, error::AppResult},
    venues,
};

/// The target of the city's DX plan (FY2025–2027) for デジタル・デバイド対策:
/// デジタル導入した市民サービスの市民利用率 80% by FY2027.
pub const USAGE_TARGET: f64 = 0.80;
/// The same rate city-wide in the FY2024 city survey (62.0%): what the programme's
/// attendees are compared with.
pub const USAGE_BASELINE: f64 = 0.62;

/// Follow-ups counted over a set of attendees.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct OutcomeTally {
    /// Follow-ups queued (asked by mail or put on the call list).
    pub sent: i64,
    pub answered: i64,
    /// Answers with at least one service used.
    pub used: i64,
    /// Of `used`: on their own, without help.
    pub on_own: i64,
    /// Not answered: closed after the calls went unanswered, or declined.
    pub unreachable: i64,
    pub declined: i64,
}

impl OutcomeTally {
    pub fn usage(&self) -> Rate {
        Rate::of(self.used, self.answered)
    }

    pub fn response(&self) -> Rate {
        Rate { too_few: false, ..Rate::of(self.answered, self.sent) }
    }

    pub fn add(&mut self, o: &OutcomeTally) {
        self.sent += o.sent;
        self.answered += o.answered;
        self.used += o.used;
        self.on_own += o.on_own;
        self.unreachable += o.unreachable;
        self.declined += o.declined;
    }
}

/// One line of a breakdown: a topic, venue, ward, kind, partner, age band or device.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutcomeLine {
    pub key: String,
    pub label: String,
    #[serde(flatten)]
    pub tally: OutcomeTally,
    pub usage_rate: Rate,
    pub response_rate: Rate,
}

impl OutcomeLine {
    fn new(key: String, label: String, tally: OutcomeTally) -> OutcomeLine {
        OutcomeLine { key, label, usage_rate: tally.usage(), response_rate: tally.response(), tally }
    }
}

/// How often one choice was ticked, of the answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChoiceCount {
    pub code: String,
    pub label: String,
    pub count: i64,
    /// For a service: of `count`, used without help.
    pub on_own: i64,
    /// `count` ÷ the answers.
    pub share: Rate,
}

/// `GET /api/v1/reports/outcomes`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutcomeReport {
    pub fiscal_year: i32,
    pub target: f64,
    pub baseline: f64,
    pub followups_sent: i64,
    pub answered: i64,
    pub unreachable: i64,
    pub declined: i64,
    pub response_rate: Rate,
    pub usage_rate: Rate,
    /// Of those who used a service, the share who did it on their own.
    pub on_own_rate: Rate,
    pub by_service: Vec<ChoiceCount>,
    pub by_barrier: Vec<ChoiceCount>,
    pub by_topic: Vec<OutcomeLine>,
    pub by_venue: Vec<OutcomeLine>,
    pub by_ward: Vec<OutcomeLine>,
    pub by_kind: Vec<OutcomeLine>,
    pub by_partner: Vec<OutcomeLine>,
    pub by_age_band: Vec<OutcomeLine>,
    /// Owned a smartphone before the course, used a loaner, or neither.
    pub by_device: Vec<OutcomeLine>,
}

/// The follow-ups of the sessions of one venue, kind and topic.
#[derive(sqlx::FromRow)]
struct PlaceRow {
    venue_id: i64,
    /// The venue's name.
    name: String,
    ward: String,
    kind: SessionKind,
    topic: Topic,
    #[sqlx(flatten)]
    tally: OutcomeTally,
}

/// The follow-ups of the attendees of one age band and device.
#[derive(sqlx::FromRow)]
struct PersonRow {
    age_band: AgeBand,
    device: String,
    #[sqlx(flatten)]
    tally: OutcomeTally,
}

/// The follow-ups of the sessions one partner took part in.
#[derive(sqlx::FromRow)]
struct PartnerRow {
    partner_id: i64,
    #[sqlx(flatten)]
    tally: OutcomeTally,
}

/// The device an attendee came with: their own smartphone, a loaner, or neither (the
/// `device` of `followup_tallies`).
fn device(has_smartphone: bool, needs_loaner: bool) -> &'static str {
    match (has_smartphone, needs_loaner) {
        (true, _) => "own",
        (false, true) => "loaner",
        (false, false) => "none",
    }
}

/// The sums of the follow-up counts of `from` (a tally or cell table aliased `t`, with
/// its joins) grouped by `key`, narrowed by `filter`.
fn sums_sql(key: &str, from: &str, filter: &str) -> String {
    format!(
        "SELECT {key}, SUM(t.sent) AS sent, SUM(t.answered) AS answered, SUM(t.used) AS used, SUM(t.on_own) AS on_own,
                SUM(t.unreachable) AS unreachable, SUM(t.declined) AS declined
         FROM {from}
         WHERE {filter}
         GROUP BY {key}"
    )
}

/// The rows of `key`'s sums from the whole year's `cells` (aliased `t`, bound by fiscal
/// year and kind, `$1` and `$2`), or, for a report narrowed to a venue or ward, from the
/// `tallies` of that place's sessions (aliased `t`, joined to `sessions s` and `venues v`,
/// bound by the scope): cells by venue would be one per session and attendee group at a
/// nation's scale, and a place's own tallies are few.
async fn cells_or_tallies<T>(db: &Db, scope: &Scope, fy: i32, cells: &str, tallies: &str) -> AppResult<Vec<T>>
where
    T: Send
        + Unpin
        + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
{
    if !scope.one_place() {
        return Ok(on_db!(db, pool => sqlx::query_as(cells).bind(fy).bind(scope.kind).fetch_all(pool).await)?);
    }
    Ok(on_db!(db, pool => bind_scope!(sqlx::query_as(tallies), scope).fetch_all(pool).await)?)
}

/// The whole year's cells of one kind (`$2`, or all), for `cells_or_tallies`.
const YEAR_AND_KIND: &str = "t.fiscal_year = $1 AND ($2 IS NULL OR t.kind = $2)";

/// The follow-ups by age band and device (`outcome_person_cells`, or a place's
/// `followup_tallies`).
async fn people(db: &Db, scope: &Scope, fy: i32) -> AppResult<Vec<PersonRow>> {
    static CELLS: LazyLock<String> =
        LazyLock::new(|| sums_sql("t.age_band, t.device", "outcome_person_cells t", YEAR_AND_KIND));
    static TALLIES: LazyLock<String> = LazyLock::new(|| {
        let from = "followup_tallies t JOIN sessions s ON s.id = t.session_id JOIN venues v ON v.id = s.venue_id";
        sums_sql("t.age_band, t.device", from, SCOPE_WHERE)
    });
    cells_or_tallies(db, scope, fy, &CELLS, &TALLIES).await
}

/// The services and barriers ticked, by choice (`outcome_ticked_cells`, or a place's
/// `followup_choice_tallies`, whose `kind` is the choice's).
async fn ticked(db: &Db, scope: &Scope, fy: i32) -> AppResult<Vec<(ChoiceKind, String, i64, i64)>> {
    static CELLS: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT t.choice_kind, t.code, SUM(t.count) AS count, SUM(t.on_own) AS on_own
             FROM outcome_ticked_cells t WHERE {YEAR_AND_KIND} GROUP BY t.choice_kind, t.code"
        )
    });
    static TALLIES: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT t.kind AS choice_kind, t.code, SUM(t.count) AS count, SUM(t.on_own) AS on_own
             FROM followup_choice_tallies t JOIN sessions s ON s.id = t.session_id JOIN venues v ON v.id = s.venue_id
             WHERE {SCOPE_WHERE} GROUP BY t.kind, t.code"
        )
    });
    cells_or_tallies(db, scope, fy, &CELLS, &TALLIES).await
}

/// The outcome report of a fiscal year (managers). Reads the cells the database keeps
/// (`outcome_place_cells`, `outcome_person_cells`, `outcome_partner_cells`,
/// `outcome_ticked_cells`): four sums, read at once.
pub async fn report(
    db: &Db,
    viewer: &Viewer,
    filter: &KpiFilter,
    now: DateTime<Utc>,
    lang: Lang,
) -> AppResult<OutcomeReport> {
    viewer.require_manager()?;
    let fy = resolve_year(filter, now)?;
    let scope = scope(filter, fy)?;
    // A place cell is one line of each place breakdown already: read as it is, not grouped.
    static PLACES: LazyLock<String> = LazyLock::new(|| {
        let counts = ["sent", "answered", "used", "on_own", "unreachable", "declined"]
            .map(|c| format!("CAST(t.{c} AS BIGINT) AS {c}"));
        format!(
            "SELECT t.venue_id, v.name, v.ward, t.kind, t.topic, {}
             FROM outcome_place_cells t JOIN venues v ON v.id = t.venue_id WHERE {CELLS_WHERE}",
            counts.join(", ")
        )
    });
    static PARTNERS: LazyLock<String> = LazyLock::new(|| {
        sums_sql("t.partner_id", "outcome_partner_cells t JOIN venues v ON v.id = t.venue_id", CELLS_WHERE)
    });
    // The four sums at once, each on its own connection.
    let (places, people, partners, ticked, wards, partner_list, choices) = tokio::try_join!(
        cell_sums::<PlaceRow>(db, &PLACES, fy, &scope),
        people(db, &scope, fy),
        cell_sums::<PartnerRow>(db, &PARTNERS, fy, &scope),
        ticked(db, &scope, fy),
        venues::store::wards(db),
        partners::store::list(db),
        followups::store::choices(db),
    )?;
    let context = Context { wards, partners: partner_list, choices };
    Ok(summarise(fy, &places, &people, &partners, &ticked, &context, lang))
}

/// A session of the per-session exports: its tallies and its follow-ups summed (all 0
/// when it has none).
#[derive(sqlx::FromRow)]
pub struct SessionLine {
    #[sqlx(flatten)]
    pub session: SessionTallyRow,
    #[sqlx(flatten)]
    pub followups: OutcomeTally,
}

/// The scope's sessions in date order, each with its follow-ups, read as they are sent
/// (the per-session exports; the caller decides who may read them). One grouped read: a
/// session's follow-up tallies (one per age band and device) summed beside its row.
pub(super) fn session_lines<'a>(db: &'a Db, scope: &'a Scope) -> BoxStream<'a, Result<SessionLine, sqlx::Error>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        let sums = ["sent", "answered", "used", "on_own", "unreachable", "declined"]
            .map(|c| format!("COALESCE(SUM(t.{c}), 0) AS {c}"))
            .join(", ");
        format!(
            "SELECT {SESSION_COLUMNS}, {sums}
             FROM sessions s JOIN venues v ON v.id = s.venue_id LEFT JOIN followup_tallies t ON t.session_id = s.id
             WHERE {SCOPE_WHERE}
             GROUP BY s.id, v.id
             ORDER BY s.starts_at, s.id"
        )
    });
    on_db!(db, pool => bind_scope!(sqlx::query_as(SQL.as_str()), scope).fetch(pool))
}

/// One answered follow-up, with nothing that names the person (the answers export).
#[derive(sqlx::FromRow)]
pub struct AnswerRow {
    pub session_id: i64,
    pub starts_at: DateTime<Utc>,
    pub kind: crate::domain::SessionKind,
    pub topic: crate::domain::Topic,
    pub venue_name: String,
    pub round: i32,
    pub age_band: AgeBand,
    pub has_smartphone: bool,
    pub needs_loaner: bool,
    pub source: String,
    pub services_used: String,
    pub with_help: Option<bool>,
    pub barriers: String,
    pub comment: String,
}

impl AnswerRow {
    /// The device the attendee came with (`own`, `loaner`, `none`).
    pub fn device(&self) -> &'static str {
        device(self.has_smartphone, self.needs_loaner)
    }
}

/// Every answered follow-up of the scope's sessions, read as it is sent (for managers:
/// the caller checks).
pub(super) fn answers<'a>(db: &'a Db, scope: &'a Scope) -> BoxStream<'a, Result<AnswerRow, sqlx::Error>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT f.session_id, s.starts_at, s.kind, s.topic, v.name AS venue_name, f.round, r.age_band,
                    r.has_smartphone, r.needs_loaner, f.source, f.services_used, f.with_help, f.barriers, f.comment
             FROM followups f JOIN registrations r ON r.id = f.registration_id
               JOIN sessions s ON s.id = f.session_id JOIN venues v ON v.id = s.venue_id
             WHERE f.answered_at IS NOT NULL AND {SCOPE_WHERE}
             ORDER BY s.starts_at, f.session_id, f.answered_at, f.id"
        )
    });
    on_db!(db, pool => bind_scope!(sqlx::query_as(SQL.as_str()), scope).fetch(pool))
}

/// What the breakdowns are labelled with.
struct Context {
    wards: Vec<venues::Ward>,
    partners: Vec<partners::Partner>,
    choices: Vec<followups::Choice>,
}

/// Groups keyed by (sort order, code, label), summed.
type Groups = BTreeMap<(String, String, String), OutcomeTally>;

fn lines(groups: Groups) -> Vec<OutcomeLine> {
    groups.into_iter().map(|((_, key, label), tally)| OutcomeLine::new(key, label, tally)).collect()
}

fn summarise(
    fy: i32,
    places: &[PlaceRow],
    people: &[PersonRow],
    partners: &[PartnerRow],
    ticked: &[(ChoiceKind, String, i64, i64)],
    cx: &Context,
    lang: Lang,
) -> OutcomeReport {
    let mut total = OutcomeTally::default();
    let [mut by_topic, mut by_venue, mut by_ward, mut by_kind, mut by_partner, mut by_age, mut by_device] =
        std::array::from_fn(|_| Groups::new());
    // A cell a session moved out of stays behind at zero: it is no line.
    let counted = |t: &OutcomeTally| *t != OutcomeTally::default();
    // The place cells (tens of thousands at a nation's scale) are summed by plain keys
    // first, and each line labelled once.
    let mut topics: HashMap<Topic, OutcomeTally> = HashMap::new();
    let mut kinds: HashMap<SessionKind, OutcomeTally> = HashMap::new();
    let mut venues: HashMap<i64, (&PlaceRow, OutcomeTally)> = HashMap::new();
    for g in places.iter().filter(|g| counted(&g.tally)) {
        total.add(&g.tally);
        topics.entry(g.topic).or_default().add(&g.tally);
        kinds.entry(g.kind).or_default().add(&g.tally);
        venues.entry(g.venue_id).or_insert_with(|| (g, OutcomeTally::default())).1.add(&g.tally);
    }
    for (topic, t) in &topics {
        by_topic.entry((topic.as_str().into(), topic.as_str().into(), topic.label(lang))).or_default().add(t);
    }
    for (kind, t) in &kinds {
        by_kind.entry((kind.as_str().into(), kind.as_str().into(), kind.label(lang))).or_default().add(t);
    }
    for (g, t) in venues.values() {
        by_venue.entry((format!("{:09}", g.venue_id), g.venue_id.to_string(), g.name.clone())).or_default().add(t);
        let ward = cx.wards.iter().position(|w| w.code == g.ward).unwrap_or(usize::MAX);
        let ward_label = cx.wards.get(ward).map(|w| w.name(lang).to_string()).unwrap_or_default();
        by_ward.entry((format!("{ward:020}"), g.ward.clone(), ward_label)).or_default().add(t);
    }
    for g in partners.iter().filter(|g| counted(&g.tally)) {
        if let Some(p) = cx.partners.iter().find(|p| p.id == g.partner_id) {
            by_partner.entry((format!("{:09}", p.id), p.id.to_string(), p.name.clone())).or_default().add(&g.tally);
        }
    }
    for g in people.iter().filter(|g| counted(&g.tally)) {
        let t = &g.tally;
        let age = AgeBand::ALL.iter().position(|a| *a == g.age_band).unwrap_or_default();
        by_age.entry((format!("{age:02}"), g.age_band.as_str().into(), g.age_band.label(lang))).or_default().add(t);
        let label = lang.tr(&format!("outcomes.device_{}", g.device));
        by_device.entry((g.device.clone(), g.device.clone(), label)).or_default().add(t);
    }
    let count = |kind: ChoiceKind| -> Vec<ChoiceCount> {
        // A choice no longer asked still shows what was answered with it.
        cx.choices
            .iter()
            .filter(|c| c.kind == kind)
            .filter_map(|c| {
                let (n, on_own) =
                    ticked.iter().find(|(k, code, _, _)| *k == kind && *code == c.code).map_or((0, 0), |t| (t.2, t.3));
                (c.active || n > 0).then(|| ChoiceCount {
                    code: c.code.clone(),
                    label: c.label(lang).to_string(),
                    count: n,
                    on_own,
                    share: Rate::of(n, total.answered),
                })
            })
            .collect()
    };
    OutcomeReport {
        fiscal_year: fy,
        target: USAGE_TARGET,
        baseline: USAGE_BASELINE,
        followups_sent: total.sent,
        answered: total.answered,
        unreachable: total.unreachable,
        declined: total.declined,
        response_rate: total.response(),
        usage_rate: total.usage(),
        on_own_rate: Rate::of(total.on_own, total.used),
        by_service: count(ChoiceKind::Service),
        by_barrier: count(ChoiceKind::Barrier),
        by_topic: lines(by_topic),
        by_venue: lines(by_venue),
        by_ward: lines(by_ward),
        by_kind: lines(by_kind),
        by_partner: lines(by_partner),
        by_age_band: lines(by_age),
        by_device: lines(by_device),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usage_rate_counts_answers_only() {
        let t = OutcomeTally { sent: 10, answered: 5, used: 4, on_own: 1, unreachable: 3, declined: 2 };
        assert_eq!(t.usage().value, Some(0.8));
        assert_eq!(t.usage().n, 5);
        assert!(!t.usage().too_few);
        assert_eq!(t.response().value, Some(0.5));
        assert_eq!(device(true, true), "own");
        assert_eq!(device(false, true), "loaner");
        assert_eq!(device(false, false), "none");
    }
}

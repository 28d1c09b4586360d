//! `GET /api/v1/reports/kpi`, `GET /api/v1/reports/partners` and the CSV exports
//! (UTF-8 with BOM, for Excel).

use axum::{
    extract::{Query, State},
    response::Response,
    Json,
};
use chrono::Utc;
use serde::Deserialize;

use super::{partners::PartnerReport, store, KpiFilter, KpiReport};
use crate::{
    i18n::Lang,
    server::{
        api::{query_number, Authed},
        download::csv_spooled,
        error::{request_lang, AppResult},
        routing::Routes,
        state::AppState,
    },
    time::to_tokyo,
};

pub fn routes() -> Routes {
    Routes::new()
        .get("/reports/kpi", kpi)
        .get("/reports/outcomes", outcome_report)
        .get("/reports/partners", partner_report)
}

/// Exports for managers (logged in by cookie or token) and the public open-data file.
pub fn export_routes() -> Routes {
    Routes::new()
        .get("/manage/exports/sessions.csv", sessions_csv)
        .get("/manage/exports/survey-answers.csv", answers_csv)
        .get("/manage/exports/followup-answers.csv", followup_answers_csv)
        .get("/open-data/sessions.csv", open_data_csv)
}

/// The report filter as a query string. Every parameter may be empty (`venue_id=`), which
/// means "no filter", as the dashboard's own links send it.
#[derive(Deserialize)]
struct KpiQuery {
    fiscal_year: Option<String>,
    venue_id: Option<String>,
    ward: Option<String>,
    kind: Option<String>,
}

impl KpiQuery {
    fn filter(self) -> AppResult<KpiFilter> {
        Ok(KpiFilter {
            fiscal_year: query_number("fiscal_year", self.fiscal_year.as_deref())?,
            venue_id: query_number("venue_id", self.venue_id.as_deref())?,
            ward: self.ward,
            kind: self.kind,
        })
    }
}

async fn kpi(
    State(state): State<AppState>,
    Authed(viewer): Authed,
    Query(q): Query<KpiQuery>,
) -> AppResult<Json<KpiReport>> {
    Ok(Json(store::report(&state.db, &viewer, &q.filter()?, Utc::now(), request_lang()).await?))
}

async fn outcome_report(
    State(state): State<AppState>,
    Authed(viewer): Authed,
    Query(q): Query<KpiQuery>,
) -> AppResult<Json<super::outcomes::OutcomeReport>> {
    Ok(Json(super::outcomes::report(&state.db, &viewer, &q.filter()?, Utc::now(), request_lang()).await?))
}

async fn partner_report(
    State(state): State<AppState>,
    Authed(viewer): Authed,
    Query(q): Query<KpiQuery>,
) -> AppResult<Json<PartnerReport>> {
    Ok(Json(super::partners::report(&state.db, &viewer, &q.filter()?, Utc::now(), request_lang()).await?))
}

/// A time as the day it falls on in Tokyo (`2026-12-05`).
fn day_cell(t: chrono::DateTime<Utc>) -> String {
    to_tokyo(t).format("%Y-%m-%d").to_string()
}

/// `yes`, `no`, or empty when not answered.
fn yes_no_cell(v: Option<bool>) -> String {
    v.map(|v| if v { "yes" } else { "no" }.to_string()).unwrap_or_default()
}

fn rate_cell(rate: &super::Rate) -> String {
    rate.value.map(|v| format!("{v:.4}")).unwrap_or_default()
}

/// The per-session export (managers' and open data's) of `scope`'s sessions, with their
/// counts and rates, spooled while read (`csv_spooled`). The usage rate of a session's follow-ups is left
/// blank over fewer than `MIN_ANSWERS` answers: in open data a session's one or two
/// answers would tell what those people said. Labels in Japanese, as the city publishes.
async fn session_export(state: &AppState, fy: i32, scope: store::Scope, filename: &str) -> AppResult<Response> {
    let header = [
        "session_id",
        "fiscal_year",
        "date",
        "kind",
        "topic",
        "title",
        "venue",
        "ward",
        "capacity",
        "confirmed",
        "attended",
        "responses",
        "comprehension_n",
        "comprehension_rate",
        "satisfaction_n",
        "satisfaction_rate",
        "attendance_rate",
        "fill_rate",
        "followups_sent",
        "followups_answered",
        "usage_rate",
    ];
    let now = Utc::now();
    csv_spooled(filename, &header, super::outcomes::session_lines(&state.db, &scope), |line| {
        let (r, o) = (line.session, line.followups);
        let t = r.tally(now);
        let usage = o.usage();
        [
            r.id.to_string(),
            fy.to_string(),
            day_cell(r.starts_at),
            r.kind.label(Lang::Ja),
            r.topic.label(Lang::Ja),
            r.title,
            r.venue_name,
            r.ward,
            t.capacity.to_string(),
            t.confirmed.to_string(),
            t.attended.to_string(),
            t.responses.to_string(),
            t.comprehension_answers.to_string(),
            rate_cell(&t.comprehension()),
            t.satisfaction_answers.to_string(),
            rate_cell(&t.satisfaction()),
            rate_cell(&t.attendance()),
            rate_cell(&t.fill()),
            o.sent.to_string(),
            o.answered.to_string(),
            if usage.too_few { String::new() } else { rate_cell(&usage) },
        ]
    })
    .await
}

/// The fiscal year and the sessions an export of `q` covers; a bad filter is refused
/// here, before anything is sent.
fn export_scope(q: KpiQuery) -> AppResult<(i32, store::Scope)> {
    let filter = q.filter()?;
    let fy = store::resolve_year(&filter, Utc::now())?;
    Ok((fy, store::scope(&filter, fy)?))
}

async fn sessions_csv(
    State(state): State<AppState>,
    Authed(viewer): Authed,
    Query(q): Query<KpiQuery>,
) -> AppResult<Response> {
    viewer.require_manager()?;
    let (fy, scope) = export_scope(q)?;
    session_export(&state, fy, scope, &format!("ippo-sessions-fy{fy}.csv")).await
}

async fn open_data_csv(State(state): State<AppState>, Query(q): Query<KpiQuery>) -> AppResult<Response> {
    // Open data: counts and rates per session; titles and places are public already, people are not in it.
    let (fy, scope) = export_scope(q)?;
    // Named as open data is: the body's 全国地方公共団体コード first (401005_…).
    let prefix = crate::city::store::cached(&state).await?.file_prefix();
    session_export(&state, fy, scope, &format!("{prefix}digital_divide_sessions_fy{fy}.csv")).await
}

async fn answers_csv(
    State(state): State<AppState>,
    Authed(viewer): Authed,
    Query(q): Query<KpiQuery>,
) -> AppResult<Response> {
    let header = [
        "session_id",
        "date",
        "kind",
        "topic",
        "venue",
        "comprehension",
        "satisfaction",
        "wants_online_services",
        "topics_wanted",
        "comment",
    ];
    viewer.require_manager()?;
    let (fy, scope) = export_scope(q)?;
    let name = format!("ippo-survey-answers-fy{fy}.csv");
    csv_spooled(&name, &header, store::answers(&state.db, &scope), |a| {
        let cell = |v: Option<i32>| v.map(|v| v.to_string()).unwrap_or_default();
        [
            a.session_id.to_string(),
            day_cell(a.starts_at),
            a.kind.as_str().into(),
            a.topic.as_str().into(),
            a.venue_name,
            cell(a.comprehension),
            cell(a.satisfaction),
            yes_no_cell(a.wants_online_services),
            a.topics_wanted,
            a.comment,
        ]
    })
    .await
}

/// The answered follow-ups of the year, one line each, without personal data: the
/// session, the attendee's age band and device, and what they answered.
async fn followup_answers_csv(
    State(state): State<AppState>,
    Authed(viewer): Authed,
    Query(q): Query<KpiQuery>,
) -> AppResult<Response> {
    let header = [
        "session_id",
        "date",
        "kind",
        "topic",
        "venue",
        "round",
        "age_band",
        "device",
        "answered_by",
        "services_used",
        "with_help",
        "barriers",
        "comment",
    ];
    viewer.require_manager()?;
    let (fy, scope) = export_scope(q)?;
    let name = format!("ippo-followup-answers-fy{fy}.csv");
    csv_spooled(&name, &header, super::outcomes::answers(&state.db, &scope), |a| {
        let device = a.device();
        [
            a.session_id.to_string(),
            day_cell(a.starts_at),
            a.kind.as_str().into(),
            a.topic.as_str().into(),
            a.venue_name,
            a.round.to_string(),
            a.age_band.as_str().into(),
            device.into(),
            a.source,
            a.services_used,
            yes_no_cell(a.with_help),
            a.barriers,
            a.comment,
        ]
    })
    .await
}

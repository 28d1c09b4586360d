//! `GET /api/v1/reports/kpi` and the CSV exports (UTF-8 with BOM, for Excel).

use axum::{
    extract::{Query, State},
    http::header,
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use chrono::Utc;
use serde::Deserialize;

use super::{store, KpiFilter, KpiReport};
use crate::{
    i18n::Lang,
    server::{
        api::Authed,
        error::{AppError, AppResult},
        state::AppState,
    },
    time::to_tokyo,
};

pub fn routes() -> Router<AppState> {
    Router::new().route("/reports/kpi", get(kpi))
}

/// Exports for managers (logged in by cookie or token) and the public open-data file.
pub fn export_routes() -> Router<AppState> {
    Router::new()
        .route("/manage/exports/sessions.csv", get(sessions_csv))
        .route("/manage/exports/survey-answers.csv", get(answers_csv))
        .route("/open-data/sessions.csv", get(open_data_csv))
}

/// The report filter as a query string; the partner report reads it too.
#[derive(Deserialize)]
pub(crate) struct KpiQuery {
    fiscal_year: Option<String>,
    venue_id: Option<i64>,
    ward: Option<String>,
    kind: Option<String>,
}

impl KpiQuery {
    pub(crate) fn filter(self) -> AppResult<KpiFilter> {
        let fiscal_year = match self.fiscal_year.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(fy) => Some(fy.parse().map_err(|_| {
                let mut errors = crate::domain::FieldErrors::default();
                errors.add("fiscal_year", crate::domain::Problem::new("error.number"));
                AppError::Invalid(errors)
            })?),
        };
        Ok(KpiFilter { fiscal_year, venue_id: self.venue_id, ward: self.ward, kind: self.kind })
    }
}

async fn kpi(State(state): State<AppState>, Authed(viewer): Authed, Query(q): Query<KpiQuery>) -> AppResult<Json<KpiReport>> {
    viewer.require_manager()?;
    let lang = crate::server::error::request_lang();
    Ok(Json(store::report(&state.db, &q.filter()?, Utc::now(), lang).await?))
}

/// A CSV download for Excel: UTF-8 with a byte-order mark.
pub(crate) fn csv_response(filename: &str, rows: Vec<Vec<String>>) -> AppResult<Response> {
    // Excel opens UTF-8 correctly only with a byte-order mark.
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        for row in rows {
            writer.write_record(row).map_err(anyhow::Error::from)?;
        }
        writer.flush().map_err(anyhow::Error::from)?;
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        ],
        out,
    )
        .into_response())
}

fn rate_cell(rate: &super::Rate) -> String {
    rate.value.map(|v| format!("{v:.4}")).unwrap_or_default()
}

/// Sessions with their counts and rates; `with_titles` adds what only managers need.
async fn session_rows(state: &AppState, filter: &KpiFilter, lang: Lang) -> AppResult<(i32, Vec<Vec<String>>)> {
    let now = Utc::now();
    let fy = store::resolve_year(filter, now)?;
    let tallies = store::session_tallies(&state.db, filter, fy).await?;
    let mut rows = vec![[
        "session_id", "fiscal_year", "date", "kind", "topic", "title", "venue", "ward", "capacity", "confirmed",
        "attended", "responses", "comprehension_n", "comprehension_rate", "satisfaction_n", "satisfaction_rate",
        "attendance_rate", "fill_rate",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()];
    for r in &tallies {
        let t = r.tally(now);
        rows.push(vec![
            r.id.to_string(),
            fy.to_string(),
            to_tokyo(r.starts_at).format("%Y-%m-%d").to_string(),
            r.kind.label(lang),
            r.topic.label(lang),
            r.title.clone(),
            r.venue_name.clone(),
            r.ward.clone(),
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
        ]);
    }
    Ok((fy, rows))
}

/// A manager by bearer token or login cookie.
fn manager_of(parts: &axum::http::request::Parts) -> AppResult<()> {
    parts.extensions.get::<crate::accounts::Viewer>().ok_or(AppError::Unauthorized)?.require_manager()
}

async fn sessions_csv(State(state): State<AppState>, req: axum::extract::Request) -> AppResult<Response> {
    let (parts, _) = req.into_parts();
    manager_of(&parts)?;
    let q: KpiQuery = Query::try_from_uri(&parts.uri).map_err(|_| AppError::BadRequest(crate::domain::Problem::new("error.filter")))?.0;
    let (fy, rows) = session_rows(&state, &q.filter()?, Lang::Ja).await?;
    csv_response(&format!("ippo-sessions-fy{fy}.csv"), rows)
}

async fn open_data_csv(State(state): State<AppState>, Query(q): Query<KpiQuery>) -> AppResult<Response> {
    // Open data: counts and rates per session; titles and places are public already, people are not in it.
    let (fy, rows) = session_rows(&state, &q.filter()?, Lang::Ja).await?;
    csv_response(&format!("kitakyushu-digital-divide-sessions-fy{fy}.csv"), rows)
}

async fn answers_csv(State(state): State<AppState>, req: axum::extract::Request) -> AppResult<Response> {
    let (parts, _) = req.into_parts();
    manager_of(&parts)?;
    let q: KpiQuery = Query::try_from_uri(&parts.uri).map_err(|_| AppError::BadRequest(crate::domain::Problem::new("error.filter")))?.0;
    let filter = q.filter()?;
    let fy = store::resolve_year(&filter, Utc::now())?;
    let mut rows = vec![["session_id", "date", "kind", "topic", "venue", "comprehension", "satisfaction", "wants_online_services", "topics_wanted", "comment"]
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()];
    let cell = |v: Option<i32>| v.map(|v| v.to_string()).unwrap_or_default();
    for a in store::answers(&state.db, &filter, fy).await? {
        rows.push(vec![
            a.session_id.to_string(),
            to_tokyo(a.starts_at).format("%Y-%m-%d").to_string(),
            a.kind.as_str().into(),
            a.topic.as_str().into(),
            a.venue_name,
            cell(a.comprehension),
            cell(a.satisfaction),
            a.wants_online_services.map(|v| if v { "yes" } else { "no" }.to_string()).unwrap_or_default(),
            a.topics_wanted,
            a.comment,
        ]);
    }
    csv_response(&format!("ippo-survey-answers-fy{fy}.csv"), rows)
}

//! `/api/v1/sessions` and the managers' session forms.

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use chrono::{NaiveDate, NaiveTime, Utc};
use serde::Deserialize;

use super::{
    store::{self, Span},
    SessionDetail, SessionFilter, SessionInput, SessionSummary,
};
use crate::{
    domain::{FieldErrors, Problem},
    server::{
        api::{ApiJson, Authed, MaybeViewer},
        error::{AppError, AppResult},
        http::Posted,
        state::AppState,
    },
    time::from_tokyo,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sessions", get(list).post(create))
        .route("/sessions/{id}", get(one).patch(edit))
        .route("/sessions/{id}/cancel", post(cancel))
}

pub fn form_routes() -> Router<AppState> {
    Router::new()
        .route("/manage/sessions/new", post(create_form))
        .route("/manage/sessions/{id}/edit", post(edit_form))
        .route("/manage/sessions/{id}/cancel", post(cancel_form))
}

#[derive(Deserialize)]
struct ListQuery {
    from: Option<String>,
    to: Option<String>,
    ward: Option<String>,
    kind: Option<String>,
    topic: Option<String>,
    venue_id: Option<i64>,
    limit: Option<i64>,
    offset: Option<i64>,
}

async fn list(State(state): State<AppState>, Query(q): Query<ListQuery>) -> AppResult<Json<Vec<SessionSummary>>> {
    let filter = SessionFilter {
        from: q.from,
        to: q.to,
        ward: q.ward,
        kind: q.kind,
        topic: q.topic,
        venue_id: q.venue_id,
        include_past: false,
        limit: q.limit,
        offset: q.offset,
    };
    Ok(Json(store::list(&state.db, &filter, Utc::now()).await?.sessions))
}

async fn one(
    State(state): State<AppState>,
    MaybeViewer(viewer): MaybeViewer,
    Path(id): Path<i64>,
) -> AppResult<Json<SessionDetail>> {
    Ok(Json(store::detail(&state.db, id, viewer.as_ref()).await?))
}

async fn create(
    State(state): State<AppState>,
    Authed(viewer): Authed,
    ApiJson(input): ApiJson<SessionInput>,
) -> AppResult<impl IntoResponse> {
    viewer.require_manager()?;
    let draft = store::check(&state.db, &input, store::api_meetings(&input)).await?;
    let id = store::create(&state.db, draft).await?;
    Ok((StatusCode::CREATED, Json(store::detail(&state.db, id, Some(&viewer)).await?)))
}

/// PATCH: the given fields replace the session's, the rest stay.
async fn edit(
    State(state): State<AppState>,
    Authed(viewer): Authed,
    Path(id): Path<i64>,
    ApiJson(patch): ApiJson<serde_json::Map<String, serde_json::Value>>,
) -> AppResult<Json<SessionDetail>> {
    viewer.require_manager()?;
    let current = store::detail(&state.db, id, Some(&viewer)).await?;
    let mut merged = serde_json::to_value(current.to_input()).map_err(anyhow::Error::from)?;
    // New single start/end without new meetings means "one meeting at this time".
    if (patch.contains_key("starts_at") || patch.contains_key("ends_at")) && !patch.contains_key("meetings") {
        merged["meetings"] = serde_json::Value::Null;
    }
    for (key, value) in patch {
        merged[key] = value;
    }
    let input: SessionInput = serde_json::from_value(merged)
        .map_err(|e| AppError::BadRequest(Problem::new("error.json_shape").with("detail", e)))?;
    let draft = store::check(&state.db, &input, store::api_meetings(&input)).await?;
    store::update(&state, id, draft).await?;
    Ok(Json(store::detail(&state.db, id, Some(&viewer)).await?))
}

async fn cancel(
    State(state): State<AppState>,
    Authed(viewer): Authed,
    Path(id): Path<i64>,
) -> AppResult<Json<SessionDetail>> {
    viewer.require_manager()?;
    store::cancel(&state, id).await?;
    Ok(Json(store::detail(&state.db, id, Some(&viewer)).await?))
}

fn input_of(form: &Posted) -> SessionInput {
    let number = |name: &str| crate::domain::number(form.get(name)).ok();
    SessionInput {
        kind: form.get("kind").into(),
        title: form.get("title").into(),
        topic: form.get("topic").into(),
        venue_id: number("venue_id"),
        capacity: number("capacity"),
        loaner_devices: number("loaner_devices").or(Some(0)),
        instructors: number("instructors").or(Some(0)),
        assistants: number("assistants").or(Some(0)),
        slot_minutes: number("slot_minutes"),
        advisors: number("advisors"),
        description: form.get("description").into(),
        what_to_bring: form.get("what_to_bring").into(),
        ..Default::default()
    }
}

/// Numbers typed wrong get their own message, not "required".
fn number_errors(form: &Posted) -> FieldErrors {
    let mut errors = FieldErrors::default();
    for name in ["capacity", "loaner_devices", "instructors", "assistants", "slot_minutes", "advisors"] {
        let raw = form.get(name);
        if !raw.trim().is_empty() {
            errors.check(name, crate::domain::number(raw));
        }
    }
    errors
}

/// Meeting rows of the form: a Tokyo date with start and end times; empty rows are skipped.
fn form_meetings(form: &Posted) -> Result<Vec<Span>, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut meetings = Vec::new();
    for i in 1..=super::FORM_MEETING_ROWS {
        let (date, start, end) = (
            form.get(&format!("meeting_date_{i}")),
            form.get(&format!("meeting_start_{i}")),
            form.get(&format!("meeting_end_{i}")),
        );
        if date.trim().is_empty() && start.trim().is_empty() && end.trim().is_empty() {
            continue;
        }
        let date = errors.check(
            &format!("meeting_date_{i}"),
            NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").map_err(|_| Problem::new("error.date")),
        );
        let time = |errors: &mut FieldErrors, field: String, value: &str| {
            errors.check(&field, NaiveTime::parse_from_str(value.trim(), "%H:%M").map_err(|_| Problem::new("error.time")))
        };
        let start = time(&mut errors, format!("meeting_start_{i}"), start);
        let end = time(&mut errors, format!("meeting_end_{i}"), end);
        if let (Some(d), Some(s), Some(e)) = (date, start, end) {
            if e <= s {
                errors.add(format!("meeting_end_{i}"), Problem::new("error.end_before_start"));
            }
            meetings.push((from_tokyo(d, s), from_tokyo(d, e)));
        }
    }
    if meetings.is_empty() && errors.is_empty() {
        errors.add("meeting_date_1", Problem::new("error.required"));
    }
    errors.into_result().map(|_| meetings)
}

/// Checks a form submission: typed numbers, meeting rows, then the session rules.
async fn check_form(state: &AppState, form: &Posted) -> AppResult<store::Draft> {
    let input = input_of(form);
    let meetings = form_meetings(form);
    let mut errors = number_errors(form);
    match store::check(&state.db, &input, meetings).await {
        Ok(draft) if errors.is_empty() => Ok(draft),
        Ok(_) => Err(errors.into()),
        Err(AppError::Invalid(more)) => {
            let fresh: Vec<_> = more.0.into_iter().filter(|(f, _)| !errors_has(&errors, f)).collect();
            errors.0.extend(fresh);
            Err(errors.into())
        }
        Err(other) => Err(other),
    }
}

fn errors_has(errors: &FieldErrors, field: &str) -> bool {
    errors.0.iter().any(|(f, _)| f == field)
}

async fn create_form(State(state): State<AppState>, form: Posted) -> Response {
    let result = async {
        form.viewer_or_401()?.require_manager()?;
        let draft = check_form(&state, &form).await?;
        store::create(&state.db, draft).await
    };
    form.finish(&state, result.await, |id| format!("/sessions/{id}?saved=1")).await
}

async fn edit_form(State(state): State<AppState>, Path(id): Path<i64>, form: Posted) -> Response {
    let result = async {
        form.viewer_or_401()?.require_manager()?;
        let draft = check_form(&state, &form).await?;
        store::update(&state, id, draft).await
    };
    form.finish(&state, result.await, |_| format!("/sessions/{id}?saved=1")).await
}

async fn cancel_form(State(state): State<AppState>, Path(id): Path<i64>, form: Posted) -> Response {
    let result = async {
        form.viewer_or_401()?.require_manager()?;
        store::cancel(&state, id).await
    };
    form.finish(&state, result.await, |_| format!("/sessions/{id}?cancelled=1")).await
}

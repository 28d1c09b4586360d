//! `/api/v1/sessions` and the managers' session forms.

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use chrono::{NaiveDate, NaiveTime, Utc};
use serde::Deserialize;

use super::{
    changes, field,
    store::{self, Span},
    SessionDetail, SessionFilter, SessionInput, SessionSummary,
};
use crate::{
    domain::{FieldErrors, Problem},
    server::{
        api::{query_number, ApiJson, Authed, MaybeViewer},
        error::{AppError, AppResult},
        forms::Posted,
        routing::Routes,
        state::AppState,
    },
    time::from_tokyo,
};

pub fn routes() -> Routes {
    Routes::new()
        .get("/sessions", list)
        .post("/sessions", create)
        .get("/sessions/{id}", one)
        .patch("/sessions/{id}", edit)
        .post("/sessions/{id}/cancel", cancel)
}

pub fn form_routes() -> Routes {
    Routes::new()
        .post("/manage/sessions/new", create_form)
        .post("/manage/sessions/{id}/edit", edit_form)
        .post("/manage/sessions/{id}/cancel", cancel_form)
}

#[derive(Deserialize)]
struct ListQuery {
    from: Option<String>,
    to: Option<String>,
    ward: Option<String>,
    kind: Option<String>,
    topic: Option<String>,
    venue_id: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    MaybeViewer(viewer): MaybeViewer,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<Vec<SessionSummary>>> {
    // An empty parameter (`venue_id=`) is no filter, as a form's empty choice sends it.
    let text = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let filter = SessionFilter {
        from: text(q.from),
        to: text(q.to),
        ward: text(q.ward),
        kind: text(q.kind),
        topic: text(q.topic),
        venue_id: query_number("venue_id", q.venue_id.as_deref())?,
        include_past: false,
        limit: query_number("limit", q.limit.as_deref())?,
        offset: query_number("offset", q.offset.as_deref())?,
    };
    Ok(Json(store::list(&state.db, viewer.as_ref(), &filter, Utc::now()).await?.sessions))
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
    let draft = store::check(&state.db, &viewer, &input, store::api_meetings(&input)).await?;
    let id = store::create(&state.db, &viewer, draft, None).await?;
    Ok((StatusCode::CREATED, Json(store::detail(&state.db, id, Some(&viewer)).await?)))
}

/// PATCH: the given fields replace the session's, the rest stay.
async fn edit(
    State(state): State<AppState>,
    Authed(viewer): Authed,
    Path(id): Path<i64>,
    ApiJson(patch): ApiJson<serde_json::Map<String, serde_json::Value>>,
) -> AppResult<Json<SessionDetail>> {
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
    let draft = store::check(&state.db, &viewer, &input, store::api_meetings(&input)).await?;
    changes::edit(&state, &viewer, id, draft).await?;
    Ok(Json(store::detail(&state.db, id, Some(&viewer)).await?))
}

async fn cancel(
    State(state): State<AppState>,
    Authed(viewer): Authed,
    Path(id): Path<i64>,
) -> AppResult<Json<SessionDetail>> {
    changes::cancel(&state, &viewer, id).await?;
    Ok(Json(store::detail(&state.db, id, Some(&viewer)).await?))
}

fn input_of(form: &Posted) -> SessionInput {
    let number = |name: &str| crate::domain::number(form.get(name)).ok();
    SessionInput {
        kind: form.get(field::KIND).into(),
        title: form.get(field::TITLE).into(),
        topic: form.get(field::TOPIC).into(),
        venue_id: number(field::VENUE_ID),
        capacity: number(field::CAPACITY),
        loaner_devices: number(field::LOANER_DEVICES).or(Some(0)),
        instructors: number(field::INSTRUCTORS).or(Some(0)),
        assistants: number(field::ASSISTANTS).or(Some(0)),
        slot_minutes: number(field::SLOT_MINUTES),
        advisors: number(field::ADVISORS),
        description: form.get(field::DESCRIPTION).into(),
        what_to_bring: form.get(field::WHAT_TO_BRING).into(),
        ..Default::default()
    }
}

/// Numbers typed wrong get their own message, not "required".
fn number_errors(form: &Posted) -> FieldErrors {
    let mut errors = FieldErrors::default();
    for name in field::NUMBERS {
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
        let (date, start, end) =
            (form.get(&field::meeting_date(i)), form.get(&field::meeting_start(i)), form.get(&field::meeting_end(i)));
        if date.trim().is_empty() && start.trim().is_empty() && end.trim().is_empty() {
            continue;
        }
        let date = errors.check(
            &field::meeting_date(i),
            NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").map_err(|_| Problem::new("error.date")),
        );
        let time = |errors: &mut FieldErrors, field: String, value: &str| {
            errors
                .check(&field, NaiveTime::parse_from_str(value.trim(), "%H:%M").map_err(|_| Problem::new("error.time")))
        };
        let start = time(&mut errors, field::meeting_start(i), start);
        let end = time(&mut errors, field::meeting_end(i), end);
        if let (Some(d), Some(s), Some(e)) = (date, start, end) {
            if e <= s {
                errors.add(field::meeting_end(i), Problem::new("error.end_before_start"));
            }
            meetings.push((from_tokyo(d, s), from_tokyo(d, e)));
        }
    }
    if meetings.is_empty() && errors.is_empty() {
        errors.add(field::meeting_date(1), Problem::new("error.required"));
    }
    errors.into_result().map(|_| meetings)
}

/// Checks a form submission: typed numbers, meeting rows, then the session rules.
async fn check_form(state: &AppState, viewer: &crate::policy::Viewer, form: &Posted) -> AppResult<store::Draft> {
    let input = input_of(form);
    let meetings = form_meetings(form);
    let mut errors = number_errors(form);
    match store::check(&state.db, viewer, &input, meetings).await {
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
        let viewer = form.viewer_or_401()?;
        let draft = check_form(&state, &viewer, &form).await?;
        store::create(&state.db, &viewer, draft, form.once_key()).await
    };
    form.finish(result.await, |id| format!("/sessions/{id}?saved=1"))
}

async fn edit_form(State(state): State<AppState>, Path(id): Path<i64>, form: Posted) -> Response {
    let result = async {
        let viewer = form.viewer_or_401()?;
        let draft = check_form(&state, &viewer, &form).await?;
        changes::edit(&state, &viewer, id, draft).await
    };
    form.finish(result.await, |_| format!("/sessions/{id}?saved=1"))
}

async fn cancel_form(State(state): State<AppState>, Path(id): Path<i64>, form: Posted) -> Response {
    let result = async { changes::cancel(&state, &form.viewer_or_401()?, id).await };
    form.finish(result.await, |_| format!("/sessions/{id}?cancelled=1"))
}

//! `/api/v1` registration endpoints and the sign-up, cancel and staff forms.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, Path, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use chrono::Utc;
use serde::Deserialize;

use super::{store, AttendeeInput, RegistrantInput, RegistrationInput, RosterEntry};
use crate::{
    server::{
        api::{ApiJson, Authed, MaybeViewer},
        error::{AppError, AppResult},
        http::Posted,
        ratelimit,
        state::AppState,
    },
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sessions/{id}/registrations", post(register).get(roster))
        .route("/registrations/cancel", post(cancel))
        .route("/registrations/{id}/attendance", post(attendance))
}

pub fn form_routes() -> Router<AppState> {
    Router::new()
        .route("/sessions/{id}/register", post(register_form))
        .route("/registrations/{token}/cancel", post(cancel_form))
        .route("/registrations/{token}/calendar.ics", get(calendar_file))
        .route("/staff/sessions/{id}", post(staff_register_form))
        .route("/staff/registrations/{id}/cancel", post(staff_cancel_form))
        .route("/staff/registrations/{id}/attendance", post(attendance_form))
}

async fn register(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    MaybeViewer(viewer): MaybeViewer,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<RegistrationInput>,
) -> AppResult<Response> {
    ratelimit::public_write(&state, client, viewer.as_ref()).await?;
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok());
    let (created, fresh) = store::register(&state, id, &input, viewer.as_ref(), key, Utc::now()).await?;
    let mut response = (StatusCode::CREATED, Json(created)).into_response();
    if !fresh {
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

#[derive(Deserialize)]
struct CancelBody {
    #[serde(default)]
    cancel_token: String,
}

async fn cancel(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    MaybeViewer(viewer): MaybeViewer,
    ApiJson(body): ApiJson<CancelBody>,
) -> AppResult<Json<serde_json::Value>> {
    ratelimit::public_write(&state, client, viewer.as_ref()).await?;
    let view = store::cancel_by_token(&state, body.cancel_token.trim(), Utc::now()).await?;
    Ok(Json(serde_json::json!({ "id": view.id, "status": view.status })))
}

async fn roster(
    State(state): State<AppState>,
    Authed(viewer): Authed,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<RosterEntry>>> {
    Ok(Json(store::roster(&state.db, &viewer, id).await?))
}

/// The sign-up form as a registration body. The hidden `form_token` is the
/// idempotency key, so a double tap or a browser retry makes one registration.
fn input_of(form: &Posted) -> RegistrationInput {
    let yes_no = |name: &str| match form.get(name) {
        "yes" | "true" | "on" => Some(true),
        "no" | "false" => Some(false),
        _ => None,
    };
    RegistrationInput {
        attendee: AttendeeInput {
            name: form.get("attendee.name").into(),
            name_kana: form.get("attendee.name_kana").into(),
            phone: form.get("attendee.phone").into(),
            age_band: form.get("attendee.age_band").into(),
            has_smartphone: yes_no("attendee.has_smartphone"),
            smartphone_os: Some(form.get("attendee.smartphone_os").to_string()),
            needs_loaner: Some(form.checked("attendee.needs_loaner")),
            accessibility_needs: form.get("attendee.accessibility_needs").into(),
            notes: form.get("attendee.notes").into(),
        },
        registrant: RegistrantInput {
            name: form.get("registrant.name").into(),
            email: form.get("registrant.email").into(),
            phone: form.get("registrant.phone").into(),
            relation: form.get("registrant.relation").into(),
        },
        channel: form.get("channel").into(),
        consent: form.checked("consent"),
        slot_starts_at: Some(form.get("slot_starts_at").to_string()),
    }
}

async fn register_form(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Path(id): Path<i64>,
    form: Posted,
) -> Response {
    let viewer = form.viewer();
    let result = async {
        ratelimit::public_write(&state, client, viewer.as_ref()).await?;
        let key = Some(form.get("form_token")).filter(|k| !k.is_empty());
        store::register(&state, id, &input_of(&form), viewer.as_ref(), key, Utc::now()).await
    };
    form.finish(&state, result.await, |(created, _)| format!("/registrations/{}?new=1", created.cancel_token)).await
}

async fn cancel_form(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    form: Posted,
) -> Response {
    let result = async {
        ratelimit::public_write(&state, client, form.viewer().as_ref()).await?;
        store::cancel_by_token(&state, &token, Utc::now()).await
    };
    form.finish(&state, result.await, |_| format!("/registrations/{token}?cancelled=1")).await
}

async fn calendar_file(State(state): State<AppState>, Path(token): Path<String>) -> AppResult<Response> {
    let (_, ics) = store::calendar_by_token(&state.db, &token).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"ippo.ics\""),
        ],
        ics,
    )
        .into_response())
}

async fn staff_register_form(State(state): State<AppState>, Path(id): Path<i64>, form: Posted) -> Response {
    let result = async {
        let viewer = form.viewer_or_401()?;
        if !viewer.is_staff() {
            return Err(AppError::Forbidden);
        }
        let session = crate::sessions::store::detail(&state.db, id, Some(&viewer)).await?;
        viewer.require_venue(session.venue.id)?;
        let key = Some(form.get("form_token")).filter(|k| !k.is_empty());
        store::register(&state, id, &input_of(&form), Some(&viewer), key, Utc::now()).await
    };
    form.finish(&state, result.await, |(created, _)| format!("/staff/sessions/{id}?registered={}", created.id)).await
}

async fn staff_cancel_form(State(state): State<AppState>, Path(id): Path<i64>, form: Posted) -> Response {
    let result = async {
        let viewer = form.viewer_or_401()?;
        store::cancel_by_staff(&state, &viewer, id, Utc::now()).await
    };
    form.finish(&state, result.await, |session_id| format!("/staff/sessions/{session_id}?cancelled=1")).await
}

#[derive(Deserialize)]
struct AttendanceBody {
    #[serde(default)]
    attendance: String,
    meeting_id: Option<i64>,
}

fn parse_attendance(code: &str) -> AppResult<crate::domain::Attendance> {
    crate::domain::choice(code, crate::domain::Attendance::parse).map_err(|problem| {
        let mut errors = crate::domain::FieldErrors::default();
        errors.add("attendance", problem);
        AppError::Invalid(errors)
    })
}

async fn attendance(
    State(state): State<AppState>,
    Authed(viewer): Authed,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<AttendanceBody>,
) -> AppResult<Json<store::AttendanceRecorded>> {
    let attendance = parse_attendance(&body.attendance)?;
    Ok(Json(store::record_attendance(&state, &viewer, id, body.meeting_id, attendance, Utc::now()).await?))
}

/// The check-in page's big buttons: one form per attendee and answer.
async fn attendance_form(State(state): State<AppState>, Path(id): Path<i64>, form: Posted) -> Response {
    let result = async {
        let viewer = form.viewer_or_401()?;
        let attendance = parse_attendance(form.get("attendance"))?;
        let meeting_id = form.get("meeting_id").parse().ok();
        store::record_attendance(&state, &viewer, id, meeting_id, attendance, Utc::now()).await
    };
    form.finish(&state, result.await, |r| {
        format!("/staff/sessions/{}/checkin?meeting={}#registration-{}", r.session_id, r.meeting_id, r.registration_id)
    })
    .await
}

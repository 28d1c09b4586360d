//! `/api/v1` registration endpoints and the sign-up, cancel and staff forms.

use axum::{
    extract::{Path, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use chrono::Utc;
use serde::Deserialize;

use super::{
    attendance, calls, field, notices, roster, signup, AttendeeInput, RegistrantInput, RegistrationInput, RosterEntry,
};
use crate::server::{
    api::{ApiJson, Authed, IdempotencyKey, MaybeViewer},
    client::ClientIp,
    error::{AppError, AppResult},
    forms::{rejected, see_other, FormState, Posted, STEP, STEP_CONFIRM, STEP_EDIT},
    ratelimit,
    routing::Routes,
    state::AppState,
};

pub fn routes() -> Routes {
    Routes::new()
        .post("/sessions/{id}/registrations", register)
        .get("/sessions/{id}/registrations", roster)
        .post("/registrations/cancel", cancel)
        .post("/registrations/{id}/attendance", attendance)
}

pub fn form_routes() -> Routes {
    Routes::new()
        .post("/sessions/{id}/register", register_form)
        .post("/registrations/{token}/cancel", cancel_form)
        .get("/registrations/{token}/calendar.ics", calendar_file)
        .post("/staff/sessions/{id}", staff_register_form)
        .post("/staff/registrations/{id}/cancel", staff_cancel_form)
        .post("/staff/registrations/{id}/attendance", attendance_form)
        .post("/staff/calls/{id}/done", call_done_form)
}

async fn register(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    MaybeViewer(viewer): MaybeViewer,
    Path(id): Path<i64>,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(input): ApiJson<RegistrationInput>,
) -> AppResult<Response> {
    ratelimit::public_write(&state, client, viewer.as_ref()).await?;
    let (created, fresh) = signup::register(&state, id, &input, viewer.as_ref(), key.as_deref(), Utc::now()).await?;
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
    ClientIp(client): ClientIp,
    MaybeViewer(viewer): MaybeViewer,
    ApiJson(body): ApiJson<CancelBody>,
) -> AppResult<Json<serde_json::Value>> {
    ratelimit::public_write(&state, client, viewer.as_ref()).await?;
    let view = signup::cancel_by_token(&state, body.cancel_token.trim(), Utc::now()).await?;
    Ok(Json(serde_json::json!({ "id": view.id, "status": view.status })))
}

async fn roster(
    State(state): State<AppState>,
    Authed(viewer): Authed,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<RosterEntry>>> {
    Ok(Json(roster::roster(&state.db, &viewer, id).await?))
}

/// The sign-up form as a registration body. The hidden `form_token` is the
/// idempotency key, so a double tap or a browser retry makes one registration.
fn input_of(form: &Posted) -> RegistrationInput {
    RegistrationInput {
        attendee: AttendeeInput {
            name: form.get(field::ATTENDEE_NAME).into(),
            name_kana: form.get(field::ATTENDEE_KANA).into(),
            phone: form.get(field::ATTENDEE_PHONE).into(),
            age_band: form.get(field::AGE_BAND).into(),
            has_smartphone: form.yes_no(field::HAS_SMARTPHONE),
            smartphone_os: Some(form.get(field::SMARTPHONE_OS).to_string()),
            needs_loaner: Some(form.checked(field::NEEDS_LOANER)),
            accessibility_needs: form.get(field::ACCESSIBILITY_NEEDS).into(),
            notes: form.get(field::NOTES).into(),
        },
        registrant: RegistrantInput {
            name: form.get(field::REGISTRANT_NAME).into(),
            email: form.get(field::REGISTRANT_EMAIL).into(),
            phone: form.get(field::REGISTRANT_PHONE).into(),
            relation: form.get(field::RELATION).into(),
        },
        channel: form.get(field::CHANNEL).into(),
        consent: form.checked(field::CONSENT),
        followup_consent: form.checked(field::FOLLOWUP_CONSENT),
        slot_starts_at: Some(form.get(field::SLOT).to_string()),
    }
}

async fn register_form(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Path(id): Path<i64>,
    form: Posted,
) -> Response {
    let viewer = form.viewer();
    let input = input_of(&form);
    let step = form.get(STEP);
    let result = async {
        ratelimit::public_write(&state, client, viewer.as_ref()).await?;
        if step == STEP_EDIT {
            return Ok(None);
        }
        let confirmed = step == STEP_CONFIRM;
        signup::register_or_review(&state, id, &input, viewer.as_ref(), form.once_key(), confirmed).await
    };
    match result.await {
        Ok(None) if step == STEP_EDIT => form.to_edit(),
        Ok(None) => form.to_confirm(),
        // The form was sent before and went through; this copy holds someone else: a
        // fresh, empty form (with a new key) says so instead of dropping that person.
        Err(err @ AppError::Conflict(_)) if err.code() == "idempotency_mismatch" => {
            let summary = Some(form.lang().tr("register.already_sent"));
            rejected(err.status(), FormState { summary, ..Default::default() })
        }
        Ok(Some((created, _))) => see_other(&format!("/registrations/{}?new=1", created.cancel_token)),
        Err(err) => form.reject(err),
    }
}

async fn cancel_form(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Path(token): Path<String>,
    form: Posted,
) -> Response {
    let result = async {
        ratelimit::public_write(&state, client, form.viewer().as_ref()).await?;
        signup::cancel_by_token(&state, &token, Utc::now()).await
    };
    form.finish(result.await, |_| format!("/registrations/{token}?cancelled=1"))
}

async fn calendar_file(State(state): State<AppState>, Path(token): Path<String>) -> AppResult<Response> {
    let ics = notices::calendar_by_token(&state, &token).await?;
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
        let key = form.once_key();
        signup::register_by_staff(&state, &viewer, id, &input_of(&form), key, Utc::now()).await
    };
    // Back to the empty form, ready for the next caller.
    form.finish(result.await, |(created, _)| {
        format!("/staff/sessions/{id}?registered={}#staff-register-heading", created.id)
    })
}

async fn staff_cancel_form(State(state): State<AppState>, Path(id): Path<i64>, form: Posted) -> Response {
    let result = async {
        let viewer = form.viewer_or_401()?;
        signup::cancel_by_staff(&state, &viewer, id, Utc::now()).await
    };
    form.finish(result.await, |session_id| format!("/staff/sessions/{session_id}?cancelled=1"))
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
        errors.add(field::ATTENDANCE, problem);
        AppError::Invalid(errors)
    })
}

async fn attendance(
    State(state): State<AppState>,
    Authed(viewer): Authed,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<AttendanceBody>,
) -> AppResult<Json<attendance::AttendanceRecorded>> {
    let attendance = parse_attendance(&body.attendance)?;
    Ok(Json(attendance::record_attendance(&state, &viewer, id, body.meeting_id, attendance, Utc::now()).await?))
}

/// The check-in page's big buttons: one form per attendee and answer.
async fn attendance_form(State(state): State<AppState>, Path(id): Path<i64>, form: Posted) -> Response {
    let result = async {
        let viewer = form.viewer_or_401()?;
        let attendance = parse_attendance(form.get(field::ATTENDANCE))?;
        let meeting_id = form.get(field::MEETING_ID).parse().ok();
        attendance::record_attendance(&state, &viewer, id, meeting_id, attendance, Utc::now()).await
    };
    form.finish(result.await, |r| {
        format!("/staff/sessions/{}/checkin?meeting={}#registration-{}", r.session_id, r.meeting_id, r.registration_id)
    })
}

/// The call list's "done" button: the call was made.
async fn call_done_form(State(state): State<AppState>, Path(id): Path<i64>, form: Posted) -> Response {
    let result = async { calls::mark_done(&state.db, &form.viewer_or_401()?, id, Utc::now()).await };
    form.finish(result.await, |session_id| format!("/staff/sessions/{session_id}/calls?done=1"))
}

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
    attendance, calls, field, member_field, notices, roster, signup, AttendeeInput, RegistrantInput, RegistrationInput,
    RosterEntry, MAX_GROUP,
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
        .post("/registrations/{token}/sms/stop", stop_sms_form)
        .get("/registrations/{token}/calendar.ics", calendar_file)
        .get("/r/{code}", short_link)
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
    // A group (`attendees`) is answered as a list in the order sent; one `attendee` as itself.
    let body = match created.as_slice() {
        [one] if input.attendees.is_empty() => serde_json::to_value(one),
        _ => serde_json::to_value(serde_json::json!({ "registrations": created })),
    }
    .map_err(anyhow::Error::from)?;
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
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

/// One person of the sign-up form: the first (`index` None, fields `attendee.*`) or
/// another of the group (`attendees.{i}.*`).
fn attendee_of(form: &Posted, index: Option<usize>) -> AttendeeInput {
    let get = |name: &str| form.get(&member_field(index, name)).to_string();
    AttendeeInput {
        name: get(field::ATTENDEE_NAME),
        name_kana: get(field::ATTENDEE_KANA),
        phone: get(field::ATTENDEE_PHONE),
        age_band: get(field::AGE_BAND),
        has_smartphone: form.yes_no(&member_field(index, field::HAS_SMARTPHONE)),
        smartphone_os: Some(get(field::SMARTPHONE_OS)),
        needs_loaner: Some(form.checked(&member_field(index, field::NEEDS_LOANER))),
        accessibility_needs: get(field::ACCESSIBILITY_NEEDS),
        notes: get(field::NOTES),
        relation: get(field::ATTENDEE_RELATION),
        slot_starts_at: Some(get(field::ATTENDEE_SLOT)),
    }
}

/// The sign-up form as a registration body: the first person, and the others of a
/// group whose fields were filled in. The hidden `form_token` is the idempotency key,
/// so a double tap or a browser retry makes one registration.
fn input_of(form: &Posted) -> RegistrationInput {
    let first = attendee_of(form, None);
    // Another person counts once their name or phone is typed (the form offers empty ones).
    let typed = |i: usize| {
        [field::ATTENDEE_NAME, field::ATTENDEE_PHONE]
            .iter()
            .any(|name| !form.get(&member_field(Some(i), name)).trim().is_empty())
    };
    let others: Vec<AttendeeInput> = (1..MAX_GROUP).filter(|i| typed(*i)).map(|i| attendee_of(form, Some(i))).collect();
    let (attendee, attendees) = if others.is_empty() {
        (first, Vec::new())
    } else {
        (AttendeeInput::default(), std::iter::once(first).chain(others).collect())
    };
    RegistrationInput {
        attendee,
        attendees,
        if_not_enough_seats: form.get(field::IF_NOT_ENOUGH_SEATS).into(),
        registrant: RegistrantInput {
            name: form.get(field::REGISTRANT_NAME).into(),
            email: form.get(field::REGISTRANT_EMAIL).into(),
            phone: form.get(field::REGISTRANT_PHONE).into(),
            relation: form.get(field::RELATION).into(),
        },
        channel: form.get(field::CHANNEL).into(),
        consent: form.checked(field::CONSENT),
        followup_consent: form.checked(field::FOLLOWUP_CONSENT),
        sms_consent: form.checked(field::SMS_CONSENT),
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
        Ok(Some((created, _))) => see_other(&format!("/registrations/{}?new=1", created[0].cancel_token)),
        Err(err) => form.reject(err),
    }
}

async fn cancel_form(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Path(token): Path<String>,
    form: Posted,
) -> Response {
    let act = signup::cancel_by_token(&state, &token, Utc::now());
    by_token(&state, client, form, act, format!("/registrations/{token}?cancelled=1")).await
}

async fn stop_sms_form(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Path(token): Path<String>,
    form: Posted,
) -> Response {
    let act = signup::stop_sms_by_token(&state, &token, Utc::now());
    by_token(&state, client, form, act, format!("/registrations/{token}?sms_stopped=1#sms")).await
}

/// A button on a registration's own page: rate-limited like every public write, then
/// `act` (on the registration holding the link's token), then `back` to the page.
async fn by_token<T>(
    state: &AppState,
    client: std::net::IpAddr,
    form: Posted,
    act: impl std::future::Future<Output = AppResult<T>>,
    back: String,
) -> Response {
    let result = async {
        ratelimit::public_write(state, client, form.viewer().as_ref()).await?;
        act.await
    };
    form.finish(result.await, |_| back)
}

/// Lookups of short links that found nothing, per client and minute, before the link
/// answers 429: with 31¹² codes, guessing a live one stays hopeless.
pub const SHORT_LINK_MISSES: u32 = 20;

/// A text's short link (`/r/{code}`): on to the registration's status page. A code that
/// leads nowhere goes to the page a wrong link gets (404), and counts against the client.
async fn short_link(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let bucket = format!("short-link:{client}");
    if !ratelimit::allow(&state.db, &bucket, SHORT_LINK_MISSES).await? {
        return Err(AppError::RateLimited);
    }
    // Typed from a text rather than tapped, a code may come in capitals or full width.
    let code = crate::domain::normalise(code.trim(), false).to_ascii_lowercase();
    let token = if super::is_short_code(&code) { roster::token_by_short_code(&state.db, &code).await? } else { None };
    match token {
        Some(token) => {
            ratelimit::refund(&state.db, &bucket).await?;
            Ok(see_other(&format!("/registrations/{token}")))
        }
        None => Ok(see_other("/registrations/unknown")),
    }
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
        format!("/staff/sessions/{id}?registered={}#staff-register-heading", created[0].id)
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

//! `GET|POST /api/v1/followups/{token}` and the follow-up forms: the attendee's answer,
//! the staff's phone entry and call outcomes, the manager's choices.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use chrono::Utc;
use serde_json::json;

use super::{field, store, CallOutcome, FollowupInput, Questionnaire};
use crate::{
    domain::{FieldErrors, Problem},
    server::{
        api::ApiJson,
        client::ClientIp,
        error::{request_lang, AppError, AppResult},
        forms::Posted,
        ratelimit,
        routing::Routes,
        state::AppState,
    },
};

pub fn routes() -> Routes {
    Routes::new().get("/followups/{token}", questionnaire).post("/followups/{token}", answer)
}

pub fn form_routes() -> Routes {
    Routes::new()
        .post("/followup/{token}", public_form)
        .post("/staff/followups/{id}", phone_entry_form)
        .post("/staff/followups/{id}/call", call_form)
        .post("/manage/followups/choices", choice_form)
}

async fn questionnaire(State(state): State<AppState>, Path(token): Path<String>) -> AppResult<Json<Questionnaire>> {
    Ok(Json(store::questionnaire(&state.db, &token, request_lang()).await?))
}

async fn answer(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Path(token): Path<String>,
    ApiJson(input): ApiJson<FollowupInput>,
) -> AppResult<impl IntoResponse> {
    ratelimit::public_write(&state, client, None).await?;
    let id = store::answer_by_token(&state.db, &token, &input, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

/// The questionnaire as a form sends it: services ticked, or the box "none of them" —
/// one of the two, so an untouched form is not taken for "none".
fn input_of(form: &Posted) -> Result<FollowupInput, AppError> {
    let services: Vec<String> = form.all(field::SERVICES_USED).into_iter().map(str::to_string).collect();
    let none = form.checked(field::NONE_USED);
    let mut errors = FieldErrors::default();
    match (services.is_empty(), none) {
        (true, false) => errors.add(field::SERVICES_USED, Problem::new("error.followup_services_empty")),
        (false, true) => errors.add(field::SERVICES_USED, Problem::new("error.followup_none_and_some")),
        _ => {}
    }
    errors.into_result()?;
    Ok(FollowupInput {
        services_used: services,
        with_help: form.yes_no(field::WITH_HELP),
        barriers: form.all(field::BARRIERS).into_iter().map(str::to_string).collect(),
        comment: form.get(field::COMMENT).into(),
    })
}

async fn public_form(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Path(token): Path<String>,
    form: Posted,
) -> Response {
    let result = async {
        ratelimit::public_write(&state, client, None).await?;
        store::answer_by_token(&state.db, &token, &input_of(&form)?, Utc::now()).await
    };
    form.finish(result.await, |_| format!("/followup/{token}?thanks=1"))
}

async fn phone_entry_form(State(state): State<AppState>, Path(id): Path<i64>, form: Posted) -> Response {
    let result = async {
        let viewer = form.viewer_or_401()?;
        store::answer_by_staff(&state.db, &viewer, id, &input_of(&form)?, Utc::now()).await
    };
    form.finish(result.await, |_| "/staff/followups?saved=1".to_string())
}

async fn call_form(State(state): State<AppState>, Path(id): Path<i64>, form: Posted) -> Response {
    let result = async {
        let viewer = form.viewer_or_401()?;
        let outcome = CallOutcome::parse(form.get(field::OUTCOME)).ok_or_else(|| {
            AppError::BadRequest(Problem::new("error.call_outcome").with("value", form.get(field::OUTCOME)))
        })?;
        store::record_call(&state.db, &viewer, id, outcome, Utc::now()).await
    };
    form.finish(result.await, |_| "/staff/followups?called=1".to_string())
}

async fn choice_form(State(state): State<AppState>, form: Posted) -> Response {
    let result = async {
        let viewer = form.viewer_or_401()?;
        let input = store::ChoiceInput {
            kind: form.get(field::KIND).into(),
            code: form.get(field::CODE).into(),
            label_ja: form.get(field::LABEL_JA).into(),
            label_en: form.get(field::LABEL_EN).into(),
            sort_order: form.get(field::SORT_ORDER).into(),
            active: form.checked(field::ACTIVE),
        };
        store::save_choice(&state.db, &viewer, &input).await
    };
    form.finish(result.await, |_| "/manage/followups/choices?saved=1".to_string())
}

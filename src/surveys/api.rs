//! `POST /api/v1/sessions/{id}/survey-responses` and the survey forms.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use chrono::Utc;
use serde_json::json;

use super::{field, store, SurveyInput};
use crate::{
    domain::Topic,
    server::{
        api::{ApiJson, IdempotencyKey, MaybeViewer},
        client::ClientIp,
        error::{AppError, AppResult},
        forms::Posted,
        ratelimit,
        routing::Routes,
        state::AppState,
    },
};

pub fn routes() -> Routes {
    Routes::new().post("/sessions/{id}/survey-responses", create)
}

pub fn form_routes() -> Routes {
    Routes::new().post("/survey/{code}", public_form).post("/staff/sessions/{id}/surveys", fast_entry_form)
}

async fn create(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    MaybeViewer(viewer): MaybeViewer,
    Path(id): Path<i64>,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(input): ApiJson<SurveyInput>,
) -> AppResult<impl IntoResponse> {
    ratelimit::public_write(&state, client, viewer.as_ref()).await?;
    let by = store::Answerer { viewer: viewer.as_ref(), client, paper: false };
    let response_id = store::submit(&state, id, &input, by, key.as_deref(), Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": response_id, "session_id": id }))))
}

/// The survey page's form: five-point scales as radio buttons, topics as checkboxes.
fn input_of(form: &Posted) -> SurveyInput {
    let wants = match form.get(field::WANTS_ONLINE_SERVICES) {
        "yes" | "1" => Some(true),
        "no" | "2" => Some(false),
        _ => None,
    };
    SurveyInput {
        comprehension: crate::domain::number(form.get(field::COMPREHENSION)).ok(),
        satisfaction: crate::domain::number(form.get(field::SATISFACTION)).ok(),
        wants_online_services: wants,
        topics_wanted: form.all(field::TOPICS_WANTED).into_iter().map(str::to_string).collect(),
        comment: form.get(field::COMMENT).into(),
        survey_code: Some(form.get(field::SURVEY_CODE).to_string()).filter(|c| !c.is_empty()),
    }
}

/// Digits typed from a paper sheet: "3" or "2 5 9" stand for topics by their number on the sheet.
fn fast_entry_topics(typed: &str) -> Result<Vec<String>, AppError> {
    typed
        .split(|c: char| c == ',' || c == '、' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|n| {
            n.parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|i| Topic::ALL.get(i))
                .map(|t| t.as_str().to_string())
                .ok_or_else(|| {
                    let mut errors = crate::domain::FieldErrors::default();
                    errors.add(
                        field::TOPICS_WANTED,
                        crate::domain::Problem::new("error.topic_number").with("max", Topic::ALL.len()),
                    );
                    AppError::Invalid(errors)
                })
        })
        .collect()
}

/// A typed scale answer: empty is "not answered", anything else must be a number.
fn typed_scale(form: &Posted, name: &str, errors: &mut crate::domain::FieldErrors) -> Option<i64> {
    let raw = form.get(name);
    if raw.trim().is_empty() {
        return None;
    }
    errors.check(name, crate::domain::number(raw).map_err(|_| crate::domain::Problem::new("error.scale")))
}

async fn public_form(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Path(code): Path<String>,
    form: Posted,
) -> Response {
    let result = async {
        ratelimit::public_write(&state, client, form.viewer().as_ref()).await?;
        let target = store::target_by_code(&state.db, &code, form.lang()).await?.ok_or(AppError::NotFound)?;
        let mut input = input_of(&form);
        input.survey_code = Some(code.clone());
        // Answering on the venue's tablet while staff are logged in still counts as the attendee's answer.
        let by = store::Answerer { viewer: None, client, paper: false };
        store::submit(&state, target.session_id, &input, by, form.once_key(), Utc::now()).await
    };
    form.finish(result.await, |_| format!("/survey/{code}?thanks=1"))
}

async fn fast_entry_form(State(state): State<AppState>, Path(id): Path<i64>, form: Posted) -> Response {
    let result = async {
        let viewer = form.viewer_or_401()?;
        let mut errors = crate::domain::FieldErrors::default();
        let comprehension = typed_scale(&form, field::COMPREHENSION, &mut errors);
        let satisfaction = typed_scale(&form, field::SATISFACTION, &mut errors);
        let topics = fast_entry_topics(form.get(field::TOPICS_WANTED));
        if let Err(AppError::Invalid(more)) = &topics {
            errors.0.extend(more.0.clone());
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let mut input = input_of(&form);
        input.comprehension = comprehension;
        input.satisfaction = satisfaction;
        input.topics_wanted = topics?;
        store::enter_sheet(&state, &viewer, id, &input, form.once_key(), Utc::now()).await
    };
    form.finish(result.await, |_| format!("/staff/sessions/{id}/surveys?saved=1"))
}

#[cfg(test)]
mod tests {
    use super::fast_entry_topics;

    #[test]
    fn topics_are_typed_by_their_number_on_the_sheet() {
        assert_eq!(fast_entry_topics("5 9").unwrap(), vec!["line", "cashless"]);
        assert_eq!(fast_entry_topics("1,2").unwrap(), vec!["basic_operation", "calls_camera"]);
        assert!(fast_entry_topics("").unwrap().is_empty());
        assert!(fast_entry_topics("12").is_err());
        assert!(fast_entry_topics("0").is_err());
    }
}

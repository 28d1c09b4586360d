//! `POST /api/v1/sessions/{id}/survey-responses` and the survey forms.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};
use chrono::Utc;
use serde_json::json;

use super::{store, SurveyInput};
use crate::{
    domain::Topic,
    server::{
        api::{ApiJson, MaybeViewer},
        error::{AppError, AppResult},
        http::Posted,
        ratelimit,
        state::AppState,
    },
};

pub fn routes() -> Router<AppState> {
    Router::new().route("/sessions/{id}/survey-responses", post(create))
}

pub fn form_routes() -> Router<AppState> {
    Router::new()
        .route("/survey/{code}", post(public_form))
        .route("/staff/sessions/{id}/surveys", post(fast_entry_form))
}

async fn create(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    MaybeViewer(viewer): MaybeViewer,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<SurveyInput>,
) -> AppResult<impl IntoResponse> {
    ratelimit::public_write(&state, client, viewer.as_ref()).await?;
    let response_id = store::submit(&state, id, &input, viewer.as_ref(), Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": response_id, "session_id": id }))))
}

/// The survey page's form: five-point scales as radio buttons, topics as checkboxes.
fn input_of(form: &Posted) -> SurveyInput {
    let wants = match form.get("wants_online_services") {
        "yes" | "1" => Some(true),
        "no" | "2" => Some(false),
        _ => None,
    };
    SurveyInput {
        comprehension: crate::domain::number(form.get("comprehension")).ok(),
        satisfaction: crate::domain::number(form.get("satisfaction")).ok(),
        wants_online_services: wants,
        topics_wanted: form.all("topics_wanted").into_iter().map(str::to_string).collect(),
        comment: form.get("comment").into(),
        survey_code: Some(form.get("survey_code").to_string()).filter(|c| !c.is_empty()),
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
                    errors.add("topics_wanted", crate::domain::Problem::new("error.topic_number").with("max", Topic::ALL.len()));
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
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
    form: Posted,
) -> Response {
    let result = async {
        ratelimit::public_write(&state, client, form.viewer().as_ref()).await?;
        let target = store::target_by_code(&state.db, &code, form.lang()).await?.ok_or(AppError::NotFound)?;
        let mut input = input_of(&form);
        input.survey_code = Some(code.clone());
        // Answering on the venue's tablet while staff are logged in still counts as the attendee's answer.
        store::submit(&state, target.session_id, &input, None, Utc::now()).await
    };
    form.finish(&state, result.await, |_| format!("/survey/{code}?thanks=1")).await
}

async fn fast_entry_form(State(state): State<AppState>, Path(id): Path<i64>, form: Posted) -> Response {
    let result = async {
        let viewer = form.viewer_or_401()?;
        let session = crate::sessions::store::detail(&state.db, id, Some(&viewer)).await?;
        viewer.require_venue(session.venue.id)?;
        let mut errors = crate::domain::FieldErrors::default();
        let comprehension = typed_scale(&form, "comprehension", &mut errors);
        let satisfaction = typed_scale(&form, "satisfaction", &mut errors);
        let topics = fast_entry_topics(form.get("topics_wanted"));
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
        store::submit(&state, id, &input, Some(&viewer), Utc::now()).await
    };
    form.finish(&state, result.await, |_| format!("/staff/sessions/{id}/surveys?saved=1")).await
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

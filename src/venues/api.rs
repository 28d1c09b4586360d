//! `/api/v1/venues` and the managers' venue forms.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};

use super::{store, VenueInput};
use crate::server::{
    api::{ApiJson, Authed},
    error::AppResult,
    http::Posted,
    state::AppState,
};

pub fn routes() -> Router<AppState> {
    Router::new().route("/venues", get(list).post(create)).route("/venues/{id}", get(one))
}

pub fn form_routes() -> Router<AppState> {
    Router::new()
        .route("/manage/venues/new", post(create_form))
        .route("/manage/venues/{id}/edit", post(update_form))
}

async fn list(State(state): State<AppState>) -> AppResult<Json<Vec<super::Venue>>> {
    Ok(Json(store::list(&state.db).await?))
}

async fn one(State(state): State<AppState>, Path(id): Path<i64>) -> AppResult<Json<super::Venue>> {
    Ok(Json(store::get(&state.db, id).await?))
}

async fn create(
    State(state): State<AppState>,
    Authed(viewer): Authed,
    ApiJson(input): ApiJson<VenueInput>,
) -> AppResult<impl IntoResponse> {
    viewer.require_manager()?;
    let venue = store::create(&state.db, &input).await?;
    state.venues.clear().await;
    Ok((StatusCode::CREATED, Json(venue)))
}

fn input_of(form: &Posted) -> VenueInput {
    VenueInput {
        name: form.get("name").into(),
        kind: form.get("kind").into(),
        ward: form.get("ward").into(),
        address: form.get("address").into(),
        access: form.get("access").into(),
    }
}

async fn create_form(State(state): State<AppState>, form: Posted) -> Response {
    let result = async {
        form.viewer_or_401()?.require_manager()?;
        let venue = store::create(&state.db, &input_of(&form)).await?;
        state.venues.clear().await;
        Ok(venue)
    };
    form.finish(&state, result.await, |_| "/manage/venues?saved=1".into()).await
}

async fn update_form(State(state): State<AppState>, Path(id): Path<i64>, form: Posted) -> Response {
    let result = async {
        form.viewer_or_401()?.require_manager()?;
        let venue = store::update(&state.db, id, &input_of(&form)).await?;
        state.venues.clear().await;
        Ok(venue)
    };
    form.finish(&state, result.await, |_| "/manage/venues?saved=1".into()).await
}

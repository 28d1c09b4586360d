//! `/api/v1/venues` and the managers' venue forms.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};

use super::{field, store, VenueInput};
use crate::server::{
    api::{ApiJson, Authed},
    error::AppResult,
    forms::Posted,
    routing::Routes,
    state::AppState,
};

pub fn routes() -> Routes {
    Routes::new().get("/venues", list).post("/venues", create).get("/venues/{id}", one)
}

pub fn form_routes() -> Routes {
    Routes::new().post("/manage/venues/new", create_form).post("/manage/venues/{id}/edit", update_form)
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
    Ok((StatusCode::CREATED, Json(store::create(&state, &viewer, &input, None).await?)))
}

fn input_of(form: &Posted) -> VenueInput {
    let get = |name: &str| form.get(name).to_string();
    VenueInput {
        name: get(field::NAME),
        kind: get(field::KIND),
        ward: get(field::WARD),
        address: get(field::ADDRESS),
        access: get(field::ACCESS),
        name_kana: get(field::NAME_KANA),
        phone: get(field::PHONE),
        hours: get(field::HOURS),
        latitude: get(field::LATITUDE),
        longitude: get(field::LONGITUDE),
        wheelchair: get(field::WHEELCHAIR),
        step_free: get(field::STEP_FREE),
        accessible_toilet: get(field::ACCESSIBLE_TOILET),
        priority_parking: get(field::PRIORITY_PARKING),
    }
}

async fn create_form(State(state): State<AppState>, form: Posted) -> Response {
    let result = async { store::create(&state, &form.viewer_or_401()?, &input_of(&form), form.once_key()).await };
    form.finish(result.await, |_| "/manage/venues?saved=1".into())
}

async fn update_form(State(state): State<AppState>, Path(id): Path<i64>, form: Posted) -> Response {
    let result = async { store::update(&state, &form.viewer_or_401()?, id, &input_of(&form)).await };
    form.finish(result.await, |_| "/manage/venues?saved=1".into())
}

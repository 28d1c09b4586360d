//! `/api/v1/city` and `/api/v1/wards` (anyone may read them: they are what every page
//! shows), and the administrators' city and ward forms.

use axum::{
    extract::{Path, State},
    response::Response,
    Json,
};

use super::{field, store, ward_field, wards, CityInput, CityProfile};
use crate::{
    server::{
        api::{ApiJson, Authed},
        error::AppResult,
        forms::Posted,
        routing::Routes,
        state::AppState,
    },
    venues::Ward,
};

pub fn routes() -> Routes {
    Routes::new().get("/city", profile).put("/city", save).get("/wards", ward_list)
}

pub fn form_routes() -> Routes {
    Routes::new()
        .post("/admin/city", save_form)
        .post("/admin/wards", add_ward_form)
        .post("/admin/wards/{code}", update_ward_form)
        .post("/admin/wards/{code}/retire", retire_ward_form)
}

/// The profile as stored now (pages keep it for a few seconds; see `store::cached`).
async fn profile(State(state): State<AppState>) -> AppResult<Json<CityProfile>> {
    Ok(Json(store::get(&state.db).await?))
}

async fn save(
    State(state): State<AppState>,
    Authed(viewer): Authed,
    ApiJson(input): ApiJson<CityInput>,
) -> AppResult<Json<CityProfile>> {
    Ok(Json(store::save(&state, &viewer, &input).await?))
}

async fn ward_list(State(state): State<AppState>) -> AppResult<Json<Vec<Ward>>> {
    Ok(Json(crate::venues::store::wards(&state.db).await?))
}

fn city_input(form: &Posted) -> CityInput {
    CityInput {
        name: form.get(field::NAME).into(),
        name_en: form.get(field::NAME_EN).into(),
        department: form.get(field::DEPARTMENT).into(),
        department_en: form.get(field::DEPARTMENT_EN).into(),
        phone: form.get(field::PHONE).into(),
        email: form.get(field::EMAIL).into(),
        privacy_contact: form.get(field::PRIVACY_CONTACT).into(),
        sender_name: form.get(field::SENDER_NAME).into(),
        lg_code: form.get(field::LG_CODE).into(),
    }
}

fn ward_input(form: &Posted) -> wards::WardInput {
    wards::WardInput {
        code: form.get(ward_field::CODE).into(),
        name_ja: form.get(ward_field::NAME_JA).into(),
        name_en: form.get(ward_field::NAME_EN).into(),
        sort_order: form.get(ward_field::SORT_ORDER).into(),
    }
}

async fn save_form(State(state): State<AppState>, form: Posted) -> Response {
    let result = async { store::save(&state, &form.viewer_or_401()?, &city_input(&form)).await };
    form.finish(result.await, |_| "/admin/city?saved=1".into())
}

async fn add_ward_form(State(state): State<AppState>, form: Posted) -> Response {
    let result = async { wards::add(&state, &form.viewer_or_401()?, &ward_input(&form)).await };
    form.finish(result.await, |_| "/admin/wards?saved=1".into())
}

async fn update_ward_form(State(state): State<AppState>, Path(code): Path<String>, form: Posted) -> Response {
    let result = async { wards::update(&state, &form.viewer_or_401()?, &code, &ward_input(&form)).await };
    form.finish(result.await, |_| "/admin/wards?saved=1".into())
}

async fn retire_ward_form(State(state): State<AppState>, Path(code): Path<String>, form: Posted) -> Response {
    let result = async { wards::retire(&state, &form.viewer_or_401()?, &code).await };
    form.finish(result.await, |_| "/admin/wards?retired=1".into())
}

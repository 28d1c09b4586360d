//! `/api/v1/partners`, session partners, referrals and the partner report, and the
//! form posts of the partner pages.

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{delete, get, post},
    Json, Router,
};
use chrono::Utc;
use serde::{de::DeserializeOwned, Serialize};

use super::{store, Partner, PartnerInput, PartnerReport, Referral, ReferralInput, SessionPartner, SessionPartnerInput};
use crate::{
    domain::Problem,
    reports::api::KpiQuery,
    server::{
        api::{ApiJson, Authed},
        error::{request_lang, AppError, AppResult},
        http::Posted,
        state::AppState,
    },
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/partners", get(list).post(create))
        .route("/partners/{id}", get(one).patch(edit))
        .route("/sessions/{id}/partners", get(session_partners).post(link))
        .route("/sessions/{id}/partners/{partner_id}", delete(unlink))
        .route("/referrals", get(referrals).post(refer))
        .route("/referrals/{id}/handled", post(handled))
        .route("/reports/partners", get(report))
}

pub fn form_routes() -> Router<AppState> {
    Router::new()
        .route("/manage/partners/new", post(create_form))
        .route("/manage/partners/{id}/edit", post(edit_form))
        .route("/manage/sessions/{id}/partners", post(session_partners_form))
        .route("/staff/sessions/{id}/refer", post(refer_form))
        .route("/partner", post(handled_form))
}

async fn list(State(state): State<AppState>, Authed(viewer): Authed) -> AppResult<Json<Vec<Partner>>> {
    Ok(Json(store::visible_partners(&state.db, &viewer).await?))
}

async fn one(State(state): State<AppState>, Authed(viewer): Authed, Path(id): Path<i64>) -> AppResult<Json<Partner>> {
    viewer.require_partner(id)?;
    Ok(Json(store::get(&state.db, id).await?))
}

async fn create(
    State(state): State<AppState>,
    Authed(viewer): Authed,
    ApiJson(input): ApiJson<PartnerInput>,
) -> AppResult<impl IntoResponse> {
    viewer.require_manager()?;
    Ok((StatusCode::CREATED, Json(store::create(&state.db, &input).await?)))
}

/// The given fields over the current ones, read back as `T` (a PATCH body).
fn patched<T: Serialize + DeserializeOwned>(current: T, patch: serde_json::Map<String, serde_json::Value>) -> AppResult<T> {
    let mut merged = serde_json::to_value(current).map_err(anyhow::Error::from)?;
    for (key, value) in patch {
        merged[key] = value;
    }
    serde_json::from_value(merged).map_err(|e| AppError::BadRequest(Problem::new("error.json_shape").with("detail", e)))
}

async fn edit(
    State(state): State<AppState>,
    Authed(viewer): Authed,
    Path(id): Path<i64>,
    ApiJson(patch): ApiJson<serde_json::Map<String, serde_json::Value>>,
) -> AppResult<Json<Partner>> {
    viewer.require_manager()?;
    let input = patched(store::get(&state.db, id).await?.to_input(), patch)?;
    Ok(Json(store::update(&state.db, id, &input).await?))
}

async fn session_partners(
    State(state): State<AppState>,
    Authed(viewer): Authed,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<SessionPartner>>> {
    viewer.require_manager()?;
    crate::sessions::store::detail(&state.db, id, None).await?;
    Ok(Json(store::session_partners(&state.db, id).await?))
}

/// Links a partner (or changes its role); answers with the session's partners.
async fn link(
    State(state): State<AppState>,
    Authed(viewer): Authed,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<SessionPartnerInput>,
) -> AppResult<impl IntoResponse> {
    viewer.require_manager()?;
    Ok((StatusCode::CREATED, Json(store::link_session(&state.db, id, &input).await?)))
}

async fn unlink(
    State(state): State<AppState>,
    Authed(viewer): Authed,
    Path((id, partner_id)): Path<(i64, i64)>,
) -> AppResult<StatusCode> {
    viewer.require_manager()?;
    store::unlink_session(&state.db, id, partner_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Partner staff get the referrals to their shop, managers every referral.
async fn referrals(State(state): State<AppState>, Authed(viewer): Authed) -> AppResult<Json<Vec<Referral>>> {
    match viewer.partner_id.filter(|_| !viewer.is_manager()) {
        Some(own) => Ok(Json(store::partner_referrals(&state.db, &viewer, own).await?)),
        None => Ok(Json(store::all_referrals(&state.db, &viewer).await?)),
    }
}

async fn refer(
    State(state): State<AppState>,
    Authed(viewer): Authed,
    ApiJson(input): ApiJson<ReferralInput>,
) -> AppResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(store::refer(&state.db, &viewer, &input).await?)))
}

async fn handled(State(state): State<AppState>, Authed(viewer): Authed, Path(id): Path<i64>) -> AppResult<Json<Referral>> {
    Ok(Json(store::mark_handled(&state.db, &viewer, id).await?))
}

async fn report(
    State(state): State<AppState>,
    Authed(viewer): Authed,
    Query(q): Query<KpiQuery>,
) -> AppResult<Json<PartnerReport>> {
    viewer.require_manager()?;
    Ok(Json(store::report(&state.db, &q.filter()?, Utc::now(), request_lang()).await?))
}

fn input_of(form: &Posted) -> PartnerInput {
    PartnerInput {
        carrier: form.get("carrier").into(),
        name: form.get("name").into(),
        ward: form.get("ward").into(),
        address: form.get("address").into(),
        contact_name: form.get("contact_name").into(),
        phone: form.get("phone").into(),
        email: form.get("email").into(),
        agreement_date: Some(form.get("agreement_date").into()),
        active: Some(form.checked("active")),
        notes: form.get("notes").into(),
    }
}

async fn create_form(State(state): State<AppState>, form: Posted) -> Response {
    let result = async {
        form.viewer_or_401()?.require_manager()?;
        store::create(&state.db, &input_of(&form)).await
    };
    form.finish(&state, result.await, |_| "/manage/partners?saved=1".into()).await
}

async fn edit_form(State(state): State<AppState>, Path(id): Path<i64>, form: Posted) -> Response {
    let result = async {
        form.viewer_or_401()?.require_manager()?;
        store::update(&state.db, id, &input_of(&form)).await
    };
    form.finish(&state, result.await, |_| "/manage/partners?saved=1".into()).await
}

fn number(form: &Posted, name: &str) -> Option<i64> {
    crate::domain::number(form.get(name)).ok()
}

/// The session's partner page posts here both to link a partner and (with `remove`) to unlink one.
async fn session_partners_form(State(state): State<AppState>, Path(id): Path<i64>, form: Posted) -> Response {
    let result = async {
        form.viewer_or_401()?.require_manager()?;
        match number(&form, "remove") {
            Some(partner_id) => store::unlink_session(&state.db, id, partner_id).await,
            None => {
                let input = SessionPartnerInput { partner_id: number(&form, "partner_id"), role: form.get("role").into() };
                store::link_session(&state.db, id, &input).await.map(|_| ())
            }
        }
    };
    form.finish(&state, result.await, |_| format!("/manage/sessions/{id}/partners?saved=1")).await
}

async fn refer_form(State(state): State<AppState>, Path(id): Path<i64>, form: Posted) -> Response {
    let result = async {
        let viewer = form.viewer_or_401()?;
        let input = ReferralInput {
            registration_id: number(&form, "registration_id"),
            partner_id: number(&form, "partner_id"),
            reason: form.get("reason").into(),
        };
        store::refer(&state.db, &viewer, &input).await
    };
    form.finish(&state, result.await, |_| format!("/staff/sessions/{id}/refer?referred=1")).await
}

async fn handled_form(State(state): State<AppState>, form: Posted) -> Response {
    let result = async {
        let viewer = form.viewer_or_401()?;
        let id = number(&form, "referral_id").ok_or(AppError::NotFound)?;
        store::mark_handled(&state.db, &viewer, id).await
    };
    form.finish(&state, result.await, |_| "/partner?handled=1".into()).await
}

//! `/api/v1/partners`, session partners, referrals and the partner report, and the
//! form posts of the partner pages.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde::{de::DeserializeOwned, Serialize};

use super::{field, store, Partner, PartnerInput, Referral, ReferralInput, SessionPartner, SessionPartnerInput};
use crate::{
    domain::Problem,
    server::{
        api::{ApiJson, Authed},
        error::{AppError, AppResult},
        forms::Posted,
        routing::Routes,
        state::AppState,
    },
};

pub fn routes() -> Routes {
    Routes::new()
        .get("/partners", list)
        .post("/partners", create)
        .get("/partners/{id}", one)
        .patch("/partners/{id}", edit)
        .get("/sessions/{id}/partners", session_partners)
        .post("/sessions/{id}/partners", link)
        .delete("/sessions/{id}/partners/{partner_id}", unlink)
        .get("/referrals", referrals)
        .post("/referrals", refer)
        .post("/referrals/{id}/handled", handled)
}

pub fn form_routes() -> Routes {
    Routes::new()
        .post("/manage/partners/new", create_form)
        .post("/manage/partners/{id}/edit", edit_form)
        .post("/manage/sessions/{id}/partners", session_partners_form)
        .post("/staff/sessions/{id}/refer", refer_form)
        .post("/partner", handled_form)
}

async fn list(State(state): State<AppState>, Authed(viewer): Authed) -> AppResult<Json<Vec<Partner>>> {
    Ok(Json(store::visible_partners(&state.db, &viewer).await?))
}

async fn one(State(state): State<AppState>, Authed(viewer): Authed, Path(id): Path<i64>) -> AppResult<Json<Partner>> {
    Ok(Json(store::get_for(&state.db, &viewer, id).await?))
}

async fn create(
    State(state): State<AppState>,
    Authed(viewer): Authed,
    ApiJson(input): ApiJson<PartnerInput>,
) -> AppResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(store::create(&state.db, &viewer, &input, None).await?)))
}

/// The given fields over the current ones, read back as `T` (a PATCH body).
fn patched<T: Serialize + DeserializeOwned>(
    current: T,
    patch: serde_json::Map<String, serde_json::Value>,
) -> AppResult<T> {
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
    let input = patched(store::get_for(&state.db, &viewer, id).await?.to_input(), patch)?;
    Ok(Json(store::update(&state.db, &viewer, id, &input).await?))
}

async fn session_partners(
    State(state): State<AppState>,
    Authed(viewer): Authed,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<SessionPartner>>> {
    Ok(Json(store::session_partners_for(&state.db, &viewer, id).await?))
}

/// Links a partner (or changes its role); answers with the session's partners.
async fn link(
    State(state): State<AppState>,
    Authed(viewer): Authed,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<SessionPartnerInput>,
) -> AppResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(store::link_session(&state.db, &viewer, id, &input).await?)))
}

async fn unlink(
    State(state): State<AppState>,
    Authed(viewer): Authed,
    Path((id, partner_id)): Path<(i64, i64)>,
) -> AppResult<StatusCode> {
    store::unlink_session(&state.db, &viewer, id, partner_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Partner staff get the referrals to their shop, managers every referral.
async fn referrals(State(state): State<AppState>, Authed(viewer): Authed) -> AppResult<Json<Vec<Referral>>> {
    match viewer.own_shop() {
        Some(own) => Ok(Json(store::partner_referrals(&state.db, &viewer, own).await?)),
        None => Ok(Json(store::all_referrals(&state.db, &viewer).await?)),
    }
}

async fn refer(
    State(state): State<AppState>,
    Authed(viewer): Authed,
    ApiJson(input): ApiJson<ReferralInput>,
) -> AppResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(store::refer(&state.db, &viewer, &input, None).await?)))
}

async fn handled(
    State(state): State<AppState>,
    Authed(viewer): Authed,
    Path(id): Path<i64>,
) -> AppResult<Json<Referral>> {
    Ok(Json(store::mark_handled(&state.db, &viewer, id).await?))
}

fn input_of(form: &Posted) -> PartnerInput {
    PartnerInput {
        carrier: form.get(field::CARRIER).into(),
        name: form.get(field::NAME).into(),
        ward: form.get(field::WARD).into(),
        address: form.get(field::ADDRESS).into(),
        contact_name: form.get(field::CONTACT_NAME).into(),
        phone: form.get(field::PHONE).into(),
        email: form.get(field::EMAIL).into(),
        agreement_date: Some(form.get(field::AGREEMENT_DATE).into()),
        active: Some(form.checked(field::ACTIVE)),
        notes: form.get(field::NOTES).into(),
    }
}

async fn create_form(State(state): State<AppState>, form: Posted) -> Response {
    let result = async { store::create(&state.db, &form.viewer_or_401()?, &input_of(&form), form.once_key()).await };
    form.finish(result.await, |_| "/manage/partners?saved=1".into())
}

async fn edit_form(State(state): State<AppState>, Path(id): Path<i64>, form: Posted) -> Response {
    let result = async { store::update(&state.db, &form.viewer_or_401()?, id, &input_of(&form)).await };
    form.finish(result.await, |_| "/manage/partners?saved=1".into())
}

fn number(form: &Posted, name: &str) -> Option<i64> {
    crate::domain::number(form.get(name)).ok()
}

/// The session's partner page posts here both to link a partner and (with `remove`) to unlink one.
async fn session_partners_form(State(state): State<AppState>, Path(id): Path<i64>, form: Posted) -> Response {
    let result = async {
        let viewer = form.viewer_or_401()?;
        match number(&form, field::REMOVE) {
            Some(partner_id) => store::unlink_session(&state.db, &viewer, id, partner_id).await,
            None => {
                let input = SessionPartnerInput {
                    partner_id: number(&form, field::PARTNER_ID),
                    role: form.get(field::ROLE).into(),
                };
                store::link_session(&state.db, &viewer, id, &input).await.map(|_| ())
            }
        }
    };
    form.finish(result.await, |_| format!("/manage/sessions/{id}/partners?saved=1"))
}

async fn refer_form(State(state): State<AppState>, Path(id): Path<i64>, form: Posted) -> Response {
    let result = async {
        let viewer = form.viewer_or_401()?;
        let input = ReferralInput {
            registration_id: number(&form, field::REGISTRATION_ID),
            partner_id: number(&form, field::PARTNER_ID),
            reason: form.get(field::REASON).into(),
            consent: form.checked(field::CONSENT),
        };
        store::refer(&state.db, &viewer, &input, form.once_key()).await
    };
    form.finish(result.await, |_| format!("/staff/sessions/{id}/refer?referred=1"))
}

async fn handled_form(State(state): State<AppState>, form: Posted) -> Response {
    let result = async {
        let viewer = form.viewer_or_401()?;
        let id = number(&form, field::REFERRAL_ID).ok_or(AppError::NotFound)?;
        store::mark_handled(&state.db, &viewer, id).await
    };
    form.finish(result.await, |_| "/partner?handled=1".into())
}

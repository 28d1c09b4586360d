//! Administrators' data-request routes: export and erase one attendee's data.

use axum::{
    extract::{Path, State},
    http::header,
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};
use chrono::Utc;

use super::store;
use crate::server::{
    error::{AppError, AppResult},
    http::Posted,
    state::AppState,
};

pub fn form_routes() -> Router<AppState> {
    Router::new()
        .route("/admin/registrations/{id}/export", get(export))
        .route("/admin/registrations/{id}/erase", post(erase))
}

fn admin(parts: &axum::http::request::Parts) -> AppResult<crate::accounts::Viewer> {
    let viewer = parts.extensions.get::<crate::accounts::Viewer>().cloned().ok_or(AppError::Unauthorized)?;
    if viewer.is_admin() { Ok(viewer) } else { Err(AppError::Forbidden) }
}

async fn export(State(state): State<AppState>, Path(id): Path<i64>, req: axum::extract::Request) -> AppResult<Response> {
    let (parts, _) = req.into_parts();
    let viewer = admin(&parts)?;
    let data = store::export_registration(&state.db, &viewer, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"registration-{id}.json\"")),
        ],
        serde_json::to_string_pretty(&data).map_err(anyhow::Error::from)?,
    )
        .into_response())
}

async fn erase(State(state): State<AppState>, Path(id): Path<i64>, form: Posted) -> Response {
    let result = async {
        let viewer = admin(&form.parts)?;
        store::erase_registration(&state.db, &viewer, id, Utc::now()).await
    };
    form.finish(&state, result.await, |_| "/admin/people?erased=1".to_string()).await
}

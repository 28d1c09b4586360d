//! Administrators' data-request routes: export and erase one attendee's data.

use axum::{
    extract::{Path, State},
    http::header,
    response::{IntoResponse, Response},
};
use chrono::Utc;

use super::store;
use crate::server::{api::Authed, error::AppResult, forms::Posted, routing::Routes, state::AppState};

pub fn form_routes() -> Routes {
    Routes::new().get("/admin/registrations/{id}/export", export).post("/admin/registrations/{id}/erase", erase)
}

async fn export(State(state): State<AppState>, Authed(viewer): Authed, Path(id): Path<i64>) -> AppResult<Response> {
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
        let viewer = form.viewer_or_401()?;
        store::erase_registration(&state.db, &store::Copies::of(&state.config), &viewer, id, Utc::now()).await
    };
    form.finish(result.await, |_| "/admin/people?erased=1".to_string())
}

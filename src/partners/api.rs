//! `/api/v1/partners`, session partners, referrals and the partner report.

use axum::Router;

use crate::server::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}

pub fn form_routes() -> Router<AppState> {
    Router::new()
}

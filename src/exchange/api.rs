//! The managers' CSV upload and download routes.

use axum::Router;

use crate::server::state::AppState;

pub fn form_routes() -> Router<AppState> {
    Router::new()
}

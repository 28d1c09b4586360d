//! What every handler and server function can reach.

use std::sync::Arc;

use leptos::config::LeptosOptions;

use super::{config::Config, db::Db};
use crate::mail::Mailer;

#[derive(Clone, axum::extract::FromRef)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
    pub mailer: Mailer,
    /// Venues and wards, read on every public page and changed rarely.
    pub venues: crate::venues::store::DirectoryCache,
}

/// The state inside a server function or a page being rendered.
pub fn app_state() -> Result<AppState, leptos::prelude::ServerFnError> {
    leptos::prelude::use_context::<AppState>()
        .ok_or_else(|| leptos::prelude::ServerFnError::new("app state missing"))
}

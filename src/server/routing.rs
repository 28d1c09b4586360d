//! A route table that remembers what it holds, so `ippo routes` can list every route
//! the server answers and the authorization test can check each one against who may call it.

use axum::{
    handler::Handler,
    routing::{delete, get, patch, post, put},
    Router,
};

use super::state::AppState;

/// Routes of one feature (or of the whole app), with their methods and paths.
#[derive(Default)]
pub struct Routes {
    router: Router<AppState>,
    listed: Vec<(&'static str, String)>,
}

macro_rules! method {
    ($(#[$doc:meta])* $name:ident, $routing:ident, $verb:literal) => {
        $(#[$doc])*
        pub fn $name<H, T>(mut self, path: &'static str, handler: H) -> Self
        where
            H: Handler<T, AppState>,
            T: 'static,
        {
            self.router = self.router.route(path, $routing(handler));
            self.listed.push(($verb, path.to_string()));
            self
        }
    };
}

impl Routes {
    pub fn new() -> Routes {
        Routes::default()
    }

    method!(
        /// Answers `GET` (and `HEAD`) at `path`.
        get, get, "GET"
    );
    method!(
        /// Answers `POST` at `path`.
        post, post, "POST"
    );
    method!(
        /// Answers `PATCH` at `path`.
        patch, patch, "PATCH"
    );
    method!(
        /// Answers `PUT` at `path`.
        put, put, "PUT"
    );
    method!(
        /// Answers `DELETE` at `path`.
        delete, delete, "DELETE"
    );

    /// Adds another table's routes.
    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.listed.extend(other.listed);
        self
    }

    /// Adds another table's routes under a prefix (`/api/v1`).
    pub fn nest(mut self, prefix: &'static str, other: Routes) -> Self {
        self.router = self.router.nest(prefix, other.router);
        self.listed.extend(other.listed.into_iter().map(|(m, p)| (m, format!("{prefix}{p}"))));
        self
    }

    /// Lists a route that is answered by other means (the Leptos pages, static files).
    pub fn list(mut self, method: &'static str, path: String) -> Self {
        self.listed.push((method, path));
        self
    }

    /// Every route as `METHOD /path`, sorted.
    pub fn listing(&self) -> Vec<String> {
        let mut lines: Vec<String> = self.listed.iter().map(|(m, p)| format!("{m} {p}")).collect();
        lines.sort();
        lines.dedup();
        lines
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<String>) {
        let listing = self.listing();
        (self.router, listing)
    }
}

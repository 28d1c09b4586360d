//! The HTTP stack: routes of every feature, the Leptos pages, static files, and the
//! middleware that resolves the viewer and the language of each request.

use std::collections::HashMap;

use axum::{
    body::Body,
    extract::{FromRequest, Request, State},
    http::{header, request::Parts, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    Router,
};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::{compression::CompressionLayer, services::ServeDir, set_header::SetResponseHeaderLayer};
use tower_sessions::Session;

use super::{
    error::{AppError, REQUEST_LANG},
    state::AppState,
    web_sessions::WebSessionStore,
};
use crate::{
    accounts::{self, Viewer},
    app::{shell, App},
    forms::FormState,
    i18n::Lang,
    exchange, partners, privacy, registrations, reports, sessions, surveys, venues,
};

/// The session key holding the logged-in user's id.
pub const USER_ID_KEY: &str = "user_id";

pub fn request_lang(headers: &HeaderMap) -> Lang {
    let get = |name| headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    Lang::from_headers(get(header::COOKIE), get(header::ACCEPT_LANGUAGE))
}

pub async fn router(state: AppState, sessions_store: WebSessionStore) -> Router {
    let routes = generate_route_list(App);
    let leptos_options = state.leptos_options.clone();
    let pkg_dir = format!("{}/{}", leptos_options.site_root, leptos_options.site_pkg_dir);

    let api = Router::new()
        .merge(venues::api::routes())
        .merge(sessions::api::routes())
        .merge(registrations::api::routes())
        .merge(surveys::api::routes())
        .merge(reports::api::routes())
        .merge(partners::api::routes());

    Router::new()
        .nest("/api/v1", api)
        .merge(accounts::handlers::routes())
        .merge(venues::api::form_routes())
        .merge(sessions::api::form_routes())
        .merge(registrations::api::form_routes())
        .merge(surveys::api::form_routes())
        .merge(reports::api::export_routes())
        .merge(partners::api::form_routes())
        .merge(exchange::api::form_routes())
        .merge(privacy::api::form_routes())
        .route("/healthz", axum::routing::get(healthz))
        .route("/metrics", axum::routing::get(super::metrics::render))
        .leptos_routes_with_context(
            &state,
            routes,
            {
                let state = state.clone();
                move || provide_context(state.clone())
            },
            {
                let options = leptos_options.clone();
                move || shell(options.clone())
            },
        )
        .route_layer(middleware::from_fn(super::metrics::track))
        .nest_service("/pkg", ServeDir::new(pkg_dir).precompressed_br().precompressed_gzip())
        .fallback_service(ServeDir::new(&*leptos_options.site_root).not_found_service(axum::routing::any({
            let state = state.clone();
            move |req: Request| not_found(state.clone(), req)
        })))
        .layer(middleware::from_fn_with_state(state.clone(), resolve_viewer))
        .layer(sessions_store.layer(state.config.secure_cookies()))
        .layer(middleware::from_fn(refuse_cross_site_writes))
        .layer(middleware::from_fn(api_errors_as_json))
        .layer(middleware::from_fn(with_request_context))
        // gzip, not brotli: at the quality used on the fly, brotli made a first visit no
        // smaller (the stylesheet came out larger) and took twice gzip's time (docs/BENCHMARKS.md).
        .layer(CompressionLayer::new().no_br())
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        // Pages set their own policy with the nonce of their hydration script (see `app::shell`);
        // everything else (JSON, CSV, files) may load nothing.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        ))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    if state.db.ping().await {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}

async fn not_found(state: AppState, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    if parts.uri.path().starts_with("/api/") {
        return AppError::NotFound.into_response();
    }
    render_page(&state, &parts, FormState::default(), StatusCode::NOT_FOUND).await
}

/// Largest request body accepted (a CSV upload is the biggest thing anyone sends).
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Answers in the language of the request (cookie choice, then Accept-Language), and
/// remembers the client's address for the audit log.
async fn with_request_context(req: Request, next: Next) -> Response {
    let lang = request_lang(req.headers());
    let client = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_default();
    REQUEST_LANG.scope(lang, super::audit::REQUEST_CLIENT.scope(client, next.run(req))).await
}

/// Refuses state-changing requests that a browser sent from another site (CSRF).
/// Requests with a bearer token carry no ambient credentials and are exempt.
async fn refuse_cross_site_writes(req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || req.headers().contains_key(header::AUTHORIZATION) || same_site(req.headers()) {
        next.run(req).await
    } else {
        AppError::Refused(crate::domain::Problem::new("error.cross_site")).into_response()
    }
}

/// Whether the browser says the request comes from this site. `Sec-Fetch-Site` first
/// (all current browsers), then `Origin` against `Host`; with neither (curl, old
/// browsers) the SameSite=Lax cookie is the protection.
fn same_site(headers: &HeaderMap) -> bool {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match get("sec-fetch-site") {
        Some(site) => matches!(site, "same-origin" | "none"),
        None => match (get("origin"), get("host")) {
            (Some(origin), Some(host)) => origin.split_once("://").is_some_and(|(_, rest)| rest == host),
            _ => true,
        },
    }
}

/// Gives every API error the JSON shape of the contract, including the ones axum makes
/// itself (a path that is not a number, a query that does not parse, a body too large).
async fn api_errors_as_json(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/v1/");
    let response = next.run(req).await;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !is_api || is_json || !(response.status().is_client_error()) {
        return response;
    }
    let status = response.status();
    let error = match status {
        StatusCode::NOT_FOUND => AppError::NotFound,
        StatusCode::UNAUTHORIZED => AppError::Unauthorized,
        StatusCode::FORBIDDEN => AppError::Forbidden,
        StatusCode::PAYLOAD_TOO_LARGE => AppError::BadRequest(crate::domain::Problem::new("error.too_large")),
        StatusCode::METHOD_NOT_ALLOWED => AppError::BadRequest(crate::domain::Problem::new("error.method")),
        _ => AppError::BadRequest(crate::domain::Problem::new("error.bad_request")),
    };
    let mut fixed = error.into_response();
    *fixed.status_mut() = status;
    fixed
}

/// Puts the `Viewer` of a bearer token or of the login cookie into the request.
async fn resolve_viewer(State(state): State<AppState>, session: Session, mut req: Request, next: Next) -> Response {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.strip_prefix("Bearer ").map(str::trim).map(str::to_string));
    let viewer = match bearer {
        // A malformed or unknown token is refused outright rather than treated as anonymous.
        Some(Some(token)) => match accounts::store::viewer_for_token(&state.db, &token).await {
            Ok(Some(viewer)) => Some(viewer),
            Ok(None) => return AppError::Unauthorized.into_response(),
            Err(err) => return err.into_response(),
        },
        Some(None) => return AppError::Unauthorized.into_response(),
        None => match session.get::<i64>(USER_ID_KEY).await {
            Ok(Some(user_id)) => accounts::store::load_viewer(&state.db, user_id).await.ok().flatten(),
            _ => None,
        },
    };
    if let Some(viewer) = viewer {
        req.extensions_mut().insert::<Viewer>(viewer);
    }
    next.run(req).await
}

/// Renders the page at the request's path, with a failed form's values and messages,
/// under the given status. Form handlers use it to answer a bad submission without a
/// redirect, so the page works the same with JavaScript off.
pub async fn render_page(state: &AppState, parts: &Parts, form: FormState, status: StatusCode) -> Response {
    let mut get = Request::new(Body::empty());
    *get.method_mut() = Method::GET;
    *get.uri_mut() = parts.uri.clone();
    *get.headers_mut() = parts.headers.clone();
    *get.extensions_mut() = parts.extensions.clone();
    let handler = leptos_axum::render_app_async_with_context(
        {
            let state = state.clone();
            move || {
                provide_context(state.clone());
                provide_context(form.clone());
            }
        },
        {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        },
    );
    let mut response = handler(get).await;
    *response.status_mut() = status;
    response
}

/// A submitted HTML form: its fields in order (names may repeat) and the request head.
pub struct Posted {
    pub parts: Parts,
    pub fields: Vec<(String, String)>,
}

impl Posted {
    pub fn get(&self, name: &str) -> &str {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    pub fn checked(&self, name: &str) -> bool {
        matches!(self.get(name), "on" | "true" | "1" | "yes")
    }

    pub fn lang(&self) -> Lang {
        request_lang(&self.parts.headers)
    }

    pub fn viewer(&self) -> Option<Viewer> {
        self.parts.extensions.get::<Viewer>().cloned()
    }

    /// The form as it was sent, for re-showing it with these errors.
    pub fn with_errors(&self, err: &AppError) -> FormState {
        let lang = self.lang();
        let errors: HashMap<String, String> = err
            .field_messages(lang)
            .into_iter()
            .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_string()))
            .collect();
        FormState {
            values: self.fields.clone(),
            summary: if matches!(err, AppError::Invalid(_)) { None } else { Some(err.message(lang)) },
            errors,
        }
    }

    /// The logged-in viewer, or 401.
    pub fn viewer_or_401(&self) -> Result<Viewer, AppError> {
        self.viewer().ok_or(AppError::Unauthorized)
    }

    /// Ends a form post: on success a 303 to the page `next` names, else the form again.
    pub async fn finish<T>(&self, state: &AppState, result: Result<T, AppError>, next: impl FnOnce(T) -> String) -> Response {
        match result {
            Ok(value) => see_other(&next(value)),
            Err(err) => self.reject(state, err).await,
        }
    }

    /// Answers a failed submission: the same page again with the input and the messages.
    pub async fn reject(&self, state: &AppState, err: AppError) -> Response {
        if let AppError::Internal(e) = &err {
            tracing::error!(error = %format!("{e:#}"), "internal error in a form");
        }
        let status = err.status();
        render_page(state, &self.parts, self.with_errors(&err), status).await
    }
}

impl<S: Send + Sync> FromRequest<S> for Posted {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        // A bare button in a form with no fields may arrive without a body or its type.
        if !parts.headers.contains_key(header::CONTENT_TYPE) {
            return Ok(Posted { parts, fields: Vec::new() });
        }
        let form = axum::Form::<Vec<(String, String)>>::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(|rejection| rejection.into_response())?;
        Ok(Posted { parts, fields: form.0 })
    }
}

/// A 303 to a page after a successful form post.
pub fn see_other(location: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, location.to_string())]).into_response()
}

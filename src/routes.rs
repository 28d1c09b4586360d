//! The composition root of HTTP: the route table (the one place that knows every
//! feature's routes), the Leptos pages, static files, and the middleware stack that
//! finds each request's language and viewer, refuses cross-site writes, renders refused
//! form posts, and gives API errors their JSON shape.

use axum::{
    body::Body,
    extract::{Request, State},
    http::{header, request::Parts, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    Router,
};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::{
    compression::CompressionLayer,
    services::ServeDir,
    set_header::{SetResponseHeader, SetResponseHeaderLayer},
};

use crate::{
    accounts,
    app::{shell, App},
    city, exchange, followups,
    i18n::Lang,
    partners, privacy, registrations, reports,
    server::{
        api::Authed,
        audit::REQUEST_CLIENT,
        client::{client_ip, ClientIp},
        error::{AppError, REQUEST_LANG},
        forms::{FormRejected, FormState},
        pagecache::{self, Pages},
        routing::Routes,
        state::AppState,
        web_sessions::WebSessionStore,
    },
    sessions, surveys,
    ui::large_text_in,
    venues,
};

/// Every route of every feature: the JSON API under `/api/v1`, the form posts, the
/// downloads and the operations endpoints. The pages are added by `router` from `App`.
pub fn table() -> Routes {
    let api = Routes::new()
        .merge(city::api::routes())
        .merge(venues::api::routes())
        .merge(sessions::api::routes())
        .merge(registrations::api::routes())
        .merge(surveys::api::routes())
        .merge(followups::api::routes())
        .merge(reports::api::routes())
        .merge(partners::api::routes());
    Routes::new()
        .nest("/api/v1", api)
        .merge(accounts::handlers::routes())
        .merge(city::api::form_routes())
        .merge(venues::api::form_routes())
        .merge(sessions::api::form_routes())
        .merge(registrations::api::form_routes())
        .merge(surveys::api::form_routes())
        .merge(followups::api::form_routes())
        .merge(reports::api::export_routes())
        .merge(partners::api::form_routes())
        .merge(exchange::api::form_routes())
        .merge(privacy::api::form_routes())
        .get("/healthz", healthz)
        .get("/metrics", metrics)
}

/// Every route the server answers, as `METHOD /path` (`ippo routes`): the table, the
/// pages, static files, and any Leptos server function (there are none: pages load their
/// data on the server, so no function is reachable from outside).
pub fn listing() -> Vec<String> {
    let mut table = table();
    for page in generate_route_list(App) {
        table = table.list("GET", page.path().to_string());
    }
    for (path, method) in leptos::server_fn::axum::server_fn_paths() {
        table = table.list("POST", format!("{path} ({method})"));
    }
    // The built site: the stylesheet, script and WASM under /pkg, and files of public/.
    table.list("GET", "/pkg/{*file}".into()).list("GET", "/{*file}".into()).listing()
}

/// The pages the page cache keeps (`server::pagecache`): the session list, a session's
/// page and a venue's calendar, as a visitor who is not logged in sees them, in each
/// reader's language and text size.
pub const PUBLIC_PAGES: Pages = Pages { public: is_public_page, variant: page_variant };

fn is_public_page(path: &str) -> bool {
    let id_and = |rest: &str, tail: &str| {
        rest.strip_suffix(tail).is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
    };
    path == "/"
        || path == "/open-data/sessions.csv"
        || path.strip_prefix("/sessions/").is_some_and(|rest| id_and(rest, ""))
        || path.strip_prefix("/venues/").is_some_and(|rest| id_and(rest, "/calendar"))
}

fn page_variant(headers: &HeaderMap) -> String {
    let size = if large_text_in(headers) { "large" } else { "standard" };
    format!("{}/{size}", Lang::from_request(headers).code())
}

pub async fn router(state: AppState, sessions_store: WebSessionStore) -> Router {
    let routes = generate_route_list(App);
    let leptos_options = state.leptos_options.clone();
    let pkg_dir = format!("{}/{}", leptos_options.site_root, leptos_options.site_pkg_dir);
    let (table, _) = table().into_parts();
    let hashed = leptos_options.hash_files;

    table
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
        .route_layer(middleware::from_fn(crate::server::metrics::track))
        .nest_service("/pkg", static_files(ServeDir::new(pkg_dir).precompressed_br().precompressed_gzip(), hashed))
        .fallback_service(ServeDir::new(&*leptos_options.site_root).not_found_service(axum::routing::any({
            let state = state.clone();
            move |req: Request| not_found(state.clone(), req)
        })))
        .layer(middleware::from_fn_with_state(state.clone(), rerender_forms))
        .layer(middleware::from_fn_with_state(state.clone(), city::store::attach))
        // Outside the city profile, inside the viewer: a kept page is answered without
        // reading anything but the data version, and only to visitors not logged in.
        .layer(middleware::from_fn_with_state(state.clone(), pagecache::serve))
        .layer(middleware::from_fn_with_state(state.clone(), accounts::handlers::resolve_viewer))
        .layer(sessions_store.layer(state.config.secure_cookies()))
        .layer(middleware::from_fn(refuse_cross_site_writes))
        .layer(middleware::from_fn(api_errors_as_json))
        .layer(middleware::from_fn_with_state(state.clone(), with_request_context))
        // gzip, not brotli: at the quality used on the fly, brotli made a first visit no
        // smaller (the stylesheet came out larger) and took twice gzip's time (docs/BENCHMARKS.md).
        .layer(CompressionLayer::new().no_br())
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
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

/// The built stylesheet, script and WASM (`cargo leptos build --release --precompress`
/// leaves `.br` and `.gz` beside each, served to clients that accept them). With hashed
/// names a file's name changes with its content, so browsers keep it for a year without
/// asking again; without, they ask each time.
fn static_files(files: ServeDir, hashed: bool) -> SetResponseHeader<ServeDir, HeaderValue> {
    let lifetime = if hashed { "public, max-age=31536000, immutable" } else { "no-cache" };
    SetResponseHeader::overriding(files, header::CACHE_CONTROL, HeaderValue::from_static(lifetime))
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    if state.db.ping().await {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}

/// `/metrics` on the main address: administrators only (their API token for a scraper).
async fn metrics(State(state): State<AppState>, Authed(viewer): Authed) -> Result<Response, AppError> {
    viewer.require_admin()?;
    Ok(metrics_text(State(state)).await)
}

/// The metrics, with the outbox gauges read now. Served as is on `IPPO_METRICS_ADDR`.
pub async fn metrics_text(State(state): State<AppState>) -> Response {
    if let Ok((pending, retrying)) = crate::notify::outbox::depth(&state.db).await {
        ::metrics::gauge!("ippo_outbox_pending").set(pending as f64);
        ::metrics::gauge!("ippo_outbox_retrying").set(retrying as f64);
    }
    crate::server::metrics::render().into_response()
}

async fn not_found(state: AppState, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    if parts.uri.path().starts_with("/api/") {
        return AppError::NotFound.into_response();
    }
    render_page(&state, &parts, FormState::default(), StatusCode::NOT_FOUND).await
}

/// A form post that a handler refused (`server::forms::FormRejected`) is answered with
/// the page at its path, re-rendered with the input and the messages, under the
/// handler's status. So the page works the same with JavaScript off.
async fn rerender_forms(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let kept = parts.clone();
    let mut response = next.run(Request::from_parts(parts, body)).await;
    match response.extensions_mut().remove::<FormRejected>() {
        Some(FormRejected(form)) => render_page(&state, &kept, form, response.status()).await,
        None => response,
    }
}

/// Largest request body accepted (a CSV upload is the biggest thing anyone sends).
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Answers in the language of the request (cookie choice, then Accept-Language), and
/// finds the client's address (behind trusted proxies, the one they name) for the rate
/// limits and the audit log.
async fn with_request_context(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let lang = Lang::from_request(req.headers());
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or(std::net::IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
    let forwarded = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
    let client = client_ip(peer, forwarded, &state.config.trusted_proxies);
    req.extensions_mut().insert(ClientIp(client));
    REQUEST_LANG.scope(lang, REQUEST_CLIENT.scope(client.to_string(), next.run(req))).await
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
    let is_json =
        response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !is_api || is_json || !(response.status().is_client_error()) {
        return response;
    }
    let status = response.status();
    let error = match status {
        StatusCode::NOT_FOUND => AppError::NotFound,
        StatusCode::UNAUTHORIZED => AppError::Unauthorized,
        StatusCode::FORBIDDEN => AppError::Forbidden,
        StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge,
        StatusCode::METHOD_NOT_ALLOWED => AppError::BadRequest(crate::domain::Problem::new("error.method")),
        _ => AppError::BadRequest(crate::domain::Problem::new("error.bad_request")),
    };
    let mut fixed = error.into_response();
    *fixed.status_mut() = status;
    fixed
}

/// Renders the page at the request's path, with a failed form's values and messages,
/// under the given status.
async fn render_page(state: &AppState, parts: &Parts, form: FormState, status: StatusCode) -> Response {
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

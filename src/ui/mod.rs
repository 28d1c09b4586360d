//! The UI kit every feature's pages use: the request's language and viewer, loading a
//! page's data (and answering a failed load with the right status), error pages, tables
//! and form controls. It knows no feature.

pub mod forms;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

use crate::{
    i18n::Lang,
    policy::Viewer,
    server::{
        error::{AppError, AppResult},
        state::AppState,
    },
};

pub use crate::islands::PrintButton;

/// The language of the page being rendered.
pub fn current_lang() -> Lang {
    use_context::<http::request::Parts>().map(|parts| Lang::from_request(&parts.headers)).unwrap_or_default()
}

/// The cookie that keeps a reader's text size, and its value for large text.
pub const TEXT_SIZE_COOKIE: &str = "text";
pub const LARGE_TEXT: &str = "large";

/// Whether the reader asked for large text (the header's 文字を大きく).
pub fn large_text() -> bool {
    use_context::<http::request::Parts>().is_some_and(|parts| large_text_in(&parts.headers))
}

/// Whether a request's cookies ask for large text.
pub fn large_text_in(headers: &http::HeaderMap) -> bool {
    headers.get_all(http::header::COOKIE).iter().filter_map(|v| v.to_str().ok()).any(|cookies| {
        cookies
            .split(';')
            .filter_map(|kv| kv.trim().split_once('='))
            .any(|(k, v)| k == TEXT_SIZE_COOKIE && v == LARGE_TEXT)
    })
}

/// The logged-in person of the request being rendered.
pub fn current_viewer() -> Option<Viewer> {
    use_context::<http::request::Parts>().and_then(|parts| parts.extensions.get::<Viewer>().cloned())
}

/// The app's state and the viewer of the page being rendered, for its data loads.
pub fn page_context() -> AppResult<(AppState, Option<Viewer>)> {
    let state =
        use_context::<AppState>().ok_or_else(|| AppError::Internal(anyhow::anyhow!("app state missing in a page")))?;
    Ok((state, current_viewer()))
}

/// A path parameter (`/sessions/:id`) as a number.
pub fn param_i64(name: &str) -> Option<i64> {
    use_params_map().get_untracked().get(name).and_then(|v| v.parse().ok())
}

/// A query parameter; an empty one (`?venue_id=`) counts as absent, as on every route.
pub fn query_param(name: &str) -> Option<String> {
    use_query_map().get_untracked().get(name).filter(|v| !v.trim().is_empty())
}

/// Whether a flag (`?saved=1`) is in the query and the page is not showing a refused
/// form: a form posted from `…?saved=1` comes back to that address, and must not say
/// 「保存しました」 for what it refused.
pub fn query_flag(name: &str) -> bool {
    use_query_map().get_untracked().get(name).is_some() && !forms::form_state().refused()
}

/// `Suspend::new` for a page's data, with the work held back until the second poll.
/// `Suspense` walks its view before rendering (`dry_resolve`): it builds a fresh `Suspend`
/// from the view closure, polls it once and drops it, up to twice per page. Started there,
/// a database call is cut off midway, and the pool closes a connection dropped mid-call,
/// so page views kept opening new connections (tested in `page_views_reuse_pooled_connections`).
pub fn deferred<T>(fut: impl std::future::Future<Output = T> + Send + 'static) -> Suspend<T> {
    Suspend::new(async move {
        let mut polled = false;
        std::future::poll_fn(move |cx| {
            if std::mem::replace(&mut polled, true) {
                std::task::Poll::Ready(())
            } else {
                cx.waker().wake_by_ref();
                std::task::Poll::Pending
            }
        })
        .await;
        fut.await
    })
}

/// Loads a page's data after the trial renders (see `deferred`) and draws it, or the
/// page that says why not: 404, the login/refusal page, the problem with the request
/// (400), or — logged once — a server error (500). No failed load answers 200.
pub fn load_page<T: Send + 'static>(
    load: impl std::future::Future<Output = AppResult<T>> + Send + 'static,
    draw: impl FnOnce(T) -> AnyView + Send + 'static,
) -> Suspend<AnyView> {
    deferred(async move {
        match load.await {
            Ok(data) => draw(data),
            Err(err) => error_page(err),
        }
    })
}

/// The page for a failed load or a refused action, with its status.
pub fn error_page(err: AppError) -> AnyView {
    match err {
        AppError::NotFound => view! { <NotFound/> }.into_any(),
        AppError::Unauthorized | AppError::Forbidden => view! { <Refused/> }.into_any(),
        other => {
            other.log_if_internal();
            set_status(other.status());
            let lang = current_lang();
            view! {
                <Title text=other.message(lang)/>
                <div class="notice notice-error" role="alert"><p>{other.message(lang)}</p></div>
                <p><a href="/">{lang.tr("nav.back_home")}</a></p>
            }
            .into_any()
        }
    }
}

/// Sets the status of the page being rendered.
pub fn set_status(status: http::StatusCode) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(status);
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    let lang = current_lang();
    set_status(http::StatusCode::NOT_FOUND);
    view! {
        <Title text=lang.tr("error.not_found")/>
        <h1>{lang.tr("error.not_found")}</h1>
        <p><a href="/">{lang.tr("nav.back_home")}</a></p>
    }
}

/// A page that needs a login (or a role the viewer lacks) shows this instead of its content.
#[component]
pub fn Refused() -> impl IntoView {
    let lang = current_lang();
    let logged_in = current_viewer().is_some();
    set_status(if logged_in { http::StatusCode::FORBIDDEN } else { http::StatusCode::UNAUTHORIZED });
    let here = use_location().pathname.get_untracked();
    view! {
        <Title text=lang.tr(if logged_in { "error.forbidden" } else { "error.unauthorized" })/>
        <h1>{lang.tr(if logged_in { "error.forbidden" } else { "error.unauthorized" })}</h1>
        {(!logged_in).then(|| view! {
            <p><a class="button button-primary" href=format!("/login?next={}", url_escape(&here))>{lang.tr("nav.login")}</a></p>
        })}
    }
}

/// A page only some people may open (and that loads nothing protected): the page, or
/// the refusal.
pub fn guarded(rule: impl FnOnce(&Viewer) -> crate::policy::Allowed, page: impl FnOnce() -> AnyView) -> AnyView {
    match current_viewer().as_ref().map(rule) {
        Some(Ok(())) => page(),
        _ => view! { <Refused/> }.into_any(),
    }
}

/// A success notice after a redirect (`?saved=1`).
pub fn flash(show: bool, text: String) -> impl IntoView {
    show.then(|| view! { <div class="notice notice-success" role="status"><p>{text}</p></div> })
}

/// Escapes a path for use inside a query string.
pub fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A table in a frame that scrolls sideways on a phone. An empty header names a
/// column of buttons, for screen readers only.
pub fn data_table(class: &'static str, headers: Vec<String>, rows: impl IntoView + 'static) -> impl IntoView {
    named_table(class, None, headers, rows)
}

/// A `data_table` with a name (a caption only screen readers hear).
pub fn named_table(
    class: &'static str,
    caption: Option<String>,
    headers: Vec<String>,
    rows: impl IntoView + 'static,
) -> impl IntoView {
    let lang = current_lang();
    let head = headers
        .into_iter()
        .map(|h| {
            if h.is_empty() {
                view! { <th scope="col"><span class="visually-hidden">{lang.tr("form.actions")}</span></th> }.into_any()
            } else {
                view! { <th scope="col">{h}</th> }.into_any()
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap" tabindex="0">
            <table class=class>
                {caption.map(|c| view! { <caption class="visually-hidden">{c}</caption> })}
                <thead><tr>{head}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

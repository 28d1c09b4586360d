//! The HTML shell, the router and the page layout shared by every page.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    hooks::use_location,
    path, SsrMode,
};

use crate::{
    accounts::{self, current_viewer},
    i18n::{current_lang, Lang},
    privacy, registrations, reports, sessions, surveys, venues,
};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    let lang = current_lang();
    #[cfg(feature = "ssr")]
    content_security_policy();
    let scripts = page_has_islands().then(|| view! { <HydrationScripts options=options islands=true/> });
    view! {
        <!DOCTYPE html>
        <html lang=lang.code()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <meta name="description" content=lang.tr("site.description")/>
                {(!page_is_public()).then(|| view! { <meta name="robots" content="noindex"/> })}
                <link rel="stylesheet" href="/pkg/ippo.css"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                {scripts}
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Scripts only with this response's nonce (the hydration loader), styles and images
/// from this site, no framing, forms posting only here.
#[cfg(feature = "ssr")]
fn content_security_policy() {
    let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'nonce-{}' 'strict-dynamic' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'",
        &*nonce
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// Pages search engines may list: the session listings, not personal or staff pages.
fn page_is_public() -> bool {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>().is_some_and(|parts| {
            let path = parts.uri.path();
            path == "/" || (path.starts_with("/sessions/") && !path.ends_with("/register")) || path.starts_with("/venues/")
        })
    }
    #[cfg(not(feature = "ssr"))]
    {
        false
    }
}

/// Only staff pages have islands; every public page is plain HTML and CSS, so an old
/// phone on a slow line downloads no script at all.
fn page_has_islands() -> bool {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>().is_some_and(|parts| parts.uri.path().starts_with("/staff/"))
    }
    #[cfg(not(feature = "ssr"))]
    {
        true
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Every page waits for its data and is sent whole: it must read right without JavaScript.
    let ssr = SsrMode::Async;
    view! {
        <Router>
            <Layout>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=sessions::pages::HomePage ssr=ssr.clone()/>
                    <Route path=path!("/sessions/:id") view=sessions::pages::SessionPage ssr=ssr.clone()/>
                    <Route path=path!("/sessions/:id/register") view=registrations::pages::RegisterPage ssr=ssr.clone()/>
                    <Route path=path!("/registrations/:token") view=registrations::pages::RegistrationPage ssr=ssr.clone()/>
                    <Route path=path!("/venues/:id/calendar") view=sessions::pages::VenueCalendarPage ssr=ssr.clone()/>
                    <Route path=path!("/login") view=accounts::pages::LoginPage ssr=ssr.clone()/>
                    <Route path=path!("/manage") view=sessions::pages::ManageHomePage ssr=ssr.clone()/>
                    <Route path=path!("/manage/kpi") view=reports::pages::KpiPage ssr=ssr.clone()/>
                    <Route path=path!("/manage/kpi/sessions/:id") view=reports::pages::KpiSessionPage ssr=ssr.clone()/>
                    <Route path=path!("/admin/audit") view=privacy::pages::AuditPage ssr=ssr.clone()/>
                    <Route path=path!("/admin/people") view=privacy::pages::PeoplePage ssr=ssr.clone()/>
                    // Partner and data-exchange pages (partners::pages, exchange::pages) go here.
                    <Route path=path!("/manage/partners") view=crate::partners::pages::ManagePartnersPage ssr=ssr.clone()/>
                    <Route path=path!("/manage/partners/new") view=crate::partners::pages::PartnerFormPage ssr=ssr.clone()/>
                    <Route path=path!("/manage/partners/:id/edit") view=crate::partners::pages::PartnerFormPage ssr=ssr.clone()/>
                    <Route path=path!("/manage/partners/report") view=crate::partners::pages::PartnerReportPage ssr=ssr.clone()/>
                    <Route path=path!("/manage/sessions/:id/partners") view=crate::partners::pages::SessionPartnersPage ssr=ssr.clone()/>
                    <Route path=path!("/staff/sessions/:id/refer") view=crate::partners::pages::ReferPage ssr=ssr.clone()/>
                    <Route path=path!("/partner") view=crate::partners::pages::PartnerHomePage ssr=ssr.clone()/>
                    <Route path=path!("/manage/exchange") view=crate::exchange::pages::ExchangePage ssr=ssr.clone()/>
                    <Route path=path!("/manage/venues") view=venues::pages::ManageVenuesPage ssr=ssr.clone()/>
                    <Route path=path!("/manage/venues/new") view=venues::pages::VenueFormPage ssr=ssr.clone()/>
                    <Route path=path!("/manage/venues/:id/edit") view=venues::pages::VenueFormPage ssr=ssr.clone()/>
                    <Route path=path!("/manage/sessions") view=sessions::pages::ManageSessionsPage ssr=ssr.clone()/>
                    <Route path=path!("/manage/sessions/new") view=sessions::pages::SessionFormPage ssr=ssr.clone()/>
                    <Route path=path!("/manage/sessions/:id/edit") view=sessions::pages::SessionFormPage ssr=ssr.clone()/>
                    <Route path=path!("/staff") view=registrations::pages::StaffHomePage ssr=ssr.clone()/>
                    <Route path=path!("/staff/sessions/:id") view=registrations::pages::RosterPage ssr=ssr.clone()/>
                    <Route path=path!("/staff/sessions/:id/calls") view=registrations::pages::CallListPage ssr=ssr.clone()/>
                    <Route path=path!("/staff/sessions/:id/checkin") view=registrations::pages::CheckinPage ssr=ssr.clone()/>
                    <Route path=path!("/staff/sessions/:id/survey-sheet") view=registrations::pages::SurveySheetPage ssr=ssr.clone()/>
                    <Route path=path!("/staff/sessions/:id/surveys") view=surveys::pages::FastEntryPage ssr=ssr.clone()/>
                    <Route path=path!("/survey/:code") view=surveys::pages::SurveyPage ssr=ssr.clone()/>
                </Routes>
            </Layout>
        </Router>
    }
}

/// Header with the site name, navigation for the viewer's role, and the language switch.
#[component]
fn Layout(children: Children) -> impl IntoView {
    let lang = current_lang();
    let viewer = current_viewer();
    let here = use_location().pathname.get_untracked();
    let switch_to = lang.other();
    let switch_href = format!("/lang?to={}&back={}", switch_to.code(), url_escape(&here));
    view! {
        <a class="skip-link" href="#main">{lang.tr("nav.skip")}</a>
        <header class="site-header">
            <a class="site-title" href="/">{lang.tr("site.title")}</a>
            <nav class="site-nav" aria-label=lang.tr("nav.label")>
                <ul>
                    <li><a href="/">{lang.tr("nav.find")}</a></li>
                    {viewer.as_ref().filter(|v| v.is_staff()).map(|_| view! { <li><a href="/staff">{lang.tr("nav.staff")}</a></li> })}
                    {viewer.as_ref().filter(|v| v.is_manager()).map(|_| view! { <li><a href="/manage">{lang.tr("nav.manage")}</a></li> })}
                    {viewer.as_ref().filter(|v| v.role == crate::domain::Role::Partner).map(|_| view! { <li><a href="/partner">{lang.tr("nav.partner")}</a></li> })}
                    {viewer.as_ref().filter(|v| v.is_admin()).map(|_| view! { <li><a href="/admin/audit">{lang.tr("nav.admin")}</a></li> })}
                    {match viewer.as_ref() {
                        Some(v) => view! {
                            <li>
                                <form method="post" action="/logout" class="inline-form">
                                    <button type="submit" class="button button-secondary">
                                        {lang.tr_with("nav.logout", &[("name", v.name.clone())])}
                                    </button>
                                </form>
                            </li>
                        }.into_any(),
                        None => view! { <li><a href="/login">{lang.tr("nav.login")}</a></li> }.into_any(),
                    }}
                </ul>
            </nav>
            <a class="lang-switch" href=switch_href hreflang=switch_to.code() lang=switch_to.code()>
                {lang.tr("nav.language_name")}
            </a>
        </header>
        <main id="main" class="page" tabindex="-1">{children()}</main>
        <footer class="site-footer">
            <p>{lang.tr("site.footer")}</p>
        </footer>
    }
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

#[component]
pub fn NotFound() -> impl IntoView {
    let lang = current_lang();
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
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
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(if logged_in { http::StatusCode::FORBIDDEN } else { http::StatusCode::UNAUTHORIZED });
    }
    let here = use_location().pathname.get_untracked();
    view! {
        <Title text=lang.tr(if logged_in { "error.forbidden" } else { "error.unauthorized" })/>
        <h1>{lang.tr(if logged_in { "error.forbidden" } else { "error.unauthorized" })}</h1>
        {(!logged_in).then(|| view! {
            <p><a class="button button-primary" href=format!("/login?next={}", url_escape(&here))>{lang.tr("nav.login")}</a></p>
        })}
    }
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

/// Shows the error of a failed data load in the reader's language.
pub fn load_failed(lang: Lang) -> AnyView {
    view! { <div class="notice notice-error" role="alert"><p>{lang.tr("error.internal")}</p></div> }.into_any()
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

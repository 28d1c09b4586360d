//! The composition root of the pages: the HTML shell, the page router (the one place
//! that knows every feature's pages) and the layout shared by every page.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags};
use leptos_router::{
    components::{Route, Router, Routes},
    hooks::use_location,
    path, SsrMode,
};

use crate::{
    accounts, city, exchange, followups, partners, privacy, registrations, reports, sessions, surveys,
    ui::{current_lang, current_viewer, large_text, url_escape, NotFound, LARGE_TEXT},
    venues,
};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    let lang = current_lang();
    content_security_policy();
    let stylesheet = view! { <HashedStylesheet options=options.clone()/> };
    let scripts = page_has_islands().then(|| view! { <HydrationScripts options=options islands=true/> });
    view! {
        <!DOCTYPE html>
        <html lang=lang.code() class=large_text().then_some("text-large")>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <meta name="description" content=city::current().description(lang)/>
                {(!page_is_public()).then(|| view! { <meta name="robots" content="noindex"/> })}
                {stylesheet}
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
    use_context::<http::request::Parts>().is_some_and(|parts| {
        let path = parts.uri.path();
        path == "/" || (path.starts_with("/sessions/") && !path.ends_with("/register")) || path.starts_with("/venues/")
    })
}

/// Only staff pages have islands; every public page is plain HTML and CSS, so an old
/// phone on a slow line downloads no script at all.
fn page_has_islands() -> bool {
    use_context::<http::request::Parts>().is_some_and(|parts| parts.uri.path().starts_with("/staff/"))
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
                    <Route path=path!("/registrations/:token/cancel") view=registrations::pages::CancelPage ssr=ssr.clone()/>
                    <Route path=path!("/venues/:id/calendar") view=sessions::pages::VenueCalendarPage ssr=ssr.clone()/>
                    <Route path=path!("/login") view=accounts::pages::LoginPage ssr=ssr.clone()/>
                    <Route path=path!("/manage") view=sessions::pages::ManageHomePage ssr=ssr.clone()/>
                    <Route path=path!("/manage/kpi") view=reports::pages::KpiPage ssr=ssr.clone()/>
                    <Route path=path!("/manage/kpi/sessions/:id") view=reports::pages::KpiSessionPage ssr=ssr.clone()/>
                    <Route path=path!("/admin") view=city::pages::AdminHomePage ssr=ssr.clone()/>
                    <Route path=path!("/admin/city") view=city::pages::CityPage ssr=ssr.clone()/>
                    <Route path=path!("/admin/wards") view=city::pages::WardsPage ssr=ssr.clone()/>
                    <Route path=path!("/admin/wards/:code") view=city::pages::WardPage ssr=ssr.clone()/>
                    <Route path=path!("/admin/wards/:code/retire") view=city::pages::WardRetirePage ssr=ssr.clone()/>
                    <Route path=path!("/admin/audit") view=privacy::pages::AuditPage ssr=ssr.clone()/>
                    <Route path=path!("/admin/people") view=privacy::pages::PeoplePage ssr=ssr.clone()/>
                    <Route path=path!("/manage/partners") view=partners::pages::ManagePartnersPage ssr=ssr.clone()/>
                    <Route path=path!("/manage/partners/new") view=partners::pages::PartnerFormPage ssr=ssr.clone()/>
                    <Route path=path!("/manage/partners/:id/edit") view=partners::pages::PartnerFormPage ssr=ssr.clone()/>
                    <Route path=path!("/manage/partners/report") view=reports::pages::PartnerReportPage ssr=ssr.clone()/>
                    <Route path=path!("/manage/sessions/:id/partners") view=partners::pages::SessionPartnersPage ssr=ssr.clone()/>
                    <Route path=path!("/staff/sessions/:id/refer") view=partners::pages::ReferPage ssr=ssr.clone()/>
                    <Route path=path!("/partner") view=partners::pages::PartnerHomePage ssr=ssr.clone()/>
                    <Route path=path!("/manage/exchange") view=exchange::pages::ExchangePage ssr=ssr.clone()/>
                    <Route path=path!("/manage/exchange/preview/:token") view=exchange::pages::PreviewPage ssr=ssr.clone()/>
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
                    <Route path=path!("/staff/sessions/:id/survey-sheet") view=surveys::pages::SurveySheetPage ssr=ssr.clone()/>
                    <Route path=path!("/staff/sessions/:id/surveys") view=surveys::pages::FastEntryPage ssr=ssr.clone()/>
                    <Route path=path!("/survey/:code") view=surveys::pages::SurveyPage ssr=ssr.clone()/>
                    <Route path=path!("/followup/:token") view=followups::pages::FollowupPage ssr=ssr.clone()/>
                    <Route path=path!("/staff/followups") view=followups::pages::FollowupCallsPage ssr=ssr.clone()/>
                    <Route path=path!("/staff/followups/:id") view=followups::pages::FollowupEntryPage ssr=ssr.clone()/>
                    <Route path=path!("/manage/followups/choices") view=followups::pages::ChoicesPage ssr=ssr.clone()/>
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
    let city = city::current();
    let here = use_location().pathname.get_untracked();
    let switch_to = lang.other();
    let switch_href = format!("/lang?to={}&back={}", switch_to.code(), url_escape(&here));
    // At the counter the phone sign-up is the work: on a roster its form is one skip link away.
    let on_roster = here
        .strip_prefix("/staff/sessions/")
        .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()));
    view! {
        {on_roster.then(|| view! {
            <a class="skip-link" href=format!("#{}", registrations::field::CHANNEL)>{lang.tr("nav.skip_to_phone_signup")}</a>
        })}
        <a class="skip-link" href="#main">{lang.tr("nav.skip")}</a>
        <header class="site-header">
            <a class="site-title" href="/">{city.site_title(lang)}</a>
            <nav class="site-nav" aria-label=lang.tr("nav.label")>
                <ul>
                    <li><a href="/">{lang.tr("nav.find")}</a></li>
                    {viewer.as_ref().filter(|v| v.is_staff()).map(|_| view! { <li><a href="/staff">{lang.tr("nav.staff")}</a></li> })}
                    {viewer.as_ref().filter(|v| v.is_manager()).map(|_| view! { <li><a href="/manage">{lang.tr("nav.manage")}</a></li> })}
                    {viewer.as_ref().filter(|v| v.role == crate::domain::Role::Partner).map(|_| view! { <li><a href="/partner">{lang.tr("nav.partner")}</a></li> })}
                    {viewer.as_ref().filter(|v| v.is_admin()).map(|_| view! { <li><a href="/admin">{lang.tr("nav.admin")}</a></li> })}
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
            <div class="reader-choices">
                {if large_text() {
                    view! { <a class="text-size-switch" href=format!("/text-size?to=standard&back={}", url_escape(&here))>{lang.tr("nav.text_standard")}</a> }
                } else {
                    view! { <a class="text-size-switch" href=format!("/text-size?to={LARGE_TEXT}&back={}", url_escape(&here))>{lang.tr("nav.text_large")}</a> }
                }}
                <a class="lang-switch" href=switch_href hreflang=switch_to.code() lang=switch_to.code()>
                    {lang.tr("nav.language_name")}
                </a>
            </div>
        </header>
        <main id="main" class="page" tabindex="-1">{children()}</main>
        <footer class="site-footer">
            <p>{city.footer(lang)}</p>
        </footer>
    }
}

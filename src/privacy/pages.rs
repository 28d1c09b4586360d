//! Administrators' pages: the audit log and attendees' data requests.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{store, AuditEntry, AuditFilter, PersonMatch};
use crate::{
    policy::{logged_in, Viewer},
    server::error::AppResult,
    time::{format_span, to_tokyo},
    ui::{
        current_lang, data_table,
        forms::{FormErrors, TextField},
        guarded, load_page, page_context, query_flag, query_param as query,
    },
};

/// Audit log entries matching the filter (administrators).
async fn entries(filter: AuditFilter) -> AppResult<Vec<AuditEntry>> {
    let (state, viewer) = page_context()?;
    store::audit_entries(&state.db, logged_in(viewer.as_ref())?, &filter).await
}

/// Registrations matching a data request's search (administrators; audit-logged).
async fn people(q: String) -> AppResult<Vec<PersonMatch>> {
    let (state, viewer) = page_context()?;
    store::find_people(&state.db, logged_in(viewer.as_ref())?, &q).await
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let lang = current_lang();
    let filter = AuditFilter { action: query("action"), user: query("user"), date: query("date") };
    guarded(Viewer::require_admin, move || {
        view! {
        <Title text=lang.tr("audit.title")/>
        <h1>{lang.tr("audit.title")}</h1>
        <form method="get" class="filters">
            <TextField name="action" label=lang.tr("audit.action") value=filter.action.clone().unwrap_or_default() hint="roster.read"/>
            <TextField name="user" label=lang.tr("audit.user") value=filter.user.clone().unwrap_or_default()/>
            <TextField name="date" label=lang.tr("audit.date") input_type="date" value=filter.date.clone().unwrap_or_default()/>
            <div class="field"><button type="submit" class="button button-primary">{lang.tr("home.search")}</button></div>
        </form>
        <Suspense>
            {move || {
                let filter = filter.clone();
                load_page(entries(filter), move |entries| {
                    let rows = entries.into_iter().map(|e| view! {
                        <tr>
                            <td>{to_tokyo(e.at).format("%Y-%m-%d %H:%M:%S").to_string()}</td>
                            <td>{e.user_email.unwrap_or_default()}</td>
                            <td>{e.action}</td>
                            <td>{e.subject}</td>
                            <td>{e.detail}</td>
                            <td>{e.client}</td>
                        </tr>
                    }).collect_view();
                    view! {
                        {data_table("table", vec![lang.tr("audit.date"), lang.tr("audit.user"), lang.tr("audit.action"), lang.tr("audit.subject"), lang.tr("audit.detail"), lang.tr("audit.client")], rows)}
                    }.into_any()
                })
            }}
        </Suspense>
    }
    .into_any()
    })
}

#[component]
pub fn PeoplePage() -> impl IntoView {
    let lang = current_lang();
    let q = query("q").unwrap_or_default();
    let erased = query_flag("erased");
    guarded(Viewer::require_admin, move || {
        view! {
        <Title text=lang.tr("people.title")/>
        <h1>{lang.tr("people.title")}</h1>
        <p>{lang.tr("people.intro")}</p>
        {erased.then(|| view! { <p class="notice notice-success" role="status">{lang.tr("people.erased")}</p> })}
        <FormErrors/>
        <form method="get" class="filters" role="search">
            <TextField name="q" label=lang.tr("people.query") value=q.clone() hint=lang.tr("people.query_hint")/>
            <div class="field"><button type="submit" class="button button-primary">{lang.tr("home.search")}</button></div>
        </form>
        <Suspense>
            {move || {
                let q = q.clone();
                load_page(people(q), move |found| {
                    let rows = found.into_iter().map(|p| view! {
                        <tr>
                            <td>{p.attendee_name.clone()}</td>
                            <td>{p.attendee_phone.clone()}</td>
                            <td><a href=format!("/sessions/{}", p.session_id)>{p.session_title.clone()}</a><br/>{format_span(p.starts_at, p.starts_at, lang)}</td>
                            <td class="cluster">
                                <a class="button button-secondary" href=format!("/admin/registrations/{}/export", p.id)>{lang.tr("people.export")}</a>
                                <form method="post" action=format!("/admin/registrations/{}/erase", p.id)>
                                    <button type="submit" class="button button-danger" aria-label=format!("{} {}", p.attendee_name, lang.tr("people.erase"))>{lang.tr("people.erase")}</button>
                                </form>
                            </td>
                        </tr>
                    }).collect_view();
                    view! {
                        {data_table("table", vec![lang.tr("register.name"), lang.tr("register.phone"), lang.tr("sessions.title"), String::new()], rows)}
                    }.into_any()
                })
            }}
        </Suspense>
    }
    .into_any()
    })
}

//! Administrators' pages: their home, the city profile and the wards.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{field, store, ward_field, wards, CityProfile};
use crate::{
    i18n::Lang,
    policy::{logged_in, Viewer},
    server::error::{AppError, AppResult},
    ui::{
        current_lang, data_table, flash,
        forms::{FormErrors, TextField},
        guarded, load_page, page_context, query_flag,
    },
};

/// Where administrators start: what to set up first, and their other pages.
#[component]
pub fn AdminHomePage() -> impl IntoView {
    let lang = current_lang();
    let city = super::current();
    guarded(Viewer::require_admin, move || {
        view! {
            <Title text=lang.tr("admin.title")/>
            <h1>{lang.tr("admin.title")}</h1>
            {(!city.is_set_up()).then(|| view! {
                <div class="notice notice-warning" role="status"><p>{lang.tr("admin.set_up_first")}</p></div>
            })}
            <ul class="stack link-list">
                <li><a href="/admin/city">{lang.tr("city.title")}</a></li>
                <li><a href="/admin/wards">{lang.tr("wards.title")}</a></li>
                <li><a href="/manage/venues">{lang.tr("venues.title")}</a></li>
                <li><a href="/manage/exchange">{lang.tr("exchange.title")}</a></li>
                <li><a href="/admin/audit">{lang.tr("audit.title")}</a></li>
                <li><a href="/admin/people">{lang.tr("people.title")}</a></li>
            </ul>
        }
        .into_any()
    })
}

#[component]
pub fn CityPage() -> impl IntoView {
    let lang = current_lang();
    guarded(Viewer::require_admin, move || {
        view! {
            <Title text=lang.tr("city.title")/>
            <h1>{lang.tr("city.title")}</h1>
            {flash(query_flag("saved"), lang.tr("form.saved"))}
            <p>{lang.tr("city.intro")}</p>
            <Suspense>{move || load_page(profile(), move |city| city_form(city, lang).into_any())}</Suspense>
        }
        .into_any()
    })
}

async fn profile() -> AppResult<CityProfile> {
    let (state, _) = page_context()?;
    store::get(&state.db).await
}

fn city_form(city: CityProfile, lang: Lang) -> impl IntoView {
    view! {
        <form method="post" action="/admin/city" class="form" novalidate>
            <FormErrors/>
            <TextField name=field::NAME label=lang.tr("city.name") value=city.name required=true hint=lang.tr("city.name_hint")/>
            <TextField name=field::DEPARTMENT label=lang.tr("city.department") value=city.department required=true hint=lang.tr("city.department_hint")/>
            <TextField name=field::PHONE label=lang.tr("city.phone") value=city.phone required=true input_type="tel" hint=lang.tr("city.phone_hint")/>
            <TextField name=field::EMAIL label=lang.tr("city.email") value=city.email input_type="email"/>
            <TextField name=field::PRIVACY_CONTACT label=lang.tr("city.privacy_contact") value=city.privacy_contact hint=lang.tr("city.privacy_contact_hint")/>
            <TextField name=field::SENDER_NAME label=lang.tr("city.sender_name") value=city.sender_name hint=lang.tr("city.sender_name_hint")/>
            <TextField name=field::LG_CODE label=lang.tr("city.lg_code") value=city.lg_code inputmode="numeric" hint=lang.tr("city.lg_code_hint")/>
            <TextField name=field::NAME_EN label=lang.tr("city.name_en") value=city.name_en/>
            <TextField name=field::DEPARTMENT_EN label=lang.tr("city.department_en") value=city.department_en/>
            <div class="button-row">
                <button type="submit" class="button button-primary">{lang.tr("form.save")}</button>
            </div>
        </form>
    }
}

async fn ward_rows() -> AppResult<Vec<wards::WardRow>> {
    let (state, viewer) = page_context()?;
    logged_in(viewer.as_ref())?.require_admin()?;
    wards::list(&state.db).await
}

#[component]
pub fn WardsPage() -> impl IntoView {
    let lang = current_lang();
    guarded(Viewer::require_admin, move || {
        view! {
            <Title text=lang.tr("wards.title")/>
            <h1>{lang.tr("wards.title")}</h1>
            {flash(query_flag("saved"), lang.tr("form.saved"))}
            {flash(query_flag("retired"), lang.tr("wards.retired"))}
            <p>{lang.tr("wards.intro")}</p>
            <Suspense>{move || load_page(ward_rows(), move |rows| ward_table(rows, lang).into_any())}</Suspense>
            <section class="stack" aria-labelledby="add-ward">
                <h2 id="add-ward">{lang.tr("wards.add")}</h2>
                <form method="post" action="/admin/wards" class="form" novalidate>
                    <FormErrors/>
                    <TextField name=ward_field::NAME_JA label=lang.tr("wards.name_ja") required=true hint=lang.tr("wards.name_ja_hint")/>
                    <TextField name=ward_field::CODE label=lang.tr("wards.code") required=true hint=lang.tr("wards.code_hint") autocomplete="off"/>
                    <TextField name=ward_field::NAME_EN label=lang.tr("wards.name_en")/>
                    <TextField name=ward_field::SORT_ORDER label=lang.tr("wards.sort_order") inputmode="numeric" hint=lang.tr("wards.sort_order_hint")/>
                    <div class="button-row">
                        <button type="submit" class="button button-primary">{lang.tr("wards.add")}</button>
                    </div>
                </form>
            </section>
        }
        .into_any()
    })
}

fn ward_table(rows: Vec<wards::WardRow>, lang: Lang) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="notice notice-warning">{lang.tr("wards.none")}</p> }.into_any();
    }
    let body = rows
        .into_iter()
        .map(|w| {
            view! {
                <tr>
                    <td>{w.sort_order}</td>
                    <td>{w.name_ja.clone()}</td>
                    <td>{w.name_en.clone()}</td>
                    <td><code>{w.code.clone()}</code></td>
                    <td>{w.venues}</td>
                    <td>{w.partners}</td>
                    <td><a href=format!("/admin/wards/{}", w.code) aria-label=format!("{} {}", w.name_ja, lang.tr("form.edit"))>{lang.tr("form.edit")}</a></td>
                </tr>
            }
        })
        .collect_view();
    let headers =
        ["wards.sort_order", "wards.name_ja", "wards.name_en", "wards.code", "wards.venues", "wards.partners"]
            .into_iter()
            .map(|k| lang.tr(k))
            .chain([String::new()])
            .collect();
    view! { {data_table("table", headers, body)} }.into_any()
}

async fn ward_row(code: String) -> AppResult<wards::WardRow> {
    ward_rows().await?.into_iter().find(|w| w.code == code).ok_or(AppError::NotFound)
}

#[component]
pub fn WardPage() -> impl IntoView {
    let lang = current_lang();
    let code = leptos_router::hooks::use_params_map().get_untracked().get("code").unwrap_or_default();
    guarded(Viewer::require_admin, move || {
        view! {
            <Title text=lang.tr("wards.edit")/>
            <h1>{lang.tr("wards.edit")}</h1>
            <Suspense>{move || load_page(ward_row(code.clone()), move |w| ward_form(w, lang).into_any())}</Suspense>
        }
        .into_any()
    })
}

fn ward_form(w: wards::WardRow, lang: Lang) -> impl IntoView {
    let in_use = w.venues + w.partners > 0;
    let counts = [("venues", w.venues.to_string()), ("partners", w.partners.to_string())];
    view! {
        <form method="post" action=format!("/admin/wards/{}", w.code) class="form" novalidate>
            <FormErrors/>
            <p>{lang.tr("wards.code")}": "<code>{w.code.clone()}</code></p>
            <TextField name=ward_field::NAME_JA label=lang.tr("wards.name_ja") value=w.name_ja.clone() required=true/>
            <TextField name=ward_field::NAME_EN label=lang.tr("wards.name_en") value=w.name_en.clone()/>
            <TextField name=ward_field::SORT_ORDER label=lang.tr("wards.sort_order") value=w.sort_order.to_string() inputmode="numeric" hint=lang.tr("wards.sort_order_hint")/>
            <div class="button-row">
                <button type="submit" class="button button-primary">{lang.tr("form.save")}</button>
                <a class="button button-secondary" href="/admin/wards">{lang.tr("form.cancel")}</a>
            </div>
        </form>
        <section class="stack" aria-labelledby="retire-ward">
            <h2 id="retire-ward">{lang.tr("wards.retire")}</h2>
            {if in_use {
                view! { <p>{lang.tr_with("wards.in_use", &counts)}</p> }.into_any()
            } else {
                view! { <p><a href=format!("/admin/wards/{}/retire", w.code)>{lang.tr("wards.retire")}</a></p> }.into_any()
            }}
        </section>
    }
}

/// Asks once more before a ward is retired; the form posts to this page's own address,
/// so a refusal shows here.
#[component]
pub fn WardRetirePage() -> impl IntoView {
    let lang = current_lang();
    let code = leptos_router::hooks::use_params_map().get_untracked().get("code").unwrap_or_default();
    guarded(Viewer::require_admin, move || {
        view! {
            <Title text=lang.tr("wards.retire")/>
            <h1>{lang.tr("wards.retire")}</h1>
            <FormErrors/>
            <Suspense>
                {move || load_page(ward_row(code.clone()), move |w| {
                    if w.venues + w.partners > 0 {
                        let counts = [("venues", w.venues.to_string()), ("partners", w.partners.to_string())];
                        return view! {
                            <p>{lang.tr_with("wards.in_use", &counts)}</p>
                            <p><a href=format!("/admin/wards/{}", w.code)>{lang.tr("wards.back")}</a></p>
                        }
                        .into_any();
                    }
                    view! {
                        <p>{lang.tr_with("wards.retire_confirm", &[("name", w.name_ja.clone())])}</p>
                        <form method="post" action=format!("/admin/wards/{}/retire", w.code) class="button-row">
                            <button type="submit" class="button button-danger">{lang.tr("wards.retire")}</button>
                            <a class="button button-secondary" href=format!("/admin/wards/{}", w.code)>{lang.tr("form.cancel")}</a>
                        </form>
                    }
                    .into_any()
                })}
            </Suspense>
        }
        .into_any()
    })
}

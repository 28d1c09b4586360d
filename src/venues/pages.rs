//! Managers' venue pages: the list and the create/edit form.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{field, store, Venue, VenueDirectory, ACCESSIBILITY};
use crate::{
    domain::VenueKind,
    i18n::Lang,
    policy::Viewer,
    server::error::AppResult,
    ui::{
        current_lang, data_table, flash,
        forms::{FormErrors, OnceKey, SelectField, TextField},
        guarded, load_page, page_context, param_i64, query_flag,
    },
};

/// The venues and wards (kept for a few seconds; see `store::cached_directory`).
pub async fn directory() -> AppResult<VenueDirectory> {
    let (state, _) = page_context()?;
    store::cached_directory(&state).await
}

#[component]
pub fn ManageVenuesPage() -> impl IntoView {
    let lang = current_lang();
    guarded(Viewer::require_manager, move || {
        view! {
            <Title text=lang.tr("venues.title")/>
            <h1>{lang.tr("venues.title")}</h1>
            {flash(query_flag("saved"), lang.tr("form.saved"))}
            <p><a class="button button-primary" href="/manage/venues/new">{lang.tr("venues.new")}</a></p>
            <Suspense>{move || load_page(directory(), move |dir| venue_table(&dir, lang).into_any())}</Suspense>
        }
        .into_any()
    })
}

fn venue_table(dir: &VenueDirectory, lang: Lang) -> impl IntoView {
    let rows = dir
        .venues
        .iter()
        .map(|v| {
            view! {
                <tr>
                    <td>{v.name.clone()}{(!v.name_kana.is_empty()).then(|| view! { <br/><span class="muted">{v.name_kana.clone()}</span> })}</td>
                    <td>{v.kind.label(lang)}</td>
                    <td>{dir.ward_name(&v.ward, lang)}</td>
                    <td>{v.address.clone()}</td>
                    <td class="cluster">
                        <a href=format!("/manage/venues/{}/edit", v.id)>{lang.tr("form.edit")}</a>
                        <a href=format!("/venues/{}/calendar", v.id)>{lang.tr("calendar.title")}</a>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {data_table("table", vec![lang.tr("venues.name"), lang.tr("venues.kind"), lang.tr("venues.ward"), lang.tr("venues.address"), String::new()], rows)}
    }
}

#[component]
pub fn VenueFormPage() -> impl IntoView {
    let lang = current_lang();
    let id = param_i64("id");
    guarded(Viewer::require_manager, move || {
        let title = lang.tr(if id.is_some() { "venues.edit" } else { "venues.new" });
        view! {
            <Title text=title.clone()/>
            <h1>{title}</h1>
            <Suspense>
                {move || load_page(venue_and_directory(id), move |(dir, venue)| venue_form(&dir, venue, lang))}
            </Suspense>
        }
        .into_any()
    })
}

/// The directory, and the venue being edited (404 if there is none with that id).
async fn venue_and_directory(id: Option<i64>) -> AppResult<(VenueDirectory, Option<Venue>)> {
    let dir = directory().await?;
    let venue = match id {
        Some(id) => Some(dir.venue(id).cloned().ok_or(crate::server::error::AppError::NotFound)?),
        None => None,
    };
    Ok((dir, venue))
}

/// A yes/no/unknown fact as the form shows and sends it.
fn fact_code(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    }
}

fn venue_form(dir: &VenueDirectory, venue: Option<Venue>, lang: Lang) -> AnyView {
    if dir.wards.is_empty() {
        return view! { <p class="notice notice-warning" role="status">{lang.tr("venues.no_wards")}</p> }.into_any();
    }
    let v = venue.unwrap_or_else(|| Venue::blank(VenueKind::CommunityCenter));
    let kinds = VenueKind::ALL.iter().map(|k| (k.as_str().to_string(), k.label(lang))).collect();
    let wards = dir.wards.iter().map(|w| (w.code.clone(), w.name(lang).to_string())).collect();
    let number = |d: Option<f64>| d.map(|d| d.to_string()).unwrap_or_default();
    let facts = ACCESSIBILITY
        .into_iter()
        .map(|name| {
            let options = vec![("yes".to_string(), lang.tr("venues.fact_yes")), ("no".to_string(), lang.tr("venues.fact_no"))];
            view! {
                <SelectField name=name label=lang.tr(&format!("venues.{name}")) options=options value=fact_code(v.accessibility(name)) empty=lang.tr("venues.fact_unknown")/>
            }
        })
        .collect_view();
    view! {
        <form method="post" class="form" novalidate>
            <FormErrors/>
            <OnceKey/>
            <TextField name=field::NAME label=lang.tr("venues.name") value=v.name.clone() required=true/>
            <TextField name=field::NAME_KANA label=lang.tr("venues.name_kana") value=v.name_kana.clone() hint=lang.tr("venues.name_kana_hint")/>
            <SelectField name=field::KIND label=lang.tr("venues.kind") options=kinds value=v.kind.as_str() required=true/>
            <SelectField name=field::WARD label=lang.tr("venues.ward") options=wards value=v.ward.clone() required=true empty=lang.tr("form.choose")/>
            <TextField name=field::ADDRESS label=lang.tr("venues.address") value=v.address.clone() required=true autocomplete="street-address"/>
            <TextField name=field::ACCESS label=lang.tr("venues.access") value=v.access.clone() hint=lang.tr("venues.access_hint")/>
            <TextField name=field::PHONE label=lang.tr("venues.phone") value=v.phone.clone() input_type="tel" hint=lang.tr("venues.phone_hint")/>
            <TextField name=field::HOURS label=lang.tr("venues.hours") value=v.hours.clone() hint=lang.tr("venues.hours_hint")/>
            <fieldset class="stack">
                <legend>{lang.tr("venues.position")}</legend>
                <p class="field-hint">{lang.tr("venues.position_hint")}</p>
                <TextField name=field::LATITUDE label=lang.tr("venues.latitude") value=number(v.latitude) inputmode="decimal"/>
                <TextField name=field::LONGITUDE label=lang.tr("venues.longitude") value=number(v.longitude) inputmode="decimal"/>
            </fieldset>
            <fieldset class="stack">
                <legend>{lang.tr("venues.accessibility")}</legend>
                {facts}
            </fieldset>
            <div class="button-row">
                <button type="submit" class="button button-primary">{lang.tr("form.save")}</button>
                <a class="button button-secondary" href="/manage/venues">{lang.tr("form.cancel")}</a>
            </div>
        </form>
    }
    .into_any()
}

/// What a person planning a visit needs of a venue: the accessibility facts the city
/// gave (none: nothing is said), its phone and hours, and a map link.
pub fn visit_facts(v: &Venue, lang: Lang) -> impl IntoView {
    let facts: Vec<String> = ACCESSIBILITY
        .into_iter()
        .filter_map(|name| {
            v.accessibility(name).map(|yes| {
                let what = lang.tr(&format!("venues.{name}"));
                lang.tr_with(if yes { "venues.has" } else { "venues.has_not" }, &[("what", what)])
            })
        })
        .collect();
    view! {
        {(!v.phone.is_empty()).then(|| view! { <br/>{lang.tr("venues.phone")}": "<a href=format!("tel:{}", v.phone)>{v.phone.clone()}</a> })}
        {(!v.hours.is_empty()).then(|| view! { <br/>{lang.tr("venues.hours")}": "{v.hours.clone()} })}
        {(!facts.is_empty()).then(|| view! { <br/><span>{facts.join("・")}</span> })}
        <br/><a href=v.map_url() rel="noopener" target="_blank">{lang.tr("venues.map")}<span class="visually-hidden">{lang.tr("venues.opens_new_window")}</span></a>
    }
}

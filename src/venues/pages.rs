//! Managers' venue pages: the list and the create/edit form.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{fetch_venue_directory, Venue, VenueDirectory};
use crate::{
    accounts::current_viewer,
    app::{data_table, deferred, load_failed, Refused},
    domain::VenueKind,
    forms::{FormErrors, SelectField, TextField},
    i18n::{current_lang, Lang},
};

#[component]
pub fn ManageVenuesPage() -> impl IntoView {
    let lang = current_lang();
    if !current_viewer().is_some_and(|v| v.is_manager()) {
        return view! { <Refused/> }.into_any();
    }
    let saved = use_query_map().get_untracked().get("saved").is_some();
    view! {
        <Title text=lang.tr("venues.title")/>
        <h1>{lang.tr("venues.title")}</h1>
        {saved.then(|| view! { <div class="notice notice-success" role="status"><p>{lang.tr("form.saved")}</p></div> })}
        <p><a class="button button-primary" href="/manage/venues/new">{lang.tr("venues.new")}</a></p>
        <Suspense>
            {move || deferred(async move {
                match fetch_venue_directory().await {
                    Ok(dir) => venue_table(&dir, lang).into_any(),
                    Err(_) => load_failed(lang),
                }
            })}
        </Suspense>
    }
    .into_any()
}

fn venue_table(dir: &VenueDirectory, lang: Lang) -> impl IntoView {
    let rows = dir
        .venues
        .iter()
        .map(|v| {
            view! {
                <tr>
                    <td>{v.name.clone()}</td>
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
    if !current_viewer().is_some_and(|v| v.is_manager()) {
        return view! { <Refused/> }.into_any();
    }
    let id = use_params_map().get_untracked().get("id").and_then(|id| id.parse::<i64>().ok());
    let title = lang.tr(if id.is_some() { "venues.edit" } else { "venues.new" });
    view! {
        <Title text=title.clone()/>
        <h1>{title}</h1>
        <Suspense>
            {move || deferred(async move {
                match fetch_venue_directory().await {
                    Ok(dir) => {
                        let venue = id.and_then(|id| dir.venue(id).cloned());
                        venue_form(&dir, venue, lang).into_any()
                    }
                    Err(_) => load_failed(lang),
                }
            })}
        </Suspense>
    }
    .into_any()
}

fn venue_form(dir: &VenueDirectory, venue: Option<Venue>, lang: Lang) -> impl IntoView {
    let v = venue.unwrap_or(Venue {
        id: 0,
        name: String::new(),
        kind: VenueKind::CommunityCenter,
        ward: String::new(),
        address: String::new(),
        access: String::new(),
    });
    let kinds = VenueKind::ALL.iter().map(|k| (k.as_str().to_string(), k.label(lang))).collect();
    let wards = dir.wards.iter().map(|w| (w.code.clone(), w.name(lang).to_string())).collect();
    view! {
        <form method="post" class="form" novalidate>
            <FormErrors/>
            <TextField name="name" label=lang.tr("venues.name") value=v.name required=true/>
            <SelectField name="kind" label=lang.tr("venues.kind") options=kinds value=v.kind.as_str() required=true/>
            <SelectField name="ward" label=lang.tr("venues.ward") options=wards value=v.ward required=true empty=lang.tr("form.choose")/>
            <TextField name="address" label=lang.tr("venues.address") value=v.address required=true autocomplete="street-address"/>
            <TextField name="access" label=lang.tr("venues.access") value=v.access hint=lang.tr("venues.access_hint")/>
            <div class="button-row">
                <button type="submit" class="button button-primary">{lang.tr("form.save")}</button>
                <a class="button button-secondary" href="/manage/venues">{lang.tr("form.cancel")}</a>
            </div>
        </form>
    }
}

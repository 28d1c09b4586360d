//! The managers' import and export page: upload a CSV file, see every bad row by line,
//! download the current data in the same columns.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::ImportKind;
use crate::{
    accounts::current_viewer,
    app::Refused,
    forms::{form_state, Checkbox, FieldError, FormErrors, SelectField},
    i18n::{current_lang, Lang},
};

/// Bad rows come back to the page as form errors under keys with this prefix.
pub const ROW_KEY_PREFIX: &str = "line:";

fn query(name: &str) -> Option<String> {
    use_query_map().get_untracked().get(name)
}

#[component]
pub fn ExchangePage() -> impl IntoView {
    let lang = current_lang();
    if !current_viewer().is_some_and(|v| v.is_manager()) {
        return view! { <Refused/> }.into_any();
    }
    let kinds: Vec<(String, String)> = ImportKind::ALL.iter().map(|k| (k.code().to_string(), k.label(lang))).collect();
    view! {
        <Title text=lang.tr("exchange.title")/>
        <h1>{lang.tr("exchange.title")}</h1>
        {imported_notice(lang)}
        <section class="stack" aria-labelledby="import-heading">
            <h2 id="import-heading">{lang.tr("exchange.import")}</h2>
            <FormErrors/>
            {bad_rows()}
            <form method="post" action="/manage/exchange" enctype="multipart/form-data" class="form" novalidate>
                <SelectField name="kind" label=lang.tr("exchange.kind_label") options=kinds required=true empty=lang.tr("form.choose")/>
                <FileField label=lang.tr("exchange.file") hint=lang.tr("exchange.file_hint")/>
                <Checkbox name="skip_bad_rows" label=lang.tr("exchange.skip_bad_rows")/>
                <button type="submit" class="button button-primary">{lang.tr("exchange.submit")}</button>
            </form>
            {help(lang)}
        </section>
        <section class="stack" aria-labelledby="export-heading">
            <h2 id="export-heading">{lang.tr("exchange.export")}</h2>
            <p>{lang.tr("exchange.export_intro")}</p>
            <ul class="stack">
                {ImportKind::ALL
                    .iter()
                    .map(|k| view! { <li><a href=format!("/manage/exchange/{}.csv", k.code())>{lang.tr_with("exchange.download", &[("kind", k.label(lang))])}</a></li> })
                    .collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

/// What the last import did (after its redirect).
fn imported_notice(lang: Lang) -> Option<impl IntoView> {
    let kind = query("imported").and_then(|k| ImportKind::parse(&k))?;
    let count = |name: &str| query(name).unwrap_or_else(|| "0".into());
    let skipped = query("skipped").filter(|s| !s.is_empty());
    let text = lang.tr_with(
        "exchange.imported",
        &[("kind", kind.label(lang)), ("created", count("created")), ("updated", count("updated"))],
    );
    Some(view! {
        <div class="notice notice-success" role="status">
            <p>{text}</p>
            {skipped.map(|lines| view! { <p>{lang.tr_with("exchange.skipped", &[("lines", lines)])}</p> })}
        </div>
    })
}

/// Every bad row of a refused file, in line order.
fn bad_rows() -> Option<impl IntoView> {
    let state = form_state();
    let mut rows: Vec<(String, String)> =
        state.errors.into_iter().filter(|(key, _)| key.starts_with(ROW_KEY_PREFIX)).collect();
    if rows.is_empty() {
        return None;
    }
    rows.sort();
    Some(view! {
        <ul class="bad-rows stack">
            {rows.into_iter().map(|(_, message)| view! { <li class="field-error">{message}</li> }).collect_view()}
        </ul>
    })
}

/// The file input, labelled, with its hint and error like the other fields.
#[component]
fn FileField(#[prop(into)] label: String, #[prop(into)] hint: String) -> impl IntoView {
    let has_error = form_state().error("file").is_some();
    let described = if has_error { "file-hint file-error" } else { "file-hint" };
    view! {
        <div class="field" class:has-error=has_error>
            <label for="file">
                {label}" "<span class="required-mark">{current_lang().tr("form.required")}</span>
            </label>
            <p class="field-hint" id="file-hint">{hint}</p>
            <input
                type="file"
                id="file"
                name="file"
                accept=".csv,text/csv"
                required=true
                aria-invalid=has_error.then_some("true")
                aria-describedby=described
            />
            <FieldError name="file"/>
        </div>
    }
}

/// The columns of each kind of file and how cells are written.
fn help(lang: Lang) -> impl IntoView {
    view! {
        <details class="stack">
            <summary>{lang.tr("exchange.help_title")}</summary>
            <p>{lang.tr("exchange.help_encoding")}</p>
            <p>{lang.tr("exchange.help_id")}</p>
            <dl class="details">
                {ImportKind::ALL
                    .iter()
                    .map(|k| view! {
                        <dt>{k.label(lang)}</dt>
                        <dd><code>{k.columns().join(",")}</code></dd>
                    })
                    .collect_view()}
            </dl>
            <p>{lang.tr("exchange.help_codes")}</p>
            <p>{lang.tr("exchange.help_meetings")}</p>
        </details>
    }
}

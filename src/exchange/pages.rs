//! The managers' import and export page (upload a CSV file, download the current data
//! in the same columns) and an upload's preview, which writes only when confirmed.

use chrono::Utc;
use indicatif::ProgressBar;
use leptos::prelude::*;
use leptos_meta::Title;

use super::{
    api::PLAN,
    field,
    import::{self, Action, ImportReport, Planned},
    previews, FileFormat, ImportKind,
};
use crate::{
    i18n::Lang,
    policy::{logged_in, Viewer},
    server::error::AppResult,
    ui::{
        current_lang, data_table,
        forms::{form_state, Checkbox, FieldError, FormErrors, SelectField, TextField},
        guarded, load_page, page_context, query_param,
    },
};

#[component]
pub fn ExchangePage() -> impl IntoView {
    let lang = current_lang();
    let kinds: Vec<(String, String)> = ImportKind::ALL.iter().map(|k| (k.code().to_string(), k.label(lang))).collect();
    let formats: Vec<(String, String)> = [FileFormat::Ippo, FileFormat::FacilityList]
        .iter()
        .map(|f| (f.code().to_string(), lang.tr(&format!("exchange.format.{}", f.code()))))
        .collect();
    guarded(Viewer::require_manager, move || {
        view! {
        <Title text=lang.tr("exchange.title")/>
        <h1>{lang.tr("exchange.title")}</h1>
        {imported_notice(lang)}
        <section class="stack" aria-labelledby="import-heading">
            <h2 id="import-heading">{lang.tr("exchange.import")}</h2>
            <p>{lang.tr("exchange.import_intro")}</p>
            <FormErrors/>
            <form method="post" action="/manage/exchange" enctype="multipart/form-data" class="form" novalidate>
                <SelectField name=field::KIND label=lang.tr("exchange.kind_label") options=kinds required=true empty=lang.tr("form.choose")/>
                <SelectField name=field::FORMAT label=lang.tr("exchange.format_label") options=formats value=FileFormat::Ippo.code()/>
                <TextField name=field::FACILITY_TYPE label=lang.tr("exchange.facility_type") hint=lang.tr("exchange.facility_type_hint")/>
                <FileField label=lang.tr("exchange.file") hint=lang.tr("exchange.file_hint")/>
                <Checkbox name=field::SKIP_BAD_ROWS label=lang.tr("exchange.skip_bad_rows")/>
                <button type="submit" class="button button-primary">{lang.tr("exchange.check")}</button>
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
    })
}

/// What the last import did (after its redirect).
fn imported_notice(lang: Lang) -> Option<impl IntoView> {
    let kind = query_param("imported").and_then(|k| ImportKind::parse(&k))?;
    let count = |name: &str| query_param(name).unwrap_or_else(|| "0".into());
    let skipped = query_param("skipped");
    let text = lang.tr_with(
        "exchange.imported",
        &[
            ("kind", kind.label(lang)),
            ("created", count("created")),
            ("updated", count("updated")),
            ("unchanged", count("unchanged")),
        ],
    );
    Some(view! {
        <div class="notice notice-success" role="status">
            <p>{text}</p>
            {skipped.map(|lines| view! { <p>{lang.tr_with("exchange.skipped", &[("lines", lines)])}</p> })}
        </div>
    })
}

/// The file input, labelled, with its hint and error like the other fields.
#[component]
fn FileField(#[prop(into)] label: String, #[prop(into)] hint: String) -> impl IntoView {
    let has_error = form_state().error(field::FILE).is_some();
    let described = if has_error { "file-hint file-error" } else { "file-hint" };
    view! {
        <div class="field" class:has-error=has_error>
            <label for=field::FILE>
                {label}" "<span class="required-mark">{current_lang().tr("form.required")}</span>
            </label>
            <p class="field-hint" id="file-hint">{hint}</p>
            <input
                type="file"
                id=field::FILE
                name=field::FILE
                accept=".csv,text/csv"
                required=true
                aria-invalid=has_error.then_some("true")
                aria-describedby=described
            />
            <FieldError name=field::FILE/>
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
            <p>{lang.tr("exchange.help_facility_list")}</p>
        </details>
    }
}

/// The plan of the viewer's stored upload, made now.
async fn preview(token: String) -> AppResult<ImportReport> {
    let (state, viewer) = page_context()?;
    let viewer = logged_in(viewer.as_ref())?;
    let stored = previews::find(&state.db, viewer, &token, Utc::now()).await?;
    let plan = import::plan(&state, viewer, &stored.options, &stored.content, &ProgressBar::hidden()).await?;
    Ok(plan.report)
}

#[component]
pub fn PreviewPage() -> impl IntoView {
    let lang = current_lang();
    let token = leptos_router::hooks::use_params_map().get_untracked().get("token").unwrap_or_default();
    guarded(Viewer::require_manager, move || {
        view! {
            <Title text=lang.tr("exchange.preview_title")/>
            <h1>{lang.tr("exchange.preview_title")}</h1>
            <FormErrors/>
            <Suspense>
                {move || {
                    let token = token.clone();
                    load_page(preview(token.clone()), move |report| preview_view(&report, &token, lang).into_any())
                }}
            </Suspense>
        }
        .into_any()
    })
}

fn preview_view(report: &ImportReport, token: &str, lang: Lang) -> impl IntoView {
    let changing: Vec<&Planned> = report.planned.iter().filter(|p| p.action != Action::Unchanged).collect();
    let rows = changing
        .iter()
        .map(|p| {
            let action = lang.tr(match p.action {
                Action::Create => "exchange.action.create",
                Action::Update => "exchange.action.update",
                Action::Unchanged => "exchange.action.unchanged",
            });
            let changes = p
                .changes
                .iter()
                .map(|c| view! { <li>{c.describe(lang)}</li> })
                .collect_view();
            view! {
                <tr class:renamed=p.renamed>
                    <td>{p.line}</td>
                    <td>{action}{p.renamed.then(|| view! { <br/><strong>{lang.tr("exchange.renamed")}</strong> })}</td>
                    <td>{p.label.clone()}{p.id.clone().map(|id| view! { <br/><span class="muted">{format!("id {id}")}</span> })}</td>
                    <td><ul class="stack">{changes}</ul></td>
                </tr>
            }
        })
        .collect_view();
    let headers =
        ["exchange.line", "exchange.action", "exchange.record", "exchange.changes"].map(|k| lang.tr(k)).to_vec();
    let bad_rows =
        report.bad_rows.iter().map(|b| view! { <li class="field-error">{b.message(lang)}</li> }).collect_view();
    let left_out = report
        .left_out
        .iter()
        .map(|l| view! { <li>{lang.tr_with("exchange.left_out_line", &[("line", l.line.to_string()), ("reason", l.reason.text(lang))])}</li> })
        .collect_view();
    let notices = report.notices.iter().map(|n| view! { <li>{n.text(lang)}</li> }).collect_view();
    let renames = report.renames();
    view! {
        <p class="lead">{report.summary(lang)}</p>
        {(!report.notices.is_empty()).then(|| view! {
            <div class="notice notice-warning" role="status"><ul class="stack">{notices}</ul></div>
        })}
        {(!report.bad_rows.is_empty()).then(|| view! {
            <section class="stack" aria-labelledby="bad-rows">
                <h2 id="bad-rows">{lang.tr_with("exchange.bad_rows_title", &[("n", report.bad_rows.len().to_string())])}</h2>
                <ul class="bad-rows stack">{bad_rows}</ul>
            </section>
        })}
        {(!changing.is_empty()).then(|| view! {
            <section class="stack" aria-labelledby="planned">
                <h2 id="planned">{lang.tr("exchange.planned_title")}</h2>
                {data_table("table", headers, rows)}
            </section>
        })}
        {(!report.left_out.is_empty()).then(|| view! {
            <details class="stack">
                <summary>{lang.tr_with("exchange.left_out_title", &[("n", report.left_out.len().to_string())])}</summary>
                <ul class="stack">{left_out}</ul>
            </details>
        })}
        {if report.writable() {
            view! {
                <form method="post" action=format!("/manage/exchange/preview/{token}") class="form">
                    <input type="hidden" name=PLAN value=report.fingerprint()/>
                    {(renames > 0).then(|| view! {
                        <Checkbox name=field::ACCEPT_RENAMES label=lang.tr_with("exchange.accept_renames", &[("n", renames.to_string())])/>
                    })}
                    <div class="button-row">
                        <button type="submit" class="button button-primary">{lang.tr("exchange.confirm")}</button>
                        <a class="button button-secondary" href="/manage/exchange">{lang.tr("form.cancel")}</a>
                    </div>
                </form>
            }
            .into_any()
        } else {
            view! {
                <p>{lang.tr("exchange.fix_and_retry")}</p>
                <p><a class="button button-secondary" href="/manage/exchange">{lang.tr("exchange.back")}</a></p>
            }
            .into_any()
        }}
    }
}

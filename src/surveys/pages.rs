//! The survey page (by QR code, on a phone or the venue's tablet) and the staff's fast
//! entry of paper sheets.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{field, store, SurveyTarget};
use crate::{
    domain::Topic,
    i18n::Lang,
    policy::logged_in,
    server::error::{AppError, AppResult},
    sessions::{pages::session, SessionDetail},
    ui::{
        current_lang, error_page,
        forms::{CheckboxGroup, FormErrors, OnceKey, RadioGroup, TextArea, TextField},
        load_page, page_context, param_i64, query_flag, PrintButton,
    },
};

/// The session a survey code belongs to (public: the code is printed on the sheet).
async fn target(code: String) -> AppResult<SurveyTarget> {
    let (state, _) = page_context()?;
    store::target_by_code(&state.db, &code, crate::ui::current_lang()).await?.ok_or(AppError::NotFound)
}

/// A session and its answer count, for its venue's staff.
async fn session_and_count(id: i64) -> AppResult<(SessionDetail, i64)> {
    let (state, viewer) = page_context()?;
    let count = store::count(&state.db, logged_in(viewer.as_ref())?, id).await?;
    Ok((session(id).await?, count))
}

/// Whether links would point at this machine (`IPPO_PUBLIC_URL` unset).
fn public_url_is_local() -> bool {
    page_context().map(|(state, _)| state.config.public_url_is_local()).unwrap_or(true)
}

/// A session and its survey sheet's link and QR code, for its venue's staff.
async fn session_and_sheet(id: i64) -> AppResult<(SessionDetail, (String, String))> {
    let (state, viewer) = page_context()?;
    let sheet = store::sheet(&state, logged_in(viewer.as_ref())?, id).await?;
    Ok((session(id).await?, sheet))
}

fn scale_options(question: &str, lang: Lang) -> Vec<(String, String)> {
    (1..=5).rev().map(|n| (n.to_string(), format!("{n} {}", lang.tr(&format!("survey.{question}_{n}"))))).collect()
}

fn topic_options(lang: Lang) -> Vec<(String, String)> {
    Topic::ALL.iter().map(|t| (t.as_str().to_string(), t.label(lang))).collect()
}

#[component]
pub fn SurveyPage() -> impl IntoView {
    let lang = current_lang();
    let code = leptos_router::hooks::use_params_map().get_untracked().get("code").unwrap_or_default();
    let thanks = query_flag("thanks");
    view! {
        <Suspense>
            {move || {
                let code = code.clone();
                load_page(target(code.clone()), move |target| {
                    match target {
                        target if thanks => view! {
                            <Title text=lang.tr("survey.thanks")/>
                            <h1>{lang.tr("survey.thanks")}</h1>
                            <p>{lang.tr("survey.thanks_text")}</p>
                            <p><a class="button button-secondary button-large" href=format!("/survey/{code}")>{lang.tr("survey.next_person")}</a></p>
                            <p class="muted">{target.title}</p>
                        }.into_any(),
                        target => view! {
                            <Title text=lang.tr("survey.title")/>
                            <h1>{lang.tr("survey.title")}</h1>
                            <p><strong>{target.title}</strong><br/>{target.when}" · "{target.venue_name}</p>
                            <p>{lang.tr("survey.intro")}</p>
                            <form method="post" action=format!("/survey/{code}") class="form">
                                <FormErrors/>
                                <input type="hidden" name=field::SURVEY_CODE value=code.clone()/>
                                <OnceKey/>
                                <div class="scale">
                                    <RadioGroup name=field::COMPREHENSION legend=lang.tr("survey.comprehension") options=scale_options("comprehension", lang)/>
                                </div>
                                <div class="scale">
                                    <RadioGroup name=field::SATISFACTION legend=lang.tr("survey.satisfaction") options=scale_options("satisfaction", lang)/>
                                </div>
                                <RadioGroup
                                    name=field::WANTS_ONLINE_SERVICES
                                    legend=lang.tr("survey.wants_online")
                                    options=vec![("yes".into(), lang.tr("form.yes")), ("no".into(), lang.tr("form.no"))]
                                />
                                <CheckboxGroup name=field::TOPICS_WANTED legend=lang.tr("survey.topics_wanted") options=topic_options(lang)/>
                                <TextArea name=field::COMMENT label=lang.tr("survey.comment") rows=3/>
                                <button type="submit" class="button button-primary button-large">{lang.tr("survey.submit")}</button>
                            </form>
                        }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
pub fn FastEntryPage() -> impl IntoView {
    let lang = current_lang();
    let Some(id) = param_i64("id") else { return error_page(AppError::NotFound) };
    let saved = query_flag("saved");
    let legend = Topic::ALL
        .iter()
        .enumerate()
        .map(|(i, t)| view! { <li>{format!("{} {}", i + 1, t.label(lang))}</li> })
        .collect_view();
    view! {
        <Suspense>
            {move || {
                let legend = legend.clone();
                load_page(session_and_count(id), move |(session, count)| {
                    let title = lang.tr_with("survey.fast_title", &[("title", session.summary.title.clone())]);
                    view! {
                        <Title text=title.clone()/>
                        <h1>{title}</h1>
                        <p class="notice notice-info" role="status" aria-live="polite">
                            {saved.then(|| format!("{} ", lang.tr("form.saved")))}
                            {lang.tr_with("survey.count", &[("n", count.to_string())])}
                        </p>
                        <p class="field-hint">{lang.tr("survey.fast_hint")}</p>
                        <form method="post" class="form" novalidate>
                            <FormErrors/>
                            <OnceKey/>
                            <TextField name=field::COMPREHENSION label=lang.tr("survey.fast_comprehension") inputmode="numeric" autocomplete="off" autofocus=true/>
                            <TextField name=field::SATISFACTION label=lang.tr("survey.fast_satisfaction") inputmode="numeric" autocomplete="off"/>
                            <TextField name=field::WANTS_ONLINE_SERVICES label=lang.tr("survey.fast_wants") inputmode="numeric" autocomplete="off"/>
                            <TextField name=field::TOPICS_WANTED label=lang.tr("survey.fast_topics") autocomplete="off" hint=lang.tr("survey.fast_topics_hint")/>
                            <TextField name=field::COMMENT label=lang.tr("survey.comment") autocomplete="off"/>
                            <button type="submit" class="button button-primary">{lang.tr("survey.fast_submit")}</button>
                        </form>
                        <h2>{lang.tr("survey.topic_numbers")}</h2>
                        <ol class="stack">{legend}</ol>
                        <p><a href=format!("/sessions/{id}")>{session.summary.title.clone()}</a></p>
                    }.into_any()
                })
            }}
        </Suspense>
    }
    .into_any()
}

#[component]
pub fn SurveySheetPage() -> impl IntoView {
    let lang = current_lang();
    let Some(id) = param_i64("id") else { return error_page(AppError::NotFound) };
    view! {
        <Suspense>
            {move || load_page(session_and_sheet(id), move |(session, (url, svg))| {
                let code = session.survey_code.clone().unwrap_or_default();
                let scale = |q: &str| {
                    (1..=5).rev().map(|n| view! { <li><span class="tick-box" aria-hidden="true"></span>" "{format!("{n} {}", lang.tr(&format!("survey.{q}_{n}")))}</li> }).collect_view()
                };
                let topics = Topic::ALL.iter().enumerate().map(|(i, t)| view! {
                    <li><span class="tick-box" aria-hidden="true"></span>" "{format!("{} {}", i + 1, t.label(lang))}</li>
                }).collect_view();
                view! {
                    <Title text=lang.tr("survey.title")/>
                    <p class="no-print"><PrintButton label=lang.tr("survey.print")/></p>
                    <div class="survey-sheet">
                    <h1>{lang.tr("survey.title")}</h1>
                    <p><strong>{session.summary.title.clone()}</strong>" "{session.summary.schedule(lang)}" · "{session.venue.name.clone()}</p>
                    {if public_url_is_local() {
                        // A QR code of this machine's address would open nothing on a phone.
                        view! {
                            <div class="notice notice-warning" role="status"><p>{lang.tr("survey.qr_local")}</p></div>
                            <p>{lang.tr("sessions.survey_code")}": "<strong>{code}</strong></p>
                        }.into_any()
                    } else {
                        view! {
                            <div class="cluster">
                                <div class="qr" inner_html=svg role="img" aria-label=lang.tr("survey.qr_label")></div>
                                <p>{lang.tr("survey.qr_text")}<br/><span class="muted">{url}</span><br/>{lang.tr("sessions.survey_code")}": "<strong>{code}</strong></p>
                            </div>
                        }.into_any()
                    }}
                    <h2>{lang.tr("survey.comprehension")}</h2>
                    <ul class="stack">{scale("comprehension")}</ul>
                    <h2>{lang.tr("survey.satisfaction")}</h2>
                    <ul class="stack">{scale("satisfaction")}</ul>
                    <h2>{lang.tr("survey.wants_online")}</h2>
                    <p><span class="tick-box" aria-hidden="true"></span>" 1 "{lang.tr("form.yes")}"　"<span class="tick-box" aria-hidden="true"></span>" 2 "{lang.tr("form.no")}</p>
                    <h2>{lang.tr("survey.topics_wanted")}</h2>
                    <ul class="stack">{topics}</ul>
                    <h2>{lang.tr("survey.comment")}</h2>
                    <div class="comment-box"></div>
                    </div>
                }.into_any()
            })}
        </Suspense>
    }
    .into_any()
}

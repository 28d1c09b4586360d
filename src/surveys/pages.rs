//! The survey page (by QR code, on a phone or the venue's tablet) and the staff's fast
//! entry of paper sheets.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{response_count, find_survey_target};
use crate::{
    accounts::current_viewer,
    app::{deferred, load_failed, NotFound, Refused},
    domain::Topic,
    forms::{CheckboxGroup, FormErrors, RadioGroup, TextArea, TextField},
    i18n::{current_lang, Lang},
    sessions::get_session,
};

fn scale_options(question: &str, lang: Lang) -> Vec<(String, String)> {
    (1..=5).rev().map(|n| (n.to_string(), format!("{n} {}", lang.tr(&format!("survey.{question}_{n}"))))).collect()
}

fn topic_options(lang: Lang) -> Vec<(String, String)> {
    Topic::ALL.iter().map(|t| (t.as_str().to_string(), t.label(lang))).collect()
}

#[component]
pub fn SurveyPage() -> impl IntoView {
    let lang = current_lang();
    let code = use_params_map().get_untracked().get("code").unwrap_or_default();
    let thanks = use_query_map().get_untracked().get("thanks").is_some();
    view! {
        <Suspense>
            {move || {
                let code = code.clone();
                deferred(async move {
                    match find_survey_target(code.clone()).await {
                        Ok(Some(target)) if thanks => view! {
                            <Title text=lang.tr("survey.thanks")/>
                            <h1>{lang.tr("survey.thanks")}</h1>
                            <p>{lang.tr("survey.thanks_text")}</p>
                            <p><a class="button button-secondary button-large" href=format!("/survey/{code}")>{lang.tr("survey.next_person")}</a></p>
                            <p class="muted">{target.title}</p>
                        }.into_any(),
                        Ok(Some(target)) => view! {
                            <Title text=lang.tr("survey.title")/>
                            <h1>{lang.tr("survey.title")}</h1>
                            <p><strong>{target.title}</strong><br/>{target.when}" · "{target.venue_name}</p>
                            <p>{lang.tr("survey.intro")}</p>
                            <form method="post" action=format!("/survey/{code}") class="form">
                                <FormErrors/>
                                <input type="hidden" name="survey_code" value=code.clone()/>
                                <div class="scale">
                                    <RadioGroup name="comprehension" legend=lang.tr("survey.comprehension") options=scale_options("comprehension", lang)/>
                                </div>
                                <div class="scale">
                                    <RadioGroup name="satisfaction" legend=lang.tr("survey.satisfaction") options=scale_options("satisfaction", lang)/>
                                </div>
                                <RadioGroup
                                    name="wants_online_services"
                                    legend=lang.tr("survey.wants_online")
                                    options=vec![("yes".into(), lang.tr("form.yes")), ("no".into(), lang.tr("form.no"))]
                                />
                                <CheckboxGroup name="topics_wanted" legend=lang.tr("survey.topics_wanted") options=topic_options(lang)/>
                                <TextArea name="comment" label=lang.tr("survey.comment") rows=3/>
                                <button type="submit" class="button button-primary button-large">{lang.tr("survey.submit")}</button>
                            </form>
                        }.into_any(),
                        Ok(None) => view! { <NotFound/> }.into_any(),
                        Err(_) => load_failed(lang),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
pub fn FastEntryPage() -> impl IntoView {
    let lang = current_lang();
    if !current_viewer().is_some_and(|v| v.is_staff()) {
        return view! { <Refused/> }.into_any();
    }
    let id = use_params_map().get_untracked().get("id").and_then(|v| v.parse::<i64>().ok());
    let Some(id) = id else { return view! { <NotFound/> }.into_any() };
    let saved = use_query_map().get_untracked().get("saved").is_some();
    let legend = Topic::ALL
        .iter()
        .enumerate()
        .map(|(i, t)| view! { <li>{format!("{} {}", i + 1, t.label(lang))}</li> })
        .collect_view();
    view! {
        <Suspense>
            {move || {
                let legend = legend.clone();
                deferred(async move {
                    let (Ok(Some(session)), Ok(count)) = (get_session(id).await, response_count(id).await) else {
                        return load_failed(lang);
                    };
                    if session.survey_code.is_none() {
                        return view! { <Refused/> }.into_any();
                    }
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
                            <TextField name="comprehension" label=lang.tr("survey.fast_comprehension") inputmode="numeric" autocomplete="off" autofocus=true/>
                            <TextField name="satisfaction" label=lang.tr("survey.fast_satisfaction") inputmode="numeric" autocomplete="off"/>
                            <TextField name="wants_online_services" label=lang.tr("survey.fast_wants") inputmode="numeric" autocomplete="off"/>
                            <TextField name="topics_wanted" label=lang.tr("survey.fast_topics") autocomplete="off" hint=lang.tr("survey.fast_topics_hint")/>
                            <TextField name="comment" label=lang.tr("survey.comment") autocomplete="off"/>
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

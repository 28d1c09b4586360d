//! The follow-up pages: the questionnaire behind a mailed link, the staff's call list and
//! phone entry, and the manager's choices.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{field, store, Choice, ChoiceKind, ChoiceLabel, FollowupCall, Questionnaire, MAX_CALLS};
use crate::{
    i18n::Lang,
    policy::{logged_in, Viewer},
    server::error::{AppError, AppResult},
    time::to_tokyo,
    ui::{
        current_lang, data_table, error_page, flash,
        forms::{Checkbox, CheckboxGroup, FormErrors, RadioGroup, SelectField, TextArea, TextField},
        guarded, load_page, page_context, param_i64, query_flag, query_param,
    },
};

async fn questionnaire(token: String) -> AppResult<Questionnaire> {
    let (state, _) = page_context()?;
    store::questionnaire(&state.db, &token, current_lang()).await
}

fn options(choices: &[ChoiceLabel]) -> Vec<(String, String)> {
    choices.iter().map(|c| (c.code.clone(), c.label.clone())).collect()
}

/// The three questions, the same for the attendee's link and the staff's phone entry.
#[component]
fn QuestionsForm(action: String, services: Vec<ChoiceLabel>, barriers: Vec<ChoiceLabel>) -> impl IntoView {
    let lang = current_lang();
    let help = vec![("no".to_string(), lang.tr("followup.on_own")), ("yes".to_string(), lang.tr("followup.with_help"))];
    view! {
        <form method="post" action=action class="form" novalidate>
            <FormErrors/>
            <CheckboxGroup name=field::SERVICES_USED legend=lang.tr("followup.services_used") options=options(&services)/>
            <Checkbox name=field::NONE_USED label=lang.tr("followup.none_used")/>
            <RadioGroup name=field::WITH_HELP legend=lang.tr("followup.help_question") options=help hint=lang.tr("followup.help_hint")/>
            <CheckboxGroup name=field::BARRIERS legend=lang.tr("followup.barriers") options=options(&barriers)/>
            <TextArea name=field::COMMENT label=lang.tr("followup.comment") rows=3/>
            <button type="submit" class="button button-primary button-large">{lang.tr("followup.submit")}</button>
        </form>
    }
}

/// `/followup/{token}`: the questionnaire a mailed link opens (no login; shows the course,
/// never the person).
#[component]
pub fn FollowupPage() -> impl IntoView {
    let lang = current_lang();
    let token = leptos_router::hooks::use_params_map().get_untracked().get("token").unwrap_or_default();
    let thanks = query_flag("thanks");
    view! {
        <Suspense>
            {move || {
                let token = token.clone();
                load_page(questionnaire(token.clone()), move |q| {
                    let course = view! { <p><strong>{q.session_title.clone()}</strong><br/>{q.when.clone()}" · "{q.venue_name.clone()}</p> };
                    if thanks || q.answered {
                        let title = lang.tr(if thanks { "followup.thanks" } else { "followup.already" });
                        return view! {
                            <Title text=title.clone()/>
                            <h1>{title}</h1>
                            <p>{lang.tr("followup.thanks_text")}</p>
                            {course}
                        }.into_any();
                    }
                    view! {
                        <Title text=lang.tr("followup.title")/>
                        <h1>{lang.tr("followup.title")}</h1>
                        {course}
                        <p>{lang.tr("followup.intro")}</p>
                        <QuestionsForm action=format!("/followup/{token}") services=q.services barriers=q.barriers/>
                    }.into_any()
                })
            }}
        </Suspense>
    }
}

async fn call_list() -> AppResult<Vec<FollowupCall>> {
    let (state, viewer) = page_context()?;
    store::call_list(&state.db, logged_in(viewer.as_ref())?).await
}

fn date(t: chrono::DateTime<chrono::Utc>) -> String {
    to_tokyo(t).format("%Y-%m-%d").to_string()
}

/// Whom to phone: the attendee, and the family member who signed them up when that was someone else.
fn whom(c: &FollowupCall, lang: Lang) -> impl IntoView {
    let family = c
        .registrant_phone
        .clone()
        .filter(|p| *p != c.attendee_phone && !c.registrant_name.is_empty() && c.registrant_name != c.attendee_name)
        .map(|p| {
            view! { <br/><span class="muted">{lang.tr("followup.family")}": "{c.registrant_name.clone()}" "<a href=format!("tel:{p}")>{p.clone()}</a></span> }
        });
    view! {
        {c.attendee_name.clone()}<br/><span class="muted">{c.attendee_kana.clone()}</span><br/>
        <a href=format!("tel:{}", c.attendee_phone)>{c.attendee_phone.clone()}</a>
        {family}
    }
}

/// `/staff/followups`: the follow-ups to ask by phone at the viewer's venues, each with
/// 「答えを入力」, 「出なかった」 and 「断られた」.
#[component]
pub fn FollowupCallsPage() -> impl IntoView {
    let lang = current_lang();
    let (saved, called) = (query_flag("saved"), query_flag("called"));
    view! {
        <Suspense>
            {move || load_page(call_list(), move |calls| {
                let rows = calls.iter().map(|c| {
                    let tried = (c.call_attempts > 0).then(|| lang.tr_with("followup.tried", &[
                        ("n", c.call_attempts.to_string()),
                        ("max", MAX_CALLS.to_string()),
                        ("when", c.last_call_at.map(date).unwrap_or_default()),
                    ]));
                    let why = if c.mail_failed { lang.tr("followup.mail_failed") } else { lang.tr("followup.no_email") };
                    let name = c.attendee_name.clone();
                    view! {
                        <tr>
                            <td>{whom(c, lang)}</td>
                            <td><a href=format!("/staff/sessions/{}", c.session_id)>{c.session_title.clone()}</a><br/>
                                <span class="muted">{date(c.session_ends_at)}" · "{lang.tr_with("followup.round", &[("n", c.round.to_string())])}</span></td>
                            <td>{why}{tried.map(|t| view! { <br/><strong>{t}</strong> })}</td>
                            <td class="no-print">
                                <p class="button-row">
                                    <a class="button button-primary" href=format!("/staff/followups/{}", c.id)
                                        aria-label=format!("{} {}", name, lang.tr("followup.enter"))>{lang.tr("followup.enter")}</a>
                                </p>
                                <form method="post" action=format!("/staff/followups/{}/call", c.id) class="button-row">
                                    <button type="submit" name=field::OUTCOME value="no_answer" class="button button-secondary"
                                        aria-label=format!("{} {}", name, lang.tr("followup.no_answer"))>{lang.tr("followup.no_answer")}</button>
                                    <button type="submit" name=field::OUTCOME value="declined" class="button button-secondary"
                                        aria-label=format!("{} {}", name, lang.tr("followup.declined"))>{lang.tr("followup.declined")}</button>
                                </form>
                            </td>
                        </tr>
                    }
                }).collect_view();
                view! {
                    <Title text=lang.tr("followup.calls_title")/>
                    <h1>{lang.tr("followup.calls_title")}</h1>
                    {flash(saved, lang.tr("followup.saved"))}
                    {flash(called, lang.tr("followup.called"))}
                    <p>{lang.tr_with("followup.calls_intro", &[("max", MAX_CALLS.to_string())])}</p>
                    {if calls.is_empty() {
                        view! { <p class="notice notice-info">{lang.tr("followup.calls_none")}</p> }.into_any()
                    } else {
                        data_table("table roster", ["followup.who", "followup.course", "followup.why", ""].map(|k| if k.is_empty() { String::new() } else { lang.tr(k) }).to_vec(), rows).into_any()
                    }}
                }.into_any()
            })}
        </Suspense>
    }
}

async fn call_and_questions(id: i64) -> AppResult<(FollowupCall, Vec<Choice>)> {
    let (state, viewer) = page_context()?;
    let call = store::call(&state.db, logged_in(viewer.as_ref())?, id).await?;
    Ok((call, store::choices(&state.db).await?))
}

/// `/staff/followups/{id}`: the questions read out on the phone, the answers typed in.
#[component]
pub fn FollowupEntryPage() -> impl IntoView {
    let lang = current_lang();
    let Some(id) = param_i64("id") else { return error_page(AppError::NotFound) };
    view! {
        <Suspense>
            {move || load_page(call_and_questions(id), move |(call, choices)| {
                let title = lang.tr_with("followup.entry_title", &[("name", call.attendee_name.clone())]);
                view! {
                    <Title text=title.clone()/>
                    <h1>{title}</h1>
                    <p>{whom(&call, lang)}</p>
                    <p>{call.session_title.clone()}" · "{date(call.session_ends_at)}</p>
                    <p class="field-hint">{lang.tr("followup.entry_hint")}</p>
                    <QuestionsForm
                        action=format!("/staff/followups/{id}")
                        services=store::labels(&choices, ChoiceKind::Service, lang)
                        barriers=store::labels(&choices, ChoiceKind::Barrier, lang)
                    />
                    <p><a href="/staff/followups">{lang.tr("followup.calls_title")}</a></p>
                }.into_any()
            })}
        </Suspense>
    }
    .into_any()
}

async fn all_choices() -> AppResult<Vec<Choice>> {
    let (state, viewer) = page_context()?;
    logged_in(viewer.as_ref())?.require_manager()?;
    store::choices(&state.db).await
}

/// `/manage/followups/choices`: the services and barriers the questionnaire offers; a
/// manager adds one or changes one (`?kind=&code=` fills the form with it).
#[component]
pub fn ChoicesPage() -> impl IntoView {
    let lang = current_lang();
    let saved = query_flag("saved");
    let (kind, code) = (query_param("kind").unwrap_or_default(), query_param("code").unwrap_or_default());
    guarded(Viewer::require_manager, move || {
        view! {
            <Suspense>
                {move || {
                    let (kind, code) = (kind.clone(), code.clone());
                    load_page(all_choices(), move |choices| {
                        let editing = choices.iter().find(|c| c.kind.as_str() == kind && c.code == code).cloned();
                        let rows = choices.iter().map(|c| {
                            let list = lang.tr(&format!("followup.kind_{}", c.kind));
                            view! {
                                <tr>
                                    <td>{list}</td>
                                    <td><code>{c.code.clone()}</code></td>
                                    <td>{c.label_ja.clone()}</td>
                                    <td>{c.label_en.clone()}</td>
                                    <td>{c.sort_order}</td>
                                    <td>{lang.tr(if c.active { "form.yes" } else { "form.no" })}</td>
                                    <td><a href=format!("/manage/followups/choices?kind={}&code={}", c.kind, c.code)
                                        aria-label=format!("{} {}", c.label_ja, lang.tr("form.edit"))>{lang.tr("form.edit")}</a></td>
                                </tr>
                            }
                        }).collect_view();
                        let e = editing.unwrap_or(Choice {
                            kind: ChoiceKind::Service,
                            code: String::new(),
                            label_ja: String::new(),
                            label_en: String::new(),
                            sort_order: 0,
                            active: true,
                        });
                        let kinds = [ChoiceKind::Service, ChoiceKind::Barrier]
                            .map(|k| (k.as_str().to_string(), lang.tr(&format!("followup.kind_{}", k.as_str()))))
                            .to_vec();
                        view! {
                            <Title text=lang.tr("followup.choices_title")/>
                            <h1>{lang.tr("followup.choices_title")}</h1>
                            {flash(saved, lang.tr("form.saved"))}
                            <p>{lang.tr("followup.choices_intro")}</p>
                            {data_table("table", ["followup.kind", "followup.code", "followup.label_ja", "followup.label_en", "followup.sort_order", "followup.active", ""].map(|k| if k.is_empty() { String::new() } else { lang.tr(k) }).to_vec(), rows)}
                            <h2>{lang.tr("followup.choice_form")}</h2>
                            <form method="post" action="/manage/followups/choices" class="form" novalidate>
                                <FormErrors/>
                                <SelectField name=field::KIND label=lang.tr("followup.kind") options=kinds value=e.kind.to_string() required=true/>
                                <TextField name=field::CODE label=lang.tr("followup.code") value=e.code.clone() required=true hint=lang.tr("followup.code_hint") autocomplete="off"/>
                                <TextField name=field::LABEL_JA label=lang.tr("followup.label_ja") value=e.label_ja.clone() required=true autocomplete="off"/>
                                <TextField name=field::LABEL_EN label=lang.tr("followup.label_en") value=e.label_en.clone() autocomplete="off"/>
                                <TextField name=field::SORT_ORDER label=lang.tr("followup.sort_order") value=e.sort_order.to_string() inputmode="numeric" autocomplete="off"/>
                                <Checkbox name=field::ACTIVE label=lang.tr("followup.active_label") checked=e.active/>
                                <button type="submit" class="button button-primary">{lang.tr("form.save")}</button>
                            </form>
                        }.into_any()
                    })
                }}
            </Suspense>
        }
        .into_any()
    })
}

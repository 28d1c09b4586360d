//! Registration pages: the sign-up form, the registration's own page (confirmation,
//! calendar file, cancel), and the staff's session list, roster and call list.

use chrono::Utc;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{checkin_status, fetch_registration, session_roster, survey_sheet, RegistrationStatusView, RosterEntry};
use crate::{
    accounts::current_viewer,
    app::{data_table, deferred, load_failed, NotFound, Refused},
    domain::{AgeBand, Attendance, Channel, Relation, RegistrationStatus, SessionKind, SessionStatus, SmartphoneOs, Topic},
    forms::{form_token, Checkbox, FormErrors, RadioGroup, SelectField, TextArea, TextField},
    i18n::{current_lang, Lang},
    sessions::{get_session, list_sessions, SessionDetail, SessionFilter},
    time::{format_span, to_tokyo},
};

fn param_i64(name: &str) -> Option<i64> {
    use_params_map().get_untracked().get(name).and_then(|v| v.parse().ok())
}

fn query_flag(name: &str) -> bool {
    use_query_map().get_untracked().get(name).is_some()
}

fn age_options(lang: Lang) -> Vec<(String, String)> {
    AgeBand::ALL.iter().map(|a| (a.as_str().to_string(), a.label(lang))).collect()
}

fn yes_no(lang: Lang) -> Vec<(String, String)> {
    vec![("yes".into(), lang.tr("form.yes")), ("no".into(), lang.tr("form.no"))]
}

fn os_options(lang: Lang) -> Vec<(String, String)> {
    SmartphoneOs::ALL.iter().map(|o| (o.as_str().to_string(), o.label(lang))).collect()
}

/// Consultation slots with how many places each has left, as select options.
fn slot_options(session: &SessionDetail, lang: Lang) -> Vec<(String, String)> {
    let minutes = session.slot_minutes.unwrap_or(30);
    super::slots(session)
        .into_iter()
        .map(|start| {
            let label = format_span(start, start + chrono::Duration::minutes(minutes as i64), lang);
            (start.to_rfc3339(), label)
        })
        .collect()
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let lang = current_lang();
    let Some(id) = param_i64("id") else { return view! { <NotFound/> }.into_any() };
    view! {
        <Suspense>
            {move || deferred(async move {
                match get_session(id).await {
                    Ok(Some(session)) => register_view(session, lang).into_any(),
                    Ok(None) => view! { <NotFound/> }.into_any(),
                    Err(_) => load_failed(lang),
                }
            })}
        </Suspense>
    }
    .into_any()
}

fn register_view(session: SessionDetail, lang: Lang) -> impl IntoView {
    let s = &session.summary;
    let open = s.status == SessionStatus::Scheduled && s.starts_at > Utc::now();
    let title = lang.tr_with("register.title", &[("title", s.title.clone())]);
    let when = format_span(s.starts_at, s.ends_at, lang);
    if !open {
        return view! {
            <Title text=title.clone()/>
            <h1>{title}</h1>
            <p class="notice notice-info">{lang.tr("sessions.closed")}</p>
            <p><a href=format!("/sessions/{}", s.id)>{lang.tr("register.back_to_session")}</a></p>
        }
        .into_any();
    }
    let full = s.seats_left == 0;
    let relations = vec![
        (Relation::Myself.as_str().to_string(), lang.tr("register.relation_self")),
        (Relation::Family.as_str().to_string(), lang.tr("register.relation_family")),
        (Relation::Other.as_str().to_string(), lang.tr("register.relation_other")),
    ];
    let is_consultation = s.kind == SessionKind::Consultation;
    view! {
        <Title text=title.clone()/>
        <h1>{title}</h1>
        <p class="session-date">{when}" · "{session.venue.name.clone()}</p>
        {full.then(|| view! { <div class="notice notice-warning"><p>{lang.tr("register.full_notice")}</p></div> })}
        <form method="post" action=format!("/sessions/{}/register", s.id) class="form" novalidate>
            <FormErrors/>
            <input type="hidden" name="form_token" value=form_token()/>
            {is_consultation.then(|| view! {
                <SelectField name="slot_starts_at" label=lang.tr("register.slot") options=slot_options(&session, lang) required=true empty=lang.tr("form.choose")/>
            })}
            <fieldset class="fieldset">
                <legend>{lang.tr("register.attendee")}</legend>
                <TextField name="attendee.name" label=lang.tr("register.name") required=true autocomplete="off"/>
                <TextField name="attendee.name_kana" label=lang.tr("register.kana") required=true hint=lang.tr("register.kana_hint")/>
                <TextField name="attendee.phone" label=lang.tr("register.phone") input_type="tel" inputmode="tel" required=true hint=lang.tr("register.phone_hint")/>
                <SelectField name="attendee.age_band" label=lang.tr("register.age_band") options=age_options(lang) required=true empty=lang.tr("form.choose")/>
                <RadioGroup name="attendee.has_smartphone" legend=lang.tr("register.has_smartphone") options=yes_no(lang) required=true/>
                <SelectField name="attendee.smartphone_os" label=lang.tr("register.os") options=os_options(lang) empty=lang.tr("register.os_none")/>
                {(s.loaner_devices > 0).then(|| view! {
                    <Checkbox name="attendee.needs_loaner" label=lang.tr("register.needs_loaner")/>
                })}
                <TextArea name="attendee.accessibility_needs" label=lang.tr("register.accessibility") hint=lang.tr("register.accessibility_hint") rows=2/>
            </fieldset>
            <fieldset class="fieldset">
                <legend>{lang.tr("register.registrant")}</legend>
                <RadioGroup name="registrant.relation" legend=lang.tr("register.relation") options=relations required=true/>
                <TextField name="registrant.name" label=lang.tr("register.registrant_name") hint=lang.tr("register.registrant_name_hint") autocomplete="name"/>
                <TextField name="registrant.email" label=lang.tr("register.email") input_type="email" autocomplete="email" hint=lang.tr("register.email_hint")/>
                <TextField name="registrant.phone" label=lang.tr("register.registrant_phone") input_type="tel" inputmode="tel" autocomplete="tel"/>
            </fieldset>
            <section class="notice notice-info" aria-labelledby="privacy-heading">
                <h2 id="privacy-heading">{lang.tr("register.privacy_title")}</h2>
                <p>{lang.tr("register.privacy_text")}</p>
            </section>
            <Checkbox name="consent" label=lang.tr("register.consent") required=true/>
            <button type="submit" class="button button-primary button-large">
                {lang.tr(if full { "sessions.join_waitlist" } else { "register.submit" })}
            </button>
        </form>
    }
    .into_any()
}

#[component]
pub fn RegistrationPage() -> impl IntoView {
    let lang = current_lang();
    let token = use_params_map().get_untracked().get("token").unwrap_or_default();
    view! {
        <Suspense>
            {move || {
                let token = token.clone();
                deferred(async move {
                    let Ok(Some(reg)) = fetch_registration(token.clone()).await else {
                        return view! { <NotFound/> }.into_any();
                    };
                    match get_session(reg.session_id).await {
                        Ok(Some(session)) => registration_view(&token, reg, session, lang).into_any(),
                        _ => load_failed(lang),
                    }
                })
            }}
        </Suspense>
    }
}

fn registration_view(token: &str, reg: RegistrationStatusView, session: SessionDetail, lang: Lang) -> impl IntoView {
    let s = &session.summary;
    let heading = match reg.status {
        RegistrationStatus::Confirmed => lang.tr("registration.confirmed"),
        RegistrationStatus::Waitlisted => lang.tr_with(
            "registration.waitlisted",
            &[("position", reg.waitlist_position.unwrap_or(0).to_string())],
        ),
        RegistrationStatus::Cancelled => lang.tr("registration.cancelled"),
    };
    let can_cancel = reg.status != RegistrationStatus::Cancelled && s.starts_at > Utc::now();
    let when: Vec<String> = match (reg.slot_starts_at, session.slot_minutes) {
        (Some(slot), Some(m)) => vec![format_span(slot, slot + chrono::Duration::minutes(m as i64), lang)],
        _ => session.meetings.iter().map(|m| format_span(m.starts_at, m.ends_at, lang)).collect(),
    };
    let loaner_line = (reg.needs_loaner && reg.status == RegistrationStatus::Confirmed).then(|| lang.tr("registration.loaner"));
    view! {
        <Title text=heading.clone()/>
        {query_flag("new").then(|| view! { <p class="notice notice-success" role="status">{lang.tr("registration.thanks")}</p> })}
        <h1>{heading}</h1>
        <dl class="details">
            <dt>{lang.tr("registration.attendee")}</dt>
            <dd>{reg.attendee_name.clone()}</dd>
            <dt>{lang.tr("sessions.title")}</dt>
            <dd><a href=format!("/sessions/{}", s.id)>{s.title.clone()}</a></dd>
            <dt>{lang.tr("sessions.when")}</dt>
            <dd><ul class="stack">{when.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}</ul></dd>
            <dt>{lang.tr("sessions.where")}</dt>
            <dd><strong>{session.venue.name.clone()}</strong><br/>{session.venue.address.clone()}</dd>
            <dt>{lang.tr("sessions.what_to_bring")}</dt>
            <dd>{if session.what_to_bring.is_empty() { lang.tr("sessions.bring_nothing") } else { session.what_to_bring.clone() }}</dd>
            {loaner_line.map(|l| view! { <dt>{lang.tr("sessions.loaner")}</dt><dd>{l}</dd> })}
        </dl>
        <p class="field-hint">{lang.tr("registration.keep_link")}</p>
        {(reg.status != RegistrationStatus::Cancelled).then(|| view! {
            <p><a class="button button-secondary" href=format!("/registrations/{token}/calendar.ics")>{lang.tr("registration.calendar")}</a></p>
        })}
        {can_cancel.then(|| view! {
            <section id="cancel" class="stack" aria-labelledby="cancel-heading">
                <h2 id="cancel-heading">{lang.tr("registration.cancel_title")}</h2>
                <p>{lang.tr("registration.cancel_text")}</p>
                <form method="post" action=format!("/registrations/{token}/cancel")>
                    <FormErrors/>
                    <button type="submit" class="button button-danger">{lang.tr("registration.cancel_button")}</button>
                </form>
            </section>
        })}
    }
}

/// Opens the browser's print dialog for the roster (needs JavaScript; printing from the
/// browser menu works without it).
#[island]
fn PrintButton(label: String) -> impl IntoView {
    view! {
        <button type="button" class="button button-secondary no-print" on:click=|_| { let _ = window().print(); }>
            {label}
        </button>
    }
}

#[component]
pub fn StaffHomePage() -> impl IntoView {
    let lang = current_lang();
    let Some(viewer) = current_viewer().filter(|v| v.is_staff()) else {
        return view! { <Refused/> }.into_any();
    };
    // Managers see every venue; staff their own. Yesterday's sessions stay for late paperwork.
    let venue_ids: Vec<Option<i64>> =
        if viewer.is_manager() { vec![None] } else { viewer.venue_ids.iter().copied().map(Some).collect() };
    let from = (crate::time::today_tokyo(Utc::now()) - chrono::Duration::days(7)).format("%Y-%m-%d").to_string();
    view! {
        <Title text=lang.tr("staff.title")/>
        <h1>{lang.tr("staff.title")}</h1>
        <p>{lang.tr("staff.intro")}</p>
        <Suspense>
            {move || {
                let (venue_ids, from) = (venue_ids.clone(), from.clone());
                deferred(async move {
                    let mut sessions = Vec::new();
                    for venue_id in venue_ids {
                        let filter = SessionFilter { venue_id, from: Some(from.clone()), include_past: true, limit: Some(100), ..Default::default() };
                        match list_sessions(filter).await {
                            Ok(page) => sessions.extend(page.sessions),
                            Err(_) => return load_failed(lang),
                        }
                    }
                    sessions.sort_by_key(|s| (s.starts_at, s.id));
                    let rows = sessions.iter().map(|s| view! {
                        <tr>
                            <td>{format_span(s.starts_at, s.ends_at, lang)}</td>
                            <td><a href=format!("/staff/sessions/{}", s.id)>{s.title.clone()}</a></td>
                            <td>{format!("{}/{}", s.capacity - s.seats_left, s.capacity)}</td>
                            <td>{s.waitlist_count}</td>
                            <td>{s.status.label(lang)}</td>
                        </tr>
                    }).collect_view();
                    view! {
                        {data_table("table", vec![lang.tr("sessions.when"), lang.tr("sessions.title"), lang.tr("sessions.confirmed_of_capacity"), lang.tr("roster.waitlist"), lang.tr("sessions.status")], rows)}
                    }.into_any()
                })
            }}
        </Suspense>
    }
    .into_any()
}

/// Loads a session and its roster for a staff page, or says why not.
pub(crate) async fn staff_session(id: i64, lang: Lang) -> Result<(SessionDetail, Vec<RosterEntry>), AnyView> {
    let session = match get_session(id).await {
        Ok(Some(s)) => s,
        Ok(None) => return Err(view! { <NotFound/> }.into_any()),
        Err(_) => return Err(load_failed(lang)),
    };
    match session_roster(id).await {
        Ok(Some(roster)) => Ok((session, roster)),
        Ok(None) => Err(view! { <Refused/> }.into_any()),
        Err(_) => Err(load_failed(lang)),
    }
}

/// A staff page about one session and its roster: it needs a login, loads the roster
/// (the read is audit-logged, refused outside the viewer's venues) and lets `render` draw it.
#[component]
pub fn StaffSessionView(render: fn(SessionDetail, Vec<RosterEntry>, Lang) -> AnyView) -> impl IntoView {
    let lang = current_lang();
    if current_viewer().is_none() {
        return view! { <Refused/> }.into_any();
    }
    let Some(id) = param_i64("id") else { return view! { <NotFound/> }.into_any() };
    view! {
        <Suspense>
            {move || deferred(async move {
                match staff_session(id, lang).await {
                    Ok((session, roster)) => render(session, roster, lang),
                    Err(view) => view,
                }
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
pub fn RosterPage() -> impl IntoView {
    view! { <StaffSessionView render=|session, roster, lang| roster_view(session, roster, lang).into_any()/> }
}

fn roster_view(session: SessionDetail, roster: Vec<RosterEntry>, lang: Lang) -> impl IntoView {
    let s = session.summary.clone();
    let title = lang.tr_with("roster.heading", &[("title", s.title.clone())]);
    let confirmed = roster.iter().filter(|r| r.status == RegistrationStatus::Confirmed).count();
    let waitlisted = roster.iter().filter(|r| r.status == RegistrationStatus::Waitlisted).count();
    let channels = vec![
        (Channel::Phone.as_str().to_string(), Channel::Phone.label(lang)),
        (Channel::Counter.as_str().to_string(), Channel::Counter.label(lang)),
    ];
    let slot_minutes = session.slot_minutes.unwrap_or(0);
    let is_consultation = s.kind == SessionKind::Consultation;
    let mut roster_headers = vec!["#".to_string(), lang.tr("roster.status")];
    if is_consultation {
        roster_headers.push(lang.tr("register.slot"));
    }
    roster_headers.extend(
        ["register.name", "register.phone", "register.age_band", "roster.loaner", "roster.channel", "roster.contact", "roster.check"]
            .map(|k| lang.tr(k)),
    );
    roster_headers.push(String::new());
    let rows = roster
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let contact = r.registrant_email.clone().or(r.registrant_phone.clone()).unwrap_or_default();
            let live = r.status != RegistrationStatus::Cancelled;
            view! {
                <tr>
                    <td>{i + 1}</td>
                    <td>{r.status.label(lang)}</td>
                    {is_consultation.then(|| view! { <td>{r.slot_starts_at.map(|t| super::slot_label(t, slot_minutes)).unwrap_or_default()}</td> })}
                    <td>{r.attendee_name.clone()}<br/><span class="muted">{r.attendee_kana.clone()}</span></td>
                    <td><a href=format!("tel:{}", r.attendee_phone)>{r.attendee_phone.clone()}</a></td>
                    <td>{r.age_band.label(lang)}</td>
                    <td>{if r.needs_loaner { lang.tr("form.yes") } else { String::new() }}</td>
                    <td>{r.channel.label(lang)}</td>
                    <td>{contact}</td>
                    <td class="tick-box" aria-hidden="true"></td>
                    <td class="no-print">
                        {live.then(|| view! {
                            <form method="post" action=format!("/staff/registrations/{}/cancel", r.id)>
                                <button type="submit" class="button button-secondary">{lang.tr("roster.cancel")}</button>
                            </form>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Title text=title.clone()/>
        <h1>{title}</h1>
        <p class="session-date">{format_span(s.starts_at, s.ends_at, lang)}" · "{session.venue.name.clone()}</p>
        {query_flag("registered").then(|| view! { <p class="notice notice-success" role="status">{lang.tr("roster.registered")}</p> })}
        {query_flag("cancelled").then(|| view! { <p class="notice notice-success" role="status">{lang.tr("roster.cancelled")}</p> })}
        <p>{lang.tr_with("roster.counts", &[("confirmed", confirmed.to_string()), ("capacity", s.capacity.to_string()), ("waitlisted", waitlisted.to_string())])}</p>
        <p class="button-row no-print">
            <PrintButton label=lang.tr("roster.print")/>
            <a class="button button-secondary" href=format!("/staff/sessions/{}/calls", s.id)>{lang.tr("calls.title")}</a>
            <a class="button button-secondary" href=format!("/staff/sessions/{}/checkin", s.id)>{lang.tr("checkin.title")}</a>
            <a class="button button-secondary" href=format!("/staff/sessions/{}/surveys", s.id)>{lang.tr("survey.fast_link")}</a>
            <a class="button button-secondary" href=format!("/staff/sessions/{}/survey-sheet", s.id)>{lang.tr("survey.sheet_link")}</a>
            <a class="button button-secondary" href=format!("/staff/sessions/{}/refer", s.id)>{lang.tr("partners.refer.link")}</a>
        </p>
        {data_table("table roster", roster_headers, rows)}
        <section class="no-print stack" aria-labelledby="staff-register-heading">
            <h2 id="staff-register-heading">{lang.tr("roster.add")}</h2>
            <p class="field-hint">{lang.tr("roster.add_hint")}</p>
            <form method="post" action=format!("/staff/sessions/{}", s.id) class="form" novalidate>
                <FormErrors/>
                <input type="hidden" name="form_token" value=form_token()/>
                <input type="hidden" name="registrant.relation" value="self"/>
                <SelectField name="channel" label=lang.tr("roster.channel") options=channels value="phone" required=true/>
                {is_consultation.then(|| view! {
                    <SelectField name="slot_starts_at" label=lang.tr("register.slot") options=slot_options(&session, lang) required=true empty=lang.tr("form.choose")/>
                })}
                <TextField name="attendee.name" label=lang.tr("register.name") required=true autocomplete="off"/>
                <TextField name="attendee.name_kana" label=lang.tr("register.kana") required=true autocomplete="off"/>
                <TextField name="attendee.phone" label=lang.tr("register.phone") input_type="tel" inputmode="tel" required=true autocomplete="off"/>
                <SelectField name="attendee.age_band" label=lang.tr("register.age_band") options=age_options(lang) required=true empty=lang.tr("form.choose")/>
                <RadioGroup name="attendee.has_smartphone" legend=lang.tr("register.has_smartphone") options=yes_no(lang) required=true/>
                {(s.loaner_devices > 0).then(|| view! { <Checkbox name="attendee.needs_loaner" label=lang.tr("register.needs_loaner")/> })}
                <TextField name="registrant.email" label=lang.tr("register.email_optional") input_type="email" autocomplete="off"/>
                <TextField name="attendee.notes" label=lang.tr("roster.notes") autocomplete="off"/>
                <Checkbox name="consent" label=lang.tr("roster.consent") required=true/>
                <button type="submit" class="button button-primary">{lang.tr("roster.add_submit")}</button>
            </form>
        </section>
    }
}

#[component]
pub fn CallListPage() -> impl IntoView {
    view! { <StaffSessionView render=|session, roster, lang| call_list_view(session, roster, lang).into_any()/> }
}

fn call_list_view(session: SessionDetail, roster: Vec<RosterEntry>, lang: Lang) -> impl IntoView {
    let s = &session.summary;
    let title = lang.tr_with("calls.heading", &[("title", s.title.clone())]);
    let to_call: Vec<&RosterEntry> = roster.iter().filter(|r| r.needs_call()).collect();
    let first_day = to_tokyo(s.starts_at).format("%m/%d %H:%M").to_string();
    view! {
        <Title text=title.clone()/>
        <h1>{title}</h1>
        <p>{lang.tr_with("calls.intro", &[("when", first_day)])}</p>
        {to_call.is_empty().then(|| view! { <p class="notice notice-info">{lang.tr("calls.none")}</p> })}
        {data_table(
            "table roster",
            ["register.name", "register.phone", "register.registrant_phone", "roster.loaner", "roster.check"].map(|k| lang.tr(k)).to_vec(),
            to_call.iter().map(|r| view! {
                <tr>
                    <td>{r.attendee_name.clone()}<br/><span class="muted">{r.attendee_kana.clone()}</span></td>
                    <td><a href=format!("tel:{}", r.attendee_phone)>{r.attendee_phone.clone()}</a></td>
                    <td>{r.registrant_phone.clone().unwrap_or_default()}</td>
                    <td>{if r.needs_loaner { lang.tr("form.yes") } else { String::new() }}</td>
                    <td class="tick-box" aria-hidden="true"></td>
                </tr>
            }).collect_view(),
        )}
        <p class="no-print"><a href=format!("/staff/sessions/{}", s.id)>{lang.tr("roster.title")}</a></p>
    }
}

#[component]
pub fn CheckinPage() -> impl IntoView {
    let lang = current_lang();
    if current_viewer().is_none() {
        return view! { <Refused/> }.into_any();
    }
    let Some(id) = param_i64("id") else { return view! { <NotFound/> }.into_any() };
    let chosen: Option<i64> = use_query_map().get_untracked().get("meeting").and_then(|m| m.parse().ok());
    view! {
        <Suspense>
            {move || deferred(async move {
                let (session, roster) = match staff_session(id, lang).await {
                    Ok(found) => found,
                    Err(view) => return view,
                };
                let Some(meeting) = chosen
                    .and_then(|m| session.meetings.iter().find(|x| x.id == m))
                    .or(session.meetings.first())
                    .cloned()
                else {
                    return view! { <NotFound/> }.into_any();
                };
                match checkin_status(id, meeting.id).await {
                    Ok(Some(marks)) => checkin_view(session, roster, meeting, marks, lang).into_any(),
                    Ok(None) => view! { <Refused/> }.into_any(),
                    Err(_) => load_failed(lang),
                }
            })}
        </Suspense>
    }
    .into_any()
}

fn checkin_view(
    session: SessionDetail,
    roster: Vec<RosterEntry>,
    meeting: crate::sessions::Meeting,
    marks: Vec<(i64, Attendance)>,
    lang: Lang,
) -> impl IntoView {
    let s = &session.summary;
    let title = lang.tr_with("checkin.heading", &[("title", s.title.clone())]);
    let meeting_links = session
        .meetings
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let label = format!("{} {}", lang.tr_with("sessions.meeting_n", &[("n", (i + 1).to_string())]), format_span(m.starts_at, m.ends_at, lang));
            let current = (m.id == meeting.id).then_some("page");
            view! { <li><a href=format!("/staff/sessions/{}/checkin?meeting={}", s.id, m.id) aria-current=current>{label}</a></li> }
        })
        .collect_view();
    let attended = marks.iter().filter(|(_, a)| *a == Attendance::Attended).count();
    let rows = roster
        .iter()
        .filter(|r| r.status == RegistrationStatus::Confirmed)
        .map(|r| {
            let mark = marks.iter().find(|(id, _)| *id == r.id).map(|(_, a)| *a).unwrap_or(Attendance::Unknown);
            let button = |value: Attendance, class: &'static str| {
                let pressed = if mark == value { "true" } else { "false" };
                view! {
                    <form method="post" action=format!("/staff/registrations/{}/attendance", r.id)>
                        <input type="hidden" name="meeting_id" value=meeting.id/>
                        <input type="hidden" name="attendance" value=value.as_str()/>
                        <button type="submit" class=format!("button button-large {class}") aria-pressed=pressed
                            aria-label=format!("{} {}", r.attendee_name, value.label(lang))>
                            {value.label(lang)}
                        </button>
                    </form>
                }
            };
            view! {
                <li class="session-card" id=format!("registration-{}", r.id)>
                    <h2>{r.attendee_name.clone()}" "<span class="muted">{r.attendee_kana.clone()}</span></h2>
                    <p>
                        <span class="badge">{mark.label(lang)}</span>
                        {r.needs_loaner.then(|| view! { " " <span class="badge badge-loaner">{lang.tr("sessions.loaner_available")}</span> })}
                    </p>
                    <div class="button-row">
                        {button(Attendance::Attended, "button-primary")}
                        {button(Attendance::NoShow, "button-secondary")}
                    </div>
                </li>
            }
        })
        .collect_view();
    view! {
        <Title text=title.clone()/>
        <h1>{title}</h1>
        <nav aria-label=lang.tr("checkin.meetings")><ul class="cluster">{meeting_links}</ul></nav>
        <p class="notice notice-info" role="status">{lang.tr_with("checkin.count", &[("n", attended.to_string()), ("total", s.capacity.to_string())])}</p>
        <ul class="session-list">{rows}</ul>
        <p><a href=format!("/staff/sessions/{}", s.id)>{lang.tr("roster.title")}</a></p>
    }
}

#[component]
pub fn SurveySheetPage() -> impl IntoView {
    let lang = current_lang();
    if !current_viewer().is_some_and(|v| v.is_staff()) {
        return view! { <Refused/> }.into_any();
    }
    let Some(id) = param_i64("id") else { return view! { <NotFound/> }.into_any() };
    view! {
        <Suspense>
            {move || deferred(async move {
                let (Ok(Some(session)), Ok(sheet)) = (get_session(id).await, survey_sheet(id).await) else {
                    return load_failed(lang);
                };
                let Some((url, svg)) = sheet else { return view! { <Refused/> }.into_any() };
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
                    <h1>{lang.tr("survey.title")}</h1>
                    <p><strong>{session.summary.title.clone()}</strong>" "{format_span(session.summary.starts_at, session.summary.ends_at, lang)}" · "{session.venue.name.clone()}</p>
                    <div class="cluster">
                        <div class="qr" inner_html=svg role="img" aria-label=lang.tr("survey.qr_label")></div>
                        <p>{lang.tr("survey.qr_text")}<br/><span class="muted">{url}</span><br/>{lang.tr("sessions.survey_code")}": "<strong>{code}</strong></p>
                    </div>
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
                }.into_any()
            })}
        </Suspense>
    }
    .into_any()
}

//! Registration pages: the sign-up form, the registration's own page (confirmation,
//! calendar file, cancel), and the staff's session list, roster and call list.

use chrono::Utc;
use leptos::prelude::*;
use leptos_meta::Title;

use super::{
    attendance,
    calls::{self, CallTask},
    field, member_field, roster, RegistrationStatusView, RosterEntry, MAX_GROUP,
};
use crate::{
    domain::{
        AgeBand, Attendance, Channel, Email, Kana, PhoneNumber, RegistrationStatus, Relation, SessionKind,
        SessionStatus, SmartphoneOs,
    },
    i18n::Lang,
    policy::logged_in,
    server::{
        error::{AppError, AppResult},
        forms::{STEP, STEP_CONFIRM, STEP_EDIT},
    },
    sessions::{
        pages::{list, session},
        Meeting, SessionDetail, SessionFilter,
    },
    time::{format_span, to_tokyo},
    ui::{
        current_lang, current_viewer, data_table, error_page, flash,
        forms::{form_state, Checkbox, FormErrors, FormState, OnceKey, RadioGroup, SelectField, TextArea, TextField},
        load_page, page_context, param_i64, query_flag, query_param, url_escape, PrintButton,
    },
};

/// A registration as the holder of its token sees it, with its session.
async fn registration_and_session(token: String) -> AppResult<(RegistrationStatusView, SessionDetail)> {
    let (state, _) = page_context()?;
    let reg = roster::status_by_token(&state.db, &token).await?.ok_or(AppError::NotFound)?;
    Ok((reg.clone(), session(reg.session_id).await?))
}

/// A session and its roster for its venue's staff (the read is audit-logged).
pub async fn session_and_roster(id: i64) -> AppResult<(SessionDetail, Vec<RosterEntry>)> {
    let (state, viewer) = page_context()?;
    let roster = roster::roster(&state.db, logged_in(viewer.as_ref())?, id).await?;
    Ok((session(id).await?, roster))
}

fn age_options(lang: Lang) -> Vec<(String, String)> {
    AgeBand::ALL.iter().map(|a| (a.as_str().to_string(), a.label(lang))).collect()
}

/// The sign-up fields in the order the forms show them, with their labels: the error
/// summary names each field it links to.
fn signup_labels(lang: Lang) -> Vec<(String, String)> {
    [
        (field::CHANNEL, "roster.channel"),
        (field::SLOT, "register.slot"),
        (field::ATTENDEE_NAME, "register.name"),
        (field::ATTENDEE_KANA, "register.kana"),
        (field::ATTENDEE_PHONE, "register.phone"),
        (field::AGE_BAND, "register.age_band"),
        (field::HAS_SMARTPHONE, "register.has_smartphone"),
        (field::SMARTPHONE_OS, "register.os"),
        (field::NEEDS_LOANER, "register.needs_loaner"),
        (field::ACCESSIBILITY_NEEDS, "register.accessibility"),
        (field::RELATION, "register.relation"),
        (field::REGISTRANT_NAME, "register.registrant_name"),
        (field::REGISTRANT_PHONE, "register.registrant_phone"),
        (field::REGISTRANT_EMAIL, "register.email"),
        (field::NOTES, "roster.notes"),
        (field::CONSENT, "register.consent"),
        (field::FOLLOWUP_CONSENT, "register.followup_consent_short"),
        (field::SMS_CONSENT, "register.sms_consent"),
        (field::IF_NOT_ENOUGH_SEATS, "register.if_not_enough_seats"),
    ]
    .into_iter()
    .map(|(name, key)| (name.to_string(), lang.tr(key)))
    .chain((1..MAX_GROUP).flat_map(|i| {
        let person = lang.tr_with("register.person_n", &[("n", (i + 1).to_string())]);
        MEMBER_FIELDS.map(|(name, key)| (member_field(Some(i), name), format!("{person} {}", lang.tr(key))))
    }))
    .collect()
}

/// The fields asked of the second to fourth person of a group, and their labels.
const MEMBER_FIELDS: [(&str, &str); 8] = [
    (field::ATTENDEE_NAME, "register.name"),
    (field::ATTENDEE_KANA, "register.kana"),
    (field::ATTENDEE_PHONE, "register.phone"),
    (field::AGE_BAND, "register.age_band"),
    (field::HAS_SMARTPHONE, "register.has_smartphone"),
    (field::NEEDS_LOANER, "register.needs_loaner"),
    (field::ATTENDEE_RELATION, "register.member_relation"),
    (field::ATTENDEE_SLOT, "register.slot"),
];

/// How many people the sign-up form asks about: `?people=N` (links offer two to four),
/// or as many as a refused submission held.
fn people_asked() -> usize {
    let state = form_state();
    let sent = (1..MAX_GROUP)
        .filter(|i| state.value(&member_field(Some(*i), field::ATTENDEE_NAME)).is_some_and(|v| !v.trim().is_empty()))
        .max()
        .map_or(1, |i| i + 1);
    let asked = query_param("people").and_then(|p| p.parse::<usize>().ok()).unwrap_or(1);
    asked.max(sent).clamp(1, MAX_GROUP)
}

/// Links that ask the form for one to four people (no script needed).
fn group_links(path: &str, people: usize, lang: Lang) -> impl IntoView {
    let links = (1..=MAX_GROUP)
        .filter(|n| *n != people)
        .map(|n| {
            let label = lang.tr_with("register.people_n", &[("n", n.to_string())]);
            view! { <a class="button button-secondary" href=format!("{path}?people={n}#people")>{label}</a> }
        })
        .collect_view();
    view! {
        <div class="stack no-print" id="people">
            <p>{lang.tr(if people > 1 { "register.group_asked" } else { "register.group_offer" })}</p>
            <p class="button-row">{links}</p>
        </div>
    }
}

/// The second to fourth person of a group (`attendees.{i}.*`) and, for a group, what to
/// do when fewer seats are left than people: wait together (the default) or split. In a
/// consultation (`slots` given) each person may choose a slot of their own.
fn group_members(people: usize, loaners: bool, slots: Option<Vec<(String, String)>>, lang: Lang) -> impl IntoView {
    let members = (1..people)
        .map(|i| {
            let f = |name: &str| member_field(Some(i), name);
            view! {
                <fieldset class="fieldset">
                    <legend>{lang.tr_with("register.person_n", &[("n", (i + 1).to_string())])}</legend>
                    <TextField name=f(field::ATTENDEE_NAME) label=lang.tr("register.name") required=true autocomplete="off"/>
                    <TextField name=f(field::ATTENDEE_KANA) label=lang.tr("register.kana") hint=lang.tr("register.kana_hint") autocomplete="off"/>
                    <TextField name=f(field::ATTENDEE_PHONE) label=lang.tr("register.phone") input_type="tel" inputmode="tel" required=true hint=lang.tr("register.member_phone_hint") autocomplete="off"/>
                    <SelectField name=f(field::AGE_BAND) label=lang.tr("register.age_band") options=age_options(lang) required=true empty=lang.tr("form.choose")/>
                    <RadioGroup name=f(field::HAS_SMARTPHONE) legend=lang.tr("register.has_smartphone") options=yes_no(lang) required=true/>
                    {loaners.then(|| view! { <Checkbox name=f(field::NEEDS_LOANER) label=lang.tr("register.needs_loaner")/> })}
                    <SelectField name=f(field::ATTENDEE_RELATION) label=lang.tr("register.member_relation") options=member_relations(lang) value=Relation::Family.as_str()/>
                    {slots.clone().map(|options| view! {
                        <SelectField name=f(field::ATTENDEE_SLOT) label=lang.tr("register.slot") options=options empty=lang.tr("register.slot_same")/>
                    })}
                </fieldset>
            }
        })
        .collect_view();
    let choices = vec![
        ("waitlist_all".to_string(), lang.tr("register.seats_waitlist_all")),
        ("split".to_string(), lang.tr("register.seats_split")),
    ];
    view! {
        {members}
        {(people > 1).then(|| view! {
            <RadioGroup name=field::IF_NOT_ENOUGH_SEATS legend=lang.tr("register.if_not_enough_seats") options=choices value="waitlist_all"/>
        })}
    }
}

fn member_relations(lang: Lang) -> Vec<(String, String)> {
    [Relation::Family, Relation::Other]
        .iter()
        .map(|r| (r.as_str().to_string(), lang.tr(&format!("register.member_relation_{}", r.as_str()))))
        .collect()
}

/// How personal data is used and kept: the retention the server really applies
/// (`IPPO_RETENTION_DAYS`) and whom to ask (the city profile).
fn privacy_notice(lang: Lang) -> String {
    let days = crate::ui::page_context().map(|(state, _)| state.config.retention_days).unwrap_or_default();
    let contact = crate::city::current().privacy_contact(lang);
    let contact = if contact.is_empty() { lang.tr("register.privacy_contact_venue") } else { contact };
    lang.tr_with("register.privacy_text", &[("days", days.to_string()), ("contact", contact)])
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
    let Some(id) = param_i64("id") else { return error_page(AppError::NotFound) };
    view! { <Suspense>{move || load_page(session(id), move |session| register_view(session, lang).into_any())}</Suspense> }
        .into_any()
}

fn register_view(session: SessionDetail, lang: Lang) -> impl IntoView {
    let s = &session.summary;
    let open = s.status == SessionStatus::Scheduled && s.starts_at > Utc::now();
    let title = lang.tr_with("register.title", &[("title", s.title.clone())]);
    let when = s.schedule(lang);
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
    let form = form_state();
    if form.confirming {
        return review_view(&session, &form, lang).into_any();
    }
    let relations = relation_options(lang);
    let is_consultation = s.kind == SessionKind::Consultation;
    let people = people_asked();
    view! {
        <Title text=title.clone()/>
        <SignUpSteps current=0/>
        <h1>{title}</h1>
        <p class="session-date">{when}" · "{session.venue.name.clone()}</p>
        {full.then(|| view! { <div class="notice notice-warning"><p>{lang.tr("register.full_notice")}</p></div> })}
        {group_links(&format!("/sessions/{}/register", s.id), people, lang)}
        <form method="post" action=format!("/sessions/{}/register", s.id) class="form" novalidate>
            <FormErrors labels=signup_labels(lang)/>
            <OnceKey/>
            {is_consultation.then(|| view! {
                <SelectField name=field::SLOT label=lang.tr("register.slot") options=slot_options(&session, lang) required=true empty=lang.tr("form.choose")/>
            })}
            <fieldset class="fieldset">
                <legend>{lang.tr("register.attendee")}</legend>
                <TextField name=field::ATTENDEE_NAME label=lang.tr("register.name") required=true autocomplete="off"/>
                <TextField name=field::ATTENDEE_KANA label=lang.tr("register.kana") hint=lang.tr("register.kana_hint")/>
                <TextField name=field::ATTENDEE_PHONE label=lang.tr("register.phone") input_type="tel" inputmode="tel" required=true hint=lang.tr("register.phone_hint")/>
                <SelectField name=field::AGE_BAND label=lang.tr("register.age_band") options=age_options(lang) required=true empty=lang.tr("form.choose")/>
                <RadioGroup name=field::HAS_SMARTPHONE legend=lang.tr("register.has_smartphone") options=yes_no(lang) required=true/>
                // Only for smartphone owners: hidden by the stylesheet until "yes" is chosen.
                <div class="for-smartphone-owners">
                    <SelectField name=field::SMARTPHONE_OS label=lang.tr("register.os") options=os_options(lang) empty=lang.tr("register.os_none")/>
                </div>
                {(s.loaner_devices > 0).then(|| view! {
                    <Checkbox name=field::NEEDS_LOANER label=lang.tr("register.needs_loaner")/>
                })}
                <TextArea name=field::ACCESSIBILITY_NEEDS label=lang.tr("register.accessibility") hint=lang.tr("register.accessibility_hint") rows=2/>
            </fieldset>
            {group_members(people, s.loaner_devices > 0, is_consultation.then(|| slot_options(&session, lang)), lang)}
            <fieldset class="fieldset">
                <legend>{lang.tr("register.registrant")}</legend>
                // 本人 until someone says otherwise: the form speaks to the attendee, and a
                // senior alone then sees only the fields that are theirs (ten at most).
                <RadioGroup name=field::RELATION legend=lang.tr("register.relation") options=relations value=Relation::Myself.as_str() required=true/>
                // Only when someone else signs the attendee up: hidden by the stylesheet for 本人.
                <div class="for-someone-else">
                    <TextField name=field::REGISTRANT_NAME label=lang.tr("register.registrant_name") hint=lang.tr("register.registrant_name_hint") autocomplete="name"/>
                    <TextField name=field::REGISTRANT_PHONE label=lang.tr("register.registrant_phone") input_type="tel" inputmode="tel" autocomplete="tel"/>
                </div>
                <TextField name=field::REGISTRANT_EMAIL label=lang.tr("register.email") input_type="email" autocomplete="email" hint=lang.tr("register.email_hint")/>
            </fieldset>
            // The two consents are one question: how what is typed here is used.
            <fieldset class="fieldset field notice notice-info">
                <legend>{lang.tr("register.privacy_title")}</legend>
                <p>{privacy_notice(lang)}</p>
                <Checkbox name=field::CONSENT label=lang.tr("register.consent") required=true in_group=true/>
                <Checkbox name=field::FOLLOWUP_CONSENT label=lang.tr("register.followup_consent") in_group=true/>
                <Checkbox name=field::SMS_CONSENT label=lang.tr("register.sms_consent") in_group=true/>
            </fieldset>
            <button type="submit" class="button button-primary button-large">
                {lang.tr(if full { "sessions.join_waitlist" } else { "register.submit" })}
            </button>
        </form>
    }
    .into_any()
}

fn relation_options(lang: Lang) -> Vec<(String, String)> {
    vec![
        (Relation::Myself.as_str().to_string(), lang.tr("register.relation_self")),
        (Relation::Family.as_str().to_string(), lang.tr("register.relation_family")),
        (Relation::Other.as_str().to_string(), lang.tr("register.relation_other")),
    ]
}

/// Where the person is in signing up: 入力 → 確認 → 完了 (`current` counts from 0).
#[component]
fn SignUpSteps(current: usize) -> impl IntoView {
    let lang = current_lang();
    let steps = ["register.step_input", "register.step_review", "register.step_done"];
    view! {
        <ol class="steps" aria-label=lang.tr("register.steps")>
            {steps
                .iter()
                .enumerate()
                .map(|(i, key)| view! { <li aria-current=(i == current).then_some("step")>{lang.tr(key)}</li> })
                .collect_view()}
        </ol>
    }
}

/// The sign-up shown back before it is sent (step 2): what will be recorded, in the
/// words of the form, with the e-mail address said plainly, and the input carried in
/// hidden fields so that 「この内容で申し込む」 sends exactly this and 「修正する」 reopens it.
fn review_view(session: &SessionDetail, form: &FormState, lang: Lang) -> impl IntoView {
    let s = &session.summary;
    let sent = |name: &str| form.value(name).unwrap_or_default().trim().to_string();
    let label_of = |options: Vec<(String, String)>, code: String| {
        options.into_iter().find(|(c, _)| *c == code).map_or(code, |(_, label)| label)
    };
    // What will be stored, as it will be stored (full-width digits folded, kana as katakana).
    let phone = |v: String| PhoneNumber::parse(&v).map_or(v, |p| p.as_str().to_string());
    let given_kana = sent(field::ATTENDEE_KANA);
    let kana = Kana::of(&sent(field::ATTENDEE_NAME), &given_kana).map_or(given_kana, |k| k.as_str().to_string());
    let email = Some(sent(field::REGISTRANT_EMAIL))
        .filter(|e| !e.is_empty())
        .map(|e| Email::parse(&e).map_or(e, |e| e.as_str().to_string()));
    let someone_else = sent(field::RELATION) != Relation::Myself.as_str();
    let mut rows: Vec<(String, String)> = vec![(lang.tr("sessions.when"), s.schedule(lang))];
    if let Some(slot) = Some(sent(field::SLOT)).filter(|v| !v.is_empty()) {
        rows.push((lang.tr("register.slot"), label_of(slot_options(session, lang), slot)));
    }
    rows.extend([
        (lang.tr("register.name"), sent(field::ATTENDEE_NAME)),
        (lang.tr("register.kana"), kana),
        (lang.tr("register.phone"), phone(sent(field::ATTENDEE_PHONE))),
        (lang.tr("register.age_band"), label_of(age_options(lang), sent(field::AGE_BAND))),
        (lang.tr("register.has_smartphone"), label_of(yes_no(lang), sent(field::HAS_SMARTPHONE))),
    ]);
    if sent(field::HAS_SMARTPHONE) == "yes" {
        rows.push((lang.tr("register.os"), label_of(os_options(lang), sent(field::SMARTPHONE_OS))));
    }
    if form.sent(field::NEEDS_LOANER, "on") {
        rows.push((lang.tr("register.needs_loaner"), lang.tr("form.yes")));
    }
    rows.push((lang.tr("register.accessibility"), sent(field::ACCESSIBILITY_NEEDS)));
    for i in 1..MAX_GROUP {
        let name = sent(&member_field(Some(i), field::ATTENDEE_NAME));
        if !name.is_empty() {
            let mut line = format!("{name}（{}）", phone(sent(&member_field(Some(i), field::ATTENDEE_PHONE))));
            if let Some(slot) = Some(sent(&member_field(Some(i), field::ATTENDEE_SLOT))).filter(|v| !v.is_empty()) {
                line = format!("{line} {}", label_of(slot_options(session, lang), slot));
            }
            rows.push((lang.tr_with("register.person_n", &[("n", (i + 1).to_string())]), line));
        }
    }
    rows.push((lang.tr("register.relation"), label_of(relation_options(lang), sent(field::RELATION))));
    if someone_else {
        rows.push((lang.tr("register.registrant_name"), sent(field::REGISTRANT_NAME)));
        rows.push((lang.tr("register.registrant_phone"), phone(sent(field::REGISTRANT_PHONE))));
    }
    rows.push((lang.tr("register.email"), email.clone().unwrap_or_default()));
    if form.sent(field::FOLLOWUP_CONSENT, "on") {
        rows.push((lang.tr("register.followup_consent_short"), lang.tr("form.yes")));
    }
    if form.sent(field::SMS_CONSENT, "on") {
        rows.push((lang.tr("register.sms_consent"), lang.tr("form.yes")));
    }
    rows.retain(|(_, value)| !value.is_empty());
    let mail_line = match &email {
        Some(email) => lang.tr_with("register.review_mail", &[("email", email.clone())]),
        None => lang.tr("register.review_no_mail"),
    };
    let hidden = form
        .values
        .iter()
        .filter(|(name, _)| name != STEP)
        .map(|(name, value)| view! { <input type="hidden" name=name.clone() value=value.clone()/> })
        .collect_view();
    let title = lang.tr_with("register.review_title", &[("title", s.title.clone())]);
    view! {
        <Title text=title.clone()/>
        <SignUpSteps current=1/>
        <h1 tabindex="-1" autofocus>{title}</h1>
        <p class="lead">{lang.tr("register.review_lead")}</p>
        <div class="notice notice-info"><p class="review-mail">{mail_line}</p></div>
        <dl class="details">
            <dt>{lang.tr("sessions.title")}</dt>
            <dd>{s.title.clone()}</dd>
            <dt>{lang.tr("sessions.where")}</dt>
            <dd>{session.venue.name.clone()}</dd>
            {rows.into_iter().map(|(label, value)| view! { <dt>{label}</dt><dd>{value}</dd> }).collect_view()}
        </dl>
        <form method="post" action=format!("/sessions/{}/register", s.id) class="form">
            {hidden}
            <p class="button-row">
                <button type="submit" name=STEP value=STEP_CONFIRM class="button button-primary button-large">
                    {lang.tr("register.review_send")}
                </button>
                <button type="submit" name=STEP value=STEP_EDIT class="button button-secondary">
                    {lang.tr("register.review_edit")}
                </button>
            </p>
        </form>
    }
}

#[component]
pub fn RegistrationPage() -> impl IntoView {
    let lang = current_lang();
    let token = leptos_router::hooks::use_params_map().get_untracked().get("token").unwrap_or_default();
    view! {
        <Suspense>
            {move || {
                let token = token.clone();
                load_page(registration_and_session(token.clone()), move |(reg, session)| {
                    registration_view(&token, reg, session, lang).into_any()
                })
            }}
        </Suspense>
    }
}

fn registration_view(token: &str, reg: RegistrationStatusView, session: SessionDetail, lang: Lang) -> impl IntoView {
    let s = &session.summary;
    let confirmed = reg.status == RegistrationStatus::Confirmed;
    let waitlisted = reg.status == RegistrationStatus::Waitlisted;
    let heading = match reg.status {
        RegistrationStatus::Confirmed => lang.tr("registration.confirmed"),
        RegistrationStatus::Waitlisted => {
            lang.tr_with("registration.waitlisted", &[("position", reg.waitlist_position.unwrap_or(0).to_string())])
        }
        RegistrationStatus::Cancelled => lang.tr("registration.cancelled"),
    };
    let can_cancel = reg.status != RegistrationStatus::Cancelled && s.starts_at > Utc::now();
    let spans: Vec<(chrono::DateTime<Utc>, chrono::DateTime<Utc>)> = match (reg.slot_starts_at, session.slot_minutes) {
        (Some(slot), Some(m)) => vec![(slot, slot + chrono::Duration::minutes(m as i64))],
        _ => session.meetings.iter().map(|m| (m.starts_at, m.ends_at)).collect(),
    };
    let when: Vec<String> = spans.iter().map(|(a, b)| format_span(*a, *b, lang)).collect();
    let loaner_line = (reg.needs_loaner && confirmed).then(|| lang.tr("registration.loaner"));
    // Only a seat holder is thanked for a seat and offered the calendar; someone on the
    // waitlist is told what happens next.
    let banner = query_flag("new").then(|| {
        let thanks = lang.tr(if waitlisted { "registration.thanks_waitlisted" } else { "registration.thanks" });
        let mail = match &reg.registrant_email {
            Some(email) => lang.tr_with("registration.mail_sent", &[("email", email.clone())]),
            None => lang.tr("registration.no_mail"),
        };
        view! { <div class="notice notice-success" role="status"><p>{thanks}</p><p>{mail}</p></div> }
    });
    let city = crate::city::current();
    let calendar_links = confirmed.then(|| {
        let google = spans
            .iter()
            .enumerate()
            .map(|(i, (a, b))| {
                let label = if spans.len() > 1 {
                    lang.tr_with("registration.google_calendar_n", &[("n", (i + 1).to_string())])
                } else {
                    lang.tr("registration.google_calendar")
                };
                let href = google_calendar_url(&s.title, *a, *b, &session.venue);
                view! { <a class="button button-secondary" href=href rel="noopener" target="_blank">{label}</a> }
            })
            .collect_view();
        view! {
            <p class="button-row no-print">
                <a class="button button-secondary" href=format!("/registrations/{token}/calendar.ics")>{lang.tr("registration.calendar")}</a>
                {google}
            </p>
        }
    });
    view! {
        <Title text=heading.clone()/>
        {query_flag("new").then(|| view! { <SignUpSteps current=2/> })}
        {banner}
        <h1>{heading}</h1>
        <p class="lead">{lang.tr_with("registration.reference", &[("number", reg.reference())])}</p>
        <dl class="details">
            <dt>{lang.tr("registration.attendee")}</dt>
            <dd>{reg.attendee_name.clone()}</dd>
            <dt>{lang.tr("sessions.title")}</dt>
            <dd><a href=format!("/sessions/{}", s.id)>{s.title.clone()}</a></dd>
            <dt>{lang.tr("sessions.when")}</dt>
            <dd><ul class="stack">{when.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}</ul></dd>
            <dt>{lang.tr("sessions.where")}</dt>
            <dd>
                <strong>{session.venue.name.clone()}</strong><br/>{session.venue.address.clone()}
                {(!session.venue.access.is_empty()).then(|| view! { <br/><span class="muted">{session.venue.access.clone()}</span> })}
                {crate::venues::pages::visit_facts(&session.venue, lang)}
            </dd>
            <dt>{lang.tr("sessions.what_to_bring")}</dt>
            <dd>{if session.what_to_bring.is_empty() { lang.tr("sessions.bring_nothing") } else { session.what_to_bring.clone() }}</dd>
            {loaner_line.map(|l| view! { <dt>{lang.tr("sessions.loaner")}</dt><dd>{l}</dd> })}
            {(!city.phone.is_empty()).then(|| view! {
                <dt>{lang.tr("registration.questions")}</dt>
                <dd>{city.department(lang).to_string()}" "<a href=format!("tel:{}", city.phone)>{city.phone.clone()}</a></dd>
            })}
        </dl>
        <p class="field-hint">{lang.tr("registration.keep_link")}</p>
        {calendar_links}
        <p class="no-print"><PrintButton label=lang.tr("registration.print")/></p>
        {reg.sms_number.clone().map(|number| view! {
            <section id="sms" class="stack no-print" aria-labelledby="sms-heading">
                <h2 id="sms-heading">{lang.tr("registration.sms_title")}</h2>
                <p>{lang.tr_with("registration.sms_text", &[("number", masked(&number))])}</p>
                <form method="post" action=format!("/registrations/{token}/sms/stop")>
                    <button type="submit" class="button button-secondary">{lang.tr("registration.sms_stop")}</button>
                </form>
            </section>
        })}
        {query_flag("sms_stopped").then(|| view! {
            <p id="sms" class="notice notice-success" role="status">{lang.tr("registration.sms_stopped")}</p>
        })}
        {can_cancel.then(|| view! {
            <section id="cancel" class="stack no-print" aria-labelledby="cancel-heading">
                <h2 id="cancel-heading">{lang.tr(if waitlisted { "registration.leave_waitlist_title" } else { "registration.cancel_title" })}</h2>
                <p>{lang.tr(if waitlisted { "registration.leave_waitlist_text" } else { "registration.cancel_text" })}</p>
                <p><a class="button button-danger" href=format!("/registrations/{token}/cancel")>
                    {lang.tr(if waitlisted { "registration.leave_waitlist_button" } else { "registration.cancel_button" })}
                </a></p>
            </section>
        })}
    }
}

/// A phone number with its middle hidden (090-****-5678): enough for its owner to know it.
fn masked(number: &str) -> String {
    let parts: Vec<&str> = number.split('-').collect();
    match parts.as_slice() {
        [head, middle, tail] => format!("{head}-{}-{tail}", "*".repeat(middle.len())),
        _ => number.chars().enumerate().map(|(i, c)| if (3..7).contains(&i) { '*' } else { c }).collect(),
    }
}

/// A link that adds one meeting to Google Calendar (for people who do not open `.ics`
/// files on their phone).
fn google_calendar_url(
    title: &str,
    starts: chrono::DateTime<Utc>,
    ends: chrono::DateTime<Utc>,
    venue: &crate::venues::Venue,
) -> String {
    let stamp = |t: chrono::DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    format!(
        "https://calendar.google.com/calendar/render?action=TEMPLATE&text={}&dates={}/{}&location={}",
        url_escape(title),
        stamp(starts),
        stamp(ends),
        url_escape(&format!("{} {}", venue.name, venue.address))
    )
}

/// Asks once more before a registration is cancelled (or a waitlist place given up):
/// its own page, so it works without JavaScript; the form posts to this page's address.
#[component]
pub fn CancelPage() -> impl IntoView {
    let lang = current_lang();
    let token = leptos_router::hooks::use_params_map().get_untracked().get("token").unwrap_or_default();
    view! {
        <Suspense>
            {move || {
                let token = token.clone();
                load_page(registration_and_session(token.clone()), move |(reg, session)| {
                    let waitlisted = reg.status == RegistrationStatus::Waitlisted;
                    let question = lang.tr(if waitlisted { "registration.leave_waitlist_confirm" } else { "registration.cancel_confirm" });
                    let when = session.meetings.first().map(|m| format_span(m.starts_at, m.ends_at, lang)).unwrap_or_default();
                    let cancelled = reg.status == RegistrationStatus::Cancelled;
                    view! {
                        <Title text=question.clone()/>
                        <h1>{question}</h1>
                        <FormErrors/>
                        <dl class="details">
                            <dt>{lang.tr("registration.attendee")}</dt><dd>{reg.attendee_name.clone()}</dd>
                            <dt>{lang.tr("sessions.title")}</dt><dd>{session.summary.title.clone()}</dd>
                            <dt>{lang.tr("sessions.when")}</dt><dd>{when}</dd>
                        </dl>
                        {if cancelled {
                            view! { <p>{lang.tr("registration.cancelled")}</p> }.into_any()
                        } else {
                            view! {
                                <form method="post" action=format!("/registrations/{token}/cancel") class="button-row">
                                    <button type="submit" class="button button-danger">
                                        {lang.tr(if waitlisted { "registration.leave_waitlist_button" } else { "registration.cancel_yes" })}
                                    </button>
                                    <a class="button button-secondary" href=format!("/registrations/{token}")>{lang.tr("registration.cancel_no")}</a>
                                </form>
                            }
                            .into_any()
                        }}
                    }
                    .into_any()
                })
            }}
        </Suspense>
    }
}

#[component]
pub fn StaffHomePage() -> impl IntoView {
    let lang = current_lang();
    let viewer = match current_viewer().ok_or(AppError::Unauthorized).and_then(|v| v.require_staff().map(|_| v)) {
        Ok(viewer) => viewer,
        Err(err) => return error_page(err),
    };
    // Managers see every venue; staff their own. Yesterday's sessions stay for late paperwork.
    let venue_ids: Vec<Option<i64>> =
        if viewer.is_manager() { vec![None] } else { viewer.venue_ids.iter().copied().map(Some).collect() };
    let from = (crate::time::today_tokyo(Utc::now()) - chrono::Duration::days(7)).format("%Y-%m-%d").to_string();
    view! {
        <Title text=lang.tr("staff.title")/>
        <h1>{lang.tr("staff.title")}</h1>
        <p>{lang.tr("staff.intro")}</p>
        <p><a class="button button-secondary" href="/staff/followups">{lang.tr("followup.calls_title")}</a></p>
        <Suspense>
            {move || {
                let (venue_ids, from) = (venue_ids.clone(), from.clone());
                let load = async move {
                    let mut sessions = Vec::new();
                    for venue_id in venue_ids {
                        let filter = SessionFilter { venue_id, from: Some(from.clone()), include_past: true, limit: Some(100), ..Default::default() };
                        sessions.extend(list(filter).await?.sessions);
                    }
                    sessions.sort_by_key(|s| (s.starts_at, s.id));
                    Ok(sessions)
                };
                load_page(load, move |sessions| {
                    let rows = sessions.iter().map(|s| view! {
                        <tr>
                            <td>{s.schedule(lang)}</td>
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

/// A staff page about one session and its roster: it needs a login, loads the roster
/// (the read is audit-logged, refused outside the viewer's venues) and lets `render` draw it.
#[component]
pub fn StaffSessionView(render: fn(SessionDetail, Vec<RosterEntry>, Lang) -> AnyView) -> impl IntoView {
    let lang = current_lang();
    let Some(id) = param_i64("id") else { return error_page(AppError::NotFound) };
    view! {
        <Suspense>{move || load_page(session_and_roster(id), move |(session, roster)| render(session, roster, lang))}</Suspense>
    }
    .into_any()
}

/// What the family (or the person) told us and staff should know before the day: help
/// needed (耳が少し遠い), the notes, the phone's OS, and who signed them up. Nothing when
/// there is nothing to tell.
fn family_note(r: &RosterEntry, lang: Lang) -> Option<impl IntoView> {
    let mut lines: Vec<(String, String)> = Vec::new();
    if !r.accessibility_needs.is_empty() {
        lines.push((lang.tr("roster.needs"), r.accessibility_needs.clone()));
    }
    if !r.notes.is_empty() {
        lines.push((lang.tr("roster.notes"), r.notes.clone()));
    }
    if let Some(os) = r.smartphone_os.filter(|_| r.has_smartphone) {
        lines.push((lang.tr("register.os"), os.label(lang)));
    }
    if r.registrant_relation != Relation::Myself && !r.registrant_name.is_empty() {
        let by = format!("{}（{}）", r.registrant_name, r.registrant_relation.label(lang));
        lines.push((lang.tr("roster.signed_up_by"), by));
    }
    (!lines.is_empty()).then(|| {
        view! {
            <dl class="family-note">
                {lines.into_iter().map(|(label, text)| view! { <dt>{label}</dt><dd>{text}</dd> }).collect_view()}
            </dl>
        }
    })
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
    let people = people_asked();
    let mut roster_headers = vec!["#".to_string(), lang.tr("roster.status")];
    if is_consultation {
        roster_headers.push(lang.tr("register.slot"));
    }
    roster_headers.extend(
        [
            "register.name",
            "register.phone",
            "register.age_band",
            "roster.loaner",
            "roster.channel",
            "roster.contact",
            "roster.family_note",
        ]
        .map(|k| lang.tr(k)),
    );
    // One 出席 column per meeting on the printout: a course's attendance is kept per day.
    let meeting_days: Vec<String> =
        session.meetings.iter().map(|m| to_tokyo(m.starts_at).format("%-m/%-d").to_string()).collect();
    if meeting_days.len() > 1 {
        roster_headers.extend(meeting_days.iter().map(|day| lang.tr_with("roster.check_on", &[("day", day.clone())])));
    } else {
        roster_headers.push(lang.tr("roster.check"));
    }
    let tick_boxes = meeting_days.len().max(1);
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
                    <td>{family_note(r, lang)}</td>
                    {(0..tick_boxes).map(|_| view! { <td class="tick-box" aria-hidden="true"></td> }).collect_view()}
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
        <p class="session-date">{s.schedule(lang)}" · "{session.venue.name.clone()}</p>
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
            {group_links(&format!("/staff/sessions/{}", s.id), people, lang)}
            <form method="post" action=format!("/staff/sessions/{}", s.id) class="form" novalidate>
                <FormErrors labels=signup_labels(lang)/>
                <OnceKey/>
                <input type="hidden" name=field::RELATION value="self"/>
                <SelectField name=field::CHANNEL label=lang.tr("roster.channel") options=channels value="phone" required=true/>
                {is_consultation.then(|| view! {
                    <SelectField name=field::SLOT label=lang.tr("register.slot") options=slot_options(&session, lang) required=true empty=lang.tr("form.choose")/>
                })}
                <TextField name=field::ATTENDEE_NAME label=lang.tr("register.name") required=true autocomplete="off" autofocus=query_flag("registered")/>
                <TextField name=field::ATTENDEE_KANA label=lang.tr("register.kana") hint=lang.tr("register.kana_hint") autocomplete="off"/>
                <TextField name=field::ATTENDEE_PHONE label=lang.tr("register.phone") input_type="tel" inputmode="tel" required=true autocomplete="off"/>
                <SelectField name=field::AGE_BAND label=lang.tr("register.age_band") options=age_options(lang) required=true empty=lang.tr("form.choose")/>
                <RadioGroup name=field::HAS_SMARTPHONE legend=lang.tr("register.has_smartphone") options=yes_no(lang) required=true/>
                {(s.loaner_devices > 0).then(|| view! { <Checkbox name=field::NEEDS_LOANER label=lang.tr("register.needs_loaner")/> })}
                {group_members(people, s.loaner_devices > 0, is_consultation.then(|| slot_options(&session, lang)), lang)}
                <TextField name=field::REGISTRANT_EMAIL label=lang.tr("register.email_optional") input_type="email" autocomplete="off"/>
                <TextField name=field::NOTES label=lang.tr("roster.notes") autocomplete="off"/>
                <Checkbox name=field::CONSENT label=lang.tr("roster.consent") required=true/>
                <Checkbox name=field::FOLLOWUP_CONSENT label=lang.tr("roster.followup_consent")/>
                <Checkbox name=field::SMS_CONSENT label=lang.tr("roster.sms_consent")/>
                <button type="submit" class="button button-primary">{lang.tr("roster.add_submit")}</button>
            </form>
        </section>
    }
}

#[component]
pub fn CallListPage() -> impl IntoView {
    let lang = current_lang();
    let Some(id) = param_i64("id") else { return error_page(AppError::NotFound) };
    view! {
        <Suspense>
            {move || load_page(calls_of(id), move |(session, roster, tasks)| call_list_view(session, roster, tasks, lang).into_any())}
        </Suspense>
    }
    .into_any()
}

/// A session, its roster and the calls still to make about it (its venue's staff).
async fn calls_of(id: i64) -> AppResult<(SessionDetail, Vec<RosterEntry>, Vec<CallTask>)> {
    let (session, roster) = session_and_roster(id).await?;
    let (state, viewer) = page_context()?;
    let tasks = calls::open_for_session(&state.db, logged_in(viewer.as_ref())?, id).await?;
    Ok((session, roster, tasks))
}

fn call_list_view(session: SessionDetail, roster: Vec<RosterEntry>, tasks: Vec<CallTask>, lang: Lang) -> impl IntoView {
    let s = &session.summary;
    let title = lang.tr_with("calls.heading", &[("title", s.title.clone())]);
    let to_call: Vec<&RosterEntry> = roster.iter().filter(|r| r.needs_call()).collect();
    let first_day = to_tokyo(s.starts_at).format("%m/%d %H:%M").to_string();
    let task_rows = tasks
        .iter()
        .filter_map(|t| roster.iter().find(|r| r.id == t.registration_id).map(|r| (t, r)))
        .map(|(t, r)| {
            view! {
                <tr>
                    <td>{r.attendee_name.clone()}<br/><span class="muted">{r.attendee_kana.clone()}</span></td>
                    <td><a href=format!("tel:{}", r.attendee_phone)>{r.attendee_phone.clone()}</a></td>
                    <td><strong>{t.reason.label(lang)}</strong><br/>{t.detail.clone()}{family_note(r, lang)}</td>
                    <td class="no-print">
                        <form method="post" action=format!("/staff/calls/{}/done", t.id)>
                            <button type="submit" class="button button-secondary" aria-label=format!("{} {}", r.attendee_name, lang.tr("calls.done"))>
                                {lang.tr("calls.done")}
                            </button>
                        </form>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Title text=title.clone()/>
        <h1>{title}</h1>
        {flash(query_flag("done"), lang.tr("calls.marked_done"))}
        {(!tasks.is_empty()).then(|| view! {
            <section class="stack" aria-labelledby="tasks-heading">
                <h2 id="tasks-heading">{lang.tr("calls.tasks")}</h2>
                {data_table("table roster", vec![lang.tr("register.name"), lang.tr("register.phone"), lang.tr("calls.what"), String::new()], task_rows)}
            </section>
        })}
        <h2>{lang.tr("calls.reminders")}</h2>
        <p>{lang.tr_with("calls.intro", &[("when", first_day)])}</p>
        {to_call.is_empty().then(|| view! { <p class="notice notice-info">{lang.tr("calls.none")}</p> })}
        {data_table(
            "table roster",
            ["register.name", "register.phone", "register.registrant_phone", "roster.loaner", "roster.family_note", "roster.check"].map(|k| lang.tr(k)).to_vec(),
            to_call.iter().map(|r| view! {
                <tr>
                    <td>{r.attendee_name.clone()}<br/><span class="muted">{r.attendee_kana.clone()}</span></td>
                    <td><a href=format!("tel:{}", r.attendee_phone)>{r.attendee_phone.clone()}</a></td>
                    <td>{r.registrant_phone.clone().unwrap_or_default()}</td>
                    <td>{if r.needs_loaner { lang.tr("form.yes") } else { String::new() }}</td>
                    <td>{family_note(r, lang)}</td>
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
    let Some(id) = param_i64("id") else { return error_page(AppError::NotFound) };
    let chosen: Option<i64> = query_param("meeting").and_then(|m| m.parse().ok());
    view! {
        <Suspense>
            {move || load_page(checkin(id, chosen), move |(session, roster, meeting, marks)| {
                checkin_view(session, roster, meeting, marks, lang).into_any()
            })}
        </Suspense>
    }
    .into_any()
}

/// A session, its roster, the meeting being checked in (the chosen one or the first)
/// and who has been marked at it.
async fn checkin(
    id: i64,
    chosen: Option<i64>,
) -> AppResult<(SessionDetail, Vec<RosterEntry>, Meeting, Vec<(i64, Attendance)>)> {
    let (session, roster) = session_and_roster(id).await?;
    let meeting = chosen
        .and_then(|m| session.meetings.iter().find(|x| x.id == m))
        .or(session.meetings.first())
        .cloned()
        .ok_or(AppError::NotFound)?;
    let (state, viewer) = page_context()?;
    let marks = attendance::meeting_attendance(&state.db, logged_in(viewer.as_ref())?, id, meeting.id).await?;
    Ok((session, roster, meeting, marks))
}

fn checkin_view(
    session: SessionDetail,
    roster: Vec<RosterEntry>,
    meeting: Meeting,
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
    let registered = roster.iter().filter(|r| r.status == RegistrationStatus::Confirmed).count();
    let rows = roster
        .iter()
        .filter(|r| r.status == RegistrationStatus::Confirmed)
        .map(|r| {
            let mark = marks.iter().find(|(id, _)| *id == r.id).map(|(_, a)| *a).unwrap_or(Attendance::Unknown);
            let button = |value: Attendance, class: &'static str| {
                let pressed = if mark == value { "true" } else { "false" };
                view! {
                    <form method="post" action=format!("/staff/registrations/{}/attendance", r.id)>
                        <input type="hidden" name=field::MEETING_ID value=meeting.id/>
                        <input type="hidden" name=field::ATTENDANCE value=value.as_str()/>
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
                        <span class=format!("badge badge-attendance-{}", mark.as_str())>{mark.label(lang)}</span>
                        {r.needs_loaner.then(|| view! { " " <span class="badge badge-loaner">{lang.tr("sessions.loaner_available")}</span> })}
                    </p>
                    {family_note(r, lang)}
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
        <p class="notice notice-info" role="status">{lang.tr_with("checkin.count", &[("n", attended.to_string()), ("total", registered.to_string())])}</p>
        <ul class="session-list">{rows}</ul>
        <p><a href=format!("/staff/sessions/{}", s.id)>{lang.tr("roster.title")}</a></p>
    }
}

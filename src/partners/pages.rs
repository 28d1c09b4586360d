//! Partner pages: the managers' registry, report and session links, the staff's referral
//! page, and the partner staff's own shop.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{
    load_partner_home, load_partner_report, load_partners, load_referral_desk, load_session_partners, Partner,
    PartnerHome, PartnerReport, Referral, ReferralDesk, SessionPartner,
};
use crate::{
    accounts::current_viewer,
    app::{data_table, deferred, load_failed, NotFound, Refused},
    domain::{Carrier, PartnerRole, RegistrationStatus},
    forms::{Checkbox, FormErrors, SelectField, TextArea, TextField},
    i18n::{current_lang, Lang},
    registrations::{pages::staff_session, RosterEntry},
    reports::pages::{breakdown, rate_view},
    sessions::{get_session, SessionDetail},
    time::{fiscal_year_label, format_date, format_span, to_tokyo},
    venues::{fetch_venue_directory, VenueDirectory},
};

fn param_i64(name: &str) -> Option<i64> {
    use_params_map().get_untracked().get(name).and_then(|v| v.parse().ok())
}

fn query_flag(name: &str) -> bool {
    use_query_map().get_untracked().get(name).is_some()
}

fn notice(show: bool, text: String) -> impl IntoView {
    show.then(|| view! { <div class="notice notice-success" role="status"><p>{text}</p></div> })
}

fn is_manager() -> bool {
    current_viewer().is_some_and(|v| v.is_manager())
}

#[component]
pub fn ManagePartnersPage() -> impl IntoView {
    let lang = current_lang();
    if !is_manager() {
        return view! { <Refused/> }.into_any();
    }
    view! {
        <Title text=lang.tr("partners.title")/>
        <h1>{lang.tr("partners.title")}</h1>
        {notice(query_flag("saved"), lang.tr("form.saved"))}
        <p class="button-row">
            <a class="button button-primary" href="/manage/partners/new">{lang.tr("partners.new")}</a>
            <a class="button button-secondary" href="/manage/partners/report">{lang.tr("partners.report.title")}</a>
            <a class="button button-secondary" href="/manage/exchange">{lang.tr("exchange.title")}</a>
        </p>
        <Suspense>
            {move || deferred(async move {
                match (load_partners().await, fetch_venue_directory().await) {
                    (Ok(Some(partners)), Ok(dir)) => partner_table(&partners, &dir, lang).into_any(),
                    (Ok(None), _) => view! { <Refused/> }.into_any(),
                    _ => load_failed(lang),
                }
            })}
        </Suspense>
    }
    .into_any()
}

fn active_label(active: bool, lang: Lang) -> String {
    lang.tr(if active { "partners.active" } else { "partners.inactive" })
}

fn partner_table(partners: &[Partner], dir: &VenueDirectory, lang: Lang) -> impl IntoView {
    let rows = partners
        .iter()
        .map(|p| {
            view! {
                <tr>
                    <td>{p.name.clone()}</td>
                    <td>{p.carrier.label(lang)}</td>
                    <td>{dir.ward_name(&p.ward, lang)}</td>
                    <td>{p.contact_name.clone()}</td>
                    <td>{p.phone.clone()}</td>
                    <td>{p.agreement_date.map(|d| format_date(d, lang)).unwrap_or_default()}</td>
                    <td>{active_label(p.active, lang)}</td>
                    <td><a href=format!("/manage/partners/{}/edit", p.id)>{lang.tr("form.edit")}</a></td>
                </tr>
            }
        })
        .collect_view();
    let headers = ["partners.name", "partners.carrier", "venues.ward", "partners.contact_name", "partners.phone", "partners.agreement_date", "partners.status"];
    let mut headers: Vec<String> = headers.iter().map(|k| lang.tr(k)).collect();
    headers.push(String::new());
    data_table("table", headers, rows)
}

#[component]
pub fn PartnerFormPage() -> impl IntoView {
    let lang = current_lang();
    if !is_manager() {
        return view! { <Refused/> }.into_any();
    }
    let id = param_i64("id");
    let title = lang.tr(if id.is_some() { "partners.edit" } else { "partners.new" });
    view! {
        <Title text=title.clone()/>
        <h1>{title}</h1>
        <Suspense>
            {move || deferred(async move {
                match (load_partners().await, fetch_venue_directory().await) {
                    (Ok(Some(partners)), Ok(dir)) => {
                        let partner = id.and_then(|id| partners.into_iter().find(|p| p.id == id));
                        if id.is_some() && partner.is_none() {
                            return view! { <NotFound/> }.into_any();
                        }
                        partner_form(&dir, partner, lang).into_any()
                    }
                    (Ok(None), _) => view! { <Refused/> }.into_any(),
                    _ => load_failed(lang),
                }
            })}
        </Suspense>
    }
    .into_any()
}

fn partner_form(dir: &VenueDirectory, partner: Option<Partner>, lang: Lang) -> impl IntoView {
    let p = partner.map(|p| p.to_input()).unwrap_or_else(|| super::PartnerInput { active: Some(true), ..Default::default() });
    let carriers = Carrier::ALL.iter().map(|c| (c.as_str().to_string(), c.label(lang))).collect();
    let wards = dir.wards.iter().map(|w| (w.code.clone(), w.name(lang).to_string())).collect();
    view! {
        <form method="post" class="form" novalidate>
            <FormErrors/>
            <SelectField name="carrier" label=lang.tr("partners.carrier") options=carriers value=p.carrier required=true empty=lang.tr("form.choose")/>
            <TextField name="name" label=lang.tr("partners.name") value=p.name required=true hint=lang.tr("partners.name_hint")/>
            <SelectField name="ward" label=lang.tr("venues.ward") options=wards value=p.ward required=true empty=lang.tr("form.choose")/>
            <TextField name="address" label=lang.tr("venues.address") value=p.address required=true autocomplete="street-address"/>
            <TextField name="contact_name" label=lang.tr("partners.contact_name") value=p.contact_name/>
            <TextField name="phone" label=lang.tr("partners.phone") value=p.phone input_type="tel" inputmode="tel"/>
            <TextField name="email" label=lang.tr("partners.email") value=p.email input_type="email"/>
            <TextField name="agreement_date" label=lang.tr("partners.agreement_date") value=p.agreement_date.unwrap_or_default() input_type="date"/>
            <Checkbox name="active" label=lang.tr("partners.active_label") checked=p.active.unwrap_or(true)/>
            <TextArea name="notes" label=lang.tr("partners.notes") value=p.notes/>
            <div class="button-row">
                <button type="submit" class="button button-primary">{lang.tr("form.save")}</button>
                <a class="button button-secondary" href="/manage/partners">{lang.tr("form.cancel")}</a>
            </div>
        </form>
    }
}

#[component]
pub fn PartnerReportPage() -> impl IntoView {
    let lang = current_lang();
    if !is_manager() {
        return view! { <Refused/> }.into_any();
    }
    let fy = use_query_map().get_untracked().get("fiscal_year").and_then(|v| v.parse::<i32>().ok());
    view! {
        <Title text=lang.tr("partners.report.title")/>
        <h1>{lang.tr("partners.report.title")}</h1>
        <Suspense>
            {move || deferred(async move {
                match load_partner_report(fy).await {
                    Ok(Some(report)) => report_view(report, lang).into_any(),
                    Ok(None) => view! { <Refused/> }.into_any(),
                    Err(_) => load_failed(lang),
                }
            })}
        </Suspense>
    }
    .into_any()
}

fn report_view(r: PartnerReport, lang: Lang) -> impl IntoView {
    let years = crate::reports::pages::fiscal_year_options(lang);
    let heading = lang.tr_with("partners.report.heading", &[("year", fiscal_year_label(r.fiscal_year, lang)), ("fy", r.fiscal_year.to_string())]);
    let rows = r
        .partners
        .iter()
        .map(|l| {
            let sessions = lang.tr_with(
                "partners.report.sessions_n",
                &[
                    ("n", l.sessions_supported.to_string()),
                    ("instructor", l.sessions_as_instructor.to_string()),
                    ("support", l.sessions_as_support.to_string()),
                ],
            );
            let referrals = lang.tr_with(
                "partners.report.referrals_n",
                &[("made", l.referrals_made.to_string()), ("handled", l.referrals_handled.to_string())],
            );
            view! {
                <tr>
                    <th scope="row">{l.kpi.label.clone()}{(!l.active).then(|| format!("（{}）", lang.tr("partners.inactive")))}</th>
                    <td>{l.carrier.label(lang)}</td>
                    <td>{sessions}</td>
                    <td>{l.attendees_reached}</td>
                    <td>{referrals}</td>
                    <td>{rate_view(&l.kpi.comprehension_rate, lang)}</td>
                    <td>{rate_view(&l.kpi.satisfaction_rate, lang)}</td>
                </tr>
            }
        })
        .collect_view();
    let headers = ["partners.name", "partners.carrier", "partners.report.sessions", "partners.report.attendees", "partners.report.referrals", "kpi.comprehension", "kpi.satisfaction"];
    let headers = headers.iter().map(|k| lang.tr(k)).collect();
    let mut carriers = r.by_carrier.clone();
    carriers.push(r.without_partner.clone());
    view! {
        <form method="get" class="filters no-print">
            <SelectField name="fiscal_year" label=lang.tr("kpi.fiscal_year") options=years value=r.fiscal_year.to_string()/>
            <div class="field"><button type="submit" class="button button-primary">{lang.tr("kpi.show")}</button></div>
        </form>
        <h2>{heading}</h2>
        <p>{lang.tr("partners.report.intro")}</p>
        {data_table("table", headers, rows)}
        {breakdown(lang.tr("partners.report.by_carrier"), &carriers, lang, None)}
    }
}

#[component]
pub fn SessionPartnersPage() -> impl IntoView {
    let lang = current_lang();
    if !is_manager() {
        return view! { <Refused/> }.into_any();
    }
    let Some(id) = param_i64("id") else { return view! { <NotFound/> }.into_any() };
    view! {
        <Suspense>
            {move || deferred(async move {
                match (get_session(id).await, load_session_partners(id).await, load_partners().await) {
                    (Ok(Some(session)), Ok(Some(linked)), Ok(Some(partners))) => {
                        session_partners_view(session, linked, partners, lang).into_any()
                    }
                    (Ok(None), _, _) | (_, Ok(None), _) => view! { <NotFound/> }.into_any(),
                    _ => load_failed(lang),
                }
            })}
        </Suspense>
    }
    .into_any()
}

fn role_options(lang: Lang) -> Vec<(String, String)> {
    PartnerRole::ALL.iter().map(|r| (r.as_str().to_string(), r.label(lang))).collect()
}

fn session_partners_view(session: SessionDetail, linked: Vec<SessionPartner>, partners: Vec<Partner>, lang: Lang) -> impl IntoView {
    let s = session.summary;
    let title = lang.tr_with("partners.session.heading", &[("title", s.title.clone())]);
    let action = format!("/manage/sessions/{}/partners", s.id);
    let rows = linked
        .iter()
        .map(|sp| {
            let action = action.clone();
            view! {
                <tr>
                    <td>{sp.partner_name.clone()}</td>
                    <td>{sp.carrier.label(lang)}</td>
                    <td>{sp.role.label(lang)}</td>
                    <td>
                        <form method="post" action=action class="inline-form">
                            <input type="hidden" name="remove" value=sp.partner_id.to_string()/>
                            <button type="submit" class="button button-secondary">
                                {lang.tr("partners.session.remove")}
                                <span class="visually-hidden">{format!("（{}）", sp.partner_name)}</span>
                            </button>
                        </form>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let choices = partners
        .iter()
        .filter(|p| p.active)
        .map(|p| (p.id.to_string(), format!("{}（{}）", p.name, p.carrier.label(lang))))
        .collect();
    view! {
        <Title text=title.clone()/>
        <h1>{title}</h1>
        <p class="session-date">{format_span(s.starts_at, s.ends_at, lang)}" · "{session.venue.name.clone()}</p>
        <p><a href=format!("/sessions/{}", s.id)>{lang.tr("partners.session.back")}</a></p>
        {notice(query_flag("saved"), lang.tr("form.saved"))}
        {if linked.is_empty() {
            view! { <p>{lang.tr("partners.session.none")}</p> }.into_any()
        } else {
            let headers = vec![lang.tr("partners.name"), lang.tr("partners.carrier"), lang.tr("partners.role"), String::new()];
            data_table("table", headers, rows).into_any()
        }}
        <section class="stack" aria-labelledby="add-partner-heading">
            <h2 id="add-partner-heading">{lang.tr("partners.session.add")}</h2>
            <form method="post" action=action.clone() class="form" novalidate>
                <FormErrors/>
                <SelectField name="partner_id" label=lang.tr("partners.name") options=choices required=true empty=lang.tr("form.choose")/>
                <SelectField name="role" label=lang.tr("partners.role") options=role_options(lang) value="support" required=true/>
                <button type="submit" class="button button-primary">{lang.tr("partners.session.add_submit")}</button>
            </form>
        </section>
    }
}

#[component]
pub fn ReferPage() -> impl IntoView {
    let lang = current_lang();
    if current_viewer().is_none() {
        return view! { <Refused/> }.into_any();
    }
    let Some(id) = param_i64("id") else { return view! { <NotFound/> }.into_any() };
    view! {
        <Suspense>
            {move || deferred(async move {
                let (session, roster) = match staff_session(id, lang).await {
                    Ok(found) => found,
                    Err(view) => return view,
                };
                match load_referral_desk(id).await {
                    Ok(Some(desk)) => refer_view(session, roster, desk, lang).into_any(),
                    Ok(None) => view! { <Refused/> }.into_any(),
                    Err(_) => load_failed(lang),
                }
            })}
        </Suspense>
    }
    .into_any()
}

fn refer_view(session: SessionDetail, roster: Vec<RosterEntry>, desk: ReferralDesk, lang: Lang) -> impl IntoView {
    let s = session.summary;
    let title = lang.tr_with("partners.refer.heading", &[("title", s.title.clone())]);
    let attendees = roster
        .iter()
        .filter(|r| r.status == RegistrationStatus::Confirmed)
        .map(|r| (r.id.to_string(), format!("{}（{}）", r.attendee_name, r.attendee_kana)))
        .collect();
    let shops = desk
        .partners
        .iter()
        .map(|p| {
            let helping = desk.session_partner_ids.contains(&p.id);
            let note = if helping { format!(" — {}", lang.tr("partners.refer.helping")) } else { String::new() };
            (p.id.to_string(), format!("{}（{}）{note}", p.name, p.carrier.label(lang)))
        })
        .collect();
    view! {
        <Title text=title.clone()/>
        <h1>{title}</h1>
        <p class="session-date">{format_span(s.starts_at, s.ends_at, lang)}" · "{session.venue.name.clone()}</p>
        <p><a href=format!("/staff/sessions/{}", s.id)>{lang.tr("partners.refer.back")}</a></p>
        {notice(query_flag("referred"), lang.tr("partners.refer.done"))}
        <p>{lang.tr("partners.refer.intro")}</p>
        <form method="post" class="form" novalidate>
            <FormErrors/>
            <SelectField name="registration_id" label=lang.tr("partners.refer.attendee") options=attendees required=true empty=lang.tr("form.choose")/>
            <SelectField name="partner_id" label=lang.tr("partners.refer.shop") options=shops required=true empty=lang.tr("form.choose")/>
            <TextField name="reason" label=lang.tr("partners.refer.reason") required=true hint=lang.tr("partners.refer.reason_hint")/>
            <button type="submit" class="button button-primary">{lang.tr("partners.refer.submit")}</button>
        </form>
        <h2>{lang.tr("partners.refer.made")}</h2>
        {referral_table(&desk.referrals, false, lang)}
    }
}

/// Referrals with their state; the shop's own table has a "handled" button on open ones.
fn referral_table(referrals: &[Referral], for_shop: bool, lang: Lang) -> AnyView {
    if referrals.is_empty() {
        return view! { <p>{lang.tr("partners.referrals.none")}</p> }.into_any();
    }
    let rows = referrals
        .iter()
        .map(|f| {
            let state = match f.handled_at {
                Some(t) => lang.tr_with("partners.referrals.handled_on", &[("date", format_date(to_tokyo(t).date_naive(), lang))]),
                None => lang.tr("partners.referrals.open"),
            };
            let open = f.handled_at.is_none();
            view! {
                <tr>
                    <td>{format_date(to_tokyo(f.created_at).date_naive(), lang)}</td>
                    <td>{f.attendee_name.clone()}</td>
                    {for_shop.then(|| view! { <td><a href=format!("tel:{}", f.attendee_phone)>{f.attendee_phone.clone()}</a></td> })}
                    <td>{f.reason.clone()}</td>
                    {if for_shop {
                        view! { <td>{f.session_title.clone()}<br/><span class="muted">{format_date(to_tokyo(f.session_starts_at).date_naive(), lang)}</span></td> }.into_any()
                    } else {
                        view! { <td>{f.partner_name.clone()}</td> }.into_any()
                    }}
                    <td>{state}</td>
                    {for_shop.then(|| view! {
                        <td>
                            {open.then(|| view! {
                                <form method="post" action="/partner" class="inline-form">
                                    <input type="hidden" name="referral_id" value=f.id.to_string()/>
                                    <button type="submit" class="button button-primary">
                                        {lang.tr("partners.referrals.mark_handled")}
                                        <span class="visually-hidden">{format!("（{}）", f.attendee_name)}</span>
                                    </button>
                                </form>
                            })}
                        </td>
                    })}
                </tr>
            }
        })
        .collect_view();
    let mut headers = vec![lang.tr("partners.referrals.date"), lang.tr("register.name")];
    if for_shop {
        headers.push(lang.tr("register.phone"));
    }
    headers.push(lang.tr("partners.refer.reason"));
    headers.push(lang.tr(if for_shop { "partners.referrals.session" } else { "partners.refer.shop" }));
    headers.push(lang.tr("partners.status"));
    if for_shop {
        headers.push(String::new());
    }
    data_table("table", headers, rows).into_any()
}

#[component]
pub fn PartnerHomePage() -> impl IntoView {
    let lang = current_lang();
    if current_viewer().is_none_or(|v| v.partner_id.is_none()) {
        return view! { <Refused/> }.into_any();
    }
    view! {
        <Suspense>
            {move || deferred(async move {
                match load_partner_home().await {
                    Ok(Some(home)) => partner_home_view(home, lang).into_any(),
                    Ok(None) => view! { <Refused/> }.into_any(),
                    Err(_) => load_failed(lang),
                }
            })}
        </Suspense>
    }
    .into_any()
}

fn partner_home_view(home: PartnerHome, lang: Lang) -> impl IntoView {
    let title = lang.tr_with("partners.home.heading", &[("name", home.partner.name.clone())]);
    let sessions = home
        .sessions
        .iter()
        .map(|s| {
            view! {
                <tr>
                    <td>{format_span(s.starts_at, s.ends_at, lang)}</td>
                    <td>{s.title.clone()}<br/><span class="muted">{s.kind.label(lang)}</span></td>
                    <td>{s.venue_name.clone()}</td>
                    <td>{s.role.label(lang)}</td>
                    <td>{format!("{}/{}", s.confirmed, s.capacity)}</td>
                    <td>{s.status.label(lang)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Title text=title.clone()/>
        <h1>{title}</h1>
        {notice(query_flag("handled"), lang.tr("partners.referrals.marked"))}
        <FormErrors/>
        <section class="stack" aria-labelledby="referrals-heading">
            <h2 id="referrals-heading">{lang.tr("partners.home.referrals")}</h2>
            <p class="field-hint">{lang.tr("partners.home.privacy")}</p>
            {referral_table(&home.referrals, true, lang)}
        </section>
        <section class="stack" aria-labelledby="sessions-heading">
            <h2 id="sessions-heading">{lang.tr("partners.home.sessions")}</h2>
            {if home.sessions.is_empty() {
                view! { <p>{lang.tr("partners.home.no_sessions")}</p> }.into_any()
            } else {
                let headers = ["sessions.when", "sessions.title", "sessions.venue", "partners.role", "sessions.confirmed_of_capacity", "sessions.status"];
                data_table("table", headers.iter().map(|k| lang.tr(k)).collect(), sessions).into_any()
            }}
        </section>
    }
}

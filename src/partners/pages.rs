//! Partner pages: the managers' registry, report and session links, the staff's referral
//! page, and the partner staff's own shop.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{field, store, Partner, PartnerHome, Referral, ReferralDesk, SessionPartner};
use crate::{
    domain::{Carrier, PartnerRole, RegistrationStatus},
    i18n::Lang,
    policy::{logged_in, Viewer},
    registrations::{pages::session_and_roster, RosterEntry},
    server::error::{AppError, AppResult},
    sessions::{pages::session, SessionDetail},
    time::{format_date, format_span, to_tokyo},
    ui::{
        current_lang, data_table, error_page, flash as notice,
        forms::{Checkbox, FormErrors, OnceKey, SelectField, TextArea, TextField},
        guarded, load_page, page_context, param_i64, query_flag,
    },
    venues::{pages::directory, VenueDirectory},
};

/// The registry as the viewer may see it, and the wards to show it with.
async fn partners_and_directory() -> AppResult<(Vec<Partner>, VenueDirectory)> {
    let (state, viewer) = page_context()?;
    let partners = store::visible_partners(&state.db, logged_in(viewer.as_ref())?).await?;
    Ok((partners, directory().await?))
}

/// A session, its partners and the registry, for the managers' link page.
async fn session_partners(id: i64) -> AppResult<(SessionDetail, Vec<SessionPartner>, Vec<Partner>)> {
    let (state, viewer) = page_context()?;
    let viewer = logged_in(viewer.as_ref())?;
    let linked = store::session_partners_for(&state.db, viewer, id).await?;
    let partners = store::visible_partners(&state.db, viewer).await?;
    Ok((session(id).await?, linked, partners))
}

/// A session, its roster and the referral desk (its venue's staff; audit-logged).
async fn referral_page(id: i64) -> AppResult<(SessionDetail, Vec<RosterEntry>, ReferralDesk)> {
    let (session, roster) = session_and_roster(id).await?;
    let (state, viewer) = page_context()?;
    let desk = store::referral_desk(&state.db, logged_in(viewer.as_ref())?, id).await?;
    Ok((session, roster, desk))
}

/// The partner staff's home: their shop, its sessions and its referrals (audit-logged).
async fn partner_home() -> AppResult<PartnerHome> {
    let (state, viewer) = page_context()?;
    store::home(&state.db, logged_in(viewer.as_ref())?, chrono::Utc::now()).await
}

#[component]
pub fn ManagePartnersPage() -> impl IntoView {
    let lang = current_lang();
    guarded(Viewer::require_manager, move || {
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
                {move || load_page(partners_and_directory(), move |(partners, dir)| partner_table(&partners, &dir, lang).into_any())}
            </Suspense>
        }
        .into_any()
    })
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
    let headers = [
        "partners.name",
        "partners.carrier",
        "venues.ward",
        "partners.contact_name",
        "partners.phone",
        "partners.agreement_date",
        "partners.status",
    ];
    let mut headers: Vec<String> = headers.iter().map(|k| lang.tr(k)).collect();
    headers.push(String::new());
    data_table("table", headers, rows)
}

#[component]
pub fn PartnerFormPage() -> impl IntoView {
    let lang = current_lang();
    let id = param_i64("id");
    let title = lang.tr(if id.is_some() { "partners.edit" } else { "partners.new" });
    guarded(Viewer::require_manager, move || {
        view! {
            <Title text=title.clone()/>
            <h1>{title}</h1>
            <Suspense>
                {move || load_page(partner_and_directory(id), move |(partner, dir)| partner_form(&dir, partner, lang).into_any())}
            </Suspense>
        }
        .into_any()
    })
}

/// The partner being edited (if any; managers) and the wards to choose from.
async fn partner_and_directory(id: Option<i64>) -> AppResult<(Option<Partner>, VenueDirectory)> {
    let (state, viewer) = page_context()?;
    let viewer = logged_in(viewer.as_ref())?;
    viewer.require_manager()?;
    let partner = match id {
        Some(id) => Some(store::get_for(&state.db, viewer, id).await?),
        None => None,
    };
    Ok((partner, directory().await?))
}

fn partner_form(dir: &VenueDirectory, partner: Option<Partner>, lang: Lang) -> impl IntoView {
    let p = partner
        .map(|p| p.to_input())
        .unwrap_or_else(|| super::PartnerInput { active: Some(true), ..Default::default() });
    let carriers = Carrier::ALL.iter().map(|c| (c.as_str().to_string(), c.label(lang))).collect();
    let wards = dir.wards.iter().map(|w| (w.code.clone(), w.name(lang).to_string())).collect();
    view! {
        <form method="post" class="form" novalidate>
            <FormErrors/>
            <OnceKey/>
            <SelectField name=field::CARRIER label=lang.tr("partners.carrier") options=carriers value=p.carrier required=true empty=lang.tr("form.choose")/>
            <TextField name=field::NAME label=lang.tr("partners.name") value=p.name required=true hint=lang.tr("partners.name_hint")/>
            <SelectField name=field::WARD label=lang.tr("venues.ward") options=wards value=p.ward required=true empty=lang.tr("form.choose")/>
            <TextField name=field::ADDRESS label=lang.tr("venues.address") value=p.address required=true autocomplete="street-address"/>
            <TextField name=field::CONTACT_NAME label=lang.tr("partners.contact_name") value=p.contact_name/>
            <TextField name=field::PHONE label=lang.tr("partners.phone") value=p.phone input_type="tel" inputmode="tel"/>
            <TextField name=field::EMAIL label=lang.tr("partners.email") value=p.email input_type="email"/>
            <TextField name=field::AGREEMENT_DATE label=lang.tr("partners.agreement_date") value=p.agreement_date.unwrap_or_default() input_type="date"/>
            <Checkbox name=field::ACTIVE label=lang.tr("partners.active_label") checked=p.active.unwrap_or(true)/>
            <TextArea name=field::NOTES label=lang.tr("partners.notes") value=p.notes/>
            <div class="button-row">
                <button type="submit" class="button button-primary">{lang.tr("form.save")}</button>
                <a class="button button-secondary" href="/manage/partners">{lang.tr("form.cancel")}</a>
            </div>
        </form>
    }
}

#[component]
pub fn SessionPartnersPage() -> impl IntoView {
    let lang = current_lang();
    let Some(id) = param_i64("id") else { return error_page(AppError::NotFound) };
    view! {
        <Suspense>
            {move || load_page(session_partners(id), move |(session, linked, partners)| {
                session_partners_view(session, linked, partners, lang).into_any()
            })}
        </Suspense>
    }
    .into_any()
}

fn role_options(lang: Lang) -> Vec<(String, String)> {
    PartnerRole::ALL.iter().map(|r| (r.as_str().to_string(), r.label(lang))).collect()
}

fn session_partners_view(
    session: SessionDetail,
    linked: Vec<SessionPartner>,
    partners: Vec<Partner>,
    lang: Lang,
) -> impl IntoView {
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
                            <input type="hidden" name=field::REMOVE value=sp.partner_id.to_string()/>
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
        <p class="session-date">{s.schedule(lang)}" · "{session.venue.name.clone()}</p>
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
                <SelectField name=field::PARTNER_ID label=lang.tr("partners.name") options=choices required=true empty=lang.tr("form.choose")/>
                <SelectField name=field::ROLE label=lang.tr("partners.role") options=role_options(lang) value="support" required=true/>
                <button type="submit" class="button button-primary">{lang.tr("partners.session.add_submit")}</button>
            </form>
        </section>
    }
}

#[component]
pub fn ReferPage() -> impl IntoView {
    let lang = current_lang();
    let Some(id) = param_i64("id") else { return error_page(AppError::NotFound) };
    view! {
        <Suspense>
            {move || load_page(referral_page(id), move |(session, roster, desk)| refer_view(session, roster, desk, lang).into_any())}
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
        <p class="session-date">{s.schedule(lang)}" · "{session.venue.name.clone()}</p>
        <p><a href=format!("/staff/sessions/{}", s.id)>{lang.tr("partners.refer.back")}</a></p>
        {notice(query_flag("referred"), lang.tr("partners.refer.done"))}
        <p>{lang.tr("partners.refer.intro")}</p>
        <form method="post" class="form" novalidate>
            <FormErrors/>
            <OnceKey/>
            <SelectField name=field::REGISTRATION_ID label=lang.tr("partners.refer.attendee") options=attendees required=true empty=lang.tr("form.choose")/>
            <SelectField name=field::PARTNER_ID label=lang.tr("partners.refer.shop") options=shops required=true empty=lang.tr("form.choose")/>
            <TextField name=field::REASON label=lang.tr("partners.refer.reason") required=true hint=lang.tr("partners.refer.reason_hint")/>
            <Checkbox name=field::CONSENT label=lang.tr("partners.refer.consent") required=true/>
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
                                    <input type="hidden" name=field::REFERRAL_ID value=f.id.to_string()/>
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
    view! {
        <Suspense>{move || load_page(partner_home(), move |home| partner_home_view(home, lang).into_any())}</Suspense>
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

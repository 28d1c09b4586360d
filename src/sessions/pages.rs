//! Session pages: the public list and session page, a venue's month view, and the
//! managers' list and scheduling form.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{get_session, list_sessions, SessionDetail, SessionFilter, SessionSummary};
use crate::{
    accounts::current_viewer,
    app::{data_table, deferred, load_failed, url_escape, NotFound, Refused},
    domain::{SessionKind, SessionStatus, Topic},
    forms::{BareInput, FieldError, FormErrors, SelectField, TextArea, TextField},
    i18n::{current_lang, Lang},
    time::{format_span, to_tokyo},
    venues::{fetch_venue_directory, VenueDirectory},
};

const HOME_PAGE_SIZE: i64 = 20;

fn query_param(name: &str) -> Option<String> {
    use_query_map().get_untracked().get(name).filter(|v| !v.is_empty())
}

fn kind_options(lang: Lang) -> Vec<(String, String)> {
    SessionKind::ALL.iter().map(|k| (k.as_str().to_string(), k.label(lang))).collect()
}

fn topic_options(lang: Lang) -> Vec<(String, String)> {
    Topic::ALL.iter().map(|t| (t.as_str().to_string(), t.label(lang))).collect()
}

/// "残り5席" / "満席（キャンセル待ち2人）" / "中止".
fn seats_badge(s: &SessionSummary, lang: Lang) -> AnyView {
    if s.status == SessionStatus::Cancelled {
        view! { <span class="badge badge-cancelled">{lang.tr("sessions.cancelled")}</span> }.into_any()
    } else if s.seats_left > 0 {
        view! { <span class="seats-left">{lang.tr_with("sessions.seats_left", &[("n", s.seats_left.to_string())])}</span> }
            .into_any()
    } else {
        view! {
            <span class="seats-full">
                {lang.tr_with("sessions.full_waitlist", &[("n", s.waitlist_count.to_string())])}
            </span>
        }
        .into_any()
    }
}

fn kind_badge(kind: SessionKind, lang: Lang) -> impl IntoView {
    view! { <span class=format!("session-kind kind-{}", kind.as_str())>{kind.label(lang)}</span> }
}

fn session_card(s: &SessionSummary, dir: &VenueDirectory, lang: Lang) -> impl IntoView {
    let venue = dir.venue(s.venue_id);
    let venue_line = venue
        .map(|v| format!("{}（{}）", v.name, dir.ward_name(&v.ward, lang)))
        .unwrap_or_default();
    view! {
        <li class="session-card">
            {kind_badge(s.kind, lang)}
            <h2><a href=format!("/sessions/{}", s.id)>{s.title.clone()}</a></h2>
            <p class="session-date">{format_span(s.starts_at, s.ends_at, lang)}</p>
            <p class="session-venue">{venue_line}</p>
            <p class="cluster">
                {seats_badge(s, lang)}
                {(s.loaner_devices > 0).then(|| view! { <span class="badge badge-loaner">{lang.tr("sessions.loaner_available")}</span> })}
                <span class="badge">{s.topic.label(lang)}</span>
            </p>
        </li>
    }
}

#[component]
pub fn HomePage() -> impl IntoView {
    let lang = current_lang();
    let page: i64 = query_param("page").and_then(|p| p.parse().ok()).filter(|p| *p >= 1).unwrap_or(1);
    let filter = SessionFilter {
        from: query_param("from"),
        ward: query_param("ward"),
        kind: query_param("kind"),
        topic: query_param("topic"),
        limit: Some(HOME_PAGE_SIZE),
        offset: Some((page - 1) * HOME_PAGE_SIZE),
        ..Default::default()
    };
    view! {
        <Title text=lang.tr("home.title")/>
        <h1>{lang.tr("home.title")}</h1>
        <p>{lang.tr("home.intro")}</p>
        <Suspense>
            {move || {
                let filter = filter.clone();
                deferred(async move {
                    let (dir, found) = (fetch_venue_directory().await, list_sessions(filter.clone()).await);
                    match (dir, found) {
                        (Ok(dir), Ok(found)) => home_results(&dir, &filter, found, page, lang).into_any(),
                        (Ok(dir), Err(_)) => {
                            view! {
                                {filters_form(&dir, &filter, lang)}
                                <div class="notice notice-error" role="alert"><p>{lang.tr("error.filter")}</p></div>
                            }
                            .into_any()
                        }
                        _ => load_failed(lang),
                    }
                })
            }}
        </Suspense>
    }
}

fn filters_form(dir: &VenueDirectory, filter: &SessionFilter, lang: Lang) -> impl IntoView {
    let wards = dir.wards.iter().map(|w| (w.code.clone(), w.name(lang).to_string())).collect();
    view! {
        <form method="get" action="/" class="filters" role="search" aria-label=lang.tr("home.filters")>
            <SelectField name="ward" label=lang.tr("venues.ward") options=wards value=filter.ward.clone().unwrap_or_default() empty=lang.tr("form.all")/>
            <SelectField name="kind" label=lang.tr("sessions.kind") options=kind_options(lang) value=filter.kind.clone().unwrap_or_default() empty=lang.tr("form.all")/>
            <SelectField name="topic" label=lang.tr("sessions.topic") options=topic_options(lang) value=filter.topic.clone().unwrap_or_default() empty=lang.tr("form.all")/>
            <TextField name="from" label=lang.tr("home.from") input_type="date" value=filter.from.clone().unwrap_or_default()/>
            <div class="field">
                <button type="submit" class="button button-primary">{lang.tr("home.search")}</button>
            </div>
        </form>
    }
}

fn home_results(dir: &VenueDirectory, filter: &SessionFilter, found: super::SessionPage, page: i64, lang: Lang) -> impl IntoView {
    let count_text = if found.sessions.is_empty() { lang.tr("home.none") } else { String::new() };
    let query_without_page = [("ward", &filter.ward), ("kind", &filter.kind), ("topic", &filter.topic), ("from", &filter.from)]
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", url_escape(v))))
        .collect::<Vec<_>>()
        .join("&");
    let page_href = move |p: i64| format!("/?{query_without_page}&page={p}");
    view! {
        {filters_form(dir, filter, lang)}
        <h2 class="visually-hidden">{lang.tr("home.results")}</h2>
        {(!count_text.is_empty()).then(|| view! { <p class="notice notice-info">{count_text}</p> })}
        <ul class="session-list">
            {found.sessions.iter().map(|s| session_card(s, dir, lang)).collect_view()}
        </ul>
        <nav class="cluster" aria-label=lang.tr("home.pages")>
            {(page > 1).then(|| view! { <a class="button button-secondary" href=page_href(page - 1)>{lang.tr("home.previous")}</a> })}
            {found.has_more.then(|| view! { <a class="button button-secondary" href=page_href(page + 1)>{lang.tr("home.next")}</a> })}
        </nav>
    }
}

#[component]
pub fn SessionPage() -> impl IntoView {
    let lang = current_lang();
    let id = use_params_map().get_untracked().get("id").and_then(|id| id.parse::<i64>().ok());
    let Some(id) = id else { return view! { <NotFound/> }.into_any() };
    view! {
        <Suspense>
            {move || deferred(async move {
                match get_session(id).await {
                    Ok(Some(detail)) => session_view(detail, lang).into_any(),
                    Ok(None) => view! { <NotFound/> }.into_any(),
                    Err(_) => load_failed(lang),
                }
            })}
        </Suspense>
    }
    .into_any()
}

fn session_view(d: SessionDetail, lang: Lang) -> impl IntoView {
    let viewer = current_viewer();
    let s = d.summary.clone();
    let works_here = viewer.as_ref().is_some_and(|v| v.works_at(d.venue.id));
    let is_manager = viewer.as_ref().is_some_and(|v| v.is_manager());
    let open = s.status == SessionStatus::Scheduled && s.starts_at > Utc::now();
    let saved = query_param("saved").is_some();
    let cancelled_now = query_param("cancelled").is_some();
    let meetings = d
        .meetings
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let label = lang.tr_with("sessions.meeting_n", &[("n", (i + 1).to_string())]);
            view! { <li>{(d.meetings.len() > 1).then(|| format!("{label} "))}{format_span(m.starts_at, m.ends_at, lang)}</li> }
        })
        .collect_view();
    let helpers = d.instructors + d.assistants;
    view! {
        <Title text=s.title.clone()/>
        {saved.then(|| view! { <div class="notice notice-success" role="status"><p>{lang.tr("form.saved")}</p></div> })}
        {cancelled_now.then(|| view! { <div class="notice notice-warning" role="status"><p>{lang.tr("sessions.cancelled_notice")}</p></div> })}
        {kind_badge(s.kind, lang)}
        <h1>{s.title.clone()}</h1>
        {(!d.description.is_empty()).then(|| view! { <p>{d.description.clone()}</p> })}
        <dl class="details">
            <dt>{lang.tr("sessions.when")}</dt>
            <dd><ul class="stack">{meetings}</ul></dd>
            <dt>{lang.tr("sessions.where")}</dt>
            <dd>
                <strong>{d.venue.name.clone()}</strong><br/>
                {d.venue.address.clone()}
                {(!d.venue.access.is_empty()).then(|| view! { <br/><span class="muted">{d.venue.access.clone()}</span> })}
            </dd>
            <dt>{lang.tr("sessions.topic")}</dt>
            <dd>{s.topic.label(lang)}</dd>
            <dt>{lang.tr("sessions.seats")}</dt>
            <dd>
                {lang.tr_with("sessions.capacity_n", &[("n", s.capacity.to_string())])}" "{seats_badge(&s, lang)}
                {d.slot_minutes.map(|m| view! { <br/>{lang.tr_with("sessions.slot_info", &[("minutes", m.to_string()), ("advisors", d.advisors.unwrap_or(1).to_string())])} })}
            </dd>
            <dt>{lang.tr("sessions.loaner")}</dt>
            <dd>
                {if s.loaner_devices > 0 {
                    lang.tr_with("sessions.loaner_n", &[("n", s.loaner_devices.to_string())])
                } else {
                    lang.tr("sessions.loaner_none")
                }}
            </dd>
            <dt>{lang.tr("sessions.what_to_bring")}</dt>
            <dd>{if d.what_to_bring.is_empty() { lang.tr("sessions.bring_nothing") } else { d.what_to_bring.clone() }}</dd>
        </dl>
        {if open {
            view! {
                <p><a class="button button-primary button-large" href=format!("/sessions/{}/register", s.id)>
                    {lang.tr(if s.seats_left > 0 { "sessions.register" } else { "sessions.join_waitlist" })}
                </a></p>
            }.into_any()
        } else {
            view! { <p class="notice notice-info">{lang.tr(if s.status == SessionStatus::Cancelled { "sessions.cancelled_notice" } else { "sessions.closed" })}</p> }.into_any()
        }}
        <p><a href=format!("/venues/{}/calendar", d.venue.id)>{lang.tr("calendar.venue_link")}</a></p>
        {works_here.then(|| view! {
            <section class="stack" aria-labelledby="staff-heading">
                <h2 id="staff-heading">{lang.tr("sessions.for_staff")}</h2>
                <p>
                    {lang.tr_with("sessions.staffing", &[("helpers", helpers.to_string()), ("confirmed", d.confirmed.to_string())])}
                </p>
                {d.understaffed().then(|| view! {
                    <div class="notice notice-warning" role="status"><p>{lang.tr("sessions.understaffed")}</p></div>
                })}
                {d.survey_code.clone().map(|code| view! { <p>{lang.tr("sessions.survey_code")}": "<strong>{code}</strong></p> })}
                <p class="button-row">
                    <a class="button button-secondary" href=format!("/staff/sessions/{}", s.id)>{lang.tr("roster.title")}</a>
                    <a class="button button-secondary" href=format!("/staff/sessions/{}/checkin", s.id)>{lang.tr("checkin.title")}</a>
                    <a class="button button-secondary" href=format!("/manage/kpi/sessions/{}", s.id)>{lang.tr("kpi.answers_link")}</a>
                    {is_manager.then(|| view! { <a class="button button-secondary" href=format!("/manage/sessions/{}/edit", s.id)>{lang.tr("form.edit")}</a> })}
                    {is_manager.then(|| view! { <a class="button button-secondary" href=format!("/manage/sessions/{}/partners", s.id)>{lang.tr("partners.link_session")}</a> })}
                </p>
                {(is_manager && s.status == SessionStatus::Scheduled).then(|| view! {
                    <form method="post" action=format!("/manage/sessions/{}/cancel", s.id) class="form">
                        <p class="field-hint">{lang.tr("sessions.cancel_hint")}</p>
                        <button type="submit" class="button button-danger">{lang.tr("sessions.cancel_session")}</button>
                    </form>
                })}
            </section>
        })}
    }
}

/// `YYYY-MM` of the month to show, defaulting to this month in Tokyo.
fn month_start(param: Option<String>) -> NaiveDate {
    param
        .and_then(|m| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok())
        .unwrap_or_else(|| {
            let today = crate::time::today_tokyo(Utc::now());
            today.with_day(1).expect("day 1 exists")
        })
}

fn next_month(d: NaiveDate) -> NaiveDate {
    if d.month() == 12 {
        NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1)
    }
    .expect("first of a month exists")
}

fn previous_month(d: NaiveDate) -> NaiveDate {
    (d - Duration::days(1)).with_day(1).expect("day 1 exists")
}

#[component]
pub fn VenueCalendarPage() -> impl IntoView {
    let lang = current_lang();
    let id = use_params_map().get_untracked().get("id").and_then(|id| id.parse::<i64>().ok());
    let Some(id) = id else { return view! { <NotFound/> }.into_any() };
    let first = month_start(query_param("month"));
    view! {
        <Suspense>
            {move || deferred(async move {
                let dir = fetch_venue_directory().await;
                let meetings = venue_month(id, first.format("%Y-%m").to_string()).await;
                match (dir, meetings) {
                    (Ok(dir), Ok(meetings)) => match dir.venue(id).cloned() {
                        Some(venue) => month_view(&venue, first, meetings, lang).into_any(),
                        None => view! { <NotFound/> }.into_any(),
                    },
                    _ => load_failed(lang),
                }
            })}
        </Suspense>
    }
    .into_any()
}

/// The meetings of one venue in one month (`YYYY-MM`, Tokyo), with their sessions.
#[server]
pub async fn venue_month(
    venue_id: i64,
    month: String,
) -> Result<Vec<(super::Meeting, SessionSummary)>, ServerFnError> {
    use crate::time::from_tokyo;
    use chrono::NaiveTime;
    let state = crate::server::state::app_state()?;
    let first = month_start(Some(month));
    let (from, to) = (from_tokyo(first, NaiveTime::MIN), from_tokyo(next_month(first), NaiveTime::MIN));
    super::store::venue_meetings(&state.db, venue_id, from, to).await.map_err(|e| ServerFnError::new(e.to_string()))
}

fn month_view(
    venue: &crate::venues::Venue,
    first: NaiveDate,
    meetings: Vec<(super::Meeting, SessionSummary)>,
    lang: Lang,
) -> impl IntoView {
    let title = lang.tr_with(
        "calendar.heading",
        &[("venue", venue.name.clone()), ("year", first.year().to_string()), ("month", first.month().to_string())],
    );
    let today = crate::time::today_tokyo(Utc::now());
    // Weeks start on Sunday, as Japanese calendars do.
    let grid_start = first - Duration::days(first.weekday().num_days_from_sunday() as i64);
    let weekdays = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
    let weeks = (0..6)
        .map(|w| grid_start + Duration::days(w * 7))
        .filter(|week_start| *week_start < next_month(first))
        .map(|week_start| {
            let days = (0..7)
                .map(|d| {
                    let day = week_start + Duration::days(d);
                    let items = meetings
                        .iter()
                        .filter(|(m, _)| to_tokyo(m.starts_at).date_naive() == day)
                        .map(|(m, s)| {
                            let time = to_tokyo(m.starts_at).format("%H:%M").to_string();
                            view! { <li><a href=format!("/sessions/{}", s.id)>{time}" "{s.title.clone()}</a></li> }
                        })
                        .collect_view();
                    view! {
                        <td class:other-month=day.month() != first.month() class:today=day == today>
                            <span class="day-number">{day.day()}</span>
                            <ul class="day-sessions">{items}</ul>
                        </td>
                    }
                })
                .collect_view();
            view! { <tr>{days}</tr> }
        })
        .collect_view();
    let href = |d: NaiveDate| format!("/venues/{}/calendar?month={}", venue.id, d.format("%Y-%m"));
    view! {
        <Title text=title.clone()/>
        <h1>{title.clone()}</h1>
        <p>{venue.address.clone()}</p>
        <nav class="month-nav cluster" aria-label=lang.tr("calendar.months")>
            <a href=href(previous_month(first))>{lang.tr("calendar.previous")}</a>
            <a href=href(next_month(first))>{lang.tr("calendar.next")}</a>
        </nav>
        <div class="table-wrap" tabindex="0">
            <table class="month-calendar">
                <caption class="visually-hidden">{title}</caption>
                <thead>
                    <tr>{weekdays.iter().map(|d| view! { <th scope="col">{lang.tr(&format!("calendar.{d}"))}</th> }).collect_view()}</tr>
                </thead>
                <tbody>{weeks}</tbody>
            </table>
        </div>
        {meetings.is_empty().then(|| view! { <p class="notice notice-info">{lang.tr("calendar.empty")}</p> })}
    }
}

#[component]
pub fn ManageHomePage() -> impl IntoView {
    let lang = current_lang();
    if !current_viewer().is_some_and(|v| v.is_manager()) {
        return view! { <Refused/> }.into_any();
    }
    view! {
        <Title text=lang.tr("manage.title")/>
        <h1>{lang.tr("manage.title")}</h1>
        <ul class="stack">
            <li><a class="button button-primary" href="/manage/sessions/new">{lang.tr("sessions.new")}</a></li>
            <li><a href="/manage/kpi">{lang.tr("kpi.title")}</a></li>
            <li><a href="/manage/sessions">{lang.tr("manage.sessions")}</a></li>
            <li><a href="/manage/venues">{lang.tr("venues.title")}</a></li>
            <li><a href="/manage/partners">{lang.tr("partners.title")}</a></li>
            <li><a href="/manage/exchange">{lang.tr("exchange.title")}</a></li>
        </ul>
    }
    .into_any()
}

#[component]
pub fn ManageSessionsPage() -> impl IntoView {
    let lang = current_lang();
    if !current_viewer().is_some_and(|v| v.is_manager()) {
        return view! { <Refused/> }.into_any();
    }
    let page: i64 = query_param("page").and_then(|p| p.parse().ok()).filter(|p| *p >= 1).unwrap_or(1);
    let filter = SessionFilter {
        from: query_param("from"),
        venue_id: query_param("venue_id").and_then(|v| v.parse().ok()),
        include_past: true,
        limit: Some(50),
        offset: Some((page - 1) * 50),
        ..Default::default()
    };
    view! {
        <Title text=lang.tr("manage.sessions")/>
        <h1>{lang.tr("manage.sessions")}</h1>
        <p><a class="button button-primary" href="/manage/sessions/new">{lang.tr("sessions.new")}</a></p>
        <Suspense>
            {move || {
                let filter = filter.clone();
                deferred(async move {
                    match (fetch_venue_directory().await, list_sessions(filter.clone()).await) {
                        (Ok(dir), Ok(found)) => manage_table(&dir, &filter, found, page, lang).into_any(),
                        _ => load_failed(lang),
                    }
                })
            }}
        </Suspense>
    }
    .into_any()
}

fn manage_table(dir: &VenueDirectory, filter: &SessionFilter, found: super::SessionPage, page: i64, lang: Lang) -> impl IntoView {
    let venues = dir.venues.iter().map(|v| (v.id.to_string(), v.name.clone())).collect();
    let rows = found
        .sessions
        .iter()
        .map(|s| {
            let venue = dir.venue(s.venue_id).map(|v| v.name.clone()).unwrap_or_default();
            view! {
                <tr>
                    <td>{format_span(s.starts_at, s.ends_at, lang)}</td>
                    <td><a href=format!("/sessions/{}", s.id)>{s.title.clone()}</a></td>
                    <td>{s.kind.label(lang)}</td>
                    <td>{venue}</td>
                    <td>{format!("{}/{}", s.capacity - s.seats_left, s.capacity)}</td>
                    <td>{s.status.label(lang)}</td>
                    <td><a href=format!("/manage/sessions/{}/edit", s.id)>{lang.tr("form.edit")}</a></td>
                </tr>
            }
        })
        .collect_view();
    let venue_param = filter.venue_id.map(|v| v.to_string()).unwrap_or_default();
    let from_param = filter.from.clone().unwrap_or_default();
    let page_href = move |p: i64| format!("/manage/sessions?venue_id={venue_param}&from={from_param}&page={p}");
    view! {
        <form method="get" class="filters">
            <SelectField name="venue_id" label=lang.tr("sessions.venue") options=venues value=filter.venue_id.map(|v| v.to_string()).unwrap_or_default() empty=lang.tr("form.all")/>
            <TextField name="from" label=lang.tr("home.from") input_type="date" value=filter.from.clone().unwrap_or_default()/>
            <div class="field"><button type="submit" class="button button-primary">{lang.tr("home.search")}</button></div>
        </form>
        {data_table("table", vec![lang.tr("sessions.when"), lang.tr("sessions.title"), lang.tr("sessions.kind"), lang.tr("sessions.venue"), lang.tr("sessions.confirmed_of_capacity"), lang.tr("sessions.status"), String::new()], rows)}
        <nav class="cluster" aria-label=lang.tr("home.pages")>
            {(page > 1).then(|| view! { <a class="button button-secondary" href=page_href(page - 1)>{lang.tr("home.previous")}</a> })}
            {found.has_more.then(|| view! { <a class="button button-secondary" href=page_href(page + 1)>{lang.tr("home.next")}</a> })}
        </nav>
    }
}

#[component]
pub fn SessionFormPage() -> impl IntoView {
    let lang = current_lang();
    if !current_viewer().is_some_and(|v| v.is_manager()) {
        return view! { <Refused/> }.into_any();
    }
    let id = use_params_map().get_untracked().get("id").and_then(|id| id.parse::<i64>().ok());
    let title = lang.tr(if id.is_some() { "sessions.edit" } else { "sessions.new" });
    view! {
        <Title text=title.clone()/>
        <h1>{title}</h1>
        <Suspense>
            {move || deferred(async move {
                let existing = match id {
                    Some(id) => match get_session(id).await {
                        Ok(Some(d)) => Some(d),
                        Ok(None) => return view! { <NotFound/> }.into_any(),
                        Err(_) => return load_failed(lang),
                    },
                    None => None,
                };
                match fetch_venue_directory().await {
                    Ok(dir) => session_form(&dir, existing, lang).into_any(),
                    Err(_) => load_failed(lang),
                }
            })}
        </Suspense>
    }
    .into_any()
}

fn session_form(dir: &VenueDirectory, existing: Option<SessionDetail>, lang: Lang) -> impl IntoView {
    let e = existing.as_ref();
    let s = e.map(|d| d.summary.clone());
    let num = |v: Option<i32>| v.map(|n| n.to_string()).unwrap_or_default();
    let venues = dir.venues.iter().map(|v| (v.id.to_string(), v.name.clone())).collect();
    let meetings = e.map(|d| d.meetings.clone()).unwrap_or_default();
    let rows = (1..=super::FORM_MEETING_ROWS)
        .map(|i| {
            let m = meetings.get(i - 1);
            let date = m.map(|m| to_tokyo(m.starts_at).format("%Y-%m-%d").to_string()).unwrap_or_default();
            let start = m.map(|m| to_tokyo(m.starts_at).format("%H:%M").to_string()).unwrap_or_default();
            let end = m.map(|m| to_tokyo(m.ends_at).format("%H:%M").to_string()).unwrap_or_default();
            let (date_name, start_name, end_name) =
                (format!("meeting_date_{i}"), format!("meeting_start_{i}"), format!("meeting_end_{i}"));
            let row_label = lang.tr_with("sessions.meeting_n", &[("n", i.to_string())]);
            view! {
                <tr>
                    <th scope="row">{row_label.clone()}</th>
                    <td>
                        <label class="visually-hidden" for=date_name.clone()>{format!("{row_label} {}", lang.tr("sessions.date"))}</label>
                        <BareInput name=date_name input_type="date" value=date/>
                    </td>
                    <td>
                        <label class="visually-hidden" for=start_name.clone()>{format!("{row_label} {}", lang.tr("sessions.start"))}</label>
                        <BareInput name=start_name input_type="time" value=start/>
                    </td>
                    <td>
                        <label class="visually-hidden" for=end_name.clone()>{format!("{row_label} {}", lang.tr("sessions.end"))}</label>
                        <BareInput name=end_name input_type="time" value=end/>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <form method="post" class="form" novalidate>
            <FormErrors/>
            <SelectField name="kind" label=lang.tr("sessions.kind") options=kind_options(lang) value=s.as_ref().map(|s| s.kind.as_str().to_string()).unwrap_or_default() required=true empty=lang.tr("form.choose")/>
            <TextField name="title" label=lang.tr("sessions.title") value=s.as_ref().map(|s| s.title.clone()).unwrap_or_default() required=true/>
            <SelectField name="topic" label=lang.tr("sessions.topic") options=topic_options(lang) value=s.as_ref().map(|s| s.topic.as_str().to_string()).unwrap_or_default() required=true empty=lang.tr("form.choose")/>
            <SelectField name="venue_id" label=lang.tr("sessions.venue") options=venues value=s.as_ref().map(|s| s.venue_id.to_string()).unwrap_or_default() required=true empty=lang.tr("form.choose")/>
            <fieldset class="fieldset">
                <legend>{lang.tr("sessions.meetings")}</legend>
                <p class="field-hint" id="meetings-hint">{lang.tr("sessions.meetings_hint")}</p>
                <FieldError name="starts_at"/>
                <div class="table-wrap" tabindex="0">
                    <table class="table">
                        <thead>
                            <tr>
                                <th scope="col"><span class="visually-hidden">{lang.tr("sessions.meetings")}</span></th>
                                <th scope="col">{lang.tr("sessions.date")}</th>
                                <th scope="col">{lang.tr("sessions.start")}</th>
                                <th scope="col">{lang.tr("sessions.end")}</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            </fieldset>
            <TextField name="capacity" label=lang.tr("sessions.capacity") value=num(s.as_ref().map(|s| s.capacity)) input_type="number" inputmode="numeric" hint=lang.tr("sessions.capacity_hint")/>
            <TextField name="loaner_devices" label=lang.tr("sessions.loaner_devices") value=num(s.as_ref().map(|s| s.loaner_devices)) input_type="number" inputmode="numeric"/>
            <TextField name="instructors" label=lang.tr("sessions.instructors") value=num(e.map(|d| d.instructors)) input_type="number" inputmode="numeric"/>
            <TextField name="assistants" label=lang.tr("sessions.assistants") value=num(e.map(|d| d.assistants)) input_type="number" inputmode="numeric"/>
            <TextField name="slot_minutes" label=lang.tr("sessions.slot_minutes") value=num(e.and_then(|d| d.slot_minutes)) input_type="number" inputmode="numeric" hint=lang.tr("sessions.consultation_only")/>
            <TextField name="advisors" label=lang.tr("sessions.advisors") value=num(e.and_then(|d| d.advisors)) input_type="number" inputmode="numeric" hint=lang.tr("sessions.consultation_only")/>
            <TextArea name="description" label=lang.tr("sessions.description") value=e.map(|d| d.description.clone()).unwrap_or_default()/>
            <TextArea name="what_to_bring" label=lang.tr("sessions.what_to_bring") value=e.map(|d| d.what_to_bring.clone()).unwrap_or_default()/>
            <div class="button-row">
                <button type="submit" class="button button-primary">{lang.tr("form.save")}</button>
                <a class="button button-secondary" href="/manage/sessions">{lang.tr("form.cancel")}</a>
            </div>
        </form>
    }
}

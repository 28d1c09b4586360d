//! Session pages: the public list and session page, a venue's month view, and the
//! managers' list and scheduling form.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;

use super::{field, store, Meeting, SessionDetail, SessionFilter, SessionPage, SessionSummary};
use crate::{
    domain::{SessionKind, SessionStatus, Topic},
    i18n::Lang,
    policy::Viewer,
    server::error::{AppError, AppResult},
    time::{format_span, from_tokyo, to_tokyo},
    ui::{
        current_lang, current_viewer, data_table, deferred, error_page, flash,
        forms::{BareInput, FieldError, FormErrors, OnceKey, SelectField, TextArea, TextField},
        guarded, load_page, page_context, param_i64, query_flag, query_param, url_escape,
    },
    venues::{pages::directory, Venue, VenueDirectory},
};

const HOME_PAGE_SIZE: i64 = 20;

/// One session as the viewer may see it (staff of its venue also get its survey code).
pub async fn session(id: i64) -> AppResult<SessionDetail> {
    let (state, viewer) = page_context()?;
    store::detail(&state.db, id, viewer.as_ref()).await
}

/// A page of sessions matching the filter, as the viewer may list them.
pub async fn list(filter: SessionFilter) -> AppResult<SessionPage> {
    let (state, viewer) = page_context()?;
    store::list(&state.db, viewer.as_ref(), &filter, Utc::now()).await
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
    let venue_line = venue.map(|v| format!("{}（{}）", v.name, dir.ward_name(&v.ward, lang))).unwrap_or_default();
    view! {
        <li class="session-card">
            {kind_badge(s.kind, lang)}
            <h2><a href=format!("/sessions/{}", s.id)>{s.title.clone()}</a></h2>
            <p class="session-date">{s.schedule(lang)}</p>
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
                    let dir = match directory().await {
                        Ok(dir) => dir,
                        Err(err) => return error_page(err),
                    };
                    match list(filter.clone()).await {
                        Ok(found) => home_results(&dir, &filter, found, page, lang).into_any(),
                        // A filter that does not read (a date typed wrong): the form again, and why.
                        Err(AppError::Invalid(_)) => {
                            crate::ui::set_status(http::StatusCode::BAD_REQUEST);
                            view! {
                                {filters_form(&dir, &filter, lang)}
                                <div class="notice notice-error" role="alert"><p>{lang.tr("error.filter")}</p></div>
                            }
                            .into_any()
                        }
                        Err(err) => error_page(err),
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

fn home_results(
    dir: &VenueDirectory,
    filter: &SessionFilter,
    found: SessionPage,
    page: i64,
    lang: Lang,
) -> impl IntoView {
    let count_text = if found.sessions.is_empty() { lang.tr("home.none") } else { String::new() };
    // After a search the eye (and a screen reader) moves to how many were found.
    let searched = [&filter.ward, &filter.kind, &filter.topic, &filter.from].iter().any(|f| f.is_some());
    let found_text = lang.tr_with(
        if found.has_more { "home.found_more" } else { "home.found" },
        &[("n", found.sessions.len().to_string())],
    );
    let query_without_page =
        [("ward", &filter.ward), ("kind", &filter.kind), ("topic", &filter.topic), ("from", &filter.from)]
            .iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", url_escape(v))))
            .collect::<Vec<_>>()
            .join("&");
    let page_href = move |p: i64| format!("/?{query_without_page}&page={p}");
    view! {
        {filters_form(dir, filter, lang)}
        <h2 id="results" tabindex="-1" autofocus=searched class="results-heading">{lang.tr("home.results")}" "<span class="results-count">{found_text}</span></h2>
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
    let Some(id) = param_i64("id") else { return error_page(AppError::NotFound) };
    view! { <Suspense>{move || load_page(session(id), move |detail| session_view(detail, lang).into_any())}</Suspense> }
        .into_any()
}

fn session_view(d: SessionDetail, lang: Lang) -> impl IntoView {
    let viewer = current_viewer();
    let s = d.summary.clone();
    let works_here = viewer.as_ref().is_some_and(|v| v.works_at(d.venue.id));
    let is_manager = viewer.as_ref().is_some_and(|v| v.is_manager());
    let open = s.status == SessionStatus::Scheduled && s.starts_at > Utc::now();
    let saved = query_flag("saved");
    let cancelled_now = query_flag("cancelled");
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
        {flash(saved, lang.tr("form.saved"))}
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
                {crate::venues::pages::visit_facts(&d.venue, lang)}
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
    let asked = param.and_then(|m| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok());
    asked.filter(|d| crate::time::in_years(*d)).unwrap_or_else(|| {
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
    let Some(id) = param_i64("id") else { return error_page(AppError::NotFound) };
    let first = month_start(query_param("month"));
    view! {
        <Suspense>
            {move || load_page(venue_month(id, first), move |(venue, meetings)| month_view(&venue, first, meetings, lang).into_any())}
        </Suspense>
    }
    .into_any()
}

/// A venue and the meetings of its sessions in the month beginning `first` (Tokyo).
async fn venue_month(venue_id: i64, first: NaiveDate) -> AppResult<(Venue, Vec<(Meeting, SessionSummary)>)> {
    let venue = directory().await?.venue(venue_id).cloned().ok_or(AppError::NotFound)?;
    let (state, _) = page_context()?;
    let (from, to) = (from_tokyo(first, NaiveTime::MIN), from_tokyo(next_month(first), NaiveTime::MIN));
    Ok((venue, store::venue_meetings(&state.db, venue_id, from, to).await?))
}

fn month_view(venue: &Venue, first: NaiveDate, meetings: Vec<(Meeting, SessionSummary)>, lang: Lang) -> impl IntoView {
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
        <p>{venue.address.clone()}{crate::venues::pages::visit_facts(venue, lang)}</p>
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
    guarded(Viewer::require_manager, move || {
        view! {
            <Title text=lang.tr("manage.title")/>
            <h1>{lang.tr("manage.title")}</h1>
            {page_context().is_ok_and(|(state, _)| state.config.public_url_is_local()).then(|| view! {
                <div class="notice notice-warning" role="status"><p>{lang.tr("manage.public_url_local")}</p></div>
            })}
            <ul class="stack">
                <li><a class="button button-primary" href="/manage/sessions/new">{lang.tr("sessions.new")}</a></li>
                <li><a href="/manage/kpi">{lang.tr("kpi.title")}</a></li>
                <li><a href="/manage/sessions">{lang.tr("manage.sessions")}</a></li>
                <li><a href="/manage/venues">{lang.tr("venues.title")}</a></li>
                <li><a href="/manage/partners">{lang.tr("partners.title")}</a></li>
                <li><a href="/manage/exchange">{lang.tr("exchange.title")}</a></li>
                <li><a href="/manage/followups/choices">{lang.tr("followup.choices_title")}</a></li>
            </ul>
        }
        .into_any()
    })
}

#[component]
pub fn ManageSessionsPage() -> impl IntoView {
    let lang = current_lang();
    if let Err(err) = current_viewer().ok_or(AppError::Unauthorized).and_then(|v| v.require_manager()) {
        return error_page(err);
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
                let load = {
                    let filter = filter.clone();
                    async move { Ok((directory().await?, list(filter).await?)) }
                };
                load_page(load, move |(dir, found)| manage_table(&dir, &filter, found, page, lang).into_any())
            }}
        </Suspense>
    }
    .into_any()
}

fn manage_table(
    dir: &VenueDirectory,
    filter: &SessionFilter,
    found: SessionPage,
    page: i64,
    lang: Lang,
) -> impl IntoView {
    let venues = dir.venues.iter().map(|v| (v.id.to_string(), v.name.clone())).collect();
    let rows = found
        .sessions
        .iter()
        .map(|s| {
            let venue = dir.venue(s.venue_id).map(|v| v.name.clone()).unwrap_or_default();
            view! {
                <tr>
                    <td>{s.schedule(lang)}</td>
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
    let id = param_i64("id");
    guarded(Viewer::require_manager, move || {
        let title = lang.tr(if id.is_some() { "sessions.edit" } else { "sessions.new" });
        view! {
            <Title text=title.clone()/>
            <h1>{title}</h1>
            <Suspense>
                {move || load_page(session_and_directory(id), move |(existing, dir)| session_form(&dir, existing, lang).into_any())}
            </Suspense>
        }
        .into_any()
    })
}

/// The session being edited (if any) and the venues to choose from.
async fn session_and_directory(id: Option<i64>) -> AppResult<(Option<SessionDetail>, VenueDirectory)> {
    let existing = match id {
        Some(id) => Some(session(id).await?),
        None => None,
    };
    Ok((existing, directory().await?))
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
            let (date_name, start_name, end_name) = (field::meeting_date(i), field::meeting_start(i), field::meeting_end(i));
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
            <OnceKey/>
            <SelectField name=field::KIND label=lang.tr("sessions.kind") options=kind_options(lang) value=s.as_ref().map(|s| s.kind.as_str().to_string()).unwrap_or_default() required=true empty=lang.tr("form.choose")/>
            <TextField name=field::TITLE label=lang.tr("sessions.title") value=s.as_ref().map(|s| s.title.clone()).unwrap_or_default() required=true/>
            <SelectField name=field::TOPIC label=lang.tr("sessions.topic") options=topic_options(lang) value=s.as_ref().map(|s| s.topic.as_str().to_string()).unwrap_or_default() required=true empty=lang.tr("form.choose")/>
            <SelectField name=field::VENUE_ID label=lang.tr("sessions.venue") options=venues value=s.as_ref().map(|s| s.venue_id.to_string()).unwrap_or_default() required=true empty=lang.tr("form.choose")/>
            <fieldset class="fieldset">
                <legend>{lang.tr("sessions.meetings")}</legend>
                <p class="field-hint" id="meetings-hint">{lang.tr("sessions.meetings_hint")}</p>
                <FieldError name=field::STARTS_AT/>
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
            <TextField name=field::CAPACITY label=lang.tr("sessions.capacity") value=num(s.as_ref().map(|s| s.capacity)) input_type="number" inputmode="numeric" hint=lang.tr("sessions.capacity_hint")/>
            <TextField name=field::LOANER_DEVICES label=lang.tr("sessions.loaner_devices") value=num(s.as_ref().map(|s| s.loaner_devices)) input_type="number" inputmode="numeric"/>
            <TextField name=field::INSTRUCTORS label=lang.tr("sessions.instructors") value=num(e.map(|d| d.instructors)) input_type="number" inputmode="numeric"/>
            <TextField name=field::ASSISTANTS label=lang.tr("sessions.assistants") value=num(e.map(|d| d.assistants)) input_type="number" inputmode="numeric"/>
            <TextField name=field::SLOT_MINUTES label=lang.tr("sessions.slot_minutes") value=num(e.and_then(|d| d.slot_minutes)) input_type="number" inputmode="numeric" hint=lang.tr("sessions.consultation_only")/>
            <TextField name=field::ADVISORS label=lang.tr("sessions.advisors") value=num(e.and_then(|d| d.advisors)) input_type="number" inputmode="numeric" hint=lang.tr("sessions.consultation_only")/>
            <TextArea name=field::DESCRIPTION label=lang.tr("sessions.description") value=e.map(|d| d.description.clone()).unwrap_or_default()/>
            <TextArea name=field::WHAT_TO_BRING label=lang.tr("sessions.what_to_bring") value=e.map(|d| d.what_to_bring.clone()).unwrap_or_default()/>
            <div class="button-row">
                <button type="submit" class="button button-primary">{lang.tr("form.save")}</button>
                <a class="button button-secondary" href="/manage/sessions">{lang.tr("form.cancel")}</a>
            </div>
        </form>
    }
}

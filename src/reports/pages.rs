//! The managers' KPI dashboard and the drill-down to one session's answers.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{chart, load_kpi_report, KpiFilter, KpiLine, KpiReport, Rate};
use crate::{
    accounts::current_viewer,
    app::{data_table, deferred, named_table, load_failed, url_escape, NotFound, Refused},
    domain::{SessionKind, Topic},
    forms::SelectField,
    i18n::{current_lang, Lang},
    sessions::get_session,
    surveys::session_answers,
    time::{fiscal_year, fiscal_year_label},
    venues::fetch_venue_directory,
};

fn query(name: &str) -> Option<String> {
    use_query_map().get_untracked().get(name).filter(|v| !v.is_empty())
}

/// A rate with its n, flagged when n is too small or under target.
pub fn rate_view(rate: &Rate, lang: Lang) -> impl IntoView {
    let note = if rate.too_few {
        Some(lang.tr("kpi.too_few"))
    } else if rate.below_target() {
        Some(lang.tr("kpi.below_target"))
    } else {
        None
    };
    view! {
        <span class:kpi-below-target=rate.below_target()>{rate.percent()}</span>
        " "<span class="muted">{format!("(n={})", rate.n)}</span>
        {note.map(|n| view! { " " <span class="too-few">{n}</span> })}
    }
}

fn kpi_card(label: String, rate: &Rate, show_target: bool, lang: Lang) -> impl IntoView {
    let class = if !show_target || rate.value.is_none() {
        "kpi-card"
    } else if rate.below_target() {
        "kpi-card kpi-below-target"
    } else {
        "kpi-card kpi-ok"
    };
    view! {
        <div class=class>
            <h2>{label}</h2>
            <p class="kpi-value">{rate.percent()}</p>
            <p>{format!("n = {}", rate.n)}{show_target.then(|| format!(" · {}", lang.tr("kpi.target")))}</p>
            {rate.too_few.then(|| view! { <p class="too-few">{lang.tr("kpi.too_few")}</p> })}
        </div>
    }
}

pub fn breakdown(title: String, lines: &[KpiLine], lang: Lang, link: Option<fn(&KpiLine) -> String>) -> impl IntoView {
    let rows = lines
        .iter()
        .map(|l| {
            let label = match link {
                Some(href) => view! { <a href=href(l)>{l.label.clone()}</a> }.into_any(),
                None => view! { {l.label.clone()} }.into_any(),
            };
            view! {
                <tr class:kpi-below-target=l.comprehension_rate.below_target() || l.satisfaction_rate.below_target()>
                    <th scope="row">{label}</th>
                    <td>{l.tally.sessions}</td>
                    <td>{rate_view(&l.comprehension_rate, lang)}</td>
                    <td>{rate_view(&l.satisfaction_rate, lang)}</td>
                    <td>{l.attendance_rate.percent()}</td>
                    <td>{l.fill_rate.percent()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h2>{title.clone()}</h2>
        {named_table(
            "table",
            Some(title),
            ["kpi.group", "kpi.sessions", "kpi.comprehension", "kpi.satisfaction", "kpi.attendance", "kpi.fill"].map(|k| lang.tr(k)).to_vec(),
            rows,
        )}
    }
}

#[component]
pub fn KpiPage() -> impl IntoView {
    let lang = current_lang();
    if !current_viewer().is_some_and(|v| v.is_manager()) {
        return view! { <Refused/> }.into_any();
    }
    let filter = KpiFilter {
        fiscal_year: query("fiscal_year").and_then(|f| f.parse().ok()),
        venue_id: query("venue_id").and_then(|v| v.parse().ok()),
        ward: query("ward"),
        kind: query("kind"),
    };
    view! {
        <Title text=lang.tr("kpi.title")/>
        <h1>{lang.tr("kpi.title")}</h1>
        <Suspense>
            {move || {
                let filter = filter.clone();
                deferred(async move {
                    match (load_kpi_report(filter.clone()).await, fetch_venue_directory().await) {
                        (Ok(Some(report)), Ok(dir)) => kpi_view(report, &filter, &dir, lang).into_any(),
                        (Ok(None), _) => view! { <Refused/> }.into_any(),
                        _ => load_failed(lang),
                    }
                })
            }}
        </Suspense>
    }
    .into_any()
}

/// The fiscal years a report can show, newest first, as 令和8年度 (FY2026).
pub(crate) fn fiscal_year_options(lang: Lang) -> Vec<(String, String)> {
    let now_fy = fiscal_year(chrono::Utc::now());
    (2019..=now_fy + 1).rev().map(|fy| (fy.to_string(), format!("{} (FY{fy})", fiscal_year_label(fy, lang)))).collect()
}

fn kpi_view(r: KpiReport, filter: &KpiFilter, dir: &crate::venues::VenueDirectory, lang: Lang) -> impl IntoView {
    let years = fiscal_year_options(lang);
    let venues = dir.venues.iter().map(|v| (v.id.to_string(), v.name.clone())).collect();
    let wards = dir.wards.iter().map(|w| (w.code.clone(), w.name(lang).to_string())).collect();
    let kinds = SessionKind::ALL.iter().map(|k| (k.as_str().to_string(), k.label(lang))).collect();
    let heading = lang.tr_with("kpi.heading", &[("year", fiscal_year_label(r.fiscal_year, lang)), ("fy", r.fiscal_year.to_string())]);
    let month_chart = chart::rate_bars(
        &r.by_month,
        &lang.tr("kpi.by_month"),
        &lang.tr("kpi.comprehension"),
        &lang.tr("kpi.satisfaction"),
        &lang.tr("kpi.target"),
    );
    let query_string = format!(
        "fiscal_year={}&venue_id={}&ward={}&kind={}",
        r.fiscal_year,
        filter.venue_id.map(|v| v.to_string()).unwrap_or_default(),
        url_escape(filter.ward.as_deref().unwrap_or_default()),
        url_escape(filter.kind.as_deref().unwrap_or_default())
    );
    view! {
        <form method="get" class="filters no-print">
            <SelectField name="fiscal_year" label=lang.tr("kpi.fiscal_year") options=years value=r.fiscal_year.to_string()/>
            <SelectField name="venue_id" label=lang.tr("sessions.venue") options=venues value=filter.venue_id.map(|v| v.to_string()).unwrap_or_default() empty=lang.tr("form.all")/>
            <SelectField name="ward" label=lang.tr("venues.ward") options=wards value=filter.ward.clone().unwrap_or_default() empty=lang.tr("form.all")/>
            <SelectField name="kind" label=lang.tr("sessions.kind") options=kinds value=filter.kind.clone().unwrap_or_default() empty=lang.tr("form.all")/>
            <div class="field"><button type="submit" class="button button-primary">{lang.tr("kpi.show")}</button></div>
        </form>
        <h2>{heading}</h2>
        <p>{lang.tr_with("kpi.summary", &[("sessions", r.sessions.to_string()), ("confirmed", r.confirmed.to_string()), ("attended", r.attended.to_string()), ("responses", r.responses.to_string())])}</p>
        <div class="kpi-grid">
            {kpi_card(lang.tr("kpi.comprehension"), &r.comprehension_rate, true, lang)}
            {kpi_card(lang.tr("kpi.satisfaction"), &r.satisfaction_rate, true, lang)}
            {kpi_card(lang.tr("kpi.attendance"), &r.attendance_rate, false, lang)}
            {kpi_card(lang.tr("kpi.fill"), &r.fill_rate, false, lang)}
        </div>
        <h2>{lang.tr("kpi.by_month")}</h2>
        <figure class="chart" inner_html=month_chart></figure>
        {breakdown(lang.tr("kpi.by_month"), &r.by_month, lang, None)}
        {breakdown(lang.tr("kpi.by_venue"), &r.by_venue, lang, None)}
        {breakdown(lang.tr("kpi.by_ward"), &r.by_ward, lang, None)}
        {breakdown(lang.tr("kpi.by_kind"), &r.by_kind, lang, None)}
        {breakdown(lang.tr("kpi.by_topic"), &r.by_topic, lang, None)}
        {breakdown(lang.tr("kpi.by_partner"), &r.by_partner, lang, None)}
        {breakdown(lang.tr("kpi.below_target_sessions"), &r.below_target, lang, Some(|l: &KpiLine| format!("/manage/kpi/sessions/{}", l.key)))}
        {(r.below_target_total > r.below_target.len()).then(|| view! {
            <p class="muted">{lang.tr_with("kpi.below_target_more", &[("shown", r.below_target.len().to_string()), ("total", r.below_target_total.to_string())])}</p>
        })}
        <h2>{lang.tr("kpi.exports")}</h2>
        <ul class="stack no-print">
            <li><a href=format!("/manage/exports/sessions.csv?{query_string}")>{lang.tr("kpi.export_sessions")}</a></li>
            <li><a href=format!("/manage/exports/survey-answers.csv?{query_string}")>{lang.tr("kpi.export_answers")}</a></li>
            <li><a href=format!("/open-data/sessions.csv?{query_string}")>{lang.tr("kpi.export_open_data")}</a></li>
        </ul>
    }
}

#[component]
pub fn KpiSessionPage() -> impl IntoView {
    let lang = current_lang();
    if !current_viewer().is_some_and(|v| v.is_staff()) {
        return view! { <Refused/> }.into_any();
    }
    let id = use_params_map().get_untracked().get("id").and_then(|v| v.parse::<i64>().ok());
    let Some(id) = id else { return view! { <NotFound/> }.into_any() };
    view! {
        <Suspense>
            {move || deferred(async move {
                let (Ok(Some(session)), Ok(answers)) = (get_session(id).await, session_answers(id).await) else {
                    return view! { <NotFound/> }.into_any();
                };
                let Some(answers) = answers else { return view! { <Refused/> }.into_any() };
                let title = lang.tr_with("kpi.answers_of", &[("title", session.summary.title.clone())]);
                let topics = |codes: &str| codes.split(',').filter_map(Topic::parse).map(|t| t.label(lang)).collect::<Vec<_>>().join("、");
                let rows = answers.iter().map(|a| view! {
                    <tr>
                        <td>{a.comprehension.map(|v| v.to_string()).unwrap_or_default()}</td>
                        <td>{a.satisfaction.map(|v| v.to_string()).unwrap_or_default()}</td>
                        <td>{a.wants_online_services.map(|v| lang.tr(if v { "form.yes" } else { "form.no" })).unwrap_or_default()}</td>
                        <td>{topics(&a.topics_wanted)}</td>
                        <td>{a.comment.clone()}</td>
                    </tr>
                }).collect_view();
                view! {
                    <Title text=title.clone()/>
                    <h1>{title}</h1>
                    <p><a href=format!("/sessions/{id}")>{session.summary.title.clone()}</a>" · "{lang.tr_with("survey.count", &[("n", answers.len().to_string())])}</p>
                    {data_table("table", vec![lang.tr("kpi.comprehension"), lang.tr("kpi.satisfaction"), lang.tr("survey.wants_online_short"), lang.tr("survey.topics_wanted"), lang.tr("survey.comment")], rows)}
                }.into_any()
            })}
        </Suspense>
    }
    .into_any()
}

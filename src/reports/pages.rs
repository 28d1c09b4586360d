//! The managers' KPI dashboard, the drill-down to one session's answers, and the
//! partner report.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{
    chart,
    outcomes::{self, ChoiceCount, OutcomeLine, OutcomeReport},
    partners::{self, PartnerReport},
    store, KpiFilter, KpiLine, KpiReport, Rate,
};
use crate::{
    domain::{SessionKind, Topic},
    i18n::Lang,
    policy::{logged_in, Viewer},
    server::error::{AppError, AppResult},
    sessions::{pages::session, SessionDetail},
    surveys::{self, SurveyAnswer},
    time::{fiscal_year, fiscal_year_label},
    ui::{
        current_lang, data_table, error_page, forms::SelectField, guarded, load_page, named_table, page_context,
        param_i64, query_param as query, url_escape,
    },
    venues::{pages::directory, VenueDirectory},
};

/// The KPI and outcome reports for the filter and the venues to filter by (managers).
async fn report_and_directory(filter: KpiFilter) -> AppResult<(KpiReport, OutcomeReport, VenueDirectory)> {
    let (state, viewer) = page_context()?;
    let (lang, viewer, now) = (crate::ui::current_lang(), logged_in(viewer.as_ref())?, chrono::Utc::now());
    let report = store::report(&state.db, viewer, &filter, now, lang).await?;
    let outcomes = outcomes::report(&state.db, viewer, &filter, now, lang).await?;
    Ok((report, outcomes, directory().await?))
}

/// A session and its survey answers (its venue's staff and managers).
async fn session_and_answers(id: i64) -> AppResult<(SessionDetail, Vec<SurveyAnswer>)> {
    let (state, viewer) = page_context()?;
    let answers = surveys::store::answers(&state.db, logged_in(viewer.as_ref())?, id).await?;
    Ok((session(id).await?, answers))
}

/// The partner report of a fiscal year (managers).
async fn partner_report(fiscal_year: Option<i32>) -> AppResult<PartnerReport> {
    let (state, viewer) = page_context()?;
    let filter = KpiFilter { fiscal_year, ..Default::default() };
    partners::report(&state.db, logged_in(viewer.as_ref())?, &filter, chrono::Utc::now(), crate::ui::current_lang())
        .await
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
            // Said in words, not only in colour: it survives printing in black and white.
            {(show_target && rate.value.is_some() && !rate.too_few).then(|| {
                let verdict = if rate.below_target() { "kpi.verdict_below" } else { "kpi.verdict_met" };
                view! { <p class="kpi-verdict"><strong>{lang.tr(verdict)}</strong></p> }
            })}
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

/// The usage rate of a breakdown's lines, with how many were asked and answered.
fn outcome_breakdown(title: String, lines: &[OutcomeLine], lang: Lang) -> impl IntoView {
    let rows = lines
        .iter()
        .map(|l| {
            view! {
                <tr class:kpi-below-target=l.usage_rate.below_target()>
                    <th scope="row">{l.label.clone()}</th>
                    <td>{l.tally.sent}</td>
                    <td>{l.tally.answered}" ("{l.response_rate.percent()}")"</td>
                    <td>{rate_view(&l.usage_rate, lang)}</td>
                    <td>{l.tally.on_own}</td>
                </tr>
            }
        })
        .collect_view();
    let headers = ["kpi.group", "outcomes.sent", "outcomes.answered", "outcomes.usage", "outcomes.on_own"];
    view! {
        <h3>{title.clone()}</h3>
        {named_table("table", Some(title), headers.map(|k| lang.tr(k)).to_vec(), rows)}
    }
}

/// How often each service (or barrier) was named, of the answers.
fn choice_table(title: String, counts: &[ChoiceCount], with_own: bool, lang: Lang) -> impl IntoView {
    let rows = counts
        .iter()
        .map(|c| {
            view! {
                <tr>
                    <th scope="row">{c.label.clone()}</th>
                    <td>{c.count}</td>
                    <td>{c.share.percent()}</td>
                    {with_own.then(|| view! { <td>{c.on_own}</td> })}
                </tr>
            }
        })
        .collect_view();
    let mut headers = vec![lang.tr("outcomes.choice"), lang.tr("outcomes.count"), lang.tr("outcomes.share")];
    if with_own {
        headers.push(lang.tr("outcomes.on_own"));
    }
    view! {
        <h3>{title.clone()}</h3>
        {named_table("table", Some(title), headers, rows)}
    }
}

/// The outcome: the usage rate against the plan's target and the city-wide baseline.
fn outcome_view(o: OutcomeReport, lang: Lang) -> impl IntoView {
    let percent = |v: f64| format!("{:.1}%", v * 100.0);
    view! {
        <section class="stack" aria-labelledby="outcome-heading">
            <h2 id="outcome-heading">{lang.tr("outcomes.title")}</h2>
            <p>{lang.tr_with("outcomes.intro", &[("target", percent(o.target)), ("baseline", percent(o.baseline))])}</p>
            <div class="kpi-grid">
                {kpi_card(lang.tr("outcomes.usage"), &o.usage_rate, true, lang)}
                {kpi_card(lang.tr("outcomes.response"), &o.response_rate, false, lang)}
                {kpi_card(lang.tr("outcomes.on_own_rate"), &o.on_own_rate, false, lang)}
            </div>
            <p>{lang.tr_with("outcomes.summary", &[
                ("sent", o.followups_sent.to_string()),
                ("answered", o.answered.to_string()),
                ("unreachable", o.unreachable.to_string()),
                ("declined", o.declined.to_string()),
                ("baseline", percent(o.baseline)),
            ])}</p>
            {choice_table(lang.tr("outcomes.by_service"), &o.by_service, true, lang)}
            {choice_table(lang.tr("outcomes.by_barrier"), &o.by_barrier, false, lang)}
            {outcome_breakdown(lang.tr("kpi.by_topic"), &o.by_topic, lang)}
            {outcome_breakdown(lang.tr("kpi.by_venue"), &o.by_venue, lang)}
            {outcome_breakdown(lang.tr("kpi.by_ward"), &o.by_ward, lang)}
            {outcome_breakdown(lang.tr("kpi.by_kind"), &o.by_kind, lang)}
            {outcome_breakdown(lang.tr("kpi.by_partner"), &o.by_partner, lang)}
            {outcome_breakdown(lang.tr("outcomes.by_age_band"), &o.by_age_band, lang)}
            {outcome_breakdown(lang.tr("outcomes.by_device"), &o.by_device, lang)}
            <p class="no-print"><a href="/manage/followups/choices">{lang.tr("followup.choices_title")}</a></p>
        </section>
    }
}

#[component]
pub fn KpiPage() -> impl IntoView {
    let lang = current_lang();
    let filter = KpiFilter {
        fiscal_year: query("fiscal_year").and_then(|f| f.parse().ok()),
        venue_id: query("venue_id").and_then(|v| v.parse().ok()),
        ward: query("ward"),
        kind: query("kind"),
    };
    guarded(Viewer::require_manager, move || {
        view! {
            <Title text=lang.tr("kpi.title")/>
            <h1>{lang.tr("kpi.title")}</h1>
            <Suspense>
                {move || {
                    let filter = filter.clone();
                    load_page(report_and_directory(filter.clone()), move |(report, outcomes, dir)| {
                        view! { {kpi_view(report, &filter, &dir, lang)} {outcome_view(outcomes, lang)} }.into_any()
                    })
                }}
            </Suspense>
        }
        .into_any()
    })
}

/// The fiscal years a report can show, newest first, as 令和8年度 (FY2026).
fn fiscal_year_options(lang: Lang) -> Vec<(String, String)> {
    let now_fy = fiscal_year(chrono::Utc::now());
    (2019..=now_fy + 1).rev().map(|fy| (fy.to_string(), format!("{} (FY{fy})", fiscal_year_label(fy, lang)))).collect()
}

fn kpi_view(r: KpiReport, filter: &KpiFilter, dir: &VenueDirectory, lang: Lang) -> impl IntoView {
    let years = fiscal_year_options(lang);
    let venues = dir.venues.iter().map(|v| (v.id.to_string(), v.name.clone())).collect();
    let wards = dir.wards.iter().map(|w| (w.code.clone(), w.name(lang).to_string())).collect();
    let kinds = SessionKind::ALL.iter().map(|k| (k.as_str().to_string(), k.label(lang))).collect();
    let heading = lang
        .tr_with("kpi.heading", &[("year", fiscal_year_label(r.fiscal_year, lang)), ("fy", r.fiscal_year.to_string())]);
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
        <p>{lang.tr_with("kpi.sources", &[("code", r.answers_by_code.to_string()), ("paper", r.answers_on_paper.to_string()), ("staff", r.answers_by_staff.to_string())])}</p>
        {(!r.flagged.is_empty()).then(|| view! {
            <section class="notice notice-warning stack" aria-labelledby="flagged-heading">
                <h2 id="flagged-heading">{lang.tr("kpi.flagged")}</h2>
                <p>{lang.tr("kpi.flagged_intro")}</p>
                <ul class="stack">
                    {r.flagged.iter().map(|f| view! {
                        <li>
                            <a href=format!("/manage/kpi/sessions/{}", f.session_id)>{f.title.clone()}</a>" "
                            {lang.tr_with("kpi.flagged_counts", &[("code", f.answers_by_code.to_string()), ("attended", f.attended.to_string()), ("confirmed", f.confirmed.to_string())])}
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        })}
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
            <li><a href=format!("/manage/exports/followup-answers.csv?{query_string}")>{lang.tr("kpi.export_followup_answers")}</a></li>
            <li><a href=format!("/open-data/sessions.csv?{query_string}")>{lang.tr("kpi.export_open_data")}</a></li>
        </ul>
    }
}

#[component]
pub fn KpiSessionPage() -> impl IntoView {
    let lang = current_lang();
    let Some(id) = param_i64("id") else { return error_page(AppError::NotFound) };
    view! {
        <Suspense>
            {move || load_page(session_and_answers(id), move |(session, answers)| {
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

#[component]
pub fn PartnerReportPage() -> impl IntoView {
    let lang = current_lang();
    let fy = query("fiscal_year").and_then(|v| v.parse::<i32>().ok());
    guarded(Viewer::require_manager, move || {
        view! {
            <Title text=lang.tr("partners.report.title")/>
            <h1>{lang.tr("partners.report.title")}</h1>
            <Suspense>
                {move || load_page(partner_report(fy), move |report| report_view(report, lang).into_any())}
            </Suspense>
        }
        .into_any()
    })
}

fn report_view(r: PartnerReport, lang: Lang) -> impl IntoView {
    let years = fiscal_year_options(lang);
    let heading = lang.tr_with(
        "partners.report.heading",
        &[("year", fiscal_year_label(r.fiscal_year, lang)), ("fy", r.fiscal_year.to_string())],
    );
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
    let headers = [
        "partners.name",
        "partners.carrier",
        "partners.report.sessions",
        "partners.report.attendees",
        "partners.report.referrals",
        "kpi.comprehension",
        "kpi.satisfaction",
    ];
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

//! A city's database from an earlier release, holding its programme, migrated by today's:
//! every migration since then runs on rows, where the other tests' fresh databases give
//! them empty tables. (PostgreSQL's 0024 once failed only on rows: its update of the
//! sessions left the data version's deferred trigger events pending, and PostgreSQL then
//! refuses an index on that table.)

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use crate::{both_backends, followups::cells_match_tallies, helpers::*, reports::kpi_cells_match_sessions};

/// The earlier release: migrations up to 0016, the follow-ups. Every later one recounts
/// rows of it: the follow-up tallies (0017), the outcome cells (0020, 0022, 0023), the KPI
/// cells (0021) and whether each session has ended (0024).
const EARLIER: i64 = 16;

/// The programme as that release kept it, within five hours of `now`: at venue 1 a course
/// that was held (three confirmed, two came, two answered the survey; both followed up,
/// one answered having used a service on their own, one unreachable after two calls; a
/// partner shop taught it), a course still to come (two confirmed) and an experience
/// session under way (one); at venue 2 a seminar that was cancelled (its one sign-up
/// cancelled with it). Every session's tallies agree with its rows.
fn programme(now: DateTime<Utc>) -> String {
    let at = |hours: i64| format!("'{}'", (now + Duration::hours(hours)).to_rfc3339());
    let (long_ago, held, held_end, ahead, ahead_end) = (at(-24 * 40), at(-5), at(-3), at(3), at(5));
    let (begun, begun_end, since) = (at(-1), at(1), at(-2));
    let session = |id: i64, kind: &str, topic: &str, venue: i64, from: &str, to: &str, status: &str, tallies: &str| {
        format!(
            "INSERT INTO sessions (id, kind, title, topic, venue_id, starts_at, ends_at, capacity, status, survey_code,
                 created_at, updated_at, confirmed_count, attended_count, responses, comprehension_answers,
                 comprehension_good, satisfaction_answers, satisfaction_good)
             VALUES ({id}, '{kind}', 'スマホ教室 {id}', '{topic}', {venue}, {from}, {to}, 10, '{status}', 'CODE{id}XYZ',
                     {long_ago}, {long_ago}, {tallies});
             INSERT INTO meetings (id, session_id, starts_at, ends_at) VALUES ({id}, {id}, {from}, {to});"
        )
    };
    let person = |id: i64, session: i64, status: &str, attendance: &str, smartphone: bool| {
        let cancelled_at = if status == "cancelled" { held_end.as_str() } else { "NULL" };
        let marked = match attendance {
            "unknown" => String::new(),
            _ => format!(
                "INSERT INTO attendances (registration_id, meeting_id, attendance, recorded_at)
                 VALUES ({id}, {session}, '{attendance}', {held_end});"
            ),
        };
        format!(
            "INSERT INTO registrations (id, session_id, status, attendance, channel, attendee_name, attendee_kana,
                 attendee_phone, age_band, has_smartphone, needs_loaner, registrant_name, registrant_email,
                 registrant_relation, consent_at, cancel_token, created_at, updated_at, cancelled_at,
                 followup_consent_at)
             VALUES ({id}, {session}, '{status}', '{attendance}', 'web', '北九 花子{id}', 'キタキュウ ハナコ',
                     '093-123-{phone}', '75_79', {smartphone}, {loaner}, '北九 一郎', 'family{id}@example.jp',
                     'family', {long_ago}, 'cancel-{id}', {long_ago}, {long_ago}, {cancelled_at}, {long_ago});
             {marked}",
            phone = 4500 + id,
            loaner = !smartphone,
        )
    };
    [
        format!(
            "INSERT INTO wards (code, name_ja, name_en, sort_order) VALUES ('moji', '門司区', 'Moji', 1);
             INSERT INTO venues (id, name, kind, ward, address, created_at, updated_at) VALUES
                 (1, '門司市民センター', 'community_center', 'moji', '門司1-1', {long_ago}, {long_ago}),
                 (2, '大里市民センター', 'community_center', 'moji', '大里2-2', {long_ago}, {long_ago});
             INSERT INTO partners (id, carrier, name, ward, created_at, updated_at)
                 VALUES (1, 'docomo', 'ドコモショップ門司店', 'moji', {long_ago}, {long_ago});"
        ),
        session(1, "course", "line", 1, &held, &held_end, "scheduled", "3, 2, 2, 2, 2, 2, 1"),
        session(2, "course", "line", 1, &ahead, &ahead_end, "scheduled", "2, 0, 0, 0, 0, 0, 0"),
        session(3, "experience", "mynaportal", 1, &begun, &begun_end, "scheduled", "1, 0, 0, 0, 0, 0, 0"),
        session(4, "seminar", "maps", 2, &held, &held_end, "cancelled", "0, 0, 0, 0, 0, 0, 0"),
        format!(
            "INSERT INTO session_partners (session_id, partner_id, role, created_at)
                 VALUES (1, 1, 'instructor', {long_ago});"
        ),
        person(1, 1, "confirmed", "attended", true),
        person(2, 1, "confirmed", "attended", false),
        person(3, 1, "confirmed", "no_show", false),
        person(4, 2, "confirmed", "unknown", true),
        person(5, 2, "confirmed", "unknown", false),
        person(6, 3, "confirmed", "unknown", true),
        person(7, 4, "cancelled", "unknown", false),
        format!(
            "INSERT INTO survey_responses (id, session_id, comprehension, satisfaction, source, created_at)
                 VALUES (1, 1, 5, 4, 'staff', {held_end}), (2, 1, 4, 3, 'staff', {held_end});
             INSERT INTO followups (id, registration_id, session_id, round, token, channel, queued_at, answered_at,
                 source, used_any, with_help, services_used, call_attempts, last_call_at, closed_at, closed_reason)
             VALUES (1, 1, 1, 1, 'token-1', 'email', {held_end}, {since}, 'link', TRUE, FALSE, 'cashless', 0, NULL,
                     NULL, NULL),
                    (2, 2, 1, 1, 'token-2', 'phone', {held_end}, NULL, NULL, NULL, NULL, '', 2, {since}, {since},
                     'unreachable');
             INSERT INTO followup_answer_choices (followup_id, session_id, kind, code, with_help)
                 VALUES (1, 1, 'service', 'cashless', FALSE);"
        ),
    ]
    .concat()
}

/// Migrated on its rows, the database counts what the earlier release held: the sessions
/// that have ended are counted as ended, the reports' cells equal their sessions and
/// tallies, both reports show the programme, and the first sign-up after the upgrade
/// moves the cells as any write does.
async fn a_city_database_from_an_earlier_release_migrates(backend: Backend) {
    let now = Utc::now();
    let earlier = Earlier { through: EARLIER, rows: programme(now) };
    let app = spawn_app(backend, Options { empty_city: true, earlier: Some(earlier), ..Default::default() }).await;
    let ended = app.texts("SELECT CAST(id AS TEXT) FROM sessions WHERE ended_counted ORDER BY id").await;
    assert_eq!(ended, ["1", "4"], "the held and the cancelled session have ended; the others not");
    kpi_cells_match_sessions(&app).await;
    cells_match_tallies(&app).await;

    // The sessions lie within five hours of now, which may straddle 1 April in Tokyo: the
    // KPI report is summed over the years they fall in; the follow-ups are the held course's.
    let years: std::collections::BTreeSet<i32> =
        [now - Duration::hours(5), now + Duration::hours(5)].map(ippo::time::fiscal_year).into();
    let held = ippo::time::fiscal_year(now - Duration::hours(5));
    let report = |path: String| {
        let app = &app;
        async move {
            let res = app.get(&path, Some(&app.manager_token)).await;
            assert_eq!(res.status(), 200, "{path}");
            res.json::<Value>().await.unwrap()
        }
    };
    // Sessions, confirmed, attended, the attendance rate's base and comprehension answers.
    let kpi = || async {
        let mut sums = [0; 5];
        for fy in &years {
            let r = report(format!("/api/v1/reports/kpi?fiscal_year={fy}")).await;
            let figures = [&r["sessions"], &r["confirmed"], &r["attended"], &r["attendance_rate"]["n"]]
                .map(|v| v.as_i64().unwrap_or_else(|| panic!("{r}")));
            let comprehension = r["comprehension_rate"]["n"].as_i64().unwrap_or_else(|| panic!("{r}"));
            for (sum, figure) in sums.iter_mut().zip(figures.into_iter().chain([comprehension])) {
                *sum += figure;
            }
        }
        sums
    };
    // The cancelled seminar counts nowhere; the base is the held course's three.
    assert_eq!(kpi().await, [3, 6, 2, 3, 2]);

    let outcome = report(format!("/api/v1/reports/outcomes?fiscal_year={held}")).await;
    let sent = (outcome["followups_sent"].as_i64(), outcome["answered"].as_i64(), outcome["unreachable"].as_i64());
    assert_eq!(sent, (Some(2), Some(1), Some(1)), "{outcome}");
    assert_eq!(outcome["usage_rate"]["n"], 1);
    let line = |list: &str, key: &str| {
        let mut lines = outcome[list].as_array().unwrap().iter();
        lines.find(|l| l["key"] == key || l["code"] == key).cloned().unwrap_or(Value::Null)
    };
    let cashless = line("by_service", "cashless");
    assert_eq!((cashless["count"].as_i64(), cashless["on_own"].as_i64()), (Some(1), Some(1)), "{cashless}");
    assert_eq!(line("by_device", "own")["sent"], 1);
    assert_eq!(line("by_device", "loaner")["sent"], 1);
    assert_eq!(outcome["by_partner"].as_array().unwrap().len(), 1, "{}", outcome["by_partner"]);

    // Written to after the upgrade, the cells follow.
    let mut body = signup(8, None);
    body["channel"] = json!("web");
    let res = app.post("/api/v1/sessions/2/registrations", None, &body).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    assert_eq!(kpi().await, [3, 7, 2, 3, 2]);
    kpi_cells_match_sessions(&app).await;
}

both_backends!(a_city_database_from_an_earlier_release_migrates);

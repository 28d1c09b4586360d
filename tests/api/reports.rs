use chrono::{Duration, Utc};
use serde_json::{json, Value};

use crate::{both_backends, helpers::*};

async fn answer(app: &TestApp, session_id: i64, comprehension: Option<i64>, satisfaction: Option<i64>) {
    let body = json!({ "comprehension": comprehension, "satisfaction": satisfaction, "wants_online_services": true, "topics_wanted": ["line"], "comment": "" });
    let res = app.post(&format!("/api/v1/sessions/{session_id}/survey-responses"), Some(&app.staff_token), &body).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
}

fn fiscal_year_of_days_ago(days: i64) -> i32 {
    ippo::time::fiscal_year(Utc::now() - Duration::days(days))
}

async fn kpi_arithmetic_is_exact(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    // Three held sessions at venue 1 (staff's venue) three days ago.
    let a = app.schedule(10, -3, json!({ "kind": "course" })).await["id"].as_i64().unwrap();
    let b = app.schedule(10, -3, json!({ "kind": "seminar", "topic": "line" })).await["id"].as_i64().unwrap();
    let c = app.schedule(10, -3, json!({ "kind": "experience" })).await["id"].as_i64().unwrap();
    let people = fill(&app, a, 5).await;
    fill(&app, b, 3).await;
    for id in &people[..4] {
        let res = app
            .post(
                &format!("/api/v1/registrations/{id}/attendance"),
                Some(&app.staff_token),
                &json!({ "attendance": "attended" }),
            )
            .await;
        assert_eq!(res.status(), 200);
    }
    app.post(
        &format!("/api/v1/registrations/{}/attendance", people[4]),
        Some(&app.staff_token),
        &json!({ "attendance": "no_show" }),
    )
    .await;
    for (c_, s_) in [(5, 5), (5, 4), (4, 4), (3, 4), (2, 1)] {
        answer(&app, a, Some(c_), Some(s_)).await;
    }
    for (c_, s_) in [(Some(4), None), (Some(4), Some(5)), (Some(4), Some(2))] {
        answer(&app, b, c_, s_).await;
    }

    let fy = fiscal_year_of_days_ago(3);
    let res = app.get(&format!("/api/v1/reports/kpi?fiscal_year={fy}"), Some(&app.manager_token)).await;
    assert_eq!(res.status(), 200);
    let r: Value = res.json().await.unwrap();
    assert_eq!(r["fiscal_year"], fy);
    assert_eq!(r["target"], 0.8);
    // The sample city's sessions are all upcoming, in this or next year; count only ours by kind.
    let line = |group: &str, key: &str| r[group].as_array().unwrap().iter().find(|l| l["key"] == key).cloned().unwrap();
    let course = line("by_kind", "course");
    assert!(course["sessions"].as_i64().unwrap() >= 1);
    let seminar = line("by_kind", "seminar");
    assert_eq!(seminar["comprehension_rate"]["value"], 1.0);
    assert_eq!(seminar["comprehension_rate"]["n"], 3);
    assert_eq!(seminar["comprehension_rate"]["too_few"], true, "n < 5 is flagged");
    assert_eq!(seminar["satisfaction_rate"]["n"], 2);
    assert_eq!(seminar["satisfaction_rate"]["value"], 0.5);
    let experience = line("by_kind", "experience");
    assert_eq!(experience["comprehension_rate"]["value"], Value::Null, "no answers: no rate");
    assert_eq!(experience["comprehension_rate"]["n"], 0);
    // Totals: comprehension 3/5 + 3/3 = 6/8; satisfaction 4/5 + 1/2 = 5/7.
    assert_eq!(r["responses"], 8);
    assert_eq!(r["comprehension_rate"]["value"], 0.75);
    assert_eq!(r["comprehension_rate"]["n"], 8);
    assert!((r["satisfaction_rate"]["value"].as_f64().unwrap() - 5.0 / 7.0).abs() < 1e-9);
    assert_eq!(r["attended"], 4);
    // Attendance rate counts only sessions that have ended: 4 of 8 confirmed.
    assert_eq!(r["attendance_rate"]["value"], 0.5);
    let below: Vec<i64> =
        r["below_target"].as_array().unwrap().iter().map(|l| l["key"].as_str().unwrap().parse().unwrap()).collect();
    assert!(below.contains(&a) && below.contains(&b) && !below.contains(&c));

    // Filters narrow the report.
    let only_seminars: Value = app
        .get(&format!("/api/v1/reports/kpi?fiscal_year={fy}&kind=seminar"), Some(&app.manager_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(only_seminars["responses"], 3);
    assert_eq!(app.get("/api/v1/reports/kpi?fiscal_year=abc", Some(&app.manager_token)).await.status(), 422);

    // The dashboard shows the same numbers, with the chart drawn on the server.
    let m = client();
    m.post(app.url("/login"))
        .form(&[("email", "m@example.jp"), ("password", "test-password-123")])
        .send()
        .await
        .unwrap();
    let page = m.get(app.url(&format!("/manage/kpi?fiscal_year={fy}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("75.0%") && page.contains("(n=8)"), "dashboard shows the rate with its n");
    assert!(page.contains("目標に届いていません"), "below target is said in words, not only in colour");
    assert!(page.contains("<svg") && page.contains("stroke-dasharray"));
}

/// The report sums its sessions in SQL: each session counts in its month in Tokyo (not
/// in UTC) and in its fiscal year only, the breakdowns add up to the totals, and the
/// sessions below target come lowest rate first — a rate of exactly 80% is not below.
async fn kpi_breakdowns_add_up_by_tokyo_month(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    // FY2024 is past: the sample city has nothing in it.
    let schedule = |starts: &'static str, ends: &'static str, kind: &'static str| {
        let app = &app;
        async move {
            let extra = json!({ "starts_at": starts, "ends_at": ends, "kind": kind, "topic": "line" });
            app.schedule(10, 0, extra).await["id"].as_i64().unwrap()
        }
    };
    // 1 June 00:30 in Tokyo is still 31 May in UTC.
    let june = schedule("2024-06-01T00:30:00+09:00", "2024-06-01T02:30:00+09:00", "course").await;
    let may = schedule("2024-05-31T23:00:00+09:00", "2024-05-31T23:50:00+09:00", "seminar").await;
    let march = schedule("2025-03-31T20:00:00+09:00", "2025-03-31T21:00:00+09:00", "course").await;
    // 1 April 2025 08:00 in Tokyo is 31 March in UTC, but already FY2025.
    let next_year = schedule("2025-04-01T08:00:00+09:00", "2025-04-01T10:00:00+09:00", "course").await;
    for c in [2, 2, 5, 5, 5] {
        answer(&app, june, Some(c), Some(5)).await; // comprehension 60%
    }
    for s in [1, 5, 5, 5, 5] {
        answer(&app, may, Some(5), Some(s)).await; // satisfaction exactly 80%
    }
    for c in [1, 1, 1, 5, 5] {
        answer(&app, march, Some(c), None).await; // comprehension 40%, no satisfaction
    }
    answer(&app, next_year, Some(1), Some(1)).await;

    let r: Value =
        app.get("/api/v1/reports/kpi?fiscal_year=2024", Some(&app.manager_token)).await.json().await.unwrap();
    assert_eq!((r["sessions"].as_i64(), r["responses"].as_i64()), (Some(3), Some(15)), "{r}");
    let months: Vec<(&str, i64)> = r["by_month"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["key"].as_str().unwrap(), l["sessions"].as_i64().unwrap()))
        .collect();
    assert_eq!(months, vec![("2024-05", 1), ("2024-06", 1), ("2025-03", 1)]);
    let june_line = r["by_month"].as_array().unwrap().iter().find(|l| l["key"] == "2024-06").unwrap();
    assert_eq!(june_line["comprehension_rate"]["value"], 0.6);
    for group in ["by_venue", "by_ward", "by_kind", "by_topic", "by_month"] {
        let sum = |field: &str| r[group].as_array().unwrap().iter().map(|l| l[field].as_i64().unwrap()).sum::<i64>();
        for (field, total) in [
            ("sessions", &r["sessions"]),
            ("capacity", &r["capacity"]),
            ("responses", &r["responses"]),
            ("comprehension_answers", &r["comprehension_rate"]["n"]),
            ("satisfaction_answers", &r["satisfaction_rate"]["n"]),
        ] {
            assert_eq!(sum(field), total.as_i64().unwrap(), "{group} {field}");
        }
    }
    let below: Vec<i64> =
        r["below_target"].as_array().unwrap().iter().map(|l| l["key"].as_str().unwrap().parse().unwrap()).collect();
    assert_eq!(below, vec![march, june], "lowest first; 80% is on target");
    assert_eq!(r["below_target_total"], 2);
}

/// An export longer than the chunks it is streamed in arrives whole: every row once, in
/// order, after the byte-order mark and the header.
async fn a_long_answer_export_arrives_whole(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let id = app.schedule(10, -1, json!({})).await["id"].as_i64().unwrap();
    // 3,000 answers with comments of about 80 bytes: several chunks of 64 KiB.
    app.execute(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
         INSERT INTO survey_responses (session_id, comprehension, satisfaction, comment, source, created_at)
         SELECT {id}, 4, 5, 'とても良い講座でした。' || CAST(i AS TEXT) || '番目の回答です。', 'staff',
                '2026-01-01T00:00:00+00:00'
         FROM n ORDER BY i"
    ))
    .await;
    let fy = fiscal_year_of_days_ago(1);
    let res = app.get(&format!("/manage/exports/survey-answers.csv?fiscal_year={fy}"), Some(&app.manager_token)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.len() > 3 * 64 * 1024, "{} bytes", bytes.len());
    assert!(bytes.starts_with(b"\xEF\xBB\xBFsession_id,date,kind,"));
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let comments: Vec<String> = reader.records().map(|r| r.unwrap()[9].to_string()).collect();
    let expected: Vec<String> = (1..=3000).map(|i| format!("とても良い講座でした。{i}番目の回答です。")).collect();
    assert_eq!(comments, expected);
}

/// A large city's open-data file is longer than a page the cache keeps (2 MiB): it is
/// answered whole, as it is read, every time.
async fn a_large_open_data_file_arrives_whole(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let id = app.schedule(10, 3, json!({})).await["id"].as_i64().unwrap();
    const SESSIONS: usize = 12_000;
    app.execute(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {SESSIONS})
         INSERT INTO sessions (kind, title, topic, venue_id, starts_at, ends_at, capacity, survey_code, created_at,
             updated_at)
         SELECT s.kind, 'はじめてのスマホ教室　地域の皆さまへ　第' || CAST(n.i AS TEXT) || '回', s.topic, s.venue_id,
                s.starts_at, s.ends_at, s.capacity, 'BULK' || CAST(n.i AS TEXT), s.created_at, s.updated_at
         FROM sessions s, n WHERE s.id = {id}"
    ))
    .await;
    let fy = fiscal_year_of_days_ago(-3);
    let open = format!("/open-data/sessions.csv?fiscal_year={fy}");
    let first = app.get(&open, None).await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["content-type"], "text/csv; charset=utf-8");
    let first = first.bytes().await.unwrap();
    assert!(first.len() > 2 * 1024 * 1024, "longer than a kept page: {} bytes", first.len());
    let mut reader = csv::Reader::from_reader(&first[3..]);
    let titles: Vec<String> = reader.records().map(|r| r.unwrap()[5].to_string()).collect();
    assert_eq!(titles.iter().filter(|t| t.starts_with("はじめてのスマホ教室　地域の")).count(), SESSIONS);
    assert!(titles.len() > SESSIONS, "the scheduled sessions too: {}", titles.len());
    let again = app.get(&open, None).await.bytes().await.unwrap();
    assert_eq!(again, first, "the same file again, made again");
}

async fn only_managers_read_the_city_wide_kpi(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    assert_eq!(app.get("/api/v1/reports/kpi", None).await.status(), 401);
    assert_eq!(app.get("/api/v1/reports/kpi", Some(&app.staff_token)).await.status(), 403);
    assert_eq!(app.get("/api/v1/reports/kpi", Some(&app.manager_token)).await.status(), 200);
    assert_eq!(app.get("/manage/exports/sessions.csv", Some(&app.staff_token)).await.status(), 403);
    let csv = app.get("/manage/exports/sessions.csv", Some(&app.manager_token)).await;
    assert_eq!(csv.status(), 200);
    let bytes = csv.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM for Excel");
    assert!(String::from_utf8_lossy(&bytes).contains("comprehension_rate"));
}

async fn surveys_by_code_and_by_staff(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let s = app.schedule(10, -1, json!({})).await;
    let id = s["id"].as_i64().unwrap();
    let code = app.get(&format!("/api/v1/sessions/{id}"), Some(&app.staff_token)).await.json::<Value>().await.unwrap()
        ["survey_code"]
        .as_str()
        .unwrap()
        .to_string();
    let body = |code: &str| json!({ "comprehension": 5, "satisfaction": 4, "survey_code": code });
    let res = app.post(&format!("/api/v1/sessions/{id}/survey-responses"), None, &body(&code.to_lowercase())).await;
    assert_eq!(res.status(), 201, "the code works whatever its case");
    let res = app.post(&format!("/api/v1/sessions/{id}/survey-responses"), None, &body("WRONG123")).await;
    assert_eq!(res.status(), 403);
    let err: Value = res.json().await.unwrap();
    assert!(err["error"]["message"].as_str().unwrap().contains("アンケートコードが違います"));
    let res = app
        .post(
            &format!("/api/v1/sessions/{id}/survey-responses"),
            Some(&app.other_staff_token),
            &json!({ "comprehension": 5 }),
        )
        .await;
    assert_eq!(res.status(), 403, "staff of another venue are refused");
    let res = app
        .post(
            &format!("/api/v1/sessions/{id}/survey-responses"),
            Some(&app.staff_token),
            &json!({ "comprehension": 7, "satisfaction": 0 }),
        )
        .await;
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["fields"]["comprehension"], "1から5の数字で答えてください。");
    assert_eq!(app.count_rows("survey_responses").await, 1, "only the good answer was stored");

    // The QR page works without an account and without JavaScript.
    let page = app.get(&format!("/survey/{code}"), None).await.text().await.unwrap();
    assert!(page.contains("よくわかった"));
    let res = app
        .client
        .post(app.url(&format!("/survey/{code}")))
        .form(&[("comprehension", "4"), ("satisfaction", "5"), ("topics_wanted", "maps"), ("topics_wanted", "line")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(app.count_rows("survey_responses").await, 2);
    // A refused answer comes back with what was ticked still ticked.
    let res = app
        .client
        .post(app.url(&format!("/survey/{code}")))
        .form(&[("comprehension", "9"), ("topics_wanted", "maps"), ("topics_wanted", "line")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains(r#"value="maps" checked"#) && page.contains(r#"value="line" checked"#), "ticks kept");
    assert!(!page.contains(r#"value="cashless" checked"#));
    assert_eq!(app.count_rows("survey_responses").await, 2);

    // Paper sheets typed in by staff: digits and Enter.
    let staff = client();
    staff
        .post(app.url("/login"))
        .form(&[("email", "s@example.jp"), ("password", "test-password-123")])
        .send()
        .await
        .unwrap();
    let res = staff
        .post(app.url(&format!("/staff/sessions/{id}/surveys")))
        .form(&[
            ("comprehension", "3"),
            ("satisfaction", "4"),
            ("wants_online_services", "1"),
            ("topics_wanted", "5 9"),
            ("comment", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let page = staff
        .get(app.url(&format!("/staff/sessions/{id}/surveys?saved=1")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("この講座の回答：3件"));
    let res = staff
        .post(app.url(&format!("/staff/sessions/{id}/surveys")))
        .form(&[("comprehension", "8"), ("topics_wanted", "99")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(app.count_rows("survey_responses").await, 3);
}

async fn attendance_is_recorded_per_meeting(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let first = Utc::now() - Duration::days(14);
    let meetings: Vec<Value> = (0..2)
        .map(|w| {
            let s = first + Duration::weeks(w);
            json!({ "starts_at": s.to_rfc3339(), "ends_at": (s + Duration::hours(2)).to_rfc3339() })
        })
        .collect();
    let s = app.schedule(5, -14, json!({ "meetings": meetings })).await;
    let id = s["id"].as_i64().unwrap();
    let second_meeting = s["meetings"][1]["id"].as_i64().unwrap();
    let people = fill(&app, id, 2).await;
    let mark = |rid: i64, body: Value, token: String| {
        let app = &app;
        async move { app.post(&format!("/api/v1/registrations/{rid}/attendance"), Some(&token), &body).await }
    };
    assert_eq!(mark(people[0], json!({ "attendance": "attended" }), app.other_staff_token.clone()).await.status(), 403);
    assert_eq!(mark(people[0], json!({ "attendance": "maybe" }), app.staff_token.clone()).await.status(), 422);
    let r: Value =
        mark(people[0], json!({ "attendance": "no_show" }), app.staff_token.clone()).await.json().await.unwrap();
    assert_eq!(r["registration_attendance"], "no_show");
    let r: Value =
        mark(people[0], json!({ "attendance": "attended", "meeting_id": second_meeting }), app.staff_token.clone())
            .await
            .json()
            .await
            .unwrap();
    assert_eq!(r["meeting_id"], second_meeting);
    assert_eq!(r["registration_attendance"], "attended", "came to one of the two days");
    // Marking the same again changes nothing in the counts.
    mark(people[0], json!({ "attendance": "attended", "meeting_id": second_meeting }), app.staff_token.clone()).await;
    let fy = ippo::time::fiscal_year(first);
    let report: Value = app
        .get(&format!("/api/v1/reports/kpi?fiscal_year={fy}&kind=course"), Some(&app.manager_token))
        .await
        .json()
        .await
        .unwrap();
    let venue = report["by_venue"].as_array().unwrap().iter().find(|l| l["key"] == "1").cloned().unwrap();
    assert_eq!(venue["attended"], 1);
}

/// The cells the KPI report sums (`kpi_place_cells`, `kpi_time_cells`, kept by the
/// database's triggers) equal the sessions regrouped by each one's keys now, whatever
/// changed: their nonzero rows compared both ways. The fiscal year and month are the
/// migration's own expressions: that they are Tokyo's is
/// `kpi_breakdowns_add_up_by_tokyo_month`'s to show, through the report.
pub(crate) async fn kpi_cells_match_sessions(app: &TestApp) {
    let (fy, month) = match app.backend {
        Backend::Sqlite => (
            "CAST(strftime('%Y', starts_at, '+9 hours', '-3 months') AS INTEGER)",
            "(CAST(strftime('%m', starts_at, '+9 hours') AS INTEGER) + 8) % 12",
        ),
        Backend::Postgres => ("ippo_fiscal_year(starts_at)", "ippo_fiscal_month(starts_at)"),
    };
    let counts = "sessions, capacity, confirmed, confirmed_held, attended, responses, comprehension_answers,
                  comprehension_good, satisfaction_answers, satisfaction_good, responses_code, responses_paper";
    let sums =
        "COUNT(*), SUM(capacity), SUM(confirmed_count), SUM(CASE WHEN ended_counted THEN confirmed_count ELSE 0 END),
                SUM(attended_count), SUM(responses), SUM(comprehension_answers), SUM(comprehension_good),
                SUM(satisfaction_answers), SUM(satisfaction_good), SUM(responses_code), SUM(responses_paper)";
    let place = format!(
        "SELECT {fy}, venue_id, kind, {sums},
                SUM(CASE WHEN comprehension_good * 5 < comprehension_answers * 4
                              OR satisfaction_good * 5 < satisfaction_answers * 4 THEN 1 ELSE 0 END),
                SUM(CASE WHEN responses_code > attended_count AND responses_code > confirmed_count THEN 1 ELSE 0 END)
         FROM sessions WHERE status <> 'cancelled' GROUP BY {fy}, venue_id, kind"
    );
    let time = format!(
        "SELECT {fy}, kind, topic, {month}, {sums} FROM sessions WHERE status <> 'cancelled'
         GROUP BY {fy}, kind, topic, {month}"
    );
    for (cells, sessions) in [
        (
            format!("SELECT fiscal_year, venue_id, kind, {counts}, below_target, flagged FROM kpi_place_cells WHERE sessions <> 0"),
            place,
        ),
        (format!("SELECT fiscal_year, kind, topic, month, {counts} FROM kpi_time_cells WHERE sessions <> 0"), time),
    ] {
        for (a, b) in [(&cells, &sessions), (&sessions, &cells)] {
            let differ = format!("SELECT COUNT(*) FROM (SELECT * FROM ({a}) x EXCEPT SELECT * FROM ({b}) y) d");
            assert_eq!(app.scalar(&differ).await, 0, "rows of\n{a}\nthat are not in\n{b}");
        }
    }
    for table in ["kpi_place_cells", "kpi_time_cells"] {
        let left_behind =
            format!("SELECT COUNT(*) FROM {table} WHERE sessions = 0 AND (confirmed <> 0 OR confirmed_held <> 0)");
        assert_eq!(app.scalar(&left_behind).await, 0, "{table}");
    }
}

/// The KPI report reads cells the database keeps by its keys. They follow every kind of
/// write — a session scheduled, signed up for, a sign-up cancelled, attendance, answers by
/// staff and by code, a session edited to another venue and topic, cancelled, restored and
/// deleted — and the report built from them counts as held only the sessions that have
/// ended, lists the sessions below target and the flagged ones, and follows each change.
async fn the_kpi_report_follows_every_write(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    kpi_cells_match_sessions(&app).await;
    // Both sessions below start three hours ago, so they share a fiscal year and a month.
    let now = Utc::now();
    let fy = ippo::time::fiscal_year(now - Duration::hours(3));
    let report = |query: &str| {
        let app = &app;
        let query = format!("fiscal_year={fy}{query}");
        async move {
            let res = app.get(&format!("/api/v1/reports/kpi?{query}"), Some(&app.manager_token)).await;
            assert_eq!(res.status(), 200);
            res.json::<Value>().await.unwrap()
        }
    };
    // (sessions, confirmed, the attendance rate's base) of a line, 0 where there is none.
    let counts = |r: &Value, list: &str, key: &str| {
        let line = r[list].as_array().unwrap().iter().find(|l| l["key"] == key).cloned().unwrap_or(json!({}));
        let n = |v: &Value| v.as_i64().unwrap_or(0);
        (n(&line["sessions"]), n(&line["confirmed"]), n(&line["attendance_rate"]["n"]))
    };
    let plus = |(a, b, c): (i64, i64, i64), (d, e, f): (i64, i64, i64)| (a + d, b + e, c + f);
    let before = report("").await;
    // Narrowed to the venue or its ward, the months are summed from that place's sessions
    // rather than from cells.
    let before_here = report("&venue_id=1").await;
    let venues: Vec<Value> = app.get("/api/v1/venues", None).await.json().await.unwrap();
    let ward = venues.iter().find(|v| v["id"] == 1).unwrap()["ward"].as_str().unwrap().to_string();
    let before_ward = report(&format!("&ward={ward}")).await;
    let month = ippo::time::fiscal_months(fy)
        .into_iter()
        .rev()
        .find(|(_, first)| *first <= now - Duration::hours(3))
        .unwrap()
        .0;

    // One session under way and one just ended, both "maps" seminars at venue 1: only the
    // ended one's sign-ups are the attendance rate's base.
    let at = |from: Duration, to: Duration| {
        json!({ "kind": "seminar", "topic": "maps", "venue_id": 1,
                "starts_at": (now + from).to_rfc3339(), "ends_at": (now + to).to_rfc3339() })
    };
    let running = app.schedule(10, 0, at(Duration::hours(-3), Duration::hours(2))).await["id"].as_i64().unwrap();
    let ended = app.schedule(10, 0, at(Duration::hours(-3), Duration::minutes(-30))).await["id"].as_i64().unwrap();
    fill(&app, running, 3).await;
    let people = fill(&app, ended, 4).await;
    kpi_cells_match_sessions(&app).await;
    let after = report("").await;
    let after_here = report("&venue_id=1").await;
    let after_ward = report(&format!("&ward={ward}")).await;
    for (list, key) in [("by_venue", "1"), ("by_kind", "seminar"), ("by_topic", "maps"), ("by_month", month.as_str())] {
        assert_eq!(counts(&after, list, key), plus(counts(&before, list, key), (2, 7, 4)), "{list} {key}");
        assert_eq!(counts(&after_here, list, key), plus(counts(&before_here, list, key), (2, 7, 4)), "{list} {key}");
        assert_eq!(counts(&after_ward, list, key), plus(counts(&before_ward, list, key), (2, 7, 4)), "{list} {key}");
    }
    let total = |r: &Value| (r["sessions"].as_i64().unwrap(), r["confirmed"].as_i64().unwrap());
    assert_eq!(total(&after), (total(&before).0 + 2, total(&before).1 + 7));
    assert_eq!(after["attendance_rate"]["n"].as_i64(), Some(before["attendance_rate"]["n"].as_i64().unwrap() + 4));

    // Attendance, one sign-up cancelled, answers by staff: one session 3 of 5 understood.
    for id in &people[..3] {
        let body = json!({ "attendance": "attended" });
        let res = app.post(&format!("/api/v1/registrations/{id}/attendance"), Some(&app.staff_token), &body).await;
        assert_eq!(res.status(), 200);
    }
    let cancel = app.client.post(app.url(&format!("/staff/registrations/{}/cancel", people[3])));
    assert_eq!(cancel.bearer_auth(&app.staff_token).send().await.unwrap().status(), 303);
    for (c, s) in [(5, 5), (4, 5), (4, 4), (2, 4), (1, 4)] {
        answer(&app, ended, Some(c), Some(s)).await;
    }
    kpi_cells_match_sessions(&app).await;
    let r = report("&venue_id=1&kind=seminar").await;
    assert_eq!((r["attended"].as_i64(), r["responses"].as_i64()), (Some(3), Some(5)));
    assert_eq!(r["comprehension_rate"]["value"].as_f64(), Some(0.6));
    assert_eq!(r["below_target_total"].as_i64(), Some(1));
    assert_eq!(r["below_target"][0]["key"].as_str(), Some(ended.to_string().as_str()));
    assert!(r["flagged"].as_array().unwrap().is_empty());

    // More answers by code than came and than were confirmed: flagged.
    app.execute(&format!("UPDATE sessions SET responses_code = 4, responses = 9 WHERE id = {ended}")).await;
    kpi_cells_match_sessions(&app).await;
    let r = report("").await;
    let flagged: Vec<i64> =
        r["flagged"].as_array().unwrap().iter().map(|f| f["session_id"].as_i64().unwrap()).collect();
    assert_eq!(flagged, [ended]);
    assert_eq!(r["answers_by_code"].as_i64(), Some(before["answers_by_code"].as_i64().unwrap() + 4));

    // Edited to another venue and topic: it leaves its old lines for the new ones.
    let elsewhere = report("&venue_id=2").await;
    let moved = json!({ "venue_id": 2, "topic": "line" });
    let res = app.patch(&format!("/api/v1/sessions/{running}"), Some(&app.manager_token), &moved).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    kpi_cells_match_sessions(&app).await;
    let r = report("&venue_id=1&kind=seminar").await;
    assert_eq!((r["sessions"].as_i64(), r["confirmed"].as_i64()), (Some(1), Some(3)));
    let r = report("&venue_id=2").await;
    assert_eq!(counts(&r, "by_topic", "line"), plus(counts(&elsewhere, "by_topic", "line"), (1, 3, 0)));

    // Cancelled, the ended session counts nowhere and is listed nowhere; restored, again.
    let res = app.post(&format!("/api/v1/sessions/{ended}/cancel"), Some(&app.manager_token), &json!({})).await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    kpi_cells_match_sessions(&app).await;
    let r = report("&venue_id=1&kind=seminar").await;
    assert_eq!((r["sessions"].as_i64(), r["below_target_total"].as_i64()), (Some(0), Some(0)));
    assert!(r["flagged"].as_array().unwrap().is_empty() && r["below_target"].as_array().unwrap().is_empty());
    app.execute(&format!("UPDATE sessions SET status = 'scheduled' WHERE id = {ended}")).await;
    kpi_cells_match_sessions(&app).await;
    assert_eq!(report("&venue_id=1&kind=seminar").await["below_target_total"].as_i64(), Some(1));

    // Deleted (a session no one signed up for): its cell forgets it.
    let empty = app.schedule(10, 0, at(Duration::hours(-3), Duration::hours(-2))).await["id"].as_i64().unwrap();
    assert_eq!(total(&report("").await).0, total(&before).0 + 3);
    app.execute(&format!("DELETE FROM sessions WHERE id = {empty}")).await;
    kpi_cells_match_sessions(&app).await;
    // (Cancelling the ended session cancelled its sign-ups: only the moved one's three remain.)
    assert_eq!(total(&report("").await), (total(&before).0 + 2, total(&before).1 + 3));

    // Moved to another fiscal year and month: it leaves this year's cells for FY2020's.
    app.execute(&format!(
        "UPDATE sessions SET starts_at = '2020-06-01T01:00:00+00:00', ends_at = '2020-06-01T03:00:00+00:00' WHERE id = {ended}"
    ))
    .await;
    kpi_cells_match_sessions(&app).await;
    assert_eq!(total(&report("").await).0, total(&before).0 + 1);
    let res = app.get("/api/v1/reports/kpi?fiscal_year=2020", Some(&app.manager_token)).await;
    let old: Value = res.json().await.unwrap();
    assert_eq!((old["sessions"].as_i64(), old["below_target_total"].as_i64()), (Some(1), Some(1)));
    assert_eq!(counts(&old, "by_month", "2020-06"), (1, 0, 0));
    assert_eq!(old["below_target"][0]["key"].as_str(), Some(ended.to_string().as_str()));
}

/// Whether the KPI cells count session `id` as ended (1) or not (0).
async fn counted(app: &TestApp, id: i64) -> i64 {
    app.scalar(&format!(
        "SELECT CAST(CASE WHEN ended_counted THEN 1 ELSE 0 END AS BIGINT) FROM sessions WHERE id = {id}"
    ))
    .await
}

/// Waits until the housekeeping has counted session `id` as ended in the KPI cells, or as
/// not ended (`counted` false).
async fn until_counted(app: &TestApp, id: i64, is: bool) {
    let what = format!("session {id} counted as ended = {is}");
    eventually(std::time::Duration::from_secs(30), &what, || async { counted(app, id).await == i64::from(is) }).await;
}

/// The attendance rate's base is the confirmed sign-ups of the sessions that have ended.
/// The housekeeping counts a session that ended into the cells' `confirmed_held`, and out
/// again when an edit moves it back into the future; at every moment between — before a
/// round has run, after it — the report counts exactly the sessions that have ended.
async fn the_housekeeping_counts_ended_sessions(backend: Backend) {
    let every_second = vec![("IPPO_HOUSEKEEPING_INTERVAL".into(), "1".into())];
    let app = spawn_app(backend, Options { extra_env: every_second, ..Default::default() }).await;
    let now = Utc::now();
    let fy = ippo::time::fiscal_year(now - Duration::hours(3));
    // The attendance rate's base: in all and at venue 1 (read from the cells), and at venue 1
    // by month (read from its sessions).
    let base = || async {
        let mut bases = Vec::new();
        for query in ["", "&venue_id=1"] {
            let path = format!("/api/v1/reports/kpi?fiscal_year={fy}{query}");
            let r: Value = app.get(&path, Some(&app.manager_token)).await.json().await.unwrap();
            bases.push(r["attendance_rate"]["n"].as_i64().unwrap());
            let by_month = r["by_month"].as_array().unwrap().iter();
            bases.push(by_month.map(|line| line["attendance_rate"]["n"].as_i64().unwrap_or(0)).sum());
        }
        bases
    };
    let plus = |bases: &[i64], n: i64| bases.iter().map(|b| b + n).collect::<Vec<_>>();
    let before = base().await;
    let at = |from: Duration, to: Duration| json!({ "starts_at": (now + from).to_rfc3339(), "ends_at": (now + to).to_rfc3339(), "topic": "maps" });
    let under_way = app.schedule(10, 0, at(Duration::hours(-3), Duration::hours(1))).await["id"].as_i64().unwrap();
    let ended = app.schedule(10, 0, at(Duration::hours(-3), Duration::minutes(-30))).await["id"].as_i64().unwrap();
    fill(&app, under_way, 3).await;
    fill(&app, ended, 4).await;
    // Whether or not a round has run yet, the ended session's four are the base.
    assert_eq!(base().await, plus(&before, 4));
    until_counted(&app, ended, true).await;
    kpi_cells_match_sessions(&app).await;
    assert_eq!(counted(&app, under_way).await, 0);
    assert_eq!(base().await, plus(&before, 4));

    // Postponed to tomorrow: at once it is no longer held, though the cells still count it.
    let edit = |id: i64, body: Value| {
        let app = &app;
        async move {
            let res = app.patch(&format!("/api/v1/sessions/{id}"), Some(&app.manager_token), &body).await;
            assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        }
    };
    edit(ended, at(Duration::hours(21), Duration::hours(24))).await;
    assert_eq!(base().await, before);
    until_counted(&app, ended, false).await;
    kpi_cells_match_sessions(&app).await;
    assert_eq!(base().await, before);

    // The session under way, cut short: its three are held at once and after the round.
    edit(under_way, at(Duration::hours(-3), Duration::minutes(-1))).await;
    assert_eq!(base().await, plus(&before, 3));
    until_counted(&app, under_way, true).await;
    kpi_cells_match_sessions(&app).await;
    assert_eq!(base().await, plus(&before, 3));
}

both_backends!(
    the_housekeeping_counts_ended_sessions,
    kpi_arithmetic_is_exact,
    kpi_breakdowns_add_up_by_tokyo_month,
    a_long_answer_export_arrives_whole,
    a_large_open_data_file_arrives_whole,
    only_managers_read_the_city_wide_kpi,
    surveys_by_code_and_by_staff,
    attendance_is_recorded_per_meeting,
    the_kpi_report_follows_every_write,
);

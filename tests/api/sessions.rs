use chrono::{Duration, SubsecRound, Utc};
use serde_json::{json, Value};

use crate::{both_backends, helpers::*};

async fn a_scheduled_session_appears_publicly(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let s = app.schedule(15, 5, json!({ "title": "はじめてのスマホ講座" })).await;
    let id = s["id"].as_i64().unwrap();
    assert_eq!(s["seats_left"], 15);
    assert_eq!(s["meetings"].as_array().unwrap().len(), 1);

    let list: Vec<Value> =
        app.get("/api/v1/sessions?ward=moji&kind=course&limit=500", None).await.json().await.unwrap();
    assert!(list.iter().any(|x| x["id"] == id));
    assert!(list.iter().all(|x| x["kind"] == "course"));
    let other_ward: Vec<Value> = app.get("/api/v1/sessions?ward=tobata&limit=500", None).await.json().await.unwrap();
    assert!(!other_ward.iter().any(|x| x["id"] == id), "venue 1 is in moji, not tobata");
    let starts: Vec<String> = list.iter().map(|x| x["starts_at"].as_str().unwrap().to_string()).collect();
    let mut sorted = starts.clone();
    sorted.sort();
    assert_eq!(starts, sorted, "upcoming first");

    let public: Value = app.get(&format!("/api/v1/sessions/{id}"), None).await.json().await.unwrap();
    assert!(public.get("survey_code").is_none(), "the public does not see the survey code");
    let other: Value =
        app.get(&format!("/api/v1/sessions/{id}"), Some(&app.other_staff_token)).await.json().await.unwrap();
    assert!(other.get("survey_code").is_none(), "staff of another venue do not see it either");
    let own: Value = app.get(&format!("/api/v1/sessions/{id}"), Some(&app.staff_token)).await.json().await.unwrap();
    assert!(own["survey_code"].is_string());

    let page = app.get(&format!("/sessions/{id}"), None).await.text().await.unwrap();
    assert!(page.contains("はじめてのスマホ講座"));
    assert!(page.contains("門司市民センター"));
    let tokyo = (Utc::now() + Duration::days(5)).with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).unwrap());
    let ja_date = format!("{}年{}月{}日(", tokyo.format("%Y"), tokyo.format("%-m"), tokyo.format("%-d"));
    assert!(page.contains(&ja_date), "Japanese date {ja_date} on the page");
    let home = app.get("/?ward=moji", None).await.text().await.unwrap();
    assert!(home.contains(&format!("/sessions/{id}\"")) || home.contains("次のページ"));
}

async fn a_four_day_course_has_four_meetings(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let first = Utc::now() + Duration::days(3);
    let meetings: Vec<Value> = (0..4)
        .map(|w| {
            let s = first + Duration::weeks(w);
            json!({ "starts_at": s.to_rfc3339(), "ends_at": (s + Duration::minutes(150)).to_rfc3339() })
        })
        .collect();
    let s = app.schedule(15, 3, json!({ "meetings": meetings })).await;
    assert_eq!(s["meetings"].as_array().unwrap().len(), 4);
    let ends: chrono::DateTime<Utc> = s["ends_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        ends,
        (first + Duration::weeks(3) + Duration::minutes(150)).trunc_subsecs(0),
        "times are kept to the second"
    );
}

async fn bad_sessions_store_nothing(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let before = app.count_rows("sessions").await;
    let now = Utc::now() + Duration::days(2);
    let res = app
        .post(
            "/api/v1/sessions",
            Some(&app.manager_token),
            &json!({ "kind": "course", "title": "x", "topic": "line", "venue_id": 9999,
                     "starts_at": now.to_rfc3339(), "ends_at": (now - Duration::hours(1)).to_rfc3339(),
                     "capacity": 0, "loaner_devices": 0 }),
        )
        .await;
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.unwrap();
    let fields = &err["error"]["fields"];
    assert_eq!(fields["venue_id"], "選択肢から選んでください。");
    assert_eq!(fields["capacity"], "1から1000までの数を入力してください。");
    assert_eq!(fields["ends_at"], "終了は開始より後にしてください。");
    assert_eq!(app.count_rows("sessions").await, before);
    assert_eq!(app.post("/api/v1/sessions", Some(&app.staff_token), &json!({})).await.status(), 403);
}

async fn managers_edit_cancel_and_record_the_past(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let s = app.schedule(10, 4, json!({})).await;
    let id = s["id"].as_i64().unwrap();
    let res = app
        .patch(
            &format!("/api/v1/sessions/{id}"),
            Some(&app.manager_token),
            &json!({ "title": "新しい題名", "capacity": 12 }),
        )
        .await;
    assert_eq!(res.status(), 200);
    let edited: Value = res.json().await.unwrap();
    assert_eq!(edited["title"], "新しい題名");
    assert_eq!(edited["capacity"], 12);
    assert_eq!(edited["starts_at"], s["starts_at"], "untouched fields stay");

    // Last year's paper records may be entered; they are not listed as upcoming.
    let past = app.schedule(20, -200, json!({ "title": "昨年度の講座" })).await;
    let upcoming: Vec<Value> = app.get("/api/v1/sessions?limit=500", None).await.json().await.unwrap();
    assert!(!upcoming.iter().any(|x| x["id"] == past["id"]));

    let res = app.post(&format!("/api/v1/sessions/{id}/cancel"), Some(&app.manager_token), &json!({})).await;
    assert_eq!(res.status(), 200);
    let cancelled: Value = res.json().await.unwrap();
    assert_eq!(cancelled["status"], "cancelled");
}

async fn consultation_capacity_is_slots_times_advisors(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let starts = Utc::now() + Duration::days(6);
    let s = app
        .schedule(
            1,
            6,
            json!({
                "kind": "consultation", "title": "スマホ相談会", "venue_id": 15,
                "starts_at": starts.to_rfc3339(), "ends_at": (starts + Duration::minutes(180)).to_rfc3339(),
                "slot_minutes": 30, "advisors": 3
            }),
        )
        .await;
    assert_eq!(s["capacity"], 18, "six 30-minute slots × three advisors");
}

async fn manager_schedules_through_the_form(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[("email", "m@example.jp"), ("password", "test-password-123")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let day = (Utc::now() + Duration::days(9)).format("%Y-%m-%d").to_string();
    let res = app
        .client
        .post(app.url("/manage/sessions/new"))
        .form(&[
            ("kind", "seminar"),
            ("title", "防災アプリのセミナー"),
            ("topic", "disaster_apps"),
            ("venue_id", "2"),
            ("meeting_date_1", day.as_str()),
            ("meeting_start_1", "13:30"),
            ("meeting_end_1", "15:00"),
            ("capacity", "40"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/sessions/"));
    let page = app.get(&location, None).await.text().await.unwrap();
    assert!(page.contains("防災アプリのセミナー") && page.contains("13:30〜15:00"));

    let before = app.count_rows("sessions").await;
    let res = app
        .client
        .post(app.url("/manage/sessions/new"))
        .form(&[
            ("kind", "seminar"),
            ("title", "続きの講座"),
            ("meeting_date_1", "2026-13-40"),
            ("capacity", "たくさん"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("日付を正しく入力してください"));
    assert!(page.contains("数字で入力してください。"));
    assert!(page.contains("value=\"続きの講座\""), "what was typed is kept");
    assert_eq!(app.count_rows("sessions").await, before);
}

/// The ids the public list gives for `query`.
async fn listed(app: &TestApp, query: &str) -> Vec<i64> {
    let list: Vec<Value> = app.get(&format!("/api/v1/sessions?{query}"), None).await.json().await.unwrap();
    list.iter().map(|x| x["id"].as_i64().unwrap()).collect()
}

async fn each_list_filter_narrows_the_list(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    // Venue 2 is in Moji, venue 3 in Kokura-kita.
    let maps = app.schedule(10, 40, json!({ "topic": "maps", "venue_id": 2 })).await["id"].as_i64().unwrap();
    let line = app.schedule(10, 41, json!({ "topic": "line", "venue_id": 3 })).await["id"].as_i64().unwrap();
    let tokyo_day = |days| ippo::time::to_tokyo(Utc::now() + Duration::days(days)).format("%Y-%m-%d").to_string();
    let day_of_maps = tokyo_day(40);
    for (query, shown, hidden) in [
        ("topic=maps".to_string(), maps, line),
        ("venue_id=3".to_string(), line, maps),
        ("ward=kokurakita".to_string(), line, maps),
        (format!("from={day_of_maps}&to={day_of_maps}"), maps, line),
        (format!("ward=moji&topic=maps&venue_id=2&from={day_of_maps}&to={day_of_maps}"), maps, line),
        (format!("from={}", tokyo_day(41)), line, maps),
    ] {
        let ids = listed(&app, &format!("limit=500&{query}")).await;
        assert!(ids.contains(&shown) && !ids.contains(&hidden), "{query}: {ids:?}");
    }
    let first_two = listed(&app, "limit=2").await;
    let pages = [listed(&app, "limit=1&offset=0").await, listed(&app, "limit=1&offset=1").await].concat();
    assert_eq!(first_two.len(), 2);
    assert_eq!(pages, first_two, "pages follow one another in the list's order");
}

both_backends!(
    a_scheduled_session_appears_publicly,
    a_four_day_course_has_four_meetings,
    bad_sessions_store_nothing,
    managers_edit_cancel_and_record_the_past,
    consultation_capacity_is_slots_times_advisors,
    manager_schedules_through_the_form,
    each_list_filter_narrows_the_list,
);

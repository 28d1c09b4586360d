use chrono::{Duration, Utc};
use serde_json::{json, Value};

use crate::{both_backends, helpers::*};

#[derive(Clone, Copy, Debug)]
enum Who {
    Anonymous,
    Garbage,
    OtherStaff,
    Staff,
    Partner,
    OtherPartner,
    Manager,
    Admin,
}

const EVERYONE: [Who; 8] = [
    Who::Anonymous,
    Who::Garbage,
    Who::OtherStaff,
    Who::Staff,
    Who::Partner,
    Who::OtherPartner,
    Who::Manager,
    Who::Admin,
];

struct Tokens {
    partner: String,
    other_partner: String,
}

fn token(app: &TestApp, tokens: &Tokens, who: Who) -> Option<String> {
    match who {
        Who::Anonymous => None,
        Who::Garbage => Some("ippo_0000garbage".into()),
        Who::OtherStaff => Some(app.other_staff_token.clone()),
        Who::Staff => Some(app.staff_token.clone()),
        Who::Partner => Some(tokens.partner.clone()),
        Who::OtherPartner => Some(tokens.other_partner.clone()),
        Who::Manager => Some(app.manager_token.clone()),
        Who::Admin => Some(app.admin_token.clone()),
    }
}

/// Every protected endpoint against every role: the status each must get.
async fn every_endpoint_refuses_the_wrong_people(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let tokens = Tokens {
        partner: app.partner_token(1, "shop1@example.jp").await,
        other_partner: app.partner_token(2, "shop2@example.jp").await,
    };
    let session = app.schedule(10, -1, json!({})).await["id"].as_i64().unwrap();
    let mut body = signup(1, None);
    body["channel"] = json!("counter");
    let reg: Value = app
        .post(&format!("/api/v1/sessions/{session}/registrations"), Some(&app.staff_token), &body)
        .await
        .json()
        .await
        .unwrap();
    let reg = reg["id"].as_i64().unwrap();
    let start = (Utc::now() + Duration::days(3)).to_rfc3339();
    let end = (Utc::now() + Duration::days(3) + Duration::hours(1)).to_rfc3339();
    let new_session = json!({ "kind": "seminar", "title": "t", "topic": "other", "venue_id": 1, "starts_at": start, "ends_at": end, "capacity": 5 });
    // anonymous, garbage token, staff of another venue, staff of the venue, partner shop 1,
    // partner shop 2, manager, admin
    type Expect = [u16; 8];
    let cases: Vec<(&str, String, Value, Expect)> = vec![
        (
            "POST",
            "/api/v1/venues".into(),
            json!({ "name": "n", "kind": "other", "ward": "moji", "address": "a" }),
            [401, 401, 403, 403, 403, 403, 201, 201],
        ),
        ("POST", "/api/v1/sessions".into(), new_session, [401, 401, 403, 403, 403, 403, 201, 201]),
        (
            "PATCH",
            format!("/api/v1/sessions/{session}"),
            json!({ "title": "改題" }),
            [401, 401, 403, 403, 403, 403, 200, 200],
        ),
        (
            "GET",
            format!("/api/v1/sessions/{session}/registrations"),
            json!(null),
            [401, 401, 403, 200, 403, 403, 200, 200],
        ),
        (
            "POST",
            format!("/api/v1/registrations/{reg}/attendance"),
            json!({ "attendance": "attended" }),
            [401, 401, 403, 200, 403, 403, 200, 200],
        ),
        (
            "POST",
            format!("/api/v1/sessions/{session}/survey-responses"),
            json!({ "comprehension": 4 }),
            [403, 401, 403, 201, 403, 403, 201, 201],
        ),
        ("GET", "/api/v1/reports/kpi".into(), json!(null), [401, 401, 403, 403, 403, 403, 200, 200]),
        ("GET", "/api/v1/partners".into(), json!(null), [401, 401, 403, 403, 200, 200, 200, 200]),
        ("GET", "/api/v1/partners/1".into(), json!(null), [401, 401, 403, 403, 200, 403, 200, 200]),
        ("PATCH", "/api/v1/partners/1".into(), json!({ "notes": "更新" }), [401, 401, 403, 403, 403, 403, 200, 200]),
        (
            "POST",
            format!("/api/v1/sessions/{session}/partners"),
            json!({ "partner_id": 3, "role": "support" }),
            [401, 401, 403, 403, 403, 403, 201, 201],
        ),
        ("GET", "/api/v1/referrals".into(), json!(null), [401, 401, 403, 403, 200, 200, 200, 200]),
        ("GET", "/api/v1/reports/partners".into(), json!(null), [401, 401, 403, 403, 403, 403, 200, 200]),
        ("GET", "/manage/exports/sessions.csv".into(), json!(null), [401, 401, 403, 403, 403, 403, 200, 200]),
    ];
    for (method, path, body, expect) in cases {
        for (who, want) in EVERYONE.iter().zip(expect) {
            let mut req = app.client.request(method.parse().unwrap(), app.url(&path));
            if let Some(t) = token(&app, &tokens, *who) {
                req = req.bearer_auth(t);
            }
            if !body.is_null() {
                req = req.json(&body);
            }
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            let text = res.text().await.unwrap();
            assert_eq!(status, want, "{method} {path} as {who:?}: {text}");
            if status >= 400 {
                assert!(!text.contains("北九 花子"), "a refusal leaks no personal data: {text}");
                let err: Value = serde_json::from_str(&text).expect("errors are JSON");
                assert!(err["error"]["code"].is_string());
            }
        }
    }
    // Manager-only cancel last, as it changes the session for good.
    assert_eq!(
        app.post(&format!("/api/v1/sessions/{session}/cancel"), Some(&tokens.partner), &json!({})).await.status(),
        403
    );
    assert_eq!(
        app.post(&format!("/api/v1/sessions/{session}/cancel"), Some(&app.staff_token), &json!({})).await.status(),
        403
    );
    assert_eq!(
        app.post(&format!("/api/v1/sessions/{session}/cancel"), Some(&app.manager_token), &json!({})).await.status(),
        200
    );
}

async fn cross_site_form_posts_are_refused(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    app.client
        .post(app.url("/login"))
        .form(&[("email", "m@example.jp"), ("password", "test-password-123")])
        .send()
        .await
        .unwrap();
    let before = app.count_rows("venues").await;
    let form = [("name", "偽の会場"), ("kind", "other"), ("ward", "moji"), ("address", "x")];
    let host = app.base.trim_start_matches("http://").to_string();
    for (header, value) in [("origin", "http://evil.example".to_string()), ("sec-fetch-site", "cross-site".to_string())]
    {
        let res =
            app.client.post(app.url("/manage/venues/new")).header(header, value).form(&form).send().await.unwrap();
        assert_eq!(res.status(), 403, "{header}");
    }
    assert_eq!(app.count_rows("venues").await, before);
    let res = app
        .client
        .post(app.url("/manage/venues/new"))
        .header("origin", format!("http://{host}"))
        .header("sec-fetch-site", "same-origin")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "the same site may post");
    assert_eq!(app.count_rows("venues").await, before + 1);
}

async fn pages_carry_security_headers(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let res = app.get("/", None).await;
    let csp = res.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'nonce-"), "{csp}");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.headers()["referrer-policy"], "same-origin");
    let page = res.text().await.unwrap();
    assert!(!page.contains("<script>"), "no inline script without a nonce");
    let api = app.get("/api/v1/venues", None).await;
    assert_eq!(api.headers()["content-security-policy"], "default-src 'none'; frame-ancestors 'none'");
}

async fn audit_log_records_who_read_what(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let session = app.schedule(10, 3, json!({})).await["id"].as_i64().unwrap();
    app.get(&format!("/api/v1/sessions/{session}/registrations"), Some(&app.staff_token)).await;
    let admin = client();
    admin
        .post(app.url("/login"))
        .form(&[("email", "a@example.jp"), ("password", "test-password-123")])
        .send()
        .await
        .unwrap();
    let page = admin.get(app.url("/admin/audit?action=roster.read")).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("s@example.jp") && page.contains(&format!("session:{session}")) && page.contains("127.0.0.1")
    );
    let staff = client();
    staff
        .post(app.url("/login"))
        .form(&[("email", "s@example.jp"), ("password", "test-password-123")])
        .send()
        .await
        .unwrap();
    assert_eq!(staff.get(app.url("/admin/audit")).send().await.unwrap().status(), 403);
}

async fn retention_anonymises_only_what_is_due(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let old = app.schedule(10, -400, json!({})).await["id"].as_i64().unwrap();
    let recent = app.schedule(10, -10, json!({})).await["id"].as_i64().unwrap();
    for s in [old, recent] {
        let mut body = signup(1, Some("keep@example.jp".into()));
        body["channel"] = json!("counter");
        assert_eq!(
            app.post(&format!("/api/v1/sessions/{s}/registrations"), Some(&app.staff_token), &body).await.status(),
            201
        );
        app.post(
            &format!("/api/v1/sessions/{s}/survey-responses"),
            Some(&app.staff_token),
            &json!({ "comprehension": 5, "satisfaction": 5 }),
        )
        .await;
    }
    let out = app.cli(&["retention"], &[("IPPO_RETENTION_DAYS", "365")]).await;
    assert!(out.contains("anonymised 1 "), "{out}");
    let roster = |s: i64| {
        let app = &app;
        async move {
            app.get(&format!("/api/v1/sessions/{s}/registrations"), Some(&app.manager_token))
                .await
                .json::<Vec<Value>>()
                .await
                .unwrap()
        }
    };
    let old_roster = roster(old).await;
    assert_eq!(old_roster.len(), 1, "the registration stays for the counts");
    assert_eq!(old_roster[0]["attendee_name"], "");
    assert_eq!(old_roster[0]["attendee_phone"], "");
    assert_eq!(old_roster[0]["registrant_email"], Value::Null);
    assert_eq!(old_roster[0]["status"], "confirmed");
    assert_eq!(roster(recent).await[0]["attendee_name"], "北九 花子1");
    let fy = ippo::time::fiscal_year(Utc::now() - Duration::days(400));
    let kpi: Value =
        app.get(&format!("/api/v1/reports/kpi?fiscal_year={fy}"), Some(&app.manager_token)).await.json().await.unwrap();
    assert!(kpi["responses"].as_i64().unwrap() >= 1, "survey answers remain");
    // Running it again finds nothing more.
    assert!(app.cli(&["retention"], &[("IPPO_RETENTION_DAYS", "365")]).await.contains("anonymised 0 "));
}

async fn an_admin_exports_and_erases_one_attendee(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let session = app.schedule(10, 5, json!({})).await["id"].as_i64().unwrap();
    let reg: Value = app
        .post(&format!("/api/v1/sessions/{session}/registrations"), None, &signup(7, Some("ask@example.jp".into())))
        .await
        .json()
        .await
        .unwrap();
    let id = reg["id"].as_i64().unwrap();
    let admin = client();
    admin
        .post(app.url("/login"))
        .form(&[("email", "a@example.jp"), ("password", "test-password-123")])
        .send()
        .await
        .unwrap();
    let found = admin.get(app.url("/admin/people?q=0931234574")).send().await.unwrap().text().await.unwrap();
    assert!(found.contains("北九 花子7"));
    let export: Value =
        admin.get(app.url(&format!("/admin/registrations/{id}/export"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(export["registrant_email"], "ask@example.jp");
    let res = admin.post(app.url(&format!("/admin/registrations/{id}/erase"))).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let roster: Vec<Value> = app
        .get(&format!("/api/v1/sessions/{session}/registrations"), Some(&app.manager_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(roster[0]["attendee_name"], "");
    // The cancel link no longer finds anyone.
    assert_eq!(
        app.post("/api/v1/registrations/cancel", None, &json!({ "cancel_token": reg["cancel_token"] })).await.status(),
        404
    );
    let manager = client();
    manager
        .post(app.url("/login"))
        .form(&[("email", "m@example.jp"), ("password", "test-password-123")])
        .send()
        .await
        .unwrap();
    assert_eq!(manager.get(app.url(&format!("/admin/registrations/{id}/export"))).send().await.unwrap().status(), 403);
}

/// Malformed requests of every kind against every endpoint: always a 4xx in the API's shape, never a 5xx.
async fn malformed_requests_never_break_the_server(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let session = app.schedule(10, 5, json!({})).await["id"].as_i64().unwrap();
    let huge = "あ".repeat(200_000);
    let bodies: Vec<String> = vec![
        "{".into(),
        "null".into(),
        "[]".into(),
        "\"text\"".into(),
        json!({ "attendee": "x", "registrant": 5, "consent": "yes" }).to_string(),
        json!({ "attendee": { "name": huge, "phone": "\u{0}\u{7}" }, "consent": true }).to_string(),
        json!({ "capacity": 1e300, "venue_id": -1, "starts_at": "yesterday", "kind": "course" }).to_string(),
        json!({ "capacity": 99999999999999999999u128.to_string(), "meetings": [{ "starts_at": 5 }] }).to_string(),
        json!({ "comprehension": -5, "satisfaction": "lots", "topics_wanted": "line" }).to_string(),
        json!({ "attendance": "maybe", "meeting_id": "x" }).to_string(),
        json!({ "cancel_token": [1, 2] }).to_string(),
    ];
    let paths = [
        ("POST", "/api/v1/venues".to_string()),
        ("POST", "/api/v1/sessions".to_string()),
        ("PATCH", format!("/api/v1/sessions/{session}")),
        ("POST", format!("/api/v1/sessions/{session}/registrations")),
        ("POST", format!("/api/v1/sessions/{session}/survey-responses")),
        ("POST", "/api/v1/registrations/1/attendance".to_string()),
        ("POST", "/api/v1/registrations/cancel".to_string()),
        ("POST", "/api/v1/sessions/not-a-number/registrations".to_string()),
        ("GET", "/api/v1/sessions/99999999999999999999999".to_string()),
        ("GET", "/api/v1/sessions?from=2026-99-99&limit=abc".to_string()),
        ("GET", "/api/v1/sessions?kind=castle&ward=%00".to_string()),
        ("GET", "/api/v1/reports/kpi?fiscal_year=-1".to_string()),
    ];
    for (method, path) in &paths {
        // GETs carry no body; a path refused before its body is read gets only small bodies
        // (a server may close the connection on an unread 600 KB upload, as it should).
        let for_path: Vec<&String> = match (*method, path.contains("not-a-number")) {
            ("GET", _) => bodies.iter().take(1).collect(),
            (_, true) => bodies.iter().filter(|b| b.len() < 1000).collect(),
            _ => bodies.iter().collect(),
        };
        for body in for_path {
            let mut req = app.client.request(method.parse().unwrap(), app.url(path)).bearer_auth(&app.manager_token);
            if *method != "GET" {
                req = req.header("content-type", "application/json").body(body.clone());
            }
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            let text = res.text().await.unwrap();
            assert!((400..500).contains(&status), "{method} {path} with {:.60}: {status} {text:.200}", body);
            let err: Value =
                serde_json::from_str(&text).unwrap_or_else(|_| panic!("{method} {path}: not JSON: {text:.200}"));
            assert!(err["error"]["message"].is_string());
        }
    }
    assert_eq!(app.count_rows("registrations").await, 0, "nothing was stored");
}

both_backends!(
    every_endpoint_refuses_the_wrong_people,
    cross_site_form_posts_are_refused,
    pages_carry_security_headers,
    audit_log_records_who_read_what,
    retention_anonymises_only_what_is_due,
    an_admin_exports_and_erases_one_attendee,
    malformed_requests_never_break_the_server,
);

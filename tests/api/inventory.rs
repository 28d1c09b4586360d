//! Every route the server answers (`ippo routes`) against every kind of caller: the
//! route list and this matrix must match exactly, each caller must be let through or
//! refused as the matrix says, and no request may answer 5xx.

use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use serde_json::{json, Value};

use crate::{both_backends, helpers::*};

/// What one kind of caller must get from a route.
#[derive(Clone, Copy, Debug, PartialEq)]
enum E {
    /// Let through: a success, a redirect, or a refusal of the input or the state
    /// (409, 422), never 401/403/404.
    Y,
    /// Refused as not logged in (401).
    U,
    /// Refused as not allowed (403).
    F,
    /// Not found: what a shop gets for another shop's record, as for one that does not exist (404).
    N,
    /// Anything but a server error (static files, which a test build may not have).
    Any,
}
use E::*;

/// Anonymous, an unknown token, staff of another venue, staff of the session's venue,
/// partner shop 1, partner shop 2, a manager, an administrator.
const CALLERS: [&str; 8] =
    ["anonymous", "garbage", "other_staff", "staff", "partner", "other_partner", "manager", "admin"];

const PUBLIC: [E; 8] = [Y, U, Y, Y, Y, Y, Y, Y];
const STAFF_OF_VENUE: [E; 8] = [U, U, F, Y, F, F, Y, Y];
const ANY_STAFF: [E; 8] = [U, U, Y, Y, F, F, Y, Y];
const MANAGER: [E; 8] = [U, U, F, F, F, F, Y, Y];
const ADMIN: [E; 8] = [U, U, F, F, F, F, F, Y];
const PARTNER_STAFF: [E; 8] = [U, U, F, F, Y, Y, F, F];
const SHOP_ONE: [E; 8] = [U, U, F, F, Y, F, Y, Y];
/// The shop's own record: another shop is told it does not exist.
const SHOP_ONE_HIDDEN: [E; 8] = [U, U, F, F, Y, N, Y, Y];
const PARTNERS_AND_MANAGERS: [E; 8] = [U, U, F, F, Y, Y, Y, Y];
const STATIC: [E; 8] = [Any, Any, Any, Any, Any, Any, Any, Any];
/// The manager's own upload: anyone else is told it does not exist.
const OWN_UPLOAD: [E; 8] = [U, U, F, F, F, F, Y, N];

enum Body {
    None,
    Json(Value),
    Form(Vec<(&'static str, String)>),
}

struct Case {
    route: &'static str,
    path: String,
    body: Body,
    expect: [E; 8],
}

fn case(route: &'static str, path: impl Into<String>, body: Body, expect: [E; 8]) -> Case {
    Case { route, path: path.into(), body, expect }
}

fn form(fields: &[(&'static str, &str)]) -> Body {
    Body::Form(fields.iter().map(|(k, v)| (*k, v.to_string())).collect())
}

async fn every_route_answers_the_matrix(backend: Backend) {
    // Each request comes from an address of its own (through a trusted proxy), so the
    // per-client limits of the public forms stay out of the authorization matrix.
    let options =
        Options { extra_env: vec![("IPPO_TRUSTED_PROXIES".into(), "127.0.0.1/32".into())], ..Default::default() };
    let app = spawn_app(backend, options).await;
    let partner = app.partner_token(1, "shop1@example.jp").await;
    let other_partner = app.partner_token(2, "shop2@example.jp").await;
    let tokens: [Option<String>; 8] = [
        None,
        Some("ippo_0000garbage".into()),
        Some(app.other_staff_token.clone()),
        Some(app.staff_token.clone()),
        Some(partner),
        Some(other_partner),
        Some(app.manager_token.clone()),
        Some(app.admin_token.clone()),
    ];
    // A session at venue 1 that started yesterday (surveys and attendance apply), one to
    // be cancelled, and registrations to cancel, erase and refer.
    let session = app.schedule(10, -1, json!({})).await["id"].as_i64().unwrap();
    let doomed = app.schedule(10, 5, json!({})).await["id"].as_i64().unwrap();
    let staff_signup = |n| {
        let mut body = signup(n, Some(format!("p{n}@example.jp")));
        body["channel"] = json!("counter");
        body
    };
    let mut regs = Vec::new();
    for n in 0..4 {
        let res = app
            .post(&format!("/api/v1/sessions/{session}/registrations"), Some(&app.staff_token), &staff_signup(n))
            .await;
        assert_eq!(res.status(), 201);
        regs.push(res.json::<Value>().await.unwrap());
    }
    let reg = |i: usize| regs[i]["id"].as_i64().unwrap();
    let token_of = |i: usize| regs[i]["cancel_token"].as_str().unwrap().to_string();
    let referral: Value = app
        .post(
            "/api/v1/referrals",
            Some(&app.manager_token),
            &json!({ "registration_id": reg(0), "partner_id": 1, "reason": "初期設定", "consent": true }),
        )
        .await
        .json()
        .await
        .unwrap();
    let referral = referral["id"].as_i64().unwrap();
    let code =
        app.get(&format!("/api/v1/sessions/{session}"), Some(&app.manager_token)).await.json::<Value>().await.unwrap()
            ["survey_code"]
            .as_str()
            .unwrap()
            .to_string();
    // A call on the staff's list: someone without e-mail told of a moved session.
    let moved = app.schedule(10, 6, json!({})).await["id"].as_i64().unwrap();
    let mut no_mail = staff_signup(7);
    no_mail["registrant"]["email"] = json!("");
    assert_eq!(
        app.post(&format!("/api/v1/sessions/{moved}/registrations"), Some(&app.staff_token), &no_mail).await.status(),
        201
    );
    let later = Utc::now() + Duration::days(8);
    let patch = json!({ "starts_at": later.to_rfc3339(), "ends_at": (later + Duration::hours(2)).to_rfc3339() });
    assert_eq!(app.patch(&format!("/api/v1/sessions/{moved}"), Some(&app.manager_token), &patch).await.status(), 200);
    let calls = app.get(&format!("/staff/sessions/{moved}/calls"), Some(&app.staff_token)).await.text().await.unwrap();
    let call = calls
        .split("/staff/calls/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("a call to make")
        .to_string();
    // An upload waiting for the manager's confirmation.
    let csv = b"name,kind,ward,address\n\xE6\x96\xB0\xE4\xBC\x9A\xE9\xA4\xA8,community_center,moji,x\n";
    let uploaded = crate::exchange::upload(&app, &[("kind", "venues")], csv).await;
    assert_eq!(uploaded.status(), 303);
    let preview = uploaded.headers()["location"].to_str().unwrap().to_string();
    // A follow-up of the session's first registration, asked by phone.
    app.execute(&format!(
        "INSERT INTO followups (registration_id, session_id, round, token, channel, queued_at)
         VALUES ({}, {session}, 1, 'inventory-token', 'phone', '2026-11-01T00:00:00Z')",
        reg(0)
    ))
    .await;
    let followup = app.scalar("SELECT id FROM followups WHERE token = 'inventory-token'").await;
    let short_code = app.texts(&format!("SELECT short_code FROM registrations WHERE id = {}", reg(1))).await.remove(0);
    let start = (Utc::now() + Duration::days(3)).to_rfc3339();
    let end = (Utc::now() + Duration::days(3) + Duration::hours(1)).to_rfc3339();
    let s = session;
    let cases = vec![
        // Public pages, files and the API's public reads.
        case("GET /", "/", Body::None, PUBLIC),
        case("GET /sessions/{id}", format!("/sessions/{s}"), Body::None, PUBLIC),
        case("GET /sessions/{id}/register", format!("/sessions/{s}/register"), Body::None, PUBLIC),
        case("GET /registrations/{token}", format!("/registrations/{}", token_of(1)), Body::None, PUBLIC),
        case("GET /registrations/{token}/cancel", format!("/registrations/{}/cancel", token_of(1)), Body::None, PUBLIC),
        case("GET /r/{code}", format!("/r/{short_code}"), Body::None, PUBLIC),
        case("GET /text-size", "/text-size?to=large&back=/", Body::None, PUBLIC),
        case(
            "GET /registrations/{token}/calendar.ics",
            format!("/registrations/{}/calendar.ics", token_of(1)),
            Body::None,
            PUBLIC,
        ),
        case("GET /venues/{id}/calendar", "/venues/1/calendar", Body::None, PUBLIC),
        case("GET /survey/{code}", format!("/survey/{code}"), Body::None, PUBLIC),
        case("GET /followup/{token}", "/followup/inventory-token", Body::None, PUBLIC),
        case("GET /api/v1/followups/{token}", "/api/v1/followups/inventory-token", Body::None, PUBLIC),
        case(
            "POST /api/v1/followups/{token}",
            "/api/v1/followups/inventory-token",
            Body::Json(json!({ "services_used": [] })),
            PUBLIC,
        ),
        case("POST /followup/{token}", "/followup/inventory-token", form(&[("none_used", "on")]), PUBLIC),
        case("GET /login", "/login", Body::None, PUBLIC),
        case("GET /lang", "/lang?to=en&back=/", Body::None, PUBLIC),
        case("GET /healthz", "/healthz", Body::None, PUBLIC),
        case("GET /metrics", "/metrics", Body::None, ADMIN),
        case("GET /open-data/sessions.csv", "/open-data/sessions.csv?venue_id=", Body::None, PUBLIC),
        case("GET /api/v1/venues", "/api/v1/venues", Body::None, PUBLIC),
        case("GET /api/v1/city", "/api/v1/city", Body::None, PUBLIC),
        case("GET /api/v1/wards", "/api/v1/wards", Body::None, PUBLIC),
        case("GET /api/v1/venues/{id}", "/api/v1/venues/1", Body::None, PUBLIC),
        case("GET /api/v1/sessions", "/api/v1/sessions", Body::None, PUBLIC),
        case("GET /api/v1/sessions/{id}", format!("/api/v1/sessions/{s}"), Body::None, PUBLIC),
        case("GET /pkg/{*file}", "/pkg/ippo.css", Body::None, STATIC),
        case("GET /{*file}", "/favicon.svg", Body::None, STATIC),
        // Public writes.
        case("POST /login", "/login", form(&[("email", "m@example.jp"), ("password", "test-password-123")]), PUBLIC),
        case("POST /logout", "/logout", Body::None, PUBLIC),
        case("POST /sessions/{id}/register", format!("/sessions/{s}/register"), form(&[]), PUBLIC),
        case(
            "POST /registrations/{token}/cancel",
            format!("/registrations/{}/cancel", token_of(2)),
            Body::None,
            PUBLIC,
        ),
        case(
            "POST /registrations/{token}/sms/stop",
            format!("/registrations/{}/sms/stop", token_of(2)),
            Body::None,
            PUBLIC,
        ),
        case(
            "POST /survey/{code}",
            format!("/survey/{code}"),
            form(&[("comprehension", "4"), ("satisfaction", "5")]),
            PUBLIC,
        ),
        case(
            "POST /api/v1/sessions/{id}/registrations",
            format!("/api/v1/sessions/{s}/registrations"),
            Body::Json(signup(9, None)),
            PUBLIC,
        ),
        case(
            "POST /api/v1/registrations/cancel",
            "/api/v1/registrations/cancel",
            Body::Json(json!({ "cancel_token": token_of(2) })),
            PUBLIC,
        ),
        case(
            "POST /api/v1/sessions/{id}/survey-responses",
            format!("/api/v1/sessions/{s}/survey-responses"),
            Body::Json(json!({ "comprehension": 4, "survey_code": code })),
            PUBLIC,
        ),
        // Staff of the session's venue (and managers).
        case("GET /staff", "/staff", Body::None, ANY_STAFF),
        case("GET /staff/followups", "/staff/followups", Body::None, ANY_STAFF),
        case("GET /staff/followups/{id}", format!("/staff/followups/{followup}"), Body::None, STAFF_OF_VENUE),
        case(
            "POST /staff/followups/{id}",
            format!("/staff/followups/{followup}"),
            form(&[("none_used", "on")]),
            STAFF_OF_VENUE,
        ),
        case(
            "POST /staff/followups/{id}/call",
            format!("/staff/followups/{followup}/call"),
            form(&[("outcome", "no_answer")]),
            STAFF_OF_VENUE,
        ),
        case("GET /staff/sessions/{id}", format!("/staff/sessions/{s}"), Body::None, STAFF_OF_VENUE),
        case("GET /staff/sessions/{id}/calls", format!("/staff/sessions/{s}/calls"), Body::None, STAFF_OF_VENUE),
        case("GET /staff/sessions/{id}/checkin", format!("/staff/sessions/{s}/checkin"), Body::None, STAFF_OF_VENUE),
        case("GET /staff/sessions/{id}/refer", format!("/staff/sessions/{s}/refer"), Body::None, STAFF_OF_VENUE),
        case("GET /staff/sessions/{id}/surveys", format!("/staff/sessions/{s}/surveys"), Body::None, STAFF_OF_VENUE),
        case(
            "GET /staff/sessions/{id}/survey-sheet",
            format!("/staff/sessions/{s}/survey-sheet"),
            Body::None,
            STAFF_OF_VENUE,
        ),
        case("GET /manage/kpi/sessions/{id}", format!("/manage/kpi/sessions/{s}"), Body::None, STAFF_OF_VENUE),
        case(
            "GET /api/v1/sessions/{id}/registrations",
            format!("/api/v1/sessions/{s}/registrations"),
            Body::None,
            STAFF_OF_VENUE,
        ),
        case("POST /staff/sessions/{id}", format!("/staff/sessions/{s}"), form(&[]), STAFF_OF_VENUE),
        case(
            "POST /staff/sessions/{id}/surveys",
            format!("/staff/sessions/{s}/surveys"),
            form(&[("comprehension", "3")]),
            STAFF_OF_VENUE,
        ),
        case(
            "POST /staff/sessions/{id}/refer",
            format!("/staff/sessions/{s}/refer"),
            form(&[("registration_id", &reg(1).to_string()), ("partner_id", "1"), ("reason", "機種変更")]),
            STAFF_OF_VENUE,
        ),
        case(
            "POST /staff/registrations/{id}/attendance",
            format!("/staff/registrations/{}/attendance", reg(1)),
            form(&[("attendance", "attended")]),
            STAFF_OF_VENUE,
        ),
        case(
            "POST /staff/registrations/{id}/cancel",
            format!("/staff/registrations/{}/cancel", reg(3)),
            Body::None,
            STAFF_OF_VENUE,
        ),
        case(
            "POST /api/v1/registrations/{id}/attendance",
            format!("/api/v1/registrations/{}/attendance", reg(1)),
            Body::Json(json!({ "attendance": "attended" })),
            STAFF_OF_VENUE,
        ),
        case("POST /staff/calls/{id}/done", format!("/staff/calls/{call}/done"), Body::None, STAFF_OF_VENUE),
        case(
            "POST /api/v1/referrals",
            "/api/v1/referrals",
            Body::Json(json!({ "registration_id": reg(1), "partner_id": 2, "reason": "初期設定" })),
            STAFF_OF_VENUE,
        ),
        // Managers.
        case("GET /manage", "/manage", Body::None, MANAGER),
        case("GET /manage/kpi", "/manage/kpi", Body::None, MANAGER),
        case("GET /manage/followups/choices", "/manage/followups/choices", Body::None, MANAGER),
        case(
            "POST /manage/followups/choices",
            "/manage/followups/choices",
            form(&[("kind", "service"), ("code", "city_app"), ("label_ja", "市の公式アプリ"), ("active", "on")]),
            MANAGER,
        ),
        case(
            "GET /manage/exports/followup-answers.csv",
            "/manage/exports/followup-answers.csv?venue_id=",
            Body::None,
            MANAGER,
        ),
        case("GET /manage/exchange", "/manage/exchange", Body::None, MANAGER),
        case("GET /manage/exchange/{file}", "/manage/exchange/venues.csv", Body::None, MANAGER),
        case("GET /manage/exchange/preview/{token}", preview.clone(), Body::None, OWN_UPLOAD),
        case("POST /manage/exchange/preview/{token}", preview.clone(), form(&[("plan", "stale")]), OWN_UPLOAD),
        case("GET /manage/exports/sessions.csv", "/manage/exports/sessions.csv?venue_id=&ward=", Body::None, MANAGER),
        case(
            "GET /manage/exports/survey-answers.csv",
            "/manage/exports/survey-answers.csv?venue_id=",
            Body::None,
            MANAGER,
        ),
        case("GET /manage/partners", "/manage/partners", Body::None, MANAGER),
        case("GET /manage/partners/new", "/manage/partners/new", Body::None, MANAGER),
        case("GET /manage/partners/report", "/manage/partners/report", Body::None, MANAGER),
        case("GET /manage/partners/{id}/edit", "/manage/partners/1/edit", Body::None, MANAGER),
        case("GET /manage/sessions", "/manage/sessions", Body::None, MANAGER),
        case("GET /manage/sessions/new", "/manage/sessions/new", Body::None, MANAGER),
        case("GET /manage/sessions/{id}/edit", format!("/manage/sessions/{s}/edit"), Body::None, MANAGER),
        case("GET /manage/sessions/{id}/partners", format!("/manage/sessions/{s}/partners"), Body::None, MANAGER),
        case("GET /manage/venues", "/manage/venues", Body::None, MANAGER),
        case("GET /manage/venues/new", "/manage/venues/new", Body::None, MANAGER),
        case("GET /manage/venues/{id}/edit", "/manage/venues/1/edit", Body::None, MANAGER),
        case("POST /manage/exchange", "/manage/exchange", form(&[]), MANAGER),
        case("POST /manage/partners/new", "/manage/partners/new", form(&[]), MANAGER),
        case("POST /manage/partners/{id}/edit", "/manage/partners/1/edit", form(&[]), MANAGER),
        case("POST /manage/sessions/new", "/manage/sessions/new", form(&[]), MANAGER),
        case("POST /manage/sessions/{id}/edit", format!("/manage/sessions/{s}/edit"), form(&[]), MANAGER),
        case(
            "POST /manage/sessions/{id}/partners",
            format!("/manage/sessions/{s}/partners"),
            form(&[("partner_id", "3"), ("role", "support")]),
            MANAGER,
        ),
        case("POST /manage/sessions/{id}/cancel", format!("/manage/sessions/{doomed}/cancel"), Body::None, MANAGER),
        case("POST /manage/venues/new", "/manage/venues/new", form(&[]), MANAGER),
        case("POST /manage/venues/{id}/edit", "/manage/venues/1/edit", form(&[]), MANAGER),
        case("GET /api/v1/reports/kpi", "/api/v1/reports/kpi?venue_id=", Body::None, MANAGER),
        case("GET /api/v1/reports/outcomes", "/api/v1/reports/outcomes?venue_id=", Body::None, MANAGER),
        case("GET /api/v1/reports/partners", "/api/v1/reports/partners", Body::None, MANAGER),
        case("GET /api/v1/sessions/{id}/partners", format!("/api/v1/sessions/{s}/partners"), Body::None, MANAGER),
        case("POST /api/v1/venues", "/api/v1/venues", Body::Json(json!({})), MANAGER),
        case(
            "POST /api/v1/sessions",
            "/api/v1/sessions",
            Body::Json(
                json!({ "kind": "seminar", "title": "t", "topic": "other", "venue_id": 1, "starts_at": start, "ends_at": end, "capacity": 5 }),
            ),
            MANAGER,
        ),
        case(
            "PATCH /api/v1/sessions/{id}",
            format!("/api/v1/sessions/{s}"),
            Body::Json(json!({ "title": "改題" })),
            MANAGER,
        ),
        case(
            "POST /api/v1/sessions/{id}/cancel",
            format!("/api/v1/sessions/{doomed}/cancel"),
            Body::Json(json!({})),
            MANAGER,
        ),
        case("POST /api/v1/partners", "/api/v1/partners", Body::Json(json!({})), MANAGER),
        case("PATCH /api/v1/partners/{id}", "/api/v1/partners/1", Body::Json(json!({ "notes": "更新" })), MANAGER),
        case(
            "POST /api/v1/sessions/{id}/partners",
            format!("/api/v1/sessions/{s}/partners"),
            Body::Json(json!({ "partner_id": 4, "role": "support" })),
            MANAGER,
        ),
        case(
            "DELETE /api/v1/sessions/{id}/partners/{partner_id}",
            format!("/api/v1/sessions/{s}/partners/4"),
            Body::None,
            MANAGER,
        ),
        // Administrators.
        case("GET /admin", "/admin", Body::None, ADMIN),
        case("GET /admin/city", "/admin/city", Body::None, ADMIN),
        case("GET /admin/wards", "/admin/wards", Body::None, ADMIN),
        case("GET /admin/wards/{code}", "/admin/wards/moji", Body::None, ADMIN),
        case("GET /admin/wards/{code}/retire", "/admin/wards/moji/retire", Body::None, ADMIN),
        case("POST /admin/city", "/admin/city", form(&[]), ADMIN),
        case("POST /admin/wards", "/admin/wards", form(&[]), ADMIN),
        case("POST /admin/wards/{code}", "/admin/wards/moji", form(&[]), ADMIN),
        case("POST /admin/wards/{code}/retire", "/admin/wards/moji/retire", Body::None, ADMIN),
        case("PUT /api/v1/city", "/api/v1/city", Body::Json(json!({})), ADMIN),
        case("GET /admin/audit", "/admin/audit", Body::None, ADMIN),
        case("GET /admin/people", "/admin/people?q=北九", Body::None, ADMIN),
        case(
            "GET /admin/registrations/{id}/export",
            format!("/admin/registrations/{}/export", reg(1)),
            Body::None,
            ADMIN,
        ),
        case(
            "POST /admin/registrations/{id}/erase",
            format!("/admin/registrations/{}/erase", reg(2)),
            Body::None,
            ADMIN,
        ),
        // Partner shops.
        case("GET /partner", "/partner", Body::None, PARTNER_STAFF),
        case("POST /partner", "/partner", form(&[("referral_id", &referral.to_string())]), SHOP_ONE_HIDDEN),
        case("GET /api/v1/partners", "/api/v1/partners", Body::None, PARTNERS_AND_MANAGERS),
        case("GET /api/v1/partners/{id}", "/api/v1/partners/1", Body::None, SHOP_ONE),
        case("GET /api/v1/referrals", "/api/v1/referrals", Body::None, PARTNERS_AND_MANAGERS),
        case(
            "POST /api/v1/referrals/{id}/handled",
            format!("/api/v1/referrals/{referral}/handled"),
            Body::None,
            SHOP_ONE_HIDDEN,
        ),
    ];

    // The matrix covers exactly the routes the server lists.
    let listed: Vec<String> = app.cli(&["routes"], &[]).await.lines().map(str::to_string).collect();
    let mut covered: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &cases {
        *covered.entry(c.route).or_default() += 1;
    }
    let missing: Vec<&String> = listed.iter().filter(|r| !covered.contains_key(r.as_str())).collect();
    let unknown: Vec<&&str> = covered.keys().filter(|r| !listed.iter().any(|l| l == **r)).collect();
    assert!(missing.is_empty(), "routes the server answers that the matrix does not cover: {missing:?}");
    assert!(unknown.is_empty(), "matrix entries for routes the server does not list: {unknown:?}");
    assert!(!listed.iter().any(|r| r.contains("(")), "no Leptos server function is reachable: {listed:?}");

    // Each route as each caller, with a client that keeps no login cookie.
    let plain = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut sent: u32 = 0;
    for c in &cases {
        let method = c.route.split(' ').next().unwrap();
        for ((caller, token), want) in CALLERS.iter().zip(&tokens).zip(c.expect) {
            sent += 1;
            let client = std::net::Ipv4Addr::from(0xC612_0000 + sent); // 198.18.0.0/15, for benchmarking
            let mut req =
                plain.request(method.parse().unwrap(), app.url(&c.path)).header("x-forwarded-for", client.to_string());
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            req = match &c.body {
                Body::None => req,
                Body::Json(v) => req.json(v),
                Body::Form(f) => req.form(f),
            };
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            let text = res.text().await.unwrap_or_default();
            let ok = match want {
                Y => (200..400).contains(&status) || status == 409 || status == 422,
                U => status == 401,
                F => status == 403,
                N => status == 404,
                Any => status < 500,
            };
            assert!(ok, "{} as {caller}: expected {want:?}, got {status}: {:.300}", c.route, text);
            assert!(status < 500, "{} as {caller}: {status}", c.route);
        }
    }
}

both_backends!(every_route_answers_the_matrix);

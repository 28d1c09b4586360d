//! Holding up against people who try: stuffed surveys, hoarded seats, login floods and
//! lockouts, open redirects, mail sent twice by two instances, requests at the limits of
//! the calendar, and what the public may not read.

use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use futures::future::join_all;
use serde_json::{json, Value};

use crate::{
    both_backends,
    helpers::*,
    smtp::{Inbox, SmtpSink},
};

const MAIL_WAIT: StdDuration = StdDuration::from_secs(40);

/// The survey code of a session, as its venue's staff see it.
async fn survey_code(app: &TestApp, session: i64) -> String {
    let s: Value =
        app.get(&format!("/api/v1/sessions/{session}"), Some(&app.manager_token)).await.json().await.unwrap();
    s["survey_code"].as_str().unwrap().to_string()
}

/// Sixty answers by one shared code from three addresses (behind a trusted proxy): the
/// code takes at most its capacity and a few more, each address at most ten a minute,
/// and the KPI report flags the session and says how its answers came.
async fn a_survey_flood_is_refused_and_flagged(backend: Backend) {
    let options =
        Options { extra_env: vec![("IPPO_TRUSTED_PROXIES".into(), "127.0.0.1/32".into())], ..Default::default() };
    let app = spawn_app(backend, options).await;
    let session = app.schedule(10, 0, json!({ "starts_at": (Utc::now() - Duration::hours(2)).to_rfc3339() })).await
        ["id"]
        .as_i64()
        .unwrap();
    fill(&app, session, 5).await;
    let code = survey_code(&app, session).await;
    let path = app.url(&format!("/api/v1/sessions/{session}/survey-responses"));
    let answer = json!({ "comprehension": 1, "satisfaction": 1, "survey_code": code });
    let mut statuses = Vec::new();
    for n in 0..60 {
        let client = format!("203.0.113.{}", n % 3 + 1);
        let res = app.client.post(&path).header("x-forwarded-for", client).json(&answer).send().await.unwrap();
        statuses.push(res.status().as_u16());
    }
    let accepted = statuses.iter().filter(|s| **s == 201).count();
    assert_eq!(accepted, 15, "capacity 10 + 5, then refused: {statuses:?}");
    assert!(statuses.iter().all(|s| [201, 409, 429].contains(s)), "{statuses:?}");
    // The paper sheets typed in by staff still count.
    let res = app
        .client
        .post(app.url(&format!("/staff/sessions/{session}/surveys")))
        .bearer_auth(&app.staff_token)
        .form(&[("comprehension", "5"), ("satisfaction", "5")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let fy = ippo::time::fiscal_year(Utc::now() - Duration::hours(2));
    let kpi: Value =
        app.get(&format!("/api/v1/reports/kpi?fiscal_year={fy}"), Some(&app.manager_token)).await.json().await.unwrap();
    assert_eq!((kpi["answers_by_code"].as_i64(), kpi["answers_on_paper"].as_i64()), (Some(15), Some(1)));
    let flagged = kpi["flagged"].as_array().unwrap();
    assert!(flagged.iter().any(|f| f["session_id"] == session && f["answers_by_code"] == 15), "{flagged:?}");
    let page = app.get(&format!("/manage/kpi?fiscal_year={fy}"), Some(&app.manager_token)).await.text().await.unwrap();
    assert!(page.contains("確認が必要な講座"), "the dashboard shows the flag");

    // Without trusting the sender, a forged X-Forwarded-For is one more try from the same address.
    let plain = spawn_app(backend, Options::default()).await;
    let other = plain.schedule(10, 0, json!({ "starts_at": (Utc::now() - Duration::hours(2)).to_rfc3339() })).await
        ["id"]
        .as_i64()
        .unwrap();
    let code = survey_code(&plain, other).await;
    let path = plain.url(&format!("/api/v1/sessions/{other}/survey-responses"));
    let mut accepted = 0;
    for n in 0..12 {
        let res = plain
            .client
            .post(&path)
            .header("x-forwarded-for", format!("198.51.100.{n}"))
            .json(&json!({ "comprehension": 3, "survey_code": code }))
            .send()
            .await
            .unwrap();
        accepted += (res.status() == 201) as usize;
    }
    assert_eq!(accepted, 10, "ten a minute from one address, whatever it claims");

    // A code stops taking answers two weeks after its session.
    let old = plain.schedule(10, -20, json!({})).await["id"].as_i64().unwrap();
    let code = survey_code(&plain, old).await;
    let res = plain
        .post(
            &format!("/api/v1/sessions/{old}/survey-responses"),
            None,
            &json!({ "comprehension": 3, "survey_code": code }),
        )
        .await;
    assert_eq!(res.status(), 409);
}

/// One phone number cannot hold many seats of a session, nor one e-mail address, and
/// the same person cannot take a second seat.
async fn one_contact_cannot_hoard_seats(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let session = app.schedule(100, 5, json!({})).await["id"].as_i64().unwrap();
    let path = format!("/api/v1/sessions/{session}/registrations");
    let mut statuses = Vec::new();
    for n in 0..80 {
        let mut body = signup(n, None);
        body["attendee"]["phone"] = json!("090-1111-2222");
        statuses.push(app.post(&path, None, &body).await.status().as_u16());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 2, "a couple may share a phone; no more");
    assert!(statuses[2..].iter().all(|s| *s == 409));
    let mut accepted = 0;
    for n in 100..110 {
        let res = app.post(&path, None, &signup(n, Some("family@example.jp".into()))).await;
        accepted += (res.status() == 201) as usize;
    }
    assert_eq!(accepted, 4, "one family signs up four at most");
    let again = app.post(&path, None, &signup(100, Some("other@example.jp".into()))).await;
    assert_eq!(again.status(), 409);
    let err: Value = again.json().await.unwrap();
    assert!(err["error"]["message"].as_str().unwrap().contains("北九 花子100"), "{err}");
    // Staff on the phone are not limited by the contact, only by the person.
    let mut body = signup(200, None);
    body["attendee"]["phone"] = json!("090-1111-2222");
    body["channel"] = json!("phone");
    assert_eq!(app.post(&path, Some(&app.staff_token), &body).await.status(), 201);
    assert_eq!(app.count_registrations(session, "confirmed").await, 7);
}

/// What the server holds in memory, in KiB (its resident set).
fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn login_form(email: &str, password: &str) -> Vec<(&'static str, String)> {
    vec![("email", email.to_string()), ("password", password.to_string())]
}

/// 256 logins at once with made-up addresses: throttled per client, hashed a few at a
/// time, the server's memory stays near its idle figure; and a stranger's failed tries
/// lock an address for strangers, not for the browser its owner always uses.
async fn login_floods_and_lockouts_hold(backend: Backend) {
    let options =
        Options { extra_env: vec![("IPPO_TRUSTED_PROXIES".into(), "127.0.0.1/32".into())], ..Default::default() };
    let app = spawn_app(backend, options).await;
    // The owner's browser logs in once (it is known from then on).
    let owner = client();
    let res =
        owner.post(app.url("/login")).form(&login_form("m@example.jp", "test-password-123")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    // Staff at one centre log in one after another from its shared address, each on a
    // fresh browser: successes never use up the allowance that failures do.
    for n in 0..35 {
        let res = client().post(app.url("/login")).form(&login_form("s@example.jp", "test-password-123")).send().await;
        assert_eq!(res.unwrap().status(), 303, "login {n} from the centre");
    }
    let idle = resident_kib(app.pid());
    let plain = reqwest::Client::new();
    let flood = join_all((0..256).map(|n| {
        let (plain, url) = (&plain, app.url("/login"));
        async move {
            let form = login_form(&format!("nobody{n}@example.jp"), "guess-password-1");
            plain
                .post(url)
                .header("x-forwarded-for", "203.0.113.50")
                .form(&form)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    }))
    .await;
    let after = resident_kib(app.pid());
    assert!(flood.iter().all(|s| [401, 429].contains(s)), "{flood:?}");
    assert!(flood.iter().filter(|s| **s == 429).count() >= 200, "most are refused before hashing: {flood:?}");
    assert!(after < idle + 64 * 1024, "memory went from {idle} KiB to {after} KiB");

    // A stranger tries the owner's address until it locks.
    let stranger = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for _ in 0..12 {
        stranger
            .post(app.url("/login"))
            .header("x-forwarded-for", "198.51.100.7")
            .form(&login_form("m@example.jp", "wrong-password-0"))
            .send()
            .await
            .unwrap();
    }
    let res = stranger
        .post(app.url("/login"))
        .header("x-forwarded-for", "198.51.100.8")
        .form(&login_form("m@example.jp", "test-password-123"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429, "a browser the owner never used is locked out of the address");
    let res =
        owner.post(app.url("/login")).form(&login_form("m@example.jp", "test-password-123")).send().await.unwrap();
    assert_eq!(res.status(), 303, "the owner's own browser passes the lock strangers caused");
}

/// A path with a tab, a line break or a backslash never leads off the site.
async fn redirects_stay_on_the_site(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    for back in ["/%09/evil.example", "/%0A/evil.example", "/%0D/evil.example", "/%5C/evil.example", "//evil.example"] {
        let res = app.get(&format!("/lang?to=en&back={back}"), None).await;
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], "/", "{back}");
    }
    for next in ["/\t/evil.example", "/\n/evil.example", "\\/evil.example"] {
        let form = [("email", "m@example.jp"), ("password", "test-password-123"), ("next", next)];
        let res = client().post(app.url("/login")).form(&form).send().await.unwrap();
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], "/manage", "{next:?}");
    }
}

/// Two instances share a slow mail server whose sending outlasts the lease: each mail
/// is delivered once, with a Message-ID of its own.
async fn two_instances_send_each_mail_once(backend: Backend) {
    let inbox = Inbox::slow(StdDuration::from_millis(1500));
    let smtp = SmtpSink::start_on(0, inbox).await;
    let options = Options {
        smtp_port: Some(smtp.port),
        extra_env: vec![("IPPO_OUTBOX_LEASE".into(), "3".into())],
        ..Default::default()
    };
    let app = spawn_app(backend, options).await;
    let second = app.another_instance().await;
    let session = app.schedule(20, 5, json!({})).await["id"].as_i64().unwrap();
    let path = format!("/api/v1/sessions/{session}/registrations");
    for n in 0..12 {
        let instance = if n % 2 == 0 { &app } else { &second };
        let res = instance.post(&path, None, &signup(n, Some(format!("once{n}@example.jp")))).await;
        assert_eq!(res.status(), 201);
    }
    let mails = smtp.inbox.wait_for(12, MAIL_WAIT).await;
    // A mail sent twice would arrive as the 13th; one more sign-up shows the queue is drained.
    let res = app.post(&path, None, &signup(50, Some("last@example.jp".into()))).await;
    assert_eq!(res.status(), 201);
    let mails_after = smtp.inbox.wait_for(13, MAIL_WAIT).await;
    assert_eq!(mails_after.len(), 13, "{:?}", mails_after.iter().map(|m| m.to.clone()).collect::<Vec<_>>());
    let mut to: Vec<String> = mails.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    to.dedup();
    assert_eq!(to.len(), 12, "each registrant once");
    let mut ids: Vec<String> = mails_after.iter().map(|m| m.header("message-id").expect("a Message-ID")).collect();
    assert!(ids.iter().all(|id| id.starts_with("<ippo.")), "{ids:?}");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 13);
}

/// Dates at the calendar's limits, huge bodies and malformed requests answer 4xx, never a 5xx.
async fn requests_at_the_limits_never_break_the_server(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let session = app.schedule(10, 5, json!({})).await["id"].as_i64().unwrap();
    let extreme = ["-262143-01-01", "+262143-12-31", "262143-12-31", "0000-01-01", "9999-99-99", "2026-02-30"];
    let mut gets: Vec<String> = Vec::new();
    for d in extreme {
        gets.push(format!("/api/v1/sessions?from={d}"));
        gets.push(format!("/api/v1/sessions?to={d}"));
        gets.push(format!("/?from={d}"));
        gets.push(format!("/admin/audit?date={d}"));
    }
    for month in ["262143-12", "-262143-01", "9999-12", "0-1", "2026-13"] {
        gets.push(format!("/venues/1/calendar?month={month}"));
    }
    gets.push("/manage/kpi?fiscal_year=99999999999999999999".into());
    gets.push("/api/v1/reports/kpi?fiscal_year=-2147483648".into());
    for path in &gets {
        let res = app.get(path, Some(&app.admin_token)).await;
        assert!(res.status().as_u16() < 500, "GET {path}: {}", res.status());
    }
    for t in ["+262143-12-31T23:59:59Z", "-262143-01-01T00:00:00Z", "9999-12-31T23:59:59-23:59", "1000-01-01T00:00:00Z"]
    {
        let body = json!({ "kind": "course", "title": "t", "topic": "other", "venue_id": 1, "starts_at": t, "ends_at": t, "capacity": 5 });
        let res = app.post("/api/v1/sessions", Some(&app.manager_token), &body).await;
        assert_eq!(res.status(), 422, "POST starts_at {t}");
        let res = app
            .patch(
                &format!("/api/v1/sessions/{session}"),
                Some(&app.manager_token),
                &json!({ "starts_at": t, "ends_at": t }),
            )
            .await;
        assert_eq!(res.status(), 422, "PATCH starts_at {t}");
        let mut sign_up = signup(1, None);
        sign_up["slot_starts_at"] = json!(t);
        let res = app.post(&format!("/api/v1/sessions/{session}/registrations"), None, &sign_up).await;
        assert!(res.status().as_u16() < 500, "slot {t}");
    }
    // A CSV whose meetings lie at the limits.
    let csv = "kind,title,topic,venue_id,meetings\ncourse,t,other,1,262143-12-31 10:00-12:00\ncourse,t,other,1,-5-01-01 10:00-12:00\n";
    let path = app.data_dir().join("limits.csv");
    std::fs::write(&path, csv).unwrap();
    let out = app.cli_output(&["import", "sessions", path.to_str().unwrap()]).await;
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("meetings"), "refused by line");
    // A body over the limit is 413 in the API's shape.
    let huge = format!("{{\"title\": \"{}\"}}", "x".repeat(10 * 1024 * 1024));
    let res = app
        .client
        .post(app.url("/api/v1/sessions"))
        .bearer_auth(&app.manager_token)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "too_large");
}

/// `/metrics` is for administrators (or a separate address); revoked tokens stop working;
/// staff sign-ups, whole-session cancellations and handled referrals are on the audit log.
async fn operators_keep_control(backend: Backend) {
    let options = Options { extra_env: vec![("IPPO_METRICS_ADDR".into(), "127.0.0.1:0".into())], ..Default::default() };
    let app = spawn_app(backend, options).await;
    assert_eq!(app.get("/metrics", None).await.status(), 401);
    assert_eq!(app.get("/metrics", Some(&app.staff_token)).await.status(), 403);
    assert_eq!(app.get("/metrics", Some(&app.admin_token)).await.status(), 200);
    let separate = app.metrics_url().expect("the metrics address is printed");
    let text = reqwest::get(separate).await.unwrap().text().await.unwrap();
    assert!(text.contains("ippo_outbox_pending"), "{text}");

    let session = app.schedule(10, 5, json!({})).await["id"].as_i64().unwrap();
    let registration = fill(&app, session, 1).await[0];
    let shop = app.partner_token(1, "shop1@example.jp").await;
    let referral: Value = app
        .post(
            "/api/v1/referrals",
            Some(&app.staff_token),
            &json!({ "registration_id": registration, "partner_id": 1, "reason": "初期設定", "consent": true }),
        )
        .await
        .json()
        .await
        .unwrap();
    let handled = format!("/api/v1/referrals/{}/handled", referral["id"]);
    assert_eq!(app.post(&handled, Some(&shop), &json!({})).await.status(), 200);
    assert_eq!(
        app.post(&format!("/api/v1/sessions/{session}/cancel"), Some(&app.manager_token), &json!({})).await.status(),
        200
    );
    let audit = app.get("/admin/audit", Some(&app.admin_token)).await.text().await.unwrap();
    for action in ["registration.create", "session.cancel", "referral.handled"] {
        assert!(audit.contains(action), "{action} is on the audit log: {audit}");
    }

    let out = app.cli(&["token", "revoke", "--email", "s@example.jp"], &[]).await;
    assert!(out.contains("revoked 1"), "{out}");
    assert_eq!(
        app.get(&format!("/api/v1/sessions/{session}/registrations"), Some(&app.staff_token)).await.status(),
        401
    );
}

/// Erasing a person removes the mail files written to them and the searches that named them.
async fn erasure_reaches_every_copy(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let session = app.schedule(10, 5, json!({})).await["id"].as_i64().unwrap();
    let mut body = signup(3, Some("copy@example.jp".into()));
    body["attendee"]["name"] = json!("複写 花子");
    let reg: Value =
        app.post(&format!("/api/v1/sessions/{session}/registrations"), None, &body).await.json().await.unwrap();
    let outbox = app.data_dir().join("outbox");
    let mail_files = || std::fs::read_dir(&outbox).map(|d| d.count()).unwrap_or(0);
    eventually(MAIL_WAIT, "the confirmation written as a file", || async { mail_files() == 1 }).await;
    let search = app.get("/admin/people?q=複写", Some(&app.admin_token)).await.text().await.unwrap();
    assert!(search.contains("複写 花子"));
    let res = app
        .client
        .post(app.url(&format!("/admin/registrations/{}/erase", reg["id"])))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(mail_files(), 0, "the mail file is gone");
    let audit = app.get("/admin/audit?action=person.search", Some(&app.admin_token)).await.text().await.unwrap();
    assert!(!audit.contains("複写"), "the search term that named them is gone");
}

both_backends!(
    a_survey_flood_is_refused_and_flagged,
    one_contact_cannot_hoard_seats,
    login_floods_and_lockouts_hold,
    redirects_stay_on_the_site,
    two_instances_send_each_mail_once,
    requests_at_the_limits_never_break_the_server,
    operators_keep_control,
    erasure_reaches_every_copy,
);

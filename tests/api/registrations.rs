use std::time::Duration;

use futures::future::join_all;
use serde_json::{json, Value};

use crate::{
    both_backends,
    helpers::*,
    smtp::{closed_port, Inbox, SmtpSink},
};

const MAIL_WAIT: Duration = Duration::from_secs(30);

async fn sign_up(app: &TestApp, session_id: i64, n: usize, email: Option<String>) -> reqwest::Response {
    app.post(&format!("/api/v1/sessions/{session_id}/registrations"), None, &signup(n, email)).await
}

async fn a_rush_never_overbooks(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let id = app.schedule(20, 7, json!({})).await["id"].as_i64().unwrap();
    let responses = join_all((0..200).map(|n| {
        let app = &app;
        async move {
            let res = sign_up(app, id, n, None).await;
            assert_eq!(res.status(), 201);
            res.json::<Value>().await.unwrap()
        }
    }))
    .await;
    let confirmed = responses.iter().filter(|r| r["status"] == "confirmed").count();
    let waitlisted: Vec<i64> = responses
        .iter()
        .filter(|r| r["status"] == "waitlisted")
        .map(|r| r["waitlist_position"].as_i64().unwrap())
        .collect();
    assert_eq!(confirmed, 20);
    assert_eq!(waitlisted.len(), 180);
    let mut positions = waitlisted.clone();
    positions.sort();
    assert_eq!(positions, (1..=180).collect::<Vec<i64>>(), "every waitlist position is given once");
    assert_eq!(app.count_registrations(id, "confirmed").await, 20);
    assert_eq!(app.count_registrations(id, "waitlisted").await, 180);
    let s: Value = app.get(&format!("/api/v1/sessions/{id}"), None).await.json().await.unwrap();
    assert_eq!(s["seats_left"], 0);
    assert_eq!(s["waitlist_count"], 180);
}

/// Sign-ups that arrive together are written in rounds, each decided alone: everyone sent
/// twice at once gets one place and one refusal, whichever round each falls in, and the
/// seats and the waitlist are those of the forty people.
async fn a_rush_refuses_only_the_second_sign_up_of_a_person(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let id = app.schedule(20, 7, json!({})).await["id"].as_i64().unwrap();
    let answers = join_all((0..80).map(|n| {
        let app = &app;
        async move {
            let res = sign_up(app, id, n / 2, None).await;
            (n / 2, res.status().as_u16(), res.json::<Value>().await.unwrap())
        }
    }))
    .await;
    for person in 0..40 {
        let mut theirs: Vec<&(usize, u16, Value)> = answers.iter().filter(|(p, _, _)| *p == person).collect();
        theirs.sort_by_key(|(_, status, _)| *status);
        assert_eq!((theirs[0].1, theirs[1].1), (201, 409), "person {person}: {theirs:?}");
        assert_eq!(theirs[1].2["error"]["code"], "already_registered");
    }
    let placed: Vec<&Value> = answers.iter().filter(|(_, status, _)| *status == 201).map(|(_, _, v)| v).collect();
    assert_eq!(placed.iter().filter(|r| r["status"] == "confirmed").count(), 20);
    let mut positions: Vec<i64> = placed.iter().filter_map(|r| r["waitlist_position"].as_i64()).collect();
    positions.sort();
    assert_eq!(positions, (1..=20).collect::<Vec<i64>>());
    assert_eq!(app.count_registrations(id, "confirmed").await, 20);
    assert_eq!(app.count_registrations(id, "waitlisted").await, 20);
    let s: Value = app.get(&format!("/api/v1/sessions/{id}"), None).await.json().await.unwrap();
    assert_eq!((s["seats_left"].as_i64(), s["waitlist_count"].as_i64()), (Some(0), Some(20)));
}

/// Staff typing in many sign-ups at once (written in the same rounds) leave one audit
/// entry for each, by them, written with the registration itself.
async fn staff_sign_ups_in_a_rush_are_each_on_the_audit_log(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let id = app.schedule(10, 7, json!({})).await["id"].as_i64().unwrap();
    let statuses = join_all((0..12).map(|n| {
        let app = &app;
        async move {
            let mut body = signup(n, None);
            body["channel"] = json!("phone");
            app.post(&format!("/api/v1/sessions/{id}/registrations"), Some(&app.staff_token), &body).await.status()
        }
    }))
    .await;
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let logged = app
        .scalar(&format!(
            "SELECT COUNT(DISTINCT r.id) FROM registrations r JOIN audit_log a
               ON a.subject = 'registration:' || CAST(r.id AS TEXT) AND a.action = 'registration.create'
                  AND a.user_id = r.created_by AND a.client <> ''
             WHERE r.session_id = {id}"
        ))
        .await;
    assert_eq!(logged, 12);
    let entries = app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'registration.create'").await;
    assert_eq!(entries, 12, "one entry each");
}

async fn cancel_promotes_the_oldest_waitlisted_and_mails_them(backend: Backend) {
    let sink = SmtpSink::start().await;
    let app = spawn_app(backend, Options { smtp_port: Some(sink.port), ..Default::default() }).await;
    let id = app.schedule(2, 7, json!({})).await["id"].as_i64().unwrap();
    let mut tokens = Vec::new();
    for n in 0..4 {
        let res: Value = sign_up(&app, id, n, Some(format!("family{n}@example.jp"))).await.json().await.unwrap();
        tokens.push(res);
    }
    assert_eq!(tokens[2]["status"], "waitlisted");
    assert_eq!(tokens[2]["waitlist_position"], 1);
    assert_eq!(tokens[3]["waitlist_position"], 2);
    sink.inbox.wait_for(4, MAIL_WAIT).await;

    let cancel = json!({ "cancel_token": tokens[0]["cancel_token"] });
    let res = app.post("/api/v1/registrations/cancel", None, &cancel).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "cancelled");
    assert_eq!(app.count_registrations(id, "confirmed").await, 2);
    assert_eq!(app.count_registrations(id, "waitlisted").await, 1);

    let mails = sink.inbox.wait_for(6, MAIL_WAIT).await;
    let promoted: Vec<_> = mails.iter().filter(|m| m.to == ["family2@example.jp"]).collect();
    assert_eq!(promoted.len(), 2, "waitlisted, then promoted");
    assert!(promoted[1].text().contains("席があきました"));
    let page = app
        .get(&format!("/registrations/{}", tokens[3]["cancel_token"].as_str().unwrap()), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("1番目"), "the next in line moves up to first");

    // Cancelling twice changes nothing and mails nobody.
    let res = app.post("/api/v1/registrations/cancel", None, &cancel).await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.count_registrations(id, "confirmed").await, 2);
    assert_eq!(app.count_registrations(id, "cancelled").await, 1);
    let res = app.post("/api/v1/registrations/cancel", None, &json!({ "cancel_token": "nope" })).await;
    assert_eq!(res.status(), 404);
    assert_eq!(app.count_rows("outbox").await, 6);
}

async fn the_same_submission_registers_once(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let id = app.schedule(10, 7, json!({})).await["id"].as_i64().unwrap();
    let send = |key: &'static str| {
        app.client
            .post(app.url(&format!("/api/v1/sessions/{id}/registrations")))
            .header("idempotency-key", key)
            .json(&signup(1, None))
            .send()
    };
    let first = send("tap-1").await.unwrap();
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: Value = first.json().await.unwrap();
    // A double tap: ten retries at once.
    let again = join_all((0..10).map(|_| send("tap-1"))).await;
    for res in again {
        let res = res.unwrap();
        assert_eq!(res.status(), 201);
        assert_eq!(res.headers()["idempotent-replayed"], "true");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["id"], first["id"]);
        assert_eq!(body["cancel_token"], first["cancel_token"]);
    }
    assert_eq!(app.count_registrations(id, "confirmed").await, 1);

    // The HTML form carries its own key: submitting it twice also makes one.
    let form = [
        ("form_token", "form-abc"),
        ("attendee.name", "門司 梅子"),
        ("attendee.name_kana", "もじ うめこ"),
        ("attendee.phone", "093-111-2222"),
        ("attendee.age_band", "80_plus"),
        ("attendee.has_smartphone", "no"),
        ("registrant.relation", "self"),
        ("registrant.phone", "093-111-2222"),
        ("consent", "on"),
    ];
    let a = app.client.post(app.url(&format!("/sessions/{id}/register"))).form(&form).send().await.unwrap();
    let b = app.client.post(app.url(&format!("/sessions/{id}/register"))).form(&form).send().await.unwrap();
    assert_eq!(a.status(), 303);
    assert_eq!(a.headers()["location"], b.headers()["location"]);
    assert_eq!(app.count_registrations(id, "confirmed").await, 2);
    let page = app.get(a.headers()["location"].to_str().unwrap(), None).await.text().await.unwrap();
    assert!(page.contains("お申し込みを受け付けました") && page.contains("門司 梅子"));
}

async fn bad_sign_ups_are_explained_and_store_nothing(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let id = app.schedule(10, 7, json!({ "loaner_devices": 0 })).await["id"].as_i64().unwrap();
    let mut body = signup(1, Some("not-an-email".into()));
    body["attendee"]["phone"] = json!("12-34");
    body["attendee"]["name_kana"] = json!("Hanako");
    body["attendee"]["needs_loaner"] = json!(true);
    body["consent"] = json!(false);
    let res = app.post(&format!("/api/v1/sessions/{id}/registrations"), None, &body).await;
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.unwrap();
    let f = &err["error"]["fields"];
    assert_eq!(f["attendee.phone"], "電話番号を正しく入力してください（例：093-123-4567）。");
    assert_eq!(f["attendee.name_kana"], "フリガナはカタカナかひらがなで入力してください。");
    assert_eq!(f["registrant.email"], "メールアドレスを正しく入力してください（例：hanako@example.jp）。");
    assert_eq!(f["consent"], "個人情報の取り扱いに同意してください。");
    assert_eq!(f["attendee.needs_loaner"], "この講座には貸出スマホがありません。");
    assert_eq!(app.count_rows("registrations").await, 0);
    assert_eq!(app.count_rows("outbox").await, 0);

    // The form shows the same messages next to the fields and keeps what was typed.
    let res = app
        .client
        .post(app.url(&format!("/sessions/{id}/register")))
        .form(&[("attendee.name", "若松 太郎"), ("attendee.phone", "abc"), ("consent", "on")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("value=\"若松 太郎\""));
    assert!(page.contains("電話番号を正しく入力してください"));
    assert!(page.contains("aria-invalid=\"true\""));
    assert_eq!(app.count_rows("registrations").await, 0);
    assert_eq!(app.post("/api/v1/sessions/999999/registrations", None, &signup(1, None)).await.status(), 404);
}

async fn every_registrant_gets_one_mail_with_the_facts(backend: Backend) {
    let sink = SmtpSink::start().await;
    let app = spawn_app(backend, Options { smtp_port: Some(sink.port), ..Default::default() }).await;
    let id = app.schedule(10, 7, json!({ "what_to_bring": "筆記用具" })).await["id"].as_i64().unwrap();
    for n in 0..5 {
        assert_eq!(sign_up(&app, id, n, Some(format!("r{n}@example.jp"))).await.status(), 201);
    }
    // A registrant without e-mail gets no mail (staff call them instead).
    assert_eq!(sign_up(&app, id, 9, None).await.status(), 201);
    let mails = sink.inbox.wait_for(5, MAIL_WAIT).await;
    for n in 0..5 {
        let mine: Vec<_> = mails.iter().filter(|m| m.to == [format!("r{n}@example.jp")]).collect();
        assert_eq!(mine.len(), 1, "exactly one mail for r{n}");
        let text = mine[0].text();
        assert!(text.contains("門司市民センター"), "venue in the mail");
        assert!(text.contains("筆記用具"), "what to bring in the mail");
        assert!(text.contains("/registrations/") && text.contains("/cancel"), "cancel link in the mail");
        assert!(text.contains("年") && text.contains("月") && text.contains("日("), "Japanese date in the mail");
        assert!(text.contains("BEGIN:VCALENDAR"), "calendar file attached");
    }
    assert_eq!(sink.inbox.all().await.len(), 5);
}

async fn mails_wait_for_a_down_smtp_server(backend: Backend) {
    let port = closed_port().await;
    let app = spawn_app(backend, Options { smtp_port: Some(port), ..Default::default() }).await;
    let id = app.schedule(10, 7, json!({})).await["id"].as_i64().unwrap();
    for n in 0..5 {
        assert_eq!(sign_up(&app, id, n, Some(format!("d{n}@example.jp"))).await.status(), 201);
    }
    // Sign-ups succeed while mail cannot go out; when the server comes back, every mail arrives.
    let sink = SmtpSink::start_on(port, Inbox::default()).await;
    let mails = sink.inbox.wait_for(5, MAIL_WAIT).await;
    let mut to: Vec<String> = mails.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(to, (0..5).map(|n| format!("d{n}@example.jp")).collect::<Vec<_>>());
}

async fn public_writes_are_rate_limited(backend: Backend) {
    let app = spawn_app(backend, Options { rate_limit: 3, ..Default::default() }).await;
    let id = app.schedule(50, 7, json!({})).await["id"].as_i64().unwrap();
    for n in 0..3 {
        assert_eq!(sign_up(&app, id, n, None).await.status(), 201);
    }
    let res = sign_up(&app, id, 4, None).await;
    assert_eq!(res.status(), 429);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "rate_limited");
    assert!(err["error"]["message"].as_str().unwrap().contains("1分ほど待って"));
    assert_eq!(app.count_registrations(id, "confirmed").await, 3);
    // Staff at the counter are not limited.
    let mut body = signup(5, None);
    body["channel"] = json!("counter");
    let res = app.post(&format!("/api/v1/sessions/{id}/registrations"), Some(&app.staff_token), &body).await;
    assert_eq!(res.status(), 201);
}

async fn staff_register_callers_for_their_own_venues(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let id = app.schedule(10, 7, json!({})).await["id"].as_i64().unwrap();
    let mut body = signup(1, None);
    body["channel"] = json!("phone");
    body["registrant"] = json!({ "relation": "self" });
    assert_eq!(app.post(&format!("/api/v1/sessions/{id}/registrations"), None, &body).await.status(), 403);
    assert_eq!(
        app.post(&format!("/api/v1/sessions/{id}/registrations"), Some(&app.other_staff_token), &body).await.status(),
        403
    );
    let res = app.post(&format!("/api/v1/sessions/{id}/registrations"), Some(&app.staff_token), &body).await;
    assert_eq!(res.status(), 201);

    let roster = app.get(&format!("/api/v1/sessions/{id}/registrations"), Some(&app.staff_token)).await;
    assert_eq!(roster.status(), 200);
    let roster: Vec<Value> = roster.json().await.unwrap();
    assert_eq!(roster.len(), 1);
    assert_eq!(roster[0]["channel"], "phone");
    assert_eq!(
        app.get(&format!("/api/v1/sessions/{id}/registrations"), Some(&app.other_staff_token)).await.status(),
        403
    );
    assert_eq!(app.get(&format!("/api/v1/sessions/{id}/registrations"), None).await.status(), 401);
    assert!(app.count_rows("audit_log").await >= 1, "the roster read is on record");

    // The day-before call list shows this caller, who has no e-mail.
    let staff = client();
    staff
        .post(app.url("/login"))
        .form(&[("email", "s@example.jp"), ("password", "test-password-123")])
        .send()
        .await
        .unwrap();
    let page = staff.get(app.url(&format!("/staff/sessions/{id}/calls"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("北九 花子1") && page.contains("093-123-4568"));
}

async fn closed_sessions_refuse_sign_ups(backend: Backend) {
    let sink = SmtpSink::start().await;
    let app = spawn_app(backend, Options { smtp_port: Some(sink.port), ..Default::default() }).await;
    let past = app.schedule(10, -1, json!({})).await["id"].as_i64().unwrap();
    let res = sign_up(&app, past, 1, None).await;
    assert_eq!(res.status(), 409);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "session_started");

    let id = app.schedule(10, 7, json!({})).await["id"].as_i64().unwrap();
    for n in 0..2 {
        sign_up(&app, id, n, Some(format!("c{n}@example.jp"))).await;
    }
    sink.inbox.wait_for(2, MAIL_WAIT).await;
    app.post(&format!("/api/v1/sessions/{id}/cancel"), Some(&app.manager_token), &json!({})).await;
    let mails = sink.inbox.wait_for(4, MAIL_WAIT).await;
    assert_eq!(mails.iter().filter(|m| m.text().contains("中止")).count(), 2, "everyone registered is told");
    assert_eq!(app.count_registrations(id, "cancelled").await, 2);
    assert_eq!(sign_up(&app, id, 5, None).await.status(), 409);
}

async fn two_instances_share_capacity_and_send_each_mail_once(backend: Backend) {
    let sink = SmtpSink::start().await;
    let first = spawn_app(backend, Options { smtp_port: Some(sink.port), ..Default::default() }).await;
    let second = first.another_instance().await;
    let id = first.schedule(30, 7, json!({})).await["id"].as_i64().unwrap();
    let responses = join_all((0..300).map(|n| {
        let app = if n % 2 == 0 { &first } else { &second };
        async move { sign_up(app, id, n, Some(format!("p{n}@example.jp"))).await.status() }
    }))
    .await;
    assert!(responses.iter().all(|s| *s == 201), "{responses:?}");
    assert_eq!(first.count_registrations(id, "confirmed").await, 30);
    assert_eq!(first.count_registrations(id, "waitlisted").await, 270);
    // Both instances run delivery workers; every registrant still gets exactly one mail.
    let mails = sink.inbox.wait_for(300, MAIL_WAIT).await;
    let mut to: Vec<String> = mails.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    to.dedup();
    assert_eq!(to.len(), 300);
    assert_eq!(sink.inbox.all().await.len(), 300, "no mail sent twice");
}

async fn the_day_before_everyone_with_e_mail_is_reminded_once(backend: Backend) {
    let sink = SmtpSink::start().await;
    let options = Options {
        smtp_port: Some(sink.port),
        extra_env: vec![("IPPO_HOUSEKEEPING_INTERVAL".into(), "1".into())],
        ..Default::default()
    };
    let app = spawn_app(backend, options).await;
    // Tomorrow 10:00 in Tokyo.
    let tokyo = chrono::FixedOffset::east_opt(9 * 3600).unwrap();
    let tomorrow = (chrono::Utc::now().with_timezone(&tokyo) + chrono::Duration::days(1)).date_naive();
    let starts = tomorrow.and_hms_opt(10, 0, 0).unwrap().and_local_timezone(tokyo).unwrap();
    let body =
        json!({ "starts_at": starts.to_rfc3339(), "ends_at": (starts + chrono::Duration::hours(2)).to_rfc3339() });
    let id = app.schedule(10, 1, body).await["id"].as_i64().unwrap();
    for n in 0..2 {
        assert_eq!(sign_up(&app, id, n, Some(format!("rem{n}@example.jp"))).await.status(), 201);
    }
    // A registrant without e-mail is on the staff's call list instead.
    assert_eq!(sign_up(&app, id, 9, None).await.status(), 201);
    let mails = sink.inbox.wait_for(4, MAIL_WAIT).await;
    let reminders: Vec<_> = mails.iter().filter(|m| m.text().contains("明日は")).collect();
    assert_eq!(reminders.len(), 2, "one reminder per registrant with e-mail");
    assert!(reminders.iter().all(|m| m.text().contains("BEGIN:VCALENDAR")));
    // Later rounds find nothing new: the next mail to arrive is the one we cause.
    sign_up(&app, id, 3, Some("late@example.jp".into())).await;
    let mails = sink.inbox.wait_for(6, MAIL_WAIT).await;
    let to_rem0 = mails.iter().filter(|m| m.to == ["rem0@example.jp"]).count();
    assert_eq!(to_rem0, 2, "confirmation and one reminder, nothing more");
}

both_backends!(
    the_day_before_everyone_with_e_mail_is_reminded_once,
    two_instances_share_capacity_and_send_each_mail_once,
    a_rush_never_overbooks,
    a_rush_refuses_only_the_second_sign_up_of_a_person,
    staff_sign_ups_in_a_rush_are_each_on_the_audit_log,
    cancel_promotes_the_oldest_waitlisted_and_mails_them,
    the_same_submission_registers_once,
    bad_sign_ups_are_explained_and_store_nothing,
    every_registrant_gets_one_mail_with_the_facts,
    mails_wait_for_a_down_smtp_server,
    public_writes_are_rate_limited,
    staff_register_callers_for_their_own_venues,
    closed_sessions_refuse_sign_ups,
);

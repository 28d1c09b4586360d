//! Several attendees in one sign-up: seated together or waitlisted together unless the
//! family chose to split, each with their own registration, one mail listing everyone,
//! one idempotent submission, and a rush that never overbooks or splits a group.

use std::time::Duration as StdDuration;

use serde_json::{json, Value};

use crate::{both_backends, helpers::*, smtp::SmtpSink};

const MAIL_WAIT: StdDuration = StdDuration::from_secs(30);

/// Person `n` of a group (their own landline 093-123-(4000 + n)).
fn person(n: usize) -> Value {
    json!({
        "name": format!("門司 花子{n}"), "name_kana": "モジ ハナコ", "phone": format!("093-123-{}", 4000 + n),
        "age_band": "80_plus", "has_smartphone": false
    })
}

/// A group sign-up of persons `first..first + size`, by a daughter with e-mail `email`.
fn group(first: usize, size: usize, choice: Option<&str>, email: Option<&str>) -> Value {
    let mut body = json!({
        "attendees": (first..first + size).map(person).collect::<Vec<_>>(),
        "registrant": { "name": "門司 一子", "email": email.unwrap_or_default(), "phone": "090-1234-5678", "relation": "family" },
        "channel": "web",
        "consent": true
    });
    if let Some(choice) = choice {
        body["if_not_enough_seats"] = json!(choice);
    }
    body
}

async fn post(app: &TestApp, session: i64, body: &Value) -> reqwest::Response {
    app.post(&format!("/api/v1/sessions/{session}/registrations"), None, body).await
}

fn statuses(answer: &Value) -> Vec<String> {
    answer["registrations"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap().to_string()).collect()
}

async fn four_for_three_seats_wait_together_and_move_up_together(backend: Backend) {
    let sink = SmtpSink::start().await;
    let app = spawn_app(backend, Options { smtp_port: Some(sink.port), ..Default::default() }).await;
    let session = app.schedule(3, 7, json!({})).await["id"].as_i64().unwrap();
    let res = post(&app, session, &group(0, 4, None, Some("ichiko@example.jp"))).await;
    assert_eq!(res.status(), 201);
    let answer: Value = res.json().await.unwrap();
    assert_eq!(statuses(&answer), ["waitlisted"; 4], "never a silent split: {answer}");
    let positions: Vec<i64> =
        answer["registrations"].as_array().unwrap().iter().map(|r| r["waitlist_position"].as_i64().unwrap()).collect();
    assert_eq!(positions, [1, 2, 3, 4]);
    // One mail to the registrant, listing all four with their own links.
    let mails = sink.inbox.wait_for(1, MAIL_WAIT).await;
    let text = mails[0].text();
    for (n, r) in answer["registrations"].as_array().unwrap().iter().enumerate() {
        assert!(text.contains(&format!("門司 花子{n} 様")), "{text}");
        assert!(text.contains(&format!("/registrations/{}", r["cancel_token"].as_str().unwrap())), "{text}");
    }
    // The three seats stay open for others; a group waiting together does not block them.
    let single = post(&app, session, &signup(7, None)).await.json::<Value>().await.unwrap();
    assert_eq!(single["status"], "confirmed");
    assert_eq!(app.count_registrations(session, "confirmed").await, 1);
    // One seat more and the single cancelling make four: the group moves up as one.
    let res =
        app.patch(&format!("/api/v1/sessions/{session}"), Some(&app.manager_token), &json!({ "capacity": 4 })).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(app.count_registrations(session, "confirmed").await, 1, "three seats are not four");
    let cancel =
        app.post("/api/v1/registrations/cancel", None, &json!({ "cancel_token": single["cancel_token"] })).await;
    assert_eq!(cancel.status(), 200);
    assert_eq!(app.count_registrations(session, "confirmed").await, 4);
    assert_eq!(app.count_registrations(session, "waitlisted").await, 0);
    // Each has their own registration: cancelling one leaves the others.
    let first = &answer["registrations"][0];
    let cancel =
        app.post("/api/v1/registrations/cancel", None, &json!({ "cancel_token": first["cancel_token"] })).await;
    assert_eq!(cancel.status(), 200);
    assert_eq!(app.count_registrations(session, "confirmed").await, 3);
}

async fn split_seats_as_many_as_fit_and_the_rest_wait(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let session = app.schedule(3, 7, json!({})).await["id"].as_i64().unwrap();
    let answer: Value = post(&app, session, &group(0, 4, Some("split"), None)).await.json().await.unwrap();
    assert_eq!(statuses(&answer), ["confirmed", "confirmed", "confirmed", "waitlisted"], "{answer}");
    assert_eq!(answer["registrations"][3]["waitlist_position"], 1);
    // Split members move up one by one, like anyone.
    let token = &answer["registrations"][1]["cancel_token"];
    app.post("/api/v1/registrations/cancel", None, &json!({ "cancel_token": token })).await;
    assert_eq!(app.count_registrations(session, "confirmed").await, 3);
    assert_eq!(app.count_registrations(session, "waitlisted").await, 0);
    // Room for all: seated whatever the choice.
    let other = app.schedule(10, 7, json!({})).await["id"].as_i64().unwrap();
    let answer: Value = post(&app, other, &group(10, 2, None, None)).await.json().await.unwrap();
    assert_eq!(statuses(&answer), ["confirmed", "confirmed"]);
    // The roster shows each person with the relation their registrant gave.
    let roster: Value =
        app.get(&format!("/api/v1/sessions/{other}/registrations"), Some(&app.staff_token)).await.json().await.unwrap();
    assert_eq!(roster.as_array().unwrap().len(), 2);
    assert!(roster.as_array().unwrap().iter().all(|r| r["registrant_name"] == "門司 一子"));
}

async fn one_submission_makes_one_group(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let session = app.schedule(10, 7, json!({})).await["id"].as_i64().unwrap();
    let body = group(0, 3, None, None);
    let send = |body: Value| {
        let app = &app;
        async move {
            app.client
                .post(app.url(&format!("/api/v1/sessions/{session}/registrations")))
                .header("Idempotency-Key", "family-0001")
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let first = send(body.clone()).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = send(body.clone()).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first, "the same three, in the order sent");
    assert_eq!(app.count_rows("registrations").await, 3);
    let other = send(group(0, 2, None, None)).await;
    assert_eq!(other.status(), 409);
    assert_eq!(other.json::<Value>().await.unwrap()["error"]["code"], "idempotency_mismatch");
    assert_eq!(app.count_rows("registrations").await, 3);
}

async fn a_group_that_cannot_be_taken_changes_nothing(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let session = app.schedule(10, 7, json!({})).await["id"].as_i64().unwrap();
    let cases: Vec<(Value, &str, &str)> = vec![
        (group(0, 5, None, None), "attendees", "4人まで"),
        (
            {
                let mut b = group(0, 2, None, None);
                b["attendee"] = person(9);
                b
            },
            "attendees",
            "どちらか一方",
        ),
        (group(0, 2, Some("some"), None), "if_not_enough_seats", "split"),
        (
            {
                let mut b = group(0, 2, None, None);
                b["attendees"][1] = person(0);
                b
            },
            "attendees.1.name",
            "二度",
        ),
        (
            {
                let mut b = group(0, 2, None, None);
                b["attendees"][1]["phone"] = json!("12-34");
                b
            },
            "attendees.1.phone",
            "電話番号",
        ),
    ];
    for (body, field, words) in cases {
        let res = post(&app, session, &body).await;
        assert_eq!(res.status(), 422, "{body}");
        let err: Value = res.json().await.unwrap();
        let message = err["error"]["fields"][field].as_str().unwrap_or_default().to_string();
        assert!(message.contains(words), "{field}: {err}");
    }
    assert_eq!(app.count_rows("registrations").await, 0);
    assert_eq!(app.count_rows("outbox").await, 0);
}

async fn a_rush_of_groups_and_singles_never_overbooks_or_splits_a_group(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let session = app.schedule(10, 7, json!({})).await["id"].as_i64().unwrap();
    // 24 submissions at once: groups of two to four waiting together, some splitting, singles.
    let bodies: Vec<Value> = (0..24)
        .map(|i| match i % 4 {
            0 => signup(100 + i, None),
            1 => group(i * 10, 2 + i % 3, None, None),
            2 => group(i * 10, 4, Some("split"), None),
            _ => group(i * 10, 3, None, None),
        })
        .collect();
    let answers = futures::future::join_all(bodies.iter().map(|b| post(&app, session, b))).await;
    assert!(answers.iter().all(|r| r.status() == 201), "{:?}", answers.iter().map(|r| r.status()).collect::<Vec<_>>());
    let check = || async {
        assert!(app.count_registrations(session, "confirmed").await <= 10, "never past capacity");
        // A group waiting together has all its live members in one state.
        let split_groups = app
            .scalar(
                "SELECT COUNT(*) FROM (SELECT group_id FROM registrations WHERE keeps_together AND status <> 'cancelled'
                 GROUP BY group_id HAVING COUNT(DISTINCT status) > 1) g",
            )
            .await;
        assert_eq!(split_groups, 0, "no group split without its consent");
    };
    check().await;
    assert_eq!(
        app.count_registrations(session, "confirmed").await,
        app.scalar(&format!("SELECT CAST(confirmed_count AS BIGINT) FROM sessions WHERE id = {session}")).await,
        "the counter agrees with the rows"
    );
    // Cancellations at once move people up; still never past capacity, never split.
    let tokens: Vec<String> = app
        .texts(&format!(
            "SELECT cancel_token FROM registrations WHERE session_id = {session} AND status = 'confirmed' ORDER BY id LIMIT 5"
        ))
        .await;
    let cancels: Vec<Value> = tokens.iter().map(|t| json!({ "cancel_token": t })).collect();
    futures::future::join_all(cancels.iter().map(|body| app.post("/api/v1/registrations/cancel", None, body))).await;
    check().await;
    // `ippo check` recomputes every counter from the rows and fails on a difference.
    app.cli(&["check"], &[]).await;
}

both_backends!(
    four_for_three_seats_wait_together_and_move_up_together,
    split_seats_as_many_as_fit_and_the_rest_wait,
    one_submission_makes_one_group,
    a_group_that_cannot_be_taken_changes_nothing,
    a_rush_of_groups_and_singles_never_overbooks_or_splits_a_group,
);

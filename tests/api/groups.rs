//! Several attendees in one sign-up: seated together or waitlisted together unless the
//! family chose to split, each with their own registration, one mail listing everyone,
//! one idempotent submission, and a rush that never overbooks or splits a group.

use std::time::Duration as StdDuration;

use chrono::{DurationRound, FixedOffset, Utc};
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
    let Some(registrations) = answer["registrations"].as_array() else { panic!("not a group's answer: {answer}") };
    registrations.iter().map(|r| r["status"].as_str().unwrap().to_string()).collect()
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

/// A consultation books one slot per attendee: a couple with one advisor takes two slots
/// (each their own), a couple asking for one slot that has one place left waits together
/// or splits as they chose, and a freed place goes to whoever waits for that slot.
async fn a_consultation_group_books_one_slot_per_attendee(backend: Backend) {
    let sink = SmtpSink::start().await;
    let app = spawn_app(backend, Options { smtp_port: Some(sink.port), ..Default::default() }).await;
    let starts = (Utc::now() + chrono::Duration::days(5)).duration_trunc(chrono::Duration::minutes(1)).unwrap();
    let slot = |n: i64| starts + chrono::Duration::minutes(30 * n);
    let rfc = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let session = app
        .schedule(
            1,
            5,
            json!({ "kind": "consultation", "slot_minutes": 30, "advisors": 1,
                    "starts_at": rfc(slot(0)), "ends_at": rfc(slot(3)) }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let couple = |first: usize, shared: i64, own: Option<i64>, choice: Option<&str>| {
        // (A registrant of their own each: one address may sign up four people at most.)
        let mut body = group(first, 2, choice, Some(&format!("ichiko{first}@example.jp")));
        body["slot_starts_at"] = json!(rfc(slot(shared)));
        if let Some(own) = own {
            body["attendees"][1]["slot_starts_at"] = json!(rfc(slot(own)));
        }
        body
    };
    // Each in their own slot: both seated, one after the other.
    let a: Value = post(&app, session, &couple(0, 0, Some(1), None)).await.json().await.unwrap();
    assert_eq!(statuses(&a), ["confirmed", "confirmed"], "{a}");
    let booked = app
        .texts(&format!(
            "SELECT CAST(slot_starts_at AS TEXT) FROM registrations
             WHERE session_id = {session} AND status = 'confirmed' ORDER BY id"
        ))
        .await;
    assert_eq!(booked.len(), 2);
    assert_ne!(booked[0], booked[1], "one slot per attendee: {booked:?}");
    // The mail lists each person with their own slot.
    let text = sink.inbox.wait_for(1, MAIL_WAIT).await[0].text();
    let tokyo = |t: chrono::DateTime<Utc>| t.with_timezone(&FixedOffset::east_opt(9 * 3600).unwrap()).format("%H:%M");
    for (n, t) in [(0, slot(0)), (1, slot(1))] {
        let line = format!("門司 花子{n} 様　{}〜{}", tokyo(t), tokyo(t + chrono::Duration::minutes(30)));
        assert!(text.contains(&line), "{line} in {text}");
    }
    // Both asking for the last slot, which has one place: never a silent split.
    let b: Value = post(&app, session, &couple(10, 2, None, None)).await.json().await.unwrap();
    assert_eq!(statuses(&b), ["waitlisted", "waitlisted"], "{b}");
    let c: Value = post(&app, session, &couple(20, 2, None, Some("split"))).await.json().await.unwrap();
    assert_eq!(statuses(&c), ["confirmed", "waitlisted"], "{c}");
    // A slot that does not exist is named on that person's field, and nothing is stored.
    let mut wrong = couple(30, 0, None, None);
    wrong["attendees"][1]["slot_starts_at"] = json!(rfc(slot(0) + chrono::Duration::minutes(10)));
    let res = post(&app, session, &wrong).await;
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.unwrap();
    assert!(err["error"]["fields"]["attendees.1.slot_starts_at"].is_string(), "{err}");
    assert_eq!(app.count_rows("registrations").await, 6);
    // A freed place in slot 0 helps nobody waiting (they wait for slot 2)…
    let cancel = |token: &Value| {
        let body = json!({ "cancel_token": token });
        let app = &app;
        async move { app.post("/api/v1/registrations/cancel", None, &body).await.status() }
    };
    assert_eq!(cancel(&a["registrations"][0]["cancel_token"]).await, 200);
    assert_eq!(app.count_registrations(session, "waitlisted").await, 3);
    // …one in slot 2 goes to the first who can take it alone: the couple waiting
    // together needs two places there, the split couple's second needs one.
    assert_eq!(cancel(&c["registrations"][0]["cancel_token"]).await, 200);
    let promoted = c["registrations"][1]["id"].as_i64().unwrap();
    assert_eq!(
        app.scalar(&format!("SELECT COUNT(*) FROM registrations WHERE id = {promoted} AND status = 'confirmed'")).await,
        1
    );
    assert_eq!(app.count_registrations(session, "waitlisted").await, 2);
    app.cli(&["check"], &[]).await;
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
    a_consultation_group_books_one_slot_per_attendee,
);

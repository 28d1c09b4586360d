//! The follow-up a few weeks after a course, and the usage rate it measures: queued once
//! on its day for attendees who came and agreed, asked by mail or by the staff's call,
//! answered by link or typed in, and counted exactly.

use std::time::Duration as StdDuration;

use chrono::{Datelike, Duration, Utc};
use serde_json::{json, Value};

use crate::{
    both_backends,
    helpers::*,
    smtp::{ReceivedMail, SmtpSink},
};

const MAIL_WAIT: StdDuration = StdDuration::from_secs(30);

/// Options for a follow-up test: mail to the sink, housekeeping every second.
fn options(smtp_port: u16) -> Options {
    Options {
        smtp_port: Some(smtp_port),
        extra_env: vec![("IPPO_HOUSEKEEPING_INTERVAL".into(), "1".into())],
        ..Default::default()
    }
}

/// A session at venue 1 that ended `days_ago` days ago (two hours long), on `topic`.
async fn ended(app: &TestApp, days_ago: i64, topic: &str) -> i64 {
    let starts = Utc::now() - Duration::days(days_ago) - Duration::hours(2);
    let extra = json!({ "starts_at": starts.to_rfc3339(), "ends_at": (starts + Duration::hours(2)).to_rfc3339(), "topic": topic });
    app.schedule(20, 0, extra).await["id"].as_i64().unwrap()
}

/// Person `n` signed up at the counter (staff), with an e-mail or none, agreeing to the
/// follow-up or not; returns the registration id.
async fn sign_up(app: &TestApp, session: i64, n: usize, email: Option<&str>, consent: bool) -> i64 {
    let mut body = signup(n, email.map(str::to_string));
    body["channel"] = json!("counter");
    body["followup_consent"] = json!(consent);
    let res = app.post(&format!("/api/v1/sessions/{session}/registrations"), Some(&app.staff_token), &body).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn mark(app: &TestApp, registration: i64, attendance: &str) {
    let path = format!("/api/v1/registrations/{registration}/attendance");
    let res = app.post(&path, Some(&app.staff_token), &json!({ "attendance": attendance })).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

fn followup_mails<'a>(mails: &'a [ReceivedMail], to: &str) -> Vec<&'a ReceivedMail> {
    mails.iter().filter(|m| m.to == [to] && m.text().contains("/followup/")).collect()
}

/// The token of the follow-up link in a mail.
fn token_in(mail: &ReceivedMail) -> String {
    let text = mail.text();
    let at = text.find("/followup/").expect("a follow-up link") + "/followup/".len();
    text[at..].chars().take_while(|c| c.is_ascii_hexdigit()).collect()
}

async fn followup_of(app: &TestApp, registration: i64) -> i64 {
    app.scalar(&format!("SELECT id FROM followups WHERE registration_id = {registration}")).await
}

/// Waits for housekeeping to queue a follow-up for a fresh canary (ended 31 days ago, an
/// e-mail, agreed, came): every round before that one has run, so what was not queued
/// by then never will be.
async fn after_a_round(app: &TestApp, smtp: &SmtpSink, n: usize) {
    let session = ended(app, 31, "maps").await;
    let address = format!("canary{n}@example.jp");
    let id = sign_up(app, session, 90 + n, Some(&address), true).await;
    mark(app, id, "attended").await;
    let inbox = smtp.inbox.clone();
    eventually(MAIL_WAIT, "the canary's follow-up", || {
        let (inbox, address) = (inbox.clone(), address.clone());
        async move { followup_mails(&inbox.all().await, &address).len() == 1 }
    })
    .await;
}

/// Asked once on its day, only of those who came and agreed, by mail or on the call list,
/// whichever of two instances runs the housekeeping; answered once by link.
async fn a_followup_is_asked_once_of_those_who_came_and_agreed(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let mut with_rounds = options(smtp.port);
    with_rounds.extra_env.push(("IPPO_FOLLOWUP_DAYS".into(), "30,90".into()));
    let app = spawn_app(backend, with_rounds).await;
    let _second = app.another_instance().await;
    let due = ended(&app, 31, "line").await;
    let early = ended(&app, 29, "line").await;
    let came = sign_up(&app, due, 1, Some("came@example.jp"), true).await;
    let by_phone = sign_up(&app, due, 2, None, true).await;
    let no_consent = sign_up(&app, due, 3, Some("noconsent@example.jp"), false).await;
    let no_show = sign_up(&app, due, 4, Some("noshow@example.jp"), true).await;
    let too_early = sign_up(&app, early, 5, Some("early@example.jp"), true).await;
    // Ended 91 days ago: the first round's fortnight is long past, the second is due.
    let long_ago = ended(&app, 91, "maps").await;
    let second_round = sign_up(&app, long_ago, 6, Some("second@example.jp"), true).await;
    for id in [came, by_phone, no_consent, too_early, second_round] {
        mark(&app, id, "attended").await;
    }
    mark(&app, no_show, "no_show").await;
    after_a_round(&app, &smtp, 1).await;
    // Queued by then; its mail may still be on its way.
    let inbox = smtp.inbox.clone();
    eventually(MAIL_WAIT, "the follow-up mail", || {
        let inbox = inbox.clone();
        async move { !followup_mails(&inbox.all().await, "came@example.jp").is_empty() }
    })
    .await;

    let mails = smtp.inbox.all().await;
    let to_came = followup_mails(&mails, "came@example.jp");
    assert_eq!(to_came.len(), 1, "asked once, though two instances run the housekeeping");
    for nobody in ["noconsent@example.jp", "noshow@example.jp", "early@example.jp"] {
        assert!(followup_mails(&mails, nobody).is_empty(), "{nobody} is not asked");
    }
    assert_eq!(app.count_rows("followups").await, 4, "came, by phone, the second round, the canary");
    let rounds = format!("SELECT CAST(round AS BIGINT) FROM followups WHERE registration_id = {second_round}");
    assert_eq!(app.scalar(&rounds).await, 2, "only the round that is due, not both at once");
    let phone_channel =
        format!("SELECT COUNT(*) FROM followups WHERE registration_id = {by_phone} AND channel = 'phone'");
    assert_eq!(app.scalar(&phone_channel).await, 1, "without e-mail: the staff's call");

    // The link: the questionnaire names the course and the choices, never the person.
    let token = token_in(to_came[0]);
    let path = format!("/api/v1/followups/{token}");
    let q: Value = app.get(&path, None).await.json().await.unwrap();
    assert_eq!(q["session_title"], "テスト講座");
    assert_eq!((q["round"].as_i64(), q["answered"].as_bool()), (Some(1), Some(false)));
    let codes: Vec<&str> = q["services"].as_array().unwrap().iter().map(|s| s["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"cashless") && codes.contains(&"mynaportal"), "{q}");
    assert!(!q.to_string().contains("北九 花子"), "no personal data behind a link: {q}");

    // Bad answers are named and change nothing.
    let res = app.post(&path, None, &json!({ "services_used": ["fax"], "with_help": false })).await;
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.unwrap();
    let message = err["error"]["fields"]["services_used"].as_str().unwrap();
    assert!(message.contains("fax") && message.contains("cashless"), "names the value and what is accepted: {message}");
    let res = app.post(&path, None, &json!({ "services_used": ["cashless"] })).await;
    assert_eq!(res.status(), 422, "on their own or with help is asked of those who used a service");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM followups WHERE answered_at IS NOT NULL").await, 0);
    assert_eq!(app.get("/api/v1/followups/0000", None).await.status(), 404);

    let answer = json!({ "services_used": ["cashless", "mynaportal"], "with_help": false, "barriers": [], "comment": "孫とLINEしています" });
    assert_eq!(app.post(&path, None, &answer).await.status(), 201);
    let again = app.post(&path, None, &answer).await;
    assert_eq!(again.status(), 409, "answered once per link");
    assert_eq!(again.json::<Value>().await.unwrap()["error"]["code"], "followup_answered");
    let page = app.client.get(app.url(&format!("/followup/{token}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("もうお答えいただいています"), "the page says it was answered");

    // The attendee's data export shows the agreement and the follow-up with its answer.
    let export = app.get(&format!("/admin/registrations/{came}/export"), Some(&app.admin_token)).await;
    let export: Value = export.json().await.unwrap();
    assert!(export["followup_consent_at"].is_string(), "{export}");
    assert_eq!(export["followups"][0]["services_used"], "cashless,mynaportal");

    // Erased on request (as by retention): the unanswered follow-up ends, its link with it.
    // (Queued in the same round as the canary's, so its mail may still be on its way.)
    let inbox = smtp.inbox.clone();
    eventually(MAIL_WAIT, "the second round's mail", || {
        let inbox = inbox.clone();
        async move { followup_mails(&inbox.all().await, "second@example.jp").len() == 1 }
    })
    .await;
    let mails = smtp.inbox.all().await;
    let asked = followup_mails(&mails, "second@example.jp");
    let second = format!("/api/v1/followups/{}", token_in(asked[0]));
    assert_eq!(app.get(&second, None).await.status(), 200);
    let erase = app.client.post(app.url(&format!("/admin/registrations/{second_round}/erase")));
    assert_eq!(erase.bearer_auth(&app.admin_token).send().await.unwrap().status(), 303);
    assert_eq!(app.get(&second, None).await.status(), 404);
    let expired =
        format!("SELECT COUNT(*) FROM followups WHERE registration_id = {second_round} AND closed_reason = 'expired'");
    assert_eq!(app.scalar(&expired).await, 1);
}

/// The phone: the venue's staff see whom to call (and only they), type in an answer, or
/// record "no answer" — twice, then never again — or "declined"; the public form needs
/// one choice or "none".
async fn the_call_list_asks_by_phone_and_stops(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let app = spawn_app(backend, options(smtp.port)).await;
    let session = ended(&app, 31, "line").await;
    let answers = sign_up(&app, session, 1, None, true).await;
    let unreachable = sign_up(&app, session, 2, None, true).await;
    let declines = sign_up(&app, session, 3, None, true).await;
    for id in [answers, unreachable, declines] {
        mark(&app, id, "attended").await;
    }
    after_a_round(&app, &smtp, 1).await;
    let list = app.client.get(app.url("/staff/followups")).bearer_auth(&app.staff_token).send().await.unwrap();
    assert_eq!(list.status(), 200);
    let list = list.text().await.unwrap();
    for n in 1..=3 {
        assert!(list.contains(&format!("北九 花子{n}")), "person {n} is on the list");
    }
    assert!(!list.contains("北九 花子91"), "the canary has e-mail: asked by mail, not by phone");
    let other = app.client.get(app.url("/staff/followups")).bearer_auth(&app.other_staff_token).send().await.unwrap();
    assert!(!other.text().await.unwrap().contains("北九 花子1"), "another venue's staff do not see them");
    let logged = app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'followup.calls'").await;
    assert!(logged >= 2, "every look at the list is on record");

    let post = |token: String, path: String, form: Vec<(&'static str, &'static str)>| {
        let client = app.client.clone();
        let url = app.url(&path);
        async move { client.post(url).bearer_auth(token).form(&form).send().await.unwrap() }
    };
    let entry = format!("/staff/followups/{}", followup_of(&app, answers).await);
    let res = post(app.other_staff_token.clone(), entry.clone(), vec![("none_used", "on")]).await;
    assert_eq!(res.status(), 403, "only the venue's staff");
    let res = post(app.staff_token.clone(), entry.clone(), vec![]).await;
    assert_eq!(res.status(), 422, "an untouched form is not taken for 'none'");
    assert!(res.text().await.unwrap().contains("どれも使っていない"));
    let both = vec![("services_used", "cashless"), ("none_used", "on"), ("with_help", "no")];
    assert_eq!(post(app.staff_token.clone(), entry.clone(), both).await.status(), 422);
    let answered = vec![("none_used", "on"), ("barriers", "hard_to_use"), ("barriers", "no_one_to_ask")];
    assert_eq!(post(app.staff_token.clone(), entry.clone(), answered).await.status(), 303);
    let stored = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM followups WHERE registration_id = {answers} AND source = 'phone'
               AND used_any = FALSE AND barriers = 'hard_to_use,no_one_to_ask'"
        ))
        .await;
    assert_eq!(stored, 1);

    let call = |registration: i64, outcome: &'static str| {
        let app = &app;
        async move {
            let path = format!("/staff/followups/{}/call", followup_of(app, registration).await);
            post(app.staff_token.clone(), path, vec![("outcome", outcome)]).await.status()
        }
    };
    assert_eq!(call(unreachable, "no_answer").await, 303);
    let list = app.client.get(app.url("/staff/followups")).bearer_auth(&app.staff_token).send().await.unwrap();
    let list = list.text().await.unwrap();
    assert!(list.contains("北九 花子2") && list.contains("1回目まで出ませんでした"), "still on the list, once tried");
    assert_eq!(call(unreachable, "no_answer").await, 303);
    assert_eq!(call(unreachable, "no_answer").await, 409, "not called a third time");
    assert_eq!(call(declines, "declined").await, 303);
    assert_eq!(call(declines, "hung_up").await, 400);
    let list = app.client.get(app.url("/staff/followups")).bearer_auth(&app.staff_token).send().await.unwrap();
    let list = list.text().await.unwrap();
    for n in 1..=3 {
        assert!(!list.contains(&format!("北九 花子{n}")), "person {n} left the list");
    }
    let closed = app
        .scalar(
            "SELECT COUNT(*) FROM followups WHERE closed_reason IN ('unreachable', 'declined') AND answered_at IS NULL",
        )
        .await;
    assert_eq!(closed, 2);
}

/// The usage rate and its breakdowns, exact on a crafted set: people who never answered,
/// cancelled, did not come or did not agree count where they should and nowhere else.
async fn the_usage_rate_is_exact(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let app = spawn_app(backend, options(smtp.port)).await;
    let line = ended(&app, 31, "line").await;
    let maps = ended(&app, 32, "maps").await;
    let mut own_phone = signup(1, Some("own@example.jp".into()));
    own_phone["channel"] = json!("counter");
    own_phone["followup_consent"] = json!(true);
    own_phone["attendee"]["has_smartphone"] = json!(true);
    let res = app.post(&format!("/api/v1/sessions/{line}/registrations"), Some(&app.staff_token), &own_phone).await;
    let r1 = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let r2 = sign_up(&app, line, 2, None, true).await;
    let r3 = sign_up(&app, line, 3, None, true).await;
    let r4 = sign_up(&app, line, 4, None, true).await;
    let r5 = sign_up(&app, line, 5, None, true).await;
    let r6 = sign_up(&app, line, 6, None, true).await;
    let r7 = sign_up(&app, line, 7, Some("noconsent@example.jp"), false).await;
    let r8 = sign_up(&app, maps, 8, None, true).await;
    let r9 = sign_up(&app, maps, 9, None, true).await;
    let cancel = app.client.post(app.url(&format!("/staff/registrations/{r6}/cancel"))).bearer_auth(&app.staff_token);
    assert_eq!(cancel.send().await.unwrap().status(), 303);
    for id in [r1, r2, r3, r4, r7, r8, r9] {
        mark(&app, id, "attended").await;
    }
    mark(&app, r5, "no_show").await;
    let inbox = smtp.inbox.clone();
    eventually(MAIL_WAIT, "r1's follow-up", || {
        let inbox = inbox.clone();
        async move { followup_mails(&inbox.all().await, "own@example.jp").len() == 1 }
    })
    .await;
    eventually(MAIL_WAIT, "six follow-ups", || {
        let app = &app;
        async move { app.count_rows("followups").await == 6 }
    })
    .await;
    for nobody in [r5, r6, r7] {
        assert_eq!(followup_of(&app, nobody).await, 0, "registration {nobody} is not asked");
    }

    let token = token_in(followup_mails(&smtp.inbox.all().await, "own@example.jp")[0]);
    let by_link = json!({ "services_used": ["cashless"], "with_help": false });
    assert_eq!(app.post(&format!("/api/v1/followups/{token}"), None, &by_link).await.status(), 201);
    let enter = |registration: i64, form: Vec<(&'static str, &'static str)>| {
        let app = &app;
        async move {
            let path = format!("/staff/followups/{}", followup_of(app, registration).await);
            let res = app.client.post(app.url(&path)).bearer_auth(&app.staff_token).form(&form).send().await.unwrap();
            assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
        }
    };
    enter(r2, vec![("services_used", "mynaportal"), ("services_used", "cashless"), ("with_help", "yes")]).await;
    enter(r3, vec![("none_used", "on"), ("barriers", "hard_to_use")]).await;
    enter(r8, vec![("services_used", "disaster_info"), ("with_help", "no")]).await;
    let declined = format!("/staff/followups/{}/call", followup_of(&app, r9).await);
    let res = app.client.post(app.url(&declined)).bearer_auth(&app.staff_token).form(&[("outcome", "declined")]);
    assert_eq!(res.send().await.unwrap().status(), 303);

    let starts = Utc::now() - Duration::days(31) - Duration::hours(2) + Duration::hours(9);
    let fy = if starts.month() >= 4 { starts.year() } else { starts.year() - 1 };
    let report = app.get(&format!("/api/v1/reports/outcomes?fiscal_year={fy}"), Some(&app.manager_token)).await;
    assert_eq!(report.status(), 200);
    let r: Value = report.json().await.unwrap();
    assert_eq!((r["target"].as_f64(), r["baseline"].as_f64()), (Some(0.8), Some(0.62)));
    assert_eq!(
        (r["followups_sent"].as_i64(), r["answered"].as_i64(), r["declined"].as_i64()),
        (Some(6), Some(4), Some(1))
    );
    assert_eq!(r["usage_rate"], json!({ "value": 0.75, "n": 4, "too_few": true }));
    assert_eq!(r["response_rate"]["value"].as_f64(), Some(4.0 / 6.0));
    assert_eq!(r["on_own_rate"]["value"].as_f64(), Some(2.0 / 3.0));
    let line_of = |list: &str, key: &str| -> Value {
        r[list].as_array().unwrap().iter().find(|l| l["key"] == key || l["code"] == key).cloned().unwrap_or(Value::Null)
    };
    assert_eq!(
        (line_of("by_service", "cashless")["count"].as_i64(), line_of("by_service", "cashless")["on_own"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(line_of("by_service", "cashless")["share"]["value"].as_f64(), Some(0.5));
    assert_eq!(line_of("by_service", "mynaportal")["count"].as_i64(), Some(1));
    assert_eq!(line_of("by_service", "online_medical")["count"].as_i64(), Some(0), "every choice is listed");
    assert_eq!(line_of("by_barrier", "hard_to_use")["count"].as_i64(), Some(1));
    let counts = |l: Value| (l["sent"].as_i64(), l["answered"].as_i64(), l["used"].as_i64(), l["on_own"].as_i64());
    assert_eq!(counts(line_of("by_topic", "line")), (Some(4), Some(3), Some(2), Some(1)));
    assert_eq!(counts(line_of("by_topic", "maps")), (Some(2), Some(1), Some(1), Some(1)));
    assert_eq!(counts(line_of("by_device", "own")), (Some(1), Some(1), Some(1), Some(1)));
    assert_eq!(counts(line_of("by_device", "none")), (Some(5), Some(3), Some(2), Some(1)));
    assert_eq!(counts(line_of("by_age_band", "75_79")), (Some(6), Some(4), Some(3), Some(2)));
    assert_eq!(counts(line_of("by_kind", "course")), (Some(6), Some(4), Some(3), Some(2)));
    assert_eq!(r["by_venue"].as_array().unwrap().len(), 1);
    assert_eq!(app.get("/api/v1/reports/outcomes", Some(&app.staff_token)).await.status(), 403);
    assert_eq!(app.get("/api/v1/reports/outcomes?fiscal_year=1", Some(&app.manager_token)).await.status(), 422);

    // The exports: answers without anyone's name; the open data's per-session counts.
    let csv =
        app.get(&format!("/manage/exports/followup-answers.csv?fiscal_year={fy}"), Some(&app.manager_token)).await;
    assert_eq!(csv.status(), 200);
    let csv = csv.text().await.unwrap();
    assert_eq!(csv.lines().count(), 5, "a header and four answers: {csv}");
    assert!(csv.contains("mynaportal,cashless") && !csv.contains("北九"), "{csv}");
    let open = app.get(&format!("/open-data/sessions.csv?fiscal_year={fy}"), None).await.text().await.unwrap();
    let header = open.lines().next().unwrap().trim_end();
    assert!(header.ends_with("followups_sent,followups_answered,usage_rate"), "{header}");
    let line_row = open.lines().find(|l| l.starts_with(&format!("{line},"))).unwrap().trim_end();
    assert!(line_row.ends_with(",4,3,"), "a rate over three answers is left out of open data: {line_row}");
    // The dashboard shows the outcome beside the KPI.
    let page = app.client.get(app.url(&format!("/manage/kpi?fiscal_year={fy}"))).bearer_auth(&app.manager_token);
    let page = page.send().await.unwrap().text().await.unwrap();
    assert!(page.contains("市のデジタルサービスの利用率") && page.contains("75.0%") && page.contains("62.0%"));
}

/// The cells the outcome report sums (by place: venue, kind, topic; by person: kind, age
/// band, device; per partner; by choice: kind, choice) equal the per-session tallies
/// regrouped by each session's keys now, whatever moved: their nonzero sums, compared both
/// ways, by fiscal year where the cells keep it.
pub(crate) async fn cells_match_tallies(app: &TestApp) {
    let sums = |key: &str, table: &str| {
        format!(
            "SELECT {key}, SUM(sent), SUM(answered), SUM(used), SUM(on_own), SUM(unreachable), SUM(declined)
             FROM {table} GROUP BY {key}
             HAVING SUM(sent) <> 0 OR SUM(answered) <> 0 OR SUM(used) <> 0 OR SUM(unreachable) <> 0 OR SUM(declined) <> 0"
        )
    };
    let fy = match app.backend {
        Backend::Sqlite => "CAST(strftime('%Y', s.starts_at, '+9 hours', '-3 months') AS INTEGER)",
        Backend::Postgres => "ippo_fiscal_year(s.starts_at)",
    };
    let live = format!(
        "(SELECT t.*, s.venue_id, s.kind, s.topic, {fy} AS fiscal_year FROM followup_tallies t
          JOIN sessions s ON s.id = t.session_id WHERE s.status <> 'cancelled') x"
    );
    let live = live.as_str();
    let linked =
        "(SELECT t.*, s.venue_id, s.kind, sp.partner_id FROM followup_tallies t JOIN sessions s ON s.id = t.session_id
                   JOIN session_partners sp ON sp.session_id = s.id WHERE s.status <> 'cancelled') x";
    let chosen = format!(
        "(SELECT {fy} AS fiscal_year, s.kind, t.kind AS choice_kind, t.code, SUM(t.count) AS n, SUM(t.on_own) AS o
          FROM followup_choice_tallies t JOIN sessions s ON s.id = t.session_id WHERE s.status <> 'cancelled'
          GROUP BY {fy}, s.kind, t.kind, t.code HAVING SUM(t.count) <> 0) x"
    );
    let cells_chosen =
        "(SELECT fiscal_year, kind, choice_kind, code, SUM(count) AS n, SUM(on_own) AS o FROM outcome_ticked_cells
                         GROUP BY fiscal_year, kind, choice_kind, code HAVING SUM(count) <> 0) x";
    for (cells, tallies) in [
        (
            sums("fiscal_year, venue_id, kind, topic", "outcome_place_cells"),
            sums("fiscal_year, venue_id, kind, topic", live),
        ),
        (
            sums("fiscal_year, kind, age_band, device", "outcome_person_cells"),
            sums("fiscal_year, kind, age_band, device", live),
        ),
        (sums("venue_id, kind, partner_id", "outcome_partner_cells"), sums("venue_id, kind, partner_id", linked)),
        (format!("SELECT * FROM {cells_chosen}"), format!("SELECT * FROM {chosen}")),
    ] {
        let differ = format!("SELECT COUNT(*) FROM (SELECT * FROM ({cells}) a EXCEPT SELECT * FROM ({tallies}) b) d");
        assert_eq!(app.scalar(&differ).await, 0, "cells without their tallies: {cells}");
        let differ = format!("SELECT COUNT(*) FROM (SELECT * FROM ({tallies}) a EXCEPT SELECT * FROM ({cells}) b) d");
        assert_eq!(app.scalar(&differ).await, 0, "tallies missing from the cells: {tallies}");
    }
}

/// The outcome report follows its sessions: a session edited to another venue or topic,
/// moved to another fiscal year, cancelled and restored, or linked to a partner and
/// unlinked counts where it is now, in every breakdown, on the next report.
async fn the_outcome_report_follows_sessions_that_move(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let a = ended(&app, 31, "line").await;
    let b = ended(&app, 32, "maps").await;
    // Counts written by hand, as the follow-ups' own transactions would.
    app.execute(&format!(
        "INSERT INTO followup_tallies (session_id, age_band, device, sent, answered, used, on_own) VALUES
         ({a}, '75_79', 'none', 3, 2, 1, 1), ({a}, '70_74', 'own', 2, 2, 2, 0), ({b}, '75_79', 'none', 4, 1, 1, 0)"
    ))
    .await;
    app.execute(&format!(
        "INSERT INTO followup_choice_tallies (session_id, kind, code, count, on_own) VALUES
         ({a}, 'service', 'cashless', 3, 1), ({b}, 'service', 'cashless', 1, 0)"
    ))
    .await;
    app.execute(&format!(
        "UPDATE followup_tallies SET answered = answered + 1, used = used + 1 WHERE session_id = {b}"
    ))
    .await;
    cells_match_tallies(&app).await;

    let starts = Utc::now() - Duration::days(31) - Duration::hours(2) + Duration::hours(9);
    let fy = if starts.month() >= 4 { starts.year() } else { starts.year() - 1 };
    let report = |query: String| {
        let app = &app;
        async move {
            let res = app.get(&format!("/api/v1/reports/outcomes?{query}"), Some(&app.manager_token)).await;
            assert_eq!(res.status(), 200);
            res.json::<Value>().await.unwrap()
        }
    };
    let counts = |l: &Value| (l["sent"].as_i64(), l["answered"].as_i64(), l["used"].as_i64(), l["on_own"].as_i64());
    let totals = |r: &Value| (r["followups_sent"].as_i64(), r["answered"].as_i64(), r["usage_rate"]["value"].as_f64());
    let line = |r: &Value, list: &str, key: &str| -> Value {
        r[list].as_array().unwrap().iter().find(|l| l["key"] == key || l["code"] == key).cloned().unwrap_or(Value::Null)
    };
    let keys = |r: &Value, list: &str| -> Vec<String> {
        r[list].as_array().unwrap().iter().map(|l| l["key"].as_str().unwrap().to_string()).collect()
    };
    let r = report(format!("fiscal_year={fy}")).await;
    assert_eq!(totals(&r), (Some(9), Some(6), Some(5.0 / 6.0)));
    assert_eq!(counts(&line(&r, "by_topic", "line")), (Some(5), Some(4), Some(3), Some(1)));
    assert_eq!(counts(&line(&r, "by_topic", "maps")), (Some(4), Some(2), Some(2), Some(0)));
    assert_eq!(counts(&line(&r, "by_age_band", "70_74")), (Some(2), Some(2), Some(2), Some(0)));
    assert_eq!(counts(&line(&r, "by_device", "none")), (Some(7), Some(4), Some(3), Some(1)));
    assert_eq!(line(&r, "by_service", "cashless")["count"].as_i64(), Some(4));

    // Linked to a partner: its counts are the partner's.
    let body = json!({ "partner_id": 1, "role": "instructor" });
    let res = app.post(&format!("/api/v1/sessions/{a}/partners"), Some(&app.manager_token), &body).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let r = report(format!("fiscal_year={fy}")).await;
    assert_eq!(counts(&line(&r, "by_partner", "1")), (Some(5), Some(4), Some(3), Some(1)));

    // Edited to another venue and topic: it leaves the old lines.
    let moved = json!({ "venue_id": 2, "topic": "line" });
    let res = app.patch(&format!("/api/v1/sessions/{b}"), Some(&app.manager_token), &moved).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let r = report(format!("fiscal_year={fy}")).await;
    assert_eq!(keys(&r, "by_topic"), ["line"]);
    assert_eq!(counts(&line(&r, "by_topic", "line")), (Some(9), Some(6), Some(5), Some(1)));
    assert_eq!(keys(&r, "by_venue"), ["1", "2"]);
    assert_eq!(counts(&line(&r, "by_venue", "2")), (Some(4), Some(2), Some(2), Some(0)));
    // Narrowed to a venue, age bands and devices come from that venue's tallies.
    let here = report(format!("fiscal_year={fy}&venue_id=2")).await;
    assert_eq!(totals(&here), (Some(4), Some(2), Some(1.0)));
    assert_eq!(keys(&here, "by_age_band"), ["75_79"]);
    assert_eq!(line(&here, "by_service", "cashless")["count"].as_i64(), Some(1));
    assert_eq!(counts(&line(&here, "by_device", "none")), (Some(4), Some(2), Some(2), Some(0)));
    assert_eq!(
        counts(&line(&report(format!("fiscal_year={fy}&venue_id=1")).await, "by_device", "own")),
        (Some(2), Some(2), Some(2), Some(0))
    );
    cells_match_tallies(&app).await;

    // Moved to another fiscal year (FY2020), with its partner.
    app.execute(&format!(
        "UPDATE sessions SET starts_at = '2020-06-01T01:00:00+00:00', ends_at = '2020-06-01T03:00:00+00:00' WHERE id = {a}"
    ))
    .await;
    let r = report(format!("fiscal_year={fy}")).await;
    assert_eq!(totals(&r), (Some(4), Some(2), Some(1.0)));
    assert!(r["by_partner"].as_array().unwrap().is_empty(), "{}", r["by_partner"]);
    assert_eq!(line(&r, "by_service", "cashless")["count"].as_i64(), Some(1));
    let old = report("fiscal_year=2020".into()).await;
    assert_eq!(totals(&old), (Some(5), Some(4), Some(0.75)));
    assert_eq!(counts(&line(&old, "by_age_band", "70_74")), (Some(2), Some(2), Some(2), Some(0)));
    cells_match_tallies(&app).await;
    assert_eq!(counts(&line(&old, "by_partner", "1")), (Some(5), Some(4), Some(3), Some(1)));

    // Cancelled, it counts nowhere; restored, it counts again.
    let res = app.post(&format!("/api/v1/sessions/{b}/cancel"), Some(&app.manager_token), &json!({})).await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    let r = report(format!("fiscal_year={fy}")).await;
    assert_eq!(totals(&r), (Some(0), Some(0), None));
    assert!(r["by_venue"].as_array().unwrap().is_empty() && r["by_age_band"].as_array().unwrap().is_empty());
    cells_match_tallies(&app).await;
    app.execute(&format!("UPDATE sessions SET status = 'scheduled' WHERE id = {b}")).await;
    assert_eq!(totals(&report(format!("fiscal_year={fy}")).await), (Some(4), Some(2), Some(1.0)));

    // Unlinked: the partner's line goes.
    let unlink =
        app.client.delete(app.url(&format!("/api/v1/sessions/{a}/partners/1"))).bearer_auth(&app.manager_token);
    assert!(unlink.send().await.unwrap().status().is_success());
    assert!(report("fiscal_year=2020".into()).await["by_partner"].as_array().unwrap().is_empty());
    cells_match_tallies(&app).await;
}

/// Consent to the follow-up is recorded with its time from the API and from the public form.
async fn the_sign_up_records_consent_to_the_followup(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let id = app.schedule(10, 5, json!({})).await["id"].as_i64().unwrap();
    let mut body = signup(1, None);
    body["followup_consent"] = json!(true);
    assert_eq!(app.post(&format!("/api/v1/sessions/{id}/registrations"), None, &body).await.status(), 201);
    assert_eq!(app.post(&format!("/api/v1/sessions/{id}/registrations"), None, &signup(2, None)).await.status(), 201);
    let form = [
        ("form_token", "followup-1"),
        ("attendee.name", "北九 太郎"),
        ("attendee.name_kana", "キタ タロウ"),
        ("attendee.phone", "０９３−１２３−９９９９"),
        ("attendee.age_band", "75_79"),
        ("attendee.has_smartphone", "no"),
        ("registrant.relation", "self"),
        ("consent", "on"),
        ("followup_consent", "on"),
    ];
    let res = app.client.post(app.url(&format!("/sessions/{id}/register"))).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let agreed = app.scalar("SELECT COUNT(*) FROM registrations WHERE followup_consent_at IS NOT NULL").await;
    assert_eq!(agreed, 2, "the API's and the form's, not the one who did not tick it");
}

both_backends!(
    a_followup_is_asked_once_of_those_who_came_and_agreed,
    the_call_list_asks_by_phone_and_stops,
    the_usage_rate_is_exact,
    the_outcome_report_follows_sessions_that_move,
    the_sign_up_records_consent_to_the_followup,
);

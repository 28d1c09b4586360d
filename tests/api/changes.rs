//! Changes and messages people can rely on: schedule edits that keep records and tell
//! people, one outcome per submission, mail that arrives or lands on the call list,
//! input as Japanese phones type it, and exports safe for Excel.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, DurationRound, Utc};
use serde_json::{json, Value};

use crate::{
    both_backends,
    helpers::*,
    smtp::{Inbox, SmtpSink},
};

const MAIL_WAIT: StdDuration = StdDuration::from_secs(20);

fn rfc(t: DateTime<Utc>) -> String {
    t.to_rfc3339()
}

/// A staff sign-up of person `n` at the counter, with or without an e-mail.
fn counter_signup(n: usize, email: Option<&str>) -> Value {
    let mut body = signup(n, email.map(str::to_string));
    body["channel"] = json!("counter");
    if email.is_none() {
        body["registrant"]["phone"] = json!("");
    }
    body
}

async fn register(app: &TestApp, session: i64, body: &Value) -> Value {
    let res = app.post(&format!("/api/v1/sessions/{session}/registrations"), Some(&app.staff_token), body).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    res.json().await.unwrap()
}

/// A four-day course whose fourth day moves a week: the three days already held keep
/// their check-ins, every registrant with an e-mail is told once with the new date and a
/// calendar file that replaces the entry, and the one without e-mail is on the call list.
async fn moving_a_meeting_keeps_check_ins_and_tells_everyone(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let app = spawn_app(backend, Options { smtp_port: Some(smtp.port), ..Default::default() }).await;
    let first = Utc::now() - Duration::days(15);
    let days: Vec<DateTime<Utc>> = (0..4).map(|w| first + Duration::weeks(w)).collect();
    let meetings: Vec<Value> =
        days.iter().map(|d| json!({ "starts_at": rfc(*d), "ends_at": rfc(*d + Duration::minutes(150)) })).collect();
    let session = app.schedule(15, -15, json!({ "meetings": meetings })).await;
    let id = session["id"].as_i64().unwrap();
    let meeting_ids: Vec<i64> =
        session["meetings"].as_array().unwrap().iter().map(|m| m["id"].as_i64().unwrap()).collect();
    let with_mail = [
        register(&app, id, &counter_signup(1, Some("one@example.jp"))).await,
        register(&app, id, &counter_signup(2, Some("two@example.jp"))).await,
    ];
    let without_mail = register(&app, id, &counter_signup(3, None)).await;
    for meeting in &meeting_ids[..3] {
        let res = app
            .post(
                &format!("/api/v1/registrations/{}/attendance", with_mail[0]["id"]),
                Some(&app.staff_token),
                &json!({ "attendance": "attended", "meeting_id": meeting }),
            )
            .await;
        assert_eq!(res.status(), 200);
    }
    smtp.inbox.wait_for(2, MAIL_WAIT).await;

    // The fourth day moves a week later; the other three are sent again unchanged.
    let moved = days[3] + Duration::weeks(1);
    let mut wanted = meetings.clone();
    wanted[3] = json!({ "starts_at": rfc(moved), "ends_at": rfc(moved + Duration::minutes(150)) });
    let res =
        app.patch(&format!("/api/v1/sessions/{id}"), Some(&app.manager_token), &json!({ "meetings": wanted })).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let edited: Value = res.json().await.unwrap();
    let after: Vec<i64> = edited["meetings"].as_array().unwrap().iter().map(|m| m["id"].as_i64().unwrap()).collect();
    assert_eq!(after, meeting_ids, "every meeting keeps its id, the moved one too");
    assert_eq!(app.count_rows("attendances").await, 3, "the three check-ins are kept");
    assert!(app.cli_output(&["check"]).await.status.success(), "the session's counters still match its rows");

    let mails = smtp.inbox.wait_for(4, MAIL_WAIT).await;
    let changes: Vec<_> = mails[2..].to_vec();
    let mut told: Vec<String> = changes.iter().flat_map(|m| m.to.clone()).collect();
    told.sort();
    assert_eq!(told, vec!["one@example.jp", "two@example.jp"], "each registrant with an e-mail, once");
    let new_date = ippo::time::format_span(moved, moved + Duration::minutes(150), ippo::i18n::Lang::Ja);
    let old_date = ippo::time::format_span(days[3], days[3] + Duration::minutes(150), ippo::i18n::Lang::Ja);
    for mail in &changes {
        let text = mail.text();
        assert!(text.contains(&format!("{old_date} → {new_date}")), "the mail says old → new: {text}");
        let (content_type, ics) = mail.calendar().expect("a calendar file is attached");
        let (method, events) = strict_ics(&ics);
        assert!(content_type.contains(&format!("method={method}")), "{content_type} names METHOD:{method}");
        let fourth = events
            .iter()
            .find(|e| e["UID"] == format!("ippo-meeting-{}@ippo", meeting_ids[3]))
            .expect("the moved meeting keeps its calendar entry's UID");
        assert_eq!(fourth["DTSTART"], moved.format("%Y%m%dT%H%M%SZ").to_string());
        assert!(events.iter().all(|e| e["SEQUENCE"] == "1"), "a higher SEQUENCE replaces the old entries");
    }
    // The person without e-mail is on the staff's call list for this change.
    let calls = app.get(&format!("/staff/sessions/{id}/calls"), Some(&app.staff_token)).await.text().await.unwrap();
    assert_eq!(without_mail["status"], "confirmed");
    assert!(calls.contains("北九 花子3") && calls.contains("日程・会場の変更"), "{calls}");
    assert!(calls.contains(&new_date), "the call list says what to tell them");

    // A meeting that holds check-ins cannot disappear.
    let res = app
        .patch(
            &format!("/api/v1/sessions/{id}"),
            Some(&app.manager_token),
            &json!({ "meetings": wanted[1..].to_vec() }),
        )
        .await;
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.unwrap();
    assert!(err["error"]["fields"]["starts_at"].as_str().unwrap().contains("出欠"), "{err}");
    assert_eq!(app.count_rows("attendances").await, 3);
    let kept: Value = app.get(&format!("/api/v1/sessions/{id}"), None).await.json().await.unwrap();
    assert_eq!(kept["meetings"].as_array().unwrap().len(), 4, "nothing changed");
}

/// Cutting a consultation's advisors or lengthening its slots so that a booking would
/// be lost or a slot would hold more people than advisors is refused, like a capacity cut.
async fn a_consultation_edit_keeps_every_booking(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    // Whole minutes, as a manager schedules (the API keeps whole seconds).
    let starts = (Utc::now() + Duration::days(5)).duration_trunc(Duration::minutes(1)).unwrap();
    let session = app
        .schedule(
            1,
            5,
            json!({ "kind": "consultation", "slot_minutes": 30, "advisors": 2,
                    "starts_at": rfc(starts), "ends_at": rfc(starts + Duration::hours(2)) }),
        )
        .await;
    let id = session["id"].as_i64().unwrap();
    let second_slot = rfc(starts + Duration::minutes(30));
    for n in 0..2 {
        let mut body = counter_signup(n, None);
        body["slot_starts_at"] = json!(second_slot);
        assert_eq!(register(&app, id, &body).await["status"], "confirmed");
    }
    let path = format!("/api/v1/sessions/{id}");
    let res = app.patch(&path, Some(&app.manager_token), &json!({ "advisors": 1 })).await;
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.unwrap();
    assert!(err["error"]["fields"]["advisors"].as_str().unwrap().contains('2'), "{err}");
    let res = app.patch(&path, Some(&app.manager_token), &json!({ "slot_minutes": 45 })).await;
    assert_eq!(res.status(), 422, "the 30-minute slot at :30 would no longer exist");
    let err: Value = res.json().await.unwrap();
    assert!(err["error"]["fields"]["slot_minutes"].is_string(), "{err}");
    let kept: Value = app.get(&path, None).await.json().await.unwrap();
    assert_eq!((kept["advisors"].as_i64(), kept["slot_minutes"].as_i64()), (Some(2), Some(30)));
    // A change that keeps every booking goes through.
    assert_eq!(app.patch(&path, Some(&app.manager_token), &json!({ "advisors": 3 })).await.status(), 200);
}

/// Nobody is promoted into a session that has begun: a cancellation then promotes
/// nobody, and those still waiting are told once that no seat opened.
async fn the_waitlist_closes_when_the_session_begins(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let options = Options {
        smtp_port: Some(smtp.port),
        extra_env: vec![("IPPO_HOUSEKEEPING_INTERVAL".into(), "1".into())],
        ..Default::default()
    };
    let app = spawn_app(backend, options).await;
    let started =
        app.schedule(1, 0, json!({ "starts_at": rfc(Utc::now() - Duration::hours(1)) })).await["id"].as_i64().unwrap();
    let seated = register(&app, started, &counter_signup(1, Some("seated@example.jp"))).await;
    let waiting = register(&app, started, &counter_signup(2, Some("waiting@example.jp"))).await;
    assert_eq!(waiting["status"], "waitlisted");
    let cancel = app.url(&format!("/staff/registrations/{}/cancel", seated["id"]));
    let res = app.client.post(cancel).bearer_auth(&app.staff_token).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(app.count_registrations(started, "waitlisted").await, 1, "nobody moves into a session under way");
    assert_eq!(app.count_registrations(started, "confirmed").await, 0);

    // The housekeeping tells the waiting person, once; a second session shows a later round ran.
    let closed = |mails: &[crate::smtp::ReceivedMail], to: &str| {
        mails.iter().filter(|m| m.to == [to] && m.text().contains("席はあきませんでした")).count()
    };
    let inbox = smtp.inbox.clone();
    eventually(MAIL_WAIT, "the first waitlist closing", || {
        let inbox = inbox.clone();
        async move { closed(&inbox.all().await, "waiting@example.jp") == 1 }
    })
    .await;
    let later = app.schedule(1, 0, json!({ "starts_at": rfc(Utc::now() - Duration::minutes(5)) })).await["id"]
        .as_i64()
        .unwrap();
    register(&app, later, &counter_signup(3, None)).await;
    register(&app, later, &counter_signup(4, Some("later@example.jp"))).await;
    eventually(MAIL_WAIT, "the second waitlist closing", || {
        let inbox = inbox.clone();
        async move { closed(&inbox.all().await, "later@example.jp") == 1 }
    })
    .await;
    let mails = smtp.inbox.all().await;
    assert_eq!(closed(&mails, "waiting@example.jp"), 1, "told once");
    assert!(!mails.iter().any(|m| m.text().contains("席があきました")), "no promotion mail");
}

/// The same key with another person is refused, on the API and on the form; the same
/// key with the same body is the same sign-up.
async fn a_reused_key_with_another_person_is_refused(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let id = app.schedule(10, 5, json!({})).await["id"].as_i64().unwrap();
    let path = app.url(&format!("/api/v1/sessions/{id}/registrations"));
    let send = |body: Value| app.client.post(&path).header("idempotency-key", "key-1").json(&body).send();
    let first = send(signup(1, None)).await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let other = send(signup(2, None)).await.unwrap();
    assert_eq!(other.status(), 409);
    let err: Value = other.json().await.unwrap();
    assert_eq!(err["error"]["code"], "idempotency_mismatch");
    let again = send(signup(1, None)).await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.json::<Value>().await.unwrap()["id"], first["id"]);
    assert_eq!(app.count_registrations(id, "confirmed").await, 1);

    // The form: the same one-time key sent again with someone else.
    let form = |name: &str| {
        vec![
            ("form_token", "token-abc".to_string()),
            ("attendee.name", name.to_string()),
            ("attendee.name_kana", "キタ ハナコ".into()),
            ("attendee.phone", "093-123-4567".into()),
            ("attendee.age_band", "75_79".into()),
            ("attendee.has_smartphone", "no".into()),
            ("registrant.relation", "self".into()),
            ("registrant.phone", "090-1234-5678".into()),
            ("consent", "on".into()),
        ]
    };
    let url = app.url(&format!("/sessions/{id}/register"));
    let res = app.client.post(&url).form(&form("北九 太郎")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let res = app.client.post(&url).form(&form("北九 次郎")).send().await.unwrap();
    assert_eq!(res.status(), 409);
    let page = res.text().await.unwrap();
    assert!(page.contains("先ほど受け付けました"), "the page says the first went through");
    assert!(!page.contains("token-abc") && page.contains("name=\"form_token\""), "with a fresh form and a new key");
    assert_eq!(app.count_registrations(id, "confirmed").await, 2);
}

/// A survey sheet sent twice (a double tap) counts once, by form and by API.
async fn a_survey_sent_twice_counts_once(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let id = app.schedule(10, -1, json!({})).await["id"].as_i64().unwrap();
    let code =
        app.get(&format!("/api/v1/sessions/{id}"), Some(&app.manager_token)).await.json::<Value>().await.unwrap()
            ["survey_code"]
            .as_str()
            .unwrap()
            .to_string();
    let sheet = [("form_token", "tap-1"), ("comprehension", "1"), ("satisfaction", "1")];
    for _ in 0..2 {
        let res = app.client.post(app.url(&format!("/survey/{code}"))).form(&sheet).send().await.unwrap();
        assert_eq!(res.status(), 303);
    }
    let path = format!("/api/v1/sessions/{id}/survey-responses");
    let mut ids = Vec::new();
    for _ in 0..2 {
        let res = app
            .client
            .post(app.url(&path))
            .header("idempotency-key", "api-tap-1")
            .json(&json!({ "comprehension": 5, "survey_code": code }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        ids.push(res.json::<Value>().await.unwrap()["id"].clone());
    }
    assert_eq!(ids[0], ids[1]);
    assert_eq!(app.count_rows("survey_responses").await, 2);
    let fy = ippo::time::fiscal_year(Utc::now() - Duration::days(1));
    let kpi: Value =
        app.get(&format!("/api/v1/reports/kpi?fiscal_year={fy}"), Some(&app.manager_token)).await.json().await.unwrap();
    assert_eq!(kpi["comprehension_rate"]["n"], 2, "two answers, not four");
}

/// Addresses Japanese carriers issued before the RFC was enforced get their mail,
/// with the local part quoted as SMTP allows.
async fn carrier_addresses_receive_their_mail(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let app = spawn_app(backend, Options { smtp_port: Some(smtp.port), ..Default::default() }).await;
    let id = app.schedule(10, 5, json!({})).await["id"].as_i64().unwrap();
    for (n, email) in [(1, "taro..yamada@docomo.ne.jp"), (2, "hanako.@ezweb.ne.jp")] {
        let res = app.post(&format!("/api/v1/sessions/{id}/registrations"), None, &signup(n, Some(email.into()))).await;
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    }
    let mails = smtp.inbox.wait_for(2, MAIL_WAIT).await;
    let mut to: Vec<String> = mails.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(to, vec!["\"hanako.\"@ezweb.ne.jp", "\"taro..yamada\"@docomo.ne.jp"]);
    assert!(mails.iter().all(|m| m.header("to").is_some_and(|h| h.contains("\"@"))), "the header quotes it too");
}

/// A mail refused for good is not tried again, and puts the person on the staff's call list.
async fn a_refused_address_ends_on_the_call_list(backend: Backend) {
    let inbox = Inbox::refusing(&["nobody@example.jp"]);
    let smtp = SmtpSink::start_on(0, inbox).await;
    let options = Options {
        smtp_port: Some(smtp.port),
        extra_env: vec![("IPPO_HOUSEKEEPING_INTERVAL".into(), "1".into())],
        ..Default::default()
    };
    let app = spawn_app(backend, options).await;
    let id = app.schedule(10, 5, json!({})).await["id"].as_i64().unwrap();
    let res = app
        .post(&format!("/api/v1/sessions/{id}/registrations"), None, &signup(8, Some("nobody@example.jp".into())))
        .await;
    assert_eq!(res.status(), 201);
    let calls_path = format!("/staff/sessions/{id}/calls");
    eventually(MAIL_WAIT, "the refused mail on the call list", || async {
        let page = app.get(&calls_path, Some(&app.staff_token)).await.text().await.unwrap();
        page.contains("北九 花子8") && page.contains("メールかSMSが届いていません")
    })
    .await;
    assert_eq!(smtp.inbox.refused().await, vec!["nobody@example.jp"], "tried once, not retried");
    let metrics = app.get("/metrics", Some(&app.admin_token)).await.text().await.unwrap();
    assert!(metrics.lines().any(|l| l.starts_with("ippo_mail_given_up_total ") && !l.ends_with(" 0")), "{metrics}");
    assert!(metrics.contains("ippo_outbox_pending 0"), "a given-up mail is not pending");
    // Marking the call done takes it off the list.
    let page = app.get(&calls_path, Some(&app.staff_token)).await.text().await.unwrap();
    let task = page.split("/staff/calls/").nth(1).and_then(|rest| rest.split('/').next()).unwrap().to_string();
    let res = app
        .client
        .post(app.url(&format!("/staff/calls/{task}/done")))
        .bearer_auth(&app.staff_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let page = app.get(&calls_path, Some(&app.staff_token)).await.text().await.unwrap();
    assert!(!page.contains("メールかSMSが届いていません"));
}

/// The downloaded calendar file is the mailed one, read strictly: CRLF lines of at most
/// 75 octets, a textarea's CRLF kept as an escaped line break, and its METHOD.
async fn the_calendar_file_reads_strictly(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let app = spawn_app(backend, Options { smtp_port: Some(smtp.port), ..Default::default() }).await;
    let bring = "筆記用具\r\nお持ちのスマートフォン（充電しておいてください）\r\n老眼鏡、メモ帳、マイナンバーカードの暗証番号をひかえたもの";
    let id = app.schedule(10, 5, json!({ "what_to_bring": bring, "title": "スマホ教室 ".repeat(12) })).await["id"]
        .as_i64()
        .unwrap();
    let reg: Value = app
        .post(&format!("/api/v1/sessions/{id}/registrations"), None, &signup(1, Some("cal@example.jp".into())))
        .await
        .json()
        .await
        .unwrap();
    let mail = smtp.inbox.wait_for(1, MAIL_WAIT).await.remove(0);
    let (content_type, mailed) = mail.calendar().expect("attached");
    let (method, events) = strict_ics(&mailed);
    assert!(content_type.contains(&format!("method={method}")), "{content_type}");
    assert!(events[0]["DESCRIPTION"].starts_with(r"筆記用具\nお持ちのスマートフォン"), "{:?}", events[0]);
    let downloaded = app
        .get(&format!("/registrations/{}/calendar.ics", reg["cancel_token"].as_str().unwrap()), None)
        .await
        .text()
        .await
        .unwrap();
    let (_, downloaded_events) = strict_ics(&downloaded);
    let strip = |mut events: Vec<std::collections::HashMap<String, String>>| {
        events.iter_mut().for_each(|e| {
            e.remove("DTSTAMP");
            e.remove("VALARM.DTSTAMP");
        });
        events
    };
    assert_eq!(strip(downloaded_events), strip(events), "the mailed and the downloaded file say the same");
}

/// A formula-looking comment reaches Excel as text, and an export edited and imported
/// back keeps the original value, a meeting that runs past midnight included.
async fn exports_are_safe_for_excel_and_read_back(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let day = ippo::time::today_tokyo(Utc::now() - Duration::days(2));
    let starts = ippo::time::from_tokyo(day, chrono::NaiveTime::from_hms_opt(23, 0, 0).unwrap());
    let late =
        json!({ "description": "=1+1 で計算", "starts_at": rfc(starts), "ends_at": rfc(starts + Duration::hours(2)) });
    let id = app.schedule(10, -1, late).await["id"].as_i64().unwrap();
    let comment = "=HYPERLINK(\"http://evil.example\",\"クリック\")";
    let res = app
        .post(
            &format!("/api/v1/sessions/{id}/survey-responses"),
            Some(&app.staff_token),
            &json!({ "comprehension": 4, "comment": comment }),
        )
        .await;
    assert_eq!(res.status(), 201);
    let fy = ippo::time::fiscal_year(starts);
    let answers = app
        .get(&format!("/manage/exports/survey-answers.csv?fiscal_year={fy}&venue_id="), Some(&app.manager_token))
        .await
        .text()
        .await
        .unwrap();
    let cells: Vec<String> = csv::Reader::from_reader(answers.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .flat_map(|r| r.unwrap().iter().map(str::to_string).collect::<Vec<_>>())
        .collect();
    assert!(cells.contains(&format!("'{comment}")), "the comment is text: {cells:?}");
    assert!(!cells.iter().any(|c| c.starts_with('=')), "no cell starts a formula");

    // Sessions: exported (neutralised), imported back unchanged, the description kept.
    let file = app.get("/manage/exchange/sessions.csv", Some(&app.manager_token)).await.bytes().await.unwrap();
    assert!(String::from_utf8_lossy(&file).contains("'=1+1 で計算"));
    let path = app.data_dir().join("roundtrip.csv");
    std::fs::write(&path, &file).unwrap();
    let out = app.cli_output(&["import", "sessions", path.to_str().unwrap()]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let session: Value = app.get(&format!("/api/v1/sessions/{id}"), None).await.json().await.unwrap();
    assert_eq!(session["description"], "=1+1 で計算");
    let at = |key: &str| session[key].as_str().unwrap().parse::<DateTime<Utc>>().unwrap();
    assert_eq!(
        (at("starts_at"), at("ends_at")),
        (starts, starts + Duration::hours(2)),
        "the meeting past midnight kept"
    );
}

/// What phones and IMEs type is stored in one form.
async fn input_is_stored_as_one_canonical_value(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let id = app.schedule(10, 5, json!({})).await["id"].as_i64().unwrap();
    let mut body = signup(1, Some("ＨＡＮＡＫＯ＠Ｅｘａｍｐｌｅ．ｊｐ".into()));
    body["attendee"]["name"] = json!("　山田　　花子　");
    body["attendee"]["name_kana"] = json!("ﾔﾏﾀﾞ ﾊﾅｺ");
    body["attendee"]["phone"] = json!("（０９０）１２３４ー５６７８");
    body["registrant"]["phone"] = json!("093−582−2102");
    let res = app.post(&format!("/api/v1/sessions/{id}/registrations"), None, &body).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let roster: Vec<Value> =
        app.get(&format!("/api/v1/sessions/{id}/registrations"), Some(&app.manager_token)).await.json().await.unwrap();
    let r = &roster[0];
    assert_eq!(
        (
            &r["attendee_name"],
            &r["attendee_kana"],
            &r["attendee_phone"],
            &r["registrant_phone"],
            &r["registrant_email"]
        ),
        (
            &json!("山田 花子"),
            &json!("ヤマダ ハナコ"),
            &json!("090-1234-5678"),
            &json!("093-582-2102"),
            &json!("HANAKO@example.jp")
        )
    );
}

both_backends!(
    moving_a_meeting_keeps_check_ins_and_tells_everyone,
    a_consultation_edit_keeps_every_booking,
    the_waitlist_closes_when_the_session_begins,
    a_reused_key_with_another_person_is_refused,
    a_survey_sent_twice_counts_once,
    carrier_addresses_receive_their_mail,
    a_refused_address_ends_on_the_call_list,
    the_calendar_file_reads_strictly,
    exports_are_safe_for_excel_and_read_back,
    input_is_stored_as_one_canonical_value,
);

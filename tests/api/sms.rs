//! SMS notices over SMPP to a test SMSC on loopback: the right texts once each, in UCS-2,
//! through an SMSC that goes down and comes back, from two instances, a refused or
//! undeliverable number on the call list; the files when no SMSC is set, and stopping.

use std::time::Duration as StdDuration;

use chrono::{Duration, FixedOffset, Utc};
use serde_json::{json, Value};

use crate::{
    both_backends,
    helpers::*,
    smsc::{ReceivedSms, SmsInbox, Smsc},
    smtp::closed_port,
};

const SMS_WAIT: StdDuration = StdDuration::from_secs(60);
/// The call list's words when nobody needs a call the day before (`calls.none`).
const NOBODY_TO_CALL: &str = "電話が必要な方はいません。";

fn options(sms_url: String) -> Options {
    Options {
        extra_env: vec![("SMS_URL".into(), sms_url), ("IPPO_HOUSEKEEPING_INTERVAL".into(), "1".into())],
        ..Default::default()
    }
}

/// Person `n` agreeing to SMS, their own phone `attendee_phone`; the registrant's is
/// the helper's mobile 090-1234-5678. Returns the answer.
async fn sign_up(app: &TestApp, session: i64, n: usize, attendee_phone: &str) -> Value {
    let mut body = signup(n, None);
    body["attendee"]["phone"] = json!(attendee_phone);
    body["sms_consent"] = json!(true);
    let res = app.post(&format!("/api/v1/sessions/{session}/registrations"), None, &body).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    res.json().await.unwrap()
}

/// A session at venue 1 tomorrow 10:00–12:00 in Tokyo (its reminder is due now).
async fn tomorrow(app: &TestApp, capacity: i64) -> i64 {
    let tokyo = FixedOffset::east_opt(9 * 3600).unwrap();
    let day = (Utc::now().with_timezone(&tokyo) + Duration::days(1)).date_naive();
    let starts = day.and_hms_opt(10, 0, 0).unwrap().and_local_timezone(tokyo).unwrap();
    let body = json!({ "starts_at": starts.to_rfc3339(), "ends_at": (starts + Duration::hours(2)).to_rfc3339() });
    app.schedule(capacity, 1, body).await["id"].as_i64().unwrap()
}

fn to<'a>(messages: &'a [ReceivedSms], number: &str) -> Vec<&'a ReceivedSms> {
    messages.iter().filter(|m| m.to == number).collect()
}

/// Waits until the outbox holds no SMS still to send, then returns how many were sent.
async fn all_sms_settled(app: &TestApp) -> i64 {
    eventually(SMS_WAIT, "every SMS sent or given up", || async {
        app.scalar("SELECT COUNT(*) FROM outbox WHERE channel = 'sms' AND sent_at IS NULL AND failed_at IS NULL").await
            == 0
    })
    .await;
    app.scalar("SELECT COUNT(*) FROM outbox WHERE channel = 'sms' AND sent_at IS NOT NULL").await
}

async fn confirmation_promotion_change_and_reminder_arrive_once_each(backend: Backend) {
    let smsc = Smsc::start(SmsInbox::default()).await;
    let app = spawn_app(backend, options(smsc.url())).await;
    let session = tomorrow(&app, 1).await;
    // The attendee's own mobile, as a phone types it: full-width digits and a long dash.
    let first = sign_up(&app, session, 0, "０９０ー２０００ー０００１").await;
    assert_eq!(first["status"], "confirmed");
    // An attendee with a landline: the texts go to the registrant's mobile.
    let second = sign_up(&app, session, 1, "093-123-4568").await;
    assert_eq!(second["status"], "waitlisted");
    // The housekeeping claims the first one's reminder at once: the session is tomorrow.
    eventually(SMS_WAIT, "the first one's reminder", || async {
        to(&smsc.inbox.all().await, "819020000001").iter().any(|m| m.text.contains("明日"))
    })
    .await;
    let cancel =
        app.post("/api/v1/registrations/cancel", None, &json!({ "cancel_token": first["cancel_token"] })).await;
    assert_eq!(cancel.status(), 200);
    let tokyo = FixedOffset::east_opt(9 * 3600).unwrap();
    let day = (Utc::now().with_timezone(&tokyo) + Duration::days(1)).date_naive();
    let later = day.and_hms_opt(13, 0, 0).unwrap().and_local_timezone(tokyo).unwrap();
    let moved = json!({ "starts_at": later.to_rfc3339(), "ends_at": (later + Duration::hours(2)).to_rfc3339() });
    let res = app.patch(&format!("/api/v1/sessions/{session}"), Some(&app.manager_token), &moved).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());

    // First: confirmation, reminder, cancelled. Second: waitlisted, promoted, schedule changed, reminder.
    smsc.inbox.wait_for(7, SMS_WAIT).await;
    assert_eq!(all_sms_settled(&app).await, 7);
    let messages = smsc.inbox.all().await;
    assert_eq!(messages.len(), 7, "nothing sent twice: {messages:?}");
    assert!(messages.iter().all(|m| m.ucs2), "Japanese goes as UCS-2");
    let once = |number: &str, words: &str| {
        let found = to(&messages, number).into_iter().filter(|m| m.text.contains(words)).count();
        assert_eq!(found, 1, "one SMS to {number} saying {words}: {messages:?}");
    };
    once("819020000001", "お席をご用意しました");
    once("819020000001", "明日");
    once("819020000001", "取り消しました");
    once("819012345678", "キャンセル待ち1番目");
    once("819012345678", "席が空き");
    once("819012345678", "予定が変わりました");
    once("819012345678", "明日");
    let confirmation = to(&messages, "819020000001").into_iter().find(|m| m.text.contains("お席")).unwrap().clone();
    assert!(confirmation.text.starts_with("【北九州市】テスト講座 "), "{}", confirmation.text);
    let token = first["cancel_token"].as_str().unwrap();
    // The text carries the short link, whole; it leads to the status page of that registration.
    let link = confirmation.text.rsplit(' ').next().unwrap().to_string();
    let (_, code) = link.rsplit_once("/r/").unwrap_or_else(|| panic!("a short link: {link}"));
    assert_eq!(code.len(), 12, "{link}");
    let full_width: String = code.chars().map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap()).collect();
    for typed in [code.to_string(), code.to_uppercase(), full_width] {
        let res = app.get(&format!("/r/{typed}"), None).await;
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], format!("/registrations/{token}").as_str());
    }
    let wrong: String = code.chars().rev().collect();
    let res = app.get(&format!("/r/{wrong}"), None).await;
    assert_eq!(res.headers()["location"], "/registrations/unknown", "a wrong code leads nowhere");
    assert_eq!(app.get("/registrations/unknown", None).await.status(), 404);
    assert!(confirmation.text.chars().count() > 70 && confirmation.parts >= 2, "a long text is concatenated");
    assert!(!confirmation.text.contains("北九 花子"), "no names in a text");
    let change = to(&messages, "819012345678").into_iter().find(|m| m.text.contains("変わりました")).unwrap().clone();
    assert!(change.text.contains("10:00〜12:00 →") && change.text.contains("13:00〜15:00"), "{}", change.text);
    // The SMSC's receipts are recorded on the messages.
    eventually(SMS_WAIT, "every receipt recorded", || async {
        app.scalar("SELECT COUNT(*) FROM outbox WHERE channel = 'sms' AND receipt = 'DELIVRD'").await == 7
    })
    .await;
    // Whoever gets SMS reminders is not on the day-before call list.
    let calls =
        app.get(&format!("/staff/sessions/{session}/calls"), Some(&app.staff_token)).await.text().await.unwrap();
    assert!(calls.contains(NOBODY_TO_CALL), "nobody to call the day before: {calls}");
}

async fn the_smsc_down_then_back_delivers_every_sms_once(backend: Backend) {
    let port = closed_port().await;
    let app = spawn_app(backend, options(format!("smpp://ippo:secret@127.0.0.1:{port}"))).await;
    let session = app.schedule(10, 7, json!({})).await["id"].as_i64().unwrap();
    for n in 0..3 {
        sign_up(&app, session, n, &format!("080-3000-000{n}")).await;
    }
    eventually(SMS_WAIT, "every SMS tried and failed while the SMSC is down", || async {
        app.scalar("SELECT COUNT(*) FROM outbox WHERE channel = 'sms' AND attempts > 0 AND sent_at IS NULL").await == 3
    })
    .await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM outbox WHERE failed_at IS NOT NULL").await, 0, "not given up");
    let smsc = Smsc::start_on(port, SmsInbox::default()).await;
    smsc.inbox.wait_for(3, SMS_WAIT).await;
    assert_eq!(all_sms_settled(&app).await, 3);
    let mut numbers: Vec<String> = smsc.inbox.all().await.into_iter().map(|m| m.to).collect();
    numbers.sort();
    assert_eq!(numbers, ["818030000000", "818030000001", "818030000002"], "each once");
}

async fn two_instances_send_each_sms_once(backend: Backend) {
    let smsc = Smsc::start(SmsInbox::default()).await;
    let first = spawn_app(backend, options(smsc.url())).await;
    let second = first.another_instance().await;
    let session = first.schedule(40, 7, json!({})).await["id"].as_i64().unwrap();
    let signups = (0..12).map(|n| {
        let app = if n % 2 == 0 { &first } else { &second };
        async move { sign_up(app, session, n, &format!("070-4000-{n:04}")).await }
    });
    futures::future::join_all(signups).await;
    smsc.inbox.wait_for(12, SMS_WAIT).await;
    assert_eq!(all_sms_settled(&first).await, 12);
    let mut numbers: Vec<String> = smsc.inbox.all().await.into_iter().map(|m| m.to).collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 12);
    assert_eq!(smsc.inbox.all().await.len(), 12, "no SMS sent twice");
}

async fn a_refused_or_undelivered_number_lands_on_the_call_list(backend: Backend) {
    let smsc = Smsc::start(SmsInbox::new(&["819011112222"], &["819033334444"])).await;
    let app = spawn_app(backend, options(smsc.url())).await;
    let session = app.schedule(10, 7, json!({})).await["id"].as_i64().unwrap();
    let refused = sign_up(&app, session, 0, "090-1111-2222").await["id"].as_i64().unwrap();
    let undelivered = sign_up(&app, session, 1, "090-3333-4444").await["id"].as_i64().unwrap();
    let fine = sign_up(&app, session, 2, "090-5555-6666").await["id"].as_i64().unwrap();
    for id in [refused, undelivered] {
        eventually(SMS_WAIT, "the failed SMS on the call list", || async {
            app.scalar(&format!("SELECT COUNT(*) FROM call_tasks WHERE registration_id = {id}")).await == 1
        })
        .await;
    }
    assert_eq!(all_sms_settled(&app).await, 2, "the refused one was not retried");
    assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM call_tasks WHERE registration_id = {fine}")).await, 0);
    let calls =
        app.get(&format!("/staff/sessions/{session}/calls"), Some(&app.staff_token)).await.text().await.unwrap();
    assert!(calls.contains("090-1111-2222") && calls.contains("090-3333-4444"), "{calls}");
    assert!(!calls.contains("090-5555-6666"));
}

async fn consent_without_a_mobile_number_is_refused_naming_the_number(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let session = app.schedule(10, 7, json!({})).await["id"].as_i64().unwrap();
    let mut body = signup(0, Some("a@example.jp".into()));
    body["registrant"]["phone"] = json!("093-582-2102");
    body["sms_consent"] = json!(true);
    let res = app.post(&format!("/api/v1/sessions/{session}/registrations"), None, &body).await;
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.unwrap();
    let message = err["error"]["fields"]["sms_consent"].as_str().unwrap().to_string();
    assert!(message.contains("093-123-4567") && message.contains("093-582-2102"), "{message}");
    assert!(message.contains("070・080・090"), "{message}");
    assert_eq!(app.count_rows("registrations").await, 0);
    assert_eq!(app.count_rows("outbox").await, 0);
    // The form says the same next to the box, in the senior's words.
    let form = [
        ("attendee.name", "若松 太郎"),
        ("attendee.phone", "093-123-4567"),
        ("attendee.age_band", "75_79"),
        ("attendee.has_smartphone", "no"),
        ("registrant.relation", "self"),
        ("consent", "on"),
        ("sms_consent", "on"),
    ];
    let res = app.client.post(app.url(&format!("/sessions/{session}/register"))).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("070・080・090で始まる携帯電話の番号が必要です"), "{page}");
    assert_eq!(app.count_rows("registrations").await, 0);
}

async fn without_an_smsc_texts_are_files_that_stop_and_are_erased(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let session = app.schedule(10, 7, json!({})).await["id"].as_i64().unwrap();
    let reg = sign_up(&app, session, 0, "093-123-4567").await;
    let (id, token) = (reg["id"].as_i64().unwrap(), reg["cancel_token"].as_str().unwrap().to_string());
    let folder = app.data_dir().join("sms-outbox");
    let files =
        || std::fs::read_dir(&folder).map(|d| d.flatten().map(|e| e.path()).collect::<Vec<_>>()).unwrap_or_default();
    eventually(SMS_WAIT, "the confirmation written as a file", || async { files().len() == 1 }).await;
    let text = std::fs::read_to_string(&files()[0]).unwrap();
    // A confirmation with its link is longer than one message: 67 characters a part.
    let (head, body) = text.split_once("\n\n").unwrap();
    let parts = (body.trim_end().chars().count() as f64 / 67.0).ceil();
    assert_eq!(head, format!("To: 090-1234-5678\nSegments: {parts}"), "{text}");
    assert!(body.starts_with("【北九州市】テスト講座 ") && body.contains("お席をご用意しました"), "{text}");

    // The status page shows where texts go (masked) and stops them in one tap.
    let page = app.get(&format!("/registrations/{token}"), None).await.text().await.unwrap();
    assert!(page.contains("090-****-5678") && !page.contains("090-1234-5678"), "masked");
    let res = app.client.post(app.url(&format!("/registrations/{token}/sms/stop"))).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let page = app.get(&format!("/registrations/{token}"), None).await.text().await.unwrap();
    assert!(!page.contains("090-****-5678"));
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM registrations WHERE id = {id} AND sms_number IS NULL AND sms_stopped_at IS NOT NULL"
        ))
        .await,
        1
    );
    let cancel = app.post("/api/v1/registrations/cancel", None, &json!({ "cancel_token": token })).await;
    assert_eq!(cancel.status(), 200);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM outbox WHERE channel = 'sms'").await, 1, "no text after stopping");

    // The data export tells when they agreed and stopped; erasing removes the file.
    let export: Value =
        app.get(&format!("/admin/registrations/{id}/export"), Some(&app.admin_token)).await.json().await.unwrap();
    assert!(export["sms_consent_at"].is_string() && export["sms_stopped_at"].is_string(), "{export}");
    let res = app
        .client
        .post(app.url(&format!("/admin/registrations/{id}/erase")))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(files().is_empty(), "the SMS file is gone");
}

async fn a_reply_of_stop_ends_the_texts(backend: Backend) {
    let smsc = Smsc::start(SmsInbox::default()).await;
    let app = spawn_app(backend, options(smsc.url())).await;
    let session = app.schedule(10, 7, json!({})).await["id"].as_i64().unwrap();
    let reg = sign_up(&app, session, 0, "090-2000-0001").await;
    smsc.inbox.wait_for(1, SMS_WAIT).await;
    // Typed on a phone: full-width, with a space.
    smsc.inbox.reply("819020000001", " 停止 ");
    let id = reg["id"].as_i64().unwrap();
    eventually(SMS_WAIT, "the texts stopped", || async {
        app.scalar(&format!(
            "SELECT COUNT(*) FROM registrations WHERE id = {id} AND sms_number IS NULL AND sms_stopped_at IS NOT NULL"
        ))
        .await
            == 1
    })
    .await;
    assert_eq!(app.count_rows("sms_replies").await, 0, "no copy of the reply is kept");
    let cancel = app.post("/api/v1/registrations/cancel", None, &json!({ "cancel_token": reg["cancel_token"] })).await;
    assert_eq!(cancel.status(), 200);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM outbox WHERE channel = 'sms'").await, 1, "no text after stopping");
    // Another reply is read and forgotten, and stops nothing.
    let other = sign_up(&app, session, 1, "090-2000-0002").await["id"].as_i64().unwrap();
    smsc.inbox.wait_for(2, SMS_WAIT).await;
    smsc.inbox.reply("819020000002", "ありがとう");
    eventually(SMS_WAIT, "the reply read", || async { app.count_rows("sms_replies").await == 0 }).await;
    assert_eq!(
        app.scalar(&format!("SELECT COUNT(*) FROM registrations WHERE id = {other} AND sms_number IS NOT NULL")).await,
        1
    );
}

/// The follow-up goes by text to who has only SMS; whom no follow-up message reached is
/// called — not who got the mail while the text failed.
async fn the_follow_up_reaches_who_has_only_sms(backend: Backend) {
    let smsc = Smsc::start(SmsInbox::new(&["818050000002", "818050000003"], &[])).await;
    let app = spawn_app(backend, options(smsc.url())).await;
    let starts = Utc::now() - Duration::days(31) - Duration::hours(2);
    let ended = json!({ "starts_at": starts.to_rfc3339(), "ends_at": (starts + Duration::hours(2)).to_rfc3339() });
    let session = app.schedule(10, 0, ended).await["id"].as_i64().unwrap();
    // Person 1 has only SMS; person 2 has mail too, but their number is refused; person 3
    // has only SMS, refused.
    for (n, email) in [(1, None), (2, Some("mail@example.jp")), (3, None)] {
        let mut body = signup(n, email.map(String::from));
        body["attendee"]["phone"] = json!(format!("080-5000-000{n}"));
        body["channel"] = json!("counter");
        body["sms_consent"] = json!(true);
        body["followup_consent"] = json!(true);
        let res = app.post(&format!("/api/v1/sessions/{session}/registrations"), Some(&app.staff_token), &body).await;
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
        let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        let path = format!("/api/v1/registrations/{id}/attendance");
        assert_eq!(app.post(&path, Some(&app.staff_token), &json!({ "attendance": "attended" })).await.status(), 200);
    }
    eventually(SMS_WAIT, "the follow-up's text", || async {
        smsc.inbox.all().await.iter().any(|m| m.to == "818050000001" && m.text.contains("/followup/"))
    })
    .await;
    eventually(SMS_WAIT, "the refused follow-up texts given up", || async {
        app.scalar(
            "SELECT COUNT(*) FROM outbox WHERE template = 'followup' AND channel = 'sms' AND failed_at IS NOT NULL",
        )
        .await
            == 2
    })
    .await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM followups WHERE channel = 'sms'").await, 2);
    let calls = app.get("/staff/followups", Some(&app.staff_token)).await.text().await.unwrap();
    assert!(!calls.contains("北九 花子1"), "not on the follow-up call list: texted");
    assert!(!calls.contains("北九 花子2"), "not on the follow-up call list: the mail went");
    assert!(calls.contains("北九 花子3"), "on the follow-up call list: nothing reached them");
}

both_backends!(
    a_reply_of_stop_ends_the_texts,
    the_follow_up_reaches_who_has_only_sms,
    confirmation_promotion_change_and_reminder_arrive_once_each,
    the_smsc_down_then_back_delivers_every_sms_once,
    two_instances_send_each_sms_once,
    a_refused_or_undelivered_number_lands_on_the_call_list,
    consent_without_a_mobile_number_is_refused_naming_the_number,
    without_an_smsc_texts_are_files_that_stop_and_are_erased,
);

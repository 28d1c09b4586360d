//! As people really use it: a senior alone with only a phone, families whose notes reach
//! the staff, the waitlist told what it is, cancelling asked once more, a course that
//! reads as one, the error summary, and links that send empty filters.

use serde_json::{json, Value};

use crate::{
    both_backends,
    helpers::*,
    smtp::{Inbox, SmtpSink},
};

/// The public sign-up form as a browser sends it (`relation` decides who signs up).
fn form_signup(name: &str, phone: &str, relation: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = [
        ("attendee.name", name),
        ("attendee.name_kana", "キタキュウ ハナコ"),
        ("attendee.phone", phone),
        ("attendee.age_band", "80_plus"),
        ("attendee.has_smartphone", "no"),
        ("registrant.relation", relation),
        ("consent", "on"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    form.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    form
}

/// The session's roster as its venue's staff read it through the API.
async fn roster(app: &TestApp, session: i64) -> Vec<Value> {
    let res = app.get(&format!("/api/v1/sessions/{session}/registrations"), Some(&app.staff_token)).await;
    res.json().await.unwrap()
}

async fn post_form(app: &TestApp, path: &str, form: &[(String, String)]) -> reqwest::Response {
    client().post(app.url(path)).form(form).send().await.unwrap()
}

/// A senior alone, with a phone and no e-mail, signs up in one submit and is reached on
/// that phone; the completion page gives a 受付番号 and says no mail is coming.
async fn a_senior_alone_signs_up_with_only_a_phone(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let session = app.schedule(10, 5, json!({})).await["id"].as_i64().unwrap();
    let form = form_signup("門司 ひとり", "０９３－３３１－１８８１", "self", &[]);
    let res = post_form(&app, &format!("/sessions/{session}/register"), &form).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap_or_default());
    let done = res.headers()["location"].to_str().unwrap().to_string();
    let page = app.get(&done, None).await.text().await.unwrap();
    assert!(page.contains("受付番号 "), "{page}");
    assert!(page.contains("メールアドレスがないため"), "{page}");
    let roster = roster(&app, session).await;
    let senior = roster.iter().find(|r| r["attendee_name"] == "門司 ひとり").unwrap();
    assert_eq!(senior["registrant_phone"], "093-331-1881", "reached on their own phone, typed once");
    assert_eq!(senior["registrant_name"], "門司 ひとり");

    // Someone else signing them up must still leave a way to reach them.
    let form = form_signup("門司 ふたり", "093-331-1882", "family", &[("registrant.name", "門司 一郎")]);
    let res = post_form(&app, &format!("/sessions/{session}/register"), &form).await;
    assert_eq!(res.status(), 422);
}

/// What the family wrote — help needed, notes, the phone's OS, who signed up — is on the
/// roster, the call list and the check-in page.
async fn staff_see_what_the_family_wrote(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let session = app.schedule(10, 5, json!({})).await["id"].as_i64().unwrap();
    let mut body = signup(1, None);
    body["attendee"]["accessibility_needs"] = json!("耳が少し遠いです");
    body["attendee"]["notes"] = json!("杖を使います");
    body["attendee"]["has_smartphone"] = json!(true);
    body["attendee"]["smartphone_os"] = json!("iphone");
    let res = app.post(&format!("/api/v1/sessions/{session}/registrations"), None, &body).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    for page in ["", "/calls", "/checkin"] {
        let html =
            app.get(&format!("/staff/sessions/{session}{page}"), Some(&app.staff_token)).await.text().await.unwrap();
        for said in ["耳が少し遠いです", "杖を使います", "iPhone", "北九 一郎（家族）"] {
            assert!(html.contains(said), "{page}: {said}");
        }
    }
    // Check-in counts against the people registered, not the seats.
    let checkin =
        app.get(&format!("/staff/sessions/{session}/checkin"), Some(&app.staff_token)).await.text().await.unwrap();
    assert!(checkin.contains("出席 0人（申込 1人）"), "{checkin}");
}

/// Someone on the waitlist is told they have no seat yet, gets no calendar, and is asked
/// whether to leave the waitlist, not to cancel a seat.
async fn the_waitlist_is_told_what_it_is(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let session = app.schedule(1, 5, json!({})).await["id"].as_i64().unwrap();
    let path = format!("/sessions/{session}/register");
    let seat = post_form(&app, &path, &form_signup("席 あり", "093-111-0001", "self", &[])).await;
    let waiting = post_form(&app, &path, &form_signup("席 まち", "093-111-0002", "self", &[])).await;
    let seat = app.get(seat.headers()["location"].to_str().unwrap(), None).await.text().await.unwrap();
    let waiting_page = waiting.headers()["location"].to_str().unwrap().to_string();
    let waiting = app.get(&waiting_page, None).await.text().await.unwrap();
    assert!(seat.contains("calendar.ics") && seat.contains("Googleカレンダーに追加"));
    assert!(seat.contains("お申し込みありがとうございます"));
    assert!(!waiting.contains("calendar.ics") && !waiting.contains("Googleカレンダー"), "{waiting}");
    assert!(waiting.contains("まだ席はご用意できていません") && !waiting.contains("お申し込みありがとうございます"));
    assert!(waiting.contains("キャンセル待ちをやめる") && !waiting.contains("申し込みを取り消す"));
    // Leaving the waitlist asks once more, on its own page.
    let token = waiting_page.trim_start_matches("/registrations/").split('?').next().unwrap().to_string();
    let ask = app.get(&format!("/registrations/{token}/cancel"), None).await.text().await.unwrap();
    assert!(ask.contains("本当にキャンセル待ちをやめますか"), "{ask}");
}

/// Cancelling is asked once more and works without JavaScript; the cancellation mail's
/// calendar file removes the entry, and a seat's calendar reminds the day before.
async fn cancelling_asks_once_more_and_clears_the_calendar(backend: Backend) {
    let smtp = SmtpSink::start_on(0, Inbox::default()).await;
    let app = spawn_app(backend, Options { smtp_port: Some(smtp.port), ..Default::default() }).await;
    let session = app.schedule(10, 5, json!({})).await["id"].as_i64().unwrap();
    let created: Value = app
        .post(&format!("/api/v1/sessions/{session}/registrations"), None, &signup(1, Some("c@example.jp".into())))
        .await
        .json()
        .await
        .unwrap();
    let token = created["cancel_token"].as_str().unwrap();
    let mails = smtp.inbox.wait_for(1, std::time::Duration::from_secs(30)).await;
    let (_, ics) = mails[0].calendar().expect("the confirmation carries a calendar");
    let (_, events) = strict_ics(&ics);
    let trigger = events[0]["VALARM.TRIGGER"].as_str();
    assert!(["-P1D", "-PT24H", "-PT86400S"].contains(&trigger), "a reminder the day before: {events:?}");
    assert!(mails[0].text().contains(&format!("/registrations/{token}/cancel")), "the mail links the cancel page");

    let ask = app.get(&format!("/registrations/{token}/cancel"), None).await.text().await.unwrap();
    assert!(ask.contains("本当に取り消しますか") && ask.contains("はい、取り消します"));
    assert_eq!(app.count_registrations(session, "confirmed").await, 1, "asking changes nothing");
    let res = client().post(app.url(&format!("/registrations/{token}/cancel"))).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(app.count_registrations(session, "confirmed").await, 0);
    let mails = smtp.inbox.wait_for(2, std::time::Duration::from_secs(30)).await;
    let (_, ics) = mails[1].calendar().expect("the cancellation carries a calendar");
    let (_, cancelled) = strict_ics(&ics);
    assert_eq!(cancelled[0]["STATUS"], "CANCELLED");
    assert_eq!(events[0]["UID"], cancelled[0]["UID"], "the same entry");
    assert_eq!((events[0]["SEQUENCE"].as_str(), cancelled[0]["SEQUENCE"].as_str()), ("0", "1"), "a later version");
}

/// A course of four weekly meetings reads as one course everywhere it is listed.
async fn a_weekly_course_reads_as_one(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let first = chrono::Utc::now() + chrono::Duration::days(3);
    let meetings: Vec<Value> = (0..4)
        .map(|w| {
            let s = first + chrono::Duration::weeks(w);
            json!({ "starts_at": s.to_rfc3339(), "ends_at": (s + chrono::Duration::hours(2)).to_rfc3339() })
        })
        .collect();
    let session =
        app.schedule(10, 3, json!({ "meetings": meetings, "title": "毎週の講座" })).await["id"].as_i64().unwrap();
    let home = app.get("/", None).await.text().await.unwrap();
    assert!(home.contains("全4回（毎週"), "{home}");
    let roster = app.get(&format!("/staff/sessions/{session}"), Some(&app.staff_token)).await.text().await.unwrap();
    assert!(roster.contains("全4回（毎週"));
    assert_eq!(roster.matches("<th scope=\"col\">出席 ").count(), 4, "one 出席 column per meeting on the printout");
    let listed: Vec<Value> = app.get("/api/v1/sessions", None).await.json().await.unwrap();
    let course = listed.iter().find(|s| s["id"] == session).unwrap();
    assert_eq!((course["meeting_count"].as_i64(), course["weekly"].as_bool()), (Some(4), Some(true)));
}

/// A refused form names every problem at the top, links each field, says 「選んでください」
/// for a choice, and a refused paper sheet is never called saved.
async fn refusals_are_summarised_and_never_called_saved(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let session = app.schedule(10, -1, json!({})).await["id"].as_i64().unwrap();
    let form: Vec<(String, String)> = vec![("registrant.relation".into(), "self".into())];
    let future = app.schedule(10, 5, json!({})).await["id"].as_i64().unwrap();
    let res = post_form(&app, &format!("/sessions/{future}/register"), &form).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("直すところが"), "the count of problems");
    assert!(html.contains("href=\"#attendee.name\"") && html.contains("href=\"#attendee.age_band\""));
    assert!(html.contains("年代：選んでください。"), "a choice says choose: {html}");
    assert!(!html.contains("申し込む方のお名前：入力してください"), "no error for what 本人 does not fill in");
    assert!(html.contains("autofocus"), "focus goes to the summary");

    let staff = client();
    let login = [("email", "s@example.jp"), ("password", "test-password-123")];
    assert_eq!(staff.post(app.url("/login")).form(&login).send().await.unwrap().status(), 303);
    let fast = format!("/staff/sessions/{session}/surveys");
    let saved = staff.post(app.url(&fast)).form(&[("comprehension", "4")]).send().await.unwrap();
    assert_eq!(saved.status(), 303);
    let next = saved.headers()["location"].to_str().unwrap().to_string();
    assert!(next.contains("saved"), "{next}");
    let refused = staff.post(app.url(&next)).form(&[("comprehension", "9")]).send().await.unwrap();
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.unwrap();
    assert!(!html.contains("保存しました"), "a refused sheet is not saved");
}

/// Empty filters (`venue_id=`) mean no filter on every route, including the three CSV
/// links of the KPI dashboard's default view; and the reader's text size is remembered.
async fn empty_filters_mean_no_filter(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let res = app.get("/api/v1/sessions?from=&to=&ward=&kind=&topic=&venue_id=&limit=&offset=", None).await;
    assert_eq!(res.status(), 200);
    assert!(!res.json::<Vec<Value>>().await.unwrap().is_empty());
    assert_eq!(app.get("/api/v1/sessions?venue_id=abc", None).await.status(), 422);
    let dashboard = app.get("/manage/kpi", Some(&app.manager_token)).await.text().await.unwrap();
    let links: Vec<String> = dashboard
        .split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| href.contains(".csv"))
        .map(|href| href.replace("&amp;", "&"))
        .collect();
    assert_eq!(links.len(), 4, "sessions, survey answers, follow-up answers, open data: {links:?}");
    for link in links {
        let res = app.get(&link, Some(&app.manager_token)).await;
        assert_eq!(res.status(), 200, "{link}");
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"), "{link}");
    }

    // A search says how many it found, and the eye moves there.
    let found = app.get("/?ward=moji", None).await.text().await.unwrap();
    assert!(found.contains("id=\"results\"") && found.contains("件") && found.contains("autofocus"), "{found}");

    let browser = client();
    let res = browser.get(app.url("/text-size?to=large&back=/sessions/1")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/sessions/1");
    let home = browser.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("class=\"text-large\"") && home.contains("文字を標準に"), "remembered");
}

/// The printed survey's QR code is only made of an address phones can open: with
/// `IPPO_PUBLIC_URL` unset the sheet and the managers' home say so instead.
async fn the_survey_qr_needs_a_public_address(backend: Backend) {
    let local = spawn_app(backend, Options::default()).await;
    let session = local.schedule(10, -1, json!({})).await["id"].as_i64().unwrap();
    let sheet = local.get(&format!("/staff/sessions/{session}/survey-sheet"), Some(&local.staff_token)).await;
    let sheet = sheet.text().await.unwrap();
    assert!(sheet.contains("QRコードは印刷できません") && !sheet.contains("<svg"), "{sheet}");
    let home = local.get("/manage", Some(&local.manager_token)).await.text().await.unwrap();
    assert!(home.contains("IPPO_PUBLIC_URL"));

    let options = Options {
        extra_env: vec![("IPPO_PUBLIC_URL".into(), "https://smartphone.city.example.jp".into())],
        ..Default::default()
    };
    let public = spawn_app(backend, options).await;
    let session = public.schedule(10, -1, json!({})).await["id"].as_i64().unwrap();
    let sheet = public.get(&format!("/staff/sessions/{session}/survey-sheet"), Some(&public.staff_token)).await;
    let sheet = sheet.text().await.unwrap();
    assert!(sheet.contains("<svg") && sheet.contains("https://smartphone.city.example.jp/survey/"));
    assert!(!public
        .get("/manage", Some(&public.manager_token))
        .await
        .text()
        .await
        .unwrap()
        .contains("IPPO_PUBLIC_URL"));
}

/// A family sign-up is shown back before it is sent (入力 → 確認 → 完了): the review echoes
/// the e-mail address, writes nothing, reopens the form to change it, and the confirmed
/// submission makes exactly one registration however often it is sent.
async fn a_family_sign_up_is_reviewed_before_it_is_sent(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let session = app.schedule(10, 5, json!({})).await["id"].as_i64().unwrap();
    let path = format!("/sessions/{session}/register");
    let mut form = form_signup(
        "門司 はな",
        "０９３－３３１－１８８３",
        "family",
        &[
            ("registrant.name", "門司 一郎"),
            ("registrant.email", "ICHIRO..M@docomo.ne.jp"),
            ("form_token", "review-key-1"),
        ],
    );
    let review = post_form(&app, &path, &form).await;
    assert_eq!(review.status(), 200);
    let page = review.text().await.unwrap();
    assert!(page.contains("ICHIRO..M@docomo.ne.jp に送ります"), "{page}");
    assert!(page.contains("093-331-1883"), "the phone as it will be stored");
    assert!(page.contains("aria-current=\"step\">2 確認"), "{page}");
    assert!(page.contains("name=\"form_token\" value=\"review-key-1\""), "the key carried to the next step");
    assert_eq!(app.count_rows("registrations").await, 0, "the review writes nothing");

    form.push(("step".into(), "edit".into()));
    let edit = post_form(&app, &path, &form).await;
    assert_eq!(edit.status(), 200);
    let page = edit.text().await.unwrap();
    assert!(page.contains("value=\"門司 一郎\"") && page.contains("name=\"attendee.name_kana\""), "the form, filled");
    assert!(!page.contains("field-error"), "reopened without messages");
    assert_eq!(app.count_rows("registrations").await, 0);

    form.retain(|(k, _)| k != "step");
    form.push(("step".into(), "confirm".into()));
    let first = post_form(&app, &path, &form).await;
    let again = post_form(&app, &path, &form).await;
    assert_eq!(first.status(), 303);
    assert_eq!(first.headers()["location"], again.headers()["location"]);
    assert_eq!(app.count_registrations(session, "confirmed").await, 1);
    let done = app.get(first.headers()["location"].to_str().unwrap(), None).await.text().await.unwrap();
    assert!(done.contains("aria-current=\"step\">3 完了") && done.contains("ICHIRO..M@docomo.ne.jp"), "{done}");

    // A refused review is the form again with its messages, not a review.
    let bad = form_signup("門司 はな", "12345", "family", &[("registrant.name", "門司 一郎")]);
    let res = post_form(&app, &path, &bad).await;
    assert_eq!(res.status(), 422);
    assert!(!res.text().await.unwrap().contains("この内容で申し込む"));
}

/// Furigana is the reading of a name in kanji: a name in Latin letters (as foreign
/// residents write theirs, often on the English form) or in kana needs none.
async fn furigana_is_asked_only_for_kanji_names(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let session = app.schedule(10, 5, json!({})).await["id"].as_i64().unwrap();
    let path = format!("/sessions/{session}/register");
    for (name, phone) in [("Maria Santos", "093-331-1884"), ("もじ はな", "093-331-1885")] {
        let mut form = form_signup(name, phone, "self", &[]);
        form.retain(|(k, _)| k != "attendee.name_kana");
        let res = post_form(&app, &path, &form).await;
        assert_eq!(res.status(), 303, "{name}: {}", res.text().await.unwrap_or_default());
    }
    let mut form = form_signup("門司 花子", "093-331-1886", "self", &[]);
    form.retain(|(k, _)| k != "attendee.name_kana");
    let res = post_form(&app, &path, &form).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("お名前に漢字があるときは、フリガナを入力してください。"));
    let roster = roster(&app, session).await;
    let kana: Vec<_> = roster.iter().map(|r| r["attendee_kana"].as_str().unwrap_or("?").to_string()).collect();
    assert!(kana.contains(&String::new()) && kana.contains(&"モジ ハナ".to_string()), "{kana:?}");
}

both_backends!(
    a_family_sign_up_is_reviewed_before_it_is_sent,
    furigana_is_asked_only_for_kanji_names,
    the_survey_qr_needs_a_public_address,
    a_senior_alone_signs_up_with_only_a_phone,
    staff_see_what_the_family_wrote,
    the_waitlist_is_told_what_it_is,
    cancelling_asks_once_more_and_clears_the_calendar,
    a_weekly_course_reads_as_one,
    refusals_are_summarised_and_never_called_saved,
    empty_filters_mean_no_filter,
);

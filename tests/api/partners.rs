//! Partner shops, their staff's confinement to their shop, referrals and the partner report.

use serde_json::{json, Value};

use crate::{both_backends, helpers::*};

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

async fn link(app: &TestApp, session_id: i64, partner_id: i64, role: &str) {
    let body = json!({ "partner_id": partner_id, "role": role });
    let res = app.post(&format!("/api/v1/sessions/{session_id}/partners"), Some(&app.manager_token), &body).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
}

async fn refer(app: &TestApp, token: &str, registration_id: i64, partner_id: i64) -> reqwest::Response {
    let body = json!({ "registration_id": registration_id, "partner_id": partner_id, "reason": "機種変更の相談", "consent": true });
    app.post("/api/v1/referrals", Some(token), &body).await
}

async fn partners_are_kept_by_managers_and_checked(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let list: Vec<Value> = app.get("/api/v1/partners", Some(&app.manager_token)).await.json().await.unwrap();
    assert_eq!(list.len(), 5, "the sample city has five partner shops");
    assert_eq!(app.get("/api/v1/partners", None).await.status(), 401);
    assert_eq!(app.get("/api/v1/partners", Some(&app.staff_token)).await.status(), 403);

    let good = json!({
        "carrier": "uqmobile", "name": "UQスポット戸畑", "ward": "tobata", "address": "北九州市戸畑区中本町1-1",
        "contact_name": "佐藤 一郎", "phone": "093-555-0606", "email": "tobata@uq.example.jp", "agreement_date": "2026-04-01"
    });
    assert_eq!(app.post("/api/v1/partners", Some(&app.staff_token), &good).await.status(), 403);

    let before = app.count_rows("partners").await;
    let bad = json!({
        "carrier": "kddi", "name": "", "ward": "shinjuku", "address": "x", "phone": "12345", "email": "tobata@",
        "agreement_date": "2026-13-01"
    });
    let res = app.post("/api/v1/partners", Some(&app.manager_token), &bad).await;
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.unwrap();
    let fields = &err["error"]["fields"];
    assert_eq!(fields["carrier"], "選択肢から選んでください。");
    assert_eq!(fields["name"], "入力してください。");
    assert_eq!(fields["ward"], "選択肢から選んでください。");
    assert_eq!(fields["phone"], "電話番号を正しく入力してください（例：093-123-4567）。");
    assert_eq!(fields["email"], "メールアドレスを正しく入力してください（例：hanako@example.jp）。");
    assert_eq!(fields["agreement_date"], "日付を正しく入力してください（例：2026-12-05）。");
    assert!(fields.get("address").is_none());
    assert_eq!(app.count_rows("partners").await, before, "nothing stored");

    let res = app.post("/api/v1/partners", Some(&app.manager_token), &good).await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["carrier"], "uqmobile");
    assert_eq!(created["active"], true, "a new partner is active unless told otherwise");
    assert_eq!(created["agreement_date"], "2026-04-01");
    let path = format!("/api/v1/partners/{}", id(&created));

    let res = app.patch(&path, Some(&app.manager_token), &json!({ "active": false, "phone": "093-111-2222" })).await;
    assert_eq!(res.status(), 200);
    let edited: Value = res.json().await.unwrap();
    assert_eq!(
        (edited["active"].clone(), edited["phone"].clone(), edited["name"].clone()),
        (json!(false), json!("093-111-2222"), json!("UQスポット戸畑"))
    );

    let res = app.patch(&path, Some(&app.manager_token), &json!({ "email": "nope", "name": "変えない" })).await;
    assert_eq!(res.status(), 422);
    let after: Value = app.get(&path, Some(&app.manager_token)).await.json().await.unwrap();
    assert_eq!(after["name"], "UQスポット戸畑", "a refused PATCH changes nothing");
    assert_eq!(app.patch(&path, Some(&app.manager_token), &json!({ "colour": "red" })).await.status(), 400);
    assert_eq!(app.patch(&path, Some(&app.staff_token), &json!({ "name": "x" })).await.status(), 403);

    // An inactive shop takes no new sessions.
    let session = id(&app.schedule(10, 5, json!({})).await);
    let res = app
        .post(
            &format!("/api/v1/sessions/{session}/partners"),
            Some(&app.manager_token),
            &json!({ "partner_id": id(&created), "role": "support" }),
        )
        .await;
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["fields"]["partner_id"], "この店舗はいま協力していません。");
    let res = app
        .post(
            &format!("/api/v1/sessions/{session}/partners"),
            Some(&app.manager_token),
            &json!({ "partner_id": 1, "role": "teacher" }),
        )
        .await;
    assert_eq!(res.status(), 422);

    // The same through the pages' forms, without JavaScript.
    let form = |fields: &[(&str, &str)]| {
        let fields: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        app.client.post(app.url("/manage/partners/new")).bearer_auth(&app.manager_token).form(&fields).send()
    };
    let res = form(&[
        ("carrier", "docomo"),
        ("name", ""),
        ("ward", "moji"),
        ("address", "北九州市門司区1-1"),
        ("active", "on"),
    ])
    .await
    .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("入力してください。") && html.contains("北九州市門司区1-1"),
        "the form comes back with the input"
    );
    let res = form(&[
        ("carrier", "docomo"),
        ("name", "ドコモショップ門司港店"),
        ("ward", "moji"),
        ("address", "北九州市門司区1-1"),
        ("active", "on"),
    ])
    .await
    .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/manage/partners?saved=1");
    let page = app.client.get(app.url("/manage/partners")).bearer_auth(&app.manager_token).send().await.unwrap();
    assert!(page.text().await.unwrap().contains("ドコモショップ門司港店"));
    let res = app
        .client
        .post(app.url(&format!("/manage/sessions/{session}/partners")))
        .bearer_auth(&app.manager_token)
        .form(&[("partner_id", "1"), ("role", "instructor")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let page = app
        .client
        .get(app.url(&format!("/manage/sessions/{session}/partners")))
        .bearer_auth(&app.manager_token)
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("ドコモショップ小倉駅前店") && html.contains("講師"));
}

async fn partner_staff_see_only_their_own_shop(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let shop1 = app.partner_token(1, "shop1@example.jp").await;
    let shop2 = app.partner_token(2, "shop2@example.jp").await;

    let mine: Vec<Value> = app.get("/api/v1/partners", Some(&shop1)).await.json().await.unwrap();
    assert_eq!(mine.iter().map(id).collect::<Vec<_>>(), vec![1]);
    assert_eq!(app.get("/api/v1/partners/1", Some(&shop1)).await.status(), 200);
    assert_eq!(app.get("/api/v1/partners/2", Some(&shop1)).await.status(), 403);
    assert_eq!(app.patch("/api/v1/partners/1", Some(&shop1), &json!({ "name": "x" })).await.status(), 403);
    assert_eq!(app.post("/api/v1/partners", Some(&shop1), &json!({})).await.status(), 403);
    assert_eq!(app.get("/api/v1/reports/partners", Some(&shop1)).await.status(), 403);

    let supported = id(&app.schedule(10, 5, json!({})).await);
    let other = id(&app.schedule(10, 6, json!({})).await);
    link(&app, supported, 1, "support").await;
    link(&app, other, 2, "instructor").await;
    assert_eq!(
        app.post(
            &format!("/api/v1/sessions/{other}/partners"),
            Some(&shop2),
            &json!({ "partner_id": 2, "role": "support" })
        )
        .await
        .status(),
        403
    );
    let people = fill(&app, supported, 2).await;
    let others = fill(&app, other, 1).await;

    // No attendee data from the roster, whichever session.
    assert_eq!(app.get(&format!("/api/v1/sessions/{supported}/registrations"), Some(&shop1)).await.status(), 403);

    // Staff of the venue refer; staff of another venue may not; the same open referral twice is refused.
    assert_eq!(refer(&app, &app.other_staff_token, people[0], 1).await.status(), 403);
    let res = refer(&app, &app.staff_token, people[0], 1).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let referral: Value = res.json().await.unwrap();
    assert_eq!(refer(&app, &app.staff_token, people[0], 1).await.status(), 409);
    // A shop never starts a referral: the same answer for a registration of a session it
    // supports, of another session, or one that does not exist.
    for registration in [people[1], others[0], 999_999] {
        let res = refer(&app, &shop1, registration, 1).await;
        assert_eq!(res.status(), 403);
        assert!(!res.text().await.unwrap().contains("北九"), "a refusal names nobody");
    }
    // Without the attendee's consent, staff cannot refer either.
    let res = app
        .post(
            "/api/v1/referrals",
            Some(&app.staff_token),
            &json!({ "registration_id": people[1], "partner_id": 1, "reason": "初期設定" }),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.json::<Value>().await.unwrap()["error"]["fields"]["consent"].is_string());
    assert_eq!(refer(&app, &app.staff_token, people[1], 1).await.status(), 201);
    let res = app
        .post(
            "/api/v1/referrals",
            Some(&app.staff_token),
            &json!({ "registration_id": people[1], "partner_id": 1, "reason": "" }),
        )
        .await;
    assert_eq!(res.status(), 422);

    // The shop sees its referrals with name and phone, and the read is audit-logged.
    let logged = app.count_rows("audit_log").await;
    let list: Vec<Value> = app.get("/api/v1/referrals", Some(&shop1)).await.json().await.unwrap();
    assert_eq!(list.len(), 2);
    assert!(list
        .iter()
        .all(|r| r["partner_id"] == 1 && r["attendee_phone"].as_str().unwrap().starts_with("093-123-45")));
    assert!(list.iter().all(|r| r["attendee_name"].as_str().unwrap().starts_with("北九 花子")));
    assert!(list[0].get("registrant_email").is_none() && list[0].get("attendee_kana").is_none());
    assert_eq!(app.count_rows("audit_log").await, logged + 1);
    let theirs: Vec<Value> = app.get("/api/v1/referrals", Some(&shop2)).await.json().await.unwrap();
    assert!(theirs.is_empty());

    // Only the shop (or a manager) marks a referral handled; to another shop, someone
    // else's referral and one that does not exist look the same.
    let handled = format!("/api/v1/referrals/{}/handled", id(&referral));
    assert_eq!(app.post(&handled, Some(&shop2), &json!({})).await.status(), 404);
    assert_eq!(app.post("/api/v1/referrals/999999/handled", Some(&shop2), &json!({})).await.status(), 404);
    assert_eq!(app.post(&handled, Some(&app.staff_token), &json!({})).await.status(), 403);
    let res = app.post(&handled, Some(&shop1), &json!({})).await;
    assert_eq!(res.status(), 200);
    assert!(res.json::<Value>().await.unwrap()["handled_at"].is_string());

    // The shop's page lists its sessions and referrals; the managers' pages stay closed.
    let page = app.client.get(app.url("/partner")).bearer_auth(&shop1).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("ドコモショップ小倉駅前店") && html.contains("北九 花子1") && html.contains("テスト講座"));
    let page = app.client.get(app.url("/manage/partners")).bearer_auth(&shop1).send().await.unwrap();
    assert_eq!(page.status(), 403);
    let page = app
        .client
        .get(app.url(&format!("/staff/sessions/{supported}/refer")))
        .bearer_auth(&shop1)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 403);
}

async fn partner_report_counts_sessions_attendees_and_referrals(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let a = id(&app.schedule(10, -3, json!({})).await);
    let b = id(&app.schedule(10, -3, json!({ "kind": "seminar" })).await);
    link(&app, a, 1, "instructor").await;
    link(&app, b, 1, "support").await;
    link(&app, a, 2, "support").await;
    // Relinking changes the role, it does not add the shop twice.
    link(&app, b, 1, "support").await;
    let in_a = fill(&app, a, 3).await;
    let in_b = fill(&app, b, 2).await;
    for (c, s) in [(5, 5), (4, 2)] {
        let body = json!({ "comprehension": c, "satisfaction": s, "topics_wanted": [], "comment": "" });
        let res = app.post(&format!("/api/v1/sessions/{a}/survey-responses"), Some(&app.staff_token), &body).await;
        assert_eq!(res.status(), 201);
    }
    let mut to_shop1 = Vec::new();
    for registration in [in_a[0], in_a[1], in_b[0]] {
        let res = refer(&app, &app.staff_token, registration, 1).await;
        assert_eq!(res.status(), 201);
        to_shop1.push(id(&res.json().await.unwrap()));
    }
    assert_eq!(refer(&app, &app.manager_token, in_a[2], 2).await.status(), 201);
    let shop1 = app.partner_token(1, "shop1@example.jp").await;
    assert_eq!(
        app.post(&format!("/api/v1/referrals/{}/handled", to_shop1[0]), Some(&shop1), &json!({})).await.status(),
        200
    );

    let fy = ippo::time::fiscal_year(chrono::Utc::now() - chrono::Duration::days(3));
    let res = app.get(&format!("/api/v1/reports/partners?fiscal_year={fy}"), Some(&app.manager_token)).await;
    assert_eq!(res.status(), 200);
    let r: Value = res.json().await.unwrap();
    assert_eq!(r["fiscal_year"], fy);
    let line =
        |partner: i64| r["partners"].as_array().unwrap().iter().find(|l| l["partner_id"] == partner).cloned().unwrap();
    let one = line(1);
    assert_eq!(one["sessions_supported"], 2);
    assert_eq!(one["sessions_as_instructor"], 1);
    assert_eq!(one["sessions_as_support"], 1);
    assert_eq!(one["attendees_reached"], 5);
    assert_eq!(one["referrals_made"], 3);
    assert_eq!(one["referrals_handled"], 1);
    assert_eq!(one["comprehension_rate"]["value"], 1.0);
    assert_eq!(one["comprehension_rate"]["n"], 2);
    assert_eq!(one["satisfaction_rate"]["value"], 0.5);
    assert_eq!(one["label"], "ドコモショップ小倉駅前店");
    let two = line(2);
    assert_eq!((two["sessions_supported"].clone(), two["attendees_reached"].clone()), (json!(1), json!(3)));
    assert_eq!((two["referrals_made"].clone(), two["referrals_handled"].clone()), (json!(1), json!(0)));
    let three = line(3);
    assert_eq!((three["sessions_supported"].clone(), three["referrals_made"].clone()), (json!(0), json!(0)));
    let docomo = r["by_carrier"].as_array().unwrap().iter().find(|l| l["key"] == "docomo").cloned().unwrap();
    assert_eq!(docomo["sessions"], 2);

    // The KPI report breaks down by partner too.
    let kpi: Value =
        app.get(&format!("/api/v1/reports/kpi?fiscal_year={fy}"), Some(&app.manager_token)).await.json().await.unwrap();
    let by_partner = kpi["by_partner"].as_array().unwrap();
    assert_eq!(by_partner.iter().map(|l| l["key"].as_str().unwrap()).collect::<Vec<_>>(), vec!["2", "1"]);
    assert_eq!(by_partner[1]["sessions"], 2);
    assert_eq!(by_partner[1]["comprehension_rate"]["n"], 2);

    assert_eq!(app.get("/api/v1/reports/partners", Some(&app.staff_token)).await.status(), 403);
    assert_eq!(app.get("/api/v1/reports/partners?fiscal_year=abc", Some(&app.manager_token)).await.status(), 422);
    let page = app
        .client
        .get(app.url(&format!("/manage/partners/report?fiscal_year={fy}")))
        .bearer_auth(&app.manager_token)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("ドコモショップ小倉駅前店"));
}

both_backends!(
    partners_are_kept_by_managers_and_checked,
    partner_staff_see_only_their_own_shop,
    partner_report_counts_sessions_attendees_and_referrals,
);

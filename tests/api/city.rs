//! A real city goes live: from an empty database, an administrator sets up the city
//! (profile and wards) through the pages and the command line, and a manager then
//! schedules a real centre's session — no sample data, no SQL.

use serde_json::{json, Value};

use crate::{
    both_backends,
    helpers::*,
    smtp::{Inbox, SmtpSink},
};

/// A browser logged in as `email`.
async fn browser(app: &TestApp, email: &str) -> reqwest::Client {
    let browser = client();
    let form = [("email", email), ("password", "test-password-123")];
    let res = browser.post(app.url("/login")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 303);
    browser
}

async fn page(browser: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let res = browser.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.unwrap()
}

async fn post(browser: &reqwest::Client, app: &TestApp, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    browser.post(app.url(path)).form(form).send().await.unwrap()
}

async fn a_city_goes_live_from_an_empty_database(backend: Backend) {
    let smtp = SmtpSink::start_on(0, Inbox::default()).await;
    let options = Options { empty_city: true, smtp_port: Some(smtp.port), ..Default::default() };
    let app = spawn_app(backend, options).await;
    let admin = browser(&app, "a@example.jp").await;
    let manager = browser(&app, "m@example.jp").await;

    // Day one: no sample anywhere, and the pages say what to set up.
    let home = page(&manager, &app, "/").await;
    assert!(!home.contains("サンプル") && !home.contains("北九州"), "{home}");
    assert!(page(&admin, &app, "/admin").await.contains("まず「市の設定」と「区」を登録してください"));
    assert!(page(&manager, &app, "/manage/venues/new").await.contains("区がまだ登録されていません"));
    let venue =
        json!({ "name": "大積市民センター", "kind": "community_center", "ward": "moji", "address": "門司区大積1-2" });
    assert_eq!(app.post("/api/v1/venues", Some(&app.manager_token), &venue).await.status(), 422);

    // The city profile, through its page: a bad phone is named and changes nothing.
    let profile =
        [("name", "北九州市"), ("department", "デジタル市役所推進課"), ("phone", "12345"), ("lg_code", "４０１００５")];
    let res = post(&admin, &app, "/admin/city", &profile).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("電話番号を正しく入力してください"));
    assert_eq!(app.get("/api/v1/city", None).await.json::<Value>().await.unwrap()["name"], "");
    let profile = [
        ("name", "北九州市"),
        ("department", "デジタル市役所推進課"),
        ("phone", "０９３－５８２－２１０２"),
        ("lg_code", "４０１００５"),
    ];
    assert_eq!(post(&admin, &app, "/admin/city", &profile).await.status(), 303);
    assert_eq!(post(&manager, &app, "/admin/city", &profile).await.status(), 403, "administrators only");
    // The rest from the command line; what it is not given stays.
    let out =
        app.cli(&["city", "set", "--email", "digital@city.example.jp", "--name-en", "Kitakyushu City"], &[]).await;
    assert!(out.contains("市の設定を保存しました"), "{out}");
    let city: Value = app.get("/api/v1/city", None).await.json().await.unwrap();
    assert_eq!(
        (city["name"].as_str(), city["phone"].as_str(), city["lg_code"].as_str(), city["email"].as_str()),
        (Some("北九州市"), Some("093-582-2102"), Some("401005"), Some("digital@city.example.jp"))
    );
    let refused = app.cli_output(&["city", "set", "--lg-code", "401006"]).await;
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("「401006」は全国地方公共団体コードではありません"));

    // Wards: one through the page, two from a file, the rest of Kitakyushu's seven by seed.
    let res = post(&admin, &app, "/admin/wards", &[("code", "門司"), ("name_ja", "門司区")]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("コード「門司」は使えません"));
    let res = post(&admin, &app, "/admin/wards", &[("code", "moji"), ("name_ja", "門司区"), ("name_en", "Moji")]).await;
    assert_eq!(res.status(), 303);
    let wards = "\u{feff}code,name_ja,name_en,sort_order\r\nwakamatsu,若松区,Wakamatsu,3\r\ntobata,戸畑区,,6\r\n";
    let path = app.data_dir().join("wards.csv");
    std::fs::write(&path, wards).unwrap();
    let out = app.cli(&["import", "wards", path.to_str().unwrap()], &[]).await;
    assert!(out.contains("新規 2件"), "{out}");
    let out = app.cli(&["seed", "wards"], &[]).await;
    assert!(out.contains("(4 of 7)"), "moji, wakamatsu and tobata were there: {out}");
    let listed: Vec<Value> = app.get("/api/v1/wards", None).await.json().await.unwrap();
    let names: Vec<&str> = listed.iter().map(|w| w["name_ja"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 7);
    assert_eq!(names[0], "門司区");
    assert_eq!(listed.iter().find(|w| w["code"] == "tobata").unwrap()["name_en"], "戸畑区", "kept as imported");
    // Renamed and moved on its page; a ward nobody is in can be retired.
    let res =
        post(&admin, &app, "/admin/wards/tobata", &[("name_ja", "戸畑区"), ("name_en", "Tobata"), ("sort_order", "6")])
            .await;
    assert_eq!(res.status(), 303);
    assert!(page(&admin, &app, "/admin/wards").await.contains("Tobata"));
    assert_eq!(post(&admin, &app, "/admin/wards/tobata/retire", &[]).await.status(), 303);
    assert_eq!(app.get("/api/v1/wards", None).await.json::<Vec<Value>>().await.unwrap().len(), 6);

    // The manager adds a real centre and schedules a session in it.
    let res = post(
        &manager,
        &app,
        "/manage/venues/new",
        &[
            ("name", "大積市民センター"),
            ("name_kana", "おおつみしみんせんたー"),
            ("kind", "community_center"),
            ("ward", "moji"),
            ("address", "北九州市門司区大積１－２"),
            ("phone", "093-341-1234"),
            ("wheelchair", "yes"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let venues: Vec<Value> = app.get("/api/v1/venues", None).await.json().await.unwrap();
    assert_eq!(venues.len(), 1);
    assert_eq!(
        (venues[0]["name_kana"].as_str(), venues[0]["wheelchair"].as_bool()),
        (Some("オオツミシミンセンター"), Some(true))
    );
    let venue_id = venues[0]["id"].as_i64().unwrap();
    // A moji venue: moji cannot be retired.
    assert!(page(&admin, &app, "/admin/wards/moji").await.contains("会場が1か所"));
    let res = post(&admin, &app, "/admin/wards/moji/retire", &[]).await;
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("会場が1か所"));
    let session = app.schedule(10, 7, json!({ "venue_id": venue_id })).await;
    let session_id = session["id"].as_i64().unwrap();

    // Every page now speaks of the city, with its phone; still no sample.
    let home = page(&manager, &app, "/").await;
    assert!(home.contains("北九州市 スマホ教室・相談会") && home.contains("093-582-2102"), "{home}");
    assert!(!home.contains("サンプル"));
    let session_page = page(&manager, &app, &format!("/sessions/{session_id}")).await;
    assert!(session_page.contains("大積市民センター") && session_page.contains("車椅子で入れる：あり"));
    assert!(session_page.contains("openstreetmap.org/search?query="), "a map search of the address");
    let form = page(&manager, &app, &format!("/sessions/{session_id}/register")).await;
    assert!(form.contains("365日たつと消去します") && form.contains("北九州市 デジタル市役所推進課まで"), "{form}");

    // A sign-up's mail is signed by the city, under its sender name, with both numbers to call.
    let res = app
        .post(&format!("/api/v1/sessions/{session_id}/registrations"), None, &signup(1, Some("k@example.jp".into())))
        .await;
    assert_eq!(res.status(), 201);
    let mail = &smtp.inbox.wait_for(1, std::time::Duration::from_secs(30)).await[0];
    let text = mail.text().replace("\r\n", "\n");
    assert!(text.contains("\n--\n北九州市 スマホ教室・相談会（デジタル市役所推進課）\n"), "{text}");
    assert!(text.contains("大積市民センター 093-341-1234") && text.contains("（093-582-2102）"), "{text}");
    let from = mail.header("from").unwrap();
    assert!(from.contains("noreply@ippo.example.jp") && from.contains("=?utf-8?"), "a display name: {from}");

    // Open data is named after the body's code.
    let fy = ippo::time::fiscal_year(chrono::Utc::now() + chrono::Duration::days(7));
    let res = app.get(&format!("/open-data/sessions.csv?fiscal_year={fy}"), None).await;
    let disposition = res.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(disposition.contains(&format!("401005_digital_divide_sessions_fy{fy}.csv")), "{disposition}");
}

/// 「サンプル」 is on the pages only while the sample city is loaded.
async fn sample_is_said_only_of_the_sample_city(backend: Backend) {
    let sample = spawn_app(backend, Options::default()).await;
    let home = sample.get("/", None).await.text().await.unwrap();
    assert!(home.contains("（サンプルのデータです）"), "{home}");
    let real = spawn_app(backend, Options { empty_city: true, ..Default::default() }).await;
    real.cli(
        &["city", "set", "--name", "北九州市", "--department", "デジタル市役所推進課", "--phone", "093-582-2102"],
        &[],
    )
    .await;
    for path in ["/", "/login"] {
        let html = real.get(path, None).await.text().await.unwrap();
        assert!(html.contains("北九州市 スマホ教室・相談会") && !html.contains("サンプル"), "{path}: {html}");
    }
}

both_backends!(a_city_goes_live_from_an_empty_database, sample_is_said_only_of_the_sample_city);

//! Public pages are kept as rendered and compressed bytes (`server::pagecache`) and are
//! never staler than the data: after each kind of write — through the app, on another
//! instance, or by hand in the database — the next view shows it.

use chrono::Datelike;
use futures::future::join_all;
use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, ETAG, IF_NONE_MATCH};
use serde_json::json;

use crate::{both_backends, helpers::*};

/// A page as a visitor who is not logged in reads it, uncompressed.
async fn read(app: &TestApp, path: &str) -> (String, String) {
    let res = client().get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    let etag = res.headers()[ETAG].to_str().unwrap().to_string();
    (etag, res.text().await.unwrap())
}

async fn public_pages_follow_every_write(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let other = app.another_instance().await;
    let id = app.schedule(3, 5, json!({ "title": "キャッシュ確認講座" })).await["id"].as_i64().unwrap();
    let page = format!("/sessions/{id}");

    let (etag, html) = read(&other, &page).await;
    assert!(html.contains("残り3席"), "{html}");
    // The same bytes again: the same tag, and a repeat visit costs a 304.
    assert_eq!(read(&other, &page).await.0, etag);
    let again = client().get(other.url(&page)).header(IF_NONE_MATCH, &etag).send().await.unwrap();
    assert_eq!(again.status(), 304);
    // With the page's own policy: a browser takes a 304's headers into the page it keeps.
    assert!(again.headers()["content-security-policy"].to_str().unwrap().contains("style-src 'self'"));
    assert!(again.bytes().await.unwrap().is_empty());

    // A sign-up on one instance shows at once on the other.
    let res = app.post(&format!("/api/v1/sessions/{id}/registrations"), None, &signup(1, None)).await;
    assert_eq!(res.status(), 201);
    let (changed, html) = read(&other, &page).await;
    assert!(html.contains("残り2席"), "{html}");
    assert_ne!(changed, etag);
    let stale = client().get(other.url(&page)).header(IF_NONE_MATCH, &etag).send().await.unwrap();
    assert_eq!(stale.status(), 200, "an old tag gets the new page");
    // Its cancellation gives the seat back on the page, and so does a sign-up again.
    let token = res.json::<serde_json::Value>().await.unwrap()["cancel_token"].clone();
    let res = app.post("/api/v1/registrations/cancel", None, &json!({ "cancel_token": token })).await;
    assert_eq!(res.status(), 200);
    assert!(read(&other, &page).await.1.contains("残り3席"));
    assert_eq!(app.post(&format!("/api/v1/sessions/{id}/registrations"), None, &signup(2, None)).await.status(), 201);
    assert!(read(&other, &page).await.1.contains("残り2席"));

    // An edit of the session, and of its venue, through the API.
    let res = app
        .patch(
            &page.replace("/sessions", "/api/v1/sessions"),
            Some(&app.manager_token),
            &json!({ "title": "名前を変えた講座" }),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert!(read(&other, "/").await.1.contains("名前を変えた講座"));
    assert!(read(&other, &page).await.1.contains("名前を変えた講座"));

    // A write by hand in the database, as an administrator might fix a typo.
    app.execute(&format!("UPDATE sessions SET title = '手で直した講座' WHERE id = {id}")).await;
    assert!(read(&other, &page).await.1.contains("手で直した講座"));
    app.execute("UPDATE venues SET name = '門司市民センター（改装後）' WHERE id = 1").await;
    assert!(read(&other, "/venues/1/calendar").await.1.contains("門司市民センター（改装後）"));

    // The open-data file is kept too, with its download name, and follows the follow-ups.
    let starts = chrono::Utc::now() + chrono::Duration::days(5) + chrono::Duration::hours(9);
    let fy = if starts.month() >= 4 { starts.year() } else { starts.year() - 1 };
    let open = format!("/open-data/sessions.csv?fiscal_year={fy}");
    let row = |csv: &str| csv.lines().find(|l| l.starts_with(&format!("{id},"))).unwrap().trim_end().to_string();
    let first = client().get(other.url(&open)).send().await.unwrap();
    assert!(first.headers()["content-disposition"].to_str().unwrap().contains("digital_divide_sessions"));
    let (etag, csv) = read(&other, &open).await;
    assert!(row(&csv).ends_with(",0,0,"), "no follow-up yet: {}", row(&csv));
    // (A count written by hand, as the follow-up's own transaction would.)
    app.execute(&format!(
        "INSERT INTO followup_tallies (session_id, age_band, device, sent) VALUES ({id}, '75_79', 'none', 1)"
    ))
    .await;
    let (changed, csv) = read(&other, &open).await;
    assert!(row(&csv).ends_with(",1,0,"), "one asked: {}", row(&csv));
    assert_ne!(changed, etag);
}

/// Each client gets the best coding it accepts, compressed once; a logged-in viewer and
/// the English reader get their own page.
async fn kept_pages_are_compressed_and_per_reader(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let plain = client().get(app.url("/")).send().await.unwrap();
    assert!(plain.headers().get(CONTENT_ENCODING).is_none());
    let plain = plain.bytes().await.unwrap();
    for (accepts, coding) in
        [("gzip, deflate, br, zstd", "br"), ("gzip, deflate", "gzip"), ("zstd;q=1, br;q=0.5, gzip;q=0.5", "zstd")]
    {
        let res = client().get(app.url("/")).header(ACCEPT_ENCODING, accepts).send().await.unwrap();
        assert_eq!(res.headers()[CONTENT_ENCODING], coding);
        let body = res.bytes().await.unwrap();
        assert!(body.len() < plain.len() / 3, "{coding}");
        if coding == "zstd" {
            assert_eq!(zstd::stream::decode_all(&body[..]).unwrap(), plain, "the same page, whole");
        }
    }
    let english = client().get(app.url("/")).header("accept-language", "en").send().await.unwrap();
    assert!(english.text().await.unwrap().contains("lang=\"en\""));
    // A logged-in viewer's page names them: it is never kept for, or served to, others.
    let staff = app.get("/", Some(&app.staff_token)).await;
    assert!(staff.headers().get(ETAG).is_none());
    assert!(!String::from_utf8_lossy(&plain).contains("ログアウト"));
}

/// How many times this instance rendered a public page for the cache (from `/metrics`).
async fn renders(app: &TestApp) -> u64 {
    let metrics = app.get("/metrics", Some(&app.admin_token)).await.text().await.unwrap();
    let line = metrics.lines().find(|l| l.starts_with(r#"ippo_page_cache_total{result="miss"}"#));
    line.and_then(|l| l.split_whitespace().last()).map_or(0, |n| n.parse().unwrap())
}

/// After a write, the many visitors asking for a page at once wait for one render
/// instead of each rendering and compressing it.
async fn many_visitors_wait_for_one_render(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    app.schedule(10, 5, json!({})).await;
    let before = renders(&app).await;
    let pages = join_all((0..40).map(|_| client().get(app.url("/")).send())).await;
    assert!(pages.iter().all(|p| p.as_ref().unwrap().status() == 200));
    // One render; two if the minute (which also keys a kept page) turned meanwhile.
    let made = renders(&app).await - before;
    assert!((1..=2).contains(&made), "{made} renders for 40 visitors");
}

both_backends!(
    public_pages_follow_every_write,
    kept_pages_are_compressed_and_per_reader,
    many_visitors_wait_for_one_render
);

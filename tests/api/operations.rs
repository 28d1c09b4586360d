use serde_json::json;

use crate::{both_backends, helpers::*, smtp::closed_port};

async fn health_and_metrics_tell_the_truth(backend: Backend) {
    let port = closed_port().await;
    let app = spawn_app(backend, Options { smtp_port: Some(port), ..Default::default() }).await;
    let res = app.get("/healthz", None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.get("/api/v1/venues", None).await.status(), 200);
    let id = app.schedule(5, 3, json!({})).await["id"].as_i64().unwrap();
    // One sign-up whose mail cannot go out yet (the SMTP server is down).
    let res = app
        .post(&format!("/api/v1/sessions/{id}/registrations"), None, &signup(1, Some("wait@example.jp".into())))
        .await;
    assert_eq!(res.status(), 201);
    let metrics = app.get("/metrics", Some(&app.admin_token)).await.text().await.unwrap();
    assert!(
        metrics.contains(r#"ippo_http_requests_total{method="GET",route="/api/v1/venues",status="200"}"#),
        "{metrics}"
    );
    assert!(metrics.contains("ippo_http_request_duration_seconds_bucket"));
    let pending = metrics.lines().find(|l| l.starts_with("ippo_outbox_pending ")).expect("outbox depth gauge");
    assert_eq!(pending, "ippo_outbox_pending 1");
}

/// The pool's count of connections it has opened, from `/metrics`.
async fn connections_opened(app: &TestApp) -> u64 {
    let metrics = app.get("/metrics", Some(&app.admin_token)).await.text().await.unwrap();
    let line =
        metrics.lines().find(|l| l.starts_with("ippo_db_connections_opened_total ")).expect("connection counter");
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

/// Page views reuse the pooled connections. Leptos renders a page's view once or twice on
/// trial and drops it; a database call started there was cut off, and the pool replaced the
/// connection, so nearly every page view opened new ones.
async fn page_views_reuse_pooled_connections(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let id = app.schedule(5, 3, json!({})).await["id"].as_i64().unwrap();
    let pages = ["/".to_string(), format!("/sessions/{id}"), format!("/sessions/{id}/register")];
    for page in &pages {
        assert_eq!(app.get(page, None).await.status(), 200, "{page}");
    }
    let before = connections_opened(&app).await;
    for _ in 0..20 {
        for page in &pages {
            let res = app.get(page, None).await;
            assert_eq!(res.status(), 200, "{page}");
            assert!(res.text().await.unwrap().contains("<main"), "{page} rendered");
        }
    }
    let opened = connections_opened(&app).await - before;
    assert!(opened <= 3, "60 page views opened {opened} new database connections");
}

/// `ippo check` recomputes every counter from the rows: it finds counters altered by
/// hand (exit status 1), `--repair` writes the right values, and then all is clean.
async fn check_finds_and_repairs_counters(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let session = app.schedule(3, -1, json!({})).await["id"].as_i64().unwrap();
    let ids = fill(&app, session, 4).await;
    app.post(
        &format!("/api/v1/registrations/{}/attendance", ids[0]),
        Some(&app.staff_token),
        &json!({ "attendance": "attended" }),
    )
    .await;
    let answer = json!({ "comprehension": 5, "satisfaction": 2 });
    assert_eq!(
        app.post(&format!("/api/v1/sessions/{session}/survey-responses"), Some(&app.staff_token), &answer)
            .await
            .status(),
        201
    );
    let clean = app.cli_output(&["check"]).await;
    assert!(clean.status.success(), "{}", String::from_utf8_lossy(&clean.stderr));
    assert!(String::from_utf8_lossy(&clean.stdout).contains("match"));

    app.execute(&format!(
        "UPDATE sessions SET confirmed_count = 1, waitlist_count = 5, attended_count = 0, satisfaction_good = 1 WHERE id = {session}"
    ))
    .await;
    let found = app.cli_output(&["check"]).await;
    assert!(!found.status.success(), "a difference is an error");
    let out = String::from_utf8_lossy(&found.stdout).to_string();
    for line in [
        format!("session {session}: confirmed_count is 1, its rows say 3"),
        format!("session {session}: waitlist_count is 5, its rows say 1"),
        format!("session {session}: attended_count is 0, its rows say 1"),
        format!("session {session}: satisfaction_good is 1, its rows say 0"),
    ] {
        assert!(out.contains(&line), "{line} in {out}");
    }
    assert_eq!(out.lines().filter(|l| l.starts_with("session ")).count(), 4, "{out}");

    let repaired = app.cli_output(&["check", "--repair"]).await;
    assert!(repaired.status.success(), "{}", String::from_utf8_lossy(&repaired.stderr));
    assert!(String::from_utf8_lossy(&repaired.stdout).contains("repaired 4"));
    assert!(app.cli_output(&["check"]).await.status.success());
    let shown: serde_json::Value = app.get(&format!("/api/v1/sessions/{session}"), None).await.json().await.unwrap();
    assert_eq!((shown["seats_left"].as_i64(), shown["waitlist_count"].as_i64()), (Some(0), Some(1)));
}

both_backends!(
    health_and_metrics_tell_the_truth,
    page_views_reuse_pooled_connections,
    check_finds_and_repairs_counters
);

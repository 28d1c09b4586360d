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
    let res = app.post(&format!("/api/v1/sessions/{id}/registrations"), None, &signup(1, Some("wait@example.jp".into()))).await;
    assert_eq!(res.status(), 201);
    let metrics = app.get("/metrics", None).await.text().await.unwrap();
    assert!(metrics.contains(r#"ippo_http_requests_total{method="GET",route="/api/v1/venues",status="200"}"#), "{metrics}");
    assert!(metrics.contains("ippo_http_request_duration_seconds_bucket"));
    let pending = metrics.lines().find(|l| l.starts_with("ippo_outbox_pending ")).expect("outbox depth gauge");
    assert_eq!(pending, "ippo_outbox_pending 1");
}


/// The pool's count of connections it has opened, from `/metrics`.
async fn connections_opened(app: &TestApp) -> u64 {
    let metrics = app.get("/metrics", None).await.text().await.unwrap();
    let line = metrics.lines().find(|l| l.starts_with("ippo_db_connections_opened_total ")).expect("connection counter");
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

both_backends!(health_and_metrics_tell_the_truth, page_views_reuse_pooled_connections);

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

both_backends!(health_and_metrics_tell_the_truth);

//! Prometheus metrics at `/metrics`: requests and latencies per route, outbox depth,
//! and mail delivery outcomes.

use std::{sync::OnceLock, time::Instant};

use axum::{
    extract::{MatchedPath, Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use super::state::AppState;
use crate::on_db;

/// The process-wide recorder (several apps in one test process share it).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        PrometheusBuilder::new()
            .set_buckets(&[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5])
            .and_then(|b| b.install_recorder())
            .expect("the metrics recorder installs once")
    })
}

/// Counts each routed request and its latency, labelled by route pattern (not raw path).
pub async fn track(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str()).to_string();
    let method = req.method().to_string();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("ippo_http_requests_total", "method" => method, "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("ippo_http_request_duration_seconds", "route" => route).record(started.elapsed().as_secs_f64());
    response
}

pub async fn render(State(state): State<AppState>) -> impl IntoResponse {
    let pending: Result<(i64, i64), sqlx::Error> = on_db!(&state.db, pool => {
        sqlx::query_as(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN attempts > 0 THEN 1 ELSE 0 END), 0) FROM outbox WHERE sent_at IS NULL",
        )
        .fetch_one(pool)
        .await
    });
    if let Ok((pending, retrying)) = pending {
        metrics::gauge!("ippo_outbox_pending").set(pending as f64);
        metrics::gauge!("ippo_outbox_retrying").set(retrying as f64);
    }
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle().render())
}

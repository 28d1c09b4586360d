//! The sign-up rush: 200 people try to sign up for a 20-seat session at the same
//! moment, against the real release server on SQLite and on PostgreSQL. Prints
//! throughput and latency percentiles, then the latency of single sign-ups in a row and
//! of group sign-ups (four people in one submission) in a row, with their ratio.
//!
//! Run: `cargo bench --features ssr --bench signup_rush` (PostgreSQL at 127.0.0.1:5432).

#[path = "../tests/api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::time::{Duration, Instant};

use futures::future::join_all;
use helpers::{signup, spawn_app, Backend, Options, TestApp};
use serde_json::json;

const RUSH: usize = 200;
const SEATS: i64 = 20;
const ROUNDS: usize = 5;
const SEQUENTIAL: usize = 200;
const GROUPS: usize = 100;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

async fn timed_sign_up(app: &TestApp, session_id: i64, n: usize) -> Duration {
    let started = Instant::now();
    let res = app.post(&format!("/api/v1/sessions/{session_id}/registrations"), None, &signup(n, None)).await;
    assert_eq!(res.status(), 201);
    started.elapsed()
}

/// A family of four in one submission (each with their own number 093-321-nnnn).
async fn timed_group_sign_up(app: &TestApp, session_id: i64, n: usize) -> Duration {
    let mut body = signup(n, None);
    body["attendees"] = json!((0..4)
        .map(|k| {
            let mut person = body["attendee"].clone();
            person["name"] = json!(format!("門司 家族{n}-{k}"));
            person["phone"] = json!(format!("093-321-{:04}", n * 4 + k));
            person
        })
        .collect::<Vec<_>>());
    body.as_object_mut().unwrap().remove("attendee");
    let started = Instant::now();
    let res = app.post(&format!("/api/v1/sessions/{session_id}/registrations"), None, &body).await;
    assert_eq!(res.status(), 201);
    started.elapsed()
}

async fn bench(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let mut latencies = Vec::new();
    let mut rates = Vec::new();
    for round in 0..ROUNDS {
        let id = app.schedule(SEATS, 7 + round as i64, json!({})).await["id"].as_i64().unwrap();
        let started = Instant::now();
        let round_latencies = join_all((0..RUSH).map(|n| timed_sign_up(&app, id, n))).await;
        rates.push(RUSH as f64 / started.elapsed().as_secs_f64());
        latencies.extend(round_latencies);
        assert_eq!(app.count_registrations(id, "confirmed").await, SEATS);
    }
    latencies.sort();
    let mean_rate = rates.iter().sum::<f64>() / rates.len() as f64;
    println!(
        "| {backend:?} | rush {RUSH}×{ROUNDS} for {SEATS} seats | {mean_rate:.0} req/s | p50 {:.1} ms | p99 {:.1} ms | max {:.1} ms |",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        latencies.last().unwrap().as_secs_f64() * 1000.0
    );

    let id = app.schedule(1000, 30, json!({})).await["id"].as_i64().unwrap();
    let mut single = Vec::new();
    for n in 0..SEQUENTIAL {
        single.push(timed_sign_up(&app, id, n).await);
    }
    single.sort();
    println!(
        "| {backend:?} | {SEQUENTIAL} sign-ups one after another | {:.0} req/s | p50 {:.1} ms | p99 {:.1} ms | max {:.1} ms |",
        SEQUENTIAL as f64 / single.iter().map(Duration::as_secs_f64).sum::<f64>(),
        percentile(&single, 0.50),
        percentile(&single, 0.99),
        single.last().unwrap().as_secs_f64() * 1000.0
    );

    let id = app.schedule(1000, 31, json!({})).await["id"].as_i64().unwrap();
    let mut groups = Vec::new();
    for n in 0..GROUPS {
        groups.push(timed_group_sign_up(&app, id, n).await);
    }
    groups.sort();
    println!(
        "| {backend:?} | {GROUPS} group sign-ups of four one after another | {:.0} req/s | p50 {:.1} ms ({:.2}× one person's) | p99 {:.1} ms | max {:.1} ms |",
        GROUPS as f64 / groups.iter().map(Duration::as_secs_f64).sum::<f64>(),
        percentile(&groups, 0.50),
        percentile(&groups, 0.50) / percentile(&single, 0.50),
        percentile(&groups, 0.99),
        groups.last().unwrap().as_secs_f64() * 1000.0
    );
}

#[tokio::main]
async fn main() {
    println!("| backend | scenario | throughput | p50 | p99 | max |");
    println!("|---|---|---|---|---|---|");
    bench(Backend::Sqlite).await;
    bench(Backend::Postgres).await;
}

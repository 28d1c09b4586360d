//! The sign-up rush: 200 people try to sign up for a 20-seat session at the same
//! moment, against the real release server on SQLite and on PostgreSQL: once just after
//! the server started (timed alone: it is still opening connections), then alone, then while
//! 32 readers keep asking for the public pages (half the list `/` as a browser asks, half the
//! session's own page, whose "残り n 席" each reader checks against the sign-ups already
//! answered: seats left on the page must follow the writes). Prints the rush's throughput
//! and latency percentiles, each rush's time and how many transactions its sign-ups were
//! written in (the server's rounds), the readers' pages per second and any stale page, then the
//! latency of single sign-ups in a row and of group sign-ups (four people in one
//! submission) in a row, with their ratio.
//!
//! Run: `cargo bench --features ssr --bench signup_rush` (PostgreSQL at 127.0.0.1:5432).

#[path = "../tests/api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::{
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use futures::future::join_all;
use helpers::{signup, spawn_app, Backend, Options, TestApp};
use serde_json::json;

const RUSH: usize = 200;
const SEATS: i64 = 20;
const ROUNDS: usize = 5;
const SEQUENTIAL: usize = 200;
const GROUPS: usize = 100;
const READERS: usize = 32;
/// What browsers send (Chromium 156).
const BROWSER_ENCODINGS: &str = "gzip, deflate, br, zstd";

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

async fn timed_sign_up(app: &TestApp, session_id: i64, n: usize) -> Duration {
    timed_seat(app, session_id, n, &AtomicUsize::new(0)).await
}

/// One sign-up; counts it in `seated` once its answer says it has a seat.
async fn timed_seat(app: &TestApp, session_id: i64, n: usize, seated: &AtomicUsize) -> Duration {
    let started = Instant::now();
    let res = app.post(&format!("/api/v1/sessions/{session_id}/registrations"), None, &signup(n, None)).await;
    assert_eq!(res.status(), 201);
    let elapsed = started.elapsed();
    if res.json::<serde_json::Value>().await.unwrap()["status"] == "confirmed" {
        seated.fetch_add(1, Ordering::SeqCst);
    }
    elapsed
}

/// The seats a session page shows left: "残り5席" → 5, a full session's badge → 0.
fn seats_shown(page: &str) -> usize {
    match page.split_once("class=\"seats-left\">残り") {
        Some((_, rest)) => rest.split('席').next().and_then(|n| n.parse().ok()).expect("a number of seats"),
        None => {
            assert!(page.contains("class=\"seats-full\""), "the page shows neither seats left nor full");
            0
        }
    }
}

/// What the readers saw during one rush.
#[derive(Default)]
struct Readings {
    pages: usize,
    /// Session pages showing more seats than were left when they were asked for.
    stale: usize,
}

/// Reader `k` until `stop`: even readers ask for the list as a browser does, odd ones for
/// the session's page, checking its seats against `seated` read before asking.
async fn read_pages(app: &TestApp, k: usize, session_id: i64, seated: &AtomicUsize, stop: &AtomicBool) -> Readings {
    let mut readings = Readings::default();
    while !stop.load(Ordering::SeqCst) {
        if k.is_multiple_of(2) {
            let res = app.client.get(app.url("/")).header("Accept-Encoding", BROWSER_ENCODINGS).send().await.unwrap();
            assert_eq!(res.status(), 200);
            res.bytes().await.unwrap();
        } else {
            let left_at_most = SEATS as usize - seated.load(Ordering::SeqCst).min(SEATS as usize);
            let page = app.get(&format!("/sessions/{session_id}"), None).await.text().await.unwrap();
            readings.stale += (seats_shown(&page) > left_at_most) as usize;
        }
        readings.pages += 1;
    }
    readings
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

/// `ROUNDS` rushes, each on a new session, with `readers` reading the pages meanwhile;
/// prints the sign-ups' figures and, with readers, theirs.
async fn rushes(app: &Arc<TestApp>, backend: Backend, readers: usize, first_day: i64) {
    let mut latencies = Vec::new();
    let mut rates = Vec::new();
    let rounds_before = round_sizes(app).await;
    let (mut pages, mut stale, mut reading) = (0, 0, Duration::ZERO);
    for round in 0..ROUNDS {
        let id = app.schedule(SEATS, first_day + round as i64, json!({})).await["id"].as_i64().unwrap();
        let seated = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let reading_tasks: Vec<_> = (0..readers)
            .map(|k| {
                let (app, seated, stop) = (app.clone(), seated.clone(), stop.clone());
                tokio::spawn(async move { read_pages(&app, k, id, &seated, &stop).await })
            })
            .collect();
        let started = Instant::now();
        let round_latencies = join_all((0..RUSH).map(|n| timed_seat(app, id, n, &seated))).await;
        let elapsed = started.elapsed();
        stop.store(true, Ordering::SeqCst);
        for task in reading_tasks {
            let r = task.await.unwrap();
            (pages, stale) = (pages + r.pages, stale + r.stale);
        }
        reading += elapsed;
        rates.push(RUSH as f64 / elapsed.as_secs_f64());
        latencies.extend(round_latencies);
        assert_eq!(app.count_registrations(id, "confirmed").await, SEATS);
        let page = app.get(&format!("/sessions/{id}"), None).await.text().await.unwrap();
        assert_eq!(seats_shown(&page), 0, "the full session's page after the rush");
    }
    latencies.sort();
    let mean_rate = rates.iter().sum::<f64>() / rates.len() as f64;
    let rounds_after = round_sizes(app).await;
    let (written, rounds) = (rounds_after.0 - rounds_before.0, rounds_after.1 - rounds_before.1);
    println!(
        "| {backend:?} | rush {RUSH}×{ROUNDS} for {SEATS} seats, {readers} readers | {mean_rate:.0} req/s | p50 {:.1} ms | p99 {:.1} ms | max {:.1} ms |",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        latencies.last().unwrap().as_secs_f64() * 1000.0
    );
    println!(
        "| {backend:?} | each rush, {readers} readers | {} | {written:.0} sign-ups in {rounds:.0} transactions ({:.1} each) | | |",
        rates.iter().map(|r| format!("{:.0} ms", RUSH as f64 / r * 1000.0)).collect::<Vec<_>>().join(", "),
        written / rounds.max(1.0)
    );
    if readers > 0 {
        println!(
            "| {backend:?} | the readers during those rushes | {:.0} pages/s | {pages} pages | {stale} stale | |",
            pages as f64 / reading.as_secs_f64()
        );
    }
}

/// The server's count of sign-ups written in rounds and of rounds so far (its
/// `ippo_signup_round_size` sum and count).
async fn round_sizes(app: &TestApp) -> (f64, f64) {
    let text = app.get("/metrics", Some(&app.admin_token)).await.text().await.unwrap();
    let value = |name: &str| {
        text.lines().find_map(|l| l.strip_prefix(name).and_then(|rest| rest.trim().parse::<f64>().ok())).unwrap_or(0.0)
    };
    (value("ippo_signup_round_size_sum"), value("ippo_signup_round_size_count"))
}

/// The first rush after the server started, timed alone: during it the server opens its
/// database connections and prepares its statements on each, which a server that has been
/// up for a while has done.
async fn cold_rush(app: &TestApp, backend: Backend, day: i64) {
    let id = app.schedule(SEATS, day, json!({})).await["id"].as_i64().unwrap();
    let started = Instant::now();
    join_all((0..RUSH).map(|n| timed_sign_up(app, id, n))).await;
    println!(
        "| {backend:?} | the first rush after start (cold), alone | {:.0} ms for {RUSH} | | | |",
        started.elapsed().as_secs_f64() * 1000.0
    );
}

async fn bench(backend: Backend) {
    let app = Arc::new(spawn_app(backend, Options::default()).await);
    cold_rush(&app, backend, 6).await;
    rushes(&app, backend, 0, 7).await;
    rushes(&app, backend, READERS, 7 + ROUNDS as i64).await;

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

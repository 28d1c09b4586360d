//! Starts the real `ippo` binary on port 0 against a fresh SQLite file or a fresh
//! PostgreSQL database, with accounts and tokens made through its own command line.

use std::{
    process::Stdio,
    sync::atomic::{AtomicU32, Ordering},
};

use serde_json::{json, Value};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server the tests create their databases on.
fn pg_admin_url() -> String {
    std::env::var("IPPO_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique_name() -> String {
    format!(
        "ippo_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos()
    )
}

/// A fresh, empty database URL for one test.
pub async fn fresh_database(backend: Backend, data_dir: &std::path::Path) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite://{}/ippo.db", data_dir.display()),
        Backend::Postgres => {
            use sqlx::Executor;
            let admin = pg_admin_url();
            let pool = sqlx::PgPool::connect(&admin).await.unwrap_or_else(|e| {
                panic!("PostgreSQL is required for these tests and is not reachable at {admin}: {e}")
            });
            let name = unique_name();
            pool.execute(format!("CREATE DATABASE {name}").as_str()).await.expect("create test database");
            let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
            format!("{base}/{name}")
        }
    }
}

/// How to start the app: its SMTP server, public rate limit (0: off) and extra settings.
#[derive(Default)]
pub struct Options {
    pub smtp_port: Option<u16>,
    pub rate_limit: u32,
    pub extra_env: Vec<(String, String)>,
    /// A city's first day: no sample city, only a manager and an administrator (the
    /// staff tokens are empty).
    pub empty_city: bool,
    /// A database an earlier release left, holding rows, for the app to migrate the rest.
    pub earlier: Option<Earlier>,
}

/// A database as an earlier release left it: the migrations numbered up to `through`
/// applied (from copies of their files, as that release had them), then `rows` — SQL
/// statements written for that schema — run on it (PostgreSQL: then every identity moved
/// past the ids `rows` gave, where the app's own inserts would have left it).
pub struct Earlier {
    pub through: i64,
    pub rows: String,
}

/// Moves each identity column's sequence past the largest id in its table (PostgreSQL).
const PAST_THE_IDS: &str = "DO $$ DECLARE c record; BEGIN
    FOR c IN SELECT table_name, column_name FROM information_schema.columns
             WHERE table_schema = 'public' AND is_identity = 'YES' LOOP
        EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, %L), COALESCE(MAX(%I), 0) + 1, false) FROM %I',
                       c.table_name, c.column_name, c.column_name, c.table_name);
    END LOOP;
END $$";

impl Earlier {
    async fn make(&self, backend: Backend, database_url: &str) {
        use std::str::FromStr;
        let folder = match backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        };
        let all = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(folder);
        let then = std::env::temp_dir().join(unique_name());
        std::fs::create_dir_all(&then).unwrap();
        for file in std::fs::read_dir(&all).unwrap() {
            let file = file.unwrap().path();
            let name = file.file_name().unwrap().to_str().unwrap().to_string();
            let number: i64 = name.split('_').next().unwrap().parse().unwrap();
            if number <= self.through {
                std::fs::copy(&file, then.join(name)).unwrap();
            }
        }
        let migrator = sqlx::migrate::Migrator::new(then.as_path()).await.unwrap();
        macro_rules! on {
            ($pool:ty, $options:expr) => {{
                let pool = <$pool>::connect_with($options).await.unwrap();
                migrator.run(&pool).await.unwrap();
                sqlx::raw_sql(&self.rows).execute(&pool).await.unwrap();
                if backend == Backend::Postgres {
                    sqlx::raw_sql(PAST_THE_IDS).execute(&pool).await.unwrap();
                }
                pool.close().await;
            }};
        }
        match backend {
            Backend::Sqlite => on!(
                sqlx::SqlitePool,
                sqlx::sqlite::SqliteConnectOptions::from_str(database_url).unwrap().create_if_missing(true)
            ),
            Backend::Postgres => on!(sqlx::PgPool, sqlx::postgres::PgConnectOptions::from_str(database_url).unwrap()),
        }
        std::fs::remove_dir_all(then).unwrap();
    }
}

pub struct TestApp {
    pub base: String,
    pub backend: Backend,
    pub database_url: String,
    pub client: reqwest::Client,
    pub manager_token: String,
    pub staff_token: String,
    pub other_staff_token: String,
    pub admin_token: String,
    env: Vec<(String, String)>,
    child: Option<Child>,
    metrics: Option<String>,
    /// The first instance owns its PostgreSQL database and drops it when it goes; the
    /// others (`another_instance`) share it.
    owns_database: bool,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.start_kill();
        }
        if self.owns_database && self.backend == Backend::Postgres {
            // Synchronous (Drop cannot await); FORCE ends the server's last connections.
            let name = self.database_url.rsplit('/').next().unwrap_or_default();
            let _ = std::process::Command::new("psql")
                .args([&pg_admin_url(), "-qc", &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")])
                .stdout(Stdio::null())
                .status();
        }
    }
}

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_ippo")
}

impl TestApp {
    /// Runs an `ippo` subcommand against this app's database and returns what it printed.
    pub async fn cli(&self, args: &[&str], extra_env: &[(&str, &str)]) -> String {
        let mut env = self.env.clone();
        env.extend(extra_env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        run_cli(&env, args, None).await
    }

    /// Runs an `ippo` subcommand that may fail; returns its status, output and errors.
    pub async fn cli_output(&self, args: &[&str]) -> std::process::Output {
        cli_output(&self.env, args, None).await
    }

    /// Makes a partner staff account of that shop and returns its API token.
    pub async fn partner_token(&self, partner_id: i64, email: &str) -> String {
        let partner = partner_id.to_string();
        let args = [
            "user",
            "add",
            "--email",
            email,
            "--name",
            "店舗 担当",
            "--role",
            "partner",
            "--partner",
            &partner,
            "--password-stdin",
        ];
        run_cli(&self.env, &args, Some("test-password-123")).await;
        run_cli(&self.env, &["token", "issue", "--email", email], None).await.trim().to_string()
    }

    /// The server's process id (to read its memory from /proc).
    pub fn pid(&self) -> u32 {
        self.child.as_ref().and_then(|c| c.id()).expect("the server runs")
    }

    /// The separate metrics address the server printed (`IPPO_METRICS_ADDR`), if any.
    pub fn metrics_url(&self) -> Option<String> {
        self.metrics.clone()
    }

    /// The folder the app keeps its files in (`IPPO_DATA_DIR`).
    pub fn data_dir(&self) -> std::path::PathBuf {
        self.env.iter().find(|(k, _)| k == "IPPO_DATA_DIR").map(|(_, v)| v.into()).unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut req = self.client.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request")
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> reqwest::Response {
        let mut req = self.client.post(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request")
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> reqwest::Response {
        let mut req = self.client.patch(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request")
    }

    /// Schedules a session at venue 1 starting `days` from now; returns its JSON.
    pub async fn schedule(&self, capacity: i64, days: i64, extra: Value) -> Value {
        let starts = chrono::Utc::now() + chrono::Duration::days(days);
        let mut body = json!({
            "kind": "course", "title": "テスト講座", "topic": "basic_operation", "venue_id": 1,
            "starts_at": starts.to_rfc3339(), "ends_at": (starts + chrono::Duration::hours(2)).to_rfc3339(),
            "capacity": capacity, "loaner_devices": 5
        });
        for (k, v) in extra.as_object().cloned().unwrap_or_default() {
            body[k] = v;
        }
        let res = self.post("/api/v1/sessions", Some(&self.manager_token), &body).await;
        assert_eq!(res.status(), 201, "scheduling failed: {}", res.text().await.unwrap());
        res.json().await.unwrap()
    }

    /// The number of registrations of a session with this status, straight from the database.
    pub async fn count_registrations(&self, session_id: i64, status: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM registrations WHERE session_id = {session_id} AND status = '{status}'");
        self.scalar(&sql).await
    }

    /// Counts rows of a table (for "nothing was stored" checks).
    pub async fn count_rows(&self, table: &str) -> i64 {
        self.scalar(&format!("SELECT COUNT(*) FROM {table}")).await
    }

    /// Runs one statement straight on the database (to alter what the app wrote, as a hand would).
    pub async fn execute(&self, sql: &str) {
        self.scalar(&format!("{sql} RETURNING CAST(0 AS BIGINT)")).await;
    }

    /// The first column of the first row a statement returns (an integer), from a fresh
    /// connection to the app's database.
    pub async fn scalar(&self, sql: &str) -> i64 {
        macro_rules! on {
            ($pool:ty) => {{
                let pool = <$pool>::connect(&self.database_url).await.unwrap();
                let rows: Vec<i64> = sqlx::query_scalar(sql).fetch_all(&pool).await.unwrap();
                pool.close().await;
                rows.first().copied().unwrap_or_default()
            }};
        }
        match self.backend {
            Backend::Sqlite => on!(sqlx::SqlitePool),
            Backend::Postgres => on!(sqlx::PgPool),
        }
    }

    /// The first column of every row a query returns (text), from a fresh connection.
    pub async fn texts(&self, sql: &str) -> Vec<String> {
        macro_rules! on {
            ($pool:ty) => {{
                let pool = <$pool>::connect(&self.database_url).await.unwrap();
                let rows: Vec<String> = sqlx::query_scalar(sql).fetch_all(&pool).await.unwrap();
                pool.close().await;
                rows
            }};
        }
        match self.backend {
            Backend::Sqlite => on!(sqlx::SqlitePool),
            Backend::Postgres => on!(sqlx::PgPool),
        }
    }

    /// Starts another instance of the same app on the same database.
    pub async fn another_instance(&self) -> TestApp {
        let (child, base, metrics) = start_server(&self.env).await;
        TestApp {
            base,
            backend: self.backend,
            database_url: self.database_url.clone(),
            client: client(),
            manager_token: self.manager_token.clone(),
            staff_token: self.staff_token.clone(),
            other_staff_token: self.other_staff_token.clone(),
            admin_token: self.admin_token.clone(),
            env: self.env.clone(),
            child: Some(child),
            metrics,
            owns_database: false,
        }
    }
}

/// Runs `ippo` with these arguments and returns how it ended, whether it succeeded or not.
async fn cli_output(env: &[(String, String)], args: &[&str], stdin: Option<&str>) -> std::process::Output {
    use tokio::io::AsyncWriteExt;
    let mut cmd = Command::new(binary());
    cmd.args(args).envs(env.iter().cloned()).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start ippo");
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).await.unwrap();
    }
    drop(input);
    child.wait_with_output().await.unwrap()
}

async fn run_cli(env: &[(String, String)], args: &[&str], stdin: Option<&str>) -> String {
    let out = cli_output(env, args, stdin).await;
    assert!(out.status.success(), "ippo {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Starts `ippo serve`; returns the process, its address and its metrics address (if any).
async fn start_server(env: &[(String, String)]) -> (Child, String, Option<String>) {
    let mut child = Command::new(binary())
        .arg("serve")
        .envs(env.iter().cloned())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("start ippo serve");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut metrics = None;
    let base = loop {
        let line = lines.next_line().await.unwrap().expect("ippo exited before listening");
        if let Some(addr) = line.strip_prefix("metrics on ") {
            metrics = Some(addr.trim().to_string());
        }
        if let Some(addr) = line.strip_prefix("listening on ") {
            break addr.trim().to_string();
        }
    };

    // Keep draining stdout so the server never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, base, metrics)
}

/// A running app with the sample city, a manager and two staff members with API tokens.
pub async fn spawn_app(backend: Backend, options: Options) -> TestApp {
    let data_dir = std::env::temp_dir().join(unique_name());
    std::fs::create_dir_all(&data_dir).unwrap();
    let database_url = fresh_database(backend, &data_dir).await;
    if let Some(earlier) = &options.earlier {
        earlier.make(backend, &database_url).await;
    }
    let mut env = vec![
        ("IPPO_DATA_DIR".to_string(), data_dir.display().to_string()),
        ("DATABASE_URL".to_string(), database_url.clone()),
        ("LEPTOS_SITE_ADDR".to_string(), "127.0.0.1:0".to_string()),
        ("IPPO_SEED".to_string(), "none".to_string()),
        ("IPPO_PUBLIC_RATE_LIMIT".to_string(), options.rate_limit.to_string()),
        ("IPPO_MAIL_MAX_BACKOFF".to_string(), "1".to_string()),
        ("RUST_LOG".to_string(), "warn".to_string()),
    ];
    if let Some(port) = options.smtp_port {
        env.push(("SMTP_URL".to_string(), format!("smtp://127.0.0.1:{port}")));
    }
    env.extend(options.extra_env);
    if !options.empty_city {
        run_cli(&env, &["seed", "demo"], None).await;
    }
    let password = Some("test-password-123");
    run_cli(
        &env,
        &["user", "add", "--email", "m@example.jp", "--name", "管理 太郎", "--role", "manager", "--password-stdin"],
        password,
    )
    .await;
    if !options.empty_city {
        run_cli(
            &env,
            &[
                "user",
                "add",
                "--email",
                "s@example.jp",
                "--name",
                "受付 花子",
                "--role",
                "staff",
                "--venue",
                "1",
                "--password-stdin",
            ],
            password,
        )
        .await;
        run_cli(
            &env,
            &[
                "user",
                "add",
                "--email",
                "o@example.jp",
                "--name",
                "他館 次郎",
                "--role",
                "staff",
                "--venue",
                "5",
                "--password-stdin",
            ],
            password,
        )
        .await;
    }
    run_cli(
        &env,
        &["user", "add", "--email", "a@example.jp", "--name", "管理者", "--role", "admin", "--password-stdin"],
        password,
    )
    .await;
    let token = |email: &'static str| {
        let env = env.clone();
        async move { run_cli(&env, &["token", "issue", "--email", email], None).await.trim().to_string() }
    };
    let staff = |email: &'static str| {
        let token = token(email);
        async move {
            if options.empty_city {
                String::new()
            } else {
                token.await
            }
        }
    };
    let (manager_token, staff_token, other_staff_token, admin_token) = (
        token("m@example.jp").await,
        staff("s@example.jp").await,
        staff("o@example.jp").await,
        token("a@example.jp").await,
    );
    let (child, base, metrics) = start_server(&env).await;
    TestApp {
        base,
        backend,
        database_url,
        client: client(),
        manager_token,
        staff_token,
        other_staff_token,
        admin_token,
        env,
        child: Some(child),
        metrics,
        owns_database: true,
    }
}

/// A valid web sign-up body.
/// A valid web sign-up body of person `n` (each with their own phone: 093-123-4567 for
/// the first, then 4568, …).
pub fn signup(n: usize, email: Option<String>) -> Value {
    json!({
        "attendee": {
            "name": format!("北九 花子{n}"), "name_kana": "キタキュウ ハナコ", "phone": format!("093-123-{}", 4567 + n),
            "age_band": "75_79", "has_smartphone": false, "needs_loaner": false, "notes": ""
        },
        "registrant": { "name": "北九 一郎", "email": email.unwrap_or_default(), "phone": "090-1234-5678", "relation": "family" },
        "channel": "web",
        "consent": true
    })
}

/// Signs `n` people up for a session at the counter (staff of venue 1) and returns their registration ids.
pub async fn fill(app: &TestApp, session_id: i64, n: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..n {
        let mut body = signup(i, None);
        body["channel"] = json!("counter");
        let res =
            app.post(&format!("/api/v1/sessions/{session_id}/registrations"), Some(&app.staff_token), &body).await;
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
        ids.push(res.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    ids
}

/// Writes one test per backend for an async test function taking a `Backend`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::helpers::Backend::Sqlite).await })+
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::helpers::Backend::Postgres).await })+
        }
    };
}

/// Reads an iCalendar file as a strict reader would (RFC 5545) and fails on anything
/// loose: lines end in CRLF and no other CR or LF stands anywhere, no line is longer
/// than 75 octets, BEGIN/END pair up, the calendar has VERSION, PRODID and METHOD, and
/// every event UID, DTSTAMP, DTSTART and SEQUENCE. It must also parse with the calendar
/// crate. Returns the calendar's METHOD and each event's properties (unfolded, by name).
pub fn strict_ics(ics: &str) -> (String, Vec<std::collections::HashMap<String, String>>) {
    assert!(ics.ends_with("\r\n"), "the file ends with CRLF");
    let body = &ics[..ics.len() - 2];
    for line in body.split("\r\n") {
        assert!(!line.contains('\r') && !line.contains('\n'), "a bare CR or LF in {line:?}");
        assert!(line.len() <= 75, "a line of {} octets: {line:?}", line.len());
    }
    let unfolded = body.replace("\r\n ", "").replace("\r\n\t", "");
    let mut stack: Vec<String> = Vec::new();
    let (mut method, mut calendar_props) = (String::new(), Vec::new());
    let mut events = Vec::new();
    let mut current: Option<std::collections::HashMap<String, String>> = None;
    for line in unfolded.split("\r\n") {
        let (name, value) = line.split_once(':').unwrap_or_else(|| panic!("a line without a colon: {line:?}"));
        let name = name.split(';').next().unwrap().to_string();
        match name.as_str() {
            "BEGIN" => {
                stack.push(value.to_string());
                if value == "VEVENT" {
                    current = Some(Default::default());
                }
            }
            "END" => {
                assert_eq!(stack.pop().as_deref(), Some(value), "END:{value} closes what was opened");
                if value == "VEVENT" {
                    events.push(current.take().unwrap());
                }
            }
            _ => match current.as_mut() {
                // An alarm's properties are kept apart from its event's (`VALARM.TRIGGER`).
                Some(event) if stack.last().map(String::as_str) == Some("VALARM") => {
                    event.insert(format!("VALARM.{name}"), value.to_string());
                }
                Some(event) => {
                    event.insert(name, value.to_string());
                }
                None => {
                    if name == "METHOD" {
                        method = value.to_string();
                    }
                    calendar_props.push(name);
                }
            },
        }
    }
    assert!(stack.is_empty(), "every BEGIN has its END");
    for required in ["VERSION", "PRODID", "METHOD"] {
        assert!(calendar_props.iter().any(|p| p == required), "the calendar has {required}");
    }
    for event in &events {
        for required in ["UID", "DTSTAMP", "DTSTART", "SEQUENCE"] {
            assert!(event.contains_key(required), "every event has {required}: {event:?}");
        }
    }
    ics.parse::<icalendar::Calendar>().expect("the calendar crate reads it");
    (method, events)
}

/// Waits for a condition the server reaches on its own (a background job), checking it
/// every 50 ms, and fails after `within`.
pub async fn eventually<F, Fut>(within: std::time::Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + within;
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "{what} did not happen within {within:?}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

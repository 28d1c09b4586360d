//! Configuration, read once from flags and the environment (SPEC.md's names).

use std::{net::SocketAddr, path::PathBuf};

#[derive(clap::Args, Clone, Debug)]
pub struct Config {
    /// Where the SQLite file and the .eml outbox live.
    #[arg(long, env = "IPPO_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,

    /// `sqlite://…` or `postgres://…`; default: an SQLite file in the data folder.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,

    /// Address the server listens on.
    #[arg(long, env = "LEPTOS_SITE_ADDR", default_value = "127.0.0.1:3000", global = true)]
    pub site_addr: SocketAddr,

    /// Folder of the built site (`pkg/` with the CSS, JS and WASM, and `public/` files).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site", global = true)]
    pub site_root: String,

    /// `smtp://host:port`; unset: mails are written as .eml files to `<data dir>/outbox/`.
    #[arg(long, env = "SMTP_URL", global = true)]
    pub smtp_url: Option<String>,

    /// The SMS aggregator: `smpp://system_id:password@host:port?source=…` (SMPP 3.4).
    /// Unset: SMS are written as text files to `<IPPO_DATA_DIR>/sms-outbox/`.
    #[arg(long, env = "SMS_URL", global = true)]
    pub sms_url: Option<String>,

    /// `demo` loads the sample city into an empty database; `none` loads nothing.
    #[arg(long, env = "IPPO_SEED", default_value = "none", global = true)]
    pub seed: SeedMode,

    /// Public write requests per minute per client; 0 disables the limit.
    #[arg(long, env = "IPPO_PUBLIC_RATE_LIMIT", default_value_t = 20, global = true)]
    pub public_rate_limit: u32,

    /// Addresses of reverse proxies (IPs or CIDR blocks, comma-separated) whose
    /// `X-Forwarded-For` names the client; from any other peer the header is ignored, so
    /// nobody can pick their own address for the rate limits and the audit log.
    #[arg(long, env = "IPPO_TRUSTED_PROXIES", value_delimiter = ',', global = true)]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// A second address serving only `/metrics`, without login, for a Prometheus on a
    /// private network (e.g. `127.0.0.1:9100`). On the main address `/metrics` answers
    /// administrators only (a bearer token works for a scraper).
    #[arg(long, env = "IPPO_METRICS_ADDR", global = true)]
    pub metrics_addr: Option<SocketAddr>,

    /// Whether public pages are kept as rendered bytes per data version (see
    /// `server::pagecache`); `false` renders every request, for comparisons.
    #[arg(long, env = "IPPO_PAGE_CACHE", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub page_cache: bool,

    /// Days after a session's end during which its survey code takes answers.
    #[arg(long, env = "IPPO_SURVEY_DAYS", default_value_t = 14, global = true)]
    pub survey_days: u32,

    /// Days after a session's end when the attendees who came and agreed are asked the
    /// follow-up, one round each (`30`, or `30,90` for two rounds; 1–730 days).
    #[arg(
        long,
        env = "IPPO_FOLLOWUP_DAYS",
        value_delimiter = ',',
        default_value = "30",
        value_parser = clap::value_parser!(u32).range(1..=730),
        global = true
    )]
    pub followup_days: Vec<u32>,

    /// Days after a session when its attendees' personal data is anonymised.
    #[arg(long, env = "IPPO_RETENTION_DAYS", default_value_t = 365, global = true)]
    pub retention_days: u32,

    /// The address links in e-mails point to.
    #[arg(long, env = "IPPO_PUBLIC_URL", default_value = "http://127.0.0.1:3000", global = true)]
    pub public_url: String,

    /// Sender of outgoing mail.
    #[arg(
        long,
        env = "IPPO_MAIL_FROM",
        default_value = "北九州市 スマホ教室 <noreply@ippo.example.jp>",
        global = true
    )]
    pub mail_from: String,

    /// Seconds between housekeeping rounds (queueing day-before reminders, pruning counters).
    #[arg(long, env = "IPPO_HOUSEKEEPING_INTERVAL", default_value_t = 60, global = true)]
    pub housekeeping_interval_secs: u64,

    /// Seconds a worker's claim on outbox messages lasts (renewed while it sends); what
    /// an instance that died was holding waits at most this long for another.
    #[arg(long, env = "IPPO_OUTBOX_LEASE", default_value_t = 30, global = true)]
    pub outbox_lease_secs: u64,

    /// Longest wait between two delivery attempts of one e-mail, in seconds.
    #[arg(long, env = "IPPO_MAIL_MAX_BACKOFF", default_value_t = 60, global = true)]
    pub mail_max_backoff_secs: u64,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeedMode {
    Demo,
    None,
}

impl Config {
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| format!("sqlite://{}/ippo.db", self.data_dir.display()))
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }

    /// Where SMS go as files when no `SMS_URL` is set.
    pub fn sms_outbox_dir(&self) -> PathBuf {
        self.data_dir.join("sms-outbox")
    }

    /// The public address is this machine (the default, or `localhost`): links in mails
    /// and on printed QR codes would not open on anyone else's phone.
    pub fn public_url_is_local(&self) -> bool {
        let rest = self.public_url.split_once("://").map_or(self.public_url.as_str(), |(_, r)| r);
        let host = rest.split(['/', ':']).next().unwrap_or_default().trim_start_matches('[');
        host == "localhost"
            || host.starts_with("127.")
            || host == "0.0.0.0"
            || host.is_empty()
            || rest.starts_with("[::1]")
    }

    /// Cookies are marked Secure when the public address is https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

//! The `ippo` command line (SPEC.md's contract): serve (default), migrate, seed, user add,
//! token issue, retention, import, and the operator's `routes` and `check`.

use std::{io::Read, sync::Arc};

use anyhow::Context;
use axum::serve::{Listener as _, ListenerExt as _};
use clap::{Parser, Subcommand};
use leptos::config::LeptosOptions;

use crate::{
    accounts, city,
    domain::Role,
    i18n::Lang,
    notify::{email::EmailTransport, sms::SmsTransport, worker::Channels},
    policy::Viewer,
    registrations::seats,
    seed,
    server::{
        config::{Config, SeedMode},
        db::Db,
        error::AppError,
        state::AppState,
        web_sessions::WebSessionStore,
    },
};

#[derive(Parser, Debug)]
#[command(name = "ippo", version, about = "Ippo (一歩) — smartphone courses for seniors")]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    /// The language of messages: `ja` (the default) or `en`; without it, `LANG` decides
    /// (`en_US.UTF-8` → English, anything else Japanese).
    #[arg(long, global = true)]
    pub lang: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the web app and the JSON API (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Load data into the database.
    Seed {
        #[arg(value_enum)]
        what: SeedWhat,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Anonymise attendees' personal data past IPPO_RETENTION_DAYS now (the server also does it hourly).
    Retention,
    /// Import venues, sessions, partners or wards from a CSV file (UTF-8 or Shift_JIS):
    /// prints what would be created and changed, then writes it.
    Import {
        #[arg(value_enum)]
        kind: crate::exchange::ImportKind,
        file: std::path::PathBuf,
        /// Import the good rows even if some rows are bad (they are reported and left out).
        #[arg(long)]
        skip_bad_rows: bool,
        /// Print what the import would do and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// How the file is laid out: Ippo's own columns, or the city's 公共施設一覧.
        #[arg(long, value_enum, default_value = "ippo")]
        format: crate::exchange::FileFormat,
        /// With `--format facility-list`: only facilities whose 名称 contains this (市民センター).
        #[arg(long, default_value = "")]
        facility_type: String,
        /// Write updates that change a record's name (shown by the plan).
        #[arg(long)]
        accept_renames: bool,
    },
    /// The city's profile: its name, department, contact and sender name.
    City {
        #[command(subcommand)]
        command: CityCommand,
    },
    /// List every route the server answers (method and path).
    Routes,
    /// Recompute every session's counters (seats, waitlist, attendance, survey tallies)
    /// from the rows and report any difference; exits 1 when there is one.
    Check {
        /// Write the recomputed counters where they differ.
        #[arg(long)]
        repair: bool,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum SeedWhat {
    /// The sample city: its profile, Kitakyushu's wards, venues, partners, sessions and accounts.
    Demo,
    /// Kitakyushu's seven wards alone (codes as in SPEC.md); nothing else.
    Wards,
}

#[derive(Subcommand, Debug)]
#[allow(clippy::large_enum_variant)] // parsed once, from the command line
pub enum CityCommand {
    /// Print the city's profile.
    Show,
    /// Set the city's profile; options left out keep their values.
    Set {
        /// The city's name (北九州市).
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        name_en: Option<String>,
        /// The department that runs the programme (デジタル市役所推進課).
        #[arg(long)]
        department: Option<String>,
        #[arg(long)]
        department_en: Option<String>,
        /// The programme's phone number, on every page and mail.
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        email: Option<String>,
        /// Whom people ask about their personal data (default: the city and department).
        #[arg(long)]
        privacy_contact: Option<String>,
        /// The sender name of mails (default: "<city> スマホ教室・相談会").
        #[arg(long)]
        sender_name: Option<String>,
        /// The 6-digit 全国地方公共団体コード (401005 for Kitakyushu).
        #[arg(long)]
        lg_code: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user; the password is read from standard input.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// A venue a staff member works at (repeat for several).
        #[arg(long = "venue")]
        venues: Vec<i64>,
        /// The partner shop of a partner staff member.
        #[arg(long)]
        partner: Option<i64>,
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Issue an API token for a user and print it.
    Issue {
        #[arg(long)]
        email: String,
    },
    /// Revoke every API token of a user (a lost laptop, someone who left).
    Revoke {
        #[arg(long)]
        email: String,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| "role must be admin, manager, staff or partner".to_string())
}

/// The language the command line speaks: `--lang`, else `LANG`, else Japanese.
fn cli_lang(flag: Option<&str>) -> Lang {
    match flag {
        Some(code) => Lang::parse(code).unwrap_or_default(),
        None => std::env::var("LANG").ok().filter(|l| l.starts_with("en")).map_or(Lang::Ja, |_| Lang::En),
    }
}

/// Database connections the server keeps open while idle (see `Db::connect`): half the
/// PostgreSQL pool, enough for the reads of a sign-up rush's first moments.
const KEPT_OPEN: u32 = 8;

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config;
    let lang = cli_lang(cli.lang.as_deref());
    let describe = |err: AppError| describe(err, lang);
    if let Some(Command::Routes) = cli.command {
        // Needs no database: the table is the code's.
        crate::routes::listing().iter().for_each(|line| println!("{line}"));
        return Ok(());
    }
    let serving = matches!(cli.command, None | Some(Command::Serve));
    if serving {
        // Before the pool opens its kept connections, so that `ippo_db_connections_opened_total`
        // counts them too.
        crate::server::metrics::handle();
    }
    let db = Db::connect(&config.database_url(), if serving { KEPT_OPEN } else { 0 }).await?;
    db.migrate().await.context("migrations failed")?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config, db).await,
        Command::Migrate => {
            println!("migrations applied");
            Ok(())
        }
        Command::Seed { what: SeedWhat::Demo } => {
            let report = seed::demo(&db).await?;
            println!("{report}");
            Ok(())
        }
        Command::Seed { what: SeedWhat::Wards } => {
            println!("{}", seed::wards(&db).await?);
            Ok(())
        }
        Command::City { command: CityCommand::Show } => {
            print_city(&city::store::get(&db).await.map_err(describe)?, lang);
            Ok(())
        }
        Command::City {
            command:
                CityCommand::Set {
                    name,
                    name_en,
                    department,
                    department_en,
                    phone,
                    email,
                    privacy_contact,
                    sender_name,
                    lg_code,
                },
        } => {
            let state = app_state(config, db)?;
            let current = city::store::get(&state.db).await.map_err(describe)?;
            let mut input = city::CityInput::from(&current);
            let given = [
                (&mut input.name, name),
                (&mut input.name_en, name_en),
                (&mut input.department, department),
                (&mut input.department_en, department_en),
                (&mut input.phone, phone),
                (&mut input.email, email),
                (&mut input.privacy_contact, privacy_contact),
                (&mut input.sender_name, sender_name),
                (&mut input.lg_code, lg_code),
            ];
            for (field, value) in given {
                if let Some(value) = value {
                    *field = value;
                }
            }
            let saved = city::store::save(&state, &Viewer::command_line(), &input).await.map_err(describe)?;
            println!("{}", lang.tr("city.saved"));
            print_city(&saved, lang);
            Ok(())
        }
        Command::User { command: UserCommand::Add { email, name, role, venues, partner, .. } } => {
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password).context("cannot read the password")?;
            let user = accounts::store::NewUser {
                email: email.clone(),
                name,
                role,
                password: password.trim_end_matches(['\r', '\n']).to_string(),
                venue_ids: venues,
                partner_id: partner,
            };
            let id = accounts::store::create_user(&db, user).await.map_err(describe)?;
            println!("user {id} created: {email} ({role})");
            Ok(())
        }
        Command::Retention => {
            let copies = crate::privacy::store::Copies::of(&config);
            let n = crate::privacy::store::apply_retention(&db, &copies, config.retention_days, chrono::Utc::now())
                .await
                .map_err(describe)?;
            println!("anonymised {n} registrations older than {} days after their session", config.retention_days);
            Ok(())
        }
        Command::Import { kind, file, skip_bad_rows, dry_run, format, facility_type, accept_renames } => {
            // Importing sessions may move waitlisted people up, which writes their mails.
            let state = app_state(config, db)?;
            let options = crate::exchange::import::ImportOptions { kind, format, facility_type, skip_bad_rows };
            crate::exchange::import::import_file(
                &state,
                &Viewer::command_line(),
                &options,
                &file,
                dry_run,
                accept_renames,
                lang,
            )
            .await
            .map_err(describe)
        }
        Command::Routes => unreachable!("answered before the database is opened"),
        Command::Check { repair } => {
            let drift = seats::check_counters(&db, repair).await.map_err(describe)?;
            for d in &drift {
                println!("{d}");
            }
            match (drift.is_empty(), repair) {
                (true, _) => println!("every session's counters match its rows"),
                (false, true) => println!("repaired {} counter(s)", drift.len()),
                (false, false) => {
                    anyhow::bail!("{} counter(s) differ from the rows; run `ippo check --repair`", drift.len())
                }
            }
            Ok(())
        }
        Command::Token { command: TokenCommand::Issue { email } } => {
            let token = accounts::store::issue_token(&db, &email).await.map_err(describe)?;
            println!("{token}");
            Ok(())
        }
        Command::Token { command: TokenCommand::Revoke { email } } => {
            let n = accounts::store::revoke_tokens(&db, &email).await.map_err(describe)?;
            println!("revoked {n} token(s) of {email}");
            Ok(())
        }
    }
}

/// The city profile, one field a line.
fn print_city(city: &city::CityProfile, lang: Lang) {
    use city::field;
    let fields = [
        (field::NAME, &city.name),
        (field::NAME_EN, &city.name_en),
        (field::DEPARTMENT, &city.department),
        (field::DEPARTMENT_EN, &city.department_en),
        (field::PHONE, &city.phone),
        (field::EMAIL, &city.email),
        (field::PRIVACY_CONTACT, &city.privacy_contact),
        (field::SENDER_NAME, &city.sender_name),
        (field::LG_CODE, &city.lg_code),
    ];
    for (name, value) in fields {
        println!("{:<24} {value}", lang.tr(&format!("city.{name}")));
    }
}

/// An error for the terminal in its language, with field messages spelled out.
fn describe(err: AppError, lang: Lang) -> anyhow::Error {
    let fields: Vec<String> =
        err.field_messages(lang).into_iter().map(|(k, v)| format!("{k}: {}", v.as_str().unwrap_or(""))).collect();
    if fields.is_empty() {
        anyhow::anyhow!("{}", err.message(lang))
    } else {
        anyhow::anyhow!("{}", fields.join("; "))
    }
}

/// Whether the site was built with content-hashed file names (`hash-files` in
/// Cargo.toml): `cargo leptos build` then leaves their hashes in `hash.txt` beside the
/// binary, and the pages link `/pkg/ippo.<hash>.css`, which may be cached for a year.
/// A plain `cargo build` (the integration tests) has none and links `/pkg/ippo.css`.
fn built_with_hashed_names() -> bool {
    std::env::current_exe().ok().and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt").exists())).unwrap_or(false)
}

/// What handlers and domain functions reach: the database, configuration and the outbox.
fn app_state(config: Config, db: Db) -> anyhow::Result<AppState> {
    let leptos_options = LeptosOptions::builder()
        .output_name("ippo")
        .site_root(config.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(config.site_addr)
        .hash_files(built_with_hashed_names())
        .build();
    Ok(AppState {
        db,
        config: Arc::new(config),
        leptos_options,
        outbox: Default::default(),
        memo: Default::default(),
        pages: crate::server::pagecache::PageCache::new(crate::routes::PUBLIC_PAGES),
        rounds: Default::default(),
    })
}

async fn serve(config: Config, db: Db) -> anyhow::Result<()> {
    if config.seed == SeedMode::Demo && seed::is_empty(&db).await? {
        let report = seed::demo(&db).await?;
        println!("{report}");
    }
    let channels = Channels {
        email: EmailTransport::from_config(&config)?,
        sms: SmsTransport::from_config(&config, &db)?,
        max_backoff_secs: config.mail_max_backoff_secs,
        lease: std::time::Duration::from_secs(config.outbox_lease_secs.max(3)),
    };
    let state = app_state(config, db.clone())?;
    let config = state.config.clone();
    let store = WebSessionStore::new(&db).await?;
    store.spawn_cleanup();
    crate::notify::worker::spawn(db.clone(), state.outbox.clone(), channels);
    crate::jobs::spawn(state.clone());
    if let Some(addr) = config.metrics_addr {
        let metrics = axum::Router::new()
            .route("/metrics", axum::routing::get(crate::routes::metrics_text))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr} for metrics"))?;
        println!("metrics on http://{}/metrics", listener.local_addr()?);
        tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, metrics).await {
                tracing::error!(?err, "the metrics listener stopped");
            }
        });
    }
    let app = crate::routes::router(state, store).await;
    // No Nagle delay: a response may go out in several writes, and a small later one
    // would otherwise wait for the client's delayed ACK of the first.
    let listener = tokio::net::TcpListener::bind(config.site_addr)
        .await
        .with_context(|| format!("cannot listen on {}", config.site_addr))?
        .tap_io(|tcp| {
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::debug!("cannot set TCP_NODELAY: {err}");
            }
        });
    // Tests bind port 0 and read the real address from this line.
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

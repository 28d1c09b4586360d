//! The `ippo` command line: serve (default), migrate, seed, user add, token issue.

use std::{io::Read, sync::Arc};

use anyhow::Context;
use axum::serve::{Listener as _, ListenerExt as _};
use clap::{Parser, Subcommand};
use leptos::config::LeptosOptions;

use super::{
    config::{Config, SeedMode},
    db::Db,
    state::AppState,
    web_sessions::WebSessionStore,
};
use crate::{accounts, domain::Role, mail::Mailer, seed};

#[derive(Parser, Debug)]
#[command(name = "ippo", version, about = "Ippo (一歩) — smartphone courses for seniors")]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
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
    /// Import venues, sessions or partners from a CSV file (UTF-8 or Shift_JIS).
    Import {
        #[arg(value_enum)]
        kind: crate::exchange::import::ImportKind,
        file: std::path::PathBuf,
        /// Import the good rows even if some rows are bad (they are reported and left out).
        #[arg(long)]
        skip_bad_rows: bool,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum SeedWhat {
    /// The sample city: Kitakyushu's wards, venues, partners, sessions and accounts.
    Demo,
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
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| "role must be admin, manager, staff or partner".to_string())
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config;
    let db = Db::connect(&config.database_url()).await?;
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
            let n = crate::privacy::store::apply_retention(&db, config.retention_days, chrono::Utc::now())
                .await
                .map_err(describe)?;
            println!("anonymised {n} registrations older than {} days after their session", config.retention_days);
            Ok(())
        }
        Command::Import { kind, file, skip_bad_rows } => {
            // Importing sessions may move waitlisted people up, which writes their mails.
            let state = app_state(config, db)?;
            crate::exchange::import::import_file(&state, kind, &file, skip_bad_rows).await.map_err(describe)
        }
        Command::Token { command: TokenCommand::Issue { email } } => {
            let token = accounts::store::issue_token(&db, &email).await.map_err(describe)?;
            println!("{token}");
            Ok(())
        }
    }
}

/// An error for the terminal, with field messages spelled out.
fn describe(err: super::error::AppError) -> anyhow::Error {
    let lang = crate::i18n::Lang::En;
    let fields: Vec<String> =
        err.field_messages(lang).into_iter().map(|(k, v)| format!("{k}: {}", v.as_str().unwrap_or(""))).collect();
    if fields.is_empty() {
        anyhow::anyhow!("{}", err.message(lang))
    } else {
        anyhow::anyhow!("{}", fields.join("; "))
    }
}

/// What handlers and domain functions reach: the database, configuration and mailer.
fn app_state(config: Config, db: Db) -> anyhow::Result<AppState> {
    let leptos_options = LeptosOptions::builder()
        .output_name("ippo")
        .site_root(config.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(config.site_addr)
        .build();
    let mailer = Mailer::from_config(&config)?;
    Ok(AppState { db, config: Arc::new(config), leptos_options, mailer, venues: Default::default() })
}

async fn serve(config: Config, db: Db) -> anyhow::Result<()> {
    if config.seed == SeedMode::Demo && seed::is_empty(&db).await? {
        let report = seed::demo(&db).await?;
        println!("{report}");
    }
    let state = app_state(config, db.clone())?;
    let config = state.config.clone();
    super::metrics::handle();
    let store = WebSessionStore::new(&db).await?;
    store.spawn_cleanup();
    crate::mail::worker::spawn(state.clone());
    let app = super::http::router(state, store).await;
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

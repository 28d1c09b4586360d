//! One storage layer for SQLite and PostgreSQL. Queries are written once with `$1`
//! placeholders (both drivers accept them) and run through `on_db!`/`on_tx!`, which
//! expand the same code for each backend. Dialect differences live in this file only.

use std::{path::Path, str::FromStr, time::Duration};

use anyhow::Context;
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    Connection, PgPool, Postgres, Sqlite, SqlitePool, Transaction,
};

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Runs `$body` with `$pool` bound to the backend's pool (`&SqlitePool` or `&PgPool`).
#[macro_export]
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::server::db::Db::Sqlite($pool) => $body,
            $crate::server::db::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the transaction's connection; use it as `&mut *$conn`.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::server::db::Tx::Sqlite(tx) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::server::db::Tx::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}

/// Pooled connections are meant to live long; a count that keeps rising under steady
/// traffic means connections are being thrown away (see `app::deferred`).
fn count_connection() {
    metrics::counter!("ippo_db_connections_opened_total").increment(1);
}

impl Db {
    /// Opens the database named by `url`, creating an SQLite file (and its folder) if missing.
    /// `kept_open` connections are opened at once and kept even when idle: the server keeps
    /// some, so that the first rush after a start or a quiet night does not wait for
    /// PostgreSQL to start a backend per connection; a command keeps none. A PostgreSQL
    /// connection, once open, is kept for good (no idle timeout, no lifetime): a new backend
    /// loads its catalogue caches and prepares each statement again, which made a nation's
    /// outcome report about 40 ms slower for its first few dozen requests
    /// (docs/BENCHMARKS.md, 7 December, evening), and sqlx's defaults would start over so
    /// after every 10 idle minutes or 30 minutes of use.
    pub async fn connect(url: &str, kept_open: u32) -> anyhow::Result<Db> {
        if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url).context("DATABASE_URL is not a PostgreSQL URL")?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .min_connections(kept_open.min(16))
                .idle_timeout(None)
                .max_lifetime(None)
                .acquire_timeout(Duration::from_secs(10))
                // A connection that just came back is known to work (the pool tests each one
                // as it is returned); only one that sat idle, perhaps across a database
                // restart, is tested again before use. Busy pages skip a round trip per query.
                .test_before_acquire(false)
                .before_acquire(|conn, meta| {
                    Box::pin(async move {
                        if meta.idle_for > Duration::from_secs(1) {
                            conn.ping().await?;
                        }
                        Ok(true)
                    })
                })
                .after_connect(|_, _| {
                    Box::pin(async {
                        count_connection();
                        Ok(())
                    })
                })
                .connect_with(options)
                .await
                .context("cannot connect to PostgreSQL")?;
            Ok(Db::Postgres(pool))
        } else if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .context("DATABASE_URL is not an SQLite URL")?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                // Writers queue on SQLite's single write lock; a sign-up rush must wait, not fail.
                .busy_timeout(Duration::from_secs(30));
            if let Some(dir) = Path::new(options.get_filename()).parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
                }
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .min_connections(kept_open.min(4))
                .acquire_timeout(Duration::from_secs(30))
                // A file cannot hang up: testing a connection before each use would only add
                // one more trip to its worker thread per query.
                .test_before_acquire(false)
                .after_connect(|_, _| {
                    Box::pin(async {
                        count_connection();
                        Ok(())
                    })
                })
                .connect_with(options)
                .await
                .context("cannot open the SQLite database")?;
            Ok(Db::Sqlite(pool))
        } else {
            anyhow::bail!("DATABASE_URL must start with sqlite: or postgres:")
        }
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self {
            Db::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await?,
            Db::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin().await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// A read-only transaction whose statements all see the database at one moment, for
    /// figures read in several statements that must add up (PostgreSQL: repeatable read;
    /// SQLite: a read transaction already is one, from its first read).
    pub async fn begin_snapshot(&self) -> Result<Tx, sqlx::Error> {
        match self {
            Db::Sqlite(pool) => Ok(Tx::Sqlite(pool.begin().await?)),
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
                Ok(Tx::Postgres(tx))
            }
        }
    }

    /// `FOR UPDATE SKIP LOCKED` where the backend has it. SQLite has a single writer,
    /// so a claiming `UPDATE` there is already exclusive.
    pub fn skip_locked(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "",
            Db::Postgres(_) => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// The data version: a counter that every transaction writing to what the public
    /// pages show (sessions, meetings, registrations, venues, wards, partners, the city
    /// profile) bumps in that same transaction, by database triggers (migration 0015).
    /// It only grows; what was read under one version is current while it holds.
    pub async fn data_version(&self) -> Result<i64, sqlx::Error> {
        on_db!(self, pool => sqlx::query_scalar("SELECT version FROM data_version WHERE id = 1").fetch_one(pool).await)
    }

    pub async fn ping(&self) -> bool {
        on_db!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()).is_ok())
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
    }
}

/// Whether an error is the violation of the named unique constraint or index.
pub fn is_unique_violation(err: &sqlx::Error, constraint: &str) -> bool {
    match err {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            // PostgreSQL names the constraint; SQLite names the columns in its message.
            db.constraint() == Some(constraint) || db.constraint().is_none()
        }
        _ => false,
    }
}

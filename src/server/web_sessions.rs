//! Web sessions (login cookies) kept in the database through tower-sessions, so any
//! instance behind the load balancer can serve any request.

use async_trait::async_trait;
use tower_sessions::{
    cookie::SameSite,
    session::{Id, Record},
    session_store::{self, ExpiredDeletion},
    Expiry, SessionManagerLayer, SessionStore,
};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use super::db::Db;

/// The session store of whichever backend the city runs on.
#[derive(Clone, Debug)]
pub enum WebSessionStore {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl WebSessionStore {
    pub async fn new(db: &Db) -> anyhow::Result<Self> {
        Ok(match db {
            Db::Sqlite(pool) => {
                let store = SqliteStore::new(pool.clone());
                store.migrate().await?;
                WebSessionStore::Sqlite(store)
            }
            Db::Postgres(pool) => {
                let store = PostgresStore::new(pool.clone());
                store.migrate().await?;
                WebSessionStore::Postgres(store)
            }
        })
    }

    /// Forgets expired sessions every ten minutes.
    pub fn spawn_cleanup(&self) {
        let store = self.clone();
        tokio::spawn(async move {
            let period = tokio::time::Duration::from_secs(600);
            let result = match store {
                WebSessionStore::Sqlite(s) => s.continuously_delete_expired(period).await,
                WebSessionStore::Postgres(s) => s.continuously_delete_expired(period).await,
            };
            if let Err(err) = result {
                tracing::error!(?err, "web session cleanup stopped");
            }
        });
    }

    pub fn layer(self, secure: bool) -> SessionManagerLayer<Self> {
        SessionManagerLayer::new(self)
            .with_name("ippo_session")
            .with_http_only(true)
            .with_secure(secure)
            .with_same_site(SameSite::Lax)
            // A counter shift is 8 hours; an idle login ends after that.
            .with_expiry(Expiry::OnInactivity(time::Duration::hours(8)))
    }
}

#[async_trait]
impl SessionStore for WebSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            WebSessionStore::Sqlite(s) => s.create(record).await,
            WebSessionStore::Postgres(s) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            WebSessionStore::Sqlite(s) => s.save(record).await,
            WebSessionStore::Postgres(s) => s.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            WebSessionStore::Sqlite(s) => s.load(id).await,
            WebSessionStore::Postgres(s) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            WebSessionStore::Sqlite(s) => s.delete(id).await,
            WebSessionStore::Postgres(s) => s.delete(id).await,
        }
    }
}

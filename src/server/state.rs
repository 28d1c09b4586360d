//! What every handler and page can reach: the database, the configuration, the Leptos
//! options, the outbox's wake-up call, a memo of rarely changing data, the kept public pages
//! and the rounds that jobs on one key wait for.

use std::{
    any::{Any, TypeId},
    collections::HashMap,
    future::Future,
    sync::Arc,
};

use leptos::config::LeptosOptions;
use tokio::sync::{Notify, RwLock};

use super::{config::Config, db::Db, error::AppResult};

#[derive(Clone, axum::extract::FromRef)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
    /// Wakes this instance's delivery worker after a write to the outbox.
    pub outbox: OutboxWake,
    pub memo: Memo,
    /// Public pages kept as rendered and compressed bytes (see `pagecache`).
    pub pages: super::pagecache::PageCache,
    /// Jobs on one key done together in rounds (see `rounds`): a session's sign-ups, and
    /// the shared reads of the data version and of a session.
    pub rounds: super::rounds::Rounds,
}

/// Wakes the outbox worker of this instance as soon as something was written to the
/// outbox (other instances find it by polling).
#[derive(Clone, Default)]
pub struct OutboxWake(Arc<Notify>);

impl OutboxWake {
    pub fn wake(&self) {
        self.0.notify_one();
    }

    pub async fn woken(&self) {
        self.0.notified().await
    }
}

/// Values read on nearly every page and changed rarely (the venue directory, the city
/// profile), kept per instance by type for as long as the data version (`Db::data_version`)
/// is unchanged: a change made on any instance is seen at the next read.
#[derive(Clone, Default)]
pub struct Memo(Arc<RwLock<HashMap<TypeId, Kept>>>);

/// A kept value and the data version it was read under.
type Kept = (i64, Arc<dyn Any + Send + Sync>);

impl Memo {
    /// The kept value of type `T` if read under the current data version, else a fresh
    /// one from `load`. Errors: the database's.
    pub async fn get_or_load<T, F>(&self, db: &Db, load: impl FnOnce() -> F) -> AppResult<T>
    where
        T: Clone + Send + Sync + 'static,
        F: Future<Output = AppResult<T>>,
    {
        let version = db.data_version().await?;
        if let Some((read_under, value)) = self.0.read().await.get(&TypeId::of::<T>()) {
            if let (true, Some(value)) = (*read_under == version, value.downcast_ref::<T>()) {
                return Ok(value.clone());
            }
        }
        let fresh = load().await?;
        self.0.write().await.insert(TypeId::of::<T>(), (version, Arc::new(fresh.clone())));
        Ok(fresh)
    }
}

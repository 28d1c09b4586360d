//! What every handler and page can reach: the database, the configuration, the Leptos
//! options, the outbox's wake-up call and a short-lived memo of rarely changing data.

use std::{
    any::{Any, TypeId},
    collections::HashMap,
    future::Future,
    sync::Arc,
    time::{Duration, Instant},
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

/// Values read on nearly every page and changed rarely (the venue directory), kept per
/// instance for `ttl` and keyed by their type. A change made here calls `forget`; one
/// made on another instance shows up when the value expires.
#[derive(Clone, Default)]
pub struct Memo(Arc<RwLock<HashMap<TypeId, Kept>>>);

/// A kept value and when it was read.
type Kept = (Instant, Arc<dyn Any + Send + Sync>);

impl Memo {
    /// The kept value of type `T` if younger than `ttl`, else a fresh one from `load`.
    pub async fn get_or_load<T, F>(&self, ttl: Duration, load: impl FnOnce() -> F) -> AppResult<T>
    where
        T: Clone + Send + Sync + 'static,
        F: Future<Output = AppResult<T>>,
    {
        if let Some((at, value)) = self.0.read().await.get(&TypeId::of::<T>()) {
            if let (true, Some(value)) = (at.elapsed() < ttl, value.downcast_ref::<T>()) {
                return Ok(value.clone());
            }
        }
        let fresh = load().await?;
        self.0.write().await.insert(TypeId::of::<T>(), (Instant::now(), Arc::new(fresh.clone())));
        Ok(fresh)
    }

    /// Drops the kept value of type `T` after a change made here.
    pub async fn forget<T: 'static>(&self) {
        self.0.write().await.remove(&TypeId::of::<T>());
    }
}

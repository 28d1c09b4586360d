//! One-time keys: every form that creates something carries one (and API clients may
//! send an `Idempotency-Key`), so the same submission sent twice — a double tap, a
//! browser retry — makes one thing. The key is claimed in the transaction that makes the
//! thing, so two copies arriving at once wait for each other on both backends.

use chrono::{DateTime, Duration, Utc};

use super::{
    db::{Db, Tx},
    error::{AppError, AppResult},
};
use crate::{domain::Problem, on_db, on_tx};

/// How long a key is remembered: longer than any retry, shorter than a form stays open.
const KEPT_FOR: Duration = Duration::days(2);

/// `bytes` random bytes as lowercase hex (`2 × bytes` characters): the secret part of
/// links (cancel, follow-up), login and API tokens, form keys.
pub fn random_hex(bytes: usize) -> String {
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

/// A key as sent: 1–200 visible ASCII characters, or the problem with it.
pub fn check_key(key: &str) -> AppResult<&str> {
    let key = key.trim();
    if !key.is_empty() && key.len() <= 200 && key.chars().all(|c| c.is_ascii_graphic()) {
        Ok(key)
    } else {
        Err(AppError::BadRequest(Problem::new("error.idempotency_key")))
    }
}

/// What was sent, for telling a repeat from something else sent under the same key:
/// SHA-256 of it as read (its type's field order, so spacing and order of what was sent
/// do not matter).
pub fn fingerprint(sent: &impl serde::Serialize) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(serde_json::to_vec(sent).unwrap_or_default()))
}

/// Claims `key` for a submission of kind `scope` with this `fingerprint` inside `tx`.
/// `None`: the first use — go on, and store what was made with `record`.
/// `Some(outcome)`: a repeat of the submission that made `outcome`. The same key with
/// another kind or another fingerprint is refused (409 `idempotency_mismatch`).
pub async fn claim(
    tx: &mut Tx,
    key: &str,
    scope: &str,
    fingerprint: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<String>> {
    let key = check_key(key)?;
    let inserted = on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO submissions (key, scope, fingerprint, outcome, created_at) VALUES ($1, $2, $3, '', $4)
             ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(scope)
        .bind(fingerprint)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected())
    })?;
    if inserted == 1 {
        return Ok(None);
    }
    let (seen_scope, seen_fingerprint, outcome): (String, String, String) = on_tx!(tx, conn => {
        sqlx::query_as("SELECT scope, fingerprint, outcome FROM submissions WHERE key = $1")
            .bind(key)
            .fetch_one(&mut *conn)
            .await
    })?;
    if seen_scope != scope || seen_fingerprint != fingerprint {
        return Err(AppError::Conflict(Problem::new("error.idempotency_mismatch")));
    }
    Ok(Some(outcome))
}

/// Stores what the first submission with `key` made (an id), for its repeats.
pub async fn record(tx: &mut Tx, key: &str, outcome: &str) -> AppResult<()> {
    on_tx!(tx, conn => {
        sqlx::query("UPDATE submissions SET outcome = $2 WHERE key = $1")
            .bind(key.trim())
            .bind(outcome)
            .execute(&mut *conn)
            .await
            .map(|_| ())
    })?;
    Ok(())
}

/// For a submission of `sent` that may carry a key: the id that a first submission with
/// the same key made (`Some`: this is a repeat; answer with that), or `None` (go on,
/// then `remember`).
pub async fn earlier(
    tx: &mut Tx,
    key: Option<&str>,
    scope: &str,
    sent: &impl serde::Serialize,
    now: DateTime<Utc>,
) -> AppResult<Option<i64>> {
    match key.filter(|k| !k.trim().is_empty()) {
        Some(key) => Ok(claim(tx, key, scope, &fingerprint(sent), now).await?.and_then(|outcome| outcome.parse().ok())),
        None => Ok(None),
    }
}

/// Stores the id a first submission made under its key, if it has one.
pub async fn remember(tx: &mut Tx, key: Option<&str>, id: i64) -> AppResult<()> {
    match key.filter(|k| !k.trim().is_empty()) {
        Some(key) => record(tx, key, &id.to_string()).await,
        None => Ok(()),
    }
}

/// Forgets keys older than `KEPT_FOR` (the housekeeping loop).
pub async fn prune(db: &Db, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query("DELETE FROM submissions WHERE created_at < $1").bind(now - KEPT_FOR).execute(pool).await.map(|_| ())
    })?;
    Ok(())
}

//! Request counters in the database (sliding windows of a minute), so the limit holds
//! across instances.

use std::net::IpAddr;

use chrono::Utc;

use super::{db::Db, error::AppError, state::AppState};
use crate::{on_db, policy::Viewer};

/// Anonymous writes (sign-up, cancel, survey) count against the client's per-minute
/// allowance (`IPPO_PUBLIC_RATE_LIMIT`); logged-in staff are not limited.
pub async fn public_write(state: &AppState, client: IpAddr, viewer: Option<&Viewer>) -> Result<(), AppError> {
    if viewer.is_some() {
        return Ok(());
    }
    let bucket = format!("public:{client}");
    if allow(&state.db, &bucket, state.config.public_rate_limit).await? {
        Ok(())
    } else {
        Err(AppError::RateLimited)
    }
}

/// Counts one hit for `bucket` and says whether the hits of the last sixty seconds are
/// within `per_minute`. Hits are counted per calendar minute; the last sixty seconds are
/// this minute's hits and the previous minute's weighted by the part of it still within
/// them (a sliding window), so a burst across the turn of a minute counts whole instead of
/// starting again from nothing. One statement.
pub async fn allow(db: &Db, bucket: &str, per_minute: u32) -> Result<bool, sqlx::Error> {
    if per_minute == 0 {
        return Ok(true);
    }
    let now = Utc::now().timestamp_millis();
    let (window, into) = (now.div_euclid(60_000), now.rem_euclid(60_000) as f64 / 60_000.0);
    let (hits, before): (i32, Option<i32>) = on_db!(db, pool => {
        sqlx::query_as(
            "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1)
             ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1
             RETURNING hits, (SELECT p.hits FROM rate_limits p WHERE p.bucket = $1 AND p.window_start = $3)",
        )
        .bind(bucket)
        .bind(window)
        .bind(window - 1)
        .fetch_one(pool)
        .await
    })?;
    Ok(hits as f64 + before.unwrap_or(0) as f64 * (1.0 - into) <= per_minute as f64)
}

/// Gives back one hit of `bucket` in the current minute: for attempts that turned out
/// legitimate (a successful login), so only failures use up the allowance.
pub async fn refund(db: &Db, bucket: &str) -> Result<(), sqlx::Error> {
    let window = Utc::now().timestamp() / 60;
    on_db!(db, pool => {
        sqlx::query("UPDATE rate_limits SET hits = hits - 1 WHERE bucket = $1 AND window_start = $2 AND hits > 0")
            .bind(bucket)
            .bind(window)
            .execute(pool)
            .await
            .map(|_| ())
    })
}

/// Drops windows older than an hour.
pub async fn prune(db: &Db) -> Result<(), sqlx::Error> {
    let before = Utc::now().timestamp() / 60 - 60;
    on_db!(db, pool => {
        sqlx::query("DELETE FROM rate_limits WHERE window_start < $1").bind(before).execute(pool).await.map(|_| ())
    })?;
    Ok(())
}

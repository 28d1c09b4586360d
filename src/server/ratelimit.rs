//! Fixed-window request counters in the database, so the limit holds across instances.

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

/// Counts one hit for `bucket` in the current minute and says whether it is within `per_minute`.
pub async fn allow(db: &Db, bucket: &str, per_minute: u32) -> Result<bool, sqlx::Error> {
    if per_minute == 0 {
        return Ok(true);
    }
    let window = Utc::now().timestamp() / 60;
    let hits: i32 = on_db!(db, pool => {
        sqlx::query_scalar(
            "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1)
             ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1
             RETURNING hits",
        )
        .bind(bucket)
        .bind(window)
        .fetch_one(pool)
        .await
    })?;
    Ok(hits as u32 <= per_minute)
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

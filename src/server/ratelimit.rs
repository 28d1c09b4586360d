//! Fixed-window request counters in the database, so the limit holds across instances.

use chrono::Utc;

use super::db::Db;
use crate::on_db;

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

/// Drops windows older than an hour.
pub async fn prune(db: &Db) -> Result<(), sqlx::Error> {
    let before = Utc::now().timestamp() / 60 - 60;
    on_db!(db, pool => {
        sqlx::query("DELETE FROM rate_limits WHERE window_start < $1").bind(before).execute(pool).await.map(|_| ())
    })?;
    Ok(())
}

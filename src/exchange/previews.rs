//! Uploaded files waiting for the clerk to confirm their preview. The confirmed write
//! reads the same bytes again and goes ahead only if the plan is still the one shown.

use super::import::ImportOptions;
use crate::{
    on_db, on_tx,
    policy::Viewer,
    server::{
        db::{Db, Tx},
        error::{AppError, AppResult},
    },
};
use chrono::{DateTime, Duration, Utc};

/// How long an upload waits for its confirmation.
pub const KEPT_FOR: Duration = Duration::hours(24);

/// A stored upload: the options it was sent with and its bytes.
#[derive(Clone, Debug)]
pub struct Preview {
    pub options: ImportOptions,
    pub content: Vec<u8>,
}

/// Keeps an upload for confirmation; returns its token (random, 128 bits).
pub async fn keep(db: &Db, viewer: &Viewer, preview: &Preview, now: DateTime<Utc>) -> AppResult<String> {
    let user_id = viewer.user_id.ok_or(AppError::Unauthorized)?;
    let token = hex::encode(rand::random::<[u8; 16]>());
    let options = serde_json::to_string(&preview.options).map_err(|e| AppError::Internal(e.into()))?;
    on_db!(db, pool => {
        sqlx::query(
            "INSERT INTO import_previews (token, user_id, kind, options, content, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&token)
        .bind(user_id)
        .bind(preview.options.kind.code())
        .bind(&options)
        .bind(&preview.content)
        .bind(now)
        .execute(pool)
        .await
        .map(|_| ())
    })?;
    Ok(token)
}

/// The viewer's own upload under `token` (404 for anyone else's or an expired one).
pub async fn find(db: &Db, viewer: &Viewer, token: &str, now: DateTime<Utc>) -> AppResult<Preview> {
    let row: Option<(String, Vec<u8>)> = on_db!(db, pool => {
        sqlx::query_as(
            "SELECT options, content FROM import_previews
             WHERE token = $1 AND user_id = $2 AND created_at > $3",
        )
        .bind(token)
        .bind(viewer.user_id)
        .bind(now - KEPT_FOR)
        .fetch_optional(pool)
        .await
    })?;
    let (options, content) = row.ok_or(AppError::NotFound)?;
    let options: ImportOptions = serde_json::from_str(&options).map_err(|e| AppError::Internal(e.into()))?;
    options.kind.require(viewer)?;
    Ok(Preview { options, content })
}

/// Takes the viewer's upload `token` inside the transaction that writes it: of two
/// confirmations sent at once (a double click, two tabs) only one finds it; the other is
/// told it is gone (404) and writes nothing.
pub async fn claim_in(tx: &mut Tx, viewer: &Viewer, token: &str) -> AppResult<()> {
    let taken = on_tx!(tx, conn => {
        sqlx::query("DELETE FROM import_previews WHERE token = $1 AND user_id = $2")
            .bind(token)
            .bind(viewer.user_id)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected())
    })?;
    if taken == 1 {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Drops uploads older than `KEPT_FOR` (housekeeping).
pub async fn prune(db: &Db, now: DateTime<Utc>) -> AppResult<u64> {
    Ok(on_db!(db, pool => {
        sqlx::query("DELETE FROM import_previews WHERE created_at <= $1")
            .bind(now - KEPT_FOR)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
    })?)
}

//! The staff's call list: people to phone because something changed and they have no
//! e-mail, or because a mail to them could not be delivered. A call stays on the list
//! until someone marks it done, so nobody is called twice for the same thing.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    domain::CallReason,
    on_db, on_tx,
    policy::Viewer,
    server::{
        audit,
        db::{Db, Tx},
        error::{AppError, AppResult},
    },
    sessions,
};

/// One call to make.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct CallTask {
    pub id: i64,
    pub registration_id: i64,
    pub reason: CallReason,
    /// What to tell them (the change, old → new) or what failed (the address).
    pub detail: String,
    pub created_at: DateTime<Utc>,
}

/// Puts a call on the list inside the change that causes it.
pub async fn add(
    tx: &mut Tx,
    registration_id: i64,
    reason: CallReason,
    detail: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    on_tx!(tx, conn => {
        sqlx::query("INSERT INTO call_tasks (registration_id, reason, detail, created_at) VALUES ($1, $2, $3, $4)")
            .bind(registration_id)
            .bind(reason)
            .bind(detail)
            .bind(now)
            .execute(&mut *conn)
            .await
            .map(|_| ())
    })?;
    Ok(())
}

/// Every mail about a registration that the outbox gave up on (a permanent refusal)
/// becomes a call, once per mail whichever instance runs this (housekeeping); a failed
/// follow-up mail goes to the follow-up call list instead (`followups`). Returns how
/// many calls were added.
pub async fn collect_failed_mail(db: &Db) -> AppResult<u64> {
    Ok(on_db!(db, pool => {
        sqlx::query(
            "INSERT INTO call_tasks (registration_id, reason, detail, created_at, outbox_id)
             SELECT o.registration_id, $1, o.recipient, o.failed_at, o.id FROM outbox o
             WHERE o.failed_at IS NOT NULL AND o.registration_id IS NOT NULL AND o.template <> $2
               AND NOT EXISTS (SELECT 1 FROM call_tasks c WHERE c.outbox_id = o.id)
             ON CONFLICT (outbox_id) DO NOTHING",
        )
        .bind(CallReason::MailFailed)
        .bind(super::notices::MailTemplate::Followup.name())
        .execute(pool)
        .await
        .map(|r| r.rows_affected())
    })?)
}

/// The calls still to make for a session's registrations, oldest first (its venue's staff).
pub async fn open_for_session(db: &Db, viewer: &Viewer, session_id: i64) -> AppResult<Vec<CallTask>> {
    viewer.require_venue(sessions::store::venue_of(db, session_id).await?)?;
    Ok(on_db!(db, pool => {
        sqlx::query_as(
            "SELECT c.id, c.registration_id, c.reason, c.detail, c.created_at
             FROM call_tasks c JOIN registrations r ON r.id = c.registration_id
             WHERE r.session_id = $1 AND c.done_at IS NULL AND r.anonymised_at IS NULL
             ORDER BY c.created_at, c.id",
        )
        .bind(session_id)
        .fetch_all(pool)
        .await
    })?)
}

/// Marks a call made (the venue's staff; audit-logged). Returns the session it is about.
pub async fn mark_done(db: &Db, viewer: &Viewer, task_id: i64, now: DateTime<Utc>) -> AppResult<i64> {
    let session_id: Option<i64> = on_db!(db, pool => {
        sqlx::query_scalar(
            "SELECT r.session_id FROM call_tasks c JOIN registrations r ON r.id = c.registration_id WHERE c.id = $1",
        )
        .bind(task_id)
        .fetch_optional(pool)
        .await
    })?;
    let session_id = session_id.ok_or(AppError::NotFound)?;
    viewer.require_venue(sessions::store::venue_of(db, session_id).await?)?;
    on_db!(db, pool => {
        sqlx::query("UPDATE call_tasks SET done_at = $2, done_by = $3 WHERE id = $1 AND done_at IS NULL")
            .bind(task_id)
            .bind(now)
            .bind(viewer.user_id)
            .execute(pool)
            .await
            .map(|_| ())
    })?;
    audit::record(db, viewer, "call.done", &format!("call:{task_id}"), "").await?;
    Ok(session_id)
}

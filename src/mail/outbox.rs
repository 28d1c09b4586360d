//! The outbox table: mails written with the change that causes them, claimed by
//! workers under a lease so each is sent once even with several instances.

use chrono::{DateTime, Duration, Utc};

use super::templates::{render, MailContext, MailTemplate};
use crate::{
    on_db, on_tx,
    server::{
        db::{Db, Tx},
        error::AppResult,
    },
};

/// How long a claimed mail stays reserved for the worker that claimed it.
const LEASE_SECONDS: i64 = 120;
const BATCH: i64 = 20;

/// Renders a registration mail and writes it to the outbox inside `tx`.
pub async fn enqueue(
    tx: &mut Tx,
    template: MailTemplate,
    recipient: &str,
    ctx: &MailContext,
    ics: Option<String>,
    registration_id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let rendered = render(template, ctx)?;
    let ics = ics.filter(|_| template.carries_calendar());
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO outbox (template, recipient, subject, body_text, ics, registration_id, created_at, attempts, next_attempt_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $7)",
        )
        .bind(template.name())
        .bind(recipient)
        .bind(&rendered.subject)
        .bind(&rendered.body)
        .bind(ics)
        .bind(registration_id)
        .bind(now)
        .execute(&mut *conn)
        .await.map(|_| ())
    })?;
    Ok(())
}

#[derive(sqlx::FromRow, Debug)]
pub struct PendingMail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub ics: Option<String>,
    pub attempts: i32,
}

/// Claims up to a batch of due mails for this worker.
pub async fn claim(db: &Db, now: DateTime<Utc>) -> Result<Vec<PendingMail>, sqlx::Error> {
    let sql = format!(
        "UPDATE outbox SET locked_until = $1, attempts = attempts + 1
         WHERE id IN (
             SELECT id FROM outbox
             WHERE sent_at IS NULL AND next_attempt_at <= $2 AND (locked_until IS NULL OR locked_until < $2)
             ORDER BY id LIMIT $3{}
         )
         RETURNING id, recipient, subject, body_text, ics, attempts",
        db.skip_locked()
    );
    let lease = now + Duration::seconds(LEASE_SECONDS);
    on_db!(db, pool => sqlx::query_as(&sql).bind(lease).bind(now).bind(BATCH).fetch_all(pool).await)
}

pub async fn mark_sent(db: &Db, id: i64, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query("UPDATE outbox SET sent_at = $1, locked_until = NULL, last_error = NULL WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(pool)
            .await.map(|_| ())
    })?;
    Ok(())
}

/// Exponential backoff from one second, capped.
pub fn backoff(attempts: i32, max_secs: u64) -> Duration {
    let secs = 1u64.checked_shl(attempts.saturating_sub(1).clamp(0, 30) as u32).unwrap_or(u64::MAX);
    Duration::seconds(secs.min(max_secs.max(1)) as i64)
}

pub async fn mark_failed(db: &Db, id: i64, error: &str, retry_at: DateTime<Utc>) -> Result<(), sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query("UPDATE outbox SET next_attempt_at = $1, locked_until = NULL, last_error = $2 WHERE id = $3")
            .bind(retry_at)
            .bind(error)
            .bind(id)
            .execute(pool)
            .await.map(|_| ())
    })?;
    Ok(())
}

/// Mails not yet sent (for metrics and the health of delivery).
pub async fn depth(db: &Db) -> Result<i64, sqlx::Error> {
    on_db!(db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").fetch_one(pool).await)
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        assert_eq!(backoff(1, 60).num_seconds(), 1);
        assert_eq!(backoff(2, 60).num_seconds(), 2);
        assert_eq!(backoff(5, 60).num_seconds(), 16);
        assert_eq!(backoff(7, 60).num_seconds(), 60);
        assert_eq!(backoff(100, 60).num_seconds(), 60);
        assert_eq!(backoff(3, 2).num_seconds(), 2);
    }
}

//! The outbox table: messages written with the change that causes them, claimed by
//! workers under a lease so each is sent once even with several instances.
//!
//! What is guaranteed: a message is written with its change or not at all; it is sent
//! until it is delivered or refused for good; while one worker holds a message (its
//! lease, renewed as long as it is sending) no other sends it; a worker records the
//! outcome only while the lease is still its own. What is not: if an instance dies
//! after the receiving server took a message and before the outcome was written, the
//! message goes out again after the lease runs out (`lease` seconds at most) — with the
//! same `Message-ID`, so a receiving mail system can drop the repeat.

use chrono::{DateTime, Duration, Utc};

use super::{Channel, Delivered};
use crate::{
    on_db, on_tx,
    server::{
        db::{Db, Tx},
        error::AppResult,
    },
};

/// How many messages a worker claims at once: few, so a slow server holds few of them
/// and another instance can take the rest.
const BATCH: i64 = 5;

/// A rendered message, ready to be written to the outbox.
#[derive(Clone, Debug)]
pub struct Message {
    pub channel: Channel,
    /// The template it was rendered from (for the log and the metrics).
    pub template: &'static str,
    /// An e-mail address for `Channel::Email`, a mobile number for `Channel::Sms`.
    pub recipient: String,
    /// Empty for an SMS.
    pub subject: String,
    pub body: String,
    /// An iCalendar file to attach, if any.
    pub calendar: Option<String>,
    /// The registration it is about; retention and erasure drop its messages.
    pub registration_id: Option<i64>,
    /// The display name to send it under (the city's, when it was written); the
    /// channel's configured sender when `None`.
    pub sender_name: Option<String>,
}

/// Writes a message to the outbox inside `tx`; it is sent after the commit.
pub async fn enqueue(tx: &mut Tx, message: &Message, now: DateTime<Utc>) -> AppResult<()> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO outbox (channel, template, recipient, subject, body_text, ics, registration_id, created_at,
                 attempts, next_attempt_at, sender_name)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $8, $9)",
        )
        .bind(message.channel.as_str())
        .bind(message.template)
        .bind(&message.recipient)
        .bind(&message.subject)
        .bind(&message.body)
        .bind(&message.calendar)
        .bind(message.registration_id)
        .bind(now)
        .bind(&message.sender_name)
        .execute(&mut *conn)
        .await.map(|_| ())
    })?;
    Ok(())
}

/// A claimed message on its way out.
#[derive(sqlx::FromRow, Debug)]
pub struct PendingMessage {
    pub id: i64,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    #[sqlx(rename = "body_text")]
    pub body: String,
    #[sqlx(rename = "ics")]
    pub calendar: Option<String>,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub sender_name: Option<String>,
}

impl PendingMessage {
    /// The message's `Message-ID`, the same on every attempt (`<ippo.{id}.{created}@domain>`),
    /// so a repeat after a crash can be recognised by the receiver.
    pub fn message_id(&self, domain: &str) -> String {
        format!("<ippo.{}.{}@{domain}>", self.id, self.created_at.timestamp())
    }
}

/// A claim: the worker's token on the rows it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    pub owner: String,
    /// How long a claim or a renewal reserves the messages.
    pub length: Duration,
}

impl Lease {
    pub fn new(length: Duration) -> Lease {
        Lease { owner: crate::server::once::random_hex(12), length }
    }
}

/// Claims up to a batch of due messages under a fresh `lease`.
pub async fn claim(db: &Db, lease: &Lease, now: DateTime<Utc>) -> Result<Vec<PendingMessage>, sqlx::Error> {
    let sql = format!(
        "UPDATE outbox SET locked_until = $1, lease_owner = $4, attempts = attempts + 1
         WHERE id IN (
             SELECT id FROM outbox
             WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $2
               AND (locked_until IS NULL OR locked_until < $2)
             ORDER BY id LIMIT $3{}
         )
         RETURNING id, channel, recipient, subject, body_text, ics, attempts, created_at, sender_name",
        db.skip_locked()
    );
    let until = now + lease.length;
    on_db!(db, pool => sqlx::query_as(&sql).bind(until).bind(now).bind(BATCH).bind(&lease.owner).fetch_all(pool).await)
}

/// Extends the lease on every message it still holds; returns how many. A worker calls
/// it while it sends, so a slow server never lets the lease run out under it.
pub async fn renew(db: &Db, lease: &Lease, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query("UPDATE outbox SET locked_until = $1 WHERE lease_owner = $2 AND sent_at IS NULL AND failed_at IS NULL")
            .bind(now + lease.length)
            .bind(&lease.owner)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
    })
}

/// Whether the lease still holds this message (renewing it): checked just before sending.
pub async fn still_held(db: &Db, lease: &Lease, id: i64, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query("UPDATE outbox SET locked_until = $1 WHERE id = $2 AND lease_owner = $3 AND locked_until >= $4 AND sent_at IS NULL")
            .bind(now + lease.length)
            .bind(id)
            .bind(&lease.owner)
            .bind(now)
            .execute(pool)
            .await
            .map(|r| r.rows_affected() == 1)
    })
}

/// Records a delivery (and the file it was kept in, or the server's id for it), if the
/// lease is still this worker's (false: it ran out and another worker may have the message).
pub async fn mark_sent(
    db: &Db,
    lease: &Lease,
    id: i64,
    delivered: &Delivered,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let (file, remote_id) = match delivered {
        Delivered::Handed => (None, None),
        Delivered::File(name) => (Some(name), None),
        Delivered::Remote(remote) => (None, Some(remote)),
    };
    let held = on_db!(db, pool => {
        sqlx::query(
            "UPDATE outbox SET sent_at = $1, locked_until = NULL, last_error = NULL, lease_owner = NULL, file_name = $4,
                 remote_id = $5
             WHERE id = $2 AND lease_owner = $3",
        )
        .bind(now)
        .bind(id)
        .bind(&lease.owner)
        .bind(file)
        .bind(remote_id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected() == 1)
    })?;
    if let Some(remote_id) = remote_id {
        apply_receipt(db, remote_id).await?;
    }
    Ok(held)
}

/// Records a delivery receipt for the message the server accepted as `remote_id`: its
/// final `state` (SMPP's `DELIVRD`, `UNDELIV`, …), and when it did not reach the person
/// (`undelivered`), the message counts as failed, like a refused one. A receipt may come
/// before the worker has written the id down (a fast SMSC answers and reports at once):
/// it is kept in `sms_receipts` until its message has it (`apply_receipt`, run again by
/// `mark_sent`). Each side writes, commits, then reads, so one of them sees both.
pub async fn record_receipt(db: &Db, remote_id: &str, state: &str, undelivered: bool) -> Result<(), sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query(
            "INSERT INTO sms_receipts (remote_id, state, undelivered, received_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (remote_id) DO UPDATE SET state = $2, undelivered = $3, received_at = $4",
        )
        .bind(remote_id)
        .bind(state)
        .bind(undelivered)
        .bind(Utc::now())
        .execute(pool)
        .await
        .map(|_| ())
    })?;
    apply_receipt(db, remote_id).await
}

/// Keeps a text someone sent back (`from` as the SMSC gives it) until the feature that
/// reads replies takes it (`registrations::signup::apply_sms_replies`, which deletes it).
pub async fn record_reply(db: &Db, from: &str, text: &str) -> Result<(), sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query("INSERT INTO sms_replies (from_number, body_text, received_at) VALUES ($1, $2, $3)")
            .bind(from)
            .bind(text)
            .bind(Utc::now())
            .execute(pool)
            .await
            .map(|_| ())
    })
}

/// Puts a kept receipt on its message, if the message has its id yet, and forgets it.
async fn apply_receipt(db: &Db, remote_id: &str) -> Result<(), sqlx::Error> {
    let applied = on_db!(db, pool => {
        sqlx::query(
            "UPDATE outbox SET receipt = r.state, receipt_at = r.received_at,
                 failed_at = CASE WHEN r.undelivered THEN r.received_at ELSE outbox.failed_at END,
                 last_error = CASE WHEN r.undelivered THEN 'delivery receipt: ' || r.state ELSE outbox.last_error END
             FROM sms_receipts r WHERE r.remote_id = $1 AND outbox.remote_id = r.remote_id",
        )
        .bind(remote_id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected())
    })?;
    if applied > 0 {
        on_db!(db, pool => {
            sqlx::query("DELETE FROM sms_receipts WHERE remote_id = $1").bind(remote_id).execute(pool).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// Exponential backoff from one second, capped.
pub fn backoff(attempts: i32, max_secs: u64) -> Duration {
    let secs = 1u64.checked_shl(attempts.saturating_sub(1).clamp(0, 30) as u32).unwrap_or(u64::MAX);
    Duration::seconds(secs.min(max_secs.max(1)) as i64)
}

/// What becomes of a message that was not delivered.
pub enum NextTry {
    /// Tried again from this time.
    At(DateTime<Utc>),
    /// Refused for good at this time: never tried again.
    Never(DateTime<Utc>),
}

/// Records a failed delivery and its error, releasing the message's lease (if it is
/// still this worker's).
pub async fn mark_failed(db: &Db, lease: &Lease, id: i64, error: &str, next: NextTry) -> Result<(), sqlx::Error> {
    let (column, at) = match next {
        NextTry::At(at) => ("next_attempt_at", at),
        NextTry::Never(at) => ("failed_at", at),
    };
    let sql = format!(
        "UPDATE outbox SET {column} = $1, locked_until = NULL, last_error = $2, lease_owner = NULL
         WHERE id = $3 AND lease_owner = $4"
    );
    on_db!(db, pool => sqlx::query(&sql).bind(at).bind(error).bind(id).bind(&lease.owner).execute(pool).await.map(|_| ()))?;
    Ok(())
}

/// Messages still to send, and of those how many have failed at least once (for `/metrics`).
pub async fn depth(db: &Db) -> Result<(i64, i64), sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_as(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN attempts > 0 THEN 1 ELSE 0 END), 0) FROM outbox
             WHERE sent_at IS NULL AND failed_at IS NULL",
        )
        .fetch_one(pool)
        .await
    })
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

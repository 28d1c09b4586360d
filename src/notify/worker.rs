//! The delivery worker: sends due outbox messages through their channel and retries
//! failures with exponential backoff (capped by `IPPO_MAIL_MAX_BACKOFF`).

use std::time::Duration as StdDuration;

use chrono::Utc;

use super::{email::EmailTransport, outbox, sms::SmsTransport, Channel, Delivered, SendFailure};
use crate::server::{db::Db, state::OutboxWake};

/// How often the worker looks for due messages when nothing woke it.
const POLL: StdDuration = StdDuration::from_secs(1);

/// The transports of every channel this instance delivers, and how it holds messages.
#[derive(Clone)]
pub struct Channels {
    pub email: EmailTransport,
    pub sms: SmsTransport,
    /// Longest wait between two delivery attempts of one message, in seconds.
    pub max_backoff_secs: u64,
    /// How long a claim reserves messages (`IPPO_OUTBOX_LEASE`); renewed every third of
    /// it while sending, so it bounds how long a dead instance's messages wait.
    pub lease: std::time::Duration,
}

impl Channels {
    /// Sends a message through its channel.
    async fn send(&self, message: &outbox::PendingMessage) -> Result<Delivered, SendFailure> {
        match Channel::parse(&message.channel) {
            Some(Channel::Email) => self.email.send(message).await,
            Some(Channel::Sms) => self.sms.send(message).await,
            None => Err(SendFailure::permanent(format!("unknown channel {:?}", message.channel))),
        }
    }
}

/// Delivers the outbox until the process ends: now, whenever this instance writes to
/// it (`wake`), and every second for what other instances wrote or what is due again.
pub fn spawn(db: Db, wake: OutboxWake, channels: Channels) {
    tokio::spawn(async move {
        loop {
            if let Err(err) = deliver_due(&db, &channels).await {
                tracing::error!(?err, "outbox delivery failed");
            }
            tokio::select! {
                _ = wake.woken() => {}
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    });
}

/// Sends every message that is due, batch after batch, renewing the batch's lease while
/// it sends.
pub async fn deliver_due(db: &Db, channels: &Channels) -> anyhow::Result<()> {
    loop {
        let lease = outbox::Lease::new(chrono::Duration::from_std(channels.lease)?);
        let batch = outbox::claim(db, &lease, Utc::now()).await?;
        if batch.is_empty() {
            return Ok(());
        }
        let sending = send_batch(db, channels, &lease, batch);
        tokio::pin!(sending);
        let mut renewals = tokio::time::interval(channels.lease / 3);
        renewals.tick().await;
        loop {
            tokio::select! {
                done = &mut sending => {
                    done?;
                    break;
                }
                _ = renewals.tick() => {
                    if let Err(err) = outbox::renew(db, &lease, Utc::now()).await {
                        tracing::warn!(?err, "could not renew an outbox lease");
                    }
                }
            }
        }
    }
}

/// Sends the messages of one claim, each only while the lease still holds it.
async fn send_batch(
    db: &Db,
    channels: &Channels,
    lease: &outbox::Lease,
    batch: Vec<outbox::PendingMessage>,
) -> anyhow::Result<()> {
    for message in batch {
        if !outbox::still_held(db, lease, message.id, Utc::now()).await? {
            tracing::warn!(id = message.id, "outbox lease lost before sending; another worker has the message");
            continue;
        }
        match channels.send(&message).await {
            Ok(delivered) => {
                if !outbox::mark_sent(db, lease, message.id, &delivered, Utc::now()).await? {
                    tracing::warn!(id = message.id, "outbox lease lost while sending; the message may go out twice");
                }
                metrics::counter!("ippo_mail_sent_total").increment(1);
            }
            Err(failure) if failure.permanent => {
                // Retrying would not help: given up, and the feature that wrote it
                // puts the person on the staff's call list (`registrations::calls`).
                tracing::warn!(id = message.id, error = %failure.reason, "message refused for good; not retried");
                metrics::counter!("ippo_mail_given_up_total").increment(1);
                outbox::mark_failed(db, lease, message.id, &failure.reason, outbox::NextTry::Never(Utc::now())).await?;
            }
            Err(failure) => {
                let retry_at = Utc::now() + outbox::backoff(message.attempts, channels.max_backoff_secs);
                tracing::warn!(id = message.id, attempts = message.attempts, error = %failure.reason, "message not sent; will retry");
                metrics::counter!("ippo_mail_failures_total").increment(1);
                outbox::mark_failed(db, lease, message.id, &failure.reason, outbox::NextTry::At(retry_at)).await?;
            }
        }
    }
    Ok(())
}

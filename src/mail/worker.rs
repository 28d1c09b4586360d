//! The delivery worker: sends due outbox mails, retries failures with backoff, and
//! writes the day-before reminders.

use std::time::Duration as StdDuration;

use chrono::Utc;

use super::outbox;
use crate::server::state::AppState;

/// How often the worker looks for due mails when nothing woke it.
const POLL: StdDuration = StdDuration::from_secs(1);

pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let interval = state.config.housekeeping_interval_secs.max(1) as i64;
        let mut last_round = None;
        let mut last_retention: Option<i64> = None;
        loop {
            if let Err(err) = deliver_due(&state).await {
                tracing::error!(?err, "outbox delivery failed");
            }
            // Reminders and housekeeping once per interval (a minute by default).
            let round = Utc::now().timestamp() / interval;
            if last_round != Some(round) {
                last_round = Some(round);
                if let Err(err) = crate::registrations::store::queue_reminders(&state, Utc::now()).await {
                    tracing::error!(?err, "queueing reminders failed");
                }
                if let Err(err) = crate::server::ratelimit::prune(&state.db).await {
                    tracing::warn!(?err, "pruning rate limits failed");
                }
                // Personal data past retention: checked hourly (and at start).
                let hour = Utc::now().timestamp() / 3600;
                if last_retention != Some(hour) {
                    last_retention = Some(hour);
                    let days = state.config.retention_days;
                    if let Err(err) = crate::privacy::store::apply_retention(&state.db, days, Utc::now()).await {
                        tracing::error!(?err, "retention job failed");
                    }
                }
            }
            tokio::select! {
                _ = state.mailer.woken() => {}
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    });
}

/// Sends every mail that is due, batch after batch.
pub async fn deliver_due(state: &AppState) -> anyhow::Result<()> {
    loop {
        let batch = outbox::claim(&state.db, Utc::now()).await?;
        if batch.is_empty() {
            return Ok(());
        }
        for mail in batch {
            match state.mailer.send(&mail).await {
                Ok(()) => {
                    outbox::mark_sent(&state.db, mail.id, Utc::now()).await?;
                    metrics::counter!("ippo_mail_sent_total").increment(1);
                }
                Err(err) => {
                    let retry_at = Utc::now() + outbox::backoff(mail.attempts, state.mailer.max_backoff_secs);
                    tracing::warn!(id = mail.id, attempts = mail.attempts, error = %err, "mail not sent; will retry");
                    metrics::counter!("ippo_mail_failures_total").increment(1);
                    outbox::mark_failed(&state.db, mail.id, &format!("{err:#}"), retry_at).await?;
                }
            }
        }
    }
}

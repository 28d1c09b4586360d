//! The housekeeping loop of every instance: the day-before reminders, closing the
//! waitlists of sessions that began, queueing the follow-ups that fell due, reading SMS replies, putting undeliverable mails on the call list,
//! pruning old rate-limit windows, one-time keys and import previews, counting the sessions that
//! ended in the KPI report's cells, and the retention of personal data. Each job is safe to run
//! on every instance at once (each row is claimed once; retention and pruning are idempotent).

use chrono::Utc;

use crate::{
    exchange, followups, privacy,
    registrations::{calls, notices, signup},
    reports,
    server::{once, ratelimit, state::AppState},
};

/// Starts the loop: one round at start and then every `IPPO_HOUSEKEEPING_INTERVAL`
/// seconds; retention at most once an hour.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let period = std::time::Duration::from_secs(state.config.housekeeping_interval_secs.max(1));
        let mut last_retention: Option<i64> = None;
        let mut ticks = tokio::time::interval(period);
        loop {
            ticks.tick().await;
            if let Err(err) = notices::queue_reminders(&state, Utc::now()).await {
                tracing::error!(?err, "queueing reminders failed");
            }
            if let Err(err) = notices::close_waitlists(&state, Utc::now()).await {
                tracing::error!(?err, "closing waitlists failed");
            }
            if let Err(err) = followups::store::queue_due(&state, Utc::now()).await {
                tracing::error!(?err, "queueing follow-ups failed");
            }
            if let Err(err) = signup::apply_sms_replies(&state.db, Utc::now()).await {
                tracing::error!(?err, "reading SMS replies failed");
            }
            if let Err(err) = calls::collect_failed_mail(&state.db).await {
                tracing::error!(?err, "listing undeliverable mails failed");
            }
            if let Err(err) = reports::store::count_ended(&state.db, Utc::now()).await {
                tracing::error!(?err, "counting ended sessions in the KPI cells failed");
            }
            if let Err(err) = ratelimit::prune(&state.db).await {
                tracing::warn!(?err, "pruning rate limits failed");
            }
            if let Err(err) = once::prune(&state.db, Utc::now()).await {
                tracing::warn!(?err, "pruning one-time keys failed");
            }
            if let Err(err) = exchange::previews::prune(&state.db, Utc::now()).await {
                tracing::warn!(?err, "pruning import previews failed");
            }
            let hour = Utc::now().timestamp() / 3600;
            if last_retention != Some(hour) {
                last_retention = Some(hour);
                let days = state.config.retention_days;
                let copies = privacy::store::Copies::of(&state.config);
                if let Err(err) = privacy::store::apply_retention(&state.db, &copies, days, Utc::now()).await {
                    tracing::error!(?err, "retention job failed");
                }
            }
        }
    });
}

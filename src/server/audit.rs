//! The audit log: every read or change of attendees' personal data by a logged-in user.

use chrono::Utc;

tokio::task_local! {
    /// The address of the client whose request is being answered.
    pub static REQUEST_CLIENT: String;
}

use super::db::Db;
use crate::{on_db, policy::Viewer};

/// Records that `viewer` did `action` to `subject` (e.g. "roster.read", "session:12");
/// the command line is recorded without a user.
pub async fn record(db: &Db, viewer: &Viewer, action: &str, subject: &str, detail: &str) -> Result<(), sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query("INSERT INTO audit_log (at, user_id, action, subject, detail, client) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(Utc::now())
            .bind(viewer.user_id)
            .bind(action)
            .bind(subject)
            .bind(detail)
            .bind(REQUEST_CLIENT.try_with(Clone::clone).unwrap_or_default())
            .execute(pool)
            .await.map(|_| ())
    })?;
    Ok(())
}

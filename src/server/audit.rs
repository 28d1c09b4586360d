//! The audit log: every read or change of attendees' personal data by a logged-in user.

use chrono::Utc;

tokio::task_local! {
    /// The address of the client whose request is being answered.
    pub static REQUEST_CLIENT: String;
}

use super::db::{Db, Tx};
use crate::{on_db, on_tx, policy::Viewer};

/// Who acts and from where (the request's client address), taken while the request is
/// answered, for an entry written in the transaction of the change it records (`record_in`).
#[derive(Clone, Debug)]
pub struct Actor {
    user_id: Option<i64>,
    client: String,
}

impl Actor {
    /// `viewer`, acting through the request being answered.
    pub fn of(viewer: &Viewer) -> Actor {
        Actor { user_id: viewer.user_id, client: REQUEST_CLIENT.try_with(Clone::clone).unwrap_or_default() }
    }
}

/// One entry's insert, bound, for whichever backend runs it (`record`, `record_in`).
macro_rules! entry {
    ($actor:expr, $action:expr, $subject:expr, $detail:expr) => {
        sqlx::query(
            "INSERT INTO audit_log (at, user_id, action, subject, detail, client) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(Utc::now())
        .bind($actor.user_id)
        .bind($action)
        .bind($subject)
        .bind($detail)
        .bind(&$actor.client)
    };
}

/// Records that `viewer` did `action` to `subject` (e.g. "roster.read", "session:12");
/// the command line is recorded without a user. One statement, outside any transaction.
pub async fn record(db: &Db, viewer: &Viewer, action: &str, subject: &str, detail: &str) -> Result<(), sqlx::Error> {
    let actor = Actor::of(viewer);
    on_db!(db, pool => entry!(actor, action, subject, detail).execute(pool).await.map(|_| ()))
}

/// Records, in `tx`, that `actor` did `action` to `subject`: the entry stands exactly
/// when the change does.
pub async fn record_in(
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    subject: &str,
    detail: &str,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => entry!(actor, action, subject, detail).execute(&mut *conn).await.map(|_| ()))
}

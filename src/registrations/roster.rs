//! Reading registrations: the roster of a session for its venue's staff (audit-logged)
//! and a registration's status for the holder of its cancel token.

use super::{seats, RegistrationStatusView, RosterEntry};
use crate::{
    domain::RegistrationStatus,
    on_db,
    policy::Viewer,
    server::{audit, db::Db, error::AppResult},
    sessions,
};

/// The cancel token of the live registration whose short link has `code`.
pub async fn token_by_short_code(db: &Db, code: &str) -> AppResult<Option<String>> {
    Ok(on_db!(db, pool => {
        sqlx::query_scalar("SELECT cancel_token FROM registrations WHERE short_code = $1 AND anonymised_at IS NULL")
            .bind(code)
            .fetch_optional(pool)
            .await
    })?)
}

pub async fn status_by_token(db: &Db, token: &str) -> AppResult<Option<RegistrationStatusView>> {
    let row: Option<RegistrationStatusView> = on_db!(db, pool => {
        sqlx::query_as(
            "SELECT id, session_id, status, attendee_name, needs_loaner, slot_starts_at, registrant_email, sms_number
             FROM registrations WHERE cancel_token = $1 AND anonymised_at IS NULL",
        )
        .bind(token)
        .fetch_optional(pool)
        .await
    })?;
    let Some(mut view) = row else { return Ok(None) };
    let (id, session_id) = (view.id, view.session_id);
    view.waitlist_position = if view.status == RegistrationStatus::Waitlisted {
        let n: i64 = on_db!(db, pool => {
            sqlx::query_scalar(seats::WAITLIST_POSITION_SQL)
            .bind(session_id)
            .bind(id)
            .fetch_one(pool)
            .await
        })?;
        Some(n)
    } else {
        None
    };
    Ok(Some(view))
}

const ROSTER_COLUMNS: &str =
    "id, status, attendance, channel, slot_starts_at, attendee_name, attendee_kana, attendee_phone,
     age_band, has_smartphone, smartphone_os, needs_loaner, accessibility_needs, notes, registrant_name,
     registrant_email, registrant_phone, registrant_relation, sms_number, created_at";

/// The people registered for a session: confirmed first, then the waitlist, then cancelled.
pub async fn roster(db: &Db, viewer: &Viewer, session_id: i64) -> AppResult<Vec<RosterEntry>> {
    let session = sessions::store::detail(db, session_id, Some(viewer)).await?;
    viewer.require_venue(session.venue.id)?;
    audit::record(db, viewer, "roster.read", &format!("session:{session_id}"), "").await?;
    let sql = format!(
        "SELECT {ROSTER_COLUMNS} FROM registrations WHERE session_id = $1
         ORDER BY CASE status WHEN 'confirmed' THEN 0 WHEN 'waitlisted' THEN 1 ELSE 2 END, slot_starts_at, id"
    );
    Ok(on_db!(db, pool => sqlx::query_as(&sql).bind(session_id).fetch_all(pool).await)?)
}

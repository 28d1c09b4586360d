//! Anonymising personal data (on schedule and on request) and reading the audit log.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};

use super::{AuditEntry, AuditFilter, PersonMatch};
use crate::{
    accounts::Viewer,
    on_db, on_tx,
    server::{
        audit,
        db::Db,
        error::{AppError, AppResult},
    },
    time::from_tokyo,
};

/// Blanks the personal data of these registrations and drops the mails written to them.
/// Status, attendance, age band and every count stay, so the KPI history is kept.
pub async fn anonymise(db: &Db, ids: &[i64], now: DateTime<Utc>) -> AppResult<()> {
    let mut tx = db.begin().await?;
    for id in ids {
        on_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM outbox WHERE registration_id = $1").bind(id).execute(&mut *conn).await.map(|_| ())
        })?;
        // A referral's reason may describe the person ("hard of hearing, wants a bigger phone").
        on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE referrals SET reason = '' WHERE registration_id = $1").bind(id).execute(&mut *conn).await.map(|_| ())
        })?;
        on_tx!(&mut tx, conn => {
            sqlx::query(
                "UPDATE registrations SET attendee_name = '', attendee_kana = '', attendee_phone = '',
                     accessibility_needs = '', notes = '', registrant_name = '', registrant_email = NULL,
                     registrant_phone = NULL, idempotency_key = NULL, cancel_token = $2, anonymised_at = $3,
                     updated_at = $3
                 WHERE id = $1 AND anonymised_at IS NULL",
            )
            .bind(id)
            .bind(format!("anonymised-{id}"))
            .bind(now)
            .execute(&mut *conn)
            .await
            .map(|_| ())
        })?;
    }
    tx.commit().await?;
    Ok(())
}

/// The retention job: anonymises registrations of sessions that ended more than
/// `retention_days` ago. Returns how many were anonymised.
pub async fn apply_retention(db: &Db, retention_days: u32, now: DateTime<Utc>) -> AppResult<usize> {
    let cutoff = now - Duration::days(retention_days as i64);
    let due: Vec<i64> = on_db!(db, pool => {
        sqlx::query_scalar(
            "SELECT r.id FROM registrations r JOIN sessions s ON s.id = r.session_id
             WHERE r.anonymised_at IS NULL AND s.ends_at < $1 ORDER BY r.id LIMIT 10000",
        )
        .bind(cutoff)
        .fetch_all(pool)
        .await
    })?;
    anonymise(db, &due, now).await?;
    if !due.is_empty() {
        tracing::info!(count = due.len(), "anonymised personal data past retention");
    }
    Ok(due.len())
}

/// Registrations whose attendee phone or name matches, for an attendee's data request.
pub async fn find_people(db: &Db, viewer: &Viewer, query: &str) -> AppResult<Vec<PersonMatch>> {
    let query = query.trim();
    if query.chars().count() < 2 {
        return Ok(Vec::new());
    }
    audit::record(db, viewer, "person.search", "registrations", query).await?;
    let digits: String = query.chars().filter(char::is_ascii_digit).collect();
    let like = format!("%{query}%");
    Ok(on_db!(db, pool => {
        sqlx::query_as(
            "SELECT r.id, r.session_id, s.title AS session_title, s.starts_at, r.attendee_name, r.attendee_phone
             FROM registrations r JOIN sessions s ON s.id = r.session_id
             WHERE r.anonymised_at IS NULL
               AND (r.attendee_name LIKE $1 OR r.attendee_kana LIKE $1
                    OR ($2 <> '' AND REPLACE(r.attendee_phone, '-', '') = $2))
             ORDER BY s.starts_at DESC LIMIT 100",
        )
        .bind(&like)
        .bind(&digits)
        .fetch_all(pool)
        .await
    })?)
}

/// Everything stored about one registration, for the attendee who asked (JSON).
pub async fn export_registration(db: &Db, viewer: &Viewer, id: i64) -> AppResult<serde_json::Value> {
    let session_id: i64 = on_db!(db, pool => {
        sqlx::query_scalar("SELECT session_id FROM registrations WHERE id = $1").bind(id).fetch_one(pool).await
    })?;
    let roster = crate::registrations::store::roster(db, viewer, session_id).await?;
    let entry = roster.into_iter().find(|r| r.id == id).ok_or(AppError::NotFound)?;
    audit::record(db, viewer, "person.export", &format!("registration:{id}"), "").await?;
    Ok(serde_json::to_value(entry).map_err(anyhow::Error::from)?)
}

pub async fn erase_registration(db: &Db, viewer: &Viewer, id: i64, now: DateTime<Utc>) -> AppResult<()> {
    let exists: Option<i64> = on_db!(db, pool => {
        sqlx::query_scalar("SELECT id FROM registrations WHERE id = $1").bind(id).fetch_optional(pool).await
    })?;
    exists.ok_or(AppError::NotFound)?;
    anonymise(db, &[id], now).await?;
    audit::record(db, viewer, "person.erase", &format!("registration:{id}"), "").await?;
    Ok(())
}

pub async fn audit_entries(db: &Db, filter: &AuditFilter) -> AppResult<Vec<AuditEntry>> {
    let day = filter
        .date
        .as_deref()
        .filter(|d| !d.is_empty())
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map(|d| (from_tokyo(d, NaiveTime::MIN), from_tokyo(d + Duration::days(1), NaiveTime::MIN)));
    let action = filter.action.as_deref().filter(|a| !a.is_empty());
    let user = filter.user.as_deref().filter(|u| !u.is_empty()).map(|u| format!("%{}%", u.to_lowercase()));
    Ok(on_db!(db, pool => {
        sqlx::query_as(
            "SELECT a.id, a.at, u.email AS user_email, a.action, a.subject, a.detail, a.client
             FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
             WHERE ($1 IS NULL OR a.action = $1) AND ($2 IS NULL OR u.email LIKE $2)
               AND ($3 IS NULL OR a.at >= $3) AND ($4 IS NULL OR a.at < $4)
             ORDER BY a.id DESC LIMIT 500",
        )
        .bind(action)
        .bind(user)
        .bind(day.map(|d| d.0))
        .bind(day.map(|d| d.1))
        .fetch_all(pool)
        .await
    })?)
}

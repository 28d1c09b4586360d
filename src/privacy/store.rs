//! Anonymising personal data (on schedule and on request) and reading the audit log.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, NaiveTime, Utc};

use super::{AuditEntry, AuditFilter, PersonMatch};
use crate::{
    on_db, on_tx,
    policy::Viewer,
    server::{
        audit,
        db::Db,
        error::{AppError, AppResult},
    },
    time::from_tokyo,
};

/// Where personal data is kept outside the database: the folders of messages written as
/// files when no server is configured (`<IPPO_DATA_DIR>/outbox/` for mail,
/// `<IPPO_DATA_DIR>/sms-outbox/` for SMS).
pub struct Copies {
    pub message_folders: Vec<PathBuf>,
}

impl Copies {
    pub fn of(config: &crate::server::config::Config) -> Copies {
        Copies { message_folders: vec![config.outbox_dir(), config.sms_outbox_dir()] }
    }
}

/// Blanks the personal data of these registrations, drops the mails written to them (and
/// the files they were written to), the calls about them, and the people-search terms in
/// the audit log that name them. Status, attendance, age band and every count stay, so
/// the KPI history is kept.
pub async fn anonymise(db: &Db, copies: &Copies, ids: &[i64], now: DateTime<Utc>) -> AppResult<()> {
    let mut tx = db.begin().await?;
    let mut files: Vec<String> = Vec::new();
    for id in ids {
        let (name, phone): (String, String) = on_tx!(&mut tx, conn => {
            sqlx::query_as("SELECT attendee_name, attendee_phone FROM registrations WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *conn)
                .await
        })?;
        // A search for this person wrote their name or number into the audit log.
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        for term in [name, phone, digits].into_iter().filter(|t| t.chars().count() >= 2) {
            on_tx!(&mut tx, conn => {
                sqlx::query(
                    "UPDATE audit_log SET detail = '' WHERE action = 'person.search' AND detail <> ''
                       AND (detail = $1 OR $1 LIKE '%' || detail || '%' OR detail LIKE '%' || $1 || '%')",
                )
                .bind(&term)
                .execute(&mut *conn)
                .await
                .map(|_| ())
            })?;
        }
        let kept: Vec<String> = on_tx!(&mut tx, conn => {
            sqlx::query_scalar("SELECT file_name FROM outbox WHERE registration_id = $1 AND file_name IS NOT NULL")
                .bind(id)
                .fetch_all(&mut *conn)
                .await
        })?;
        files.extend(kept);
        // The calls to make name the person (and the address that failed) too.
        on_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM call_tasks WHERE registration_id = $1").bind(id).execute(&mut *conn).await.map(|_| ())
        })?;
        on_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM outbox WHERE registration_id = $1").bind(id).execute(&mut *conn).await.map(|_| ())
        })?;
        // A follow-up not yet answered is no longer asked (its link stops working too).
        on_tx!(&mut tx, conn => {
            sqlx::query(
                "UPDATE followups SET closed_at = $2, closed_reason = 'expired'
                 WHERE registration_id = $1 AND answered_at IS NULL AND closed_at IS NULL",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *conn)
            .await
            .map(|_| ())
        })?;
        // A referral's reason may describe the person ("hard of hearing, wants a bigger phone").
        on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE referrals SET reason = '' WHERE registration_id = $1").bind(id).execute(&mut *conn).await.map(|_| ())
        })?;
        on_tx!(&mut tx, conn => {
            sqlx::query(
                "UPDATE registrations SET attendee_name = '', attendee_kana = '', attendee_phone = '',
                     accessibility_needs = '', notes = '', registrant_name = '', registrant_email = NULL,
                     registrant_phone = NULL, sms_number = NULL, idempotency_key = NULL, cancel_token = $2, short_code = NULL,
                     anonymised_at = $3,
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
    for file in files {
        for folder in &copies.message_folders {
            remove_message_file(folder, &file);
        }
    }
    Ok(())
}

/// Deletes one message file of an outbox folder (a name the worker recorded, never a
/// path); the names of mail and SMS files never collide (`<uuid>.eml`, `sms-<id>-….txt`).
fn remove_message_file(dir: &Path, name: &str) {
    if name.contains(['/', '\\']) || name.starts_with('.') {
        return;
    }
    match std::fs::remove_file(dir.join(name)) {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => tracing::warn!(%err, name, "could not delete a message file"),
    }
}

/// Deletes the message files (`.eml`, `.txt`) older than `cutoff`, whoever they were for
/// (files written before their names were recorded, or whose records were removed).
fn prune_message_files(dir: &Path, cutoff: DateTime<Utc>) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    let mut removed = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let old =
            entry.metadata().and_then(|m| m.modified()).map(|t| DateTime::<Utc>::from(t) < cutoff).unwrap_or(false);
        if old && path.extension().is_some_and(|e| e == "eml" || e == "txt") && std::fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// The retention job: anonymises registrations of sessions that ended more than
/// `retention_days` ago, and removes what else holds personal data that old: mail files
/// and the people-search terms of the audit log. Returns how many registrations were
/// anonymised.
pub async fn apply_retention(db: &Db, copies: &Copies, retention_days: u32, now: DateTime<Utc>) -> AppResult<usize> {
    let cutoff = now - Duration::days(retention_days as i64);
    on_db!(db, pool => {
        sqlx::query("UPDATE audit_log SET detail = '' WHERE action = 'person.search' AND at < $1 AND detail <> ''")
            .bind(cutoff)
            .execute(pool)
            .await
            .map(|_| ())
    })?;
    let pruned: usize = copies.message_folders.iter().map(|folder| prune_message_files(folder, cutoff)).sum();
    if pruned > 0 {
        tracing::info!(count = pruned, "deleted message files past retention");
    }
    let due: Vec<i64> = on_db!(db, pool => {
        sqlx::query_scalar(
            "SELECT r.id FROM registrations r JOIN sessions s ON s.id = r.session_id
             WHERE r.anonymised_at IS NULL AND s.ends_at < $1 ORDER BY r.id LIMIT 10000",
        )
        .bind(cutoff)
        .fetch_all(pool)
        .await
    })?;
    anonymise(db, copies, &due, now).await?;
    if !due.is_empty() {
        tracing::info!(count = due.len(), "anonymised personal data past retention");
    }
    Ok(due.len())
}

/// Registrations whose attendee phone or name matches, for an attendee's data request
/// (administrators; the search terms are audit-logged).
pub async fn find_people(db: &Db, viewer: &Viewer, query: &str) -> AppResult<Vec<PersonMatch>> {
    viewer.require_admin()?;
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

/// A message about a registration, as its data export shows it.
#[derive(sqlx::FromRow, serde::Serialize)]
struct MessageRecord {
    channel: String,
    recipient: String,
    subject: String,
    written_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    /// What the SMSC's delivery receipt said (`DELIVRD`, `UNDELIV`, …), for an SMS.
    receipt: Option<String>,
}

/// A call about a registration, as its data export shows it.
#[derive(sqlx::FromRow, serde::Serialize)]
struct CallRecord {
    reason: String,
    detail: String,
    added_at: DateTime<Utc>,
    done_at: Option<DateTime<Utc>>,
}

/// A follow-up as the data export shows it.
#[derive(sqlx::FromRow, serde::Serialize)]
struct FollowupRecord {
    round: i32,
    channel: String,
    queued_at: DateTime<Utc>,
    answered_at: Option<DateTime<Utc>>,
    services_used: String,
    with_help: Option<bool>,
    barriers: String,
    comment: String,
    call_attempts: i32,
    closed_reason: Option<String>,
}

/// Everything stored about one registration, for the attendee who asked (JSON; administrators).
pub async fn export_registration(db: &Db, viewer: &Viewer, id: i64) -> AppResult<serde_json::Value> {
    viewer.require_admin()?;
    let session_id: i64 = on_db!(db, pool => {
        sqlx::query_scalar("SELECT session_id FROM registrations WHERE id = $1").bind(id).fetch_one(pool).await
    })?;
    let roster = crate::registrations::roster::roster(db, viewer, session_id).await?;
    let entry = roster.into_iter().find(|r| r.id == id).ok_or(AppError::NotFound)?;
    // The messages sent about them and the calls made about them are theirs too.
    let messages: Vec<MessageRecord> = on_db!(db, pool => {
        sqlx::query_as(
            "SELECT channel, recipient, subject, created_at AS written_at, sent_at, receipt FROM outbox
             WHERE registration_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(pool)
        .await
    })?;
    let calls: Vec<CallRecord> = on_db!(db, pool => {
        sqlx::query_as(
            "SELECT reason, detail, created_at AS added_at, done_at FROM call_tasks WHERE registration_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(pool)
        .await
    })?;
    // When they agreed to the follow-up and to SMS (and stopped them); each follow-up
    // round asked and answered.
    type Consents = (Option<DateTime<Utc>>, Option<DateTime<Utc>>, Option<DateTime<Utc>>);
    let (consent, sms_consent, sms_stopped): Consents = on_db!(db, pool => {
        sqlx::query_as("SELECT followup_consent_at, sms_consent_at, sms_stopped_at FROM registrations WHERE id = $1")
            .bind(id)
            .fetch_one(pool)
            .await
    })?;
    let followups: Vec<FollowupRecord> = on_db!(db, pool => {
        sqlx::query_as(
            "SELECT round, channel, queued_at, answered_at, services_used, with_help, barriers, comment, call_attempts,
                    closed_reason
             FROM followups WHERE registration_id = $1 ORDER BY round",
        )
        .bind(id)
        .fetch_all(pool)
        .await
    })?;
    audit::record(db, viewer, "person.export", &format!("registration:{id}"), "").await?;
    let mut data = serde_json::to_value(entry).map_err(anyhow::Error::from)?;
    data["messages"] = serde_json::to_value(messages).map_err(anyhow::Error::from)?;
    data["calls"] = serde_json::to_value(calls).map_err(anyhow::Error::from)?;
    data["followup_consent_at"] = serde_json::to_value(consent).map_err(anyhow::Error::from)?;
    data["sms_consent_at"] = serde_json::to_value(sms_consent).map_err(anyhow::Error::from)?;
    data["sms_stopped_at"] = serde_json::to_value(sms_stopped).map_err(anyhow::Error::from)?;
    data["followups"] = serde_json::to_value(followups).map_err(anyhow::Error::from)?;
    Ok(data)
}

/// Anonymises one registration now, at the attendee's request (administrators).
pub async fn erase_registration(
    db: &Db,
    copies: &Copies,
    viewer: &Viewer,
    id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    viewer.require_admin()?;
    let exists: Option<i64> = on_db!(db, pool => {
        sqlx::query_scalar("SELECT id FROM registrations WHERE id = $1").bind(id).fetch_optional(pool).await
    })?;
    exists.ok_or(AppError::NotFound)?;
    anonymise(db, copies, &[id], now).await?;
    audit::record(db, viewer, "person.erase", &format!("registration:{id}"), "").await?;
    Ok(())
}

/// The audit log, newest first, filtered (administrators).
pub async fn audit_entries(db: &Db, viewer: &Viewer, filter: &AuditFilter) -> AppResult<Vec<AuditEntry>> {
    viewer.require_admin()?;
    let day = filter
        .date
        .as_deref()
        .filter(|d| !d.is_empty())
        .and_then(|d| crate::domain::date(d).ok())
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

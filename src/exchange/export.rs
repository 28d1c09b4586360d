//! Writing venues, sessions and partners as CSV rows in the columns the import reads.

use std::collections::HashMap;

use chrono::{DateTime, Timelike, Utc};

use super::ImportKind;
use crate::{
    domain::{SessionKind, Topic},
    on_db,
    partners,
    server::{db::Db, error::AppResult},
    time::to_tokyo,
    venues,
};

/// The header and one row per record.
pub async fn rows(db: &Db, kind: ImportKind) -> AppResult<Vec<Vec<String>>> {
    let mut rows = vec![kind.columns().iter().map(|c| c.to_string()).collect()];
    match kind {
        ImportKind::Venues => rows.extend(venues::store::list(db).await?.into_iter().map(|v| {
            vec![v.id.to_string(), v.name, v.kind.as_str().into(), v.ward, v.address, v.access]
        })),
        ImportKind::Partners => rows.extend(partners::store::list(db).await?.into_iter().map(|p| {
            vec![
                p.id.to_string(),
                p.carrier.as_str().into(),
                p.name,
                p.ward,
                p.address,
                p.contact_name,
                p.phone,
                p.email,
                p.agreement_date.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
                if p.active { "yes" } else { "no" }.into(),
                p.notes,
            ]
        })),
        ImportKind::Sessions => rows.extend(session_rows(db).await?),
    }
    Ok(rows)
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: i64,
    kind: SessionKind,
    title: String,
    topic: Topic,
    venue_id: i64,
    capacity: i32,
    loaner_devices: i32,
    instructors: i32,
    assistants: i32,
    slot_minutes: Option<i32>,
    advisors: Option<i32>,
    description: String,
    what_to_bring: String,
}

/// A Tokyo time as the import reads it: minutes, and seconds only if there are any.
fn clock(t: DateTime<Utc>) -> String {
    let t = to_tokyo(t);
    if t.second() == 0 { t.format("%H:%M").to_string() } else { t.format("%H:%M:%S").to_string() }
}

/// Sessions that take place (not cancelled), soonest first, each with its meetings.
async fn session_rows(db: &Db) -> AppResult<Vec<Vec<String>>> {
    let sessions: Vec<SessionRow> = on_db!(db, pool => {
        sqlx::query_as(
            "SELECT id, kind, title, topic, venue_id, capacity, loaner_devices, instructors, assistants, slot_minutes,
                    advisors, description, what_to_bring
             FROM sessions WHERE status <> 'cancelled' ORDER BY starts_at, id",
        )
        .fetch_all(pool)
        .await
    })?;
    let meetings: Vec<(i64, DateTime<Utc>, DateTime<Utc>)> = on_db!(db, pool => {
        sqlx::query_as("SELECT session_id, starts_at, ends_at FROM meetings ORDER BY session_id, starts_at, id")
            .fetch_all(pool)
            .await
    })?;
    let mut by_session: HashMap<i64, Vec<String>> = HashMap::new();
    for (session_id, starts, ends) in meetings {
        let day = to_tokyo(starts).format("%Y-%m-%d");
        by_session.entry(session_id).or_default().push(format!("{day} {}-{}", clock(starts), clock(ends)));
    }
    let optional = |v: Option<i32>| v.map(|v| v.to_string()).unwrap_or_default();
    Ok(sessions
        .into_iter()
        .map(|s| {
            vec![
                s.id.to_string(),
                s.kind.as_str().into(),
                s.title,
                s.topic.as_str().into(),
                s.venue_id.to_string(),
                by_session.remove(&s.id).unwrap_or_default().join("; "),
                s.capacity.to_string(),
                s.loaner_devices.to_string(),
                s.instructors.to_string(),
                s.assistants.to_string(),
                optional(s.slot_minutes),
                optional(s.advisors),
                s.description,
                s.what_to_bring,
            ]
        })
        .collect())
}

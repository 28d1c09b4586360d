//! Writing venues, sessions, partners and wards as CSV rows in the columns the import reads.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::{cells, ImportKind};
use crate::{
    city,
    domain::{SessionKind, Topic},
    on_db, partners,
    policy::Viewer,
    server::{db::Db, error::AppResult},
    sessions::store::{Draft, Span},
    venues::{self, Ward},
};

/// The header and one row per record (managers; wards also for them, as they read them
/// on every venue).
pub async fn rows(db: &Db, viewer: &Viewer, kind: ImportKind) -> AppResult<Vec<Vec<String>>> {
    viewer.require_manager()?;
    let mut rows = vec![kind.columns().iter().map(|c| c.to_string()).collect()];
    match kind {
        ImportKind::Venues => rows.extend(venues::store::list(db).await?.iter().map(cells::venue)),
        ImportKind::Partners => rows.extend(partners::store::list(db).await?.iter().map(cells::partner)),
        ImportKind::Sessions => rows.extend(stored_sessions(db).await?.iter().map(|(id, d)| cells::session(*id, d))),
        ImportKind::Wards => rows.extend(stored_wards(db).await?.iter().map(|(w, order)| cells::ward(w, *order))),
    }
    Ok(rows)
}

/// Every ward with its position.
pub async fn stored_wards(db: &Db) -> AppResult<Vec<(Ward, i32)>> {
    Ok(city::wards::list(db)
        .await?
        .into_iter()
        .map(|w| (Ward { code: w.code, name_ja: w.name_ja, name_en: w.name_en }, w.sort_order))
        .collect())
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

/// Sessions that take place (not cancelled), soonest first, each with its meetings, as
/// the import would check them.
pub async fn stored_sessions(db: &Db) -> AppResult<Vec<(i64, Draft)>> {
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
    let mut by_session: HashMap<i64, Vec<Span>> = HashMap::new();
    for (session_id, starts, ends) in meetings {
        by_session.entry(session_id).or_default().push((starts, ends));
    }
    Ok(sessions
        .into_iter()
        .map(|s| {
            let draft = Draft {
                kind: s.kind,
                title: s.title,
                topic: s.topic,
                venue_id: s.venue_id,
                capacity: s.capacity,
                loaner_devices: s.loaner_devices,
                instructors: s.instructors,
                assistants: s.assistants,
                slot_minutes: s.slot_minutes,
                advisors: s.advisors,
                description: s.description,
                what_to_bring: s.what_to_bring,
                meetings: by_session.remove(&s.id).unwrap_or_default(),
            };
            (s.id, draft)
        })
        .collect())
}

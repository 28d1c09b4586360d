//! Storage of wards and venues.

use chrono::{DateTime, Utc};

use super::{Venue, VenueDirectory, VenueInput, Ward};
use crate::{
    domain::{self, FieldErrors, Problem, VenueKind},
    on_db, on_tx,
    server::{
        db::{Db, Tx},
        error::AppResult,
    },
};

const VENUE_COLUMNS: &str = "id, name, kind, ward, address, access";

pub async fn wards(db: &Db) -> AppResult<Vec<Ward>> {
    Ok(on_db!(db, pool => {
        sqlx::query_as("SELECT code, name_ja, name_en FROM wards ORDER BY sort_order, code").fetch_all(pool).await
    })?)
}

pub async fn list(db: &Db) -> AppResult<Vec<Venue>> {
    let sql = format!(
        "SELECT {VENUE_COLUMNS} FROM venues v ORDER BY (SELECT sort_order FROM wards w WHERE w.code = v.ward), name"
    );
    Ok(on_db!(db, pool => sqlx::query_as(&sql).fetch_all(pool).await)?)
}

pub async fn directory(db: &Db) -> AppResult<VenueDirectory> {
    Ok(VenueDirectory { venues: list(db).await?, wards: wards(db).await? })
}

/// The venue directory kept for a few seconds: every public page shows venue names, and
/// a venue edited on another instance shows up here within `DirectoryCache::TTL`.
#[derive(Clone, Default)]
pub struct DirectoryCache(std::sync::Arc<tokio::sync::RwLock<Option<(std::time::Instant, VenueDirectory)>>>);

impl DirectoryCache {
    const TTL: std::time::Duration = std::time::Duration::from_secs(30);

    pub async fn get(&self, db: &Db) -> AppResult<VenueDirectory> {
        if let Some((at, dir)) = self.0.read().await.as_ref() {
            if at.elapsed() < Self::TTL {
                return Ok(dir.clone());
            }
        }
        let fresh = directory(db).await?;
        *self.0.write().await = Some((std::time::Instant::now(), fresh.clone()));
        Ok(fresh)
    }

    /// Forgets the directory after a change made here.
    pub async fn clear(&self) {
        *self.0.write().await = None;
    }
}

pub async fn get(db: &Db, id: i64) -> AppResult<Venue> {
    let sql = format!("SELECT {VENUE_COLUMNS} FROM venues WHERE id = $1");
    Ok(on_db!(db, pool => sqlx::query_as(&sql).bind(id).fetch_one(pool).await)?)
}

/// A venue input that passed every check.
pub struct CheckedVenue {
    name: String,
    kind: VenueKind,
    ward: String,
    address: String,
    access: String,
}

/// A ward code that is one of `wards`, or the problem with it.
pub fn known_ward(input: &str, wards: &[Ward]) -> Result<String, Problem> {
    let code = domain::ward_code(input)?;
    if wards.iter().any(|w| w.code == code) { Ok(code) } else { Err(Problem::new("error.choice")) }
}

/// Checks a venue against the rules and the city's wards.
pub fn check(input: &VenueInput, wards: &[Ward]) -> Result<CheckedVenue, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = errors.check("name", domain::text(&input.name, 100, true, false));
    let kind = errors.check("kind", domain::choice(&input.kind, VenueKind::parse));
    let ward = errors.check("ward", known_ward(&input.ward, wards));
    let address = errors.check("address", domain::text(&input.address, 200, true, false));
    let access = errors.check("access", domain::text(&input.access, 300, false, false));
    errors.into_result()?;
    Ok(CheckedVenue {
        name: name.expect("checked"),
        kind: kind.expect("checked"),
        ward: ward.expect("checked"),
        address: address.expect("checked"),
        access: access.expect("checked"),
    })
}

pub async fn create(db: &Db, input: &VenueInput) -> AppResult<Venue> {
    let v = check(input, &wards(db).await?)?;
    let mut tx = db.begin().await?;
    let id = insert(&mut tx, &v, Utc::now()).await?;
    tx.commit().await?;
    get(db, id).await
}

pub async fn update(db: &Db, id: i64, input: &VenueInput) -> AppResult<Venue> {
    get(db, id).await?;
    let v = check(input, &wards(db).await?)?;
    let mut tx = db.begin().await?;
    update_in(&mut tx, id, &v, Utc::now()).await?;
    tx.commit().await?;
    get(db, id).await
}

pub async fn insert(tx: &mut Tx, v: &CheckedVenue, now: DateTime<Utc>) -> AppResult<i64> {
    Ok(on_tx!(tx, conn => {
        sqlx::query_scalar(
            "INSERT INTO venues (name, kind, ward, address, access, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(&v.name)
        .bind(v.kind)
        .bind(&v.ward)
        .bind(&v.address)
        .bind(&v.access)
        .bind(now)
        .fetch_one(&mut *conn)
        .await
    })?)
}

pub async fn update_in(tx: &mut Tx, id: i64, v: &CheckedVenue, now: DateTime<Utc>) -> AppResult<()> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE venues SET name = $1, kind = $2, ward = $3, address = $4, access = $5, updated_at = $6
             WHERE id = $7",
        )
        .bind(&v.name)
        .bind(v.kind)
        .bind(&v.ward)
        .bind(&v.address)
        .bind(&v.access)
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await.map(|_| ())
    })?;
    Ok(())
}

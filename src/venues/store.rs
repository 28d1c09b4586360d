//! Storage of wards and venues.

use chrono::{DateTime, Utc};

use super::{field, Venue, VenueDirectory, VenueInput, Ward};
use crate::{
    domain::{self, FieldErrors, Kana, PhoneNumber, Problem, VenueKind},
    on_db, on_tx,
    policy::Viewer,
    server::{
        db::{Db, Tx},
        error::AppResult,
        once,
        state::AppState,
    },
};

const VENUE_COLUMNS: &str = "id, name, kind, ward, address, access, name_kana, phone, hours, latitude, longitude, \
     wheelchair, step_free, accessible_toilet, priority_parking";

pub async fn wards(db: &Db) -> AppResult<Vec<Ward>> {
    Ok(on_db!(db, pool => {
        sqlx::query_as("SELECT code, name_ja, name_en FROM wards ORDER BY sort_order, code").fetch_all(pool).await
    })?)
}

/// Every venue, by ward and then by reading (the name where the reading is not known),
/// as a Japanese list is ordered. Sorted here, by code point (katakana in 五十音 order),
/// so both backends order alike whatever the database's collation.
pub async fn list(db: &Db) -> AppResult<Vec<Venue>> {
    let sql = format!("SELECT {VENUE_COLUMNS} FROM venues");
    let mut venues: Vec<Venue> = on_db!(db, pool => sqlx::query_as(&sql).fetch_all(pool).await)?;
    let wards: Vec<(String, i32)> =
        on_db!(db, pool => sqlx::query_as("SELECT code, sort_order FROM wards").fetch_all(pool).await)?;
    let position = |code: &str| wards.iter().find(|(c, _)| c == code).map(|(_, order)| *order);
    let reading = |v: &Venue| if v.name_kana.is_empty() { v.name.clone() } else { v.name_kana.clone() };
    venues.sort_by_cached_key(|v| (position(&v.ward), reading(v), v.id));
    Ok(venues)
}

pub async fn directory(db: &Db) -> AppResult<VenueDirectory> {
    Ok(VenueDirectory { venues: list(db).await?, wards: wards(db).await? })
}

/// The venue directory, kept while the data version holds (see `Memo`).
pub async fn cached_directory(state: &AppState) -> AppResult<VenueDirectory> {
    state.memo.get_or_load(&state.db, || directory(&state.db)).await
}

pub async fn get(db: &Db, id: i64) -> AppResult<Venue> {
    let sql = format!("SELECT {VENUE_COLUMNS} FROM venues WHERE id = $1");
    Ok(on_db!(db, pool => sqlx::query_as(&sql).bind(id).fetch_one(pool).await)?)
}

/// A venue's name inside a change (what a change of place tells people).
pub async fn name_in(tx: &mut Tx, id: i64) -> AppResult<String> {
    Ok(
        on_tx!(tx, conn => sqlx::query_scalar("SELECT name FROM venues WHERE id = $1").bind(id).fetch_one(&mut *conn).await)?,
    )
}

/// A venue input that passed every check: a venue without its id.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedVenue(Venue);

impl CheckedVenue {
    /// The checked venue as it would be stored under `id`.
    pub fn as_venue(&self, id: i64) -> Venue {
        Venue { id, ..self.0.clone() }
    }
}

/// A ward code that is one of `wards`, or the problem with it.
pub fn known_ward(input: &str, wards: &[Ward]) -> Result<String, Problem> {
    let code = input.trim();
    if code.is_empty() {
        return Err(Problem::new("error.choose"));
    }
    wards.iter().find(|w| w.code == code).map(|w| w.code.clone()).ok_or(Problem::new("error.choice"))
}

/// A coordinate in degrees within ±`limit`, or nothing if empty.
fn degrees(input: &str, limit: f64, problem: &'static str) -> Result<Option<f64>, Problem> {
    let value = domain::normalise(input, false);
    if value.is_empty() {
        return Ok(None);
    }
    match value.parse::<f64>() {
        Ok(d) if d.is_finite() && d.abs() <= limit => Ok(Some(d)),
        _ => Err(Problem::new(problem)),
    }
}

/// Checks a venue against the rules and the city's wards. Everything past the address
/// is optional: a reading in kana, a phone number people can call, opening hours, a
/// position (latitude and longitude together) and the accessibility facts.
pub fn check(input: &VenueInput, wards: &[Ward]) -> Result<CheckedVenue, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = errors.check(field::NAME, domain::text(&input.name, 100, true, false));
    let kind = errors.check(field::KIND, domain::choice(&input.kind, VenueKind::parse));
    let ward = errors.check(field::WARD, known_ward(&input.ward, wards));
    let address = errors.check(field::ADDRESS, domain::address(&input.address, 200, true));
    let access = errors.check(field::ACCESS, domain::text(&input.access, 300, false, false));
    let name_kana = if input.name_kana.trim().is_empty() {
        Some(String::new())
    } else {
        errors.check(field::NAME_KANA, Kana::parse(&input.name_kana).map(|k| k.as_str().to_string()))
    };
    let phone = if input.phone.trim().is_empty() {
        Some(String::new())
    } else {
        errors.check(field::PHONE, PhoneNumber::parse(&input.phone).map(|p| p.as_str().to_string()))
    };
    let hours = errors.check(field::HOURS, domain::text(&input.hours, 200, false, false));
    let latitude = errors.check(field::LATITUDE, degrees(&input.latitude, 90.0, "error.latitude"));
    let longitude = errors.check(field::LONGITUDE, degrees(&input.longitude, 180.0, "error.longitude"));
    if let (Some(lat), Some(lon)) = (latitude, longitude) {
        if lat.is_some() != lon.is_some() {
            errors.add(
                if lat.is_none() { field::LATITUDE } else { field::LONGITUDE },
                Problem::new("error.position_pair"),
            );
        }
    }
    let mut fact = |name: &str, value: &str| errors.check(name, domain::yes_no(value)).flatten();
    let wheelchair = fact(field::WHEELCHAIR, &input.wheelchair);
    let step_free = fact(field::STEP_FREE, &input.step_free);
    let accessible_toilet = fact(field::ACCESSIBLE_TOILET, &input.accessible_toilet);
    let priority_parking = fact(field::PRIORITY_PARKING, &input.priority_parking);
    errors.into_result()?;
    Ok(CheckedVenue(Venue {
        id: 0,
        name: name.expect("checked"),
        kind: kind.expect("checked"),
        ward: ward.expect("checked"),
        address: address.expect("checked"),
        access: access.expect("checked"),
        name_kana: name_kana.expect("checked"),
        phone: phone.expect("checked"),
        hours: hours.expect("checked"),
        latitude: latitude.flatten(),
        longitude: longitude.flatten(),
        wheelchair,
        step_free,
        accessible_toilet,
        priority_parking,
    }))
}

/// Adds a venue (managers); a form sent twice (same `key`) adds it once.
pub async fn create(state: &AppState, viewer: &Viewer, input: &VenueInput, key: Option<&str>) -> AppResult<Venue> {
    viewer.require_manager()?;
    let v = check(input, &wards(&state.db).await?)?;
    let now = Utc::now();
    let mut tx = state.db.begin().await?;
    if let Some(earlier) = once::earlier(&mut tx, key, "venue", input, now).await? {
        return get(&state.db, earlier).await;
    }
    let id = insert(&mut tx, &v, now).await?;
    once::remember(&mut tx, key, id).await?;
    tx.commit().await?;
    get(&state.db, id).await
}

/// Changes a venue (managers).
pub async fn update(state: &AppState, viewer: &Viewer, id: i64, input: &VenueInput) -> AppResult<Venue> {
    viewer.require_manager()?;
    get(&state.db, id).await?;
    let v = check(input, &wards(&state.db).await?)?;
    let mut tx = state.db.begin().await?;
    update_in(&mut tx, id, &v, Utc::now()).await?;
    tx.commit().await?;
    get(&state.db, id).await
}

/// Binds a checked venue as `$1`…`$14`: name, kind, ward, address, access, name_kana,
/// phone, hours, latitude, longitude and the four accessibility facts.
macro_rules! bind_venue {
    ($query:expr, $v:expr) => {
        $query
            .bind(&$v.name)
            .bind($v.kind)
            .bind(&$v.ward)
            .bind(&$v.address)
            .bind(&$v.access)
            .bind(&$v.name_kana)
            .bind(&$v.phone)
            .bind(&$v.hours)
            .bind($v.latitude)
            .bind($v.longitude)
            .bind($v.wheelchair)
            .bind($v.step_free)
            .bind($v.accessible_toilet)
            .bind($v.priority_parking)
    };
}

pub async fn insert(tx: &mut Tx, v: &CheckedVenue, now: DateTime<Utc>) -> AppResult<i64> {
    let v = &v.0;
    Ok(on_tx!(tx, conn => {
        bind_venue!(
            sqlx::query_scalar(
                "INSERT INTO venues (name, kind, ward, address, access, name_kana, phone, hours, latitude, longitude,
                     wheelchair, step_free, accessible_toilet, priority_parking, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id",
            ),
            v
        )
        .bind(now)
        .fetch_one(&mut *conn)
        .await
    })?)
}

pub async fn update_in(tx: &mut Tx, id: i64, v: &CheckedVenue, now: DateTime<Utc>) -> AppResult<()> {
    let v = &v.0;
    on_tx!(tx, conn => {
        bind_venue!(
            sqlx::query(
                "UPDATE venues SET name = $1, kind = $2, ward = $3, address = $4, access = $5, name_kana = $6,
                     phone = $7, hours = $8, latitude = $9, longitude = $10, wheelchair = $11, step_free = $12,
                     accessible_toilet = $13, priority_parking = $14, updated_at = $15
                 WHERE id = $16",
            ),
            v
        )
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await
        .map(|_| ())
    })?;
    Ok(())
}

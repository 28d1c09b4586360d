//! The city's wards (区) as administrators keep them: add, rename, reorder, and retire
//! one that no venue or partner shop is in. Imports and `ippo seed wards` write through
//! the same check.

use serde::{Deserialize, Serialize};

use super::ward_field as field;
use crate::{
    domain::{self, FieldErrors, Problem},
    on_db, on_tx,
    policy::Viewer,
    server::{
        audit,
        db::{Db, Tx},
        error::{AppError, AppResult},
        state::AppState,
    },
};

/// A ward with what is in it, for the administrators' list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct WardRow {
    pub code: String,
    pub name_ja: String,
    pub name_en: String,
    pub sort_order: i32,
    /// Venues and partner shops in the ward: while any is, it cannot be retired.
    pub venues: i64,
    pub partners: i64,
}

/// A ward as typed into a form, a CSV row or the seed: unchecked text.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WardInput {
    pub code: String,
    pub name_ja: String,
    pub name_en: String,
    /// Position in lists (smallest first); empty: after the others.
    pub sort_order: String,
}

/// A ward that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedWard {
    pub code: String,
    pub name_ja: String,
    pub name_en: String,
    pub sort_order: Option<i32>,
}

/// Checks a ward: a code of lower-case letters, digits, `_` or `-` (it is kept in the
/// data and in CSV files), a Japanese name, an English name (the Japanese one if left
/// empty), and a position from 0 to 999.
pub fn check(input: &WardInput) -> Result<CheckedWard, FieldErrors> {
    let mut errors = FieldErrors::default();
    let code = errors.check(field::CODE, domain::ward_code(&input.code));
    let name_ja = errors.check(field::NAME_JA, domain::text(&input.name_ja, 30, true, false));
    let name_en = errors.check(field::NAME_EN, domain::text(&input.name_en, 60, false, false));
    let sort_order = if input.sort_order.trim().is_empty() {
        Some(None)
    } else {
        errors
            .check(
                field::SORT_ORDER,
                domain::number(&input.sort_order).and_then(|n| domain::within(n, 0, 999)).map(|n| n as i32),
            )
            .map(Some)
    };
    errors.into_result()?;
    let name_ja = name_ja.expect("checked");
    let name_en = name_en.filter(|n| !n.is_empty()).unwrap_or_else(|| name_ja.clone());
    Ok(CheckedWard { code: code.expect("checked"), name_ja, name_en, sort_order: sort_order.expect("checked") })
}

/// Every ward with its venue and shop counts, in list order.
pub async fn list(db: &Db) -> AppResult<Vec<WardRow>> {
    Ok(on_db!(db, pool => {
        sqlx::query_as(
            "SELECT w.code, w.name_ja, w.name_en, w.sort_order,
                 (SELECT COUNT(*) FROM venues v WHERE v.ward = w.code) AS venues,
                 (SELECT COUNT(*) FROM partners p WHERE p.ward = w.code) AS partners
             FROM wards w ORDER BY w.sort_order, w.code",
        )
        .fetch_all(pool)
        .await
    })?)
}

/// The ward with this code, if there is one.
pub async fn find_in(tx: &mut Tx, code: &str) -> AppResult<Option<crate::venues::Ward>> {
    Ok(on_tx!(tx, conn => {
        sqlx::query_as("SELECT code, name_ja, name_en FROM wards WHERE code = $1").bind(code).fetch_optional(&mut *conn).await
    })?)
}

/// Adds a ward or, when its code exists, renames and reorders it. Returns whether it
/// was new. A ward without a position goes after the others.
pub async fn upsert_in(tx: &mut Tx, w: &CheckedWard) -> AppResult<bool> {
    let existed = find_in(tx, &w.code).await?.is_some() as i64;
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO wards (code, name_ja, name_en, sort_order)
             VALUES ($1, $2, $3, COALESCE($4, (SELECT COALESCE(MAX(sort_order), -1) + 1 FROM wards)))
             ON CONFLICT (code) DO UPDATE SET name_ja = excluded.name_ja, name_en = excluded.name_en,
                 sort_order = COALESCE($4, wards.sort_order)",
        )
        .bind(&w.code)
        .bind(&w.name_ja)
        .bind(&w.name_en)
        .bind(w.sort_order)
        .execute(&mut *conn)
        .await
        .map(|_| ())
    })?;
    Ok(existed == 0)
}

/// Adds a ward (administrators). A code already in use is refused, not overwritten.
pub async fn add(state: &AppState, viewer: &Viewer, input: &WardInput) -> AppResult<()> {
    viewer.require_admin()?;
    let w = check(input)?;
    let mut tx = state.db.begin().await?;
    if find_in(&mut tx, &w.code).await?.is_some() {
        let mut errors = FieldErrors::default();
        errors.add(field::CODE, Problem::new("error.ward_exists").with("code", &w.code));
        return Err(AppError::Invalid(errors));
    }
    upsert_in(&mut tx, &w).await?;
    tx.commit().await?;
    audit::record(&state.db, viewer, "ward.create", &format!("ward:{}", w.code), &w.name_ja).await?;
    Ok(())
}

/// Renames or moves a ward (administrators); its code stays, as venues refer to it.
pub async fn update(state: &AppState, viewer: &Viewer, code: &str, input: &WardInput) -> AppResult<()> {
    viewer.require_admin()?;
    let w = check(&WardInput { code: code.to_string(), ..input.clone() })?;
    let mut tx = state.db.begin().await?;
    if upsert_in(&mut tx, &w).await? {
        // It did not exist: nothing to rename.
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    audit::record(&state.db, viewer, "ward.update", &format!("ward:{code}"), &w.name_ja).await?;
    Ok(())
}

/// Retires (removes) a ward that no venue and no partner shop is in (administrators).
pub async fn retire(state: &AppState, viewer: &Viewer, code: &str) -> AppResult<()> {
    viewer.require_admin()?;
    let mut tx = state.db.begin().await?;
    let (venues, partners): (i64, i64) = on_tx!(&mut tx, conn => {
        sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM venues WHERE ward = $1), (SELECT COUNT(*) FROM partners WHERE ward = $1)",
        )
        .bind(code)
        .fetch_one(&mut *conn)
        .await
    })?;
    if venues + partners > 0 {
        return Err(AppError::Conflict(
            Problem::new("error.ward_in_use").with("venues", venues).with("partners", partners),
        ));
    }
    let deleted = on_tx!(&mut tx, conn => {
        sqlx::query("DELETE FROM wards WHERE code = $1").bind(code).execute(&mut *conn).await.map(|r| r.rows_affected())
    })?;
    if deleted == 0 {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    audit::record(&state.db, viewer, "ward.retire", &format!("ward:{code}"), "").await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ward_needs_a_code_and_a_japanese_name() {
        let w = check(&WardInput { code: "moji".into(), name_ja: "門司区".into(), ..Default::default() }).unwrap();
        assert_eq!((w.name_en.as_str(), w.sort_order), ("門司区", None));
        let errors =
            check(&WardInput { code: "門司".into(), sort_order: "1000".into(), ..Default::default() }).unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, vec![field::CODE, field::NAME_JA, field::SORT_ORDER]);
    }
}

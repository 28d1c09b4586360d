//! Storage of the city profile, and its place on every request.

use axum::{extract::State, middleware::Next, response::Response};
use chrono::Utc;

use super::{field, CityInput, CityProfile};
use crate::{
    domain::{self, Email, FieldErrors, PhoneNumber, Problem},
    on_db, on_tx,
    policy::Viewer,
    server::{
        audit,
        db::{Db, Tx},
        error::AppResult,
        state::AppState,
    },
};

const COLUMNS: &str =
    "name, name_en, department, department_en, phone, email, privacy_contact, sender_name, lg_code, sample";

pub async fn get(db: &Db) -> AppResult<CityProfile> {
    let sql = format!("SELECT {COLUMNS} FROM city_profile WHERE id = 1");
    Ok(on_db!(db, pool => sqlx::query_as(&sql).fetch_one(pool).await)?)
}

/// The profile as a transaction sees it: for what is written inside one (a mail in the
/// outbox), which must not wait for a second connection from the pool.
pub async fn get_in(tx: &mut Tx) -> AppResult<CityProfile> {
    let sql = format!("SELECT {COLUMNS} FROM city_profile WHERE id = 1");
    Ok(on_tx!(tx, conn => sqlx::query_as(&sql).fetch_one(&mut *conn).await)?)
}

/// The profile, kept while the data version holds (see `Memo`).
pub async fn cached(state: &AppState) -> AppResult<CityProfile> {
    state.memo.get_or_load(&state.db, || get(&state.db)).await
}

/// Middleware: every request that may render a page carries the city profile, for the
/// page shell and privacy notices (see `city::current`); the JSON API renders none and
/// is spared the read.
pub async fn attach(State(state): State<AppState>, mut req: axum::extract::Request, next: Next) -> Response {
    // The API and the built files (`/pkg/`) render no page: no need to read the data version.
    if ["/api/", "/pkg/"].iter().any(|prefix| req.uri().path().starts_with(prefix)) {
        return next.run(req).await;
    }
    match cached(&state).await {
        Ok(city) => {
            req.extensions_mut().insert(city);
        }
        // A page without the city's name is better than no page while the database is away.
        Err(err) => err.log_if_internal(),
    }
    next.run(req).await
}

/// A profile that passed every check.
pub struct CheckedCity(CityProfile);

/// Checks the profile: the city's name and department are required (they head every
/// page), the phone must be a Japanese number people can call, the e-mail an address,
/// the 全国地方公共団体コード six digits (JIS X 0402 with its check digit).
pub fn check(input: &CityInput) -> Result<CheckedCity, FieldErrors> {
    let mut errors = FieldErrors::default();
    let text = |errors: &mut FieldErrors, name: &str, value: &str, max: usize, required: bool| {
        errors.check(name, domain::text(value, max, required, false)).unwrap_or_default()
    };
    let name = text(&mut errors, field::NAME, &input.name, 40, true);
    let name_en = text(&mut errors, field::NAME_EN, &input.name_en, 80, false);
    let department = text(&mut errors, field::DEPARTMENT, &input.department, 60, true);
    let department_en = text(&mut errors, field::DEPARTMENT_EN, &input.department_en, 120, false);
    let privacy_contact = text(&mut errors, field::PRIVACY_CONTACT, &input.privacy_contact, 200, false);
    let sender_name = text(&mut errors, field::SENDER_NAME, &input.sender_name, 60, false);
    let phone = errors.check(field::PHONE, PhoneNumber::parse(&input.phone)).map(|p| p.as_str().to_string());
    let email = if input.email.trim().is_empty() {
        Some(String::new())
    } else {
        errors.check(field::EMAIL, Email::parse(&input.email)).map(|e| e.as_str().to_string())
    };
    let lg_code = errors.check(field::LG_CODE, lg_code(&input.lg_code)).unwrap_or_default();
    errors.into_result()?;
    Ok(CheckedCity(CityProfile {
        name,
        name_en,
        department,
        department_en,
        phone: phone.unwrap_or_default(),
        email: email.unwrap_or_default(),
        privacy_contact,
        sender_name,
        lg_code,
        sample: false,
    }))
}

/// A 全国地方公共団体コード: five digits and the check digit of JIS X 0402 (the sum of
/// the digits weighted 6,5,4,3,2, then 11 minus its remainder by 11, the last digit of
/// that). Full-width digits are accepted; empty is allowed (not every body publishes one).
pub fn lg_code(input: &str) -> Result<String, Problem> {
    let value = domain::normalise(input, false);
    if value.is_empty() {
        return Ok(value);
    }
    let digits: Vec<u32> = value.chars().filter_map(|c| c.to_digit(10)).collect();
    let valid = digits.len() == 6 && value.len() == 6 && {
        let sum: u32 = digits[..5].iter().zip([6, 5, 4, 3, 2]).map(|(d, w)| d * w).sum();
        let check = (11 - sum % 11) % 10;
        check == digits[5]
    };
    if valid {
        Ok(value)
    } else {
        Err(Problem::new("error.lg_code").with("value", value))
    }
}

/// Saves the profile (administrators; on the audit log). Returns the saved profile.
pub async fn save(state: &AppState, viewer: &Viewer, input: &CityInput) -> AppResult<CityProfile> {
    viewer.require_admin()?;
    let checked = check(input)?;
    write(&state.db, &checked).await?;
    audit::record(&state.db, viewer, "city.update", "city", &checked.0.name).await?;
    get(&state.db).await
}

/// Writes a checked profile (keeping whether the sample city is loaded).
pub async fn write(db: &Db, checked: &CheckedCity) -> AppResult<()> {
    let p = &checked.0;
    on_db!(db, pool => {
        sqlx::query(
            "UPDATE city_profile SET name = $1, name_en = $2, department = $3, department_en = $4, phone = $5,
                 email = $6, privacy_contact = $7, sender_name = $8, lg_code = $9, updated_at = $10
             WHERE id = 1",
        )
        .bind(&p.name)
        .bind(&p.name_en)
        .bind(&p.department)
        .bind(&p.department_en)
        .bind(&p.phone)
        .bind(&p.email)
        .bind(&p.privacy_contact)
        .bind(&p.sender_name)
        .bind(&p.lg_code)
        .bind(Utc::now())
        .execute(pool)
        .await
        .map(|_| ())
    })?;
    Ok(())
}

/// Marks whether the sample city is loaded (`ippo seed demo`): pages then say 「サンプル」.
pub async fn mark_sample(db: &Db, sample: bool) -> AppResult<()> {
    on_db!(db, pool => {
        sqlx::query("UPDATE city_profile SET sample = $1 WHERE id = 1").bind(sample).execute(pool).await.map(|_| ())
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_government_codes_carry_their_check_digit() {
        // Kitakyushu, Fukuoka Prefecture, Sapporo, Chiyoda (JIS X 0402).
        for good in ["401005", "400009", "011002", "131016", "４０１００５"] {
            assert!(lg_code(good).is_ok(), "{good}");
        }
        for bad in ["401006", "40100", "4010055", "40100a"] {
            assert_eq!(lg_code(bad).unwrap_err().key, "error.lg_code", "{bad}");
        }
        assert_eq!(lg_code(" ").unwrap(), "");
    }

    #[test]
    fn the_profile_needs_a_name_a_department_and_a_phone() {
        let errors = check(&CityInput::default()).err().unwrap();
        let fields: Vec<&str> = errors.0.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, vec![field::NAME, field::DEPARTMENT, field::PHONE]);
        let ok = check(&CityInput {
            name: "北九州市".into(),
            department: "デジタル市役所推進課".into(),
            phone: "０９３－５８２－２１０２".into(),
            ..Default::default()
        });
        assert_eq!(ok.ok().unwrap().0.phone, "093-582-2102");
    }
}

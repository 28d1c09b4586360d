//! Users, passwords (argon2) and API tokens (random, stored as SHA-256).

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use chrono::Utc;
use sha2::{Digest, Sha256};

use crate::{
    domain::{Email, FieldErrors, Problem, Role},
    on_db, on_tx,
    policy::Viewer,
    server::{
        db::{is_unique_violation, Db},
        error::{AppError, AppResult},
    },
};

/// Passwords shorter than this are refused.
pub const MIN_PASSWORD_CHARS: usize = 10;

pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password: String,
    pub venue_ids: Vec<i64>,
    pub partner_id: Option<i64>,
}

pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash password: {e}"))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// A hash to verify against when the e-mail is unknown, so both cases take as long.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password").expect("argon2 hashes a constant"))
}

pub async fn create_user(db: &Db, user: NewUser) -> AppResult<i64> {
    let mut errors = FieldErrors::default();
    let email = errors.check("email", Email::parse(&user.email));
    let name = errors.check("name", crate::domain::text(&user.name, 100, true, false));
    if user.password.chars().count() < MIN_PASSWORD_CHARS {
        errors.add("password", Problem::new("error.password_short").with("min", MIN_PASSWORD_CHARS));
    }
    if user.role == Role::Staff && user.venue_ids.is_empty() {
        errors.add("venue", Problem::new("error.staff_needs_venue"));
    }
    if user.role == Role::Partner && user.partner_id.is_none() {
        errors.add("partner", Problem::new("error.partner_needs_shop"));
    }
    errors.into_result()?;
    let (email, name) = (email.expect("checked"), name.expect("checked"));
    let hash = hash_password(&user.password)?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let inserted: Result<i64, sqlx::Error> = on_tx!(&mut tx, conn => {
        sqlx::query_scalar(
            "INSERT INTO users (email, name, role, password_hash, partner_id, active, created_at)
             VALUES ($1, $2, $3, $4, $5, TRUE, $6) RETURNING id",
        )
        .bind(email.as_str().to_lowercase())
        .bind(&name)
        .bind(user.role)
        .bind(&hash)
        .bind(user.partner_id)
        .bind(now)
        .fetch_one(&mut *conn)
        .await
    });
    let id = match inserted {
        Ok(id) => id,
        Err(err) if is_unique_violation(&err, "users_email_key") => {
            let mut errors = FieldErrors::default();
            errors.add("email", Problem::new("error.email_taken"));
            return Err(AppError::Invalid(errors));
        }
        Err(err) => return Err(err.into()),
    };
    for venue_id in &user.venue_ids {
        on_tx!(&mut tx, conn => {
            sqlx::query("INSERT INTO user_venues (user_id, venue_id) VALUES ($1, $2)")
                .bind(id)
                .bind(venue_id)
                .execute(&mut *conn)
                .await.map(|_| ())
        })?;
    }
    tx.commit().await?;
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    name: String,
    email: String,
    role: Role,
    partner_id: Option<i64>,
}

pub async fn load_viewer(db: &Db, user_id: i64) -> AppResult<Option<Viewer>> {
    let row: Option<UserRow> = on_db!(db, pool => {
        sqlx::query_as("SELECT id, name, email, role, partner_id FROM users WHERE id = $1 AND active = TRUE")
            .bind(user_id)
            .fetch_optional(pool)
            .await
    })?;
    let Some(row) = row else { return Ok(None) };
    let venue_ids: Vec<i64> = on_db!(db, pool => {
        sqlx::query_scalar("SELECT venue_id FROM user_venues WHERE user_id = $1 ORDER BY venue_id")
            .bind(user_id)
            .fetch_all(pool)
            .await
    })?;
    Ok(Some(Viewer {
        user_id: Some(row.id),
        name: row.name,
        email: row.email,
        role: row.role,
        venue_ids,
        partner_id: row.partner_id,
    }))
}

/// How many password hashes may run at once: argon2 takes about 19 MiB and a core's
/// time for each, so a flood of logins waits here instead of filling the memory.
const HASHES_AT_ONCE: usize = 2;
/// How long a login waits for its turn at the hasher before it is told to try later.
const HASH_QUEUE_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

fn hashers() -> &'static tokio::sync::Semaphore {
    static HASHERS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    HASHERS.get_or_init(|| tokio::sync::Semaphore::new(HASHES_AT_ONCE))
}

/// The user with this e-mail and password, or `None` (without saying which was wrong).
/// At most `HASHES_AT_ONCE` checks run at a time; a login that waits longer than
/// `HASH_QUEUE_WAIT` for its turn is refused (429).
pub async fn authenticate(db: &Db, email: &str, password: &str) -> AppResult<Option<i64>> {
    let found: Option<(i64, String)> = on_db!(db, pool => {
        sqlx::query_as("SELECT id, password_hash FROM users WHERE email = $1 AND active = TRUE")
            .bind(email.trim().to_lowercase())
            .fetch_optional(pool)
            .await
    })?;
    let password = password.to_string();
    // argon2 is deliberately slow: keep it off the async workers.
    let (id, hash) = found.map_or((None, decoy_hash().to_string()), |(id, hash)| (Some(id), hash));
    let _turn = tokio::time::timeout(HASH_QUEUE_WAIT, hashers().acquire())
        .await
        .map_err(|_| AppError::RateLimited)?
        .map_err(anyhow::Error::from)?;
    let ok =
        tokio::task::spawn_blocking(move || verify_password(&password, &hash)).await.map_err(anyhow::Error::from)?;
    Ok(id.filter(|_| ok))
}

/// Marks a browser as having logged in as this user; returns the token for its cookie.
pub async fn remember_browser(db: &Db, user_id: i64) -> AppResult<String> {
    let token = crate::server::once::random_hex(24);
    on_db!(db, pool => {
        sqlx::query("INSERT INTO known_browsers (user_id, token_hash, created_at) VALUES ($1, $2, $3)")
            .bind(user_id)
            .bind(token_hash(&token))
            .bind(Utc::now())
            .execute(pool)
            .await
            .map(|_| ())
    })?;
    Ok(token)
}

/// Whether this browser has logged in as the user with this e-mail before.
pub async fn is_known_browser(db: &Db, email: &str, token: &str) -> AppResult<bool> {
    let n: i64 = on_db!(db, pool => {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM known_browsers k JOIN users u ON u.id = k.user_id
             WHERE u.email = $1 AND k.token_hash = $2",
        )
        .bind(email.trim().to_lowercase())
        .bind(token_hash(token))
        .fetch_one(pool)
        .await
    })?;
    Ok(n > 0)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Issues a new API token for the user with this e-mail; the token itself is shown once.
pub async fn issue_token(db: &Db, email: &str) -> AppResult<String> {
    let user_id: Option<i64> = on_db!(db, pool => {
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1 AND active = TRUE")
            .bind(email.trim().to_lowercase())
            .fetch_optional(pool)
            .await
    })?;
    let user_id = user_id.ok_or(AppError::NotFound)?;
    let token = format!("ippo_{}", crate::server::once::random_hex(32));
    on_db!(db, pool => {
        sqlx::query("INSERT INTO api_tokens (user_id, token_hash, created_at) VALUES ($1, $2, $3)")
            .bind(user_id)
            .bind(token_hash(&token))
            .bind(Utc::now())
            .execute(pool)
            .await.map(|_| ())
    })?;
    Ok(token)
}

/// Revokes every API token of the user with this e-mail; returns how many there were.
pub async fn revoke_tokens(db: &Db, email: &str) -> AppResult<u64> {
    let user_id: Option<i64> = on_db!(db, pool => {
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(email.trim().to_lowercase())
            .fetch_optional(pool)
            .await
    })?;
    let user_id = user_id.ok_or(AppError::NotFound)?;
    Ok(on_db!(db, pool => {
        sqlx::query("DELETE FROM api_tokens WHERE user_id = $1").bind(user_id).execute(pool).await.map(|r| r.rows_affected())
    })?)
}

pub async fn viewer_for_token(db: &Db, token: &str) -> AppResult<Option<Viewer>> {
    let user_id: Option<i64> = on_db!(db, pool => {
        sqlx::query_scalar("SELECT user_id FROM api_tokens WHERE token_hash = $1")
            .bind(token_hash(token))
            .fetch_optional(pool)
            .await
    })?;
    match user_id {
        Some(id) => load_viewer(db, id).await,
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong horse battery", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn tokens_are_hashed_stably() {
        assert_eq!(token_hash("abc"), token_hash("abc"));
        assert_ne!(token_hash("abc"), token_hash("abd"));
        assert_eq!(token_hash("abc").len(), 64);
    }
}

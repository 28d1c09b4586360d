//! Login, logout, the language switch, and the middleware that finds each request's viewer.

use axum::{
    extract::{Query, Request, State},
    http::{header, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use tower_sessions::Session;

use super::store;
use crate::{
    domain::{Problem, Role},
    i18n::Lang,
    policy::Viewer,
    server::{
        client::ClientIp,
        error::AppError,
        forms::{rejected, see_other, Posted},
        ratelimit,
        routing::Routes,
        state::AppState,
    },
};

/// The session key holding the logged-in user's id.
const USER_ID_KEY: &str = "user_id";

/// The login form's fields.
pub mod field {
    pub const EMAIL: &str = "email";
    pub const PASSWORD: &str = "password";
    /// The page to go to after logging in.
    pub const NEXT: &str = "next";
}

/// Failed login attempts per minute for one e-mail address, from browsers that never
/// logged in as that person (a known browser passes a lock strangers caused). Each
/// attempt is counted before the password is checked, so a burst cannot slip past, and
/// given back when it succeeds.
const LOGIN_ATTEMPTS_PER_MINUTE: u32 = 10;
/// Failed login attempts per minute from one client address, whatever e-mail they try,
/// so guessing across many addresses (or many passwords) from one place is slowed too;
/// staff logging in one after another at a centre's shared address are not.
const LOGIN_ATTEMPTS_PER_CLIENT: u32 = 30;
/// The cookie that marks a browser that has logged in as someone before.
const KNOWN_BROWSER_COOKIE: &str = "ippo_known";

pub fn routes() -> Routes {
    Routes::new()
        .post("/login", login)
        .post("/logout", logout)
        .get("/lang", switch_language)
        .get("/text-size", switch_text_size)
}

/// Only paths on this site may follow a login or a language switch (no open redirect).
/// Browsers drop tabs and line breaks from a URL and read a backslash as a slash, so
/// `/\t/host` would become `//host`, another site: a path with any of them, or with a
/// second slash or backslash at its start, is refused.
fn local_path(next: &str) -> Option<&str> {
    let plain = !next.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    (plain && next.starts_with('/') && !next.starts_with("//")).then_some(next)
}

fn home_of(role: Role) -> &'static str {
    match role {
        Role::Admin | Role::Manager => "/manage",
        Role::Staff => "/staff",
        Role::Partner => "/partner",
    }
}

/// The known-browser token the request carries, if any.
fn known_browser(form: &Posted) -> Option<String> {
    let cookies = form.parts.headers.get(header::COOKIE)?.to_str().ok()?;
    cookies
        .split(';')
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == KNOWN_BROWSER_COOKIE)
        .map(|(_, v)| v.to_string())
}

async fn login(State(state): State<AppState>, ClientIp(client): ClientIp, session: Session, form: Posted) -> Response {
    let email = form.get(field::EMAIL).trim().to_lowercase();
    let browser = known_browser(&form);
    let (client_bucket, email_bucket) = (format!("login-client:{client}"), format!("login:{email}"));
    let result = async {
        if !ratelimit::allow(&state.db, &client_bucket, LOGIN_ATTEMPTS_PER_CLIENT).await? {
            return Err(AppError::RateLimited);
        }
        let known = match &browser {
            Some(token) => store::is_known_browser(&state.db, &email, token).await?,
            None => false,
        };
        if !known && !ratelimit::allow(&state.db, &email_bucket, LOGIN_ATTEMPTS_PER_MINUTE).await? {
            return Err(AppError::RateLimited);
        }
        let user_id = store::authenticate(&state.db, &email, form.get(field::PASSWORD))
            .await?
            .ok_or(AppError::Conflict(Problem::new("error.login_failed")))?;
        ratelimit::refund(&state.db, &client_bucket).await?;
        if !known {
            ratelimit::refund(&state.db, &email_bucket).await?;
        }
        // A new session id at login, so a planted cookie cannot ride along.
        session.cycle_id().await.map_err(|e| anyhow::anyhow!("session: {e}"))?;
        session.insert(USER_ID_KEY, user_id).await.map_err(|e| anyhow::anyhow!("session: {e}"))?;
        let viewer = store::load_viewer(&state.db, user_id).await?.ok_or(AppError::Unauthorized)?;
        let token = match browser.filter(|_| known) {
            Some(token) => token,
            None => store::remember_browser(&state.db, user_id).await?,
        };
        let next =
            local_path(form.get(field::NEXT)).map(str::to_string).unwrap_or_else(|| home_of(viewer.role).to_string());
        Ok((next, token))
    };
    match result.await {
        Ok((next, token)) => {
            let secure = if state.config.secure_cookies() { "; Secure" } else { "" };
            let cookie = format!(
                "{KNOWN_BROWSER_COOKIE}={token}; Path=/login; Max-Age=31536000; HttpOnly; SameSite=Lax{secure}"
            );
            let mut response = see_other(&next);
            if let Ok(value) = cookie.parse() {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            response
        }
        Err(AppError::Conflict(problem)) => {
            // Wrong e-mail or password: 401, and the password is not sent back.
            let mut state_form = form.with_errors(&AppError::Conflict(problem));
            state_form.values.retain(|(name, _)| name != field::PASSWORD);
            rejected(StatusCode::UNAUTHORIZED, state_form)
        }
        Err(err) => form.reject(err),
    }
}

async fn logout(session: Session) -> Response {
    if let Err(err) = session.flush().await {
        tracing::warn!(?err, "could not end a web session");
    }
    see_other("/")
}

#[derive(Deserialize)]
/// A reader's choice and the page to go back to (`?to=en&back=/sessions/3`).
struct LangQuery {
    to: String,
    back: Option<String>,
}

/// Remembers a reader's choice (`name=value`) for a year and goes back to the page
/// (only a path on this site).
fn remember_choice(name: &str, value: &str, back: Option<&str>) -> Response {
    let back = back.and_then(local_path).unwrap_or("/").to_string();
    let cookie = format!("{name}={value}; Path=/; Max-Age=31536000; SameSite=Lax");
    let mut response = see_other(&back);
    if let Ok(value) = cookie.parse() {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response.into_response()
}

/// Remembers the chosen language and goes back to the page.
async fn switch_language(Query(q): Query<LangQuery>) -> Response {
    remember_choice("lang", Lang::parse(&q.to).unwrap_or_default().code(), q.back.as_deref())
}

/// Remembers the chosen text size (`large` or `standard`, as municipal sites offer
/// 文字サイズ) and goes back to the page.
async fn switch_text_size(Query(q): Query<LangQuery>) -> Response {
    let size = if q.to == crate::ui::LARGE_TEXT { crate::ui::LARGE_TEXT } else { "standard" };
    remember_choice(crate::ui::TEXT_SIZE_COOKIE, size, q.back.as_deref())
}

/// Puts the `Viewer` of a bearer token or of the login cookie into the request.
pub async fn resolve_viewer(State(state): State<AppState>, session: Session, mut req: Request, next: Next) -> Response {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.strip_prefix("Bearer ").map(str::trim).map(str::to_string));
    let viewer = match bearer {
        // A malformed or unknown token is refused outright rather than treated as anonymous.
        Some(Some(token)) => match store::viewer_for_token(&state.db, &token).await {
            Ok(Some(viewer)) => Some(viewer),
            Ok(None) => return AppError::Unauthorized.into_response(),
            Err(err) => return err.into_response(),
        },
        Some(None) => return AppError::Unauthorized.into_response(),
        None => match session.get::<i64>(USER_ID_KEY).await {
            Ok(Some(user_id)) => store::load_viewer(&state.db, user_id).await.ok().flatten(),
            _ => None,
        },
    };
    if let Some(viewer) = viewer {
        req.extensions_mut().insert::<Viewer>(viewer);
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_follow_login() {
        assert_eq!(local_path("/staff"), Some("/staff"));
        assert_eq!(local_path("//evil.example"), None);
        assert_eq!(local_path("https://evil.example"), None);
        assert_eq!(local_path("/\\evil.example"), None);
        for sneaky in
            ["/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "/ /evil.example", "\t//evil.example"]
        {
            assert_eq!(local_path(sneaky), None, "{sneaky:?}");
        }
        assert_eq!(local_path("/manage/kpi?fiscal_year=2026&ward=%09"), Some("/manage/kpi?fiscal_year=2026&ward=%09"));
    }
}

//! Login, logout and the language switch.

use axum::{
    extract::{Query, State},
    http::header,
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};
use serde::Deserialize;
use tower_sessions::Session;

use super::store;
use crate::{
    domain::{Problem, Role},
    i18n::Lang,
    server::{
        error::AppError,
        http::{see_other, Posted, USER_ID_KEY},
        ratelimit,
        state::AppState,
    },
};

/// Failed or not, login attempts per minute for one e-mail address.
const LOGIN_ATTEMPTS_PER_MINUTE: u32 = 10;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/lang", get(switch_language))
}

/// Only paths on this site may follow a login (no open redirect).
fn local_path(next: &str) -> Option<&str> {
    (next.starts_with('/') && !next.starts_with("//") && !next.contains('\\')).then_some(next)
}

fn home_of(role: Role) -> &'static str {
    match role {
        Role::Admin | Role::Manager => "/manage",
        Role::Staff => "/staff",
        Role::Partner => "/partner",
    }
}

async fn login(State(state): State<AppState>, session: Session, form: Posted) -> Response {
    let email = form.get("email").trim().to_lowercase();
    let result = async {
        let bucket = format!("login:{email}");
        if !ratelimit::allow(&state.db, &bucket, LOGIN_ATTEMPTS_PER_MINUTE).await? {
            return Err(AppError::RateLimited);
        }
        let user_id = store::authenticate(&state.db, &email, form.get("password"))
            .await?
            .ok_or(AppError::Conflict(Problem::new("error.login_failed")))?;
        // A new session id at login, so a planted cookie cannot ride along.
        session.cycle_id().await.map_err(|e| anyhow::anyhow!("session: {e}"))?;
        session.insert(USER_ID_KEY, user_id).await.map_err(|e| anyhow::anyhow!("session: {e}"))?;
        let viewer = store::load_viewer(&state.db, user_id).await?.ok_or(AppError::Unauthorized)?;
        Ok(local_path(form.get("next")).map(str::to_string).unwrap_or_else(|| home_of(viewer.role).to_string()))
    };
    match result.await {
        Ok(next) => see_other(&next),
        Err(AppError::Conflict(problem)) => {
            // Wrong e-mail or password: 401, and the password is not sent back.
            let mut state_form = form.with_errors(&AppError::Conflict(problem));
            state_form.values.retain(|(name, _)| name != "password");
            crate::server::http::render_page(&state, &form.parts, state_form, axum::http::StatusCode::UNAUTHORIZED)
                .await
        }
        Err(err) => form.reject(&state, err).await,
    }
}

async fn logout(session: Session) -> Response {
    if let Err(err) = session.flush().await {
        tracing::warn!(?err, "could not end a web session");
    }
    see_other("/")
}

#[derive(Deserialize)]
struct LangQuery {
    to: String,
    back: Option<String>,
}

/// Remembers the chosen language for a year and goes back to the page.
async fn switch_language(Query(q): Query<LangQuery>) -> Response {
    let lang = Lang::parse(&q.to).unwrap_or_default();
    let back = q.back.as_deref().and_then(local_path).unwrap_or("/").to_string();
    let cookie = format!("lang={}; Path=/; Max-Age=31536000; SameSite=Lax", lang.code());
    let mut response = see_other(&back);
    if let Ok(value) = cookie.parse() {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response.into_response()
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
    }
}

//! The one error type of handlers and domain functions.
//!
//! Use `Invalid` for bad input tied to fields (422), `BadRequest` for a request that
//! cannot be read at all, `Conflict` when the input is fine but the state forbids it
//! (a cancelled session, a started session), and `Internal` for everything that is our
//! fault: it is logged and the client only learns that something went wrong.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::{json, Map, Value};

use crate::{
    domain::{FieldErrors, Problem},
    i18n::Lang,
};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("bad request: {}", .0.key)]
    BadRequest(Problem),
    #[error("not logged in")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    /// Forbidden, with the reason the person can act on (a wrong survey code).
    #[error("refused: {}", .0.key)]
    Refused(Problem),
    #[error("not found")]
    NotFound,
    #[error("conflict: {}", .0.key)]
    Conflict(Problem),
    #[error("rate limited")]
    RateLimited,
    /// A request body over the size the server reads (413).
    #[error("too large")]
    TooLarge,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::RowNotFound => AppError::NotFound,
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<FieldErrors> for AppError {
    fn from(errors: FieldErrors) -> Self {
        AppError::Invalid(errors)
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Refused(_) => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The error's code in the API's error shape (`error.code`).
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid(_) => "invalid",
            AppError::BadRequest(_) => "bad_request",
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden => "forbidden",
            AppError::Refused(problem) => problem.key.rsplit('.').next().unwrap_or("forbidden"),
            AppError::NotFound => "not_found",
            AppError::Conflict(problem) => problem.key.rsplit('.').next().unwrap_or("conflict"),
            AppError::RateLimited => "rate_limited",
            AppError::TooLarge => "too_large",
            AppError::Internal(_) => "internal",
        }
    }

    /// The sentence shown to a person, in their language.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            AppError::Invalid(_) => lang.tr("form.has_errors"),
            AppError::BadRequest(problem) | AppError::Conflict(problem) | AppError::Refused(problem) => {
                problem.message(lang)
            }
            AppError::Unauthorized => lang.tr("error.unauthorized"),
            AppError::Forbidden => lang.tr("error.forbidden"),
            AppError::NotFound => lang.tr("error.not_found"),
            AppError::RateLimited => lang.tr("error.rate_limited"),
            AppError::TooLarge => lang.tr("error.too_large"),
            AppError::Internal(_) => lang.tr("error.internal"),
        }
    }

    /// The same error again, for each of several requests it answers (a round of
    /// sign-ups whose transaction failed): an internal error by its message.
    pub fn again(&self) -> AppError {
        match self {
            AppError::Invalid(errors) => AppError::Invalid(errors.clone()),
            AppError::BadRequest(problem) => AppError::BadRequest(problem.clone()),
            AppError::Unauthorized => AppError::Unauthorized,
            AppError::Forbidden => AppError::Forbidden,
            AppError::Refused(problem) => AppError::Refused(problem.clone()),
            AppError::NotFound => AppError::NotFound,
            AppError::Conflict(problem) => AppError::Conflict(problem.clone()),
            AppError::RateLimited => AppError::RateLimited,
            AppError::TooLarge => AppError::TooLarge,
            AppError::Internal(error) => AppError::Internal(anyhow::anyhow!("{error:#}")),
        }
    }

    /// Field messages in the reader's language.
    pub fn field_messages(&self, lang: Lang) -> Map<String, Value> {
        match self {
            AppError::Invalid(errors) => {
                errors.0.iter().map(|(field, problem)| (field.clone(), Value::String(problem.message(lang)))).collect()
            }
            _ => Map::new(),
        }
    }
}

tokio::task_local! {
    /// The language of the request being answered, so errors can speak it.
    pub static REQUEST_LANG: Lang;
}

pub fn request_lang() -> Lang {
    REQUEST_LANG.try_with(|lang| *lang).unwrap_or_default()
}

impl AppError {
    /// Logs an error that is our fault (once, where it is answered); the person only
    /// learns that something went wrong.
    pub fn log_if_internal(&self) {
        if let AppError::Internal(err) = self {
            tracing::error!(error = %format!("{err:#}"), "internal error");
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log_if_internal();
        let lang = request_lang();
        let mut error = json!({ "code": self.code(), "message": self.message(lang) });
        let fields = self.field_messages(lang);
        if !fields.is_empty() {
            error["fields"] = Value::Object(fields);
        }
        (self.status(), Json(json!({ "error": error }))).into_response()
    }
}

//! Extractors shared by the JSON API handlers: the body, and who is asking.

use axum::{
    extract::{rejection::JsonRejection, FromRequest, FromRequestParts, Request},
    http::request::Parts,
};
use serde::de::DeserializeOwned;

use super::error::AppError;
use crate::{domain::Problem, policy::Viewer};

/// A JSON body whose rejection speaks the API's error shape and the client's language.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => {
                Err(AppError::BadRequest(Problem::new("error.json_content_type")))
            }
            Err(JsonRejection::JsonDataError(err)) => {
                Err(AppError::BadRequest(Problem::new("error.json_shape").with("detail", err.body_text())))
            }
            Err(rejection) if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(AppError::TooLarge)
            }
            Err(_) => Err(AppError::BadRequest(Problem::new("error.json_syntax"))),
        }
    }
}

/// The logged-in viewer; refuses anonymous requests with 401.
pub struct Authed(pub Viewer);

impl<S: Send + Sync> FromRequestParts<S> for Authed {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Viewer>().cloned().map(Authed).ok_or(AppError::Unauthorized)
    }
}

/// The viewer if anyone is logged in.
pub struct MaybeViewer(pub Option<Viewer>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeViewer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeViewer(parts.extensions.get::<Viewer>().cloned()))
    }
}

/// The `Idempotency-Key` header, if sent (a key that is not visible ASCII is refused
/// where it is used, by `server::once::check_key`).
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.headers.get("idempotency-key") {
            None => Ok(IdempotencyKey(None)),
            Some(value) => match value.to_str() {
                Ok(key) => Ok(IdempotencyKey(Some(key.to_string()))),
                Err(_) => Err(AppError::BadRequest(Problem::new("error.idempotency_key"))),
            },
        }
    }
}

/// A whole number from a query parameter: empty (`venue_id=`) is absent, as on every
/// route; anything else must read, else 422 naming the parameter.
pub fn query_number<T: std::str::FromStr>(name: &str, value: Option<&str>) -> Result<Option<T>, AppError> {
    match value.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| {
            let mut errors = crate::domain::FieldErrors::default();
            errors.add(name, Problem::new("error.number"));
            AppError::Invalid(errors)
        }),
    }
}

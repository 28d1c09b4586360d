//! Extractors shared by the JSON API handlers: the body, and who is asking.

use axum::{
    extract::{rejection::JsonRejection, FromRequest, FromRequestParts, Request},
    http::request::Parts,
};
use serde::de::DeserializeOwned;

use super::error::AppError;
use crate::{accounts::Viewer, domain::Problem};

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

impl Viewer {
    pub fn require_manager(&self) -> Result<(), AppError> {
        if self.is_manager() { Ok(()) } else { Err(AppError::Forbidden) }
    }

    pub fn require_venue(&self, venue_id: i64) -> Result<(), AppError> {
        if self.works_at(venue_id) { Ok(()) } else { Err(AppError::Forbidden) }
    }

    /// Managers act for every partner shop; partner staff only for their own.
    pub fn require_partner(&self, partner_id: i64) -> Result<(), AppError> {
        let own_shop = self.role == crate::domain::Role::Partner && self.partner_id == Some(partner_id);
        if self.is_manager() || own_shop { Ok(()) } else { Err(AppError::Forbidden) }
    }
}

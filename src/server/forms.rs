//! HTML form posts: the submitted fields, the answer on success (303 to the next page)
//! and on failure (the same page again with the input and the messages).
//!
//! A handler never renders a page itself: a refused submission is a response carrying
//! `FormRejected`, and the page layer of the composition root (`routes::rerender_forms`)
//! renders the page at the request's path with it. So handlers need no view code.

use std::collections::HashMap;

use axum::{
    extract::{FromRequest, Request},
    http::{header, request::Parts, StatusCode},
    response::{IntoResponse, Response},
};

use super::error::AppError;
use crate::{i18n::Lang, policy::Viewer};

/// Values and translated errors of one submission, by field name.
#[derive(Clone, Debug, Default)]
pub struct FormState {
    /// In the order sent; a name repeats for a group of ticked boxes.
    pub values: Vec<(String, String)>,
    pub errors: HashMap<String, String>,
    /// A message about the whole form (for example "the session is full").
    pub summary: Option<String>,
    /// The input passed every check and is shown back for the person to confirm before
    /// it is sent for real (入力 → 確認 → 完了; see `Posted::to_confirm`).
    pub confirming: bool,
}

impl FormState {
    /// The form came back refused (it carries messages).
    pub fn refused(&self) -> bool {
        !self.errors.is_empty() || self.summary.is_some()
    }

    pub fn value(&self, field: &str) -> Option<String> {
        self.values.iter().find(|(name, _)| name == field).map(|(_, value)| value.clone())
    }

    /// Whether `field` was sent with this value (a ticked box of a group).
    pub fn sent(&self, field: &str, value: &str) -> bool {
        self.values.iter().any(|(name, v)| name == field && v == value)
    }

    pub fn error(&self, field: &str) -> Option<String> {
        self.errors.get(field).cloned()
    }
}

/// A submission answered with its own page again (refused, shown back for confirming, or
/// reopened to change it): the response's status stays, its body is replaced by the page
/// at the request's path rendered with this state.
#[derive(Clone, Debug)]
pub struct FormRejected(pub FormState);

/// The answer to a refused submission: `status`, and the page again with `form`.
pub fn rejected(status: StatusCode, form: FormState) -> Response {
    let mut response = status.into_response();
    response.extensions_mut().insert(FormRejected(form));
    response
}

/// The hidden field of every form that creates something: its one-time key (see `server::once`).
pub const FORM_TOKEN: &str = "form_token";

/// The field of a form with a review step that says which button was pressed:
/// [`STEP_CONFIRM`] sends the reviewed input for real, [`STEP_EDIT`] reopens the form.
pub const STEP: &str = "step";
pub const STEP_CONFIRM: &str = "confirm";
pub const STEP_EDIT: &str = "edit";

/// A submitted HTML form: its fields in order (names may repeat) and the request head.
pub struct Posted {
    pub parts: Parts,
    pub fields: Vec<(String, String)>,
}

impl Posted {
    pub fn get(&self, name: &str) -> &str {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    pub fn checked(&self, name: &str) -> bool {
        matches!(self.get(name), "on" | "true" | "1" | "yes")
    }

    /// A yes/no answer (radio buttons): `None` when neither was chosen.
    pub fn yes_no(&self, name: &str) -> Option<bool> {
        match self.get(name) {
            "yes" | "true" | "on" => Some(true),
            "no" | "false" => Some(false),
            _ => None,
        }
    }

    /// The form's one-time key, if it carries one.
    pub fn once_key(&self) -> Option<&str> {
        Some(self.get(FORM_TOKEN)).filter(|k| !k.is_empty())
    }

    pub fn lang(&self) -> Lang {
        Lang::from_request(&self.parts.headers)
    }

    pub fn viewer(&self) -> Option<Viewer> {
        self.parts.extensions.get::<Viewer>().cloned()
    }

    /// The logged-in viewer, or 401.
    pub fn viewer_or_401(&self) -> Result<Viewer, AppError> {
        self.viewer().ok_or(AppError::Unauthorized)
    }

    /// The form as it was sent, for re-showing it with these errors.
    pub fn with_errors(&self, err: &AppError) -> FormState {
        let lang = self.lang();
        let errors: HashMap<String, String> = err
            .field_messages(lang)
            .into_iter()
            .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_string()))
            .collect();
        FormState {
            values: self.fields.clone(),
            summary: if matches!(err, AppError::Invalid(_)) { None } else { Some(err.message(lang)) },
            errors,
            confirming: false,
        }
    }

    /// Ends a form post: on success a 303 to the page `next` names, else the form again.
    pub fn finish<T>(&self, result: Result<T, AppError>, next: impl FnOnce(T) -> String) -> Response {
        match result {
            Ok(value) => see_other(&next(value)),
            Err(err) => self.reject(err),
        }
    }

    /// Shows the checked input back on the same page for the person to confirm (200);
    /// nothing is written until the form comes again with `step=confirm`.
    pub fn to_confirm(&self) -> Response {
        rejected(StatusCode::OK, FormState { values: self.fields.clone(), confirming: true, ..Default::default() })
    }

    /// Reopens the form with what was typed and no messages (the review's 修正する).
    pub fn to_edit(&self) -> Response {
        rejected(StatusCode::OK, FormState { values: self.fields.clone(), ..Default::default() })
    }

    /// Answers a failed submission: the same page again with the input and the messages.
    pub fn reject(&self, err: AppError) -> Response {
        err.log_if_internal();
        rejected(err.status(), self.with_errors(&err))
    }
}

impl<S: Send + Sync> FromRequest<S> for Posted {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        // A bare button in a form with no fields may arrive without a body or its type.
        if !parts.headers.contains_key(header::CONTENT_TYPE) {
            return Ok(Posted { parts, fields: Vec::new() });
        }
        let form = axum::Form::<Vec<(String, String)>>::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(|rejection| rejection.into_response())?;
        Ok(Posted { parts, fields: form.0 })
    }
}

/// A 303 to a page after a successful form post.
pub fn see_other(location: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, location.to_string())]).into_response()
}

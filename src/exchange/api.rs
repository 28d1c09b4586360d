//! The managers' CSV upload (`POST /manage/exchange`, multipart) and downloads.

use axum::{
    extract::{FromRequest, Multipart, Path, Request, State},
    http::StatusCode,
    response::Response,
    routing::{get, post},
    Router,
};
use indicatif::ProgressBar;

use super::{export, import, ImportKind};
use crate::{
    accounts::Viewer,
    app::url_escape,
    domain::{FieldErrors, Problem},
    forms::FormState,
    reports::api::csv_response,
    server::{
        api::Authed,
        error::{AppError, AppResult},
        http::{render_page, request_lang, see_other},
        state::AppState,
    },
};

pub fn form_routes() -> Router<AppState> {
    Router::new().route("/manage/exchange", post(upload)).route("/manage/exchange/{file}", get(download))
}

/// `venues.csv`, `sessions.csv` or `partners.csv`, for managers (UTF-8 with BOM, for Excel).
async fn download(State(state): State<AppState>, Authed(viewer): Authed, Path(file): Path<String>) -> AppResult<Response> {
    viewer.require_manager()?;
    let kind = file.strip_suffix(".csv").and_then(ImportKind::parse).ok_or(AppError::NotFound)?;
    let today = crate::time::today_tokyo(chrono::Utc::now()).format("%Y%m%d");
    csv_response(&format!("ippo-{}-{today}.csv", kind.code()), export::rows(&state.db, kind).await?)
}

/// What the upload form sent.
#[derive(Default)]
struct Upload {
    kind: String,
    skip_bad_rows: bool,
    file: Vec<u8>,
}

async fn read_upload(req: Request, state: &AppState) -> AppResult<Upload> {
    let too_large = || AppError::BadRequest(Problem::new("error.too_large"));
    let mut multipart = Multipart::from_request(req, state).await.map_err(|_| {
        let mut errors = FieldErrors::default();
        errors.add("file", Problem::new("exchange.error.no_file"));
        AppError::Invalid(errors)
    })?;
    let mut upload = Upload::default();
    while let Some(field) = multipart.next_field().await.map_err(|_| too_large())? {
        match field.name().unwrap_or_default() {
            "kind" => upload.kind = field.text().await.map_err(|_| too_large())?,
            "skip_bad_rows" => upload.skip_bad_rows = true,
            "file" => upload.file = field.bytes().await.map_err(|_| too_large())?.to_vec(),
            _ => {}
        }
    }
    Ok(upload)
}

/// Imports the uploaded file. Success: a 303 to the page with the counts. Bad rows (and
/// no permission to skip them): the page again, listing every bad row by line.
async fn upload(State(state): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let req = Request::from_parts(parts.clone(), body);
    let lang = request_lang(&parts.headers);
    let mut values = Vec::new();
    let result = async {
        parts.extensions.get::<Viewer>().ok_or(AppError::Unauthorized)?.require_manager()?;
        let upload = read_upload(req, &state).await?;
        values.push(("kind".to_string(), upload.kind.clone()));
        if upload.skip_bad_rows {
            values.push(("skip_bad_rows".to_string(), "on".to_string()));
        }
        let mut errors = FieldErrors::default();
        let kind = errors.check("kind", crate::domain::choice(&upload.kind, ImportKind::parse));
        if upload.file.is_empty() {
            errors.add("file", Problem::new("exchange.error.no_file"));
        }
        errors.into_result()?;
        let kind = kind.expect("checked");
        import::import(&state, kind, &upload.file, upload.skip_bad_rows, &ProgressBar::hidden()).await
    }
    .await;
    match result {
        Ok(report) if report.applied => {
            let skipped: Vec<String> = report.bad_rows.iter().map(|b| b.line.to_string()).collect();
            see_other(&format!(
                "/manage/exchange?imported={}&created={}&updated={}&skipped={}",
                report.kind.code(),
                report.created,
                report.updated,
                url_escape(&skipped.join(","))
            ))
        }
        Ok(report) => {
            let summary = lang.tr_with("exchange.refused", &[("n", report.bad_rows.len().to_string())]);
            let errors = report.bad_rows.iter().map(|b| (row_key(b.line), b.message(lang))).collect();
            let form = FormState { values, errors, summary: Some(summary) };
            render_page(&state, &parts, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(err) => {
            if let AppError::Internal(e) = &err {
                tracing::error!(error = %format!("{e:#}"), "internal error in an import");
            }
            let errors = err.field_messages(lang).into_iter().map(|(k, v)| (k, v.as_str().unwrap_or_default().to_string()));
            let summary = (!matches!(err, AppError::Invalid(_))).then(|| err.message(lang));
            let form = FormState { values, errors: errors.collect(), summary };
            render_page(&state, &parts, form, err.status()).await
        }
    }
}

/// The key of a bad row's message in the re-shown form; sorts by line.
pub fn row_key(line: u64) -> String {
    format!("{}{line:08}", super::pages::ROW_KEY_PREFIX)
}

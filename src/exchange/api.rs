//! The CSV upload (`POST /manage/exchange`, multipart), its preview's confirmation
//! (`POST /manage/exchange/preview/{token}`) and the downloads.

use axum::{
    extract::{FromRequest, Multipart, Path, Request, State},
    response::Response,
};
use chrono::Utc;
use indicatif::ProgressBar;

use super::{
    export, field,
    import::{self, ImportOptions},
    previews::{self, Preview},
    FileFormat, ImportKind,
};
use crate::{
    domain::{FieldErrors, Problem},
    i18n::Lang,
    policy::Viewer,
    server::{
        api::Authed,
        download::csv_download,
        error::{AppError, AppResult},
        forms::{rejected, see_other, FormState, Posted},
        routing::Routes,
        state::AppState,
    },
    ui::url_escape,
};

/// The confirmation form's field carrying the fingerprint of the plan that was shown.
pub const PLAN: &str = "plan";

pub fn form_routes() -> Routes {
    Routes::new()
        .post("/manage/exchange", upload)
        .post("/manage/exchange/preview/{token}", confirm)
        .get("/manage/exchange/{file}", download)
}

/// `venues.csv`, `sessions.csv`, `partners.csv` or `wards.csv`, for managers (UTF-8
/// with BOM, for Excel).
async fn download(
    State(state): State<AppState>,
    Authed(viewer): Authed,
    Path(file): Path<String>,
) -> AppResult<Response> {
    let kind = file.strip_suffix(".csv").and_then(ImportKind::parse).ok_or(AppError::NotFound)?;
    let today = crate::time::today_tokyo(Utc::now()).format("%Y%m%d");
    csv_download(&format!("ippo-{}-{today}.csv", kind.code()), export::rows(&state.db, &viewer, kind).await?)
}

/// What the upload form sent.
#[derive(Default)]
struct Upload {
    kind: String,
    format: String,
    facility_type: String,
    skip_bad_rows: bool,
    file: Vec<u8>,
}

async fn read_upload(req: Request, state: &AppState) -> AppResult<Upload> {
    let too_large = || AppError::TooLarge;
    let mut multipart = Multipart::from_request(req, state).await.map_err(|_| {
        let mut errors = FieldErrors::default();
        errors.add(field::FILE, Problem::new("exchange.error.no_file"));
        AppError::Invalid(errors)
    })?;
    let mut upload = Upload::default();
    while let Some(part) = multipart.next_field().await.map_err(|_| too_large())? {
        match part.name().unwrap_or_default() {
            field::KIND => upload.kind = part.text().await.map_err(|_| too_large())?,
            field::FORMAT => upload.format = part.text().await.map_err(|_| too_large())?,
            field::FACILITY_TYPE => upload.facility_type = part.text().await.map_err(|_| too_large())?,
            field::SKIP_BAD_ROWS => upload.skip_bad_rows = true,
            field::FILE => upload.file = part.bytes().await.map_err(|_| too_large())?.to_vec(),
            _ => {}
        }
    }
    Ok(upload)
}

/// Checks the upload's choices: a kind, a format that fits it, a file.
fn options_of(upload: &Upload) -> AppResult<ImportOptions> {
    let mut errors = FieldErrors::default();
    let kind = errors.check(field::KIND, crate::domain::choice(&upload.kind, ImportKind::parse));
    let format = if upload.format.trim().is_empty() {
        Some(FileFormat::Ippo)
    } else {
        errors.check(field::FORMAT, crate::domain::choice(&upload.format, FileFormat::parse))
    };
    if upload.file.is_empty() {
        errors.add(field::FILE, Problem::new("exchange.error.no_file"));
    }
    errors.into_result()?;
    Ok(ImportOptions {
        kind: kind.expect("checked"),
        format: format.expect("checked"),
        facility_type: crate::domain::normalise(&upload.facility_type, false),
        skip_bad_rows: upload.skip_bad_rows,
    })
}

/// Plans the uploaded file and keeps it for confirmation: a 303 to its preview. A file
/// that cannot be read at all comes back on the upload form with the reason.
async fn upload(State(state): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let req = Request::from_parts(parts.clone(), body);
    let lang = Lang::from_request(&parts.headers);
    let mut values = Vec::new();
    let result = async {
        let viewer = parts.extensions.get::<Viewer>().ok_or(AppError::Unauthorized)?;
        // Refused before the file is read, so an outsider's upload costs nothing.
        viewer.require_manager()?;
        let upload = read_upload(req, &state).await?;
        values.extend([
            (field::KIND.to_string(), upload.kind.clone()),
            (field::FORMAT.to_string(), upload.format.clone()),
            (field::FACILITY_TYPE.to_string(), upload.facility_type.clone()),
        ]);
        if upload.skip_bad_rows {
            values.push((field::SKIP_BAD_ROWS.to_string(), "on".to_string()));
        }
        let options = options_of(&upload)?;
        // Planned now, so a file that cannot be read is told at once.
        import::plan(&state, viewer, &options, &upload.file, &ProgressBar::hidden()).await?;
        previews::keep(&state.db, viewer, &Preview { options, content: upload.file }, Utc::now()).await
    }
    .await;
    match result {
        Ok(token) => see_other(&format!("/manage/exchange/preview/{token}")),
        Err(err) => {
            err.log_if_internal();
            let errors =
                err.field_messages(lang).into_iter().map(|(k, v)| (k, v.as_str().unwrap_or_default().to_string()));
            let summary = (!matches!(err, AppError::Invalid(_))).then(|| err.message(lang));
            let form = FormState { values, errors: errors.collect(), summary, confirming: false };
            rejected(err.status(), form)
        }
    }
}

/// Writes a previewed upload, if the plan made again is the one the clerk saw (else the
/// preview shows again with what changed). Then a 303 to the exchange page with counts.
async fn confirm(State(state): State<AppState>, Path(token): Path<String>, form: Posted) -> Response {
    let result = async {
        let viewer = form.viewer_or_401()?;
        viewer.require_manager()?;
        let now = Utc::now();
        let preview = previews::find(&state.db, &viewer, &token, now).await?;
        let plan = import::plan(&state, &viewer, &preview.options, &preview.content, &ProgressBar::hidden()).await?;
        if plan.report.fingerprint() != form.get(PLAN) {
            return Err(AppError::Conflict(Problem::new("exchange.error.plan_changed")));
        }
        let report = import::apply(&state, &viewer, plan, form.checked(field::ACCEPT_RENAMES), Some(&token)).await?;
        if !report.applied {
            return Err(AppError::Conflict(Problem::new("exchange.refused").with("n", report.bad_rows.len())));
        }
        Ok(report)
    };
    form.finish(result.await, |report| {
        let skipped: Vec<String> = report.bad_rows.iter().map(|b| b.line.to_string()).collect();
        format!(
            "/manage/exchange?imported={}&created={}&updated={}&unchanged={}&skipped={}",
            report.options.kind.code(),
            report.created(),
            report.updated(),
            report.unchanged(),
            url_escape(&skipped.join(","))
        )
    })
}

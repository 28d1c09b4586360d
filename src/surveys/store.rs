//! Storing survey answers. Each answer also bumps its session's tallies in the same
//! transaction, which is what the KPI report reads.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};

use super::{field, SurveyAnswer, SurveyInput, SurveyTarget};
use crate::{
    domain::{self, AnswerSource, FieldErrors, Problem, SessionStatus, Topic},
    i18n::Lang,
    on_db, on_tx,
    policy::Viewer,
    registrations::seats,
    server::{
        db::Db,
        error::{AppError, AppResult},
        once, ratelimit,
        state::AppState,
    },
    sessions,
    time::format_span,
};

#[derive(Debug)]
struct Checked {
    comprehension: Option<i32>,
    satisfaction: Option<i32>,
    wants_online_services: Option<bool>,
    topics_wanted: String,
    comment: String,
}

fn scale(value: Option<i64>) -> Result<Option<i32>, Problem> {
    match value {
        None => Ok(None),
        Some(v @ 1..=5) => Ok(Some(v as i32)),
        Some(_) => Err(Problem::new("error.scale")),
    }
}

fn check(input: &SurveyInput) -> Result<Checked, FieldErrors> {
    let mut errors = FieldErrors::default();
    let comprehension = errors.check(field::COMPREHENSION, scale(input.comprehension));
    let satisfaction = errors.check(field::SATISFACTION, scale(input.satisfaction));
    if input.comprehension.is_none() && input.satisfaction.is_none() {
        errors.add(field::COMPREHENSION, Problem::new("error.survey_empty"));
    }
    let mut topics = Vec::new();
    for code in input.topics_wanted.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        match Topic::parse(code) {
            Some(t) if !topics.contains(&t) => topics.push(t),
            Some(_) => {}
            None => errors.add(field::TOPICS_WANTED, Problem::new("error.choice")),
        }
    }
    let comment = errors.check(field::COMMENT, domain::text(&input.comment, 1000, false, true));
    errors.into_result()?;
    Ok(Checked {
        comprehension: comprehension.flatten(),
        satisfaction: satisfaction.flatten(),
        wants_online_services: input.wants_online_services,
        topics_wanted: topics.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(","),
        comment: comment.unwrap_or_default(),
    })
}

/// Answers by code one client address may send per minute (a venue's shared tablet
/// takes one a person; a script takes many).
const CODE_ANSWERS_PER_CLIENT: u32 = 10;
/// Answers by code a session takes beyond its capacity (a walk-in or two), after which
/// more are refused: one shared code cannot be used to bury the real answers.
const CODE_ANSWERS_OVER_CAPACITY: i32 = 5;

/// Who sends an answer.
pub struct Answerer<'a> {
    /// The logged-in viewer, if any: staff of the venue (and managers) answer without a code.
    pub viewer: Option<&'a Viewer>,
    /// The client's address, for the limit on answers by code.
    pub client: IpAddr,
    /// Staff typing in a paper sheet (the fast entry page).
    pub paper: bool,
}

/// Stores one answer. Staff of the venue and managers enter paper sheets; anyone else
/// needs the session's survey code (printed as a QR code on the sheet), and only from
/// the start of the session until `IPPO_SURVEY_DAYS` after its end, at most
/// `CODE_ANSWERS_PER_CLIENT` a minute from one address and `CODE_ANSWERS_OVER_CAPACITY`
/// beyond the session's capacity.
pub async fn submit(
    state: &AppState,
    session_id: i64,
    input: &SurveyInput,
    by: Answerer<'_>,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let viewer = by.viewer;
    let session = sessions::store::detail(&state.db, session_id, viewer).await?;
    let by_staff = viewer.is_some_and(|v| v.works_at(session.venue.id));
    let source = match (by_staff, by.paper) {
        (true, true) => AnswerSource::Paper,
        (true, false) => AnswerSource::Staff,
        (false, _) => AnswerSource::Code,
    };
    if !by_staff {
        let code: String = on_db!(&state.db, pool => {
            sqlx::query_scalar("SELECT survey_code FROM sessions WHERE id = $1").bind(session_id).fetch_one(pool).await
        })?;
        let given = input.survey_code.as_deref().map(|c| c.trim().to_ascii_uppercase());
        if given.as_deref() != Some(code.as_str()) {
            return Err(AppError::Refused(Problem::new("error.survey_code")));
        }
    }
    let checked = check(input)?;
    if session.summary.status == SessionStatus::Cancelled {
        return Err(AppError::Conflict(Problem::new("error.session_cancelled")));
    }
    if session.summary.starts_at > now {
        return Err(AppError::Conflict(Problem::new("error.survey_too_early")));
    }
    let closes = session.summary.ends_at + Duration::days(state.config.survey_days as i64);
    if source == AnswerSource::Code {
        if now > closes {
            return Err(AppError::Conflict(Problem::new("error.survey_closed")));
        }
        let bucket = format!("survey:{}", by.client);
        if !ratelimit::allow(&state.db, &bucket, CODE_ANSWERS_PER_CLIENT).await? {
            return Err(AppError::RateLimited);
        }
    }
    let mut tx = state.db.begin().await?;
    let locked = seats::lock(&mut tx, session_id, now).await?;
    // A sheet sent twice (a double tap) counts once.
    if let Some(earlier) = once::earlier(&mut tx, key, "survey", input, now).await? {
        return Ok(earlier);
    }
    if source == AnswerSource::Code
        && seats::code_answers(&mut tx, session_id).await? >= locked.capacity + CODE_ANSWERS_OVER_CAPACITY
    {
        return Err(AppError::Conflict(Problem::new("error.survey_full")));
    }
    let id: i64 = on_tx!(&mut tx, conn => {
        sqlx::query_scalar(
            "INSERT INTO survey_responses (session_id, comprehension, satisfaction, wants_online_services,
                 topics_wanted, comment, source, entered_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(session_id)
        .bind(checked.comprehension)
        .bind(checked.satisfaction)
        .bind(checked.wants_online_services)
        .bind(&checked.topics_wanted)
        .bind(&checked.comment)
        .bind(source)
        .bind(viewer.filter(|_| by_staff).and_then(|v| v.user_id))
        .bind(now)
        .fetch_one(&mut *conn)
        .await
    })?;
    seats::count_survey(&mut tx, session_id, source, checked.comprehension, checked.satisfaction).await?;
    once::remember(&mut tx, key, id).await?;
    tx.commit().await?;
    Ok(id)
}

/// A paper sheet typed in by the session's venue staff (or a manager).
pub async fn enter_sheet(
    state: &AppState,
    viewer: &Viewer,
    session_id: i64,
    input: &SurveyInput,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    viewer.require_venue(sessions::store::venue_of(&state.db, session_id).await?)?;
    let by = Answerer { viewer: Some(viewer), client: std::net::IpAddr::from([0, 0, 0, 0]), paper: true };
    submit(state, session_id, input, by, key, now).await
}

pub async fn target_by_code(db: &Db, code: &str, lang: Lang) -> AppResult<Option<SurveyTarget>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        title: String,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        venue_name: String,
    }
    let row: Option<Row> = on_db!(db, pool => {
        sqlx::query_as(
            "SELECT s.id, s.title, s.starts_at, s.ends_at, v.name AS venue_name
             FROM sessions s JOIN venues v ON v.id = s.venue_id WHERE s.survey_code = $1",
        )
        .bind(code.trim().to_ascii_uppercase())
        .fetch_optional(pool)
        .await
    })?;
    Ok(row.map(|r| SurveyTarget {
        session_id: r.id,
        title: r.title,
        when: format_span(r.starts_at, r.ends_at, lang),
        venue_name: r.venue_name,
    }))
}

/// How many answers a session has (the running count of the fast entry page; its venue's staff).
pub async fn count(db: &Db, viewer: &Viewer, session_id: i64) -> AppResult<i64> {
    viewer.require_venue(sessions::store::venue_of(db, session_id).await?)?;
    Ok(on_db!(db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM survey_responses WHERE session_id = $1").bind(session_id).fetch_one(pool).await
    })?)
}

/// The answers of one session, newest first, for the drill-down (no personal data; the
/// venue's staff and managers).
pub async fn answers(db: &Db, viewer: &Viewer, session_id: i64) -> AppResult<Vec<SurveyAnswer>> {
    viewer.require_venue(sessions::store::venue_of(db, session_id).await?)?;
    Ok(on_db!(db, pool => {
        sqlx::query_as(
            "SELECT id, session_id, comprehension, satisfaction, wants_online_services, topics_wanted, comment, source
             FROM survey_responses WHERE session_id = $1 ORDER BY id DESC",
        )
        .bind(session_id)
        .fetch_all(pool)
        .await
    })?)
}

/// The printed survey sheet's link to the session's survey page and its QR code (SVG),
/// for the venue's staff.
pub async fn sheet(state: &AppState, viewer: &Viewer, session_id: i64) -> AppResult<(String, String)> {
    let session = sessions::store::detail(&state.db, session_id, Some(viewer)).await?;
    viewer.require_venue(session.venue.id)?;
    let code = session.survey_code.ok_or(AppError::Forbidden)?;
    let url = format!("{}/survey/{code}", state.config.public_url.trim_end_matches('/'));
    let qr = qrcode::QrCode::new(url.as_bytes()).map_err(anyhow::Error::from)?;
    let svg = qr.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).build();
    Ok((url, svg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_on_a_five_point_scale() {
        let ok = SurveyInput { comprehension: Some(5), satisfaction: Some(1), ..Default::default() };
        assert!(check(&ok).is_ok());
        let bad = SurveyInput { comprehension: Some(6), satisfaction: Some(0), ..Default::default() };
        let errors = check(&bad).unwrap_err();
        assert_eq!(errors.0.len(), 2);
        assert!(check(&SurveyInput::default()).is_err(), "an empty sheet is refused");
        let topics = SurveyInput {
            satisfaction: Some(4),
            topics_wanted: vec!["line".into(), "line".into(), "maps".into()],
            ..Default::default()
        };
        assert_eq!(check(&topics).unwrap().topics_wanted, "line,maps");
    }
}

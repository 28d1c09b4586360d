//! Storing survey answers. Each answer also bumps its session's tallies in the same
//! transaction, which is what the KPI report reads.

use chrono::{DateTime, Utc};

use super::{SurveyInput, SurveyTarget, GOOD_ANSWER};
use crate::{
    accounts::Viewer,
    domain::{self, FieldErrors, Problem, SessionStatus, Topic},
    i18n::Lang,
    on_db, on_tx,
    server::{
        db::Db,
        error::{AppError, AppResult},
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
    let comprehension = errors.check("comprehension", scale(input.comprehension));
    let satisfaction = errors.check("satisfaction", scale(input.satisfaction));
    if input.comprehension.is_none() && input.satisfaction.is_none() {
        errors.add("comprehension", Problem::new("error.survey_empty"));
    }
    let mut topics = Vec::new();
    for code in input.topics_wanted.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        match Topic::parse(code) {
            Some(t) if !topics.contains(&t) => topics.push(t),
            Some(_) => {}
            None => errors.add("topics_wanted", Problem::new("error.choice")),
        }
    }
    let comment = errors.check("comment", domain::text(&input.comment, 1000, false, true));
    errors.into_result()?;
    Ok(Checked {
        comprehension: comprehension.flatten(),
        satisfaction: satisfaction.flatten(),
        wants_online_services: input.wants_online_services,
        topics_wanted: topics.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(","),
        comment: comment.unwrap_or_default(),
    })
}

/// Stores one answer. Staff of the venue and managers enter paper sheets; anyone else
/// needs the session's survey code (printed as a QR code on the sheet).
pub async fn submit(
    state: &AppState,
    session_id: i64,
    input: &SurveyInput,
    viewer: Option<&Viewer>,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let session = sessions::store::detail(&state.db, session_id, viewer).await?;
    let by_staff = viewer.is_some_and(|v| v.works_at(session.venue.id));
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
    let mut tx = state.db.begin().await?;
    sessions::store::lock(&mut tx, session_id, now).await?;
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
        .bind(if by_staff { "staff" } else { "code" })
        .bind(viewer.filter(|_| by_staff).map(|v| v.user_id))
        .bind(now)
        .fetch_one(&mut *conn)
        .await
    })?;
    let answered = |v: Option<i32>| v.is_some() as i32;
    let good = |v: Option<i32>| v.is_some_and(|v| v as i64 >= GOOD_ANSWER) as i32;
    on_tx!(&mut tx, conn => {
        sqlx::query(
            "UPDATE sessions SET responses = responses + 1,
                 comprehension_answers = comprehension_answers + $2, comprehension_good = comprehension_good + $3,
                 satisfaction_answers = satisfaction_answers + $4, satisfaction_good = satisfaction_good + $5
             WHERE id = $1",
        )
        .bind(session_id)
        .bind(answered(checked.comprehension))
        .bind(good(checked.comprehension))
        .bind(answered(checked.satisfaction))
        .bind(good(checked.satisfaction))
        .execute(&mut *conn)
        .await
        .map(|_| ())
    })?;
    tx.commit().await?;
    Ok(id)
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

pub async fn count(db: &Db, session_id: i64) -> AppResult<i64> {
    Ok(on_db!(db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM survey_responses WHERE session_id = $1").bind(session_id).fetch_one(pool).await
    })?)
}

/// The answers of one session, newest first, for the drill-down (no personal data).
pub async fn answers(db: &Db, session_id: i64) -> AppResult<Vec<super::SurveyAnswer>> {
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

//! Check-in: whether each confirmed attendee came to each meeting, and the
//! registration's own attendance summed up from them.

use chrono::{DateTime, Utc};

use super::{field, seats};
use crate::{
    domain::{Attendance, FieldErrors, Problem, RegistrationStatus},
    on_db, on_tx,
    policy::Viewer,
    server::{
        audit,
        db::Db,
        error::{AppError, AppResult},
        state::AppState,
    },
    sessions,
};

/// Records whether a confirmed attendee came to one meeting (the first, if none is
/// named). The registration's own `attendance` sums up its meetings: attended if they
/// came to any, no-show if they were marked absent and came to none.
pub async fn record_attendance(
    state: &AppState,
    viewer: &Viewer,
    registration_id: i64,
    meeting_id: Option<i64>,
    attendance: Attendance,
    now: DateTime<Utc>,
) -> AppResult<AttendanceRecorded> {
    if attendance == Attendance::Unknown {
        let mut errors = FieldErrors::default();
        errors.add(field::ATTENDANCE, Problem::new("error.choice"));
        return Err(errors.into());
    }
    let found: Option<(i64, RegistrationStatus)> = on_db!(&state.db, pool => {
        sqlx::query_as("SELECT session_id, status FROM registrations WHERE id = $1")
            .bind(registration_id)
            .fetch_optional(pool)
            .await
    })?;
    let (session_id, status) = found.ok_or(AppError::NotFound)?;
    let session = sessions::store::detail(&state.db, session_id, Some(viewer)).await?;
    viewer.require_venue(session.venue.id)?;
    if status != RegistrationStatus::Confirmed {
        return Err(AppError::Conflict(Problem::new("error.not_confirmed")));
    }
    let meeting_id = match meeting_id {
        None => session.meetings.first().map(|m| m.id).ok_or(AppError::NotFound)?,
        Some(id) if session.meetings.iter().any(|m| m.id == id) => id,
        Some(_) => {
            let mut errors = FieldErrors::default();
            errors.add(field::MEETING_ID, Problem::new("error.choice"));
            return Err(errors.into());
        }
    };
    let mut tx = state.db.begin().await?;
    seats::lock(&mut tx, session_id, now).await?;
    let before: Attendance = on_tx!(&mut tx, conn => {
        sqlx::query_scalar("SELECT attendance FROM registrations WHERE id = $1").bind(registration_id).fetch_one(&mut *conn).await
    })?;
    on_tx!(&mut tx, conn => {
        sqlx::query(
            "INSERT INTO attendances (registration_id, meeting_id, attendance, recorded_at, recorded_by)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (registration_id, meeting_id) DO UPDATE
                 SET attendance = excluded.attendance, recorded_at = excluded.recorded_at, recorded_by = excluded.recorded_by",
        )
        .bind(registration_id)
        .bind(meeting_id)
        .bind(attendance)
        .bind(now)
        .bind(viewer.user_id)
        .execute(&mut *conn)
        .await
        .map(|_| ())
    })?;
    let attended_any: i64 = on_tx!(&mut tx, conn => {
        sqlx::query_scalar("SELECT COUNT(*) FROM attendances WHERE registration_id = $1 AND attendance = 'attended'")
            .bind(registration_id)
            .fetch_one(&mut *conn)
            .await
    })?;
    let after = if attended_any > 0 { Attendance::Attended } else { Attendance::NoShow };
    on_tx!(&mut tx, conn => {
        sqlx::query("UPDATE registrations SET attendance = $1, updated_at = $2 WHERE id = $3")
            .bind(after)
            .bind(now)
            .bind(registration_id)
            .execute(&mut *conn)
            .await
            .map(|_| ())
    })?;
    let delta = (after == Attendance::Attended) as i32 - (before == Attendance::Attended) as i32;
    seats::count_attendance(&mut tx, session_id, delta).await?;
    tx.commit().await?;
    audit::record(
        &state.db,
        viewer,
        "attendance.record",
        &format!("registration:{registration_id}"),
        attendance.as_str(),
    )
    .await?;
    Ok(AttendanceRecorded { registration_id, session_id, meeting_id, attendance, registration_attendance: after })
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct AttendanceRecorded {
    pub registration_id: i64,
    pub session_id: i64,
    pub meeting_id: i64,
    pub attendance: Attendance,
    pub registration_attendance: Attendance,
}

/// Attendance of each registration at one meeting of a session, for its venue's staff.
pub async fn meeting_attendance(
    db: &Db,
    viewer: &Viewer,
    session_id: i64,
    meeting_id: i64,
) -> AppResult<Vec<(i64, Attendance)>> {
    let session = sessions::store::detail(db, session_id, Some(viewer)).await?;
    viewer.require_venue(session.venue.id)?;
    if !session.meetings.iter().any(|m| m.id == meeting_id) {
        return Err(AppError::NotFound);
    }
    Ok(on_db!(db, pool => {
        sqlx::query_as("SELECT registration_id, attendance FROM attendances WHERE meeting_id = $1")
            .bind(meeting_id)
            .fetch_all(pool)
            .await
    })?)
}

//! Changing a scheduled session, and what that means for the people registered.
//!
//! An edit keeps what was recorded and tells people: meetings change by difference (an
//! unchanged meeting keeps its id and its check-ins; one that holds check-ins is neither
//! dropped nor moved to another day), every rule of a sign-up holds (capacity at least
//! the confirmed count; no booked consultation slot lost or holding more people than
//! advisors), a changed date, time or place is announced to everyone confirmed or
//! waiting, and new room goes to the waitlist. A cancellation cancels every
//! registration and tells each person.

use chrono::{DateTime, Utc};

use super::{
    field,
    store::{self, Draft, MeetingPlan},
    Meeting,
};
use crate::{
    domain::{FieldErrors, Problem, SessionKind, SessionStatus},
    policy::Viewer,
    registrations::{
        notices::{self, ScheduleChange},
        seats::{self, SlotConflict},
        slot_starts,
    },
    server::{audit, db::Tx, error::AppResult, state::AppState},
    time::to_tokyo,
    venues,
};

/// Replaces a session's settings (managers).
pub async fn edit(state: &AppState, viewer: &Viewer, id: i64, draft: Draft) -> AppResult<()> {
    viewer.require_manager()?;
    let mut tx = state.db.begin().await?;
    edit_in(&mut tx, state, id, &draft, Utc::now()).await?;
    tx.commit().await?;
    state.outbox.wake();
    Ok(())
}

/// `edit` inside the caller's transaction (an import writes many sessions in one); the
/// caller has checked the viewer.
pub async fn edit_in(tx: &mut Tx, state: &AppState, id: i64, draft: &Draft, now: DateTime<Utc>) -> AppResult<()> {
    let locked = seats::lock(tx, id, now).await?;
    let current = store::meetings_in(tx, id).await?;
    let plan = store::plan_meetings(&current, &draft.meetings);
    let mut errors = FieldErrors::default();
    errors.check(field::CAPACITY, seats::check_capacity(&locked, draft.capacity));
    check_records_kept(tx, &plan, &mut errors).await?;
    if locked.kind == SessionKind::Consultation || draft.kind == SessionKind::Consultation {
        let slots = draft.slot_minutes.map_or_else(Vec::new, |minutes| slot_starts(&draft.meetings, minutes));
        for conflict in seats::check_slots(tx, id, &slots, draft.advisors).await? {
            match conflict {
                SlotConflict::Lost { slot, booked } => errors.add(
                    field::SLOT_MINUTES,
                    Problem::new("error.slot_booked").with("slot", stamp(slot)).with("n", booked),
                ),
                SlotConflict::Crowded { slot, confirmed, advisors } => errors.add(
                    field::ADVISORS,
                    Problem::new("error.advisors_below_booked")
                        .with("slot", stamp(slot))
                        .with("n", confirmed)
                        .with("advisors", advisors),
                ),
            }
        }
    }
    errors.into_result()?;
    let venue_id_before = store::venue_in(tx, id).await?;
    let venue_before = venues::store::name_in(tx, venue_id_before).await?;
    store::write(tx, id, draft, &plan, now).await?;
    let venue_after = venues::store::name_in(tx, draft.venue_id).await?;
    let change = ScheduleChange {
        moved: plan.moved.clone(),
        removed: plan.removed.clone(),
        added: plan.added.clone(),
        venue: (venue_before != venue_after).then_some((venue_before, venue_after)),
    };
    if !change.is_empty() && locked.status != SessionStatus::Cancelled {
        store::next_schedule_sequence(tx, id).await?;
        notices::announce_change(tx, state, id, &change, now).await?;
    }
    seats::promote_waitlisted(tx, state, id, now).await
}

/// A Tokyo date and time as messages show it, in either language.
fn stamp(t: DateTime<Utc>) -> String {
    to_tokyo(t).format("%Y-%m-%d %H:%M").to_string()
}

/// Check-ins stay with their meeting: a meeting that holds any may not be dropped, nor
/// moved to another day (a correction of its time on the same day is allowed).
async fn check_records_kept(tx: &mut Tx, plan: &MeetingPlan, errors: &mut FieldErrors) -> AppResult<()> {
    let changed: Vec<&Meeting> = plan.removed.iter().chain(plan.moved.iter().map(|(m, _)| m)).collect();
    let marked = store::meetings_with_attendance(tx, &changed.iter().map(|m| m.id).collect::<Vec<_>>()).await?;
    for m in &plan.removed {
        if marked.contains(&m.id) {
            errors.add(field::STARTS_AT, Problem::new("error.meeting_has_attendance").with("when", stamp(m.starts_at)));
        }
    }
    for (m, (starts, _)) in &plan.moved {
        if marked.contains(&m.id) && to_tokyo(m.starts_at).date_naive() != to_tokyo(*starts).date_naive() {
            errors.add(field::STARTS_AT, Problem::new("error.meeting_has_attendance").with("when", stamp(m.starts_at)));
        }
    }
    Ok(())
}

/// Cancels a session and everyone's registration in it, telling each of them
/// (managers; audit-logged, as it changes every attendee's registration).
pub async fn cancel(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<()> {
    viewer.require_manager()?;
    let now = Utc::now();
    let mut tx = state.db.begin().await?;
    let locked = seats::lock(&mut tx, id, now).await?;
    if locked.status == SessionStatus::Cancelled {
        return Ok(());
    }
    store::mark_cancelled(&mut tx, id).await?;
    seats::cancel_all(&mut tx, state, id, now).await?;
    tx.commit().await?;
    state.outbox.wake();
    audit::record(&state.db, viewer, "session.cancel", &format!("session:{id}"), "").await?;
    Ok(())
}

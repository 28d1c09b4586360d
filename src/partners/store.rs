//! Storage and rules of partners, session partners and referrals, and the partner report.

use chrono::{DateTime, Duration, Utc};

use super::{
    field, Partner, PartnerHome, PartnerInput, Referral, ReferralDesk, ReferralInput, SessionPartner,
    SessionPartnerInput, SupportedSession,
};
use crate::{
    domain::{self, Carrier, Email, FieldErrors, PartnerRole, PhoneNumber, Problem, RegistrationStatus},
    on_db, on_tx,
    policy::Viewer,
    server::{
        audit,
        db::{is_unique_violation, Db, Tx},
        error::{AppError, AppResult},
        once,
    },
    venues::{self, Ward},
};

const PARTNER_COLUMNS: &str =
    "id, carrier, name, ward, address, contact_name, phone, email, agreement_date, active, notes";

/// Partner shops, active ones first, by ward and name.
pub async fn list(db: &Db) -> AppResult<Vec<Partner>> {
    let sql = format!(
        "SELECT {PARTNER_COLUMNS} FROM partners p
         ORDER BY CASE WHEN active THEN 0 ELSE 1 END, (SELECT sort_order FROM wards w WHERE w.code = p.ward), name, id"
    );
    Ok(on_db!(db, pool => sqlx::query_as(&sql).fetch_all(pool).await)?)
}

async fn get(db: &Db, id: i64) -> AppResult<Partner> {
    let sql = format!("SELECT {PARTNER_COLUMNS} FROM partners WHERE id = $1");
    Ok(on_db!(db, pool => sqlx::query_as(&sql).bind(id).fetch_one(pool).await)?)
}

/// One partner, for managers and the shop's own staff.
pub async fn get_for(db: &Db, viewer: &Viewer, id: i64) -> AppResult<Partner> {
    viewer.require_partner(id)?;
    get(db, id).await
}

/// What the viewer may see of the registry: all of it for managers, their own shop for partner staff.
pub async fn visible_partners(db: &Db, viewer: &Viewer) -> AppResult<Vec<Partner>> {
    if viewer.is_manager() {
        list(db).await
    } else {
        Ok(vec![get(db, viewer.require_own_shop()?).await?])
    }
}

/// A partner input that passed every check.
pub struct CheckedPartner {
    carrier: Carrier,
    name: String,
    ward: String,
    address: String,
    contact_name: String,
    phone: String,
    email: String,
    agreement_date: Option<chrono::NaiveDate>,
    active: bool,
    notes: String,
}

impl CheckedPartner {
    /// The checked partner as it would be stored under `id`.
    pub fn as_partner(&self, id: i64) -> Partner {
        Partner {
            id,
            carrier: self.carrier,
            name: self.name.clone(),
            ward: self.ward.clone(),
            address: self.address.clone(),
            contact_name: self.contact_name.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            agreement_date: self.agreement_date,
            active: self.active,
            notes: self.notes.clone(),
        }
    }
}

/// Checks a partner against the rules and the city's wards. Phone and e-mail may be
/// left empty, but what is given must be right.
pub fn check(input: &PartnerInput, wards: &[Ward]) -> Result<CheckedPartner, FieldErrors> {
    let mut errors = FieldErrors::default();
    let carrier = errors.check(field::CARRIER, domain::choice(&input.carrier, Carrier::parse));
    let name = errors.check(field::NAME, domain::text(&input.name, 100, true, false));
    let ward = errors.check(field::WARD, venues::store::known_ward(&input.ward, wards));
    let address = errors.check(field::ADDRESS, domain::address(&input.address, 200, true));
    let contact_name = errors.check(field::CONTACT_NAME, domain::text(&input.contact_name, 100, false, false));
    let optional = |value: &str, parse: &dyn Fn(&str) -> Result<String, Problem>| {
        if value.trim().is_empty() {
            Ok(String::new())
        } else {
            parse(value)
        }
    };
    let phone =
        errors.check(field::PHONE, optional(&input.phone, &|v| PhoneNumber::parse(v).map(|p| p.as_str().into())));
    let email = errors.check(field::EMAIL, optional(&input.email, &|v| Email::parse(v).map(|e| e.as_str().into())));
    let agreement_date = match input.agreement_date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => errors.check(field::AGREEMENT_DATE, domain::date(d)).map(Some),
        None => Some(None),
    };
    let notes = errors.check(field::NOTES, domain::text(&input.notes, 1000, false, true));
    errors.into_result()?;
    Ok(CheckedPartner {
        carrier: carrier.expect("checked"),
        name: name.expect("checked"),
        ward: ward.expect("checked"),
        address: address.expect("checked"),
        contact_name: contact_name.expect("checked"),
        phone: phone.expect("checked"),
        email: email.expect("checked"),
        agreement_date: agreement_date.expect("checked"),
        active: input.active.unwrap_or(true),
        notes: notes.expect("checked"),
    })
}

/// Adds a partner shop (managers); a form sent twice (same `key`) adds it once.
pub async fn create(db: &Db, viewer: &Viewer, input: &PartnerInput, key: Option<&str>) -> AppResult<Partner> {
    viewer.require_manager()?;
    let p = check(input, &venues::store::wards(db).await?)?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    if let Some(earlier) = once::earlier(&mut tx, key, "partner", input, now).await? {
        return get(db, earlier).await;
    }
    let id = insert(&mut tx, &p, now).await?;
    once::remember(&mut tx, key, id).await?;
    tx.commit().await?;
    get(db, id).await
}

/// Changes a partner shop (managers).
pub async fn update(db: &Db, viewer: &Viewer, id: i64, input: &PartnerInput) -> AppResult<Partner> {
    viewer.require_manager()?;
    get(db, id).await?;
    let p = check(input, &venues::store::wards(db).await?)?;
    let mut tx = db.begin().await?;
    update_in(&mut tx, id, &p, Utc::now()).await?;
    tx.commit().await?;
    get(db, id).await
}

/// Binds a checked partner as `$1`…`$10` in the column order of the partners table
/// (carrier, name, ward, address, contact_name, phone, email, agreement_date, active, notes).
macro_rules! bind_partner {
    ($query:expr, $p:expr) => {
        $query
            .bind($p.carrier)
            .bind(&$p.name)
            .bind(&$p.ward)
            .bind(&$p.address)
            .bind(&$p.contact_name)
            .bind(&$p.phone)
            .bind(&$p.email)
            .bind($p.agreement_date)
            .bind($p.active)
            .bind(&$p.notes)
    };
}

pub async fn insert(tx: &mut Tx, p: &CheckedPartner, now: DateTime<Utc>) -> AppResult<i64> {
    Ok(on_tx!(tx, conn => {
        bind_partner!(sqlx::query_scalar(
            "INSERT INTO partners (carrier, name, ward, address, contact_name, phone, email, agreement_date, active,
                 notes, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
        ), p)
        .bind(now)
        .fetch_one(&mut *conn)
        .await
    })?)
}

pub async fn update_in(tx: &mut Tx, id: i64, p: &CheckedPartner, now: DateTime<Utc>) -> AppResult<()> {
    on_tx!(tx, conn => {
        bind_partner!(sqlx::query(
            "UPDATE partners SET carrier = $1, name = $2, ward = $3, address = $4, contact_name = $5, phone = $6,
                 email = $7, agreement_date = $8, active = $9, notes = $10, updated_at = $11
             WHERE id = $12",
        ), p)
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await.map(|_| ())
    })?;
    Ok(())
}

/// An active partner named by a field, or the field's problem.
async fn active_partner(db: &Db, errors: &mut FieldErrors, field: &str, id: Option<i64>) -> AppResult<Option<Partner>> {
    let Some(id) = id else {
        errors.add(field, Problem::new("error.required"));
        return Ok(None);
    };
    match get(db, id).await {
        Ok(p) if p.active => Ok(Some(p)),
        Ok(_) => {
            errors.add(field, Problem::new("partners.error.inactive"));
            Ok(None)
        }
        Err(AppError::NotFound) => {
            errors.add(field, Problem::new("error.choice"));
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The partners of a session (managers).
pub async fn session_partners_for(db: &Db, viewer: &Viewer, session_id: i64) -> AppResult<Vec<SessionPartner>> {
    viewer.require_manager()?;
    crate::sessions::store::venue_of(db, session_id).await?;
    session_partners(db, session_id).await
}

async fn session_partners(db: &Db, session_id: i64) -> AppResult<Vec<SessionPartner>> {
    Ok(on_db!(db, pool => {
        sqlx::query_as(
            "SELECT sp.session_id, sp.partner_id, sp.role, p.name AS partner_name, p.carrier
             FROM session_partners sp JOIN partners p ON p.id = sp.partner_id
             WHERE sp.session_id = $1 ORDER BY CASE sp.role WHEN 'instructor' THEN 0 ELSE 1 END, p.name",
        )
        .bind(session_id)
        .fetch_all(pool)
        .await
    })?)
}

/// Links a partner to a session in a role, or changes the role it already has (managers).
pub async fn link_session(
    db: &Db,
    viewer: &Viewer,
    session_id: i64,
    input: &SessionPartnerInput,
) -> AppResult<Vec<SessionPartner>> {
    viewer.require_manager()?;
    crate::sessions::store::venue_of(db, session_id).await?;
    let mut errors = FieldErrors::default();
    let role = errors.check(field::ROLE, domain::choice(&input.role, PartnerRole::parse));
    let partner = active_partner(db, &mut errors, field::PARTNER_ID, input.partner_id).await?;
    errors.into_result()?;
    let (role, partner) = (role.expect("checked"), partner.expect("checked"));
    on_db!(db, pool => {
        sqlx::query(
            "INSERT INTO session_partners (session_id, partner_id, role, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (session_id, partner_id) DO UPDATE SET role = excluded.role",
        )
        .bind(session_id)
        .bind(partner.id)
        .bind(role)
        .bind(Utc::now())
        .execute(pool)
        .await.map(|_| ())
    })?;
    session_partners(db, session_id).await
}

/// Ends a partner's part in a session (managers).
pub async fn unlink_session(db: &Db, viewer: &Viewer, session_id: i64, partner_id: i64) -> AppResult<()> {
    viewer.require_manager()?;
    on_db!(db, pool => {
        sqlx::query("DELETE FROM session_partners WHERE session_id = $1 AND partner_id = $2")
            .bind(session_id)
            .bind(partner_id)
            .execute(pool)
            .await.map(|_| ())
    })?;
    Ok(())
}

/// Sessions a partner helps with that ended at most a month ago or are still to come.
pub async fn supported_sessions(db: &Db, partner_id: i64, now: DateTime<Utc>) -> AppResult<Vec<SupportedSession>> {
    Ok(on_db!(db, pool => {
        sqlx::query_as(
            "SELECT s.id AS session_id, s.title, s.kind, s.starts_at, s.ends_at, v.name AS venue_name, sp.role,
                    s.confirmed_count AS confirmed, s.capacity, s.status
             FROM session_partners sp JOIN sessions s ON s.id = sp.session_id JOIN venues v ON v.id = s.venue_id
             WHERE sp.partner_id = $1 AND s.ends_at >= $2
             ORDER BY s.starts_at, s.id",
        )
        .bind(partner_id)
        .bind(now - Duration::days(31))
        .fetch_all(pool)
        .await
    })?)
}

const REFERRAL_SELECT: &str =
    "SELECT f.id, f.registration_id, r.session_id, s.title AS session_title, s.starts_at AS session_starts_at,
            f.partner_id, p.name AS partner_name, f.reason, f.created_at, f.handled_at,
            r.attendee_name, r.attendee_phone
     FROM referrals f
     JOIN registrations r ON r.id = f.registration_id
     JOIN sessions s ON s.id = r.session_id
     JOIN partners p ON p.id = f.partner_id";

/// Referrals to one partner or from one session, open ones first, newest first.
async fn referrals(db: &Db, partner_id: Option<i64>, session_id: Option<i64>) -> AppResult<Vec<Referral>> {
    let sql = format!(
        "{REFERRAL_SELECT}
         WHERE ($1 IS NULL OR f.partner_id = $1) AND ($2 IS NULL OR r.session_id = $2)
         ORDER BY CASE WHEN f.handled_at IS NULL THEN 0 ELSE 1 END, f.created_at DESC, f.id DESC"
    );
    Ok(on_db!(db, pool => sqlx::query_as(&sql).bind(partner_id).bind(session_id).fetch_all(pool).await)?)
}

async fn referral(db: &Db, id: i64) -> AppResult<Referral> {
    let sql = format!("{REFERRAL_SELECT} WHERE f.id = $1");
    Ok(on_db!(db, pool => sqlx::query_as(&sql).bind(id).fetch_one(pool).await)?)
}

/// The referrals to a partner, with the names and phones they hand over (audit-logged).
pub async fn partner_referrals(db: &Db, viewer: &Viewer, partner_id: i64) -> AppResult<Vec<Referral>> {
    viewer.require_partner(partner_id)?;
    let list = referrals(db, Some(partner_id), None).await?;
    audit::record(db, viewer, "referrals.read", &format!("partner:{partner_id}"), &format!("{} referrals", list.len()))
        .await?;
    Ok(list)
}

/// Every referral, for managers (audit-logged).
pub async fn all_referrals(db: &Db, viewer: &Viewer) -> AppResult<Vec<Referral>> {
    viewer.require_manager()?;
    let list = referrals(db, None, None).await?;
    audit::record(db, viewer, "referrals.read", "all", &format!("{} referrals", list.len())).await?;
    Ok(list)
}

/// The referral page of one session, for its venue's staff and managers (audit-logged).
pub async fn referral_desk(db: &Db, viewer: &Viewer, session_id: i64) -> AppResult<ReferralDesk> {
    let session = crate::sessions::store::detail(db, session_id, Some(viewer)).await?;
    viewer.require_venue(session.venue.id)?;
    let session_partner_ids: Vec<i64> =
        session_partners(db, session_id).await?.iter().map(|sp| sp.partner_id).collect();
    let mut partners: Vec<Partner> = list(db).await?.into_iter().filter(|p| p.active).collect();
    partners.sort_by_key(|p| !session_partner_ids.contains(&p.id));
    let referrals = referrals(db, None, Some(session_id)).await?;
    audit::record(
        db,
        viewer,
        "referrals.read",
        &format!("session:{session_id}"),
        &format!("{} referrals", referrals.len()),
    )
    .await?;
    Ok(ReferralDesk { partners, session_partner_ids, referrals })
}

/// A partner staff member's home page data.
pub async fn home(db: &Db, viewer: &Viewer, now: DateTime<Utc>) -> AppResult<PartnerHome> {
    let partner_id = viewer.require_own_shop()?;
    Ok(PartnerHome {
        partner: get(db, partner_id).await?,
        sessions: supported_sessions(db, partner_id, now).await?,
        referrals: partner_referrals(db, viewer, partner_id).await?,
    })
}

#[derive(sqlx::FromRow)]
struct ReferredRegistration {
    venue_id: i64,
    status: RegistrationStatus,
}

/// Refers a confirmed attendee to a partner shop, with their consent recorded. Only
/// staff of the session's venue and managers may: a referral hands the person's name and
/// phone to the shop, so it starts where the person is known, never from the shop (and
/// nothing a shop sends here tells it whether a registration exists).
pub async fn refer(db: &Db, viewer: &Viewer, input: &ReferralInput, key: Option<&str>) -> AppResult<Referral> {
    viewer.require_staff()?;
    let mut errors = FieldErrors::default();
    if !input.consent {
        errors.add(field::CONSENT, Problem::new("partners.error.consent"));
    }
    let reason = errors.check(field::REASON, domain::text(&input.reason, 200, true, false));
    let registration: Option<ReferredRegistration> = match input.registration_id {
        None => None,
        Some(id) => on_db!(db, pool => {
            sqlx::query_as(
                "SELECT s.venue_id, r.status FROM registrations r JOIN sessions s ON s.id = r.session_id
                 WHERE r.id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await
        })?,
    };
    match (&registration, input.registration_id) {
        (_, None) => errors.add(field::REGISTRATION_ID, Problem::new("error.required")),
        (None, Some(_)) => errors.add(field::REGISTRATION_ID, Problem::new("error.choice")),
        (Some(r), Some(_)) if r.status != RegistrationStatus::Confirmed => {
            errors.add(field::REGISTRATION_ID, Problem::new("partners.error.not_confirmed"))
        }
        _ => {}
    }
    if let Some(r) = &registration {
        viewer.require_venue(r.venue_id)?;
    }
    let partner = active_partner(db, &mut errors, field::PARTNER_ID, input.partner_id).await?;
    errors.into_result()?;
    let (registration_id, partner, reason) =
        (input.registration_id.expect("checked"), partner.expect("checked"), reason.expect("checked"));
    let now = Utc::now();
    let mut tx = db.begin().await?;
    // The same form sent twice refers once, and answers as the first time did.
    if let Some(earlier) = once::earlier(&mut tx, key, "referral", input, now).await? {
        return referral(db, earlier).await;
    }
    let inserted: Result<i64, sqlx::Error> = on_tx!(&mut tx, conn => {
        sqlx::query_scalar(
            "INSERT INTO referrals (registration_id, partner_id, reason, created_by, created_at, consent_at)
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        )
        .bind(registration_id)
        .bind(partner.id)
        .bind(&reason)
        .bind(viewer.user_id)
        .bind(now)
        .fetch_one(&mut *conn)
        .await
    });
    let id = match inserted {
        Ok(id) => id,
        Err(err) if is_unique_violation(&err, "referrals_open_key") => {
            return Err(AppError::Conflict(Problem::new("partners.error.already_referred")))
        }
        Err(err) => return Err(err.into()),
    };
    once::remember(&mut tx, key, id).await?;
    tx.commit().await?;
    // The shop will now see this person's name and phone: a disclosure of personal data.
    audit::record(
        db,
        viewer,
        "referral.create",
        &format!("registration:{registration_id}"),
        &format!("partner:{}", partner.id),
    )
    .await?;
    referral(db, id).await
}

/// The shop has followed the referral up (the shop's staff, or a manager; audit-logged).
/// Marking it twice changes nothing. To a shop, a referral made to another shop and one
/// that does not exist look the same (404).
pub async fn mark_handled(db: &Db, viewer: &Viewer, id: i64) -> AppResult<Referral> {
    if !viewer.is_manager() {
        viewer.require_own_shop()?;
    }
    let current = match referral(db, id).await {
        Ok(r) if viewer.is_manager() || viewer.own_shop() == Some(r.partner_id) => r,
        Ok(_) | Err(AppError::NotFound) => return Err(AppError::NotFound),
        Err(other) => return Err(other),
    };
    on_db!(db, pool => {
        sqlx::query("UPDATE referrals SET handled_at = $1, handled_by = $2 WHERE id = $3 AND handled_at IS NULL")
            .bind(Utc::now())
            .bind(viewer.user_id)
            .bind(id)
            .execute(pool)
            .await.map(|_| ())
    })?;
    audit::record(
        db,
        viewer,
        "referral.handled",
        &format!("registration:{}", current.registration_id),
        &format!("partner:{}", current.partner_id),
    )
    .await?;
    referral(db, id).await
}

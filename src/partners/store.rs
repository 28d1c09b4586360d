//! Storage and rules of partners, session partners and referrals, and the partner report.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Duration, Utc};

use super::{
    Partner, PartnerHome, PartnerInput, PartnerLine, PartnerReport, Referral, ReferralDesk, ReferralInput,
    SessionPartner, SessionPartnerInput, SupportedSession,
};
use crate::{
    accounts::Viewer,
    domain::{self, Carrier, Email, FieldErrors, PartnerRole, PhoneNumber, Problem, RegistrationStatus, Role},
    i18n::Lang,
    on_db, on_tx,
    reports::{self, KpiFilter, KpiLine, Tally, TARGET},
    server::{
        audit,
        db::{is_unique_violation, Db, Tx},
        error::{AppError, AppResult},
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

pub async fn get(db: &Db, id: i64) -> AppResult<Partner> {
    let sql = format!("SELECT {PARTNER_COLUMNS} FROM partners WHERE id = $1");
    Ok(on_db!(db, pool => sqlx::query_as(&sql).bind(id).fetch_one(pool).await)?)
}


/// What the viewer may see of the registry.
pub async fn visible_partners(db: &Db, viewer: &Viewer) -> AppResult<Vec<Partner>> {
    match (viewer.is_manager(), viewer.role, viewer.partner_id) {
        (true, _, _) => list(db).await,
        (false, Role::Partner, Some(own)) => Ok(vec![get(db, own).await?]),
        _ => Err(AppError::Forbidden),
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

/// Checks a partner against the rules and the city's wards. Phone and e-mail may be
/// left empty, but what is given must be right.
pub fn check(input: &PartnerInput, wards: &[Ward]) -> Result<CheckedPartner, FieldErrors> {
    let mut errors = FieldErrors::default();
    let carrier = errors.check("carrier", domain::choice(&input.carrier, Carrier::parse));
    let name = errors.check("name", domain::text(&input.name, 100, true, false));
    let ward = errors.check("ward", venues::store::known_ward(&input.ward, wards));
    let address = errors.check("address", domain::text(&input.address, 200, true, false));
    let contact_name = errors.check("contact_name", domain::text(&input.contact_name, 100, false, false));
    let optional = |value: &str, parse: &dyn Fn(&str) -> Result<String, Problem>| {
        if value.trim().is_empty() { Ok(String::new()) } else { parse(value) }
    };
    let phone = errors.check("phone", optional(&input.phone, &|v| PhoneNumber::parse(v).map(|p| p.as_str().into())));
    let email = errors.check("email", optional(&input.email, &|v| Email::parse(v).map(|e| e.as_str().into())));
    let agreement_date = match input.agreement_date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => errors.check("agreement_date", domain::date(d)).map(Some),
        None => Some(None),
    };
    let notes = errors.check("notes", domain::text(&input.notes, 1000, false, true));
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

pub async fn create(db: &Db, input: &PartnerInput) -> AppResult<Partner> {
    let p = check(input, &venues::store::wards(db).await?)?;
    let mut tx = db.begin().await?;
    let id = insert(&mut tx, &p, Utc::now()).await?;
    tx.commit().await?;
    get(db, id).await
}

pub async fn update(db: &Db, id: i64, input: &PartnerInput) -> AppResult<Partner> {
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

pub async fn session_partners(db: &Db, session_id: i64) -> AppResult<Vec<SessionPartner>> {
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

/// Links a partner to a session in a role, or changes the role it already has.
pub async fn link_session(db: &Db, session_id: i64, input: &SessionPartnerInput) -> AppResult<Vec<SessionPartner>> {
    crate::sessions::store::detail(db, session_id, None).await?;
    let mut errors = FieldErrors::default();
    let role = errors.check("role", domain::choice(&input.role, PartnerRole::parse));
    let partner = active_partner(db, &mut errors, "partner_id", input.partner_id).await?;
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

pub async fn unlink_session(db: &Db, session_id: i64, partner_id: i64) -> AppResult<()> {
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
    let session_partner_ids: Vec<i64> = session_partners(db, session_id).await?.iter().map(|sp| sp.partner_id).collect();
    let mut partners: Vec<Partner> = list(db).await?.into_iter().filter(|p| p.active).collect();
    partners.sort_by_key(|p| !session_partner_ids.contains(&p.id));
    let referrals = referrals(db, None, Some(session_id)).await?;
    audit::record(db, viewer, "referrals.read", &format!("session:{session_id}"), &format!("{} referrals", referrals.len()))
        .await?;
    Ok(ReferralDesk { partners, session_partner_ids, referrals })
}

/// A partner staff member's home page data.
pub async fn home(db: &Db, viewer: &Viewer, now: DateTime<Utc>) -> AppResult<PartnerHome> {
    let partner_id = viewer.partner_id.filter(|_| viewer.role == Role::Partner).ok_or(AppError::Forbidden)?;
    Ok(PartnerHome {
        partner: get(db, partner_id).await?,
        sessions: supported_sessions(db, partner_id, now).await?,
        referrals: partner_referrals(db, viewer, partner_id).await?,
    })
}

#[derive(sqlx::FromRow)]
struct ReferredRegistration {
    session_id: i64,
    venue_id: i64,
    status: RegistrationStatus,
}

/// Refers a confirmed attendee to a partner shop. Staff of the session's venue and
/// managers may; so may the shop's own staff for a session their shop supports.
pub async fn refer(db: &Db, viewer: &Viewer, input: &ReferralInput) -> AppResult<Referral> {
    let mut errors = FieldErrors::default();
    let reason = errors.check("reason", domain::text(&input.reason, 200, true, false));
    let registration: Option<ReferredRegistration> = match input.registration_id {
        None => None,
        Some(id) => on_db!(db, pool => {
            sqlx::query_as(
                "SELECT r.session_id, s.venue_id, r.status FROM registrations r JOIN sessions s ON s.id = r.session_id
                 WHERE r.id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await
        })?,
    };
    match (&registration, input.registration_id) {
        (_, None) => errors.add("registration_id", Problem::new("error.required")),
        (None, Some(_)) => errors.add("registration_id", Problem::new("error.choice")),
        (Some(r), Some(_)) if r.status != RegistrationStatus::Confirmed => {
            errors.add("registration_id", Problem::new("partners.error.not_confirmed"))
        }
        _ => {}
    }
    if let (Some(r), Some(partner_id)) = (&registration, input.partner_id) {
        may_refer(db, viewer, r, partner_id).await?;
    }
    let partner = active_partner(db, &mut errors, "partner_id", input.partner_id).await?;
    errors.into_result()?;
    let (registration_id, partner, reason) =
        (input.registration_id.expect("checked"), partner.expect("checked"), reason.expect("checked"));
    let inserted: Result<i64, sqlx::Error> = on_db!(db, pool => {
        sqlx::query_scalar(
            "INSERT INTO referrals (registration_id, partner_id, reason, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(registration_id)
        .bind(partner.id)
        .bind(&reason)
        .bind(viewer.user_id)
        .bind(Utc::now())
        .fetch_one(pool)
        .await
    });
    let id = match inserted {
        Ok(id) => id,
        Err(err) if is_unique_violation(&err, "referrals_open_key") => {
            return Err(AppError::Conflict(Problem::new("partners.error.already_referred")))
        }
        Err(err) => return Err(err.into()),
    };
    // The shop will now see this person's name and phone: a disclosure of personal data.
    audit::record(db, viewer, "referral.create", &format!("registration:{registration_id}"), &format!("partner:{}", partner.id))
        .await?;
    referral(db, id).await
}

async fn may_refer(db: &Db, viewer: &Viewer, r: &ReferredRegistration, partner_id: i64) -> AppResult<()> {
    if viewer.works_at(r.venue_id) {
        return Ok(());
    }
    if viewer.role == Role::Partner && viewer.partner_id == Some(partner_id) {
        let supports = session_partners(db, r.session_id).await?.iter().any(|sp| sp.partner_id == partner_id);
        if supports {
            return Ok(());
        }
    }
    Err(AppError::Forbidden)
}

/// The shop has followed the referral up. Marking it twice changes nothing.
pub async fn mark_handled(db: &Db, viewer: &Viewer, id: i64) -> AppResult<Referral> {
    let current = referral(db, id).await?;
    viewer.require_partner(current.partner_id)?;
    on_db!(db, pool => {
        sqlx::query("UPDATE referrals SET handled_at = $1, handled_by = $2 WHERE id = $3 AND handled_at IS NULL")
            .bind(Utc::now())
            .bind(viewer.user_id)
            .bind(id)
            .execute(pool)
            .await.map(|_| ())
    })?;
    referral(db, id).await
}

/// The partner report: per partner the sessions it supported in the fiscal year (with
/// their tallies and survey rates, from `reports`), and its referrals from that year's sessions.
pub async fn report(db: &Db, filter: &KpiFilter, now: DateTime<Utc>, lang: Lang) -> AppResult<PartnerReport> {
    let fy = reports::store::resolve_year(filter, now)?;
    let sessions = reports::store::session_tallies(db, filter, fy).await?;
    let links = links_in_year(db, fy).await?;
    let (from, to) = crate::time::fiscal_year_bounds(fy);
    let referral_counts: Vec<(i64, i64, i64)> = on_db!(db, pool => {
        sqlx::query_as(
            "SELECT f.partner_id, COUNT(*), COUNT(f.handled_at)
             FROM referrals f JOIN registrations r ON r.id = f.registration_id JOIN sessions s ON s.id = r.session_id
             WHERE s.starts_at >= $1 AND s.starts_at < $2
             GROUP BY f.partner_id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await
    })?;
    Ok(summarise(fy, &list(db).await?, &sessions, &links, &referral_counts, now, lang))
}

/// Which partner helps with which session of the fiscal year, in what role.
async fn links_in_year(db: &Db, fy: i32) -> AppResult<Vec<(i64, i64, PartnerRole)>> {
    let (from, to) = crate::time::fiscal_year_bounds(fy);
    Ok(on_db!(db, pool => {
        sqlx::query_as(
            "SELECT sp.session_id, sp.partner_id, sp.role FROM session_partners sp JOIN sessions s ON s.id = sp.session_id
             WHERE s.starts_at >= $1 AND s.starts_at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await
    })?)
}

/// The KPI report's "by partner" lines: the tallies and rates of the sessions each shop
/// supported, for the shops that supported any.
pub async fn kpi_by_partner(
    db: &Db,
    fy: i32,
    sessions: &[reports::store::SessionTallyRow],
    now: DateTime<Utc>,
    lang: Lang,
) -> AppResult<Vec<KpiLine>> {
    let links = links_in_year(db, fy).await?;
    let report = summarise(fy, &list(db).await?, sessions, &links, &[], now, lang);
    Ok(report.partners.into_iter().filter(|l| l.sessions_supported > 0).map(|l| l.kpi).collect())
}

/// Sums each partner's sessions; a session supported by several shops counts for each
/// of them, but once for a carrier.
fn summarise(
    fy: i32,
    partners: &[Partner],
    sessions: &[reports::store::SessionTallyRow],
    links: &[(i64, i64, PartnerRole)],
    referral_counts: &[(i64, i64, i64)],
    now: DateTime<Utc>,
    lang: Lang,
) -> PartnerReport {
    // Links to sessions outside the report (cancelled, filtered out) do not count.
    let tallies: HashMap<i64, Tally> = sessions.iter().map(|s| (s.id, s.tally(now))).collect();
    let carrier_of: HashMap<i64, Carrier> = partners.iter().map(|p| (p.id, p.carrier)).collect();
    let mut carrier_sessions: BTreeMap<&str, BTreeSet<i64>> = BTreeMap::new();
    let mut supported: BTreeSet<i64> = BTreeSet::new();
    for (session_id, partner_id, _) in links.iter().filter(|l| tallies.contains_key(&l.0)) {
        if let Some(carrier) = carrier_of.get(partner_id) {
            carrier_sessions.entry(carrier.as_str()).or_default().insert(*session_id);
        }
        supported.insert(*session_id);
    }
    let sum = |ids: &mut dyn Iterator<Item = i64>| {
        let mut t = Tally::default();
        ids.filter_map(|id| tallies.get(&id)).for_each(|s| t.add(s));
        t
    };
    let lines = partners
        .iter()
        .map(|p| {
            let mine: Vec<&(i64, i64, PartnerRole)> =
                links.iter().filter(|l| l.1 == p.id && tallies.contains_key(&l.0)).collect();
            let tally = sum(&mut mine.iter().map(|l| l.0));
            let (made, handled) =
                referral_counts.iter().find(|r| r.0 == p.id).map_or((0, 0), |r| (r.1, r.2));
            PartnerLine {
                partner_id: p.id,
                carrier: p.carrier,
                active: p.active,
                sessions_supported: tally.sessions,
                sessions_as_instructor: mine.iter().filter(|l| l.2 == PartnerRole::Instructor).count() as i64,
                sessions_as_support: mine.iter().filter(|l| l.2 == PartnerRole::Support).count() as i64,
                attendees_reached: tally.confirmed,
                referrals_made: made,
                referrals_handled: handled,
                kpi: KpiLine::new(p.id.to_string(), p.name.clone(), tally),
            }
        })
        .collect();
    let by_carrier = Carrier::ALL
        .iter()
        .filter_map(|c| {
            let ids = carrier_sessions.get(c.as_str())?;
            Some(KpiLine::new(c.as_str().into(), c.label(lang), sum(&mut ids.iter().copied())))
        })
        .collect();
    let without = sum(&mut sessions.iter().map(|s| s.id).filter(|id| !supported.contains(id)));
    PartnerReport {
        fiscal_year: fy,
        target: TARGET,
        partners: lines,
        by_carrier,
        without_partner: KpiLine::new("none".into(), lang.tr("partners.report.without_partner"), without),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partner(id: i64, carrier: Carrier) -> Partner {
        Partner {
            id,
            carrier,
            name: format!("shop {id}"),
            ward: "moji".into(),
            address: String::new(),
            contact_name: String::new(),
            phone: String::new(),
            email: String::new(),
            agreement_date: None,
            active: true,
            notes: String::new(),
        }
    }

    fn session(id: i64, confirmed: i32, good: i32, answers: i32) -> reports::store::SessionTallyRow {
        reports::store::SessionTallyRow {
            id,
            title: String::new(),
            kind: domain::SessionKind::Course,
            topic: domain::Topic::Line,
            venue_id: 1,
            venue_name: String::new(),
            ward: "moji".into(),
            starts_at: Utc::now(),
            ends_at: Utc::now(),
            capacity: 10,
            confirmed_count: confirmed,
            attended_count: 0,
            responses: answers,
            comprehension_answers: answers,
            comprehension_good: good,
            satisfaction_answers: answers,
            satisfaction_good: good,
        }
    }

    #[test]
    fn shared_sessions_count_for_each_partner_and_once_per_carrier() {
        let partners = [partner(1, Carrier::Docomo), partner(2, Carrier::Docomo), partner(3, Carrier::Au)];
        let sessions = [session(10, 8, 4, 5), session(11, 5, 5, 5), session(12, 3, 0, 0)];
        let links = [
            (10, 1, PartnerRole::Instructor),
            (10, 2, PartnerRole::Support),
            (11, 1, PartnerRole::Support),
            // A cancelled session's link: not in the tallies, not counted.
            (99, 3, PartnerRole::Instructor),
        ];
        let r = summarise(2026, &partners, &sessions, &links, &[(1, 3, 1)], Utc::now(), Lang::Ja);
        let one = &r.partners[0];
        assert_eq!((one.sessions_supported, one.sessions_as_instructor, one.sessions_as_support), (2, 1, 1));
        assert_eq!(one.attendees_reached, 13);
        assert_eq!((one.referrals_made, one.referrals_handled), (3, 1));
        assert_eq!(one.kpi.comprehension_rate.value, Some(0.9));
        assert_eq!(r.partners[1].sessions_supported, 1);
        assert_eq!(r.partners[2].sessions_supported, 0);
        assert_eq!(r.partners[2].referrals_made, 0);
        let docomo = r.by_carrier.iter().find(|l| l.key == "docomo").unwrap();
        assert_eq!(docomo.tally.sessions, 2, "session 10 has two docomo shops but counts once");
        assert!(r.by_carrier.iter().all(|l| l.key != "au"));
        assert_eq!(r.without_partner.tally.sessions, 1);
    }
}

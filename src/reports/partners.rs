//! The partner report: per partner shop and fiscal year, the sessions it supported (with
//! their tallies and survey rates), the attendees it reached and its referrals; and the
//! KPI report's "by partner" lines.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    store::{self, SessionTallyRow},
    KpiFilter, KpiLine, Rate, Tally, TARGET,
};
use crate::{
    domain::{Carrier, PartnerRole},
    i18n::Lang,
    on_db,
    partners::{self, Partner},
    policy::Viewer,
    server::{db::Db, error::AppResult},
};

/// One partner's contribution in a fiscal year. The flattened line carries the tally of
/// the sessions it supported (`sessions`, `confirmed` …) and their survey rates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartnerLine {
    pub partner_id: i64,
    pub carrier: Carrier,
    pub active: bool,
    pub sessions_supported: i64,
    pub sessions_as_instructor: i64,
    pub sessions_as_support: i64,
    /// Confirmed registrations of the sessions it supported.
    pub attendees_reached: i64,
    pub referrals_made: i64,
    pub referrals_handled: i64,
    #[serde(flatten)]
    pub kpi: KpiLine,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartnerReport {
    pub fiscal_year: i32,
    pub target: f64,
    pub partners: Vec<PartnerLine>,
    /// Sessions supported by any shop of a carrier, each counted once.
    pub by_carrier: Vec<KpiLine>,
    /// Sessions of the year no partner supported, for comparison.
    pub without_partner: KpiLine,
}

impl PartnerLine {
    pub fn handled_rate(&self) -> Rate {
        Rate { too_few: false, ..Rate::of(self.referrals_handled, self.referrals_made) }
    }
}

/// The partner report: per partner the sessions it supported in the fiscal year (with
/// their tallies and survey rates, from `reports`), and its referrals from that year's sessions.
pub async fn report(
    db: &Db,
    viewer: &Viewer,
    filter: &KpiFilter,
    now: DateTime<Utc>,
    lang: Lang,
) -> AppResult<PartnerReport> {
    viewer.require_manager()?;
    let fy = store::resolve_year(filter, now)?;
    let sessions = store::session_tallies(db, filter, fy).await?;
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
    Ok(summarise(fy, &partners::store::list(db).await?, &sessions, &links, &referral_counts, now, lang))
}

/// Which partner helps with which session of the fiscal year, in what role.
pub(super) async fn links_in_year(db: &Db, fy: i32) -> AppResult<Vec<(i64, i64, PartnerRole)>> {
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
    sessions: &[SessionTallyRow],
    now: DateTime<Utc>,
    lang: Lang,
) -> AppResult<Vec<KpiLine>> {
    let links = links_in_year(db, fy).await?;
    let report = summarise(fy, &partners::store::list(db).await?, sessions, &links, &[], now, lang);
    Ok(report.partners.into_iter().filter(|l| l.sessions_supported > 0).map(|l| l.kpi).collect())
}

/// Sums each partner's sessions; a session supported by several shops counts for each
/// of them, but once for a carrier.
fn summarise(
    fy: i32,
    partners: &[Partner],
    sessions: &[SessionTallyRow],
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
            let (made, handled) = referral_counts.iter().find(|r| r.0 == p.id).map_or((0, 0), |r| (r.1, r.2));
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

    fn session(id: i64, confirmed: i32, good: i32, answers: i32) -> SessionTallyRow {
        SessionTallyRow {
            id,
            title: String::new(),
            kind: crate::domain::SessionKind::Course,
            topic: crate::domain::Topic::Line,
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
            responses_code: 0,
            responses_paper: 0,
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

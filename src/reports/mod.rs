//! The programme's KPI (理解度・満足度 80%) and its outcome (the usage rate of the city's
//! digital services, `outcomes`) by fiscal year, with breakdowns, charts and CSV exports
//! for Excel and open data.

use serde::{Deserialize, Serialize};

pub mod api;
pub mod chart;
pub mod outcomes;
pub mod pages;
pub mod partners;
pub mod store;

/// The city's target for comprehension and satisfaction.
pub const TARGET: f64 = 0.80;
/// How many under-target sessions the report lists (the lowest first).
pub const BELOW_TARGET_SHOWN: usize = 100;
/// Rates over fewer answers than this are shown but flagged as too few.
pub const MIN_ANSWERS: i64 = 5;

/// Counts summed over a set of sessions (the KPI report sums them in SQL, by these names).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Tally {
    pub sessions: i64,
    pub capacity: i64,
    pub confirmed: i64,
    /// Confirmed registrations of sessions that have ended: the base of the attendance rate.
    pub confirmed_held: i64,
    pub attended: i64,
    pub responses: i64,
    pub comprehension_answers: i64,
    pub comprehension_good: i64,
    pub satisfaction_answers: i64,
    pub satisfaction_good: i64,
    /// Of `responses`: by the session's code, and typed in from paper.
    pub responses_code: i64,
    pub responses_paper: i64,
}

/// A rate with the count it stands on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rate {
    /// `None` when nothing was counted.
    pub value: Option<f64>,
    pub n: i64,
    pub too_few: bool,
}

impl Rate {
    pub fn of(part: i64, whole: i64) -> Rate {
        Rate { value: (whole > 0).then(|| part as f64 / whole as f64), n: whole, too_few: whole < MIN_ANSWERS }
    }

    pub fn below_target(&self) -> bool {
        self.value.is_some_and(|v| v < TARGET)
    }

    /// "82.5%" or "—".
    pub fn percent(&self) -> String {
        self.value.map_or("—".to_string(), |v| format!("{:.1}%", v * 100.0))
    }
}

impl Tally {
    pub fn comprehension(&self) -> Rate {
        Rate::of(self.comprehension_good, self.comprehension_answers)
    }

    pub fn satisfaction(&self) -> Rate {
        Rate::of(self.satisfaction_good, self.satisfaction_answers)
    }

    pub fn attendance(&self) -> Rate {
        Rate { too_few: false, ..Rate::of(self.attended, self.confirmed_held) }
    }

    pub fn fill(&self) -> Rate {
        Rate { too_few: false, ..Rate::of(self.confirmed, self.capacity) }
    }

    pub fn add(&mut self, other: &Tally) {
        self.sessions += other.sessions;
        self.capacity += other.capacity;
        self.confirmed += other.confirmed;
        self.confirmed_held += other.confirmed_held;
        self.attended += other.attended;
        self.responses += other.responses;
        self.comprehension_answers += other.comprehension_answers;
        self.comprehension_good += other.comprehension_good;
        self.satisfaction_answers += other.satisfaction_answers;
        self.satisfaction_good += other.satisfaction_good;
        self.responses_code += other.responses_code;
        self.responses_paper += other.responses_paper;
    }
}

/// One line of a breakdown: a venue, ward, kind, topic or month with its tally and rates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KpiLine {
    pub key: String,
    pub label: String,
    #[serde(flatten)]
    pub tally: Tally,
    pub comprehension_rate: Rate,
    pub satisfaction_rate: Rate,
    pub attendance_rate: Rate,
    pub fill_rate: Rate,
}

impl KpiLine {
    pub fn new(key: String, label: String, tally: Tally) -> KpiLine {
        KpiLine {
            key,
            label,
            comprehension_rate: tally.comprehension(),
            satisfaction_rate: tally.satisfaction(),
            attendance_rate: tally.attendance(),
            fill_rate: tally.fill(),
            tally,
        }
    }
}

/// What the KPI report filters by.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct KpiFilter {
    pub fiscal_year: Option<i32>,
    pub venue_id: Option<i64>,
    pub ward: Option<String>,
    pub kind: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KpiReport {
    pub fiscal_year: i32,
    pub sessions: i64,
    pub capacity: i64,
    pub confirmed: i64,
    pub attended: i64,
    pub responses: i64,
    /// How the answers came: by a session's code (QR), typed in from paper, by staff otherwise.
    pub answers_by_code: i64,
    pub answers_on_paper: i64,
    pub answers_by_staff: i64,
    /// Sessions with more answers by code than people came: look before trusting their rates.
    pub flagged: Vec<FlaggedSession>,
    pub comprehension_rate: Rate,
    pub satisfaction_rate: Rate,
    pub attendance_rate: Rate,
    pub fill_rate: Rate,
    pub target: f64,
    pub by_venue: Vec<KpiLine>,
    pub by_ward: Vec<KpiLine>,
    pub by_kind: Vec<KpiLine>,
    pub by_topic: Vec<KpiLine>,
    pub by_month: Vec<KpiLine>,
    /// Partner shops with the sessions they supported (a session with two shops counts for each).
    pub by_partner: Vec<KpiLine>,
    /// Sessions whose comprehension or satisfaction is under the target, lowest first,
    /// at most `BELOW_TARGET_SHOWN` of them.
    pub below_target: Vec<KpiLine>,
    /// How many sessions are under the target in all.
    pub below_target_total: usize,
}

/// A session whose answers by code outnumber the people who came.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlaggedSession {
    pub session_id: i64,
    pub title: String,
    pub answers_by_code: i64,
    pub attended: i64,
    pub confirmed: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_carry_their_n_and_flag_too_few() {
        let r = Rate::of(4, 5);
        assert_eq!(r.value, Some(0.8));
        assert!(!r.too_few && !r.below_target());
        let r = Rate::of(3, 4);
        assert!(r.too_few && r.below_target());
        let none = Rate::of(0, 0);
        assert_eq!(none.value, None);
        assert_eq!(none.percent(), "—");
        assert!(!none.below_target(), "no answers is not a failure, just unknown");
        assert_eq!(Rate::of(33, 40).percent(), "82.5%");
    }

    /// The database counts and indexes the sessions below the target in integers
    /// (good × 5 < answers × 4, migration 0021 and `store::BELOW_TARGET`): it must judge
    /// every session as `Rate::below_target` does, or the report's count and list disagree
    /// with its rates. A new target needs a new migration.
    #[test]
    fn the_databases_integer_target_is_the_target() {
        for answers in 0..=400_i64 {
            for good in 0..=answers {
                assert_eq!(Rate::of(good, answers).below_target(), good * 5 < answers * 4, "{good}/{answers}");
            }
        }
    }
}

//! The primary metric at each interim look, and what each stopping rule — and naive
//! peeking, shown only to show its cost — decides from them.

use serde::Serialize;

use crate::scenario::spec::StoppingRule;
use crate::stats::{LogProb, boundaries, msprt_p_values};

use super::compare::Estimate;

/// A look is analysed only when its information exceeds the last analysed look's by
/// this factor.
pub const MIN_INFORMATION_GROWTH: f64 = 1.01;

/// Which way a test came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The treatment is better (significant positive difference).
    Better,
    /// The treatment is worse (significant negative difference).
    Worse,
    /// No significant difference.
    NoDifference,
}

impl Decision {
    /// The decision for an estimate that did (or did not) reject "no difference".
    #[must_use]
    pub fn of(rejected: bool, difference: f64) -> Self {
        match (rejected, difference > 0.0) {
            (false, _) => Self::NoDifference,
            (true, true) => Self::Better,
            (true, false) => Self::Worse,
        }
    }

    /// Whether "no difference" was rejected.
    #[must_use]
    pub fn rejected(self) -> bool {
        self != Self::NoDifference
    }
}

/// The primary comparison at one look.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Look {
    /// 1-based look number.
    pub look: usize,
    /// Simulated day of the look.
    pub day: f64,
    /// Share of the horizon elapsed: the spending time.
    pub fraction: f64,
    /// Users with at least one request so far: control, treatment.
    pub users: [usize; 2],
    /// Difference, standard error and p-value at the look (`None` when the metric is
    /// undefined so far).
    pub estimate: Option<LookEstimate>,
    /// Whether the rule analysed this look (enough users, and information grown
    /// since the last look analysed).
    pub taken: bool,
    /// Group sequential: the |z| boundary of the look.
    pub boundary: Option<f64>,
    /// mSPRT: the always-valid p-value after the look.
    pub always_valid_p: Option<LogProb>,
}

/// What the analysis saw at a look.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LookEstimate {
    /// Treatment − control.
    pub difference: f64,
    /// Standard error.
    pub standard_error: f64,
    /// `difference / standard_error`.
    pub z: f64,
    /// The control's value (sets mSPRT's τ).
    pub control: f64,
    /// Fixed-horizon p-value as if this look were the only one.
    pub p_value: LogProb,
}

impl LookEstimate {
    /// The look's view of an estimate.
    #[must_use]
    pub fn of(e: &Estimate) -> Self {
        Self {
            difference: e.difference,
            standard_error: e.standard_error,
            z: e.z(),
            control: e.control,
            p_value: e.p_value,
        }
    }
}

/// The stopping rule applied to one treatment's looks.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sequential {
    /// The treatment variant.
    pub treatment: String,
    /// The rule.
    pub rule: String,
    /// Level of this comparison: alpha split evenly over the treatments.
    pub alpha: f64,
    /// Every look, the last at the horizon.
    pub looks: Vec<Look>,
    /// The look at which the rule stopped (1-based), if it did.
    pub stopped_at: Option<usize>,
    /// The rule's decision.
    pub decision: Decision,
    /// The first look at which a naive analyst, testing each look at alpha as if it
    /// were the only one, would have stopped. Shown only to show how peeking inflates
    /// false positives; never used for a verdict.
    pub naive_peeking_stop: Option<usize>,
}

/// Applies `rule` at level `alpha` to `looks` (as built from the snapshots, with
/// `taken` set for looks with enough users). The fixed-horizon rule decides at the
/// last look alone.
#[must_use]
pub fn apply_rule(
    treatment: &str,
    rule: &StoppingRule,
    alpha: f64,
    naive_alpha: f64,
    mut looks: Vec<Look>,
) -> Sequential {
    // Information must grow from look to look: a look with less than 1% more than the
    // last one analysed adds nothing material and is not analysed (skipping a look
    // only leaves alpha unspent).
    let mut last_information = 0.0;
    for look in &mut looks {
        let information = look
            .estimate
            .filter(|e| e.standard_error > 0.0)
            .map(|e| e.standard_error.powi(-2));
        match information {
            Some(i) if look.taken && i > last_information * MIN_INFORMATION_GROWTH => {
                last_information = i;
            }
            _ => look.taken = false,
        }
    }
    let naive_peeking_stop = looks
        .iter()
        .find(|l| l.taken && l.estimate.is_some_and(|e| e.p_value.is_below(naive_alpha)))
        .map(|l| l.look);
    let taken: Vec<usize> = (0..looks.len()).filter(|&i| looks[i].taken).collect();
    let estimates: Vec<Option<LookEstimate>> = looks.iter().map(|l| l.estimate).collect();
    let estimate = |i: usize| estimates[i].expect("taken looks have an estimate");
    let mut stop: Option<usize> = None;
    match *rule {
        StoppingRule::FixedHorizon => {
            if let Some(&last) = taken.last()
                && last + 1 == looks.len()
                && estimate(last).p_value.is_below(alpha)
            {
                stop = Some(last);
            }
        }
        StoppingRule::GroupSequential { spending, .. } => {
            if !taken.is_empty() {
                let info: Vec<f64> = taken
                    .iter()
                    .map(|&i| estimate(i).standard_error.powi(-2))
                    .collect();
                let times: Vec<f64> = taken.iter().map(|&i| looks[i].fraction).collect();
                let bounds = boundaries(&info, &times, alpha, spending);
                for (&i, &c) in taken.iter().zip(&bounds) {
                    looks[i].boundary = Some(c);
                    if stop.is_none() && estimate(i).z.abs() >= c {
                        stop = Some(i);
                    }
                }
            }
        }
        StoppingRule::Msprt { tau, .. } => {
            let inputs: Vec<(f64, f64, f64)> = taken
                .iter()
                .map(|&i| {
                    let e = estimate(i);
                    (
                        e.difference,
                        e.standard_error.powi(2),
                        (tau * e.control).powi(2),
                    )
                })
                .collect();
            for (&i, p) in taken.iter().zip(msprt_p_values(&inputs)) {
                looks[i].always_valid_p = Some(p);
                if stop.is_none() && p.is_below(alpha) {
                    stop = Some(i);
                }
            }
        }
    }
    let decision = match stop {
        Some(i) => Decision::of(true, estimate(i).difference),
        None => Decision::NoDifference,
    };
    Sequential {
        treatment: treatment.to_owned(),
        rule: rule.describe(),
        alpha,
        stopped_at: stop.map(|i| looks[i].look),
        decision,
        naive_peeking_stop,
        looks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{Spending, normal_two_sided};

    fn looks(zs: &[f64]) -> Vec<Look> {
        let k = zs.len();
        zs.iter()
            .enumerate()
            .map(|(i, &z)| {
                // Information grows linearly: se = 1/√(i+1).
                let se = 1.0 / ((i + 1) as f64).sqrt();
                Look {
                    look: i + 1,
                    day: (i + 1) as f64,
                    fraction: (i + 1) as f64 / k as f64,
                    users: [100, 100],
                    estimate: Some(LookEstimate {
                        difference: z * se,
                        standard_error: se,
                        z,
                        control: 1.0,
                        p_value: normal_two_sided(z),
                    }),
                    taken: true,
                    boundary: None,
                    always_valid_p: None,
                }
            })
            .collect()
    }

    #[test]
    fn obrien_fleming_ignores_an_early_blip_that_peeking_falls_for() {
        // z = 2.5 at look 1 of 5: p = 0.012 < 0.05, but the first O'Brien–Fleming
        // boundary is 4.877 (gsDesign); the final z of 2.1 crosses 2.031.
        let rule = StoppingRule::GroupSequential {
            looks: 5,
            spending: Spending::ObrienFleming,
        };
        let s = apply_rule("t", &rule, 0.05, 0.05, looks(&[2.5, 1.0, 0.5, 1.5, 2.1]));
        assert_eq!(s.naive_peeking_stop, Some(1));
        assert_eq!(s.stopped_at, Some(5));
        assert_eq!(s.decision, Decision::Better);
        assert!((s.looks[0].boundary.unwrap() - 4.8769).abs() < 2e-4);
    }

    #[test]
    fn fixed_horizon_decides_at_the_end_only() {
        let s = apply_rule("t", &StoppingRule::FixedHorizon, 0.05, 0.05, looks(&[-2.5]));
        assert_eq!(s.decision, Decision::Worse);
        let s = apply_rule("t", &StoppingRule::FixedHorizon, 0.05, 0.05, looks(&[1.5]));
        assert_eq!(s.decision, Decision::NoDifference);
    }

    #[test]
    fn looks_without_enough_users_or_new_information_are_skipped() {
        let mut l = looks(&[5.0, 1.0, 1.0, 1.0, 1.0]);
        l[0].taken = false;
        // Look 3 has no more information than look 2.
        l[2].estimate = l[1].estimate;
        let rule = StoppingRule::GroupSequential {
            looks: 5,
            spending: Spending::ObrienFleming,
        };
        let s = apply_rule("t", &rule, 0.05, 0.05, l);
        assert!(!s.looks[0].taken && !s.looks[2].taken);
        assert_eq!(s.stopped_at, None);
        assert_eq!(s.naive_peeking_stop, None);
    }

    #[test]
    fn msprt_stops_when_evidence_accumulates() {
        let rule = StoppingRule::Msprt { looks: 5, tau: 1.0 };
        let s = apply_rule("t", &rule, 0.05, 0.05, looks(&[0.5, 1.0, 2.0, 3.5, 4.0]));
        let p: Vec<f64> = s
            .looks
            .iter()
            .map(|l| l.always_valid_p.unwrap().value())
            .collect();
        assert!(p.windows(2).all(|w| w[1] <= w[0]), "{p:?}");
        assert_eq!(s.stopped_at, Some(4));
    }
}

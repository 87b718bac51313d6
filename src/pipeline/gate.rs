//! Pipeline step 4, the deployment gate: a candidate version is deployed only if no
//! watched metric of any arm is worse than the deployed version's by more than the
//! tolerance.
//!
//! For a metric where higher is better the candidate passes when
//! `candidate ≥ deployed − tolerance · |deployed|`; for RMSE (lower is better) when
//! `candidate ≤ deployed + tolerance · |deployed|`. An arm that lacks the metric on
//! either side (RMSE of an arm that predicts no ratings, nDCG with no relevant
//! held-out movie) is not judged on it. With no held-out rating at all nothing can
//! be compared, and the deployed version stays.

use serde::{Deserialize, Serialize};

use crate::scenario::spec::GateMetric;

use super::version_eval::ArmMetrics;

/// A watched metric of one arm that failed the gate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    /// Arm name.
    pub arm: String,
    /// Metric name.
    pub metric: String,
    /// The candidate's value.
    pub candidate: f64,
    /// The deployed version's value.
    pub deployed: f64,
    /// Relative change, candidate against deployed, signed so that negative is worse.
    pub change: f64,
}

/// The gate's verdict on one candidate.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// Whether the candidate may be deployed.
    pub pass: bool,
    /// Every watched metric that failed (empty when it passed).
    pub failures: Vec<Failure>,
    /// The worst relative change over every judged metric and arm (negative = worse),
    /// `None` when nothing could be judged.
    pub worst_change: Option<f64>,
}

/// Relative change of `candidate` against `deployed`, negative when worse; 0 when
/// both are 0 and ±1 per unit when only the deployed value is 0.
#[must_use]
pub fn relative_change(metric: GateMetric, candidate: f64, deployed: f64) -> f64 {
    let better = if metric.higher_is_better() {
        candidate - deployed
    } else {
        deployed - candidate
    };
    if deployed == 0.0 {
        better
    } else {
        better / deployed.abs()
    }
}

/// Judges `candidate` against `deployed` (the same arms, in the same order).
#[must_use]
pub fn judge(
    candidate: &[ArmMetrics],
    deployed: &[ArmMetrics],
    metrics: &[GateMetric],
    tolerance: f64,
) -> Verdict {
    let mut failures = Vec::new();
    let mut worst: Option<f64> = None;
    for (c, d) in candidate.iter().zip(deployed) {
        for &metric in metrics {
            let (Some(cv), Some(dv)) = (c.get(metric), d.get(metric)) else {
                continue;
            };
            // A non-finite candidate value (a diverged model) is as bad as it gets.
            let change = if cv.is_finite() {
                relative_change(metric, cv, dv)
            } else {
                f64::NEG_INFINITY
            };
            worst = Some(worst.map_or(change, |w| w.min(change)));
            if change < -tolerance {
                failures.push(Failure {
                    arm: c.arm.clone(),
                    metric: metric.name().to_owned(),
                    candidate: cv,
                    deployed: dv,
                    change,
                });
            }
        }
    }
    Verdict {
        pass: worst.is_some() && failures.is_empty(),
        failures,
        worst_change: worst,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arm(name: &str, ndcg: Option<f64>, rmse: Option<f64>) -> ArmMetrics {
        ArmMetrics {
            arm: name.into(),
            ndcg,
            precision: None,
            recall: None,
            hit_rate: None,
            rmse,
        }
    }

    const WATCH: [GateMetric; 2] = [GateMetric::Ndcg, GateMetric::Rmse];

    #[test]
    fn a_version_within_tolerance_passes() {
        // nDCG 0.096 vs 0.100: −4% ≥ −5%. RMSE 1.04 vs 1.00: 4% worse, within 5%.
        let c = [arm("svd", Some(0.096), Some(1.04))];
        let d = [arm("svd", Some(0.100), Some(1.00))];
        let v = judge(&c, &d, &WATCH, 0.05);
        assert!(v.pass);
        assert!(v.failures.is_empty());
        assert!((v.worst_change.unwrap() + 0.04).abs() < 1e-12);
    }

    #[test]
    fn one_metric_of_one_arm_beyond_tolerance_rejects() {
        // item_cf's RMSE 1.10 vs 1.00: 10% worse > 5%; svd improves.
        let c = [
            arm("svd", Some(0.2), Some(0.9)),
            arm("item_cf", Some(0.1), Some(1.10)),
        ];
        let d = [
            arm("svd", Some(0.1), Some(1.0)),
            arm("item_cf", Some(0.1), Some(1.0)),
        ];
        let v = judge(&c, &d, &WATCH, 0.05);
        assert!(!v.pass);
        assert_eq!(v.failures.len(), 1);
        assert_eq!(v.failures[0].arm, "item_cf");
        assert_eq!(v.failures[0].metric, "rmse");
        assert!((v.failures[0].change + 0.10).abs() < 1e-12);
    }

    #[test]
    fn a_non_finite_candidate_value_fails_whatever_the_tolerance() {
        // A diverged SVD: RMSE NaN, nDCG computed on inf scores still finite (0.1 =
        // unchanged). NaN compares false with everything, so without the rule it
        // would pass; it must fail even at tolerance 1.
        let c = [arm("svd", Some(0.1), Some(f64::NAN))];
        let d = [arm("svd", Some(0.1), Some(1.0))];
        let v = judge(&c, &d, &WATCH, 1.0);
        assert!(!v.pass);
        assert_eq!(v.failures.len(), 1);
        assert_eq!(v.failures[0].metric, "rmse");
        assert_eq!(v.worst_change, Some(f64::NEG_INFINITY));
    }

    #[test]
    fn missing_values_are_not_judged_and_nothing_judged_keeps_the_deployed() {
        // Popularity predicts no ratings: only its nDCG is judged.
        let c = [arm("popularity", Some(0.05), None)];
        let d = [arm("popularity", Some(0.05), Some(1.0))];
        assert!(judge(&c, &d, &WATCH, 0.0).pass);
        let none = [arm("popularity", None, None)];
        let v = judge(&none, &none, &WATCH, 0.05);
        assert!(!v.pass);
        assert_eq!(v.worst_change, None);
    }

    #[test]
    fn a_zero_baseline_compares_absolute_differences() {
        assert_eq!(relative_change(GateMetric::Ndcg, 0.0, 0.0), 0.0);
        assert_eq!(relative_change(GateMetric::Ndcg, 0.02, 0.0), 0.02);
        assert_eq!(
            relative_change(GateMetric::Rmse, 1.2, 1.0),
            -0.19999999999999996
        );
    }
}

//! The variance of offline metrics across retrains: the plan's freshness target
//! (a model retrained on fresh data should score the same within 5%).
//!
//! Over the training runs whose candidate was evaluated offline (gated runs,
//! `pipeline.gate`), per arm and metric, the candidates' values `x_1 … x_n`:
//!
//! ```text
//! mean = Σ x_r / n
//! sd   = sqrt( Σ (x_r − mean)² / (n − 1) )      (sample standard deviation; 0 when n = 1)
//! cv   = sd / |mean|                             (coefficient of variation; none when mean = 0)
//! ```
//!
//! and whether `cv` is under [`FRESHNESS_TARGET_CV`]. Failed runs (faults) are
//! left out: they evaluated no candidate. Runs without a gate have no per-run
//! offline metrics (their warm starts deploy without evaluation), so the block is
//! empty for them and `summary.json` leaves it out.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::scenario::spec::GateMetric;

use super::ModelUpdateLog;

/// The plan's freshness target: offline metrics vary by less than 5% across
/// retrains.
pub const FRESHNESS_TARGET_CV: f64 = 0.05;

/// One arm's metric across retrains.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricSpread {
    /// Arm name.
    pub arm: String,
    /// Metric name (`ndcg`, `precision`, `recall`, `hit_rate`, `rmse`).
    pub metric: &'static str,
    /// Retrains with a value.
    pub n_runs: usize,
    /// Mean over the retrains.
    pub mean: f64,
    /// Sample standard deviation.
    pub sd: f64,
    /// sd / |mean| (`None` when the mean is 0).
    pub cv: Option<f64>,
    /// Whether `cv` is under [`FRESHNESS_TARGET_CV`].
    pub within_target: bool,
}

const METRICS: [(GateMetric, &str); 5] = [
    (GateMetric::Ndcg, "ndcg"),
    (GateMetric::Precision, "precision"),
    (GateMetric::Recall, "recall"),
    (GateMetric::HitRate, "hit_rate"),
    (GateMetric::Rmse, "rmse"),
];

/// Per arm (in the runs' arm order) and metric, the spread of the candidates'
/// offline metrics over `runs` (see the module docs).
#[must_use]
pub fn retrain_variance(runs: &[ModelUpdateLog]) -> Vec<MetricSpread> {
    let mut arms: Vec<String> = Vec::new();
    let mut values: BTreeMap<(usize, usize), Vec<f64>> = BTreeMap::new();
    for run in runs {
        let Some(evaluation) = &run.evaluation else {
            continue;
        };
        for metrics in &evaluation.candidate {
            let a = arms
                .iter()
                .position(|n| *n == metrics.arm)
                .unwrap_or_else(|| {
                    arms.push(metrics.arm.clone());
                    arms.len() - 1
                });
            for (m, &(metric, _)) in METRICS.iter().enumerate() {
                if let Some(v) = metrics.get(metric) {
                    values.entry((a, m)).or_default().push(v);
                }
            }
        }
    }
    values
        .into_iter()
        .map(|((a, m), xs)| {
            let n = xs.len();
            let mean = xs.iter().sum::<f64>() / n as f64;
            let sd = if n > 1 {
                (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
            } else {
                0.0
            };
            let cv = (mean != 0.0).then(|| sd / mean.abs());
            MetricSpread {
                arm: arms[a].clone(),
                metric: METRICS[m].1,
                n_runs: n,
                mean,
                sd,
                cv,
                within_target: cv.is_some_and(|c| c < FRESHNESS_TARGET_CV),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::UpdateDecision;
    use crate::pipeline::training_run::VersionEvaluation;
    use crate::pipeline::version_eval::ArmMetrics;

    fn run(version: u32, ndcg: f64, rmse: Option<f64>) -> ModelUpdateLog {
        let metrics = ArmMetrics {
            arm: "svd".into(),
            ndcg: Some(ndcg),
            precision: None,
            recall: None,
            hit_rate: None,
            rmse,
        };
        ModelUpdateLog {
            evaluation: Some(VersionEvaluation {
                deployed_version: 1,
                n_test: 0,
                n_users: 0,
                candidate: vec![metrics.clone()],
                deployed: vec![metrics],
                worst_change: None,
                failures: Vec::new(),
                reason: String::new(),
            }),
            ..ModelUpdateLog::new(version, 0, UpdateDecision::Deployed)
        }
    }

    #[test]
    fn mean_sd_and_cv_match_a_hand_computed_case() {
        // nDCG 0.20, 0.22, 0.24, 0.26: mean 0.23; squared deviations 0.0009, 0.0001,
        // 0.0001, 0.0009 sum to 0.002; sd = sqrt(0.002 / 3) = 0.0258199;
        // cv = 0.0258199 / 0.23 = 0.112260 (over the 5% target).
        // RMSE 1.00, 1.02 (two runs have it): mean 1.01, sd = sqrt(2 · 0.0001 / 1)
        // = 0.0141421, cv = 0.0140021 (within target).
        let mut runs = vec![
            run(2, 0.20, Some(1.00)),
            run(3, 0.22, None),
            run(4, 0.24, Some(1.02)),
            run(5, 0.26, None),
        ];
        // A run without an evaluation (a warm start, a failed run) is left out.
        runs.push(ModelUpdateLog {
            evaluation: None,
            ..run(6, 9.0, Some(9.0))
        });
        let spread = retrain_variance(&runs);
        assert_eq!(spread.len(), 2);
        let (ndcg, rmse) = (&spread[0], &spread[1]);
        assert_eq!(
            (ndcg.arm.as_str(), ndcg.metric, ndcg.n_runs),
            ("svd", "ndcg", 4)
        );
        assert!((ndcg.mean - 0.23).abs() < 1e-12);
        assert!(
            (ndcg.sd - 0.025_819_888_974_716).abs() < 1e-12,
            "{}",
            ndcg.sd
        );
        assert!((ndcg.cv.unwrap() - 0.112_260_386_846_592).abs() < 1e-9);
        assert!(!ndcg.within_target);
        assert_eq!((rmse.metric, rmse.n_runs), ("rmse", 2));
        assert!(
            (rmse.sd - 0.014_142_135_623_731).abs() < 1e-12,
            "{}",
            rmse.sd
        );
        assert!((rmse.cv.unwrap() - 0.014_002_114_479_932).abs() < 1e-9);
        assert!(rmse.within_target);
        assert!(retrain_variance(&runs[4..]).is_empty());
    }
}

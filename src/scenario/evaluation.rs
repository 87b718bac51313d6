//! The `evaluation` section of a scenario: how `recolab eval` splits the data and
//! which metric settings it uses.

use serde::{Deserialize, Serialize};

use crate::data::SegmentThresholds;
use crate::eval::Gain;

use super::Problem;

/// Offline evaluation settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EvaluationSpec {
    /// How the ratings are split into training and test data. Default `KFold(folds: 5)`.
    pub protocol: ProtocolSpec,
    /// Length of the evaluated top-K lists. Default 10.
    pub k: usize,
    /// Ratings at or above this are relevant; their grade is the rating. Default 4.0.
    pub relevance_threshold: f64,
    /// Gain of nDCG: `linear` (the grade, as trec_eval) or `exponential` (2^grade − 1).
    /// Default `linear`.
    pub gain: Gain,
    /// Mean dissimilarity to the user's profile from which a relevant, non-popular item
    /// counts as serendipitous. Default 0.5.
    pub serendipity_min_dissimilarity: f64,
    /// Users whose lists enter homogenisation (mean pairwise Jaccard, quadratic cost),
    /// taken at an even stride through the test users. Default 1,000.
    pub homogenisation_users: usize,
    /// Activity segments of users in a real rating log (generated worlds have theirs).
    pub segments: SegmentThresholds,
}

impl Default for EvaluationSpec {
    fn default() -> Self {
        Self {
            protocol: ProtocolSpec::KFold { folds: 5 },
            k: 10,
            relevance_threshold: 4.0,
            gain: Gain::Linear,
            serendipity_min_dissimilarity: 0.5,
            homogenisation_users: 1_000,
            segments: SegmentThresholds::default(),
        }
    }
}

/// How the ratings are split. Every split is a pure function of the seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum ProtocolSpec {
    /// Each rating goes to train, validation or test with these shares (sum 1).
    /// The validation part is held out for tuning and not scored. `repeats` draws that
    /// many independent splits (the folds of the interval).
    RandomSplit {
        /// Share of ratings to train on. Default 0.7.
        #[serde(default = "default_train")]
        train: f64,
        /// Share held out for tuning. Default 0.15.
        #[serde(default = "default_holdout")]
        validation: f64,
        /// Share to test on. Default 0.15.
        #[serde(default = "default_holdout")]
        test: f64,
        /// Independent splits. Default 1.
        #[serde(default = "default_repeats")]
        repeats: usize,
    },
    /// User-stratified k-fold cross-validation: each user's ratings are shuffled and
    /// dealt round the folds, so every fold tests on about 1/k of every user.
    KFold {
        /// Number of folds, ≥ 2.
        folds: usize,
    },
    /// Train on the past, test on the future: ratings in time order are cut into
    /// `windows + 1` equal parts; window i trains on parts 0..=i and tests on part i+1.
    Temporal {
        /// Number of test windows, ≥ 1.
        windows: usize,
    },
    /// Each user's latest rating is the test set (users with a single rating only
    /// train).
    LeaveLastOut,
}

fn default_train() -> f64 {
    0.7
}

fn default_holdout() -> f64 {
    0.15
}

fn default_repeats() -> usize {
    1
}

impl EvaluationSpec {
    /// Every out-of-range value, with its field path and fix.
    #[must_use]
    pub fn problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut fail = |field: &str, problem: String, fix: &str| {
            problems.push(Problem {
                field: format!("evaluation.{field}"),
                problem,
                fix: fix.into(),
            });
        };
        if self.k == 0 {
            fail("k", "is 0".into(), "use a list length of at least 1");
        }
        if !(self.relevance_threshold.is_finite() && self.relevance_threshold > 0.0) {
            fail(
                "relevance_threshold",
                format!("is {}", self.relevance_threshold),
                "use a finite rating > 0, e.g. 4.0",
            );
        }
        if !(0.0..=1.0).contains(&self.serendipity_min_dissimilarity) {
            fail(
                "serendipity_min_dissimilarity",
                format!("is {}", self.serendipity_min_dissimilarity),
                "use a dissimilarity in [0, 1]",
            );
        }
        if self.homogenisation_users < 2 {
            fail(
                "homogenisation_users",
                format!("is {}", self.homogenisation_users),
                "use at least 2",
            );
        }
        if let Some((problem, fix)) = self.segments.problem() {
            fail("segments.power_from", problem, fix);
        }
        match &self.protocol {
            ProtocolSpec::RandomSplit {
                train,
                validation,
                test,
                repeats,
            } => {
                let shares = [*train, *validation, *test];
                if shares.iter().any(|s| !(0.0..=1.0).contains(s))
                    || (shares.iter().sum::<f64>() - 1.0).abs() > 1e-6
                    || *train <= 0.0
                    || *test <= 0.0
                {
                    fail(
                        "protocol",
                        format!("RandomSplit shares are {train}/{validation}/{test}"),
                        "use shares in [0, 1] summing to 1, with train and test > 0",
                    );
                }
                if *repeats == 0 {
                    fail("protocol.repeats", "is 0".into(), "use at least 1");
                }
            }
            ProtocolSpec::KFold { folds } if *folds < 2 => {
                fail(
                    "protocol.folds",
                    format!("is {folds}"),
                    "use at least 2 folds",
                );
            }
            ProtocolSpec::Temporal { windows } if *windows == 0 => {
                fail("protocol.windows", "is 0".into(), "use at least 1 window");
            }
            _ => {}
        }
        problems
    }
}

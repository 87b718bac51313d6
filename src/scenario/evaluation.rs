//! The `evaluation` section of a scenario: how `recolab eval` splits the data and
//! which metric settings it uses.

use serde::{Deserialize, Serialize};

use crate::data::SegmentThresholds;
use crate::eval::Gain;

use super::Problem;
use super::limits::{self, IntegerLimit};

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

/// The problems of one section, each field under `evaluation.`.
#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn fail(&mut self, field: &str, problem: String, fix: &str) {
        self.0.push(Problem {
            field: format!("evaluation.{field}"),
            problem,
            fix: fix.into(),
        });
    }

    fn integer(&mut self, field: &str, value: usize, limit: IntegerLimit) {
        if !u64::try_from(value).is_ok_and(|v| limit.contains(v)) {
            self.fail(field, format!("is {value}"), &limit.fix());
        }
    }
}

impl EvaluationSpec {
    /// Every out-of-range value, with its field path and fix.
    #[must_use]
    pub fn problems(&self) -> Vec<Problem> {
        let mut p = Problems::default();
        p.integer("k", self.k, limits::EVAL_K);
        if !(self.relevance_threshold.is_finite() && self.relevance_threshold > 0.0) {
            p.fail(
                "relevance_threshold",
                format!("is {}", self.relevance_threshold),
                "use a finite rating > 0, e.g. 4.0",
            );
        }
        if !(0.0..=1.0).contains(&self.serendipity_min_dissimilarity) {
            p.fail(
                "serendipity_min_dissimilarity",
                format!("is {}", self.serendipity_min_dissimilarity),
                "use a dissimilarity in [0, 1]",
            );
        }
        p.integer(
            "homogenisation_users",
            self.homogenisation_users,
            limits::HOMOGENISATION_USERS,
        );
        if let Some((problem, fix)) = self.segments.problem() {
            p.fail("segments.power_from", problem, fix);
        }
        match &self.protocol {
            ProtocolSpec::RandomSplit {
                train,
                validation,
                test,
                repeats,
            } => {
                let mut in_range = true;
                // Train and test must hold something; the validation part may be empty.
                for (name, share, may_be_zero) in [
                    ("train", *train, false),
                    ("validation", *validation, true),
                    ("test", *test, false),
                ] {
                    let low_ok = if may_be_zero {
                        share >= 0.0
                    } else {
                        share > 0.0
                    };
                    if !(low_ok && share <= 1.0) {
                        in_range = false;
                        p.fail(
                            &format!("protocol.{name}"),
                            format!("is {share}"),
                            if may_be_zero {
                                "use a share in [0, 1]"
                            } else {
                                "use a share in (0, 1]"
                            },
                        );
                    }
                }
                if in_range && ((train + validation + test) - 1.0).abs() > 1e-6 {
                    p.fail(
                        "protocol",
                        format!("RandomSplit shares are {train}/{validation}/{test}"),
                        "make `train`, `validation` and `test` sum to 1 (within 1e-6)",
                    );
                }
                p.integer("protocol.repeats", *repeats, limits::REPEATS);
            }
            ProtocolSpec::KFold { folds } => {
                p.integer("protocol.folds", *folds, limits::FOLDS);
            }
            ProtocolSpec::Temporal { windows } => {
                p.integer("protocol.windows", *windows, limits::WINDOWS);
            }
            ProtocolSpec::LeaveLastOut => {}
        }
        p.0
    }
}

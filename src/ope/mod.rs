//! Off-policy evaluation: the value of a target policy estimated from another
//! policy's logs, and checked against the truth only a simulator has.
//!
//! | role | file | what it is |
//! | --- | --- | --- |
//! | log | `log.rs` | [`OffPolicyLog`]: the logged requests with their propensities (read from `events.jsonl` or collected from a replay), the oracle stamps kept apart |
//! | target | `target.rs` | a target policy walked along the log: its probability of every arm set at each request ([`walk`]) — the estimand |
//! | reward model | `reward_model.rs` | [`RewardModel`]: the direct method's `q̂(x, A)`, shrunk cell means, cross-fitted |
//! | estimators | `estimators.rs` | IPS, SNIPS, DM, DR, switch-DR and the effective sample size as formulas over rounds |
//! | bootstrap | `bootstrap.rs` | percentile intervals, resampling users |
//! | truth | `truth.rs` | [`Target`]s parsed, and each deployed on the same world (`recolab compare`'s cells) |
//! | study | `study.rs` | [`OpePlan`]: one log (`--log`) or many seeds (`--seeds`) → [`OpeReport`] |
//!
//! The propensities themselves come from the policies
//! ([`crate::bandit::propensity`]); docs/OFF_POLICY_EVALUATION.md explains the
//! estimand, the formulas, their assumptions and the measured bias and coverage.

mod bootstrap;
mod error;
mod estimators;
mod log;
mod reward_model;
mod study;
mod target;
mod truth;

pub use bootstrap::{LEVEL, intervals};
pub use error::OpeError;
pub use estimators::{
    Estimates, Estimator, Round, RoundSums, SWITCH_DELTA, SWITCH_TAUS, estimate, estimate_at,
    tune_switch,
};
pub use log::{EventTruth, LogCollector, LoggedEvent, OffPolicyLog, Reward, RewardKind};
pub use reward_model::{N_FOLDS, PRIOR_STRENGTH, RewardModel, fold_of};
pub use study::{
    Accuracy, DEFAULT_BOOTSTRAP, DEFAULT_TARGET_DRAWS, EstimateRow, EstimatorAccuracy,
    OPE_FORMAT_VERSION, OpeOptions, OpePlan, OpeReport, SeedResult, TargetAccuracy, TargetInfo,
    TargetResult, scenario_of_log,
};
pub use target::{TargetRounds, log_truth_available, walk};
pub use truth::Target;

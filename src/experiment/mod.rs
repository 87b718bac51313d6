//! A/B experiments: which users see which variant, what the replay records about
//! them, and the analysis a team can trust.
//!
//! | concept | item |
//! | --- | --- |
//! | consistent-hash assignment (salted per run for A/A series) | [`Assigner`] |
//! | per-user aggregates recorded during the replay | [`ExperimentRecorder`], [`ExperimentLog`] |
//! | team-draft interleaving of two stacks | [`team_draft`], [`Interleaver`] |
//! | one metric, treatment vs control (delta method, Welch, CUPED, Bayes, truth) | [`compare`], [`Comparison`] |
//! | stopping rules over interim looks, naive peeking | [`apply_rule`], [`Sequential`] |
//! | the whole analysis: SRM, primary, guardrails, power, breakdowns, verdict | [`analyse`], [`ExperimentResult`] |
//! | interleaving verdict | [`preference`], [`Preference`] |
//! | the plan's success metrics | [`Scorecard`] |

mod analysis;
mod assignment;
mod breakdown;
mod compare;
mod guardrail;
mod interleave;
mod looks;
mod metric;
mod preference;
mod recorder;
mod sample_size;
mod scorecard;
mod verdict;

pub use analysis::{
    EXPERIMENTS_FORMAT_VERSION, ExperimentResult, ExperimentsReport, Outside, SampleRatio,
    VariantInfo, analyse,
};
pub use assignment::{Assigner, Assignment};
pub use breakdown::{Breakdown, Subgroup};
pub use compare::{Comparison, CupedEstimate, Estimate, Truth, UserRow, compare, group_value};
pub use guardrail::Guardrail;
pub use interleave::{
    CONTROL_TEAM, Interleaver, TREATMENT_TEAM, team_draft, team_feedback, with_partner,
};
pub use looks::{Decision, Look, LookEstimate, Sequential, apply_rule};
pub use metric::{COVARIATE_NAMES, covariates, estimand, has_truth, per_user, truth_per_user};
pub use preference::{Preference, preference};
pub use recorder::{
    DAYPARTS, ExperimentLog, ExperimentRecorder, LookSnapshot, PreExperiment, RequestRecord,
    UserCounts,
};
pub use sample_size::PowerAnalysis;
pub use scorecard::{Scorecard, ScorecardRow, Status};
pub use verdict::{TreatmentVerdict, Verdict};

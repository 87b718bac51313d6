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
mod compare;
mod interleave;
mod looks;
mod metric;
mod preference;
mod recorder;
mod scorecard;

pub use analysis::{
    Breakdown, EXPERIMENTS_FORMAT_VERSION, ExperimentResult, ExperimentsReport, Guardrail, Outside,
    PowerAnalysis, SampleRatio, Subgroup, TreatmentVerdict, VariantInfo, Verdict, analyse,
};
pub use assignment::{Assigner, Assignment};
pub use compare::{Comparison, CupedEstimate, Estimate, Truth, UserRow, compare, group_value};
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
pub use scorecard::{Scorecard, ScorecardRow, Status};

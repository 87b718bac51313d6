//! `recolab aa`: A/A experiments on fresh seeds. Every variant of the first
//! experiment runs the control's stack, so any "significant" result is a false
//! positive; over many runs each test's false-positive rate should sit at alpha.
//!
//! Four tests are counted on the same runs:
//!
//! - the fixed-horizon test of the primary metric (user as the unit, the
//!   experiment's CUPED setting) — must hold;
//! - the experiment's sequential rule (a group-sequential rule when the scenario
//!   asks for a fixed horizon) — must hold;
//! - naive peeking: the fixed-horizon test at every look of that rule, stopping at
//!   the first p < alpha — expected to inflate;
//! - a naive request-level test of CTR that treats every request as independent
//!   (Pearson's 2 × 2 chi-square on clicks and requests, the pooled two-proportion z
//!   test) — expected to inflate, because a user's requests are alike.
//!
//! A rate holds when its count of rejections falls inside the central 99% region of
//! Binomial(runs, alpha); each rate is also shown with its exact 99% interval.

use serde::Serialize;

use crate::experiment::ExperimentLog;
use crate::scenario::Scenario;
use crate::scenario::spec::{Design, ExperimentSpec, StoppingRule, VariantSpec};
use crate::stats::{LogProb, acceptance_region, clopper_pearson, independence};

use super::trials::{TrialRun, TrialsError, run_trials, salted};

/// Confidence level of every interval of an A/A series.
pub const AA_LEVEL: f64 = 0.99;

/// One A/A run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AaRun {
    /// Replicate of the seed tree.
    pub replicate: u64,
    /// The assignment salt of the experiment.
    pub salt: u64,
    /// Analysed users: control, treatment.
    pub users: [usize; 2],
    /// Requests: control, treatment.
    pub requests: [u64; 2],
    /// Sample ratio mismatch p-value.
    pub srm_p: Option<LogProb>,
    /// Fixed-horizon p-value of the primary metric (the analysis the verdict uses).
    pub fixed_p: Option<LogProb>,
    /// The same without CUPED.
    pub fixed_p_unadjusted: Option<LogProb>,
    /// Whether the sequential rule rejected.
    pub sequential_rejected: bool,
    /// The look at which it stopped.
    pub stopped_at: Option<usize>,
    /// Whether naive peeking would have rejected.
    pub naive_peeking_rejected: bool,
    /// p-value of the naive request-level CTR test.
    pub request_level_p: Option<LogProb>,
    /// Whether the primary metric's interval covered the true difference.
    pub truth_covered: Option<bool>,
}

/// A rejection rate over the runs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RateCheck {
    /// Short name.
    pub test: &'static str,
    /// What it is.
    pub description: String,
    /// Runs that rejected "no difference".
    pub rejections: u64,
    /// Runs counted.
    pub runs: u64,
    /// rejections / runs.
    pub rate: f64,
    /// Exact (Clopper–Pearson) 99% interval of the rate.
    pub interval: [f64; 2],
    /// Central 99% region of the count under a true rate of alpha.
    pub expected_region: [u64; 2],
    /// Whether the count is inside that region.
    pub within: bool,
    /// Whether the series fails when it is not.
    pub must_hold: bool,
}

/// A whole A/A series.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AaReport {
    /// Scenario name.
    pub scenario: String,
    /// Root seed (replicates 0..runs).
    pub seed: u64,
    /// Runs.
    pub runs: usize,
    /// The experiment repeated.
    pub experiment: String,
    /// Its primary metric.
    pub primary_metric: String,
    /// Its alpha.
    pub alpha: f64,
    /// The sequential rule counted.
    pub rule: String,
    /// The false-positive rates.
    pub checks: Vec<RateCheck>,
    /// Share of runs whose interval covered the true difference (`None` when the
    /// primary metric's truth is not stamped).
    pub coverage: Option<RateCheck>,
    /// Whether every must-hold rate is within its region.
    pub passed: bool,
    /// Every run, in replicate order.
    pub run_details: Vec<AaRun>,
}

/// The A/A version of `base`: the first experiment's variants all run the control's
/// stack (an experiment splitting every user 50/50 is added when there is none), and
/// a fixed-horizon rule is replaced by the default group-sequential one so that a
/// sequential rule is counted.
///
/// # Errors
///
/// [`TrialsError::Interleaving`] when the first experiment interleaves, and
/// validation errors.
pub fn aa_scenario(base: &Scenario) -> Result<Scenario, TrialsError> {
    let mut spec = base.spec().clone();
    if spec.experiments.is_empty() {
        let variant = |name: &str| VariantSpec {
            name: name.into(),
            weight: 1.0,
            policy: None,
            diversity: None,
        };
        spec.experiments.push(ExperimentSpec::ab_test(
            "aa",
            1.0,
            vec![variant("control"), variant("treatment")],
        ));
    }
    let exp = &mut spec.experiments[0];
    if exp.design == Design::Interleaving {
        return Err(TrialsError::Interleaving(exp.id.clone()));
    }
    let control = exp.variants[0].clone();
    for v in exp.variants.iter_mut().skip(1) {
        v.policy.clone_from(&control.policy);
        v.diversity.clone_from(&control.diversity);
    }
    if exp.stopping == StoppingRule::FixedHorizon {
        exp.stopping = StoppingRule::default();
    }
    Ok(spec.validate(std::path::Path::new(base.name()), base.name())?)
}

fn request_level(log: &ExperimentLog, first_slot: usize) -> ([u64; 2], Option<LogProb>) {
    let mut clicks = [0u64; 2];
    let mut requests = [0u64; 2];
    for &u in &log.members[0] {
        let v = log.user_slot[u] - first_slot;
        if v < 2 {
            clicks[v] += u64::from(log.users[u].clicks);
            requests[v] += u64::from(log.users[u].requests);
        }
    }
    let test = independence(&[
        (clicks[0], requests[0] - clicks[0]),
        (clicks[1], requests[1] - clicks[1]),
    ]);
    (requests, test.map(|t| t.p_value))
}

fn measure(run: TrialRun) -> AaRun {
    let e = &run.report.experiments[0];
    let log = run
        .outcome
        .experiments
        .as_ref()
        .expect("the scenario has experiments");
    let (requests, request_level_p) = request_level(log, 1);
    let primary = e.primary.iter().find(|c| c.treatment == e.variants[1].name);
    let sequential = e.sequential.first();
    AaRun {
        replicate: run.replicate,
        salt: run.scenario.spec().experiments[0]
            .salt
            .expect("A/A runs are salted"),
        users: [e.variants[0].active_users, e.variants[1].active_users],
        requests,
        srm_p: e.sample_ratio.as_ref().map(|s| s.test.p_value),
        fixed_p: primary.map(|c| c.chosen().p_value),
        fixed_p_unadjusted: primary.map(|c| c.unadjusted.p_value),
        sequential_rejected: sequential.is_some_and(|s| s.decision.rejected()),
        stopped_at: sequential.and_then(|s| s.stopped_at),
        naive_peeking_rejected: sequential.is_some_and(|s| s.naive_peeking_stop.is_some()),
        request_level_p,
        truth_covered: primary.and_then(|c| c.truth.as_ref().map(|t| t.covered)),
    }
}

fn rate(
    test: &'static str,
    description: String,
    outcomes: impl Iterator<Item = bool>,
    alpha: f64,
    must_hold: bool,
) -> RateCheck {
    let (mut rejections, mut runs) = (0u64, 0u64);
    for rejected in outcomes {
        runs += 1;
        rejections += u64::from(rejected);
    }
    let (lo, hi) = if runs > 0 {
        clopper_pearson(rejections, runs, AA_LEVEL)
    } else {
        (0.0, 1.0)
    };
    let region = acceptance_region(runs, alpha, AA_LEVEL);
    RateCheck {
        test,
        description,
        rejections,
        runs,
        rate: if runs > 0 {
            rejections as f64 / runs as f64
        } else {
            0.0
        },
        interval: [lo, hi],
        expected_region: [region.0, region.1],
        within: (region.0..=region.1).contains(&rejections),
        must_hold,
    }
}

/// Runs an A/A series of `runs` replicates of `base`, in parallel.
///
/// # Errors
///
/// [`TrialsError`] when `runs` is 0, the first experiment interleaves, or the A/A
/// scenario does not validate.
pub fn aa(
    base: &Scenario,
    runs: usize,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<AaReport, TrialsError> {
    if runs == 0 {
        return Err(TrialsError::NoRuns);
    }
    let scenario = aa_scenario(base)?;
    salted(&scenario, 0)?;
    let exp = &scenario.spec().experiments[0];
    let alpha = exp.alpha;
    let scenario_for = |r: u64| {
        salted(&scenario, r).expect("run 0's salted scenario validated; salts never invalidate")
    };
    let details: Vec<AaRun> = run_trials(runs, &scenario_for, &measure, progress);
    let below = |p: Option<LogProb>| p.is_some_and(|p| p.is_below(alpha));
    let metric = exp.primary_metric.name();
    let checks = vec![
        rate(
            "fixed_horizon",
            format!(
                "{metric}, one test at the horizon, users as the unit ({})",
                if exp.cuped { "CUPED" } else { "unadjusted" }
            ),
            details.iter().map(|d| below(d.fixed_p)),
            alpha,
            true,
        ),
        rate(
            "sequential",
            format!("{metric}, {}", exp.stopping.describe()),
            details.iter().map(|d| d.sequential_rejected),
            alpha,
            true,
        ),
        rate(
            "naive_peeking",
            format!(
                "{metric}, the fixed-horizon test at each of the {} looks, stopping at the first p < alpha",
                exp.stopping.looks()
            ),
            details.iter().map(|d| d.naive_peeking_rejected),
            alpha,
            false,
        ),
        rate(
            "request_level",
            "CTR with every request as an independent unit (2 × 2 chi-square on clicks / requests)"
                .into(),
            details.iter().map(|d| below(d.request_level_p)),
            alpha,
            false,
        ),
        rate(
            "fixed_horizon_unadjusted",
            format!("{metric}, one test at the horizon, users as the unit, without CUPED"),
            details.iter().map(|d| below(d.fixed_p_unadjusted)),
            alpha,
            false,
        ),
        rate(
            "sample_ratio_mismatch",
            "the SRM chi-square at alpha (its p-values are uniform when assignment is fair)".into(),
            details.iter().map(|d| below(d.srm_p)),
            alpha,
            false,
        ),
    ];
    let covered: Vec<bool> = details.iter().filter_map(|d| d.truth_covered).collect();
    let coverage = (!covered.is_empty()).then(|| {
        rate(
            "truth_coverage",
            format!(
                "runs whose {:.0}% interval covers the true difference",
                100.0 * (1.0 - alpha)
            ),
            covered.iter().copied(),
            1.0 - alpha,
            false,
        )
    });
    let passed = checks.iter().all(|c| c.within || !c.must_hold);
    Ok(AaReport {
        scenario: base.name().to_owned(),
        seed: base.spec().seed,
        runs,
        experiment: exp.id.clone(),
        primary_metric: metric.to_owned(),
        alpha,
        rule: exp.stopping.describe(),
        checks,
        coverage,
        passed,
        run_details: details,
    })
}

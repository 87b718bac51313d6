//! The analysis of each experiment of a run: sample ratio mismatch first, then the
//! primary metric with its stopping rule, guardrails, every metric with Holm's
//! correction, power, breakdowns by segment and daypart, and a verdict.

use serde::Serialize;

use crate::scenario::Scenario;
use crate::scenario::spec::{Design, ExperimentSpec, Metric};
use crate::sim::RunOutcome;
use crate::stats::{ChiSquare, LogProb, goodness_of_fit, holm, independence};
use crate::world::{Segment, World};

use super::breakdown::{Breakdown, breakdown};
use super::compare::{Comparison, UserRow, compare};
use super::guardrail::{Guardrail, guardrails};
use super::looks::{Look, LookEstimate, Sequential, apply_rule};
use super::metric::covariates;
use super::preference::{Preference, preference};
use super::recorder::{ExperimentLog, UserCounts};
use super::sample_size::{PowerAnalysis, power_analysis};
use super::scorecard::{Scorecard, scorecard};
use super::verdict::{TreatmentVerdict, verdict};

/// Version of the `experiments.json` layout.
pub const EXPERIMENTS_FORMAT_VERSION: u32 = 1;

/// Every experiment of a run, and the users outside them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExperimentsReport {
    /// Layout version.
    pub format_version: u32,
    /// Users in no experiment: served by the stack, not a variant.
    pub outside_experiments: Outside,
    /// One analysis per experiment, in scenario order.
    pub experiments: Vec<ExperimentResult>,
}

/// Users outside every experiment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outside {
    /// Users assigned to no experiment.
    pub users: usize,
    /// Of them, users with at least one request.
    pub active_users: usize,
    /// Their requests.
    pub requests: u64,
}

/// One variant's population.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VariantInfo {
    /// Name.
    pub name: String,
    /// The policy serving it.
    pub policy: String,
    /// Configured share of the experiment's users.
    pub share: f64,
    /// Users assigned.
    pub assigned_users: usize,
    /// Users with at least one request: the analysed sample.
    pub active_users: usize,
    /// Their requests.
    pub requests: u64,
}

/// The sample ratio mismatch test: are the analysed users split as configured?
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SampleRatio {
    /// Active users per variant.
    pub observed: Vec<u64>,
    /// Configured shares.
    pub expected_shares: Vec<f64>,
    /// Pearson's goodness of fit.
    pub test: ChiSquare,
    /// The level below which the split is a mismatch.
    pub srm_alpha: f64,
    /// Whether the split is consistent with the configuration.
    pub passed: bool,
}

/// The whole analysis of one experiment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExperimentResult {
    /// Experiment id.
    pub id: String,
    /// A/B test or interleaving.
    pub design: Design,
    /// Share of all users enrolled.
    pub traffic: f64,
    /// Significance level.
    pub alpha: f64,
    /// The primary metric.
    pub primary_metric: Metric,
    /// The stopping rule.
    pub stopping: String,
    /// The variants; the first is the control.
    pub variants: Vec<VariantInfo>,
    /// Sample ratio mismatch test, shown first (A/B tests).
    pub sample_ratio: Option<SampleRatio>,
    /// Verdict per treatment.
    pub verdicts: Vec<TreatmentVerdict>,
    /// The primary metric per treatment (Holm over the treatments).
    pub primary: Vec<Comparison>,
    /// The stopping rule per treatment.
    pub sequential: Vec<Sequential>,
    /// Guardrails per treatment.
    pub guardrails: Vec<Guardrail>,
    /// Power per treatment.
    pub power: Vec<PowerAnalysis>,
    /// Every metric per treatment (Holm over all of them).
    pub metrics: Vec<Comparison>,
    /// Chi-square 2 × k on users with at least one click.
    pub clicked_users: Option<ChiSquare>,
    /// The primary metric by segment and daypart.
    pub breakdown: Option<Breakdown>,
    /// Interleaving: the preference between the two teams.
    pub interleaving: Option<Preference>,
    /// The plan's success metrics, treatment against control.
    pub scorecard: Option<Scorecard>,
}

/// One experiment's users, as rows per variant.
pub(crate) struct Population<'a> {
    pub spec: &'a ExperimentSpec,
    /// First policy slot of the experiment.
    pub first_slot: usize,
    /// Members, ascending.
    pub members: &'a [usize],
    pub log: &'a ExperimentLog,
    /// Mean warm-up rating of everybody (the covariate of users without one).
    pub fallback_rating: f64,
}

impl Population<'_> {
    fn variant_of(&self, user: usize) -> usize {
        self.log.user_slot[user] - self.first_slot
    }

    /// Rows of active users per variant, from `counts` (one per member).
    pub fn rows(&self, counts: impl Fn(usize, usize) -> UserCounts) -> Vec<Vec<UserRow>> {
        let mut rows = vec![Vec::new(); self.spec.variants.len()];
        for (i, &u) in self.members.iter().enumerate() {
            let c = counts(i, u);
            if c.requests > 0 {
                rows[self.variant_of(u)]
                    .push((c, covariates(&self.log.pre[u], self.fallback_rating)));
            }
        }
        rows
    }
}

/// Analyses every experiment of a finished run of `scenario` on `world`; `None`
/// without experiments.
#[must_use]
pub fn analyse(
    scenario: &Scenario,
    world: &World,
    outcome: &RunOutcome,
) -> Option<ExperimentsReport> {
    let log = outcome.experiments.as_ref()?;
    let segments: Vec<Segment> = world.population.users.iter().map(|u| u.segment).collect();
    let segments = &segments[..];
    let spec = scenario.spec();
    let (n, sum) = log.pre.iter().fold((0u64, 0.0), |(n, s), p| {
        (
            n + u64::from(p.n_ratings),
            s + p.mean_rating.map_or(0.0, |m| m * f64::from(p.n_ratings)),
        )
    });
    let fallback_rating = if n > 0 { sum / n as f64 } else { 0.0 };
    let mut first_slot = 1;
    let mut experiments = Vec::new();
    for (e, exp) in spec.experiments.iter().enumerate() {
        let pop = Population {
            spec: exp,
            first_slot,
            members: &log.members[e],
            log,
            fallback_rating,
        };
        experiments.push(analyse_one(scenario, outcome, &pop, e, segments));
        first_slot += exp.variants.len();
    }
    let outside: Vec<usize> = (0..log.user_slot.len())
        .filter(|&u| log.user_slot[u] == 0)
        .collect();
    Some(ExperimentsReport {
        format_version: EXPERIMENTS_FORMAT_VERSION,
        outside_experiments: Outside {
            users: outside.len(),
            active_users: outside
                .iter()
                .filter(|&&u| log.users[u].requests > 0)
                .count(),
            requests: outcome.by_variant[0].1.requests,
        },
        experiments,
    })
}

fn analyse_one(
    scenario: &Scenario,
    outcome: &RunOutcome,
    pop: &Population<'_>,
    e: usize,
    segments: &[Segment],
) -> ExperimentResult {
    let exp = pop.spec;
    let log = pop.log;
    let rows = pop.rows(|_, u| log.users[u]);
    let weight_total: f64 = exp.variants.iter().map(|v| v.weight).sum();
    let interleaved = exp.design == Design::Interleaving;
    // Interleaving shows every enrolled user both variants: each row counts them all.
    let all_rows: Vec<&UserRow> = rows.iter().flatten().collect();
    let variants: Vec<VariantInfo> = exp
        .variants
        .iter()
        .enumerate()
        .map(|(v, variant)| VariantInfo {
            name: variant.name.clone(),
            policy: variant
                .policy
                .as_ref()
                .unwrap_or(&scenario.spec().stack.policy)
                .name()
                .to_owned(),
            share: if interleaved {
                1.0
            } else {
                variant.weight / weight_total
            },
            assigned_users: if interleaved {
                pop.members.len()
            } else {
                pop.members
                    .iter()
                    .filter(|&&u| pop.variant_of(u) == v)
                    .count()
            },
            active_users: if interleaved {
                all_rows.len()
            } else {
                rows[v].len()
            },
            requests: if interleaved {
                all_rows.iter().map(|(c, _)| u64::from(c.requests)).sum()
            } else {
                rows[v].iter().map(|(c, _)| u64::from(c.requests)).sum()
            },
        })
        .collect();
    let mut result = ExperimentResult {
        id: exp.id.clone(),
        design: exp.design,
        traffic: exp.traffic,
        alpha: exp.alpha,
        primary_metric: exp.primary_metric,
        stopping: exp.stopping.describe(),
        variants,
        sample_ratio: None,
        verdicts: Vec::new(),
        primary: Vec::new(),
        sequential: Vec::new(),
        guardrails: Vec::new(),
        power: Vec::new(),
        metrics: Vec::new(),
        clicked_users: None,
        breakdown: None,
        interleaving: None,
        scorecard: None,
    };
    if exp.design == Design::Interleaving {
        let users: Vec<UserCounts> = rows.concat().iter().map(|(c, _)| *c).collect();
        result.interleaving = Some(preference(
            &exp.variants[1].name,
            &users,
            exp.alpha,
            exp.power,
        ));
        return result;
    }

    let observed: Vec<u64> = rows.iter().map(|r| r.len() as u64).collect();
    let shares: Vec<f64> = exp.variants.iter().map(|v| v.weight).collect();
    let srm_passed = match goodness_of_fit(&observed, &shares) {
        Some(test) => {
            let passed = !test.p_value.is_below(exp.srm_alpha);
            result.sample_ratio = Some(SampleRatio {
                observed,
                expected_shares: shares.iter().map(|s| s / weight_total).collect(),
                test,
                srm_alpha: exp.srm_alpha,
                passed,
            });
            passed
        }
        None => true,
    };

    let treatments: Vec<usize> = (1..exp.variants.len()).collect();
    let m = treatments.len() as f64;
    let cmp = |metric: Metric, t: usize, control: &[UserRow], treated: &[UserRow], cuped: bool| {
        compare(
            metric,
            &exp.variants[t].name,
            control,
            treated,
            exp.alpha,
            cuped,
            exp.prior_sd,
        )
    };

    // The primary metric, Holm over the treatments.
    let mut primary_flat: Vec<Comparison> = treatments
        .iter()
        .filter_map(|&t| cmp(exp.primary_metric, t, &rows[0], &rows[t], exp.cuped))
        .collect();
    apply_holm(&mut primary_flat);

    // The stopping rule, at alpha / (treatments) per comparison.
    let snapshots = &log.looks[e];
    for &t in &treatments {
        let looks: Vec<Look> = snapshots
            .iter()
            .enumerate()
            .map(|(k, snap)| {
                let look_rows = pop.rows(|i, _| snap.counts[i]);
                let users = [look_rows[0].len(), look_rows[t].len()];
                let estimate = cmp(
                    exp.primary_metric,
                    t,
                    &look_rows[0],
                    &look_rows[t],
                    exp.cuped,
                )
                .map(|c| LookEstimate::of(c.chosen()));
                Look {
                    look: k + 1,
                    day: snap.time_secs as f64 / 86_400.0,
                    fraction: snap.fraction,
                    users,
                    taken: estimate.is_some()
                        && users.iter().all(|&u| u >= exp.min_users_per_variant),
                    estimate,
                    boundary: None,
                    always_valid_p: None,
                }
            })
            .collect();
        result.sequential.push(apply_rule(
            &exp.variants[t].name,
            &exp.stopping,
            exp.alpha / m,
            exp.alpha,
            looks,
        ));
    }

    result.guardrails = guardrails(exp, &rows, &treatments, &cmp);

    result.power = primary_flat
        .iter()
        .map(|c| power_analysis(exp, c, &rows, m))
        .collect();

    // Every metric, Holm over metrics × treatments.
    let mut metrics: Vec<Comparison> = Metric::ALL
        .iter()
        .flat_map(|&metric| {
            treatments
                .iter()
                .filter_map(|&t| cmp(metric, t, &rows[0], &rows[t], exp.cuped))
                .collect::<Vec<_>>()
        })
        .collect();
    apply_holm(&mut metrics);
    result.metrics = metrics;

    let columns: Vec<(u64, u64)> = rows
        .iter()
        .map(|r| {
            let clicked = r.iter().filter(|(c, _)| c.clicks > 0).count() as u64;
            (clicked, r.len() as u64 - clicked)
        })
        .collect();
    result.clicked_users = independence(&columns);
    result.breakdown = Some(breakdown(pop, &treatments, segments, exp));

    for (i, &t) in treatments.iter().enumerate() {
        let primary = primary_flat
            .iter()
            .find(|c| c.treatment == exp.variants[t].name);
        result.verdicts.push(verdict(
            exp,
            t,
            [rows[0].len(), rows[t].len()],
            srm_passed,
            &result.guardrails,
            primary,
            &result.sequential[i],
        ));
    }
    result.primary = primary_flat;
    result.scorecard = scorecard(scenario, outcome, pop, &rows, &result);
    result
}

/// Sets `p_holm` of every comparison: Holm over the whole slice.
pub(crate) fn apply_holm(comparisons: &mut [Comparison]) {
    let p: Vec<LogProb> = comparisons.iter().map(|c| c.chosen().p_value).collect();
    for (c, a) in comparisons.iter_mut().zip(holm(&p)) {
        c.p_holm = a;
    }
}

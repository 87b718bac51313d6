//! The analysis of each experiment of a run: sample ratio mismatch first, then the
//! primary metric with its stopping rule, guardrails, every metric with Holm's
//! correction, power, breakdowns by segment and daypart, and a verdict.

use serde::Serialize;

use crate::scenario::Scenario;
use crate::scenario::spec::{Design, ExperimentSpec, Metric};
use crate::sim::RunOutcome;
use crate::stats::{
    ChiSquare, LogProb, detectable_ratio, goodness_of_fit, holm, independence,
    minimum_detectable_effect, power, required_units,
};
use crate::world::{Segment, World};

use super::compare::{Comparison, UserRow, compare};
use super::looks::{Decision, Look, LookEstimate, Sequential, apply_rule};
use super::metric::covariates;
use super::preference::{Preference, preference};
use super::recorder::{DAYPARTS, ExperimentLog, UserCounts};
use super::scorecard::{Scorecard, scorecard};

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

/// A non-inferiority guardrail on one treatment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Guardrail {
    /// The metric.
    pub metric: Metric,
    /// The treatment.
    pub treatment: String,
    /// Largest acceptable relative loss.
    pub margin: f64,
    /// Relative lift and its (1 − alpha) interval; `None` when undefined.
    pub relative_lift: Option<f64>,
    /// The interval.
    pub relative_interval: Option<[f64; 2]>,
    /// Holds when the interval's lower end is above −margin (one-sided test at
    /// alpha/2), Holm-adjusted over the guardrails.
    pub passed: bool,
    /// One-sided p-value of "worse by at least the margin", Holm-adjusted.
    pub p_holm: Option<LogProb>,
}

/// Power of the primary comparison.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PowerAnalysis {
    /// The treatment.
    pub treatment: String,
    /// Power the figures refer to.
    pub power: f64,
    /// Smallest absolute difference found with that power, given the sample at hand.
    pub minimum_detectable_effect: f64,
    /// The same relative to the control's value.
    pub minimum_detectable_lift: Option<f64>,
    /// The experiment's planned relative lift.
    pub planned_lift: f64,
    /// Power against the planned lift with the sample at hand.
    pub power_at_planned_lift: Option<f64>,
    /// Users the pair needs (both variants, at the configured split) to find the
    /// planned lift with the configured power.
    pub required_users: Option<f64>,
    /// Users the pair has.
    pub users: usize,
    /// Requests the pair has.
    pub requests: u64,
    /// Requests the pair would need to detect the difference it measured with the
    /// configured power: `requests · (r* · se / δ)²`, r* the effect-to-error ratio of
    /// that power (comparable with an interleaving test's figure).
    pub requests_for_observed_effect: Option<f64>,
}

/// One subgroup's primary comparison.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Subgroup {
    /// "segment" or "daypart".
    pub by: &'static str,
    /// The subgroup.
    pub group: String,
    /// The comparison (without CUPED: subgroups are descriptive).
    pub comparison: Comparison,
}

/// The primary metric by user segment and daypart.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Breakdown {
    /// The multiple-comparison caveat.
    pub caveat: String,
    /// Every subgroup comparison; `p_holm` is adjusted over all of them.
    pub subgroups: Vec<Subgroup>,
}

/// What a team should do about one treatment.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// The split does not match the configuration: nothing else can be trusted.
    SampleRatioMismatch,
    /// Fewer users than the minimum sample in a variant.
    TooFewUsers {
        /// The smaller variant's users.
        users: usize,
        /// The minimum.
        minimum: usize,
    },
    /// The primary metric is significantly better and every guardrail holds.
    Ship,
    /// The primary metric is better but a guardrail failed.
    GuardrailFailed {
        /// The failed guardrails.
        metrics: Vec<Metric>,
    },
    /// The primary metric is significantly worse.
    TreatmentWorse,
    /// No significant difference; effects below the MDE may exist.
    NoSignificantDifference,
}

/// The verdict on one treatment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TreatmentVerdict {
    /// The treatment.
    pub treatment: String,
    /// The verdict.
    #[serde(flatten)]
    pub verdict: Verdict,
    /// One sentence for people.
    pub summary: String,
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

    // Guardrails: non-inferiority, Holm over guardrails × treatments.
    let mut guardrails = Vec::new();
    let mut guard_p = Vec::new();
    for g in &exp.guardrails {
        for &t in &treatments {
            let c = cmp(g.metric, t, &rows[0], &rows[t], exp.cuped);
            let chosen = c.as_ref().map(Comparison::chosen);
            let rel = chosen.and_then(|e| e.relative_lift.zip(e.relative_interval));
            let p = rel.map(|(lift, [lo, _])| {
                // The interval is lift ± q·se at 1 − alpha; recover se for the
                // one-sided p-value of H0: lift ≤ −margin.
                let q = crate::stats::normal_quantile(1.0 - exp.alpha / 2.0);
                let se = (lift - lo) / q;
                LogProb::from_ln(crate::stats::ln_normal_sf(
                    (lift + g.margin) / se.max(f64::MIN_POSITIVE),
                ))
            });
            guard_p.push(p);
            guardrails.push(Guardrail {
                metric: g.metric,
                treatment: exp.variants[t].name.clone(),
                margin: g.margin,
                relative_lift: rel.map(|r| r.0),
                relative_interval: rel.map(|r| r.1),
                passed: false,
                p_holm: None,
            });
        }
    }
    let defined: Vec<LogProb> = guard_p.iter().flatten().copied().collect();
    let mut adjusted = holm(&defined).into_iter();
    for (g, p) in guardrails.iter_mut().zip(&guard_p) {
        if p.is_some() {
            let a = adjusted.next().expect("one adjusted value per defined p");
            g.p_holm = Some(a);
            g.passed = a.is_below(exp.alpha / 2.0);
        }
    }
    result.guardrails = guardrails;

    // Power of the primary comparison.
    for c in &primary_flat {
        let e = c.chosen();
        let users = c.users[0] + c.users[1];
        let share = exp.variants[treatment_index(exp, &c.treatment)].weight
            / (exp.variants[0].weight + exp.variants[treatment_index(exp, &c.treatment)].weight);
        let effect = exp.planned_lift * e.control;
        let alpha = exp.alpha / m;
        let t = treatment_index(exp, &c.treatment);
        let requests: u64 = [0, t]
            .iter()
            .flat_map(|&v| rows[v].iter())
            .map(|(c, _)| u64::from(c.requests))
            .sum();
        result.power.push(PowerAnalysis {
            treatment: c.treatment.clone(),
            power: exp.power,
            minimum_detectable_effect: minimum_detectable_effect(
                e.standard_error,
                alpha,
                exp.power,
            ),
            minimum_detectable_lift: (e.control != 0.0).then(|| {
                minimum_detectable_effect(e.standard_error, alpha, exp.power) / e.control.abs()
            }),
            planned_lift: exp.planned_lift,
            power_at_planned_lift: (e.standard_error > 0.0 && effect != 0.0)
                .then(|| power(effect, e.standard_error, alpha)),
            required_users: required_units(
                effect,
                e.treatment_unit_sd,
                e.control_unit_sd,
                share,
                alpha,
                exp.power,
            )
            .filter(|_| e.standard_error > 0.0),
            users,
            requests,
            requests_for_observed_effect: (e.difference != 0.0 && e.standard_error > 0.0).then(
                || {
                    requests as f64
                        * (detectable_ratio(alpha, exp.power) * e.standard_error / e.difference)
                            .powi(2)
                },
            ),
        });
    }

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

    // Verdicts.
    for (i, &t) in treatments.iter().enumerate() {
        let name = exp.variants[t].name.clone();
        let min_users = rows[0].len().min(rows[t].len());
        let decision = result.sequential[i].decision;
        let failed: Vec<Metric> = result
            .guardrails
            .iter()
            .filter(|g| g.treatment == name && !g.passed)
            .map(|g| g.metric)
            .collect();
        let verdict = if !srm_passed {
            Verdict::SampleRatioMismatch
        } else if min_users < exp.min_users_per_variant {
            Verdict::TooFewUsers {
                users: min_users,
                minimum: exp.min_users_per_variant,
            }
        } else {
            match decision {
                Decision::Better if failed.is_empty() => Verdict::Ship,
                Decision::Better => Verdict::GuardrailFailed { metrics: failed },
                Decision::Worse => Verdict::TreatmentWorse,
                Decision::NoDifference => Verdict::NoSignificantDifference,
            }
        };
        let summary = verdict_summary(
            &verdict,
            &name,
            exp,
            primary_flat.iter().find(|c| c.treatment == name),
            &result.sequential[i],
        );
        result.verdicts.push(TreatmentVerdict {
            treatment: name,
            verdict,
            summary,
        });
    }
    result.primary = primary_flat;
    result.scorecard = scorecard(scenario, outcome, pop, &rows, &result);
    result
}

fn treatment_index(exp: &ExperimentSpec, name: &str) -> usize {
    exp.variants
        .iter()
        .position(|v| v.name == name)
        .expect("comparisons name the experiment's variants")
}

/// Sets `p_holm` of every comparison: Holm over the whole slice.
fn apply_holm(comparisons: &mut [Comparison]) {
    let p: Vec<LogProb> = comparisons.iter().map(|c| c.chosen().p_value).collect();
    for (c, a) in comparisons.iter_mut().zip(holm(&p)) {
        c.p_holm = a;
    }
}

fn breakdown(
    pop: &Population<'_>,
    treatments: &[usize],
    segments: &[Segment],
    exp: &ExperimentSpec,
) -> Breakdown {
    let log = pop.log;
    let mut subgroups = Vec::new();
    for segment in Segment::ALL {
        let rows = pop.rows(|_, u| {
            if segments[u] == segment {
                log.users[u]
            } else {
                UserCounts::default()
            }
        });
        push_subgroups(
            &mut subgroups,
            "segment",
            segment.name(),
            &rows,
            treatments,
            exp,
        );
    }
    for (d, daypart) in DAYPARTS.iter().enumerate() {
        let rows = pop.rows(|_, u| log.by_daypart[u][d]);
        let name = format!("{daypart:?}").to_lowercase();
        push_subgroups(&mut subgroups, "daypart", &name, &rows, treatments, exp);
    }
    let p: Vec<LogProb> = subgroups
        .iter()
        .map(|s| s.comparison.chosen().p_value)
        .collect();
    for (s, a) in subgroups.iter_mut().zip(holm(&p)) {
        s.comparison.p_holm = a;
    }
    let n = subgroups.len();
    Breakdown {
        caveat: format!(
            "{n} subgroup comparisons: at alpha {} about {:.1} would come out significant by \
             chance alone even with no effect anywhere. Read raw p-values as hints; only \
             Holm-adjusted ones control the family-wise error, and a subgroup effect is \
             a hypothesis for a new experiment, not a finding.",
            exp.alpha,
            n as f64 * exp.alpha
        ),
        subgroups,
    }
}

fn push_subgroups(
    out: &mut Vec<Subgroup>,
    by: &'static str,
    group: &str,
    rows: &[Vec<UserRow>],
    treatments: &[usize],
    exp: &ExperimentSpec,
) {
    for &t in treatments {
        if let Some(comparison) = compare(
            exp.primary_metric,
            &exp.variants[t].name,
            &rows[0],
            &rows[t],
            exp.alpha,
            false,
            exp.prior_sd,
        ) {
            out.push(Subgroup {
                by,
                group: group.to_owned(),
                comparison,
            });
        }
    }
}

fn verdict_summary(
    verdict: &Verdict,
    treatment: &str,
    exp: &ExperimentSpec,
    primary: Option<&Comparison>,
    sequential: &Sequential,
) -> String {
    let metric = exp.primary_metric.name();
    let lift = primary
        .and_then(|c| c.chosen().relative_lift.zip(c.chosen().relative_interval))
        .map(|(l, [lo, hi])| {
            format!(
                "{metric} {:+.2}% [{:+.2}%, {:+.2}%]",
                100.0 * l,
                100.0 * lo,
                100.0 * hi
            )
        })
        .unwrap_or_else(|| format!("{metric} undefined"));
    let when = match sequential.stopped_at {
        Some(k) if k < sequential.looks.len() => format!(", stopped early at look {k}"),
        _ => String::new(),
    };
    match verdict {
        Verdict::SampleRatioMismatch => format!(
            "{treatment}: do not trust — the users are not split as configured (sample ratio mismatch)"
        ),
        Verdict::TooFewUsers { users, minimum } => format!(
            "{treatment}: no verdict — {users} users in the smaller variant, fewer than the minimum of {minimum}"
        ),
        Verdict::Ship => format!("{treatment}: ship — {lift}{when}; every guardrail holds"),
        Verdict::GuardrailFailed { metrics } => format!(
            "{treatment}: do not ship — {lift}{when}, but guardrail(s) {} failed",
            metrics
                .iter()
                .map(|m| m.name())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Verdict::TreatmentWorse => format!("{treatment}: worse — {lift}{when}"),
        Verdict::NoSignificantDifference => {
            format!("{treatment}: no significant difference — {lift}")
        }
    }
}

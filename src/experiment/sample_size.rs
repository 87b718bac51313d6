//! Power of the primary comparison: minimum detectable effect, power at the planned
//! lift, the users needed for it, and the requests needed for the measured difference.

use serde::Serialize;

use crate::scenario::spec::ExperimentSpec;
use crate::stats::{detectable_ratio, minimum_detectable_effect, power, required_units};

use super::compare::{Comparison, UserRow};

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

/// The power analysis of one primary comparison (at alpha / `m` for `m` treatments).
pub(crate) fn power_analysis(
    exp: &ExperimentSpec,
    c: &Comparison,
    rows: &[Vec<UserRow>],
    m: f64,
) -> PowerAnalysis {
    let e = c.chosen();
    let users = c.users[0] + c.users[1];
    let t = treatment_index(exp, &c.treatment);
    let share = exp.variants[t].weight / (exp.variants[0].weight + exp.variants[t].weight);
    let effect = exp.planned_lift * e.control;
    let alpha = exp.alpha / m;
    let requests: u64 = [0, t]
        .iter()
        .flat_map(|&v| rows[v].iter())
        .map(|(c, _)| u64::from(c.requests))
        .sum();
    PowerAnalysis {
        treatment: c.treatment.clone(),
        power: exp.power,
        minimum_detectable_effect: minimum_detectable_effect(e.standard_error, alpha, exp.power),
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
        requests_for_observed_effect: (e.difference != 0.0 && e.standard_error > 0.0).then(|| {
            requests as f64
                * (detectable_ratio(alpha, exp.power) * e.standard_error / e.difference).powi(2)
        }),
    }
}

fn treatment_index(exp: &ExperimentSpec, name: &str) -> usize {
    exp.variants
        .iter()
        .position(|v| v.name == name)
        .expect("comparisons name the experiment's variants")
}

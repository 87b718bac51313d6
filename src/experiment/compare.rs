//! One metric, treatment against control, with the user as the unit: the difference
//! and relative lift with intervals, Welch's test, CUPED, the chance to beat control,
//! and the truth aggregated the same way.

use serde::Serialize;

use crate::scenario::spec::Metric;
use crate::stats::{
    Chance, CupedGroup, Difference, LogProb, NormalPosterior, SampleMean, cuped, linearise,
    relative_lift, t_quantile,
};

use super::metric::{COVARIATE_NAMES, estimand, per_user, truth_per_user};
use super::recorder::UserCounts;

/// A user's counts and pre-experiment covariates.
pub type UserRow = (UserCounts, [f64; 2]);

/// Compares a metric between the control's rows and treatment `t`'s, with or without
/// CUPED: the experiment's settings bound in.
pub(crate) type Comparer<'a> =
    dyn Fn(Metric, usize, &[UserRow], &[UserRow], bool) -> Option<Comparison> + 'a;

/// An estimate of the difference (treatment − control) of one metric.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Estimate {
    /// The control's value.
    pub control: f64,
    /// The treatment's value.
    pub treatment: f64,
    /// Treatment − control.
    pub difference: f64,
    /// Standard error of the difference.
    pub standard_error: f64,
    /// Welch–Satterthwaite degrees of freedom.
    pub df: f64,
    /// Two-sided interval of the difference at 1 − alpha.
    pub interval: [f64; 2],
    /// Two-sided p-value of "no difference" (Welch's t).
    pub p_value: LogProb,
    /// Treatment / control − 1 (`None` when the control's value is 0).
    pub relative_lift: Option<f64>,
    /// Its interval (delta method).
    pub relative_interval: Option<[f64; 2]>,
    /// The relative lift's standard error (delta method).
    pub relative_standard_error: Option<f64>,
    /// Per-user standard deviation of the control's (adjusted) values.
    pub control_unit_sd: f64,
    /// The same for the treatment.
    pub treatment_unit_sd: f64,
}

impl Estimate {
    fn new(treatment: &SampleMean, control: &SampleMean, level: f64) -> Self {
        let d = Difference::welch(treatment, control);
        let (lo, hi) = d.interval(level);
        let rel = relative_lift(
            treatment.mean,
            treatment.variance_of_mean(),
            control.mean,
            control.variance_of_mean(),
        );
        let z = t_quantile(0.5 + level / 2.0, d.df);
        Self {
            control: control.mean,
            treatment: treatment.mean,
            difference: d.estimate,
            standard_error: d.standard_error,
            df: d.df,
            interval: [lo, hi],
            p_value: d.p_value(),
            relative_lift: rel.map(|r| r.0),
            relative_interval: rel.map(|(r, se)| [r - z * se, r + z * se]),
            relative_standard_error: rel.map(|r| r.1),
            control_unit_sd: control.unit_variance.sqrt(),
            treatment_unit_sd: treatment.unit_variance.sqrt(),
        }
    }

    /// The z (t) statistic.
    #[must_use]
    pub fn z(&self) -> f64 {
        Difference {
            estimate: self.difference,
            standard_error: self.standard_error,
            df: self.df,
        }
        .t()
    }
}

/// The CUPED-adjusted estimate and what the adjustment achieved.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CupedEstimate {
    /// The adjusted estimate.
    pub estimate: Estimate,
    /// `1 − Var(adjusted) / Var(unadjusted)` of the difference, however small (or
    /// negative, when the covariates explain nothing and cost degrees of freedom).
    pub variance_reduction: f64,
    /// The covariates used.
    pub covariates: Vec<&'static str>,
}

/// The truth's value of the metric, aggregated exactly as the estimate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Truth {
    /// The control's true value.
    pub control: f64,
    /// The treatment's true value.
    pub treatment: f64,
    /// True difference.
    pub difference: f64,
    /// True relative lift.
    pub relative_lift: Option<f64>,
    /// Whether the analysis' interval of the difference covers the true difference.
    pub covered: bool,
}

/// One metric compared between a treatment and the control.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// The metric.
    pub metric: Metric,
    /// What it estimates.
    pub estimand: &'static str,
    /// The treatment variant.
    pub treatment: String,
    /// Users analysed (at least one request): control, treatment.
    pub users: [usize; 2],
    /// Without covariate adjustment.
    pub unadjusted: Estimate,
    /// With CUPED (when the experiment asks for it and a covariate varies).
    pub cuped: Option<CupedEstimate>,
    /// Which estimate the verdict uses: "cuped" or "unadjusted".
    pub analysis: &'static str,
    /// Posterior probability that the treatment beats the control, on the analysis'
    /// estimate.
    pub chance_to_beat: Chance,
    /// The truth, where the simulator stamps it.
    pub truth: Option<Truth>,
    /// Holm-adjusted p-value within its family (filled by the caller).
    pub p_holm: LogProb,
}

impl Comparison {
    /// The estimate the verdict uses.
    #[must_use]
    pub fn chosen(&self) -> &Estimate {
        self.cuped
            .as_ref()
            .map_or(&self.unadjusted, |c| &c.estimate)
    }
}

fn pseudo_values(
    rows: &[UserRow],
    f: impl Fn(&UserCounts) -> Option<(f64, f64)>,
) -> Option<Vec<f64>> {
    let mut num = Vec::with_capacity(rows.len());
    let mut den = Vec::with_capacity(rows.len());
    for (c, _) in rows {
        let (n, d) = f(c)?;
        num.push(n);
        den.push(d);
    }
    linearise(&num, &den).map(|l| l.values)
}

/// Compares `metric` between `treatment` and `control` rows (users with at least
/// one request). `None` when the metric is undefined in a group (no denominator, e.g.
/// no rating at all) or a group has fewer than two users.
#[must_use]
pub fn compare(
    metric: Metric,
    treatment_name: &str,
    control: &[UserRow],
    treatment: &[UserRow],
    alpha: f64,
    use_cuped: bool,
    prior_sd: f64,
) -> Option<Comparison> {
    if control.len() < 2 || treatment.len() < 2 {
        return None;
    }
    let level = 1.0 - alpha;
    let observed = |c: &UserCounts| Some(per_user(metric, c));
    let yc = pseudo_values(control, observed)?;
    let yt = pseudo_values(treatment, observed)?;
    let (mc, mt) = (SampleMean::of(&yc), SampleMean::of(&yt));
    let unadjusted = Estimate::new(&mt, &mc, level);

    let cuped_fit = use_cuped.then(|| {
        let columns = |rows: &[UserRow]| -> Vec<Vec<f64>> {
            (0..COVARIATE_NAMES.len())
                .map(|j| rows.iter().map(|(_, x)| x[j]).collect())
                .collect()
        };
        let (xc, xt) = (columns(control), columns(treatment));
        cuped(&[
            CupedGroup {
                values: &yt,
                covariates: &xt,
            },
            CupedGroup {
                values: &yc,
                covariates: &xc,
            },
        ])
    });
    let cuped = cuped_fit
        .as_ref()
        .filter(|f| !f.covariates_used.is_empty())
        .map(|f| {
            let estimate = Estimate::new(&f.groups[0], &f.groups[1], level);
            let reduction = if unadjusted.standard_error > 0.0 {
                1.0 - (estimate.standard_error / unadjusted.standard_error).powi(2)
            } else {
                0.0
            };
            CupedEstimate {
                estimate,
                variance_reduction: reduction,
                covariates: f
                    .covariates_used
                    .iter()
                    .map(|&j| COVARIATE_NAMES[j])
                    .collect(),
            }
        });
    // The adjustment each group's mean received (0 without CUPED), applied to the
    // truth too so that estimate and truth are aggregated the same way.
    let shifts = match &cuped {
        Some(c) => [mt.mean - c.estimate.treatment, mc.mean - c.estimate.control],
        None => [0.0, 0.0],
    };
    let (analysis, chosen) = match &cuped {
        Some(c) => ("cuped", &c.estimate),
        None => ("unadjusted", &unadjusted),
    };
    // The prior's scale is the control's value (the treatment's when the control's
    // is 0, e.g. a subgroup without clicks).
    let scale = if chosen.control != 0.0 {
        chosen.control.abs()
    } else {
        chosen.treatment.abs()
    };
    let prior = prior_sd * scale;
    let chance_to_beat = if chosen.standard_error > 0.0 && prior > 0.0 {
        NormalPosterior::new(chosen.difference, chosen.standard_error, prior).chance_to_beat
    } else {
        let certain = LogProb::ONE;
        let never = LogProb::from_ln(-f64::MAX);
        if chosen.difference > 0.0 {
            Chance::new(certain, never)
        } else {
            Chance::new(never, certain)
        }
    };
    let truth_of = |c: &UserCounts| truth_per_user(metric, c);
    let truth = pseudo_values(control, truth_of)
        .zip(pseudo_values(treatment, truth_of))
        .map(|(tc, tt)| {
            let c = SampleMean::of(&tc).mean - shifts[1];
            let t = SampleMean::of(&tt).mean - shifts[0];
            let difference = t - c;
            Truth {
                control: c,
                treatment: t,
                difference,
                relative_lift: (c != 0.0).then(|| t / c - 1.0),
                covered: chosen.interval[0] <= difference && difference <= chosen.interval[1],
            }
        });
    let chosen = chosen.clone();
    Some(Comparison {
        metric,
        estimand: estimand(metric),
        treatment: treatment_name.to_owned(),
        users: [control.len(), treatment.len()],
        p_holm: chosen.p_value,
        unadjusted,
        cuped,
        analysis,
        chance_to_beat,
        truth,
    })
}

/// A metric's value in one group with its interval at `level`: `None` when undefined.
#[must_use]
pub fn group_value(metric: Metric, rows: &[UserRow], level: f64) -> Option<(f64, [f64; 2])> {
    let values = pseudo_values(rows, |c| Some(per_user(metric, c)))?;
    let m = SampleMean::of(&values);
    let half = if m.n > 1 {
        t_quantile(0.5 + level / 2.0, (m.n - 1) as f64) * m.variance_of_mean().sqrt()
    } else {
        0.0
    };
    Some((m.mean, [m.mean - half, m.mean + half]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(requests: u32, clicks: u32, expected: f64, warm_up: u32) -> UserRow {
        (
            UserCounts {
                requests,
                clicks,
                expected_clicks: expected,
                ..UserCounts::default()
            },
            [f64::from(warm_up).ln_1p(), 3.5],
        )
    }

    #[test]
    fn ratio_ctr_uses_the_delta_method_and_names_its_truth() {
        // Control: 3 users, 2/10, 1/5, 3/10 → R = 6/25 = 0.24.
        // Treatment: 3 users, 4/10, 2/5, 3/10 → R = 9/25 = 0.36.
        let control = [row(10, 2, 2.5, 1), row(5, 1, 1.0, 2), row(10, 3, 2.5, 3)];
        let treatment = [row(10, 4, 3.5, 1), row(5, 2, 1.5, 2), row(10, 3, 3.0, 3)];
        let c = compare(Metric::Ctr, "t", &control, &treatment, 0.05, false, 0.1).unwrap();
        let e = &c.unadjusted;
        assert!((e.control - 0.24).abs() < 1e-12 && (e.treatment - 0.36).abs() < 1e-12);
        assert!((e.difference - 0.12).abs() < 1e-12);
        assert!((e.relative_lift.unwrap() - 0.5).abs() < 1e-12);
        // Truth: Σ expected / Σ requests = 6/25 = 0.24 and 8/25 = 0.32.
        let t = c.truth.unwrap();
        assert!((t.control - 0.24).abs() < 1e-12 && (t.treatment - 0.32).abs() < 1e-12);
        assert_eq!(c.analysis, "unadjusted");
        assert!(c.cuped.is_none());
        assert!(c.estimand.contains("request-weighted"));
    }

    #[test]
    fn cuped_shifts_estimate_and_truth_alike() {
        // Clicks track the warm-up covariate, so CUPED removes most of the variance,
        // and the estimate minus the truth is the same before and after adjustment.
        let mk = |k: u32, extra: u32| row(10, k + extra, f64::from(k + extra), k * 3);
        let control: Vec<UserRow> = (0..6).map(|k| mk(k, 0)).collect();
        let treatment: Vec<UserRow> = (1..7).map(|k| mk(k, 1)).collect();
        let c = compare(Metric::Ctr, "t", &control, &treatment, 0.05, true, 0.1).unwrap();
        let cu = c.cuped.as_ref().unwrap();
        assert!(cu.variance_reduction > 0.5, "{}", cu.variance_reduction);
        assert_eq!(cu.covariates, vec![COVARIATE_NAMES[0]]);
        let truth = c.truth.as_ref().unwrap();
        // expected = clicks here, so the truth equals the estimate exactly.
        assert!((truth.difference - cu.estimate.difference).abs() < 1e-12);
        assert!(truth.covered);
    }

    #[test]
    fn undefined_metrics_are_skipped() {
        let control = [row(10, 0, 0.1, 1), row(5, 0, 0.1, 1)];
        let treatment = [row(10, 1, 0.1, 1), row(5, 0, 0.1, 1)];
        assert!(
            compare(
                Metric::MeanRating,
                "t",
                &control,
                &treatment,
                0.05,
                true,
                0.1
            )
            .is_none()
        );
        assert!(compare(Metric::Ctr, "t", &control[..1], &treatment, 0.05, true, 0.1).is_none());
    }
}

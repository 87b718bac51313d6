//! The `experiments` section of a scenario: variants, the analysis plan (primary
//! metric, guardrails, alpha, minimum sample, stopping rule) and the scorecard's
//! targets. `docs/AB_TESTING_GUIDE.md` explains every field.

use serde::{Deserialize, Serialize};

pub use crate::stats::Spending;

use super::Problem;
use super::limits::{self, MAX_RELATIVE_EFFECT};
use super::spec::{DiversitySpec, PolicySpec};

/// An A/B experiment (or an interleaving test) and how it is analysed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentSpec {
    /// Identifier, recorded on every event (the plan's `experiment_id`).
    pub id: String,
    /// Share of all users enrolled; experiments do not overlap, so shares sum to ≤ 1.
    pub traffic: f64,
    /// Variants with relative weights; the first is the control.
    pub variants: Vec<VariantSpec>,
    /// `AbTest` (each user sees one variant) or `Interleaving` (each user sees both
    /// variants' lists merged into one slate by team draft). Default `AbTest`.
    #[serde(default)]
    pub design: Design,
    /// The metric the verdict is about. Default `Ctr`.
    #[serde(default)]
    pub primary_metric: Metric,
    /// Metrics the treatment must not degrade by more than their margin. Default none.
    #[serde(default)]
    pub guardrails: Vec<GuardrailSpec>,
    /// Two-sided significance level of the primary test. Default 0.05.
    #[serde(default = "default_alpha")]
    pub alpha: f64,
    /// Power the minimum detectable effect and the required sample refer to.
    /// Default 0.8.
    #[serde(default = "default_power")]
    pub power: f64,
    /// Relative lift of the primary metric worth detecting: sets the required sample
    /// size. Default 0.05 (+5%).
    #[serde(default = "default_planned_lift")]
    pub planned_lift: f64,
    /// Users each variant needs before any verdict (interim or final). Default 100.
    #[serde(default = "default_min_users")]
    pub min_users_per_variant: usize,
    /// When the experiment may stop early. Default `GroupSequential(looks: 5,
    /// spending: ObrienFleming)`.
    #[serde(default)]
    pub stopping: StoppingRule,
    /// Adjust with each user's pre-experiment behaviour (CUPED). Default true.
    #[serde(default = "yes")]
    pub cuped: bool,
    /// Prior standard deviation of the primary metric's difference, relative to the
    /// control's value, for the chance to beat control. Default 0.1.
    #[serde(default = "default_prior_sd")]
    pub prior_sd: f64,
    /// p-value of the sample ratio mismatch test below which results are not trusted.
    /// Default 0.001.
    #[serde(default = "default_srm_alpha")]
    pub srm_alpha: f64,
    /// Mixed into the assignment hash. Default none: a user's variant depends only on
    /// the user and experiment ids, the same in every run. `recolab aa` and `recolab
    /// power` draw a fresh salt per run from the seed tree.
    #[serde(default)]
    pub salt: Option<u64>,
    /// The plan's success metrics, treatment against control.
    #[serde(default)]
    pub scorecard: ScorecardSpec,
}

/// A variant of an experiment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantSpec {
    /// Name, recorded on every event (the plan's `variant`), e.g. "control".
    pub name: String,
    /// Relative share of the experiment's users. Default 1.
    #[serde(default = "one")]
    pub weight: f64,
    /// The variant's policy; default: the stack's policy.
    #[serde(default)]
    pub policy: Option<PolicySpec>,
    /// The variant's diversity post-processing; default: the stack's.
    #[serde(default)]
    pub diversity: Option<DiversitySpec>,
}

/// How the variants reach users.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Design {
    /// Each enrolled user is assigned one variant.
    #[default]
    AbTest,
    /// Each enrolled user gets one slate merging the two variants' lists by team
    /// draft (Radlinski, Kurup & Joachims 2008); a click credits the variant whose
    /// team placed the movie.
    Interleaving,
}

/// A per-user metric of an experiment. Ratio metrics (`Σ numerator / Σ denominator`
/// over a variant's users) are analysed with the delta method.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Metric {
    /// Click-through rate, Σ clicks / Σ requests: the request-weighted estimand.
    #[default]
    Ctr,
    /// Mean over users of each user's clicks / requests: the user-weighted estimand.
    UserCtr,
    /// Share of users with at least one click.
    ClickedUsers,
    /// Mean stars of rated clicks, Σ stars / Σ ratings.
    MeanRating,
    /// Requests (slates) per user.
    RequestsPerUser,
    /// Sessions per user.
    SessionsPerUser,
    /// Requests per session, Σ requests / Σ sessions.
    SessionLength,
    /// Share of impressions that are long-tail movies.
    LongTailShare,
    /// Clicks on niche movies per request.
    NicheClicksPerRequest,
    /// Share of clicks on movies dissimilar to the user's history.
    DissimilarClickShare,
}

impl Metric {
    /// Every metric, in report order.
    pub const ALL: [Self; 10] = [
        Self::Ctr,
        Self::UserCtr,
        Self::ClickedUsers,
        Self::MeanRating,
        Self::RequestsPerUser,
        Self::SessionsPerUser,
        Self::SessionLength,
        Self::LongTailShare,
        Self::NicheClicksPerRequest,
        Self::DissimilarClickShare,
    ];

    /// The name used in scenarios and reports.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Ctr => "Ctr",
            Self::UserCtr => "UserCtr",
            Self::ClickedUsers => "ClickedUsers",
            Self::MeanRating => "MeanRating",
            Self::RequestsPerUser => "RequestsPerUser",
            Self::SessionsPerUser => "SessionsPerUser",
            Self::SessionLength => "SessionLength",
            Self::LongTailShare => "LongTailShare",
            Self::NicheClicksPerRequest => "NicheClicksPerRequest",
            Self::DissimilarClickShare => "DissimilarClickShare",
        }
    }
}

/// A guardrail: the treatment may be worse than the control on `metric` by at most
/// `margin` (relative), tested for non-inferiority at the experiment's alpha.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardrailSpec {
    /// The metric guarded (higher is better for every metric).
    pub metric: Metric,
    /// Largest acceptable relative loss, e.g. 0.02 for 2%.
    pub margin: f64,
}

/// When an experiment may stop before its horizon.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum StoppingRule {
    /// One analysis, at the horizon.
    FixedHorizon,
    /// Interim analyses at `looks` equally spaced times with Lan–DeMets alpha
    /// spending: stop at the first look whose |z| crosses the boundary.
    GroupSequential {
        /// Analyses, the last at the horizon. Default 5.
        #[serde(default = "default_looks")]
        looks: u32,
        /// The spending function. Default `ObrienFleming`.
        #[serde(default = "default_spending")]
        spending: Spending,
    },
    /// Always-valid p-values of the mixture SPRT at `looks` equally spaced times:
    /// stop at the first look with p < alpha.
    Msprt {
        /// Analyses, the last at the horizon. Default 30.
        #[serde(default = "default_msprt_looks")]
        looks: u32,
        /// Standard deviation of the mixing distribution, relative to the control's
        /// value of the primary metric. Default 0.05.
        #[serde(default = "default_tau")]
        tau: f64,
    },
}

impl Default for StoppingRule {
    fn default() -> Self {
        Self::GroupSequential {
            looks: default_looks(),
            spending: default_spending(),
        }
    }
}

impl StoppingRule {
    /// Number of analyses (1 for a fixed horizon).
    #[must_use]
    pub fn looks(&self) -> u32 {
        match self {
            Self::FixedHorizon => 1,
            Self::GroupSequential { looks, .. } | Self::Msprt { looks, .. } => *looks,
        }
    }

    /// Short description for reports.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::FixedHorizon => "fixed horizon".into(),
            Self::GroupSequential { looks, spending } => format!(
                "group sequential, {looks} looks, {} spending",
                match spending {
                    Spending::ObrienFleming => "O'Brien–Fleming",
                    Spending::Pocock => "Pocock",
                }
            ),
            Self::Msprt { looks, tau } => format!("mSPRT, {looks} looks, τ = {tau} × control"),
        }
    }
}

/// Targets of the scorecard: the plan's success metrics. Defaults are the plan's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScorecardSpec {
    /// The variant compared with the control (the first); default the last variant.
    pub treatment: Option<String>,
    /// Relative increase of the long-tail recommendation rate. Default 0.40 (+40%).
    pub long_tail_lift: f64,
    /// Ratio of niche clicks per request, treatment / control. Default 3.0 (×3).
    pub niche_click_ratio: f64,
    /// Mean rating of clicked movies the treatment keeps. Default 4.0.
    pub min_mean_rating: f64,
    /// Relative increase of CTR. Default 0.20 (+20%).
    pub ctr_lift: f64,
    /// Share of the catalogue the treatment recommends over the run. Default 0.80.
    pub min_coverage: f64,
    /// Share of the treatment's clicks on movies dissimilar to the user's history.
    /// Default 0.50.
    pub min_dissimilar_click_share: f64,
    /// Relative CTR gain of a context-aware treatment over static weights. Default
    /// 0.15 (+15%).
    pub context_lift: f64,
    /// Coefficient of variation of the treatment's true CTR across retraining
    /// windows. Default 0.05 (< 5%).
    pub max_retrain_variation: f64,
}

impl Default for ScorecardSpec {
    fn default() -> Self {
        Self {
            treatment: None,
            long_tail_lift: 0.40,
            niche_click_ratio: 3.0,
            min_mean_rating: 4.0,
            ctr_lift: 0.20,
            min_coverage: 0.80,
            min_dissimilar_click_share: 0.50,
            context_lift: 0.15,
            max_retrain_variation: 0.05,
        }
    }
}

fn one() -> f64 {
    1.0
}
fn yes() -> bool {
    true
}
fn default_alpha() -> f64 {
    0.05
}
fn default_power() -> f64 {
    0.8
}
fn default_planned_lift() -> f64 {
    0.05
}
fn default_min_users() -> usize {
    100
}
fn default_prior_sd() -> f64 {
    0.1
}
fn default_srm_alpha() -> f64 {
    0.001
}
fn default_looks() -> u32 {
    5
}
fn default_msprt_looks() -> u32 {
    30
}
fn default_spending() -> Spending {
    Spending::ObrienFleming
}
fn default_tau() -> f64 {
    0.05
}

/// Smallest significance level: below it `1 − alpha/2` loses its last digits in
/// floating point and the intervals' quantiles with it.
pub const MIN_ALPHA: f64 = 1e-6;

impl ExperimentSpec {
    /// A/B test with the analysis defaults.
    #[must_use]
    pub fn ab_test(id: &str, traffic: f64, variants: Vec<VariantSpec>) -> Self {
        Self {
            id: id.into(),
            traffic,
            variants,
            design: Design::AbTest,
            primary_metric: Metric::default(),
            guardrails: Vec::new(),
            alpha: default_alpha(),
            power: default_power(),
            planned_lift: default_planned_lift(),
            min_users_per_variant: default_min_users(),
            stopping: StoppingRule::default(),
            cuped: true,
            prior_sd: default_prior_sd(),
            srm_alpha: default_srm_alpha(),
            salt: None,
            scorecard: ScorecardSpec::default(),
        }
    }

    /// Index of the scorecard's treatment variant.
    #[must_use]
    pub fn scorecard_treatment(&self) -> usize {
        self.scorecard
            .treatment
            .as_ref()
            .and_then(|name| self.variants.iter().position(|v| &v.name == name))
            .unwrap_or(self.variants.len().saturating_sub(1))
    }

    /// Problems with the analysis fields of the experiment at path `field`.
    pub(crate) fn analysis_problems(&self, field: &str) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut fail = |name: &str, problem: String, fix: &str| {
            problems.push(Problem {
                field: format!("{field}.{name}"),
                problem,
                fix: fix.into(),
            });
        };
        let open_unit = |x: f64| x.is_finite() && x > 0.0 && x < 1.0;
        if !(self.alpha.is_finite() && (MIN_ALPHA..=0.5).contains(&self.alpha)) {
            fail(
                "alpha",
                format!("is {}", self.alpha),
                "use a significance level in [1e-6, 0.5], e.g. 0.05",
            );
        }
        if !(open_unit(self.power) && self.power > self.alpha) {
            fail(
                "power",
                format!("is {}", self.power),
                "use a power in (alpha, 1), e.g. 0.8",
            );
        }
        let relative = |x: f64| x.is_finite() && x > 0.0 && x <= MAX_RELATIVE_EFFECT;
        if !relative(self.planned_lift) {
            fail(
                "planned_lift",
                format!("is {}", self.planned_lift),
                "use a relative lift in (0, 10], e.g. 0.05 for +5%",
            );
        }
        if !u64::try_from(self.min_users_per_variant)
            .is_ok_and(|n| limits::MIN_USERS_PER_VARIANT.contains(n))
        {
            fail(
                "min_users_per_variant",
                format!("is {}", self.min_users_per_variant),
                &limits::MIN_USERS_PER_VARIANT.fix(),
            );
        }
        if !relative(self.prior_sd) {
            fail(
                "prior_sd",
                format!("is {}", self.prior_sd),
                "use a relative standard deviation in (0, 10], e.g. 0.1",
            );
        }
        if !(open_unit(self.srm_alpha) && self.srm_alpha <= 0.5) {
            fail(
                "srm_alpha",
                format!("is {}", self.srm_alpha),
                "use a level in (0, 0.5], e.g. 0.001",
            );
        }
        let looks = self.stopping.looks();
        if !limits::LOOKS.contains(u64::from(looks)) {
            fail(
                "stopping.looks",
                format!("is {looks}"),
                &limits::LOOKS.fix(),
            );
        }
        if let StoppingRule::Msprt { tau, .. } = self.stopping
            && !relative(tau)
        {
            fail(
                "stopping.tau",
                format!("is {tau}"),
                "use a relative standard deviation in (0, 10], e.g. 0.05",
            );
        }
        for (i, g) in self.guardrails.iter().enumerate() {
            if !(g.margin.is_finite() && (0.0..1.0).contains(&g.margin)) {
                fail(
                    &format!("guardrails[{i}].margin"),
                    format!("is {}", g.margin),
                    "use a relative margin in [0, 1), e.g. 0.02 for 2%",
                );
            }
        }
        if self.design == Design::Interleaving {
            if self.variants.len() != 2 {
                fail(
                    "variants",
                    format!("has {} variants", self.variants.len()),
                    "interleaving merges exactly two variants' lists: list two",
                );
            }
            if self.variants.iter().any(|v| v.weight != 1.0) {
                fail(
                    "variants",
                    "sets a weight".into(),
                    "interleaving shows both variants to every enrolled user: leave `weight` out",
                );
            }
        }
        let s = &self.scorecard;
        if let Some(name) = &s.treatment
            && !self.variants.iter().skip(1).any(|v| &v.name == name)
        {
            fail(
                "scorecard.treatment",
                format!("{name:?} is not a variant after the control"),
                "name one of the experiment's variants other than the first",
            );
        }
        for (name, value, lower) in [
            ("long_tail_lift", s.long_tail_lift, -1.0),
            ("niche_click_ratio", s.niche_click_ratio, 0.0),
            ("min_mean_rating", s.min_mean_rating, 0.0),
            ("ctr_lift", s.ctr_lift, -1.0),
            ("min_coverage", s.min_coverage, 0.0),
            (
                "min_dissimilar_click_share",
                s.min_dissimilar_click_share,
                0.0,
            ),
            ("context_lift", s.context_lift, -1.0),
            ("max_retrain_variation", s.max_retrain_variation, 0.0),
        ] {
            if !(value.is_finite() && value >= lower) {
                fail(
                    &format!("scorecard.{name}"),
                    format!("is {value}"),
                    &format!("use a finite target ≥ {lower}"),
                );
            }
        }
        for (name, value) in [
            ("min_coverage", s.min_coverage),
            ("min_dissimilar_click_share", s.min_dissimilar_click_share),
        ] {
            if value.is_finite() && value > 1.0 {
                fail(
                    &format!("scorecard.{name}"),
                    format!("is {value}"),
                    "use a share in [0, 1]",
                );
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::scenario::{ScenarioError, ScenarioSpec};

    fn problems(experiment: &str) -> Vec<String> {
        let ron = format!("(experiments: [{experiment}])");
        let spec = ScenarioSpec::from_ron_str(&ron, Path::new("t.ron")).unwrap();
        match spec.validate(Path::new("t.ron"), "t") {
            Ok(_) => Vec::new(),
            Err(ScenarioError::Invalid { problems, .. }) => {
                problems.iter().map(ToString::to_string).collect()
            }
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn defaults_are_the_plan_s() {
        let ron =
            r#"(experiments: [(id: "x", traffic: 1.0, variants: [(name: "a"), (name: "b")])])"#;
        let spec = ScenarioSpec::from_ron_str(ron, Path::new("t.ron")).unwrap();
        let e = &spec.experiments[0];
        assert_eq!(e.alpha, 0.05);
        assert_eq!(e.primary_metric, super::Metric::Ctr);
        assert_eq!(e.stopping.looks(), 5);
        assert!(e.cuped && e.salt.is_none());
        let s = &e.scorecard;
        assert_eq!(
            (
                s.long_tail_lift,
                s.niche_click_ratio,
                s.min_mean_rating,
                s.ctr_lift
            ),
            (0.40, 3.0, 4.0, 0.20)
        );
        assert_eq!(
            (
                s.min_coverage,
                s.min_dissimilar_click_share,
                s.context_lift,
                s.max_retrain_variation
            ),
            (0.80, 0.50, 0.15, 0.05)
        );
        assert_eq!(e.scorecard_treatment(), 1);
    }

    #[test]
    fn bad_analysis_fields_name_the_field_and_the_fix() {
        let p = problems(
            r#"(id: "x", traffic: 1.0, variants: [(name: "a"), (name: "b")],
                alpha: 0.0, power: 1.5, min_users_per_variant: 1,
                stopping: Msprt(looks: 0, tau: -1.0),
                guardrails: [(metric: MeanRating, margin: 1.5)],
                scorecard: (treatment: Some("a"), min_coverage: 2.0))"#,
        );
        for field in [
            "`experiments[0].alpha`",
            "`experiments[0].power`",
            "`experiments[0].min_users_per_variant`",
            "`experiments[0].stopping.looks`",
            "`experiments[0].stopping.tau`",
            "`experiments[0].guardrails[0].margin`",
            "`experiments[0].scorecard.treatment`",
            "`experiments[0].scorecard.min_coverage`",
        ] {
            assert!(p.iter().any(|p| p.starts_with(field)), "{field} in {p:#?}");
        }
        assert!(p.iter().all(|p| p.contains("fix:")), "{p:#?}");
    }

    #[test]
    fn interleaving_needs_exactly_two_unweighted_variants() {
        let p = problems(
            r#"(id: "x", traffic: 1.0, design: Interleaving,
                variants: [(name: "a"), (name: "b", weight: 2.0), (name: "c")])"#,
        );
        assert_eq!(p.len(), 2, "{p:#?}");
        assert!(p.iter().all(|p| p.starts_with("`experiments[0].variants`")));
    }

    #[test]
    fn an_unknown_metric_is_a_parse_error_with_the_choices() {
        let ron = r#"(experiments: [(id: "x", traffic: 1.0, variants: [(name: "a"), (name: "b")],
            primary_metric: Clicks)])"#;
        let err = ScenarioSpec::from_ron_str(ron, Path::new("t.ron"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("primary_metric") && err.contains("Ctr"),
            "{err}"
        );
    }
}

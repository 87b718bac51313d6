//! Statistics for experiments, as pure functions: tests, intervals, power, sequential
//! boundaries. No I/O, no randomness; distributions come from `statrs`, tails are
//! computed on a log scale ([`LogProb`]) so that p-values far in the tail never
//! underflow to 0.
//!
//! | concept | item |
//! | --- | --- |
//! | log-scale tails (normal, chi-square, t) | [`LogProb`], [`Chance`], [`normal_two_sided`], [`chi_square_sf`], [`students_t_two_sided`] |
//! | Welch's t-test, relative lift | [`SampleMean`], [`Difference`], [`relative_lift`] |
//! | ratio metrics (delta method) | [`linearise`] |
//! | chi-square 2 × k, sample ratio mismatch | [`independence`], [`goodness_of_fit`] |
//! | Holm's correction | [`holm`] |
//! | power, MDE, sample size | [`power`], [`minimum_detectable_effect`], [`required_units`] |
//! | CUPED | [`cuped`] |
//! | Bayesian chance to beat control | [`NormalPosterior`] |
//! | group-sequential boundaries, mSPRT | [`boundaries`], [`Spending`], [`msprt_p_values`] |
//! | binomial intervals | [`clopper_pearson`], [`acceptance_region`] |
//!
//! Every function is checked against published values or an established package
//! (scipy, statsmodels, R, gsDesign, mpmath), quoted in its tests.

mod bayes;
mod binomial;
mod chi_square;
mod cuped;
mod multiple;
mod power;
mod ratio;
mod sequential;
mod tail;
mod welch;

pub use bayes::NormalPosterior;
pub use binomial::{acceptance_region, clopper_pearson};
pub use chi_square::{ChiSquare, goodness_of_fit, independence};
pub use cuped::{CupedFit, CupedGroup, cuped};
pub use multiple::holm;
pub use power::{detectable_ratio, minimum_detectable_effect, power, required_units};
pub use ratio::{Linearised, linearise};
pub use sequential::{Spending, boundaries, msprt_p_values};
pub use tail::{
    Chance, LogProb, chi_square_sf, ln_normal_cdf, ln_normal_sf, ln_one_minus_exp, normal_quantile,
    normal_two_sided, students_t_two_sided,
};
pub use welch::{Difference, SampleMean, relative_lift, t_quantile};

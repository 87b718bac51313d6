//! Each experiment metric as a per-user ratio `Σ numerator / Σ denominator`, with the
//! truth's version where the simulator knows it.

use crate::scenario::spec::Metric;

use super::recorder::{PreExperiment, UserCounts};

/// A metric's numerator and denominator for one user.
#[must_use]
pub fn per_user(metric: Metric, c: &UserCounts) -> (f64, f64) {
    let requests = f64::from(c.requests);
    match metric {
        Metric::Ctr => (f64::from(c.clicks), requests),
        Metric::UserCtr => (ratio_or_zero(f64::from(c.clicks), requests), 1.0),
        Metric::ClickedUsers => (f64::from(u8::from(c.clicks > 0)), 1.0),
        Metric::MeanRating => (c.rating_sum, f64::from(c.ratings)),
        Metric::RequestsPerUser => (requests, 1.0),
        Metric::SessionsPerUser => (f64::from(c.sessions), 1.0),
        Metric::SessionLength => (requests, f64::from(c.sessions)),
        Metric::LongTailShare => (f64::from(c.long_tail_impressions), f64::from(c.impressions)),
        Metric::NicheClicksPerRequest => (f64::from(c.niche_clicks), requests),
        Metric::DissimilarClickShare => (f64::from(c.dissimilar_clicks), f64::from(c.clicks)),
    }
}

/// The truth's numerator and denominator for one user: the same aggregation with each
/// slate's click replaced by its true click probability (`expected_click`). `None`
/// for metrics whose truth the replay does not stamp.
#[must_use]
pub fn truth_per_user(metric: Metric, c: &UserCounts) -> Option<(f64, f64)> {
    let requests = f64::from(c.requests);
    match metric {
        Metric::Ctr => Some((c.expected_clicks, requests)),
        Metric::UserCtr => Some((ratio_or_zero(c.expected_clicks, requests), 1.0)),
        // P(at least one click) = 1 − Π (1 − p_request).
        Metric::ClickedUsers => Some((-c.ln_no_click.exp_m1(), 1.0)),
        _ => None,
    }
}

fn ratio_or_zero(n: f64, d: f64) -> f64 {
    if d > 0.0 { n / d } else { 0.0 }
}

/// Whether the metric's truth is known.
#[must_use]
pub fn has_truth(metric: Metric) -> bool {
    truth_per_user(metric, &UserCounts::default()).is_some()
}

/// What a metric's value means: the estimand each verdict names.
#[must_use]
pub fn estimand(metric: Metric) -> &'static str {
    match metric {
        Metric::Ctr => {
            "Σ clicks / Σ requests over the variant's users (request-weighted CTR; delta method)"
        }
        Metric::UserCtr => "mean over users of clicks / requests (user-weighted CTR)",
        Metric::ClickedUsers => "share of users with at least one click",
        Metric::MeanRating => "Σ stars / Σ ratings of clicked movies (delta method)",
        Metric::RequestsPerUser => "mean requests (slates) per user",
        Metric::SessionsPerUser => "mean sessions per user",
        Metric::SessionLength => "Σ requests / Σ sessions (delta method)",
        Metric::LongTailShare => "Σ long-tail impressions / Σ impressions (delta method)",
        Metric::NicheClicksPerRequest => "Σ niche clicks / Σ requests (delta method)",
        Metric::DissimilarClickShare => {
            "Σ clicks on movies dissimilar to the user's history / Σ clicks (delta method)"
        }
    }
}

/// Names of the CUPED covariates, in [`covariates`] order.
pub const COVARIATE_NAMES: [&str; 2] = ["ln(1 + warm-up ratings)", "mean warm-up rating"];

/// The CUPED covariates of a user: `ln(1 + n)` of the warm-up ratings and their mean
/// (`fallback`, the mean over every warm-up rating, for users without any — a
/// constant imputation keeps the covariate independent of the treatment).
#[must_use]
pub fn covariates(p: &PreExperiment, fallback: f64) -> [f64; 2] {
    [
        f64::from(p.n_ratings).ln_1p(),
        p.mean_rating.unwrap_or(fallback),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_is_a_ratio_of_user_counts() {
        let c = UserCounts {
            requests: 8,
            sessions: 2,
            clicks: 3,
            expected_clicks: 2.5,
            ln_no_click: (0.5f64).ln(),
            ratings: 2,
            rating_sum: 7.5,
            impressions: 80,
            long_tail_impressions: 20,
            niche_clicks: 1,
            dissimilar_clicks: 2,
            credits: [0, 0],
        };
        assert_eq!(per_user(Metric::Ctr, &c), (3.0, 8.0));
        assert_eq!(per_user(Metric::UserCtr, &c), (0.375, 1.0));
        assert_eq!(per_user(Metric::ClickedUsers, &c), (1.0, 1.0));
        assert_eq!(per_user(Metric::MeanRating, &c), (7.5, 2.0));
        assert_eq!(per_user(Metric::SessionLength, &c), (8.0, 2.0));
        assert_eq!(per_user(Metric::LongTailShare, &c), (20.0, 80.0));
        assert_eq!(per_user(Metric::DissimilarClickShare, &c), (2.0, 3.0));
        assert_eq!(truth_per_user(Metric::Ctr, &c), Some((2.5, 8.0)));
        assert_eq!(truth_per_user(Metric::ClickedUsers, &c), Some((0.5, 1.0)));
        assert_eq!(truth_per_user(Metric::MeanRating, &c), None);
        assert!(has_truth(Metric::UserCtr) && !has_truth(Metric::SessionLength));
    }
}

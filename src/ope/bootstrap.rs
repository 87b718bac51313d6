//! Bootstrap intervals of the estimates, resampling users.
//!
//! A user's requests share the user (tastes, sessions, fatigue), so requests are not
//! independent; the users are. Each replicate draws as many users as the log holds,
//! with replacement, adds up their [`RoundSums`] and recomputes every estimate, with
//! switch-DR at the threshold chosen on the whole log (as Open Bandit Pipeline's
//! `estimate_interval` bootstraps the tuned estimator's round values). The interval is the replicates' 2.5% and 97.5%
//! quantiles (percentile bootstrap; Efron & Tibshirani 1993, ch. 13), with linear
//! interpolation between order statistics (Hyndman & Fan's type 7, R's default).
//!
//! What it holds fixed: the reward model, the target's probabilities and switch-DR's
//! threshold, computed once on the whole log. The interval reflects which users
//! happened to arrive and how they responded, not the model's fitting noise.
//!
//! # Determinism
//!
//! One `random_range` draw per resampled user, from the stream the caller passes
//! (`(Purpose::OffPolicyBootstrap, target)`).

use rand::RngExt;

use crate::rng::ChaCha8Rng;

use super::estimators::{Estimator, RoundSums, estimate_at};

/// Coverage the intervals aim at.
pub const LEVEL: f64 = 0.95;

/// Per estimator (in [`Estimator::ALL`] order), the percentile interval over
/// `replicates` user-resampled replicates of `groups`, switch-DR at threshold
/// `SWITCH_TAUS[switch_tau]`; `None` for an estimator undefined in more than half of
/// them (SNIPS when every weight is 0).
///
/// # Panics
///
/// If `groups` is empty or `replicates` is 0.
#[must_use]
pub fn intervals(
    groups: &[RoundSums],
    replicates: usize,
    switch_tau: usize,
    rng: &mut ChaCha8Rng,
) -> [Option<[f64; 2]>; 5] {
    assert!(!groups.is_empty() && replicates > 0, "nothing to resample");
    let mut values: [Vec<f64>; 5] = Default::default();
    for _ in 0..replicates {
        let mut total = RoundSums::default();
        for _ in 0..groups.len() {
            total.merge(&groups[rng.random_range(0..groups.len())]);
        }
        if total.n == 0.0 {
            continue;
        }
        let e = estimate_at(&total, switch_tau);
        for (slot, estimator) in values.iter_mut().zip(Estimator::ALL) {
            if let Some(v) = estimator.of(&e) {
                slot.push(v);
            }
        }
    }
    values.map(|mut v| {
        if 2 * v.len() <= replicates {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let tail = (1.0 - LEVEL) / 2.0;
        Some([quantile(&v, tail), quantile(&v, 1.0 - tail)])
    })
}

/// The `p`-quantile of sorted `values` by linear interpolation between order
/// statistics: `h = (m − 1) p`, `x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋ + 1] − x[⌊h⌋])`.
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ope::estimators::Round;
    use crate::rng::{Purpose, stream};

    #[test]
    fn quantiles_interpolate_like_r_type_7() {
        // R: quantile(c(1, 2, 3, 4, 10), c(0.025, 0.975)) = 1.1, 9.4.
        let v = [1.0, 2.0, 3.0, 4.0, 10.0];
        assert!((quantile(&v, 0.025) - 1.1).abs() < 1e-12);
        assert!((quantile(&v, 0.975) - 9.4).abs() < 1e-12);
    }

    #[test]
    fn the_interval_of_a_mean_matches_its_normal_approximation() {
        // 400 users, one round each with weight 1 and reward 1 for a quarter of them:
        // IPS is the mean reward 0.25, whose standard error is √(0.25·0.75/400) =
        // 0.02165; a 95% interval is about ±1.96·0.02165 = ±0.0424. 2,000 replicates
        // put each bound within 0.008 of it (fixed seed).
        let groups: Vec<RoundSums> = (0..400)
            .map(|i| {
                let mut s = RoundSums::default();
                s.add(&Round {
                    weight: 1.0,
                    reward: f64::from(u8::from(i % 4 == 0)),
                    q_logged: 0.25,
                    q_target: 0.25,
                });
                s
            })
            .collect();
        let mut rng = stream(1, Purpose::OffPolicyBootstrap, 0, 0);
        let [ips, snips, dm, dr, _] = intervals(&groups, 2_000, 0, &mut rng);
        let [lo, hi] = ips.unwrap();
        assert!((lo - (0.25 - 0.0424)).abs() < 0.008, "{lo}");
        assert!((hi - (0.25 + 0.0424)).abs() < 0.008, "{hi}");
        assert_eq!(snips, ips);
        // The model's value is the same in every replicate.
        assert_eq!(dm, Some([0.25, 0.25]));
        assert_eq!(dr, ips);
    }
}

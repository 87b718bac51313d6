//! When users come back.
//!
//! A user's next visit is drawn in two steps: an exponential gap in days with the
//! user's current visit rate picks the day, then the hour is drawn from the arrival
//! profile and the second within it uniformly. Hours thus follow the profile exactly;
//! daily rates follow the exponential gap up to the snapping to a day.

use rand::RngExt;
use rand_distr::{Distribution, Exp};

use crate::interaction::{SECS_PER_DAY, SECS_PER_HOUR, SimSecs};
use crate::rng::ChaCha8Rng;

/// The arrival profile as a cumulative distribution over 24 hours.
#[derive(Clone, Debug)]
pub struct ArrivalProfile {
    cdf: [f64; 24],
}

impl ArrivalProfile {
    /// From 24 non-negative weights with a positive sum (validated).
    #[must_use]
    pub fn new(weights: &[f64]) -> Self {
        let total: f64 = weights.iter().sum();
        let mut cdf = [0.0; 24];
        let mut acc = 0.0;
        for (slot, w) in cdf.iter_mut().zip(weights) {
            acc += w / total;
            *slot = acc;
        }
        Self { cdf }
    }

    fn hour(&self, u: f64) -> i64 {
        self.cdf.iter().position(|&c| u < c).unwrap_or(23) as i64
    }

    /// The first visit after `earliest`, at least a gap drawn with `rate_per_day` after
    /// `now`.
    ///
    /// # Determinism
    ///
    /// Exactly three draws from `rng`.
    pub fn next_visit(
        &self,
        rng: &mut ChaCha8Rng,
        now: SimSecs,
        earliest: SimSecs,
        rate_per_day: f64,
    ) -> SimSecs {
        let gap_days = Exp::new(rate_per_day)
            .expect("validated rate > 0")
            .sample(rng);
        let hour = self.hour(rng.random());
        let second: i64 = rng.random_range(0..SECS_PER_HOUR);
        // Cap the gap so a tiny rate cannot overflow the clock.
        let target = now + (gap_days.min(1e6) * SECS_PER_DAY as f64) as SimSecs;
        let mut t = target.div_euclid(SECS_PER_DAY) * SECS_PER_DAY + hour * SECS_PER_HOUR + second;
        while t <= earliest {
            t += SECS_PER_DAY;
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, stream};

    #[test]
    fn visits_follow_the_hour_profile() {
        let mut weights = [0.0; 24];
        weights[20] = 3.0;
        weights[8] = 1.0;
        let profile = ArrivalProfile::new(&weights);
        let mut rng = stream(1, Purpose::Arrivals, 0, 0);
        let mut at_20 = 0;
        for _ in 0..4000 {
            let t = profile.next_visit(&mut rng, 0, -1, 1.0);
            let hour = t.rem_euclid(SECS_PER_DAY) / SECS_PER_HOUR;
            assert!(hour == 20 || hour == 8);
            at_20 += usize::from(hour == 20);
        }
        // Expected 3,000; binomial sd ≈ 27, so ±150 cannot flake.
        assert!((2850..=3150).contains(&at_20), "{at_20}");
    }

    #[test]
    fn next_visit_is_after_earliest() {
        let profile = ArrivalProfile::new(&[1.0; 24]);
        let mut rng = stream(2, Purpose::Arrivals, 0, 0);
        for _ in 0..1000 {
            assert!(profile.next_visit(&mut rng, 5000, 6800, 50.0) > 6800);
        }
    }
}

//! The scheduler's snapshots (`pipeline.bandit_snapshot_every_hours`,
//! `pipeline.metric_snapshot_every_hours`): every N simulated hours the replay
//! records every policy slot's learned state, and the run's metrics so far.
//!
//! A snapshot at time T is taken once every request before T was served and none
//! at or after it, before a training run due at T: it describes the hours up to T.
//! Snapshots due after the last request (up to the horizon) are taken at the end.
//! Both lists live in [`super::RunOutcome`], so a checkpoint carries them and a
//! resumed run goes on from the next one due.

use serde::{Deserialize, Serialize};

use crate::eval::{coverage, gini};
use crate::interaction::SimSecs;

use super::outcome::VariantKey;
use super::slots::SlotPolicy;
use super::tally::Tally;

/// Every policy slot's learned state at a simulated time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BanditSnapshot {
    /// When it was taken.
    pub time_secs: SimSecs,
    /// Each slot's posteriors and stream position, in slot order.
    pub slots: Vec<SlotPolicy>,
}

/// One policy slot's engagement so far.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VariantSnapshot {
    /// The experiment id; `None` outside experiments.
    pub experiment: Option<String>,
    /// The variant name ("default" outside experiments).
    pub variant: String,
    /// Slates shown so far.
    pub requests: u64,
    /// Clicks / requests so far.
    pub ctr: Option<f64>,
}

/// The run's metrics from day 0 up to a simulated time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricSnapshot {
    /// When it was taken.
    pub time_secs: SimSecs,
    /// The model version serving up to then.
    pub model_version: u32,
    /// Slates shown so far.
    pub requests: u64,
    /// Slates with a click / slates.
    pub ctr: Option<f64>,
    /// Mean true click probability of the shown slates.
    pub expected_ctr: Option<f64>,
    /// Mean stars of rated clicks.
    pub mean_rating: Option<f64>,
    /// Long-tail impressions / impressions.
    pub long_tail_share: Option<f64>,
    /// Gini of every movie's recommendation count so far (0 = even).
    pub gini: f64,
    /// Share of the catalogue recommended at least once so far.
    pub coverage: f64,
    /// The same engagement per policy slot (experiment variant).
    pub by_variant: Vec<VariantSnapshot>,
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0).then(|| a / b)
}

impl MetricSnapshot {
    /// The snapshot at `time_secs` of a run whose counts so far are `overall`,
    /// `by_variant` and `exposure` (recommendations per movie), serving
    /// `model_version`.
    #[must_use]
    pub fn take(
        time_secs: SimSecs,
        model_version: u32,
        overall: &Tally,
        by_variant: &[(VariantKey, Tally)],
        exposure: &[u64],
    ) -> Self {
        let t = overall;
        Self {
            time_secs,
            model_version,
            requests: t.requests,
            ctr: ratio(t.clicks as f64, t.requests as f64),
            expected_ctr: ratio(t.expected_clicks, t.requests as f64),
            mean_rating: ratio(t.rating_sum, t.ratings as f64),
            long_tail_share: ratio(t.long_tail_impressions as f64, t.impressions as f64),
            gini: gini(exposure),
            coverage: coverage(exposure),
            by_variant: by_variant
                .iter()
                .map(|(k, t)| VariantSnapshot {
                    experiment: k.experiment.clone(),
                    variant: k.variant.clone(),
                    requests: t.requests,
                    ctr: ratio(t.clicks as f64, t.requests as f64),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_of_hand_made_counts() {
        // 10 slates, 3 clicked, 2 rated (4 + 5 stars), 40 impressions of which 10
        // long-tail; exposure [0, 0, 2, 2] → Gini of (0, 0, 2, 2) = 0.5, coverage 2/4.
        let t = Tally {
            requests: 10,
            impressions: 40,
            clicks: 3,
            expected_clicks: 2.5,
            ratings: 2,
            rating_sum: 9.0,
            long_tail_impressions: 10,
            ..Tally::default()
        };
        let key = VariantKey {
            experiment: None,
            variant: "default".into(),
            policy: "thompson".into(),
        };
        let s = MetricSnapshot::take(3_600, 2, &t, &[(key, t.clone())], &[0, 0, 2, 2]);
        assert_eq!(s.ctr, Some(0.3));
        assert_eq!(s.expected_ctr, Some(0.25));
        assert_eq!(s.mean_rating, Some(4.5));
        assert_eq!(s.long_tail_share, Some(0.25));
        assert!((s.gini - 0.5).abs() < 1e-12, "{}", s.gini);
        assert_eq!(s.coverage, 0.5);
        assert_eq!(s.by_variant[0].ctr, Some(0.3));
        let empty = MetricSnapshot::take(0, 1, &Tally::default(), &[], &[0, 0]);
        assert_eq!((empty.ctr, empty.gini, empty.coverage), (None, 0.0, 0.0));
    }
}

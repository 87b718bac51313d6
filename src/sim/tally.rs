//! Running counts of a replay, from which every online metric is computed.

use serde::{Deserialize, Serialize};

/// Counts over a group of requests (all, one variant, one segment, one time bucket…).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    /// Slates shown.
    pub requests: u64,
    /// Movies shown (requests × slate size, fewer if a user has seen nearly everything).
    pub impressions: u64,
    /// Slates with a click (at most one click per slate).
    pub clicks: u64,
    /// Sum over slates of the true click probability (the oracle stamp).
    pub expected_clicks: f64,
    /// Ratings given after clicks.
    pub ratings: u64,
    /// Sum of those ratings' stars. Every rating is a multiple of half a star, so
    /// every partial sum is exact in an f64 and the sum never depends on the order
    /// tallies are merged in.
    pub rating_sum: f64,
    /// Ratings ≥ 4 (the plan's "conversion": a click followed by a good rating).
    pub good_ratings: u64,
    /// Thumbs up.
    pub thumbs_up: u64,
    /// Thumbs down.
    pub thumbs_down: u64,
    /// Impressions of long-tail movies.
    pub long_tail_impressions: u64,
    /// Clicks on niche movies (niche genre or non-default language).
    pub niche_clicks: u64,
}

impl Tally {
    /// Adds another tally.
    pub fn add(&mut self, other: &Tally) {
        self.requests += other.requests;
        self.impressions += other.impressions;
        self.clicks += other.clicks;
        self.expected_clicks += other.expected_clicks;
        self.ratings += other.ratings;
        self.rating_sum += other.rating_sum;
        self.good_ratings += other.good_ratings;
        self.thumbs_up += other.thumbs_up;
        self.thumbs_down += other.thumbs_down;
        self.long_tail_impressions += other.long_tail_impressions;
        self.niche_clicks += other.niche_clicks;
    }
}

/// How often one arm served and what it earned.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ArmTally {
    /// Requests in which the policy picked the arm.
    pub selections: u64,
    /// Sum of the arm's confidences over those requests.
    pub confidence_sum: f64,
    /// Slate items credited to the arm (largest blended contribution).
    pub impressions: u64,
    /// Clicks on items credited to the arm.
    pub clicks: u64,
}

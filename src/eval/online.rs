//! Online metrics of a replay, computed from its tallies and exposure counts.

use serde::Serialize;

use crate::interaction::Interaction;
use crate::sim::{RETENTION_DAYS, RunOutcome, SessionTally, Tally};
use crate::world::{Catalogue, Segment};

use super::{
    coverage, gini, long_tail_share, mean_popularity_rank, mean_self_information, popularity_ranks,
};

/// Engagement of a group of requests.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Engagement {
    /// Slates shown.
    pub requests: u64,
    /// Slates with a click.
    pub clicks: u64,
    /// Click-through rate per slate: clicks / requests (at most one click per slate).
    pub ctr: Option<f64>,
    /// Mean true click probability of the shown slates (the oracle stamp): the CTR
    /// without the sampling noise of clicks.
    pub expected_ctr: Option<f64>,
    /// Ratings / clicks.
    pub rating_rate: Option<f64>,
    /// Mean stars of rated clicks.
    pub mean_rating: Option<f64>,
    /// Clicks followed by a rating ≥ 4, per click (the plan's conversion).
    pub conversion_rate: Option<f64>,
    /// Thumbs up.
    pub thumbs_up: u64,
    /// Thumbs down.
    pub thumbs_down: u64,
    /// Thumbs up / thumbs down; `None` without any thumbs down.
    pub thumbs_up_down_ratio: Option<f64>,
    /// Share of impressions that are long-tail movies.
    pub long_tail_share: Option<f64>,
    /// Share of clicks on niche movies (niche genre or foreign language).
    pub niche_click_share: Option<f64>,
}

fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator > 0.0).then(|| numerator / denominator)
}

impl Engagement {
    /// Metrics of a tally.
    #[must_use]
    pub fn of(t: &Tally) -> Self {
        let requests = t.requests as f64;
        let clicks = t.clicks as f64;
        Self {
            requests: t.requests,
            clicks: t.clicks,
            ctr: ratio(clicks, requests),
            expected_ctr: ratio(t.expected_clicks, requests),
            rating_rate: ratio(t.ratings as f64, clicks),
            mean_rating: ratio(t.rating_sum, t.ratings as f64),
            conversion_rate: ratio(t.good_ratings as f64, clicks),
            thumbs_up: t.thumbs_up,
            thumbs_down: t.thumbs_down,
            thumbs_up_down_ratio: ratio(t.thumbs_up as f64, t.thumbs_down as f64),
            long_tail_share: ratio(t.long_tail_impressions as f64, t.impressions as f64),
            niche_click_share: ratio(t.niche_clicks as f64, clicks),
        }
    }
}

/// Diversity of everything recommended in a run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Exposure {
    /// Gini of recommendation counts over the whole catalogue: 0 = every movie
    /// recommended equally, 1 = one movie gets everything.
    pub gini: f64,
    /// Share of the catalogue recommended at least once.
    pub coverage: f64,
    /// Mean popularity rank of recommended movies (1 = most voted; higher = more novel).
    pub mean_popularity_rank: Option<f64>,
    /// Mean self-information −log2 p(i) of recommended movies, p(i) = (users who rated i
    /// before day 0 + 1) / (users + 1) (Zhou et al. 2010, add-one smoothed).
    pub mean_self_information: Option<f64>,
    /// Share of impressions of long-tail movies (vote_count below the threshold).
    pub long_tail_share: Option<f64>,
    /// The long-tail threshold used.
    pub long_tail_max_votes: u64,
}

/// What the exposure metrics of one world need per movie — popularity ranks,
/// warm-up rater shares, long-tail flags — computed once and shared by every count
/// vector scored against it (overall, per variant).
#[derive(Clone, Debug, PartialEq)]
pub struct ExposureBasis {
    ranks: Vec<f64>,
    shares: Vec<f64>,
    long_tail: Vec<bool>,
    long_tail_max_votes: u64,
}

impl ExposureBasis {
    /// The basis of a catalogue, its warm-up log and its number of users.
    #[must_use]
    pub fn new(catalogue: &Catalogue, warm_up: &[Interaction], n_users: usize) -> Self {
        let votes: Vec<u64> = catalogue.movies.iter().map(|m| m.vote_count).collect();
        let mut raters = vec![0u64; catalogue.len()];
        for i in warm_up {
            raters[i.movie.index()] += 1;
        }
        Self {
            ranks: popularity_ranks(&votes),
            shares: raters
                .iter()
                .map(|&r| (r as f64 + 1.0) / (n_users as f64 + 1.0))
                .collect(),
            long_tail: catalogue
                .movies
                .iter()
                .map(|m| catalogue.is_long_tail(m.id))
                .collect(),
            long_tail_max_votes: catalogue.long_tail_max_votes,
        }
    }
}

impl Exposure {
    /// Exposure metrics of a run's recommendation counts.
    #[must_use]
    pub fn of(counts: &[u64], basis: &ExposureBasis) -> Self {
        Self {
            gini: gini(counts),
            coverage: coverage(counts),
            mean_popularity_rank: mean_popularity_rank(counts, &basis.ranks),
            mean_self_information: mean_self_information(counts, &basis.shares),
            long_tail_share: long_tail_share(counts, &basis.long_tail),
            long_tail_max_votes: basis.long_tail_max_votes,
        }
    }
}

/// Session metrics of a group: session length, time on site and 7-day retention.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SessionMetrics {
    /// Sessions credited to the group (by their first request).
    pub sessions: u64,
    /// Mean requests (slates) per session.
    pub requests_per_session: Option<f64>,
    /// Mean simulated minutes on site per session.
    pub minutes_on_site_per_session: Option<f64>,
    /// Users whose first session belongs to the group and ended at least 7 simulated
    /// days before the horizon.
    pub retention_eligible_users: u64,
    /// Share of those whose second session started within 7 simulated days of the end
    /// of their first.
    pub retention_7d: Option<f64>,
}

impl SessionMetrics {
    /// Metrics of a session tally.
    #[must_use]
    pub fn of(t: &SessionTally) -> Self {
        debug_assert_eq!(RETENTION_DAYS, 7, "field names say 7 days");
        let sessions = t.sessions as f64;
        Self {
            sessions: t.sessions,
            requests_per_session: ratio(t.requests as f64, sessions),
            minutes_on_site_per_session: ratio(t.time_on_site_secs as f64 / 60.0, sessions),
            retention_eligible_users: t.retention_eligible,
            retention_7d: ratio(t.retained as f64, t.retention_eligible as f64),
        }
    }
}

/// Engagement and sessions of one group.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OnlineRow {
    /// The group: an arm name, a variant (`experiment/variant`, or `default`), a
    /// segment or a context key such as `evening/weekday/regular/low/early`.
    pub group: String,
    /// Engagement of the group's requests.
    pub engagement: Engagement,
    /// Sessions credited to the group.
    pub sessions: SessionMetrics,
}

/// Online metrics overall and per arm, variant, segment and context.
///
/// A request counts for every arm the policy picked for it; a session (and its
/// user's retention) counts for the groups of its first request.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OnlineBreakdown {
    /// Every session.
    pub sessions: SessionMetrics,
    /// Per arm, in stack order.
    pub by_arm: Vec<OnlineRow>,
    /// Per (experiment, variant) slot; the default stack first.
    pub by_variant: Vec<OnlineRow>,
    /// Per user segment.
    pub by_segment: Vec<OnlineRow>,
    /// Per context, in key order.
    pub by_context: Vec<OnlineRow>,
}

impl OnlineBreakdown {
    /// The breakdown of a finished replay.
    #[must_use]
    pub fn of(outcome: &RunOutcome) -> Self {
        let empty = crate::sim::SessionTallies {
            overall: SessionTally::default(),
            by_variant: vec![SessionTally::default(); outcome.by_variant.len()],
            by_segment: vec![SessionTally::default(); Segment::ALL.len()],
            by_arm: vec![SessionTally::default(); outcome.by_arm.len()],
            by_context: std::collections::BTreeMap::new(),
        };
        let s = outcome.sessions.as_ref().unwrap_or(&empty);
        let none = SessionTally::default();
        let row = |group: String, tally: &Tally, sessions: &SessionTally| OnlineRow {
            group,
            engagement: Engagement::of(tally),
            sessions: SessionMetrics::of(sessions),
        };
        let mut by_context: Vec<OnlineRow> = outcome
            .by_context
            .iter()
            .map(|(context, tally)| {
                row(
                    context.key(),
                    tally,
                    s.by_context.get(context).unwrap_or(&none),
                )
            })
            .collect();
        by_context.sort_by(|a, b| a.group.cmp(&b.group));
        Self {
            sessions: SessionMetrics::of(&s.overall),
            by_arm: outcome
                .by_arm
                .iter()
                .zip(&outcome.by_arm_engagement)
                .zip(&s.by_arm)
                .map(|(((name, _), tally), sessions)| row(name.clone(), tally, sessions))
                .collect(),
            by_variant: outcome
                .by_variant
                .iter()
                .zip(&s.by_variant)
                .map(|((key, tally), sessions)| {
                    let group = match &key.experiment {
                        Some(e) => format!("{e}/{}", key.variant),
                        None => "(outside experiments)".to_owned(),
                    };
                    row(group, tally, sessions)
                })
                .collect(),
            by_segment: outcome
                .by_segment
                .iter()
                .zip(&s.by_segment)
                .map(|((segment, tally), sessions)| row(segment.name().into(), tally, sessions))
                .collect(),
            by_context,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_metrics_divide_by_sessions_and_eligible_users() {
        let t = SessionTally {
            sessions: 4,
            requests: 10,
            time_on_site_secs: 2400,
            retention_eligible: 3,
            retained: 1,
        };
        let m = SessionMetrics::of(&t);
        assert_eq!(m.requests_per_session, Some(2.5));
        assert_eq!(m.minutes_on_site_per_session, Some(10.0));
        assert_eq!(m.retention_7d, Some(1.0 / 3.0));
        let empty = SessionMetrics::of(&SessionTally::default());
        assert_eq!(
            (empty.requests_per_session, empty.retention_7d),
            (None, None)
        );
    }

    #[test]
    fn engagement_divides_by_the_right_counts() {
        let t = Tally {
            requests: 10,
            impressions: 100,
            clicks: 4,
            expected_clicks: 3.5,
            ratings: 2,
            rating_sum: 9.0,
            good_ratings: 1,
            thumbs_up: 3,
            thumbs_down: 1,
            long_tail_impressions: 25,
            niche_clicks: 1,
        };
        let e = Engagement::of(&t);
        assert_eq!(e.ctr, Some(0.4));
        assert_eq!(e.expected_ctr, Some(0.35));
        assert_eq!(e.rating_rate, Some(0.5));
        assert_eq!(e.mean_rating, Some(4.5));
        assert_eq!(e.conversion_rate, Some(0.25));
        assert_eq!(e.thumbs_up_down_ratio, Some(3.0));
        assert_eq!(e.long_tail_share, Some(0.25));
        assert_eq!(e.niche_click_share, Some(0.25));
        let empty = Engagement::of(&Tally::default());
        assert_eq!(
            (empty.ctr, empty.mean_rating, empty.thumbs_up_down_ratio),
            (None, None, None)
        );
    }
}

//! What the report's analytics and time series need from a replay beyond the
//! engagement tallies: rewards by context and arm, exploration, unexpectedness of
//! what was shown and clicked, clicks per movie, rating moments per arm, and per-bucket
//! diversity — recorded by [`ReportSignals::observe`], one call per request.
//!
//! # Unexpectedness (the online serendipity)
//!
//! Each user's history — the warm-up movies, then every clicked movie — is kept as
//! genre counts, and every impression is scored with
//! [`profile_dissimilarity`] against the history *before* the request: the plan's
//! "avg dissimilarity to user profile". A click is *dissimilar* when its movie scores
//! at least `evaluation.serendipity_min_dissimilarity` (the plan's "clicks on movies
//! dissimilar to the user's history"). docs/REPORTS.md defines both.
//!
//! # Cost
//!
//! O(|genres of the movie|) per impression plus O(n_genres) per request for the
//! profile's norm; memory n_users × n_genres counters. Per-bucket Gini and novelty are
//! computed once per bucket from the bucket's own counts, touching only the movies
//! shown in it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::bandit::ArmChoice;
use crate::eval::{gini, profile_dissimilarity, self_information};
use crate::ids::{ArmId, MovieId};
use crate::recommend::BlendedItem;
use crate::world::context::SessionPhase;
use crate::world::{Context, Segment, World};

/// One request as the report sees it.
#[derive(Clone, Copy, Debug)]
pub struct Observation<'a> {
    /// The user (dense index).
    pub user: usize,
    /// Time bucket of the request (`report.timeseries_bucket_hours`).
    pub bucket: usize,
    /// Policy slot serving it (0 = default stack).
    pub slot: usize,
    /// Its context.
    pub context: &'a Context,
    /// The arms picked, the lead first.
    pub choices: &'a [ArmChoice],
    /// The policy's greedy arm before the request, if it has beliefs.
    pub greedy: Option<ArmId>,
    /// The reward rule's verdict on the feedback.
    pub success: Option<bool>,
    /// The slate shown.
    pub slate: &'a [BlendedItem],
    /// The clicked position and movie.
    pub click: Option<(usize, MovieId)>,
    /// Stars of the click's rating.
    pub rating: Option<f32>,
}

/// Counts of one time bucket beyond its engagement tally.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BucketSignals {
    /// Requests whose feedback was a success under the reward rule.
    pub successes: u64,
    /// Requests per user segment, in [`Segment::ALL`] order.
    pub segment_requests: [u64; 3],
    /// Successes per user segment.
    pub segment_successes: [u64; 3],
    /// Requests per session phase (early, late).
    pub phase_requests: [u64; 2],
    /// Successes per session phase.
    pub phase_successes: [u64; 2],
    /// Requests served by a policy with a greedy arm (learning policies).
    pub with_greedy: u64,
    /// Of those, requests whose lead arm was not the greedy arm (exploration).
    pub explored: u64,
    /// Impressions and the sum of their unexpectedness.
    pub unexpectedness: Unexpectedness,
    /// Gini of the bucket's recommendation counts over the catalogue.
    pub gini: f64,
    /// Gini of all recommendation counts up to the end of the bucket.
    pub cumulative_gini: f64,
    /// Mean self-information (bits) of the bucket's impressions.
    pub novelty: Option<f64>,
}

/// Unexpectedness of impressions and clicks of a group of requests.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Unexpectedness {
    /// Impressions scored.
    pub impressions: u64,
    /// Σ unexpectedness over the impressions.
    pub sum: f64,
    /// Clicks.
    pub clicks: u64,
    /// Clicks on movies at least `min_dissimilarity` away from the user's history.
    pub dissimilar_clicks: u64,
}

impl Unexpectedness {
    /// Mean unexpectedness of the impressions (the online serendipity).
    #[must_use]
    pub fn mean(&self) -> Option<f64> {
        (self.impressions > 0).then(|| self.sum / self.impressions as f64)
    }

    /// Share of clicks on dissimilar movies.
    #[must_use]
    pub fn dissimilar_click_share(&self) -> Option<f64> {
        (self.clicks > 0).then(|| self.dissimilar_clicks as f64 / self.clicks as f64)
    }

    fn add(&mut self, other: &Self) {
        self.impressions += other.impressions;
        self.sum += other.sum;
        self.clicks += other.clicks;
        self.dissimilar_clicks += other.dissimilar_clicks;
    }
}

/// One arm in one (slot, context).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ArmInContext {
    /// Requests in which the policy picked the arm.
    pub selections: u64,
    /// Requests the arm led (first choice).
    pub led: u64,
    /// Successes of the requests in which it was picked.
    pub successes: u64,
}

/// Requests of one (slot, context) and each arm's part in them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ContextCell {
    /// Requests.
    pub requests: u64,
    /// Successes.
    pub successes: u64,
    /// Per arm, in arm-id order.
    pub arms: Vec<ArmInContext>,
}

/// Count, sum and sum of squares of ratings (half-star values: every partial sum is
/// exact in an f64, so the order of additions cannot change them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RatingMoments {
    /// Ratings.
    pub n: u64,
    /// Σ stars.
    pub sum: f64,
    /// Σ stars².
    pub sum_sq: f64,
}

/// Everything [`ReportSignals::observe`] recorded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportSignals {
    /// Per time bucket, as `RunOutcome::timeseries`.
    pub buckets: Vec<BucketSignals>,
    /// Per (policy slot, full context), in key order.
    pub by_context: BTreeMap<(usize, Context), ContextCell>,
    /// Clicks per movie, per policy slot.
    pub clicks_by_movie: Vec<Vec<u64>>,
    /// Unexpectedness per policy slot.
    pub unexpectedness: Vec<Unexpectedness>,
    /// Ratings of clicked movies in the requests each arm was picked for, by arm id.
    pub arm_ratings: Vec<RatingMoments>,
    /// Distinct active users per policy slot.
    pub active_users: Vec<u64>,
    /// The threshold of a dissimilar click.
    pub min_dissimilarity: f64,
    state: RecorderState,
}

/// Working state of the recorder, not part of the results.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct RecorderState {
    n_genres: usize,
    /// Genre counts of every user's history, row-major by user.
    profiles: Vec<u32>,
    /// Genre indices of every movie.
    movie_genres: Vec<Vec<usize>>,
    /// Self-information (bits) of every movie, from warm-up raters.
    self_information: Vec<f64>,
    /// Recommendation counts of the open bucket, and the movies they touch.
    bucket_counts: Vec<u64>,
    touched: Vec<usize>,
    /// Recommendation counts of the whole run so far.
    cumulative: Vec<u64>,
    open_bucket: Option<usize>,
    active: Vec<bool>,
}

impl ReportSignals {
    /// An empty recorder for `world`, with `n_arms` arms, `n_slots` policy slots and
    /// `n_buckets` time buckets.
    #[must_use]
    pub fn new(
        world: &World,
        n_arms: usize,
        n_slots: usize,
        n_buckets: usize,
        min_dissimilarity: f64,
    ) -> Self {
        let catalogue = &world.catalogue;
        let n_movies = catalogue.len();
        let n_users = world.population.len();
        let n_genres = catalogue.genre_names.len();
        let movie_genres: Vec<Vec<usize>> = catalogue
            .movies
            .iter()
            .map(|m| m.genres.iter().map(|g| g.index()).collect())
            .collect();
        // The history counts distinct movies: a warm-up log may hold several
        // interactions with one movie.
        let mut histories: Vec<Vec<MovieId>> = vec![Vec::new(); n_users];
        let mut raters = vec![0u64; n_movies];
        for i in &world.warm_up {
            histories[i.user.index()].push(i.movie);
        }
        let mut profiles = vec![0u32; n_users * n_genres];
        for (u, history) in histories.iter_mut().enumerate() {
            history.sort_unstable();
            history.dedup();
            for movie in history.iter() {
                raters[movie.index()] += 1;
                for &g in &movie_genres[movie.index()] {
                    profiles[u * n_genres + g] += 1;
                }
            }
        }
        let self_information = raters
            .iter()
            .map(|&r| self_information((r as f64 + 1.0) / (n_users as f64 + 1.0)))
            .collect();
        Self {
            buckets: vec![BucketSignals::default(); n_buckets],
            by_context: BTreeMap::new(),
            clicks_by_movie: vec![vec![0; n_movies]; n_slots],
            unexpectedness: vec![Unexpectedness::default(); n_slots],
            arm_ratings: vec![RatingMoments::default(); n_arms],
            active_users: vec![0; n_slots],
            min_dissimilarity,
            state: RecorderState {
                n_genres,
                profiles,
                movie_genres,
                self_information,
                bucket_counts: vec![0; n_movies],
                touched: Vec::new(),
                cumulative: vec![0; n_movies],
                open_bucket: None,
                active: vec![false; n_users],
            },
        }
    }

    /// Records one request.
    pub fn observe(&mut self, o: &Observation<'_>) {
        let n_arms = self.arm_ratings.len();
        if self.state.open_bucket != Some(o.bucket) {
            self.close_bucket();
            self.state.open_bucket = Some(o.bucket);
        }
        if !self.state.active[o.user] {
            self.state.active[o.user] = true;
            self.active_users[o.slot] += 1;
        }
        let success = o.success == Some(true);
        let segment = Segment::ALL
            .iter()
            .position(|&s| s == o.context.segment)
            .expect("every segment is listed");
        let phase = usize::from(o.context.session_phase == SessionPhase::Late);
        let row = &mut self.buckets[o.bucket];
        row.successes += u64::from(success);
        row.segment_requests[segment] += 1;
        row.segment_successes[segment] += u64::from(success);
        row.phase_requests[phase] += 1;
        row.phase_successes[phase] += u64::from(success);
        if let (Some(greedy), Some(lead)) = (o.greedy, o.choices.first()) {
            row.with_greedy += 1;
            row.explored += u64::from(greedy != lead.arm);
        }

        let cell = self
            .by_context
            .entry((o.slot, *o.context))
            .or_insert_with(|| ContextCell {
                arms: vec![ArmInContext::default(); n_arms],
                ..ContextCell::default()
            });
        cell.requests += 1;
        cell.successes += u64::from(success);
        for (k, choice) in o.choices.iter().enumerate() {
            let arm = &mut cell.arms[choice.arm.index()];
            arm.selections += 1;
            arm.led += u64::from(k == 0);
            arm.successes += u64::from(success);
            if let Some(stars) = o.rating {
                let r = &mut self.arm_ratings[choice.arm.index()];
                let stars = f64::from(stars);
                r.n += 1;
                r.sum += stars;
                r.sum_sq += stars * stars;
            }
        }

        let s = &mut self.state;
        let profile = &s.profiles[o.user * s.n_genres..(o.user + 1) * s.n_genres];
        let mut request = Unexpectedness::default();
        for (k, item) in o.slate.iter().enumerate() {
            let movie = item.movie.index();
            let d = profile_dissimilarity(&s.movie_genres[movie], profile);
            request.impressions += 1;
            request.sum += d;
            if o.click.is_some_and(|(position, _)| position == k) {
                request.clicks += 1;
                request.dissimilar_clicks += u64::from(d >= self.min_dissimilarity);
            }
            if s.bucket_counts[movie] == 0 {
                s.touched.push(movie);
            }
            s.bucket_counts[movie] += 1;
            s.cumulative[movie] += 1;
        }
        self.unexpectedness[o.slot].add(&request);
        self.buckets[o.bucket].unexpectedness.add(&request);
        if let Some((_, movie)) = o.click {
            self.clicks_by_movie[o.slot][movie.index()] += 1;
            // The clicked movie joins the history (recommenders exclude seen movies,
            // so it is new to it).
            let n_genres = s.n_genres;
            for &g in &s.movie_genres[movie.index()] {
                s.profiles[o.user * n_genres + g] += 1;
            }
        }
    }

    /// Computes the per-bucket Gini and novelty of the open bucket.
    fn close_bucket(&mut self) {
        let Some(b) = self.state.open_bucket.take() else {
            return;
        };
        let s = &mut self.state;
        let row = &mut self.buckets[b];
        row.gini = gini(&s.bucket_counts);
        row.cumulative_gini = gini(&s.cumulative);
        let mut total = 0u64;
        let mut bits = 0.0;
        s.touched.sort_unstable();
        for &movie in &s.touched {
            let n = s.bucket_counts[movie];
            total += n;
            bits += n as f64 * s.self_information[movie];
            s.bucket_counts[movie] = 0;
        }
        s.touched.clear();
        row.novelty = (total > 0).then(|| bits / total as f64);
    }

    /// Closes the last bucket and fills the buckets without requests (their Gini is
    /// 0, their cumulative Gini that of the run so far). Called once, at the end.
    pub fn finish(&mut self) {
        self.close_bucket();
        let mut last_cumulative = 0.0;
        for row in &mut self.buckets {
            let empty = row.segment_requests.iter().sum::<u64>() == 0;
            if empty {
                row.cumulative_gini = last_cumulative;
            }
            last_cumulative = row.cumulative_gini;
        }
        self.state = RecorderState::default();
    }

    /// Unexpectedness of every request of the run.
    #[must_use]
    pub fn overall_unexpectedness(&self) -> Unexpectedness {
        let mut all = Unexpectedness::default();
        for u in &self.unexpectedness {
            all.add(u);
        }
        all
    }

    /// Clicks per movie over every slot.
    #[must_use]
    pub fn clicks_by_movie_overall(&self) -> Vec<u64> {
        let n = self.clicks_by_movie.first().map_or(0, Vec::len);
        let mut all = vec![0; n];
        for slot in &self.clicks_by_movie {
            for (a, c) in all.iter_mut().zip(slot) {
                *a += c;
            }
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unexpectedness_means_and_shares() {
        let u = Unexpectedness {
            impressions: 4,
            sum: 2.0,
            clicks: 2,
            dissimilar_clicks: 1,
        };
        assert_eq!(u.mean(), Some(0.5));
        assert_eq!(u.dissimilar_click_share(), Some(0.5));
        let empty = Unexpectedness::default();
        assert_eq!((empty.mean(), empty.dissimilar_click_share()), (None, None));
    }
}

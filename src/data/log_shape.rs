//! The shape of a rating log: how ratings spread over items, over users and over the
//! star scale — the statistics that tell a generated log from a real one.
//!
//! [`log_shape`] is a pure function of the log. It counts ratings per user and per
//! item in arrays indexed by the dense ids (never a hash map), so it is one pass over
//! the log plus sorts of the per-item and per-user counts: O(n + (U + I) log(U + I)),
//! a few tens of milliseconds on 10⁷ ratings.
//!
//! # Reference values
//!
//! MovieLens 100k (`u.data`) and ml-latest-small (`ratings.csv`), as computed by an
//! independent Python script; `tests/integration/log_shape.rs` checks them when the
//! files are at hand (`RECOLAB_ML100K`, `RECOLAB_ML_LATEST_SMALL`).
//!
//! | statistic | ml-100k | ml-latest-small |
//! | --- | --- | --- |
//! | ratings, users, rated items | 100 000, 943, 1 682 | |
//! | density | 0.0630467 | |
//! | item Gini | 0.629000 | 0.716280 |
//! | top-10% item share | 0.42871 | 0.600490 |
//! | ratings per item p10/p25/p50/p75/p90/p99 | 2/6/27/80/169/369.09 | |
//! | user Gini | 0.471909 | 0.603984 |
//! | ratings per user: median, p99, max, mean | 65, 442.54, 737, 106.0445 | 70.5, 1256.22, , |
//! | power share (≥ 200 ratings) | 0.158006 | |
//! | rating mean, sd | 3.52986, 1.125668 | 3.501557, 1.042524 |
//! | rating mode, five-star share | 4, 0.21201 | , 0.131015 |
//! | popularity–rating Spearman | 0.491669 over 1 152 items | 0.251263 over 2 269 items |
//!
//! An empty cell is a value the reference did not state.

use serde::Serialize;

use crate::eval::gini;
use crate::interaction::{Interaction, InteractionKind};
use crate::world::Segment;

use super::SegmentThresholds;

/// Share of the rated items, most-rated first, whose share of all ratings is
/// [`LogShape::item_top10_share`]: the "short head" of popularity studies is usually
/// the top 10–20%; 10% keeps the statistic sensitive to how steep the very head is.
pub const ITEM_HEAD_SHARE: f64 = 0.1;

/// Ratings an item needs to enter [`LogShape::popularity_rating_spearman`]: the mean
/// of fewer ratings is too noisy (a movie with two 5-star ratings would outrank every
/// classic) and would drown the relation between popularity and quality.
pub const SPEARMAN_MIN_RATINGS: usize = 10;

/// Seven points of a distribution of counts, interpolated linearly between closest
/// ranks (NumPy's default, Hyndman & Fan type 7).
///
/// ```text
/// Q(p) = x_(⌊h⌋) + (h − ⌊h⌋) · (x_(⌊h⌋+1) − x_(⌊h⌋)),  h = (n − 1) · p,
///        x_(0) ≤ … ≤ x_(n−1) the values sorted ascending
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Quantiles {
    /// 10th percentile.
    pub p10: f64,
    /// First quartile.
    pub p25: f64,
    /// Median.
    pub p50: f64,
    /// Third quartile.
    pub p75: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// The largest value.
    pub max: f64,
}

impl Quantiles {
    /// All zero: the quantiles of nothing.
    const ZERO: Self = Self {
        p10: 0.0,
        p25: 0.0,
        p50: 0.0,
        p75: 0.0,
        p90: 0.0,
        p99: 0.0,
        max: 0.0,
    };

    /// The quantiles of `sorted` (ascending); zero when it is empty.
    pub(crate) fn of_sorted(sorted: &[u64]) -> Self {
        let Some(&max) = sorted.last() else {
            return Self::ZERO;
        };
        let q = |p| quantile(sorted, p);
        Self {
            p10: q(0.10),
            p25: q(0.25),
            p50: q(0.50),
            p75: q(0.75),
            p90: q(0.90),
            p99: q(0.99),
            max: max as f64,
        }
    }
}

/// Type-7 quantile of a non-empty ascending slice.
fn quantile(sorted: &[u64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let (a, b) = (sorted[lo] as f64, sorted[hi] as f64);
    a + (h - lo as f64) * (b - a)
}

/// How many ratings hold one value of the star scale.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StarCount {
    /// The rating value, as it appears in the log (half stars allowed).
    pub value: f64,
    /// Ratings with this value.
    pub count: usize,
    /// `count / n_ratings`.
    pub share: f64,
}

/// The shape of a rating log. Every count is over the log's ratings only: users and
/// items without a rating do not exist for it (a catalogue's unrated movies are
/// counted by whoever holds the catalogue).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LogShape {
    /// Ratings (every row of kind [`InteractionKind::Rating`]).
    pub n_ratings: usize,
    /// Users with at least one rating.
    pub n_users: usize,
    /// Items with at least one rating.
    pub n_items: usize,
    /// `n_ratings / (n_users · n_items)`: the filled share of the user × item matrix.
    pub density: f64,
    /// Gini coefficient of ratings per rated item ([`gini`]: 0 = every item equally
    /// rated, (n − 1)/n = one item holds every rating).
    pub item_gini: f64,
    /// Share of all ratings held by the `⌈ITEM_HEAD_SHARE · n_items⌉` most-rated items.
    pub item_top10_share: f64,
    /// Ratings per rated item.
    pub item_quantiles: Quantiles,
    /// Gini coefficient of ratings per user.
    pub user_gini: f64,
    /// Ratings per user.
    pub user_quantiles: Quantiles,
    /// Mean ratings per user, `n_ratings / n_users`.
    pub user_mean: f64,
    /// Share of users below [`SegmentThresholds::cold_start_below`] ratings.
    pub cold_start_share: f64,
    /// Share of users with at least [`SegmentThresholds::power_from`] ratings.
    pub power_share: f64,
    /// Mean rating value.
    pub rating_mean: f64,
    /// Population standard deviation of the rating values: `√(Σ (v − mean)² / n)`.
    pub rating_sd: f64,
    /// The most frequent rating value; of equally frequent values, the lowest.
    pub rating_mode: f64,
    /// Share of ratings equal to 5.0.
    pub five_star_share: f64,
    /// Every rating value with its count and share, ascending by value.
    pub star_histogram: Vec<StarCount>,
    /// Spearman rank correlation between an item's number of ratings and its mean
    /// rating, over items with at least [`SPEARMAN_MIN_RATINGS`] ratings, ties given
    /// their average rank; `None` with fewer than 3 such items or when either
    /// variable is constant over them.
    pub popularity_rating_spearman: Option<f64>,
    /// Items the Spearman correlation is computed over.
    pub n_items_spearman: usize,
}

/// Value buckets of the fast path of the histogram: every half star from 0 to 10.
const HALF_STAR_BUCKETS: usize = 21;

/// Computes the shape of a rating log.
///
/// Only rows of kind [`InteractionKind::Rating`] count, each row once (a log with
/// re-ratings counts both; [`Dataset`](super::Dataset) keeps only the later). The
/// cold-start and power thresholds are [`SegmentThresholds::default`].
///
/// An empty log (no ratings) gives every count and statistic 0, an empty histogram
/// and no Spearman correlation, rather than NaNs JSON could not hold.
///
/// ```text
/// item_gini        = gini(c_i over rated items i)          c_i = ratings of item i
/// item_top10_share = Σ_{top ⌈0.1·I⌉ items} c_i / n
/// rating_sd        = √(Σ_v n_v (v − mean)² / n)            n_v = ratings of value v
/// spearman         = pearson(rank(c_i), rank(mean_i))      over items with c_i ≥ 10
/// ```
///
/// # Panics
///
/// Never: ids index arrays sized from the largest id in the log.
#[must_use]
pub fn log_shape(ratings: &[Interaction]) -> LogShape {
    let is_rating = |i: &&Interaction| i.kind == InteractionKind::Rating;
    let (max_user, max_item) = ratings.iter().filter(is_rating).fold(
        (None, None),
        |(u, m): (Option<usize>, Option<usize>), i| {
            (
                Some(u.map_or(i.user.index(), |u| u.max(i.user.index()))),
                Some(m.map_or(i.movie.index(), |m| m.max(i.movie.index()))),
            )
        },
    );
    let (Some(max_user), Some(max_item)) = (max_user, max_item) else {
        return empty_shape();
    };
    let mut user_counts = vec![0u64; max_user + 1];
    let mut item_counts = vec![0u64; max_item + 1];
    let mut item_sums = vec![0.0f64; max_item + 1];
    let mut half_stars = [0u64; HALF_STAR_BUCKETS];
    let mut other_values: Vec<f32> = Vec::new();
    for r in ratings.iter().filter(is_rating) {
        user_counts[r.user.index()] += 1;
        item_counts[r.movie.index()] += 1;
        item_sums[r.movie.index()] += f64::from(r.value);
        let twice = 2.0 * r.value;
        // Every MovieLens scale is whole or half stars: count those in an array and
        // sort only the rare other values.
        if twice.fract() == 0.0 && (0.0..HALF_STAR_BUCKETS as f32).contains(&twice) {
            half_stars[twice as usize] += 1;
        } else {
            other_values.push(r.value);
        }
    }
    let n_ratings = ratings.iter().filter(is_rating).count();
    let n = n_ratings as f64;

    let mut histogram: Vec<(f64, usize)> = half_stars
        .iter()
        .enumerate()
        .filter(|&(_, &c)| c > 0)
        .map(|(i, &c)| (i as f64 / 2.0, c as usize))
        .collect();
    other_values.sort_unstable_by(f32::total_cmp);
    for chunk in other_values.chunk_by(|a, b| a.total_cmp(b).is_eq()) {
        histogram.push((f64::from(chunk[0]), chunk.len()));
    }
    histogram.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let rating_mean = histogram.iter().map(|&(v, c)| v * c as f64).sum::<f64>() / n;
    let variance = histogram
        .iter()
        .map(|&(v, c)| c as f64 * (v - rating_mean).powi(2))
        .sum::<f64>()
        / n;
    // Ascending order and a strict `>` keep the lowest of equally frequent values.
    let mut rating_mode = histogram[0];
    for &bucket in &histogram[1..] {
        if bucket.1 > rating_mode.1 {
            rating_mode = bucket;
        }
    }
    let five_star_share = histogram
        .iter()
        .find(|&&(v, _)| v == 5.0)
        .map_or(0.0, |&(_, c)| c as f64 / n);

    let rated_items: Vec<u64> = item_counts.iter().copied().filter(|&c| c > 0).collect();
    let mut items_sorted = rated_items.clone();
    items_sorted.sort_unstable();
    let n_head = ((ITEM_HEAD_SHARE * items_sorted.len() as f64).ceil() as usize).max(1);
    let head: u64 = items_sorted.iter().rev().take(n_head).sum();

    let rated_users: Vec<u64> = user_counts.iter().copied().filter(|&c| c > 0).collect();
    let mut users_sorted = rated_users.clone();
    users_sorted.sort_unstable();
    let thresholds = SegmentThresholds::default();
    let share_of_users = |segment: Segment| {
        let count = rated_users
            .iter()
            .filter(|&&c| thresholds.segment(c as usize) == segment)
            .count();
        count as f64 / rated_users.len() as f64
    };

    let (spearman_counts, spearman_means): (Vec<f64>, Vec<f64>) = item_counts
        .iter()
        .zip(&item_sums)
        .filter(|&(&c, _)| c as usize >= SPEARMAN_MIN_RATINGS)
        .map(|(&c, &s)| (c as f64, s / c as f64))
        .unzip();

    LogShape {
        n_ratings,
        n_users: rated_users.len(),
        n_items: rated_items.len(),
        density: n / (rated_users.len() as f64 * rated_items.len() as f64),
        item_gini: gini(&rated_items),
        item_top10_share: head as f64 / n,
        item_quantiles: Quantiles::of_sorted(&items_sorted),
        user_gini: gini(&rated_users),
        user_quantiles: Quantiles::of_sorted(&users_sorted),
        user_mean: n / rated_users.len() as f64,
        cold_start_share: share_of_users(Segment::ColdStart),
        power_share: share_of_users(Segment::Power),
        rating_mean,
        rating_sd: variance.sqrt(),
        rating_mode: rating_mode.0,
        five_star_share,
        star_histogram: histogram
            .iter()
            .map(|&(value, count)| StarCount {
                value,
                count,
                share: count as f64 / n,
            })
            .collect(),
        popularity_rating_spearman: spearman(&spearman_counts, &spearman_means),
        n_items_spearman: spearman_counts.len(),
    }
}

/// The documented shape of a log without ratings.
fn empty_shape() -> LogShape {
    LogShape {
        n_ratings: 0,
        n_users: 0,
        n_items: 0,
        density: 0.0,
        item_gini: 0.0,
        item_top10_share: 0.0,
        item_quantiles: Quantiles::ZERO,
        user_gini: 0.0,
        user_quantiles: Quantiles::ZERO,
        user_mean: 0.0,
        cold_start_share: 0.0,
        power_share: 0.0,
        rating_mean: 0.0,
        rating_sd: 0.0,
        rating_mode: 0.0,
        five_star_share: 0.0,
        star_histogram: Vec::new(),
        popularity_rating_spearman: None,
        n_items_spearman: 0,
    }
}

/// Ranks 1..=n of `values` ascending, equal values sharing the mean of the ranks
/// they span (SciPy's `rankdata(method="average")`).
fn average_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_unstable_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let value = values[order[start]];
        let end = start
            + order[start..]
                .iter()
                .take_while(|&&i| values[i] == value)
                .count();
        // Positions start..end hold ranks start+1..=end; their mean is (start+1+end)/2.
        let shared = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = shared;
        }
        start = end;
    }
    ranks
}

/// Spearman's ρ with average ranks for ties: the Pearson correlation of the ranks.
/// `None` for fewer than 3 pairs or a constant variable.
///
/// ```text
/// ρ = Σ (r_i − r̄)(s_i − s̄) / √(Σ (r_i − r̄)² · Σ (s_i − s̄)²)
/// ```
///
/// # References
///
/// Spearman (1904), "The proof and measurement of association between two things",
/// American Journal of Psychology 15(1); SciPy `scipy.stats.spearmanr`.
fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() < 3 {
        return None;
    }
    let (rx, ry) = (average_ranks(x), average_ranks(y));
    // Average ranks of n values always have mean (n + 1)/2.
    let mean = (x.len() as f64 + 1.0) / 2.0;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in rx.iter().zip(&ry) {
        let (da, db) = (a - mean, b - mean);
        sxy += da * db;
        sxx += da * da;
        syy += db * db;
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::ids::{MovieId, UserId};

    fn rating(user: u32, movie: u32, value: f32) -> Interaction {
        Interaction::rating(UserId(user), MovieId(movie), value, 0)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    /// Hand-computed log: user 0 rates movies 0, 1, 2; user 1 rates 0 and 1; user 3
    /// rates 0 (user 2 and movie 3 never appear). Values 5, 3, 4 | 4, 2 | 4.
    fn tiny_log() -> Vec<Interaction> {
        vec![
            rating(0, 0, 5.0),
            rating(0, 1, 3.0),
            rating(0, 2, 4.0),
            rating(1, 0, 4.0),
            rating(1, 1, 2.0),
            rating(3, 0, 4.0),
            // A click is not a rating and must be ignored.
            Interaction {
                kind: InteractionKind::Click,
                ..rating(9, 9, 1.0)
            },
        ]
    }

    #[test]
    fn every_statistic_of_a_hand_computed_log() {
        let s = log_shape(&tiny_log());
        assert_eq!((s.n_ratings, s.n_users, s.n_items), (6, 3, 3));
        // 6 / (3 · 3)
        assert!(close(s.density, 6.0 / 9.0));
        // Item counts 3, 2, 1: G = ((2·1−4)·1 + (2·2−4)·2 + (2·3−4)·3) / (3 · 6) = 4/18.
        assert!(close(s.item_gini, 4.0 / 18.0));
        // ⌈0.1 · 3⌉ = 1 head item holding 3 of 6 ratings.
        assert!(close(s.item_top10_share, 0.5));
        // Items sorted 1, 2, 3: h = 2p; p10 → h 0.2 → 1.2; p25 → 1.5; p99 → h 1.98 → 2.98.
        let q = &s.item_quantiles;
        assert!(close(q.p10, 1.2) && close(q.p25, 1.5) && close(q.p50, 2.0));
        assert!(close(q.p75, 2.5) && close(q.p90, 2.8) && close(q.p99, 2.98));
        assert_eq!(q.max, 3.0);
        // Users 3, 2, 1 ratings: the same counts as the items.
        assert!(close(s.user_gini, 4.0 / 18.0));
        assert_eq!(s.user_quantiles, s.item_quantiles);
        assert!(close(s.user_mean, 2.0));
        // Every user is below 20 ratings, none reaches 200.
        assert_eq!((s.cold_start_share, s.power_share), (1.0, 0.0));
        // Values 2, 3, 4, 4, 4, 5: mean 22/6; squared deviations from 11/3 are
        // 25/9, 4/9, 1/9 (×3), 16/9 = 48/9, over 6 = 8/9.
        assert!(close(s.rating_mean, 22.0 / 6.0));
        assert!(close(s.rating_sd, (8.0f64 / 9.0).sqrt()));
        assert_eq!(s.rating_mode, 4.0);
        assert!(close(s.five_star_share, 1.0 / 6.0));
        let histogram: Vec<(f64, usize)> = s
            .star_histogram
            .iter()
            .map(|b| (b.value, b.count))
            .collect();
        assert_eq!(histogram, [(2.0, 1), (3.0, 1), (4.0, 3), (5.0, 1)]);
        assert!(close(s.star_histogram[2].share, 0.5));
        // No item has 10 ratings.
        assert_eq!(
            (s.popularity_rating_spearman, s.n_items_spearman),
            (None, 0)
        );
    }

    #[test]
    fn segment_shares_use_the_default_thresholds() {
        // User 0: 19 ratings (cold start), user 1: 20 (regular), user 2: 200 (power).
        let mut log = Vec::new();
        for (user, n) in [(0, 19), (1, 20), (2, 200)] {
            log.extend((0..n).map(|m| rating(user, m, 3.0)));
        }
        let s = log_shape(&log);
        assert!(close(s.cold_start_share, 1.0 / 3.0));
        assert!(close(s.power_share, 1.0 / 3.0));
    }

    #[test]
    fn quantiles_interpolate_between_closest_ranks() {
        // NumPy: np.percentile([1, 2, 4, 10], [10, 25, 50, 75, 90, 99])
        // h = 3p: 0.3 → 1.3; 0.75 → 1.75; 1.5 → 3; 2.25 → 4 + 0.25·6 = 5.5;
        // 2.7 → 4 + 0.7·6 = 8.2; 2.97 → 4 + 0.97·6 = 9.82.
        let q = Quantiles::of_sorted(&[1, 2, 4, 10]);
        for (got, want) in [
            (q.p10, 1.3),
            (q.p25, 1.75),
            (q.p50, 3.0),
            (q.p75, 5.5),
            (q.p90, 8.2),
            (q.p99, 9.82),
            (q.max, 10.0),
        ] {
            assert!((got - want).abs() < 1e-12, "{got} ≠ {want}");
        }
        assert_eq!(Quantiles::of_sorted(&[7]).p10, 7.0);
        assert_eq!(Quantiles::of_sorted(&[]), Quantiles::ZERO);
    }

    #[test]
    fn mode_ties_go_to_the_lower_value() {
        let log = [
            rating(0, 0, 5.0),
            rating(0, 1, 5.0),
            rating(1, 0, 3.0),
            rating(1, 1, 3.0),
            rating(2, 0, 1.0),
        ];
        assert_eq!(log_shape(&log).rating_mode, 3.0);
    }

    #[test]
    fn half_stars_and_odd_values_are_counted_in_order() {
        let log = [
            rating(0, 0, 3.5),
            rating(0, 1, 0.5),
            rating(1, 0, 3.5),
            rating(1, 1, 4.25),
            rating(2, 0, 5.0),
            rating(2, 1, -1.0),
        ];
        let s = log_shape(&log);
        let histogram: Vec<(f64, usize)> = s
            .star_histogram
            .iter()
            .map(|b| (b.value, b.count))
            .collect();
        assert_eq!(
            histogram,
            [(-1.0, 1), (0.5, 1), (3.5, 2), (4.25, 1), (5.0, 1)]
        );
        assert_eq!(s.rating_mode, 3.5);
        assert!(close(s.five_star_share, 1.0 / 6.0));
        // (−1 + 0.5 + 3.5 + 3.5 + 4.25 + 5) / 6 = 15.75 / 6
        assert!(close(s.rating_mean, 15.75 / 6.0));
    }

    #[test]
    fn spearman_averages_tied_ranks() {
        // x = 1, 2, 2, 3 → ranks 1, 2.5, 2.5, 4; y = 1, 3, 2, 2 → ranks 1, 4, 2.5, 2.5.
        // Deviations from 2.5: x −1.5, 0, 0, 1.5; y −1.5, 1.5, 0, 0.
        // Σxy = 2.25; Σx² = 4.5; Σy² = 4.5 ⇒ ρ = 2.25 / 4.5 = 0.5 (scipy.stats.spearmanr
        // gives the same).
        let rho = spearman(&[1.0, 2.0, 2.0, 3.0], &[1.0, 3.0, 2.0, 2.0]).unwrap();
        assert!(close(rho, 0.5), "{rho}");
        assert!(close(
            spearman(&[1.0, 2.0, 3.0], &[30.0, 20.0, 10.0]).unwrap(),
            -1.0
        ));
        assert_eq!(spearman(&[1.0, 2.0], &[1.0, 2.0]), None);
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[4.0, 4.0, 4.0]), None);
    }

    #[test]
    fn spearman_of_a_log_uses_items_with_ten_ratings_and_ties() {
        // Items 0, 1, 2 with 10, 10, 12 ratings (item 3 with 9 is left out) and means
        // 3.0, 4.0, 4.0: counts rank 1.5, 1.5, 3 and means 1, 2.5, 2.5.
        // Deviations from 2: counts −0.5, −0.5, 1; means −1, 0.5, 0.5.
        // Σxy = 0.5 − 0.25 + 0.5 = 0.75; Σx² = 1.5; Σy² = 1.5 ⇒ ρ = 0.5.
        let mut log = Vec::new();
        for (movie, n, value) in [(0, 10, 3.0), (1, 10, 4.0), (2, 12, 4.0), (3, 9, 1.0)] {
            log.extend((0..n).map(|u| rating(u, movie, value)));
        }
        let s = log_shape(&log);
        assert_eq!(s.n_items_spearman, 3);
        assert!(close(s.popularity_rating_spearman.unwrap(), 0.5));
    }

    #[test]
    fn an_empty_log_is_all_zero() {
        let s = log_shape(&[]);
        assert_eq!(s, empty_shape());
        assert_eq!((s.n_ratings, s.density), (0, 0.0));
        assert!(s.star_histogram.is_empty());
    }
}

//! Every offline metric at once, over the lists of a set of users: what `recolab
//! eval` reports per arm, fold and segment, and `recolab metrics` per run.

use serde::Serialize;
use serde::ser::SerializeMap;

use super::diversity::jaccard_of_sorted_sets;
use super::{
    Gain, Relevance, aplt, arp, average_precision_at_k, calibration_kl, cosine_similarity,
    coverage, gini, hit_rate_at_k, homogenisation, intra_list_diversity, long_tail_share, mae,
    mean_popularity_rank, mean_self_information, ndcg_at_k, popularity_ranks, precision_at_k,
    recall_at_k, reciprocal_rank_at_k, rmse, serendipity_at_k,
};
use crate::world::Segment;

/// What beyond-accuracy metrics know about each catalogue item (ids are indices).
#[derive(Clone, Debug, PartialEq)]
pub struct ItemFeatures {
    /// Interactions with each item in the training data (the `φ(i)` of ARP).
    pub popularity: Vec<u64>,
    /// Popularity rank of each item, 1 = most popular, ties averaged.
    pub popularity_ranks: Vec<f64>,
    /// Add-one smoothed share of users who interacted with each item, for
    /// self-information; `None` when the number of users is unknown.
    pub user_share: Option<Vec<f64>>,
    /// Whether each item is long-tail.
    pub is_long_tail: Vec<bool>,
    /// Each item's genres, sorted ascending, without repeats.
    pub genres: Vec<Vec<u32>>,
    /// Number of genres; 0 disables the genre metrics.
    pub n_genres: usize,
    /// Each item's content vector; `None` disables embedding diversity.
    pub content: Option<Vec<Vec<f64>>>,
}

impl ItemFeatures {
    /// Features from popularity counts; `n_users` (for self-information) counts the
    /// users behind `popularity`, each counted at most once per item.
    ///
    /// # Panics
    ///
    /// If the per-item vectors differ in length.
    #[must_use]
    pub fn new(
        popularity: Vec<u64>,
        n_users: Option<usize>,
        is_long_tail: Vec<bool>,
        mut genres: Vec<Vec<u32>>,
        n_genres: usize,
        content: Option<Vec<Vec<f64>>>,
    ) -> Self {
        let n = popularity.len();
        assert_eq!(is_long_tail.len(), n, "one long-tail flag per item");
        assert_eq!(genres.len(), n, "one genre set per item");
        if let Some(content) = &content {
            assert_eq!(content.len(), n, "one content vector per item");
        }
        for set in &mut genres {
            set.sort_unstable();
            set.dedup();
        }
        let user_share = n_users.map(|u| {
            popularity
                .iter()
                .map(|&p| ((p as f64 + 1.0) / (u as f64 + 1.0)).min(1.0))
                .collect()
        });
        Self {
            popularity_ranks: popularity_ranks(&popularity),
            popularity,
            user_share,
            is_long_tail,
            genres,
            n_genres,
            content,
        }
    }

    /// Number of items.
    #[must_use]
    pub fn n_items(&self) -> usize {
        self.popularity.len()
    }

    /// `1 − jaccard` of the two items' genre sets.
    #[must_use]
    pub fn genre_dissimilarity(&self, a: u32, b: u32) -> f64 {
        // Genre sets are sorted and deduplicated in `new`.
        1.0 - jaccard_of_sorted_sets(&self.genres[a as usize], &self.genres[b as usize])
    }

    /// `1 − cosine` of the two items' content vectors, if there are any.
    #[must_use]
    pub fn content_dissimilarity(&self, a: u32, b: u32) -> Option<f64> {
        self.content
            .as_ref()
            .map(|c| 1.0 - cosine_similarity(&c[a as usize], &c[b as usize]))
    }

    /// `p(g|i)`: the item's genres, each with share `1/|genres(i)|`.
    #[cfg(test)]
    fn genre_row(&self, item: u32) -> Vec<f64> {
        let set = &self.genres[item as usize];
        let mut row = vec![0.0; self.n_genres];
        for &g in set {
            row[g as usize] = 1.0 / set.len() as f64;
        }
        row
    }
}

/// One user's list and what it is judged against.
#[derive(Clone, Debug, PartialEq)]
pub struct UserCase {
    /// The user (dense id).
    pub user: u32,
    /// The user's segment, when known.
    pub segment: Option<Segment>,
    /// The recommended items, best first.
    pub list: Vec<u32>,
    /// The user's relevant test items.
    pub relevance: Relevance,
    /// Items the user's taste is known from (training items), for calibration and
    /// serendipity; may be empty.
    pub profile: Vec<u32>,
    /// What the popularity baseline recommends the user, sorted ascending (the
    /// "expected" items of serendipity).
    pub expected: Vec<u32>,
    /// `(predicted, actual)` ratings of the user's test ratings, where the
    /// recommender predicts ratings.
    pub predictions: Vec<(f64, f64)>,
}

/// Settings shared by every metric of a set.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MetricSettings {
    /// List length K.
    pub k: usize,
    /// Gain of nDCG.
    pub gain: Gain,
    /// Threshold of serendipity's unexpectedness.
    pub serendipity_min_dissimilarity: f64,
    /// Users (at most) whose lists enter homogenisation.
    pub homogenisation_users: usize,
    /// Smoothing α of calibration.
    pub calibration_alpha: f64,
}

/// Names of the metrics of a [`MetricSet`], in report order.
pub const METRIC_NAMES: [&str; 22] = [
    "n_users",
    "n_users_with_relevant",
    "rmse",
    "mae",
    "precision",
    "recall",
    "ndcg",
    "mrr",
    "map",
    "hit_rate",
    "serendipity",
    "ild_genre",
    "ild_embedding",
    "coverage",
    "gini",
    "mean_popularity_rank",
    "mean_self_information",
    "long_tail_share",
    "arp",
    "aplt",
    "calibration_kl",
    "homogenisation",
];

/// The value of every metric in [`METRIC_NAMES`] order; `None` where undefined.
/// Serialises as a JSON object in that order.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricSet {
    values: Vec<Option<f64>>,
}

impl MetricSet {
    /// The value of `name`; `None` if undefined or not a metric name.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<f64> {
        METRIC_NAMES
            .iter()
            .position(|&n| n == name)
            .and_then(|i| self.values[i])
    }

    /// A copy with every metric not in `keep` undefined.
    #[must_use]
    pub fn only(&self, keep: &[&str]) -> Self {
        Self {
            values: METRIC_NAMES
                .iter()
                .zip(&self.values)
                .map(|(name, &v)| if keep.contains(name) { v } else { None })
                .collect(),
        }
    }

    /// `(name, value)` in report order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, Option<f64>)> + '_ {
        METRIC_NAMES
            .iter()
            .copied()
            .zip(self.values.iter().copied())
    }
}

impl Serialize for MetricSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.values.len()))?;
        for (name, value) in self.iter() {
            map.serialize_entry(name, &value)?;
        }
        map.end()
    }
}

fn mean(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let (sum, n) = values
        .flatten()
        .fold((0.0, 0usize), |(sum, n), v| (sum + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

/// Computes every metric over `cases`.
///
/// Per-user metrics (ranking, serendipity, ILD, calibration) are means over the users
/// where they are defined: ranking metrics and serendipity skip users without a
/// relevant test item, ILD skips lists shorter than 2, calibration skips users
/// without a genre profile. RMSE and MAE pool every predicted rating. Exposure
/// metrics (coverage, Gini, novelty, long-tail share) count each list's first `k`
/// slots over the whole catalogue. Homogenisation uses up to
/// `homogenisation_users` lists at an even stride through `cases`.
///
/// # Panics
///
/// If a list holds an item outside `features`.
#[must_use]
pub fn metric_set(
    cases: &[&UserCase],
    features: &ItemFeatures,
    settings: &MetricSettings,
) -> MetricSet {
    let genres = GenreTables::new(features);
    let users: Vec<PerUser> = cases
        .iter()
        .map(|c| per_user(c, features, settings, &genres))
        .collect();
    let users: Vec<&PerUser> = users.iter().collect();
    metric_set_of(cases, &users, features, settings)
}

/// [`metric_set`] over all cases, then over each segment present.
///
/// Each user's own metrics are computed once and averaged into both the overall
/// set and their segment's, in case order: the same sums, bit for bit, as separate
/// [`metric_set`] calls.
#[must_use]
pub fn metric_sets_by_segment(
    cases: &[UserCase],
    features: &ItemFeatures,
    settings: &MetricSettings,
) -> (MetricSet, Vec<(Segment, MetricSet)>) {
    let genres = GenreTables::new(features);
    let users: Vec<PerUser> = cases
        .iter()
        .map(|c| per_user(c, features, settings, &genres))
        .collect();
    let all: Vec<&UserCase> = cases.iter().collect();
    let all_users: Vec<&PerUser> = users.iter().collect();
    let overall = metric_set_of(&all, &all_users, features, settings);
    let by_segment = Segment::ALL
        .iter()
        .filter_map(|&segment| {
            let (subset, subset_users): (Vec<&UserCase>, Vec<&PerUser>) = cases
                .iter()
                .zip(&users)
                .filter(|(c, _)| c.segment == Some(segment))
                .unzip();
            (!subset.is_empty()).then(|| {
                (
                    segment,
                    metric_set_of(&subset, &subset_users, features, settings),
                )
            })
        })
        .collect();
    (overall, by_segment)
}

/// One user's own metrics, in [`METRIC_NAMES`] order: precision, recall, nDCG, MRR,
/// MAP, hit rate, serendipity, ILD (genre), ILD (embedding), calibration.
type PerUser = [Option<f64>; 10];

/// What every user's metrics read from the item features, built once per call.
struct GenreTables {
    /// Each item's genres as a bit mask, when every genre id is below 64: the
    /// Jaccard index of two items is then two popcounts.
    masks: Option<Vec<u64>>,
}

impl GenreTables {
    fn new(features: &ItemFeatures) -> Self {
        let masks = features
            .genres
            .iter()
            .map(|set| {
                set.iter()
                    .try_fold(0u64, |mask, &g| (g < 64).then(|| mask | 1 << g))
            })
            .collect();
        Self { masks }
    }

    /// [`ItemFeatures::genre_dissimilarity`], bit for bit: genre sets are sorted
    /// and without repeats, so `|A ∩ B|` and `|A ∪ B|` are the popcounts of the
    /// masks' AND and OR, divided as `jaccard_of_sorted_sets` divides them.
    #[inline]
    fn dissimilarity(&self, features: &ItemFeatures, a: u32, b: u32) -> f64 {
        match &self.masks {
            Some(masks) => {
                let (a, b) = (masks[a as usize], masks[b as usize]);
                let n_union = (a | b).count_ones();
                let jaccard = if n_union == 0 {
                    0.0
                } else {
                    f64::from((a & b).count_ones()) / f64::from(n_union)
                };
                1.0 - jaccard
            }
            None => features.genre_dissimilarity(a, b),
        }
    }
}

/// [`genre_distribution`] of `items` with genres, each of weight 1, over their
/// genre rows ([`ItemFeatures::genre_row`]), bit for bit: a unit weight times a share is the share,
/// and the shares a row holds as 0 add `+0.0` to sums that start at `+0.0` and only
/// grow, which changes no bit, so only an item's own genres are added (in item
/// order, as the dense rows add them).
fn unit_genre_distribution(items: &[u32], features: &ItemFeatures) -> Option<Vec<f64>> {
    let mut distribution = vec![0.0; features.n_genres];
    let mut total_weight = 0.0;
    for &item in items {
        let set = &features.genres[item as usize];
        if set.is_empty() {
            continue;
        }
        let share = 1.0 / set.len() as f64;
        for &g in set {
            distribution[g as usize] += share;
        }
        total_weight += 1.0;
    }
    (total_weight > 0.0).then(|| {
        for mass in &mut distribution {
            *mass /= total_weight;
        }
        distribution
    })
}

/// The metrics of one user's list (its first `k` items).
fn per_user(
    c: &UserCase,
    features: &ItemFeatures,
    settings: &MetricSettings,
    genres: &GenreTables,
) -> PerUser {
    let k = settings.k;
    let list = &c.list[..c.list.len().min(k)];
    let calibration = || -> Option<f64> {
        if features.n_genres == 0 {
            return None;
        }
        let p = unit_genre_distribution(&c.profile, features)?;
        let q =
            unit_genre_distribution(list, features).unwrap_or_else(|| vec![0.0; features.n_genres]);
        Some(calibration_kl(&p, &q, settings.calibration_alpha))
    };
    let unexpectedness = |item: u32| {
        if c.profile.is_empty() {
            return 1.0;
        }
        let sum: f64 = c
            .profile
            .iter()
            .map(|&j| {
                // Genres where known, else content; without either, nothing is
                // familiar (genre dissimilarity of two empty sets is 1).
                if features.n_genres > 0 {
                    genres.dissimilarity(features, item, j)
                } else {
                    features
                        .content_dissimilarity(item, j)
                        .unwrap_or_else(|| features.genre_dissimilarity(item, j))
                }
            })
            .sum();
        sum / c.profile.len() as f64
    };
    let relevance = &c.relevance;
    [
        precision_at_k(list, relevance, k),
        recall_at_k(list, relevance, k),
        ndcg_at_k(list, relevance, k, settings.gain),
        reciprocal_rank_at_k(list, relevance, k),
        average_precision_at_k(list, relevance, k),
        hit_rate_at_k(list, relevance, k),
        serendipity_at_k(
            list,
            relevance,
            &c.expected,
            unexpectedness,
            settings.serendipity_min_dissimilarity,
            k,
        ),
        if features.n_genres > 0 {
            intra_list_diversity(list, |a, b| genres.dissimilarity(features, a, b))
        } else {
            None
        },
        features.content.as_ref().and_then(|_| {
            intra_list_diversity(list, |a, b| {
                features
                    .content_dissimilarity(a, b)
                    .expect("content exists")
            })
        }),
        calibration(),
    ]
}

/// Every metric over `cases`, whose own metrics are `users` (one per case).
fn metric_set_of(
    cases: &[&UserCase],
    users: &[&PerUser],
    features: &ItemFeatures,
    settings: &MetricSettings,
) -> MetricSet {
    let k = settings.k;
    let top: Vec<&[u32]> = cases
        .iter()
        .map(|c| &c.list[..c.list.len().min(k)])
        .collect();
    let per_user = |metric: usize| mean(users.iter().map(|u| u[metric]));
    let pairs: Vec<(f64, f64)> = cases
        .iter()
        .flat_map(|c| c.predictions.iter().copied())
        .collect();

    let mut counts = vec![0u64; features.n_items()];
    for list in &top {
        for &item in *list {
            counts[item as usize] += 1;
        }
    }
    let lists: Vec<Vec<u32>> = top.iter().map(|l| l.to_vec()).collect();
    let popularity: Vec<f64> = features.popularity.iter().map(|&p| p as f64).collect();
    let stride = cases
        .len()
        .div_ceil(settings.homogenisation_users.max(2))
        .max(1);
    let sample: Vec<Vec<u32>> = lists.iter().step_by(stride).cloned().collect();

    let values = vec![
        Some(cases.len() as f64),
        Some(
            cases
                .iter()
                .filter(|c| c.relevance.n_relevant() > 0)
                .count() as f64,
        ),
        rmse(&pairs),
        mae(&pairs),
        per_user(0),
        per_user(1),
        per_user(2),
        per_user(3),
        per_user(4),
        per_user(5),
        per_user(6),
        per_user(7),
        per_user(8),
        (!cases.is_empty()).then(|| coverage(&counts)),
        (!cases.is_empty()).then(|| gini(&counts)),
        mean_popularity_rank(&counts, &features.popularity_ranks),
        features
            .user_share
            .as_ref()
            .and_then(|share| mean_self_information(&counts, share)),
        long_tail_share(&counts, &features.is_long_tail),
        arp(&lists, &popularity),
        aplt(&lists, &features.is_long_tail),
        per_user(9),
        homogenisation(&sample),
    ];
    debug_assert_eq!(values.len(), METRIC_NAMES.len());
    MetricSet { values }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::DEFAULT_CALIBRATION_ALPHA;
    use crate::eval::genre_distribution;

    fn settings(k: usize) -> MetricSettings {
        MetricSettings {
            k,
            gain: Gain::Linear,
            serendipity_min_dissimilarity: 0.5,
            homogenisation_users: 1000,
            calibration_alpha: DEFAULT_CALIBRATION_ALPHA,
        }
    }

    /// Four items: 0 and 1 are drama, 2 comedy, 3 drama+comedy; popularity 10, 5, 1, 0.
    fn features() -> ItemFeatures {
        ItemFeatures::new(
            vec![10, 5, 1, 0],
            Some(10),
            vec![false, false, true, true],
            vec![vec![0], vec![0], vec![1], vec![1, 0]],
            2,
            None,
        )
    }

    fn case(user: u32, list: Vec<u32>, relevant: &[u32], profile: Vec<u32>) -> UserCase {
        UserCase {
            user,
            segment: Some(Segment::Regular),
            list,
            relevance: Relevance::binary(relevant.iter().copied()),
            profile,
            expected: vec![0, 1],
            predictions: Vec::new(),
        }
    }

    #[test]
    fn genre_masks_give_the_sorted_set_dissimilarity_bit_for_bit() {
        let genres = vec![vec![0], vec![0, 3], vec![3, 1, 2], vec![], vec![5, 0, 1]];
        let features = ItemFeatures::new(vec![1; 5], None, vec![false; 5], genres, 6, None);
        let tables = GenreTables::new(&features);
        assert!(tables.masks.is_some());
        for a in 0..5 {
            for b in 0..5 {
                assert_eq!(
                    tables.dissimilarity(&features, a, b).to_bits(),
                    features.genre_dissimilarity(a, b).to_bits()
                );
            }
        }
        // Items 1 and 2: {0, 3} and {1, 2, 3} share 1 of 4 genres.
        assert_eq!(tables.dissimilarity(&features, 1, 2), 0.75);
        // A genre id of 64 or more: no masks, the sorted sets decide.
        let wide = ItemFeatures::new(
            vec![1; 2],
            None,
            vec![false; 2],
            vec![vec![64], vec![1]],
            65,
            None,
        );
        assert!(GenreTables::new(&wide).masks.is_none());
        assert_eq!(GenreTables::new(&wide).dissimilarity(&wide, 0, 1), 1.0);
    }

    #[test]
    fn sparse_genre_shares_give_the_dense_distribution_bit_for_bit() {
        // Items with one to seven genres (shares 1/3, 1/7 … do not sum exactly),
        // some without genres, repeated: the sparse sums must be the dense rows'
        // weighted sums of `genre_distribution`, bit for bit.
        let genres: Vec<Vec<u32>> = (0..40u32)
            .map(|i| (0..i % 8).map(|j| (i * 5 + j * 3) % 19).collect())
            .collect();
        let features = ItemFeatures::new(vec![1; 40], None, vec![false; 40], genres, 19, None);
        let rows: Vec<Vec<f64>> = (0..40).map(|i| features.genre_row(i)).collect();
        for items in [
            (0..40).collect::<Vec<u32>>(),
            vec![3, 3, 17, 9, 31, 7, 7, 7],
            vec![0, 8, 16],
            Vec::new(),
        ] {
            let weighted: Vec<(u32, f64)> = items
                .iter()
                .filter(|&&i| !features.genres[i as usize].is_empty())
                .map(|&i| (i, 1.0))
                .collect();
            let dense = genre_distribution(&weighted, &rows, 19);
            let sparse = unit_genre_distribution(&items, &features);
            let bits =
                |d: Option<Vec<f64>>| d.map(|d| d.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
            assert_eq!(bits(sparse), bits(dense), "{items:?}");
        }
    }

    #[test]
    fn hand_computed_set_of_two_users() {
        let a = case(0, vec![0, 2], &[2], vec![1]);
        let b = case(1, vec![1, 2], &[], vec![]);
        let set = metric_set(&[&a, &b], &features(), &settings(2));
        assert_eq!(set.get("n_users"), Some(2.0));
        assert_eq!(set.get("n_users_with_relevant"), Some(1.0));
        // Only user a counts for ranking: hit at rank 2 of 2.
        assert_eq!(set.get("precision"), Some(0.5));
        assert_eq!(set.get("recall"), Some(1.0));
        assert_eq!(set.get("mrr"), Some(0.5));
        assert_eq!(set.get("ndcg"), Some(1.0 / 3_f64.log2()));
        // Item 2 is relevant, not expected, and its genres (comedy) share nothing with
        // the profile (item 1, drama): serendipitous, 1 of 2 slots.
        assert_eq!(set.get("serendipity"), Some(0.5));
        // Both lists pair drama with comedy: genre dissimilarity 1.
        assert_eq!(set.get("ild_genre"), Some(1.0));
        assert_eq!(set.get("ild_embedding"), None);
        // Items 0, 1, 2 recommended once, 2 twice: counts 1, 1, 2, 0.
        assert_eq!(set.get("coverage"), Some(0.75));
        assert_eq!(set.get("gini"), Some(gini(&[1, 1, 2, 0])));
        assert_eq!(set.get("long_tail_share"), Some(0.5));
        // List means of popularity: (10 + 1)/2 and (5 + 1)/2.
        assert_eq!(set.get("arp"), Some(4.25));
        assert_eq!(set.get("aplt"), Some(0.5));
        // Lists {0, 2} and {1, 2}: Jaccard 1/3.
        assert_eq!(set.get("homogenisation"), Some(1.0 / 3.0));
        assert_eq!(set.get("rmse"), None);
        // User a's profile is all drama; the list is half drama, half comedy. User b
        // has no profile, so calibration is a's alone.
        let expected = calibration_kl(&[1.0, 0.0], &[0.5, 0.5], DEFAULT_CALIBRATION_ALPHA);
        assert_eq!(set.get("calibration_kl"), Some(expected));
    }

    #[test]
    fn k_cuts_lists_and_predictions_pool_over_users() {
        let mut a = case(0, vec![2, 0, 1], &[2], vec![]);
        a.predictions = vec![(4.0, 5.0), (3.0, 3.0)];
        let mut b = case(1, vec![3], &[3], vec![]);
        b.predictions = vec![(2.0, 4.0)];
        let set = metric_set(&[&a, &b], &features(), &settings(1));
        assert_eq!(set.get("precision"), Some(1.0));
        // Only the top slot counts for exposure: items 2 and 3.
        assert_eq!(set.get("coverage"), Some(0.5));
        assert_eq!(set.get("long_tail_share"), Some(1.0));
        // Errors 1, 0, 2 pooled: RMSE √(5/3), MAE 1.
        assert_eq!(set.get("rmse"), Some((5.0_f64 / 3.0).sqrt()));
        assert_eq!(set.get("mae"), Some(1.0));
        // Single-item lists have no ILD.
        assert_eq!(set.get("ild_genre"), None);
    }

    #[test]
    fn no_users_leaves_everything_but_the_counts_undefined() {
        let set = metric_set(&[], &features(), &settings(10));
        for (name, value) in set.iter() {
            if name.starts_with("n_users") {
                assert_eq!(value, Some(0.0));
            } else {
                assert_eq!(value, None, "{name}");
            }
        }
        let json = serde_json::to_string(&set).unwrap();
        assert!(json.starts_with("{\"n_users\":0.0,\"n_users_with_relevant\":0.0,\"rmse\":null"));
    }

    #[test]
    fn segments_split_the_cases() {
        let a = case(0, vec![0], &[0], vec![]);
        let mut b = case(1, vec![1], &[0], vec![]);
        b.segment = Some(Segment::Power);
        let (all, by_segment) = metric_sets_by_segment(&[a, b], &features(), &settings(1));
        assert_eq!(all.get("precision"), Some(0.5));
        let names: Vec<Segment> = by_segment.iter().map(|(s, _)| *s).collect();
        assert_eq!(names, [Segment::Regular, Segment::Power]);
        assert_eq!(by_segment[1].1.get("precision"), Some(0.0));
    }
}

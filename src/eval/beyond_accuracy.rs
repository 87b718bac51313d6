//! Exposure metrics over a catalogue: concentration (Gini), coverage, novelty and
//! long-tail share.
//!
//! `counts[i]` is how many times catalogue item `i` was recommended, over whatever
//! set of slates the caller aggregates; items never recommended must be present
//! with a count of 0, or Gini and coverage would ignore them.

/// Gini coefficient of exposure: 0 when every item is recommended equally often,
/// `(n − 1)/n` when one item of `n` takes every recommendation.
///
/// Returns 0 for an empty catalogue and for all-zero counts: with no exposure there
/// is no inequality to report.
///
/// ```text
/// G = Σ_{i=1}^{n} (2i − n − 1) · x_(i) / (n · Σ_i x_i)
///     with x_(1) ≤ x_(2) ≤ … ≤ x_(n) the counts sorted ascending
/// ```
///
/// This is the normalisation of RecBole's `GiniIndex` (same orientation: lower is
/// more even). The *Recommender Systems Handbook* (Shani & Gunawardana 2011) and
/// Elliot divide by `n − 1` instead of `n`, which makes the single-item case 1;
/// multiply by `n / (n − 1)` to convert.
///
/// # References
///
/// Gini (1912), *Variabilità e mutabilità*; Fleder & Hosanagar (2009), "Blockbuster
/// culture's next rise or fall: the impact of recommender systems on sales
/// diversity", Management Science 55(5); RecBole `recbole.evaluator.metrics.GiniIndex`.
#[must_use]
pub fn gini(counts: &[u64]) -> f64 {
    let mut sorted = counts.to_vec();
    sorted.sort_unstable();
    // Integer sums keep the result exact up to the final division, so a uniform
    // catalogue gives exactly 0 whatever its size. i128 cannot overflow while
    // n² · max(count) < 2^127, far beyond any catalogue.
    let n = sorted.len() as i128;
    let total: i128 = sorted.iter().map(|&x| i128::from(x)).sum();
    if total == 0 {
        return 0.0;
    }
    let weighted: i128 = sorted
        .iter()
        .zip(1_i128..)
        .map(|(&x, i)| (2 * i - n - 1) * i128::from(x))
        .sum();
    weighted as f64 / (n * total) as f64
}

/// Share of catalogue items recommended at least once; 0 for an empty catalogue.
///
/// ```text
/// coverage = |{i : x_i > 0}| / n
/// ```
///
/// # References
///
/// Ge, Delgado-Battenfeld & Jannach (2010), "Beyond accuracy: evaluating recommender
/// systems by coverage and serendipity", RecSys (catalogue coverage).
#[must_use]
pub fn coverage(counts: &[u64]) -> f64 {
    if counts.is_empty() {
        return 0.0;
    }
    counts.iter().filter(|&&x| x > 0).count() as f64 / counts.len() as f64
}

/// Popularity rank of every item: 1 for the most popular, ties sharing the mean of
/// the ranks they span (fractional ranking).
///
/// Averaging ties makes the result independent of item ids and of sort order, so it
/// is the same on every run, and the ranks still sum to `n(n + 1)/2`.
///
/// ```text
/// rank(i) = 1 + |{j : p_j > p_i}| + (|{j : p_j = p_i}| − 1) / 2
/// ```
///
/// # References
///
/// Kendall (1945), "The treatment of ties in ranking problems", Biometrika 33(3);
/// SciPy `scipy.stats.rankdata(method="average")` on negated popularity.
#[must_use]
pub fn popularity_ranks(popularity: &[u64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..popularity.len()).collect();
    order.sort_unstable_by(|&a, &b| popularity[b].cmp(&popularity[a]));
    let mut ranks = vec![0.0; popularity.len()];
    let mut start = 0;
    while start < order.len() {
        let value = popularity[order[start]];
        let end = start
            + order[start..]
                .iter()
                .take_while(|&&item| popularity[item] == value)
                .count();
        // Positions start..end hold ranks start+1..=end; their mean is (start+1+end)/2.
        let shared = (start + 1 + end) as f64 / 2.0;
        for &item in &order[start..end] {
            ranks[item] = shared;
        }
        start = end;
    }
    ranks
}

/// Exposure-weighted mean popularity rank of what was recommended: higher means
/// less popular, more novel recommendations. `None` when nothing was recommended.
///
/// ```text
/// MPR = Σ_i x_i · rank_i / Σ_i x_i
/// ```
///
/// # Panics
///
/// If `counts` and `ranks` differ in length.
///
/// # References
///
/// Vargas & Castells (2011), "Rank and relevance in novelty and diversity metrics for
/// recommender systems", RecSys (popularity-based novelty).
#[must_use]
pub fn mean_popularity_rank(counts: &[u64], ranks: &[f64]) -> Option<f64> {
    assert_eq!(counts.len(), ranks.len(), "one rank per catalogue item");
    weighted_mean(counts, |item| ranks[item])
}

/// Self-information of an item interacted with by a share `p` of users, in bits.
///
/// `p` is the *smoothed* share: callers add a pseudo-count (e.g. `(n_i + 1) /
/// (n_users + 1)`) so an item nobody has seen yet stays finite.
///
/// ```text
/// I(p) = −log2 p
/// ```
///
/// # Panics
///
/// Unless `0 < p ≤ 1`: outside that range the value is infinite, negative or NaN,
/// none of which a report can hold.
///
/// # References
///
/// Zhou et al. (2010), "Solving the apparent diversity–accuracy dilemma of
/// recommender systems", PNAS 107(10), 4511–4515 (novelty as self-information).
#[must_use]
pub fn self_information(p: f64) -> f64 {
    assert!(p > 0.0 && p <= 1.0, "share must be in (0, 1], got {p}");
    -p.log2()
}

/// Exposure-weighted mean self-information of what was recommended, in bits; `None`
/// when nothing was recommended.
///
/// `item_share[i]` is the smoothed share of users who interacted with item `i` (see
/// [`self_information`]); it is read only for items recommended at least once. When
/// every user receives the same number of slots this equals Zhou et al.'s novelty,
/// the mean over users of each list's mean self-information.
///
/// ```text
/// novelty = Σ_i x_i · (−log2 s_i) / Σ_i x_i
/// ```
///
/// # Panics
///
/// If `counts` and `item_share` differ in length, or a recommended item's share is
/// outside `(0, 1]`.
///
/// # References
///
/// Zhou et al. (2010), "Solving the apparent diversity–accuracy dilemma of
/// recommender systems", PNAS 107(10), 4511–4515.
#[must_use]
pub fn mean_self_information(counts: &[u64], item_share: &[f64]) -> Option<f64> {
    assert_eq!(
        counts.len(),
        item_share.len(),
        "one share per catalogue item"
    );
    weighted_mean(counts, |item| self_information(item_share[item]))
}

/// Share of all recommendations that went to long-tail items; `None` when nothing
/// was recommended.
///
/// ```text
/// tail share = Σ_{i ∈ tail} x_i / Σ_i x_i
/// ```
///
/// # Panics
///
/// If `counts` and `is_long_tail` differ in length.
///
/// # References
///
/// Abdollahpouri, Burke & Mobasher (2019), "Managing popularity bias in recommender
/// systems with personalized re-ranking", FLAIRS-32 (long tail as the items outside
/// the short head).
#[must_use]
pub fn long_tail_share(counts: &[u64], is_long_tail: &[bool]) -> Option<f64> {
    assert_eq!(
        counts.len(),
        is_long_tail.len(),
        "one flag per catalogue item"
    );
    weighted_mean(counts, |item| if is_long_tail[item] { 1.0 } else { 0.0 })
}

/// `Σ x_i · value(i) / Σ x_i` over items with `x_i > 0`, `None` when all are zero.
fn weighted_mean(counts: &[u64], value: impl Fn(usize) -> f64) -> Option<f64> {
    let total: u64 = counts.iter().sum();
    (total > 0).then(|| {
        let sum: f64 = counts
            .iter()
            .enumerate()
            .filter(|&(_, &x)| x > 0)
            .map(|(item, &x)| x as f64 * value(item))
            .sum();
        sum / total as f64
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gini_of_uniform_exposure_is_zero() {
        assert_eq!(gini(&[5, 5, 5, 5]), 0.0);
        assert_eq!(gini(&[1; 1000]), 0.0);
    }

    #[test]
    fn gini_of_single_item_is_n_minus_one_over_n() {
        assert_eq!(gini(&[0, 0, 7, 0]), 3.0 / 4.0);
        assert_eq!(gini(&[0, 1]), 0.5);
        assert_eq!(gini(&[9]), 0.0);
    }

    #[test]
    fn gini_hand_computed_cases() {
        // Sorted 0,0,1,3; weights −3,−1,1,3: (1 + 9) / (4 · 4).
        assert_eq!(gini(&[0, 0, 1, 3]), 0.625);
        assert_eq!(gini(&[3, 0, 1, 0]), 0.625);
        // Weights −3,−1,1,3 on 1,2,3,4: 10 / (4 · 10); the mean absolute difference
        // formula Σ_ij |x_i − x_j| / (2 n Σx) = 20 / 80 agrees.
        assert_eq!(gini(&[1, 2, 3, 4]), 0.25);
    }

    #[test]
    fn gini_without_exposure_is_zero() {
        assert_eq!(gini(&[]), 0.0);
        assert_eq!(gini(&[0, 0, 0]), 0.0);
    }

    #[test]
    fn coverage_counts_items_recommended_at_least_once() {
        assert_eq!(coverage(&[0, 2, 0, 1]), 0.5);
        assert_eq!(coverage(&[0, 0]), 0.0);
        assert_eq!(coverage(&[1, 1]), 1.0);
        assert_eq!(coverage(&[]), 0.0);
    }

    #[test]
    fn popularity_ranks_average_ties() {
        assert_eq!(popularity_ranks(&[10, 30, 20, 30]), [4.0, 1.5, 3.0, 1.5]);
        assert_eq!(popularity_ranks(&[7, 7, 7]), [2.0, 2.0, 2.0]);
        assert_eq!(popularity_ranks(&[1, 0, 0, 5]), [2.0, 3.5, 3.5, 1.0]);
        assert!(popularity_ranks(&[]).is_empty());
    }

    #[test]
    fn mean_popularity_rank_weights_by_exposure() {
        let ranks = popularity_ranks(&[10, 30, 20, 30]);
        // (1 · 4 + 3 · 3) / 4
        assert_eq!(mean_popularity_rank(&[1, 0, 3, 0], &ranks), Some(3.25));
        assert_eq!(mean_popularity_rank(&[0, 0, 0, 0], &ranks), None);
    }

    #[test]
    fn self_information_in_bits() {
        assert_eq!(self_information(0.25), 2.0);
        assert_eq!(self_information(1.0), 0.0);
        assert_eq!(self_information(0.125), 3.0);
    }

    #[test]
    #[should_panic(expected = "share must be in (0, 1]")]
    fn self_information_of_unsmoothed_zero_share_panics() {
        let _ = self_information(0.0);
    }

    #[test]
    fn mean_self_information_weights_by_exposure() {
        // (2 · 1 + 1 · 3) / 3 bits; item 2 was never recommended so its share is unread.
        let value = mean_self_information(&[2, 1, 0], &[0.5, 0.125, 0.0]);
        assert_eq!(value, Some(5.0 / 3.0));
        assert_eq!(mean_self_information(&[0, 0], &[0.5, 0.5]), None);
    }

    #[test]
    fn long_tail_share_of_exposure() {
        assert_eq!(long_tail_share(&[6, 3, 1], &[false, true, true]), Some(0.4));
        assert_eq!(long_tail_share(&[6, 0], &[false, true]), Some(0.0));
        assert_eq!(long_tail_share(&[0, 0], &[false, true]), None);
    }

    #[test]
    #[should_panic(expected = "one flag per catalogue item")]
    fn mismatched_lengths_panic() {
        let _ = long_tail_share(&[1, 2], &[true]);
    }
}

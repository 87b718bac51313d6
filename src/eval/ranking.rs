//! Per-user top-K ranking metrics: precision, recall, hit rate, reciprocal rank and
//! average precision. nDCG follows the same conventions and lives in `ndcg.rs`.
//!
//! Conventions shared by every function here:
//!
//! - `recommended` is already ranked, best first; ties were broken by whoever ranked
//!   it, so the metrics never reorder anything.
//! - Only the first `k` positions count; a list shorter than `k` is not padded.
//! - A repeated item counts at its first occurrence only; later copies keep their
//!   slot (the user saw a wasted slot) but earn nothing.
//! - The result is `None` when `k == 0` or the user has no relevant test item. Means
//!   over users skip the `None`s, and because every metric shares this one rule they
//!   all average over the same users.

use super::relevance::Relevance;

/// Share of the top `k` slots holding a relevant item.
///
/// The denominator is `k` even when fewer than `k` items were recommended, as
/// trec_eval's `P_k` does: an empty slot is a missed opportunity, not a smaller test.
///
/// ```text
/// P@k = |{r ≤ k : L_r relevant}| / k
/// ```
///
/// # References
///
/// Manning, Raghavan & Schütze (2008), *Introduction to Information Retrieval*, §8.4;
/// trec_eval `P` measure (NIST).
#[must_use]
pub fn precision_at_k(recommended: &[u32], relevance: &Relevance, k: usize) -> Option<f64> {
    is_defined(relevance, k).then(|| n_hits(recommended, relevance, k) as f64 / k as f64)
}

/// Share of the user's relevant items found in the top `k`.
///
/// ```text
/// R@k = |{r ≤ k : L_r relevant}| / |relevant|
/// ```
///
/// # References
///
/// Manning, Raghavan & Schütze (2008), *Introduction to Information Retrieval*, §8.3.
#[must_use]
pub fn recall_at_k(recommended: &[u32], relevance: &Relevance, k: usize) -> Option<f64> {
    is_defined(relevance, k)
        .then(|| n_hits(recommended, relevance, k) as f64 / relevance.n_relevant() as f64)
}

/// 1 when at least one relevant item is in the top `k`, else 0; its mean over users
/// is the hit rate (HR@k).
///
/// ```text
/// HR@k = 1[∃ r ≤ k : L_r relevant]
/// ```
///
/// # References
///
/// Deshpande & Karypis (2004), "Item-based top-N recommendation algorithms",
/// ACM TOIS 22(1).
#[must_use]
pub fn hit_rate_at_k(recommended: &[u32], relevance: &Relevance, k: usize) -> Option<f64> {
    is_defined(relevance, k).then(|| {
        if n_hits(recommended, relevance, k) > 0 {
            1.0
        } else {
            0.0
        }
    })
}

/// Reciprocal rank of the first relevant item in the top `k`, 0 when there is none;
/// its mean over users is MRR@k.
///
/// ```text
/// RR@k = 1 / min{r ≤ k : L_r relevant}    (0 if the set is empty)
/// ```
///
/// # References
///
/// Voorhees (1999), "The TREC-8 question answering track report", TREC-8.
#[must_use]
pub fn reciprocal_rank_at_k(recommended: &[u32], relevance: &Relevance, k: usize) -> Option<f64> {
    is_defined(relevance, k).then(|| {
        judge_top_k(recommended, relevance, k)
            .iter()
            .position(Option::is_some)
            .map_or(0.0, |index| 1.0 / (index + 1) as f64)
    })
}

/// Average of the precisions at the ranks of the relevant items in the top `k`; its
/// mean over users is MAP@k.
///
/// The denominator is `min(k, |relevant|)`, as in RecBole's `MAP` and Hamner's
/// `ml_metrics.apk`, so that a perfect top-`k` list scores 1 even when the user has
/// more than `k` relevant items. trec_eval's `map` divides by `|relevant|` instead;
/// the two agree whenever `|relevant| ≤ k`.
///
/// ```text
/// AP@k = (1 / min(k, |relevant|)) · Σ_{r=1}^{k} P@r · 1[L_r relevant]
/// ```
///
/// # References
///
/// Manning, Raghavan & Schütze (2008), *Introduction to Information Retrieval*, §8.4;
/// RecBole `recbole.evaluator.metrics.MAP` (Zhao et al. 2021, CIKM).
#[must_use]
pub fn average_precision_at_k(recommended: &[u32], relevance: &Relevance, k: usize) -> Option<f64> {
    is_defined(relevance, k).then(|| {
        let mut n_hits = 0_usize;
        let mut sum_precision = 0.0;
        for (index, grade) in judge_top_k(recommended, relevance, k).iter().enumerate() {
            if grade.is_some() {
                n_hits += 1;
                sum_precision += n_hits as f64 / (index + 1) as f64;
            }
        }
        sum_precision / k.min(relevance.n_relevant()) as f64
    })
}

/// Whether a ranking metric is defined: `k > 0` and at least one relevant item.
pub(super) fn is_defined(relevance: &Relevance, k: usize) -> bool {
    k > 0 && relevance.n_relevant() > 0
}

/// The grade earned at each of the first `k` positions: `None` for an item that is
/// not relevant or was already seen higher in the list.
pub(super) fn judge_top_k(
    recommended: &[u32],
    relevance: &Relevance,
    k: usize,
) -> Vec<Option<f64>> {
    let top = &recommended[..recommended.len().min(k)];
    // A list is short (k items), so a scan of the positions above finds repeats
    // faster than a set would.
    top.iter()
        .enumerate()
        .map(|(at, &item)| {
            if top[..at].contains(&item) {
                None
            } else {
                relevance.grade(item)
            }
        })
        .collect()
}

fn n_hits(recommended: &[u32], relevance: &Relevance, k: usize) -> usize {
    judge_top_k(recommended, relevance, k)
        .iter()
        .filter(|grade| grade.is_some())
        .count()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn assert_close(actual: Option<f64>, expected: f64) {
        let actual = actual.expect("metric should be defined");
        assert!(
            (actual - expected).abs() < 1e-12,
            "{actual} differs from {expected}"
        );
    }

    #[test]
    fn binary_metrics_on_hand_computed_list() {
        // Hits at ranks 1 and 3; item 8 is relevant but never recommended.
        let recommended = [1, 2, 3, 4, 5];
        let relevance = Relevance::binary([1, 3, 8]);
        assert_close(precision_at_k(&recommended, &relevance, 5), 2.0 / 5.0);
        assert_close(precision_at_k(&recommended, &relevance, 3), 2.0 / 3.0);
        assert_close(precision_at_k(&recommended, &relevance, 1), 1.0);
        assert_close(recall_at_k(&recommended, &relevance, 5), 2.0 / 3.0);
        assert_close(recall_at_k(&recommended, &relevance, 2), 1.0 / 3.0);
        assert_close(hit_rate_at_k(&recommended, &relevance, 5), 1.0);
        assert_close(reciprocal_rank_at_k(&recommended, &relevance, 5), 1.0);
        // (1/1 + 2/3) / min(5, 3)
        assert_close(
            average_precision_at_k(&recommended, &relevance, 5),
            5.0 / 9.0,
        );
        // (1/1) / min(2, 3)
        assert_close(average_precision_at_k(&recommended, &relevance, 2), 0.5);
    }

    #[test]
    fn first_hit_below_the_top_sets_reciprocal_rank() {
        let relevance = Relevance::binary([3]);
        assert_close(reciprocal_rank_at_k(&[2, 4, 3], &relevance, 3), 1.0 / 3.0);
        assert_close(reciprocal_rank_at_k(&[2, 4, 3], &relevance, 2), 0.0);
        assert_close(hit_rate_at_k(&[2, 4, 3], &relevance, 2), 0.0);
        assert_close(hit_rate_at_k(&[2, 4, 3], &relevance, 3), 1.0);
    }

    #[test]
    fn average_precision_hand_computed_with_misses_between_hits() {
        // Hits at ranks 2 and 4 of 4, two relevant items: (1/2 + 2/4) / 2.
        let relevance = Relevance::binary([7, 9]);
        assert_close(average_precision_at_k(&[1, 7, 2, 9], &relevance, 4), 0.5);
        // Cut at 3: only the hit at rank 2 counts, still over min(3, 2).
        assert_close(average_precision_at_k(&[1, 7, 2, 9], &relevance, 3), 0.25);
    }

    #[test]
    fn perfect_list_scores_one_everywhere() {
        let recommended = [5, 6];
        let grades = BTreeMap::from([(5, 3.0), (6, 1.0)]);
        let relevance = Relevance::new(grades, 1.0).unwrap();
        assert_close(precision_at_k(&recommended, &relevance, 2), 1.0);
        assert_close(recall_at_k(&recommended, &relevance, 2), 1.0);
        assert_close(reciprocal_rank_at_k(&recommended, &relevance, 2), 1.0);
        assert_close(average_precision_at_k(&recommended, &relevance, 2), 1.0);
    }

    #[test]
    fn average_precision_reaches_one_when_relevant_items_outnumber_k() {
        let relevance = Relevance::binary([1, 2, 3, 4]);
        assert_close(average_precision_at_k(&[1, 2], &relevance, 2), 1.0);
        assert_close(recall_at_k(&[1, 2], &relevance, 2), 0.5);
    }

    #[test]
    fn short_list_is_divided_by_k_not_by_its_length() {
        let relevance = Relevance::binary([1, 2]);
        assert_close(precision_at_k(&[1], &relevance, 5), 0.2);
        assert_close(recall_at_k(&[1], &relevance, 5), 0.5);
        // (1/1) / min(5, 2)
        assert_close(average_precision_at_k(&[1], &relevance, 5), 0.5);
    }

    #[test]
    fn repeated_item_counts_once_and_keeps_its_slot() {
        let recommended = [1, 1, 3];
        let relevance = Relevance::binary([1, 3]);
        assert_close(precision_at_k(&recommended, &relevance, 3), 2.0 / 3.0);
        assert_close(recall_at_k(&recommended, &relevance, 3), 1.0);
        // (1/1 + 2/3) / 2: the copy pushes item 3 to rank 3.
        assert_close(
            average_precision_at_k(&recommended, &relevance, 3),
            5.0 / 6.0,
        );
        assert_close(precision_at_k(&[1, 1], &relevance, 2), 0.5);
    }

    #[test]
    fn grades_below_threshold_do_not_count_as_hits() {
        let grades = BTreeMap::from([(1, 2.0), (2, 5.0)]);
        let relevance = Relevance::new(grades, 4.0).unwrap();
        assert_close(precision_at_k(&[1, 2], &relevance, 2), 0.5);
        assert_close(reciprocal_rank_at_k(&[1, 2], &relevance, 2), 0.5);
    }

    #[test]
    fn empty_recommendation_scores_zero() {
        let relevance = Relevance::binary([1]);
        assert_close(precision_at_k(&[], &relevance, 3), 0.0);
        assert_close(recall_at_k(&[], &relevance, 3), 0.0);
        assert_close(hit_rate_at_k(&[], &relevance, 3), 0.0);
        assert_close(reciprocal_rank_at_k(&[], &relevance, 3), 0.0);
        assert_close(average_precision_at_k(&[], &relevance, 3), 0.0);
    }

    #[test]
    fn k_zero_and_users_without_relevant_items_are_undefined() {
        let some = Relevance::binary([1]);
        let none = Relevance::binary([]);
        for (relevance, k) in [(&some, 0), (&none, 3)] {
            assert_eq!(precision_at_k(&[1], relevance, k), None);
            assert_eq!(recall_at_k(&[1], relevance, k), None);
            assert_eq!(hit_rate_at_k(&[1], relevance, k), None);
            assert_eq!(reciprocal_rank_at_k(&[1], relevance, k), None);
            assert_eq!(average_precision_at_k(&[1], relevance, k), None);
        }
    }
}

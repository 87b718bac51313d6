//! Serendipity: recommendations that are relevant *and* unexpected.

use super::ranking::{is_defined, judge_top_k};
use super::relevance::Relevance;

/// Share of the top `k` slots holding a serendipitous item: relevant, not among the
/// items a primitive recommender would have shown (`expected`, normally the
/// popularity baseline's top `k` for the same user), and at least
/// `min_unexpectedness` away from the user's profile. `None` when `k == 0` or the
/// user has no relevant test item, as for the other ranking metrics.
///
/// `unexpectedness(item)` is the item's mean dissimilarity to the items of the
/// user's training profile, e.g. `1 − jaccard` of genre sets or `1 − cosine` of
/// content vectors, and 1 for a user without a profile (nothing is expected of them).
/// A repeated item counts once, at its first slot.
///
/// ```text
/// SER@k = |{r ≤ k : L_r relevant, L_r ∉ PM_k(u), unexp(L_r) ≥ τ}| / k
/// unexp(i) = (1/|H_u|) Σ_{j ∈ H_u} d(i, j)
/// ```
///
/// # Panics
///
/// If `expected` is not sorted ascending (it is binary-searched).
///
/// # References
///
/// Ge, Delgado-Battenfeld & Jannach (2010), "Beyond accuracy: evaluating recommender
/// systems by coverage and serendipity", RecSys (unexpected = not in the primitive
/// recommender's list PM; serendipity = useful unexpected items / |L|); Kaminskas &
/// Bridge (2016), "Diversity, serendipity, novelty, and coverage", ACM TiiS 7(1)
/// (unexpectedness as mean distance to the profile).
#[must_use]
pub fn serendipity_at_k(
    recommended: &[u32],
    relevance: &Relevance,
    expected: &[u32],
    unexpectedness: impl Fn(u32) -> f64,
    min_unexpectedness: f64,
    k: usize,
) -> Option<f64> {
    assert!(
        expected.windows(2).all(|w| w[0] <= w[1]),
        "expected items must be sorted"
    );
    is_defined(relevance, k).then(|| {
        let n = judge_top_k(recommended, relevance, k)
            .iter()
            .zip(recommended)
            .filter(|(grade, item)| {
                grade.is_some()
                    && expected.binary_search(item).is_err()
                    && unexpectedness(**item) >= min_unexpectedness
            })
            .count();
        n as f64 / k as f64
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_relevant_items_that_are_neither_expected_nor_familiar() {
        // Relevant: 1, 2, 3. Item 1 is expected (popular); item 3 is too close to the
        // profile (0.2 < 0.5); only item 2 is serendipitous: 1 of k = 4 slots.
        let relevance = Relevance::binary([1, 2, 3]);
        let unexpectedness = |item: u32| if item == 3 { 0.2 } else { 0.9 };
        let value = serendipity_at_k(&[1, 2, 3, 4], &relevance, &[1, 9], unexpectedness, 0.5, 4);
        assert_eq!(value, Some(0.25));
    }

    #[test]
    fn ge_et_al_definition_without_a_distance_threshold() {
        // Ge et al. (2010): SRDP = |UNEXP ∩ USEFUL| / |L| with UNEXP = L \ PM.
        // L = (a, b, c, d, e) = (1..=5), PM = {1, 2}, useful = {2, 3, 5}: {3, 5} → 2/5.
        let relevance = Relevance::binary([2, 3, 5]);
        let value = serendipity_at_k(&[1, 2, 3, 4, 5], &relevance, &[1, 2], |_| 1.0, 0.0, 5);
        assert_eq!(value, Some(0.4));
    }

    #[test]
    fn edge_cases_follow_the_ranking_conventions() {
        let relevance = Relevance::binary([1]);
        assert_eq!(
            serendipity_at_k(&[], &relevance, &[], |_| 1.0, 0.5, 3),
            Some(0.0)
        );
        assert_eq!(
            serendipity_at_k(&[1], &relevance, &[], |_| 1.0, 0.5, 0),
            None
        );
        let none = Relevance::binary([]);
        assert_eq!(serendipity_at_k(&[1], &none, &[], |_| 1.0, 0.5, 3), None);
        // A repeated serendipitous item counts once; k larger than the list divides by k.
        assert_eq!(
            serendipity_at_k(&[1, 1], &relevance, &[], |_| 1.0, 0.5, 4),
            Some(0.25)
        );
    }
}

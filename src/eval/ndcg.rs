//! Normalised discounted cumulative gain (nDCG@k) with linear or exponential gain.

use serde::{Deserialize, Serialize};

use super::ranking::{is_defined, judge_top_k};
use super::relevance::Relevance;

/// How a relevance grade becomes a gain in (n)DCG.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gain {
    /// The grade itself, as in Järvelin & Kekäläinen (2002), trec_eval and
    /// scikit-learn's `ndcg_score`.
    Linear,
    /// `2^grade − 1`, which rewards the highest grades more steeply
    /// (Burges et al. 2005, "Learning to rank using gradient descent", ICML).
    Exponential,
}

impl Gain {
    /// The gain of one item of this grade.
    ///
    /// ```text
    /// Linear:      gain = grade
    /// Exponential: gain = 2^grade − 1
    /// ```
    #[must_use]
    pub fn of(self, grade: f64) -> f64 {
        match self {
            Self::Linear => grade,
            Self::Exponential => grade.exp2() - 1.0,
        }
    }
}

/// Normalised discounted cumulative gain of the top `k`; `None` when `k == 0` or the
/// user has no relevant test item (see [`Relevance`] and the ranking conventions).
///
/// The ideal DCG ranks *all* of the user's relevant test items, including those
/// never recommended, so a list that misses relevant items cannot score 1. A
/// repeated item earns gain at its first occurrence only. The discount is
/// `log2(r + 1)` at every rank, as in Burges et al. (2005), Wikipedia,
/// scikit-learn's `ndcg_score` and RecBole. trec_eval's `ndcg_cut` instead uses
/// Järvelin & Kekäläinen's `max(1, log2 r)`, which gives different values from rank 2.
///
/// ```text
/// DCG@k  = Σ_{r=1}^{min(k, |L|)} gain(grade(L_r)) / log2(r + 1)
/// IDCG@k = Σ_{r=1}^{min(k, |relevant|)} gain(g_(r)) / log2(r + 1)
///          with g_(1) ≥ g_(2) ≥ … the user's relevant grades
/// nDCG@k = DCG@k / IDCG@k
/// ```
///
/// # References
///
/// Järvelin & Kekäläinen (2002), "Cumulated gain-based evaluation of IR techniques",
/// ACM TOIS 20(4), 422–446; Burges et al. (2005), "Learning to rank using gradient
/// descent", ICML.
#[must_use]
pub fn ndcg_at_k(recommended: &[u32], relevance: &Relevance, k: usize, gain: Gain) -> Option<f64> {
    // Relevant grades are > 0 (Relevance enforces threshold > 0), so IDCG > 0 here.
    is_defined(relevance, k)
        .then(|| dcg_at_k(recommended, relevance, k, gain) / ideal_dcg_at_k(relevance, k, gain))
}

/// `log2(rank + 1)` for the 0-based `index`, i.e. rank `index + 1`.
fn discount(index: usize) -> f64 {
    (index as f64 + 2.0).log2()
}

fn dcg_at_k(recommended: &[u32], relevance: &Relevance, k: usize, gain: Gain) -> f64 {
    judge_top_k(recommended, relevance, k)
        .iter()
        .enumerate()
        .filter_map(|(index, grade)| grade.map(|grade| gain.of(grade) / discount(index)))
        .sum()
}

/// DCG of already-judged positions and the ideal DCG, for batch scoring.
pub(super) fn dcg_and_ideal(
    judged: &[Option<f64>],
    relevance: &Relevance,
    k: usize,
    gain: Gain,
) -> (f64, f64) {
    let dcg = judged
        .iter()
        .enumerate()
        .filter_map(|(index, grade)| grade.map(|grade| gain.of(grade) / discount(index)))
        .sum();
    (dcg, ideal_dcg_at_k(relevance, k, gain))
}

fn ideal_dcg_at_k(relevance: &Relevance, k: usize, gain: Gain) -> f64 {
    let mut grades: Vec<f64> = relevance.iter().map(|(_, grade)| grade).collect();
    grades.sort_by(|a, b| b.total_cmp(a));
    grades
        .iter()
        .take(k)
        .enumerate()
        .map(|(index, &grade)| gain.of(grade) / discount(index))
        .sum()
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

    fn graded(grades: &[(u32, f64)], threshold: f64) -> Relevance {
        let grades: BTreeMap<u32, f64> = grades.iter().copied().collect();
        Relevance::new(grades, threshold).unwrap()
    }

    /// Wikipedia, "Discounted cumulative gain", worked example: D1..D6 retrieved with
    /// relevances 3, 2, 3, 0, 1, 2, and D7 (3) and D8 (2) relevant but not retrieved.
    fn wikipedia_example() -> (Vec<u32>, Relevance) {
        let grades = [
            (1, 3.0),
            (2, 2.0),
            (3, 3.0),
            (4, 0.0),
            (5, 1.0),
            (6, 2.0),
            (7, 3.0),
            (8, 2.0),
        ];
        (vec![1, 2, 3, 4, 5, 6], graded(&grades, 1.0))
    }

    #[test]
    fn wikipedia_dcg_idcg_and_ndcg_match_published_values() {
        let (recommended, relevance) = wikipedia_example();
        let dcg = dcg_at_k(&recommended, &relevance, 6, Gain::Linear);
        let idcg = ideal_dcg_at_k(&relevance, 6, Gain::Linear);
        // Published to three decimals: DCG6 = 6.861, IDCG6 = 8.740 (ideal order
        // 3, 3, 3, 2, 2, 2, which needs the unretrieved D7 and D8), nDCG6 = 0.785.
        assert!((dcg - 6.861).abs() < 5e-4, "{dcg}");
        assert!((idcg - 8.740).abs() < 5e-4, "{idcg}");
        let ndcg = ndcg_at_k(&recommended, &relevance, 6, Gain::Linear).unwrap();
        assert!((ndcg - 0.785).abs() < 5e-4, "{ndcg}");
    }

    #[test]
    fn wikipedia_example_with_exponential_gain() {
        let (recommended, relevance) = wikipedia_example();
        let l = |r: f64| (r + 1.0).log2();
        // Gains 7, 3, 7, 0, 1, 3 against the ideal 7, 7, 7, 3, 3, 3.
        let dcg = 7.0 + 3.0 / l(2.0) + 7.0 / l(3.0) + 1.0 / l(5.0) + 3.0 / l(6.0);
        let idcg = 7.0 + 7.0 / l(2.0) + 7.0 / l(3.0) + 3.0 / l(4.0) + 3.0 / l(5.0) + 3.0 / l(6.0);
        assert_close(
            ndcg_at_k(&recommended, &relevance, 6, Gain::Exponential),
            dcg / idcg,
        );
        assert!((dcg / idcg - 0.751_083_4).abs() < 1e-7);
    }

    #[test]
    fn scikit_learn_ndcg_score_docstring_examples() {
        // sklearn.metrics.ndcg_score docstring: true_relevance [10, 0, 0, 1, 5];
        // items are indexed 0..5 and ranked by the docstring's scores.
        let relevance = graded(&[(0, 10.0), (3, 1.0), (4, 5.0)], 1.0);
        let by_first_scores = [4, 3, 2, 1, 0];
        let by_second_scores = [1, 2, 3, 0, 4];
        let full = ndcg_at_k(&by_first_scores, &relevance, 5, Gain::Linear).unwrap();
        assert!((0.69..0.70).contains(&full), "{full}");
        let second = ndcg_at_k(&by_second_scores, &relevance, 5, Gain::Linear).unwrap();
        assert!((0.49..0.50).contains(&second), "{second}");
        let top4 = ndcg_at_k(&by_second_scores, &relevance, 4, Gain::Linear).unwrap();
        assert!((0.35..0.36).contains(&top4), "{top4}");
        assert_close(ndcg_at_k(&[0, 4, 3], &relevance, 4, Gain::Linear), 1.0);
    }

    #[test]
    fn binary_ndcg_hand_computed() {
        // Hits at ranks 1 and 3; item 8 is relevant but never recommended:
        // (1/log2 2 + 1/log2 4) / (1/log2 2 + 1/log2 3 + 1/log2 4).
        let relevance = Relevance::binary([1, 3, 8]);
        let ideal = 1.0 + 1.0 / 3_f64.log2() + 0.5;
        assert_close(
            ndcg_at_k(&[1, 2, 3, 4, 5], &relevance, 5, Gain::Linear),
            1.5 / ideal,
        );
        assert_close(
            ndcg_at_k(&[1, 2, 3, 4, 5], &relevance, 1, Gain::Linear),
            1.0,
        );
    }

    #[test]
    fn repeated_item_earns_gain_once() {
        let relevance = Relevance::binary([1, 3]);
        let ideal = 1.0 + 1.0 / 3_f64.log2();
        assert_close(
            ndcg_at_k(&[1, 1, 3], &relevance, 3, Gain::Linear),
            1.5 / ideal,
        );
    }

    #[test]
    fn perfect_list_scores_one_with_either_gain() {
        let relevance = graded(&[(5, 3.0), (6, 1.0)], 1.0);
        for gain in [Gain::Linear, Gain::Exponential] {
            assert_close(ndcg_at_k(&[5, 6], &relevance, 2, gain), 1.0);
            assert_close(ndcg_at_k(&[5, 6, 7], &relevance, 10, gain), 1.0);
        }
    }

    #[test]
    fn grades_below_threshold_earn_no_gain() {
        let relevance = graded(&[(1, 2.0), (2, 5.0)], 4.0);
        // Only item 2 is relevant, and it sits at rank 2.
        assert_close(
            ndcg_at_k(&[1, 2], &relevance, 2, Gain::Linear),
            1.0 / 3_f64.log2(),
        );
    }

    #[test]
    fn empty_list_scores_zero_and_undefined_cases_are_none() {
        let relevance = Relevance::binary([1]);
        assert_close(ndcg_at_k(&[], &relevance, 3, Gain::Linear), 0.0);
        assert_eq!(ndcg_at_k(&[1], &relevance, 0, Gain::Linear), None);
        assert_eq!(
            ndcg_at_k(&[1], &Relevance::binary([]), 3, Gain::Linear),
            None
        );
    }

    #[test]
    fn gain_values_and_serde_names() {
        assert_eq!(Gain::Linear.of(3.0), 3.0);
        assert_eq!(Gain::Exponential.of(3.0), 7.0);
        assert_eq!(Gain::Exponential.of(0.0), 0.0);
        assert_eq!(
            serde_json::to_string(&Gain::Exponential).unwrap(),
            "\"exponential\""
        );
        let gain: Gain = serde_json::from_str("\"linear\"").unwrap();
        assert_eq!(gain, Gain::Linear);
    }
}

//! Metrics against reference values published by established libraries and papers;
//! each test names its source.

use recolab::eval::{
    Gain, MeanInterval, Relevance, average_precision_at_k, calibration_kl, gini, ndcg_at_k,
    reciprocal_rank_at_k,
};

fn close(actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() < tolerance,
        "{actual} differs from {expected}"
    );
}

/// Ben Hamner's `ml_metrics` (Kaggle), `test/test_average_precision.py::test_apk`.
#[test]
fn ml_metrics_apk_test_values() {
    let actual = Relevance::binary(1..=5);
    close(
        average_precision_at_k(&[6, 4, 7, 1, 2], &actual, 2).unwrap(),
        0.25,
        1e-12,
    );
    // ml_metrics skips repeated predictions, as recolab does.
    close(
        average_precision_at_k(&[1, 1, 1, 1, 1], &actual, 5).unwrap(),
        0.2,
        1e-12,
    );
    let predicted: Vec<u32> = (1..=20).chain(200..600).collect();
    close(
        average_precision_at_k(&predicted, &Relevance::binary(1..100), 20).unwrap(),
        1.0,
        1e-12,
    );
}

/// Ben Hamner's `ml_metrics`, `test/test_average_precision.py::test_mapk`.
#[test]
fn ml_metrics_mapk_test_values() {
    let map = |actual: &[Vec<u32>], predicted: &[Vec<u32>], k: usize| {
        let sum: f64 = actual
            .iter()
            .zip(predicted)
            .map(|(a, p)| {
                average_precision_at_k(p, &Relevance::binary(a.iter().copied()), k).unwrap()
            })
            .sum();
        sum / actual.len() as f64
    };
    let one_to_five: Vec<u32> = (1..=5).collect();
    close(
        map(
            &[vec![1, 3, 4], vec![1, 2, 4], vec![1, 3]],
            &[
                one_to_five.clone(),
                one_to_five.clone(),
                one_to_five.clone(),
            ],
            3,
        ),
        0.685_185_185_185_185,
        1e-12,
    );
    close(
        map(
            &[one_to_five.clone(), one_to_five.clone()],
            &[vec![6, 4, 7, 1, 2], vec![1, 1, 1, 1, 1]],
            5,
        ),
        0.26,
        1e-12,
    );
    close(
        map(
            &[vec![1, 3], vec![1, 2, 3], vec![1, 2, 3]],
            &[one_to_five, vec![1, 1, 1], vec![1, 2, 1]],
            3,
        ),
        11.0 / 18.0,
        1e-12,
    );
}

/// Wikipedia, "Mean reciprocal rank": cat → rank 3, torus → rank 2, virus → rank 1,
/// MRR = 11/18 ≈ 0.61.
#[test]
fn wikipedia_mean_reciprocal_rank_example() {
    let rr = [
        reciprocal_rank_at_k(&[1, 2, 3], &Relevance::binary([3]), 3).unwrap(),
        reciprocal_rank_at_k(&[1, 2, 3], &Relevance::binary([2]), 3).unwrap(),
        reciprocal_rank_at_k(&[1, 2, 3], &Relevance::binary([1]), 3).unwrap(),
    ];
    close(rr.iter().sum::<f64>() / 3.0, 11.0 / 18.0, 1e-12);
}

/// scikit-learn `sklearn.metrics.ndcg_score` docstring (true relevance
/// [10, 0, 0, 1, 5], scores [.1, .2, .3, 4, 70]) → 0.69…; k = 4 on scores
/// [.05, 1.1, 1., .5, .0] → 0.35…; the docstring prints two decimals, so the value
/// must lie in [0.69, 0.70) and [0.35, 0.36).
#[test]
fn scikit_learn_ndcg_score_docstring() {
    let relevance = Relevance::new([(0, 10.0), (3, 1.0), (4, 5.0)].into(), 1.0).unwrap();
    close(
        ndcg_at_k(&[4, 3, 2, 1, 0], &relevance, 5, Gain::Linear).unwrap(),
        0.695,
        5e-3,
    );
    close(
        ndcg_at_k(&[1, 2, 3, 0, 4], &relevance, 4, Gain::Linear).unwrap(),
        0.355,
        5e-3,
    );
}

/// Steck (2018), "Calibrated recommendations", eq. (4) with α = 0.01, evaluated by
/// hand: a user watching two genres equally shown only the first.
#[test]
fn steck_calibration_two_genre_example() {
    let q_tilde: [f64; 2] = [0.99 + 0.005, 0.005];
    let expected = 0.5 * (0.5 / q_tilde[0]).ln() + 0.5 * (0.5 / q_tilde[1]).ln();
    close(
        calibration_kl(&[0.5, 0.5], &[1.0, 0.0], 0.01),
        expected,
        1e-12,
    );
}

/// Gini by its definition as mean absolute difference over twice the mean
/// (Gini 1912; Wikipedia "Gini coefficient", discrete formula), which the sorted-rank
/// form must equal for any counts.
#[test]
fn gini_equals_the_mean_absolute_difference_form() {
    let counts: [u64; 7] = [0, 3, 9, 1, 0, 27, 4];
    let n = counts.len() as f64;
    let total: f64 = counts.iter().map(|&x| x as f64).sum();
    let mad: f64 = counts
        .iter()
        .flat_map(|&a| counts.iter().map(move |&b| (a as f64 - b as f64).abs()))
        .sum();
    close(gini(&counts), mad / (2.0 * n * total), 1e-12);
}

/// Student t quantile t_{0.975, 9} = 2.262 (NIST/SEMATECH e-Handbook of Statistical
/// Methods, table 1.3.6.7.2).
#[test]
fn student_t_interval_uses_the_table_quantile() {
    let values: Vec<f64> = (0..10).map(f64::from).collect();
    let m = MeanInterval::of(&values).unwrap();
    let sd = (values.iter().map(|x| (x - 4.5).powi(2)).sum::<f64>() / 9.0).sqrt();
    close(m.half_width().unwrap(), 2.262 * sd / 10_f64.sqrt(), 2e-3);
}

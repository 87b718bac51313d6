//! Calibration of a list to a user's taste: genre distributions and the
//! Kullback–Leibler miscalibration of Steck (2018).

/// The smoothing weight α that Steck (2018) uses for the list distribution.
pub const DEFAULT_CALIBRATION_ALPHA: f64 = 0.01;

/// Weighted genre distribution of a set of items.
///
/// `weighted_items` holds `(item, weight)`: for a user's history `p(g|u)` the weight
/// can decay with age, for a list `q(g|u)` it can decay with rank, or be 1 for both.
/// `item_genres[i]` is item `i`'s genre distribution `p(g|i)`, a row of `n_genres`
/// shares that should sum to 1 (e.g. `1/|genres(i)|` on each of its genres); the
/// result then sums to 1 as well. `None` when the weights sum to 0, which includes
/// no items at all.
///
/// ```text
/// p(g|u) = Σ_{i ∈ H} w_i · p(g|i) / Σ_{i ∈ H} w_i
/// ```
///
/// # Panics
///
/// If a weight is negative or not finite, an item is outside `item_genres`, or its
/// row does not hold `n_genres` shares.
///
/// # References
///
/// Steck (2018), "Calibrated recommendations", RecSys, §2 (equations for `p(g|u)`
/// and `q(g|u)`).
#[must_use]
pub fn genre_distribution(
    weighted_items: &[(u32, f64)],
    item_genres: &[Vec<f64>],
    n_genres: usize,
) -> Option<Vec<f64>> {
    let mut distribution = vec![0.0; n_genres];
    let mut total_weight = 0.0;
    for &(item, weight) in weighted_items {
        assert!(
            weight.is_finite() && weight >= 0.0,
            "weight of item {item} must be finite and non-negative, got {weight}"
        );
        let shares = &item_genres[item as usize];
        assert_eq!(shares.len(), n_genres, "genre row of item {item}");
        for (mass, share) in distribution.iter_mut().zip(shares) {
            *mass += weight * share;
        }
        total_weight += weight;
    }
    (total_weight > 0.0).then(|| {
        for mass in &mut distribution {
            *mass /= total_weight;
        }
        distribution
    })
}

/// Miscalibration of a list: Kullback–Leibler divergence, in nats, from the user's
/// genre distribution `p` to the list's distribution `q` smoothed towards `p`.
///
/// 0 when the list mirrors the user's taste. The smoothing keeps the value finite
/// when the list misses a genre the user watches: `q̃(g) ≥ α p(g) > 0` wherever
/// `p(g) > 0`, and genres with `p(g) = 0` contribute nothing. Use
/// [`DEFAULT_CALIBRATION_ALPHA`] unless there is a reason not to.
///
/// ```text
/// C_KL(p, q) = Σ_g p(g) · ln( p(g) / q̃(g) ),   q̃(g) = (1 − α) q(g) + α p(g)
/// ```
///
/// # Panics
///
/// If `p_user` and `q_list` differ in length or `alpha` is not in `(0, 1]`.
///
/// # References
///
/// Steck (2018), "Calibrated recommendations", RecSys, §3 (α = 0.01).
#[must_use]
pub fn calibration_kl(p_user: &[f64], q_list: &[f64], alpha: f64) -> f64 {
    assert_eq!(p_user.len(), q_list.len(), "one share per genre in both");
    assert!(
        alpha > 0.0 && alpha <= 1.0,
        "alpha must be in (0, 1], got {alpha}"
    );
    p_user
        .iter()
        .zip(q_list)
        .filter(|&(&p, _)| p > 0.0)
        .map(|(&p, &q)| p * (p / ((1.0 - alpha) * q + alpha * p)).ln())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_close(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() < 1e-12,
            "{actual} differs from {expected}"
        );
    }

    #[test]
    fn genre_distribution_weights_item_rows() {
        let item_genres = [
            vec![1.0, 0.0, 0.0],
            vec![0.0, 0.5, 0.5],
            vec![0.0, 0.0, 1.0],
        ];
        let items = [(0, 1.0), (1, 2.0), (2, 1.0)];
        // Genre 2 gets 2 · 0.5 + 1 of total weight 4.
        let distribution = genre_distribution(&items, &item_genres, 3).unwrap();
        assert_eq!(distribution, [0.25, 0.25, 0.5]);
    }

    #[test]
    fn genre_distribution_without_weight_is_undefined() {
        let item_genres = [vec![1.0]];
        assert_eq!(genre_distribution(&[], &item_genres, 1), None);
        assert_eq!(genre_distribution(&[(0, 0.0)], &item_genres, 1), None);
    }

    #[test]
    fn calibration_kl_hand_computed() {
        // q̃ = (0.99 · 1 + 0.005, 0.99 · 0 + 0.005) = (0.995, 0.005).
        let expected = 0.5 * (0.5_f64 / 0.995).ln() + 0.5 * (0.5_f64 / 0.005).ln();
        let value = calibration_kl(&[0.5, 0.5], &[1.0, 0.0], DEFAULT_CALIBRATION_ALPHA);
        assert_close(value, expected);
        assert!((value - 1.958_517_8).abs() < 1e-7);
    }

    #[test]
    fn calibration_kl_of_disjoint_genres_is_bounded_by_alpha() {
        // q̃ = (0.01, 0.99): only the smoothing keeps the user's genre visible.
        assert_close(calibration_kl(&[1.0, 0.0], &[0.0, 1.0], 0.01), 100_f64.ln());
    }

    #[test]
    fn calibrated_list_scores_zero() {
        let p = [0.2, 0.3, 0.5];
        assert_close(calibration_kl(&p, &p, DEFAULT_CALIBRATION_ALPHA), 0.0);
        assert_close(calibration_kl(&[1.0, 0.0], &[0.3, 0.7], 1.0), 0.0);
    }

    #[test]
    fn genres_the_user_ignores_only_dilute_the_list() {
        // p = (1, 0), q = (0.5, 0.5): q̃(0) = 0.99 · 0.5 + 0.01 = 0.505.
        assert_close(
            calibration_kl(&[1.0, 0.0], &[0.5, 0.5], 0.01),
            -(0.505_f64.ln()),
        );
    }

    #[test]
    #[should_panic(expected = "alpha must be in (0, 1]")]
    fn zero_alpha_panics() {
        let _ = calibration_kl(&[1.0], &[1.0], 0.0);
    }
}

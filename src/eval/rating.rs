//! Rating-prediction error: RMSE and MAE over (predicted, actual) pairs.

/// Root mean squared error over `(predicted, actual)` pairs; `None` when empty.
///
/// The pair order does not matter for the value, but callers should keep
/// `(predicted, actual)` so logs read the same everywhere.
///
/// ```text
/// RMSE = sqrt( (1/n) Σ_i (predicted_i − actual_i)² )
/// ```
///
/// # References
///
/// Herlocker, Konstan, Terveen & Riedl (2004), "Evaluating collaborative filtering
/// recommender systems", ACM TOIS 22(1), 5–53; Bennett & Lanning (2007), "The
/// Netflix Prize", KDD Cup workshop (RMSE as the prize metric).
#[must_use]
pub fn rmse(pairs: &[(f64, f64)]) -> Option<f64> {
    mean(pairs, |error| error * error).map(f64::sqrt)
}

/// Mean absolute error over `(predicted, actual)` pairs; `None` when empty.
///
/// ```text
/// MAE = (1/n) Σ_i |predicted_i − actual_i|
/// ```
///
/// # References
///
/// Herlocker, Konstan, Terveen & Riedl (2004), "Evaluating collaborative filtering
/// recommender systems", ACM TOIS 22(1), 5–53.
#[must_use]
pub fn mae(pairs: &[(f64, f64)]) -> Option<f64> {
    mean(pairs, f64::abs)
}

fn mean(pairs: &[(f64, f64)], loss: impl Fn(f64) -> f64) -> Option<f64> {
    (!pairs.is_empty()).then(|| {
        let total: f64 = pairs
            .iter()
            .map(|&(predicted, actual)| loss(predicted - actual))
            .sum();
        total / pairs.len() as f64
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_errors() {
        // Errors 0.5, −1, 2, 0: squares sum to 5.25, absolutes to 3.5.
        let pairs = [(3.5, 3.0), (4.0, 5.0), (3.0, 1.0), (2.0, 2.0)];
        assert_eq!(mae(&pairs), Some(3.5 / 4.0));
        let rmse = rmse(&pairs).unwrap();
        assert!((rmse - (5.25_f64 / 4.0).sqrt()).abs() < 1e-15);
    }

    #[test]
    fn perfect_predictions_have_zero_error() {
        let pairs = [(1.0, 1.0), (4.5, 4.5)];
        assert_eq!(rmse(&pairs), Some(0.0));
        assert_eq!(mae(&pairs), Some(0.0));
    }

    #[test]
    fn rmse_is_at_least_mae() {
        let pairs = [(1.0, 2.0), (5.0, 2.0)];
        // Errors −1 and 3: MAE = 2, RMSE = sqrt(5).
        assert_eq!(mae(&pairs), Some(2.0));
        assert_eq!(rmse(&pairs), Some(5_f64.sqrt()));
    }

    #[test]
    fn no_pairs_is_undefined() {
        assert_eq!(rmse(&[]), None);
        assert_eq!(mae(&[]), None);
    }
}

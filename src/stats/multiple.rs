//! Multiple comparisons: Holm's step-down adjustment.

use super::tail::LogProb;

/// Holm-adjusted p-values, in the input order.
///
/// Sort the m p-values ascending, `p_(1) ≤ … ≤ p_(m)`; the adjusted value of the
/// i-th is `min(1, max_{j ≤ i} (m − j + 1) p_(j))`. Rejecting every hypothesis whose
/// adjusted value is below α controls the family-wise error rate at α, with no
/// assumption on how the tests depend on each other. Computed on logs, so tiny
/// p-values stay exact. Ties keep their input order (the result does not depend on it).
///
/// # References
///
/// Holm (1979), "A simple sequentially rejective multiple test procedure",
/// Scandinavian Journal of Statistics 6(2); R's `p.adjust(p, "holm")`.
#[must_use]
pub fn holm(p_values: &[LogProb]) -> Vec<LogProb> {
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p_values[a].cmp(&p_values[b]).then(a.cmp(&b)));
    let mut adjusted = vec![LogProb::ONE; m];
    let mut running = f64::NEG_INFINITY;
    for (rank, &i) in order.iter().enumerate() {
        let scaled = p_values[i].times((m - rank) as f64).ln();
        running = running.max(scaled);
        adjusted[i] = LogProb::from_ln(running);
    }
    adjusted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holm_matches_r_p_adjust() {
        // R 4.x: p.adjust(c(0.01, 0.04, 0.03, 0.005, 0.2), "holm")
        //   → 0.040 0.090 0.090 0.025 0.200
        // (statsmodels 0.15 multipletests(..., method="holm") gives the same).
        let p: Vec<LogProb> = [0.01, 0.04, 0.03, 0.005, 0.2]
            .iter()
            .map(|&p| LogProb::from_prob(p))
            .collect();
        let adjusted: Vec<f64> = holm(&p).iter().map(|p| p.value()).collect();
        for (a, e) in adjusted.iter().zip([0.04, 0.09, 0.09, 0.025, 0.2]) {
            assert!((a - e).abs() < 1e-12, "{adjusted:?}");
        }
    }

    #[test]
    fn tiny_p_values_survive_adjustment() {
        let p = [LogProb::from_ln(-500.0), LogProb::from_prob(0.5)];
        let adjusted = holm(&p);
        assert!((adjusted[0].ln() - (-500.0 + 2f64.ln())).abs() < 1e-12);
        assert_eq!(adjusted[1], LogProb::from_prob(0.5));
    }
}

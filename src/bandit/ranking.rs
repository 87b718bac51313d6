//! The top `n` arms of a score per arm: how every scoring policy turns scores into a
//! slate of arms with confidences.

use crate::ids::ArmId;

use super::ArmChoice;

/// Writes the top `n` arms by score, best first (score `i` is arm `i`'s; larger score
/// by `total_cmp`, ties: lower arm), as choices with confidences
/// `score / Σ top scores` (equal if that sum is not positive or not finite).
pub(crate) fn top_n(scores: &[f64], n: usize, out: &mut Vec<ArmChoice>) {
    let n = n.min(scores.len());
    out.clear();
    if !rank_top(scores, n, out) {
        select_top(scores, n, out);
    }
    let total: f64 = out.iter().map(|c| c.confidence.max(0.0)).sum();
    let share = 1.0 / n as f64;
    for choice in out.iter_mut() {
        choice.confidence = if total > 0.0 && total.is_finite() {
            choice.confidence.max(0.0) / total
        } else {
            share
        };
    }
}

/// Up to this many arms, [`top_n`] takes its fast path (in a fixed-size array, so its
/// loops unroll completely).
const RANK_MAX_ARMS: usize = 8;

/// `f64::total_cmp`'s order as an unsigned integer (the transformation its docs
/// give, shifted by 2⁶³).
#[inline(always)]
fn total_order_key(x: f64) -> u64 {
    let bits = x.to_bits().cast_signed();
    (bits ^ (((bits >> 63).cast_unsigned() >> 1).cast_signed())).cast_unsigned() ^ (1 << 63)
}

/// [`top_n`]'s fast path: `n` passes of a branchless arg-max over the scores' total
/// order keys, each clearing the key it takes; pushes the top `n` arms to `out` and
/// returns true, or returns false (pushing nothing) if there are too many arms or a
/// score has key 0 (the one NaN whose key equals a cleared slot's).
///
/// The strict comparison keeps the first of equal keys, so ties go to the lower arm.
/// Earlier versions ranked by counting larger keys (m² comparisons) or by a partial
/// selection sort that branched on random draws; both cost a Thompson request more.
fn rank_top(scores: &[f64], n: usize, out: &mut Vec<ArmChoice>) -> bool {
    let m = scores.len();
    if m > RANK_MAX_ARMS {
        return false;
    }
    // Unused and taken slots hold key 0, which no key is below.
    let mut keys = [0u64; RANK_MAX_ARMS];
    let mut zero = false;
    for (key, &score) in keys.iter_mut().zip(scores) {
        *key = total_order_key(score);
        zero |= *key == 0;
    }
    if zero {
        return false;
    }
    for _ in 0..n {
        let (mut best, mut best_key) = (0, keys[0]);
        for (arm, &key) in keys.iter().enumerate().skip(1) {
            let better = key > best_key;
            best_key = if better { key } else { best_key };
            best = if better { arm } else { best };
        }
        keys[best] = 0;
        out.push(ArmChoice {
            arm: ArmId(u16::try_from(best).expect("below RANK_MAX_ARMS")),
            confidence: scores[best],
        });
    }
    true
}

/// [`top_n`]'s general path: pass k takes the best arm ranking below pass k − 1's.
fn select_top(scores: &[f64], n: usize, out: &mut Vec<ArmChoice>) {
    // (score, arm) pairs: is `a` ranked before `b`?
    let before = |a: (f64, usize), b: (f64, usize)| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)).is_gt();
    let mut previous: Option<(f64, usize)> = None;
    for _ in 0..n {
        let (score, arm) = scores
            .iter()
            .copied()
            .zip(0..)
            .filter(|&pair| previous.is_none_or(|last| before(last, pair)))
            .reduce(|best, pair| if before(pair, best) { pair } else { best })
            .expect("n ≤ the number of arms, so n passes find n arms");
        out.push(ArmChoice {
            arm: ArmId(u16::try_from(arm).expect("arm count fits u16")),
            confidence: score,
        });
        previous = Some((score, arm));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn fast_path_agrees_with_the_general_path_and_a_sort() {
        // Scores from a few values force ties; up to 20 arms crosses RANK_MAX_ARMS;
        // negative zeros, infinities and NaNs (incl. the all-ones NaN of key 0) test
        // the total order.
        let values = [
            0.25,
            0.5,
            -0.0,
            0.0,
            0.75,
            f64::INFINITY,
            -1.0,
            f64::NAN,
            f64::from_bits(u64::MAX),
        ];
        let mut rng = crate::rng::stream(6, crate::rng::Purpose::Policy, 0, 0);
        let (mut fast_taken, mut fast_declined) = (0, 0);
        for _ in 0..5000 {
            let m = rng.random_range(1..=20usize);
            let n = rng.random_range(0..=m);
            let scores: Vec<f64> = (0..m)
                .map(|_| {
                    if rng.random::<bool>() {
                        values[rng.random_range(0..values.len())]
                    } else {
                        rng.random::<f64>()
                    }
                })
                .collect();
            let mut general = Vec::new();
            select_top(&scores, n, &mut general);
            let mut fast = Vec::new();
            if rank_top(&scores, n, &mut fast) {
                fast_taken += 1;
                let bits = |c: &Vec<ArmChoice>| -> Vec<(u16, u64)> {
                    c.iter()
                        .map(|c| (c.arm.0, c.confidence.to_bits()))
                        .collect()
                };
                assert_eq!(bits(&fast), bits(&general), "{scores:?}");
            } else {
                fast_declined += 1;
            }
            let mut sorted: Vec<(f64, u16)> = scores.iter().copied().zip(0..).collect();
            sorted.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            let want: Vec<u16> = sorted[..n].iter().map(|p| p.1).collect();
            let mut out = Vec::new();
            top_n(&scores, n, &mut out);
            assert_eq!(out.iter().map(|c| c.arm.0).collect::<Vec<_>>(), want);
        }
        assert!(fast_taken > 1000 && fast_declined > 1000);
    }

    #[test]
    fn confidences_are_shares_of_the_top_scores() {
        // By hand: top 2 of (0.2, 0.6, 0.2) are arm 1 (0.6) and arm 0 (0.2, the lower
        // of the tied arms), with shares 0.75 and 0.25; all-zero scores share equally.
        let mut out = Vec::new();
        top_n(&[0.2, 0.6, 0.2], 2, &mut out);
        let got: Vec<u16> = out.iter().map(|c| c.arm.0).collect();
        assert_eq!(got, [1, 0]);
        assert!((out[0].confidence - 0.75).abs() < 1e-15);
        assert!((out[1].confidence - 0.25).abs() < 1e-15);
        top_n(&[0.0, 0.0, 0.0], 3, &mut out);
        assert!(out.iter().all(|c| c.confidence == 1.0 / 3.0));
    }
}

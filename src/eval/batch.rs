//! The headline ranking metrics over many users at once, in parallel.

use rayon::prelude::*;
use serde::Serialize;

use super::ndcg::{Gain, dcg_and_ideal};
use super::ranking::{is_defined, judge_top_k};
use super::relevance::Relevance;

/// Means over users of nDCG@k, Recall@k and MRR@k, and how many users they cover.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct RankingMeans {
    /// Mean nDCG@k.
    pub ndcg: Option<f64>,
    /// Mean Recall@k.
    pub recall: Option<f64>,
    /// Mean reciprocal rank at k.
    pub mrr: Option<f64>,
    /// Users with at least one relevant item (the users averaged over).
    pub n_users: usize,
}

/// nDCG@k, Recall@k and MRR@k of every user (`lists[u]` judged by `relevance[u]`),
/// averaged over users with a relevant item — the same values as
/// [`ndcg_at_k`](super::ndcg_at_k), [`recall_at_k`](super::recall_at_k) and
/// [`reciprocal_rank_at_k`](super::reciprocal_rank_at_k), judging each list once.
///
/// # Determinism
///
/// Users are scored in parallel and collected in user order; sums run on one thread,
/// so the result does not depend on the number of threads.
///
/// # Panics
///
/// If `lists` and `relevance` differ in length.
#[must_use]
pub fn ranking_means(
    lists: &[Vec<u32>],
    relevance: &[Relevance],
    k: usize,
    gain: Gain,
) -> RankingMeans {
    assert_eq!(lists.len(), relevance.len(), "one relevance per list");
    let per_user: Vec<Option<(f64, f64, f64)>> = lists
        .par_iter()
        .zip(relevance)
        .map(|(list, rel)| {
            is_defined(rel, k).then(|| {
                let judged = judge_top_k(list, rel, k);
                let n_hits = judged.iter().filter(|g| g.is_some()).count();
                let rr = judged
                    .iter()
                    .position(Option::is_some)
                    .map_or(0.0, |i| 1.0 / (i + 1) as f64);
                let (dcg, ideal) = dcg_and_ideal(&judged, rel, k, gain);
                (dcg / ideal, n_hits as f64 / rel.n_relevant() as f64, rr)
            })
        })
        .collect();
    let (mut ndcg, mut recall, mut mrr, mut n) = (0.0, 0.0, 0.0, 0usize);
    for (a, b, c) in per_user.into_iter().flatten() {
        ndcg += a;
        recall += b;
        mrr += c;
        n += 1;
    }
    let mean = |sum: f64| (n > 0).then(|| sum / n as f64);
    RankingMeans {
        ndcg: mean(ndcg),
        recall: mean(recall),
        mrr: mean(mrr),
        n_users: n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{ndcg_at_k, recall_at_k, reciprocal_rank_at_k};

    #[test]
    fn agrees_with_the_per_user_functions() {
        let lists = vec![vec![1, 2, 3, 4], vec![9, 8], vec![5, 5, 6], vec![]];
        let relevance = vec![
            Relevance::binary([3, 7]),
            Relevance::binary([]),
            Relevance::new([(6, 3.0), (5, 1.0)].into(), 1.0).unwrap(),
            Relevance::binary([1]),
        ];
        let m = ranking_means(&lists, &relevance, 3, Gain::Exponential);
        assert_eq!(m.n_users, 3);
        let users = [0, 2, 3];
        let mean = |f: &dyn Fn(usize) -> f64| users.iter().map(|&u| f(u)).sum::<f64>() / 3.0;
        let ndcg = mean(&|u| ndcg_at_k(&lists[u], &relevance[u], 3, Gain::Exponential).unwrap());
        let recall = mean(&|u| recall_at_k(&lists[u], &relevance[u], 3).unwrap());
        let mrr = mean(&|u| reciprocal_rank_at_k(&lists[u], &relevance[u], 3).unwrap());
        assert!((m.ndcg.unwrap() - ndcg).abs() < 1e-12);
        assert!((m.recall.unwrap() - recall).abs() < 1e-12);
        assert!((m.mrr.unwrap() - mrr).abs() < 1e-12);
        let none = ranking_means(&[], &[], 10, Gain::Linear);
        assert_eq!((none.ndcg, none.n_users), (None, 0));
    }
}

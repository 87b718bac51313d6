//! Item CF's warm start: the similarity lists a full `fit` on the whole log would
//! give, from the new interactions alone — a plain fit (`exact`), or a fit of
//! adjusted cosine with each user's mean frozen since the last full fit
//! (`frozen_means`).
//!
//! # Why it is exact
//!
//! `sim(i, j)` is a function of sums over the two movies' columns (dot product over
//! common users, their count, the columns' norms), each summed in ascending user
//! order. An interaction changes one (user, movie) value — with adjusted cosine and
//! fresh means (`exact`), every value of that user (their mean moves); with frozen
//! means only that one. So:
//!
//! 1. the histories take in the new interactions; the changed users' rows are
//!    rebuilt and each changed value written into its column at its user's place,
//!    the changed columns' norms summed again
//!    ([`SimilarityInputs::apply_user_changes`](super::super::item_similarity::SimilarityInputs::apply_user_changes))
//!    — the inputs `fit` would build (with the frozen means, for `frozen_means`);
//! 2. `T`, the movies whose column changed, get their similarity rows recomputed
//!    from those inputs (`Σ_{i ∈ T} Σ_{u ∈ U_i} |H_u|`, against `Σ_u |H_u|²` for a
//!    fit): the same products in the same order as `fit`, so the same bits;
//! 3. a pair of two movies outside `T` keeps its sums, so its similarity; movie
//!    `j ∉ T` sees only its similarities to movies of `T` change. Its neighbour list
//!    is reselected from its dense-matrix row, or, without the dense matrix, as the
//!    best `k` of its old list's entries outside `T` and its new similarities to
//!    `T`: the entries outside its old list were all below the old `k`-th in the
//!    selection's total order (score, then id), so that is the new list unless the
//!    old list was full and the new `k`-th ranks below the old `k`-th — only then is
//!    its row recomputed whole.
//!
//! When the touched rows would cost more products than a full rebuild's upper rows
//! (`Σ_u |H_u|(|H_u|+1)/2`) — under adjusted cosine with fresh means every active
//! user's movies are touched — every similarity is rebuilt from the patched inputs
//! instead, which is the same result. The mean rating continues its fold over the
//! log in log order. The result equals the full fit bit for bit (tested for the
//! three similarity kinds, with and without the dense matrix, for both modes).

use rayon::prelude::*;

use crate::ids::{MovieId, UserId};
use crate::interaction::Interaction;

use super::super::item_similarity::{Means, RowSums};
use super::super::topn::TopN;
use super::{ItemCf, NeighbourList, list_of, list_of_dense_row, push_positive};

impl ItemCf {
    /// Extends the histories and the mean rating with `new`; returns the users it
    /// holds, ascending (whose rows the similarity inputs must rebuild).
    pub(super) fn take_in(&mut self, new: &[Interaction]) -> Vec<UserId> {
        self.histories.add(new);
        self.add_ratings(new);
        let mut users: Vec<UserId> = new.iter().map(|i| i.user).collect();
        users.sort_unstable();
        users.dedup();
        users
    }

    /// Warm-starts from the fitted model with interactions logged since the last
    /// `fit` or update (see the module docs); needs a fitted model of the same world.
    pub(super) fn update_log(&mut self, new: &[Interaction], means: Means) {
        let users = self.take_in(new);
        let inputs = std::sync::Arc::make_mut(&mut self.inputs);
        let touched = inputs.apply_user_changes(&self.histories, &users, means);
        if touched.is_empty() {
            return;
        }
        let inputs = &*self.inputs;
        let touched_cost: usize = touched.iter().map(|&i| inputs.row_cost(i)).sum();
        if self.rebuild_when_cheaper && touched_cost >= inputs.full_cost() {
            // The same inputs, every similarity: a fit's result at a fit's cost.
            let (lists, dense) = self.similarities();
            self.dense = dense.map(std::sync::Arc::new);
            self.set_lists(lists);
            return;
        }
        let rows: Vec<Vec<(u32, f32)>> = touched
            .par_iter()
            .map_init(RowSums::default, |sums, &i| {
                let mut row = Vec::new();
                inputs.row(i, sums, |j, sim| row.push((j as u32, sim)));
                row
            })
            .collect();
        let n = inputs.n_movies();
        let k = self.params.neighbours;
        let mut lists: Vec<NeighbourList> = (0..n)
            .map(|m| self.neighbours_of(MovieId(m as u32)).to_vec())
            .collect();
        let mut is_touched = vec![false; n];
        for &i in &touched {
            is_touched[i] = true;
        }
        if let Some(dense) = &mut self.dense {
            let matrix = std::sync::Arc::make_mut(dense);
            let mut affected = is_touched.clone();
            // A touched pair's similarity may also become undefined (a norm reaching
            // 0 under adjusted cosine): clear every touched row and column first.
            for &i in &touched {
                for j in 0..n {
                    if !matrix[i * n + j].is_nan() {
                        affected[j] = true;
                        matrix[i * n + j] = f32::NAN;
                        matrix[j * n + i] = f32::NAN;
                    }
                }
            }
            for (&i, row) in touched.iter().zip(&rows) {
                for &(j, sim) in row {
                    let j = j as usize;
                    affected[j] = true;
                    matrix[i * n + j] = sim;
                    matrix[j * n + i] = sim;
                }
            }
            let matrix = &*matrix;
            let fresh: Vec<(usize, NeighbourList)> = (0..n)
                .into_par_iter()
                .filter(|&m| affected[m])
                .map(|m| (m, list_of_dense_row(&matrix[m * n..(m + 1) * n], k)))
                .collect();
            for (m, list) in fresh {
                lists[m] = list;
            }
            self.set_lists(lists);
            return;
        }
        // Without the dense matrix: a touched movie's list is selected from its new
        // row; an untouched one's from its old list's untouched entries and its new
        // similarities to touched movies (`offers`, by symmetry from the touched
        // rows), which is its best `k` unless an entry outside the old list could now
        // enter: the old list was full and the new `k`-th ranks below its `k`-th. Only
        // then is its row recomputed whole.
        let mut at_touched = vec![usize::MAX; n];
        for (r, &i) in touched.iter().enumerate() {
            at_touched[i] = r;
        }
        let mut offers: Vec<Vec<(usize, f32)>> = vec![Vec::new(); n];
        for (&i, row) in touched.iter().zip(&rows) {
            for &(j, sim) in row {
                if !is_touched[j as usize] && sim > 0.0 {
                    offers[j as usize].push((i, sim));
                }
            }
        }
        let fresh: Vec<(usize, NeighbourList)> = (0..n)
            .into_par_iter()
            .filter(|&m| {
                is_touched[m]
                    || !offers[m].is_empty()
                    || lists[m].iter().any(|(j, _)| is_touched[j.index()])
            })
            .map_init(RowSums::default, |sums, m| {
                let mut top = TopN::new(k);
                if is_touched[m] {
                    for &(j, sim) in &rows[at_touched[m]] {
                        push_positive(&mut top, j as usize, sim);
                    }
                    return (m, list_of(top));
                }
                let old = &lists[m];
                for &(j, sim) in old.iter().filter(|(j, _)| !is_touched[j.index()]) {
                    push_positive(&mut top, j.index(), sim);
                }
                for &(j, sim) in &offers[m] {
                    push_positive(&mut top, j, sim);
                }
                let list = list_of(top);
                let holds = old.len() < k
                    || k == 0
                    || list.len() == k && {
                        // Rank order: higher similarity, then lower id.
                        let (new_last, old_last) = (list[k - 1], old[k - 1]);
                        new_last.1 > old_last.1
                            || new_last.1 == old_last.1 && new_last.0 <= old_last.0
                    };
                if holds {
                    return (m, list);
                }
                let mut top = TopN::new(k);
                inputs.row(m, sums, |j, sim| push_positive(&mut top, j, sim));
                (m, list_of(top))
            })
            .collect();
        for (m, list) in fresh {
            lists[m] = list;
        }
        self.set_lists(lists);
    }
}

#[cfg(test)]
mod tests {
    use super::super::ItemCfParams;
    use super::*;
    use crate::interaction::InteractionKind;
    use crate::scenario::spec::{ItemCfWarmStart, SimilarityKind};

    /// 40 users × 30 movies, about half the cells, ratings, clicks and thumbs mixed,
    /// with later entries that overwrite earlier ones (a rating after a click).
    fn log() -> Vec<Interaction> {
        let mut log = Vec::new();
        for t in 0..900u32 {
            let (u, m) = ((t * 7 + t / 13) % 40, (t * 11 + t / 7) % 30);
            if (u * 3 + m * 5 + t) % 2 == 0 {
                continue;
            }
            let (kind, value) = match t % 5 {
                0 => (InteractionKind::Click, 1.0),
                1 => (InteractionKind::Thumbs, if t % 2 == 0 { 1.0 } else { -1.0 }),
                _ => (
                    InteractionKind::Rating,
                    1.0 + ((u + 2 * m + t) % 9) as f32 / 2.0,
                ),
            };
            log.push(Interaction {
                user: UserId(u),
                movie: MovieId(m),
                kind,
                value,
                time_secs: i64::from(t),
            });
        }
        log
    }

    /// Offsets, neighbour lists, dense matrix and mean rating, as bits.
    type ModelBits = (Vec<usize>, Vec<(MovieId, u32)>, Option<Vec<u32>>, u64);

    fn bits(cf: &ItemCf) -> ModelBits {
        (
            cf.offsets.clone(),
            cf.neighbours
                .iter()
                .map(|&(m, s)| (m, s.to_bits()))
                .collect(),
            cf.dense
                .as_ref()
                .map(|d| d.iter().map(|s| s.to_bits()).collect()),
            cf.mean_rating.to_bits(),
        )
    }

    #[test]
    fn warm_updates_equal_a_full_fit_bit_for_bit() {
        let log = log();
        assert!(log.len() > 300, "{}", log.len());
        for kind in [
            SimilarityKind::Cosine,
            SimilarityKind::AdjustedCosine,
            SimilarityKind::CosineCommon,
        ] {
            // 30 movies keep the dense matrix; a threshold of 0 takes the sparse path.
            for (dense_max_movies, rebuild_when_cheaper) in [
                (super::super::DENSE_MAX_MOVIES, false),
                (0, false),
                (super::super::DENSE_MAX_MOVIES, true),
            ] {
                let make = || ItemCf {
                    dense_max_movies,
                    rebuild_when_cheaper,
                    ..ItemCf::new(ItemCfParams {
                        similarity: kind,
                        shrinkage: 2.0,
                        neighbours: 4,
                        warm_start: ItemCfWarmStart::Exact,
                        full_fit_every: 0,
                    })
                };
                let mut full = make();
                full.fit_log(40, 30, &log);
                let mut warm = make();
                let (a, b) = (log.len() / 2, log.len() * 3 / 4);
                warm.fit_log(40, 30, &log[..a]);
                let before = bits(&warm);
                warm.update_log(&log[a..b], Means::Fresh);
                warm.update_log(&log[b..], Means::Fresh);
                warm.update_log(&[], Means::Fresh);
                assert_ne!(before, bits(&warm), "{kind:?}: the update changed nothing");
                assert_eq!(
                    bits(&warm),
                    bits(&full),
                    "{kind:?} dense ≤ {dense_max_movies}"
                );
                assert_eq!(warm.histories, full.histories);
                for u in 0..40 {
                    for m in 0..30 {
                        let (u, m) = (UserId(u), MovieId(m));
                        assert_eq!(
                            warm.predict_one(u, m, &mut Vec::new()).to_bits(),
                            full.predict_one(u, m, &mut Vec::new()).to_bits()
                        );
                    }
                }
            }
        }
    }

    /// `log()` over 44 users: users 40–43 appear only after the first half, 40 and
    /// 41 in the second quarter, 42 and 43 in the last; the log split at the
    /// quarters: (first half, second quarter, last quarter).
    fn log_with_late_users() -> (Vec<Interaction>, Vec<Interaction>, Vec<Interaction>) {
        let log = log();
        let (a, b) = (log.len() / 2, log.len() * 3 / 4);
        let late = |u: u32, from: u32, n: u32| -> Vec<Interaction> {
            (0..n)
                .map(|t| Interaction {
                    user: UserId(u),
                    movie: MovieId((t * 7 + u + from / 100) % 30),
                    kind: InteractionKind::Rating,
                    value: 1.0 + ((t * 3 + u + from / 100) % 9) as f32 / 2.0,
                    time_secs: i64::from(from + t),
                })
                .collect()
        };
        let mut second = log[a..b].to_vec();
        second.extend(late(40, 1_000, 12));
        second.extend(late(41, 1_100, 12));
        let mut last = log[b..].to_vec();
        last.extend(late(42, 2_000, 12));
        last.extend(late(43, 2_100, 12));
        last.extend(late(40, 2_200, 5)); // user 40 again: their mean stays frozen
        (log[..a].to_vec(), second, last)
    }

    fn frozen(kind: SimilarityKind, dense_max_movies: usize, full_fit_every: u32) -> ItemCf {
        ItemCf {
            dense_max_movies,
            rebuild_when_cheaper: false,
            ..ItemCf::new(ItemCfParams {
                similarity: kind,
                shrinkage: 2.0,
                neighbours: 4,
                warm_start: ItemCfWarmStart::FrozenMeans,
                full_fit_every,
            })
        }
    }

    #[test]
    fn frozen_mean_updates_equal_a_full_fit_with_those_means_bit_for_bit() {
        use super::super::super::history::Histories;
        use super::super::super::item_similarity::history_mean;
        let (first, second, last) = log_with_late_users();
        let whole: Vec<Interaction> = [&first[..], &second, &last].concat();
        // The means by hand: a user with a history in the first half keeps its mean;
        // one first seen in the second quarter (40, 41) its mean after that quarter;
        // one first seen in the last (42, 43) its mean at the end.
        let at = |log: &[Interaction]| Histories::from_log(44, log);
        let (h1, h2, h3) = (at(&first), at(&[&first[..], &second].concat()), at(&whole));
        let means: Vec<f32> = (0..44u32)
            .map(|u| {
                let u = UserId(u);
                [&h1, &h2, &h3]
                    .into_iter()
                    .find(|h| !h.of(u).is_empty())
                    .map_or(0.0, |h| history_mean(h, u))
            })
            .collect();
        assert!(h1.of(UserId(40)).is_empty() && !h2.of(UserId(40)).is_empty());
        assert!(h2.of(UserId(42)).is_empty() && !h3.of(UserId(42)).is_empty());
        assert_ne!(history_mean(&h2, UserId(40)), history_mean(&h3, UserId(40)));
        for kind in [
            SimilarityKind::Cosine,
            SimilarityKind::AdjustedCosine,
            SimilarityKind::CosineCommon,
        ] {
            for dense_max_movies in [super::super::DENSE_MAX_MOVIES, 0] {
                let mut warm = frozen(kind, dense_max_movies, 0);
                warm.fit_log(44, 30, &first);
                let before = bits(&warm);
                warm.update_log(&second, Means::Frozen);
                warm.update_log(&last, Means::Frozen);
                warm.update_log(&[], Means::Frozen);
                assert_ne!(before, bits(&warm), "{kind:?}: the update changed nothing");
                let mut reference = frozen(kind, dense_max_movies, 0);
                reference.fit_log_with_means(30, &whole, means.clone());
                assert_eq!(
                    bits(&warm),
                    bits(&reference),
                    "{kind:?} ≤ {dense_max_movies}"
                );
                assert_eq!(warm.histories, reference.histories);
                assert_eq!(warm.inputs.means(), reference.inputs.means());
                for u in 0..44 {
                    for m in 0..30 {
                        let (u, m) = (UserId(u), MovieId(m));
                        assert_eq!(
                            warm.predict_one(u, m, &mut Vec::new()).to_bits(),
                            reference.predict_one(u, m, &mut Vec::new()).to_bits()
                        );
                    }
                }
                // Against a fit with fresh means: the same model without means to
                // freeze, another one under adjusted cosine.
                let mut fresh = frozen(kind, dense_max_movies, 0);
                fresh.fit_log(44, 30, &whole);
                assert_eq!(
                    bits(&warm) == bits(&fresh),
                    kind != SimilarityKind::AdjustedCosine,
                    "{kind:?}"
                );
            }
        }
    }

    #[test]
    fn every_full_fit_every_th_update_is_a_full_fit() {
        use crate::recommend::{Recommender, testing};
        let (first, second, last) = log_with_late_users();
        let catalogue = testing::catalogue(30);
        let upto_second = [&first[..], &second].concat();
        let whole = [&upto_second[..], &last].concat();
        let mut cf = frozen(SimilarityKind::AdjustedCosine, 0, 2);
        cf.fit(&testing::data(&catalogue, 44, &first));
        // First update: frozen means (differs from a fit on the same log).
        cf.update(&testing::data(&catalogue, 44, &upto_second), &second);
        let mut fitted = frozen(SimilarityKind::AdjustedCosine, 0, 2);
        fitted.fit(&testing::data(&catalogue, 44, &upto_second));
        assert_ne!(bits(&cf), bits(&fitted));
        // Second: a full fit on the whole log, means refreshed.
        cf.update(&testing::data(&catalogue, 44, &whole), &last);
        fitted.fit(&testing::data(&catalogue, 44, &whole));
        assert_eq!(bits(&cf), bits(&fitted));
        assert_eq!(cf.inputs.means(), fitted.inputs.means());
        assert_eq!(cf.fallback, fitted.fallback);
    }
}

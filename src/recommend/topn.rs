//! Keeping the best `n` scored movies of a scan without sorting the whole scan.

use std::cmp::Ordering;

use crate::ids::MovieId;

use super::Scored;

/// The order of a ranking: higher score first (`f64::total_cmp`), then lower movie id.
#[inline]
fn rank_order(a: &Scored, b: &Scored) -> Ordering {
    b.score.total_cmp(&a.score).then(a.movie.cmp(&b.movie))
}

/// The best `n` items pushed so far, ordered by score descending, ties by lower movie
/// id — a total order, so the result never depends on push order.
///
/// Items collect in a buffer of up to `2n`; when it fills (and once when the first
/// `n` are in), a linear-time selection keeps the best `n` and their worst becomes
/// the cut that later items must beat.
/// Most of a scan loses to the cut with one comparison, and the selection's cost
/// spreads over the `n` pushes between two of them: O(1) amortised per push, where a
/// binary heap pays a sift per accepted item.
#[derive(Clone, Debug)]
pub(crate) struct TopN {
    n: usize,
    items: Vec<Scored>,
    /// The n-th best item as of the last selection.
    cut: Option<Scored>,
}

impl TopN {
    /// An empty selection of capacity `n`.
    pub(crate) fn new(n: usize) -> Self {
        Self::reusing(n, Vec::new())
    }

    /// An empty selection of capacity `n` whose buffer reuses `buffer`'s allocation
    /// (the list it will be written into, so a request allocates nothing).
    pub(crate) fn reusing(n: usize, mut buffer: Vec<Scored>) -> Self {
        buffer.clear();
        buffer.reserve(2 * n);
        Self {
            n,
            items: buffer,
            cut: None,
        }
    }

    /// A score that every item must reach to enter, once `n` items were seen (`None`
    /// before): an item scoring below it can never be among the best `n`. It may lag
    /// behind the exact n-th best score, never exceed it.
    pub(crate) fn threshold(&self) -> Option<f64> {
        self.cut.map(|c| c.score)
    }

    /// Offers one item.
    #[inline]
    pub(crate) fn push(&mut self, movie: MovieId, score: f64) {
        if self.n == 0 {
            return;
        }
        let item = Scored { movie, score };
        if let Some(cut) = &self.cut
            && rank_order(&item, cut) != Ordering::Less
        {
            return;
        }
        self.items.push(item);
        // The first selection comes as soon as n items are in, so the cut exists
        // from then on.
        if self.items.len() >= 2 * self.n || (self.cut.is_none() && self.items.len() == self.n) {
            self.select();
        }
    }

    /// Keeps the best `n` of the buffer (which holds at least `n`); the worst of them
    /// becomes the cut.
    fn select(&mut self) {
        let n = self.n;
        self.items.select_nth_unstable_by(n - 1, rank_order);
        self.items.truncate(n);
        self.cut = Some(self.items[n - 1]);
    }

    /// Writes the selection into `out`, best first.
    pub(crate) fn finish(mut self, out: &mut Vec<Scored>) {
        if self.items.len() > self.n {
            self.select();
        }
        self.items.sort_unstable_by(rank_order);
        *out = self.items;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_best_with_ties_to_lower_ids() {
        let mut top = TopN::new(3);
        for (m, s) in [(5, 1.0), (1, 3.0), (2, 1.0), (9, 2.0), (0, 0.5), (3, 1.0)] {
            top.push(MovieId(m), s);
        }
        let mut out = Vec::new();
        top.finish(&mut out);
        let ids: Vec<u32> = out.iter().map(|s| s.movie.0).collect();
        assert_eq!(ids, [1, 9, 2]);
    }

    #[test]
    fn matches_a_full_sort_whatever_the_push_order() {
        // 500 items with many tied scores, pushed in three orders; the reference sorts
        // everything by (score desc, id asc) and takes the first n.
        let items: Vec<Scored> = (0..500u32)
            .map(|i| Scored {
                movie: MovieId((i * 7919) % 500),
                score: f64::from((i * 31) % 17),
            })
            .collect();
        for n in [0, 1, 3, 50, 499, 500, 700] {
            let mut want = items.clone();
            want.sort_by(rank_order);
            want.truncate(n);
            let mut orders = vec![items.clone(), items.clone(), items.clone()];
            orders[1].reverse();
            orders[2].sort_by(|a, b| rank_order(b, a));
            for order in orders {
                let mut top = TopN::new(n);
                let mut floors_hold = true;
                for s in &order {
                    if let Some(t) = top.threshold() {
                        // The floor never exceeds the exact n-th best seen so far.
                        let mut seen: Vec<f64> = order
                            .iter()
                            .take_while(|x| !std::ptr::eq(*x, s))
                            .map(|x| x.score)
                            .collect();
                        seen.sort_by(|a, b| b.total_cmp(a));
                        floors_hold &= t <= seen[n - 1];
                    }
                    top.push(s.movie, s.score);
                }
                let mut out = Vec::new();
                top.finish(&mut out);
                assert_eq!(out, want, "n = {n}");
                assert!(floors_hold, "n = {n}");
            }
        }
    }
}

//! Keeping the best `n` scored movies of a scan without sorting the whole scan.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::ids::MovieId;

use super::Scored;

/// Order where the *worse* item is greater: lower score, then higher movie id.
#[derive(Clone, Copy, Debug)]
struct Worse(Scored);

impl PartialEq for Worse {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Worse {}

impl PartialOrd for Worse {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Worse {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .0
            .score
            .total_cmp(&self.0.score)
            .then(self.0.movie.cmp(&other.0.movie))
    }
}

/// The best `n` items pushed so far, ordered by score descending, ties by lower movie
/// id — a total order, so the result never depends on push order.
#[derive(Clone, Debug)]
pub(crate) struct TopN {
    n: usize,
    heap: BinaryHeap<Worse>,
}

impl TopN {
    /// An empty selection of capacity `n`.
    pub(crate) fn new(n: usize) -> Self {
        Self {
            n,
            heap: BinaryHeap::with_capacity(n + 1),
        }
    }

    /// The score an item must beat to enter, once full (`None` while not full).
    pub(crate) fn threshold(&self) -> Option<f64> {
        (self.heap.len() == self.n).then(|| self.heap.peek().map_or(f64::INFINITY, |w| w.0.score))
    }

    /// Offers one item.
    #[inline]
    pub(crate) fn push(&mut self, movie: MovieId, score: f64) {
        if self.n == 0 {
            return;
        }
        let item = Worse(Scored { movie, score });
        if self.heap.len() < self.n {
            self.heap.push(item);
            return;
        }
        // Fast reject on plain floats: most of a scan loses to the current worst.
        let worst = self.heap.peek().expect("full and n > 0").0;
        if score < worst.score || (score == worst.score && movie > worst.movie) {
            return;
        }
        if let Some(mut worst) = self.heap.peek_mut()
            && item < *worst
        {
            *worst = item;
        }
    }

    /// Writes the selection into `out`, best first.
    pub(crate) fn finish(self, out: &mut Vec<Scored>) {
        // The order is total (no two items compare equal), so any sort gives the
        // same list; pattern-defeating quicksort beats the heap's own heapsort.
        let mut items = self.heap.into_vec();
        items.sort_unstable();
        out.clear();
        out.extend(items.into_iter().map(|w| w.0));
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
}

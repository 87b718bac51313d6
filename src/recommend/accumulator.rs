//! Dense per-movie sums over the few movies a request touches.
//!
//! Item-based CF and the graph arm score a user by adding many small contributions
//! (neighbour similarities, fingerprint shares) into per-movie sums. An
//! [`Accumulator`] keeps one slot per movie and a list of the slots touched, so a
//! request costs its contributions plus its touched movies — not the catalogue — and
//! movies the user has seen are excluded up front instead of searched for later.
//! Each worker thread keeps one accumulator per arm kind and reuses it (the arms'
//! `thread_local!`s), so no request allocates or clears a catalogue-sized array.
//!
//! # Determinism
//!
//! A movie's sum is its contributions added in the order they come, and
//! [`Accumulator::drain`] visits movies in the order they were first touched: the
//! same on every thread and run.

use crate::ids::MovieId;

const UNTOUCHED: u8 = 0;
const TOUCHED: u8 = 1;
/// A bit: set on excluded slots, whatever else they hold.
const EXCLUDED: u8 = 2;

/// Per-movie sums with a touched list (see the module docs).
#[derive(Clone, Debug, Default)]
pub(crate) struct Accumulator<T> {
    values: Vec<T>,
    state: Vec<u8>,
    /// Touched movies in first-touch order; one spare slot past the end, so an add
    /// can write unconditionally and advance only on a first touch.
    touched: Vec<u32>,
    n_touched: usize,
}

impl<T: Copy + Default + std::ops::Add<Output = T>> Accumulator<T> {
    /// Makes room for `n_movies` movies; every slot is untouched.
    pub(crate) fn prepare(&mut self, n_movies: usize) {
        if self.state.len() < n_movies {
            self.values.resize(n_movies, T::default());
            self.state.resize(n_movies, UNTOUCHED);
            self.touched.resize(n_movies + 1, 0);
        }
    }

    /// Excludes `movies` (ids below the prepared size; others are ignored): their
    /// contributions are dropped and they are never drained.
    pub(crate) fn exclude(&mut self, movies: &[MovieId]) {
        for m in movies {
            if let Some(s) = self.state.get_mut(m.index()) {
                *s = EXCLUDED;
            }
        }
    }

    /// Adds `x` to movie `m`'s sum.
    ///
    /// Branch-free: whether this is the movie's first touch is data, not control
    /// flow (a touched-or-not branch is a coin flip the CPU mispredicts half the
    /// time). An excluded slot sums garbage that no drain reads and the next first
    /// touch overwrites.
    #[inline]
    pub(crate) fn add(&mut self, m: u32, x: T) {
        let i = m as usize;
        let s = self.state[i];
        let first = s == UNTOUCHED;
        self.touched[self.n_touched] = m;
        self.n_touched += usize::from(first);
        self.state[i] = s | TOUCHED;
        let old = self.values[i];
        self.values[i] = if first { x } else { old + x };
    }

    /// Visits every touched, non-excluded movie with its sum in first-touch order,
    /// and leaves every slot untouched again (`excluded` must be the movies passed
    /// to [`Accumulator::exclude`]).
    pub(crate) fn drain(&mut self, excluded: &[MovieId], mut visit: impl FnMut(MovieId, T)) {
        for &m in &self.touched[..self.n_touched] {
            visit(MovieId(m), self.values[m as usize]);
            self.state[m as usize] = UNTOUCHED;
        }
        self.n_touched = 0;
        for m in excluded {
            if let Some(s) = self.state.get_mut(m.index()) {
                *s = UNTOUCHED;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_in_first_touch_order_and_drops_excluded_movies() {
        let mut acc = Accumulator::<f32>::default();
        acc.prepare(10);
        let seen = [MovieId(4)];
        acc.exclude(&seen);
        for (m, x) in [(7, 1.0), (4, 5.0), (2, 0.5), (7, -1.0), (2, 0.25)] {
            acc.add(m, x);
        }
        let mut got = Vec::new();
        acc.drain(&seen, |m, x| got.push((m.0, x)));
        // Movie 7 sums to exactly 0 and is still listed once: touched, not non-zero.
        assert_eq!(got, [(7, 0.0), (2, 0.75)]);
        // Reusable: everything is untouched again, movie 4 included.
        acc.add(4, 2.0);
        let mut again = Vec::new();
        acc.drain(&[], |m, x| again.push((m.0, x)));
        assert_eq!(again, [(4, 2.0)]);
    }
}

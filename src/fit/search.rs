//! The root finders of the fit: a one-dimensional secant step and an N-dimensional
//! Broyden step ("good" Broyden, Broyden 1965), each falling back to a prior slope
//! whenever its estimate is unusable.

/// Secant search for one parameter: the slope of statistic over parameter from the
/// last two calls, or `prior` while that estimate is missing, of the wrong sign or
/// flatter than a tenth of the prior (noise, not signal).
#[derive(Clone, Debug)]
pub(super) struct Secant {
    prior: f64,
    bounds: (f64, f64),
    max_step: f64,
    last: Option<(f64, f64)>,
}

impl Secant {
    pub(super) fn new(prior: f64, bounds: (f64, f64), max_step: f64) -> Self {
        Self {
            prior,
            bounds,
            max_step,
            last: None,
        }
    }

    /// The next parameter, given the parameter `x` just tried, its statistic `y` and
    /// the target.
    pub(super) fn next(&mut self, x: f64, y: f64, target: f64) -> f64 {
        let slope = match self.last {
            Some((px, py)) if (x - px).abs() > 1e-12 => {
                let s = (y - py) / (x - px);
                if s * self.prior > 0.0 && s.abs() >= 0.1 * self.prior.abs() {
                    s
                } else {
                    self.prior
                }
            }
            _ => self.prior,
        };
        self.last = Some((x, y));
        let step = ((target - y) / slope).clamp(-self.max_step, self.max_step);
        (x + step).clamp(self.bounds.0, self.bounds.1)
    }
}

/// Broyden search for N parameters driving N statistics: the Jacobian starts at
/// `prior` and takes a rank-one update after every observation; it returns to the
/// prior when it loses the prior's diagonal signs or becomes singular.
#[derive(Clone, Debug)]
pub(super) struct Broyden<const N: usize> {
    prior: [[f64; N]; N],
    jacobian: [[f64; N]; N],
    bounds: [(f64, f64); N],
    max_step: [f64; N],
    last: Option<([f64; N], [f64; N])>,
}

impl<const N: usize> Broyden<N> {
    pub(super) fn new(prior: [[f64; N]; N], bounds: [(f64, f64); N], max_step: [f64; N]) -> Self {
        Self {
            prior,
            jacobian: prior,
            bounds,
            max_step,
            last: None,
        }
    }

    /// The next parameters, given the parameters `x` just tried, their statistics `y`
    /// and the targets.
    pub(super) fn next(&mut self, x: [f64; N], y: [f64; N], target: [f64; N]) -> [f64; N] {
        self.observe(x, y);
        self.step(x, y, target)
    }

    /// Learns from the parameters `x` just tried and their statistics `y` without
    /// stepping from them (the caller backtracks instead).
    pub(super) fn observe(&mut self, x: [f64; N], y: [f64; N]) {
        if let Some((px, py)) = self.last {
            let dx: [f64; N] = std::array::from_fn(|i| x[i] - px[i]);
            let norm: f64 = dx.iter().map(|d| d * d).sum();
            if norm > 1e-18 {
                for r in 0..N {
                    let predicted: f64 = (0..N).map(|c| self.jacobian[r][c] * dx[c]).sum();
                    let residual = (y[r] - py[r]) - predicted;
                    for (j, d) in self.jacobian[r].iter_mut().zip(&dx) {
                        *j += residual * d / norm;
                    }
                }
            }
        }
        self.last = Some((x, y));
    }

    /// The Newton step from `x` with statistics `y` on the current Jacobian.
    fn step(&mut self, x: [f64; N], y: [f64; N], target: [f64; N]) -> [f64; N] {
        let keeps_signs = (0..N).all(|d| self.jacobian[d][d] * self.prior[d][d] > 0.0);
        let residual: [f64; N] = std::array::from_fn(|i| target[i] - y[i]);
        let solved = keeps_signs
            .then(|| solve(self.jacobian, residual))
            .flatten()
            .or_else(|| {
                self.jacobian = self.prior;
                solve(self.prior, residual)
            })
            .unwrap_or([0.0; N]);
        std::array::from_fn(|d| {
            let s = solved[d].clamp(-self.max_step[d], self.max_step[d]);
            (x[d] + s).clamp(self.bounds[d].0, self.bounds[d].1)
        })
    }
}

/// `A⁻¹ b` by Gaussian elimination with partial pivoting; `None` when `A` is
/// (numerically) singular.
fn solve<const N: usize>(mut a: [[f64; N]; N], mut b: [f64; N]) -> Option<[f64; N]> {
    for col in 0..N {
        let pivot = (col..N).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-9 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let (top, rest) = a.split_at_mut(col + 1);
        let pivot_row = &top[col];
        for (offset, row) in rest.iter_mut().enumerate() {
            let f = row[col] / pivot_row[col];
            for (x, p) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= f * p;
            }
            b[col + 1 + offset] -= f * b[col];
        }
    }
    let mut x = [0.0; N];
    for row in (0..N).rev() {
        let tail: f64 = (row + 1..N).map(|c| a[row][c] * x[c]).sum();
        x[row] = (b[row] - tail) / a[row][row];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secant_solves_a_line_in_one_step_once_it_has_two_points() {
        // y = 3x − 1, target 5 → x = 2. The prior slope 1 overshoots; the secant then
        // has the true slope.
        let f = |x: f64| 3.0 * x - 1.0;
        let mut s = Secant::new(1.0, (-10.0, 10.0), 100.0);
        let x1 = s.next(0.0, f(0.0), 5.0);
        assert_eq!(x1, 6.0);
        let x2 = s.next(x1, f(x1), 5.0);
        assert!((x2 - 2.0).abs() < 1e-12);
    }

    #[test]
    fn broyden_solves_a_linear_system_with_its_true_jacobian() {
        // y = A x with A = [[2, 1], [0, 3]]; target (4, 3) → x = (1.5, 1).
        let a = [[2.0, 1.0], [0.0, 3.0]];
        let f = |x: [f64; 2]| [a[0][0] * x[0] + a[0][1] * x[1], a[1][1] * x[1]];
        let mut b = Broyden::new(a, [(-10.0, 10.0); 2], [100.0; 2]);
        let x = b.next([0.0, 0.0], f([0.0, 0.0]), [4.0, 3.0]);
        assert!((x[0] - 1.5).abs() < 1e-12 && (x[1] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn gaussian_elimination_pivots_past_a_zero() {
        // [[0, 1, 0], [1, 0, 0], [0, 0, 2]] x = (3, 4, 10) → x = (4, 3, 5).
        let a = [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 2.0]];
        assert_eq!(solve(a, [3.0, 4.0, 10.0]), Some([4.0, 3.0, 5.0]));
        assert_eq!(solve([[1.0, 2.0], [2.0, 4.0]], [1.0, 1.0]), None);
    }

    #[test]
    fn steps_are_clamped_to_the_bounds() {
        let mut s = Secant::new(1.0, (0.0, 1.0), 100.0);
        assert_eq!(s.next(0.5, 0.0, 10.0), 1.0);
    }
}

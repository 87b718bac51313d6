//! The root finders of the fit: a one-dimensional secant step and a two-dimensional
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

/// Broyden search for two parameters driving two statistics: the Jacobian starts at
/// `prior` and takes a rank-one update after every step; it returns to the prior when
/// it loses the prior's diagonal signs or becomes singular.
#[derive(Clone, Debug)]
pub(super) struct Broyden2 {
    prior: [[f64; 2]; 2],
    jacobian: [[f64; 2]; 2],
    bounds: [(f64, f64); 2],
    max_step: [f64; 2],
    last: Option<([f64; 2], [f64; 2])>,
}

impl Broyden2 {
    pub(super) fn new(prior: [[f64; 2]; 2], bounds: [(f64, f64); 2], max_step: [f64; 2]) -> Self {
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
    pub(super) fn next(&mut self, x: [f64; 2], y: [f64; 2], target: [f64; 2]) -> [f64; 2] {
        let j = &mut self.jacobian;
        if let Some((px, py)) = self.last {
            let dx = [x[0] - px[0], x[1] - px[1]];
            let dy = [y[0] - py[0], y[1] - py[1]];
            let norm = dx[0] * dx[0] + dx[1] * dx[1];
            if norm > 1e-18 {
                for r in 0..2 {
                    let residual = dy[r] - (j[r][0] * dx[0] + j[r][1] * dx[1]);
                    for c in 0..2 {
                        j[r][c] += residual * dx[c] / norm;
                    }
                }
            }
        }
        self.last = Some((x, y));
        let det = j[0][0] * j[1][1] - j[0][1] * j[1][0];
        let keeps_signs = (0..2).all(|d| j[d][d] * self.prior[d][d] > 0.0);
        if !keeps_signs || det.abs() < 1e-6 {
            *j = self.prior;
        }
        let det = j[0][0] * j[1][1] - j[0][1] * j[1][0];
        let r = [target[0] - y[0], target[1] - y[1]];
        let step = [
            (j[1][1] * r[0] - j[0][1] * r[1]) / det,
            (j[0][0] * r[1] - j[1][0] * r[0]) / det,
        ];
        let mut out = [0.0; 2];
        for d in 0..2 {
            let s = step[d].clamp(-self.max_step[d], self.max_step[d]);
            out[d] = (x[d] + s).clamp(self.bounds[d].0, self.bounds[d].1);
        }
        out
    }
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
        let mut b = Broyden2::new(a, [(-10.0, 10.0); 2], [100.0; 2]);
        let x = b.next([0.0, 0.0], f([0.0, 0.0]), [4.0, 3.0]);
        assert!((x[0] - 1.5).abs() < 1e-12 && (x[1] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn steps_are_clamped_to_the_bounds() {
        let mut s = Secant::new(1.0, (0.0, 1.0), 100.0);
        assert_eq!(s.next(0.5, 0.0, 10.0), 1.0);
    }
}

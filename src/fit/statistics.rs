//! The statistics a fitted world must reproduce, each with its tolerance: the log
//! shape of issue #10's calibration ranges (docs/REALISM.md, "Fitting a world").

use serde::Serialize;

use crate::data::LogShape;

/// How close a fitted value must be to its target.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tolerance {
    /// `|fitted − target| ≤ d` (Gini coefficients: shares of a unit scale).
    Absolute(f64),
    /// `|fitted − target| ≤ r · |target|`.
    Relative(f64),
    /// `|fitted − target| ≤ max(r · |target|, d)`: a correlation is relative where it
    /// is strong, and on the unit scale of a Gini where it is near zero (10% of a
    /// correlation of 0.05 would be finer than sampling noise).
    RelativeOrAbsolute(f64, f64),
    /// Exactly equal (the rating mode, a value of the star scale).
    Equal,
    /// Both positive or both zero: the calibration asks that a power segment
    /// exists, not for its exact share.
    Exists,
}

impl Tolerance {
    /// The allowed distance from `target`.
    #[must_use]
    pub fn allowed(self, target: f64) -> f64 {
        match self {
            Self::Absolute(d) => d,
            Self::Relative(r) => r * target.abs(),
            Self::RelativeOrAbsolute(r, d) => (r * target.abs()).max(d),
            Self::Equal | Self::Exists => 0.0,
        }
    }

    /// `|fitted − target|` in units of the allowed distance: ≤ 1 is within tolerance.
    /// An exact statistic is 0 when equal and 2 otherwise.
    #[must_use]
    pub fn error(self, fitted: f64, target: f64) -> f64 {
        if self == Self::Exists {
            return if (fitted > 0.0) == (target > 0.0) {
                0.0
            } else {
                2.0
            };
        }
        let distance = (fitted - target).abs();
        let allowed = self.allowed(target);
        if allowed > 0.0 {
            distance / allowed
        } else if distance == 0.0 {
            0.0
        } else {
            2.0
        }
    }
}

/// One statistic of a log's shape.
#[derive(Clone, Copy, Debug)]
pub struct Statistic {
    /// Its name in tables and JSON.
    pub name: &'static str,
    /// Reads it from a shape; `None` when the log does not define it (a Spearman
    /// correlation over fewer than three items).
    pub value: fn(&LogShape) -> Option<f64>,
    /// How close the fit must come.
    pub tolerance: Tolerance,
}

/// Item Gini.
pub const ITEM_GINI: Statistic = Statistic {
    name: "item Gini",
    value: |s| Some(s.item_gini),
    tolerance: Tolerance::Absolute(0.03),
};

/// Top-10% item share.
pub const ITEM_TOP10_SHARE: Statistic = Statistic {
    name: "top-10% item share",
    value: |s| Some(s.item_top10_share),
    tolerance: Tolerance::Relative(0.1),
};

/// User Gini.
pub const USER_GINI: Statistic = Statistic {
    name: "user Gini",
    value: |s| Some(s.user_gini),
    tolerance: Tolerance::Absolute(0.03),
};

/// Ratings per user median.
pub const USER_MEDIAN: Statistic = Statistic {
    name: "ratings per user median",
    value: |s| Some(s.user_quantiles.p50),
    tolerance: Tolerance::Relative(0.1),
};

/// Ratings per user p99.
pub const USER_P99: Statistic = Statistic {
    name: "ratings per user p99",
    value: |s| Some(s.user_quantiles.p99),
    tolerance: Tolerance::Relative(0.1),
};

/// Power share (≥ 200).
pub const POWER_SHARE: Statistic = Statistic {
    name: "power share (≥ 200)",
    value: |s| Some(s.power_share),
    tolerance: Tolerance::Exists,
};

/// Rating mean.
pub const RATING_MEAN: Statistic = Statistic {
    name: "rating mean",
    value: |s| Some(s.rating_mean),
    tolerance: Tolerance::Relative(0.1),
};

/// Rating sd.
pub const RATING_SD: Statistic = Statistic {
    name: "rating sd",
    value: |s| Some(s.rating_sd),
    tolerance: Tolerance::Relative(0.1),
};

/// Rating mode.
pub const RATING_MODE: Statistic = Statistic {
    name: "rating mode",
    value: |s| Some(s.rating_mode),
    tolerance: Tolerance::Equal,
};

/// Five-star share.
pub const FIVE_STAR_SHARE: Statistic = Statistic {
    name: "five-star share",
    value: |s| Some(s.five_star_share),
    tolerance: Tolerance::Relative(0.1),
};

/// Popularity–rating Spearman.
pub const SPEARMAN: Statistic = Statistic {
    name: "popularity–rating Spearman",
    value: |s| s.popularity_rating_spearman,
    tolerance: Tolerance::RelativeOrAbsolute(0.1, 0.03),
};

/// Gini coefficients within 0.03, the mode exactly, a power segment if the log has
/// one, the Spearman correlation within 10% or 0.03, everything else within 10%.
pub const STATISTICS: [Statistic; 11] = [
    ITEM_GINI,
    ITEM_TOP10_SHARE,
    USER_GINI,
    USER_MEDIAN,
    USER_P99,
    POWER_SHARE,
    RATING_MEAN,
    RATING_SD,
    RATING_MODE,
    FIVE_STAR_SHARE,
    SPEARMAN,
];

/// One statistic, target beside fitted.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// The statistic's name.
    pub statistic: &'static str,
    /// Its value in the log fitted to.
    pub target: Option<f64>,
    /// Its value in the fitted world's log.
    pub fitted: Option<f64>,
    /// The allowed distance.
    pub tolerance: Tolerance,
    /// `|fitted − target|` in units of the allowed distance ([`Tolerance::error`]);
    /// `None` when the target does not define the statistic.
    pub error: Option<f64>,
}

impl Comparison {
    /// Whether the fitted value is within tolerance (or there is nothing to meet).
    #[must_use]
    pub fn holds(&self) -> bool {
        self.error.is_none_or(|e| e <= 1.0)
    }
}

/// Every statistic of [`STATISTICS`], target beside fitted. A statistic the target
/// defines but the fitted log does not is an error of 2 (outside tolerance).
#[must_use]
pub fn compare(target: &LogShape, fitted: &LogShape) -> Vec<Comparison> {
    STATISTICS
        .iter()
        .map(|s| {
            let (t, f) = ((s.value)(target), (s.value)(fitted));
            let error = t.map(|t| f.map_or(2.0, |f| s.tolerance.error(f, t)));
            Comparison {
                statistic: s.name,
                target: t,
                fitted: f,
                tolerance: s.tolerance,
                error,
            }
        })
        .collect()
}

/// The largest error of a comparison: ≤ 1 when every statistic holds.
#[must_use]
pub fn worst_error(comparisons: &[Comparison]) -> f64 {
    comparisons
        .iter()
        .filter_map(|c| c.error)
        .fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_in_units_of_the_tolerance() {
        // Gini 0.60 against 0.63: exactly the allowed 0.03 away.
        assert!((Tolerance::Absolute(0.03).error(0.60, 0.63) - 1.0).abs() < 1e-12);
        // 110 against 100 at 10%: on the edge; 120 is twice as far.
        assert!((Tolerance::Relative(0.1).error(110.0, 100.0) - 1.0).abs() < 1e-12);
        assert!((Tolerance::Relative(0.1).error(80.0, 100.0) - 2.0).abs() < 1e-12);
        assert_eq!(Tolerance::Equal.error(4.0, 4.0), 0.0);
        assert_eq!(Tolerance::Equal.error(5.0, 4.0), 2.0);
        // A weak correlation is held to 0.03, a strong one to 10%.
        assert!((Tolerance::RelativeOrAbsolute(0.1, 0.03).error(0.08, 0.05) - 1.0).abs() < 1e-12);
        assert!((Tolerance::RelativeOrAbsolute(0.1, 0.03).error(0.45, 0.5) - 1.0).abs() < 1e-12);
        assert_eq!(Tolerance::Exists.error(0.12, 0.16), 0.0);
        assert_eq!(Tolerance::Exists.error(0.0, 0.16), 2.0);
        assert_eq!(Tolerance::Exists.error(0.0, 0.0), 0.0);
    }
}

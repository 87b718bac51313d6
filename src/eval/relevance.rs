//! The graded relevance of one user's held-out test items.

use std::collections::BTreeMap;
use std::fmt;

/// The held-out test items of one user that count as relevant, with their grades.
///
/// An item is relevant when its grade is at least `threshold`. Items below the
/// threshold are dropped at construction, so every ranking metric sees one and the
/// same relevant set, and a below-threshold item earns no gain in nDCG either (a
/// 3-star rating does not half-count when the threshold is 4 stars).
///
/// # Examples
///
/// ```text
/// grades {10: 5.0, 11: 3.0, 12: 4.0}, threshold 4.0  →  relevant {10: 5.0, 12: 4.0}
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Relevance {
    /// (item, grade), ascending item: a user's few test items, so a binary search
    /// beats a tree and a clone is one copy.
    relevant: Vec<(u32, f64)>,
    threshold: f64,
}

impl Relevance {
    /// Keeps the items whose grade is at least `threshold`.
    ///
    /// # Errors
    ///
    /// [`RelevanceError::InvalidThreshold`] unless `threshold` is finite and greater
    /// than zero: gains are the grades themselves (or `2^grade − 1`), so a relevant
    /// item must have a positive grade for the ideal DCG to be positive.
    /// [`RelevanceError::NonFiniteGrade`] for a NaN or infinite grade, which would
    /// make every comparison and sum meaningless.
    pub fn new(grades: BTreeMap<u32, f64>, threshold: f64) -> Result<Self, RelevanceError> {
        if !(threshold.is_finite() && threshold > 0.0) {
            return Err(RelevanceError::InvalidThreshold { threshold });
        }
        if let Some((&item, &grade)) = grades.iter().find(|(_, grade)| !grade.is_finite()) {
            return Err(RelevanceError::NonFiniteGrade { item, grade });
        }
        let relevant = grades
            .into_iter()
            .filter(|&(_, grade)| grade >= threshold)
            .collect();
        Ok(Self {
            relevant,
            threshold,
        })
    }

    /// Binary relevance: every given item is relevant with grade 1 (threshold 1).
    #[must_use]
    pub fn binary(items: impl IntoIterator<Item = u32>) -> Self {
        let mut items: Vec<u32> = items.into_iter().collect();
        items.sort_unstable();
        items.dedup();
        Self {
            relevant: items.into_iter().map(|item| (item, 1.0)).collect(),
            threshold: 1.0,
        }
    }

    /// The grade at or above which an item is relevant.
    #[must_use]
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// How many items are relevant.
    #[must_use]
    pub fn n_relevant(&self) -> usize {
        self.relevant.len()
    }

    /// The grade of `item` if it is relevant, `None` otherwise.
    #[must_use]
    pub fn grade(&self, item: u32) -> Option<f64> {
        self.relevant
            .binary_search_by_key(&item, |&(i, _)| i)
            .ok()
            .map(|at| self.relevant[at].1)
    }

    /// Whether `item` is relevant.
    #[must_use]
    pub fn is_relevant(&self, item: u32) -> bool {
        self.relevant
            .binary_search_by_key(&item, |&(i, _)| i)
            .is_ok()
    }

    /// The relevant items and their grades, in ascending item order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, f64)> + '_ {
        self.relevant.iter().copied()
    }
}

/// Why a [`Relevance`] could not be built.
#[derive(Debug, Clone, PartialEq)]
pub enum RelevanceError {
    /// The threshold is not a finite number greater than zero.
    InvalidThreshold {
        /// The rejected threshold.
        threshold: f64,
    },
    /// A grade is NaN or infinite.
    NonFiniteGrade {
        /// The item carrying the grade.
        item: u32,
        /// The rejected grade.
        grade: f64,
    },
}

impl fmt::Display for RelevanceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidThreshold { threshold } => write!(
                f,
                "relevance threshold must be finite and greater than 0, got {threshold}"
            ),
            Self::NonFiniteGrade { item, grade } => {
                write!(f, "grade of item {item} must be finite, got {grade}")
            }
        }
    }
}

impl std::error::Error for RelevanceError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_below_threshold_are_dropped() {
        let grades = BTreeMap::from([(10, 5.0), (11, 3.0), (12, 4.0), (13, -1.0)]);
        let relevance = Relevance::new(grades, 4.0).unwrap();
        assert_eq!(relevance.n_relevant(), 2);
        assert_eq!(relevance.grade(10), Some(5.0));
        assert_eq!(relevance.grade(11), None);
        assert!(relevance.is_relevant(12));
        assert!(!relevance.is_relevant(99));
        assert_eq!(relevance.iter().collect::<Vec<_>>(), [(10, 5.0), (12, 4.0)]);
        assert_eq!(relevance.threshold(), 4.0);
    }

    #[test]
    fn threshold_must_be_finite_and_positive() {
        for threshold in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let error = Relevance::new(BTreeMap::new(), threshold).unwrap_err();
            assert!(matches!(error, RelevanceError::InvalidThreshold { .. }));
        }
    }

    #[test]
    fn non_finite_grade_is_rejected_with_its_item() {
        let grades = BTreeMap::from([(1, 2.0), (7, f64::NAN)]);
        let error = Relevance::new(grades, 1.0).unwrap_err();
        assert!(matches!(
            error,
            RelevanceError::NonFiniteGrade { item: 7, .. }
        ));
        assert_eq!(error.to_string(), "grade of item 7 must be finite, got NaN");
    }

    #[test]
    fn binary_relevance_has_unit_grades() {
        let relevance = Relevance::binary([3, 1, 3]);
        assert_eq!(relevance.n_relevant(), 2);
        assert_eq!(relevance.grade(3), Some(1.0));
        assert_eq!(relevance.threshold(), 1.0);
    }
}

//! The reward rule: a response becomes a success, a failure, or nothing to learn.

use crate::scenario::spec::RewardSpec;

use super::Feedback;

/// The scenario's reward rule, applied to feedback.
///
/// In order: no click is a failure; a click followed by a rating ≤
/// `failure_max_rating` or (with `thumbs`) a thumbs down is a failure; a click with a
/// rating ≥ `success_min_rating` or (with `thumbs`) a thumbs up is a success; any other
/// click is a success when `click` is set and teaches nothing otherwise. Negative
/// feedback wins over positive because it is the rarer, more deliberate signal.
#[derive(Clone, Debug, PartialEq)]
pub struct RewardRule {
    spec: RewardSpec,
}

impl RewardRule {
    /// The rule of a (validated) reward spec.
    #[must_use]
    pub fn new(spec: &RewardSpec) -> Self {
        Self { spec: spec.clone() }
    }

    /// The settings.
    #[must_use]
    pub fn spec(&self) -> &RewardSpec {
        &self.spec
    }

    /// `Some(true)` for a success, `Some(false)` for a failure, `None` when the
    /// feedback says nothing under this rule.
    #[must_use]
    pub fn reward(&self, feedback: &Feedback) -> Option<bool> {
        if !feedback.clicked {
            return Some(false);
        }
        let s = &self.spec;
        let thumbs = if s.thumbs { feedback.thumbs } else { None };
        let negative = feedback
            .rating
            .is_some_and(|r| r <= f32::from(s.failure_max_rating))
            || thumbs == Some(-1);
        if negative {
            return Some(false);
        }
        let positive = feedback
            .rating
            .is_some_and(|r| r >= f32::from(s.success_min_rating))
            || thumbs == Some(1);
        (positive || s.click).then_some(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fb(clicked: bool, rating: Option<f32>, thumbs: Option<i8>) -> Feedback {
        Feedback {
            clicked,
            credited_arm: None,
            rating,
            thumbs,
        }
    }

    #[test]
    fn default_rule_matches_the_plan() {
        let rule = RewardRule::new(&RewardSpec::default());
        assert_eq!(rule.reward(&fb(false, None, None)), Some(false));
        assert_eq!(rule.reward(&fb(true, None, None)), Some(true));
        assert_eq!(rule.reward(&fb(true, Some(4.0), None)), Some(true));
        assert_eq!(rule.reward(&fb(true, Some(3.0), None)), Some(true));
        assert_eq!(rule.reward(&fb(true, Some(2.0), None)), Some(false));
        assert_eq!(rule.reward(&fb(true, Some(5.0), Some(-1))), Some(false));
        assert_eq!(rule.reward(&fb(true, None, Some(1))), Some(true));
    }

    #[test]
    fn strict_rule_ignores_plain_clicks() {
        let rule = RewardRule::new(&RewardSpec {
            click: false,
            thumbs: false,
            ..RewardSpec::default()
        });
        assert_eq!(rule.reward(&fb(true, None, None)), None);
        assert_eq!(rule.reward(&fb(true, Some(3.0), Some(1))), None);
        assert_eq!(rule.reward(&fb(true, Some(4.0), Some(-1))), Some(true));
    }
}

//! Context keys: which features of a request's [`Context`] a policy tells apart.

use crate::scenario::spec::ContextFeature;
use crate::world::context::{DayType, Saturation, SessionPhase, daypart_index};
use crate::world::{Context, Segment};
use serde::{Deserialize, Serialize};

/// Maps a [`Context`] to a dense index over the chosen features (mixed radix, in the
/// order the features are listed), and back to a name such as `evening/weekend`.
///
/// With no features there is one key, named `all`: a non-contextual policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContextKeys {
    features: Vec<ContextFeature>,
    n_keys: usize,
}

/// Number of values a feature takes.
fn radix(feature: ContextFeature) -> usize {
    match feature {
        ContextFeature::Daypart => 4,
        ContextFeature::DayType | ContextFeature::SessionPhase => 2,
        ContextFeature::Segment | ContextFeature::Saturation => 3,
    }
}

/// The value index of a feature in a context.
fn value(feature: ContextFeature, c: &Context) -> usize {
    match feature {
        ContextFeature::Daypart => daypart_index(c.daypart),
        ContextFeature::DayType => usize::from(c.day_type == DayType::Weekend),
        ContextFeature::Segment => match c.segment {
            Segment::ColdStart => 0,
            Segment::Regular => 1,
            Segment::Power => 2,
        },
        ContextFeature::Saturation => match c.saturation {
            Saturation::Low => 0,
            Saturation::Medium => 1,
            Saturation::High => 2,
        },
        ContextFeature::SessionPhase => usize::from(c.session_phase == SessionPhase::Late),
    }
}

/// The names of a feature's values, in value-index order.
fn value_names(feature: ContextFeature) -> &'static [&'static str] {
    match feature {
        ContextFeature::Daypart => &["morning", "afternoon", "evening", "night"],
        ContextFeature::DayType => &["weekday", "weekend"],
        ContextFeature::Segment => &["cold_start", "regular", "power"],
        ContextFeature::Saturation => &["low", "medium", "high"],
        ContextFeature::SessionPhase => &["early", "late"],
    }
}

impl ContextKeys {
    /// Keys over `features` (validation guarantees no repeats).
    #[must_use]
    pub fn new(features: &[ContextFeature]) -> Self {
        Self {
            features: features.to_vec(),
            n_keys: features.iter().map(|&f| radix(f)).product(),
        }
    }

    /// The features, in key order.
    #[must_use]
    pub fn features(&self) -> &[ContextFeature] {
        &self.features
    }

    /// Number of distinct keys (1 with no features).
    #[must_use]
    pub fn len(&self) -> usize {
        self.n_keys
    }

    /// Always false: there is at least one key.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The key index of a context, in `0..len()`.
    #[must_use]
    pub fn index(&self, context: &Context) -> usize {
        self.features
            .iter()
            .fold(0, |acc, &f| acc * radix(f) + value(f, context))
    }

    /// The name of key `index`, such as `evening/weekend`; `all` with no features.
    ///
    /// # Panics
    ///
    /// If `index >= len()`.
    #[must_use]
    pub fn name(&self, index: usize) -> String {
        assert!(index < self.n_keys, "context key {index} out of range");
        if self.features.is_empty() {
            return "all".into();
        }
        let mut parts = Vec::with_capacity(self.features.len());
        let mut rest = index;
        for &f in self.features.iter().rev() {
            parts.push(value_names(f)[rest % radix(f)]);
            rest /= radix(f);
        }
        parts.reverse();
        parts.join("/")
    }

    /// The index of a key name written by [`ContextKeys::name`].
    #[must_use]
    pub fn parse(&self, name: &str) -> Option<usize> {
        (0..self.n_keys).find(|&i| self.name(i) == name)
    }

    /// The feature a value name (such as `evening`) belongs to, if any.
    #[must_use]
    pub fn feature_of_value(name: &str) -> Option<ContextFeature> {
        ContextFeature::ALL
            .into_iter()
            .find(|&f| value_names(f).contains(&name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::Daypart;

    fn context(daypart: Daypart, day_type: DayType, segment: Segment) -> Context {
        Context {
            daypart,
            day_type,
            segment,
            saturation: Saturation::Medium,
            session_phase: SessionPhase::Late,
        }
    }

    #[test]
    fn keys_are_dense_and_named_in_feature_order() {
        let keys = ContextKeys::new(&[ContextFeature::Daypart, ContextFeature::DayType]);
        assert_eq!(keys.len(), 8);
        let c = context(Daypart::Evening, DayType::Weekend, Segment::Power);
        assert_eq!(keys.index(&c), 2 * 2 + 1);
        assert_eq!(keys.name(keys.index(&c)), "evening/weekend");
        assert_eq!(keys.parse("evening/weekend"), Some(5));
        let all = ContextKeys::new(&[]);
        assert_eq!(
            (all.len(), all.index(&c), all.name(0)),
            (1, 0, "all".into())
        );
        let full = ContextKeys::new(&ContextFeature::ALL);
        assert_eq!(full.len(), 144);
        assert_eq!(full.name(full.index(&c)), c.key());
        assert_eq!(
            ContextKeys::feature_of_value("weekend"),
            Some(ContextFeature::DayType)
        );
    }
}

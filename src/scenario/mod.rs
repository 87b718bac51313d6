//! Scenario files: RON in, a checked [`Scenario`] out.
//!
//! [`spec`] holds the raw serde shapes with their defaults; [`ScenarioSpec::validate`]
//! checks them once; a [`Scenario`] is what the rest of the crate runs.

mod error;
mod evaluation;
mod experiment;
mod genre_defaults;
pub mod limits;
mod load;
pub mod spec;
mod starter;
mod validate;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

pub use error::{Problem, ScenarioError};
pub use spec::ScenarioSpec;
pub use starter::STARTER_SCENARIO;

use crate::ids::GenreId;

/// A checked scenario: every value in range, every name resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    name: String,
    spec: ScenarioSpec,
    genre_ids: BTreeMap<String, GenreId>,
}

impl Scenario {
    fn from_checked(name: String, mut spec: ScenarioSpec) -> Self {
        spec.name = Some(name.clone());
        let genre_ids = spec
            .catalogue
            .genres
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let id = u16::try_from(i).expect("validation caps genres at 256");
                (g.name.clone(), GenreId(id))
            })
            .collect();
        Self {
            name,
            spec,
            genre_ids,
        }
    }

    /// The scenario's name (its report folder).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The resolved specification, defaults filled in.
    #[must_use]
    pub fn spec(&self) -> &ScenarioSpec {
        &self.spec
    }

    /// The id of a genre named in the scenario.
    ///
    /// # Panics
    ///
    /// If `name` is not a genre of the catalogue; validation guarantees that every
    /// genre the scenario itself names exists.
    #[must_use]
    pub fn genre_id(&self, name: &str) -> GenreId {
        *self
            .genre_ids
            .get(name)
            .expect("validation checked every genre reference")
    }

    /// A copy with another seed (the CLI's `--seed`).
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.spec.seed = seed;
        self
    }

    /// The resolved scenario as RON; running it reproduces the run.
    #[must_use]
    pub fn to_ron(&self) -> String {
        let config = ron::ser::PrettyConfig::new()
            .extensions(ron::extensions::Extensions::IMPLICIT_SOME)
            .struct_names(false);
        ron::ser::to_string_pretty(&self.spec, config).expect("a scenario always serialises")
    }
}

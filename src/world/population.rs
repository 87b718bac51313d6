//! Users: the public part (id, segment) and the hidden tastes.

use rand::RngExt;
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
use rand_distr::{Beta, Normal, StandardNormal};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::ids::UserId;
use crate::rng::{Purpose, SeedTree};
use crate::scenario::Scenario;
use crate::scenario::spec::{PopulationSpec, SegmentSpec};

/// A user's activity segment, as the plan names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Segment {
    /// Little history.
    ColdStart,
    /// Ordinary activity.
    Regular,
    /// Heavy use.
    Power,
}

impl Segment {
    /// All segments in report order.
    pub const ALL: [Segment; 3] = [Segment::ColdStart, Segment::Regular, Segment::Power];

    /// Snake-case name for reports.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Segment::ColdStart => "cold_start",
            Segment::Regular => "regular",
            Segment::Power => "power",
        }
    }
}

/// A user as production sees them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct User {
    /// Its id (index in the population).
    pub id: UserId,
    /// Activity segment.
    pub segment: Segment,
}

/// All users, indexed by [`UserId`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Population {
    /// The users; `users[i].id == UserId(i)`.
    pub users: Vec<User>,
}

impl Population {
    /// Number of users.
    #[must_use]
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// Whether there are no users (validation forbids it).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }
}

/// What only the simulator knows about a user.
#[derive(Clone, Debug, PartialEq)]
pub struct UserTaste {
    /// Hidden taste factors (same space as movie factors).
    pub factors: Vec<f64>,
    /// Affinity per genre.
    pub genre_affinity: Vec<f64>,
    /// Appetite for unknown movies, in [0, 1].
    pub novelty_appetite: f64,
    /// How strongly context shifts tastes, in [0, 1].
    pub context_sensitivity: f64,
    /// Mean visits per simulated day.
    pub visits_per_day: f64,
    /// Whether the user loves niche genres.
    pub niche_lover: bool,
}

/// The scenario settings of a segment.
#[must_use]
pub fn segment_spec(spec: &PopulationSpec, segment: Segment) -> &SegmentSpec {
    match segment {
        Segment::ColdStart => &spec.segments.cold_start,
        Segment::Regular => &spec.segments.regular,
        Segment::Power => &spec.segments.power,
    }
}

/// Generates the population and its hidden tastes.
///
/// # Determinism
///
/// User `i` draws only from stream `(Population, i)`; parallel, collected in id order.
pub(crate) fn generate(scenario: &Scenario, seeds: &SeedTree) -> (Population, Vec<UserTaste>) {
    let spec = scenario.spec();
    let pop = &spec.population;
    let segment_index =
        WeightedIndex::new(Segment::ALL.iter().map(|&s| segment_spec(pop, s).share))
            .expect("validation: segment shares are ≥ 0 and sum to 1");
    let appetite = Beta::new(pop.novelty_appetite.a, pop.novelty_appetite.b)
        .expect("validation: beta parameters > 0");
    let sensitivity = Beta::new(pop.context_sensitivity.a, pop.context_sensitivity.b)
        .expect("validation: beta parameters > 0");
    let affinity = Normal::new(0.0, pop.genre_affinity_sd).expect("validation: sd ≥ 0");
    let niche: Vec<bool> = spec
        .catalogue
        .genres
        .iter()
        .map(|g| spec.catalogue.niche_genres.contains(&g.name))
        .collect();
    let n_factors = spec.catalogue.n_factors;
    let drawn: Vec<(User, UserTaste)> = (0..pop.n_users)
        .into_par_iter()
        .map(|i| {
            let mut rng = seeds.stream(Purpose::Population, i as u64);
            let segment = Segment::ALL[segment_index.sample(&mut rng)];
            let factors = (0..n_factors).map(|_| rng.sample(StandardNormal)).collect();
            let niche_lover = rng.random_bool(pop.niche_lover_share);
            let genre_affinity = niche
                .iter()
                .map(|&is_niche| {
                    let base = affinity.sample(&mut rng);
                    if niche_lover && is_niche {
                        base + pop.niche_lover_boost
                    } else {
                        base
                    }
                })
                .collect();
            // Activity varies within a segment: a log-normal multiplier with median 1.
            let spread: f64 = rng.sample(StandardNormal);
            let taste = UserTaste {
                factors,
                genre_affinity,
                novelty_appetite: appetite.sample(&mut rng),
                context_sensitivity: sensitivity.sample(&mut rng),
                visits_per_day: segment_spec(pop, segment).visits_per_day * (0.3 * spread).exp(),
                niche_lover,
            };
            let id = UserId(u32::try_from(i).expect("validation caps n_users at u32"));
            (User { id, segment }, taste)
        })
        .collect();
    let (users, tastes) = drawn.into_iter().unzip();
    (Population { users }, tastes)
}

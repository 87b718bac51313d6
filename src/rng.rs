//! The only place a random generator is built.
//!
//! Every random draw in recolab comes from a [`ChaCha8Rng`] addressed by
//! `(scenario seed, purpose, replicate)` as its key and a *unit* (a user, a movie, an
//! arm…) as its ChaCha stream. Two consequences:
//!
//! - streams never depend on thread scheduling or iteration order, so results are the
//!   same with one thread or many;
//! - streams of the world and of user responses ignore which policy or sweep cell runs,
//!   so two policies face the same users and the same noise (common random numbers).
//!
//! # Determinism
//!
//! The key is 32 bytes expanded from the three inputs by SplitMix64 (Steele, Lea &
//! Flood 2014), a fixed, portable function; `tests/integration` pins first draws.

use rand::SeedableRng;
pub use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Why a stream exists. The discriminant is part of the key: never renumber a variant,
/// only append, or every result of every scenario changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Movie attributes; unit = movie.
    Catalogue = 1,
    /// Genre-level structure shared by all movies (people pools, keyword pools); unit 0.
    CatalogueShared = 2,
    /// User tastes and segment; unit = user.
    Population = 3,
    /// Pre-day-0 interaction history; unit = user.
    WarmUp = 4,
    /// Visit times and session continuation; unit = user.
    Arrivals = 5,
    /// Clicks, ratings and thumbs; unit = user.
    Responses = 6,
    /// Randomness of a policy (Thompson draws, epsilon coins); unit = variant index.
    Policy = 7,
    /// Randomness of an arm (random arm draws); unit = arm.
    Arm = 8,
    /// Splits and folds of offline evaluation; unit = user (whose interactions are
    /// shuffled into splits or folds).
    Evaluation = 9,
    /// Randomness of an arm during offline evaluation; unit = fold × 2^16 + arm.
    EvaluationArm = 10,
    /// The text and image content views of a movie; unit = movie.
    ContentViews = 11,
    /// The projections shared by all movies' content views; unit 0 (text), 1 (image).
    ContentViewsShared = 12,
    /// Training randomness of an arm (SGD order, initial factors); unit = arm index.
    ArmTraining = 13,
    /// Randomness of one arm for one request of the replay (random arm draws, graph
    /// walks); unit = user · 2^16 + arm, position = the user's request ordinal
    /// ([`SeedTree::request_stream`]).
    ArmRequest = 14,
    /// Fingerprint walks of the graph arm; unit = arm unit · 2^32 + movie, position =
    /// the build (fit 0, then one per update).
    GraphWalks = 15,
    /// Team-draft coins of an interleaving experiment; unit = user.
    Interleaving = 16,
    /// Assignment salts of the runs of `recolab aa` and `recolab power`; unit =
    /// experiment index, replicate = run.
    ExperimentSalt = 17,
    /// Start block of the randomised SVD that learns item vectors from the ratings
    /// (embeddings and serendipity arms with `view: learned`); unit = the arm's
    /// training unit.
    LearnedVectors = 18,
    /// Monte-Carlo posterior draws that estimate a logging policy's propensities
    /// (`report.propensities`); unit = policy slot. Apart from the policy's own stream,
    /// so logging propensities changes no choice.
    Propensity = 19,
    /// Monte-Carlo posterior draws of a target policy's action distribution in
    /// `recolab ope`; unit = target index.
    OffPolicyTarget = 20,
    /// Bootstrap resampling of users in `recolab ope`; unit = target index.
    OffPolicyBootstrap = 21,
    /// The held-out test set of a gated training run and its sample of users
    /// (`pipeline.gate`); unit = model version.
    PipelineSplit = 22,
    /// Randomness of an arm while a gated training run evaluates the candidate and
    /// the deployed version (the same draws for both); unit = arm · 2^32 + user.
    PipelineEvaluation = 23,
    /// The shuffle of a corrupted training batch (`pipeline.faults`, `CorruptBatch`);
    /// unit = model version of the faulted run.
    PipelineFault = 24,
    /// Which users a staged rollout moves to the new version (`pipeline.rollout`): one
    /// uniform draw per user, the same for every stage of one rollout; unit = model
    /// version · 2^32 + user.
    RolloutAssignment = 25,
    /// The fresh tastes users move towards at a taste shift (`pipeline.faults`,
    /// `TasteShift`); unit = fault index · 2^32 + user.
    TasteShift = 26,
    /// Hyper-parameter search of a gated training run (`pipeline.gate.search`): the
    /// validation set's sample of users (unit 0) and the random sample of each arm's
    /// grid (unit = version · 2^8 + arm).
    PipelineSearch = 30,
    /// Randomness of an arm while search candidates are scored on the validation set
    /// (the same draws for every candidate of an arm); unit = arm · 2^32 + user.
    PipelineValidation = 31,
}

/// SplitMix64's finaliser: a bijective, well-mixed `u64 -> u64`.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Builds the generator of one stream.
///
/// # Determinism
///
/// A pure function of its arguments; different `(seed, purpose, replicate)` give
/// unrelated keys, different `unit`s give independent ChaCha streams under one key.
#[must_use]
pub fn stream(seed: u64, purpose: Purpose, replicate: u64, unit: u64) -> ChaCha8Rng {
    let mut state = seed ^ (purpose as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
    state = splitmix64(&mut state) ^ replicate;
    let mut key = [0u8; 32];
    for chunk in key.chunks_exact_mut(8) {
        chunk.copy_from_slice(&splitmix64(&mut state).to_le_bytes());
    }
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(unit);
    rng
}

/// The seed tree of one run: a scenario seed and a replicate index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedTree {
    /// The scenario's seed.
    pub seed: u64,
    /// The replicate (0 for a plain run; sweeps use 0..n_seeds).
    pub replicate: u64,
}

impl SeedTree {
    /// A seed tree for replicate 0 of `seed`.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self { seed, replicate: 0 }
    }

    /// The stream of `purpose` for `unit`.
    #[must_use]
    pub fn stream(&self, purpose: Purpose, unit: u64) -> ChaCha8Rng {
        stream(self.seed, purpose, self.replicate, unit)
    }

    /// The stream of `purpose` for `unit`, started at the `ordinal`-th slice of 2^36
    /// words (2^38 bytes): one independent slice per request of a user, so a
    /// request's draws depend on which request it is, never on what was computed
    /// before it or on which thread computes it.
    #[must_use]
    pub fn request_stream(&self, purpose: Purpose, unit: u64, ordinal: u32) -> ChaCha8Rng {
        let mut rng = self.stream(purpose, unit);
        rng.set_word_pos(u128::from(ordinal) << 36);
        rng
    }
}

/// Where a stream stands: enough to rebuild it exactly (bandit-state persistence).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RngPosition {
    /// The 32-byte ChaCha key.
    pub key: [u8; 32],
    /// The ChaCha stream (the unit).
    pub stream: u64,
    /// Words consumed so far.
    pub word_pos: u128,
}

impl RngPosition {
    /// The position of `rng`.
    #[must_use]
    pub fn of(rng: &ChaCha8Rng) -> Self {
        Self {
            key: rng.get_seed(),
            stream: rng.get_stream(),
            word_pos: rng.get_word_pos(),
        }
    }

    /// A generator at this position: it continues exactly where the saved one stopped.
    #[must_use]
    pub fn restore(&self) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::from_seed(self.key);
        rng.set_stream(self.stream);
        rng.set_word_pos(self.word_pos);
        rng
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_differ_by_every_coordinate() {
        let base = stream(7, Purpose::Responses, 0, 3).next_u64();
        assert_ne!(base, stream(8, Purpose::Responses, 0, 3).next_u64());
        assert_ne!(base, stream(7, Purpose::Arrivals, 0, 3).next_u64());
        assert_ne!(base, stream(7, Purpose::Responses, 1, 3).next_u64());
        assert_ne!(base, stream(7, Purpose::Responses, 0, 4).next_u64());
        assert_eq!(base, stream(7, Purpose::Responses, 0, 3).next_u64());
    }

    #[test]
    fn restored_position_continues_the_stream() {
        let mut a = stream(7, Purpose::Policy, 2, 1);
        for _ in 0..13 {
            a.next_u32();
        }
        let mut b = RngPosition::of(&a).restore();
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }
}

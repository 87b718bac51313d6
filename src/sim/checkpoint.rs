//! The replay's state at a day boundary, for checkpoints (`crate::checkpoint`).
//!
//! A replay that is asked for boundaries ([`Boundaries`]) also cuts its windows at
//! every simulated midnight, so that at each one no list is being prepared ahead and
//! every request before it was served. There it hands its whole mutable state to the
//! caller ([`Boundary`]): users (histories, fatigue, sessions, streams, kept lists),
//! the policies' posteriors and streams, the pending requests, the interaction log
//! and model-update log, every report accumulator. What is not in it is rebuilt, not
//! stored: the world comes from the seed, and the arms' models from the warm-up fit
//! and the logged interactions, by taking in the same slices of the log at the same
//! updates ([`super::replay`]); both are deterministic, so the resumed run is the
//! uninterrupted one.
//!
//! Cutting windows at midnight does not change a report: within a window, lists are
//! prepared from the user's state when their request is queued, and a request queued
//! in one window and served in the next is prepared from the same state (nothing of
//! the user changes between their requests); the arms change only at model updates,
//! which stay where they were.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use serde::{Deserialize, Serialize};

use crate::bandit::PropensityLogger;
use crate::experiment::{ExperimentRecorder, Interleaver};
use crate::interaction::{Interaction, SimSecs};
use crate::pipeline::ModelUpdateLog;
use crate::pipeline::rollout::Rollout;
use crate::recommend::CoverageTracker;

use super::outcome::RunOutcome;
use super::slots::SlotPolicy;
use super::user_state::UserState;

/// Whether a replay goes on after a boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Serve the next day.
    Continue,
    /// Stop here: the replay returns without an outcome.
    Stop,
}

/// A day boundary of a replay: the state to save, should the caller want to.
pub struct Boundary<'a> {
    /// Simulated days completed.
    pub day: u32,
    /// Bytes the event sink holds, every event before the boundary flushed
    /// ([`super::EventSink::position`]).
    pub events_bytes: u64,
    /// The replay's state.
    pub state: ReplayStateRef<'a>,
}

/// Receives a replay's day boundaries.
pub trait Boundaries {
    /// Whether the replay cuts its windows at midnight and calls [`Boundaries::at`]
    /// (`false` keeps a replay exactly as it runs without checkpoints).
    fn wanted(&self) -> bool {
        true
    }

    /// Called at each simulated midnight that has requests after it.
    ///
    /// # Errors
    ///
    /// The caller's I/O error (writing a checkpoint); the replay stops and returns it.
    fn at(&mut self, boundary: &Boundary<'_>) -> std::io::Result<Flow>;
}

/// The replay's mutable state, borrowed for writing. Its fields, in order, are those
/// of [`ReplayState`] (the binary format has no field names: the two must agree, as
/// `sim::checkpoint::tests` checks).
#[derive(Serialize)]
pub struct ReplayStateRef<'a> {
    pub(super) users: &'a [UserState],
    pub(super) slots: Vec<SlotPolicy>,
    pub(super) experiment_recorder: Option<&'a ExperimentRecorder>,
    pub(super) interleaver: &'a Interleaver,
    pub(super) propensities: Option<&'a PropensityLogger>,
    pub(super) queue: &'a BinaryHeap<Reverse<(SimSecs, u32, u32)>>,
    pub(super) coverage: &'a CoverageTracker,
    pub(super) outcome: &'a RunOutcome,
    pub(super) log: &'a [Interaction],
    #[serde(serialize_with = "updates::save")]
    pub(super) model_updates: &'a [ModelUpdateLog],
    pub(super) last_update_secs: SimSecs,
    pub(super) new_since_update: usize,
    pub(super) request_id: u64,
    pub(super) day_reported: u32,
    pub(super) served_until: SimSecs,
    /// With `pipeline.gate`: the serving version and the length of the log it was
    /// trained on.
    pub(super) gate_serving: Option<(u32, usize)>,
    /// With `pipeline.rollout`: the rollout under way.
    pub(super) rollout: Option<&'a Rollout>,
    /// With `pipeline.rollout`: after a rollback, when the static policy hands back
    /// to the bandits.
    pub(super) fallback_until: Option<SimSecs>,
}

/// The replay's mutable state, read back from a checkpoint: hand it to
/// [`super::ReplayOptions::restore`].
#[derive(Deserialize)]
pub struct ReplayState {
    pub(super) users: Vec<UserState>,
    pub(super) slots: Vec<SlotPolicy>,
    pub(super) experiment_recorder: Option<ExperimentRecorder>,
    pub(super) interleaver: Interleaver,
    pub(super) propensities: Option<PropensityLogger>,
    pub(super) queue: BinaryHeap<Reverse<(SimSecs, u32, u32)>>,
    pub(super) coverage: CoverageTracker,
    pub(super) outcome: RunOutcome,
    pub(super) log: Vec<Interaction>,
    #[serde(deserialize_with = "updates::load")]
    pub(super) model_updates: Vec<ModelUpdateLog>,
    pub(super) last_update_secs: SimSecs,
    pub(super) new_since_update: usize,
    pub(super) request_id: u64,
    pub(super) day_reported: u32,
    pub(super) served_until: SimSecs,
    /// With `pipeline.gate`: the serving version and the length of the log it was
    /// trained on.
    pub(super) gate_serving: Option<(u32, usize)>,
    /// With `pipeline.rollout`: the rollout under way.
    pub(super) rollout: Option<Rollout>,
    /// With `pipeline.rollout`: after a rollback, when the static policy hands back
    /// to the bandits.
    pub(super) fallback_until: Option<SimSecs>,
}

impl std::fmt::Debug for ReplayState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplayState")
            .field("users", &self.users.len())
            .field("requests", &self.request_id)
            .field("served_until", &self.served_until)
            .finish_non_exhaustive()
    }
}

impl ReplayState {
    /// Requests served before the boundary.
    #[must_use]
    pub fn n_requests(&self) -> u64 {
        self.request_id
    }

    /// Users the state was saved for.
    #[must_use]
    pub fn n_users(&self) -> usize {
        self.users.len()
    }

    /// Policy slots the state was saved for.
    #[must_use]
    pub fn n_slots(&self) -> usize {
        self.slots.len()
    }
}

/// A replay that never stops and is never told of boundaries: it keeps its windows
/// at the model updates alone.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoBoundaries;

impl Boundaries for NoBoundaries {
    fn wanted(&self) -> bool {
        false
    }

    fn at(&mut self, _boundary: &Boundary<'_>) -> std::io::Result<Flow> {
        Ok(Flow::Continue)
    }
}

/// The model-update log in a checkpoint. `model_updates.json` leaves out an absent
/// search, gate evaluation, fault and rollout (`skip_serializing_if`), which a format
/// without field names cannot read back; here every field is written as an `Option`.
/// A search is written as its JSON: its configurations are arm specs, whose
/// default-valued fields are left out too (`ItemCf`'s `warm_start`).
mod updates {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::interaction::SimSecs;
    use crate::pipeline::rollout::RolloutLog;
    use crate::pipeline::search::SearchLog;
    use crate::pipeline::{ModelUpdateLog, UpdateDecision, VersionEvaluation};

    #[derive(Serialize)]
    struct Saved<'a> {
        version: u32,
        time_secs: SimSecs,
        window_start_secs: Option<SimSecs>,
        n_interactions: usize,
        warm_start: bool,
        decision: UpdateDecision,
        search: Option<String>,
        evaluation: &'a Option<VersionEvaluation>,
        fault: &'a Option<String>,
        rollout: &'a Option<RolloutLog>,
    }

    #[derive(Deserialize)]
    struct Loaded {
        version: u32,
        time_secs: SimSecs,
        window_start_secs: Option<SimSecs>,
        n_interactions: usize,
        warm_start: bool,
        decision: UpdateDecision,
        search: Option<String>,
        evaluation: Option<VersionEvaluation>,
        fault: Option<String>,
        rollout: Option<RolloutLog>,
    }

    pub(super) fn save<S: Serializer>(log: &&[ModelUpdateLog], s: S) -> Result<S::Ok, S::Error> {
        let searches = log
            .iter()
            .map(|u| u.search.as_ref().map(serde_json::to_string).transpose())
            .collect::<Result<Vec<_>, _>>()
            .map_err(serde::ser::Error::custom)?;
        s.collect_seq(log.iter().zip(searches).map(|(u, search)| Saved {
            version: u.version,
            time_secs: u.time_secs,
            window_start_secs: u.window_start_secs,
            n_interactions: u.n_interactions,
            warm_start: u.warm_start,
            decision: u.decision,
            search,
            evaluation: &u.evaluation,
            fault: &u.fault,
            rollout: &u.rollout,
        }))
    }

    pub(super) fn load<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ModelUpdateLog>, D::Error> {
        let loaded = Vec::<Loaded>::deserialize(d)?;
        loaded
            .into_iter()
            .map(|u| {
                let search = u
                    .search
                    .map(|json| serde_json::from_str::<SearchLog>(&json).map(Box::new))
                    .transpose()
                    .map_err(serde::de::Error::custom)?;
                Ok(ModelUpdateLog {
                    version: u.version,
                    time_secs: u.time_secs,
                    window_start_secs: u.window_start_secs,
                    n_interactions: u.n_interactions,
                    warm_start: u.warm_start,
                    decision: u.decision,
                    search,
                    evaluation: u.evaluation,
                    fault: u.fault,
                    rollout: u.rollout,
                })
            })
            .collect()
    }
}

impl ReplayState {
    /// The state borrowed as a checkpoint writes it.
    #[must_use]
    pub fn as_written(&self) -> ReplayStateRef<'_> {
        ReplayStateRef {
            users: &self.users,
            slots: self.slots.clone(),
            experiment_recorder: self.experiment_recorder.as_ref(),
            interleaver: &self.interleaver,
            propensities: self.propensities.as_ref(),
            queue: &self.queue,
            coverage: &self.coverage,
            outcome: &self.outcome,
            log: &self.log,
            model_updates: &self.model_updates,
            last_update_secs: self.last_update_secs,
            new_since_update: self.new_since_update,
            request_id: self.request_id,
            day_reported: self.day_reported,
            served_until: self.served_until,
            gate_serving: self.gate_serving,
            rollout: self.rollout.as_ref(),
            fallback_until: self.fallback_until,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::rng::SeedTree;
    use crate::scenario::{Scenario, ScenarioSpec};
    use crate::sim::{NoEvents, ReplayOptions, replay_until};
    use crate::world::World;

    /// Keeps the encoded state of the boundary after day `day`, and stops there.
    struct Keep {
        day: u32,
        bytes: Option<Vec<u8>>,
    }

    impl Boundaries for Keep {
        fn at(&mut self, boundary: &Boundary<'_>) -> std::io::Result<Flow> {
            if boundary.day < self.day {
                return Ok(Flow::Continue);
            }
            self.bytes = Some(postcard::to_stdvec(&boundary.state).unwrap());
            Ok(Flow::Stop)
        }
    }

    #[test]
    fn a_saved_state_reads_back_and_encodes_to_the_same_bytes() {
        let spec = ScenarioSpec::from_ron_str(
            "(catalogue: (n_movies: 80, n_people: 30, n_keywords: 10),
              population: (n_users: 60), horizon: (days: 3, warm_up_days: 3),
              stack: (arms: [Popularity, ItemCf()], policy: Thompson()),
              experiments: [(id: \"e\", traffic: 0.5, variants: [(name: \"a\"), (name: \"b\")])],
              pipeline: (retrain_every_hours: 12.0),
              report: (regret: true, event_log: true, propensities: true, offline_users: 0))",
            Path::new("t.ron"),
        )
        .unwrap();
        let scenario: Scenario = spec.validate(Path::new("t.ron"), "t").unwrap();
        let seeds = SeedTree::new(scenario.spec().seed);
        let world = World::generate(&scenario, &seeds);
        let mut keep = Keep {
            day: 2,
            bytes: None,
        };
        let outcome = replay_until(
            &scenario,
            &seeds,
            &world,
            &mut NoEvents,
            &mut |_| {},
            ReplayOptions::default(),
            &mut keep,
        )
        .unwrap();
        assert!(outcome.is_none(), "the replay stops at the boundary");
        let bytes = keep.bytes.expect("a boundary after day 2");
        let state: ReplayState = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(state.served_until, 2 * crate::interaction::SECS_PER_DAY);
        assert_eq!(state.n_users(), 60);
        assert_eq!(state.n_slots(), 3);
        assert!(state.n_requests() > 0);
        // Two retrainings a day: versions 1 (day 0) to 4 (day 1.5); the one at day 2
        // is taken in after the boundary.
        assert_eq!(state.model_updates.len(), 4);
        assert_eq!(postcard::to_stdvec(&state.as_written()).unwrap(), bytes);
    }
}

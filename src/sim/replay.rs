//! The replay loop: requests in simulated-time order against the whole stack.
//!
//! Simulated time is cut into windows at the model updates. Within a window the
//! models are fixed, so with exact regret every request's lists are prepared ahead
//! on worker threads ([`super::ahead`]) while this loop serves requests one by one,
//! in (time, user) order: the policy picks arms, the lists are blended and
//! post-processed into a slate, the truth responds, and everything is recorded. At a
//! window's end the arms take in the new interactions (model version + 1).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rand::RngExt;

use crate::bandit::{Feedback, Policy, PropensityLogger, RewardRule, StaticWeights};
use crate::experiment::{
    Assigner, CONTROL_TEAM, ExperimentRecorder, Interleaver, RequestRecord, TREATMENT_TEAM,
    team_feedback, with_partner,
};
use crate::ids::{ArmId, MovieId, UserId};
use crate::interaction::{Interaction, InteractionKind, SECS_PER_DAY, SimSecs};
use crate::pipeline::faults::{
    FaultQueue, RunFaults, RunPlan, RunStart, corrupt_batch, diverged_arms,
};
use crate::pipeline::rollout::{OnlineStats, Rollout, Step, fallback_weights};
use crate::pipeline::{
    GateData, InitialVersion, ModelUpdateLog, RetrainSchedule, SnapshotKind, SnapshotSchedule,
    UpdateDecision, fit_candidate, fit_initial_version, gated_run,
};
use crate::recommend::{
    Arms, BlendedItem, CoverageTracker, PostProcess, Request, Scored, SlateBuilder, TrainingData,
};
use crate::rng::{Purpose, RngPosition, SeedTree};
use crate::scenario::Scenario;
use crate::scenario::spec::{ArmSpec, FaultKind, GateSpec, RolloutSpec};
use crate::world::context::Calendar;
use crate::world::taste_shift::shift_tastes;
use crate::world::{Situation, UserTaste, World};

use super::ahead::{Ahead, Done, Job, PreviousServing, Shared};
use super::arrivals::ArrivalProfile;
use super::candidates::{Candidates, ListKeys, Scratch, fill_utilities};
use super::checkpoint::{Boundaries, Boundary, Flow, NoBoundaries, ReplayState, ReplayStateRef};
use super::event::{EventSink, RecommendationEvent};
use super::outcome::RunOutcome;
use super::regret::RequestRegret;
use super::signals::Observation;
use super::slots::{Slot, SlotPolicy, build_slots};
use super::snapshots::{BanditSnapshot, MetricSnapshot};
use super::tally::Tally;
use super::user_state::UserState;

mod rollout;
mod training;
mod version_twin;

/// Each arm proposes this many candidates per slate position before blending.
pub const POOL_FACTOR: usize = 5;

/// Progress of a replay, reported once per simulated day.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    /// Simulated days completed.
    pub day: u32,
    /// Days in the horizon.
    pub days: u32,
    /// Requests served so far.
    pub requests: u64,
}

/// Options of [`replay_with`].
#[derive(Default)]
pub struct ReplayOptions<'a> {
    /// Start every slot's policy from these states (same slots, arms and context keys,
    /// as [`crate::bandit::state`] checks) instead of from its prior.
    pub resume: Option<&'a [SlotPolicy]>,
    /// Model version 1 already fitted on the warm-up log by [`fit_arms`] (so a caller
    /// can fit it while it does other work); `None` fits it first.
    pub fitted: Option<InitialVersion>,
    /// Continue from this state, saved at a day boundary of the same scenario
    /// ([`crate::checkpoint`] checks that it is), instead of from day 0. The arms are
    /// brought to the saved model version by taking in the logged interactions at
    /// the logged updates. Overrides `resume`.
    pub restore: Option<ReplayState>,
}

/// Pipeline steps 1–4 at day 0: every arm of the stack built and fitted on the
/// warm-up log (model version 1, [`fit_initial_version`]); with `pipeline.gate`, on the
/// warm-up log less the gate's test set, and with its `search`, searched first.
///
/// # Errors
///
/// An embeddings arm's unreadable vector file, as `InvalidData`.
pub fn fit_arms(
    scenario: &Scenario,
    seeds: &SeedTree,
    world: &World,
) -> std::io::Result<InitialVersion> {
    fit_initial_version(scenario, seeds, world)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// Runs the replay of `scenario` on `world`, sending every event to `sink`.
///
/// # Errors
///
/// The sink's I/O errors, and an embeddings arm's unreadable vector file (as
/// `InvalidData`; [`crate::run::run`] checks vector files first and reports them
/// properly). The simulation itself cannot fail on a validated scenario.
pub fn replay(
    scenario: &Scenario,
    seeds: &SeedTree,
    world: &World,
    sink: &mut dyn EventSink,
    progress: &mut dyn FnMut(Progress),
) -> std::io::Result<RunOutcome> {
    replay_with(
        scenario,
        seeds,
        world,
        sink,
        progress,
        ReplayOptions::default(),
    )
}

/// [`replay`] with options.
///
/// # Errors
///
/// As [`replay`], and `InvalidData` when `options.restore` holds a state of another
/// population or stack.
///
/// # Determinism
///
/// Requests are served in (time, user) order from a priority queue; every draw comes
/// from the stream of its user, arm or policy slot. Serving is sequential (the
/// policies learn online); only the preparation of lists runs on other threads, and
/// its results do not depend on them (see `sim/ahead.rs`).
pub fn replay_with(
    scenario: &Scenario,
    seeds: &SeedTree,
    world: &World,
    sink: &mut dyn EventSink,
    progress: &mut dyn FnMut(Progress),
    options: ReplayOptions<'_>,
) -> std::io::Result<RunOutcome> {
    let outcome = replay_until(
        scenario,
        seeds,
        world,
        sink,
        progress,
        options,
        &mut NoBoundaries,
    )?;
    Ok(outcome.expect("a replay without boundaries runs to the horizon"))
}

/// [`replay_with`], telling `boundaries` of every simulated midnight (see
/// [`Boundaries`]); `None` when it said [`Flow::Stop`] at one.
///
/// # Errors
///
/// As [`replay_with`], and the errors `boundaries` returns.
///
/// # Determinism
///
/// As [`replay_with`]: a replay cut at midnight, stopped at one and continued from
/// its saved state gives the same outcome and events as one run straight through.
pub fn replay_until(
    scenario: &Scenario,
    seeds: &SeedTree,
    world: &World,
    sink: &mut dyn EventSink,
    progress: &mut dyn FnMut(Progress),
    options: ReplayOptions<'_>,
    boundaries: &mut dyn Boundaries,
) -> std::io::Result<Option<RunOutcome>> {
    let spec = scenario.spec();
    let horizon_secs = i64::from(spec.horizon.days) * SECS_PER_DAY;
    let initial = match options.fitted {
        Some(initial) => initial,
        None => fit_arms(scenario, seeds, world)?,
    };
    let mut arms = initial.arms;
    let mut replay = Replay::new(scenario, seeds, world, &arms, initial.log, options.resume);
    let mut schedule = RetrainSchedule::every_hours(spec.pipeline.retrain_every_hours);
    let mut version: u32 = 1;
    let mut faults = FaultQueue::new(&spec.pipeline.faults);
    // During a staged rollout: the previous version's arms.
    let mut previous_arms: Option<Arms> = None;
    if let Some(state) = options.restore {
        replay.restore(state, seeds)?;
        version = replay.catch_up(
            seeds,
            &mut arms,
            &mut previous_arms,
            &mut schedule,
            &mut faults,
        )?;
    }
    let mut snapshots = SnapshotSchedule::new(
        &spec.pipeline,
        replay.outcome.bandit_snapshots.len(),
        replay.outcome.metric_snapshots.len(),
    );
    let taste_shifts = taste_shift_times(spec);
    // Shifted tastes, and how many shifts they took in (a restored run shifts them
    // again at its first window: shifts are deterministic).
    let mut tastes: Option<Vec<UserTaste>> = None;
    let mut n_shifted = 0;
    let midnights = boundaries.wanted();
    let candidates = Candidates::new(
        &arms,
        *seeds,
        spec.stack.slate_size * POOL_FACTOR,
        world.population.len(),
    );
    let n_workers = rayon::current_num_threads().saturating_sub(1);

    while let Some(first) = replay.next_time() {
        let at = replay.served_until;
        if midnights && at > 0 && at % SECS_PER_DAY == 0 && !replay.told_boundary {
            replay.told_boundary = true;
            let boundary = Boundary {
                day: u32::try_from(at / SECS_PER_DAY).expect("horizon fits u32 days"),
                events_bytes: sink.position()?,
                state: replay.state(),
            };
            if boundaries.at(&boundary)? == Flow::Stop {
                return Ok(None);
            }
        }
        // The world of this window: taste shifts due (docs/TRAINING_PIPELINE.md).
        let shifts_due = taste_shifts.iter().filter(|s| s.0 <= first).count();
        if shifts_due > n_shifted {
            tastes = Some(shifted_tastes(world, seeds, &taste_shifts[..shifts_due]));
            n_shifted = shifts_due;
        }
        // The rollout's checks that fell due (on the requests before them).
        while let Some(at) = replay.rollout.as_ref().map(Rollout::next_check)
            && at <= first
        {
            replay.check_rollout(&mut arms, &mut previous_arms, at);
        }
        // The models serving this window: updates that fell due are taken in first,
        // each after the snapshots due at or before its time.
        loop {
            if snapshots.next_at() <= schedule.next_at().min(first) {
                let (kind, at) = snapshots.due(first).expect("a snapshot is due");
                replay.snapshot(kind, at, version);
            } else if let Some(at) = schedule.due(first) {
                version += 1;
                if let Some(old) =
                    replay.training_run(seeds, &mut arms, &mut faults, at, version)?
                {
                    previous_arms = Some(old);
                }
            } else {
                break;
            }
        }
        let mut window_end = schedule
            .next_at()
            .min(snapshots.next_at())
            .min(horizon_secs);
        if let Some(r) = &replay.rollout {
            window_end = window_end.min(r.next_check());
        }
        if let Some(&(t, _)) = taste_shifts.get(n_shifted) {
            window_end = window_end.min(t);
        }
        if midnights {
            window_end = window_end.min((first / SECS_PER_DAY + 1) * SECS_PER_DAY);
        }
        let calendar = replay.calendar;
        let on_previous = replay.on_previous();
        let shared = Shared {
            world,
            arms: &arms,
            candidates: &candidates,
            calendar: &calendar,
            version: replay.serving(version),
            previous: match (&previous_arms, &replay.rollout, &on_previous) {
                (Some(arms), Some(r), Some(users)) => Some(PreviousServing {
                    arms,
                    version: r.previous,
                    users,
                }),
                _ => None,
            },
            tastes: tastes.as_deref().unwrap_or(&world.tastes),
            window: spec.context.fatigue.window,
            reward: &spec.stack.reward,
            slate_size: spec.stack.slate_size,
        };
        if replay.regret_on {
            Ahead::run(&shared, world.population.len(), n_workers, |ahead| {
                replay.serve_window(&shared, Some(ahead), window_end, sink, progress)
            })?;
        } else {
            replay.serve_window(&shared, None, window_end, sink, progress)?;
        }
        replay.served_until = window_end;
        replay.told_boundary = false;
    }
    while let Some((kind, at)) = snapshots.due(horizon_secs) {
        replay.snapshot(kind, at, version);
    }
    Ok(Some(replay.finish(progress)))
}

/// The mutable state of one replay.
struct Replay<'w> {
    scenario: &'w Scenario,
    world: &'w World,
    calendar: Calendar,
    profile: ArrivalProfile,
    horizon_secs: SimSecs,
    regret_on: bool,
    rule: RewardRule,
    arm_names: Vec<&'static str>,
    users: Vec<UserState>,
    /// The policy slot of each user.
    user_slot: Vec<usize>,
    slots: Vec<Slot>,
    /// Per-user aggregates of the experiments (src/experiment).
    experiment_recorder: Option<ExperimentRecorder>,
    /// Team-draft interleaving pairs of slots.
    interleaver: Interleaver,
    /// With `report.propensities`: each choice's propensities, for the event log.
    propensities: Option<PropensityLogger>,
    /// (time, user, session position) of every pending request; a user has at most
    /// one.
    queue: BinaryHeap<Reverse<(SimSecs, u32, u32)>>,
    coverage: CoverageTracker,
    slate_builder: SlateBuilder,
    outcome: RunOutcome,
    /// The warm-up log and every interaction since.
    log: Vec<Interaction>,
    model_updates: Vec<ModelUpdateLog>,
    /// With `pipeline.gate`: its test set and the deployed version.
    gate: Option<GateState>,
    /// With `pipeline.rollout`: the rollout under way.
    rollout: Option<Rollout>,
    /// With `pipeline.evaluate_versions`: the deployed arms' evaluation twin, built
    /// at the first training run (or on resume).
    twin: Option<version_twin::VersionTwin>,
    /// After a rollback: every bandit is replaced by this static policy until the
    /// time beside it (`pipeline.rollout.static_weights`, `static_hours`).
    fallback: Option<(StaticWeights, SimSecs)>,

    last_update_secs: SimSecs,
    new_since_update: usize,
    request_id: u64,
    day_reported: u32,
    /// Every request before this time was served (the end of the last window).
    served_until: SimSecs,
    /// Whether the boundary at `served_until` was already handed out (a restored
    /// replay starts at the boundary it was saved at).
    told_boundary: bool,
    // Buffers reused across requests.
    slate: Vec<BlendedItem>,
    partner_slate: Vec<BlendedItem>,
    scratch: Scratch,
    lists: Vec<Vec<Scored>>,
    arm_rewards: Vec<f64>,
}

/// The gate's part of a replay (`pipeline.gate`).
struct GateState {
    /// Its test set and evaluation users, drawn at day 0.
    data: GateData,
    /// The version serving.
    serving: u32,
    /// Length of the interaction log the serving version was trained on (less the
    /// test set).
    serving_log_len: usize,
}

impl<'w> Replay<'w> {
    fn new(
        scenario: &'w Scenario,
        seeds: &SeedTree,
        world: &'w World,
        arms: &Arms,
        initial: ModelUpdateLog,
        resume: Option<&[SlotPolicy]>,
    ) -> Self {
        let spec = scenario.spec();
        let catalogue = &world.catalogue;
        let window = spec.context.fatigue.window;
        let profile = ArrivalProfile::new(&spec.horizon.arrival_profile);
        let horizon_secs = i64::from(spec.horizon.days) * SECS_PER_DAY;

        let assigner = Assigner::new(&spec.experiments);
        let mut slots = build_slots(scenario, seeds, catalogue);
        if let Some(saved) = resume {
            for (slot, saved) in slots.iter_mut().zip(saved) {
                if let (Some(table), Some(saved_table)) = (slot.policy.table_mut(), &saved.table) {
                    *table = saved_table.clone();
                }
                slot.rng = saved.rng.restore();
            }
        }
        let slot_of = |user: UserId| -> usize {
            let a = assigner.assign(user);
            match a.experiment {
                None => 0,
                Some(e) => {
                    1 + spec.experiments[..e]
                        .iter()
                        .map(|x| x.variants.len())
                        .sum::<usize>()
                        + a.variant
                }
            }
        };
        let user_slot: Vec<usize> = world
            .population
            .users
            .iter()
            .map(|u| slot_of(u.id))
            .collect();
        let experiment_recorder = ExperimentRecorder::new(scenario, world, &user_slot);
        let interleaver = Interleaver::new(scenario, seeds, user_slot.len());
        let propensities = spec
            .report
            .propensities
            .then(|| PropensityLogger::new(seeds, slots.len(), spec.report.propensity_draws));

        let n_genres = catalogue.genre_names.len();
        let mut users: Vec<UserState> = world
            .population
            .users
            .iter()
            .map(|u| {
                UserState::new(
                    n_genres,
                    window,
                    seeds.stream(Purpose::Arrivals, u64::from(u.id.0)),
                    seeds.stream(Purpose::Responses, u64::from(u.id.0)),
                )
            })
            .collect();
        for i in &world.warm_up {
            let state = &mut users[i.user.index()];
            state.seen.push(i.movie);
            state.watch(i.movie, catalogue, window);
        }
        for state in &mut users {
            state.seen.sort_unstable();
            state.seen.dedup();
        }
        let mut queue = BinaryHeap::new();
        for (i, u) in world.population.users.iter().enumerate() {
            let rate = world.tastes[i].visits_per_day;
            let t = profile.next_visit(&mut users[i].arrivals, 0, -1, rate);
            if t < horizon_secs {
                queue.push(Reverse((t, u.id.0, 1)));
            }
        }

        let arm_names = arms.names();
        let outcome = RunOutcome::new(
            world,
            &arm_names,
            spec,
            &slots.iter().map(|s| s.key.clone()).collect::<Vec<_>>(),
        );
        let log = world.warm_up.clone();
        let gate = spec.pipeline.gate.as_ref().map(|g| GateState {
            data: GateData::draw(g, &log, seeds),
            serving: 1,
            serving_log_len: log.len(),
        });
        let model_updates = vec![initial];
        let list_len = spec.stack.slate_size * POOL_FACTOR;
        Self {
            scenario,
            world,
            calendar: Calendar {
                start_weekday: spec.horizon.start_weekday,
            },
            profile,
            horizon_secs,
            regret_on: spec.report.regret,
            rule: RewardRule::new(&spec.stack.reward),
            users,
            user_slot,
            slots,
            experiment_recorder,
            interleaver,
            propensities,
            queue,
            coverage: CoverageTracker::new(catalogue.len()),
            slate_builder: SlateBuilder::new(spec.stack.blend, list_len, Vec::new()),
            outcome,
            log,
            model_updates,
            gate,
            rollout: None,
            twin: None,
            fallback: None,
            last_update_secs: 0,
            new_since_update: 0,
            request_id: 0,
            day_reported: 0,
            served_until: 0,
            told_boundary: false,
            slate: Vec::with_capacity(spec.stack.slate_size),
            partner_slate: Vec::with_capacity(spec.stack.slate_size),
            scratch: Scratch::default(),
            lists: vec![Vec::new(); arm_names.len()],
            arm_rewards: vec![0.0; arm_names.len()],
            arm_names,
        }
    }

    /// The state a checkpoint saves, at a boundary (no list prepared ahead).
    fn state(&self) -> ReplayStateRef<'_> {
        ReplayStateRef {
            users: &self.users,
            slots: self.slot_policies(),
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
            gate_serving: self.gate.as_ref().map(|g| (g.serving, g.serving_log_len)),
            rollout: self.rollout.as_ref(),
            fallback_until: self.fallback.as_ref().map(|f| f.1),
        }
    }

    /// Continues from a saved `state` instead of day 0.
    fn restore(&mut self, state: ReplayState, seeds: &SeedTree) -> std::io::Result<()> {
        let fits = state.users.len() == self.users.len()
            && state.slots.len() == self.slots.len()
            && state
                .slots
                .iter()
                .zip(&self.slots)
                .all(|(saved, slot)| saved.key == slot.key)
            && state.log.len() >= self.world.warm_up.len()
            && state.model_updates.first().map(|u| u.version) == Some(1)
            && self.gate.is_some() == state.gate_serving.is_some()
            && state
                .gate_serving
                .is_none_or(|(_, len)| len <= state.log.len())
            && (state.rollout.is_none() || self.scenario.spec().pipeline.rollout.is_some())
            && (state.fallback_until.is_none() || self.scenario.spec().pipeline.rollout.is_some());
        if !fits {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the saved replay state is of another population or stack",
            ));
        }
        for (slot, saved) in self.slots.iter_mut().zip(&state.slots) {
            if let (Some(table), Some(saved_table)) = (slot.policy.table_mut(), &saved.table) {
                *table = saved_table.clone();
            }
            slot.rng = saved.rng.restore();
        }
        self.users = state.users;
        self.experiment_recorder = state.experiment_recorder;
        self.interleaver = state.interleaver;
        self.propensities = state.propensities;
        self.queue = state.queue;
        self.coverage = state.coverage;
        self.outcome = state.outcome;
        self.log = state.log;
        self.model_updates = state.model_updates;
        self.last_update_secs = state.last_update_secs;
        self.new_since_update = state.new_since_update;
        self.request_id = state.request_id;
        self.day_reported = state.day_reported;
        self.served_until = state.served_until;
        if let (Some(gate), Some((serving, len))) = (&mut self.gate, state.gate_serving) {
            gate.serving = serving;
            gate.serving_log_len = len;
        }
        self.rollout = state.rollout;
        if let Some(r) = &mut self.rollout {
            r.redraw(seeds, self.users.len());
        }
        self.fallback = state
            .fallback_until
            .map(|until| (self.fallback_policy(), until));
        self.told_boundary = true;
        Ok(())
    }

    /// The model version serving requests when `latest` is the latest trained: behind
    /// it when the gate rejected the latest.
    fn serving(&self, latest: u32) -> u32 {
        self.gate.as_ref().map_or(latest, |g| g.serving)
    }

    /// Every slot's learned state.
    fn slot_policies(&self) -> Vec<SlotPolicy> {
        self.slots
            .iter()
            .map(|slot| SlotPolicy {
                key: slot.key.clone(),
                table: slot.policy.table().cloned(),
                rng: RngPosition::of(&slot.rng),
            })
            .collect()
    }

    /// Takes the snapshot of `kind` due at `at` (every request before it served),
    /// `latest` the latest model version trained.
    fn snapshot(&mut self, kind: SnapshotKind, at: SimSecs, latest: u32) {
        match kind {
            SnapshotKind::Bandit => {
                let slots = self.slot_policies();
                self.outcome.bandit_snapshots.push(BanditSnapshot {
                    time_secs: at,
                    slots,
                });
            }
            SnapshotKind::Metrics => {
                let o = &self.outcome;
                let snapshot = MetricSnapshot::take(
                    at,
                    self.serving(latest),
                    &o.overall,
                    &o.by_variant,
                    &o.exposure,
                );
                self.outcome.metric_snapshots.push(snapshot);
            }
        }
    }

    /// When the next request is due, if any.
    fn next_time(&self) -> Option<SimSecs> {
        self.queue.peek().map(|r| r.0.0)
    }

    /// The job preparing the pending request of `user` at `time`.
    fn job(&mut self, time: SimSecs, user: u32, position: u32) -> Job {
        let state = &mut self.users[user as usize];
        Job {
            time,
            user: UserId(user),
            position,
            ordinal: state.requests,
            revision: state.revision,
            seen: state.seen.clone(),
            watched: state.watched.clone(),
            recent_genre_counts: state.recent_genre_counts.clone(),
            n_recent: state.recent.len(),
            kept: std::mem::take(&mut state.kept),
        }
    }

    /// Serves every request before `window_end`; with `ahead`, their lists are
    /// prepared by its workers as soon as each is scheduled.
    fn serve_window(
        &mut self,
        shared: &Shared<'_>,
        ahead: Option<&Ahead<'_>>,
        window_end: SimSecs,
        sink: &mut dyn EventSink,
        progress: &mut dyn FnMut(Progress),
    ) -> std::io::Result<()> {
        if let Some(ahead) = ahead {
            let due: Vec<(SimSecs, u32, u32)> = self
                .queue
                .iter()
                .map(|r| r.0)
                .filter(|r| r.0 < window_end)
                .collect();
            for (time, user, position) in due {
                ahead.submit(self.job(time, user, position));
            }
        }
        while let Some(&Reverse((now, user, position))) = self.queue.peek() {
            if now >= window_end {
                break;
            }
            self.queue.pop();
            self.report_days(now, progress);
            let prepared = ahead.map(|a| a.take(UserId(user)));
            if let Some((t, position)) =
                self.serve(shared, ahead, now, UserId(user), position, prepared, sink)?
                && t < window_end
                && let Some(ahead) = ahead
            {
                ahead.submit(self.job(t, user, position));
            }
        }
        Ok(())
    }

    /// Reports the simulated days completed before `now`.
    fn report_days(&mut self, now: SimSecs, progress: &mut dyn FnMut(Progress)) {
        let day = u32::try_from(now / SECS_PER_DAY).expect("horizon fits u32 days");
        while self.day_reported < day {
            self.day_reported += 1;
            progress(Progress {
                day: self.day_reported,
                days: self.scenario.spec().horizon.days,
                requests: self.request_id,
            });
        }
    }

    /// Serves one request of `user` at `now`; returns the user's next request
    /// (time, session position) if it falls in the horizon.
    #[allow(clippy::too_many_arguments)]
    fn serve(
        &mut self,
        shared: &Shared<'_>,
        ahead: Option<&Ahead<'_>>,
        now: SimSecs,
        user: UserId,
        position: u32,
        prepared: Option<Done>,
        sink: &mut dyn EventSink,
    ) -> std::io::Result<Option<(SimSecs, u32)>> {
        let spec = self.scenario.spec();
        let world = self.world;
        let catalogue = &world.catalogue;
        let window = spec.context.fatigue.window;
        let slate_size = spec.stack.slate_size;
        let u = user.index();
        let segment = world.population.users[u].segment;
        let state = &mut self.users[u];
        if position == 1 {
            state.session_requests = 0;
            state.session_clicks = 0;
        }
        let context = state.context(&self.calendar, now, position, segment);
        let slot_index = self.user_slot[u];
        let (slot, mut partner) = with_partner(
            &mut self.slots,
            slot_index,
            self.interleaver.partner(slot_index),
        );
        let taste = &shared.tastes[u];
        // After a rollback the bandits are off: a static policy chooses for every
        // slot (and interleaving partner), and nothing learns.
        let mut fallback = self
            .fallback
            .as_ref()
            .filter(|f| now < f.1)
            .map(|f| f.0.clone());
        let mut partner_fallback = fallback.clone();

        let prepared = prepared.map(|done| {
            state.kept = done.kept;
            done.prepared
        });
        if let Some(prepared) = &prepared {
            // Every arm listed before the policy chooses, so the oracle and the
            // regret see exactly the slates that could be shown.
            self.arm_rewards.copy_from_slice(&prepared.rewards);
        }
        let policy: &mut dyn Policy = match &mut fallback {
            Some(f) => f,
            None => slot.policy.as_mut(),
        };
        if prepared.is_some() && policy.reads_truth() {
            policy.observe_truth(&self.arm_rewards);
        }
        let choices = policy.select_arms(&context, spec.stack.arms_per_request, &mut slot.rng);
        // Before the policy learns from this request.
        let propensity = self.propensities.as_mut().map(|p| {
            let n = spec.stack.arms_per_request;
            p.log(slot_index, &*policy, &context, n, &choices)
        });
        let greedy = policy.greedy_arm(&context);
        let weights: Vec<(ArmId, f64)> = choices.iter().map(|c| (c.arm, c.confidence)).collect();
        // Team-draft interleaving (src/experiment/interleave.rs): the partner stack
        // chooses its own arms and builds its own slate, merged with this one.
        let partner_choices = partner.as_mut().map(|p| {
            let partner_policy: &mut dyn Policy = match &mut partner_fallback {
                Some(f) => f,
                None => p.policy.as_mut(),
            };
            partner_policy.select_arms(&context, spec.stack.arms_per_request, &mut p.rng)
        });
        let partner_weights: Vec<(ArmId, f64)> = partner_choices
            .iter()
            .flatten()
            .map(|c| (c.arm, c.confidence))
            .collect();
        let post = PostProcess {
            diversity: &slot.diversity,
            coverage: &self.coverage,
        };
        let lists = if let Some(prepared) = &prepared {
            &prepared.lists
        } else {
            let request = Request {
                user,
                context: &context,
                seen: &state.seen,
                time_secs: now,
                session_position: position,
                recent_genre_counts: &state.recent_genre_counts,
            };
            let (arms, version, user_revision) = shared.serving(u, state.revision);
            let mut listed: Vec<ArmId> = weights
                .iter()
                .chain(&partner_weights)
                .map(|&(arm, _)| arm)
                .collect();
            listed.sort_unstable();
            listed.dedup();
            for arm in listed {
                shared.candidates.list(
                    arms,
                    arm,
                    &request,
                    state.requests,
                    &mut state.kept,
                    ListKeys {
                        version,
                        user_revision,
                        watched: &state.watched,
                    },
                    &mut self.lists[arm.index()],
                );
            }
            &self.lists
        };
        self.slate_builder
            .blend_from(lists, &weights, post, slate_size, &mut self.slate);
        if let Some(p) = &partner {
            let post = PostProcess {
                diversity: &p.diversity,
                coverage: &self.coverage,
            };
            self.slate_builder.blend_from(
                lists,
                &partner_weights,
                post,
                slate_size,
                &mut self.partner_slate,
            );
            self.interleaver
                .merge(u, &mut self.slate, &self.partner_slate);
        }
        if let (Some(prepared), Some(ahead)) = (prepared, ahead) {
            ahead.recycle(prepared);
        }
        let slate = &self.slate;
        self.coverage.record(slate);

        let situation = Situation {
            daypart: context.daypart,
            day_type: context.day_type,
            session_position: position,
            recent_genre_counts: &state.recent_genre_counts,
            fatigue_window: window,
        };
        let scratch = &mut self.scratch;
        fill_utilities(
            world,
            taste,
            &situation,
            slate.iter().map(|i| i.movie),
            scratch,
        );
        let movies: Vec<MovieId> = slate.iter().map(|i| i.movie).collect();
        let expected_click = world
            .response
            .expected_click(&scratch.utilities, &mut scratch.work);
        let shown_reward = if self.regret_on {
            world.response.expected_reward(
                &scratch.utilities,
                &scratch.experienced,
                taste.rater(),
                &spec.stack.reward,
                &mut scratch.work,
            )
        } else {
            0.0
        };
        let response = world.response.respond(
            &mut state.responses,
            &movies,
            &scratch.utilities,
            &scratch.experienced,
            taste.rater(),
            &mut scratch.work,
        );

        let credited_arm: Option<ArmId> = response.click.map(|(k, _)| slate[k].arm);
        let feedback = Feedback {
            clicked: response.click.is_some(),
            credited_arm,
            rating: response.rating,
            thumbs: response.thumbs,
        };
        // Interleaving: each team's policy learns from the clicks credited to it.
        let credit = partner_choices
            .as_ref()
            .and_then(|_| self.interleaver.credit(response.click.map(|(k, _)| k)));
        if fallback.is_some() {
            // The bandits are off: nothing learns.
        } else if let (Some(p), Some(theirs)) = (partner.as_mut(), &partner_choices) {
            let mine = team_feedback(&feedback, credit, CONTROL_TEAM);
            slot.policy.update(&context, &choices, &mine);
            let theirs_feedback = team_feedback(&feedback, credit, TREATMENT_TEAM);
            p.policy.update(&context, theirs, &theirs_feedback);
        } else {
            slot.policy.update(&context, &choices, &feedback);
        }
        let bucket_secs = i64::from(spec.report.timeseries_bucket_hours) * 3_600;
        let bucket = usize::try_from(now / bucket_secs).expect("non-negative time");
        if let (Some(ledger), Some(lead)) = (&mut self.outcome.regret, choices.first()) {
            ledger.record(
                slot_index,
                context,
                bucket,
                &RequestRegret {
                    arm_rewards: &self.arm_rewards,
                    lead: lead.arm.index(),
                    shown_reward,
                    explored: greedy != Some(lead.arm),
                    success: self.rule.reward(&feedback) == Some(true),
                },
            );
        }

        state.session_requests += 1;
        state.requests += 1;
        if let Some((_, movie)) = response.click {
            state.session_clicks += 1;
            let mut record = |kind, value| {
                self.log.push(Interaction {
                    user,
                    movie,
                    kind,
                    value,
                    time_secs: now,
                });
                self.new_since_update += 1;
            };
            record(InteractionKind::Click, 1.0);
            if let Some(stars) = response.rating {
                record(InteractionKind::Rating, stars);
            }
            if let Some(thumb) = response.thumbs {
                record(InteractionKind::Thumbs, f32::from(thumb));
            }
            state.watch(movie, catalogue, window);
            let at = state.seen.binary_search(&movie).unwrap_or_else(|i| i);
            state.seen.insert(at, movie);
            state.watched.push(movie);
        }

        // Tallies.
        let mut tally = Tally {
            requests: 1,
            impressions: slate.len() as u64,
            clicks: u64::from(response.click.is_some()),
            expected_clicks: expected_click,
            ..Tally::default()
        };
        tally.long_tail_impressions = slate
            .iter()
            .filter(|i| catalogue.is_long_tail(i.movie))
            .count() as u64;
        if let Some((_, movie)) = response.click {
            tally.niche_clicks = u64::from(catalogue.movie(movie).is_niche);
        }
        if let Some(stars) = response.rating {
            tally.ratings = 1;
            tally.rating_sum = f64::from(stars);
            tally.good_ratings = u64::from(stars >= 4.0);
        }
        match response.thumbs {
            Some(1) => tally.thumbs_up = 1,
            Some(_) => tally.thumbs_down = 1,
            None => {}
        }
        if let (Some(r), Some(rollout_spec)) = (&mut self.rollout, &spec.pipeline.rollout) {
            let mut request = OnlineStats::default();
            request.add(
                response.click.is_some(),
                tally.impressions,
                tally.long_tail_impressions,
                response.rating,
            );
            r.record(rollout_spec, u, context.daypart as usize, &request);
        }
        self.outcome.record(
            u,
            &tally,
            slot_index,
            segment,
            bucket,
            slate,
            &choices,
            response.click.map(|(k, _)| k),
        );
        self.outcome
            .record_online(u, now, position, &context, &choices, slot_index, &tally);
        if let Some(recorder) = &mut self.experiment_recorder {
            recorder.record(&RequestRecord {
                user: u,
                slot: slot_index,
                time_secs: now,
                session_position: position,
                daypart: context.daypart,
                slate: &movies,
                click: response.click.map(|(_, m)| m),
                rating: response.rating,
                expected_click,
                credit,
            });
        }
        self.outcome.observe(&Observation {
            user: u,
            bucket,
            slot: slot_index,
            context: &context,
            choices: &choices,
            greedy,
            success: self.rule.reward(&feedback),
            slate,
            click: response.click,
            rating: response.rating,
        });

        let event = RecommendationEvent {
            request: self.request_id,
            time_secs: now,
            user,
            session: state.visits,
            session_position: position,
            experiment_id: slot.key.experiment.clone(),
            variant: slot.key.variant.clone(),
            bandit_context: context,
            arms: choices
                .iter()
                .map(|c| self.arm_names[c.arm.index()])
                .collect(),
            algorithm_confidence: choices.first().map_or(0.0, |c| c.confidence),
            choices,
            slate: movies,
            click: response.click,
            rating: response.rating,
            thumbs: response.thumbs,
            expected_click,
            expected_reward: (propensity.is_some() && self.regret_on).then_some(shown_reward),
            arm_expected_rewards: (propensity.is_some() && self.regret_on)
                .then(|| self.arm_rewards.clone()),
            propensity: propensity.as_ref().map(|p| p.set),
            arm_propensities: propensity.map(|p| p.arms),
        };
        sink.record(&event)?;
        self.request_id += 1;

        // Does the session go on, and when does the user come back?
        let session = &spec.response.session;
        let p_continue = if response.click.is_some() {
            session.continue_after_click
        } else {
            session.continue_without_click
        };
        let coin: f64 = state.arrivals.random();
        let next = if coin < p_continue && (position as usize) < session.max_requests {
            let t = now + (session.minutes_between_requests * 60.0).round() as SimSecs;
            (t, position + 1)
        } else {
            state.visits += 1;
            shared.candidates.end_session(&mut state.kept);
            let satisfaction = f64::from(state.session_clicks) / f64::from(state.session_requests);
            let rate = world.tastes[u].visits_per_day
                * (1.0 + spec.response.retention.satisfaction_boost * satisfaction);
            let t = self
                .profile
                .next_visit(&mut state.arrivals, now, now + 1_800, rate);
            (t, 1)
        };
        if next.0 >= self.horizon_secs {
            return Ok(None);
        }
        self.queue.push(Reverse((next.0, user.0, next.1)));
        Ok(Some(next))
    }

    /// The outcome, once every request was served.
    fn finish(mut self, progress: &mut dyn FnMut(Progress)) -> RunOutcome {
        let days = self.scenario.spec().horizon.days;
        while self.day_reported < days {
            self.day_reported += 1;
            progress(Progress {
                day: self.day_reported,
                days,
                requests: self.request_id,
            });
        }
        self.outcome.final_policies = self.slot_policies();
        let warm_up = self.world.warm_up.len();
        self.outcome
            .finish(self.model_updates, &self.log[warm_up..]);
        self.outcome.experiments = self.experiment_recorder.map(ExperimentRecorder::finish);
        self.outcome
    }
}

/// The times of the scenario's taste shifts (`pipeline.faults`, `TasteShift`), in
/// time order, with each one's fault index and strength.
fn taste_shift_times(spec: &crate::scenario::ScenarioSpec) -> Vec<(SimSecs, (usize, f64))> {
    let mut shifts: Vec<(SimSecs, (usize, f64))> = spec
        .pipeline
        .faults
        .iter()
        .enumerate()
        .filter_map(|(i, f)| match f.kind {
            FaultKind::TasteShift { strength } => Some((
                (f.at_hours * crate::interaction::SECS_PER_HOUR as f64).round() as SimSecs,
                (i, strength),
            )),
            _ => None,
        })
        .collect();
    shifts.sort_by_key(|s| (s.0, s.1.0));
    shifts
}

/// The world's tastes after `shifts`, one after the other.
fn shifted_tastes(
    world: &World,
    seeds: &SeedTree,
    shifts: &[(SimSecs, (usize, f64))],
) -> Vec<UserTaste> {
    let mut tastes = world.tastes.clone();
    for &(_, (fault, strength)) in shifts {
        tastes = shift_tastes(&tastes, strength, seeds, fault);
    }
    tastes
}

//! The replay loop: requests in simulated-time order against the whole stack.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use rand::RngExt;

use crate::bandit::{BetaTable, Feedback, Policy, RewardRule, build_policy};
use crate::experiment::{
    Assigner, CONTROL_TEAM, ExperimentRecorder, Interleaver, RequestRecord, TREATMENT_TEAM,
    team_feedback, with_partner,
};
use crate::ids::{ArmId, MovieId, UserId};
use crate::interaction::{Interaction, InteractionKind, SECS_PER_DAY, SimSecs};
use crate::pipeline::{ModelUpdateLog, RetrainSchedule, UpdateDecision};
use crate::recommend::{
    ArmFactory, Arms, BlendedItem, CoverageTracker, Diversity, PostProcess, Request, SlateBuilder,
    TrainingData,
};
use crate::rng::{ChaCha8Rng, Purpose, RngPosition, SeedTree};
use crate::scenario::Scenario;
use crate::world::context::{Calendar, EARLY_REQUESTS, SessionPhase, saturation_of};
use crate::world::{Context, Situation, UserTaste, World};

use super::arrivals::ArrivalProfile;
use super::event::{EventSink, RecommendationEvent};
use super::outcome::{RunOutcome, VariantKey};
use super::regret::RequestRegret;
use super::tally::Tally;

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

/// A user's evolving state.
struct UserState {
    seen: Vec<MovieId>,
    recent: VecDeque<MovieId>,
    recent_genre_counts: Vec<u16>,
    visits: u32,
    session_requests: u32,
    session_clicks: u32,
    arrivals: ChaCha8Rng,
    responses: ChaCha8Rng,
}

/// The policy serving one (experiment, variant) slot.
struct Slot {
    key: VariantKey,
    policy: Box<dyn Policy>,
    rng: ChaCha8Rng,
    diversity: Diversity,
}

/// A policy slot's learned state: what a run ends with, or starts from.
#[derive(Clone, Debug, PartialEq)]
pub struct SlotPolicy {
    /// The (experiment, variant) slot and its policy.
    pub key: VariantKey,
    /// The learned posteriors (`None` for policies that learn nothing).
    pub table: Option<BetaTable>,
    /// Where the slot's policy stream stands.
    pub rng: RngPosition,
}

/// Options of [`replay_with`].
#[derive(Clone, Copy, Debug, Default)]
pub struct ReplayOptions<'a> {
    /// Start every slot's policy from these states (same slots, arms and context keys,
    /// as [`crate::bandit::state`] checks) instead of from its prior.
    pub resume: Option<&'a [SlotPolicy]>,
}

/// Runs the replay of `scenario` on `world`, sending every event to `sink`.
///
/// # Errors
///
/// The sink's I/O errors, and an embeddings arm's unreadable vector file (as
/// `InvalidData`; [`crate::run::run`] checks vector files first and reports them
/// properly). The simulation itself cannot fail on a validated scenario.
/// Only the sink's I/O errors.
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
/// As [`replay`].
///
/// # Determinism
///
/// Requests are processed in (time, user) order from a priority queue; every draw
/// comes from the stream of its user, arm or policy slot. The loop is sequential
/// (the policies learn online), so threads cannot change it.
pub fn replay_with(
    scenario: &Scenario,
    seeds: &SeedTree,
    world: &World,
    sink: &mut dyn EventSink,
    progress: &mut dyn FnMut(Progress),
    options: ReplayOptions<'_>,
) -> std::io::Result<RunOutcome> {
    let spec = scenario.spec();
    let catalogue = &world.catalogue;
    let n_genres = catalogue.genre_names.len();
    let window = spec.context.fatigue.window;
    let calendar = Calendar {
        start_weekday: spec.horizon.start_weekday,
    };
    let profile = ArrivalProfile::new(&spec.horizon.arrival_profile);
    let horizon_secs = i64::from(spec.horizon.days) * SECS_PER_DAY;
    let slate_size = spec.stack.slate_size;
    let session = &spec.response.session;

    // Pipeline step 1–4 at day 0: fit every arm on the warm-up log (version 1).
    let mut log: Vec<Interaction> = world.warm_up.clone();
    let factory = ArmFactory::new(world, *seeds, window);
    let mut arms = Arms::build(&spec.stack.arms, &factory)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
    arms.fit(&TrainingData {
        catalogue,
        population: &world.population,
        interactions: &log,
    });
    let arm_names = arms.names();
    let mut model_updates = vec![ModelUpdateLog {
        version: 1,
        time_secs: 0,
        window_start_secs: None,
        n_interactions: log.len(),
        warm_start: false,
        decision: UpdateDecision::Deployed,
    }];
    let mut schedule = RetrainSchedule::every_hours(spec.pipeline.retrain_every_hours);
    let mut last_update_secs: SimSecs = 0;
    let mut new_since_update = 0usize;

    let assigner = Assigner::new(&spec.experiments);
    let mut slots = build_slots(scenario, seeds, catalogue);
    if let Some(saved) = options.resume {
        for (slot, saved) in slots.iter_mut().zip(saved) {
            if let (Some(table), Some(saved_table)) = (slot.policy.table_mut(), &saved.table) {
                *table = saved_table.clone();
            }
            slot.rng = saved.rng.restore();
        }
    }
    let rule = RewardRule::new(&spec.stack.reward);
    let regret_on = spec.report.regret;
    let mut arm_rewards: Vec<f64> = vec![0.0; arms.len()];
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
    // Per-user aggregates of the experiments and interleaving pairs (src/experiment).
    let mut experiment_recorder = ExperimentRecorder::new(scenario, world, &user_slot);
    let mut interleaver = Interleaver::new(scenario, seeds, user_slot.len());
    let mut partner_slate: Vec<BlendedItem> = Vec::with_capacity(slate_size);
    let arm_rngs: Vec<ChaCha8Rng> = (0..arms.len())
        .map(|a| seeds.stream(Purpose::Arm, a as u64))
        .collect();
    let mut slate_builder = SlateBuilder::new(spec.stack.blend, slate_size * POOL_FACTOR, arm_rngs);
    let mut coverage = CoverageTracker::new(catalogue.len());

    let mut users: Vec<UserState> = world
        .population
        .users
        .iter()
        .map(|u| UserState {
            seen: Vec::new(),
            recent: VecDeque::with_capacity(window + 1),
            recent_genre_counts: vec![0; n_genres],
            visits: 0,
            session_requests: 0,
            session_clicks: 0,
            arrivals: seeds.stream(Purpose::Arrivals, u64::from(u.id.0)),
            responses: seeds.stream(Purpose::Responses, u64::from(u.id.0)),
        })
        .collect();
    for i in &world.warm_up {
        let state = &mut users[i.user.index()];
        state.seen.push(i.movie);
        watch(state, i.movie, catalogue, window);
    }
    for state in &mut users {
        state.seen.sort_unstable();
        state.seen.dedup();
    }

    // (time, user, session position): a user has at most one pending request.
    let mut queue: BinaryHeap<Reverse<(SimSecs, u32, u32)>> = BinaryHeap::new();
    for (i, u) in world.population.users.iter().enumerate() {
        let rate = world.tastes[i].visits_per_day;
        let t = profile.next_visit(&mut users[i].arrivals, 0, -1, rate);
        if t < horizon_secs {
            queue.push(Reverse((t, u.id.0, 1)));
        }
    }

    let mut outcome = RunOutcome::new(
        catalogue.len(),
        &arm_names,
        spec,
        &slots.iter().map(|s| s.key.clone()).collect::<Vec<_>>(),
    );
    let bucket_secs = i64::from(spec.report.timeseries_bucket_hours) * 3_600;
    let mut slate: Vec<BlendedItem> = Vec::with_capacity(slate_size);
    let mut utilities: Vec<f64> = Vec::with_capacity(slate_size);
    let mut experienced: Vec<f64> = Vec::with_capacity(slate_size);
    let mut scratch: Vec<f64> = Vec::with_capacity(slate_size);
    let mut request_id: u64 = 0;
    let mut day_reported: u32 = 0;

    while let Some(Reverse((now, user_raw, position))) = queue.pop() {
        let user = UserId(user_raw);
        let u = user.index();
        while let Some(at) = schedule.due(now) {
            let new = &log[log.len() - new_since_update..];
            arms.update(
                &TrainingData {
                    catalogue,
                    population: &world.population,
                    interactions: &log,
                },
                new,
            );
            model_updates.push(ModelUpdateLog {
                version: model_updates.len() as u32 + 1,
                time_secs: at,
                window_start_secs: Some(last_update_secs),
                n_interactions: new_since_update,
                warm_start: true,
                decision: UpdateDecision::Deployed,
            });
            last_update_secs = at;
            new_since_update = 0;
        }
        let day = u32::try_from(now / SECS_PER_DAY).expect("horizon fits u32 days");
        while day_reported < day {
            day_reported += 1;
            progress(Progress {
                day: day_reported,
                days: spec.horizon.days,
                requests: request_id,
            });
        }

        let segment = world.population.users[u].segment;
        let state = &mut users[u];
        if position == 1 {
            state.session_requests = 0;
            state.session_clicks = 0;
        }
        let top_genre = state.recent_genre_counts.iter().copied().max().unwrap_or(0);
        let context = Context {
            daypart: calendar.daypart(now),
            day_type: calendar.day_type(now),
            segment,
            saturation: saturation_of(usize::from(top_genre), state.recent.len()),
            session_phase: if position <= EARLY_REQUESTS {
                SessionPhase::Early
            } else {
                SessionPhase::Late
            },
        };

        let slot_index = user_slot[u];
        let (slot, mut partner) =
            with_partner(&mut slots, slot_index, interleaver.partner(slot_index));
        let request = Request {
            user,
            context: &context,
            seen: &state.seen,
            time_secs: now,
            session_position: position,
            recent_genre_counts: &state.recent_genre_counts,
        };
        let situation = Situation {
            daypart: context.daypart,
            day_type: context.day_type,
            session_position: position,
            recent_genre_counts: &state.recent_genre_counts,
            fatigue_window: window,
        };
        let taste = &world.tastes[u];
        if regret_on {
            // Every arm recommends from its own stream before the policy chooses, so
            // the oracle and the regret see exactly the slates that could be shown.
            let all = (0..arms.len()).map(|a| ArmId(u16::try_from(a).expect("arm count fits u16")));
            slate_builder.fill_lists(&arms, &request, all.clone());
            for arm in all {
                let list = slate_builder
                    .list(arm)
                    .iter()
                    .take(slate_size)
                    .map(|s| s.movie);
                fill_utilities(
                    world,
                    taste,
                    &situation,
                    list,
                    &mut utilities,
                    &mut experienced,
                );
                arm_rewards[arm.index()] = world.response.expected_reward(
                    &utilities,
                    &experienced,
                    taste.rater(),
                    &spec.stack.reward,
                    &mut scratch,
                );
            }
            if slot.policy.reads_truth() {
                slot.policy.observe_truth(&arm_rewards);
            }
        }
        let choices = slot
            .policy
            .select_arms(&context, spec.stack.arms_per_request, &mut slot.rng);
        let greedy = if regret_on {
            slot.policy.greedy_arm(&context)
        } else {
            None
        };
        let weights: Vec<(ArmId, f64)> = choices.iter().map(|c| (c.arm, c.confidence)).collect();
        let post = PostProcess {
            diversity: &slot.diversity,
            coverage: &coverage,
        };
        if regret_on {
            slate_builder.blend_lists(&weights, post, slate_size, &mut slate);
        } else {
            slate_builder.contextual_recommendations(
                &arms, &request, &weights, post, slate_size, &mut slate,
            );
        }
        // Team-draft interleaving (src/experiment/interleave.rs): the partner stack
        // builds its own slate, merged with this one.
        let partner_choices = partner.as_mut().map(|p| {
            let choices = p
                .policy
                .select_arms(&context, spec.stack.arms_per_request, &mut p.rng);
            let weights: Vec<(ArmId, f64)> =
                choices.iter().map(|c| (c.arm, c.confidence)).collect();
            let post = PostProcess {
                diversity: &p.diversity,
                coverage: &coverage,
            };
            if regret_on {
                slate_builder.blend_lists(&weights, post, slate_size, &mut partner_slate);
            } else {
                slate_builder.contextual_recommendations(
                    &arms,
                    &request,
                    &weights,
                    post,
                    slate_size,
                    &mut partner_slate,
                );
            }
            interleaver.merge(u, &mut slate, &partner_slate);
            choices
        });
        coverage.record(&slate);

        let shown = slate.iter().map(|i| i.movie);
        fill_utilities(
            world,
            taste,
            &situation,
            shown,
            &mut utilities,
            &mut experienced,
        );
        let movies: Vec<MovieId> = slate.iter().map(|i| i.movie).collect();
        let expected_click = world.response.expected_click(&utilities, &mut scratch);
        let shown_reward = if regret_on {
            world.response.expected_reward(
                &utilities,
                &experienced,
                taste.rater(),
                &spec.stack.reward,
                &mut scratch,
            )
        } else {
            0.0
        };
        let response = world.response.respond(
            &mut state.responses,
            &movies,
            &utilities,
            &experienced,
            taste.rater(),
            &mut scratch,
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
            .and_then(|_| interleaver.credit(response.click.map(|(k, _)| k)));
        if let (Some(p), Some(theirs)) = (partner.as_mut(), &partner_choices) {
            let mine = team_feedback(&feedback, credit, CONTROL_TEAM);
            slot.policy.update(&context, &choices, &mine);
            let theirs_feedback = team_feedback(&feedback, credit, TREATMENT_TEAM);
            p.policy.update(&context, theirs, &theirs_feedback);
        } else {
            slot.policy.update(&context, &choices, &feedback);
        }
        let bucket = usize::try_from(now / bucket_secs).expect("non-negative time");
        if let (Some(ledger), Some(lead)) = (&mut outcome.regret, choices.first()) {
            ledger.record(
                slot_index,
                context,
                bucket,
                &RequestRegret {
                    arm_rewards: &arm_rewards,
                    lead: lead.arm.index(),
                    shown_reward,
                    explored: greedy != Some(lead.arm),
                    success: rule.reward(&feedback) == Some(true),
                },
            );
        }

        state.session_requests += 1;
        if let Some((_, movie)) = response.click {
            state.session_clicks += 1;
            log.push(interaction(user, movie, InteractionKind::Click, 1.0, now));
            new_since_update += 1;
            if let Some(stars) = response.rating {
                log.push(interaction(
                    user,
                    movie,
                    InteractionKind::Rating,
                    stars,
                    now,
                ));
                new_since_update += 1;
            }
            if let Some(thumb) = response.thumbs {
                log.push(interaction(
                    user,
                    movie,
                    InteractionKind::Thumbs,
                    f32::from(thumb),
                    now,
                ));
                new_since_update += 1;
            }
            watch(state, movie, catalogue, window);
            let at = state.seen.binary_search(&movie).unwrap_or_else(|i| i);
            state.seen.insert(at, movie);
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
        outcome.record(
            u,
            &tally,
            slot_index,
            segment,
            bucket,
            &slate,
            &choices,
            response.click.map(|(k, _)| k),
        );
        outcome.record_online(u, now, position, &context, &choices, slot_index, &tally);
        if let Some(recorder) = &mut experiment_recorder {
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

        let event = RecommendationEvent {
            request: request_id,
            time_secs: now,
            user,
            session: state.visits,
            session_position: position,
            experiment_id: slot.key.experiment.clone(),
            variant: slot.key.variant.clone(),
            bandit_context: context,
            arms: choices.iter().map(|c| arm_names[c.arm.index()]).collect(),
            algorithm_confidence: choices.first().map_or(0.0, |c| c.confidence),
            choices,
            slate: movies,
            click: response.click,
            rating: response.rating,
            thumbs: response.thumbs,
            expected_click,
        };
        sink.record(&event)?;
        request_id += 1;

        // Does the session go on, and when does the user come back?
        let p_continue = if response.click.is_some() {
            session.continue_after_click
        } else {
            session.continue_without_click
        };
        let coin: f64 = state.arrivals.random();
        if coin < p_continue && (position as usize) < session.max_requests {
            let t = now + (session.minutes_between_requests * 60.0).round() as SimSecs;
            if t < horizon_secs {
                queue.push(Reverse((t, user_raw, position + 1)));
            }
        } else {
            state.visits += 1;
            let satisfaction = f64::from(state.session_clicks) / f64::from(state.session_requests);
            let rate = world.tastes[u].visits_per_day
                * (1.0 + spec.response.retention.satisfaction_boost * satisfaction);
            let t = profile.next_visit(&mut state.arrivals, now, now + 1_800, rate);
            if t < horizon_secs {
                queue.push(Reverse((t, user_raw, 1)));
            }
        }
    }
    while day_reported < spec.horizon.days {
        day_reported += 1;
        progress(Progress {
            day: day_reported,
            days: spec.horizon.days,
            requests: request_id,
        });
    }
    outcome.finish(model_updates, &log[world.warm_up.len()..]);
    outcome.experiments = experiment_recorder.map(ExperimentRecorder::finish);
    outcome.final_policies = slots
        .iter()
        .map(|slot| SlotPolicy {
            key: slot.key.clone(),
            table: slot.policy.table().cloned(),
            rng: RngPosition::of(&slot.rng),
        })
        .collect();
    Ok(outcome)
}

/// The decision and experienced utilities of each movie of a slate, in slate order.
fn fill_utilities(
    world: &World,
    taste: &UserTaste,
    situation: &Situation<'_>,
    slate: impl Iterator<Item = MovieId>,
    utilities: &mut Vec<f64>,
    experienced: &mut Vec<f64>,
) {
    utilities.clear();
    experienced.clear();
    for movie in slate {
        let u = world.response.utility(
            &world.catalogue,
            &world.movie_truth,
            taste,
            movie,
            situation,
        );
        utilities.push(u);
        experienced.push(
            world
                .response
                .experienced(u, &world.movie_truth[movie.index()]),
        );
    }
}

fn interaction(
    user: UserId,
    movie: MovieId,
    kind: InteractionKind,
    value: f32,
    time_secs: SimSecs,
) -> Interaction {
    Interaction {
        user,
        movie,
        kind,
        value,
        time_secs,
    }
}

/// Records a watched movie in the fatigue window of recent genres.
fn watch(
    state: &mut UserState,
    movie: MovieId,
    catalogue: &crate::world::Catalogue,
    window: usize,
) {
    if window == 0 {
        return;
    }
    state.recent.push_back(movie);
    for g in &catalogue.movie(movie).genres {
        state.recent_genre_counts[g.index()] += 1;
    }
    if state.recent.len() > window {
        let old = state.recent.pop_front().expect("window is non-empty");
        for g in &catalogue.movie(old).genres {
            state.recent_genre_counts[g.index()] -= 1;
        }
    }
}

/// The policy slots of a scenario as a run starts them (priors, fresh streams): what a
/// saved state must match to be resumed.
#[must_use]
pub fn initial_policies(scenario: &Scenario, seeds: &SeedTree) -> Vec<SlotPolicy> {
    slot_policies(scenario, seeds)
        .into_iter()
        .map(|(key, policy, rng)| SlotPolicy {
            key,
            table: policy.table().cloned(),
            rng: RngPosition::of(&rng),
        })
        .collect()
}

/// Every slot's key, policy (at its prior) and policy stream: the default stack first,
/// then each experiment's variants in order.
fn slot_policies(
    scenario: &Scenario,
    seeds: &SeedTree,
) -> Vec<(VariantKey, Box<dyn Policy>, ChaCha8Rng)> {
    let spec = scenario.spec();
    let mut slots = vec![(
        VariantKey {
            experiment: None,
            variant: "default".into(),
            policy: spec.stack.policy.name().into(),
        },
        build_policy(&spec.stack.policy, &spec.stack),
        seeds.stream(Purpose::Policy, 0),
    )];
    for e in &spec.experiments {
        for v in &e.variants {
            let policy_spec = v.policy.as_ref().unwrap_or(&spec.stack.policy);
            let index = slots.len() as u64;
            slots.push((
                VariantKey {
                    experiment: Some(e.id.clone()),
                    variant: v.name.clone(),
                    policy: policy_spec.name().into(),
                },
                build_policy(policy_spec, &spec.stack),
                seeds.stream(Purpose::Policy, index),
            ));
        }
    }
    slots
}

/// The slots of a run: policies with their diversity settings (a variant's own, or the
/// stack's).
fn build_slots(
    scenario: &Scenario,
    seeds: &SeedTree,
    catalogue: &crate::world::Catalogue,
) -> Vec<Slot> {
    let spec = scenario.spec();
    let stack_diversity = Diversity::new(&spec.stack.diversity, catalogue);
    let variant_diversity = spec
        .experiments
        .iter()
        .flat_map(|e| &e.variants)
        .map(|v| v.diversity.as_ref().map(|d| Diversity::new(d, catalogue)));
    let diversities = std::iter::once(None).chain(variant_diversity);
    slot_policies(scenario, seeds)
        .into_iter()
        .zip(diversities)
        .map(|((key, policy, rng), diversity)| Slot {
            key,
            policy,
            rng,
            diversity: diversity.unwrap_or_else(|| stack_diversity.clone()),
        })
        .collect()
}

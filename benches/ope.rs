//! Off-policy evaluation: a target walked along a log, and the bootstrap.
//!
//! ```text
//! cargo bench --bench ope
//! ```
//!
//! Inputs are built outside the timed closures: a synthetic log of 20,000 requests
//! over six arms from 2,000 users (random contexts, ε-greedy propensities, rewards
//! with arm-dependent rates), its reward model, and per-user sums for the bootstrap.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::RngExt;
use recolab::bandit::{ArmChoice, ArmSet, Feedback, build_policy, parse_policy};
use recolab::ids::ArmId;
use recolab::ope::{
    EventTruth, LoggedEvent, OffPolicyLog, Reward, RewardKind, RewardModel, RoundSums, intervals,
    walk,
};
use recolab::rng::{Purpose, stream};
use recolab::scenario::spec::{ArmSpec, RewardSpec, StackSpec};
use recolab::world::context::{DayType, Daypart, Saturation, SessionPhase};
use recolab::world::{Context, Segment};

const N_ARMS: usize = 6;
const N_EVENTS: usize = 20_000;
const N_USERS: u32 = 2_000;

fn log() -> OffPolicyLog {
    let mut rng = stream(5, Purpose::Policy, 0, 0);
    let dayparts = [
        Daypart::Morning,
        Daypart::Afternoon,
        Daypart::Evening,
        Daypart::Night,
    ];
    let mut log = OffPolicyLog::default();
    for _ in 0..N_EVENTS {
        let arm = rng.random_range(0..N_ARMS);
        let choices = vec![ArmChoice {
            arm: ArmId(arm as u16),
            confidence: 1.0,
        }];
        let clicked = rng.random::<f64>() < 0.1 + 0.03 * arm as f64;
        log.events.push(LoggedEvent {
            user: rng.random_range(0..N_USERS),
            context: Context {
                daypart: dayparts[rng.random_range(0..4)],
                day_type: if rng.random::<bool>() {
                    DayType::Weekday
                } else {
                    DayType::Weekend
                },
                segment: Segment::Regular,
                saturation: Saturation::Low,
                session_phase: SessionPhase::Early,
            },
            set: ArmSet::of(&choices),
            choices,
            feedback: Feedback {
                clicked,
                credited_arm: None,
                rating: None,
                thumbs: None,
            },
            propensity: if arm == 0 { 0.8 + 0.2 / 6.0 } else { 0.2 / 6.0 },
            arm_propensities: (0..N_ARMS)
                .map(|a| if a == 0 { 0.8 + 0.2 / 6.0 } else { 0.2 / 6.0 })
                .collect(),
        });
        log.truth.push(EventTruth {
            expected_click: 0.0,
            expected_reward: None,
            arm_expected_rewards: None,
        });
    }
    log
}

fn walks(c: &mut Criterion) {
    let log = log();
    let reward = Reward::new(RewardKind::Success, &RewardSpec::default());
    let model = RewardModel::fit(&log, &reward, N_ARMS, 1);
    let stack = StackSpec {
        arms: vec![ArmSpec::Popularity; N_ARMS],
        arms_per_request: 1,
        ..StackSpec::default()
    };
    let names = ["a", "b", "c", "d", "e", "f"];
    let mut group = c.benchmark_group("walk");
    group.throughput(Throughput::Elements(N_EVENTS as u64));
    group.sample_size(10);
    for (text, draws) in [("thompson", 100), ("epsilon_greedy", 1), ("ucb1", 1)] {
        let spec = parse_policy(text, &names).expect("bench policies parse");
        group.bench_function(
            BenchmarkId::new(text, format!("events={N_EVENTS}/draws={draws}")),
            |b| {
                b.iter(|| {
                    let mut policy = build_policy(&spec, &stack);
                    let mut rng = stream(1, Purpose::OffPolicyTarget, 0, 0);
                    black_box(walk(
                        policy.as_mut(),
                        &log,
                        &reward,
                        &model,
                        1,
                        draws,
                        false,
                        &mut rng,
                    ))
                });
            },
        );
    }
    group.finish();
}

fn bootstrap(c: &mut Criterion) {
    let log = log();
    let reward = Reward::new(RewardKind::Success, &RewardSpec::default());
    let model = RewardModel::fit(&log, &reward, N_ARMS, 1);
    let stack = StackSpec {
        arms: vec![ArmSpec::Popularity; N_ARMS],
        arms_per_request: 1,
        ..StackSpec::default()
    };
    let spec = parse_policy("thompson", &["a", "b", "c", "d", "e", "f"]).expect("parses");
    let mut policy = build_policy(&spec, &stack);
    let mut rng = stream(1, Purpose::OffPolicyTarget, 0, 0);
    let rounds = walk(
        policy.as_mut(),
        &log,
        &reward,
        &model,
        1,
        100,
        false,
        &mut rng,
    );
    let mut groups = vec![RoundSums::default(); N_USERS as usize];
    for (round, &user) in rounds.rounds.iter().zip(&rounds.users) {
        groups[user as usize].add(round);
    }
    let mut group = c.benchmark_group("bootstrap");
    group.sample_size(10);
    group.bench_function(
        BenchmarkId::new("users", format!("users={N_USERS}/replicates=1000")),
        |b| {
            b.iter(|| {
                let mut rng = stream(1, Purpose::OffPolicyBootstrap, 0, 0);
                black_box(intervals(&groups, 1_000, 10, &mut rng))
            });
        },
    );
    group.finish();
}

criterion_group!(benches, walks, bootstrap);
criterion_main!(benches);

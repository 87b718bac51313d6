//! The bandit layer: one request's `select_arms` + `update`, per policy.
//!
//! ```text
//! cargo bench --bench bandit
//! ```
//!
//! Target (issue): Thompson selecting 3 of 6 arms and updating, over 5 million
//! requests per second on one core. `propensity/…`: one request's probability of
//! every arm set (`Policy::action_distribution`), what `report.propensities` adds per
//! request — Thompson's with 1,000 Monte-Carlo draws, the others exact.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::Rng;
use recolab::bandit::{
    ActionDistribution, ArmChoice, Feedback, Policy, StaticWeights, build_policy, parse_policy,
    sample_beta,
};
use recolab::scenario::spec::{ArmSpec, StackSpec};
use recolab::world::context::{DayType, Daypart, Saturation, SessionPhase};
use recolab::world::{Context, Segment};

const N_ARMS: usize = 6;
const N_CHOSEN: usize = 3;

fn contexts() -> Vec<Context> {
    let mut out = Vec::new();
    for daypart in [
        Daypart::Morning,
        Daypart::Afternoon,
        Daypart::Evening,
        Daypart::Night,
    ] {
        for day_type in [DayType::Weekday, DayType::Weekend] {
            out.push(Context {
                daypart,
                day_type,
                segment: Segment::Regular,
                saturation: Saturation::Low,
                session_phase: SessionPhase::Early,
            });
        }
    }
    out
}

fn policy(text: &str) -> Box<dyn Policy> {
    let stack = StackSpec {
        arms: vec![ArmSpec::Popularity; N_ARMS],
        arms_per_request: N_CHOSEN,
        ..StackSpec::default()
    };
    let names = ["a", "b", "c", "d", "e", "f"];
    build_policy(
        &parse_policy(text, &names).expect("bench policies parse"),
        &stack,
    )
}

fn select_and_update(c: &mut Criterion) {
    let contexts = contexts();
    let feedback = [true, false, false].map(|clicked| Feedback {
        clicked,
        credited_arm: None,
        rating: None,
        thumbs: None,
    });
    let mut group = c.benchmark_group("select_update");
    group.throughput(Throughput::Elements(1));
    for text in ["thompson", "epsilon_greedy", "ucb1", "uniform", "static"] {
        let mut p: Box<dyn Policy> = if text == "static" {
            Box::new(StaticWeights::new(vec![0.3, 0.2, 0.2, 0.1, 0.1, 0.1]))
        } else {
            policy(text)
        };
        let mut rng = recolab::rng::stream(1, recolab::rng::Purpose::Policy, 0, 0);
        // Warm posteriors, as in a running system.
        let mut out: Vec<ArmChoice> = Vec::with_capacity(N_CHOSEN);
        for i in 0..10_000 {
            let ctx = &contexts[i % contexts.len()];
            p.select_into(ctx, N_CHOSEN, &mut rng, &mut out);
            p.update(ctx, &out, &feedback[i % 3]);
        }
        let mut i = 0usize;
        group.bench_function(
            BenchmarkId::new(text, format!("arms={N_ARMS}/choose={N_CHOSEN}")),
            |b| {
                b.iter(|| {
                    let ctx = &contexts[i % contexts.len()];
                    p.select_into(black_box(ctx), N_CHOSEN, &mut rng, &mut out);
                    p.update(ctx, &out, &feedback[i % 3]);
                    i = i.wrapping_add(1);
                    black_box(&out);
                });
            },
        );
    }
    group.finish();
}

fn samplers(c: &mut Criterion) {
    let mut group = c.benchmark_group("sample");
    group.throughput(Throughput::Elements(1));
    let mut rng = recolab::rng::stream(2, recolab::rng::Purpose::Policy, 0, 0);
    for (a, b) in [(1.0, 1.0), (30.0, 70.0), (3000.0, 7000.0)] {
        group.bench_function(BenchmarkId::new("beta", format!("a={a}/b={b}")), |bench| {
            bench.iter(|| sample_beta(black_box(a), black_box(b), &mut rng));
        });
    }
    group.bench_function("u64", |bench| bench.iter(|| rng.next_u64()));
    group.finish();
}

fn propensities(c: &mut Criterion) {
    let contexts = contexts();
    let feedback = Feedback {
        clicked: true,
        credited_arm: None,
        rating: None,
        thumbs: None,
    };
    let mut group = c.benchmark_group("propensity");
    group.throughput(Throughput::Elements(1));
    for (text, draws) in [
        ("thompson", 1_000),
        ("thompson", 100),
        ("epsilon_greedy", 1),
        ("ucb1", 1),
        ("uniform", 1),
    ] {
        let mut p = policy(text);
        let mut rng = recolab::rng::stream(1, recolab::rng::Purpose::Policy, 0, 0);
        let mut out: Vec<ArmChoice> = Vec::with_capacity(N_CHOSEN);
        for i in 0..10_000 {
            let ctx = &contexts[i % contexts.len()];
            p.select_into(ctx, N_CHOSEN, &mut rng, &mut out);
            p.update(ctx, &out, &feedback);
        }
        let mut mc = recolab::rng::stream(1, recolab::rng::Purpose::Propensity, 0, 0);
        let mut d = ActionDistribution::default();
        let mut i = 0usize;
        group.bench_function(
            BenchmarkId::new(
                text,
                format!("arms={N_ARMS}/choose={N_CHOSEN}/draws={draws}"),
            ),
            |b| {
                b.iter(|| {
                    let ctx = &contexts[i % contexts.len()];
                    p.action_distribution(black_box(ctx), N_CHOSEN, draws, &mut mc, &mut d);
                    i = i.wrapping_add(1);
                    black_box(&d);
                });
            },
        );
    }
    group.finish();
}

criterion_group!(benches, select_and_update, samplers, propensities);
criterion_main!(benches);

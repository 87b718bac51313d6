//! Benches of the replay loop: world generation and the replay of a small world.
//!
//! Run: `cargo bench --bench replay`. Figures are recorded in docs/ARCHITECTURE.md.

use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use recolab::rng::SeedTree;
use recolab::scenario::Scenario;
use recolab::sim::{NoEvents, replay};
use recolab::world::World;

fn scenario(n_movies: usize, n_users: usize, days: u32) -> Scenario {
    let src = format!(
        "(seed: 3, catalogue: (n_movies: {n_movies}), population: (n_users: {n_users}), horizon: (days: {days}))"
    );
    Scenario::from_ron_str(&src, Path::new("bench.ron"), "bench").expect("bench scenario is valid")
}

fn bench_replay(c: &mut Criterion) {
    let mut group = c.benchmark_group("replay");
    group.sample_size(10);
    let s = scenario(5_000, 2_000, 7);
    let seeds = SeedTree::new(3);
    let world = World::generate(&s, &seeds);
    let n_requests = replay(&s, &seeds, &world, &mut NoEvents, &mut |_| {})
        .expect("no sink errors")
        .overall
        .requests;
    group.throughput(Throughput::Elements(n_requests));
    group.bench_function(
        BenchmarkId::new(
            "requests",
            format!("movies=5000/users=2000/days=7/n={n_requests}"),
        ),
        |b| {
            b.iter(|| {
                replay(black_box(&s), &seeds, &world, &mut NoEvents, &mut |_| {})
                    .expect("no sink errors")
            });
        },
    );
    group.finish();
}

fn bench_world(c: &mut Criterion) {
    let mut group = c.benchmark_group("world");
    group.sample_size(10);
    let s = scenario(5_000, 2_000, 7);
    let seeds = SeedTree::new(3);
    group.bench_function(
        BenchmarkId::new("generate", "movies=5000/users=2000"),
        |b| {
            b.iter(|| World::generate(black_box(&s), &seeds));
        },
    );
    group.finish();
}

criterion_group!(benches, bench_replay, bench_world);
criterion_main!(benches);

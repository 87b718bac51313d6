//! Cost of the hyper-parameter search (docs/TRAINING_PIPELINE.md, issue #13):
//! `scenarios/hyperparameter_search.ron`'s world (600 movies, 1,500 users) and grid
//! (SVD factors {8, 32} × learning rate {0.005, 0.02}, item CF neighbours
//! {10, 30, 80}: seven configurations) searched once on version 1's data — trained
//! on the warm-up less the test and validation sets, scored by nDCG@10 on 300
//! validation users — in a rayon pool of one thread and of two (the same result,
//! checked before timing), and the refit of the chosen settings on training +
//! validation that follows it in every searched run.
//! Run: `cargo bench --bench search`.

use std::path::Path;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use recolab::pipeline::search::search;
use recolab::pipeline::{GateData, fit_candidate};
use recolab::rng::SeedTree;
use recolab::scenario::Scenario;
use recolab::world::World;

fn searches(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/hyperparameter_search.ron");
    let scenario = Scenario::from_file(&path).expect("the shipped scenario is valid");
    let spec = scenario.spec();
    let seeds = SeedTree::new(spec.seed);
    let world = World::generate(&scenario, &seeds);
    let gate = spec
        .pipeline
        .gate
        .as_ref()
        .expect("the scenario has a gate");
    let ranges = gate.search.as_ref().expect("the scenario searches");
    let data = GateData::draw(gate, &world.warm_up, &seeds);
    let validation = data
        .validation
        .as_ref()
        .expect("a search draws a validation set");
    let search_train = data.search_train(&world.warm_up);
    let train = data.train(&world.warm_up);
    let arms = &spec.stack.arms;
    let pool = |n| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .expect("a thread pool")
    };
    let pools = [(1, pool(1)), (2, pool(2))];
    let run = |p: &rayon::ThreadPool| {
        p.install(|| {
            search(
                &scenario,
                &seeds,
                &world,
                ranges,
                arms,
                &search_train,
                validation,
                1,
            )
            .expect("every arm builds")
        })
    };
    let log = run(&pools[0].1);
    assert_eq!(log, run(&pools[1].1), "the thread count changed the search");
    let n_configurations: usize = log.arms.iter().map(|a| a.configurations.len()).sum();
    eprintln!(
        "{n_configurations} configurations, {} training interactions, {} validation users",
        log.n_train, log.n_users
    );

    let mut group = c.benchmark_group("search");
    group.sample_size(10);
    for (threads, p) in &pools {
        group.bench_with_input(BenchmarkId::new("grid_of_7/threads", threads), p, |b, p| {
            b.iter(|| run(p))
        });
    }
    let chosen = log.chosen_specs(arms);
    group.bench_function("refit_chosen", |b| {
        b.iter(|| {
            fit_candidate(&scenario, &seeds, &world, &chosen, &train, 1).expect("every arm builds")
        });
    });
    group.finish();
}

criterion_group!(benches, searches);
criterion_main!(benches);

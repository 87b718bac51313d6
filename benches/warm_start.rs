//! Warm start against full retrain (docs/TRAINING_PIPELINE.md, issue #13): on the
//! `ci` world (600 movies, 1,500 users), the default
//! stack's arms (item CF three times: its default `incremental` update,
//! `frozen_means` and `exact`) plus
//! PureSVD fitted on 99% of the training log, then one warm update with the last 1% (one
//! 6-hour window's share of a 25-day log), against one full fit of the
//! whole log — same arms, same data. Both measured in one run, alternated by
//! criterion. Accuracy of the two is `pipeline::warm_start`'s test and the table
//! printed first (nDCG@10 and RMSE on the gate's test set).
//! Run: `cargo bench --bench warm_start`.

use std::path::Path;

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use recolab::pipeline::fit_candidate;
use recolab::pipeline::warm_start::{WarmStartSplit, apply_updates, compare, fit_initial};
use recolab::recommend::TrainingData;
use recolab::rng::SeedTree;
use recolab::scenario::Scenario;
use recolab::scenario::spec::{ArmSpec, GateMetric, ItemCfWarmStart};
use recolab::world::World;

fn warm_start(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/ci.ron");
    let scenario = Scenario::from_file(&path).expect("the shipped scenario is valid");
    let seeds = SeedTree::new(scenario.spec().seed);
    let world = World::generate(&scenario, &seeds);
    let split = WarmStartSplit::new(&world, &seeds, 0.01, 1);
    let default = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/default.ron");
    let default = Scenario::from_file(&default).expect("the shipped scenario is valid");
    // Item CF three times: `incremental` and `frozen_means` (with `full_fit_every` at
    // its default, 0, the update measured is a frozen one, not a periodic refit) and
    // `exact`. `incremental` counts its pair table at the first update after a fit:
    // its update is measured after an empty one (the steady state of a run), its
    // first update as `first_update`.
    let mut specs: Vec<ArmSpec> = Vec::new();
    for s in &default.spec().stack.arms {
        if let ArmSpec::ItemCf { .. } = s {
            for variant in [
                "ItemCf(warm_start: incremental)",
                "ItemCf(warm_start: frozen_means)",
                "ItemCf(warm_start: exact)",
            ] {
                specs.push(ron::from_str(variant).expect("ItemCf parses"));
            }
        } else {
            specs.push(s.clone());
        }
    }
    specs.push(ron::from_str("PureSvd()").expect("PureSvd parses"));
    let label = |spec: &ArmSpec| match spec {
        ArmSpec::ItemCf { warm_start, .. } => format!("item_cf_{warm_start:?}"),
        s => s.name().to_string(),
    };
    let results = compare(&scenario, &seeds, &world, &specs, &split, 10).expect("every arm builds");
    eprintln!("arm            nDCG warm / full (gap, retrain noise)    RMSE warm / full (gap)");
    for (spec, r) in specs.iter().zip(&results) {
        let f = |m: Option<f64>| m.map_or("-".to_string(), |v| format!("{v:.4}"));
        let p = |m: Option<f64>| m.map_or("-".to_string(), |v| format!("{:.1}%", 100.0 * v));
        eprintln!(
            "{:<22} {} / {} ({}, {})    {} / {} ({})",
            label(spec),
            f(r.warm.ndcg),
            f(r.full.ndcg),
            p(r.relative_gap(GateMetric::Ndcg)),
            p(r.retrain_noise(GateMetric::Ndcg)),
            f(r.warm.rmse),
            f(r.full.rmse),
            p(r.relative_gap(GateMetric::Rmse)),
        );
    }
    let mut group = c.benchmark_group("warm_start");
    group.sample_size(10);
    for spec in &specs {
        let one = std::slice::from_ref(spec);
        group.bench_with_input(BenchmarkId::new("full_fit", label(spec)), one, |b, one| {
            b.iter(|| {
                fit_candidate(&scenario, &seeds, &world, one, &split.train, 1)
                    .expect("the arm builds")
            });
        });
        let incremental = matches!(
            spec,
            ArmSpec::ItemCf {
                warm_start: ItemCfWarmStart::Incremental,
                ..
            }
        );
        let fitted = || fit_initial(&scenario, &seeds, &world, one, &split).expect("builds");
        let primed = || {
            let mut arms = fitted();
            if incremental {
                let (so_far, _) = split.updates().next().expect("one update");
                let data = TrainingData {
                    catalogue: &world.catalogue,
                    population: &world.population,
                    interactions: so_far,
                };
                arms.update(&data, &[]);
            }
            arms
        };
        group.bench_with_input(BenchmarkId::new("warm_update", label(spec)), one, |b, _| {
            b.iter_batched(
                primed,
                |mut arms| {
                    apply_updates(&mut arms, &world, &split);
                    arms
                },
                BatchSize::PerIteration,
            );
        });
        if incremental {
            group.bench_with_input(
                BenchmarkId::new("first_update", label(spec)),
                one,
                |b, _| {
                    b.iter_batched(
                        fitted,
                        |mut arms| {
                            apply_updates(&mut arms, &world, &split);
                            arms
                        },
                        BatchSize::PerIteration,
                    );
                },
            );
        }
    }
    group.finish();
}

criterion_group!(benches, warm_start);
criterion_main!(benches);

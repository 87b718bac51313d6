//! Offline evaluation at MovieLens 100k's size: 5-fold cross-validation, every
//! metric, of the SVD (Surprise's defaults), item KNN (cosine over common users,
//! k = 40) and every arm `recolab eval --ratings` runs, on the log of
//! `scenarios/ml100k_fitted.ron` (943 users, 1,753 movies, ≈ 100,000 ratings — a
//! generated log of the real one's shape; MovieLens itself may not be
//! redistributed). Run: `cargo bench --bench offline_eval`. The side-by-side
//! comparison with Surprise on the real file is `benches/peers/compare.py`
//! (docs/PERFORMANCE.md).

use std::path::Path;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use recolab::data::Dataset;
use recolab::eval::evaluate;
use recolab::eval_run::default_scenario;
use recolab::rng::SeedTree;
use recolab::scenario::Scenario;
use recolab::scenario::spec::{ArmSpec, SimilarityKind};
use recolab::world::World;

/// The warm-up log of the fitted world, built once outside the timed closures.
fn log() -> (Scenario, Dataset) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/ml100k_fitted.ron");
    let scenario = Scenario::from_file(&path).expect("the shipped scenario is valid");
    let world = World::generate(&scenario, &SeedTree::new(scenario.spec().seed));
    let dataset = Dataset::from_world(scenario.name(), &world);
    (scenario, dataset)
}

fn offline_eval(c: &mut Criterion) {
    let (scenario, dataset) = log();
    let settings = scenario.spec().evaluation.clone();
    let svd = ArmSpec::Svd {
        factors: 100,
        learning_rate: 0.005,
        regularisation: 0.02,
        epochs: 20,
        update_epochs: 3,
        init_sd: 0.1,
    };
    let knn = ArmSpec::ItemCf {
        similarity: SimilarityKind::CosineCommon,
        shrinkage: 0.0,
        neighbours: 40,
        warm_start: Default::default(),
        full_fit_every: 4,
    };
    let every = default_scenario("log").spec().stack.arms.clone();
    let mut group = c.benchmark_group("offline_eval");
    group.sample_size(10);
    let ratings = dataset.ratings.len();
    for (name, arms) in [
        ("svd", vec![svd]),
        ("item_knn", vec![knn]),
        ("every_arm", every),
    ] {
        group.bench_with_input(
            BenchmarkId::new(name, format!("ratings={ratings}/folds=5")),
            &arms,
            |b, arms| {
                b.iter(|| evaluate(&dataset, arms, &settings, 42, None).expect("every arm builds"));
            },
        );
    }
    group.finish();
}

criterion_group!(benches, offline_eval);
criterion_main!(benches);

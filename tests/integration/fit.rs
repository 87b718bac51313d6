//! `recolab fit`: a world fitted to a log reproduces the log's shape.
//!
//! The round trip fits a generated world's own log from another seed; the MovieLens
//! checks run when the files are at hand (they may not be redistributed):
//!
//! ```sh
//! RECOLAB_ML100K=/path/ml-100k/u.data \
//! RECOLAB_ML100K_ITEMS=/path/ml-100k/u.item \
//!     cargo test --release --test integration fit -- --ignored
//! ```

use std::path::{Path, PathBuf};

use recolab::data::Dataset;
use recolab::fit::{FitTarget, fit};
use recolab::rng::SeedTree;
use recolab::scenario::Scenario;
use recolab::world::World;

use crate::harness::{load_log, recolab, succeed_into, text};

/// A world small enough for a debug build: the default truth, with a lower rating
/// midpoint and more noise than the default for the fit to find.
const SOURCE_WORLD: &str = r#"(
    name: "source",
    seed: 11,
    catalogue: (n_movies: 900),
    population: (
        n_users: 600,
        activity: LogNormal(median: 35.0, sigma: 0.9, min: 5, max: 400),
    ),
    response: (rating: (midpoint: 2.7, noise_sd: 1.0)),
    horizon: (days: 1, warm_up_days: 30),
)"#;

/// Fits `target`, failing the test with the comparison if any statistic misses.
fn assert_fit_holds(target: FitTarget, seed: u64) -> recolab::fit::Fit {
    let fitted = fit(target, "fitted", seed, Path::new("fitted.ron"), &mut |_| {}).unwrap();
    let missed: Vec<String> = fitted
        .comparisons
        .iter()
        .filter(|c| !c.holds())
        .map(|c| {
            format!(
                "{}: target {:?}, fitted {:?}",
                c.statistic, c.target, c.fitted
            )
        })
        .collect();
    assert!(missed.is_empty(), "outside tolerance: {missed:#?}");
    fitted
}

#[test]
fn fitting_a_generated_worlds_own_log_recovers_its_shape() {
    let scenario = Scenario::from_ron_str(SOURCE_WORLD, Path::new("source.ron"), "source").unwrap();
    let world = World::generate(&scenario, &SeedTree::new(11));
    let dataset = Dataset::from_world("source", &world);
    let target = FitTarget::of_dataset("source world", &dataset);
    assert!(target.genres.is_some(), "a world's catalogue has genres");
    // Another seed: the fit must recover the shape, not replay the same draws.
    let fitted = assert_fit_holds(target, 3);
    // The written file is a scenario that generates exactly the measured world.
    let reloaded =
        Scenario::from_ron_str(&fitted.scenario_file, Path::new("fitted.ron"), "fitted").unwrap();
    let again = World::generate(&reloaded, &SeedTree::new(reloaded.spec().seed));
    assert_eq!(recolab::data::log_shape(&again.warm_up), fitted.fitted);
    // The popularity parameters the source was built with (visibility 0.5, quality
    // 0.5), found again. The rating scale is not identifiable from the log's shape
    // alone (slope, skew, midpoint and noise trade off), so it is not checked.
    let p = &fitted.params;
    assert_eq!(p.n_users, 600);
    assert!(
        (p.visibility_weight - 0.5).abs() < 0.1,
        "visibility {}",
        p.visibility_weight
    );
    assert!(
        (p.quality_weight - 0.5).abs() < 0.15,
        "quality {}",
        p.quality_weight
    );
}

/// Writes the source world's log with `recolab world`, then fits it with the CLI.
fn fit_cli(dir: &Path, threads: &str) -> (PathBuf, String, String) {
    let source = dir.join("source.ron");
    std::fs::write(&source, SOURCE_WORLD).unwrap();
    let world = dir.join("world");
    succeed_into("world", &source, &world, "2", &[]);
    let fitted = dir.join(format!("fitted-{threads}.ron"));
    let out = recolab(
        &[
            "fit",
            "--ratings",
            world.join("ratings.csv").to_str().unwrap(),
            "--movies",
            world.join("movies.csv").to_str().unwrap(),
            "--out",
            fitted.to_str().unwrap(),
        ],
        &[("RAYON_NUM_THREADS", threads)],
        dir,
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    (fitted, stdout, stderr)
}

#[test]
fn recolab_fit_writes_a_runnable_scenario_byte_identical_across_thread_counts() {
    let dir = tempfile::tempdir().unwrap();
    let (one, stdout, stderr) = fit_cli(dir.path(), "1");
    let (two, _, _) = fit_cli(dir.path(), "2");
    let file = std::fs::read_to_string(&one).unwrap();
    assert_eq!(
        file.replace("fitted-1", "fitted-2"),
        std::fs::read_to_string(&two).unwrap()
    );
    assert!(
        stdout.contains("item Gini") && stdout.contains("holds"),
        "{stdout}"
    );
    assert!(!stdout.contains(" NO"), "{stdout}");
    assert!(stderr.contains("round  1"), "progress on stderr: {stderr}");
    assert!(file.starts_with("// Fitted by `recolab fit`"), "{file}");
    let out = recolab(&["validate", one.to_str().unwrap()], &[], dir.path());
    assert!(out.status.success(), "{:?}", text(&out));
}

#[test]
fn recolab_fit_refuses_a_missing_log_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("fitted.ron");
    let out = recolab(
        &[
            "fit",
            "--ratings",
            "missing.csv",
            "--out",
            out_file.to_str().unwrap(),
        ],
        &[],
        dir.path(),
    );
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("missing.csv"), "{stderr}");
    assert!(!out_file.exists());
}

/// The target of a MovieLens log and movies file named by environment variables.
fn movielens_target(ratings: &str, movies: &str) -> FitTarget {
    let path = |variable: &str| {
        PathBuf::from(std::env::var_os(variable).unwrap_or_else(|| {
            panic!("set {variable} to the MovieLens file (it may not be redistributed)")
        }))
    };
    let dataset = load_log(&path(ratings), &path(movies));
    FitTarget::of_dataset("MovieLens", &dataset)
}

#[test]
#[ignore = "reads MovieLens 100k from RECOLAB_ML100K=/path/u.data, RECOLAB_ML100K_ITEMS=/path/u.item"]
fn a_world_fitted_to_movielens_100k_reproduces_every_statistic() {
    let target = movielens_target("RECOLAB_ML100K", "RECOLAB_ML100K_ITEMS");
    let fitted = assert_fit_holds(target, 42);
    assert_eq!(
        (fitted.params.n_users, fitted.target.shape.n_items),
        (943, 1682)
    );
}

//! `recolab stats` end to end, and the log shape of MovieLens against an independent
//! reference.
//!
//! MovieLens may not be redistributed, so the reference checks read the files from
//! where you keep them and are `#[ignore]`d:
//!
//! ```text
//! RECOLAB_ML100K=/path/ml-100k/u.data \
//! RECOLAB_ML_LATEST_SMALL=/path/ml-latest-small/ratings.csv \
//!     cargo test --release --test integration log_shape -- --ignored
//! ```

use std::path::{Path, PathBuf};

use recolab::data::{Dataset, LogShape, SegmentThresholds, log_shape, read_ratings};

use crate::fixtures::{write_ml_latest, write_ml100k};
use crate::harness::{recolab, text};

fn stats(args: &[&str], cwd: &Path) -> (Option<i32>, String, String) {
    let mut all = vec!["stats"];
    all.extend_from_slice(args);
    let output = recolab(&all, &[], cwd);
    let (stdout, stderr) = text(&output);
    (output.status.code(), stdout, stderr)
}

/// The value printed on the row `label` of a `recolab stats` table, column `column`
/// (columns are at least two spaces apart; a cell may hold one).
fn cell<'a>(table: &'a str, label: &str, column: usize) -> &'a str {
    let line = table
        .lines()
        .find(|l| l.starts_with(label) && l[label.len()..].starts_with("  "))
        .unwrap_or_else(|| panic!("no row {label:?} in\n{table}"));
    line[label.len()..]
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .nth(column)
        .unwrap_or_else(|| panic!("no column {column} on {line:?}"))
}

#[test]
fn stats_prints_the_shape_and_writes_json() {
    let dir = tempfile::tempdir().unwrap();
    let (ratings, movies) = write_ml_latest(dir.path());
    let json = dir.path().join("out").join("shape.json");
    let (code, stdout, stderr) = stats(
        &[
            ratings.to_str().unwrap(),
            "--movies",
            movies.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(code, Some(0), "{stderr}");
    // 12 users × 6 movies, every one rated.
    assert_eq!(cell(&stdout, "ratings", 0), "72");
    assert_eq!(cell(&stdout, "users", 0), "12");
    assert_eq!(cell(&stdout, "catalogue (movies file)", 0), "6");
    assert_eq!(cell(&stdout, "density", 0), "1.0000000");
    assert_eq!(cell(&stdout, "item Gini", 0), "0.000000");
    assert!(stdout.contains("share of 0.5 stars"), "{stdout}");
    assert!(stderr.contains("recolab: wrote"), "{stderr}");
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(written["format_version"], 1);
    assert_eq!(written["this"]["n_catalogue"], 6);
    assert_eq!(written["this"]["shape"]["n_ratings"], 72);
    assert!(written["against"].is_null());
    // No temporary file is left beside the JSON.
    assert_eq!(
        std::fs::read_dir(json.parent().unwrap()).unwrap().count(),
        1
    );
}

#[test]
fn stats_against_puts_a_second_log_beside_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let (latest, _) = write_ml_latest(dir.path());
    let ml100k_dir = dir.path().join("ml-100k");
    std::fs::create_dir(&ml100k_dir).unwrap();
    let (u_data, _) = write_ml100k(&ml100k_dir, 20, 30);
    let json = dir.path().join("both.json");
    let (code, stdout, stderr) = stats(
        &[
            latest.to_str().unwrap(),
            "--against",
            u_data.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
            "-q",
        ],
        dir.path(),
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.is_empty(), "-q prints nothing: {stderr}");
    let header = stdout.lines().next().unwrap();
    assert!(
        header.contains("ratings.csv") && header.contains("ml-100k/u.data"),
        "{header}"
    );
    assert_eq!(cell(&stdout, "users", 0), "12");
    assert_eq!(cell(&stdout, "users", 1), "20");
    // Half stars in the first log only: the second shows them as none.
    assert_eq!(cell(&stdout, "share of 0.5 stars", 1), "0.000000 (0)");
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(written["against"]["shape"]["n_users"], 20);
}

#[test]
fn stats_of_a_missing_or_malformed_log_exits_2_with_the_data_error() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = stats(&["nowhere.csv"], dir.path());
    assert_eq!(code, Some(2));
    assert!(stderr.contains("nowhere.csv: cannot read"), "{stderr}");

    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "userId,movieId,rating,timestamp\n1,2,4.0,5\n1,3,x,5\n",
    )
    .unwrap();
    let json = dir.path().join("shape.json");
    let (code, _, stderr) = stats(
        &[bad.to_str().unwrap(), "--json", json.to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains(&format!("{}:line 3: rating \"x\"", bad.display()))
            && stderr.contains("fix:"),
        "{stderr}"
    );
    assert!(!json.exists(), "no JSON for a log that could not be read");
}

/// The shape of a MovieLens file named by an environment variable.
fn shape_of_env(variable: &str) -> LogShape {
    let path = PathBuf::from(std::env::var_os(variable).unwrap_or_else(|| {
        panic!("set {variable} to the MovieLens file (it may not be redistributed)")
    }));
    let rows = read_ratings(&path).unwrap();
    let dataset =
        Dataset::from_rows("ml", &rows, None, &path, SegmentThresholds::default()).unwrap();
    log_shape(&dataset.ratings)
}

/// `value` rounded to `decimals` decimals equals `expected`.
fn assert_rounded(name: &str, value: f64, expected: f64, decimals: i32) {
    let scale = 10f64.powi(decimals);
    assert!(
        ((value * scale).round() - expected * scale).abs() < 0.5,
        "{name}: {value} does not round to {expected}"
    );
}

#[test]
#[ignore = "reads MovieLens 100k from RECOLAB_ML100K=/path/u.data"]
fn log_shape_of_movielens_100k_matches_the_reference() {
    let s = shape_of_env("RECOLAB_ML100K");
    assert_eq!((s.n_ratings, s.n_users, s.n_items), (100_000, 943, 1682));
    for (name, value, expected, decimals) in [
        ("density", s.density, 0.063_046_7, 7),
        ("item Gini", s.item_gini, 0.629_000, 6),
        ("top-10% share", s.item_top10_share, 0.428_71, 5),
        ("user Gini", s.user_gini, 0.471_909, 6),
        ("user median", s.user_quantiles.p50, 65.0, 0),
        ("user p99", s.user_quantiles.p99, 442.54, 2),
        ("user max", s.user_quantiles.max, 737.0, 0),
        ("user mean", s.user_mean, 106.0445, 4),
        ("power share", s.power_share, 0.158_006, 6),
        ("rating mean", s.rating_mean, 3.529_86, 5),
        ("rating sd", s.rating_sd, 1.125_668, 6),
        ("rating mode", s.rating_mode, 4.0, 0),
        ("five-star share", s.five_star_share, 0.212_01, 5),
        ("item p10", s.item_quantiles.p10, 2.0, 0),
        ("item p25", s.item_quantiles.p25, 6.0, 0),
        ("item p50", s.item_quantiles.p50, 27.0, 0),
        ("item p75", s.item_quantiles.p75, 80.0, 0),
        ("item p90", s.item_quantiles.p90, 169.0, 0),
        ("item p99", s.item_quantiles.p99, 369.09, 2),
        (
            "Spearman",
            s.popularity_rating_spearman.unwrap(),
            0.491_669,
            6,
        ),
    ] {
        assert_rounded(name, value, expected, decimals);
    }
    assert_eq!(s.n_items_spearman, 1152);
}

#[test]
#[ignore = "reads ml-latest-small from RECOLAB_ML_LATEST_SMALL=/path/ratings.csv"]
fn log_shape_of_movielens_latest_small_matches_the_reference() {
    let s = shape_of_env("RECOLAB_ML_LATEST_SMALL");
    for (name, value, expected, decimals) in [
        ("item Gini", s.item_gini, 0.716_280, 6),
        ("top-10% share", s.item_top10_share, 0.600_490, 6),
        ("user Gini", s.user_gini, 0.603_984, 6),
        ("user median", s.user_quantiles.p50, 70.5, 1),
        ("user p99", s.user_quantiles.p99, 1256.22, 2),
        ("rating mean", s.rating_mean, 3.501_557, 6),
        ("rating sd", s.rating_sd, 1.042_524, 6),
        ("five-star share", s.five_star_share, 0.131_015, 6),
        (
            "Spearman",
            s.popularity_rating_spearman.unwrap(),
            0.251_263,
            6,
        ),
    ] {
        assert_rounded(name, value, expected, decimals);
    }
    assert_eq!(s.n_items_spearman, 2269);
}

//! Offline evaluation end to end: determinism, truth, real-data import, the CLI.

use std::path::Path;
use std::process::Command;

use recolab::data::read_ratings;
use recolab::eval::evaluate;
use recolab::eval_run::{EvalSource, evaluate_source};
use recolab::scenario::Scenario;

use super::fixtures::{write_ml_latest, write_ml100k};
use super::harness::load_log;

const SMALL_WORLD: &str = r#"(
    name: "small",
    seed: 11,
    catalogue: (n_movies: 300),
    population: (n_users: 400),
    horizon: (days: 2, warm_up_days: 30),
    evaluation: (protocol: KFold(folds: 3), k: 10),
)"#;

fn small_world() -> Scenario {
    Scenario::from_ron_str(SMALL_WORLD, Path::new("small.ron"), "small").unwrap()
}

fn recolab() -> Command {
    Command::new(env!("CARGO_BIN_EXE_recolab"))
}

fn eval_json_with_threads(n_threads: usize) -> String {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(n_threads)
        .build()
        .unwrap();
    let scenario = small_world();
    let evaluation = pool.install(|| evaluate_source(&scenario, EvalSource::World).unwrap());
    serde_json::to_string_pretty(&evaluation).unwrap()
}

#[test]
fn thread_count_does_not_change_eval_json() {
    let one = eval_json_with_threads(1);
    let two = eval_json_with_threads(2);
    assert!(one == two, "eval.json differs between 1 and 2 threads");
    assert!(one.contains("\"arm\": \"popularity\""));
}

#[test]
fn truth_predicts_ratings_at_the_noise_floor() {
    // The world's rating noise is known, so the truth's RMSE must sit at the floor:
    // the floor is what an SVD arm is checked against (within 10%).
    let evaluation = evaluate_source(&small_world(), EvalSource::World).unwrap();
    let floor = evaluation.noise_floor_rmse.unwrap().mean;
    let truth = evaluation
        .rating_references
        .iter()
        .find(|r| r.predictor == "truth")
        .unwrap()
        .rmse
        .unwrap()
        .mean;
    assert!(
        (truth / floor - 1.0).abs() < 0.05,
        "truth {truth}, floor {floor}"
    );
    let baseline = evaluation.rating_references[1].rmse.unwrap().mean;
    assert!(
        baseline > floor,
        "the bias baseline {baseline} cannot beat the floor {floor}"
    );
    assert_eq!(evaluation.folds.len(), 3);
    // Popularity beats random on every ranking metric of a generated world.
    let ndcg = |arm: usize| evaluation.arms[arm].overall.get("ndcg").unwrap().mean;
    assert!(ndcg(0) > ndcg(1));
    // Popularity's lists are the baseline itself: never serendipitous.
    let serendipity = evaluation.arms[0].overall.get("serendipity").unwrap().mean;
    assert_eq!(serendipity, 0.0);
}

#[test]
fn movielens_100k_fixture_imports_with_genres_and_latin1_titles() {
    let dir = tempfile::tempdir().unwrap();
    let (ratings, movies) = write_ml100k(dir.path(), 30, 40);
    let rows = read_ratings(&ratings).unwrap();
    let dataset = load_log(&ratings, &movies);
    assert_eq!(dataset.population.len(), 30);
    assert_eq!(dataset.catalogue.len(), 40);
    assert_eq!(dataset.ratings.len(), rows.len());
    assert_eq!(dataset.catalogue.movies[2].title, "Café Society (1996)");
    assert!(dataset.catalogue.genre_names.contains(&"Drama".to_owned()));
    // Every movie is a drama, most with one more genre.
    let drama = dataset
        .catalogue
        .genre_names
        .iter()
        .position(|g| g == "Drama")
        .unwrap();
    assert!(
        dataset
            .catalogue
            .movies
            .iter()
            .all(|m| m.genres.iter().any(|g| g.index() == drama))
    );
    let votes: u64 = dataset.catalogue.movies.iter().map(|m| m.vote_count).sum();
    assert_eq!(votes as usize, rows.len());
    let scenario = recolab::eval_run::default_scenario("ml");
    let evaluation = evaluate(
        &dataset,
        &scenario.spec().stack.arms,
        &scenario.spec().evaluation,
        1,
        None,
    )
    .unwrap();
    assert_eq!(evaluation.folds.len(), 5);
    assert!(evaluation.arms[0].overall.get("ild_genre").is_some());
    assert!(evaluation.arms[0].overall.get("ild_embedding").is_none());
}

#[test]
fn movielens_latest_fixture_imports_quoted_titles_and_half_stars() {
    let dir = tempfile::tempdir().unwrap();
    let (ratings, movies) = write_ml_latest(dir.path());
    let rows = read_ratings(&ratings).unwrap();
    assert!(rows.iter().any(|r| r.rating == 0.5));
    let dataset = load_log(&ratings, &movies);
    assert_eq!(dataset.item_ids, ["1", "2", "3", "5", "8", "13"]);
    assert_eq!(
        dataset.catalogue.movies[2].title,
        "American President, The (1995)"
    );
    assert!(dataset.catalogue.movies[5].genres.is_empty());
}

#[test]
fn cli_eval_on_a_movielens_log_writes_eval_json_and_md() {
    let dir = tempfile::tempdir().unwrap();
    let (ratings, movies) = write_ml100k(dir.path(), 25, 30);
    let out = dir.path().join("report");
    let output = recolab()
        .args(["eval", "--ratings"])
        .arg(&ratings)
        .arg("--movies")
        .arg(&movies)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("popularity") && stdout.contains("nDCG@K"),
        "{stdout}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("eval.json")).unwrap()).unwrap();
    assert_eq!(json["data"]["n_users"], 25);
    assert_eq!(json["arms"][0]["overall"]["ndcg"]["n_folds"], 5);
    assert!(json["arms"][0]["overall"]["ndcg"]["low"].is_number());
    let md = std::fs::read_to_string(out.join("eval.md")).unwrap();
    assert!(md.contains("| nDCG@K |"));
}

#[test]
fn cli_reports_malformed_rows_with_file_and_line_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let ratings = dir.path().join("ratings.csv");
    std::fs::write(
        &ratings,
        "user_id,item_id,rating,timestamp\n1,2,4,0\n1,3,four,0\n",
    )
    .unwrap();
    let output = recolab()
        .args(["eval", "--ratings"])
        .arg(&ratings)
        .arg("--out")
        .arg(dir.path().join("r"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("{}:line 3: rating \"four\"", ratings.display())),
        "{stderr}"
    );
}

#[test]
fn cli_metrics_scores_a_trec_run_with_an_item_table() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run.txt");
    let qrels = dir.path().join("qrels.txt");
    let items = dir.path().join("items.csv");
    std::fs::write(
        &run,
        "u1 Q0 a 1 0.9 sys\nu1 Q0 b 2 0.8 sys\nu2 Q0 c 1 0.7 sys\nu2 Q0 a 2 0.1 sys\n",
    )
    .unwrap();
    std::fs::write(&qrels, "u1 0 b 1\nu2 0 c 2\nu2 0 d 1\n").unwrap();
    std::fs::write(
        &items,
        "item_id,popularity,genres\na,50,Drama\nb,5,Anime|Drama\nc,1,Documentary\nd,0,\ne,2,Comedy\n",
    )
    .unwrap();
    let output = recolab()
        .args(["metrics", "--k", "2", "--run"])
        .arg(&run)
        .arg("--qrels")
        .arg(&qrels)
        .arg("--items")
        .arg(&items)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let m = &json["metrics"];
    // u1: hit at rank 2 → RR 1/2; u2: hit at rank 1 → RR 1. MRR 3/4.
    assert_eq!(m["mrr"], 0.75);
    // u1 recall 1, u2 recall 1/2.
    assert_eq!(m["recall"], 0.75);
    // Items a, b, c recommended of five.
    assert_eq!(m["coverage"], 0.6);
    assert!(m["gini"].is_number() && m["calibration_kl"].is_number());
    assert_eq!(json["n_catalogue_items"], 5);
}

/// A world where a factorisation can learn: two hidden taste factors, no per-genre
/// affinities (14 more directions of the truth), and 85–100 ratings per user of 100
/// movies (so about 60 training ratings per user per fold and weak selection bias).
/// Ratings follow taste more closely than the calibrated default (slope 0.8, noise
/// 0.5, no user offsets — the settings before calibration), so that what SVD can learn
/// is more than the biases; the other response settings are the defaults.
const LEARNABLE_WORLD: &str = r#"(
    name: "svd_learnable",
    seed: 5,
    catalogue: (n_movies: 100, n_factors: 2),
    population: (
        n_users: 400,
        genre_affinity_sd: 0.0,
        activity: Segments,
        segments: (
            cold_start: (share: 0.0, visits_per_day: 0.1, warm_up_interactions: (min: 0, max: 3)),
            regular: (share: 1.0, visits_per_day: 0.25, warm_up_interactions: (min: 85, max: 100)),
            power: (share: 0.0, visits_per_day: 0.8, warm_up_interactions: (min: 40, max: 50)),
        ),
    ),
    response: (rating: (slope: 0.8, noise_sd: 0.5, user_bias_sd: 0.0)),
    horizon: (days: 1, warm_up_days: 30),
    stack: (arms: [Svd(factors: 4, epochs: 40, regularisation: 0.05)], policy: Uniform, arms_per_request: 1),
    evaluation: (protocol: KFold(folds: 3), k: 10),
)"#;

#[test]
fn svd_rmse_is_within_ten_percent_of_the_noise_floor_on_a_learnable_world() {
    // The "Evaluation framework" issue: on a generated world where truth is known,
    // SVD's RMSE approaches the rating noise floor set in the scenario (within 10%).
    // Measured 0.596 against a floor of 0.563 (ratio 1.059; bias baseline 0.912); see
    // docs/EVALUATION_FRAMEWORK.md for why the default world is far from this.
    let scenario =
        Scenario::from_ron_str(LEARNABLE_WORLD, Path::new("learnable.ron"), "l").unwrap();
    let evaluation = evaluate_source(&scenario, EvalSource::World).unwrap();
    let floor = evaluation.noise_floor_rmse.unwrap().mean;
    let svd = evaluation.arms.iter().find(|a| a.arm == "svd").unwrap();
    let rmse = svd.overall.get("rmse").unwrap().mean;
    assert!(
        rmse <= 1.1 * floor,
        "svd RMSE {rmse} is not within 10% of the noise floor {floor}"
    );
    // It learned the taste structure, not only the biases.
    let baseline = evaluation.rating_references[1].rmse.unwrap().mean;
    eprintln!("svd RMSE {rmse:.3}, noise floor {floor:.3}, bias baseline {baseline:.3}");
    assert!(
        rmse < 0.75 * baseline,
        "svd {rmse}, bias baseline {baseline}"
    );
}

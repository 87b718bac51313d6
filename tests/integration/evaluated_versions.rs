//! `pipeline.evaluate_versions`: a run without a gate scores every warm-started
//! version offline, reports the variance across retrains, serves exactly what it
//! serves without the field, and resumes into the same report byte for byte.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::harness::{read_tree, run_quiet, scenario, succeed_into, text};

/// The smoke world (5 days) with popularity, SVD and serendipity under Thompson
/// Sampling, warm-started every 12 simulated hours; with `evaluate_versions` when
/// `evaluate`.
fn smoke(dir: &Path, evaluate: bool) -> PathBuf {
    let line = "pipeline: (retrain_every_hours: 12.0),";
    let text = std::fs::read_to_string(scenario("smoke.ron")).unwrap();
    assert!(text.contains(line), "smoke.ron's pipeline line changed");
    let extra = if evaluate {
        ", evaluate_versions: true"
    } else {
        ""
    };
    let text = text.replace(
        line,
        &format!(
            "stack: (arms: [Popularity, Svd(), Serendipity()], policy: Thompson()),\n    \
             pipeline: (retrain_every_hours: 12.0{extra}),"
        ),
    );
    let path = dir.join(if evaluate {
        "evaluated.ron"
    } else {
        "plain.ron"
    });
    std::fs::write(&path, text).unwrap();
    path
}

fn json(dir: &Path, file: &str) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join(file)).unwrap()).unwrap()
}

#[test]
fn evaluated_warm_starts_report_their_variance_and_resume_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let (evaluated, plain) = (smoke(tmp.path(), true), smoke(tmp.path(), false));
    let (a, b) = (tmp.path().join("evaluated"), tmp.path().join("plain"));
    succeed_into("run", &evaluated, &a, "2", &[]);
    succeed_into("run", &plain, &b, "2", &[]);

    // Every warm start after version 1 carries its offline metrics and the
    // previous version's.
    let updates = json(&a, "model_updates.json");
    let updates = updates.as_array().unwrap();
    assert_eq!(updates.len(), 10, "version 1 and 9 warm starts in 5 days");
    let mut svd_rmse = Vec::new();
    for (n, u) in updates.iter().enumerate().skip(1) {
        assert_eq!(u["warm_start"], true);
        let eval = &u["evaluation"];
        assert_eq!(eval["deployed_version"], n as u64, "{u}");
        assert!(eval["n_users"].as_u64().unwrap() > 0);
        let arms = eval["candidate"].as_array().unwrap();
        let svd = arms.iter().find(|m| m["arm"] == "svd").unwrap();
        svd_rmse.push(svd["rmse"].as_f64().unwrap());
        if n > 1 {
            // The previous version's scores are its own run's.
            assert_eq!(eval["deployed"], updates[n - 1]["evaluation"]["candidate"]);
        }
    }
    // summary.json's spread of SVD's RMSE, recomputed from those values with the
    // module's formula (mean, sample sd with n − 1, cv = sd / |mean|).
    let n = svd_rmse.len() as f64;
    let mean = svd_rmse.iter().sum::<f64>() / n;
    let sd = (svd_rmse.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let summary = json(&a, "summary.json");
    let spread = summary["retrain_variance"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["arm"] == "svd" && s["metric"] == "rmse")
        .unwrap()
        .clone();
    assert_eq!(spread["n_runs"], 9);
    assert!((spread["mean"].as_f64().unwrap() - mean).abs() < 1e-12);
    assert!((spread["sd"].as_f64().unwrap() - sd).abs() < 1e-12);
    assert!((spread["cv"].as_f64().unwrap() - sd / mean).abs() < 1e-12);
    assert!(sd > 0.0, "nine retrains on new data move RMSE a little");

    // What was served is the same as without the field: only the files that hold
    // the scenario, the runs' evaluations or their summary differ (the dashboard
    // shows neither).
    let (with, without) = (read_tree(&a), read_tree(&b));
    assert_eq!(
        with.keys().collect::<Vec<_>>(),
        without.keys().collect::<Vec<_>>()
    );
    let differ: Vec<String> = with
        .iter()
        .filter(|(path, bytes)| *bytes != &without[*path])
        .map(|(path, _)| path.display().to_string())
        .collect();
    for file in &differ {
        assert!(
            ["model_updates.json", "summary.json", "scenario.ron"].contains(&file.as_str()),
            "evaluate_versions changed {file}"
        );
    }
    assert!(with.contains_key(Path::new("events.jsonl")));

    // Stopped after day 2 and resumed on one thread: the same report.
    let resumed = tmp.path().join("resumed");
    let stop = ["--checkpoint-every-days", "1", "--stop-after-days", "2"];
    let output = run_quiet("run", &evaluated, &resumed, "2", &stop, tmp.path());
    assert_eq!(output.status.code(), Some(3), "{:?}", text(&output));
    let mut checkpoint = resumed.as_os_str().to_owned();
    checkpoint.push(".checkpoint");
    let checkpoint = PathBuf::from(checkpoint);
    succeed_into(
        "run",
        &evaluated,
        &resumed,
        "1",
        &["--resume", checkpoint.to_str().unwrap()],
    );
    let again = read_tree(&resumed);
    assert_eq!(
        with.keys().collect::<Vec<_>>(),
        again.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &with {
        assert!(
            bytes == &again[path],
            "{} differs after resume",
            path.display()
        );
    }
}

//! Resumable runs (docs/CHECKPOINTS.md): a run stopped at any midnight and resumed
//! writes the uninterrupted run's report, byte for byte; a stopped run leaves no
//! report folder; resuming refuses checkpoints that do not fit.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::harness::{read_tree, root, run_quiet, scenario, text};

/// Exit code of a run stopped with a checkpoint.
const STOPPED: i32 = 3;

/// `recolab run SCENARIO --out OUT -q EXTRA…` with `threads` rayon threads.
fn run(scenario: &Path, out: &Path, threads: &str, extra: &[&str]) -> (i32, String) {
    let output = run_quiet("run", scenario, out, threads, extra, &root());
    let (_, stderr) = text(&output);
    (output.status.code().unwrap_or(-1), stderr)
}

/// The report of resumable_run.ron run straight through, without checkpoints
/// (written once for every test of this module).
fn uninterrupted() -> &'static Path {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DIR.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("plain");
        let (code, stderr) = run(&scenario("resumable_run.ron"), &out, "2", &[]);
        assert_eq!(code, 0, "{stderr}");
        (tmp, out)
    })
    .1
}

fn assert_same_report(resumed: &Path, what: &str) {
    let a = read_tree(uninterrupted());
    let b = read_tree(resumed);
    assert!(a.contains_key(Path::new("events.jsonl")));
    assert!(a.contains_key(Path::new("regret.json")));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{what}: other files"
    );
    for (path, bytes) in &a {
        assert!(
            bytes == &b[path],
            "{what}: {} differs from the uninterrupted run's",
            path.display()
        );
    }
}

fn checkpoint_of(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".checkpoint");
    PathBuf::from(name)
}

/// Stops a run with `--stop-after-days`, checks it left no report, and returns its
/// stderr.
fn stop(out: &Path, threads: &str, extra: &[&str]) -> String {
    let (code, stderr) = run(&scenario("resumable_run.ron"), out, threads, extra);
    assert_eq!(code, STOPPED, "{stderr}");
    assert!(stderr.contains("--resume"), "{stderr}");
    assert!(!out.exists(), "a stopped run left {}", out.display());
    stderr
}

#[test]
fn a_run_stopped_at_three_points_and_resumed_gives_the_uninterrupted_report() {
    let tmp = tempfile::tempdir().unwrap();
    let s = scenario("resumable_run.ron");

    // 1: stopped after day 1, resumed on one thread (the lists are no longer
    // prepared ahead: the thread count of either half changes nothing) with a
    // checkpoint every day: cutting the windows at midnight changes nothing, and
    // the finished run removes its spent checkpoint.
    let one = tmp.path().join("one");
    stop(
        &one,
        "2",
        &["--checkpoint-every-days", "1", "--stop-after-days", "1"],
    );
    let dir = checkpoint_of(&one);
    let (code, stderr) = run(&s, &one, "1", &["--resume", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert_same_report(&one, "stopped after day 1");
    assert!(!dir.exists(), "the spent checkpoint folder stays");

    // 2: stopped after day 2 with checkpoints every 3 days (the stop writes its own).
    let two = tmp.path().join("two");
    let dir = tmp.path().join("two-ckpt");
    stop(
        &two,
        "2",
        &[
            "--checkpoint-every-days",
            "3",
            "--checkpoint-dir",
            dir.to_str().unwrap(),
            "--stop-after-days",
            "2",
        ],
    );
    let (code, stderr) = run(&s, &two, "2", &["--resume", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert_same_report(&two, "stopped after day 2");

    // 3: stopped twice, after day 1 and after day 3 (a resumed run checkpoints on).
    let three = tmp.path().join("three");
    stop(
        &three,
        "2",
        &["--checkpoint-every-days", "1", "--stop-after-days", "1"],
    );
    let dir = checkpoint_of(&three);
    let resume = ["--resume", dir.to_str().unwrap()];
    stop(
        &three,
        "2",
        &[resume[0], resume[1], "--stop-after-days", "3"],
    );
    let (code, stderr) = run(&s, &three, "2", &resume);
    assert_eq!(code, 0, "{stderr}");
    assert_same_report(&three, "stopped after days 1 and 3");
}

#[test]
fn a_gated_run_resumes_with_the_version_its_gate_kept() {
    // gated_retraining.ron trains a candidate every day; by day 6 the gate has
    // deployed some and rejected the latest (docs/TRAINING_PIPELINE.md), so the
    // resumed run must serve the kept version, fitted again on the log it was
    // trained on, not the latest.
    let tmp = tempfile::tempdir().unwrap();
    let s = scenario("gated_retraining.ron");
    let plain = tmp.path().join("plain");
    let (code, stderr) = run(&s, &plain, "2", &[]);
    assert_eq!(code, 0, "{stderr}");
    let updates =
        String::from_utf8(std::fs::read(plain.join("model_updates.json")).unwrap()).unwrap();
    assert!(updates.contains("\"rejected\""), "{updates}");

    let resumed = tmp.path().join("resumed");
    let (code, stderr) = run(
        &s,
        &resumed,
        "2",
        &["--checkpoint-every-days", "1", "--stop-after-days", "6"],
    );
    assert_eq!(code, STOPPED, "{stderr}");
    let dir = checkpoint_of(&resumed);
    let (code, stderr) = run(&s, &resumed, "1", &["--resume", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let (a, b) = (read_tree(&plain), read_tree(&resumed));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(bytes == &b[path], "{} differs", path.display());
    }
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_run_at_the_next_midnight_and_resume_finishes_it() {
    let tmp = tempfile::tempdir().unwrap();
    let s = scenario("resumable_run.ron");
    let out = tmp.path().join("signalled");
    // Without -q and without a terminal, every simulated day is a line on stderr.
    let mut child = Command::new(env!("CARGO_BIN_EXE_recolab"))
        .args(["run", s.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .args(["--checkpoint-every-days", "10"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the recolab binary runs");
    let mut stderr = String::new();
    let mut signalled = false;
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        if !signalled && line.starts_with("recolab: day 1/") {
            let status = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status()
                .expect("kill runs");
            assert!(status.success());
            signalled = true;
        }
        stderr.push_str(&line);
        stderr.push('\n');
    }
    let status = child.wait().unwrap();
    assert!(signalled, "no day-1 line: {stderr}");
    assert_eq!(status.code(), Some(STOPPED), "{stderr}");
    assert!(stderr.contains("stopped after day"), "{stderr}");
    assert!(!out.exists(), "a stopped run left {}", out.display());
    let dir = checkpoint_of(&out);
    let (code, stderr) = run(&s, &out, "2", &["--resume", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert_same_report(&out, "stopped by SIGTERM");
}

/// A checkpoint of smoke.ron after day 1, in `tmp`.
fn smoke_checkpoint(tmp: &Path) -> PathBuf {
    let out = tmp.join("smoke");
    let (code, stderr) = run(
        &scenario("smoke.ron"),
        &out,
        "2",
        &["--checkpoint-every-days", "1", "--stop-after-days", "1"],
    );
    assert_eq!(code, STOPPED, "{stderr}");
    checkpoint_of(&out)
}

fn refused(dir: &Path, seed: Option<&str>) -> String {
    let out = dir.parent().unwrap().join("refused");
    let mut extra = vec!["--resume", dir.to_str().unwrap()];
    if let Some(seed) = seed {
        extra.extend(["--seed", seed]);
    }
    let (code, stderr) = run(&scenario("smoke.ron"), &out, "2", &extra);
    assert_eq!(code, 2, "{stderr}");
    assert!(!out.exists());
    stderr
}

#[test]
fn resume_refuses_a_checkpoint_that_does_not_fit_and_says_why() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = smoke_checkpoint(tmp.path());
    let file = dir.join("checkpoint.bin");
    let good = std::fs::read(&file).unwrap();

    // Another seed is another scenario.
    let err = refused(&dir, Some("12"));
    for part in [
        "checkpoint.bin",
        "scenario_hash",
        "seed 11",
        "seed 12",
        "fix:",
    ] {
        assert!(err.contains(part), "{part} missing from {err}");
    }

    // A flipped byte in the state.
    let mut damaged = good.clone();
    let last = damaged.len() - 1;
    damaged[last] ^= 0x40;
    std::fs::write(&file, &damaged).unwrap();
    let err = refused(&dir, None);
    assert!(err.contains("state_hash") && err.contains("fix:"), "{err}");

    // Cut short.
    std::fs::write(&file, &good[..good.len() / 2]).unwrap();
    let err = refused(&dir, None);
    assert!(err.contains("state_len") && err.contains("fix:"), "{err}");

    // Another format version: the magic bytes, then version 99 as a varint.
    let mut other = b"RCLBCKPT".to_vec();
    other.push(99);
    other.extend_from_slice(&good[9..]);
    std::fs::write(&file, &other).unwrap();
    let err = refused(&dir, None);
    assert!(
        err.contains("`format_version` is 99") && err.contains("reads version 3"),
        "{err}"
    );

    // Not a checkpoint at all.
    std::fs::write(&file, b"{\"format\":\"recolab-events\"}").unwrap();
    let err = refused(&dir, None);
    assert!(err.contains("magic bytes"), "{err}");

    // No checkpoint in the folder.
    std::fs::remove_file(&file).unwrap();
    let err = refused(&dir, None);
    assert!(
        err.contains("no checkpoint here") && err.contains("fix:"),
        "{err}"
    );
}

#[test]
fn a_fresh_run_does_not_overwrite_a_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = smoke_checkpoint(tmp.path());
    let before = std::fs::read(dir.join("checkpoint.bin")).unwrap();
    let (code, stderr) = run(
        &scenario("smoke.ron"),
        &tmp.path().join("smoke"),
        "2",
        &["--checkpoint-every-days", "1"],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("--resume") && stderr.contains("fix:"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(dir.join("checkpoint.bin")).unwrap(), before);
}

#[test]
fn a_searched_run_with_snapshots_resumes_into_the_uninterrupted_report() {
    // A small world with a hyper-parameter search behind the gate and both
    // snapshots: the resumed run must fit the serving version with the settings its
    // search chose (none is the stack's own), and take the snapshots not yet taken.
    let tmp = tempfile::tempdir().unwrap();
    let s = tmp.path().join("searched.ron");
    std::fs::write(
        &s,
        "(name: \"searched\", seed: 5, catalogue: (n_movies: 300),
          population: (n_users: 600), horizon: (days: 3, warm_up_days: 10),
          stack: (arms: [Popularity, Svd(), ItemCf()], policy: Thompson(context: [daypart]),
                  arms_per_request: 2, slate_size: 5),
          pipeline: (retrain_every_hours: 24.0,
                     gate: (eval_users: 100, tolerance: 0.5,
                            search: (svd: (factors: [4, 8]), item_cf: (neighbours: [10, 20]))),
                     bandit_snapshot_every_hours: 12.0, metric_snapshot_every_hours: 6.0),
          report: (offline_users: 0))",
    )
    .unwrap();
    let plain = tmp.path().join("plain");
    let (code, stderr) = run(&s, &plain, "2", &[]);
    assert_eq!(code, 0, "{stderr}");
    let updates: serde_json::Value =
        serde_json::from_slice(&std::fs::read(plain.join("model_updates.json")).unwrap()).unwrap();
    // Version 2 (day 1) was searched and deployed: it serves when the run stops.
    assert_eq!(updates[1]["decision"], "deployed", "{updates:#}");
    let chosen = &updates[1]["search"]["arms"][0];
    assert_eq!(chosen["configurations"].as_array().unwrap().len(), 2);
    // Version 1 (day 0) was searched too, and every searched version was fitted
    // again on training + validation: more than its configurations trained on.
    for u in [&updates[0], &updates[1]] {
        let search = &u["search"];
        assert_eq!(search["arms"].as_array().unwrap().len(), 2, "{u:#}");
        assert_eq!(search["n_refit"], u["n_interactions"], "{u:#}");
        assert!(
            search["n_refit"].as_u64() > search["n_train"].as_u64(),
            "{u:#}"
        );
    }
    let metrics: serde_json::Value =
        serde_json::from_slice(&std::fs::read(plain.join("metric_snapshots.json")).unwrap())
            .unwrap();
    assert_eq!(metrics["snapshots"].as_array().unwrap().len(), 12);
    let bandit: serde_json::Value =
        serde_json::from_slice(&std::fs::read(plain.join("bandit_snapshots.json")).unwrap())
            .unwrap();
    assert_eq!(bandit["snapshots"].as_array().unwrap().len(), 6);

    assert_stopped_after_day_2_resumes_into(&s, &plain, tmp.path());
}

/// Runs `scenario` stopped after day 2 (two threads), resumes it on one thread and
/// asserts the report equals the uninterrupted one in `plain`, byte for byte.
fn assert_stopped_after_day_2_resumes_into(scenario: &Path, plain: &Path, tmp: &Path) {
    let resumed = tmp.join("resumed");
    let (code, stderr) = run(
        scenario,
        &resumed,
        "2",
        &["--checkpoint-every-days", "1", "--stop-after-days", "2"],
    );
    assert_eq!(code, STOPPED, "{stderr}");
    let dir = checkpoint_of(&resumed);
    let (code, stderr) = run(
        scenario,
        &resumed,
        "1",
        &["--resume", dir.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{stderr}");
    let (a, b) = (read_tree(plain), read_tree(&resumed));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(bytes == &b[path], "{} differs", path.display());
    }
}

#[test]
fn exact_warm_starts_resume_into_the_uninterrupted_report() {
    // exact_warm_starts.ron warm-starts item CF exactly and PureSVD from its
    // previous basis every 12 hours; a resumed run rebuilds both by replaying the
    // logged updates, so stopped after day 2 and resumed on one thread it must write
    // the uninterrupted two-thread report, byte for byte.
    let tmp = tempfile::tempdir().unwrap();
    let s = scenario("exact_warm_starts.ron");
    let plain = tmp.path().join("plain");
    let (code, stderr) = run(&s, &plain, "2", &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_stopped_after_day_2_resumes_into(&s, &plain, tmp.path());
}

#[test]
fn frozen_means_warm_starts_resume_into_the_uninterrupted_report() {
    // frozen_means_warm_starts.ron updates item CF with frozen user means every 12
    // hours and refits it every 3rd update; the means, the frozen means of users
    // first seen since and the count of updates since the refit are rebuilt by
    // replaying the logged updates, so stopped after day 2 (four updates: frozen,
    // frozen, refit, frozen) and resumed on one thread it must write the
    // uninterrupted two-thread report, byte for byte.
    let tmp = tempfile::tempdir().unwrap();
    let s = scenario("frozen_means_warm_starts.ron");
    let plain = tmp.path().join("plain");
    let (code, stderr) = run(&s, &plain, "2", &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_stopped_after_day_2_resumes_into(&s, &plain, tmp.path());
}

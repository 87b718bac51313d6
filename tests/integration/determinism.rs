//! Same scenario and seed ⇒ byte-identical report, whatever the thread count.

use crate::harness::{read_tree, recolab, scenario, succeed_into, text};

fn run_smoke(out: &std::path::Path, threads: &str, extra: &[&str]) {
    succeed_into("run", &scenario("smoke.ron"), out, threads, extra);
}

#[test]
fn thread_count_does_not_change_report() {
    let tmp = tempfile::tempdir().unwrap();
    let one = tmp.path().join("one-thread");
    let two = tmp.path().join("two-threads");
    run_smoke(&one, "1", &[]);
    run_smoke(&two, "2", &[]);
    let a = read_tree(&one);
    let b = read_tree(&two);
    let names: Vec<_> = a.keys().map(|p| p.display().to_string()).collect();
    for expected in [
        "scenario.ron",
        "summary.json",
        "summary.md",
        "timeseries.csv",
        "model_updates.json",
        "events.jsonl",
        "index.html",
        "analytics/diversity-metrics.json",
        "analytics/experiments.json",
        "plots/lorenz.png",
        "plots/lorenz.svg",
        "plots/arm_shares.png",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(
            bytes == &b[path],
            "{} differs between 1 and 2 threads",
            path.display()
        );
    }
}

/// The default scenario's stack (seven arms, Thompson over five context features,
/// diversity, exact regret, the A/B test) on a world small enough for a debug build:
/// the replay prepares lists ahead on worker threads, and neither their number nor
/// their timing may change a byte.
#[test]
fn default_stack_report_is_the_same_with_one_two_and_four_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(scenario("default.ron")).unwrap();
    let small = text
        .replace(
            "n_movies: 5000",
            "n_movies: 500, n_people: 300, n_keywords: 100",
        )
        .replace("n_users: 20000", "n_users: 700")
        .replace("days: 30, warm_up_days: 30", "days: 3, warm_up_days: 14")
        .replace(
            "report: (regret: true)",
            "report: (regret: true, event_log: true, offline_users: 50)",
        );
    assert_ne!(small, text, "the default scenario's sizes were found");
    let ron = tmp.path().join("default_small.ron");
    std::fs::write(&ron, small).unwrap();
    let trees: Vec<_> = ["1", "2", "4"]
        .iter()
        .map(|threads| {
            let out = tmp.path().join(format!("threads-{threads}"));
            succeed_into("run", &ron, &out, threads, &[]);
            read_tree(&out)
        })
        .collect();
    assert!(trees[0].keys().any(|p| p.ends_with("regret.json")));
    assert!(trees[0].keys().any(|p| p.ends_with("events.jsonl")));
    for other in &trees[1..] {
        assert_eq!(
            trees[0].keys().collect::<Vec<_>>(),
            other.keys().collect::<Vec<_>>()
        );
        for (path, bytes) in &trees[0] {
            assert!(
                bytes == &other[path],
                "{} differs with the thread count",
                path.display()
            );
        }
    }
}

#[test]
fn another_seed_changes_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base");
    let other = tmp.path().join("other");
    run_smoke(&base, "2", &[]);
    run_smoke(&other, "2", &["--seed", "12"]);
    let a = std::fs::read(base.join("summary.json")).unwrap();
    let b = std::fs::read(other.join("summary.json")).unwrap();
    assert_ne!(a, b, "a different seed must give a different world");
}

#[test]
fn report_scenario_reproduces_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    let first = tmp.path().join("first");
    run_smoke(&first, "2", &[]);
    let again = tmp.path().join("again");
    let resolved = first.join("scenario.ron");
    let output = recolab(
        &[
            "run",
            resolved.to_str().unwrap(),
            "--out",
            again.to_str().unwrap(),
            "--quiet",
        ],
        &[],
        tmp.path(),
    );
    assert!(output.status.success(), "{:?}", text(&output));
    assert_eq!(read_tree(&first), read_tree(&again));
}

//! `-q` on every command: nothing on stderr when a command succeeds quietly.

use crate::fixtures::write_ml100k_tastes;
use crate::harness::{recolab, root, scenario, text};

#[test]
fn every_command_is_silent_on_stderr_with_q() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let smoke = scenario("smoke.ron");
    let smoke = smoke.to_str().unwrap();
    let [ratings, movies, tags] = write_ml100k_tastes(d, 20, 30);
    std::fs::write(
        d.join("run.csv"),
        "user_id,item_id,score\n1,10,0.9\n1,11,0.5\n",
    )
    .unwrap();
    std::fs::write(d.join("qrels.csv"), "user_id,item_id,relevance\n1,10,1\n").unwrap();
    std::fs::copy(
        root().join("tests/fixtures/bandit_state_v1.json"),
        d.join("state.json"),
    )
    .unwrap();
    let s = |p: &std::path::Path| p.to_str().unwrap().to_owned();
    let commands: Vec<Vec<String>> = [
        vec!["init", "demo"],
        vec!["validate", smoke],
        vec!["run", smoke, "--out", "r", "--update-baseline", "b.json"],
        vec!["check", "r", "--baseline", "b.json"],
        vec!["world", smoke, "--out", "w"],
        vec!["stats", "w/ratings.csv"],
        vec!["fit", "--ratings", "w/ratings.csv", "--out", "f.ron"],
        vec![
            "compare", smoke, "--policy", "static", "--seeds", "1", "--out", "c",
        ],
        vec![
            "sweep", smoke, "--seeds", "1", "--shard", "1/1", "--out", "s1",
        ],
        vec!["merge", "s1", "--out", "m"],
        vec!["metrics", "--run", "run.csv", "--qrels", "qrels.csv"],
        vec!["migrate", "state.json"],
    ]
    .into_iter()
    .map(|c| c.into_iter().map(str::to_owned).collect())
    .chain([vec![
        "eval".to_owned(),
        "--ratings".to_owned(),
        s(&ratings),
        "--movies".to_owned(),
        s(&movies),
        "--tags".to_owned(),
        s(&tags),
        "--out".to_owned(),
        "e".to_owned(),
    ]])
    .collect();
    for command in &commands {
        let mut args: Vec<&str> = command.iter().map(String::as_str).collect();
        args.push("-q");
        let out = recolab(&args, &[("RAYON_NUM_THREADS", "2")], d);
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{args:?}: {stdout}\n{stderr}");
        assert_eq!(stderr, "", "{args:?} wrote to stderr with -q");
    }
    // Without -q, the long commands show progress or timing on stderr.
    let out = recolab(&["eval", "--ratings", &s(&ratings), "--out", "e2"], &[], d);
    assert!(
        text(&out).1.contains("recolab: evaluating every arm"),
        "{:?}",
        text(&out)
    );
}

//! Helpers shared by the integration tests.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use recolab::scenario::Scenario;
use recolab::sweep::{CellResult, compare_scenario, run_cells};

/// The crate's root folder.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A shipped scenario by file name.
pub fn scenario(name: &str) -> PathBuf {
    root().join("scenarios").join(name)
}

/// Runs the `recolab` binary with `args` and extra environment variables.
pub fn recolab(args: &[&str], env: &[(&str, &str)], cwd: &Path) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_recolab"));
    cmd.args(args).current_dir(cwd);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the recolab binary runs")
}

/// `recolab run SCENARIO --out OUT -q` in `cwd`.
pub fn run_to(scenario: &Path, out: &Path, cwd: &Path) -> Output {
    recolab(
        &[
            "run",
            scenario.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
        ],
        &[],
        cwd,
    )
}

/// `recolab COMMAND SCENARIO --out OUT -q EXTRA…` with `threads` rayon threads, in
/// `cwd`.
pub fn run_quiet(
    command: &str,
    scenario: &Path,
    out: &Path,
    threads: &str,
    extra: &[&str],
    cwd: &Path,
) -> Output {
    let mut args = vec![
        command,
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ];
    args.extend_from_slice(extra);
    recolab(&args, &[("RAYON_NUM_THREADS", threads)], cwd)
}

/// `recolab COMMAND SCENARIO --out OUT -q EXTRA…` with `threads` rayon threads, in
/// the scenario's folder; fails the test unless it succeeds.
pub fn succeed_into(command: &str, scenario: &Path, out: &Path, threads: &str, extra: &[&str]) {
    let output = run_quiet(
        command,
        scenario,
        out,
        threads,
        extra,
        scenario.parent().unwrap(),
    );
    assert!(
        output.status.success(),
        "{command} failed: {:?}",
        text(&output)
    );
}

/// A rating log and its movies file, read as `recolab eval --ratings` reads them.
pub fn load_log(ratings: &Path, movies: &Path) -> recolab::data::Dataset {
    use recolab::data::{Dataset, SegmentThresholds, read_movies, read_ratings};
    let rows = read_ratings(ratings).unwrap();
    let movie_rows = read_movies(movies).unwrap();
    Dataset::from_rows(
        "log",
        &rows,
        Some(&movie_rows),
        ratings,
        SegmentThresholds::default(),
    )
    .unwrap()
}

/// Text of stdout and stderr, for assertion messages.
pub fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Every file of a folder (recursively) with its bytes, by relative path.
pub fn read_tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("report folder is readable") {
            let path = entry.expect("entry is readable").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).expect("under dir").to_owned();
                files.insert(rel, std::fs::read(&path).expect("file is readable"));
            }
        }
    }
    files
}

/// A shipped scenario file.
pub fn scenario_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(format!("{name}.ron"))
}

/// A shipped scenario, loaded and validated.
pub fn load_scenario(name: &str) -> Scenario {
    Scenario::from_file(&scenario_path(name)).expect("shipped scenarios are valid")
}

/// Runs `policies` (short syntax) on `n_seeds` seeds of `base`: `[policy][seed]`.
pub fn cells(base: &Scenario, policies: &[&str], n_seeds: usize) -> Vec<Vec<CellResult>> {
    let arms: Vec<&str> = base.spec().stack.arms.iter().map(|a| a.name()).collect();
    let scenarios: Vec<Scenario> = policies
        .iter()
        .map(|p| {
            let spec = recolab::bandit::parse_policy(p, &arms).expect("test policies parse");
            compare_scenario(base, p, spec).expect("test policies validate")
        })
        .collect();
    run_cells(&scenarios, n_seeds)
}

/// A copy of `base` with fewer users and days (for debug-build tests).
pub fn shrunk(base: &Scenario, n_users: usize, days: u32) -> Scenario {
    let mut spec = base.spec().clone();
    spec.population.n_users = n_users;
    spec.horizon.days = days;
    spec.validate(Path::new("shrunk"), base.name())
        .expect("shrinking keeps a scenario valid")
}

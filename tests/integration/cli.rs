//! The command line as a user meets it: exit codes, messages, files.

use crate::harness::{recolab, root, run_to, scenario, text};

#[test]
fn help_shows_examples() {
    let output = recolab(&["--help"], &[], &root());
    let (stdout, _) = text(&output);
    assert!(output.status.success());
    assert!(
        stdout.contains("Examples:") && stdout.contains("recolab run scenarios/default.ron"),
        "{stdout}"
    );
}

#[test]
fn validate_accepts_a_good_scenario() {
    let output = recolab(
        &["validate", scenario("default.ron").to_str().unwrap()],
        &[],
        &root(),
    );
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stdout.contains("ok") && stdout.contains("5000 movies"),
        "{stdout}"
    );
}

#[test]
fn validate_rejects_a_bad_scenario_with_exit_2_and_the_field() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.ron");
    std::fs::write(
        &bad,
        "(stack: (slate_size: 0), population: (niche_lover_share: 2.0))",
    )
    .unwrap();
    let output = recolab(&["validate", bad.to_str().unwrap()], &[], tmp.path());
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2));
    for part in [
        "bad.ron",
        "`stack.slate_size`",
        "`population.niche_lover_share`",
        "fix:",
    ] {
        assert!(stderr.contains(part), "{part} not in {stderr}");
    }
}

#[test]
fn run_of_a_missing_file_fails_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let output = recolab(&["run", "nowhere.ron"], &[], tmp.path());
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr.contains("nowhere.ron") && stderr.contains("cannot read"),
        "{stderr}"
    );
    assert!(
        !tmp.path().join("reports").exists(),
        "no report folder for a failed run"
    );
}

#[test]
fn run_that_cannot_write_leaves_no_half_report() {
    let tmp = tempfile::tempdir().unwrap();
    // The report's parent is a file, so nothing can be created under it.
    std::fs::write(tmp.path().join("blocker"), "").unwrap();
    let out = tmp.path().join("blocker").join("report");
    let output = run_to(&scenario("smoke.ron"), &out, tmp.path());
    assert_eq!(output.status.code(), Some(2), "{:?}", text(&output));
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, vec![std::ffi::OsString::from("blocker")]);
}

#[test]
fn run_replaces_an_old_report_and_prints_the_headline() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("stale.txt"), "from an older run").unwrap();
    let output = recolab(
        &[
            "run",
            scenario("smoke.ron").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
        tmp.path(),
    );
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stdout.contains("CTR") && stdout.contains("Gini"),
        "{stdout}"
    );
    assert!(
        stderr.contains("day 5/5"),
        "progress goes to stderr: {stderr}"
    );
    assert!(out.join("summary.json").exists());
    assert!(
        !out.join("stale.txt").exists(),
        "the old report is replaced whole"
    );
    let hidden: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(
        hidden.is_empty(),
        "temporary folders left behind: {hidden:?}"
    );
}

#[test]
fn default_report_folder_is_named_after_the_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let output = recolab(
        &["run", scenario("smoke.ron").to_str().unwrap(), "-q"],
        &[],
        tmp.path(),
    );
    assert!(output.status.success(), "{:?}", text(&output));
    assert!(tmp.path().join("reports/smoke/summary.md").exists());
}

#[test]
fn init_writes_a_runnable_starter_and_refuses_to_overwrite() {
    let tmp = tempfile::tempdir().unwrap();
    let output = recolab(&["init", "trial"], &[], tmp.path());
    assert!(output.status.success(), "{:?}", text(&output));
    let written = std::fs::read_to_string(tmp.path().join("trial.ron")).unwrap();
    assert!(
        written.contains("name: \"trial\"") && written.contains("//"),
        "commented starter"
    );
    let check = recolab(&["validate", "trial.ron"], &[], tmp.path());
    assert!(check.status.success(), "{:?}", text(&check));
    let again = recolab(&["init", "trial"], &[], tmp.path());
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again).1.contains("already exists"));
}

/// `validate` of a scenario file holding `contents`: exit code and stderr.
fn validate_text(contents: &[u8]) -> (Option<i32>, String) {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("edge.ron");
    std::fs::write(&file, contents).unwrap();
    let output = recolab(&["validate", file.to_str().unwrap()], &[], tmp.path());
    let (_, stderr) = text(&output);
    (output.status.code(), stderr)
}

#[test]
fn malformed_numbers_and_files_are_refused_with_the_fix() {
    let long_name = format!("(name: \"{}\")", "a".repeat(300));
    let mut binary = b"(\x00\xff\xfe".to_vec();
    binary.extend_from_slice(&[0x80; 32]);
    for (contents, wanted) in [
        // A decimal where an integer belongs stops RON at the `.`.
        (
            b"(horizon: (days: 30.5))".to_vec(),
            "a whole number is expected here",
        ),
        // Out of the field's type: the message gives the field's own range, not the
        // type's (0 – 4,294,967,295).
        (
            b"(horizon: (days: 99999999999))".to_vec(),
            "from 1 to 3,650",
        ),
        (
            b"(catalogue: (n_movies: -3))".to_vec(),
            "does not fit this field",
        ),
        (
            b"(catalogue: (n_movies: 100)) trailing".to_vec(),
            "text after the scenario's closing",
        ),
        (binary, "is not a text file"),
        (long_name.into_bytes(), "use at most 100 characters"),
    ] {
        let (code, stderr) = validate_text(&contents);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(
            stderr.contains(wanted) && stderr.contains("fix:"),
            "{wanted:?} not in {stderr}"
        );
        assert!(stderr.contains("edge.ron"), "the file is named: {stderr}");
    }
}

#[test]
fn run_with_out_naming_a_file_says_so_and_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let taken = tmp.path().join("taken");
    std::fs::write(&taken, b"keep me").unwrap();
    let output = run_to(&scenario("smoke.ron"), &taken, tmp.path());
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("is a file, not a report folder"),
        "{stderr}"
    );
    // Said once, not once per layer of the error.
    assert_eq!(stderr.matches("is a file").count(), 1, "{stderr}");
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "nothing beside the file: {left:?}");
    assert_eq!(std::fs::read(&taken).unwrap(), b"keep me");
}

#[test]
fn validate_prints_what_a_run_will_cost() {
    let output = recolab(
        &["validate", scenario("default.ron").to_str().unwrap()],
        &[],
        &root(),
    );
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    for part in [
        "estimate:",
        "MB of memory",
        "warm-up ratings",
        "requests",
        "warm-up history",
    ] {
        assert!(stdout.contains(part), "{part} not in {stdout}");
    }
}

#[test]
fn runs_beyond_the_memory_estimate_are_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        // Sizes no machine holds: refused against any machine's available memory.
        (
            "movies.ron",
            "(catalogue: (n_movies: 4000000000))",
            None,
            "catalogue.n_movies",
        ),
        (
            "users.ron",
            "(population: (n_users: 4000000000))",
            None,
            "population.n_users",
        ),
        (
            "factors.ron",
            "(catalogue: (n_factors: 1000000000))",
            None,
            "catalogue.n_factors",
        ),
        (
            "sessions.ron",
            "(population: (n_users: 200), report: (event_log: true), response: (session:
              (continue_without_click: 1.0, continue_after_click: 1.0, max_requests: 1000000000)))",
            None,
            "report.event_log",
        ),
        // An ordinary scenario over a budget set on the command line.
        (
            "budget.ron",
            "(population: (n_users: 500))",
            Some("1M"),
            "--max-memory",
        ),
    ];
    for (file, ron, budget, wanted) in cases {
        let path = tmp.path().join(file);
        std::fs::write(&path, ron).unwrap();
        let out = tmp.path().join("report");
        let mut args = vec![
            "run",
            path.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
        ];
        if let Some(b) = budget {
            args.extend(["--max-memory", b]);
        }
        let output = recolab(&args, &[], tmp.path());
        let (_, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(2), "{file}: {stderr}");
        assert!(
            stderr.contains("of memory") && stderr.contains(wanted),
            "{file}: {stderr}"
        );
        assert!(stderr.contains("fix:"), "{stderr}");
        assert!(!out.exists(), "{file}: no report");
    }
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert_eq!(left.len(), cases.len(), "only the scenario files: {left:?}");
}

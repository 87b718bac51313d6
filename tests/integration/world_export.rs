//! `recolab world`: a generated world as MovieLens-style files — byte-identical on
//! every run and thread count, readable by `recolab eval` and `recolab stats`.

use std::path::{Path, PathBuf};

use recolab::data::read_movies;
use recolab::rng::SeedTree;
use recolab::scenario::Scenario;
use recolab::world::World;
use recolab::world_export::DAY_ZERO_UNIX_SECS;

use crate::harness::{load_log, read_tree, recolab, succeed_into, text};

/// A world small enough for a debug build, with folds for `recolab eval`.
const TINY_WORLD: &str = r#"(
    name: "tiny",
    seed: 5,
    catalogue: (n_movies: 150),
    population: (n_users: 200),
    horizon: (days: 1, warm_up_days: 14),
    evaluation: (protocol: KFold(folds: 2), k: 5),
)"#;

/// Writes the tiny scenario into `dir`.
fn tiny_scenario(dir: &Path) -> PathBuf {
    let path = dir.join("tiny.ron");
    std::fs::write(&path, TINY_WORLD).unwrap();
    path
}

/// Runs `recolab world` on `scenario` into `out` with `threads` rayon threads.
fn export(scenario: &Path, out: &Path, threads: &str) {
    succeed_into("world", scenario, out, threads, &[]);
}

/// The tiny world exported into `dir/world`, and the same world generated in-process.
fn exported_tiny_world(dir: &Path) -> (PathBuf, World) {
    let path = tiny_scenario(dir);
    let out = dir.join("world");
    export(&path, &out, "2");
    let scenario = Scenario::from_file(&path).unwrap();
    let world = World::generate(&scenario, &SeedTree::new(scenario.spec().seed));
    (out, world)
}

#[test]
fn world_files_are_byte_identical_across_runs_and_thread_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tiny_scenario(tmp.path());
    let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
    export(&scenario, &one, "1");
    export(&scenario, &two, "2");
    let (a, b) = (read_tree(&one), read_tree(&two));
    let names: Vec<String> = a.keys().map(|p| p.display().to_string()).collect();
    assert_eq!(
        names,
        ["movies.csv", "ratings.csv", "stats.json", "users.csv"]
    );
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(
            bytes == &b[path],
            "{} differs between 1 and 2 threads",
            path.display()
        );
    }
    // Exporting again over the folder replaces it, leaving nothing else beside it.
    export(&scenario, &one, "2");
    assert_eq!(read_tree(&one), a);
    let mut siblings: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    siblings.sort();
    assert_eq!(siblings, ["one", "tiny.ron", "two"]);
}

#[test]
fn world_files_hold_the_world_in_movielens_layout() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, world) = exported_tiny_world(tmp.path());

    let ratings = std::fs::read_to_string(out.join("ratings.csv")).unwrap();
    let mut lines = ratings.lines();
    assert_eq!(lines.next(), Some("userId,movieId,rating,timestamp"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), world.warm_up.len());
    for (row, r) in rows.iter().zip(&world.warm_up) {
        assert_eq!(row[0], (r.user.0 + 1).to_string());
        assert_eq!(row[1], (r.movie.0 + 1).to_string());
        assert_eq!(row[2], format!("{:.1}", r.value));
        let timestamp: i64 = row[3].parse().unwrap();
        assert_eq!(timestamp, r.time_secs + DAY_ZERO_UNIX_SECS);
        assert!(timestamp > 0 && timestamp < DAY_ZERO_UNIX_SECS);
    }

    let users = std::fs::read_to_string(out.join("users.csv")).unwrap();
    let mut lines = users.lines();
    assert_eq!(lines.next(), Some("userId,segment,activity"));
    let users: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(users.len(), world.population.len());
    let activity: usize = users.iter().map(|u| u[2].parse::<usize>().unwrap()).sum();
    assert_eq!(activity, world.warm_up.len());
    for (row, user) in users.iter().zip(&world.population.users) {
        assert_eq!(row[1], user.segment.name());
    }

    let movies = read_movies(&out.join("movies.csv")).unwrap();
    assert_eq!(movies.len(), world.catalogue.len());
    for (row, m) in movies.iter().zip(&world.catalogue.movies) {
        assert_eq!(row.item, (m.id.0 + 1).to_string());
        assert_eq!(row.title, m.title);
        let genres: Vec<&str> = m
            .genres
            .iter()
            .map(|g| world.catalogue.genre_names[g.index()].as_str())
            .collect();
        assert_eq!(row.genres, genres);
        assert_eq!(row.language.as_deref(), Some(m.original_language.as_str()));
        assert_eq!(row.year, Some(m.year));
        assert_eq!(row.vote_count, Some(m.vote_count));
        assert_eq!(row.vote_average, Some(m.vote_average));
        assert_eq!(row.long_tail, Some(world.catalogue.is_long_tail(m.id)));
        assert_eq!(row.niche, Some(m.is_niche));
    }

    let stats: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("stats.json")).unwrap()).unwrap();
    assert_eq!(stats["scenario"], "tiny");
    assert_eq!(stats["seed"], 5);
    assert_eq!(stats["n_movies"], 150);
    assert_eq!(stats["n_users"], 200);
    assert_eq!(stats["warm_up"]["n_ratings"], world.warm_up.len());
}

#[test]
fn world_folder_reads_back_as_the_same_log() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, world) = exported_tiny_world(tmp.path());
    let path = tmp.path().join("tiny.ron");

    // The readers `recolab eval --ratings` uses see the world's catalogue and log.
    let ratings_path = out.join("ratings.csv");
    let dataset = load_log(&ratings_path, &out.join("movies.csv"));
    assert_eq!(dataset.n_superseded, 0);
    assert_eq!(dataset.catalogue.len(), world.catalogue.len());
    for (read, m) in dataset.catalogue.movies.iter().zip(&world.catalogue.movies) {
        assert_eq!(read.title, m.title);
        assert_eq!(
            (read.year, &read.original_language, read.is_niche),
            (m.year, &m.original_language, m.is_niche)
        );
    }
    assert_eq!(dataset.ratings.len(), world.warm_up.len());

    // `recolab stats` on the file gives the shape stats.json holds.
    let json = tmp.path().join("shape.json");
    let output = recolab(
        &[
            "stats",
            ratings_path.to_str().unwrap(),
            "--movies",
            out.join("movies.csv").to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
            "-q",
        ],
        &[],
        tmp.path(),
    );
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.contains("catalogue (movies file)"), "{stdout}");
    let read: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("stats.json")).unwrap()).unwrap();
    assert_eq!(read["this"]["shape"], written["warm_up"]);
    assert_eq!(read["this"]["n_catalogue"], 150);

    // And `recolab eval` trains and scores every arm on it.
    let output = recolab(
        &[
            "eval",
            path.to_str().unwrap(),
            "--ratings",
            ratings_path.to_str().unwrap(),
            "--movies",
            out.join("movies.csv").to_str().unwrap(),
            "--out",
            tmp.path().join("eval").to_str().unwrap(),
        ],
        &[],
        tmp.path(),
    );
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.contains("150 items"), "{stdout}");
}

#[test]
fn world_of_a_bad_scenario_exits_2_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.ron");
    std::fs::write(&bad, "(catalogue: (n_movies: 0))").unwrap();
    let out = tmp.path().join("world");
    let output = recolab(
        &[
            "world",
            bad.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
        tmp.path(),
    );
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr.contains("bad.ron") && stderr.contains("fix:"),
        "{stderr}"
    );
    assert!(!out.exists());

    // An output folder that cannot be created (its parent is a file) is an error
    // naming it, and leaves no temporary folder behind.
    let scenario = tiny_scenario(tmp.path());
    let blocker = tmp.path().join("file");
    std::fs::write(&blocker, "").unwrap();
    let output = recolab(
        &[
            "world",
            scenario.to_str().unwrap(),
            "--out",
            blocker.join("world").to_str().unwrap(),
        ],
        &[],
        tmp.path(),
    );
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains(&blocker.display().to_string()), "{stderr}");
}

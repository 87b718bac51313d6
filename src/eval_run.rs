//! One offline evaluation, end to end: data (a generated world's warm-up ratings or
//! a real rating log) → folds → every arm trained and scored → `eval.json`/`eval.md`.

use std::path::{Path, PathBuf};

use crate::data::{Dataset, read_movies, read_ratings, read_tags};
use crate::error::Result;
use crate::eval::{EvalProgress, OfflineEvaluation, RatingTruth, evaluate_with_progress};
use crate::report::{ReportDir, write_eval};
use crate::rng::SeedTree;
use crate::scenario::spec::ArmSpec;
use crate::scenario::{Scenario, ScenarioSpec};
use crate::world::World;

/// Where the ratings come from.
#[derive(Clone, Copy, Debug)]
pub enum EvalSource<'a> {
    /// The warm-up ratings of the scenario's generated world; the truth is known.
    World,
    /// A real rating log, with an optional movies file for titles and genres.
    Ratings {
        /// The rating log.
        ratings: &'a Path,
        /// The movies file.
        movies: Option<&'a Path>,
        /// A tag file (item tags, e.g. MovieLens `tags.csv`).
        tags: Option<&'a Path>,
    },
}

/// The default name of an evaluation of a rating log: its folder's name (e.g.
/// `ml-100k` for `ml-100k/u.data`), else the file's stem.
#[must_use]
pub fn ratings_name(ratings: &Path) -> String {
    let folder = ratings
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .filter(|n| !n.is_empty() && *n != "." && *n != "..");
    let name = folder.map_or_else(
        || {
            ratings
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("ratings")
                .to_owned()
        },
        str::to_owned,
    );
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The scenario used when `recolab eval --ratings` is given none: every arm kind
/// that needs no hidden truth, with default parameters (content arms learn their
/// item vectors from the log), and the default evaluation settings.
///
/// # Panics
///
/// Never: the default scenario is valid (a unit test checks it).
#[must_use]
pub fn default_scenario(name: &str) -> Scenario {
    let mut spec = ScenarioSpec {
        name: Some(name.to_owned()),
        ..ScenarioSpec::default()
    };
    spec.stack.arms = ArmSpec::all_defaults()
        .into_iter()
        .filter(|a| !a.reads_truth())
        .collect();
    spec.validate(Path::new("<default>"), name)
        .expect("the default scenario is valid")
}

/// Loads the data, evaluates every arm of the scenario's stack and returns the
/// result, without writing anything.
///
/// # Errors
///
/// [`crate::Error::Data`] when a rating or movies file cannot be read or is malformed.
pub fn evaluate_source(scenario: &Scenario, source: EvalSource<'_>) -> Result<OfflineEvaluation> {
    evaluate_source_with_progress(scenario, source, &|_| {})
}

/// [`evaluate_source`], telling `progress` how the folds advance (see
/// [`evaluate_with_progress`]).
///
/// # Errors
///
/// As [`evaluate_source`].
pub fn evaluate_source_with_progress(
    scenario: &Scenario,
    source: EvalSource<'_>,
    progress: &(dyn Fn(EvalProgress) + Sync),
) -> Result<OfflineEvaluation> {
    let spec = scenario.spec();
    let seed = spec.seed;
    Ok(match source {
        EvalSource::World => {
            let world = World::generate(scenario, &SeedTree::new(seed));
            let dataset = Dataset::from_world(scenario.name(), &world);
            evaluate_with_progress(
                &dataset,
                &spec.stack.arms,
                &spec.evaluation,
                seed,
                Some(RatingTruth::new(&world)),
                progress,
            )?
        }
        EvalSource::Ratings {
            ratings,
            movies,
            tags,
        } => {
            let rows = read_ratings(ratings)?;
            let movie_rows = movies.map(read_movies).transpose()?;
            let mut dataset = Dataset::from_rows(
                scenario.name(),
                &rows,
                movie_rows.as_deref(),
                ratings,
                spec.evaluation.segments,
            )?;
            if let Some(path) = tags {
                dataset.add_tags(&read_tags(path)?, path)?;
            }
            evaluate_with_progress(
                &dataset,
                &spec.stack.arms,
                &spec.evaluation,
                seed,
                None,
                progress,
            )?
        }
    })
}

/// Evaluates and writes `eval.json`, `eval.md` and the resolved `scenario.ron` to
/// `out_dir` atomically.
///
/// # Errors
///
/// As [`evaluate_source`], and [`crate::Error::Io`] for the report folder.
pub fn run_evaluation(
    scenario: &Scenario,
    source: EvalSource<'_>,
    out_dir: &Path,
    progress: &(dyn Fn(EvalProgress) + Sync),
) -> Result<(OfflineEvaluation, PathBuf)> {
    let evaluation = evaluate_source_with_progress(scenario, source, progress)?;
    let dir = ReportDir::create(out_dir)?;
    dir.write("scenario.ron", scenario.to_ron().as_bytes())?;
    write_eval(&dir, &evaluation)?;
    let path = dir.commit()?;
    Ok((evaluation, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_scenario_is_valid_and_named() {
        assert_eq!(default_scenario("ml-100k").name(), "ml-100k");
    }

    #[test]
    fn default_scenario_of_a_log_has_every_arm_but_the_oracle() {
        let names: Vec<&str> = default_scenario("x")
            .spec()
            .stack
            .arms
            .iter()
            .map(ArmSpec::name)
            .collect();
        let all: Vec<&str> = ArmSpec::all_defaults().iter().map(ArmSpec::name).collect();
        assert_eq!(names, all[..all.len() - 1]);
        assert!(!names.contains(&"oracle") && names.contains(&"pure_svd"));
    }

    #[test]
    fn ratings_are_named_after_their_folder() {
        assert_eq!(ratings_name(Path::new("data/ml-100k/u.data")), "ml-100k");
        assert_eq!(ratings_name(Path::new("ratings.csv")), "ratings");
        assert_eq!(ratings_name(Path::new("my logs/x.csv")), "my_logs");
    }
}

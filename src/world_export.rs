//! One world export, end to end: scenario → generated world → MovieLens-style CSV
//! files and the shape of its warm-up log, so a generated world can be read by the
//! tools that read MovieLens and put beside a real log (`recolab stats --against`).
//!
//! A `recolab world` folder holds:
//!
//! | file | contents |
//! | --- | --- |
//! | `ratings.csv` | the warm-up ratings, `userId,movieId,rating,timestamp` (MovieLens latest layout) |
//! | `movies.csv` | the catalogue, `movieId,title,genres,language,year,vote_count,vote_average,long_tail,niche` |
//! | `users.csv` | the population, `userId,segment,activity` |
//! | `stats.json` | [`WorldExport`]: scenario, seed, world size and the warm-up log's [`LogShape`] |
//!
//! Ids are the world's dense ids plus one, as MovieLens ids start at 1; `recolab eval
//! --ratings ratings.csv --movies movies.csv` reads the folder back (the readers sort
//! numeric ids, so movie `k` of the file is the world's movie `k − 1`).
//!
//! # Determinism
//!
//! The files are a function of the scenario and its seed only: the world is
//! generated as `recolab run` generates it ([`World::generate`]) and written in id
//! and time order, so they are byte-identical on every run and thread count.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::data::{LogShape, log_shape};
use crate::error::Result;
use crate::interaction::{Interaction, InteractionKind, SimSecs};
use crate::report::ReportDir;
use crate::rng::SeedTree;
use crate::scenario::Scenario;
use crate::world::World;

/// Version of the `stats.json` layout.
pub const WORLD_EXPORT_FORMAT_VERSION: u32 = 1;

/// Unix time of simulated day 0, 00:00: 2026-01-01T00:00:00Z. Warm-up ratings happen
/// at negative simulated seconds; adding this makes them positive Unix timestamps,
/// as a MovieLens file holds.
pub const DAY_ZERO_UNIX_SECS: i64 = 1_767_225_600;

/// What `stats.json` holds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WorldExport {
    /// Layout version of this document.
    pub format_version: u32,
    /// Scenario name.
    pub scenario: String,
    /// Seed of the world.
    pub seed: u64,
    /// Movies in the catalogue, rated or not.
    pub n_movies: usize,
    /// Users in the population, with warm-up ratings or not.
    pub n_users: usize,
    /// Unix time of simulated day 0 ([`DAY_ZERO_UNIX_SECS`]).
    pub day_zero_unix_secs: i64,
    /// The shape of the warm-up ratings (`ratings.csv`).
    pub warm_up: LogShape,
}

/// Stages of an export, for progress display.
#[derive(Clone, Copy, Debug)]
pub enum ExportStage {
    /// Generating the world.
    World,
    /// Writing the files.
    Files,
}

/// The warm-up ratings of a world (its warm-up holds nothing else today, but only
/// ratings belong in a rating file).
fn warm_up_ratings(world: &World) -> impl Iterator<Item = &Interaction> {
    world
        .warm_up
        .iter()
        .filter(|i| i.kind == InteractionKind::Rating)
}

/// A rating as MovieLens writes it: one decimal for whole and half stars (`4.0`,
/// `3.5`), the shortest exact decimal otherwise.
fn rating_text(value: f32) -> String {
    if (2.0 * value).fract() == 0.0 {
        format!("{value:.1}")
    } else {
        value.to_string()
    }
}

/// The Unix timestamp of a simulated time.
#[must_use]
pub fn unix_secs(time_secs: SimSecs) -> i64 {
    time_secs + DAY_ZERO_UNIX_SECS
}

/// `ratings.csv`: the warm-up ratings in time order, ids plus one.
#[must_use]
pub fn ratings_csv(world: &World) -> Vec<u8> {
    let mut out = String::from("userId,movieId,rating,timestamp\n");
    for r in warm_up_ratings(world) {
        writeln!(
            out,
            "{},{},{},{}",
            r.user.0 + 1,
            r.movie.0 + 1,
            rating_text(r.value),
            unix_secs(r.time_secs)
        )
        .expect("writing to a String cannot fail");
    }
    out.into_bytes()
}

/// `movies.csv`: every movie of the catalogue, ids plus one, genres `|`-joined,
/// flags 0/1; quoted by the `csv` crate where a field needs it.
#[must_use]
pub fn movies_csv(world: &World) -> Vec<u8> {
    let catalogue = &world.catalogue;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let flag = |b: bool| if b { "1" } else { "0" };
    writer
        .write_record(crate::data::MOVIES_CSV_COLUMNS)
        .expect("writing to memory cannot fail");
    for m in &catalogue.movies {
        let genres = if m.genres.is_empty() {
            "(no genres listed)".to_owned()
        } else {
            m.genres
                .iter()
                .map(|g| catalogue.genre_names[g.index()].as_str())
                .collect::<Vec<_>>()
                .join("|")
        };
        writer
            .write_record([
                (m.id.0 + 1).to_string().as_str(),
                &m.title,
                &genres,
                &m.original_language,
                &m.year.to_string(),
                &m.vote_count.to_string(),
                &m.vote_average.to_string(),
                flag(catalogue.is_long_tail(m.id)),
                flag(m.is_niche),
            ])
            .expect("writing to memory cannot fail");
    }
    writer.into_inner().expect("writing to memory cannot fail")
}

/// `users.csv`: every user, id plus one, segment and number of warm-up ratings.
#[must_use]
pub fn users_csv(world: &World) -> Vec<u8> {
    let mut activity = vec![0usize; world.population.len()];
    for r in warm_up_ratings(world) {
        activity[r.user.index()] += 1;
    }
    let mut out = String::from("userId,segment,activity\n");
    for (user, n) in world.population.users.iter().zip(activity) {
        writeln!(out, "{},{},{n}", user.id.0 + 1, user.segment.name())
            .expect("writing to a String cannot fail");
    }
    out.into_bytes()
}

impl WorldExport {
    /// The contents of `stats.json` for a world generated from `scenario`.
    #[must_use]
    pub fn new(scenario: &Scenario, world: &World) -> Self {
        let ratings: Vec<Interaction> = warm_up_ratings(world).copied().collect();
        Self {
            format_version: WORLD_EXPORT_FORMAT_VERSION,
            scenario: scenario.name().to_owned(),
            seed: scenario.spec().seed,
            n_movies: world.catalogue.len(),
            n_users: world.population.len(),
            day_zero_unix_secs: DAY_ZERO_UNIX_SECS,
            warm_up: log_shape(&ratings),
        }
    }
}

/// Generates the world of `scenario` and writes its files to `out_dir` atomically:
/// they are written to a temporary sibling folder renamed into place at the end, so
/// a failed export leaves no half-written folder (an older one there is replaced).
///
/// # Errors
///
/// [`crate::Error::Io`] naming the folder or file that could not be written.
pub fn export_world(
    scenario: &Scenario,
    out_dir: &Path,
    on_stage: &mut dyn FnMut(ExportStage),
) -> Result<(WorldExport, PathBuf)> {
    let dir = ReportDir::create(out_dir)?;
    on_stage(ExportStage::World);
    let world = World::generate(scenario, &SeedTree::new(scenario.spec().seed));
    on_stage(ExportStage::Files);
    let stats = WorldExport::new(scenario, &world);
    dir.write("ratings.csv", &ratings_csv(&world))?;
    dir.write("movies.csv", &movies_csv(&world))?;
    dir.write("users.csv", &users_csv(&world))?;
    let mut json = serde_json::to_vec_pretty(&stats).expect("the export always serialises");
    json.push(b'\n');
    dir.write("stats.json", &json)?;
    Ok((stats, dir.commit()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_written_as_movielens_writes_them() {
        assert_eq!(rating_text(4.0), "4.0");
        assert_eq!(rating_text(3.5), "3.5");
        assert_eq!(rating_text(3.25), "3.25");
    }

    #[test]
    fn day_zero_is_the_first_second_of_2026() {
        // 56 years of 365 days and 14 leap days (1972 … 2024) since 1970-01-01.
        assert_eq!(DAY_ZERO_UNIX_SECS, (56 * 365 + 14) * 86_400);
        assert_eq!(unix_secs(-86_400), DAY_ZERO_UNIX_SECS - 86_400);
    }
}

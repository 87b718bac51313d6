//! What a run will cost before it starts: memory, requests and time, from the
//! scenario alone.
//!
//! `recolab validate` prints the estimate; `recolab run` refuses a scenario whose
//! memory estimate exceeds the machine's available memory or `--max-memory`, naming
//! the fields that drive it, so that no scenario ends in an allocation abort.
//!
//! # The model
//!
//! Memory is the sum of parts, each a size of the scenario times the bytes of what
//! holds it (`f64` factors, `f32` content vectors, 24-byte interactions) times a
//! measured overhead:
//!
//! ```text
//! catalogue  = movies · (PER_MOVIE + 12·dims + 4·(people + keywords) + 8·factors)
//! population = users · (PER_USER + 8·(factors + genres))
//! history    = warm-up ratings · PER_RATING          (E[activity] · users)
//! models     = Σ over the stack's arms and the offline table's arms of
//!              svd, serendipity: 12·f·(users + movies);
//!              item_cf: 8·neighbours·movies + ITEM_CF_PER_RATING · ratings
//!                       (+ 4·movies² up to DENSE_MAX_MOVIES movies)
//!                       (+ 6·movies², or 14·movies² with cosine_common, for the
//!                        `incremental` warm start's pair table when retraining);
//!              embeddings: 24·dims·users;
//!              graph: 16·(people + keywords per movie)·movies + 24·nodes
//!                     (nodes = movies + genres + n_people + n_keywords + users)
//! lists      = min(users · stack arms · (slate_size · POOL_FACTOR + MARGIN) · LIST_ITEM, 256 MB)
//! events     = requests · PER_EVENT                  (with report.event_log)
//! total      = BASE + the parts
//! ```
//!
//! Requests are `users · visits per day · days · E[session length]`, the session
//! length bounded with the larger of the two continuation probabilities (so it is an
//! upper bound: `max_requests` when that probability is 1). The memory constants were
//! measured on 2026-12-07 (release build, 2-core machine, peak resident memory of
//! `recolab run` by `/usr/bin/time -f %M`): the default scenario (the whole stack), and
//! the same for 7 days with 100,000 users or 50,000 movies (`benches/scale/run.sh`) —
//! see docs/SCENARIOS.md.
//!
//! Time, on 2 cores (arms train in parallel, so training counts half):
//!
//! ```text
//! world    = users · movies · UTILITY / 2
//! training = ratings · ( Σ over svd, serendipity: epochs · (SGD_BASE + SGD_PER_FACTOR · factors)
//!                      + TRAIN_PER_RATING · the other arms ) / 2
//! replay   = requests · stack arms · REQUEST_PER_ARM
//!          + requests · propensity_draws · stack arms · PROPENSITY_DRAW    (report.propensities
//!            with Thompson Sampling serving; an upper bound when only some slots do)
//! walks    = fingerprints · walks_per_movie · (1 − α)/α · WALK_STEP / 2
//!            fingerprints = movies per graph arm at fit (stack and offline table)
//!                         + min(movies · updates, requests · LIKES_PER_REQUEST) per stack graph
//!                           arm (rebuilt at updates)
//! ```
//!
//! The time constants were measured on 2026-12-07 (release build, the 2-core machine
//! with other work paused): the default world for 2 days with popularity and one extra
//! arm — `Random`, `Svd` of 20 and 100 epochs and of 32 and 128 factors, `Graph` of
//! 2,000 walks with α = 0.15 and 0.05 — and the default scenario itself (the replay's
//! constant, the likes per request).

use serde::Serialize;

use crate::recommend::{DENSE_MAX_MOVIES, pair_table_bytes};
use crate::scenario::Scenario;
use crate::scenario::spec::{ActivitySpec, ArmSpec, ItemCfWarmStart, PopulationSpec};
use crate::world::population::Activity;

/// Memory a run holds whatever its size (binary, thread stacks, buffers).
pub const BASE_BYTES: f64 = 150e6;
/// Per movie beyond its vectors: title, genres, votes, indexes in every arm.
pub const PER_MOVIE_BYTES: f64 = 11_000.0;
/// Per user beyond their factors: public record, replay state, tallies.
pub const PER_USER_BYTES: f64 = 4_000.0;
/// Per warm-up rating: the log, its training copies and every arm's indexes.
pub const PER_RATING_BYTES: f64 = 160.0;
/// Per request with `report.event_log`: one event in memory.
pub const PER_EVENT_BYTES: f64 = 250.0;
/// Seconds per utility evaluation while generating the warm-up history, per core.
pub const UTILITY_SECS: f64 = 80e-9;
/// Seconds per warm-up rating per arm trained (stack and offline table).
pub const TRAIN_SECS_PER_RATING: f64 = 0.3e-6;
/// Seconds per request replayed, per arm in the stack.
pub const REQUEST_SECS_PER_ARM: f64 = 4e-6;
/// Seconds per rating per epoch of an SGD-trained arm (SVD, serendipity), before
/// the factors' share.
pub const SGD_SECS_BASE: f64 = 50e-9;
/// Seconds per rating per epoch per latent factor of an SGD-trained arm.
pub const SGD_SECS_PER_FACTOR: f64 = 2e-9;
/// Seconds per arm per Monte-Carlo posterior draw behind a Thompson Sampling
/// propensity (one Beta draw), measured on the default scenario (2026-12-07).
pub const PROPENSITY_DRAW_SECS: f64 = 40e-9;
/// Seconds per step of the graph arm's random walks.
pub const WALK_STEP_SECS: f64 = 30e-9;
/// Liked movies (clicks rated at or above the success rating) per request: the graph
/// arm rebuilds the fingerprints of the movies that gained one at each update.
pub const LIKES_PER_REQUEST: f64 = 0.12;
/// Bytes per candidate a user's kept list holds (movie id and score).
pub const LIST_ITEM_BYTES: f64 = 8.0;
/// Bytes per warm-up rating an item CF arm keeps: each rating in a user's row and a
/// movie's column as (id, value), 16 B, and the fit's per-movie buffers, measured
/// (see the module doc).
pub const ITEM_CF_PER_RATING_BYTES: f64 = 32.0;
/// Bytes per node of the knowledge graph (its adjacency list's header).
pub const GRAPH_NODE_BYTES: f64 = 24.0;

/// One part of the memory estimate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MemoryPart {
    /// What holds the memory.
    pub part: &'static str,
    /// Estimated bytes.
    pub bytes: f64,
    /// The scenario fields that drive it.
    pub fields: &'static str,
}

/// What a run of a scenario will cost.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Estimate {
    /// The memory parts, largest first.
    pub memory: Vec<MemoryPart>,
    /// Their sum plus [`BASE_BYTES`].
    pub total_bytes: f64,
    /// Expected warm-up ratings.
    pub warm_up_ratings: f64,
    /// Requests, at most (the session length is bounded from above).
    pub requests: f64,
    /// Seconds on 2 cores, to an order of magnitude.
    pub seconds: f64,
}

impl Estimate {
    /// The part that drives the memory most.
    #[must_use]
    pub fn largest(&self) -> &MemoryPart {
        &self.memory[0]
    }
}

/// Warm-up counts at 2,000 evenly spaced quantiles of a log-normal activity, from the
/// very function that draws them; `None` with `activity: Segments`.
fn activity_points(pop: &PopulationSpec, n_movies: usize) -> Option<Vec<usize>> {
    matches!(pop.activity, ActivitySpec::LogNormal { .. }).then(|| {
        let activity = Activity::new(&pop.activity, pop, n_movies);
        let n = 2_000;
        (0..n)
            .map(|i| activity.log_normal_count((i as f64 + 0.5) / n as f64))
            .collect()
    })
}

/// Expected warm-up ratings per user (the mean of the activity distribution, capped at
/// the catalogue's size) and mean visits per user per day (each segment's rate,
/// weighted by its share of users).
fn activity_and_visits(pop: &PopulationSpec, n_movies: usize) -> (f64, f64) {
    let s = &pop.segments;
    let segments = [&s.cold_start, &s.regular, &s.power];
    let (mean, shares) = match (&pop.activity, activity_points(pop, n_movies)) {
        (ActivitySpec::LogNormal { thresholds, .. }, Some(points)) => {
            let n = points.len() as f64;
            let mut shares = [0.0; 3];
            for &count in &points {
                let index = match thresholds.segment(count) {
                    crate::world::Segment::ColdStart => 0,
                    crate::world::Segment::Regular => 1,
                    crate::world::Segment::Power => 2,
                };
                shares[index] += 1.0 / n;
            }
            (points.iter().sum::<usize>() as f64 / n, shares)
        }
        _ => {
            let mean = segments
                .iter()
                .map(|seg| {
                    let range = &seg.warm_up_interactions;
                    let mean = (range.min as f64 + range.max as f64) / 2.0;
                    seg.share * mean.min(n_movies as f64)
                })
                .sum();
            (mean, segments.map(|seg| seg.share))
        }
    };
    // The per-user spread of visits is log-normal with sd 0.3: its mean is e^(0.3²/2).
    let visits = (0.045f64).exp()
        * segments
            .iter()
            .zip(shares)
            .map(|(seg, share)| seg.visits_per_day * share)
            .sum::<f64>();
    (mean, visits)
}

/// The sizes an arm's cost depends on.
#[derive(Clone, Copy)]
struct Sizes {
    users: f64,
    movies: f64,
    /// Expected warm-up ratings.
    ratings: f64,
    dims: f64,
    /// People and keywords per movie.
    graph_links: f64,
    /// Movies, genres, people, keywords and users.
    graph_nodes: f64,
    /// Whether the arms are retrained (item CF's `incremental` table exists only then).
    retrains: bool,
}

/// Bytes of one arm's model.
fn model_bytes(arm: &ArmSpec, z: &Sizes) -> f64 {
    match arm {
        ArmSpec::Svd { factors, .. } | ArmSpec::Serendipity { factors, .. } => {
            12.0 * *factors as f64 * (z.users + z.movies)
        }
        // Not capped at the catalogue: the similarity pass reserves `neighbours` slots
        // per movie it works on, however few movies there are. The rows and columns
        // the similarities and rating predictions are computed from stay with the
        // model, and a catalogue of at most DENSE_MAX_MOVIES keeps every similarity.
        ArmSpec::ItemCf {
            neighbours,
            warm_start,
            similarity,
            ..
        } => {
            let pair_table = if z.retrains && *warm_start == ItemCfWarmStart::Incremental {
                pair_table_bytes(z.movies as usize, *similarity)
            } else {
                0.0
            };
            pair_table
                + 8.0 * *neighbours as f64 * z.movies
                + ITEM_CF_PER_RATING_BYTES * z.ratings
                + if z.movies <= DENSE_MAX_MOVIES as f64 {
                    4.0 * z.movies * z.movies
                } else {
                    0.0
                }
        }
        ArmSpec::Embeddings { .. } => 24.0 * z.dims * z.users,
        ArmSpec::Graph { fingerprint, .. } => {
            16.0 * z.graph_links * z.movies
                + GRAPH_NODE_BYTES * z.graph_nodes
                + 8.0 * (*fingerprint as f64).min(z.movies) * z.movies
        }
        _ => 16.0 * z.movies,
    }
}

/// Seconds per warm-up rating to train one arm (before the 2 cores share the arms).
fn train_secs_per_rating(arm: &ArmSpec) -> f64 {
    match arm {
        ArmSpec::Svd {
            factors, epochs, ..
        }
        | ArmSpec::Serendipity {
            factors, epochs, ..
        } => *epochs as f64 * (SGD_SECS_BASE + SGD_SECS_PER_FACTOR * *factors as f64),
        _ => TRAIN_SECS_PER_RATING,
    }
}

/// Steps of the walks of one movie's fingerprint for a graph arm, `None` for other
/// arms.
fn walk_steps(arm: &ArmSpec) -> Option<f64> {
    match arm {
        ArmSpec::Graph {
            restart_probability,
            walks_per_movie,
            ..
        } => Some(*walks_per_movie as f64 * (1.0 - restart_probability) / restart_probability),
        _ => None,
    }
}

/// The estimate for a scenario.
#[must_use]
pub fn estimate(scenario: &Scenario) -> Estimate {
    let spec = scenario.spec();
    let cat = &spec.catalogue;
    let pop = &spec.population;
    let movies = cat.n_movies as f64;
    let users = pop.n_users as f64;
    let factors = cat.n_factors as f64;
    let dims = cat.n_content_dims as f64;
    let genres = cat.genres.len() as f64;
    let (mean_activity, visits_per_day) = activity_and_visits(pop, cat.n_movies);
    let ratings = users * mean_activity;
    let sizes = Sizes {
        users,
        movies,
        ratings,
        dims,
        graph_links: cat.people_per_movie as f64 + cat.keywords_per_movie as f64,
        graph_nodes: movies + genres + cat.n_people as f64 + cat.n_keywords as f64 + users,
        retrains: spec.pipeline.retrain_every_hours > 0.0,
    };

    let session = &spec.response.session;
    let p = session
        .continue_without_click
        .max(session.continue_after_click);
    let max = session.max_requests as f64;
    let session_length = if p >= 1.0 {
        max
    } else {
        ((1.0 - p.powf(max)) / (1.0 - p)).min(max)
    };
    let requests = users * visits_per_day * f64::from(spec.horizon.days) * session_length;

    let offline = if spec.report.offline_users > 0 {
        crate::pipeline::offline_table::offline_arms(&spec.stack.arms)
    } else {
        Vec::new()
    };
    let arms: Vec<&ArmSpec> = spec.stack.arms.iter().chain(&offline).collect();
    // The offline table's arms are fitted once, never updated.
    let fitted_once = Sizes {
        retrains: false,
        ..sizes
    };
    let models: f64 = spec
        .stack
        .arms
        .iter()
        .map(|a| model_bytes(a, &sizes))
        .chain(offline.iter().map(|a| model_bytes(a, &fitted_once)))
        .sum();
    let mut memory = vec![
        MemoryPart {
            part: "catalogue and its hidden truth",
            bytes: movies
                * (PER_MOVIE_BYTES + 12.0 * dims + 4.0 * sizes.graph_links + 8.0 * factors),
            fields: "catalogue.n_movies, catalogue.n_factors, catalogue.n_content_dims",
        },
        MemoryPart {
            part: "population and its hidden tastes",
            bytes: users * (PER_USER_BYTES + 8.0 * (factors + genres)),
            fields: "population.n_users, catalogue.n_factors",
        },
        MemoryPart {
            part: "warm-up history and its indexes",
            bytes: ratings * PER_RATING_BYTES,
            fields: "population.n_users, population.activity",
        },
        MemoryPart {
            part: "arm models (stack and offline table)",
            bytes: models,
            fields: "stack.arms (factors, neighbours), population.n_users, catalogue.n_movies, \
                     catalogue.n_people, catalogue.n_keywords",
        },
        MemoryPart {
            part: "replay's kept candidate lists",
            bytes: (users
                * spec.stack.arms.len() as f64
                * (spec.stack.slate_size * crate::sim::POOL_FACTOR + crate::sim::MARGIN) as f64
                * LIST_ITEM_BYTES)
                .min(crate::sim::CROSS_SESSION_BUDGET_BYTES as f64),
            fields: "population.n_users, stack.arms, stack.slate_size",
        },
        MemoryPart {
            part: "event log",
            bytes: if spec.report.event_log {
                requests * PER_EVENT_BYTES
            } else {
                0.0
            },
            fields: "report.event_log, horizon.days, response.session",
        },
    ];
    memory.sort_by(|a, b| b.bytes.total_cmp(&a.bytes));
    let total_bytes = BASE_BYTES + memory.iter().map(|m| m.bytes).sum::<f64>();
    let training: f64 = arms.iter().map(|a| train_secs_per_rating(a)).sum::<f64>() * ratings;
    // Every movie's fingerprint at fit; at each update, those of the movies that
    // gained a like (at most one per request).
    let updates = if spec.pipeline.retrain_every_hours > 0.0 {
        f64::from(spec.horizon.days) * 24.0 / spec.pipeline.retrain_every_hours
    } else {
        0.0
    };
    let rebuilt = (movies * updates).min(requests * LIKES_PER_REQUEST);
    let walks: f64 = spec
        .stack
        .arms
        .iter()
        .filter_map(walk_steps)
        .map(|steps| steps * (movies + rebuilt))
        .chain(offline.iter().filter_map(walk_steps).map(|s| s * movies))
        .sum::<f64>()
        * WALK_STEP_SECS
        / 2.0;
    let seconds = users * movies * UTILITY_SECS / 2.0
        + training / 2.0
        + requests * spec.stack.arms.len().max(1) as f64 * REQUEST_SECS_PER_ARM
        + propensity_secs(spec, requests)
        + walks;
    Estimate {
        memory,
        total_bytes,
        warm_up_ratings: ratings,
        requests,
        seconds,
    }
}

/// With `report.propensities`, the Monte-Carlo draws of Thompson Sampling's
/// propensities (every request counted when any slot samples).
fn propensity_secs(spec: &crate::scenario::spec::ScenarioSpec, requests: f64) -> f64 {
    use crate::scenario::spec::PolicySpec;
    let thompson = |p: &PolicySpec| matches!(p, PolicySpec::Thompson { .. });
    let samples = thompson(&spec.stack.policy)
        || spec
            .experiments
            .iter()
            .flat_map(|e| &e.variants)
            .any(|v| v.policy.as_ref().is_some_and(thompson));
    if spec.report.propensities && samples {
        requests
            * spec.report.propensity_draws as f64
            * spec.stack.arms.len() as f64
            * PROPENSITY_DRAW_SECS
    } else {
        0.0
    }
}

/// Bytes as people read them: 1.2 GB, 340 MB, 12 kB.
#[must_use]
pub fn human_bytes(bytes: f64) -> String {
    let units = [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")];
    for (scale, unit) in units {
        if bytes >= scale {
            return format!("{:.1} {unit}", bytes / scale);
        }
    }
    format!("{bytes:.0} B")
}

/// Memory the machine can give a new process now (`MemAvailable` of
/// `/proc/meminfo`), or `None` where that is unknown.
#[must_use]
pub fn available_memory() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024.0)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::scenario::ScenarioSpec;

    fn scenario(ron: &str) -> Scenario {
        ScenarioSpec::from_ron_str(ron, Path::new("t.ron"))
            .unwrap()
            .validate(Path::new("t.ron"), "t")
            .unwrap()
    }

    #[test]
    fn an_impossible_catalogue_costs_terabytes_named_by_its_field() {
        let e = estimate(&scenario("(catalogue: (n_movies: 4000000000))"));
        assert!(e.total_bytes > 1e13, "{}", human_bytes(e.total_bytes));
        assert!(e.largest().fields.contains("catalogue.n_movies"));
        let e = estimate(&scenario("(catalogue: (n_factors: 1000000000))"));
        assert!(e.total_bytes > 1e14, "{}", human_bytes(e.total_bytes));
        assert!(e.largest().fields.contains("catalogue.n_factors"));
    }

    #[test]
    fn endless_sessions_cost_max_requests_each() {
        let e = estimate(&scenario(
            "(population: (n_users: 100), horizon: (days: 1),
              response: (session: (continue_without_click: 1.0, continue_after_click: 1.0,
                                   max_requests: 1000)))",
        ));
        let short = estimate(&scenario(
            "(population: (n_users: 100), horizon: (days: 1))",
        ));
        assert!(
            e.requests > 50.0 * short.requests,
            "{} vs {}",
            e.requests,
            short.requests
        );
    }

    #[test]
    fn training_time_grows_with_epochs_and_factors_as_the_formula_says() {
        let svd = |epochs: usize, factors: usize| {
            estimate(&scenario(&format!(
                "(population: (n_users: 500), catalogue: (n_movies: 300),
                  report: (offline_users: 0),
                  stack: (arms: [Popularity, Svd(epochs: {epochs}, factors: {factors})],
                          policy: StaticWeights(weights: {{\"popularity\": 1.0}}),
                          arms_per_request: 1))"
            )))
        };
        let (short, long) = (svd(20, 32), svd(1000, 32));
        // The 980 extra epochs over every rating, on half of the 2 cores' time.
        let extra =
            short.warm_up_ratings * 980.0 * (SGD_SECS_BASE + 32.0 * SGD_SECS_PER_FACTOR) / 2.0;
        assert!((long.seconds - short.seconds - extra).abs() < 1e-9 * long.seconds);
        let wide = svd(20, 512);
        let extra = short.warm_up_ratings * 20.0 * 480.0 * SGD_SECS_PER_FACTOR / 2.0;
        assert!((wide.seconds - short.seconds - extra).abs() < 1e-9 * wide.seconds);
    }

    #[test]
    fn graph_fingerprints_cost_walks_per_movie_at_fit_and_at_updates() {
        let graph = |walks: usize, retrain: f64| {
            estimate(&scenario(&format!(
                "(population: (n_users: 500), catalogue: (n_movies: 300),
                  horizon: (days: 10), pipeline: (retrain_every_hours: {retrain}),
                  report: (offline_users: 0),
                  stack: (arms: [Popularity, Graph(walks_per_movie: {walks}, restart_probability: 0.2)],
                          policy: StaticWeights(weights: {{\"popularity\": 1.0}}),
                          arms_per_request: 1))"
            )))
        };
        // 100,000 more walks of (1 − 0.2)/0.2 = 4 steps on average from each of the 300
        // movies at fit, on 2 cores; with 40 updates of ten days, also for up to
        // min(300 · 40, requests · LIKES_PER_REQUEST) rebuilt fingerprints.
        let (few, many) = (graph(1_000, 0.0), graph(101_000, 0.0));
        let extra = 300.0 * 100_000.0 * 4.0 * WALK_STEP_SECS / 2.0;
        assert!((many.seconds - few.seconds - extra).abs() < 1e-9 * many.seconds);
        let (few, many) = (graph(1_000, 6.0), graph(101_000, 6.0));
        let rebuilt = (300.0 * 40.0f64).min(few.requests * LIKES_PER_REQUEST);
        let extra = (300.0 + rebuilt) * 100_000.0 * 4.0 * WALK_STEP_SECS / 2.0;
        assert!((many.seconds - few.seconds - extra).abs() < 1e-9 * many.seconds);
    }

    #[test]
    fn the_knowledge_graph_and_item_neighbours_cost_what_they_hold() {
        let base = estimate(&scenario("(report: (offline_users: 0))"));
        let people = estimate(&scenario(
            "(report: (offline_users: 0), catalogue: (n_people: 1000002000),
              stack: (arms: [Popularity, Graph()], policy: Uniform, arms_per_request: 1))",
        ));
        let graph_only = estimate(&scenario(
            "(report: (offline_users: 0),
              stack: (arms: [Popularity, Graph()], policy: Uniform, arms_per_request: 1))",
        ));
        // A billion more people are a billion more nodes of 24 bytes.
        let diff = people.total_bytes - graph_only.total_bytes;
        assert!((diff - 24e9).abs() < 1.0, "{diff}");
        assert!(graph_only.total_bytes > base.total_bytes);
        // Item-based CF reserves its neighbours per movie even beyond the catalogue.
        let cf = |n: &str| {
            estimate(&scenario(&format!(
                "(report: (offline_users: 0), catalogue: (n_movies: 300),
                  stack: (arms: [Popularity, ItemCf(neighbours: {n})], policy: Uniform,
                          arms_per_request: 1))"
            )))
            .total_bytes
        };
        assert!(cf("1000000") > 2e9, "{}", human_bytes(cf("1000000")));
    }

    /// A duration as the docs write it: `60 ns`, `0.4 µs`, `8 µs`.
    fn docs_duration(secs: f64) -> String {
        let ns = (secs * 1e9).round();
        if ns < 100.0 {
            format!("{ns} ns")
        } else {
            format!("{} µs", ns / 1_000.0)
        }
    }

    #[test]
    fn docs_give_the_constants_of_this_file() {
        let docs = include_str!("../docs/SCENARIOS.md");
        let start = docs
            .find("The model (`src/cost.rs`)")
            .expect("the model is documented");
        let formula = &docs[start..];
        let formula = &formula[..formula.find("\n```\n").expect("a text block")];
        let thousands = crate::scenario::limits::thousands;
        for written in [
            format!("({} B +", thousands(PER_MOVIE_BYTES as u64)),
            format!("users · ({} B +", PER_USER_BYTES),
            format!("E[activity] · {} B", PER_RATING_BYTES),
            format!("requests · {} B", PER_EVENT_BYTES),
            format!("+ {} B · (movies", GRAPH_NODE_BYTES),
            format!("{} MB + the parts", BASE_BYTES / 1e6),
            format!("movies · {} / 2", docs_duration(UTILITY_SECS)),
            format!(
                "epochs · ({} + {} · factors)",
                docs_duration(SGD_SECS_BASE),
                docs_duration(SGD_SECS_PER_FACTOR)
            ),
            format!("{} for the others", docs_duration(TRAIN_SECS_PER_RATING)),
            format!("stack arms · {}", docs_duration(REQUEST_SECS_PER_ARM)),
            format!(
                "propensity_draws · stack arms · {}",
                docs_duration(PROPENSITY_DRAW_SECS)
            ),
            format!("steps · {}", docs_duration(WALK_STEP_SECS)),
        ] {
            assert!(
                formula.contains(&written),
                "docs/SCENARIOS.md's cost formula should read {written:?}"
            );
        }
    }

    #[test]
    fn bytes_read_as_people_write_them() {
        assert_eq!(human_bytes(1.25e9), "1.2 GB");
        assert_eq!(human_bytes(340e6), "340.0 MB");
        assert_eq!(human_bytes(12.0), "12 B");
    }
}

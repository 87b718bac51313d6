//! `recolab fit`: a world whose warm-up log has the shape of a real one.
//!
//! The fit reads a log's shape ([`LogShape`]) and chooses the parameters of the
//! generated world that drive each statistic, then generates that world and measures
//! its log the way it measured the target:
//!
//! | parameter | driven statistic | how |
//! | --- | --- | --- |
//! | `population.n_users` | users | the log's |
//! | `catalogue.n_movies` | rated items | Broyden step with the two below |
//! | `catalogue.genres`, `extra_genre_probability`, `years` | genre mix | the movies file's labels |
//! | `population.activity` | user Gini, median, p99, power share | exact, no simulation ([`activity`]) |
//! | `population.visibility_weight` | item Gini | Broyden step |
//! | `response.utility.quality` | popularity–rating Spearman | Broyden step |
//! | `response.rating.slope`, `noise_skew`, `midpoint`, `noise_sd` | rating mean, sd, mode, five-star share | on the world's own draws ([`rating`]) |
//! | `response.rating.step`, `half_star_users` | star scale | the log's: half stars if any rating is one, used by the log's share of users who give one |
//!
//! Each round generates the world of the current parameters and measures its log;
//! the rating scale and the activity are then solved exactly, and the visibility
//! weight, quality weight and catalogue size take a Broyden step — or, after a round
//! worse than the best so far, go back halfway towards the best. The fit stops when
//! every statistic of [`statistics::STATISTICS`] is within a third of its tolerance,
//! after four rounds without improvement, or after [`MAX_ROUNDS`], and keeps the best
//! round. The top-10% share is not fitted directly: it follows from the shape of the
//! model, and the comparison shows how well.
//!
//! # Determinism
//!
//! Every round generates the warm-up draws of a fixed seed
//! ([`World::warm_up_draws`]); the rounds run in order and their parameters are
//! rounded to what the scenario file writes, so the fit and its file are the same on
//! every run and thread count. The table is measured on [`World::generate`] of the
//! written file, so the file reproduces the measured world exactly.

pub mod activity;
pub mod rating;
mod scenario_text;
mod search;
pub mod statistics;
pub mod target;

use std::path::Path;

use serde::Serialize;

use crate::data::{LogShape, log_shape};
use crate::error::Result;
use crate::interaction::Interaction;
use crate::rng::SeedTree;
use crate::scenario::Scenario;
use crate::world::World;

pub use activity::{ActivityFit, fit_activity};
pub use scenario_text::scenario_text;
pub use statistics::{Comparison, STATISTICS, Statistic, Tolerance, compare, worst_error};
pub use target::{FitTarget, GenreMix};

use activity::round_significant;
use rating::fit_rating_scale;
use search::Broyden;

/// Rounds before the fit settles for its best.
pub const MAX_ROUNDS: usize = 12;

/// The fitted catalogue has at most this many times the log's rated items (a world
/// that leaves most movies unrated is not the log's).
const MAX_CATALOGUE_FACTOR: usize = 3;

/// The fit also stops after this many rounds without a better one.
const STALLED_ROUNDS: usize = 4;

/// The fit stops early once every statistic is within this share of its tolerance.
const GOOD_ENOUGH: f64 = 1.0 / 3.0;

/// The fitted parameters (everything else is the default world's).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FitParams {
    /// Seed of the fitted world.
    pub seed: u64,
    /// Users (the log's).
    pub n_users: usize,
    /// Movies in the catalogue.
    pub n_movies: usize,
    /// Ratings per user.
    pub activity: ActivityFit,
    /// Weight of ln vote_count in who watches what before day 0.
    pub visibility_weight: f64,
    /// Weight of a movie's quality in every user's utility: how much better liked
    /// good movies are, and so how much more often they are watched and how much
    /// higher they are rated.
    pub quality_weight: f64,
    /// Stars per unit of experienced utility.
    pub rating_slope: f64,
    /// Stars of a movie of experienced utility 0 for a user without bias.
    pub rating_midpoint: f64,
    /// Sd of the per-rating noise.
    pub rating_noise_sd: f64,
    /// Skew of the per-rating noise (a split normal).
    pub rating_noise_skew: f64,
    /// The star scale's step (the log's: 1.0 or 0.5).
    pub rating_step: f64,
    /// Share of users who use half stars (the log's), with a half-star step.
    pub half_star_users: f64,
    /// Probability of each further genre label, from the movies file.
    pub extra_genre_probability: Option<f64>,
    /// Release years, from the movies file.
    pub years: Option<(u16, u16)>,
}

/// One round of the search.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Round {
    /// 1-based.
    pub index: usize,
    /// The parameters tried.
    pub params: FitParams,
    /// The rated items of its world.
    pub n_items: usize,
    /// Every statistic against the target.
    pub comparisons: Vec<Comparison>,
    /// The largest error, in tolerance units.
    pub worst_error: f64,
}

/// A finished fit.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fit {
    /// What was fitted to.
    pub target: FitTarget,
    /// The best round's parameters.
    pub params: FitParams,
    /// The best round's log shape.
    pub fitted: LogShape,
    /// Every statistic, target beside fitted, for the best round.
    pub comparisons: Vec<Comparison>,
    /// Every round, in order.
    pub rounds: Vec<Round>,
    /// The scenario file: a comment header, then [`scenario_text`] of the best round.
    #[serde(skip)]
    pub scenario_file: String,
}

impl Fit {
    /// Whether every statistic is within its tolerance.
    #[must_use]
    pub fn holds(&self) -> bool {
        self.comparisons.iter().all(Comparison::holds)
    }
}

/// Probability `p` of each further genre label such that a movie's expected labels,
/// `1 + p + p²` (the generator adds a second and a third label with probability `p`
/// each), is `labels_per_movie`; capped below 1 as validation requires.
#[must_use]
pub fn extra_genre_probability(labels_per_movie: f64) -> f64 {
    let extra = (labels_per_movie - 1.0).clamp(0.0, 2.0);
    let p = ((1.0 + 4.0 * extra).sqrt() - 1.0) / 2.0;
    round_significant(p.min(0.95), 3)
}

/// Fits a world to `target`, reporting each round to `on_round`.
///
/// `name` names the fitted scenario; `path` is where its file will be written
/// (it names the scenario in errors).
///
/// # Errors
///
/// [`crate::Error::Scenario`] if a fitted scenario does not validate — a bug, since
/// every parameter is kept within its valid range, but one reported rather than
/// hidden.
pub fn fit(
    target: FitTarget,
    name: &str,
    seed: u64,
    path: &Path,
    on_round: &mut dyn FnMut(&Round),
) -> Result<Fit> {
    let t = &target.shape;
    let n_users = t.n_users.max(1);
    let n_movies = t.n_items.max(1);
    let mut params = FitParams {
        seed,
        n_users,
        n_movies,
        activity: fit_activity(t, target.min_user_ratings, n_movies, &[]),
        visibility_weight: 0.5,
        quality_weight: 0.5,
        rating_slope: 0.5,
        rating_midpoint: 2.9,
        rating_noise_sd: 0.9,
        rating_noise_skew: 0.0,
        rating_step: target.rating_step,
        half_star_users: round_significant(target.half_star_users, 4),
        extra_genre_probability: target
            .genres
            .as_ref()
            .map(|g| extra_genre_probability(g.labels_per_movie)),
        years: target.years,
    };
    // (visibility weight, quality weight, ln movies) → (item Gini, Spearman, ln rated
    // items). Prior Jacobian measured on the default world: Gini +0.25 per unit of
    // visibility and +0.12 per unit of quality, Spearman +0.48 per unit of quality;
    // rated items −30% per unit of visibility, +0.8% per 1% more movies.
    let lowest = (t.n_items.max(1) as f64).ln();
    let mut search = Broyden::new(
        [[0.25, 0.12, 0.0], [0.0, 0.48, 0.0], [-0.3, 0.0, 0.8]],
        [
            (0.0, 3.0),
            (0.0, 4.0),
            (lowest, lowest + (MAX_CATALOGUE_FACTOR as f64).ln()),
        ],
        [0.25, 0.5, 0.3],
    );
    // The users' activity quantiles depend on the seed and the population's other
    // settings, never on the activity's parameters: read them once.
    let quantiles: Vec<f64> = {
        let text = scenario_text(name, &params, target.genres.as_ref());
        let scenario = Scenario::from_ron_str(&text, path, name)?;
        let (_, tastes) = crate::world::population::generate(&scenario, &SeedTree::new(seed));
        tastes.iter().filter_map(|t| t.activity_quantile).collect()
    };
    params.activity = fit_activity(t, target.min_user_ratings, n_movies, &quantiles);
    let mut rounds: Vec<Round> = Vec::new();
    let mut best: Option<usize> = None;
    for index in 1..=MAX_ROUNDS {
        let text = scenario_text(name, &params, target.genres.as_ref());
        let scenario = Scenario::from_ron_str(&text, path, name)?;
        let draws = World::warm_up_draws(&scenario, &SeedTree::new(seed));
        // The slope and skew also move the Spearman: chosen once, on the first world,
        // so that the popularity search sees a smooth function of its parameters.
        let scale = fit_rating_scale(&draws, &scenario.spec().response.rating, t, index > 1);
        params.rating_slope = scale.slope;
        params.rating_noise_skew = scale.noise_skew;
        params.rating_midpoint = scale.midpoint;
        params.rating_noise_sd = scale.noise_sd;
        let ratings: Vec<Interaction> = draws.iter().map(|d| d.rating(&scale)).collect();
        let shape = log_shape(&ratings);
        let comparisons = compare(t, &shape);
        let round = Round {
            index,
            params: params.clone(),
            n_items: shape.n_items,
            worst_error: worst_error(&comparisons),
            comparisons,
        };
        on_round(&round);
        let is_best = best.is_none_or(|b| round.worst_error < rounds[b].worst_error);
        let stalled = best.is_some_and(|b| rounds.len() - b >= STALLED_ROUNDS && !is_best);
        let done = round.worst_error <= GOOD_ENOUGH || stalled;
        rounds.push(round);
        if is_best {
            best = Some(rounds.len() - 1);
        }
        if done || index == MAX_ROUNDS {
            break;
        }

        // Next round's parameters. Without a Spearman (too few items with 10 ratings)
        // the quality weight stays where it is.
        let spearman = t.popularity_rating_spearman;
        let x = [
            params.visibility_weight,
            params.quality_weight,
            (params.n_movies as f64).ln(),
        ];
        let y = [
            shape.item_gini,
            spearman
                .and(shape.popularity_rating_spearman)
                .unwrap_or(0.0),
            (shape.n_items.max(1) as f64).ln(),
        ];
        let next = if is_best {
            search.next(x, y, [t.item_gini, spearman.unwrap_or(0.0), lowest])
        } else {
            // Worse than the best round: learn from it, then backtrack halfway.
            search.observe(x, y);
            let b = &rounds[best.expect("a best round exists")].params;
            let from = [
                b.visibility_weight,
                b.quality_weight,
                (b.n_movies as f64).ln(),
            ];
            std::array::from_fn(|i| (from[i] + x[i]) / 2.0)
        };
        params.visibility_weight = round_significant(next[0], 4);
        if spearman.is_some() {
            params.quality_weight = round_significant(next[1], 4);
        }
        let n_movies = (next[2].exp().round() as usize).max(t.n_items.max(1));
        if n_movies != params.n_movies {
            params.n_movies = n_movies;
            params.activity = fit_activity(t, target.min_user_ratings, n_movies, &quantiles);
        }
    }
    let best_round = &rounds[best.expect("at least one round ran")];
    // The file's world, generated as `recolab run` generates it: what the table shows.
    let body = scenario_text(name, &best_round.params, target.genres.as_ref());
    let scenario = Scenario::from_ron_str(&body, path, name)?;
    let fitted = log_shape(&World::generate(&scenario, &SeedTree::new(seed)).warm_up);
    let comparisons = compare(t, &fitted);
    let scenario_file = format!("{}{body}", header(&target, best_round.index, &comparisons));
    Ok(Fit {
        params: best_round.params.clone(),
        comparisons,
        fitted,
        rounds,
        target,
        scenario_file,
    })
}

/// The fitted file's comment header: provenance and the comparison.
fn header(target: &FitTarget, round: usize, comparisons: &[Comparison]) -> String {
    use std::fmt::Write as _;
    let mut h = String::new();
    let _ = writeln!(
        h,
        "// Fitted by `recolab fit` to {} ({} ratings, {} users, {} rated items).",
        target.source, target.shape.n_ratings, target.shape.n_users, target.shape.n_items
    );
    let _ = writeln!(
        h,
        "// Every field left out is the default world's (docs/REALISM.md); add a stack,"
    );
    let _ = writeln!(
        h,
        "// experiments and a horizon freely — the fields below shape the warm-up log."
    );
    let _ = writeln!(h, "//");
    let _ = writeln!(
        h,
        "// statistic                    target      fitted (round {round})"
    );
    for c in comparisons {
        let cell = |v: Option<f64>| v.map_or_else(|| "–".to_owned(), |v| format!("{v:.4}"));
        let _ = writeln!(
            h,
            "// {:<28} {:<11} {}{}",
            c.statistic,
            cell(c.target),
            cell(c.fitted),
            if c.holds() {
                ""
            } else {
                "   (outside tolerance)"
            }
        );
    }
    h
}

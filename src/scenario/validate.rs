//! Checks a [`ScenarioSpec`] once, so that everything after it is infallible.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use super::Scenario;
use super::error::{Problem, ScenarioError};
use super::limits::{self, IntegerLimit};
use super::spec::{
    ActivitySpec, ArmSpec, BetaSpec, ContextFeature, DiversitySpec, FaultKind, ItemCfWarmStart,
    PolicySpec, ScenarioSpec, SearchSpec, SegmentSpec,
};

/// Longest scenario name: it names the report folder, and the report writer adds a
/// prefix and suffix to it for its temporary folders.
pub const MAX_NAME_LEN: usize = 100;

/// Tolerance for shares that must sum to 1.
const SHARE_TOLERANCE: f64 = 1e-6;

/// A searched list (`pipeline.gate.search.<name>`): not empty, no value twice.
/// Returns its length.
fn search_list<T: PartialEq>(c: &mut Checker, name: &str, values: &[T]) -> usize {
    let field = format!("pipeline.gate.search.{name}");
    if values.is_empty() {
        c.fail(
            &field,
            "is empty, so there would be nothing to search",
            "list at least one value, or leave the field out to keep the arm's own",
        );
    }
    if (1..values.len()).any(|i| values[..i].contains(&values[i])) {
        c.fail(field, "names a value twice", "list each value once");
    }
    values.len()
}

/// The configurations one arm's search trains per run (its grid, or the sample of
/// it) within [`limits::SEARCH_CONFIGURATIONS`].
fn search_grid_size(c: &mut Checker, field: &str, grid: usize, sample: Option<usize>) {
    let tried = sample.map_or(grid, |s| s.min(grid));
    let max = limits::SEARCH_CONFIGURATIONS.max;
    if tried as u64 > max {
        c.fail(
            field,
            format!("has a grid of {grid} configurations, all trained at every run"),
            format!("shorten the lists or set `sample` to at most {max}"),
        );
    }
}

fn round_for_display(x: f64) -> f64 {
    (x * 1e9).round() / 1e9
}

/// A bound of an interval as the docs write it: `−1000`, `0.001`, `1e6` (no
/// thousands separators, which would read as the interval's comma).
fn display_bound(x: f64) -> String {
    let sign = if x < 0.0 { "−" } else { "" };
    let m = x.abs();
    if m >= 1e5 {
        format!("{sign}{m:e}")
    } else {
        format!("{sign}{m}")
    }
}

/// `is 0.5`, `is 1e308`: a value as a problem states it, without 300 digits.
fn is(x: f64) -> String {
    if x.is_finite() && x != 0.0 && !(1e-6..1e15).contains(&x.abs()) {
        format!("is {x:?}")
    } else {
        format!("is {x}")
    }
}

/// Collects problems with their field paths.
struct Checker {
    problems: Vec<Problem>,
}

/// The fix for a policy that would serve or explore the non-selectable oracle.
const ORACLE_IN_POLICY_FIX: &str = "the oracle reads the hidden truth and is an upper bound, \
     not a production arm: remove it from the policy (the offline table always reports it), \
     or write `Oracle(selectable: true)` for an upper-bound run";
impl Checker {
    fn fail(
        &mut self,
        field: impl Into<String>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) {
        self.problems.push(Problem {
            field: field.into(),
            problem: problem.into(),
            fix: fix.into(),
        });
    }

    fn finite(&mut self, field: &str, value: f64) -> bool {
        if value.is_finite() {
            true
        } else {
            self.fail(field, is(value), "use a finite number");
            false
        }
    }

    fn probability(&mut self, field: &str, value: f64) {
        if self.finite(field, value) && !(0.0..=1.0).contains(&value) {
            self.fail(field, is(value), "use a probability in [0, 1]");
        }
    }

    fn non_negative(&mut self, field: &str, value: f64) {
        if self.finite(field, value) && value < 0.0 {
            self.fail(field, is(value), "use a value ≥ 0");
        }
    }

    fn positive(&mut self, field: &str, value: f64) {
        if self.finite(field, value) && value <= 0.0 {
            self.fail(field, is(value), "use a value > 0");
        }
    }

    /// An integer field against its entry of [`limits`].
    fn integer(
        &mut self,
        field: &str,
        value: impl TryInto<u64> + Copy + fmt::Display,
        limit: IntegerLimit,
    ) {
        let fits = value.try_into().is_ok_and(|v| limit.contains(v));
        if !fits {
            self.fail(field, format!("is {value}"), limit.fix());
        }
    }

    /// A real field in `[min, max]`.
    fn within(&mut self, field: &str, value: f64, min: f64, max: f64) {
        if self.finite(field, value) && !(min..=max).contains(&value) {
            self.fail(
                field,
                is(value),
                format!(
                    "use a value in [{}, {}]",
                    display_bound(min),
                    display_bound(max)
                ),
            );
        }
    }

    /// A real field in `(0, max]`.
    fn positive_at_most(&mut self, field: &str, value: f64, max: f64) {
        if self.finite(field, value) && !(value > 0.0 && value <= max) {
            self.fail(
                field,
                is(value),
                format!("use a value in (0, {}]", display_bound(max)),
            );
        }
    }

    /// A weight, shift or spread on the utility scale: `[−scale, scale]`.
    fn utility(&mut self, field: &str, value: f64) {
        self.within(field, value, -limits::UTILITY_SCALE, limits::UTILITY_SCALE);
    }

    /// A non-negative weight or spread on the utility scale: `[0, scale]`.
    fn utility_magnitude(&mut self, field: &str, value: f64) {
        self.within(field, value, 0.0, limits::UTILITY_SCALE);
    }

    /// A real field in `[0, max]`.
    fn non_negative_at_most(&mut self, field: &str, value: f64, max: f64) {
        self.within(field, value, 0.0, max);
    }

    fn shares_sum_to_one(&mut self, field: &str, shares: impl Iterator<Item = f64>, what: &str) {
        // Rounded for the message: 0.3 + 0.3 + 0.3 should read 0.9, not 0.8999999999999999.
        let sum = round_for_display(shares.sum());
        if sum.is_finite() && (sum - 1.0).abs() > SHARE_TOLERANCE {
            self.fail(
                field,
                format!("{what} sum to {sum}"),
                "make the shares sum to 1 (within 1e-6)",
            );
        }
    }

    fn beta(&mut self, field: &str, beta: &BetaSpec) {
        self.positive(&format!("{field}.a"), beta.a);
        self.positive(&format!("{field}.b"), beta.b);
    }
}

impl ScenarioSpec {
    /// Item CF's `incremental` warm start keeps a table of every pair of movies
    /// when the scenario retrains: refused above the catalogue size it allows.
    fn check_pair_table(&self, c: &mut Checker, i: usize, arm: &ArmSpec) {
        let n = self.catalogue.n_movies;
        if let ArmSpec::ItemCf {
            warm_start: ItemCfWarmStart::Incremental,
            similarity,
            ..
        } = arm
            && self.pipeline.retrain_every_hours > 0.0
            && n > crate::recommend::PAIR_TABLE_MAX_MOVIES
        {
            c.fail(
                format!("stack.arms[{i}].warm_start"),
                format!(
                    "is `incremental` (the default), whose table of every pair of movies \
                     would take {:.1} GB for {n} movies (at most {} movies)",
                    crate::recommend::pair_table_bytes(n, *similarity) / 1e9,
                    crate::recommend::PAIR_TABLE_MAX_MOVIES
                ),
                "set `warm_start: frozen_means` (honest, recomputes the touched rows) or \
                 `histories` on this arm",
            );
        }
    }
}

/// Checks one arm's parameters; `field` is its path, e.g. `stack.arms[2]`.
fn check_arm(c: &mut Checker, field: &str, arm: &ArmSpec) {
    let f = |name: &str| format!("{field}.{name}");
    match arm {
        ArmSpec::Popularity | ArmSpec::Random | ArmSpec::Oracle { .. } => {}
        ArmSpec::Svd {
            factors,
            learning_rate,
            regularisation,
            epochs,
            update_epochs,
            init_sd,
        } => {
            c.integer(&f("factors"), *factors, limits::ARM_FACTORS);
            if c.finite(&f("learning_rate"), *learning_rate)
                && !(*learning_rate > 0.0 && *learning_rate < 1.0)
            {
                c.fail(
                    f("learning_rate"),
                    format!("is {learning_rate}"),
                    "use a learning rate in (0, 1), e.g. 0.01 (larger rates diverge)",
                );
            }
            c.non_negative(&f("regularisation"), *regularisation);
            c.integer(&f("epochs"), *epochs, limits::EPOCHS);
            c.integer(&f("update_epochs"), *update_epochs, limits::UPDATE_EPOCHS);
            c.non_negative(&f("init_sd"), *init_sd);
        }
        ArmSpec::ItemCf {
            similarity: _,
            shrinkage,
            neighbours,
            warm_start,
            full_fit_every,
        } => {
            c.non_negative(&f("shrinkage"), *shrinkage);
            c.integer(&f("neighbours"), *neighbours, limits::NEIGHBOURS);
            if *warm_start == ItemCfWarmStart::Exact && *full_fit_every != 0 {
                c.fail(
                    f("full_fit_every"),
                    "is set with `warm_start: exact`, whose every update is already a full \
                     fit's model, so it would be ignored",
                    "leave `full_fit_every` out with `exact`, or use `frozen_means` or `histories`",
                );
            }
        }
        ArmSpec::Embeddings { view: _, vectors } => {
            if let Some(path) = vectors
                && path.trim().is_empty()
            {
                c.fail(
                    f("vectors"),
                    "is an empty path",
                    "name a CSV or .npy file of `id, vector` rows, or leave `vectors` out",
                );
            }
        }
        ArmSpec::Graph {
            restart_probability,
            walks_per_movie,
            fingerprint,
            max_seeds,
        } => {
            if c.finite(&f("restart_probability"), *restart_probability)
                && !(limits::MIN_RESTART_PROBABILITY..1.0).contains(restart_probability)
            {
                c.fail(
                    f("restart_probability"),
                    format!("is {restart_probability}"),
                    format!(
                        "use a probability in [{}, 1), e.g. 0.15 (a walk averages (1 − α)/α steps)",
                        limits::MIN_RESTART_PROBABILITY
                    ),
                );
            }
            c.integer(
                &f("walks_per_movie"),
                *walks_per_movie,
                limits::WALKS_PER_MOVIE,
            );
            c.integer(&f("fingerprint"), *fingerprint, limits::FINGERPRINT);
            c.integer(&f("max_seeds"), *max_seeds, limits::MAX_SEEDS);
        }
        ArmSpec::LongTail {
            max_votes,
            min_average,
            boost,
        } => {
            c.integer(&f("max_votes"), *max_votes, limits::ARM_MAX_VOTES);
            if c.finite(&f("min_average"), *min_average) && !(0.0..10.0).contains(min_average) {
                c.fail(
                    f("min_average"),
                    format!("is {min_average}"),
                    "use a vote average in [0, 10)",
                );
            }
            c.non_negative(&f("boost"), *boost);
        }
        ArmSpec::Serendipity {
            min_distance,
            factors,
            epochs,
            view: _,
        } => {
            if c.finite(&f("min_distance"), *min_distance) && !(0.0..=2.0).contains(min_distance) {
                c.fail(
                    f("min_distance"),
                    format!("is {min_distance}"),
                    "use a cosine distance in [0, 2] (0 = anything, 1 = orthogonal)",
                );
            }
            c.integer(&f("factors"), *factors, limits::ARM_FACTORS);
            c.integer(&f("epochs"), *epochs, limits::EPOCHS);
        }
        ArmSpec::PureSvd {
            factors,
            iterations,
        } => {
            c.integer(&f("factors"), *factors, limits::ARM_FACTORS);
            c.integer(&f("iterations"), *iterations, limits::SUBSPACE_ITERATIONS);
        }
    }
}

/// Checks the parameters every learning policy shares.
fn check_learner(
    c: &mut Checker,
    field: &str,
    prior: (f64, f64),
    context: &[ContextFeature],
    discount: Option<f64>,
    pooling: f64,
) {
    c.positive(&format!("{field}.prior.0"), prior.0);
    c.positive(&format!("{field}.prior.1"), prior.1);
    let mut seen = BTreeSet::new();
    for (i, feature) in context.iter().enumerate() {
        if !seen.insert(*feature) {
            c.fail(
                format!("{field}.context[{i}]"),
                format!("feature {} appears twice", feature.name()),
                "list each context feature once",
            );
        }
    }
    if let Some(gamma) = discount
        && c.finite(&format!("{field}.discount"), gamma)
        && !(gamma > 0.0 && gamma <= 1.0)
    {
        c.fail(
            format!("{field}.discount"),
            format!("is {gamma}"),
            "use a forgetting factor in (0, 1], e.g. 0.999, or `None`",
        );
    }
    c.non_negative(&format!("{field}.pooling"), pooling);
}

impl ScenarioSpec {
    /// Checks every value and every cross-reference, and resolves names.
    ///
    /// `path` names the file in errors; `fallback_name` is used when the scenario
    /// sets no `name` (the CLI passes the file stem).
    ///
    /// # Errors
    ///
    /// [`ScenarioError::Invalid`] listing every problem, each with its field path, the
    /// value found and the fix.
    pub fn validate(self, path: &Path, fallback_name: &str) -> Result<Scenario, ScenarioError> {
        let mut c = Checker {
            problems: Vec::new(),
        };
        self.check(&mut c);
        if !c.problems.is_empty() {
            return Err(ScenarioError::Invalid {
                path: path.to_owned(),
                problems: c.problems,
            });
        }
        let name = self
            .name
            .clone()
            .unwrap_or_else(|| fallback_name.to_owned());
        Ok(Scenario::from_checked(name, self))
    }

    fn check(&self, c: &mut Checker) {
        if let Some(name) = &self.name
            && (name.is_empty()
                || !name
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_'))
        {
            c.fail(
                "name",
                format!("is {name:?}"),
                "use letters, digits, '-' and '_' only (it names the report folder)",
            );
        } else if let Some(name) = &self.name
            && name.len() > MAX_NAME_LEN
        {
            c.fail(
                "name",
                format!("is {} characters long", name.len()),
                format!(
                    "use at most {MAX_NAME_LEN} characters (it names the report folder, \
                     and file systems cap a name at 255 bytes)"
                ),
            );
        }
        self.check_catalogue(c);
        self.check_population(c);
        self.check_context(c);
        self.check_response(c);
        self.check_horizon(c);
        self.check_stack(c);
        self.check_experiments(c);
        c.non_negative(
            "pipeline.retrain_every_hours",
            self.pipeline.retrain_every_hours,
        );
        self.check_gate(c);
        self.check_faults(c);
        self.check_rollout(c);
        self.check_alerts(c);
        c.problems.extend(self.evaluation.problems());
        c.integer(
            "report.timeseries_bucket_hours",
            self.report.timeseries_bucket_hours,
            limits::BUCKET_HOURS,
        );
        c.integer(
            "report.propensity_draws",
            self.report.propensity_draws,
            limits::PROPENSITY_DRAWS,
        );
        if self.report.propensities && !self.report.event_log {
            c.fail(
                "report.propensities",
                "is true but `report.event_log` is false, so nothing would record them",
                "set `report: (event_log: true, propensities: true)`, or leave propensities off",
            );
        }
        self.check_checks(c);
    }

    /// The `checks` section: known metrics, finite bounds, `min ≤ max`.
    fn check_checks(&self, c: &mut Checker) {
        let groups: Vec<String> = std::iter::once("default".to_owned())
            .chain(self.experiments.iter().flat_map(|e| {
                e.variants
                    .iter()
                    .map(move |v| format!("{}/{}", e.id, v.name))
            }))
            .collect();
        for (i, check) in self.checks.iter().enumerate() {
            let field = format!("checks[{i}]");
            if let Some(group) = check.metric.strip_prefix("regret/") {
                if !groups.iter().any(|g| g == group) {
                    c.fail(
                        format!("{field}.metric"),
                        format!("is {:?}, a policy slot that does not exist", check.metric),
                        format!(
                            "use regret/ followed by one of {groups:?} (`default` = users outside every experiment)"
                        ),
                    );
                } else if !self.report.regret {
                    c.fail(
                        format!("{field}.metric"),
                        format!("is {:?} but `report.regret` is false", check.metric),
                        "set `report: (regret: true)` so the report measures regret, or drop the check",
                    );
                }
            } else if !crate::check::CHECKABLE_METRICS.contains(&check.metric.as_str()) {
                c.fail(
                    format!("{field}.metric"),
                    format!("is {:?}, not a metric of the report", check.metric),
                    format!(
                        "use one of {:?} or regret/GROUP",
                        crate::check::CHECKABLE_METRICS
                    ),
                );
            }
            if check.min.is_none() && check.max.is_none() {
                c.fail(
                    field.clone(),
                    "has neither `min` nor `max`",
                    "give a bound, e.g. (metric: \"gini\", max: 0.8)",
                );
            }
            for (name, bound) in [("min", check.min), ("max", check.max)] {
                if let Some(v) = bound {
                    c.finite(&format!("{field}.{name}"), v);
                }
            }
            if let (Some(lo), Some(hi)) = (check.min, check.max)
                && lo > hi
            {
                c.fail(
                    field,
                    format!("has min {lo} above max {hi}"),
                    "make `min` at most `max`",
                );
            }
        }
    }

    fn genre_names(&self) -> BTreeSet<&str> {
        self.catalogue
            .genres
            .iter()
            .map(|g| g.name.as_str())
            .collect()
    }

    fn check_genre_ref(&self, c: &mut Checker, field: &str, genre: &str) {
        if !self.genre_names().contains(genre) {
            let known: Vec<_> = self
                .catalogue
                .genres
                .iter()
                .map(|g| g.name.as_str())
                .collect();
            c.fail(
                field,
                format!("names genre {genre:?}, which is not in `catalogue.genres`"),
                format!("use one of {known:?} or add the genre to `catalogue.genres`"),
            );
        }
    }

    fn check_catalogue(&self, c: &mut Checker) {
        let cat = &self.catalogue;
        c.integer("catalogue.n_movies", cat.n_movies, limits::N_MOVIES);
        if cat.genres.is_empty() {
            c.fail(
                "catalogue.genres",
                "is empty",
                "list at least one genre with its share",
            );
        }
        if cat.genres.len() > 256 {
            c.fail(
                "catalogue.genres",
                format!("has {} genres", cat.genres.len()),
                "use at most 256 genres",
            );
        }
        let mut seen = BTreeSet::new();
        for (i, genre) in cat.genres.iter().enumerate() {
            let field = format!("catalogue.genres[{i}]");
            if !seen.insert(genre.name.as_str()) {
                c.fail(
                    format!("{field}.name"),
                    format!("{:?} appears twice", genre.name),
                    "give every genre a unique name",
                );
            }
            c.probability(&format!("{field}.share"), genre.share);
            if !genre.languages.is_empty() {
                for (j, lang) in genre.languages.iter().enumerate() {
                    c.probability(&format!("{field}.languages[{j}].share"), lang.share);
                }
                c.shares_sum_to_one(
                    &format!("{field}.languages"),
                    genre.languages.iter().map(|l| l.share),
                    "language shares",
                );
            }
        }
        if !cat.genres.is_empty() {
            c.shares_sum_to_one(
                "catalogue.genres",
                cat.genres.iter().map(|g| g.share),
                "genre shares",
            );
        }
        for (i, niche) in cat.niche_genres.iter().enumerate() {
            self.check_genre_ref(c, &format!("catalogue.niche_genres[{i}]"), niche);
        }
        let p = cat.extra_genre_probability;
        if c.finite("catalogue.extra_genre_probability", p) && !(0.0..1.0).contains(&p) {
            c.fail(
                "catalogue.extra_genre_probability",
                format!("is {p}"),
                "use a probability in [0, 1)",
            );
        }
        c.positive("catalogue.vote_count.median", cat.vote_count.median);
        c.non_negative("catalogue.vote_count.sigma", cat.vote_count.sigma);
        let mean = cat.vote_average.mean;
        if c.finite("catalogue.vote_average.mean", mean) && !(1.0..=10.0).contains(&mean) {
            c.fail(
                "catalogue.vote_average.mean",
                format!("is {mean}"),
                "use a mean on the 1–10 vote scale",
            );
        }
        c.non_negative("catalogue.vote_average.sd", cat.vote_average.sd);
        c.non_negative("catalogue.vote_average.noise_sd", cat.vote_average.noise_sd);
        c.probability("catalogue.hidden_gem_share", cat.hidden_gem_share);
        c.integer(
            "catalogue.long_tail_max_votes",
            cat.long_tail_max_votes,
            limits::LONG_TAIL_MAX_VOTES,
        );
        let gem = cat.gem_min_average;
        if c.finite("catalogue.gem_min_average", gem) && !(1.0..10.0).contains(&gem) {
            c.fail(
                "catalogue.gem_min_average",
                format!("is {gem}"),
                "use a vote average in [1, 10)",
            );
        }
        let rho = cat.popularity_quality_correlation;
        if c.finite("catalogue.popularity_quality_correlation", rho) && !(-1.0..=1.0).contains(&rho)
        {
            c.fail(
                "catalogue.popularity_quality_correlation",
                format!("is {rho}"),
                "use a correlation in [−1, 1]",
            );
        }
        if cat.years.min > cat.years.max {
            c.fail(
                "catalogue.years",
                format!("min {} is after max {}", cat.years.min, cat.years.max),
                "make `min` ≤ `max`",
            );
        }
        c.integer("catalogue.n_factors", cat.n_factors, limits::DIMENSIONS);
        c.integer(
            "catalogue.n_content_dims",
            cat.n_content_dims,
            limits::DIMENSIONS,
        );
        c.non_negative("catalogue.content_noise", cat.content_noise);
        c.integer(
            "catalogue.people_per_movie",
            cat.people_per_movie,
            limits::PER_MOVIE_LINKS,
        );
        c.integer(
            "catalogue.keywords_per_movie",
            cat.keywords_per_movie,
            limits::PER_MOVIE_LINKS,
        );
        self.check_graph_ids(c);
        if cat.people_per_movie > cat.n_people {
            c.fail(
                "catalogue.people_per_movie",
                format!(
                    "is {} but `catalogue.n_people` is {}",
                    cat.people_per_movie, cat.n_people
                ),
                "credit at most `n_people` people per movie",
            );
        }
        if cat.keywords_per_movie > cat.n_keywords {
            c.fail(
                "catalogue.keywords_per_movie",
                format!(
                    "is {} but `catalogue.n_keywords` is {}",
                    cat.keywords_per_movie, cat.n_keywords
                ),
                "tag at most `n_keywords` keywords per movie",
            );
        }
    }

    /// Movies, genres, people, keywords and users are the nodes of the knowledge graph
    /// (the graph arm, and the offline table's), numbered together in 32 bits.
    fn check_graph_ids(&self, c: &mut Checker) {
        let cat = &self.catalogue;
        let parts = [
            ("catalogue.n_movies", cat.n_movies),
            ("catalogue.genres", cat.genres.len()),
            ("catalogue.n_people", cat.n_people),
            ("catalogue.n_keywords", cat.n_keywords),
            ("population.n_users", self.population.n_users),
        ];
        let nodes = parts
            .iter()
            .try_fold(0usize, |sum, &(_, n)| sum.checked_add(n));
        if nodes.is_none_or(|n| n > u32::MAX as usize) {
            let (field, n) = parts
                .iter()
                .max_by_key(|&&(_, n)| n)
                .copied()
                .expect("five parts");
            c.fail(
                field,
                format!("is {n}, and the knowledge graph's nodes would pass 2^32"),
                "movies, genres, people, keywords and users share the graph's 32-bit ids: \
                 make them sum to less than 4,294,967,296",
            );
        }
    }

    fn check_population(&self, c: &mut Checker) {
        let pop = &self.population;
        c.integer("population.n_users", pop.n_users, limits::N_USERS);
        let segments: [(&str, &SegmentSpec); 3] = [
            ("cold_start", &pop.segments.cold_start),
            ("regular", &pop.segments.regular),
            ("power", &pop.segments.power),
        ];
        for (name, segment) in segments {
            let field = format!("population.segments.{name}");
            c.positive_at_most(
                &format!("{field}.visits_per_day"),
                segment.visits_per_day,
                limits::MAX_VISITS_PER_DAY,
            );
        }
        match &pop.activity {
            ActivitySpec::Segments => self.check_segment_activity(c, &segments),
            ActivitySpec::LogNormal {
                median,
                sigma,
                min,
                max,
                thresholds,
            } => {
                c.positive("population.activity.median", *median);
                c.non_negative("population.activity.sigma", *sigma);
                if sigma.is_finite() && *sigma > 5.0 {
                    c.fail(
                        "population.activity.sigma",
                        format!("is {sigma}"),
                        "use at most 5 (real logs fit 0.8–1.5)",
                    );
                }
                if min > max {
                    c.fail(
                        "population.activity",
                        format!("min {min} is above max {max}"),
                        "make `min` ≤ `max`",
                    );
                }
                if let Some((problem, fix)) = thresholds.problem() {
                    c.fail("population.activity.thresholds.power_from", problem, fix);
                }
            }
        }
        c.non_negative("population.visibility_weight", pop.visibility_weight);
        c.probability("population.niche_lover_share", pop.niche_lover_share);
        c.utility_magnitude("population.niche_lover_boost", pop.niche_lover_boost);
        c.utility_magnitude("population.genre_affinity_sd", pop.genre_affinity_sd);
        c.beta("population.novelty_appetite", &pop.novelty_appetite);
        c.beta("population.context_sensitivity", &pop.context_sensitivity);
    }

    /// Shares and warm-up ranges of `activity: Segments`, the only model reading them.
    fn check_segment_activity(&self, c: &mut Checker, segments: &[(&str, &SegmentSpec); 3]) {
        for (name, segment) in segments {
            let field = format!("population.segments.{name}");
            c.probability(&format!("{field}.share"), segment.share);
            let range = &segment.warm_up_interactions;
            if range.min > range.max {
                c.fail(
                    format!("{field}.warm_up_interactions"),
                    format!("min {} is above max {}", range.min, range.max),
                    "make `min` ≤ `max`",
                );
            }
            if range.max > self.catalogue.n_movies {
                c.fail(
                    format!("{field}.warm_up_interactions.max"),
                    format!(
                        "is {} but the catalogue has {} movies",
                        range.max, self.catalogue.n_movies
                    ),
                    "a user watches each movie at most once: use at most `catalogue.n_movies`",
                );
            }
        }
        c.shares_sum_to_one(
            "population.segments",
            segments.iter().map(|(_, s)| s.share),
            "segment shares (cold_start + regular + power)",
        );
    }

    fn check_context(&self, c: &mut Checker) {
        for (i, shift) in self.context.daypart_shifts.iter().enumerate() {
            let field = format!("context.daypart_shifts[{i}]");
            self.check_genre_ref(c, &format!("{field}.genre"), &shift.genre);
            c.utility(&format!("{field}.shift"), shift.shift);
        }
        for (i, shift) in self.context.weekend_shifts.iter().enumerate() {
            let field = format!("context.weekend_shifts[{i}]");
            self.check_genre_ref(c, &format!("{field}.genre"), &shift.genre);
            c.utility(&format!("{field}.shift"), shift.shift);
        }
        for (i, n) in self.context.daypart_novelty.iter().enumerate() {
            c.utility(&format!("context.daypart_novelty[{i}].shift"), n.shift);
        }
        c.integer(
            "context.fatigue.window",
            self.context.fatigue.window,
            limits::FATIGUE_WINDOW,
        );
        c.utility_magnitude("context.fatigue.strength", self.context.fatigue.strength);
        c.utility(
            "context.session_novelty_gain",
            self.context.session_novelty_gain,
        );
    }

    fn check_response(&self, c: &mut Checker) {
        let r = &self.response;
        for (field, w) in [
            ("response.utility.taste", r.utility.taste),
            ("response.utility.genre", r.utility.genre),
            ("response.utility.quality", r.utility.quality),
            ("response.utility.novelty", r.utility.novelty),
            ("response.utility.popularity", r.utility.popularity),
            ("response.no_click_utility", r.no_click_utility),
        ] {
            c.utility(field, w);
        }
        c.non_negative("response.position_bias", r.position_bias);
        c.probability("response.rating.probability", r.rating.probability);
        c.utility("response.rating.midpoint", r.rating.midpoint);
        c.utility_magnitude("response.rating.slope", r.rating.slope);
        c.utility_magnitude("response.rating.noise_sd", r.rating.noise_sd);
        c.utility_magnitude("response.rating.user_bias_sd", r.rating.user_bias_sd);
        c.probability("response.rating.half_star_users", r.rating.half_star_users);
        let skew = r.rating.noise_skew;
        if c.finite("response.rating.noise_skew", skew) && !(0.0..1.0).contains(&skew) {
            c.fail(
                "response.rating.noise_skew",
                format!("is {skew}"),
                "use a skew in [0, 1): 0 is a normal noise, 0.3 a long lower tail",
            );
        }
        let step = r.rating.step;
        if step != 1.0 && step != 0.5 {
            c.fail(
                "response.rating.step",
                format!("is {step}"),
                "use 1.0 (whole stars 1–5) or 0.5 (half stars 0.5–5)",
            );
        }
        c.probability("response.thumbs.probability", r.thumbs.probability);
        c.utility_magnitude("response.thumbs.slope", r.thumbs.slope);
        c.probability(
            "response.session.continue_without_click",
            r.session.continue_without_click,
        );
        c.probability(
            "response.session.continue_after_click",
            r.session.continue_after_click,
        );
        c.integer(
            "response.session.max_requests",
            r.session.max_requests,
            limits::MAX_REQUESTS,
        );
        c.positive_at_most(
            "response.session.minutes_between_requests",
            r.session.minutes_between_requests,
            limits::MAX_MINUTES_BETWEEN_REQUESTS,
        );
        c.non_negative(
            "response.retention.satisfaction_boost",
            r.retention.satisfaction_boost,
        );
    }

    fn check_horizon(&self, c: &mut Checker) {
        let h = &self.horizon;
        c.integer("horizon.days", h.days, limits::DAYS);
        c.integer("horizon.warm_up_days", h.warm_up_days, limits::WARM_UP_DAYS);
        if h.arrival_profile.len() != 24 {
            c.fail(
                "horizon.arrival_profile",
                format!("has {} values", h.arrival_profile.len()),
                "give exactly 24 weights, one per hour 0–23",
            );
        } else {
            for (hour, &w) in h.arrival_profile.iter().enumerate() {
                c.non_negative_at_most(
                    &format!("horizon.arrival_profile[{hour}]"),
                    w,
                    limits::MAX_ARRIVAL_WEIGHT,
                );
            }
            if h.arrival_profile.iter().sum::<f64>() <= 0.0 {
                c.fail(
                    "horizon.arrival_profile",
                    "all weights are 0",
                    "give at least one hour a positive weight",
                );
            }
        }
    }

    fn check_stack(&self, c: &mut Checker) {
        let s = &self.stack;
        if s.arms.is_empty() {
            c.fail(
                "stack.arms",
                "is empty",
                "list at least one arm, e.g. `arms: [Popularity]`",
            );
        }
        let mut names = BTreeSet::new();
        for (i, arm) in s.arms.iter().enumerate() {
            if !names.insert(arm.name()) {
                c.fail(
                    format!("stack.arms[{i}]"),
                    format!("arm {:?} appears twice", arm.name()),
                    "list each arm once",
                );
            }
        }
        c.integer(
            "stack.arms_per_request",
            s.arms_per_request,
            limits::ARMS_PER_REQUEST,
        );
        if s.arms_per_request > s.arms.len().max(1) {
            c.fail(
                "stack.arms_per_request",
                format!(
                    "is {} with {} arm(s) in `stack.arms`",
                    s.arms_per_request,
                    s.arms.len()
                ),
                format!(
                    "blend at most the {} arm(s) of `stack.arms`",
                    s.arms.len().max(1)
                ),
            );
        }
        for (i, arm) in s.arms.iter().enumerate() {
            check_arm(c, &format!("stack.arms[{i}]"), arm);
            self.check_pair_table(c, i, arm);
        }
        c.integer("stack.slate_size", s.slate_size, limits::SLATE_SIZE);
        self.check_reward(c);
        if s.slate_size > self.catalogue.n_movies {
            c.fail(
                "stack.slate_size",
                format!(
                    "is {} but the catalogue has {} movies",
                    s.slate_size, self.catalogue.n_movies
                ),
                "show at most `catalogue.n_movies` movies per request",
            );
        }
        self.check_policy(c, "stack.policy", &s.policy);
        self.check_diversity(c, "stack.diversity", &s.diversity);
    }

    fn check_diversity(&self, c: &mut Checker, field: &str, d: &DiversitySpec) {
        c.utility_magnitude(&format!("{field}.weight"), d.weight);
        c.integer(
            &format!("{field}.pool_factor"),
            d.pool_factor,
            limits::POOL_FACTOR,
        );
        for (name, w) in [
            ("popularity_dampening", d.popularity_dampening.weight),
            ("long_tail_boost", d.long_tail_boost.weight),
            ("niche_boost", d.niche_boost.weight),
            ("coverage_boost", d.coverage_boost.weight),
        ] {
            c.utility_magnitude(&format!("{field}.{name}.weight"), w);
        }
        c.finite(
            &format!("{field}.long_tail_boost.min_average"),
            d.long_tail_boost.min_average,
        );
        for (i, genre) in d.niche_boost.genres.iter().enumerate() {
            self.check_genre_ref(c, &format!("{field}.niche_boost.genres[{i}]"), genre);
        }
        c.probability(&format!("{field}.mmr.lambda"), d.mmr.lambda);
    }

    /// A static-weights map at `field` (`….weights`, or `pipeline.rollout.static_weights`):
    /// known arms, bounded non-negative weights, one positive, no oracle.
    fn check_static_weights(
        &self,
        c: &mut Checker,
        field: &str,
        weights: &std::collections::BTreeMap<String, f64>,
    ) {
        for arm in self.stack.arms.iter().filter(|a| !a.is_selectable()) {
            if weights.get(arm.name()).is_some_and(|&w| w > 0.0) {
                c.fail(
                    format!("{field}[{:?}]", arm.name()),
                    "gives a non-selectable oracle a positive weight",
                    ORACLE_IN_POLICY_FIX,
                );
            }
        }
        let arms: Vec<&str> = self.stack.arms.iter().map(|a| a.name()).collect();
        for (name, &w) in weights {
            let f = format!("{field}[{name:?}]");
            if !arms.contains(&name.as_str()) {
                c.fail(
                    &f,
                    format!("names arm {name:?}, which is not in `stack.arms`"),
                    format!("use one of {arms:?}"),
                );
            }
            c.non_negative_at_most(&f, w, limits::MAX_RELATIVE_WEIGHT);
        }
        if !weights.values().any(|&w| w > 0.0) {
            c.fail(
                field,
                "no arm has a positive weight",
                "give at least one arm of `stack.arms` a weight > 0",
            );
        }
    }

    fn check_policy(&self, c: &mut Checker, field: &str, policy: &PolicySpec) {
        let oracle_fix = ORACLE_IN_POLICY_FIX;
        let learns = matches!(
            policy,
            PolicySpec::Thompson { .. }
                | PolicySpec::EpsilonGreedy { .. }
                | PolicySpec::Ucb1 { .. }
        );
        if learns && self.stack.arms.iter().any(|a| !a.is_selectable()) {
            c.fail(
                field,
                format!(
                    "is {}, which would explore the non-selectable oracle of `stack.arms`",
                    policy.name()
                ),
                oracle_fix,
            );
        }
        match policy {
            PolicySpec::StaticWeights { weights } => {
                self.check_static_weights(c, &format!("{field}.weights"), weights);
            }
            PolicySpec::Uniform => {
                if self.stack.arms.iter().any(|a| !a.is_selectable()) {
                    c.fail(
                        field,
                        "would serve the non-selectable oracle of `stack.arms` uniformly",
                        oracle_fix,
                    );
                }
            }
            PolicySpec::Thompson {
                prior,
                context,
                discount,
                pooling,
            } => check_learner(c, field, *prior, context, *discount, *pooling),
            PolicySpec::EpsilonGreedy {
                epsilon,
                context,
                prior,
                discount,
                pooling,
            } => {
                c.probability(&format!("{field}.epsilon"), *epsilon);
                check_learner(c, field, *prior, context, *discount, *pooling);
            }
            PolicySpec::Ucb1 {
                c: exploration,
                context,
                prior,
                discount,
                pooling,
            } => {
                c.non_negative(&format!("{field}.c"), *exploration);
                check_learner(c, field, *prior, context, *discount, *pooling);
            }
            PolicySpec::Oracle => {
                if !self.report.regret {
                    c.fail(
                        field,
                        "is Oracle, which reads every arm's true expected reward, but `report.regret` is false",
                        "set `report: (regret: true)` so the simulator computes those rewards",
                    );
                }
            }
        }
    }

    fn check_reward(&self, c: &mut Checker) {
        let r = &self.stack.reward;
        c.integer(
            "stack.reward.success_min_rating",
            r.success_min_rating,
            limits::SUCCESS_MIN_RATING,
        );
        c.integer(
            "stack.reward.failure_max_rating",
            r.failure_max_rating,
            limits::FAILURE_MAX_RATING,
        );
        if r.failure_max_rating >= r.success_min_rating {
            c.fail(
                "stack.reward.failure_max_rating",
                format!(
                    "is {} but `success_min_rating` is {}",
                    r.failure_max_rating, r.success_min_rating
                ),
                "make `failure_max_rating` < `success_min_rating`",
            );
        }
    }

    fn check_alerts(&self, c: &mut Checker) {
        let Some(alerts) = &self.pipeline.alerts else {
            return;
        };
        if let Some(baseline) = alerts.long_tail_baseline {
            c.probability("pipeline.alerts.long_tail_baseline", baseline);
        }
        c.probability("pipeline.alerts.long_tail_margin", alerts.long_tail_margin);
        c.within(
            "pipeline.alerts.min_clicked_rating",
            alerts.min_clicked_rating,
            0.0,
            5.0,
        );
        c.probability("pipeline.alerts.max_arm_share", alerts.max_arm_share);
        c.non_negative("pipeline.alerts.max_offline_drop", alerts.max_offline_drop);
        c.integer(
            "pipeline.alerts.min_ratings",
            alerts.min_ratings,
            limits::ALERT_MIN_COUNT,
        );
        c.integer(
            "pipeline.alerts.min_selections",
            alerts.min_selections,
            limits::ALERT_MIN_COUNT,
        );
    }

    fn check_faults(&self, c: &mut Checker) {
        let p = &self.pipeline;
        let training_faults = p
            .faults
            .iter()
            .any(|f| !matches!(f.kind, FaultKind::TasteShift { .. }));
        if (training_faults || p.work_budget.is_some()) && p.retrain_every_hours == 0.0 {
            c.fail(
                "pipeline.faults",
                "are set (or `work_budget` is) but `pipeline.retrain_every_hours` is 0, so no \
                 training run would reach them",
                "set `retrain_every_hours` > 0 or leave `faults` and `work_budget` out",
            );
        }
        let horizon_hours = f64::from(self.horizon.days) * 24.0;
        for (i, fault) in p.faults.iter().enumerate() {
            let field = format!("pipeline.faults[{i}].at_hours");
            if c.finite(&field, fault.at_hours)
                && !(fault.at_hours > 0.0 && fault.at_hours < horizon_hours)
            {
                c.fail(
                    &field,
                    is(fault.at_hours),
                    format!(
                        "use a time in (0, {horizon_hours}) hours: a training run inside the \
                         horizon must reach it"
                    ),
                );
            }
        }
        for (i, fault) in p.faults.iter().enumerate() {
            if let FaultKind::TasteShift { strength } = fault.kind {
                c.positive_at_most(
                    &format!("pipeline.faults[{i}].kind.strength"),
                    strength,
                    1.0,
                );
            }
        }
        for (i, fault) in p.faults.iter().enumerate() {
            let FaultKind::DivergingLearningRate { factor } = fault.kind else {
                continue;
            };
            let field = format!("pipeline.faults[{i}].kind.factor");
            c.positive(&field, factor);
            if p.gate.is_none() {
                c.fail(
                    format!("pipeline.faults[{i}].kind"),
                    "is `DivergingLearningRate` but `pipeline.gate` is absent: warm-start runs \
                     keep the deployed arms' settings",
                    "add `gate: ()` to `pipeline` or use another fault",
                );
            }
            if !self
                .stack
                .arms
                .iter()
                .any(|a| matches!(a, ArmSpec::Svd { .. }))
            {
                c.fail(
                    format!("pipeline.faults[{i}].kind"),
                    "is `DivergingLearningRate` but `stack.arms` has no `Svd` arm to diverge",
                    "add `Svd()` to `stack.arms` or use another fault",
                );
            }
        }
        if let Some(budget) = p.work_budget {
            c.integer("pipeline.work_budget", budget, limits::WORK_BUDGET);
        }
        for (field, hours) in [
            (
                "pipeline.bandit_snapshot_every_hours",
                p.bandit_snapshot_every_hours,
            ),
            (
                "pipeline.metric_snapshot_every_hours",
                p.metric_snapshot_every_hours,
            ),
        ] {
            if c.finite(field, hours) && hours != 0.0 && !(1.0..=1e6).contains(&hours) {
                c.fail(
                    field,
                    is(hours),
                    "use 0 (no snapshots) or a number of simulated hours in [1, 1e6]",
                );
            }
        }
    }

    fn check_rollout(&self, c: &mut Checker) {
        let p = &self.pipeline;
        if p.evaluate_versions && p.gate.is_some() {
            c.fail(
                "pipeline.evaluate_versions",
                "is set with `pipeline.gate`, which evaluates every candidate already",
                "leave `evaluate_versions` out of a gated pipeline",
            );
        }
        if p.evaluate_versions && p.retrain_every_hours == 0.0 {
            c.fail(
                "pipeline.evaluate_versions",
                "is set but `pipeline.retrain_every_hours` is 0, so there is no version after \
                 the first to evaluate",
                "set `retrain_every_hours` > 0 or leave `evaluate_versions` out",
            );
        }
        let Some(r) = &p.rollout else {
            return;
        };
        if p.gate.is_none() {
            c.fail(
                "pipeline.rollout",
                "is set but `pipeline.gate` is absent: only gated versions are rolled out \
                 (warm starts replace the deployed arms in place)",
                "add `gate: ()` to `pipeline` or leave `rollout` out",
            );
        }
        if r.stages.is_empty() || r.stages.last() != Some(&1.0) {
            c.fail(
                "pipeline.rollout.stages",
                format!("is {:?}; it must end at 1.0 (everyone)", r.stages),
                "list increasing shares in (0, 1] ending with 1.0, e.g. [0.1, 0.5, 1.0]",
            );
        }
        for (i, &share) in r.stages.iter().enumerate() {
            let field = format!("pipeline.rollout.stages[{i}]");
            c.positive_at_most(&field, share, 1.0);
            if i > 0 && share <= r.stages[i - 1] {
                c.fail(
                    &field,
                    format!(
                        "{share} is not above the stage before ({})",
                        r.stages[i - 1]
                    ),
                    "list increasing shares in (0, 1] ending with 1.0, e.g. [0.1, 0.5, 1.0]",
                );
            }
        }
        let horizon_hours = f64::from(self.horizon.days) * 24.0;
        c.positive_at_most("pipeline.rollout.stage_hours", r.stage_hours, horizon_hours);
        c.positive_at_most(
            "pipeline.rollout.check_every_hours",
            r.check_every_hours,
            horizon_hours,
        );
        c.positive_at_most("pipeline.rollout.watch_hours", r.watch_hours, horizon_hours);
        if let Some(h) = r.static_hours {
            c.positive("pipeline.rollout.static_hours", h);
        }
        c.within("pipeline.rollout.tolerance", r.tolerance, 0.0, 1.0);
        c.within(
            "pipeline.rollout.rollback_threshold",
            r.rollback_threshold,
            0.0,
            1.0,
        );
        if r.tolerance > r.rollback_threshold {
            c.fail(
                "pipeline.rollout.tolerance",
                format!(
                    "{} is above `rollback_threshold` ({}), so a stage could never be held",
                    r.tolerance, r.rollback_threshold
                ),
                "set `tolerance` ≤ `rollback_threshold`",
            );
        }
        if r.watch.is_empty() {
            c.fail(
                "pipeline.rollout.watch",
                "is empty, so the rollout would have nothing to judge",
                "list at least one of `ctr`, `clicked_rating`, `long_tail_share`",
            );
        }
        let distinct: BTreeSet<_> = r.watch.iter().collect();
        if distinct.len() < r.watch.len() {
            c.fail(
                "pipeline.rollout.watch",
                "names a metric twice",
                "list each metric once",
            );
        }
        if let Some(weights) = &r.static_weights {
            self.check_static_weights(c, "pipeline.rollout.static_weights", weights);
        }
    }

    fn check_gate(&self, c: &mut Checker) {
        let Some(gate) = &self.pipeline.gate else {
            return;
        };
        if self.pipeline.retrain_every_hours == 0.0 {
            c.fail(
                "pipeline.gate",
                "is set but `pipeline.retrain_every_hours` is 0, so no training run would reach it",
                "set `retrain_every_hours` > 0 or leave the gate out",
            );
        }
        if c.finite("pipeline.gate.test_share", gate.test_share)
            && !(gate.test_share > 0.0 && gate.test_share < 1.0)
        {
            c.fail(
                "pipeline.gate.test_share",
                is(gate.test_share),
                "use a share in (0, 1): some new ratings must be held out and some train",
            );
        }
        c.integer(
            "pipeline.gate.eval_users",
            gate.eval_users,
            limits::GATE_EVAL_USERS,
        );
        c.within("pipeline.gate.tolerance", gate.tolerance, 0.0, 1.0);
        if gate.metrics.is_empty() {
            c.fail(
                "pipeline.gate.metrics",
                "is empty, so the gate would have nothing to judge",
                "list at least one of `ndcg`, `precision`, `recall`, `hit_rate`, `rmse`",
            );
        }
        let distinct: BTreeSet<_> = gate.metrics.iter().collect();
        if distinct.len() < gate.metrics.len() {
            c.fail(
                "pipeline.gate.metrics",
                "names a metric twice",
                "list each metric once",
            );
        }
        if let Some(search) = &gate.search {
            self.check_search(c, gate.test_share, search);
        }
    }

    /// `pipeline.gate.search`: its share, and every range a non-empty list of valid
    /// settings of an arm the stack has.
    fn check_search(&self, c: &mut Checker, test_share: f64, search: &SearchSpec) {
        let share = search.validation_share;
        if c.finite("pipeline.gate.search.validation_share", share)
            && !(share > 0.0 && share < 1.0 && share + test_share < 1.0)
        {
            c.fail(
                "pipeline.gate.search.validation_share",
                format!("{} (with test_share {test_share})", is(share)),
                "use a share in (0, 1) with test_share + validation_share < 1: some ratings \
                 must train",
            );
        }
        if search.svd.is_none() && search.item_cf.is_none() {
            c.fail(
                "pipeline.gate.search",
                "has no ranges, so there is nothing to search",
                "add `svd: (factors: [16, 32])` or `item_cf: (neighbours: [20, 40])`, or \
                 leave `search` out",
            );
        }
        if let Some(sample) = search.sample {
            c.integer(
                "pipeline.gate.search.sample",
                sample,
                limits::SEARCH_CONFIGURATIONS,
            );
        }
        let has = |f: fn(&ArmSpec) -> bool| self.stack.arms.iter().any(f);
        if let Some(svd) = &search.svd {
            if !has(|a| matches!(a, ArmSpec::Svd { .. })) {
                c.fail(
                    "pipeline.gate.search.svd",
                    "has ranges but `stack.arms` has no `Svd` arm",
                    "add `Svd()` to `stack.arms` or leave `svd` out",
                );
            }
            let mut n = 1usize;
            if let Some(v) = &svd.factors {
                n = n.saturating_mul(search_list(c, "svd.factors", v));
                for (i, &f) in v.iter().enumerate() {
                    c.integer(
                        &format!("pipeline.gate.search.svd.factors[{i}]"),
                        f,
                        limits::ARM_FACTORS,
                    );
                }
            }
            if let Some(v) = &svd.learning_rate {
                n = n.saturating_mul(search_list(c, "svd.learning_rate", v));
                for (i, &lr) in v.iter().enumerate() {
                    let field = format!("pipeline.gate.search.svd.learning_rate[{i}]");
                    if c.finite(&field, lr) && !(lr > 0.0 && lr < 1.0) {
                        c.fail(field, is(lr), "use a learning rate in (0, 1)");
                    }
                }
                for (i, fault) in self.pipeline.faults.iter().enumerate() {
                    if matches!(fault.kind, FaultKind::DivergingLearningRate { .. }) {
                        c.fail(
                            format!("pipeline.faults[{i}].kind"),
                            "is `DivergingLearningRate` but `pipeline.gate.search.svd.\
                             learning_rate` replaces the learning rate it multiplies",
                            "leave `learning_rate` out of the search or use another fault",
                        );
                    }
                }
            }
            if let Some(v) = &svd.regularisation {
                n = n.saturating_mul(search_list(c, "svd.regularisation", v));
                for (i, &r) in v.iter().enumerate() {
                    c.non_negative(&format!("pipeline.gate.search.svd.regularisation[{i}]"), r);
                }
            }
            if svd.factors.is_none() && svd.learning_rate.is_none() && svd.regularisation.is_none()
            {
                c.fail(
                    "pipeline.gate.search.svd",
                    "has no range",
                    "list values of `factors`, `learning_rate` or `regularisation`, or leave \
                     `svd` out",
                );
            }
            search_grid_size(c, "pipeline.gate.search.svd", n, search.sample);
        }
        if let Some(cf) = &search.item_cf {
            if !has(|a| matches!(a, ArmSpec::ItemCf { .. })) {
                c.fail(
                    "pipeline.gate.search.item_cf",
                    "has ranges but `stack.arms` has no `ItemCf` arm",
                    "add `ItemCf()` to `stack.arms` or leave `item_cf` out",
                );
            }
            match &cf.neighbours {
                None => c.fail(
                    "pipeline.gate.search.item_cf",
                    "has no range",
                    "list values of `neighbours`, or leave `item_cf` out",
                ),
                Some(v) => {
                    let n = search_list(c, "item_cf.neighbours", v);
                    for (i, &k) in v.iter().enumerate() {
                        c.integer(
                            &format!("pipeline.gate.search.item_cf.neighbours[{i}]"),
                            k,
                            limits::NEIGHBOURS,
                        );
                    }
                    search_grid_size(c, "pipeline.gate.search.item_cf", n, search.sample);
                }
            }
        }
    }

    fn check_experiments(&self, c: &mut Checker) {
        let mut ids = BTreeSet::new();
        let mut total = 0.0;
        for (i, exp) in self.experiments.iter().enumerate() {
            let field = format!("experiments[{i}]");
            if exp.id.is_empty() || !ids.insert(exp.id.as_str()) {
                c.fail(
                    format!("{field}.id"),
                    format!("{:?} is empty or used twice", exp.id),
                    "give every experiment a unique, non-empty id",
                );
            }
            if c.finite(&format!("{field}.traffic"), exp.traffic)
                && !(exp.traffic > 0.0 && exp.traffic <= 1.0)
            {
                c.fail(
                    format!("{field}.traffic"),
                    format!("is {}", exp.traffic),
                    "use a share of users in (0, 1]",
                );
            }
            total += exp.traffic;
            if exp.variants.len() < 2 {
                c.fail(
                    format!("{field}.variants"),
                    format!("has {} variant(s)", exp.variants.len()),
                    "list at least two variants (the first is the control)",
                );
            }
            let mut names = BTreeSet::new();
            for (j, variant) in exp.variants.iter().enumerate() {
                let vfield = format!("{field}.variants[{j}]");
                if variant.name.is_empty() || !names.insert(variant.name.as_str()) {
                    c.fail(
                        format!("{vfield}.name"),
                        format!("{:?} is empty or used twice", variant.name),
                        "give every variant a unique, non-empty name",
                    );
                }
                c.positive_at_most(
                    &format!("{vfield}.weight"),
                    variant.weight,
                    limits::MAX_RELATIVE_WEIGHT,
                );
                if let Some(policy) = &variant.policy {
                    self.check_policy(c, &format!("{vfield}.policy"), policy);
                }
                if let Some(diversity) = &variant.diversity {
                    self.check_diversity(c, &format!("{vfield}.diversity"), diversity);
                }
            }
            c.problems.extend(exp.analysis_problems(&field));
        }
        let total = round_for_display(total);
        if total > 1.0 + SHARE_TOLERANCE {
            c.fail(
                "experiments",
                format!("traffic shares sum to {total}"),
                "experiments do not overlap: make their `traffic` sum to at most 1",
            );
        }
    }
}

#[cfg(test)]
mod arm_tests {
    use std::path::Path;

    use crate::scenario::ScenarioSpec;

    fn problems(ron: &str) -> Vec<String> {
        let spec = ScenarioSpec::from_ron_str(ron, Path::new("t.ron")).unwrap();
        match spec.validate(Path::new("t.ron"), "t") {
            Ok(_) => Vec::new(),
            Err(crate::scenario::ScenarioError::Invalid { problems, .. }) => {
                problems.iter().map(ToString::to_string).collect()
            }
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn full_fit_every_is_refused_with_exact_warm_starts() {
        let stack = |arm: &str| {
            format!("(stack: (arms: [Popularity, {arm}], arms_per_request: 1, policy: Uniform))")
        };
        let p = problems(&stack("ItemCf(warm_start: exact)"));
        assert!(p.is_empty(), "{p:#?}");
        assert!(
            problems(&stack(
                "ItemCf(warm_start: frozen_means, full_fit_every: 4)"
            ))
            .is_empty()
        );
        let p = problems(&stack("ItemCf(warm_start: exact, full_fit_every: 4)"));
        assert_eq!(p.len(), 1, "{p:#?}");
        assert!(
            p[0].contains("stack.arms[1]")
                && p[0].contains("full_fit_every")
                && p[0].contains("fix:"),
            "{}",
            p[0]
        );
    }

    #[test]
    fn incremental_item_cf_is_refused_above_the_pair_tables_catalogue_when_retraining() {
        let scenario = |movies: usize, warm_start: &str, retrain: f64| {
            format!(
                "(catalogue: (n_movies: {movies}), pipeline: (retrain_every_hours: {retrain:?}), \
                 stack: (arms: [Popularity, ItemCf({warm_start})], arms_per_request: 1, \
                 policy: Uniform))"
            )
        };
        let too_many = crate::recommend::PAIR_TABLE_MAX_MOVIES + 1;
        // The default warm start, 16,385 movies, retraining: refused, with the fix.
        let p = problems(&scenario(too_many, "", 6.0));
        assert_eq!(p.len(), 1, "{p:#?}");
        assert!(
            p[0].contains("stack.arms[1].warm_start")
                && p[0].contains("GB")
                && p[0].contains("frozen_means"),
            "{}",
            p[0]
        );
        // No retraining (the table is never built), or another warm start: accepted.
        assert!(problems(&scenario(too_many, "", 0.0)).is_empty());
        assert!(problems(&scenario(too_many, "warm_start: frozen_means", 6.0)).is_empty());
        assert!(problems(&scenario(too_many - 1, "warm_start: incremental", 6.0)).is_empty());
    }

    #[test]
    fn evaluate_versions_is_refused_beside_a_gate() {
        assert!(problems("(pipeline: (evaluate_versions: true))").is_empty());
        let p = problems("(pipeline: (gate: (), evaluate_versions: true))");
        assert_eq!(p.len(), 1, "{p:#?}");
        assert!(
            p[0].contains("pipeline.evaluate_versions") && p[0].contains("fix:"),
            "{}",
            p[0]
        );
        // Without retraining there is nothing to evaluate: refused, not a silent no-op.
        let p = problems("(pipeline: (retrain_every_hours: 0.0, evaluate_versions: true))");
        assert_eq!(p.len(), 1, "{p:#?}");
        assert!(
            p[0].contains("pipeline.evaluate_versions")
                && p[0].contains("retrain_every_hours")
                && p[0].contains("fix:"),
            "{}",
            p[0]
        );
    }

    #[test]
    fn checks_name_known_metrics_and_sane_bounds() {
        assert!(
            problems("(checks: [(metric: \"gini\", max: 0.9), (metric: \"coverage\", min: 0.1)])")
                .is_empty()
        );
        let p = problems(
            "(checks: [(metric: \"ginny\", max: 0.9), (metric: \"gini\"), \
             (metric: \"coverage\", min: 0.5, max: 0.2), (metric: \"regret/default\", max: 1.0), \
             (metric: \"regret/nope\", max: 1.0)])",
        );
        assert_eq!(p.len(), 5, "{p:#?}");
        assert!(
            p[0].contains("checks[0].metric") && p[0].contains("\"serendipity\""),
            "{}",
            p[0]
        );
        assert!(
            p[1].contains("checks[1]") && p[1].contains("neither"),
            "{}",
            p[1]
        );
        assert!(p[2].contains("min 0.5 above max 0.2"), "{}", p[2]);
        assert!(p[3].contains("report.regret"), "{}", p[3]);
        assert!(
            p[4].contains("regret/nope") && p[4].contains("\"default\""),
            "{}",
            p[4]
        );
    }

    #[test]
    fn an_oracle_needs_explicit_permission_to_be_served() {
        let static_oracle = r#"(stack: (arms: [Popularity, Oracle()], arms_per_request: 1,
            policy: StaticWeights(weights: {"oracle": 1.0})))"#;
        let p = problems(static_oracle);
        assert!(
            p.iter()
                .any(|p| p.contains("stack.policy.weights[\"oracle\"]")
                    && p.contains("selectable: true")),
            "{p:?}"
        );
        let uniform =
            "(stack: (arms: [Popularity, Oracle()], arms_per_request: 1, policy: Uniform))";
        assert_eq!(problems(uniform).len(), 1);
        let allowed = r#"(stack: (arms: [Popularity, Oracle(selectable: true)], arms_per_request: 1,
            policy: StaticWeights(weights: {"oracle": 1.0})))"#;
        assert!(problems(allowed).is_empty());
        let unused = r#"(stack: (arms: [Popularity, Oracle()], arms_per_request: 1,
            policy: StaticWeights(weights: {"popularity": 1.0})))"#;
        assert!(problems(unused).is_empty());
    }

    #[test]
    fn arm_and_diversity_parameters_are_checked_with_paths() {
        let bad = r#"(stack: (arms: [Popularity, Svd(learning_rate: 2.0)], arms_per_request: 1,
            policy: StaticWeights(weights: {"popularity": 1.0}),
            diversity: (mmr: (enabled: true, lambda: 1.5), niche_boost: (genres: ["opera"]))))"#;
        let p = problems(bad);
        assert!(
            p.iter()
                .any(|p| p.starts_with("`stack.arms[1].learning_rate`")),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|p| p.starts_with("`stack.diversity.mmr.lambda`")),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|p| p.starts_with("`stack.diversity.niche_boost.genres[0]`")),
            "{p:?}"
        );
    }

    #[test]
    fn a_bare_arm_name_gets_a_parentheses_hint() {
        let err = ScenarioSpec::from_ron_str("(stack: (arms: [Svd]))", Path::new("t.ron"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("`Svd()`"), "{err}");
    }
}

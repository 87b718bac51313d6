//! The allowed range of every integer field of a scenario, in one table, and the
//! bounds of the real-valued fields whose range is not a plain sign or probability.
//!
//! Validation checks each integer against its [`IntegerLimit`], and a number that does
//! not even fit the field's type (`days: 99999999999`, `n_movies: -3`) is reported with
//! the same range by [`integer_limit`], so a user reads one range for a field whatever
//! the mistake. `docs/SCENARIOS.md` lists the same ranges in its `allowed` columns;
//! `tests/integration/input_limits.rs` reads those columns and tries every documented
//! bound just inside and just outside, so the page and the code cannot drift apart.
//!
//! Why the bounds are where they are: a range is what the model means (a probability,
//! a star, a day), or what the code's types hold (ids are 32-bit), or a cap far above
//! any useful value that keeps the arithmetic finite and the work bounded (`epochs`,
//! `walks`, utility weights). What a large but allowed size costs in memory and time
//! is the cost estimate's job (`src/cost.rs`), not validation's.

use std::fmt;

/// The whole numbers an integer field accepts (both ends included).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntegerLimit {
    /// Smallest allowed value.
    pub min: u64,
    /// Largest allowed value; `u64::MAX` when only the type bounds it.
    pub max: u64,
    /// Why the range is what it is, for the fix of a message; may be empty.
    pub why: &'static str,
}

impl IntegerLimit {
    const fn new(min: u64, max: u64, why: &'static str) -> Self {
        Self { min, max, why }
    }

    const fn at_least(min: u64, why: &'static str) -> Self {
        Self::new(min, u64::MAX, why)
    }

    /// Whether `value` is allowed.
    #[must_use]
    pub fn contains(&self, value: u64) -> bool {
        (self.min..=self.max).contains(&value)
    }

    /// The range as the docs write it: `1 – 3,650`, or `≥ 1` when only the type
    /// bounds it from above.
    #[must_use]
    pub fn range(&self) -> String {
        if self.max == u64::MAX {
            format!("≥ {}", thousands(self.min))
        } else {
            format!("{} – {}", thousands(self.min), thousands(self.max))
        }
    }

    /// The fix for a value outside the range: both ends spelled out, and the reason.
    #[must_use]
    pub fn fix(&self) -> String {
        let why = if self.why.is_empty() {
            String::new()
        } else {
            format!(" ({})", self.why)
        };
        format!(
            "use a whole number from {} to {}{why}",
            thousands(self.min),
            thousands(self.max)
        )
    }
}

impl fmt::Display for IntegerLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.range())
    }
}

/// `1234567` as `1,234,567`.
#[must_use]
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

const U32: u64 = u32::MAX as u64;

/// `seed`: any 64-bit number.
pub const SEED: IntegerLimit = IntegerLimit::at_least(0, "any 64-bit number");
/// `catalogue.n_movies`: movie ids are 32-bit.
pub const N_MOVIES: IntegerLimit = IntegerLimit::new(1, U32, "movie ids are 32-bit");
/// `population.n_users`: user ids are 32-bit.
pub const N_USERS: IntegerLimit = IntegerLimit::new(1, U32, "user ids are 32-bit");
/// `catalogue.long_tail_max_votes`: a threshold below which some movie can fall.
pub const LONG_TAIL_MAX_VOTES: IntegerLimit =
    IntegerLimit::at_least(2, "hidden gems have fewer votes than this");
/// `catalogue.years.min` and `.max`: 16-bit years.
pub const YEAR: IntegerLimit = IntegerLimit::new(0, u16::MAX as u64, "a year");
/// `catalogue.n_factors` and `catalogue.n_content_dims`.
pub const DIMENSIONS: IntegerLimit =
    IntegerLimit::at_least(1, "`recolab validate` shows what the size costs");
/// `catalogue.n_people` and `catalogue.n_keywords` (with the graph's id check).
pub const GRAPH_NODES: IntegerLimit = IntegerLimit::at_least(
    0,
    "movies, genres, people, keywords and users share 32-bit graph ids",
);
/// `catalogue.people_per_movie` and `catalogue.keywords_per_movie`: drawing them is
/// quadratic in the count.
pub const PER_MOVIE_LINKS: IntegerLimit =
    IntegerLimit::new(0, 1_000, "credits or keywords of one movie");
/// Counts of warm-up ratings and activity thresholds.
pub const COUNT: IntegerLimit = IntegerLimit::at_least(0, "");
/// `context.fatigue.window`: each user keeps that many recent movies.
pub const FATIGUE_WINDOW: IntegerLimit = IntegerLimit::new(
    0,
    1_000,
    "recent movies each user remembers; 0 = no fatigue",
);
/// `response.session.max_requests`.
pub const MAX_REQUESTS: IntegerLimit =
    IntegerLimit::at_least(1, "`recolab validate` estimates the requests and the time");
/// `horizon.days`.
pub const DAYS: IntegerLimit = IntegerLimit::new(1, 3_650, "ten years of traffic at most");
/// `horizon.warm_up_days`.
pub const WARM_UP_DAYS: IntegerLimit = IntegerLimit::new(0, 3_650, "ten years of history at most");
/// `stack.arms_per_request` (and at most the number of arms).
pub const ARMS_PER_REQUEST: IntegerLimit =
    IntegerLimit::at_least(1, "and at most the number of `stack.arms`");
/// `stack.slate_size` (and at most `catalogue.n_movies`).
pub const SLATE_SIZE: IntegerLimit = IntegerLimit::at_least(1, "and at most `catalogue.n_movies`");
/// `stack.reward.success_min_rating`.
pub const SUCCESS_MIN_RATING: IntegerLimit =
    IntegerLimit::new(1, 6, "stars 1–5, or 6 for \"no rating is a success\"");
/// `stack.reward.failure_max_rating`.
pub const FAILURE_MAX_RATING: IntegerLimit =
    IntegerLimit::new(0, 5, "stars 1–5, or 0 for \"no rating is a failure\"");
/// `diversity.pool_factor`.
pub const POOL_FACTOR: IntegerLimit =
    IntegerLimit::new(1, 100, "the pool is re-ranked per request");
/// Vote-count thresholds of the diversity long-tail boost.
pub const VOTES: IntegerLimit = IntegerLimit::at_least(0, "a vote count");
/// `iterations` of the PureSVD arm.
pub const SUBSPACE_ITERATIONS: IntegerLimit =
    IntegerLimit::new(0, 100, "subspace iterations of the randomised SVD");
/// `factors` of the SVD, serendipity and PureSVD arms.
pub const ARM_FACTORS: IntegerLimit = IntegerLimit::new(1, 512, "latent factors");
/// `epochs` of the SVD and serendipity arms.
pub const EPOCHS: IntegerLimit =
    IntegerLimit::new(1, 1_000, "passes over every rating in a full fit");
/// `update_epochs` of the SVD arm.
pub const UPDATE_EPOCHS: IntegerLimit =
    IntegerLimit::new(0, 1_000, "passes over the new ratings in an update");
/// `neighbours` of item-based CF.
pub const NEIGHBOURS: IntegerLimit =
    IntegerLimit::new(1, 1_000_000, "similar movies kept per movie");
/// `walks_per_movie` of the graph arm.
pub const WALKS_PER_MOVIE: IntegerLimit = IntegerLimit::new(
    1,
    1_000_000,
    "random walks from each movie for its fingerprint",
);
/// `fingerprint` of the graph arm.
pub const FINGERPRINT: IntegerLimit =
    IntegerLimit::new(1, 1_000_000, "movies kept in each movie's fingerprint");
/// `max_seeds` of the graph arm.
pub const MAX_SEEDS: IntegerLimit = IntegerLimit::at_least(1, "liked movies the walks start from");
/// `max_votes` of the long-tail arm.
pub const ARM_MAX_VOTES: IntegerLimit = IntegerLimit::at_least(1, "a vote count");
/// `min_users_per_variant` of an experiment.
pub const MIN_USERS_PER_VARIANT: IntegerLimit =
    IntegerLimit::new(2, U32, "a variance needs two users; user ids are 32-bit");
/// `looks` of an experiment's stopping rule: each look keeps a snapshot of every
/// member's counts (64 bytes a user), so 100 looks of 20,000 users hold about 130 MB.
pub const LOOKS: IntegerLimit = IntegerLimit::new(
    1,
    100,
    "each look keeps a snapshot of every member's counts, 64 bytes a user",
);
/// `report.timeseries_bucket_hours`.
pub const BUCKET_HOURS: IntegerLimit = IntegerLimit::new(1, U32, "hours per row");
/// `report.offline_users`.
pub const OFFLINE_USERS: IntegerLimit = IntegerLimit::at_least(0, "0 skips the offline table");
/// `pipeline.gate.eval_users`.
pub const GATE_EVAL_USERS: IntegerLimit = IntegerLimit::new(
    1,
    1_000_000,
    "users each version is scored on at every training run",
);
/// `pipeline.gate.search.sample`, and the configurations one arm's search may try.
pub const SEARCH_CONFIGURATIONS: IntegerLimit = IntegerLimit::new(
    1,
    256,
    "configurations of one arm trained at every training run",
);
/// `pipeline.alerts.min_ratings` and `min_selections`.
pub const ALERT_MIN_COUNT: IntegerLimit =
    IntegerLimit::new(1, U32, "a bucket's count before it is judged");
/// `pipeline.work_budget`.
pub const WORK_BUDGET: IntegerLimit = IntegerLimit::at_least(
    1,
    "interactions × arms one training run may cost; 0 fails every run",
);
/// `report.propensity_draws`.
pub const PROPENSITY_DRAWS: IntegerLimit = IntegerLimit::new(
    1,
    1_000_000,
    "posterior draws per request: a million already costs about 25 ms a request",
);
/// `evaluation.k`.
pub const EVAL_K: IntegerLimit = IntegerLimit::new(1, 1_000, "the length of a top-K list");
/// `evaluation.homogenisation_users`.
pub const HOMOGENISATION_USERS: IntegerLimit =
    IntegerLimit::at_least(2, "users whose lists are compared pairwise");
/// `evaluation.protocol`'s `repeats` of `RandomSplit`.
pub const REPEATS: IntegerLimit = IntegerLimit::new(1, 100, "independent splits");
/// `evaluation.protocol`'s `folds` of `KFold`.
pub const FOLDS: IntegerLimit = IntegerLimit::new(2, 100, "folds of the cross-validation");
/// `evaluation.protocol`'s `windows` of `Temporal`.
pub const WINDOWS: IntegerLimit = IntegerLimit::new(1, 100, "test windows");

/// Every integer field, by the end of its path as serde names it (list indices and
/// `?` left out, enum variants kept): the table [`integer_limit`] reads.
const INTEGER_FIELDS: &[(&str, IntegerLimit)] = &[
    ("seed", SEED),
    ("catalogue.n_movies", N_MOVIES),
    ("catalogue.long_tail_max_votes", LONG_TAIL_MAX_VOTES),
    ("catalogue.years.min", YEAR),
    ("catalogue.years.max", YEAR),
    ("catalogue.n_factors", DIMENSIONS),
    ("catalogue.n_content_dims", DIMENSIONS),
    ("catalogue.n_people", GRAPH_NODES),
    ("catalogue.people_per_movie", PER_MOVIE_LINKS),
    ("catalogue.n_keywords", GRAPH_NODES),
    ("catalogue.keywords_per_movie", PER_MOVIE_LINKS),
    ("population.n_users", N_USERS),
    ("activity.LogNormal.min", COUNT),
    ("activity.LogNormal.max", COUNT),
    ("cold_start_below", COUNT),
    ("power_from", COUNT),
    ("warm_up_interactions.min", COUNT),
    ("warm_up_interactions.max", COUNT),
    ("context.fatigue.window", FATIGUE_WINDOW),
    ("session.max_requests", MAX_REQUESTS),
    ("horizon.days", DAYS),
    ("horizon.warm_up_days", WARM_UP_DAYS),
    ("stack.arms_per_request", ARMS_PER_REQUEST),
    ("stack.slate_size", SLATE_SIZE),
    ("reward.success_min_rating", SUCCESS_MIN_RATING),
    ("reward.failure_max_rating", FAILURE_MAX_RATING),
    ("diversity.pool_factor", POOL_FACTOR),
    ("long_tail_boost.max_votes", VOTES),
    ("Svd.factors", ARM_FACTORS),
    ("Svd.epochs", EPOCHS),
    ("Svd.update_epochs", UPDATE_EPOCHS),
    ("ItemCf.neighbours", NEIGHBOURS),
    ("Graph.walks_per_movie", WALKS_PER_MOVIE),
    ("Graph.fingerprint", FINGERPRINT),
    ("Graph.max_seeds", MAX_SEEDS),
    ("LongTail.max_votes", ARM_MAX_VOTES),
    ("Serendipity.factors", ARM_FACTORS),
    ("Serendipity.epochs", EPOCHS),
    ("min_users_per_variant", MIN_USERS_PER_VARIANT),
    ("GroupSequential.looks", LOOKS),
    ("Msprt.looks", LOOKS),
    ("PureSvd.factors", ARM_FACTORS),
    ("PureSvd.iterations", SUBSPACE_ITERATIONS),
    ("report.timeseries_bucket_hours", BUCKET_HOURS),
    ("report.offline_users", OFFLINE_USERS),
    ("report.propensity_draws", PROPENSITY_DRAWS),
    ("pipeline.gate.eval_users", GATE_EVAL_USERS),
    ("pipeline.gate.search.svd.factors", ARM_FACTORS),
    ("pipeline.gate.search.item_cf.neighbours", NEIGHBOURS),
    ("pipeline.gate.search.sample", SEARCH_CONFIGURATIONS),
    ("pipeline.alerts.min_ratings", ALERT_MIN_COUNT),
    ("pipeline.alerts.min_selections", ALERT_MIN_COUNT),
    ("pipeline.work_budget", WORK_BUDGET),
    ("evaluation.k", EVAL_K),
    ("evaluation.homogenisation_users", HOMOGENISATION_USERS),
    ("RandomSplit.repeats", REPEATS),
    ("KFold.folds", FOLDS),
    ("Temporal.windows", WINDOWS),
];

/// The range of the integer field at `path` (as serde names it, e.g.
/// `stack.arms[0].Svd.factors` or `experiments[1].variants[0].diversity.pool_factor`),
/// or `None` for a path that is not an integer field.
#[must_use]
pub fn integer_limit(path: &str) -> Option<IntegerLimit> {
    let path = normalise(path);
    INTEGER_FIELDS
        .iter()
        .find(|(suffix, _)| {
            path == *suffix
                || path
                    .strip_suffix(suffix)
                    .is_some_and(|head| head.ends_with('.'))
        })
        .map(|&(_, limit)| limit)
}

/// `a[0].b.?.c` → `a.b.c`.
fn normalise(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut depth = 0;
    for ch in path.chars() {
        match ch {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ if depth > 0 => {}
            _ => out.push(ch),
        }
    }
    out.split('.')
        .filter(|s| !s.is_empty() && *s != "?")
        .collect::<Vec<_>>()
        .join(".")
}

/// Largest magnitude of a weight, shift or spread on the utility scale (utilities are
/// a few units; beyond this a sum of terms could overflow to ±∞ and give NaN).
pub const UTILITY_SCALE: f64 = 1_000.0;
/// Most visits per user per day a segment can average.
pub const MAX_VISITS_PER_DAY: f64 = 100.0;
/// Most minutes between two requests of a session (a day).
pub const MAX_MINUTES_BETWEEN_REQUESTS: f64 = 1_440.0;
/// Smallest restart probability of the graph arm: a walk averages (1 − α)/α steps.
pub const MIN_RESTART_PROBABILITY: f64 = 0.001;
/// Largest weight of one hour of `horizon.arrival_profile` (weights have any scale;
/// this keeps their sum finite).
pub const MAX_ARRIVAL_WEIGHT: f64 = 1e6;
/// Largest relative weight of a policy arm or an experiment variant (the weights are
/// normalised by their sum, which must stay finite).
pub const MAX_RELATIVE_WEIGHT: f64 = 1e6;
/// Largest planned lift, prior spread or mixture spread of an experiment, relative to
/// the control (10 = +1000%).
pub const MAX_RELATIVE_EFFECT: f64 = 10.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_found_with_indices_variants_and_options() {
        assert_eq!(integer_limit("horizon.days"), Some(DAYS));
        assert_eq!(
            integer_limit("stack.arms[3].Svd.factors"),
            Some(ARM_FACTORS)
        );
        assert_eq!(
            integer_limit("experiments[0].variants[1].diversity.?.pool_factor"),
            Some(POOL_FACTOR)
        );
        assert_eq!(
            integer_limit("population.activity.LogNormal.thresholds.power_from"),
            Some(COUNT)
        );
        assert_eq!(
            integer_limit("evaluation.protocol.KFold.folds"),
            Some(FOLDS)
        );
        // A suffix matches whole names only: `max_seeds` is not `seed`.
        assert_eq!(
            integer_limit("stack.arms[0].Graph.max_seeds"),
            Some(MAX_SEEDS)
        );
        assert_eq!(integer_limit("response.utility.taste"), None);
    }

    #[test]
    fn ranges_read_as_the_docs_write_them() {
        assert_eq!(DAYS.range(), "1 – 3,650");
        assert_eq!(N_MOVIES.range(), "1 – 4,294,967,295");
        assert_eq!(SEED.range(), "≥ 0");
        assert_eq!(
            MAX_SEEDS.fix(),
            "use a whole number from 1 to 18,446,744,073,709,551,615 \
             (liked movies the walks start from)"
        );
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
    }
}

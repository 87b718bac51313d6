//! The raw serde shapes of a scenario file, with every default documented.
//!
//! These types accept anything RON can express; [`ScenarioSpec::validate`] turns them
//! into a checked [`Scenario`](super::Scenario). Every struct denies unknown fields, so
//! a typo is an error, not a silently ignored setting. `docs/SCENARIOS.md` lists every
//! field with its default and meaning.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::data::SegmentThresholds;

pub use super::evaluation::{EvaluationSpec, ProtocolSpec};
pub use super::experiment::{
    Design, ExperimentSpec, GuardrailSpec, Metric, ScorecardSpec, StoppingRule, VariantSpec,
};

/// A whole scenario file. Every field is optional; an empty `()` is the default world.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScenarioSpec {
    /// Name of the scenario and of its report folder; default: the file's stem.
    pub name: Option<String>,
    /// Root of the seed tree; every random stream derives from it. Default 42.
    pub seed: u64,
    /// The movies.
    pub catalogue: CatalogueSpec,
    /// The users.
    pub population: PopulationSpec,
    /// How context (daypart, weekend, fatigue, session position) shifts tastes.
    pub context: ContextSpec,
    /// The ground-truth response model: utility, clicks, ratings, thumbs, sessions.
    pub response: ResponseSpec,
    /// Simulated time: days, warm-up, arrivals by hour.
    pub horizon: HorizonSpec,
    /// The recommendation stack: arms, policy, slate size.
    pub stack: StackSpec,
    /// A/B experiments; users outside every experiment get the stack's policy.
    pub experiments: Vec<ExperimentSpec>,
    /// The retraining schedule.
    pub pipeline: PipelineSpec,
    /// What the report contains.
    pub report: ReportSpec,
    /// Offline evaluation (`recolab eval`): protocol, K, relevance.
    pub evaluation: EvaluationSpec,
    /// Absolute bounds on the report's metrics; `recolab run` and `recolab check` exit
    /// 1 when one is broken. Default none.
    pub checks: Vec<CheckSpec>,
}

/// An absolute bound on one metric of the report (`recolab check`, docs/CI.md).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    /// The metric: `gini`, `coverage`, `novelty`, `serendipity`, `long_tail_share`,
    /// `dissimilar_click_share`, `niche_click_share`, `ctr`, `expected_ctr`,
    /// `mean_rating`, or `regret/GROUP` (a policy slot's cumulative oracle regret:
    /// `regret/default`, `regret/EXPERIMENT/VARIANT`; needs `report.regret: true`).
    pub metric: String,
    /// The metric must be at least this.
    #[serde(default)]
    pub min: Option<f64>,
    /// The metric must be at most this.
    #[serde(default)]
    pub max: Option<f64>,
}

impl Default for ScenarioSpec {
    fn default() -> Self {
        Self {
            name: None,
            seed: 42,
            catalogue: CatalogueSpec::default(),
            population: PopulationSpec::default(),
            context: ContextSpec::default(),
            response: ResponseSpec::default(),
            horizon: HorizonSpec::default(),
            stack: StackSpec::default(),
            experiments: Vec::new(),
            pipeline: PipelineSpec::default(),
            report: ReportSpec::default(),
            evaluation: EvaluationSpec::default(),
            checks: Vec::new(),
        }
    }
}

/// The movie catalogue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CatalogueSpec {
    /// Number of movies. Default 5,000.
    pub n_movies: usize,
    /// Genres and the share of movies whose primary genre each is; shares sum to 1.
    pub genres: Vec<GenreSpec>,
    /// Genres that count as niche (discovery metrics, niche-loving users).
    /// Default: anime, documentary, foreign.
    pub niche_genres: Vec<String>,
    /// Probability that a movie has a second genre (and, again, a third). Default 0.4.
    pub extra_genre_probability: f64,
    /// Language of movies whose primary genre names none. Default "en".
    pub default_language: String,
    /// Number of vote counts: log-normal with this median and log-scale sigma.
    pub vote_count: VoteCountSpec,
    /// Average vote (1–10): normal around `mean` with `sd`, driven by true quality.
    pub vote_average: VoteAverageSpec,
    /// Share of movies that are hidden gems: vote_count below `long_tail_max_votes`
    /// and vote_average above `gem_min_average`. Default 0.05.
    pub hidden_gem_share: f64,
    /// Vote count below which a movie is long-tail. Default 1,000 (the plan's threshold).
    pub long_tail_max_votes: u64,
    /// Vote average a hidden gem exceeds. Default 7.5 (the plan's threshold).
    pub gem_min_average: f64,
    /// Correlation between true quality and log vote count. Default 0.45.
    pub popularity_quality_correlation: f64,
    /// Release years, uniform in `[min, max]`. Default 1950–2026.
    pub years: YearRange,
    /// Dimension of the hidden taste space shared by movies and users. Default 16.
    pub n_factors: usize,
    /// Dimension of each movie's public content vector. Default 32.
    pub n_content_dims: usize,
    /// Noise of the content vector around the movie's true attributes. Default 0.5.
    pub content_noise: f64,
    /// People (cast and crew) in the knowledge graph. Default 2,000.
    pub n_people: usize,
    /// People credited on each movie. Default 4.
    pub people_per_movie: usize,
    /// Keywords in the knowledge graph. Default 600.
    pub n_keywords: usize,
    /// Keywords tagged on each movie. Default 5.
    pub keywords_per_movie: usize,
}

/// One genre of the catalogue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenreSpec {
    /// Genre name, unique, e.g. "anime".
    pub name: String,
    /// Share of movies with this primary genre.
    pub share: f64,
    /// Original languages of movies with this primary genre, with shares summing to 1;
    /// empty = the catalogue's `default_language`.
    #[serde(default)]
    pub languages: Vec<LanguageShare>,
}

/// A language and its share.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageShare {
    /// ISO 639-1 code, e.g. "ja".
    pub code: String,
    /// Share among the genre's movies.
    pub share: f64,
}

/// Log-normal vote counts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VoteCountSpec {
    /// Median vote count. Default 250 (about 80% of movies below 1,000).
    pub median: f64,
    /// Sigma of the log vote count. Default 1.6 (a few movies above 50,000).
    pub sigma: f64,
}

/// Normal vote averages on the 1–10 scale.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VoteAverageSpec {
    /// Mean vote average. Default 6.3.
    pub mean: f64,
    /// Standard deviation explained by true quality. Default 0.9.
    pub sd: f64,
    /// Extra noise between true quality and the public average. Default 0.3.
    pub noise_sd: f64,
}

/// An inclusive range of release years.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearRange {
    /// First year.
    pub min: u16,
    /// Last year.
    pub max: u16,
}

impl Default for CatalogueSpec {
    fn default() -> Self {
        let genre = |name: &str, share: f64| GenreSpec {
            name: name.to_owned(),
            share,
            languages: Vec::new(),
        };
        let lang = |code: &str, share: f64| LanguageShare {
            code: code.to_owned(),
            share,
        };
        let mut anime = genre("anime", 0.05);
        anime.languages = vec![lang("ja", 1.0)];
        let mut foreign = genre("foreign", 0.06);
        foreign.languages = vec![
            lang("fr", 0.25),
            lang("ko", 0.2),
            lang("es", 0.2),
            lang("hi", 0.15),
            lang("de", 0.1),
            lang("it", 0.1),
        ];
        Self {
            n_movies: 5_000,
            genres: vec![
                genre("drama", 0.16),
                genre("comedy", 0.13),
                genre("action", 0.11),
                genre("thriller", 0.08),
                genre("romance", 0.07),
                genre("horror", 0.06),
                genre("science_fiction", 0.06),
                genre("family", 0.05),
                genre("crime", 0.05),
                genre("fantasy", 0.04),
                genre("animation", 0.04),
                anime,
                genre("documentary", 0.04),
                foreign,
            ],
            niche_genres: vec!["anime".into(), "documentary".into(), "foreign".into()],
            extra_genre_probability: 0.4,
            default_language: "en".into(),
            vote_count: VoteCountSpec::default(),
            vote_average: VoteAverageSpec::default(),
            hidden_gem_share: 0.05,
            long_tail_max_votes: 1_000,
            gem_min_average: 7.5,
            popularity_quality_correlation: 0.45,
            years: YearRange {
                min: 1950,
                max: 2026,
            },
            n_factors: 16,
            n_content_dims: 32,
            content_noise: 0.5,
            n_people: 2_000,
            people_per_movie: 4,
            n_keywords: 600,
            keywords_per_movie: 5,
        }
    }
}

impl Default for VoteCountSpec {
    fn default() -> Self {
        Self {
            median: 250.0,
            sigma: 1.6,
        }
    }
}

impl Default for VoteAverageSpec {
    fn default() -> Self {
        Self {
            mean: 6.3,
            sd: 0.9,
            noise_sd: 0.3,
        }
    }
}

/// The users.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PopulationSpec {
    /// Number of users. Default 20,000.
    pub n_users: usize,
    /// How many warm-up ratings each user has, and so their activity segment.
    /// Default `LogNormal` (calibrated against MovieLens, see `docs/REALISM.md`).
    pub activity: ActivitySpec,
    /// Weight of ln vote_count in which movies users watched before day 0: what is
    /// visible gets watched. Default 0.5.
    pub visibility_weight: f64,
    /// Activity segments: visit rates, and with `activity: Segments` shares and
    /// warm-up ranges.
    pub segments: SegmentsSpec,
    /// Share of users with a strong affinity for niche genres. Default 0.15.
    pub niche_lover_share: f64,
    /// Affinity added to niche genres for niche lovers. Default 1.2.
    pub niche_lover_boost: f64,
    /// Spread of per-user genre affinities (normal sd). Default 0.6.
    pub genre_affinity_sd: f64,
    /// Appetite for unpopular movies, Beta(a, b) per user. Default Beta(2, 5).
    pub novelty_appetite: BetaSpec,
    /// How strongly context shifts a user's tastes, Beta(a, b) per user. Default Beta(2, 2).
    pub context_sensitivity: BetaSpec,
}

/// How many warm-up ratings each user has.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum ActivitySpec {
    /// Heavy-tailed, as in real logs: a user's warm-up ratings are log-normal with
    /// this `median` and log-scale `sigma`, truncated to `[min, max]` by inverse CDF
    /// (no spike at the bounds) and never above the catalogue's size; the segment
    /// follows from the count by `thresholds` (cold-start below 20, power from 200,
    /// the thresholds used for real logs).
    LogNormal {
        /// Median ratings per user before truncation. Default 40.
        median: f64,
        /// Sigma of ln(ratings per user). Default 1.0.
        sigma: f64,
        /// Fewest ratings. Default 1.
        #[serde(default = "activity_defaults::min")]
        min: usize,
        /// Most ratings (also capped at `catalogue.n_movies`). Default 3,000.
        #[serde(default = "activity_defaults::max")]
        max: usize,
        /// Segment of a user by their count. Default cold-start below 20, power from 200.
        #[serde(default)]
        thresholds: SegmentThresholds,
    },
    /// The model before calibration: a segment drawn with `segments.*.share`, then a
    /// count uniform in that segment's `warm_up_interactions`.
    Segments,
}

impl Default for ActivitySpec {
    fn default() -> Self {
        Self::LogNormal {
            median: 40.0,
            sigma: 1.0,
            min: activity_defaults::min(),
            max: activity_defaults::max(),
            thresholds: SegmentThresholds::default(),
        }
    }
}

/// Defaults of `ActivitySpec::LogNormal`'s optional fields.
mod activity_defaults {
    pub fn min() -> usize {
        1
    }
    pub fn max() -> usize {
        3_000
    }
}

/// The three activity segments of the plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SegmentsSpec {
    /// New users with little history.
    pub cold_start: SegmentSpec,
    /// Ordinary users.
    pub regular: SegmentSpec,
    /// Heavy users.
    pub power: SegmentSpec,
}

/// One activity segment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentSpec {
    /// Share of users in the segment (read only with `activity: Segments`).
    pub share: f64,
    /// Mean visits (sessions) per simulated day.
    pub visits_per_day: f64,
    /// Interactions before day 0, uniform in `[min, max]` (read only with
    /// `activity: Segments`).
    pub warm_up_interactions: CountRange,
}

/// An inclusive range of counts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountRange {
    /// Smallest count.
    pub min: usize,
    /// Largest count.
    pub max: usize,
}

/// A Beta(a, b) distribution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BetaSpec {
    /// First shape parameter, > 0.
    pub a: f64,
    /// Second shape parameter, > 0.
    pub b: f64,
}

impl Default for PopulationSpec {
    fn default() -> Self {
        Self {
            n_users: 20_000,
            activity: ActivitySpec::default(),
            visibility_weight: 0.5,
            segments: SegmentsSpec::default(),
            niche_lover_share: 0.15,
            niche_lover_boost: 1.2,
            genre_affinity_sd: 0.6,
            novelty_appetite: BetaSpec { a: 2.0, b: 5.0 },
            context_sensitivity: BetaSpec { a: 2.0, b: 2.0 },
        }
    }
}

impl Default for SegmentsSpec {
    fn default() -> Self {
        let segment = |share, visits_per_day, min, max| SegmentSpec {
            share,
            visits_per_day,
            warm_up_interactions: CountRange { min, max },
        };
        Self {
            cold_start: segment(0.3, 0.1, 0, 3),
            regular: segment(0.55, 0.25, 5, 40),
            power: segment(0.15, 0.8, 40, 150),
        }
    }
}

/// A part of the day, as the plan names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Daypart {
    /// 06:00–11:59.
    Morning,
    /// 12:00–17:59.
    Afternoon,
    /// 18:00–22:59.
    Evening,
    /// 23:00–05:59.
    Night,
}

/// How context changes tastes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ContextSpec {
    /// Utility added to a genre in a daypart, scaled by the user's context sensitivity.
    pub daypart_shifts: Vec<DaypartShift>,
    /// Utility added to a genre on weekends, scaled by context sensitivity.
    pub weekend_shifts: Vec<GenreShift>,
    /// Genre fatigue: the more of a genre a user watched lately, the less it appeals.
    pub fatigue: FatigueSpec,
    /// Utility added per unit of novelty appetite for each request deeper in a session:
    /// later requests are more exploratory. Default 0.15.
    pub session_novelty_gain: f64,
    /// Utility added per unit of movie novelty (1 − popularity percentile) in a
    /// daypart, scaled by the user's context sensitivity: positive = the daypart
    /// favours unknown movies, negative = familiar ones. Default: none.
    pub daypart_novelty: Vec<DaypartNovelty>,
}

/// How much a daypart favours novel (unpopular) movies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DaypartNovelty {
    /// The daypart.
    pub daypart: Daypart,
    /// Utility per unit of novelty (negative favours popular movies).
    pub shift: f64,
}

/// A genre's utility shift in one daypart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DaypartShift {
    /// The daypart.
    pub daypart: Daypart,
    /// The genre's name.
    pub genre: String,
    /// Utility added (negative to subtract).
    pub shift: f64,
}

/// A genre's utility shift.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenreShift {
    /// The genre's name.
    pub genre: String,
    /// Utility added (negative to subtract).
    pub shift: f64,
}

/// Genre fatigue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FatigueSpec {
    /// Number of most recently watched movies that count. Default 10; 0 disables.
    pub window: usize,
    /// Utility removed when every movie in the window shares the genre. Default 1.0.
    pub strength: f64,
}

impl Default for FatigueSpec {
    fn default() -> Self {
        Self {
            window: 10,
            strength: 1.0,
        }
    }
}

impl Default for ContextSpec {
    fn default() -> Self {
        let daypart = |daypart, genre: &str, shift| DaypartShift {
            daypart,
            genre: genre.into(),
            shift,
        };
        let weekend = |genre: &str, shift| GenreShift {
            genre: genre.into(),
            shift,
        };
        Self {
            daypart_shifts: vec![
                daypart(Daypart::Morning, "documentary", 0.8),
                daypart(Daypart::Morning, "horror", -0.8),
                daypart(Daypart::Afternoon, "family", 0.8),
                daypart(Daypart::Afternoon, "animation", 0.6),
                daypart(Daypart::Evening, "thriller", 0.6),
                daypart(Daypart::Evening, "drama", 0.4),
                daypart(Daypart::Night, "horror", 0.9),
                daypart(Daypart::Night, "anime", 0.7),
                daypart(Daypart::Night, "family", -0.8),
            ],
            weekend_shifts: vec![
                weekend("family", 0.6),
                weekend("action", 0.4),
                weekend("documentary", -0.3),
            ],
            fatigue: FatigueSpec::default(),
            session_novelty_gain: 0.15,
            daypart_novelty: Vec::new(),
        }
    }
}

/// The ground-truth response model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ResponseSpec {
    /// Weights of the parts of true utility.
    pub utility: UtilitySpec,
    /// Probability of examining position k (1-based) is `1 / k^position_bias`.
    /// Default 0.8; 0 = no position bias.
    pub position_bias: f64,
    /// Utility of not clicking anything; higher = fewer clicks. Default 4.5.
    pub no_click_utility: f64,
    /// Ratings given after a click.
    pub rating: RatingSpec,
    /// Thumbs given after a click.
    pub thumbs: ThumbsSpec,
    /// Whether a session continues after a request.
    pub session: SessionSpec,
    /// How satisfaction brings users back sooner.
    pub retention: RetentionSpec,
}

/// Weights of true utility's parts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UtilitySpec {
    /// Weight of the hidden taste match (user factors · movie factors). Default 1.0.
    pub taste: f64,
    /// Weight of the user's affinity for the movie's genres. Default 1.0.
    pub genre: f64,
    /// Weight of the movie's true quality (standardised). Default 0.5.
    pub quality: f64,
    /// Weight of novelty (1 − popularity percentile) times the user's appetite.
    /// Default 0.5.
    pub novelty: f64,
    /// Weight of the movie's public standing, its standardised ln vote_count: what
    /// many people watched is familiar, talked about and broadly appealing.
    /// Default 0.6. Ratings and thumbs leave it out (experienced utility).
    pub popularity: f64,
}

/// Ratings on the 1–5 star scale.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RatingSpec {
    /// Probability that a click is followed by a rating. Default 0.6.
    pub probability: f64,
    /// Stars (before the user's offset, noise and rounding) for a movie of
    /// experienced utility 0. Default 2.9.
    pub midpoint: f64,
    /// Stars per unit of experienced utility. Default 0.5.
    pub slope: f64,
    /// Standard deviation of rating noise before rounding. Default 0.9.
    pub noise_sd: f64,
    /// Skew of the rating noise, in [0, 1): a split normal with sd `noise_sd · (1 +
    /// skew)` below the latent rating and `noise_sd · (1 − skew)` above — the long
    /// lower tail of real ratings. Default 0 (a normal).
    pub noise_skew: f64,
    /// Standard deviation of each user's own rating offset (some users rate
    /// generously, some harshly). Default 0.45.
    pub user_bias_sd: f64,
    /// The scale's step: 1.0 for whole stars 1–5 (MovieLens 100k and 1M), 0.5 for
    /// half stars 0.5–5 (MovieLens latest). Default 1.0.
    pub step: f64,
    /// With `step: 0.5`, the share of users who use half stars; the others rate in
    /// whole stars, as most users of a half-star scale do (ml-latest-small: 60% of
    /// its users give a half star at least once). Default 1.0.
    pub half_star_users: f64,
}

/// Thumbs up and down.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ThumbsSpec {
    /// Probability that a click is followed by a thumb. Default 0.3.
    pub probability: f64,
    /// Logistic slope of P(up) in utility: P(up) = 1 / (1 + e^(−slope·u)). Default 1.5.
    pub slope: f64,
}

/// Session continuation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionSpec {
    /// Probability of another request after a request without a click. Default 0.45.
    pub continue_without_click: f64,
    /// Probability of another request after a click. Default 0.7.
    pub continue_after_click: f64,
    /// Hard cap on requests per session. Default 12.
    pub max_requests: usize,
    /// Simulated minutes between requests of a session. Default 4.
    pub minutes_between_requests: f64,
}

/// Retention.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionSpec {
    /// A session with clicks in every request multiplies the user's visit rate until
    /// the next visit by `1 + satisfaction_boost` (linear in the click share). Default 1.0.
    pub satisfaction_boost: f64,
}

impl Default for ResponseSpec {
    fn default() -> Self {
        Self {
            utility: UtilitySpec::default(),
            position_bias: 0.8,
            no_click_utility: 4.5,
            rating: RatingSpec::default(),
            thumbs: ThumbsSpec::default(),
            session: SessionSpec::default(),
            retention: RetentionSpec::default(),
        }
    }
}

impl Default for UtilitySpec {
    fn default() -> Self {
        Self {
            taste: 1.0,
            genre: 1.0,
            quality: 0.5,
            novelty: 0.5,
            popularity: 0.6,
        }
    }
}

impl Default for RatingSpec {
    fn default() -> Self {
        Self {
            probability: 0.6,
            midpoint: 2.9,
            slope: 0.5,
            noise_sd: 0.9,
            noise_skew: 0.0,
            user_bias_sd: 0.45,
            step: 1.0,
            half_star_users: 1.0,
        }
    }
}

impl Default for ThumbsSpec {
    fn default() -> Self {
        Self {
            probability: 0.3,
            slope: 1.5,
        }
    }
}

impl Default for SessionSpec {
    fn default() -> Self {
        Self {
            continue_without_click: 0.45,
            continue_after_click: 0.7,
            max_requests: 12,
            minutes_between_requests: 4.0,
        }
    }
}

impl Default for RetentionSpec {
    fn default() -> Self {
        Self {
            satisfaction_boost: 1.0,
        }
    }
}

/// A day of the week.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    /// Monday.
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
    /// Sunday.
    Sunday,
}

/// Simulated time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HorizonSpec {
    /// Simulated days of traffic after day 0. Default 30.
    pub days: u32,
    /// Days of history before day 0 over which warm-up interactions are spread. Default 30.
    pub warm_up_days: u32,
    /// Day of the week of day 0. Default Monday.
    pub start_weekday: Weekday,
    /// Relative arrival weight of each hour 0–23 (any positive scale). Default: a
    /// streaming-service curve peaking at 20:00–22:00.
    pub arrival_profile: Vec<f64>,
}

impl Default for HorizonSpec {
    fn default() -> Self {
        Self {
            days: 30,
            warm_up_days: 30,
            start_weekday: Weekday::Monday,
            arrival_profile: vec![
                2.0, 1.2, 0.7, 0.4, 0.3, 0.4, 0.8, 1.5, 2.0, 2.2, 2.4, 2.8, 3.4, 3.4, 3.0, 3.0,
                3.4, 4.2, 5.6, 7.0, 8.2, 8.4, 7.0, 4.2,
            ],
        }
    }
}

/// The recommendation stack.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StackSpec {
    /// The arms the policy chooses among; names must be unique.
    pub arms: Vec<ArmSpec>,
    /// The policy of users outside every experiment.
    pub policy: PolicySpec,
    /// Arms blended per request (the plan's `n_arms`). Default 2.
    pub arms_per_request: usize,
    /// Movies shown per request (K). Default 10.
    pub slate_size: usize,
    /// How arm scores are made comparable before blending. Default `rank`.
    pub blend: BlendNormalisation,
    /// Diversity post-processing applied after the blend; all off by default.
    pub diversity: DiversitySpec,
    /// What counts as a success or a failure for the policies (and for regret).
    pub reward: RewardSpec,
}

/// The reward rule: how a response becomes a success, a failure or nothing.
///
/// Default as in the plan: success = a click, a rating ≥ 4, a thumbs up; failure = no
/// click, a rating ≤ 2, a thumbs down. A click followed by a negative rating or thumb
/// is a failure; see `docs/BANDIT_SELECTOR.md`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RewardSpec {
    /// A click without negative feedback is a success. Default true; false = only
    /// positive ratings or thumbs up count, other clicks teach nothing.
    pub click: bool,
    /// Ratings at or above this many stars are successes. Default 4 (6 = never).
    pub success_min_rating: u8,
    /// Ratings at or below this many stars are failures. Default 2 (0 = never).
    pub failure_max_rating: u8,
    /// Thumbs count: up = success, down = failure. Default true.
    pub thumbs: bool,
}

impl Default for RewardSpec {
    fn default() -> Self {
        Self {
            click: true,
            success_min_rating: 4,
            failure_max_rating: 2,
            thumbs: true,
        }
    }
}

impl Default for StackSpec {
    fn default() -> Self {
        Self {
            arms: vec![ArmSpec::Popularity, ArmSpec::Random],
            policy: PolicySpec::StaticWeights {
                weights: BTreeMap::from([("popularity".into(), 0.5), ("random".into(), 0.5)]),
            },
            arms_per_request: 2,
            slate_size: 10,
            reward: RewardSpec::default(),
            blend: BlendNormalisation::Rank,
            diversity: DiversitySpec::default(),
        }
    }
}

/// How scores of different arms are made comparable before blending.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlendNormalisation {
    /// Item at rank r of a list of length L scores 1 − r/L (scale-free; ignores gaps).
    #[default]
    Rank,
    /// (score − mean) / sd within each arm's list (keeps gaps; sensitive to outliers).
    ZScore,
}

/// Diversity post-processing after the blend (seed plan section 1). Each strategy is
/// switched on separately; its adjustment is added to the blended score (rank scale:
/// the best item of a list scores about 1) and multiplied by `weight`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiversitySpec {
    /// Global multiplier of every adjustment (the plan's `diversity_weight`). Default 1.
    pub weight: f64,
    /// Candidates re-ranked per request, as a multiple of the slate size. Default 5.
    pub pool_factor: usize,
    /// Subtract `weight · ln(1 + votes) / ln(1 + max votes)`.
    pub popularity_dampening: StrategySpec,
    /// Add `weight` to hidden gems (vote_count < `max_votes`, vote_average > `min_average`).
    pub long_tail_boost: LongTailBoostSpec,
    /// Add `weight` to movies of a niche genre (or, with `foreign_language`, not in the
    /// catalogue's default language).
    pub niche_boost: NicheBoostSpec,
    /// Add `weight · max(0, 1 − c_i / c̄)` where c_i counts how often movie i was
    /// recommended so far in the run and c̄ is the mean count.
    pub coverage_boost: StrategySpec,
    /// Maximal marginal relevance re-ranking (Carbonell & Goldstein 1998) with
    /// content-vector cosine similarity.
    pub mmr: MmrSpec,
}

/// A strategy that is on or off with a weight.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StrategySpec {
    /// Whether the strategy runs. Default false.
    pub enabled: bool,
    /// Its weight. Default 0.3.
    pub weight: f64,
}

/// The long-tail boost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LongTailBoostSpec {
    /// Whether the strategy runs. Default false.
    pub enabled: bool,
    /// Its weight. Default 0.3.
    pub weight: f64,
    /// Vote count below which a movie can be boosted. Default 1,000.
    pub max_votes: u64,
    /// Vote average above which a movie can be boosted. Default 7.5.
    pub min_average: f64,
}

/// The niche-genre emphasis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NicheBoostSpec {
    /// Whether the strategy runs. Default false.
    pub enabled: bool,
    /// Its weight. Default 0.2.
    pub weight: f64,
    /// Genres emphasised. Default: anime, documentary, foreign.
    pub genres: Vec<String>,
    /// Also emphasise movies not in the catalogue's default language. Default true.
    pub foreign_language: bool,
}

/// MMR re-ranking.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MmrSpec {
    /// Whether the strategy runs. Default false.
    pub enabled: bool,
    /// λ: 1 = relevance only, 0 = diversity only. Default 0.7.
    pub lambda: f64,
}

impl Default for DiversitySpec {
    fn default() -> Self {
        Self {
            weight: 1.0,
            pool_factor: 5,
            popularity_dampening: StrategySpec::default(),
            long_tail_boost: LongTailBoostSpec::default(),
            niche_boost: NicheBoostSpec::default(),
            coverage_boost: StrategySpec::default(),
            mmr: MmrSpec::default(),
        }
    }
}

impl DiversitySpec {
    /// Whether any strategy is on.
    #[must_use]
    pub fn any_enabled(&self) -> bool {
        self.popularity_dampening.enabled
            || self.long_tail_boost.enabled
            || self.niche_boost.enabled
            || self.coverage_boost.enabled
            || self.mmr.enabled
    }
}

impl Default for StrategySpec {
    fn default() -> Self {
        Self {
            enabled: false,
            weight: 0.3,
        }
    }
}

impl Default for LongTailBoostSpec {
    fn default() -> Self {
        Self {
            enabled: false,
            weight: 0.3,
            max_votes: 1_000,
            min_average: 7.5,
        }
    }
}

impl Default for NicheBoostSpec {
    fn default() -> Self {
        Self {
            enabled: false,
            weight: 0.2,
            genres: vec!["anime".into(), "documentary".into(), "foreign".into()],
            foreign_language: true,
        }
    }
}

impl Default for MmrSpec {
    fn default() -> Self {
        Self {
            enabled: false,
            lambda: 0.7,
        }
    }
}

/// One arm (recommendation algorithm) and its parameters.
///
/// Arms with parameters are struct variants whose every field has a default, so
/// `Svd()` is an SVD with default settings and `Svd(factors: 64)` overrides one field.
/// (RON needs the parentheses: a bare `Svd` is a parse error with a hint.) Parameter
/// semantics and defaults are explained in `docs/DIVERSITY_ALGORITHM.md`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum ArmSpec {
    /// Most popular movies the user has not watched: public vote count plus clicks
    /// observed since day 0.
    Popularity,
    /// Movies the user has not watched, uniformly at random.
    Random,
    /// Biased matrix factorisation trained by SGD (Funk SVD) on ratings.
    Svd {
        /// Latent factors k. Default 32.
        #[serde(default = "arm_defaults::svd_factors")]
        factors: usize,
        /// SGD learning rate. Default 0.01.
        #[serde(default = "arm_defaults::svd_learning_rate")]
        learning_rate: f64,
        /// L2 regularisation of biases and factors. Default 0.05.
        #[serde(default = "arm_defaults::svd_regularisation")]
        regularisation: f64,
        /// Epochs over all ratings in a full fit. Default 20.
        #[serde(default = "arm_defaults::svd_epochs")]
        epochs: usize,
        /// Epochs over the new ratings only in a warm-start update. Default 3.
        #[serde(default = "arm_defaults::svd_update_epochs")]
        update_epochs: usize,
        /// Standard deviation of initial factor values. Default 0.1.
        #[serde(default = "arm_defaults::svd_init_sd")]
        init_sd: f64,
    },
    /// Item-based collaborative filtering over a sparse top-k item–item similarity.
    ItemCf {
        /// Similarity of two items' rating columns. Default `adjusted_cosine`.
        #[serde(default)]
        similarity: SimilarityKind,
        /// Shrinkage s: similarity × n_common / (n_common + s). Default 10.
        #[serde(default = "arm_defaults::item_cf_shrinkage")]
        shrinkage: f64,
        /// Neighbours kept per item. Default 50.
        #[serde(default = "arm_defaults::item_cf_neighbours")]
        neighbours: usize,
        /// What an update does with the similarities. Default `incremental` (left out
        /// of a resolved scenario when default).
        #[serde(default, skip_serializing_if = "ItemCfWarmStart::is_default")]
        warm_start: ItemCfWarmStart,
        /// Every `full_fit_every`-th update is a full fit on the whole log (0: never),
        /// with `frozen_means` and `histories`; `exact` refuses it (its update is
        /// already a full fit's model). Default 0 (left out of a resolved scenario
        /// when default); 4 is daily with 6-hourly retraining.
        #[serde(
            default = "arm_defaults::item_cf_full_fit_every",
            skip_serializing_if = "arm_defaults::is_item_cf_full_fit_every"
        )]
        full_fit_every: u32,
    },
    /// Content similarity: cosine between a user's profile (rating-weighted mean of
    /// liked items) and each movie's vector.
    Embeddings {
        /// Which item vectors to use. Default `auto`: both simulated views in a
        /// generated world, vectors learned from the data on a real log.
        #[serde(default)]
        view: ContentView,
        /// A CSV or `.npy` file of item vectors (`id, v1, …, vd` rows; `.npy`: a 2-D
        /// float array whose first column is the movie id) replacing the simulated
        /// views, e.g. real BERT or ResNet exports. Default: none.
        #[serde(default)]
        vectors: Option<String>,
    },
    /// Personalised PageRank on a knowledge graph of movies, genres, people, keywords
    /// and users, restarting at the user's liked movies.
    Graph {
        /// Restart probability α of the random walk. Default 0.15.
        #[serde(default = "arm_defaults::graph_restart")]
        restart_probability: f64,
        /// Monte Carlo random walks from each movie for its fingerprint, run for every
        /// movie at fit and for movies that gain edges at each update; more is more
        /// exact and slower (cost ∝ walks · (1 − α)/α steps per movie). Default 200.
        #[serde(default = "arm_defaults::graph_walks_per_movie")]
        walks_per_movie: usize,
        /// Movies kept in each movie's fingerprint (its most visited). Default 100.
        #[serde(default = "arm_defaults::graph_fingerprint")]
        fingerprint: usize,
        /// Most recent liked movies used as restart nodes. Default 20.
        #[serde(default = "arm_defaults::graph_max_seeds")]
        max_seeds: usize,
    },
    /// Long-tail discovery: hidden gems (few votes, high average) ranked by the user's
    /// genre affinities.
    LongTail {
        /// A movie qualifies with vote_count below this. Default 1,000.
        #[serde(default = "arm_defaults::long_tail_max_votes")]
        max_votes: u64,
        /// … and vote_average above this. Default 7.5.
        #[serde(default = "arm_defaults::long_tail_min_average")]
        min_average: f64,
        /// Score added to qualifying movies over other long-tail movies. Default 1.0.
        #[serde(default = "arm_defaults::one")]
        boost: f64,
    },
    /// Serendipity: movies far from the user's history in content space yet predicted
    /// to be rated highly.
    Serendipity {
        /// Minimum cosine distance (1 − cosine) between a movie and the user's profile.
        /// Default 0.8.
        #[serde(default = "arm_defaults::serendipity_min_distance")]
        min_distance: f64,
        /// Factors of the internal rating predictor. Default 16.
        #[serde(default = "arm_defaults::serendipity_factors")]
        factors: usize,
        /// Epochs of the internal rating predictor. Default 10.
        #[serde(default = "arm_defaults::serendipity_epochs")]
        epochs: usize,
        /// Item vectors the distance is measured in, as the embeddings arm's `view`.
        /// Default `auto`.
        #[serde(default)]
        view: ContentView,
    },
    /// PureSVD: the leading singular vectors of the user × movie preference matrix
    /// (unknown cells 0), users folded in through their own row; a ranking model for
    /// top-N lists, which predicts no ratings.
    PureSvd {
        /// Singular vectors kept. Default 20.
        #[serde(default = "arm_defaults::pure_svd_factors")]
        factors: usize,
        /// Subspace iterations of the randomised SVD. Default 4.
        #[serde(default = "arm_defaults::pure_svd_iterations")]
        iterations: usize,
    },
    /// Ranks by true expected utility: an upper bound only a simulator can have.
    /// Never selectable by a production-like policy unless `selectable: true`.
    Oracle {
        /// Allow policies to serve it (an upper-bound run). Default false: a static
        /// policy giving it weight, or a uniform policy over a stack holding it, is
        /// rejected by validation.
        #[serde(default)]
        selectable: bool,
    },
}

/// What item CF's warm start does with its similarities (docs/TRAINING_PIPELINE.md).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemCfWarmStart {
    /// `frozen_means`' model with every pair of movies' sums kept as exact integers
    /// (counted at the first update after a fit): an update adds only the new
    /// interactions' products with their users' other movies, and the lists equal
    /// those of the sums counted afresh on the whole log, bit for bit. Keeps
    /// `n(n−1)/2 × 12` bytes (28 with `cosine_common`); at most 16,384 movies.
    #[default]
    Incremental,
    /// Adjusted cosine with each user's mean frozen at the last full fit (a user
    /// first seen since: their mean then), so a new interaction changes only its own
    /// movie's column; an update recomputes the similarity rows of the movies the
    /// new interactions touch and equals, bit for bit, a full fit of that model on
    /// the whole log. With cosine and `cosine_common` (no means) it is `exact`.
    FrozenMeans,
    /// Histories extended, similarity lists kept until the next full fit (cheap;
    /// stale between fits).
    Histories,
    /// The similarities a full fit on the whole log gives, bit for bit: only the rows
    /// of the movies the new interactions touch are recomputed, or all when that
    /// costs more. Under adjusted cosine every active user's movies are touched, so
    /// on the default world an update costs about a full fit.
    Exact,
}

impl ItemCfWarmStart {
    /// Whether this is the default, `incremental`.
    #[must_use]
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// Item–item similarity of item-based collaborative filtering.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SimilarityKind {
    /// Cosine of the raw preference values.
    Cosine,
    /// Cosine after subtracting each user's mean value (Sarwar et al. 2001).
    #[default]
    AdjustedCosine,
    /// Cosine of the raw values with norms over the users who rated both movies only
    /// (Surprise's `cosine`): two movies with one common user are similar by 1.
    CosineCommon,
}

/// Which item vectors a content arm (embeddings, serendipity) reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentView {
    /// The simulated text view (a stand-in for BERT vectors of plot and metadata).
    Text,
    /// The simulated image view (a stand-in for ResNet vectors of posters).
    Image,
    /// Both simulated views, each normalised, concatenated.
    Both,
    /// Vectors learned at each fit from what the data holds: the rating matrix's
    /// leading singular vectors, genres, release year and tags
    /// (docs/EVALUATION_FRAMEWORK.md, "Content arms on real logs").
    Learned,
    /// `both` where the world has simulated views (a generated world), else
    /// `learned` (a real rating log).
    #[default]
    Auto,
}

impl ContentView {
    /// The name as in scenarios.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Image => "image",
            Self::Both => "both",
            Self::Learned => "learned",
            Self::Auto => "auto",
        }
    }
}

/// Defaults of arm parameters (serde needs functions).
mod arm_defaults {
    pub fn svd_factors() -> usize {
        32
    }
    pub fn svd_learning_rate() -> f64 {
        0.01
    }
    pub fn svd_regularisation() -> f64 {
        0.05
    }
    pub fn svd_epochs() -> usize {
        20
    }
    pub fn svd_update_epochs() -> usize {
        3
    }
    pub fn svd_init_sd() -> f64 {
        0.1
    }
    pub fn item_cf_shrinkage() -> f64 {
        10.0
    }
    pub fn item_cf_neighbours() -> usize {
        50
    }
    pub fn item_cf_full_fit_every() -> u32 {
        0
    }
    #[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if signature
    pub fn is_item_cf_full_fit_every(n: &u32) -> bool {
        *n == item_cf_full_fit_every()
    }
    pub fn graph_restart() -> f64 {
        0.15
    }
    pub fn graph_walks_per_movie() -> usize {
        200
    }
    pub fn graph_fingerprint() -> usize {
        100
    }
    pub fn graph_max_seeds() -> usize {
        20
    }
    pub fn long_tail_max_votes() -> u64 {
        1_000
    }
    pub fn long_tail_min_average() -> f64 {
        7.5
    }
    pub fn one() -> f64 {
        1.0
    }
    pub fn serendipity_min_distance() -> f64 {
        0.8
    }
    pub fn serendipity_factors() -> usize {
        16
    }
    pub fn serendipity_epochs() -> usize {
        10
    }
    pub fn pure_svd_factors() -> usize {
        20
    }
    pub fn pure_svd_iterations() -> usize {
        4
    }
}

impl ArmSpec {
    /// The arm's name, used in policies, reports and events.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Popularity => "popularity",
            Self::Random => "random",
            Self::Svd { .. } => "svd",
            Self::ItemCf { .. } => "item_cf",
            Self::Embeddings { .. } => "embeddings",
            Self::Graph { .. } => "graph",
            Self::LongTail { .. } => "long_tail",
            Self::Serendipity { .. } => "serendipity",
            Self::PureSvd { .. } => "pure_svd",
            Self::Oracle { .. } => "oracle",
        }
    }

    /// Whether a production-like policy may serve this arm: false only for an oracle
    /// not explicitly marked `selectable` (it reads the hidden truth).
    #[must_use]
    pub fn is_selectable(&self) -> bool {
        !matches!(self, Self::Oracle { selectable: false })
    }

    /// Whether the arm reads the world's hidden truth (the oracle): such an arm needs a
    /// generated world and is left out of offline evaluation.
    #[must_use]
    pub fn reads_truth(&self) -> bool {
        matches!(self, Self::Oracle { .. })
    }

    /// Every arm kind with default parameters, in report order (the offline table).
    #[must_use]
    pub fn all_defaults() -> Vec<ArmSpec> {
        let parse = |src: &str| -> ArmSpec {
            ron::from_str(src).expect("every arm kind parses with default parameters")
        };
        [
            "Popularity",
            "Random",
            "Svd()",
            "ItemCf()",
            "Embeddings()",
            "Graph()",
            "LongTail()",
            "Serendipity()",
            "PureSvd()",
            "Oracle()",
        ]
        .into_iter()
        .map(parse)
        .collect()
    }
}

/// A feature of the request context that can form part of a bandit's context key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContextFeature {
    /// Morning, afternoon, evening or night (4 values).
    Daypart,
    /// Weekday or weekend (2 values).
    DayType,
    /// Cold-start, regular or power user (3 values).
    Segment,
    /// Recent genre saturation: low, medium, high (3 values).
    Saturation,
    /// Early or late in the session (2 values).
    SessionPhase,
}

impl ContextFeature {
    /// Every feature, in key order.
    pub const ALL: [ContextFeature; 5] = [
        ContextFeature::Daypart,
        ContextFeature::DayType,
        ContextFeature::Segment,
        ContextFeature::Saturation,
        ContextFeature::SessionPhase,
    ];

    /// Snake-case name, as in scenarios.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Daypart => "daypart",
            Self::DayType => "day_type",
            Self::Segment => "segment",
            Self::Saturation => "saturation",
            Self::SessionPhase => "session_phase",
        }
    }
}

/// A policy: how arms are chosen per request and how they learn.
///
/// The learning policies (`Thompson`, `EpsilonGreedy`, `Ucb1`) keep one Beta
/// posterior per (context key, arm); `docs/BANDIT_SELECTOR.md` explains each.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum PolicySpec {
    /// Fixed weights per arm (today's system): the `arms_per_request` heaviest arms,
    /// blended by their normalised weights.
    StaticWeights {
        /// Weight per arm name; every named arm must exist; weights are ≥ 0.
        weights: BTreeMap<String, f64>,
    },
    /// Arms drawn uniformly at random per request, blended equally.
    Uniform,
    /// Thompson Sampling: one Beta(α, β) per (context key, arm); each request draws a
    /// success probability from every posterior and takes the highest draws.
    Thompson {
        /// Prior Beta(α, β) of every (context, arm) before pooling. Default (1, 1).
        #[serde(default = "uniform_prior")]
        prior: (f64, f64),
        /// Features forming the context key; `[]` = one context. Default
        /// `[daypart, day_type]`.
        #[serde(default = "default_context")]
        context: Vec<ContextFeature>,
        /// Forgetting factor γ in (0, 1] for drifting tastes: a context's counts are
        /// multiplied by γ at each of its updates. Default none (no forgetting).
        #[serde(default)]
        discount: Option<f64>,
        /// Pseudo-observations lent by each arm's global (all-context) posterior to
        /// the prior of every context: the sparse-context fallback. Default 10; 0 = off.
        #[serde(default = "default_pooling")]
        pooling: f64,
    },
    /// ε-greedy: the arms with the highest posterior mean, except with probability ε
    /// uniformly random arms.
    EpsilonGreedy {
        /// Probability of a random choice. Default 0.1.
        #[serde(default = "default_epsilon")]
        epsilon: f64,
        /// Features forming the context key. Default `[daypart, day_type]`.
        #[serde(default = "default_context")]
        context: Vec<ContextFeature>,
        /// Prior Beta(α, β) of the estimates. Default (1, 1).
        #[serde(default = "uniform_prior")]
        prior: (f64, f64),
        /// Forgetting factor γ in (0, 1]. Default none.
        #[serde(default)]
        discount: Option<f64>,
        /// Pooled-prior strength, as for `Thompson`. Default 10.
        #[serde(default = "default_pooling")]
        pooling: f64,
    },
    /// UCB1 (Auer et al. 2002): the arms with the highest `mean + sqrt(c · ln t / n)`;
    /// arms never tried in a context first.
    Ucb1 {
        /// Exploration constant c (2 in the paper). Default 2.
        #[serde(default = "default_ucb_c")]
        c: f64,
        /// Features forming the context key. Default `[daypart, day_type]`.
        #[serde(default = "default_context")]
        context: Vec<ContextFeature>,
        /// Prior Beta(α, β) of the means. Default (1, 1).
        #[serde(default = "uniform_prior")]
        prior: (f64, f64),
        /// Forgetting factor γ in (0, 1]. Default none.
        #[serde(default)]
        discount: Option<f64>,
        /// Pooled-prior strength, as for `Thompson`. Default 10.
        #[serde(default = "default_pooling")]
        pooling: f64,
    },
    /// The oracle: knows every arm's true expected reward for the request and takes
    /// the best. Needs `report.regret: true`. Regret 0 by construction.
    Oracle,
}

fn uniform_prior() -> (f64, f64) {
    (1.0, 1.0)
}

fn default_context() -> Vec<ContextFeature> {
    vec![ContextFeature::Daypart, ContextFeature::DayType]
}

fn default_pooling() -> f64 {
    10.0
}

fn default_epsilon() -> f64 {
    0.1
}

fn default_ucb_c() -> f64 {
    2.0
}

impl PolicySpec {
    /// The policy's short name for reports.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::StaticWeights { .. } => "static_weights",
            Self::Uniform => "uniform",
            Self::Thompson { .. } => "thompson",
            Self::EpsilonGreedy { .. } => "epsilon_greedy",
            Self::Ucb1 { .. } => "ucb1",
            Self::Oracle => "oracle",
        }
    }

    /// A Thompson policy with every default.
    #[must_use]
    pub fn thompson() -> Self {
        Self::Thompson {
            prior: uniform_prior(),
            context: default_context(),
            discount: None,
            pooling: default_pooling(),
        }
    }

    /// An ε-greedy policy with every default.
    #[must_use]
    pub fn epsilon_greedy() -> Self {
        Self::EpsilonGreedy {
            epsilon: default_epsilon(),
            context: default_context(),
            prior: uniform_prior(),
            discount: None,
            pooling: default_pooling(),
        }
    }

    /// A UCB1 policy with every default.
    #[must_use]
    pub fn ucb1() -> Self {
        Self::Ucb1 {
            c: default_ucb_c(),
            context: default_context(),
            prior: uniform_prior(),
            discount: None,
            pooling: default_pooling(),
        }
    }
}

/// The retraining schedule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PipelineSpec {
    /// Simulated hours between incremental updates of every arm with the interactions
    /// since the last one (the plan's "every N hours"). Default 6; 0 = never.
    pub retrain_every_hours: f64,
    /// The deployment gate (docs/TRAINING_PIPELINE.md). Absent (the default): every
    /// update warm-starts every arm and is deployed at once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gate: Option<GateSpec>,
    /// Monitoring alerts (`alerts.json`). Absent (the default): none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alerts: Option<AlertSpec>,
    /// Faults injected into training runs (docs/TRAINING_PIPELINE.md#faults), each
    /// applied to the first run at or after its time. Default none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<FaultSpec>,
    /// Work budget of one training run: interactions in the run's data window times
    /// arms of the stack. A run over it fails and the deployed version stays.
    /// Absent (the default): unbounded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub work_budget: Option<u64>,
    /// Simulated hours between snapshots of every policy slot's bandit state
    /// (`bandit_snapshots.json`). Default 0: none.
    #[serde(skip_serializing_if = "is_zero")]
    pub bandit_snapshot_every_hours: f64,
    /// Simulated hours between snapshots of the run's metrics so far
    /// (`metric_snapshots.json`). Default 0: none.
    #[serde(skip_serializing_if = "is_zero")]
    pub metric_snapshot_every_hours: f64,
    /// Staged rollout of every version the gate passes, its online watch and
    /// rollback (docs/TRAINING_PIPELINE.md#staged-rollout; needs `gate`). Absent (the
    /// default): a passed version serves all traffic at once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollout: Option<RolloutSpec>,
    /// Without a gate: evaluate every warm-started version offline on a held-out set
    /// (the gate's default split) beside the deployed arms, filling each update's
    /// `evaluation` and `summary.json`'s `retrain_variance`; what is deployed does not
    /// change (docs/TRAINING_PIPELINE.md#variance-of-offline-metrics-across-retrains).
    /// Default false.
    #[serde(skip_serializing_if = "is_false")]
    pub evaluate_versions: bool,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_false(x: &bool) -> bool {
    !*x
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

impl Default for PipelineSpec {
    fn default() -> Self {
        Self {
            retrain_every_hours: 6.0,
            gate: None,
            alerts: None,
            faults: Vec::new(),
            work_budget: None,
            bandit_snapshot_every_hours: 0.0,
            metric_snapshot_every_hours: 0.0,
            rollout: None,
            evaluate_versions: false,
        }
    }
}

/// A fault injected into the training pipeline at a simulated time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// Simulated hours from day 0: the fault hits the first training run at or after
    /// this time.
    pub at_hours: f64,
    /// What goes wrong.
    pub kind: FaultKind,
}

/// What goes wrong in a faulted training run.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum FaultKind {
    /// The run's batch of new ratings (those since the previous run) is shuffled among
    /// its interactions: every rating value lands on another (user, movie).
    CorruptBatch,
    /// The job fails before training: nothing is fitted, the deployed version stays.
    JobFails,
    /// The candidate's SVD arms train with their learning rate multiplied by
    /// `factor`, so SGD diverges (needs `pipeline.gate`, whose runs build the
    /// candidate from the scenario's arms).
    DivergingLearningRate {
        /// Multiplier of the learning rate; finite and > 0.
        factor: f64,
    },
    /// At its time (exactly, not at a training run) every user's hidden taste moves
    /// towards a fresh one: the truth the simulated users click by changes
    /// (docs/TRAINING_PIPELINE.md#taste-shift).
    TasteShift {
        /// How far tastes move, in (0, 1]: 1 = a fresh taste.
        strength: f64,
    },
}

/// Staged rollout of a version the gate passed: it serves a growing share of users
/// while its online metrics are compared with the previous version's on the
/// requests each served; a degradation beyond `rollback_threshold` rolls it back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RolloutSpec {
    /// Shares of users the new version serves, stage by stage; increasing, each in
    /// (0, 1], the last 1.0. Default `[0.10, 0.50, 1.0]`.
    pub stages: Vec<f64>,
    /// Simulated hours a stage lasts before it may advance. Default 24.
    pub stage_hours: f64,
    /// Simulated hours between two online checks (during the stages and the watch).
    /// Default 6.
    pub check_every_hours: f64,
    /// Simulated hours the new version is watched once it serves everyone, against
    /// the previous version's metrics over the stages. Default 24.
    pub watch_hours: f64,
    /// Online metrics watched. Default `[ctr, clicked_rating, long_tail_share]`.
    pub watch: Vec<OnlineMetric>,
    /// A stage advances only when no watched metric is worse than the previous
    /// version's by more than this share of it; otherwise it is held for another
    /// check. Default 0.05.
    pub tolerance: f64,
    /// A watched metric worse by more than this share rolls the new version back.
    /// Default 0.15 (the plan's rollback plan).
    pub rollback_threshold: f64,
    /// Requests each version must have served since the stage began (since 100% for
    /// the watch) before a check judges. Default 200.
    pub min_requests: u64,
    /// Weights per arm of the static policy that replaces every bandit after a
    /// rollback; `None` (the default) = equal weights over the stack's selectable arms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub static_weights: Option<BTreeMap<String, f64>>,
    /// Simulated hours the bandit stays disabled after a rollback; `None` (the
    /// default) = the rest of the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub static_hours: Option<f64>,
}

impl Default for RolloutSpec {
    fn default() -> Self {
        Self {
            stages: vec![0.10, 0.50, 1.0],
            stage_hours: 24.0,
            check_every_hours: 6.0,
            watch_hours: 24.0,
            watch: vec![
                OnlineMetric::Ctr,
                OnlineMetric::ClickedRating,
                OnlineMetric::LongTailShare,
            ],
            tolerance: 0.05,
            rollback_threshold: 0.15,
            min_requests: 200,
            static_weights: None,
            static_hours: None,
        }
    }
}

/// An online metric a rollout watches (all higher is better).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnlineMetric {
    /// Clicks per request.
    Ctr,
    /// Mean rating of clicked movies.
    ClickedRating,
    /// Share of impressions from the long tail.
    LongTailShare,
}

impl OnlineMetric {
    /// The name as in scenarios and reports.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Ctr => "ctr",
            Self::ClickedRating => "clicked_rating",
            Self::LongTailShare => "long_tail_share",
        }
    }
}

/// The deployment gate: each training run fits a candidate version from scratch on
/// the log less a test set held out of the warm-up history, scores it and the
/// deployed version on that set, and deploys it only if no watched metric of any arm
/// is worse by more than the tolerance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GateSpec {
    /// Share of the warm-up ratings held out at day 0 as the test set of every run
    /// (no version trains on them). Default 0.15.
    pub test_share: f64,
    /// Users with held-out ratings sampled once to evaluate every version on (bounds
    /// the cost of a run). Default 500.
    pub eval_users: usize,
    /// Relative tolerance: a watched metric may be worse than the deployed version's
    /// by at most this share of it. Default 0.10 (nDCG on a few hundred users moves
    /// by several percent between equally good versions).
    pub tolerance: f64,
    /// Metrics watched, per arm of the stack. Default `[ndcg, rmse]`.
    pub metrics: Vec<GateMetric>,
    /// How the warm-up ratings are split into test (and, with `search`, validation)
    /// sets. Default `random`.
    #[serde(skip_serializing_if = "SplitKind::is_random")]
    pub split: SplitKind,
    /// Hyper-parameter search on a validation set before the gate
    /// (docs/TRAINING_PIPELINE.md#hyper-parameter-search). Absent (the default): the
    /// candidate keeps the stack's settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<SearchSpec>,
}

impl Default for GateSpec {
    fn default() -> Self {
        Self {
            test_share: 0.15,
            eval_users: 500,
            tolerance: 0.10,
            metrics: vec![GateMetric::Ndcg, GateMetric::Rmse],
            split: SplitKind::Random,
            search: None,
        }
    }
}

/// How the gate's held-out sets are drawn from the warm-up ratings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitKind {
    /// Each rating held out at random (one uniform draw per rating): test with
    /// probability `test_share`, else validation with `search.validation_share`.
    #[default]
    Random,
    /// The newest ratings by time: the newest `test_share` of the warm-up ratings are
    /// the test set, the `validation_share` before them the validation set.
    Temporal,
}

impl SplitKind {
    /// Whether this is the default, random split (left out of written scenarios).
    #[must_use]
    pub fn is_random(&self) -> bool {
        *self == Self::Random
    }
}

/// Hyper-parameter search: every searched arm's candidates are trained on the
/// training part and scored on a validation set; the best per arm is the candidate
/// the gate judges.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SearchSpec {
    /// Share of the warm-up ratings held out as the validation set (never trained on
    /// while the search is on, like the test set). Default 0.15.
    pub validation_share: f64,
    /// The validation metric the best configuration is chosen by. Default `ndcg`.
    pub metric: GateMetric,
    /// Ranges searched for every `Svd` arm of the stack. Absent: not searched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub svd: Option<SvdSearch>,
    /// Ranges searched for every `ItemCf` arm of the stack. Absent: not searched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_cf: Option<ItemCfSearch>,
    /// Configurations of each arm's grid tried per run, drawn without replacement
    /// from stream `(PipelineSearch, version · 2^8 + arm)`. Absent (the default):
    /// the whole grid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample: Option<usize>,
}

impl Default for SearchSpec {
    fn default() -> Self {
        Self {
            validation_share: 0.15,
            metric: GateMetric::Ndcg,
            svd: None,
            item_cf: None,
            sample: None,
        }
    }
}

/// Values searched for SVD arms; an absent field keeps the arm's own value.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SvdSearch {
    /// Latent factors tried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub factors: Option<Vec<usize>>,
    /// SGD learning rates tried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub learning_rate: Option<Vec<f64>>,
    /// L2 regularisations tried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regularisation: Option<Vec<f64>>,
}

/// Values searched for item-CF arms; an absent field keeps the arm's own value.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ItemCfSearch {
    /// Neighbours per item tried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub neighbours: Option<Vec<usize>>,
}

/// The thresholds of the monitoring alerts (the plan's "Monitoring & Alerts").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertSpec {
    /// Long-tail share of impressions the diversity alert compares with; `None` (the
    /// default) = the share over the run's first 24 simulated hours.
    pub long_tail_baseline: Option<f64>,
    /// Relative margin below the baseline before the diversity alert fires. Default
    /// 0.10.
    pub long_tail_margin: f64,
    /// Mean rating of clicked movies below which the quality alert fires. Default 3.5.
    pub min_clicked_rating: f64,
    /// Share of a bucket's selections above which one arm dominates. Default 0.70.
    pub max_arm_share: f64,
    /// Relative drop of a watched offline metric beyond which a rejected training run
    /// alerts. Default 0.10.
    pub max_offline_drop: f64,
    /// Ratings a bucket needs before its mean rating is judged. Default 20.
    pub min_ratings: u64,
    /// Selections a bucket needs before its arm shares are judged. Default 50.
    pub min_selections: u64,
}

impl Default for AlertSpec {
    fn default() -> Self {
        Self {
            long_tail_baseline: None,
            long_tail_margin: 0.10,
            min_clicked_rating: 3.5,
            max_arm_share: 0.70,
            max_offline_drop: 0.10,
            min_ratings: 20,
            min_selections: 50,
        }
    }
}

/// An offline metric the gate can watch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateMetric {
    /// Mean nDCG@K, linear gain (higher is better).
    Ndcg,
    /// Mean precision@K (higher is better).
    Precision,
    /// Mean recall@K (higher is better).
    Recall,
    /// Mean hit rate@K (higher is better).
    HitRate,
    /// RMSE of predicted ratings (lower is better).
    Rmse,
}

impl GateMetric {
    /// Whether a larger value is better.
    #[must_use]
    pub fn higher_is_better(self) -> bool {
        !matches!(self, Self::Rmse)
    }

    /// The name as in scenarios and reports.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Ndcg => "ndcg",
            Self::Precision => "precision",
            Self::Recall => "recall",
            Self::HitRate => "hit_rate",
            Self::Rmse => "rmse",
        }
    }
}

/// What the report contains.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportSpec {
    /// Write every `RecommendationEvent` to `events.jsonl`. Default false (large).
    pub event_log: bool,
    /// Hours per row of `timeseries.csv` (and of the regret curves). Default 1: one row
    /// per simulated hour.
    pub timeseries_bucket_hours: u32,
    /// Users sampled for the offline table of every arm (`offline.json`); 0 skips it.
    /// Default 1,000.
    pub offline_users: usize,
    /// Exact regret accounting: every arm recommends for every request and the truth
    /// scores each arm's slate (`regret.json`, `regret.csv`). Costs one recommend call
    /// per arm per request and changes which draws the random arms make, so it is off
    /// by default. Default false; the `Oracle` policy needs it.
    pub regret: bool,
    /// Log in every event the policy's probability of the arm set it chose and of each
    /// arm (`propensity`, `arm_propensities`), and with `regret` the true expected
    /// reward of the shown slate and of every arm's own slate: what `recolab ope`
    /// reads. Thompson Sampling's propensities are Monte-Carlo estimates costing
    /// `propensity_draws` posterior draws per request, so this is off by default
    /// (the fields are then null). Needs `event_log`. Default false.
    pub propensities: bool,
    /// Joint posterior draws per request behind a Thompson Sampling propensity (the
    /// other policies' are exact). Default 1,000.
    pub propensity_draws: usize,
}

impl Default for ReportSpec {
    fn default() -> Self {
        Self {
            event_log: false,
            timeseries_bucket_hours: 1,
            offline_users: 1_000,
            regret: false,
            propensities: false,
            propensity_draws: 1_000,
        }
    }
}

//! Recommendation algorithms ("arms") and how their lists are blended into a slate.
//!
//! Every arm implements [`Recommender`]: `fit` on the interaction log, `update` with
//! new interactions only (warm start), and `recommend` a user's top candidates. Arms
//! see the public [`Catalogue`] and the log, never the world's hidden truth — except
//! the [`Oracle`], the simulator's upper bound, which policies may not serve.
//!
//! | arm | file | learns from | candidates per request |
//! | --- | --- | --- | --- |
//! | `popularity` | [`popularity`](Popularity) | every interaction but thumbs down | presorted order |
//! | `random` | [`RandomArm`] | nothing | rejection sampling |
//! | `svd` | [`Svd`] | ratings | bounded block scan (exact) |
//! | `item_cf` | [`ItemCf`] | all kinds as preferences ([`history`]) | neighbours of the history |
//! | `embeddings` | [`Embeddings`] | liked movies | full scan (cosine) |
//! | `graph` | [`GraphArm`] | liked movies become user–movie edges | local random walks |
//! | `long_tail` | [`LongTail`] | liked movies → genre affinities | threshold walk |
//! | `serendipity` | [`Serendipity`] | ratings (predictor) + liked movies (profile) | full scan |
//! | `pure_svd` | [`PureSvd`] | all kinds as preference values (unknown = 0) | bounded block scan (exact) |
//! | `oracle` | [`Oracle`] | the hidden truth | full scan |
//!
//! [`SlateBuilder::contextual_recommendations`] blends chosen arms and applies the
//! [`Diversity`] post-processing.

mod accumulator;
mod blend;
mod diversity;
mod embeddings;
mod factor_blocks;
mod graph;
pub mod history;
mod item_cf;
mod item_similarity;
mod learned_vectors;
mod long_tail;
mod oracle;
mod popularity;
mod pure_svd;
mod random;
mod serendipity;
mod subspace;
mod svd;
mod topn;
mod vectors;

pub use blend::{
    Blend, BlendNormalisation, BlendedItem, PostProcess, SlateBuilder, blend, blend_normalised,
};
pub use diversity::{CoverageTracker, Diversity};
pub use embeddings::{Embeddings, view_vectors};
pub use graph::{Csr, Graph, GraphArm, GraphParams, WalkStreams, pagerank};
pub use item_cf::{
    DENSE_MAX_MOVIES, ItemCf, ItemCfParams, PAIR_TABLE_MAX_MOVIES, pair_table_bytes,
};
pub use learned_vectors::{LearnedSources, has_simulated_views};
pub use long_tail::{LongTail, LongTailParams};
pub use oracle::{Oracle, Truth};
pub use popularity::Popularity;
pub use pure_svd::{PureSvd, PureSvdParams};
pub use random::RandomArm;
pub use serendipity::{Serendipity, SerendipityParams};
pub use svd::{Svd, SvdParams};
pub use vectors::{UnitVectors, VectorFileError, load_item_vectors};

use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;

use crate::ids::{ArmId, MovieId, UserId};
use crate::interaction::{Interaction, SimSecs};
use crate::rng::{ChaCha8Rng, Purpose, SeedTree};
use crate::scenario::spec::{ArmSpec, ContentView};
use crate::world::{Catalogue, Context, Population, World};

/// What an arm may learn from.
#[derive(Clone, Copy, Debug)]
pub struct TrainingData<'a> {
    /// Public movie attributes.
    pub catalogue: &'a Catalogue,
    /// Public user attributes.
    pub population: &'a Population,
    /// The interaction log, sorted by time.
    pub interactions: &'a [Interaction],
}

/// One request as an arm sees it.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// Who asks.
    pub user: UserId,
    /// The request's context.
    pub context: &'a Context,
    /// Movies the user has already watched, sorted; arms never return them.
    pub seen: &'a [MovieId],
    /// When.
    pub time_secs: SimSecs,
    /// 1-based position of the request in its session.
    pub session_position: u32,
    /// How many of the user's most recent watches (the fatigue window) had each genre,
    /// indexed by genre id.
    pub recent_genre_counts: &'a [u16],
}

impl Request<'_> {
    /// Whether the user has watched `movie`.
    #[must_use]
    pub fn has_seen(&self, movie: MovieId) -> bool {
        self.seen.binary_search(&movie).is_ok()
    }
}

/// A movie with an arm's score (higher is better; scales differ between arms).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scored {
    /// The movie.
    pub movie: MovieId,
    /// The arm's score.
    pub score: f64,
}

/// A recommendation algorithm.
pub trait Recommender: Send + Sync {
    /// The arm's name, as in scenarios and reports.
    fn name(&self) -> &'static str;

    /// Trains from scratch on `data`.
    fn fit(&mut self, data: &TrainingData<'_>);

    /// Warm-starts from the current model with interactions that arrived since the
    /// last `fit` or `update`; `data` holds the full log for arms that need context.
    fn update(&mut self, data: &TrainingData<'_>, new: &[Interaction]);

    /// Writes up to `n` unseen movies for `request` into `out`, best first.
    ///
    /// # Determinism
    ///
    /// Arms that randomise draw only from `rng`, the arm's own stream.
    fn recommend(
        &self,
        request: &Request<'_>,
        n: usize,
        rng: &mut ChaCha8Rng,
        out: &mut Vec<Scored>,
    );

    /// [`Recommender::recommend`] for several requests at once, `outs[i]` for
    /// `requests[i]` drawing from `rngs[i]`. Arms whose candidate generation scans the
    /// catalogue override it to read each part of their model once for all requests
    /// (the replay prepares requests in batches); the lists are the same.
    fn recommend_many(
        &self,
        requests: &[Request<'_>],
        n: usize,
        rngs: &mut [ChaCha8Rng],
        outs: &mut [Vec<Scored>],
    ) {
        for ((request, rng), out) in requests.iter().zip(rngs).zip(outs) {
            self.recommend(request, n, rng, out);
        }
    }

    /// The arm's predicted star rating, for arms that predict ratings (RMSE offline).
    fn predict_rating(&self, _user: UserId, _movie: MovieId) -> Option<f64> {
        None
    }

    /// [`Recommender::predict_rating`] for many (user, movie) pairs at once into `out`
    /// (`out[i]` for `pairs[i]`). Arms whose prediction needs a per-movie computation
    /// override it to share that work among the pairs of one movie; the values are
    /// the same.
    fn predict_ratings(&self, pairs: &[(UserId, MovieId)], out: &mut Vec<Option<f64>>) {
        out.clear();
        out.extend(pairs.iter().map(|&(u, m)| self.predict_rating(u, m)));
    }

    /// Whether the arm reads the hidden truth (only the oracle).
    fn reads_truth(&self) -> bool {
        false
    }

    /// How long the arm's list for a user stays the same apart from the movies the
    /// user watches meanwhile (which a reused, longer list drops): see [`ListReuse`].
    fn list_reuse(&self) -> ListReuse {
        ListReuse::UntilUpdate
    }
}

/// How long an arm's list for a user may be reused ([`crate::sim`]'s list cache).
///
/// A reused list is exact, never an approximation: every arm ranks by a total order
/// (score, then movie id), so dropping newly seen movies from a list computed
/// longer gives the list the arm would compute afresh, as long as enough remain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListReuse {
    /// Never: the arm draws anew per request (random) or reads the request's context
    /// (oracle).
    Never,
    /// Until the next `fit` or `update`: the list depends on the whole model (factors,
    /// counts, fingerprints), which every update changes.
    UntilUpdate,
    /// Until an update brings the user's own new interactions (or the next `fit`):
    /// the list depends only on the user's history and on parts of the model that
    /// only `fit` changes (item neighbours, content vectors, the catalogue).
    WhileUserUnchanged,
}

/// Movie ids by descending vote count (ties: lower id): the cold-start fallback.
#[must_use]
pub fn popularity_order(catalogue: &Catalogue) -> Vec<MovieId> {
    let mut order: Vec<MovieId> = catalogue.movies.iter().map(|m| m.id).collect();
    order.sort_by(|a, b| {
        catalogue
            .movie(*b)
            .vote_count
            .cmp(&catalogue.movie(*a).vote_count)
            .then(a.cmp(b))
    });
    order
}

/// Writes the first `n` unseen movies of `order` with scores −(position in `order`)
/// (a fallback list for users an arm cannot personalise for). Scores do not depend on
/// what is excluded, so a longer list with some movies dropped is the shorter list.
pub fn fill_by_popularity(
    order: &[MovieId],
    request: &Request<'_>,
    n: usize,
    out: &mut Vec<Scored>,
) {
    out.clear();
    out.extend(
        order
            .iter()
            .enumerate()
            .filter(|&(_, &m)| !request.has_seen(m))
            .take(n)
            .map(|(rank, &movie)| Scored {
                movie,
                score: -(rank as f64),
            }),
    );
}

/// Why an arm could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ArmBuildError {
    /// An embeddings arm's vector file cannot be used.
    #[error(transparent)]
    Vectors(#[from] VectorFileError),
    /// A content arm was asked for simulated views the data does not have.
    #[error(
        "arm `{arm}` with `view: {view}` reads the simulated content views of a generated world, and this data has none; fix: `view: learned` or `view: auto` (item vectors learned from the ratings, genres, release years and tags — `recolab eval --tags FILE`){}",
        if *arm == "embeddings" { ", or `vectors: \"FILE\"` (a CSV or .npy file of item vectors)" } else { "" }
    )]
    NoContentViews {
        /// The arm.
        arm: &'static str,
        /// The view asked for.
        view: &'static str,
    },
    /// The oracle was asked for where there is no hidden truth (a real rating log).
    #[error(
        "arm `oracle` ranks by the hidden truth of a generated world, and this data has none; fix: remove `Oracle` from `stack.arms`"
    )]
    OracleNeedsTruth,
}

/// Where a content arm's item vectors come from.
enum VectorChoice {
    /// A simulated view of the world.
    Simulated(ContentView),
    /// Learned from the data at each fit ([`learned_vectors`]).
    Learned,
}

/// Builds arms: owns what arm constructors need (the catalogue, seed streams, and for
/// a generated world the truth an oracle reads, built once on first use).
#[derive(Debug)]
pub struct ArmFactory<'a> {
    catalogue: &'a Catalogue,
    world: Option<&'a World>,
    seeds: SeedTree,
    fatigue_window: usize,
    truth: OnceLock<Arc<Truth>>,
}

impl<'a> ArmFactory<'a> {
    /// A factory for a generated `world`; `fatigue_window` is the scenario's (the
    /// oracle needs it).
    #[must_use]
    pub fn new(world: &'a World, seeds: SeedTree, fatigue_window: usize) -> Self {
        Self {
            catalogue: &world.catalogue,
            world: Some(world),
            seeds,
            fatigue_window,
            truth: OnceLock::new(),
        }
    }

    /// A factory for a catalogue without hidden truth (a real rating log, or one fold
    /// of it): every arm but the oracle.
    #[must_use]
    pub fn for_catalogue(catalogue: &'a Catalogue, seeds: SeedTree) -> Self {
        Self {
            catalogue,
            world: None,
            seeds,
            fatigue_window: 0,
            truth: OnceLock::new(),
        }
    }

    /// The vectors a content arm with `view` reads on this factory's catalogue.
    fn vectors_of(
        &self,
        arm: &'static str,
        view: ContentView,
    ) -> Result<VectorChoice, ArmBuildError> {
        let simulated = has_simulated_views(self.catalogue);
        match view {
            ContentView::Learned => Ok(VectorChoice::Learned),
            ContentView::Auto if simulated => Ok(VectorChoice::Simulated(ContentView::Both)),
            ContentView::Auto => Ok(VectorChoice::Learned),
            view if simulated => Ok(VectorChoice::Simulated(view)),
            view => Err(ArmBuildError::NoContentViews {
                arm,
                view: view.name(),
            }),
        }
    }

    /// The stream of the randomised SVD behind an arm's learned vectors.
    fn learn_rng(&self, unit: u64) -> ChaCha8Rng {
        self.seeds.stream(Purpose::LearnedVectors, unit)
    }

    /// Builds the arm a spec describes (untrained); `unit` addresses its training
    /// stream `(ArmTraining, unit)`: the arm index in a replay, fold · 2^16 + arm in
    /// offline evaluation.
    ///
    /// # Errors
    ///
    /// An embeddings arm's vector file cannot be read or does not fit the catalogue;
    /// an oracle without a generated world.
    pub fn build(&self, spec: &ArmSpec, unit: u64) -> Result<Box<dyn Recommender>, ArmBuildError> {
        let catalogue = self.catalogue;
        let rng = || self.seeds.stream(Purpose::ArmTraining, unit);
        Ok(match spec {
            ArmSpec::Popularity => Box::new(Popularity::new(catalogue)),
            ArmSpec::Random => Box::new(RandomArm::new(catalogue)),
            &ArmSpec::Svd {
                factors,
                learning_rate,
                regularisation,
                epochs,
                update_epochs,
                init_sd,
            } => Box::new(Svd::new(
                SvdParams {
                    factors,
                    learning_rate,
                    regularisation,
                    epochs,
                    update_epochs,
                    init_sd,
                },
                rng(),
            )),
            &ArmSpec::ItemCf {
                similarity,
                shrinkage,
                neighbours,
                warm_start,
                full_fit_every,
            } => Box::new(ItemCf::new(ItemCfParams {
                similarity,
                shrinkage,
                neighbours,
                warm_start,
                full_fit_every,
            })),
            ArmSpec::Embeddings { view, vectors } => match vectors {
                None => Box::new(match self.vectors_of("embeddings", *view)? {
                    VectorChoice::Simulated(view) => Embeddings::new(catalogue, view),
                    VectorChoice::Learned => Embeddings::learned(catalogue, self.learn_rng(unit)),
                }),
                Some(path) => {
                    let rows = load_item_vectors(Path::new(path), catalogue.len())?;
                    let parts: Vec<Vec<&[f32]>> = rows.iter().map(|r| vec![r.as_slice()]).collect();
                    Box::new(Embeddings::with_vectors(
                        catalogue,
                        UnitVectors::from_parts(&parts),
                    ))
                }
            },
            &ArmSpec::Graph {
                restart_probability,
                walks_per_movie,
                fingerprint,
                max_seeds,
            } => Box::new(GraphArm::new(
                GraphParams {
                    restart_probability,
                    walks_per_movie,
                    fingerprint,
                    max_seeds,
                },
                catalogue,
                WalkStreams {
                    seeds: self.seeds,
                    arm: unit,
                    builds: 0,
                },
            )),
            &ArmSpec::LongTail {
                max_votes,
                min_average,
                boost,
            } => Box::new(LongTail::new(
                LongTailParams {
                    max_votes,
                    min_average,
                    boost,
                },
                catalogue,
            )),
            &ArmSpec::Serendipity {
                min_distance,
                factors,
                epochs,
                view,
            } => {
                let params = SerendipityParams {
                    min_distance,
                    factors,
                    epochs,
                };
                Box::new(match self.vectors_of("serendipity", view)? {
                    VectorChoice::Simulated(view) => {
                        Serendipity::new(params, catalogue, view, rng())
                    }
                    VectorChoice::Learned => {
                        Serendipity::learned(params, catalogue, rng(), self.learn_rng(unit))
                    }
                })
            }
            &ArmSpec::PureSvd {
                factors,
                iterations,
            } => Box::new(PureSvd::new(
                PureSvdParams {
                    factors,
                    iterations,
                },
                catalogue,
                rng(),
            )),
            ArmSpec::Oracle { .. } => {
                let world = self.world.ok_or(ArmBuildError::OracleNeedsTruth)?;
                Box::new(Oracle::new(Arc::clone(
                    self.truth
                        .get_or_init(|| Truth::of(world, self.fatigue_window)),
                )))
            }
        })
    }
}

/// The arms of a stack, indexed by [`ArmId`].
pub struct Arms {
    arms: Vec<Box<dyn Recommender>>,
}

impl Arms {
    /// Builds every arm of the stack; arm i trains from stream `(ArmTraining, i)`.
    ///
    /// # Errors
    ///
    /// As [`ArmFactory::build`].
    pub fn build(specs: &[ArmSpec], factory: &ArmFactory<'_>) -> Result<Self, ArmBuildError> {
        Ok(Self {
            arms: specs
                .iter()
                .enumerate()
                .map(|(i, s)| factory.build(s, i as u64))
                .collect::<Result<_, _>>()?,
        })
    }

    /// Arms from already-built recommenders.
    #[must_use]
    pub fn from_boxes(arms: Vec<Box<dyn Recommender>>) -> Self {
        Self { arms }
    }

    /// Number of arms.
    #[must_use]
    pub fn len(&self) -> usize {
        self.arms.len()
    }

    /// Whether there are no arms.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.arms.is_empty()
    }

    /// One arm.
    #[must_use]
    pub fn get(&self, id: ArmId) -> &dyn Recommender {
        self.arms[id.index()].as_ref()
    }

    /// Arm names in id order.
    #[must_use]
    pub fn names(&self) -> Vec<&'static str> {
        self.arms.iter().map(|a| a.name()).collect()
    }

    /// Fits every arm.
    ///
    /// # Determinism
    ///
    /// Arms fit in parallel: each is independent and draws only from its own stream.
    pub fn fit(&mut self, data: &TrainingData<'_>) {
        self.arms.par_iter_mut().for_each(|arm| arm.fit(data));
    }

    /// Updates every arm with new interactions (in parallel, as `fit`).
    pub fn update(&mut self, data: &TrainingData<'_>, new: &[Interaction]) {
        self.arms
            .par_iter_mut()
            .for_each(|arm| arm.update(data, new));
    }
}

/// Small hand-built inputs shared by the arms' unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::ids::GenreId;
    use crate::interaction::InteractionKind;
    use crate::scenario::spec::Daypart;
    use crate::world::context::{DayType, Saturation, SessionPhase};
    use crate::world::{Movie, Segment, User};

    /// An evening weekday context.
    pub fn context() -> Context {
        Context {
            daypart: Daypart::Evening,
            day_type: DayType::Weekday,
            segment: Segment::Regular,
            saturation: Saturation::Low,
            session_phase: SessionPhase::Early,
        }
    }

    const NO_RECENT: [u16; 3] = [0; 3];

    /// A first-in-session request with no recent genres.
    pub fn request<'a>(user: UserId, context: &'a Context, seen: &'a [MovieId]) -> Request<'a> {
        Request {
            user,
            context,
            seen,
            time_secs: 0,
            session_position: 1,
            recent_genre_counts: &NO_RECENT,
        }
    }

    /// A fixed stream.
    pub fn rng() -> ChaCha8Rng {
        crate::rng::stream(0, Purpose::Arm, 0, 0)
    }

    /// `n` movies: genre i mod 3 (drama, anime, documentary), vote counts cycling over
    /// 50, 300, 900, 5,000, 40,000 (i mod 5), averages 6.0 + 0.5·(i mod 6), content at
    /// angle 37°·i on the unit circle (also both views), anime in Japanese.
    /// A star rating of movie `m` by user `u` at time 0.
    pub fn rating(u: u32, m: u32, r: f32) -> Interaction {
        Interaction {
            user: UserId(u),
            movie: MovieId(m),
            kind: InteractionKind::Rating,
            value: r,
            time_secs: 0,
        }
    }

    pub fn catalogue(n: usize) -> Catalogue {
        let votes = [50, 300, 900, 5_000, 40_000];
        let movies = (0..n)
            .map(|i| {
                let angle = (37.0 * i as f32).to_radians();
                let v = vec![angle.cos(), angle.sin()];
                Movie {
                    id: MovieId(i as u32),
                    title: format!("m{i}"),
                    genres: vec![GenreId((i % 3) as u16)],
                    original_language: if i % 3 == 1 { "ja" } else { "en" }.into(),
                    year: 2000,
                    vote_count: votes[i % 5],
                    vote_average: 6.0 + 0.5 * (i % 6) as f64,
                    content: v.clone(),
                    text_view: v.clone(),
                    image_view: v,
                    people: vec![(i % 7) as u32],
                    keywords: vec![(i % 5) as u32],
                    is_niche: i % 3 != 0,
                }
            })
            .collect();
        Catalogue {
            movies,
            genre_names: vec!["drama".into(), "anime".into(), "documentary".into()],
            long_tail_max_votes: 1_000,
        }
    }

    /// Training data over a catalogue and `n_users` users.
    pub fn data<'a>(
        catalogue: &'a Catalogue,
        n_users: usize,
        log: &'a [Interaction],
    ) -> TrainingData<'a> {
        let population = Box::leak(Box::new(Population {
            users: (0..n_users)
                .map(|i| User {
                    id: UserId(i as u32),
                    segment: Segment::Regular,
                })
                .collect(),
        }));
        TrainingData {
            catalogue,
            population,
            interactions: log,
        }
    }
}

#[cfg(test)]
mod batch_tests {
    use std::path::Path;

    use super::*;
    use crate::scenario::Scenario;

    #[test]
    fn recommending_many_at_once_gives_each_request_its_own_list() {
        // Every arm kind on a small generated world: a batch of twelve requests (users
        // with long, short and no histories, some repeated) must get exactly the lists
        // the requests get one at a time.
        let scenario = Scenario::from_ron_str(
            "(catalogue: (n_movies: 150, n_people: 40, n_keywords: 20),
              population: (n_users: 60), horizon: (days: 1, warm_up_days: 5))",
            Path::new("t.ron"),
            "t",
        )
        .unwrap();
        let seeds = SeedTree::new(9);
        let world = World::generate(&scenario, &seeds);
        let factory = ArmFactory::new(&world, seeds, 10);
        let mut arms = Arms::build(&ArmSpec::all_defaults(), &factory).unwrap();
        arms.fit(&TrainingData {
            catalogue: &world.catalogue,
            population: &world.population,
            interactions: &world.warm_up,
        });
        let mut seen: Vec<Vec<MovieId>> = vec![Vec::new(); world.population.len()];
        for i in &world.warm_up {
            seen[i.user.index()].push(i.movie);
        }
        for s in &mut seen {
            s.sort_unstable();
            s.dedup();
        }
        let context = testing::context();
        let recent = vec![0u16; world.catalogue.genre_names.len()];
        let users = [0u32, 5, 5, 17, 23, 31, 42, 59, 1, 2, 3, 4];
        let requests: Vec<Request<'_>> = users
            .iter()
            .map(|&u| Request {
                user: UserId(u),
                context: &context,
                seen: &seen[u as usize],
                time_secs: 0,
                session_position: 1,
                recent_genre_counts: &recent,
            })
            .collect();
        for a in 0..arms.len() {
            let arm = arms.get(ArmId(a as u16));
            let rng = |i: usize| crate::rng::stream(1, Purpose::ArmRequest, 0, i as u64);
            let mut rngs: Vec<ChaCha8Rng> = (0..requests.len()).map(rng).collect();
            let mut many = vec![Vec::new(); requests.len()];
            arm.recommend_many(&requests, 25, &mut rngs, &mut many);
            for (i, request) in requests.iter().enumerate() {
                let mut one = Vec::new();
                arm.recommend(request, 25, &mut rng(i), &mut one);
                assert_eq!(many[i], one, "arm {} request {i}", arm.name());
            }
        }
    }
}

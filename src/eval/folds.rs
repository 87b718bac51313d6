//! The offline evaluation driver: split, train every arm on each fold, score top-K
//! lists and rating predictions, summarise over folds.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;
use serde::ser::SerializeMap;

use crate::data::Dataset;
use crate::ids::{MovieId, UserId};
use crate::interaction::{Interaction, SimSecs};
use crate::recommend::{
    ArmBuildError, ArmFactory, ListReuse, Popularity, Recommender, Request, Scored, TrainingData,
};
use crate::rng::{Purpose, SeedTree};
use crate::scenario::spec::{ArmSpec, EvaluationSpec};
use crate::world::{Catalogue, Context, Population, Segment};

use super::interval::MeanInterval;
use super::metric_set::{
    ItemFeatures, METRIC_NAMES, MetricSet, MetricSettings, UserCase, metric_sets_by_segment,
};
use super::protocol::{Fold, folds};
use super::rating_reference::{BiasBaseline, RatingTruth};
use super::{DEFAULT_CALIBRATION_ALPHA, Relevance, mae, rmse};

/// Users whose lists an arm is asked for at once ([`Recommender::recommend_many`]).
const LIST_BATCH: usize = 128;

/// Version of the `eval.json` layout.
pub const EVAL_FORMAT_VERSION: u32 = 1;

/// Size of one fold.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FoldStats {
    /// Fold index, from 0.
    pub index: usize,
    /// Training ratings.
    pub n_train: usize,
    /// Ratings held out for tuning (random split).
    pub n_validation: usize,
    /// Test ratings.
    pub n_test: usize,
    /// Users with at least one test rating (the users scored).
    pub n_test_users: usize,
}

/// Each metric's mean and 95% interval over folds, in [`METRIC_NAMES`] order.
/// Serialises as a JSON object in that order.
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryRow {
    values: Vec<Option<MeanInterval>>,
}

impl SummaryRow {
    /// Summarises one metric set per fold.
    #[must_use]
    pub fn over_folds(sets: &[&MetricSet]) -> Self {
        let values = METRIC_NAMES
            .iter()
            .map(|name| {
                let values: Vec<f64> = sets.iter().filter_map(|s| s.get(name)).collect();
                MeanInterval::of(&values)
            })
            .collect();
        Self { values }
    }

    /// The summary of `name`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<MeanInterval> {
        METRIC_NAMES
            .iter()
            .position(|&n| n == name)
            .and_then(|i| self.values[i])
    }
}

impl Serialize for SummaryRow {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.values.len()))?;
        for (name, value) in METRIC_NAMES.iter().zip(&self.values) {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// One segment's summary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SegmentSummary {
    /// The segment.
    pub segment: Segment,
    /// Its metrics over folds.
    pub metrics: SummaryRow,
}

/// One arm's results.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ArmEvaluation {
    /// The arm's name.
    pub arm: String,
    /// All test users, over folds.
    pub overall: SummaryRow,
    /// Per user segment, over folds (segments without test users are left out).
    pub by_segment: Vec<SegmentSummary>,
    /// The raw metrics of each fold, all test users.
    pub per_fold: Vec<MetricSet>,
}

/// RMSE and MAE of a reference rating predictor.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReferenceRow {
    /// `global_mean`, `bias_baseline`, or `truth` (generated worlds only).
    pub predictor: &'static str,
    /// RMSE over folds.
    pub rmse: Option<MeanInterval>,
    /// MAE over folds.
    pub mae: Option<MeanInterval>,
}

/// Size of the evaluated data.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DataStats {
    /// Users.
    pub n_users: usize,
    /// Catalogue items.
    pub n_items: usize,
    /// Ratings.
    pub n_ratings: usize,
    /// Genres.
    pub n_genres: usize,
    /// Vote count below which an item is long-tail.
    pub long_tail_max_votes: u64,
    /// Ratings superseded by a later rating of the same item by the same user.
    pub n_superseded: usize,
}

/// Everything `eval.json` holds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OfflineEvaluation {
    /// Layout version.
    pub format_version: u32,
    /// The dataset's name.
    pub name: String,
    /// Seed of the splits and of randomised arms.
    pub seed: u64,
    /// The settings used.
    pub settings: EvaluationSpec,
    /// The data.
    pub data: DataStats,
    /// The folds.
    pub folds: Vec<FoldStats>,
    /// One entry per arm, in stack order.
    pub arms: Vec<ArmEvaluation>,
    /// Reference rating predictors.
    pub rating_references: Vec<ReferenceRow>,
    /// In a generated world: the RMSE no predictor can beat in expectation,
    /// `sqrt(mean Var[r | truth])` over the test ratings, over folds.
    pub noise_floor_rmse: Option<MeanInterval>,
}

/// RMSE and MAE of one predictor on one fold.
type ErrorPair = (Option<f64>, Option<f64>);

/// What one fold produced apart from the arms: sizes and reference predictors.
struct FoldOutcome {
    stats: FoldStats,
    references: Vec<ErrorPair>,
    noise_floor: Option<f64>,
}

/// One arm's metric sets on one fold: all users, then each segment present.
type ArmFoldResult = (MetricSet, Vec<(Segment, MetricSet)>);

/// Evaluates every arm of `arms` on `dataset` under `spec`.
///
/// `truth` (a generated world's) adds the truth as a reference predictor and the
/// noise floor of RMSE. Arms that read the hidden truth (the oracle) are left out:
/// offline evaluation scores what production could have learned.
///
/// # Errors
///
/// [`ArmBuildError`] when an arm cannot be built (an embeddings vector file that
/// cannot be read or does not fit the catalogue); checked once before the folds.
///
/// # Determinism
///
/// Folds come from [`folds`]; each (fold, arm) pair is evaluated on its own (in
/// parallel with rayon), arm `a` of fold `f` drawing from stream `(seed,
/// EvaluationArm, 0)` unit `f · 2^16 + a` over users in id order. Results are
/// collected in (fold, arm) order and summed on one thread, so the result does not
/// depend on the number of threads.
pub fn evaluate(
    dataset: &Dataset,
    arms: &[ArmSpec],
    spec: &EvaluationSpec,
    seed: u64,
    truth: Option<RatingTruth<'_>>,
) -> Result<OfflineEvaluation, ArmBuildError> {
    evaluate_with_progress(dataset, arms, spec, seed, truth, &|_| {})
}

/// Progress of an offline evaluation, for a display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvalProgress {
    /// The folds are split and prepared: `n_jobs` (fold, arm) pairs follow.
    Prepared {
        /// Folds × arms.
        n_jobs: usize,
    },
    /// One arm finished on one fold.
    ArmDone,
}

/// [`evaluate`], telling `progress` when the folds are prepared and as each (fold,
/// arm) pair finishes (from worker threads, in any order; the result does not depend
/// on it).
///
/// # Errors
///
/// As [`evaluate`].
pub fn evaluate_with_progress(
    dataset: &Dataset,
    arms: &[ArmSpec],
    spec: &EvaluationSpec,
    seed: u64,
    truth: Option<RatingTruth<'_>>,
    progress: &(dyn Fn(EvalProgress) + Sync),
) -> Result<OfflineEvaluation, ArmBuildError> {
    let arms: Vec<ArmSpec> = arms.iter().filter(|a| !a.reads_truth()).cloned().collect();
    let arms = &arms[..];
    let factory = ArmFactory::for_catalogue(&dataset.catalogue, SeedTree::new(seed));
    for (a, arm) in arms.iter().enumerate() {
        factory.build(arm, a as u64)?;
    }
    let folds = folds(&spec.protocol, &dataset.ratings, seed);
    let prepared: Vec<PreparedFold> = folds
        .par_iter()
        .enumerate()
        .map(|(index, fold)| PreparedFold::new(dataset, fold, index, spec, seed))
        .collect();
    progress(EvalProgress::Prepared {
        n_jobs: prepared.len() * arms.len(),
    });
    // Job f · n_arms + a is arm a on fold f; the longest are started first.
    let mut order: Vec<usize> = (0..prepared.len() * arms.len()).collect();
    order.sort_by_key(|&job| std::cmp::Reverse(cost_rank(&arms[job % arms.len()])));
    let results: Vec<ArmFoldResult> = longest_first(&order, |job| {
        let (f, a) = (job / arms.len(), job % arms.len());
        let result = prepared[f].evaluate_arm(&arms[a], a, spec, seed);
        progress(EvalProgress::ArmDone);
        result
    });
    let outcomes: Vec<FoldOutcome> = prepared
        .par_iter()
        .map(|p| p.references(dataset, truth))
        .collect();
    let result_of = |f: usize, a: usize| &results[f * arms.len() + a];

    let arm_results = arms
        .iter()
        .enumerate()
        .map(|(a, arm)| {
            let overall: Vec<&MetricSet> =
                (0..outcomes.len()).map(|f| &result_of(f, a).0).collect();
            let by_segment = Segment::ALL
                .iter()
                .filter_map(|&segment| {
                    let sets: Vec<&MetricSet> = (0..outcomes.len())
                        .filter_map(|f| {
                            result_of(f, a)
                                .1
                                .iter()
                                .find(|(s, _)| *s == segment)
                                .map(|(_, m)| m)
                        })
                        .collect();
                    (!sets.is_empty()).then(|| SegmentSummary {
                        segment,
                        metrics: SummaryRow::over_folds(&sets),
                    })
                })
                .collect();
            ArmEvaluation {
                arm: arm.name().to_owned(),
                overall: SummaryRow::over_folds(&overall),
                by_segment,
                per_fold: overall.into_iter().cloned().collect(),
            }
        })
        .collect();
    let mut names = vec!["global_mean", "bias_baseline"];
    if truth.is_some() {
        names.push("truth");
    }
    let rating_references = names
        .iter()
        .enumerate()
        .map(|(r, &predictor)| {
            let values = |pick: fn(&ErrorPair) -> Option<f64>| {
                let v: Vec<f64> = outcomes
                    .iter()
                    .filter_map(|o| pick(&o.references[r]))
                    .collect();
                MeanInterval::of(&v)
            };
            ReferenceRow {
                predictor,
                rmse: values(|x| x.0),
                mae: values(|x| x.1),
            }
        })
        .collect();
    let floors: Vec<f64> = outcomes.iter().filter_map(|o| o.noise_floor).collect();
    Ok(OfflineEvaluation {
        format_version: EVAL_FORMAT_VERSION,
        name: dataset.name.clone(),
        seed,
        settings: spec.clone(),
        data: DataStats {
            n_users: dataset.population.len(),
            n_items: dataset.catalogue.len(),
            n_ratings: dataset.ratings.len(),
            n_genres: dataset.catalogue.genre_names.len(),
            long_tail_max_votes: dataset.catalogue.long_tail_max_votes,
            n_superseded: dataset.n_superseded,
        },
        folds: outcomes.iter().map(|o| o.stats.clone()).collect(),
        arms: arm_results,
        rating_references,
        noise_floor_rmse: MeanInterval::of(&floors),
    })
}

/// A rough rank of how long an arm takes to train and score on a fold (higher:
/// longer), from profiles of MovieLens 100k. Used only to start long jobs first;
/// results do not depend on it.
fn cost_rank(arm: &ArmSpec) -> u8 {
    match arm {
        ArmSpec::Svd { .. } => 8,
        ArmSpec::ItemCf { .. } => 7,
        ArmSpec::Graph { .. } => 6,
        ArmSpec::Serendipity { .. } => 5,
        ArmSpec::PureSvd { .. } => 4,
        ArmSpec::Embeddings { .. } => 3,
        ArmSpec::LongTail { .. } => 2,
        ArmSpec::Popularity | ArmSpec::Oracle { .. } => 1,
        ArmSpec::Random => 0,
    }
}

/// `run(job)` for every job `0..order.len()`, returned in job order; the jobs are
/// started in `order` (a permutation) from one shared queue by every thread of the
/// pool, so the longest, put first, do not end up last on one thread while the
/// others idle (a parallel iterator splits the jobs into halves by position).
/// Each job runs on its own, so the result does not depend on the threads.
fn longest_first<T: Send>(order: &[usize], run: impl Fn(usize) -> T + Sync) -> Vec<T> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<T>>> = order.iter().map(|_| Mutex::new(None)).collect();
    rayon::scope(|scope| {
        for _ in 0..rayon::current_num_threads().min(order.len()) {
            scope.spawn(|_| {
                while let Some(&job) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let value = run(job);
                    *slots[job]
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(value);
                }
            });
        }
    });
    slots
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .expect("every job of the permutation ran")
        })
        .collect()
}

/// What beyond-accuracy metrics need from a fold's catalogue and training set.
fn features_of(dataset: &Dataset, catalogue: &Catalogue, train: &[Interaction]) -> ItemFeatures {
    let mut popularity = vec![0u64; catalogue.len()];
    let mut users = vec![false; dataset.population.len()];
    for r in train {
        popularity[r.movie.index()] += 1;
        users[r.user.index()] = true;
    }
    let has_content = catalogue.movies.iter().all(|m| !m.content.is_empty());
    ItemFeatures::new(
        popularity,
        Some(users.iter().filter(|&&u| u).count()),
        catalogue
            .movies
            .iter()
            .map(|m| catalogue.is_long_tail(m.id))
            .collect(),
        catalogue
            .movies
            .iter()
            .map(|m| m.genres.iter().map(|g| u32::from(g.0)).collect())
            .collect(),
        catalogue.genre_names.len(),
        has_content.then(|| {
            catalogue
                .movies
                .iter()
                .map(|m| m.content.iter().map(|&x| f64::from(x)).collect())
                .collect()
        }),
    )
}

/// One fold made ready for its arms: training data, each tested user's case without
/// a list, and what the metrics need.
struct PreparedFold<'a> {
    index: usize,
    n_validation: usize,
    train: Vec<Interaction>,
    catalogue: std::borrow::Cow<'a, Catalogue>,
    population: &'a Population,
    /// Per user: training items, sorted (the arms' `seen`).
    seen: BTreeMap<u32, Vec<MovieId>>,
    /// Per user with a test rating: the test ratings.
    tests: BTreeMap<u32, Vec<Interaction>>,
    /// One case per tested user, in id order, with an empty list.
    template: Vec<UserCase>,
    features: ItemFeatures,
    settings: MetricSettings,
    now: SimSecs,
}

impl<'a> PreparedFold<'a> {
    fn new(
        dataset: &'a Dataset,
        fold: &Fold,
        index: usize,
        spec: &EvaluationSpec,
        seed: u64,
    ) -> Self {
        let train: Vec<Interaction> = fold.train.iter().map(|&i| dataset.ratings[i]).collect();
        let catalogue = dataset.catalogue_for(&train);
        let mut seen: BTreeMap<u32, Vec<MovieId>> = BTreeMap::new();
        for r in &train {
            seen.entry(r.user.0).or_default().push(r.movie);
        }
        for items in seen.values_mut() {
            items.sort_unstable();
            items.dedup();
        }
        let mut tests: BTreeMap<u32, Vec<Interaction>> = BTreeMap::new();
        for &i in &fold.test {
            let r = dataset.ratings[i];
            tests.entry(r.user.0).or_default().push(r);
        }
        let now = train.last().map_or(0, |r| r.time_secs + 1);
        let k = spec.k;
        let features = features_of(dataset, &catalogue, &train);
        let mut prepared = Self {
            index,
            n_validation: fold.validation.len(),
            catalogue,
            population: &dataset.population,
            seen,
            tests,
            template: Vec::new(),
            features,
            settings: MetricSettings {
                k,
                gain: spec.gain,
                serendipity_min_dissimilarity: spec.serendipity_min_dissimilarity,
                homogenisation_users: spec.homogenisation_users,
                calibration_alpha: DEFAULT_CALIBRATION_ALPHA,
            },
            now,
            train,
        };
        // The popularity baseline's lists: the "expected" items of serendipity.
        let mut baseline = Popularity::new(&prepared.catalogue);
        baseline.fit(&prepared.data());
        // Popularity never draws, so any stream will do.
        let mut rng = SeedTree::new(seed).stream(Purpose::EvaluationArm, u64::MAX);
        let mut scratch: Vec<Scored> = Vec::with_capacity(k);
        let mut template: Vec<UserCase> = Vec::with_capacity(prepared.tests.len());
        for (&user, ratings) in &prepared.tests {
            prepared.recommend(user, &baseline, k, &mut rng, &mut scratch);
            let mut expected: Vec<u32> = scratch.iter().map(|s| s.movie.0).collect();
            expected.sort_unstable();
            let grades: BTreeMap<u32, f64> = ratings
                .iter()
                .map(|r| (r.movie.0, f64::from(r.value)))
                .collect();
            template.push(UserCase {
                user,
                segment: Some(prepared.segment(user)),
                list: Vec::new(),
                relevance: Relevance::new(grades, spec.relevance_threshold)
                    .expect("validation: threshold > 0, ratings finite"),
                profile: prepared.seen_of(user).iter().map(|m| m.0).collect(),
                expected,
                predictions: Vec::new(),
            });
        }
        prepared.template = template;
        prepared
    }

    fn data(&self) -> TrainingData<'_> {
        TrainingData {
            catalogue: &self.catalogue,
            population: self.population,
            interactions: &self.train,
        }
    }

    fn segment(&self, user: u32) -> Segment {
        self.population.users[user as usize].segment
    }

    fn seen_of(&self, user: u32) -> &[MovieId] {
        self.seen.get(&user).map_or(&[], Vec::as_slice)
    }

    fn recommend(
        &self,
        user: u32,
        arm: &dyn Recommender,
        k: usize,
        rng: &mut crate::rng::ChaCha8Rng,
        out: &mut Vec<Scored>,
    ) {
        let no_recent = vec![0u16; self.catalogue.genre_names.len()];
        let context = Context::offline(self.segment(user));
        let request = Request {
            user: UserId(user),
            context: &context,
            seen: self.seen_of(user),
            time_secs: self.now,
            session_position: 1,
            recent_genre_counts: &no_recent,
        };
        arm.recommend(&request, k, rng, out);
    }

    /// Trains arm `a` of the stack on this fold and scores its lists and predictions.
    fn evaluate_arm(
        &self,
        arm_spec: &ArmSpec,
        a: usize,
        spec: &EvaluationSpec,
        seed: u64,
    ) -> ArmFoldResult {
        let unit = ((self.index as u64) << 16) | a as u64;
        let mut arm = ArmFactory::for_catalogue(&self.catalogue, SeedTree::new(seed))
            .build(arm_spec, unit)
            .expect("every arm was built once before the folds");
        arm.fit(&self.data());
        let mut rng = SeedTree::new(seed).stream(Purpose::EvaluationArm, unit);
        let lists = self.lists(arm.as_ref(), spec.k, &mut rng, LIST_BATCH);
        // Every test rating's prediction at once (arms share per-movie work).
        let pairs: Vec<(UserId, MovieId)> = self
            .template
            .iter()
            .flat_map(|case| self.tests[&case.user].iter().map(|r| (r.user, r.movie)))
            .collect();
        let mut predicted = Vec::with_capacity(pairs.len());
        arm.predict_ratings(&pairs, &mut predicted);
        let mut predicted = predicted.into_iter();
        let cases: Vec<UserCase> = self
            .template
            .iter()
            .zip(lists)
            .map(|(case, list)| {
                let predictions = self.tests[&case.user]
                    .iter()
                    .zip(predicted.by_ref())
                    .filter_map(|(r, p)| p.map(|p| (p, f64::from(r.value))))
                    .collect();
                UserCase {
                    list,
                    predictions,
                    ..case.clone()
                }
            })
            .collect();
        metric_sets_by_segment(&cases, &self.features, &self.settings)
    }

    /// The arm's top-`k` list of every tested user, in template (user id) order.
    ///
    /// An arm that draws per request ([`ListReuse::Never`]: random) lists user by
    /// user from `rng`, one stream over users in id order. Any other arm's lists
    /// depend on its model alone — the contract that lets the replay reuse them — so
    /// they are asked `batch` users at a time ([`Recommender::recommend_many`]: an
    /// arm that scans the catalogue reads it once per batch), each with a copy of
    /// `rng` it does not draw from; the lists are those of one request at a time.
    fn lists(
        &self,
        arm: &dyn Recommender,
        k: usize,
        rng: &mut crate::rng::ChaCha8Rng,
        batch: usize,
    ) -> Vec<Vec<u32>> {
        let mut scratch: Vec<Scored> = Vec::with_capacity(k);
        if arm.list_reuse() == ListReuse::Never || batch <= 1 {
            return self
                .template
                .iter()
                .map(|case| {
                    self.recommend(case.user, arm, k, rng, &mut scratch);
                    scratch.iter().map(|s| s.movie.0).collect()
                })
                .collect();
        }
        let no_recent = vec![0u16; self.catalogue.genre_names.len()];
        let contexts: Vec<Context> = self
            .template
            .iter()
            .map(|case| Context::offline(self.segment(case.user)))
            .collect();
        let mut lists = Vec::with_capacity(self.template.len());
        let mut outs: Vec<Vec<Scored>> = Vec::new();
        for (cases, contexts) in self.template.chunks(batch).zip(contexts.chunks(batch)) {
            let requests: Vec<Request<'_>> = cases
                .iter()
                .zip(contexts)
                .map(|(case, context)| Request {
                    user: UserId(case.user),
                    context,
                    seen: self.seen_of(case.user),
                    time_secs: self.now,
                    session_position: 1,
                    recent_genre_counts: &no_recent,
                })
                .collect();
            let mut rngs = vec![rng.clone(); requests.len()];
            outs.resize_with(requests.len(), || Vec::with_capacity(k));
            arm.recommend_many(&requests, k, &mut rngs, &mut outs[..requests.len()]);
            lists.extend(
                outs[..requests.len()]
                    .iter()
                    .map(|out| out.iter().map(|s| s.movie.0).collect::<Vec<u32>>()),
            );
        }
        lists
    }

    /// The fold's sizes and the reference predictors' errors.
    fn references(&self, dataset: &Dataset, truth: Option<RatingTruth<'_>>) -> FoldOutcome {
        let bias = BiasBaseline::fit(&self.train, dataset.population.len(), self.catalogue.len());
        let tested: Vec<&Interaction> = self.tests.values().flatten().collect();
        let pairs = |predict: &dyn Fn(&Interaction) -> f64| -> ErrorPair {
            let pairs: Vec<(f64, f64)> = tested
                .iter()
                .map(|r| (predict(r), f64::from(r.value)))
                .collect();
            (rmse(&pairs), mae(&pairs))
        };
        let mut references = vec![
            pairs(&|_| bias.mean()),
            pairs(&|r| bias.predict(r.user, r.movie)),
        ];
        let mut noise_floor = None;
        if let Some(truth) = truth {
            let moments: Vec<(f64, f64)> = tested
                .iter()
                .map(|r| truth.moments(r.user, r.movie))
                .collect();
            references.push({
                let pairs: Vec<(f64, f64)> = moments
                    .iter()
                    .zip(&tested)
                    .map(|(&(mean, _), r)| (mean, f64::from(r.value)))
                    .collect();
                (rmse(&pairs), mae(&pairs))
            });
            noise_floor = (!moments.is_empty()).then(|| {
                (moments.iter().map(|&(_, var)| var).sum::<f64>() / moments.len() as f64).sqrt()
            });
        }
        FoldOutcome {
            stats: FoldStats {
                index: self.index,
                n_train: self.train.len(),
                n_validation: self.n_validation,
                n_test: tested.len(),
                n_test_users: self.tests.len(),
            },
            references,
            noise_floor,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn jobs_run_from_the_queue_come_back_in_job_order() {
        let order = [3, 0, 4, 2, 1];
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let got = pool.install(|| longest_first(&order, |job| job * 10));
            assert_eq!(got, [0, 10, 20, 30, 40], "{threads} threads");
        }
        assert!(longest_first(&[], |job: usize| job).is_empty());
    }
    use crate::scenario::Scenario;
    use crate::world::World;

    #[test]
    fn batched_lists_are_the_lists_of_one_user_at_a_time() {
        // Every arm kind but the oracle on a small generated world, with its content
        // views and without them (as a real log: the content arms learn vectors):
        // lists asked 7 users at a time (batches cut users of one segment apart) must
        // be the lists asked one by one, and the random arm must still draw from the
        // one stream in user order.
        let scenario = Scenario::from_ron_str(
            "(catalogue: (n_movies: 150, n_people: 40, n_keywords: 20),
              population: (n_users: 60), horizon: (days: 1, warm_up_days: 5))",
            Path::new("t.ron"),
            "t",
        )
        .unwrap();
        let world = World::generate(&scenario, &SeedTree::new(4));
        let with_views = Dataset::from_world("t", &world);
        let mut without = with_views.clone();
        for m in &mut without.catalogue.movies {
            m.content.clear();
            m.text_view.clear();
            m.image_view.clear();
        }
        let arms: Vec<ArmSpec> = ArmSpec::all_defaults()
            .into_iter()
            .filter(|a| !a.reads_truth())
            .collect();
        let eval = &scenario.spec().evaluation;
        for dataset in [&with_views, &without] {
            let fold = &folds(&eval.protocol, &dataset.ratings, 4)[0];
            let prepared = PreparedFold::new(dataset, fold, 0, eval, 4);
            assert!(prepared.template.len() > 20);
            for (a, arm_spec) in arms.iter().enumerate() {
                let mut arm = ArmFactory::for_catalogue(&prepared.catalogue, SeedTree::new(4))
                    .build(arm_spec, a as u64)
                    .unwrap();
                arm.fit(&prepared.data());
                let rng = SeedTree::new(4).stream(Purpose::EvaluationArm, a as u64);
                let one = prepared.lists(arm.as_ref(), 10, &mut rng.clone(), 1);
                let many = prepared.lists(arm.as_ref(), 10, &mut rng.clone(), 7);
                assert_eq!(one, many, "{}", arm.name());
                assert!(one.iter().any(|l| l.len() == 10), "{}", arm.name());
            }
        }
    }
}

//! Pipeline step 2's hyper-parameter search (`pipeline.gate.search`): before the
//! gate, every searched arm of the stack is trained once per configuration of its
//! grid on the run's training part and scored on the validation set; the best
//! configuration per arm is the candidate the gate then judges on the test set.
//!
//! - **Grid** ([`grid`]): for every `Svd` arm the product of `svd.factors` ×
//!   `svd.learning_rate` × `svd.regularisation` in that order (factors slowest), for
//!   every `ItemCf` arm `item_cf.neighbours`; a field left out keeps the arm's own
//!   value. Other arms are not searched.
//! - **Sample** ([`sample_indices`]): with `search.sample: Some(n)`, `n` of an arm's
//!   configurations drawn without replacement from stream
//!   `(PipelineSearch, version · 2^8 + arm)`, tried in grid order.
//! - **Training**: each configuration of arm `a` is built with the training unit the
//!   candidate's arm `a` has ([`super::training_run::fit_candidate`]), so every
//!   configuration starts from the same random draws (a paired comparison), on the
//!   run's log less the test and validation sets. Configurations are trained and
//!   scored in parallel (rayon) and collected in order, so the result does not
//!   depend on the number of threads.
//! - **Validation** ([`super::version_eval::evaluate_arm`]): the protocol of the
//!   gate's evaluation on the validation set's sampled users, request draws from
//!   stream `(PipelineValidation, arm · 2^32 + user)` — the same for every
//!   configuration of an arm.
//! - **Choice** ([`choose`]): the best `search.metric`; a configuration without a
//!   finite value ranks last; ties go to the earliest in grid order.
//! - **Refit** ([`search_and_refit`]): the chosen settings fitted again, with the
//!   same training units, on the log less the test set — training + validation —
//!   which is the candidate the gate judges on the test set.
//!
//! Every searched version is searched the same way, version 1 (the fit at day 0 on
//! the warm-up history, [`super::initial_version`]) included.

use rand::RngExt;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::ids::UserId;
use crate::interaction::Interaction;
use crate::recommend::{ArmBuildError, ArmFactory, Arms, TrainingData};
use crate::rng::{ChaCha8Rng, Purpose, SeedTree};
use crate::scenario::Scenario;
use crate::scenario::spec::{ArmSpec, GateMetric, SearchSpec};
use crate::world::World;

use super::split::HoldOut;
use super::training_run::{GateData, candidate_unit, fit_candidate};
use super::version_eval::{TestSet, evaluate_arm};

/// One configuration an arm was trained with, and its validation score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Configuration {
    /// The arm's settings (every field, as a stack arm is written).
    pub settings: ArmSpec,
    /// Its value of the search metric on the validation set; `None` when it has
    /// none (no relevant validation movie, or an arm without ratings for RMSE) or
    /// it is not finite (a diverged model).
    pub score: Option<f64>,
}

/// The search of one arm of the stack.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArmSearch {
    /// Arm name.
    pub arm: String,
    /// Its index in `stack.arms`.
    pub index: usize,
    /// Configurations in its whole grid.
    pub grid_size: usize,
    /// The configurations tried, in grid order.
    pub configurations: Vec<Configuration>,
    /// Index in `configurations` of the chosen one.
    pub chosen: usize,
}

/// What a run's search tried and chose (`search` of a `model_updates.json` entry).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchLog {
    /// The metric the configurations were ranked by.
    pub metric: String,
    /// Validation users scored.
    pub n_users: usize,
    /// Validation ratings of those users.
    pub n_validation: usize,
    /// Interactions each configuration was trained on: the run's log less the test
    /// and validation sets.
    pub n_train: usize,
    /// Interactions the chosen settings were then fitted again on — the log less the
    /// test set, validation included: the candidate the gate judges (the entry's
    /// `n_interactions`); 0 from [`search`] alone, which fits nothing again.
    pub n_refit: usize,
    /// Every searched arm, in stack order.
    pub arms: Vec<ArmSearch>,
}

impl SearchLog {
    /// `arm_specs` with every searched arm's chosen settings: the candidate's arms.
    #[must_use]
    pub fn chosen_specs(&self, arm_specs: &[ArmSpec]) -> Vec<ArmSpec> {
        let mut specs = arm_specs.to_vec();
        for arm in &self.arms {
            specs[arm.index] = arm.configurations[arm.chosen].settings.clone();
        }
        specs
    }
}

/// The validation set of a gate with a search, and the users it scores.
#[derive(Clone, Debug, PartialEq)]
pub struct Validation {
    /// Held-out validation ratings.
    pub hold: HoldOut,
    /// Up to `gate.eval_users` users with validation ratings, in id order.
    pub users: Vec<UserId>,
}

/// Every configuration `search` declares for `arm`, in grid order; `None` when the
/// arm is not searched.
#[must_use]
pub fn grid(arm: &ArmSpec, search: &SearchSpec) -> Option<Vec<ArmSpec>> {
    match (arm, search.svd.as_ref(), search.item_cf.as_ref()) {
        (
            ArmSpec::Svd {
                factors,
                learning_rate,
                regularisation,
                ..
            },
            Some(ranges),
            _,
        ) => {
            let fs = ranges.factors.clone().unwrap_or_else(|| vec![*factors]);
            let lrs = ranges
                .learning_rate
                .clone()
                .unwrap_or_else(|| vec![*learning_rate]);
            let regs = ranges
                .regularisation
                .clone()
                .unwrap_or_else(|| vec![*regularisation]);
            let mut out = Vec::with_capacity(fs.len() * lrs.len() * regs.len());
            for &f in &fs {
                for &lr in &lrs {
                    for &reg in &regs {
                        let mut spec = arm.clone();
                        if let ArmSpec::Svd {
                            factors,
                            learning_rate,
                            regularisation,
                            ..
                        } = &mut spec
                        {
                            (*factors, *learning_rate, *regularisation) = (f, lr, reg);
                        }
                        out.push(spec);
                    }
                }
            }
            Some(out)
        }
        (ArmSpec::ItemCf { neighbours, .. }, _, Some(ranges)) => {
            let ns = ranges
                .neighbours
                .clone()
                .unwrap_or_else(|| vec![*neighbours]);
            Some(
                ns.into_iter()
                    .map(|n| {
                        let mut spec = arm.clone();
                        if let ArmSpec::ItemCf { neighbours, .. } = &mut spec {
                            *neighbours = n;
                        }
                        spec
                    })
                    .collect(),
            )
        }
        _ => None,
    }
}

/// Indices of the configurations tried out of `n`: all of them without `sample` or
/// when it is at least `n`; else `sample` drawn without replacement by a partial
/// Fisher–Yates shuffle from `rng` (one draw per index taken), in ascending order.
#[must_use]
pub fn sample_indices(n: usize, sample: Option<usize>, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let mut all: Vec<usize> = (0..n).collect();
    let Some(k) = sample.filter(|&k| k < n) else {
        return all;
    };
    for i in 0..k {
        let j = rng.random_range(i..n);
        all.swap(i, j);
    }
    all.truncate(k);
    all.sort_unstable();
    all
}

/// Index of the best of `scores` under `metric`: the highest (the lowest for RMSE)
/// finite score; `None` and non-finite scores rank last; ties go to the lowest
/// index. `0` when no score is finite.
#[must_use]
pub fn choose(scores: &[Option<f64>], metric: GateMetric) -> usize {
    let mut best: Option<(usize, f64)> = None;
    for (i, s) in scores.iter().enumerate() {
        let Some(v) = s.filter(|v| v.is_finite()) else {
            continue;
        };
        let better = match best {
            None => true,
            Some((_, b)) if metric.higher_is_better() => v > b,
            Some((_, b)) => v < b,
        };
        if better {
            best = Some((i, v));
        }
    }
    best.map_or(0, |(i, _)| i)
}

/// The search of training run `version`: every searched arm of `arm_specs` trained
/// per configuration on `train` and scored on `validation`.
///
/// # Errors
///
/// An arm cannot be built (as [`super::training_run::fit_candidate`]).
///
/// # Determinism
///
/// Each configuration's model and score are functions of (scenario, version, arm,
/// settings) alone; results are collected in grid order.
#[allow(clippy::too_many_arguments)]
pub fn search(
    scenario: &Scenario,
    seeds: &SeedTree,
    world: &World,
    search: &SearchSpec,
    arm_specs: &[ArmSpec],
    train: &[Interaction],
    validation: &Validation,
    version: u32,
) -> Result<SearchLog, ArmBuildError> {
    let spec = scenario.spec();
    let k = spec.stack.slate_size;
    let set = TestSet::new(
        &validation.hold,
        train,
        validation.users.clone(),
        world.population.len(),
    );
    // (arm, grid size, configurations tried).
    let mut plans: Vec<(usize, usize, Vec<ArmSpec>)> = Vec::new();
    for (a, arm) in arm_specs.iter().enumerate() {
        let Some(configs) = grid(arm, search) else {
            continue;
        };
        let unit = (u64::from(version) << 8) | (a as u64 & 0xFF);
        let mut rng = seeds.stream(Purpose::PipelineSearch, unit);
        let tried = sample_indices(configs.len(), search.sample, &mut rng)
            .into_iter()
            .map(|i| configs[i].clone())
            .collect();
        plans.push((a, configs.len(), tried));
    }
    let jobs: Vec<(usize, &ArmSpec)> = plans
        .iter()
        .flat_map(|(a, _, tried)| tried.iter().map(move |s| (*a, s)))
        .collect();
    let factory = ArmFactory::new(world, *seeds, spec.context.fatigue.window);
    let data = TrainingData {
        catalogue: &world.catalogue,
        population: &world.population,
        interactions: train,
    };
    let scores: Vec<Result<(String, Option<f64>), ArmBuildError>> = jobs
        .par_iter()
        .map(|&(a, settings)| {
            let mut arm = factory.build(settings, candidate_unit(version, a))?;
            arm.fit(&data);
            let name = arm.name();
            let metrics = if set.n_users() == 0 {
                None
            } else {
                Some(evaluate_arm(
                    arm.as_ref(),
                    a,
                    name,
                    &set,
                    world,
                    k,
                    seeds,
                    Purpose::PipelineValidation,
                ))
            };
            let score = metrics
                .and_then(|m| m.get(search.metric))
                .filter(|v| v.is_finite());
            Ok((name.to_owned(), score))
        })
        .collect();
    let mut scores = scores.into_iter();
    let mut arms = Vec::with_capacity(plans.len());
    for (a, grid_size, tried) in plans {
        let mut name = String::new();
        let mut configurations = Vec::with_capacity(tried.len());
        for settings in tried {
            let (n, score) = scores.next().expect("one score per job")?;
            name = n;
            configurations.push(Configuration { settings, score });
        }
        let values: Vec<Option<f64>> = configurations.iter().map(|c| c.score).collect();
        arms.push(ArmSearch {
            arm: name,
            index: a,
            grid_size,
            chosen: choose(&values, search.metric),
            configurations,
        });
    }
    Ok(SearchLog {
        metric: search.metric.name().to_owned(),
        n_users: set.n_users(),
        n_validation: validation
            .users
            .iter()
            .map(|u| validation.hold.test[u].len())
            .sum(),
        n_train: train.len(),
        n_refit: 0,
        arms,
    })
}

/// A searched version: its arms, fitted again with the chosen settings on training
/// and validation data, and what the search tried.
pub struct Searched {
    /// The candidate's arms.
    pub arms: Arms,
    /// The search, with `n_refit` the interactions the arms were fitted on.
    pub log: SearchLog,
}

/// Step 2 with a search, for training run `version` on `log` (everything so far):
/// [`search`] on `data`'s search training part ([`GateData::search_train`]) and
/// validation set; then every arm of `arm_specs`, the searched ones with their
/// chosen settings, fitted on `data`'s training part ([`GateData::train`]: the log
/// less the test set, the validation ratings included) by [`fit_candidate`].
///
/// Fitting the chosen settings again on training + validation is the usual last
/// step of a validation search (Hastie, Tibshirani & Friedman, *The Elements of
/// Statistical Learning*, 2nd ed., §7.2, 7.10): the validation ratings have done
/// their work once the settings are chosen, and a model that learns from them too
/// is the better estimate of what those settings give; the test set stays untouched
/// for the gate. The refitted model was not itself scored on validation (it has seen
/// those ratings), so a configuration's score says how its settings rank, not what
/// the candidate scores.
///
/// # Errors
///
/// An arm cannot be built (as [`fit_candidate`]).
///
/// # Panics
///
/// When `data` has no validation set (a gate without `search`).
///
/// # Determinism
///
/// As [`search`] and [`fit_candidate`]: the refit uses the training units of
/// candidate `version`, the ones its configurations were trained with.
#[allow(clippy::too_many_arguments)]
pub fn search_and_refit(
    scenario: &Scenario,
    seeds: &SeedTree,
    world: &World,
    ranges: &SearchSpec,
    arm_specs: &[ArmSpec],
    data: &GateData,
    log: &[Interaction],
    version: u32,
) -> Result<Searched, ArmBuildError> {
    let validation = data
        .validation
        .as_ref()
        .expect("a gate with a search draws a validation set");
    let mut searched = search(
        scenario,
        seeds,
        world,
        ranges,
        arm_specs,
        &data.search_train(log),
        validation,
        version,
    )?;
    let train = data.train(log);
    let chosen = searched.chosen_specs(arm_specs);
    let arms = fit_candidate(scenario, seeds, world, &chosen, &train, version)?;
    searched.n_refit = train.len();
    Ok(Searched {
        arms,
        log: searched,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::spec::{ItemCfSearch, SvdSearch};

    fn svd() -> ArmSpec {
        ArmSpec::Svd {
            factors: 32,
            learning_rate: 0.01,
            regularisation: 0.05,
            epochs: 20,
            update_epochs: 3,
            init_sd: 0.1,
        }
    }

    #[test]
    fn the_grid_is_the_product_in_declared_order_and_keeps_unlisted_fields() {
        let search = SearchSpec {
            svd: Some(SvdSearch {
                factors: Some(vec![16, 64]),
                learning_rate: None,
                regularisation: Some(vec![0.02, 0.1, 0.2]),
            }),
            ..SearchSpec::default()
        };
        let g = grid(&svd(), &search).unwrap();
        assert_eq!(g.len(), 6);
        let got: Vec<(usize, f64, f64)> = g
            .iter()
            .map(|s| match s {
                ArmSpec::Svd {
                    factors,
                    learning_rate,
                    regularisation,
                    epochs,
                    ..
                } => {
                    assert_eq!(*epochs, 20);
                    (*factors, *learning_rate, *regularisation)
                }
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(
            got,
            [
                (16, 0.01, 0.02),
                (16, 0.01, 0.1),
                (16, 0.01, 0.2),
                (64, 0.01, 0.02),
                (64, 0.01, 0.1),
                (64, 0.01, 0.2)
            ]
        );
        // Arms without ranges are not searched.
        assert_eq!(grid(&ArmSpec::Popularity, &search), None);
        let cf = ArmSpec::ItemCf {
            similarity: crate::scenario::spec::SimilarityKind::default(),
            shrinkage: 10.0,
            neighbours: 50,
            warm_start: crate::scenario::spec::ItemCfWarmStart::default(),
            full_fit_every: 4,
        };
        assert_eq!(grid(&cf, &search), None);
        let with_cf = SearchSpec {
            item_cf: Some(ItemCfSearch {
                neighbours: Some(vec![20, 80]),
            }),
            ..search
        };
        let g = grid(&cf, &with_cf).unwrap();
        assert!(
            matches!(g[..], [ArmSpec::ItemCf { neighbours: 20, shrinkage, .. }, ArmSpec::ItemCf { neighbours: 80, .. }] if shrinkage == 10.0)
        );
    }

    #[test]
    fn a_sample_is_distinct_sorted_and_the_whole_grid_without_one() {
        let mut rng = SeedTree::new(4).stream(Purpose::PipelineSearch, 512);
        assert_eq!(sample_indices(5, None, &mut rng), [0, 1, 2, 3, 4]);
        assert_eq!(sample_indices(5, Some(9), &mut rng), [0, 1, 2, 3, 4]);
        let s = sample_indices(27, Some(6), &mut rng);
        assert_eq!(s.len(), 6);
        assert!(s.windows(2).all(|w| w[0] < w[1]) && s[5] < 27, "{s:?}");
        // The same stream position gives the same sample.
        let again = |u| {
            sample_indices(
                27,
                Some(6),
                &mut SeedTree::new(4).stream(Purpose::PipelineSearch, u),
            )
        };
        assert_eq!(again(600), again(600));
        assert_ne!(again(600), again(601));
    }

    #[test]
    fn the_best_score_wins_ties_go_to_the_first_and_missing_scores_lose() {
        // Hand-made scores: nDCG, higher is better; index 1 and 3 tie at 0.3.
        let s = [Some(0.1), Some(0.3), None, Some(0.3), Some(f64::NAN)];
        assert_eq!(choose(&s, GateMetric::Ndcg), 1);
        // RMSE, lower is better: 0.1 at index 0; NaN and None never win.
        assert_eq!(choose(&s, GateMetric::Rmse), 0);
        assert_eq!(choose(&[None, Some(f64::INFINITY)], GateMetric::Ndcg), 0);
        assert_eq!(choose(&[None, Some(0.0)], GateMetric::Rmse), 1);
    }
}

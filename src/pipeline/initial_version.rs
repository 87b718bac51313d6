//! Model version 1: every arm of the stack fitted at day 0 on the warm-up history,
//! before the replay serves its first request.
//!
//! - Without `pipeline.gate`: on the whole warm-up history.
//! - With it: on the warm-up history less the gate's test set ([`GateData::train`]),
//!   so that no version is ever scored on ratings it learned from.
//! - With `pipeline.gate.search`: searched like every later version
//!   ([`search_and_refit`]) — the configurations trained on the warm-up history less
//!   the test and validation sets and scored on the validation set, the chosen
//!   settings fitted again on the warm-up history less the test set. Its arms are
//!   then built with candidate version 1's training units (those the search trained
//!   its configurations with), not the replay's, so the refitted model starts from
//!   the draws its settings were scored with.
//!
//! The entry for `model_updates.json` comes with the arms: a searched version 1 logs
//! its search as every searched run does.

use crate::interaction::Interaction;
use crate::recommend::{ArmBuildError, ArmFactory, Arms, TrainingData};
use crate::rng::SeedTree;
use crate::scenario::Scenario;
use crate::world::World;

use super::schedule::{ModelUpdateLog, UpdateDecision};
use super::search::search_and_refit;
use super::training_run::GateData;

/// Model version 1 and its `model_updates.json` entry.
pub struct InitialVersion {
    /// The stack's arms, fitted.
    pub arms: Arms,
    /// Version 1's entry: deployed at time 0, with its search when searched.
    pub log: ModelUpdateLog,
}

/// Fits model version 1 of `scenario` (see the module doc).
///
/// # Errors
///
/// An arm cannot be built (an embeddings arm's vector file).
///
/// # Determinism
///
/// A function of the scenario and seed: the gate's sets are drawn from their own
/// streams as [`GateData::draw`] draws them, the search as [`search_and_refit`].
/// A resumed run fits version 1 again with it and gets the same arms and entry.
pub fn fit_initial_version(
    scenario: &Scenario,
    seeds: &SeedTree,
    world: &World,
) -> Result<InitialVersion, ArmBuildError> {
    let spec = scenario.spec();
    let warm_up = &world.warm_up;
    let entry = |n_interactions| ModelUpdateLog {
        n_interactions,
        ..ModelUpdateLog::new(1, 0, UpdateDecision::Deployed)
    };
    let plain = |train: &[Interaction]| -> Result<InitialVersion, ArmBuildError> {
        let factory = ArmFactory::new(world, *seeds, spec.context.fatigue.window);
        let mut arms = Arms::build(&spec.stack.arms, &factory)?;
        arms.fit(&TrainingData {
            catalogue: &world.catalogue,
            population: &world.population,
            interactions: train,
        });
        Ok(InitialVersion {
            arms,
            log: entry(train.len()),
        })
    };
    let Some(gate) = &spec.pipeline.gate else {
        return plain(warm_up);
    };
    let data = GateData::draw(gate, warm_up, seeds);
    let Some(ranges) = &gate.search else {
        return plain(&data.train(warm_up));
    };
    let searched = search_and_refit(
        scenario,
        seeds,
        world,
        ranges,
        &spec.stack.arms,
        &data,
        warm_up,
        1,
    )?;
    let n_refit = searched.log.n_refit;
    Ok(InitialVersion {
        arms: searched.arms,
        log: ModelUpdateLog {
            search: Some(Box::new(searched.log)),
            ..entry(n_refit)
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::training_run::fit_candidate;
    // The smoke world with popularity, random, SVD and item CF and a given pipeline.
    use crate::pipeline::training_run::tests::smoke_with_stack as setup;
    use crate::pipeline::version_eval::{TestSet, evaluate_version};

    const SEARCHED: &str = "pipeline: (retrain_every_hours: 12.0, gate: (eval_users: 200, \
        search: (svd: (factors: [2, 16]), item_cf: (neighbours: [5, 40]))))";

    #[test]
    fn an_unsearched_version_one_learns_from_the_warm_up_less_the_test_set() {
        let (scenario, world, seeds) = setup("pipeline: (retrain_every_hours: 12.0)");
        let v1 = fit_initial_version(&scenario, &seeds, &world).unwrap();
        assert_eq!(
            v1.log,
            ModelUpdateLog {
                n_interactions: world.warm_up.len(),
                ..ModelUpdateLog::new(1, 0, UpdateDecision::Deployed)
            }
        );
        let (scenario, world, seeds) =
            setup("pipeline: (retrain_every_hours: 12.0, gate: (eval_users: 200))");
        let v1 = fit_initial_version(&scenario, &seeds, &world).unwrap();
        let gate = scenario.spec().pipeline.gate.as_ref().unwrap();
        let data = GateData::draw(gate, &world.warm_up, &seeds);
        assert_eq!(v1.log.n_interactions, data.train(&world.warm_up).len());
        assert!(v1.log.n_interactions < world.warm_up.len());
        assert_eq!(v1.log.search, None);
    }

    #[test]
    fn a_searched_version_one_is_its_choice_refitted_on_training_and_validation() {
        let (scenario, world, seeds) = setup(SEARCHED);
        let in_threads = |n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .unwrap()
                .install(|| fit_initial_version(&scenario, &seeds, &world).unwrap())
        };
        let v1 = in_threads(2);
        assert_eq!(v1.log, in_threads(1).log);
        let search = v1.log.search.as_deref().expect("version 1 is searched");
        let shape: Vec<(&str, usize, usize)> = search
            .arms
            .iter()
            .map(|a| (a.arm.as_str(), a.index, a.configurations.len()))
            .collect();
        assert_eq!(shape, [("svd", 2, 2), ("item_cf", 3, 2)]);
        assert!(search.n_users > 0 && search.n_validation > 0);

        // Trained on the warm-up less the test and validation sets, refitted on the
        // warm-up less the test set.
        let gate = scenario.spec().pipeline.gate.as_ref().unwrap();
        let data = GateData::draw(gate, &world.warm_up, &seeds);
        let train = data.train(&world.warm_up);
        assert_eq!(search.n_train, data.search_train(&world.warm_up).len());
        assert_eq!(
            (search.n_refit, v1.log.n_interactions),
            (train.len(), train.len())
        );
        assert!(search.n_train < search.n_refit);

        // The arms are the chosen settings fitted on that, with candidate version 1's
        // units: the same metrics on the gate's test set, to the bit.
        let chosen = search.chosen_specs(&scenario.spec().stack.arms);
        let direct = fit_candidate(&scenario, &seeds, &world, &chosen, &train, 1).unwrap();
        let set = TestSet::new(
            &data.hold,
            &train,
            data.users.clone(),
            world.population.len(),
        );
        let k = scenario.spec().stack.slate_size;
        assert_eq!(
            evaluate_version(&v1.arms, &set, &world, k, &seeds),
            evaluate_version(&direct, &set, &world, k, &seeds)
        );
    }
}

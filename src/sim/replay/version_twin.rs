//! `pipeline.evaluate_versions`: offline metrics of every warm-started version in a
//! run without a gate, so `summary.json`'s `retrain_variance` can report how much
//! they vary across retrains (docs/TRAINING_PIPELINE.md).
//!
//! The deployed arms learned from every warm-up rating, so no held-out set is left
//! to score them on. Beside them the replay keeps a *twin*: the same arms fitted on
//! the warm-up history less the gate's default test set ([`GateData::draw`] with
//! [`GateSpec::default`], stream `(PipelineSplit, 0)`; training streams those of
//! candidate version 1, [`fit_candidate`]), then warm-started at every training run
//! with exactly the interactions the deployed arms take in. After each run the twin
//! is scored on the test set with [`evaluate_version`] (the gate's step 3, the same
//! users and draws every run), and the scores become the run's `evaluation`:
//! `candidate` the new version, `deployed` the version before it (the previous
//! run's scores, or the twin scored before its first update). The twin never
//! serves: the deployed arms, their streams and everything a user sees are those of
//! a run without the field.
//!
//! The twin is not checkpointed: training is deterministic, so a resumed run fits
//! it again and takes in every logged update once more ([`Replay::catch_up`]), and
//! the scores of the runs before the stop are in the checkpointed log.

use std::ops::Range;

use super::*;
use crate::pipeline::VersionEvaluation;
use crate::pipeline::version_eval::{ArmMetrics, TestSet, evaluate_version};

/// The deployed arms' evaluation twin.
pub(super) struct VersionTwin {
    /// Its test set and evaluation users.
    data: GateData,
    /// The stack's arms, trained without the test set.
    arms: Arms,
}

impl Replay<'_> {
    /// The twin, fitted on the warm-up history less its test set when not built yet;
    /// `None` without `pipeline.evaluate_versions` (or with a gate).
    fn twin(&mut self, seeds: &SeedTree) -> std::io::Result<Option<&mut VersionTwin>> {
        let spec = self.scenario.spec();
        if !spec.pipeline.evaluate_versions || spec.pipeline.gate.is_some() {
            return Ok(None);
        }
        if self.twin.is_none() {
            let world = self.world;
            let data = GateData::draw(&GateSpec::default(), &world.warm_up, seeds);
            let train = data.train(&world.warm_up);
            let arms = fit_candidate(self.scenario, seeds, world, &spec.stack.arms, &train, 1)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
            self.twin = Some(VersionTwin { data, arms });
        }
        Ok(self.twin.as_mut())
    }

    /// The twin takes in `self.log[new]`, as the deployed arms did, with the log up
    /// to its end less the test set as context.
    ///
    /// # Errors
    ///
    /// `InvalidData` when an arm of the twin cannot be built.
    pub(super) fn update_twin(
        &mut self,
        seeds: &SeedTree,
        new: Range<usize>,
    ) -> std::io::Result<()> {
        let world = self.world;
        if self.twin(seeds)?.is_none() {
            return Ok(());
        }
        let twin = self.twin.as_mut().expect("built just above");
        let train = twin.data.train(&self.log[..new.end]);
        twin.arms.update(
            &TrainingData {
                catalogue: &world.catalogue,
                population: &world.population,
                interactions: &train,
            },
            &self.log[new],
        );
        Ok(())
    }

    /// The scores of the version serving before this run: the last evaluated run's,
    /// or the twin (still version 1) scored now. `None` without the field.
    ///
    /// # Errors
    ///
    /// As [`Replay::update_twin`].
    pub(super) fn twin_previous_metrics(
        &mut self,
        seeds: &SeedTree,
    ) -> std::io::Result<Option<(u32, Vec<ArmMetrics>)>> {
        if self.twin(seeds)?.is_none() {
            return Ok(None);
        }
        let logged = self
            .model_updates
            .iter()
            .rev()
            .find_map(|u| Some((u.version, u.evaluation.as_ref()?.candidate.clone())));
        Ok(Some(match logged {
            Some(previous) => previous,
            None => (1, self.score_twin(seeds).1),
        }))
    }

    /// (held-out ratings of the scored users, every arm's metrics) of the twin.
    fn score_twin(&self, seeds: &SeedTree) -> (usize, Vec<ArmMetrics>) {
        let twin = self.twin.as_ref().expect("a twin with evaluate_versions");
        let world = self.world;
        let train = twin.data.train(&self.log);
        let set = TestSet::new(
            &twin.data.hold,
            &train,
            twin.data.users.clone(),
            world.population.len(),
        );
        if set.n_users() == 0 {
            return (0, Vec::new());
        }
        let k = self.scenario.spec().stack.slate_size;
        let n_test = twin
            .data
            .users
            .iter()
            .map(|u| twin.data.hold.test[u].len())
            .sum();
        (n_test, evaluate_version(&twin.arms, &set, world, k, seeds))
    }

    /// Scores the twin after this run's update into the run's log entry, against
    /// `previous` ([`Replay::twin_previous_metrics`]).
    pub(super) fn evaluate_twin(
        &mut self,
        seeds: &SeedTree,
        previous: Option<(u32, Vec<ArmMetrics>)>,
    ) {
        let Some((deployed_version, deployed)) = previous else {
            return;
        };
        let (n_test, candidate) = self.score_twin(seeds);
        let n_users = self.twin.as_ref().map_or(0, |t| t.data.users.len());
        let entry = self
            .model_updates
            .last_mut()
            .expect("the run's entry was just logged");
        entry.evaluation = Some(VersionEvaluation {
            deployed_version,
            n_test,
            n_users,
            candidate,
            deployed,
            worst_change: None,
            failures: Vec::new(),
            reason: "evaluated offline (pipeline.evaluate_versions); a warm start is deployed \
                     without a gate"
                .to_owned(),
        });
    }
}

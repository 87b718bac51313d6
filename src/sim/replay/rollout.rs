//! A staged rollout inside the replay (docs/TRAINING_PIPELINE.md#staged-rollout):
//! its start, its checks and what they decide — advance, complete or roll back to
//! the previous version and static weights.

use super::*;

impl Replay<'_> {
    /// Starts the staged rollout of `version` (deployed at `at`) against `previous`,
    /// trained on the first `previous_log_len` interactions.
    pub(super) fn start_rollout(
        &mut self,
        spec: &RolloutSpec,
        seeds: &SeedTree,
        (version, previous, previous_log_len): (u32, u32, usize),
        at: SimSecs,
    ) {
        let rollout = Rollout::start(
            spec,
            seeds,
            self.users.len(),
            (version, previous, previous_log_len),
            at,
        );
        self.log_rollout(&rollout, None);
        // The previous version's users keep their lists ([`Shared::serving`]).
        self.rollout = Some(rollout);
    }

    /// Copies the log of `rollout` into its version's entry of `model_updates`, with
    /// the version's new decision if any.
    pub(super) fn log_rollout(&mut self, rollout: &Rollout, decision: Option<UpdateDecision>) {
        if let Some(entry) = self
            .model_updates
            .iter_mut()
            .rev()
            .find(|m| m.version == rollout.version)
        {
            entry.rollout = Some(rollout.log.clone());
            if let Some(d) = decision {
                entry.decision = d;
            }
        }
    }

    /// Which users (by index) the previous version serves in this window, during a
    /// rollout.
    pub(super) fn on_previous(&self) -> Option<Vec<bool>> {
        let spec = self.scenario.spec().pipeline.rollout.as_ref()?;
        let r = self.rollout.as_ref()?;
        Some((0..self.users.len()).map(|u| !r.on_new(spec, u)).collect())
    }

    /// The rollout's check at `at` ([`Rollout::check`]), and what it decides: an
    /// advance widens the new version's share; a completion retires the previous
    /// arms; a rollback restores them for everyone and disables every bandit in
    /// favour of static weights (the plan's rollback plan).
    pub(super) fn check_rollout(
        &mut self,
        arms: &mut Arms,
        previous_arms: &mut Option<Arms>,
        at: SimSecs,
    ) {
        let spec = self
            .scenario
            .spec()
            .pipeline
            .rollout
            .as_ref()
            .expect("a rollout with pipeline.rollout");
        let mut rollout = self.rollout.take().expect("a rollout under way");
        match rollout.check(spec, at) {
            Step::Hold | Step::Advance(_) => {
                self.log_rollout(&rollout, None);
                self.rollout = Some(rollout);
            }
            Step::Complete => {
                self.log_rollout(&rollout, None);
                *previous_arms = None;
            }
            Step::RollBack => {
                self.log_rollout(&rollout, Some(UpdateDecision::RolledBack));
                *arms = previous_arms
                    .take()
                    .expect("the previous arms of a rollout");
                let gate = self.gate.as_mut().expect("a rollout needs a gate");
                gate.serving = rollout.previous;
                gate.serving_log_len = rollout.previous_log_len;
                for state in &mut self.users {
                    state.revision = rollout.previous;
                }
                let until = spec
                    .static_hours
                    .map_or(SimSecs::MAX, |h| at + (h * 3_600.0).round() as SimSecs);
                self.fallback = Some((self.fallback_policy(), until));
            }
        }
    }

    /// The static policy that replaces the bandits after a rollback.
    pub(super) fn fallback_policy(&self) -> StaticWeights {
        let spec = self.scenario.spec();
        let rollout = spec
            .pipeline
            .rollout
            .as_ref()
            .expect("a fallback with pipeline.rollout");
        let names: Vec<(&str, bool)> = spec
            .stack
            .arms
            .iter()
            .map(|a| (a.name(), a.is_selectable()))
            .collect();
        let weights = fallback_weights(rollout, &names);
        StaticWeights::new(
            spec.stack
                .arms
                .iter()
                .map(|a| weights.get(a.name()).copied().unwrap_or(0.0))
                .collect(),
        )
    }
}

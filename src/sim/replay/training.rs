//! The training pipeline inside the replay (docs/TRAINING_PIPELINE.md): one
//! training run — warm start, or a gated candidate — and, on resume, the catch-up
//! that fits the serving models again from the logged runs.

use super::*;

impl Replay<'_> {
    /// Brings `arms`, fitted on the warm-up log (less the gate's test set with
    /// `pipeline.gate`), `schedule` and the pending `faults` to where a restored
    /// replay left them, and returns the latest model version. Without a gate every
    /// logged update is taken in again on the same slice of the log (a failed run
    /// took in nothing; a corrupted batch is shuffled again as it was); with one, the
    /// serving candidate is fitted again on the log it was trained on, with the
    /// faults of its run. Training and faults are deterministic, so these are the
    /// models the interrupted run served.
    ///
    /// # Errors
    ///
    /// `InvalidData` when an arm cannot be built again.
    pub(super) fn catch_up(
        &mut self,
        seeds: &SeedTree,
        arms: &mut Arms,
        previous_arms: &mut Option<Arms>,
        schedule: &mut RetrainSchedule,
        faults: &mut FaultQueue,
    ) -> std::io::Result<u32> {
        let world = self.world;
        let mut end = world.warm_up.len();
        // The serving candidate's run: its faults and the time of the run before it.
        let mut serving_run: Option<(RunFaults, SimSecs)> = None;
        // During a rollout, the previous version's run likewise.
        let mut previous_run: Option<(RunFaults, SimSecs)> = None;
        for n in 1..self.model_updates.len() {
            let update = &self.model_updates[n];
            let previous_at = self.model_updates[n - 1].time_secs;
            let (at, version, decision) = (update.time_secs, update.version, update.decision);
            let due = schedule.due(at);
            debug_assert_eq!(due, Some(at));
            if decision == UpdateDecision::Skipped {
                continue;
            }
            let hit = faults.take_due(at);
            if decision == UpdateDecision::Failed {
                continue;
            }
            if self.rollout.as_ref().is_some_and(|r| r.previous == version) {
                previous_run = Some((hit, previous_at));
            }
            match &self.gate {
                None => {
                    let start = end;
                    end += update.n_interactions;
                    let corruption = hit
                        .corrupt_batch
                        .then(|| corrupt_batch(&mut self.log[..end], previous_at, seeds, version));
                    arms.update(
                        &TrainingData {
                            catalogue: &world.catalogue,
                            population: &world.population,
                            interactions: &self.log[..end],
                        },
                        &self.log[start..end],
                    );
                    self.update_twin(seeds, start..end)?;
                    if let Some(c) = corruption {
                        c.restore(&mut self.log);
                    }
                }
                Some(gate) if gate.serving == version => serving_run = Some((hit, previous_at)),
                Some(_) => {}
            }
        }
        if let (Some(gate), Some(run)) = (&self.gate, serving_run) {
            let (serving, len) = (gate.serving, gate.serving_log_len);
            *arms = self.fit_again(seeds, serving, len, run)?;
        }
        if let Some(r) = &self.rollout {
            let (previous, len) = (r.previous, r.previous_log_len);
            *previous_arms = Some(match previous_run {
                Some(run) => self.fit_again(seeds, previous, len, run)?,
                // Version 1, fitted at day 0.
                None => fit_arms(self.scenario, seeds, world)?.arms,
            });
        }
        Ok(self.model_updates.last().map_or(1, |u| u.version))
    }

    /// Gated version `version` fitted again on the first `len` interactions of the
    /// log, with the faults of its `run` (and the time of the run before it).
    pub(super) fn fit_again(
        &mut self,
        seeds: &SeedTree,
        version: u32,
        len: usize,
        (hit, previous_at): (RunFaults, SimSecs),
    ) -> std::io::Result<Arms> {
        let spec = self.scenario.spec();
        let corruption = hit
            .corrupt_batch
            .then(|| corrupt_batch(&mut self.log[..len], previous_at, seeds, version));
        let gate = self.gate.as_ref().expect("a gated run");
        let train = gate.data.train(&self.log[..len]);
        if let Some(c) = corruption {
            c.restore(&mut self.log);
        }
        let specs = hit.lr_factor.map(|f| diverged_arms(&spec.stack.arms, f));
        let specs = specs.as_deref().unwrap_or(&spec.stack.arms);
        // With a search, the settings it chose for this version.
        let chosen = self
            .model_updates
            .iter()
            .find(|u| u.version == version)
            .and_then(|u| u.search.as_ref())
            .map(|s| s.chosen_specs(specs));
        let specs = chosen.as_deref().unwrap_or(specs);
        fit_candidate(self.scenario, seeds, self.world, specs, &train, version)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }

    /// One training run of model `version` at `at` (docs/TRAINING_PIPELINE.md): the
    /// faults due at it are applied ([`FaultQueue::start_run`]: a failed job or a run
    /// over its work budget is logged and trains nothing); then the arms warm-start,
    /// or with `pipeline.gate` a candidate is trained and gated and replaces `arms`
    /// when deployed; a corrupted batch is put back afterwards. With
    /// `pipeline.rollout`, a deployed candidate starts a staged rollout and the
    /// arms it replaced are returned (they serve the other users); a run due while a
    /// rollout is under way is skipped.
    ///
    /// # Errors
    ///
    /// As [`Replay::gated_update`].
    pub(super) fn training_run(
        &mut self,
        seeds: &SeedTree,
        arms: &mut Arms,
        faults: &mut FaultQueue,
        at: SimSecs,
        version: u32,
    ) -> std::io::Result<Option<Arms>> {
        let spec = self.scenario.spec();
        if let Some(r) = &self.rollout {
            self.model_updates.push(ModelUpdateLog {
                fault: Some(format!(
                    "skipped: version {} is being rolled out",
                    r.version
                )),
                ..ModelUpdateLog::new(version, at, UpdateDecision::Skipped)
            });
            return Ok(None);
        }
        let mut replaced = None;
        let plan = RunPlan {
            version,
            at,
            previous_at: self.model_updates.last().map_or(0, |m| m.time_secs),
            n_window: if spec.pipeline.gate.is_some() {
                self.log.len()
            } else {
                self.new_since_update
            },
            n_arms: spec.stack.arms.len(),
        };
        let hit = match faults.start_run(plan, spec.pipeline.work_budget, &mut self.log, seeds) {
            RunStart::Failed(entry) => {
                self.model_updates.push(*entry);
                return Ok(None);
            }
            RunStart::Train(hit) => hit,
        };
        match &spec.pipeline.gate {
            None => {
                let previous = self.twin_previous_metrics(seeds)?;
                self.update_arms(arms, at, version);
                let end = self.log.len();
                let start = end - self.model_updates.last().map_or(0, |u| u.n_interactions);
                self.update_twin(seeds, start..end)?;
                self.evaluate_twin(seeds, previous);
            }
            Some(gate) => {
                let specs = hit.lr_factor.map(|f| diverged_arms(&spec.stack.arms, f));
                let specs = specs.as_deref().unwrap_or(&spec.stack.arms);
                let previous = self.gate.as_ref().map(|g| (g.serving, g.serving_log_len));
                if let Some(candidate) = self.gated_update(seeds, arms, gate, specs, at, version)? {
                    let old = std::mem::replace(arms, candidate);
                    if let (Some(rollout), Some((serving, len))) =
                        (&spec.pipeline.rollout, previous)
                    {
                        self.start_rollout(rollout, seeds, (version, serving, len), at);
                        replaced = Some(old);
                    }
                }
            }
        }
        if let Some(entry) = self.model_updates.last_mut() {
            entry.fault = hit.note();
        }
        if let Some(c) = hit.corruption {
            c.restore(&mut self.log);
        }
        Ok(replaced)
    }

    /// Pipeline step 5, continuous learning: every arm warm-starts on the
    /// interactions since the last update (model `version`, logged at `at`).
    pub(super) fn update_arms(&mut self, arms: &mut Arms, at: SimSecs, version: u32) {
        let world = self.world;
        let new = &self.log[self.log.len() - self.new_since_update..];
        arms.update(
            &TrainingData {
                catalogue: &world.catalogue,
                population: &world.population,
                interactions: &self.log,
            },
            new,
        );
        for i in new {
            self.users[i.user.index()].revision = version;
        }
        self.model_updates.push(ModelUpdateLog {
            window_start_secs: Some(self.last_update_secs),
            n_interactions: self.new_since_update,
            warm_start: true,
            ..ModelUpdateLog::new(version, at, UpdateDecision::Deployed)
        });
        self.last_update_secs = at;
        self.new_since_update = 0;
    }

    /// A gated training run (`pipeline.gate`, [`gated_run`]) of model `version` at
    /// `at` against the `deployed` arms: logged, and the candidate returned when the
    /// gate passed it (every user's lists are then recomputed).
    pub(super) fn gated_update(
        &mut self,
        seeds: &SeedTree,
        deployed: &Arms,
        gate: &GateSpec,
        arm_specs: &[ArmSpec],
        at: SimSecs,
        version: u32,
    ) -> std::io::Result<Option<Arms>> {
        let state = self.gate.as_mut().expect("a gate with pipeline.gate");
        let run = gated_run(
            self.scenario,
            seeds,
            self.world,
            gate,
            arm_specs,
            &state.data,
            &self.log,
            deployed,
            state.serving,
            version,
            at,
        )
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        self.model_updates.push(run.log);
        if run.deployed.is_some() {
            state.serving = version;
            state.serving_log_len = self.log.len();
            for state in &mut self.users {
                state.revision = version;
            }
        }
        Ok(run.deployed)
    }
}

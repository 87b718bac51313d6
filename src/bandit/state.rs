//! The persisted bandit state (the plan's `BanditState` table), versioned.
//!
//! Version 2, written as `bandit_state.json` in every report whose stack learns:
//!
//! ```text
//! { "format": "recolab-bandit-state", "version": 2, "scenario": …, "arms": [names],
//!   "slots": [ { "experiment", "variant", "policy", "context_features", "prior",
//!                "discount", "pooling", "rng": {key, stream, word_pos} | null,
//!                "global": [ {arm, successes, failures} ],
//!                "contexts": [ {context, arms: [ {arm, successes, failures,
//!                               alpha, beta, mean, probability_best} ]} ] } ] }
//! ```
//!
//! Only `successes`/`failures` (the evidence) and the stream position are read back;
//! `alpha`, `beta`, `mean` and `probability_best` are derived for readers. A state
//! restored into the same scenario continues bit for bit: the split-run test checks it.
//!
//! Version 1 was the plan's flat table: `{"version": 1, "rows": [{"context",
//! "algorithm", "alpha", "beta", "updated_at"}]}` with raw Beta parameters under a
//! Beta(1, 1) prior and no stream position. [`upgrade`] turns it into version 2
//! (`recolab migrate FILE`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::rng::RngPosition;
use crate::scenario::spec::ContextFeature;
use crate::sim::{SlotPolicy, VariantKey};

use super::context_key::ContextKeys;
use super::posterior::BetaTable;

/// The current version of the bandit-state format.
pub const BANDIT_STATE_VERSION: u32 = 2;

/// The format tag of version 2 files.
pub const BANDIT_STATE_FORMAT: &str = "recolab-bandit-state";

/// Cells of [`BetaTable::probability_best`] in written files.
const PROBABILITY_BEST_CELLS: usize = 512;

/// Why a bandit-state file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The file could not be read or written.
    #[error("{}: {source}; fix: name a readable, writable bandit-state file (a report's `bandit_state.json`)", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a bandit state of a known shape.
    #[error("{}: not a recolab bandit state: {message}; fix: pass the `bandit_state.json` a report wrote", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        message: String,
    },
    /// A version this build does not know.
    #[error("{}: bandit-state version {found} is not supported; fix: use version 1 or 2 (upgrade older files with `recolab migrate`)", path.display())]
    Version {
        /// The file.
        path: PathBuf,
        /// The version found.
        found: u64,
    },
    /// The state does not fit the scenario it should resume.
    #[error("{}: the saved state does not fit the scenario: {what}", path.display())]
    Mismatch {
        /// The file.
        path: PathBuf,
        /// What differs, with both values.
        what: String,
    },
}

/// A whole version-2 file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BanditStateFile {
    /// Always [`BANDIT_STATE_FORMAT`].
    pub format: String,
    /// Always [`BANDIT_STATE_VERSION`].
    pub version: u32,
    /// The scenario that produced it.
    pub scenario: String,
    /// Arm names in id order.
    pub arms: Vec<String>,
    /// One entry per policy slot (slot 0 = the default stack).
    pub slots: Vec<SlotState>,
}

/// One policy slot's state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotState {
    /// Experiment id, `null` outside experiments.
    pub experiment: Option<String>,
    /// Variant name.
    pub variant: String,
    /// Policy name.
    pub policy: String,
    /// Features of the context key (empty for non-learning policies).
    pub context_features: Vec<ContextFeature>,
    /// Prior Beta(α₀, β₀).
    pub prior: Option<(f64, f64)>,
    /// Forgetting factor.
    pub discount: Option<f64>,
    /// Pooled-prior strength.
    pub pooling: Option<f64>,
    /// The policy stream's position; `null` = restart from the scenario's stream.
    pub rng: Option<RngState>,
    /// Evidence per arm over all contexts.
    pub global: Vec<ArmEvidence>,
    /// Evidence per context key (every key, in key order).
    pub contexts: Vec<ContextState>,
}

/// A stream position in JSON-friendly form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RngState {
    /// The ChaCha key, 64 hex digits.
    pub key: String,
    /// The ChaCha stream.
    pub stream: u64,
    /// Words consumed, in decimal (a u128).
    pub word_pos: String,
}

/// One context key's evidence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextState {
    /// Key name, e.g. `evening/weekend`.
    pub context: String,
    /// Per arm, in id order.
    pub arms: Vec<ArmEvidence>,
}

/// One arm's evidence, with derived posterior values for readers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArmEvidence {
    /// Arm name.
    pub arm: String,
    /// Successes (fractional with blending or forgetting).
    pub successes: f64,
    /// Failures.
    pub failures: f64,
    /// Derived: posterior α (pooled prior included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpha: Option<f64>,
    /// Derived: posterior β.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beta: Option<f64>,
    /// Derived: posterior mean.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    /// Derived: posterior probability that this arm is the best in the context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability_best: Option<f64>,
}

impl RngState {
    fn of(p: &RngPosition) -> Self {
        Self {
            key: p.key.iter().map(|b| format!("{b:02x}")).collect(),
            stream: p.stream,
            word_pos: p.word_pos.to_string(),
        }
    }

    fn position(&self) -> Option<RngPosition> {
        if self.key.len() != 64 || !self.key.is_ascii() {
            return None;
        }
        let mut key = [0u8; 32];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&self.key[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(RngPosition {
            key,
            stream: self.stream,
            word_pos: self.word_pos.parse().ok()?,
        })
    }
}

impl BanditStateFile {
    /// The state of a run's policies.
    #[must_use]
    pub fn from_slots(scenario: &str, arms: &[&str], slots: &[SlotPolicy]) -> Self {
        let evidence = |arm: usize, [s, f]: [f64; 2]| ArmEvidence {
            arm: arms[arm].to_owned(),
            successes: s,
            failures: f,
            alpha: None,
            beta: None,
            mean: None,
            probability_best: None,
        };
        Self {
            format: BANDIT_STATE_FORMAT.into(),
            version: BANDIT_STATE_VERSION,
            scenario: scenario.to_owned(),
            arms: arms.iter().map(|&a| a.to_owned()).collect(),
            slots: slots
                .iter()
                .map(|slot| {
                    let t = slot.table.as_ref();
                    SlotState {
                        experiment: slot.key.experiment.clone(),
                        variant: slot.key.variant.clone(),
                        policy: slot.key.policy.clone(),
                        context_features: t
                            .map(|t| t.keys().features().to_vec())
                            .unwrap_or_default(),
                        prior: t.map(BetaTable::prior),
                        discount: t.and_then(BetaTable::discount),
                        pooling: t.map(BetaTable::pooling),
                        rng: Some(RngState::of(&slot.rng)),
                        global: t
                            .map(|t| (0..t.n_arms()).map(|a| evidence(a, t.global(a))).collect())
                            .unwrap_or_default(),
                        contexts: t
                            .map(|t| {
                                (0..t.keys().len())
                                    .map(|key| {
                                        let best = t.probability_best(key, PROBABILITY_BEST_CELLS);
                                        ContextState {
                                            context: t.keys().name(key),
                                            arms: (0..t.n_arms())
                                                .map(|a| {
                                                    let (alpha, beta) = t.posterior(key, a);
                                                    ArmEvidence {
                                                        alpha: Some(alpha),
                                                        beta: Some(beta),
                                                        mean: Some(alpha / (alpha + beta)),
                                                        probability_best: Some(best[a]),
                                                        ..evidence(a, t.evidence(key, a))
                                                    }
                                                })
                                                .collect(),
                                        }
                                    })
                                    .collect()
                            })
                            .unwrap_or_default(),
                    }
                })
                .collect(),
        }
    }

    /// Pretty JSON with a final newline.
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a bandit state always serialises");
        s.push('\n');
        s
    }

    /// Reads a file of any supported version, upgrading version 1 on the fly.
    ///
    /// # Errors
    ///
    /// [`StateError`] naming the file.
    pub fn read(path: &Path) -> Result<Self, StateError> {
        let text = std::fs::read_to_string(path).map_err(|source| StateError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses text of any supported version; `path` names it in errors.
    ///
    /// # Errors
    ///
    /// [`StateError`] naming `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Self, StateError> {
        let parse = |message: String| StateError::Parse {
            path: path.to_owned(),
            message,
        };
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| parse(e.to_string()))?;
        match value.get("version").and_then(serde_json::Value::as_u64) {
            Some(1) => {
                let v1: V1File = serde_json::from_value(value).map_err(|e| parse(e.to_string()))?;
                upgrade(v1, path)
            }
            Some(2) => serde_json::from_value(value).map_err(|e| parse(e.to_string())),
            Some(found) => Err(StateError::Version {
                path: path.to_owned(),
                found,
            }),
            None => Err(parse("no numeric `version` field".into())),
        }
    }

    /// The slot states for a run whose slots are `keys` and arms `arms`, filling
    /// missing stream positions from `fresh` (the scenario's own streams).
    ///
    /// # Errors
    ///
    /// [`StateError::Mismatch`] when arms, slots, policies or context keys differ.
    pub fn to_slots(
        &self,
        path: &Path,
        arms: &[&str],
        slots: &[SlotPolicy],
    ) -> Result<Vec<SlotPolicy>, StateError> {
        let mismatch = |what: String| StateError::Mismatch {
            path: path.to_owned(),
            what,
        };
        if self.arms != arms {
            return Err(mismatch(format!(
                "arms {:?} were saved, the scenario has {arms:?}",
                self.arms
            )));
        }
        if self.slots.len() != slots.len() {
            return Err(mismatch(format!(
                "{} policy slot(s) were saved, the scenario has {}",
                self.slots.len(),
                slots.len()
            )));
        }
        let mut out = Vec::with_capacity(slots.len());
        for (saved, fresh) in self.slots.iter().zip(slots) {
            let key = VariantKey {
                experiment: saved.experiment.clone(),
                variant: saved.variant.clone(),
                policy: saved.policy.clone(),
            };
            if key != fresh.key {
                return Err(mismatch(format!(
                    "slot {:?}/{} ({}) was saved where the scenario has {:?}/{} ({})",
                    key.experiment,
                    key.variant,
                    key.policy,
                    fresh.key.experiment,
                    fresh.key.variant,
                    fresh.key.policy
                )));
            }
            let table = match &fresh.table {
                None => None,
                Some(fresh_table) => {
                    if saved.context_features != fresh_table.keys().features() {
                        let names = |f: &[ContextFeature]| {
                            let v: Vec<&str> = f.iter().map(|f| f.name()).collect();
                            format!("[{}]", v.join(", "))
                        };
                        return Err(mismatch(format!(
                            "slot {}: context features {} were saved, the scenario uses {}; \
                             fix: resume with the same `context` features",
                            saved.variant,
                            names(&saved.context_features),
                            names(fresh_table.keys().features())
                        )));
                    }
                    let keys = fresh_table.keys();
                    let n_arms = arms.len();
                    let mut evidence = vec![[0.0; 2]; keys.len() * n_arms];
                    for c in &saved.contexts {
                        let key = keys.parse(&c.context).ok_or_else(|| {
                            mismatch(format!("unknown context key {:?}", c.context))
                        })?;
                        if c.arms.len() != n_arms {
                            return Err(mismatch(format!(
                                "context {:?} has {} arm(s), expected {n_arms}",
                                c.context,
                                c.arms.len()
                            )));
                        }
                        for (a, e) in c.arms.iter().enumerate() {
                            evidence[key * n_arms + a] = [e.successes, e.failures];
                        }
                    }
                    if saved.global.len() != n_arms {
                        return Err(mismatch(format!(
                            "slot {}: global evidence has {} arm(s), expected {n_arms}",
                            saved.variant,
                            saved.global.len()
                        )));
                    }
                    let global = saved
                        .global
                        .iter()
                        .map(|e| [e.successes, e.failures])
                        .collect();
                    let mut table = fresh_table.clone();
                    table.set_evidence(evidence, global);
                    Some(table)
                }
            };
            let rng = match &saved.rng {
                None => fresh.rng,
                Some(r) => r.position().ok_or_else(|| {
                    mismatch(format!("slot {}: unreadable rng {r:?}", saved.variant))
                })?,
            };
            out.push(SlotPolicy {
                key: fresh.key.clone(),
                table,
                rng,
            });
        }
        Ok(out)
    }
}

/// Version 1: the plan's flat `BanditState` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct V1File {
    /// Always 1.
    pub version: u32,
    /// One row per (context, algorithm).
    pub rows: Vec<V1Row>,
}

/// One row of a version-1 table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct V1Row {
    /// Context key name, e.g. `evening/weekday`.
    pub context: String,
    /// Arm name.
    pub algorithm: String,
    /// Beta α, prior Beta(1, 1) included.
    pub alpha: f64,
    /// Beta β, prior included.
    pub beta: f64,
    /// Simulated seconds of the last update (dropped in version 2).
    #[serde(default)]
    pub updated_at: Option<i64>,
}

/// Upgrades a version-1 table to version 2.
///
/// Evidence = (α − 1, β − 1) (version 1 stored Beta parameters under a Beta(1, 1)
/// prior, without pooling); arms in order of first appearance; context features
/// inferred from the key names; global evidence = the sum over contexts; no stream
/// position (a resumed run restarts the policy stream); one Thompson slot "default".
///
/// # Errors
///
/// [`StateError::Parse`] for a context value that names no feature, or keys of
/// different shapes.
pub fn upgrade(v1: V1File, path: &Path) -> Result<BanditStateFile, StateError> {
    let parse = |message: String| StateError::Parse {
        path: path.to_owned(),
        message,
    };
    let mut arms: Vec<String> = Vec::new();
    for row in &v1.rows {
        if !arms.contains(&row.algorithm) {
            arms.push(row.algorithm.clone());
        }
    }
    let features: Vec<ContextFeature> = match v1.rows.first() {
        None => Vec::new(),
        Some(row) if row.context == "all" => Vec::new(),
        Some(row) => row
            .context
            .split('/')
            .map(|v| {
                ContextKeys::feature_of_value(v)
                    .ok_or_else(|| parse(format!("context value {v:?} names no context feature")))
            })
            .collect::<Result<_, _>>()?,
    };
    let keys = ContextKeys::new(&features);
    let n_arms = arms.len();
    let mut table = vec![[0.0; 2]; keys.len() * n_arms];
    for row in &v1.rows {
        let key = keys.parse(&row.context).ok_or_else(|| {
            parse(format!(
                "context {:?} does not match {:?}",
                row.context,
                keys.name(0)
            ))
        })?;
        let arm = arms
            .iter()
            .position(|a| *a == row.algorithm)
            .expect("collected above");
        table[key * n_arms + arm] = [(row.alpha - 1.0).max(0.0), (row.beta - 1.0).max(0.0)];
    }
    let mut global = vec![[0.0; 2]; n_arms];
    for (i, cell) in table.iter().enumerate() {
        global[i % n_arms][0] += cell[0];
        global[i % n_arms][1] += cell[1];
    }
    let evidence = |arm: usize, [s, f]: [f64; 2]| ArmEvidence {
        arm: arms[arm].clone(),
        successes: s,
        failures: f,
        alpha: None,
        beta: None,
        mean: None,
        probability_best: None,
    };
    Ok(BanditStateFile {
        format: BANDIT_STATE_FORMAT.into(),
        version: BANDIT_STATE_VERSION,
        scenario: String::new(),
        arms: arms.clone(),
        slots: vec![SlotState {
            experiment: None,
            variant: "default".into(),
            policy: "thompson".into(),
            context_features: features,
            prior: Some((1.0, 1.0)),
            discount: None,
            pooling: Some(0.0),
            rng: None,
            global: (0..n_arms).map(|a| evidence(a, global[a])).collect(),
            contexts: (0..keys.len())
                .map(|key| ContextState {
                    context: keys.name(key),
                    arms: (0..n_arms)
                        .map(|a| evidence(a, table[key * n_arms + a]))
                        .collect(),
                })
                .collect(),
        }],
    })
}

/// What [`migrate_file`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Migration {
    /// The file was upgraded from this version.
    Upgraded {
        /// The version found.
        from: u32,
    },
    /// The file already had the current version.
    Current,
}

/// Upgrades a bandit-state file in place to the current version. The new file is
/// written beside it and renamed over it, so a failure leaves the old file intact.
///
/// # Errors
///
/// [`StateError`] naming the file.
pub fn migrate_file(path: &Path) -> Result<Migration, StateError> {
    let text = std::fs::read_to_string(path).map_err(|source| StateError::Io {
        path: path.to_owned(),
        source,
    })?;
    let value: Option<u64> = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("version").and_then(serde_json::Value::as_u64));
    let state = BanditStateFile::parse(&text, path)?;
    if value == Some(u64::from(BANDIT_STATE_VERSION)) {
        return Ok(Migration::Current);
    }
    let tmp = path.with_extension("json.migrating");
    let io = |source| StateError::Io {
        path: path.to_owned(),
        source,
    };
    std::fs::write(&tmp, state.to_json()).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)?;
    Ok(Migration::Upgraded {
        from: u32::try_from(value.unwrap_or(1)).unwrap_or(1),
    })
}

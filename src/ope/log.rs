//! The logged requests an off-policy estimator reads, from `events.jsonl` or straight
//! from a replay, and the oracle stamps kept apart from them.

use std::io::BufRead;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::bandit::{ArmChoice, ArmSet, Feedback, RewardRule};
use crate::ids::ArmId;
use crate::scenario::spec::RewardSpec;
use crate::sim::{EVENT_LOG_VERSION, EventSink, RecommendationEvent};
use crate::world::Context;

use super::error::OpeError;

/// One logged request as production would hold it: context, the arm set served, the
/// response, and the logging policy's propensities. No truth.
#[derive(Clone, Debug, PartialEq)]
pub struct LoggedEvent {
    /// The user (the bootstrap's cluster, the reward model's fold).
    pub user: u32,
    /// The context at selection time.
    pub context: Context,
    /// The logging policy's choices and confidences (target policies learn from
    /// them as the logging policy did).
    pub choices: Vec<ArmChoice>,
    /// The arm set served, order ignored: the action.
    pub set: ArmSet,
    /// The user's response.
    pub feedback: Feedback,
    /// The logging policy's probability of `set`.
    pub propensity: f64,
    /// The logging policy's probability of choosing each arm.
    pub arm_propensities: Vec<f64>,
}

/// What only the simulator knows about a logged request (the oracle stamps).
#[derive(Clone, Debug, PartialEq)]
pub struct EventTruth {
    /// The true click probability of the shown slate.
    pub expected_click: f64,
    /// The true expected reward of the shown slate (with exact regret).
    pub expected_reward: Option<f64>,
    /// The true expected reward of each arm's own slate (with exact regret).
    pub arm_expected_rewards: Option<Vec<f64>>,
}

/// A whole log: events in request order and, beside them, their truth.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OffPolicyLog {
    /// The logged requests.
    pub events: Vec<LoggedEvent>,
    /// The oracle stamps, one per event.
    pub truth: Vec<EventTruth>,
}

/// What a request's reward is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RewardKind {
    /// The scenario's reward rule (click, rating ≥ 4, thumbs; docs/BANDIT_SELECTOR.md):
    /// what the bandits learn and regret counts.
    #[default]
    Success,
    /// A click on any slate item.
    Click,
}

impl RewardKind {
    /// The name used in reports.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Click => "click",
        }
    }
}

/// Turns a logged response into a reward.
#[derive(Clone, Debug)]
pub struct Reward {
    kind: RewardKind,
    rule: RewardRule,
}

impl Reward {
    /// The reward of `kind` under the stack's reward rule.
    #[must_use]
    pub fn new(kind: RewardKind, rule: &RewardSpec) -> Self {
        Self {
            kind,
            rule: RewardRule::new(rule),
        }
    }

    /// Which reward.
    #[must_use]
    pub fn kind(&self) -> RewardKind {
        self.kind
    }

    /// 1 for a success (or a click), else 0.
    #[must_use]
    pub fn of(&self, feedback: &Feedback) -> f64 {
        let hit = match self.kind {
            RewardKind::Success => self.rule.reward(feedback) == Some(true),
            RewardKind::Click => feedback.clicked,
        };
        f64::from(u8::from(hit))
    }
}

impl OffPolicyLog {
    /// The number of logged requests.
    #[must_use]
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether the log is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Reads `events.jsonl` of a run over `n_arms` arms.
    ///
    /// # Errors
    ///
    /// [`OpeError::Io`] when the file cannot be read, [`OpeError::Line`] naming the
    /// line of a record this recolab does not write (or one without propensities,
    /// with the scenario switch that adds them), [`OpeError::Empty`].
    pub fn read(path: &Path, n_arms: usize) -> Result<Self, OpeError> {
        let io = |source| OpeError::Io {
            path: path.to_owned(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let mut log = Self::default();
        for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line.map_err(io)?;
            let fail = |problem: String, fix: &str| OpeError::Line {
                path: path.to_owned(),
                line: i + 1,
                problem,
                fix: fix.to_owned(),
            };
            if i == 0 {
                check_header(&line).map_err(|(problem, fix)| fail(problem, &fix))?;
                continue;
            }
            if line.trim().is_empty() {
                continue;
            }
            let record: EventRecord = serde_json::from_str(&line).map_err(|e| {
                fail(
                    format!("not an event of this recolab: {e}"),
                    "pass the events.jsonl a `recolab run` wrote, unedited",
                )
            })?;
            let (event, truth) = record
                .into_event(n_arms)
                .map_err(|problem| fail(problem.0, problem.1))?;
            log.events.push(event);
            log.truth.push(truth);
        }
        if log.is_empty() {
            return Err(OpeError::Empty {
                path: path.to_owned(),
            });
        }
        Ok(log)
    }

    /// Adds one event of a replay (with `report.propensities` on).
    fn push(&mut self, e: &RecommendationEvent) {
        let propensity = e
            .propensity
            .expect("an off-policy log is collected with propensities on");
        self.events.push(LoggedEvent {
            user: e.user.0,
            context: e.bandit_context,
            choices: e.choices.clone(),
            set: ArmSet::of(&e.choices),
            feedback: feedback(e.click.is_some(), e.rating, e.thumbs),
            propensity,
            arm_propensities: e
                .arm_propensities
                .clone()
                .expect("arm propensities come with the propensity"),
        });
        self.truth.push(EventTruth {
            expected_click: e.expected_click,
            expected_reward: e.expected_reward,
            arm_expected_rewards: e.arm_expected_rewards.clone(),
        });
    }
}

fn feedback(clicked: bool, rating: Option<f32>, thumbs: Option<i8>) -> Feedback {
    Feedback {
        clicked,
        credited_arm: None,
        rating,
        thumbs,
    }
}

/// Collects a replay's events into an [`OffPolicyLog`] (the replay must log
/// propensities).
#[derive(Debug, Default)]
pub struct LogCollector {
    /// The log so far.
    pub log: OffPolicyLog,
}

impl EventSink for LogCollector {
    fn record(&mut self, event: &RecommendationEvent) -> std::io::Result<()> {
        self.log.push(event);
        Ok(())
    }
}

/// The header line: `{"format":"recolab-events","version":2}`.
fn check_header(line: &str) -> Result<(), (String, String)> {
    #[derive(Deserialize)]
    struct Header {
        format: String,
        version: u32,
    }
    let header: Header = serde_json::from_str(line).map_err(|_| {
        (
            "the first line is not the event log's header".to_owned(),
            "pass the events.jsonl a `recolab run` wrote with `report: (event_log: true, \
             propensities: true)`"
                .to_owned(),
        )
    })?;
    if header.format != "recolab-events" {
        return Err((
            format!("format is {:?}, not \"recolab-events\"", header.format),
            "pass an events.jsonl written by `recolab run`".to_owned(),
        ));
    }
    if header.version != EVENT_LOG_VERSION {
        return Err((
            format!(
                "event-log version {} (this recolab reads {EVENT_LOG_VERSION}; version 1 \
                 logged no propensities)",
                header.version
            ),
            "re-run the scenario with `report: (event_log: true, propensities: true)`".to_owned(),
        ));
    }
    Ok(())
}

/// The fields of a logged event an evaluation reads.
#[derive(Deserialize)]
struct EventRecord {
    user: u32,
    bandit_context: Context,
    choices: Vec<ChoiceRecord>,
    click: Option<(usize, u32)>,
    rating: Option<f32>,
    thumbs: Option<i8>,
    expected_click: f64,
    propensity: Option<f64>,
    arm_propensities: Option<Vec<f64>>,
    expected_reward: Option<f64>,
    arm_expected_rewards: Option<Vec<f64>>,
}

#[derive(Deserialize)]
struct ChoiceRecord {
    arm: u16,
    confidence: f64,
}

impl EventRecord {
    /// The event and its truth, or (problem, fix).
    fn into_event(
        self,
        n_arms: usize,
    ) -> Result<(LoggedEvent, EventTruth), (String, &'static str)> {
        const RERUN: &str =
            "re-run the scenario with `report: (event_log: true, propensities: true)`";
        let Some(propensity) = self.propensity else {
            return Err((
                "`propensity` is null: the run logged no propensities".into(),
                RERUN,
            ));
        };
        let Some(arm_propensities) = self.arm_propensities else {
            return Err(("`arm_propensities` is null".into(), RERUN));
        };
        const SAME: &str = "pass the scenario the log was run with (the report's scenario.ron)";
        if !(propensity > 0.0 && propensity <= 1.0 + 1e-9) {
            return Err((
                format!("`propensity` is {propensity}, outside (0, 1]"),
                "pass an events.jsonl written by `recolab run`, unedited",
            ));
        }
        if arm_propensities.len() != n_arms {
            return Err((
                format!(
                    "`arm_propensities` has {} entries for a stack of {n_arms} arms",
                    arm_propensities.len()
                ),
                SAME,
            ));
        }
        if let Some(rewards) = &self.arm_expected_rewards
            && rewards.len() != n_arms
        {
            return Err((
                format!(
                    "`arm_expected_rewards` has {} entries for a stack of {n_arms} arms",
                    rewards.len()
                ),
                SAME,
            ));
        }
        if self.choices.is_empty() {
            return Err(("`choices` is empty".into(), SAME));
        }
        if let Some(c) = self.choices.iter().find(|c| usize::from(c.arm) >= n_arms) {
            return Err((
                format!("arm {} chosen in a stack of {n_arms} arms", c.arm),
                SAME,
            ));
        }
        let choices: Vec<ArmChoice> = self
            .choices
            .iter()
            .map(|c| ArmChoice {
                arm: ArmId(c.arm),
                confidence: c.confidence,
            })
            .collect();
        Ok((
            LoggedEvent {
                user: self.user,
                context: self.bandit_context,
                set: ArmSet::of(&choices),
                choices,
                feedback: feedback(self.click.is_some(), self.rating, self.thumbs),
                propensity,
                arm_propensities,
            },
            EventTruth {
                expected_click: self.expected_click,
                expected_reward: self.expected_reward,
                arm_expected_rewards: self.arm_expected_rewards,
            },
        ))
    }
}

//! `timeseries.csv`: one row per time bucket (`report.timeseries_bucket_hours`, one
//! simulated hour by default) — arm selection shares, reward by context, diversity
//! trends, exploration, cumulative regret and the deployed model version.

use std::fmt::Write as _;

use crate::eval::Engagement;
use crate::pipeline::UpdateDecision;
use crate::scenario::spec::Daypart;
use crate::sim::RunOutcome;
use crate::world::Segment;
use crate::world::context::{Calendar, DayType};

use super::analytics::group_name;

/// One row of the time series.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeRow {
    /// Bucket index.
    pub bucket: usize,
    /// Simulated hour the bucket starts at (hour 0 = midnight of day 0).
    pub start_hour: u64,
    /// Daypart of the bucket's first hour.
    pub daypart: &'static str,
    /// Weekday or weekend, at the bucket's start.
    pub day_type: &'static str,
    /// Engagement of the bucket's requests.
    pub engagement: Engagement,
    /// Successes under the reward rule per request.
    pub reward_rate: Option<f64>,
    /// The same per user segment (cold-start, regular, power).
    pub reward_rate_by_segment: [Option<f64>; 3],
    /// The same per session phase (early, late).
    pub reward_rate_by_phase: [Option<f64>; 2],
    /// Mean self-information (bits) of the bucket's impressions.
    pub novelty: Option<f64>,
    /// Mean unexpectedness of the bucket's impressions to the users' histories.
    pub serendipity: Option<f64>,
    /// Share of the bucket's clicks on dissimilar movies.
    pub dissimilar_click_share: Option<f64>,
    /// Gini of the bucket's recommendation counts.
    pub gini: f64,
    /// Gini of every recommendation up to the bucket's end.
    pub cumulative_gini: f64,
    /// Share of the catalogue recommended up to the bucket's end.
    pub cumulative_coverage: f64,
    /// Requests whose lead arm was not the policy's greedy arm, per request served by
    /// a learning policy; `None` when no learning policy served the bucket.
    pub exploration_ratio: Option<f64>,
    /// Model version serving at the bucket's end (with a staged rollout: serving
    /// everyone, or the previous version while one is partly rolled out).
    pub model_version: u32,
    /// With `pipeline.rollout`: the version being rolled out at the bucket's end and
    /// the share of users it serves (0 when none is).
    pub rollout: Option<(u32, f64)>,
    /// Each arm's share of the bucket's arm selections (sums to 1), in stack order.
    pub selection_shares: Vec<Option<f64>>,
    /// Cumulative oracle regret per policy slot at the bucket's end (with
    /// `report.regret: true`; empty otherwise).
    pub cumulative_regret: Vec<f64>,
}

/// The whole time series.
#[derive(Clone, Debug, PartialEq)]
pub struct Timeseries {
    /// Hours per bucket.
    pub bucket_hours: u32,
    /// Arm names, in stack order.
    pub arms: Vec<String>,
    /// Policy slots with a regret column, `experiment/variant` or `default`.
    pub regret_slots: Vec<String>,
    /// The rows, in time order.
    pub rows: Vec<TimeRow>,
    /// Whether the rows have rollout columns ([`Timeseries::with_rollout`]).
    pub rollout_columns: bool,
}

fn daypart_name(d: Daypart) -> &'static str {
    match d {
        Daypart::Morning => "morning",
        Daypart::Afternoon => "afternoon",
        Daypart::Evening => "evening",
        Daypart::Night => "night",
    }
}

fn per(n: u64, d: u64) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

impl Timeseries {
    /// The time series of a run.
    #[must_use]
    pub fn of(outcome: &RunOutcome, bucket_hours: u32, calendar: Calendar) -> Self {
        let n_movies = outcome.exposure.len().max(1) as f64;
        let regret_slots: Vec<(usize, String)> = match &outcome.regret {
            None => Vec::new(),
            Some(_) => outcome
                .by_variant
                .iter()
                .enumerate()
                .filter(|(_, (_, t))| t.requests > 0)
                .map(|(i, (k, _))| (i, group_name(k)))
                .collect(),
        };
        let mut exposed = 0u64;
        let mut regret = vec![0.0; regret_slots.len()];
        let rows = outcome
            .timeseries
            .iter()
            .zip(&outcome.signals.buckets)
            .enumerate()
            .map(|(i, (bucket, signals))| {
                exposed += bucket.newly_exposed;
                let start_hour = i as u64 * u64::from(bucket_hours);
                let start_secs = i64::try_from(start_hour * 3_600).expect("horizon fits i64");
                let end_secs = start_secs + i64::from(bucket_hours) * 3_600;
                if let Some(ledger) = &outcome.regret {
                    for (r, (slot, _)) in regret.iter_mut().zip(&regret_slots) {
                        *r += ledger.slots[*slot].timeseries[i].regret;
                    }
                }
                let selections: u64 = bucket.arm_selections.iter().sum();
                let requests = bucket.tally.requests;
                let u = &signals.unexpectedness;
                TimeRow {
                    bucket: i,
                    start_hour,
                    daypart: daypart_name(calendar.daypart(start_secs)),
                    day_type: match calendar.day_type(start_secs) {
                        DayType::Weekday => "weekday",
                        DayType::Weekend => "weekend",
                    },
                    engagement: Engagement::of(&bucket.tally),
                    reward_rate: per(signals.successes, requests),
                    reward_rate_by_segment: std::array::from_fn(|s| {
                        per(signals.segment_successes[s], signals.segment_requests[s])
                    }),
                    reward_rate_by_phase: std::array::from_fn(|p| {
                        per(signals.phase_successes[p], signals.phase_requests[p])
                    }),
                    novelty: signals.novelty,
                    serendipity: u.mean(),
                    dissimilar_click_share: u.dissimilar_click_share(),
                    gini: signals.gini,
                    cumulative_gini: signals.cumulative_gini,
                    cumulative_coverage: exposed as f64 / n_movies,
                    exploration_ratio: per(signals.explored, signals.with_greedy),
                    model_version: outcome
                        .model_updates
                        .iter()
                        .filter(|m| {
                            m.time_secs < end_secs && m.decision == UpdateDecision::Deployed
                        })
                        .map(|m| m.version)
                        .max()
                        .unwrap_or(0),
                    selection_shares: bucket
                        .arm_selections
                        .iter()
                        .map(|&n| per(n, selections))
                        .collect(),
                    cumulative_regret: regret.clone(),
                    rollout: None,
                }
            })
            .collect();
        Self {
            bucket_hours,
            arms: outcome.by_arm.iter().map(|(n, _)| n.clone()).collect(),
            regret_slots: regret_slots.into_iter().map(|(_, n)| n).collect(),
            rows,
            rollout_columns: false,
        }
    }

    /// The rollout columns of a run with `pipeline.rollout`, from the rollout logs
    /// of `updates`: `rollout_version` and `rollout_share` at each bucket's end, and
    /// `model_version` as the version serving everyone — a rolled-out version from
    /// the start of its 100% stage until a rollback, the previous one before.
    #[must_use]
    pub fn with_rollout(mut self, updates: &[crate::pipeline::ModelUpdateLog]) -> Self {
        // (time, version serving everyone from then), in time order.
        let mut changes: Vec<(i64, u32)> = Vec::new();
        for m in updates {
            match &m.rollout {
                None if m.decision == UpdateDecision::Deployed => {
                    changes.push((m.time_secs, m.version));
                }
                None => {}
                Some(log) => {
                    if let Some(full) = log.full_secs() {
                        changes.push((full, m.version));
                    }
                    if let Some(back) = log.rolled_back_secs() {
                        changes.push((back, log.previous_version));
                    }
                }
            }
        }
        changes.sort_by_key(|c| c.0);
        let bucket_secs = i64::from(self.bucket_hours) * 3_600;
        for r in &mut self.rows {
            let end = (r.bucket as i64 + 1) * bucket_secs;
            r.model_version = changes
                .iter()
                .take_while(|c| c.0 < end)
                .last()
                .map_or(0, |c| c.1);
            r.rollout = Some(
                updates
                    .iter()
                    .rev()
                    .find_map(|m| {
                        let log = m.rollout.as_ref()?;
                        let share = log.share_at(end - 1);
                        (share > 0.0).then_some((m.version, share))
                    })
                    .unwrap_or((0, 0.0)),
            );
        }
        self.rollout_columns = true;
        self
    }

    /// The CSV text: a header, then one line per bucket; an undefined value is an
    /// empty cell.
    #[must_use]
    pub fn to_csv(&self) -> String {
        let line = "writing to a String cannot fail";
        let cell = |v: Option<f64>| v.map_or_else(String::new, |v| v.to_string());
        let mut out = String::from(
            "bucket,start_hour,daypart,day_type,requests,clicks,ctr,expected_ctr,reward_rate",
        );
        for s in Segment::ALL {
            write!(out, ",reward_rate_{}", s.name()).expect(line);
        }
        out.push_str(
            ",reward_rate_early,reward_rate_late,mean_rating,long_tail_share,niche_click_share,\
             novelty,serendipity,dissimilar_click_share,gini,cumulative_gini,cumulative_coverage,\
             exploration_ratio,model_version",
        );
        if self.rollout_columns {
            out.push_str(",rollout_version,rollout_share");
        }
        for arm in &self.arms {
            write!(out, ",selection_share_{arm}").expect(line);
        }
        for slot in &self.regret_slots {
            write!(out, ",cumulative_regret_{slot}").expect(line);
        }
        out.push('\n');
        for r in &self.rows {
            let e = &r.engagement;
            write!(
                out,
                "{},{},{},{},{},{},{},{},{}",
                r.bucket,
                r.start_hour,
                r.daypart,
                r.day_type,
                e.requests,
                e.clicks,
                cell(e.ctr),
                cell(e.expected_ctr),
                cell(r.reward_rate)
            )
            .expect(line);
            for v in r
                .reward_rate_by_segment
                .iter()
                .chain(&r.reward_rate_by_phase)
            {
                write!(out, ",{}", cell(*v)).expect(line);
            }
            write!(
                out,
                ",{},{},{},{},{},{},{},{},{},{},{}",
                cell(e.mean_rating),
                cell(e.long_tail_share),
                cell(e.niche_click_share),
                cell(r.novelty),
                cell(r.serendipity),
                cell(r.dissimilar_click_share),
                r.gini,
                r.cumulative_gini,
                r.cumulative_coverage,
                cell(r.exploration_ratio),
                r.model_version
            )
            .expect(line);
            if let Some((version, share)) = r.rollout {
                write!(out, ",{version},{share}").expect(line);
            }
            for v in &r.selection_shares {
                write!(out, ",{}", cell(*v)).expect(line);
            }
            for v in &r.cumulative_regret {
                write!(out, ",{v}").expect(line);
            }
            out.push('\n');
        }
        out
    }
}

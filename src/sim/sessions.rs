//! Sessions, time on site and 7-day retention, tracked per user during a replay and
//! credited to the groups (variant, segment, arm, context) of each session's first
//! request.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::bandit::ArmChoice;
use crate::ids::ArmId;
use crate::interaction::{SECS_PER_DAY, SimSecs};
use crate::world::Context;

/// A user counts as retained when their second session starts within this many
/// simulated days of the end of their first.
pub const RETENTION_DAYS: i64 = 7;

/// Session counts of a group.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionTally {
    /// Sessions that started with a request of the group.
    pub sessions: u64,
    /// Requests in those sessions.
    pub requests: u64,
    /// Simulated time on site of those sessions: from the first request to one
    /// inter-request interval after the last (the time spent on the last slate).
    pub time_on_site_secs: u64,
    /// Users whose first session started in the group and ended at least
    /// [`RETENTION_DAYS`] before the horizon, so their return is observable.
    pub retention_eligible: u64,
    /// Of those, users whose second session started within [`RETENTION_DAYS`].
    pub retained: u64,
}

impl SessionTally {
    /// Adds another tally.
    pub fn add(&mut self, other: &SessionTally) {
        self.sessions += other.sessions;
        self.requests += other.requests;
        self.time_on_site_secs += other.time_on_site_secs;
        self.retention_eligible += other.retention_eligible;
        self.retained += other.retained;
    }
}

/// The groups a session is credited to: those of its first request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct SessionGroups {
    pub slot: usize,
    pub segment: usize,
    pub context: Context,
    pub arms: Vec<ArmId>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct OpenSession {
    groups: SessionGroups,
    first_secs: SimSecs,
    last_secs: SimSecs,
    n_requests: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct UserSessions {
    open: Option<OpenSession>,
    first: Option<(SessionGroups, SimSecs)>,
    second_start: Option<SimSecs>,
}

/// Per-group session tallies of a replay.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionTallies {
    /// All sessions.
    pub overall: SessionTally,
    /// Per (experiment, variant) slot, as `RunOutcome::by_variant`.
    pub by_variant: Vec<SessionTally>,
    /// Per segment, in `Segment::ALL` order.
    pub by_segment: Vec<SessionTally>,
    /// Per arm picked in the session's first request, in arm-id order.
    pub by_arm: Vec<SessionTally>,
    /// Per context of the session's first request (JSON summaries key it by
    /// [`Context::key`]: JSON keys must be strings).
    pub by_context: BTreeMap<Context, SessionTally>,
}

/// Follows every user's sessions through a replay.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct SessionTracker {
    users: Vec<UserSessions>,
    gap_secs: SimSecs,
    horizon_secs: SimSecs,
    tallies: SessionTallies,
}

impl SessionTracker {
    pub(crate) fn new(
        n_users: usize,
        n_slots: usize,
        n_segments: usize,
        n_arms: usize,
        gap_secs: SimSecs,
        horizon_secs: SimSecs,
    ) -> Self {
        Self {
            users: vec![UserSessions::default(); n_users],
            gap_secs,
            horizon_secs,
            tallies: SessionTallies {
                overall: SessionTally::default(),
                by_variant: vec![SessionTally::default(); n_slots],
                by_segment: vec![SessionTally::default(); n_segments],
                by_arm: vec![SessionTally::default(); n_arms],
                by_context: BTreeMap::new(),
            },
        }
    }

    /// Records one request; `position` 1 starts a new session.
    pub(crate) fn request(
        &mut self,
        user: usize,
        now: SimSecs,
        position: u32,
        groups: impl FnOnce() -> SessionGroups,
    ) {
        let state = &mut self.users[user];
        if position == 1 {
            if let Some(open) = state.open.take() {
                Self::close(&mut self.tallies, state, open, self.gap_secs);
            }
            if state.first.is_some() && state.second_start.is_none() {
                state.second_start = Some(now);
            }
            state.open = Some(OpenSession {
                groups: groups(),
                first_secs: now,
                last_secs: now,
                n_requests: 1,
            });
        } else if let Some(open) = &mut state.open {
            open.last_secs = now;
            open.n_requests += 1;
        }
    }

    fn close(
        tallies: &mut SessionTallies,
        state: &mut UserSessions,
        open: OpenSession,
        gap: SimSecs,
    ) {
        let session = SessionTally {
            sessions: 1,
            requests: open.n_requests,
            time_on_site_secs: u64::try_from(open.last_secs - open.first_secs + gap)
                .expect("requests of a session are in time order"),
            ..SessionTally::default()
        };
        for tally in groups_of(tallies, &open.groups) {
            tally.add(&session);
        }
        if state.first.is_none() {
            state.first = Some((open.groups, open.last_secs));
        }
    }

    /// Closes every open session, settles retention and returns the tallies.
    pub(crate) fn finish(mut self) -> SessionTallies {
        let window = RETENTION_DAYS * SECS_PER_DAY;
        for user in 0..self.users.len() {
            let state = &mut self.users[user];
            if let Some(open) = state.open.take() {
                Self::close(&mut self.tallies, state, open, self.gap_secs);
            }
            let state = &self.users[user];
            if let Some((groups, end)) = &state.first
                && end + window <= self.horizon_secs
            {
                let retained = state.second_start.is_some_and(|s| s <= end + window);
                let outcome = SessionTally {
                    retention_eligible: 1,
                    retained: u64::from(retained),
                    ..SessionTally::default()
                };
                for tally in groups_of(&mut self.tallies, groups) {
                    tally.add(&outcome);
                }
            }
        }
        self.tallies
    }
}

/// The tallies a session of `groups` adds to (overall first).
fn groups_of<'a>(
    tallies: &'a mut SessionTallies,
    groups: &SessionGroups,
) -> Vec<&'a mut SessionTally> {
    let SessionTallies {
        overall,
        by_variant,
        by_segment,
        by_arm,
        by_context,
    } = tallies;
    let mut out = vec![
        overall,
        &mut by_variant[groups.slot],
        &mut by_segment[groups.segment],
        by_context.entry(groups.context).or_default(),
    ];
    // Arms are distinct within a request; iterate by_arm once to hand out disjoint
    // borrows.
    for (a, tally) in by_arm.iter_mut().enumerate() {
        if groups.arms.iter().any(|arm| arm.index() == a) {
            out.push(tally);
        }
    }
    out
}

/// The arms of a request's choices.
pub(crate) fn arms_of(choices: &[ArmChoice]) -> Vec<ArmId> {
    choices.iter().map(|c| c.arm).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::Segment;
    use crate::world::context::{DayType, Daypart, Saturation, SessionPhase};

    fn groups(arm: u16) -> SessionGroups {
        SessionGroups {
            slot: 0,
            segment: 1,
            context: Context {
                daypart: Daypart::Evening,
                day_type: DayType::Weekday,
                segment: Segment::Regular,
                saturation: Saturation::Low,
                session_phase: SessionPhase::Early,
            },
            arms: vec![ArmId(arm)],
        }
    }

    #[test]
    fn sessions_time_on_site_and_retention_hand_computed() {
        let day = SECS_PER_DAY;
        // Horizon 30 days, 4-minute gaps; three users.
        let mut t = SessionTracker::new(3, 1, 3, 2, 240, 30 * day);
        // User 0: three requests on day 0, returns on day 5 → retained.
        t.request(0, 0, 1, || groups(0));
        t.request(0, 240, 2, || groups(0));
        t.request(0, 480, 3, || groups(0));
        t.request(0, 5 * day, 1, || groups(1));
        // User 1: one request on day 1, returns on day 9 → not retained.
        t.request(1, day, 1, || groups(1));
        t.request(1, 9 * day, 1, || groups(1));
        // User 2: first session on day 25, too late to observe a 7-day return.
        t.request(2, 25 * day, 1, || groups(0));
        let s = t.finish();
        assert_eq!(s.overall.sessions, 5);
        assert_eq!(s.overall.requests, 7);
        // 720 s + 4 single-request sessions of 240 s.
        assert_eq!(s.overall.time_on_site_secs, 720 + 4 * 240);
        assert_eq!((s.overall.retention_eligible, s.overall.retained), (2, 1));
        // Arm 0 started user 0's first session (retained) and user 2's.
        assert_eq!(s.by_arm[0].sessions, 2);
        assert_eq!(
            (s.by_arm[0].retention_eligible, s.by_arm[0].retained),
            (1, 1)
        );
        assert_eq!(
            (s.by_arm[1].retention_eligible, s.by_arm[1].retained),
            (1, 0)
        );
        assert_eq!(s.by_context.len(), 1);
        assert_eq!(s.by_segment[1].sessions, 5);
    }
}

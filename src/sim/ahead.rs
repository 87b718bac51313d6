//! Preparing requests ahead: every arm's list and expected reward for a user's next
//! request, computed on worker threads while the replay serves earlier requests.
//!
//! # Why it is exact
//!
//! With exact regret every arm lists for every request, which is most of a run's
//! work; the policies, the coverage tracker and the responses must still go in
//! event order. What an arm lists for a request depends on the model (fixed
//! between two updates), the user's state and the request's own stream — not on
//! any other user. A user has at most one pending request, and only serving it
//! changes the user's state. So as soon as a request is scheduled (before the next
//! model update) its inputs are final: the replay snapshots them into a [`Job`],
//! workers compute it, and the replay takes the result when it reaches the request.
//!
//! # Scheduling
//!
//! Workers take jobs earliest first. The replay, when it reaches a request whose job
//! no worker has started, computes the job itself; when a worker is on it, the
//! replay computes other queued jobs meanwhile, and waits only when none is left. Workers stop taking jobs while [`MAX_AHEAD`] results wait unread,
//! which bounds memory. A window (the requests between two model updates) runs in
//! one thread scope: the scope ends before the models change.
//!
//! # Determinism
//!
//! A job's result is a pure function of its inputs; which thread computes it, and
//! when, changes nothing. `RAYON_NUM_THREADS` sets the threads (the replay plus
//! `n − 1` workers).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Condvar, Mutex, MutexGuard};

use crate::ids::{MovieId, UserId};
use crate::interaction::SimSecs;
use crate::recommend::{Arms, Request};
use crate::scenario::spec::RewardSpec;
use crate::world::context::Calendar;
use crate::world::{Context, Situation, UserTaste, World};

use super::candidates::{
    Candidates, KeptLists, ListItem, ListKeys, Prepared, RegretInputs, Scratch, arm_id,
};
use super::user_state::context_of;

/// Results computed and not yet taken beyond which workers pause.
pub const MAX_AHEAD: usize = 4_096;

/// Served results kept for their buffers.
const SPARE: usize = 64;

/// Jobs a worker takes at once and computes arm by arm.
pub const BATCH: usize = 32;

/// Everything one request's lists depend on, snapshotted when it was scheduled.
pub(super) struct Job {
    /// When.
    pub time: SimSecs,
    /// Who.
    pub user: UserId,
    /// 1-based position in the session.
    pub position: u32,
    /// The user's request ordinal (the arms' stream slice).
    pub ordinal: u32,
    /// The user's revision (see [`ListKeys`]).
    pub revision: u32,
    /// Movies the user has watched, sorted.
    pub seen: Vec<MovieId>,
    /// Movies the user clicked during the replay, in order.
    pub watched: Vec<MovieId>,
    /// Genre counts of the user's recent watches.
    pub recent_genre_counts: Vec<u16>,
    /// How many recent watches.
    pub n_recent: usize,
    /// The user's kept lists (returned with the result).
    pub kept: KeptLists,
}

/// A computed job.
pub(super) struct Done {
    /// Every arm's list and expected reward.
    pub prepared: Prepared,
    /// The user's kept lists, updated.
    pub kept: KeptLists,
}

/// What every job of a window reads.
pub(super) struct Shared<'a> {
    /// The world and its truth.
    pub world: &'a World,
    /// The arms, fitted.
    pub arms: &'a Arms,
    /// How lists are made and kept.
    pub candidates: &'a Candidates,
    /// Daypart and weekday of simulated times.
    pub calendar: &'a Calendar,
    /// The model version of the window.
    pub version: u32,
    /// During a staged rollout (`pipeline.rollout`): the previous version, serving
    /// the users marked `true` here (by user index).
    pub previous: Option<PreviousServing<'a>>,
    /// Every user's hidden taste (the world's, or shifted by a taste shift).
    pub tastes: &'a [UserTaste],
    /// The fatigue window.
    pub window: usize,
    /// The reward rule (regret).
    pub reward: &'a RewardSpec,
    /// Slate length K.
    pub slate_size: usize,
}

/// The previous version of a staged rollout and the users it serves.
#[derive(Clone, Copy)]
pub(super) struct PreviousServing<'a> {
    /// Its arms.
    pub arms: &'a Arms,
    /// Its version.
    pub version: u32,
    /// Whether each user (by index) is served by it.
    pub users: &'a [bool],
}

impl<'a> Shared<'a> {
    /// The arms serving user index `user`, and the version and revision its kept
    /// lists are keyed by (`revision`: the user's own). A user the previous version
    /// of a rollout serves keys its lists by that version, so a list is never
    /// reused across the two model sets.
    pub fn serving(&self, user: usize, revision: u32) -> (&'a Arms, u32, u32) {
        match self.previous {
            Some(p) if p.users[user] => (p.arms, p.version, p.version),
            _ => (self.arms, self.version, revision),
        }
    }
}

impl Shared<'_> {
    /// Computes `jobs` into `prepared` (one each, whose buffers are reused) arm by arm:
    /// every job's list of one arm, then of the next, so each arm's model stays in
    /// cache across the jobs.
    pub fn compute(&self, jobs: &mut [Job], prepared: &mut [Prepared]) {
        let world = self.world;
        let n_arms = self.candidates.n_arms();
        let contexts: Vec<Context> = jobs
            .iter()
            .map(|job| {
                context_of(
                    self.calendar,
                    job.time,
                    job.position,
                    world.population.users[job.user.index()].segment,
                    &job.recent_genre_counts,
                    job.n_recent,
                )
            })
            .collect();
        for p in prepared.iter_mut() {
            p.lists.resize_with(n_arms, Vec::new);
        }
        // Lists of one model set at a time: the jobs of the new (or only) version,
        // then those of a rollout's previous version.
        let on_previous: Vec<bool> = jobs
            .iter()
            .map(|job| self.previous.is_some_and(|p| p.users[job.user.index()]))
            .collect();
        for (a, previous) in (0..n_arms).flat_map(|a| [(a, false), (a, true)]) {
            if previous && self.previous.is_none() {
                continue;
            }
            let arms = if previous {
                self.previous.expect("checked above").arms
            } else {
                self.arms
            };
            let mut items: Vec<ListItem<'_, '_>> = jobs
                .iter_mut()
                .zip(&contexts)
                .zip(prepared.iter_mut())
                .zip(&on_previous)
                .filter(|(_, on)| **on == previous)
                .map(|(x, _)| x)
                .map(|((job, context), p)| {
                    let (_, version, user_revision) = self.serving(job.user.index(), job.revision);
                    ListItem {
                        request: Request {
                            user: job.user,
                            context,
                            seen: &job.seen,
                            time_secs: job.time,
                            session_position: job.position,
                            recent_genre_counts: &job.recent_genre_counts,
                        },
                        ordinal: job.ordinal,
                        keys: ListKeys {
                            version,
                            user_revision,
                            watched: &job.watched,
                        },
                        kept: &mut job.kept,
                        out: &mut p.lists[a],
                    }
                })
                .collect();
            if items.is_empty() {
                continue;
            }
            self.candidates.list_many(arms, arm_id(a), &mut items);
        }
        let mut scratch = Scratch::default();
        for ((job, context), p) in jobs.iter().zip(&contexts).zip(prepared.iter_mut()) {
            let situation = Situation {
                daypart: context.daypart,
                day_type: context.day_type,
                session_position: job.position,
                recent_genre_counts: &job.recent_genre_counts,
                fatigue_window: self.window,
            };
            let inputs = RegretInputs {
                world,
                taste: &self.tastes[job.user.index()],
                situation: &situation,
                reward: self.reward,
                slate_size: self.slate_size,
            };
            Candidates::expected_rewards(&p.lists, &inputs, &mut scratch, &mut p.rewards);
        }
    }
}

/// Where a user's job stands.
enum Slot {
    Empty,
    Queued(Box<Job>),
    Running,
    Done(Box<Done>),
}

struct State {
    /// (time, user) of queued jobs; entries whose job was taken are skipped.
    heap: BinaryHeap<Reverse<(SimSecs, u32)>>,
    slots: Vec<Slot>,
    /// Results not yet taken.
    unread: usize,
    closing: bool,
    /// A worker panicked: the replay must not wait for it.
    failed: bool,
    /// Workers waiting for work, and whether the replay waits for a result: a
    /// condition variable is signalled only when someone waits (a signal is a
    /// system call, and there are several per request).
    idle_workers: usize,
    replay_waits: bool,
    /// Results handed back for reuse of their buffers.
    spare: Vec<Prepared>,
}

/// The queue of jobs of one window, shared by the replay and its workers.
pub(super) struct Ahead<'a> {
    shared: &'a Shared<'a>,
    state: Mutex<State>,
    /// Signalled when a job is queued, a result is taken, or the window closes.
    work: Condvar,
    /// Signalled when a result is ready or a worker fails.
    done: Condvar,
}

impl<'a> Ahead<'a> {
    /// Runs `body` with a queue whose jobs `n_workers` threads compute; every worker
    /// has stopped when this returns.
    pub fn run<R>(
        shared: &'a Shared<'a>,
        n_users: usize,
        n_workers: usize,
        body: impl FnOnce(&Ahead<'a>) -> R,
    ) -> R {
        let ahead = Ahead {
            shared,
            state: Mutex::new(State {
                heap: BinaryHeap::new(),
                slots: (0..n_users).map(|_| Slot::Empty).collect(),
                unread: 0,
                closing: false,
                failed: false,
                idle_workers: 0,
                replay_waits: false,
                spare: Vec::new(),
            }),
            work: Condvar::new(),
            done: Condvar::new(),
        };
        std::thread::scope(|scope| {
            for _ in 0..n_workers {
                scope.spawn(|| ahead.work_loop());
            }
            // Close even if `body` unwinds, so the scope can join the workers.
            let closer = Closer(&ahead);
            let result = body(&ahead);
            drop(closer);
            result
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("a list worker panicked")
    }

    /// Queues `job` (the user has no other).
    pub fn submit(&self, job: Job) {
        let u = job.user.index();
        let mut state = self.lock();
        debug_assert!(matches!(state.slots[u], Slot::Empty), "one job per user");
        state.heap.push(Reverse((job.time, job.user.0)));
        state.slots[u] = Slot::Queued(Box::new(job));
        let wake = state.idle_workers > 0;
        drop(state);
        if wake {
            self.work.notify_one();
        }
    }

    /// Hands a served request's lists back, so a later job reuses their buffers.
    pub fn recycle(&self, prepared: Prepared) {
        let mut state = self.lock();
        if state.spare.len() < SPARE {
            state.spare.push(prepared);
        }
    }

    /// Computes `jobs`, reusing served results' buffers.
    fn compute(&self, mut jobs: Vec<Job>) -> Vec<Done> {
        let mut prepared: Vec<Prepared> = {
            let mut state = self.lock();
            let keep = state.spare.len().saturating_sub(jobs.len());
            state.spare.split_off(keep)
        };
        prepared.resize_with(jobs.len(), Prepared::default);
        self.shared.compute(&mut jobs, &mut prepared);
        jobs.into_iter()
            .zip(prepared)
            .map(|(job, prepared)| Done {
                prepared,
                kept: job.kept,
            })
            .collect()
    }

    /// The result of `user`'s job: taken if ready, computed here if no worker has
    /// started it; while a worker is on it, this thread computes other queued jobs
    /// (earliest first) rather than wait.
    ///
    /// # Panics
    ///
    /// If the user has no job, or a worker panicked.
    pub fn take(&self, user: UserId) -> Done {
        let u = user.index();
        let mut state = self.lock();
        loop {
            assert!(!state.failed, "a list worker panicked");
            match std::mem::replace(&mut state.slots[u], Slot::Empty) {
                Slot::Done(done) => {
                    state.unread -= 1;
                    // A worker paused at MAX_AHEAD may go on.
                    let wake = state.idle_workers > 0 && state.unread + 1 == MAX_AHEAD;
                    drop(state);
                    if wake {
                        self.work.notify_one();
                    }
                    return *done;
                }
                Slot::Queued(job) => {
                    drop(state);
                    return self.compute(vec![*job]).pop().expect("one job, one result");
                }
                Slot::Running => {
                    state.slots[u] = Slot::Running;
                    let others = next_queued(&mut state, 1);
                    if !others.is_empty() {
                        drop(state);
                        let (users, jobs): (Vec<usize>, Vec<Job>) = others.into_iter().unzip();
                        let done = self.compute(jobs);
                        state = self.lock();
                        for (other, done) in users.into_iter().zip(done) {
                            finish(&mut state, other, done);
                        }
                    } else {
                        state.replay_waits = true;
                        state = self.done.wait(state).expect("a list worker panicked");
                        state.replay_waits = false;
                    }
                }
                Slot::Empty => panic!("user {} has no prepared request", user.0),
            }
        }
    }

    fn work_loop(&self) {
        let _guard = FailGuard(self);
        let mut state = self.lock();
        loop {
            if state.closing {
                return;
            }
            let next = if state.unread >= MAX_AHEAD {
                Vec::new()
            } else {
                next_queued(&mut state, BATCH)
            };
            if next.is_empty() {
                state.idle_workers += 1;
                state = self.work.wait(state).expect("a list worker panicked");
                state.idle_workers -= 1;
                continue;
            }
            drop(state);
            let (users, jobs): (Vec<usize>, Vec<Job>) = next.into_iter().unzip();
            let done = self.compute(jobs);
            state = self.lock();
            for (u, done) in users.into_iter().zip(done) {
                finish(&mut state, u, done);
            }
            if state.replay_waits {
                self.done.notify_all();
            }
        }
    }
}

/// Up to `n` earliest queued jobs, marked running, with their users' indices (entries
/// whose job was taken meanwhile are stale and skipped).
fn next_queued(state: &mut State, n: usize) -> Vec<(usize, Job)> {
    let mut jobs = Vec::with_capacity(n);
    while jobs.len() < n
        && let Some(Reverse((_, user))) = state.heap.pop()
    {
        let u = user as usize;
        if let Slot::Queued(_) = state.slots[u] {
            let Slot::Queued(job) = std::mem::replace(&mut state.slots[u], Slot::Running) else {
                unreachable!("matched just above");
            };
            jobs.push((u, *job));
        }
    }
    jobs
}

/// Stores user `u`'s computed job.
fn finish(state: &mut State, u: usize, done: Done) {
    state.slots[u] = Slot::Done(Box::new(done));
    state.unread += 1;
}

/// Closes the window's queue when dropped: workers stop.
struct Closer<'b, 'a>(&'b Ahead<'a>);

impl Drop for Closer<'_, '_> {
    fn drop(&mut self) {
        if let Ok(mut state) = self.0.state.lock() {
            state.closing = true;
        }
        self.0.work.notify_all();
    }
}

/// Marks the queue failed if a worker unwinds, so the replay does not wait forever.
struct FailGuard<'b, 'a>(&'b Ahead<'a>);

impl Drop for FailGuard<'_, '_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            if let Ok(mut state) = self.0.state.lock() {
                state.failed = true;
            }
            self.0.done.notify_all();
        }
    }
}

//! Per-user aggregates of the users in experiments, recorded during the replay.
//!
//! The user, not the request, is the unit of randomisation, so every statistic of an
//! experiment starts from one row per user: requests, clicks, the truth's expected
//! clicks, ratings, sessions, long-tail impressions, niche and dissimilar clicks and,
//! in interleaving, the clicks credited to each team. Rows are kept for the whole run,
//! per daypart (the breakdown by daypart), and as snapshots at each planned interim
//! look of each experiment (the sequential rules). Each user's pre-experiment
//! behaviour — the warm-up history before day 0 — is the CUPED covariate.
//!
//! # Dissimilar clicks
//!
//! A click is on a movie dissimilar to the user's history when the movie's mean
//! cosine distance to the movies the user watched before (warm-up ratings and earlier
//! clicks) is at least the catalogue's mean pairwise cosine distance of content
//! vectors — the movie is no closer to the history than two random movies are to
//! each other (Kaminskas & Bridge 2016's unexpectedness, with a threshold that needs no
//! tuning). A user without history finds everything dissimilar. With unit vectors the
//! mean distance to a history H is `1 − v̂ · (Σ_{h∈H} ĥ) / |H|`, so one running sum per
//! user suffices.

use crate::ids::MovieId;
use crate::interaction::{SECS_PER_DAY, SimSecs};
use crate::scenario::Scenario;
use crate::scenario::spec::Daypart;
use crate::world::World;
use serde::{Deserialize, Serialize};

/// The dayparts, in report order.
pub const DAYPARTS: [Daypart; 4] = [
    Daypart::Morning,
    Daypart::Afternoon,
    Daypart::Evening,
    Daypart::Night,
];

fn daypart_index(d: Daypart) -> usize {
    match d {
        Daypart::Morning => 0,
        Daypart::Afternoon => 1,
        Daypart::Evening => 2,
        Daypart::Night => 3,
    }
}

/// One user's counts over a span of the replay.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UserCounts {
    /// Slates shown.
    pub requests: u32,
    /// Sessions started.
    pub sessions: u32,
    /// Slates with a click.
    pub clicks: u32,
    /// Σ of the truth's click probability of each shown slate.
    pub expected_clicks: f64,
    /// Σ ln(1 − p) over shown slates: the truth's log-probability of never clicking.
    pub ln_no_click: f64,
    /// Ratings given.
    pub ratings: u32,
    /// Their stars.
    pub rating_sum: f64,
    /// Movies shown.
    pub impressions: u32,
    /// Long-tail movies shown.
    pub long_tail_impressions: u32,
    /// Clicks on niche movies.
    pub niche_clicks: u32,
    /// Clicks on movies dissimilar to the user's history.
    pub dissimilar_clicks: u32,
    /// Interleaving: clicks credited to the control's and the treatment's team.
    pub credits: [u32; 2],
}

impl UserCounts {
    fn add(&mut self, r: &RequestRecord<'_>, long_tail: u32, niche: bool, dissimilar: bool) {
        self.requests += 1;
        self.sessions += u32::from(r.session_position == 1);
        self.expected_clicks += r.expected_click;
        self.ln_no_click += (-r.expected_click).ln_1p();
        self.impressions += r.slate.len() as u32;
        self.long_tail_impressions += long_tail;
        if r.click.is_some() {
            self.clicks += 1;
            self.niche_clicks += u32::from(niche);
            self.dissimilar_clicks += u32::from(dissimilar);
        }
        if let Some(stars) = r.rating {
            self.ratings += 1;
            self.rating_sum += f64::from(stars);
        }
        if let Some(team) = r.credit {
            self.credits[team] += 1;
        }
    }
}

/// What the replay knows about one served request.
#[derive(Clone, Copy, Debug)]
pub struct RequestRecord<'a> {
    /// User index.
    pub user: usize,
    /// The policy slot that served it (0 = outside every experiment).
    pub slot: usize,
    /// Simulated time.
    pub time_secs: SimSecs,
    /// 1-based position in the session.
    pub session_position: u32,
    /// Part of the day.
    pub daypart: Daypart,
    /// The shown slate.
    pub slate: &'a [MovieId],
    /// The clicked movie.
    pub click: Option<MovieId>,
    /// Stars given after the click.
    pub rating: Option<f32>,
    /// The truth's click probability of the slate.
    pub expected_click: f64,
    /// Interleaving: 0 when the clicked movie came from the control's team, 1 from the
    /// treatment's.
    pub credit: Option<usize>,
}

/// The users of one experiment at one interim look.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LookSnapshot {
    /// Simulated time of the look.
    pub time_secs: SimSecs,
    /// Share of the horizon elapsed (the spending time).
    pub fraction: f64,
    /// Counts of the experiment's members, in `ExperimentLog::members` order.
    pub counts: Vec<UserCounts>,
}

/// Pre-experiment covariates of a user, from the warm-up history.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PreExperiment {
    /// Ratings before day 0.
    pub n_ratings: u32,
    /// Their mean stars (`None` without any).
    pub mean_rating: Option<f64>,
}

/// Everything recorded about the users of the experiments of one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExperimentLog {
    /// Per user: the slot serving them.
    pub user_slot: Vec<usize>,
    /// Per user: whole-run counts.
    pub users: Vec<UserCounts>,
    /// Per user and daypart: counts of the requests in that daypart.
    pub by_daypart: Vec<[UserCounts; 4]>,
    /// Per user: pre-experiment behaviour.
    pub pre: Vec<PreExperiment>,
    /// Per experiment: its members (user indices, ascending).
    pub members: Vec<Vec<usize>>,
    /// Per experiment: snapshots at each look, the last at the horizon.
    pub looks: Vec<Vec<LookSnapshot>>,
    /// Per slot and simulated day: requests and Σ expected clicks.
    pub daily: Vec<Vec<(u64, f64)>>,
    /// The catalogue's mean pairwise cosine distance (the dissimilarity threshold).
    pub dissimilarity_threshold: f64,
}

/// Records the users of a run's experiments during its replay.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ExperimentRecorder {
    log: ExperimentLog,
    /// Per experiment: the look times still to come, earliest last.
    pending: Vec<Vec<(SimSecs, f64)>>,
    horizon_secs: SimSecs,
    /// Unit content vectors of the movies, row-major.
    unit_content: Vec<f32>,
    dims: usize,
    /// Per user: Σ of the unit content vectors of the movies watched, and their count.
    history_sum: Vec<f32>,
    history_len: Vec<u32>,
    long_tail: Vec<bool>,
    niche: Vec<bool>,
}

impl ExperimentRecorder {
    /// A recorder for `scenario`'s experiments on `world`, with users served by the
    /// slots `user_slot` (0 outside experiments; then each experiment's variants in
    /// order). `None` when the scenario has no experiment.
    #[must_use]
    pub fn new(scenario: &Scenario, world: &World, user_slot: &[usize]) -> Option<Self> {
        let spec = scenario.spec();
        if spec.experiments.is_empty() {
            return None;
        }
        let catalogue = &world.catalogue;
        let n_users = world.population.len();
        let mut slot_experiment = vec![None];
        for (e, exp) in spec.experiments.iter().enumerate() {
            slot_experiment.extend(std::iter::repeat_n(Some(e), exp.variants.len()));
        }
        let mut members = vec![Vec::new(); spec.experiments.len()];
        for (u, &slot) in user_slot.iter().enumerate() {
            if let Some(e) = slot_experiment[slot] {
                members[e].push(u);
            }
        }
        let horizon_secs = i64::from(spec.horizon.days) * SECS_PER_DAY;
        let pending = spec
            .experiments
            .iter()
            .map(|e| {
                let k = i64::from(e.stopping.looks());
                (1..=k)
                    .rev()
                    .map(|i| (horizon_secs * i / k, i as f64 / k as f64))
                    .collect()
            })
            .collect();

        let dims = catalogue.movies.first().map_or(0, |m| m.content.len());
        let mut unit_content = Vec::with_capacity(catalogue.len() * dims);
        for m in &catalogue.movies {
            let norm = m.content.iter().map(|x| x * x).sum::<f32>().sqrt();
            unit_content.extend(
                m.content
                    .iter()
                    .map(|x| if norm > 0.0 { x / norm } else { 0.0 }),
            );
        }
        let mut total = vec![0.0f64; dims];
        for row in unit_content.chunks_exact(dims.max(1)) {
            for (t, x) in total.iter_mut().zip(row) {
                *t += f64::from(*x);
            }
        }
        let n = catalogue.len() as f64;
        let mean_similarity = if n > 1.0 {
            (total.iter().map(|t| t * t).sum::<f64>() - n) / (n * (n - 1.0))
        } else {
            0.0
        };

        let mut pre = vec![PreExperiment::default(); n_users];
        let mut sums = vec![0.0f64; n_users];
        let mut history_sum = vec![0.0f32; n_users * dims];
        let mut history_len = vec![0u32; n_users];
        for i in &world.warm_up {
            let u = i.user.index();
            pre[u].n_ratings += 1;
            sums[u] += f64::from(i.value);
            add_history(
                &mut history_sum,
                &mut history_len,
                &unit_content,
                dims,
                u,
                i.movie,
            );
        }
        for (p, s) in pre.iter_mut().zip(&sums) {
            p.mean_rating = (p.n_ratings > 0).then(|| s / f64::from(p.n_ratings));
        }
        let n_slots = slot_experiment.len();
        let n_days = spec.horizon.days as usize;
        Some(Self {
            log: ExperimentLog {
                user_slot: user_slot.to_vec(),
                users: vec![UserCounts::default(); n_users],
                by_daypart: vec![[UserCounts::default(); 4]; n_users],
                pre,
                members,
                looks: vec![Vec::new(); spec.experiments.len()],
                daily: vec![vec![(0, 0.0); n_days]; n_slots],
                dissimilarity_threshold: 1.0 - mean_similarity,
            },
            pending,
            horizon_secs,
            unit_content,
            dims,
            history_sum,
            history_len,
            long_tail: catalogue
                .movies
                .iter()
                .map(|m| catalogue.is_long_tail(m.id))
                .collect(),
            niche: catalogue.movies.iter().map(|m| m.is_niche).collect(),
        })
    }

    /// Records one served request (requests must come in time order).
    pub fn record(&mut self, r: &RequestRecord<'_>) {
        self.take_due_looks(r.time_secs);
        let long_tail = r.slate.iter().filter(|m| self.long_tail[m.index()]).count() as u32;
        let (niche, dissimilar) = match r.click {
            Some(movie) => {
                let dissimilar = self.is_dissimilar(r.user, movie);
                add_history(
                    &mut self.history_sum,
                    &mut self.history_len,
                    &self.unit_content,
                    self.dims,
                    r.user,
                    movie,
                );
                (self.niche[movie.index()], dissimilar)
            }
            None => (false, false),
        };
        self.log.users[r.user].add(r, long_tail, niche, dissimilar);
        self.log.by_daypart[r.user][daypart_index(r.daypart)].add(r, long_tail, niche, dissimilar);
        let day = usize::try_from(r.time_secs / SECS_PER_DAY).expect("non-negative time");
        if let Some(cell) = self.log.daily[r.slot].get_mut(day) {
            cell.0 += 1;
            cell.1 += r.expected_click;
        }
    }

    /// Takes the remaining looks (the last one at the horizon) and hands the log over.
    #[must_use]
    pub fn finish(mut self) -> ExperimentLog {
        self.take_due_looks(self.horizon_secs);
        self.log
    }

    fn take_due_looks(&mut self, now: SimSecs) {
        for e in 0..self.pending.len() {
            // A look at time t sees every request before t.
            while let Some(&(t, fraction)) = self.pending[e].last() {
                if t > now {
                    break;
                }
                self.pending[e].pop();
                let counts = self.log.members[e]
                    .iter()
                    .map(|&u| self.log.users[u])
                    .collect();
                self.log.looks[e].push(LookSnapshot {
                    time_secs: t,
                    fraction,
                    counts,
                });
            }
        }
    }

    fn is_dissimilar(&self, user: usize, movie: MovieId) -> bool {
        let n = self.history_len[user];
        if n == 0 || self.dims == 0 {
            return true;
        }
        let v = &self.unit_content[movie.index() * self.dims..][..self.dims];
        let h = &self.history_sum[user * self.dims..][..self.dims];
        let similarity: f64 = v
            .iter()
            .zip(h)
            .map(|(a, b)| f64::from(*a) * f64::from(*b))
            .sum::<f64>()
            / f64::from(n);
        1.0 - similarity >= self.log.dissimilarity_threshold
    }
}

fn add_history(
    sums: &mut [f32],
    lens: &mut [u32],
    unit_content: &[f32],
    dims: usize,
    user: usize,
    movie: MovieId,
) {
    if dims == 0 {
        return;
    }
    let v = &unit_content[movie.index() * dims..][..dims];
    for (s, x) in sums[user * dims..][..dims].iter_mut().zip(v) {
        *s += x;
    }
    lens[user] += 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_row_is_64_bytes() {
        // The size the scenario's look limit and docs/SCENARIOS.md quote.
        assert_eq!(std::mem::size_of::<UserCounts>(), 64);
    }
}

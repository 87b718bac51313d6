//! Every arm's candidate list for a request, computed once and reused exactly while
//! it cannot change, and — with exact regret, where every arm lists for every
//! request — for many requests at once, in parallel over users.
//!
//! # Reuse
//!
//! An arm's list for a user changes in two ways: when the arm's model changes, and
//! when the user watches a movie (it leaves the list). [`ListReuse`] says which model
//! changes matter: every update for most arms, only updates that bring the user's
//! own interactions for arms that read nothing else of the model between fits
//! (item-based CF, content embeddings, long tail). When an arm first lists for a
//! user it is asked for [`MARGIN`] more candidates than a request needs and the list
//! is kept, keyed by the model version (or the user's revision: the version at which
//! the arms last took in the user's interactions); a later request with the same key
//! takes the first unseen ones. Because every arm's ranking is a total order (score,
//! then movie id), dropping movies from the top `L + m` leaves the top `L` of what
//! remains as long as `L` remain — the list the arm would compute afresh. When
//! fewer remain the arm is asked again. So reuse never changes a result: how long
//! lists are kept is a memory choice ([`Candidates::end_session`]).
//!
//! # Determinism
//!
//! Arm `a` draws for a user's `r`-th request only from
//! [`SeedTree::request_stream`]`(ArmRequest, user · 2^16 + a, r)`. A list therefore
//! depends on the model, the user's state and the request — never on which thread
//! computes it or which other requests were computed with it — so computing lists
//! ahead in parallel gives byte-identical runs with any number of threads.

use crate::ids::{ArmId, MovieId, UserId};
use crate::recommend::{Arms, ListReuse, Recommender, Request, Scored};
use crate::rng::{Purpose, SeedTree};
use crate::scenario::spec::RewardSpec;
use crate::world::{Situation, UserTaste, World};
use serde::{Deserialize, Serialize};

/// Extra candidates an arm lists when its list is kept for reuse.
pub const MARGIN: usize = 10;

/// Lists kept across sessions may take at most this much memory in a run (an
/// estimate from the population size); beyond it they are kept within a session
/// only. Results are the same either way.
pub const CROSS_SESSION_BUDGET_BYTES: usize = 256 << 20;

/// A user's kept lists, one slot per arm.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct KeptLists {
    lists: Vec<Option<Kept>>,
}

/// One kept list, the key it is valid for, and how many movies the user had
/// watched in the replay when it was computed (it excludes those already).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Kept {
    key: u32,
    watched: usize,
    list: Vec<Scored>,
}

/// What one request needs from every arm: its list, and with exact regret the
/// expected reward of the slate each arm would show alone.
#[derive(Clone, Debug, Default)]
pub struct Prepared {
    /// Each arm's candidate list, by arm id.
    pub lists: Vec<Vec<Scored>>,
    /// Each arm's expected reward (empty unless prepared for regret).
    pub rewards: Vec<f64>,
}

/// One request's part in [`Candidates::list_many`].
pub struct ListItem<'r, 'a> {
    /// The request.
    pub request: Request<'r>,
    /// The user's request ordinal (the arms' stream slice).
    pub ordinal: u32,
    /// The user's kept lists.
    pub kept: &'a mut KeptLists,
    /// What kept lists are checked against.
    pub keys: ListKeys<'r>,
    /// Where the list goes.
    pub out: &'a mut Vec<Scored>,
}

/// Model version and user revision, the keys lists are checked against, and what
/// the user has watched since the replay began.
#[derive(Clone, Copy, Debug)]
pub struct ListKeys<'a> {
    /// The model version now serving.
    pub version: u32,
    /// The version at which the arms last took in the user's own interactions.
    pub user_revision: u32,
    /// Movies the user has watched during the replay, in order: a kept list drops
    /// only those watched after it was computed (a handful), instead of searching
    /// the whole seen list for each of its movies.
    pub watched: &'a [MovieId],
}

/// Lists candidates from the arms of a run.
#[derive(Clone, Debug)]
pub struct Candidates {
    seeds: SeedTree,
    list_len: usize,
    reuse: Vec<ListReuse>,
    across_sessions: bool,
}

impl Candidates {
    /// Candidates of `list_len` per arm from `arms` (how each arm's lists may be
    /// reused does not change when it is updated), for a population of `n_users`.
    #[must_use]
    pub fn new(arms: &Arms, seeds: SeedTree, list_len: usize, n_users: usize) -> Self {
        let reuse: Vec<ListReuse> = (0..arms.len())
            .map(|a| arms.get(arm_id(a)).list_reuse())
            .collect();
        let user_keyed = reuse
            .iter()
            .filter(|r| **r == ListReuse::WhileUserUnchanged)
            .count();
        let bytes = n_users * user_keyed * (list_len + MARGIN) * std::mem::size_of::<Scored>();
        Self {
            seeds,
            list_len,
            reuse,
            across_sessions: bytes <= CROSS_SESSION_BUDGET_BYTES,
        }
    }

    /// Number of arms.
    #[must_use]
    pub fn n_arms(&self) -> usize {
        self.reuse.len()
    }

    /// Writes arm `arm`'s list for `request`, the user's `ordinal`-th request, into
    /// `out`, reusing or refreshing the user's `kept` list under `keys`.
    #[allow(clippy::too_many_arguments)]
    pub fn list(
        &self,
        arms: &Arms,
        arm: ArmId,
        request: &Request<'_>,
        ordinal: u32,
        kept: &mut KeptLists,
        keys: ListKeys<'_>,
        out: &mut Vec<Scored>,
    ) {
        self.list_many(
            arms,
            arm,
            &mut [ListItem {
                request: *request,
                ordinal,
                kept,
                keys,
                out,
            }],
        );
    }

    /// Arm `arm`'s list for every item (as [`Candidates::list`]); the lists that
    /// cannot be reused are asked of the arm together
    /// ([`Recommender::recommend_many`]), so an arm that scans the catalogue reads
    /// it once for all of them.
    pub fn list_many(&self, arms: &Arms, arm: ArmId, items: &mut [ListItem<'_, '_>]) {
        let a = arm.index();
        let recommender: &dyn Recommender = arms.get(arm);
        let stream = |item: &ListItem<'_, '_>| {
            self.seeds.request_stream(
                Purpose::ArmRequest,
                unit(item.request.user, a),
                item.ordinal,
            )
        };
        let key_of = |keys: &ListKeys<'_>| match self.reuse[a] {
            ListReuse::Never => None,
            ListReuse::UntilUpdate => Some(keys.version),
            ListReuse::WhileUserUnchanged => Some(keys.user_revision),
        };
        let asked = self.list_len + MARGIN;
        // Items whose kept list serves, filled now; the others listed below.
        let mut fresh: Vec<usize> = Vec::new();
        for (i, item) in items.iter_mut().enumerate() {
            let Some(key) = key_of(&item.keys) else {
                fresh.push(i);
                continue;
            };
            if item.kept.lists.len() != self.n_arms() {
                item.kept.lists.resize(self.n_arms(), None);
            }
            if let Some(k) = &item.kept.lists[a]
                && k.key == key
            {
                let since = &item.keys.watched[k.watched..];
                item.out.clear();
                item.out.extend(
                    k.list
                        .iter()
                        .filter(|s| !since.contains(&s.movie))
                        .take(self.list_len),
                );
                // A list shorter than asked held every candidate the arm had.
                if item.out.len() == self.list_len || k.list.len() < asked {
                    continue;
                }
            }
            fresh.push(i);
        }
        if fresh.is_empty() {
            return;
        }
        let requests: Vec<Request<'_>> = fresh.iter().map(|&i| items[i].request).collect();
        let mut rngs: Vec<_> = fresh.iter().map(|&i| stream(&items[i])).collect();
        let reused = key_of(&items[fresh[0]].keys).is_some();
        let n = if reused { asked } else { self.list_len };
        let mut lists: Vec<Vec<Scored>> = fresh
            .iter()
            .map(|&i| {
                items[i]
                    .kept
                    .lists
                    .get_mut(a)
                    .map_or_else(Vec::new, |slot| {
                        slot.take().map(|k| k.list).unwrap_or_default()
                    })
            })
            .collect();
        recommender.recommend_many(&requests, n, &mut rngs, &mut lists);
        for (&i, list) in fresh.iter().zip(lists) {
            let item = &mut items[i];
            item.out.clear();
            item.out.extend(list.iter().take(self.list_len));
            if let Some(key) = key_of(&item.keys) {
                item.kept.lists[a] = Some(Kept {
                    key,
                    watched: item.keys.watched.len(),
                    list,
                });
            }
        }
    }

    /// The expected reward of each arm's top `slate_size` of `lists` under the truth,
    /// into `out` (by arm id).
    ///
    /// Arms' slates share movies, so each distinct movie's utility and success
    /// probability is computed once per request, then every slate is scored from
    /// them: the same operations in the same order as scoring each slate alone
    /// (`ResponseModel::expected_reward` on the slate), so the same bits.
    pub fn expected_rewards(
        lists: &[Vec<Scored>],
        regret: &RegretInputs<'_>,
        scratch: &mut Scratch,
        out: &mut Vec<f64>,
    ) {
        let world = regret.world;
        let rater = regret.taste.rater();
        let memo = &mut scratch.memo;
        memo.clear();
        for list in lists {
            memo.extend(
                list.iter()
                    .take(regret.slate_size)
                    .map(|s| (s.movie, 0.0, 0.0)),
            );
        }
        memo.sort_unstable_by_key(|m| m.0);
        memo.dedup_by_key(|m| m.0);
        for (movie, u, success) in memo.iter_mut() {
            *u = world.response.utility(
                &world.catalogue,
                &world.movie_truth,
                regret.taste,
                *movie,
                regret.situation,
            );
            let e = world
                .response
                .experienced(*u, &world.movie_truth[movie.index()]);
            *success = world.response.success_given_click(e, rater, regret.reward);
        }
        out.clear();
        for list in lists {
            scratch.utilities.clear();
            scratch.success.clear();
            for s in list.iter().take(regret.slate_size) {
                let at = memo
                    .binary_search_by_key(&s.movie, |m| m.0)
                    .expect("every slate movie is memoised");
                scratch.utilities.push(memo[at].1);
                scratch.success.push(memo[at].2);
            }
            out.push(world.response.expected_reward_given(
                &scratch.utilities,
                &scratch.success,
                &mut scratch.work,
            ));
        }
    }

    /// What a user keeps when a session ends: the lists keyed by the user's revision
    /// if the run can afford them across sessions (the next session finds them
    /// valid unless the user's interactions reached the arms meanwhile), nothing
    /// else (lists keyed by the model version rarely outlive the gap between two
    /// sessions).
    pub fn end_session(&self, kept: &mut KeptLists) {
        if !self.across_sessions {
            kept.lists.clear();
            return;
        }
        for (slot, reuse) in kept.lists.iter_mut().zip(&self.reuse) {
            if *reuse != ListReuse::WhileUserUnchanged {
                *slot = None;
            }
        }
    }
}

/// What the truth needs to score an arm's slate for one request.
#[derive(Clone, Copy)]
pub struct RegretInputs<'a> {
    /// The world and its truth.
    pub world: &'a World,
    /// The user's hidden taste.
    pub taste: &'a UserTaste,
    /// The request's situation.
    pub situation: &'a Situation<'a>,
    /// The stack's reward rule.
    pub reward: &'a RewardSpec,
    /// Slate length K.
    pub slate_size: usize,
}

/// Buffers of `fill_utilities` and the response model.
#[derive(Clone, Debug, Default)]
pub struct Scratch {
    /// Decision utilities, in slate order.
    pub utilities: Vec<f64>,
    /// Experienced utilities, in slate order.
    pub experienced: Vec<f64>,
    /// Success probabilities given a click, in slate order.
    pub success: Vec<f64>,
    /// The response model's working space.
    pub work: Vec<f64>,
    /// (movie, decision utility, success probability given a click) of the distinct
    /// movies of a request's slates, by movie.
    pub memo: Vec<(MovieId, f64, f64)>,
}

/// The decision and experienced utilities of each movie of a slate, in slate order.
pub fn fill_utilities(
    world: &World,
    taste: &UserTaste,
    situation: &Situation<'_>,
    slate: impl Iterator<Item = MovieId>,
    scratch: &mut Scratch,
) {
    scratch.utilities.clear();
    scratch.experienced.clear();
    for movie in slate {
        let u = world.response.utility(
            &world.catalogue,
            &world.movie_truth,
            taste,
            movie,
            situation,
        );
        scratch.utilities.push(u);
        scratch.experienced.push(
            world
                .response
                .experienced(u, &world.movie_truth[movie.index()]),
        );
    }
}

/// The id of the arm at index `a`.
pub fn arm_id(a: usize) -> ArmId {
    ArmId(u16::try_from(a).expect("arm count fits u16"))
}

fn unit(user: UserId, arm: usize) -> u64 {
    (u64::from(user.0) << 16) | arm as u64
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::rng::SeedTree;
    use crate::scenario::{Scenario, ScenarioSpec};
    use crate::world::context::{DayType, Daypart};

    #[test]
    fn shared_movies_score_every_slate_as_scoring_it_alone_does() {
        let spec = ScenarioSpec::from_ron_str(
            "(catalogue: (n_movies: 60, n_people: 30, n_keywords: 10),
              population: (n_users: 20), horizon: (days: 1, warm_up_days: 3))",
            Path::new("t.ron"),
        )
        .unwrap();
        let scenario: Scenario = spec.validate(Path::new("t.ron"), "t").unwrap();
        let world = World::generate(&scenario, &SeedTree::new(4));
        let recent = vec![2u16; world.catalogue.genre_names.len()];
        let situation = Situation {
            daypart: Daypart::Night,
            day_type: DayType::Weekend,
            session_position: 3,
            recent_genre_counts: &recent,
            fatigue_window: 10,
        };
        let taste = &world.tastes[7];
        let reward = &scenario.spec().stack.reward;
        let inputs = RegretInputs {
            world: &world,
            taste,
            situation: &situation,
            reward,
            slate_size: 10,
        };
        // Three overlapping lists, one shorter than a slate.
        let list = |ids: &[u32]| -> Vec<Scored> {
            ids.iter()
                .map(|&m| Scored {
                    movie: MovieId(m),
                    score: 0.0,
                })
                .collect()
        };
        let lists = vec![
            list(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
            list(&[5, 40, 3, 41, 1, 42, 43, 44, 45, 46]),
            list(&[59, 1, 30]),
        ];
        let mut scratch = Scratch::default();
        let mut got = Vec::new();
        Candidates::expected_rewards(&lists, &inputs, &mut scratch, &mut got);
        for (list, got) in lists.iter().zip(got) {
            let movies = list.iter().take(10).map(|s| s.movie);
            let mut alone = Scratch::default();
            fill_utilities(&world, taste, &situation, movies, &mut alone);
            let want = world.response.expected_reward(
                &alone.utilities,
                &alone.experienced,
                taste.rater(),
                reward,
                &mut alone.work,
            );
            assert_eq!(got.to_bits(), want.to_bits());
        }
    }
}

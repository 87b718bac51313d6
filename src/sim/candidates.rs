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

/// Extra candidates an arm lists when its list is kept for reuse.
pub const MARGIN: usize = 10;

/// Lists kept across sessions may take at most this much memory in a run (an
/// estimate from the population size); beyond it they are kept within a session
/// only. Results are the same either way.
const CROSS_SESSION_BUDGET_BYTES: usize = 256 << 20;

/// A user's kept lists, one slot per arm.
#[derive(Clone, Debug, Default)]
pub struct KeptLists {
    lists: Vec<Option<Kept>>,
}

/// One kept list and the key it is valid for.
#[derive(Clone, Debug)]
struct Kept {
    key: u32,
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

/// Model version and user revision: the keys lists are checked against.
#[derive(Clone, Copy, Debug)]
pub struct ListKeys {
    /// The model version now serving.
    pub version: u32,
    /// The version at which the arms last took in the user's own interactions.
    pub user_revision: u32,
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
        keys: ListKeys,
        out: &mut Vec<Scored>,
    ) {
        let a = arm.index();
        let recommender: &dyn Recommender = arms.get(arm);
        let mut rng =
            self.seeds
                .request_stream(Purpose::ArmRequest, unit(request.user, a), ordinal);
        let key = match self.reuse[a] {
            ListReuse::Never => {
                recommender.recommend(request, self.list_len, &mut rng, out);
                return;
            }
            ListReuse::UntilUpdate => keys.version,
            ListReuse::WhileUserUnchanged => keys.user_revision,
        };
        if kept.lists.len() != self.n_arms() {
            kept.lists.resize(self.n_arms(), None);
        }
        let asked = self.list_len + MARGIN;
        if let Some(k) = &kept.lists[a]
            && k.key == key
        {
            out.clear();
            out.extend(
                k.list
                    .iter()
                    .filter(|s| !request.has_seen(s.movie))
                    .take(self.list_len),
            );
            // A list shorter than asked held every candidate the arm had.
            if out.len() == self.list_len || k.list.len() < asked {
                return;
            }
        }
        let mut list = kept.lists[a].take().map(|k| k.list).unwrap_or_default();
        recommender.recommend(request, asked, &mut rng, &mut list);
        out.clear();
        out.extend(list.iter().take(self.list_len));
        kept.lists[a] = Some(Kept { key, list });
    }

    /// The expected reward of each arm's top `slate_size` of `lists` under the truth,
    /// into `out` (by arm id).
    pub fn expected_rewards(
        lists: &[Vec<Scored>],
        regret: &RegretInputs<'_>,
        scratch: &mut Scratch,
        out: &mut Vec<f64>,
    ) {
        out.clear();
        for list in lists {
            let movies = list.iter().take(regret.slate_size).map(|s| s.movie);
            out.push(regret.expected_reward(movies, scratch));
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

/// Buffers of [`fill_utilities`] and the response model.
#[derive(Clone, Debug, Default)]
pub struct Scratch {
    /// Decision utilities, in slate order.
    pub utilities: Vec<f64>,
    /// Experienced utilities, in slate order.
    pub experienced: Vec<f64>,
    /// The response model's working space.
    pub work: Vec<f64>,
}

impl RegretInputs<'_> {
    /// Expected reward of showing `movies` as a slate.
    pub fn expected_reward(
        &self,
        movies: impl Iterator<Item = MovieId>,
        scratch: &mut Scratch,
    ) -> f64 {
        fill_utilities(self.world, self.taste, self.situation, movies, scratch);
        self.world.response.expected_reward(
            &scratch.utilities,
            &scratch.experienced,
            self.taste.rater(),
            self.reward,
            &mut scratch.work,
        )
    }
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

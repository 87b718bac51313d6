//! Team-draft interleaving: two stacks' lists merged into one slate, each click
//! credited to the stack whose "team" placed the clicked movie.
//!
//! Each round, the team with fewer picks so far — or, when both have as many, the
//! winner of a fair coin — adds its highest-ranked movie not yet in the slate.
//! Under no preference each position is equally likely to come from either team, so
//! a user's clicks split evenly in expectation; a stack whose movies are clicked more
//! wins. Because both stacks face the same user in the same moment, interleaving
//! removes the between-user variance an A/B test pays for, and needs far fewer
//! requests to detect the same difference (Chapelle, Joachims, Radlinski & Yue 2012).
//!
//! # Determinism
//!
//! The coins of user u come from stream `(Interleaving, u)`, one draw per tied round.
//!
//! # References
//!
//! Radlinski, Kurup & Joachims (2008), "How does clickthrough data reflect retrieval
//! quality?", CIKM (Algorithm 2, team draft); Chapelle, Joachims, Radlinski & Yue
//! (2012), "Large-scale validation and analysis of interleaved search evaluation",
//! ACM TOIS 30(1).

use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::bandit::Feedback;
use crate::ids::MovieId;
use crate::recommend::BlendedItem;
use crate::rng::{ChaCha8Rng, Purpose, SeedTree};
use crate::scenario::Scenario;
use crate::scenario::spec::Design;

/// The control's team.
pub const CONTROL_TEAM: usize = 0;
/// The treatment's team.
pub const TREATMENT_TEAM: usize = 1;

/// Merges `control` and `treatment` into `slate` (at most `k` movies) by team draft;
/// `teams[i]` is the team that placed `slate[i]`.
pub fn team_draft(
    control: &[BlendedItem],
    treatment: &[BlendedItem],
    k: usize,
    rng: &mut ChaCha8Rng,
    slate: &mut Vec<BlendedItem>,
    teams: &mut Vec<usize>,
) {
    slate.clear();
    teams.clear();
    let lists = [control, treatment];
    let mut next = [0usize; 2];
    let mut picks = [0usize; 2];
    let contains = |slate: &[BlendedItem], m: MovieId| slate.iter().any(|i| i.movie == m);
    while slate.len() < k {
        // Skip movies the other team already placed.
        for t in 0..2 {
            while next[t] < lists[t].len() && contains(slate, lists[t][next[t]].movie) {
                next[t] += 1;
            }
        }
        let open = [next[0] < lists[0].len(), next[1] < lists[1].len()];
        let team = match open {
            [false, false] => break,
            [true, false] => CONTROL_TEAM,
            [false, true] => TREATMENT_TEAM,
            [true, true] => match picks[0].cmp(&picks[1]) {
                std::cmp::Ordering::Less => CONTROL_TEAM,
                std::cmp::Ordering::Greater => TREATMENT_TEAM,
                std::cmp::Ordering::Equal => usize::from(rng.random::<bool>()),
            },
        };
        slate.push(lists[team][next[team]]);
        teams.push(team);
        picks[team] += 1;
        next[team] += 1;
    }
}

/// The interleaving slots of a run and their users' coin streams.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Interleaver {
    /// Per policy slot: the slot of the treatment it is interleaved with.
    partners: Vec<Option<usize>>,
    seeds: SeedTree,
    coins: Vec<Option<ChaCha8Rng>>,
    teams: Vec<usize>,
    merged: Vec<BlendedItem>,
}

impl Interleaver {
    /// The interleaving pairs of `scenario` (slot 0 is outside experiments; then each
    /// experiment's variants in order) for `n_users` users.
    #[must_use]
    pub fn new(scenario: &Scenario, seeds: &SeedTree, n_users: usize) -> Self {
        let mut partners = vec![None];
        for e in &scenario.spec().experiments {
            let first = partners.len();
            partners.extend(std::iter::repeat_n(None, e.variants.len()));
            if e.design == Design::Interleaving {
                partners[first] = Some(first + 1);
            }
        }
        let any = partners.iter().any(Option::is_some);
        Self {
            partners,
            seeds: *seeds,
            coins: if any { vec![None; n_users] } else { Vec::new() },
            teams: Vec::new(),
            merged: Vec::new(),
        }
    }

    /// The slot interleaved with `slot`, if `slot` serves an interleaving experiment.
    #[must_use]
    pub fn partner(&self, slot: usize) -> Option<usize> {
        self.partners[slot]
    }

    /// Replaces `slate` (the control's list) by its team draft with `treatment`.
    pub fn merge(&mut self, user: usize, slate: &mut Vec<BlendedItem>, treatment: &[BlendedItem]) {
        let k = slate.len().max(treatment.len());
        let seeds = self.seeds;
        let rng = self.coins[user]
            .get_or_insert_with(|| seeds.stream(Purpose::Interleaving, user as u64));
        team_draft(slate, treatment, k, rng, &mut self.merged, &mut self.teams);
        slate.clone_from(&self.merged);
    }

    /// The team credited with a click at slate position `position` of the last merge.
    #[must_use]
    pub fn credit(&self, position: Option<usize>) -> Option<usize> {
        position.map(|k| self.teams[k])
    }
}

/// The feedback a team's policy learns from: the request's feedback when the click was
/// credited to `team`, no click otherwise.
#[must_use]
pub fn team_feedback(feedback: &Feedback, credit: Option<usize>, team: usize) -> Feedback {
    if credit == Some(team) {
        *feedback
    } else {
        Feedback {
            clicked: false,
            credited_arm: None,
            rating: None,
            thumbs: None,
        }
    }
}

/// Mutable references to two different elements of `items` (the second `None`
/// when there is no partner).
///
/// # Panics
///
/// If `partner == Some(index)`.
pub fn with_partner<T>(
    items: &mut [T],
    index: usize,
    partner: Option<usize>,
) -> (&mut T, Option<&mut T>) {
    match partner {
        None => (&mut items[index], None),
        Some(p) => {
            assert_ne!(p, index, "a slot is not its own partner");
            if index < p {
                let (left, right) = items.split_at_mut(p);
                (&mut left[index], Some(&mut right[0]))
            } else {
                let (left, right) = items.split_at_mut(index);
                (&mut right[0], Some(&mut left[p]))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ArmId;
    use crate::rng::stream;

    fn list(ids: &[u32]) -> Vec<BlendedItem> {
        ids.iter()
            .map(|&m| BlendedItem {
                movie: MovieId(m),
                score: 0.0,
                arm: ArmId(0),
            })
            .collect()
    }

    #[test]
    fn teams_alternate_and_skip_duplicates() {
        // Radlinski et al. (2008), Algorithm 2, on A = (1, 2, 3, 4), B = (2, 5, 1, 6):
        // whichever team starts, the merged list holds each team's top movies in
        // order, never a movie twice, and team sizes differ by at most one.
        let a = list(&[1, 2, 3, 4]);
        let b = list(&[2, 5, 1, 6]);
        let mut slate = Vec::new();
        let mut teams = Vec::new();
        let mut seen_first = [false; 2];
        for seed in 0..64 {
            let mut rng = stream(seed, Purpose::Interleaving, 0, 0);
            team_draft(&a, &b, 4, &mut rng, &mut slate, &mut teams);
            let movies: Vec<u32> = slate.iter().map(|i| i.movie.0).collect();
            seen_first[teams[0]] = true;
            let mut sorted = movies.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), 4, "{movies:?}");
            for (pair, team) in movies.chunks(2).zip(teams.chunks(2)) {
                assert_ne!(team[0], team[1], "{movies:?} {teams:?}");
                assert!(pair.len() == 2);
            }
            // Possible outcomes: A first → (1, 2, 3, 5) or (1, 2, 5, 3);
            // B first → (2, 1, 3, 5) or (2, 1, 5, 3).
            assert!(
                [[1, 2, 3, 5], [1, 2, 5, 3], [2, 1, 3, 5], [2, 1, 5, 3]]
                    .iter()
                    .any(|o| o[..] == movies[..]),
                "{movies:?}"
            );
        }
        assert_eq!(seen_first, [true, true]);
    }

    #[test]
    fn identical_lists_split_credit_evenly() {
        // Under no difference every position is a fair coin between the teams:
        // over 4,000 merges of identical lists the first slot goes to the control
        // 2,000 ± 190 times (six binomial sd).
        let a = list(&[1, 2, 3, 4, 5]);
        let mut rng = stream(3, Purpose::Interleaving, 0, 0);
        let (mut slate, mut teams) = (Vec::new(), Vec::new());
        let mut control_first = 0;
        for _ in 0..4_000 {
            team_draft(&a, &a, 5, &mut rng, &mut slate, &mut teams);
            assert_eq!(
                slate.iter().map(|i| i.movie.0).collect::<Vec<_>>(),
                [1, 2, 3, 4, 5]
            );
            control_first += usize::from(teams[0] == CONTROL_TEAM);
        }
        assert!((1_810..=2_190).contains(&control_first), "{control_first}");
    }

    #[test]
    fn a_short_list_leaves_the_rest_to_the_other_team() {
        let mut rng = stream(1, Purpose::Interleaving, 0, 0);
        let (mut slate, mut teams) = (Vec::new(), Vec::new());
        team_draft(
            &list(&[7]),
            &list(&[1, 2, 3]),
            3,
            &mut rng,
            &mut slate,
            &mut teams,
        );
        assert_eq!(slate.len(), 3);
        assert_eq!(teams.iter().filter(|&&t| t == CONTROL_TEAM).count(), 1);
    }

    #[test]
    fn only_the_credited_team_sees_the_click() {
        let f = Feedback {
            clicked: true,
            credited_arm: Some(ArmId(2)),
            rating: Some(4.5),
            thumbs: Some(1),
        };
        assert_eq!(team_feedback(&f, Some(TREATMENT_TEAM), TREATMENT_TEAM), f);
        let other = team_feedback(&f, Some(TREATMENT_TEAM), CONTROL_TEAM);
        assert!(!other.clicked && other.credited_arm.is_none() && other.rating.is_none());
        assert!(!team_feedback(&f, None, CONTROL_TEAM).clicked);
    }

    #[test]
    fn with_partner_borrows_both() {
        let mut v = vec![1, 2, 3];
        let (a, b) = with_partner(&mut v, 2, Some(0));
        *a += 10;
        *b.unwrap() += 20;
        assert_eq!(v, [21, 2, 13]);
    }
}

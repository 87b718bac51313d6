//! Personalised PageRank on a knowledge graph of movies, genres, people, keywords
//! and users.
//!
//! Nodes: every movie, genre, person, keyword and user. Undirected, unweighted
//! edges: movie–genre, movie–person, movie–keyword (public catalogue attributes) and
//! user–movie for every movie the user liked (preference weight > 0, see
//! [`history`](super::history)). The walk restarts with probability α at the user's
//! most recent liked movies (weighted by preference) and otherwise moves to a
//! uniformly chosen neighbour:
//!
//! ```text
//! π = α s + (1 − α) Pᵀ π        P_vw = 1/deg(v) for each edge v–w
//! ```
//!
//! Movies are ranked by π, estimated by Monte Carlo (Fogaras et al. 2005; Avrachenkov
//! et al. 2007): `walks` walks start at a seed drawn by weight; at each node the walk
//! ends with probability α, else moves to a uniform neighbour. The expected number
//! of visits to v per walk is π(v)/α, so `α · visits / walks` estimates π(v) without
//! bias, with relative error ∝ 1/√(walks·π(v)). A request costs about
//! `walks · (1 − α)/α` steps whatever the graph size: local candidate generation.
//! [`pagerank`] is the exact power iteration, used to test it. (Forward push,
//! Andersen, Chung & Lang 2006, was tried first: on this graph hubs — genres,
//! popular movies — have thresholds ε·deg so large that mass rarely leaves the seeds
//! at a usable ε.)
//!
//! # Updates
//!
//! New likes add user–movie edges at once.
//!
//! # References
//!
//! Page, Brin, Motwani & Winograd (1999), "The PageRank citation ranking"; Fogaras,
//! Rácz, Csalogány & Sarlós (2005), "Towards scaling fully personalized PageRank",
//! Internet Mathematics 2(3); Avrachenkov, Litvak, Nemirovsky & Osipova (2007),
//! "Monte Carlo methods in PageRank computation: when one iteration is sufficient",
//! SIAM J. Numer. Anal. 45(2).

// Visit counts live in a HashMap with the fixed `NodeHash` hasher, not the
// randomly seeded default: the same walks give the same map, and scores are ranked
// with ties broken by id, so iteration order never reaches a result.
#![allow(clippy::disallowed_types)]

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rand::RngExt;

use crate::ids::MovieId;
use crate::interaction::Interaction;
use crate::rng::ChaCha8Rng;
use crate::world::Catalogue;

use super::history::Histories;
use super::topn::TopN;
use super::{Recommender, Request, Scored, TrainingData, fill_by_popularity, popularity_order};

/// Settings of the graph arm.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GraphParams {
    /// Restart probability α.
    pub restart_probability: f64,
    /// Random walks per request.
    pub walks: usize,
    /// Most recent liked movies used as restart nodes.
    pub max_seeds: usize,
}

/// An undirected graph as adjacency lists.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Graph {
    adjacency: Vec<Vec<u32>>,
}

impl Graph {
    /// A graph of `n` isolated nodes.
    #[must_use]
    pub fn new(n: usize) -> Self {
        Self {
            adjacency: vec![Vec::new(); n],
        }
    }

    /// Adds the edge a–b (parallel edges count twice).
    pub fn connect(&mut self, a: u32, b: u32) {
        self.adjacency[a as usize].push(b);
        self.adjacency[b as usize].push(a);
    }

    /// Number of nodes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.adjacency.len()
    }

    /// Whether the graph has no nodes.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.adjacency.is_empty()
    }

    /// Monte Carlo personalised PageRank from `restart` (node, mass) pairs whose
    /// masses sum to 1: `α · visits / walks` for every visited node.
    ///
    /// # Determinism
    ///
    /// Per walk: one draw for the seed, then one per step for stopping and one per
    /// move for the neighbour, all from `rng`.
    pub fn random_walks(
        &self,
        restart: &[(u32, f64)],
        alpha: f64,
        walks: usize,
        rng: &mut ChaCha8Rng,
    ) -> HashMap<u32, f64, NodeHash> {
        let mut visits: HashMap<u32, u32, NodeHash> = HashMap::default();
        let mut cumulative = Vec::with_capacity(restart.len());
        let mut acc = 0.0;
        for &(v, mass) in restart {
            acc += mass;
            cumulative.push((acc, v));
        }
        for _ in 0..walks {
            let u: f64 = rng.random::<f64>() * acc;
            let mut v = cumulative
                .iter()
                .find(|(c, _)| u < *c)
                .or(cumulative.last())
                .map_or(0, |&(_, v)| v);
            loop {
                *visits.entry(v).or_insert(0) += 1;
                let neighbours = &self.adjacency[v as usize];
                if neighbours.is_empty() || rng.random_bool(alpha) {
                    break;
                }
                v = neighbours[rng.random_range(0..neighbours.len())];
            }
        }
        let scale = alpha / walks.max(1) as f64;
        visits
            .into_iter()
            .map(|(v, n)| (v, f64::from(n) * scale))
            .collect()
    }
}

/// Exact personalised PageRank by power iteration until the L1 change is below
/// `tolerance`: `π ← α s + (1 − α) Pᵀ π`. Dangling nodes send their walk back to `s`.
#[must_use]
pub fn pagerank(graph: &Graph, restart: &[f64], alpha: f64, tolerance: f64) -> Vec<f64> {
    let n = graph.len();
    let mut pi = restart.to_vec();
    loop {
        let mut next: Vec<f64> = restart.iter().map(|s| alpha * s).collect();
        let mut dangling = 0.0;
        for (v, neighbours) in graph.adjacency.iter().enumerate() {
            if neighbours.is_empty() {
                dangling += pi[v];
                continue;
            }
            let share = (1.0 - alpha) * pi[v] / neighbours.len() as f64;
            for &w in neighbours {
                next[w as usize] += share;
            }
        }
        for (x, s) in next.iter_mut().zip(restart) {
            *x += (1.0 - alpha) * dangling * s;
        }
        let change: f64 = (0..n).map(|i| (next[i] - pi[i]).abs()).sum();
        pi = next;
        if change < tolerance {
            return pi;
        }
    }
}

/// A fast hasher for node ids (a multiplicative mix; iteration order of the maps is
/// never observed).
#[derive(Clone, Copy, Debug, Default)]
pub struct NodeHasher(u64);

impl Hasher for NodeHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01B3);
        }
    }
    fn write_u32(&mut self, i: u32) {
        self.0 = u64::from(i).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// Build-hasher of [`NodeHasher`].
pub type NodeHash = BuildHasherDefault<NodeHasher>;

/// The knowledge-graph arm.
#[derive(Clone, Debug)]
pub struct GraphArm {
    params: GraphParams,
    graph: Graph,
    histories: Histories,
    n_movies: usize,
    /// First user node.
    user_base: u32,
    fallback: Vec<MovieId>,
}

impl GraphArm {
    /// An arm with the catalogue part of the graph built.
    #[must_use]
    pub fn new(params: GraphParams, catalogue: &Catalogue) -> Self {
        let n_movies = catalogue.len();
        let n_genres = catalogue.genre_names.len();
        let n_people = catalogue
            .movies
            .iter()
            .flat_map(|m| m.people.iter().copied())
            .max()
            .map_or(0, |p| p as usize + 1);
        let n_keywords = catalogue
            .movies
            .iter()
            .flat_map(|m| m.keywords.iter().copied())
            .max()
            .map_or(0, |k| k as usize + 1);
        let genre_base = n_movies;
        let people_base = genre_base + n_genres;
        let keyword_base = people_base + n_people;
        let user_base = keyword_base + n_keywords;
        let mut graph = Graph::new(user_base);
        for m in &catalogue.movies {
            let v = m.id.0;
            for g in &m.genres {
                graph.connect(v, (genre_base + g.index()) as u32);
            }
            for &p in &m.people {
                graph.connect(v, (people_base + p as usize) as u32);
            }
            for &k in &m.keywords {
                graph.connect(v, (keyword_base + k as usize) as u32);
            }
        }
        Self {
            params,
            graph,
            histories: Histories::default(),
            n_movies,
            user_base: u32::try_from(user_base).expect("node count fits u32"),
            fallback: popularity_order(catalogue),
        }
    }

    fn add_likes(&mut self, log: &[Interaction]) {
        // Only movies that newly become liked get an edge: replayed feedback on a
        // movie never doubles it.
        let before: Vec<(usize, bool)> = log
            .iter()
            .map(|i| {
                let liked = self
                    .histories
                    .of(i.user)
                    .iter()
                    .any(|e| e.movie == i.movie && e.weight > 0.0);
                (i.user.index(), liked)
            })
            .collect();
        self.histories.add(log);
        for (i, (_, was_liked)) in log.iter().zip(before) {
            let liked = self
                .histories
                .of(i.user)
                .iter()
                .any(|e| e.movie == i.movie && e.weight > 0.0);
            if liked && !was_liked {
                let user_node = self.user_base + i.user.0;
                let needed = user_node as usize + 1;
                if self.graph.adjacency.len() < needed {
                    self.graph.adjacency.resize(needed, Vec::new());
                }
                // A like can be repeated in one batch; the check above saw the state
                // before the batch, so guard against a second edge.
                if !self.graph.adjacency[user_node as usize].contains(&i.movie.0) {
                    self.graph.connect(user_node, i.movie.0);
                }
            }
        }
    }
}

impl Recommender for GraphArm {
    fn name(&self) -> &'static str {
        "graph"
    }

    fn fit(&mut self, data: &TrainingData<'_>) {
        self.graph.adjacency.truncate(self.user_base as usize);
        for list in &mut self.graph.adjacency {
            list.retain(|&w| w < self.user_base);
        }
        self.histories = Histories::new(data.population.len());
        self.add_likes(data.interactions);
    }

    fn update(&mut self, _data: &TrainingData<'_>, new: &[Interaction]) {
        self.add_likes(new);
    }

    fn recommend(
        &self,
        request: &Request<'_>,
        n: usize,
        rng: &mut ChaCha8Rng,
        out: &mut Vec<Scored>,
    ) {
        let liked: Vec<(u32, f64)> = self
            .histories
            .of(request.user)
            .iter()
            .rev()
            .filter(|e| e.weight > 0.0)
            .take(self.params.max_seeds)
            .map(|e| (e.movie.0, f64::from(e.weight)))
            .collect();
        let total: f64 = liked.iter().map(|s| s.1).sum();
        if liked.is_empty() || total <= 0.0 {
            fill_by_popularity(&self.fallback, request, n, out);
            return;
        }
        let restart: Vec<(u32, f64)> = liked.iter().map(|&(v, w)| (v, w / total)).collect();
        let estimate = self.graph.random_walks(
            &restart,
            self.params.restart_probability,
            self.params.walks,
            rng,
        );
        let mut top = TopN::new(n);
        for (&v, &p) in &estimate {
            let movie = MovieId(v);
            if (v as usize) < self.n_movies && p > 0.0 && !request.has_seen(movie) {
                top.push(movie, p);
            }
        }
        top.finish(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Edges 0–1, 0–2, 0–3, 1–2.
    fn four() -> Graph {
        let mut g = Graph::new(4);
        for (a, b) in [(0, 1), (0, 2), (0, 3), (1, 2)] {
            g.connect(a, b);
        }
        g
    }

    #[test]
    fn pagerank_matches_the_hand_solved_four_node_graph() {
        // Solved by hand: α = 1/2, restart at node 3, degrees (3, 2, 2, 1). By symmetry
        // π1 = π2 = x, and π_v = α s_v + (1 − α) Σ_{u–v} π_u / deg(u) gives
        //   x  = ½(π0/3 + x/2)   ⇒ x  = 2π0/9
        //   π0 = ½(x/2 + x/2 + π3) ⇒ π0 = 9π3/16
        //   π3 = ½ + ½·π0/3      ⇒ π3 = 16/29
        // so π = (9, 2, 2, 16) / 29, which sums to 1.
        let pi = pagerank(&four(), &[0.0, 0.0, 0.0, 1.0], 0.5, 1e-14);
        let want = [9.0 / 29.0, 2.0 / 29.0, 2.0 / 29.0, 16.0 / 29.0];
        for (p, w) in pi.iter().zip(want) {
            assert!((p - w).abs() < 1e-10, "{pi:?}");
        }
        assert!((pi.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn random_walks_approach_power_iteration() {
        // 200,000 walks: the standard error of a node with π ≈ 0.3 is about
        // √(π(1 − π)/n)·(visits per walk spread) < 0.005, so 0.01 cannot flake with
        // this fixed stream.
        let g = four();
        let exact = pagerank(&g, &[0.0, 0.0, 0.0, 1.0], 0.5, 1e-14);
        let mut rng = crate::rng::stream(5, crate::rng::Purpose::Arm, 0, 0);
        let approx = g.random_walks(&[(3, 1.0)], 0.5, 200_000, &mut rng);
        for (v, p) in exact.iter().enumerate() {
            let got = approx.get(&(v as u32)).copied().unwrap_or(0.0);
            assert!((got - p).abs() < 0.01, "node {v}: {got} vs {p}");
        }
        let sum: f64 = approx.values().sum();
        assert!((sum - 1.0).abs() < 0.01, "{sum}");
    }
}

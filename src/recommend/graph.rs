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
//! Movies are ranked by π, estimated by Monte Carlo fingerprints (Fogaras, Rácz,
//! Csalogány & Sarlós 2005): π is linear in the restart distribution,
//!
//! ```text
//! π(Σ_s w_s e_s) = Σ_s w_s π(e_s)
//! ```
//!
//! so each movie s keeps a *fingerprint*, an estimate of π(e_s)/α from
//! `walks_per_movie` walks that start at s and at each node end with probability α or
//! move to a uniform neighbour (the expected number of visits to v per walk is
//! π(e_s)(v)/α, so visits / walks estimates it without bias, with relative error
//! ∝ 1/√(walks·π(v))). A fingerprint keeps its `fingerprint` most visited movies. A
//! request mixes the fingerprints of the user's (at most `max_seeds`) most recent
//! liked movies by preference weight: about `max_seeds · fingerprint` additions
//! instead of thousands of random steps per request. [`pagerank`] is the exact power
//! iteration, used to test both. (Forward push, Andersen, Chung & Lang 2006, was tried
//! first: on this graph hubs — genres, popular movies — have thresholds ε·deg so
//! large that mass rarely leaves the seeds at a usable ε. Walks per request, 2,000 of
//! them, were the arm's first form: ~240 µs per request, most of a whole-stack run.)
//!
//! Truncation drops each fingerprint's least visited movies, which carry the least
//! mass; a movie outside every seed's fingerprint scores 0 and is not listed.
//!
//! # Updates
//!
//! `fit` builds the graph from the log and every movie's fingerprint. An update adds
//! the new likes' user–movie edges and rebuilds the fingerprints of the movies that
//! gained an edge, whose neighbourhoods changed most; the other fingerprints keep the
//! walks of the graph they were built on until the next `fit` — a warm start whose
//! staleness is the few new edges their walks could have crossed.
//!
//! # Determinism
//!
//! Movie m's walks at the r-th build draw from their own stream slice (see
//! [`WalkStreams`]), so fingerprints do not depend on threads or on which other
//! movies are rebuilt.
//!
//! # References
//!
//! Page, Brin, Motwani & Winograd (1999), "The PageRank citation ranking"; Fogaras,
//! Rácz, Csalogány & Sarlós (2005), "Towards scaling fully personalized PageRank",
//! Internet Mathematics 2(3); Avrachenkov, Litvak, Nemirovsky & Osipova (2007),
//! "Monte Carlo methods in PageRank computation: when one iteration is sufficient",
//! SIAM J. Numer. Anal. 45(2).

use rand::RngExt;
use rayon::prelude::*;

use crate::ids::MovieId;
use crate::interaction::Interaction;
use crate::rng::{ChaCha8Rng, Purpose, SeedTree};
use crate::world::Catalogue;

use super::accumulator::Accumulator;
use super::history::Histories;
use super::topn::TopN;
use super::{Recommender, Request, Scored, TrainingData, fill_by_popularity, popularity_order};

/// Settings of the graph arm.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GraphParams {
    /// Restart probability α.
    pub restart_probability: f64,
    /// Random walks from each movie for its fingerprint.
    pub walks_per_movie: usize,
    /// Movies kept in each fingerprint.
    pub fingerprint: usize,
    /// Most recent liked movies used as restart nodes.
    pub max_seeds: usize,
}

/// An undirected graph as adjacency lists, the form it is built and changed in.
/// Walks read its compressed form, [`Graph::csr`].
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

    /// The graph as it stands, compressed for walks (one offsets array, one
    /// neighbours array: a walk step reads two adjacent words and one neighbour).
    #[must_use]
    pub fn csr(&self) -> Csr {
        let mut offsets = Vec::with_capacity(self.adjacency.len() + 1);
        let mut neighbours = Vec::with_capacity(self.adjacency.iter().map(Vec::len).sum());
        offsets.push(0);
        for list in &self.adjacency {
            neighbours.extend_from_slice(list);
            offsets.push(neighbours.len());
        }
        Csr {
            offsets,
            neighbours,
        }
    }
}

/// A graph in compressed sparse rows: what random walks read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Csr {
    offsets: Vec<usize>,
    neighbours: Vec<u32>,
}

impl Csr {
    /// Number of nodes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Whether the graph has no nodes.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Monte Carlo personalised PageRank from `restart` (node, mass) pairs whose
    /// masses sum to 1: adds each walk's visits to nodes below `counted` into
    /// `visits[node]` (nodes at or above it are walked through, not counted), and
    /// lists each node counted for the first time in `touched`. `α · visits / walks`
    /// estimates π.
    ///
    /// # Determinism
    ///
    /// Per walk one draw picks the seed (none when there is one seed); per visited
    /// node one 64-bit draw decides both whether the walk stops (its high 32 bits
    /// against ⌊α·2³²⌋) and, if not, which neighbour comes next (its low 32 bits times
    /// the degree, over 2³²: Lemire's multiply-shift, biased by at most degree / 2³²),
    /// all from `rng`.
    ///
    /// # Panics
    ///
    /// If `visits` is shorter than `counted`.
    #[allow(clippy::too_many_arguments)]
    pub fn walk_visits(
        &self,
        restart: &[(u32, f64)],
        alpha: f64,
        walks: usize,
        rng: &mut ChaCha8Rng,
        counted: u32,
        visits: &mut [u32],
        touched: &mut Vec<u32>,
    ) {
        let mut cumulative = Vec::with_capacity(restart.len());
        let mut acc = 0.0;
        for &(v, mass) in restart {
            acc += mass;
            cumulative.push((acc, v));
        }
        // Stop when the high word is below α·2³² (α = 1 always stops).
        let stop_below = (alpha.clamp(0.0, 1.0) * 4_294_967_296.0) as u64;
        for _ in 0..walks {
            let mut v = match cumulative.as_slice() {
                [] => return,
                [(_, only)] => *only,
                _ => {
                    let u: f64 = rng.random::<f64>() * acc;
                    cumulative
                        .iter()
                        .find(|(c, _)| u < *c)
                        .or(cumulative.last())
                        .map_or(0, |&(_, v)| v)
                }
            };
            loop {
                if v < counted {
                    let slot = &mut visits[v as usize];
                    if *slot == 0 {
                        touched.push(v);
                    }
                    *slot += 1;
                }
                let (from, to) = (self.offsets[v as usize], self.offsets[v as usize + 1]);
                let x: u64 = rng.random();
                if from == to || (x >> 32) < stop_below {
                    break;
                }
                let pick = ((x & 0xFFFF_FFFF) * (to - from) as u64) >> 32;
                v = self.neighbours[from + pick as usize];
            }
        }
    }

    /// [`Csr::walk_visits`] from the one node `start`, counting every node: the same
    /// draws and the same visit counts, with `WALK_LANES` walks advanced side by side.
    /// Returns how many nodes were counted for the first time, listed in
    /// `touched[..n]` (in an order of its own); `None`, with `rng` where it was and
    /// nothing counted, when `start` has no neighbour, when α·2³² rounds to 0 (walks
    /// that end only at a node without neighbours) or when the walks need more than
    /// `max_draws` draws (the buffer of draws stays bounded whatever the settings):
    /// [`Csr::walk_visits`] then.
    ///
    /// A walk step takes one draw, and every node a walk reaches through an edge has
    /// that edge back (edges are undirected), so from a start with a neighbour a walk
    /// ends exactly at its first draw whose high word is below α·2³². The draws of
    /// all walks are therefore made first, in the order `walk_visits` makes them
    /// (`rng` ends where it would), which fixes where each walk starts; the walks are
    /// then dealt to lanes in contiguous runs and stepped in turn. One walk alone is a
    /// chain of dependent loads (node → its neighbours → the next node); the lanes'
    /// chains overlap. Visits are integer counts, the same whichever walk adds first.
    ///
    /// # Panics
    ///
    /// If `visits` is shorter than the graph.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn walk_visits_from(
        &self,
        start: u32,
        alpha: f64,
        walks: usize,
        rng: &mut ChaCha8Rng,
        visits: &mut [u32],
        touched: &mut Vec<u32>,
        draws: &mut Vec<u64>,
        max_draws: usize,
    ) -> Option<usize> {
        let stop_below = (alpha.clamp(0.0, 1.0) * 4_294_967_296.0) as u64;
        let s = start as usize;
        if stop_below == 0 || self.offsets[s] == self.offsets[s + 1] {
            return None;
        }
        assert!(visits.len() >= self.len(), "one visit count per node");
        let stops = |x: u64| (x >> 32) < stop_below;
        draws.clear();
        let before = rng.clone();
        let mut n_ended = 0;
        while n_ended < walks {
            if draws.len() >= max_draws {
                *rng = before;
                return None;
            }
            let x: u64 = rng.random();
            draws.push(x);
            n_ended += usize::from(stops(x));
        }
        // Lane i runs the walks of draws[bounds[i]..bounds[i + 1]]: cut near equal
        // shares, each cut moved on to the start of a walk.
        let n_draws = draws.len();
        let mut bounds = [n_draws; WALK_LANES + 1];
        bounds[0] = 0;
        for i in 1..WALK_LANES {
            let mut b = (i * n_draws / WALK_LANES).max(bounds[i - 1]);
            while b > 0 && b < n_draws && !stops(draws[b - 1]) {
                b += 1;
            }
            bounds[i] = b;
        }
        if touched.len() <= self.len() {
            touched.resize(self.len() + 1, 0);
        }
        let mut at: [usize; WALK_LANES] = std::array::from_fn(|i| bounds[i]);
        let end: [usize; WALK_LANES] = std::array::from_fn(|i| bounds[i + 1]);
        let mut node = [start; WALK_LANES];
        let mut n_touched = 0;
        loop {
            let mut moved = false;
            for lane in 0..WALK_LANES {
                if at[lane] >= end[lane] {
                    continue;
                }
                moved = true;
                let v = node[lane] as usize;
                // Branch-free first touch: always written, kept on a first visit.
                let count = visits[v];
                touched[n_touched] = node[lane];
                n_touched += usize::from(count == 0);
                visits[v] = count + 1;
                let x = draws[at[lane]];
                at[lane] += 1;
                let from = self.offsets[v];
                let degree = self.offsets[v + 1] - from;
                debug_assert!(degree > 0, "a reached node has the edge it came by");
                let pick = ((x & 0xFFFF_FFFF) * degree as u64) >> 32;
                let next = self.neighbours[from + pick as usize];
                node[lane] = if stops(x) { start } else { next };
            }
            if !moved {
                return Some(n_touched);
            }
        }
    }

    /// [`Csr::walk_visits`] over every node, as estimates `α · visits / walks`
    /// indexed by node (the test of the walk against [`pagerank`]).
    #[must_use]
    pub fn random_walks(
        &self,
        restart: &[(u32, f64)],
        alpha: f64,
        walks: usize,
        rng: &mut ChaCha8Rng,
    ) -> Vec<f64> {
        let n = u32::try_from(self.len()).expect("node count fits u32");
        let mut visits = vec![0u32; self.len()];
        let mut touched = Vec::new();
        self.walk_visits(restart, alpha, walks, rng, n, &mut visits, &mut touched);
        let scale = alpha / walks.max(1) as f64;
        visits.iter().map(|&c| f64::from(c) * scale).collect()
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

/// Walks [`Csr::walk_visits_from`] advances side by side.
const WALK_LANES: usize = 8;

/// Most draws a fingerprint's walks make side by side (8 MiB of buffer); longer
/// walks (tiny α, many walks) run one by one.
const MAX_WALK_DRAWS: usize = 1 << 20;

/// The knowledge-graph arm.
#[derive(Clone, Debug)]
pub struct GraphArm {
    params: GraphParams,
    graph: Graph,
    csr: Csr,
    histories: Histories,
    n_movies: usize,
    /// First user node.
    user_base: u32,
    fallback: Vec<MovieId>,
    /// Per movie: its fingerprint, (movie, share of walk visits) best first.
    fingerprints: Vec<Vec<(u32, f32)>>,
    /// Where fingerprint walks draw from.
    walks: WalkStreams,
}

/// The streams of fingerprint walks: movie `m`'s walks of the `r`-th build (fit = 0,
/// then one per update) draw from `(GraphWalks, arm · 2^32 + m)` at slice `r`.
#[derive(Clone, Copy, Debug)]
pub struct WalkStreams {
    /// The run's seed tree.
    pub seeds: SeedTree,
    /// The arm's unit (its training unit: arm index, or fold · 2^16 + arm).
    pub arm: u64,
    /// Builds so far.
    pub builds: u32,
}

impl GraphArm {
    /// An arm with the catalogue part of the graph built; its fingerprint walks draw
    /// from `walks`.
    #[must_use]
    pub fn new(params: GraphParams, catalogue: &Catalogue, walks: WalkStreams) -> Self {
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
            csr: graph.csr(),
            graph,
            histories: Histories::default(),
            n_movies,
            user_base: u32::try_from(user_base).expect("node count fits u32"),
            fallback: popularity_order(catalogue),
            fingerprints: vec![Vec::new(); n_movies],
            walks,
        }
    }

    /// Adds `log` to the histories and a user–movie edge for every movie a user of
    /// `log` now likes that has none yet (an edge, once made, stays); returns the
    /// movies that gained an edge, sorted.
    fn add_likes(&mut self, log: &[Interaction]) -> Vec<u32> {
        self.histories.add(log);
        let mut changed = Vec::new();
        for i in log {
            if !self.histories.likes(i.user, i.movie) {
                continue;
            }
            let user_node = (self.user_base + i.user.0) as usize;
            if self.graph.adjacency.len() <= user_node {
                self.graph.adjacency.resize(user_node + 1, Vec::new());
            }
            if !self.graph.adjacency[user_node].contains(&i.movie.0) {
                self.graph.connect(user_node as u32, i.movie.0);
                changed.push(i.movie.0);
            }
        }
        changed.sort_unstable();
        changed.dedup();
        changed
    }

    /// Builds the user–movie edges of every liked movie of the histories, user by
    /// user in history order (the graph holds no user edges yet).
    fn connect_histories(&mut self) {
        let n_users = self.histories.n_users();
        self.graph
            .adjacency
            .resize(self.user_base as usize + n_users, Vec::new());
        for u in 0..n_users {
            let user = crate::ids::UserId(u32::try_from(u).expect("user count fits u32"));
            for e in self.histories.of(user) {
                if e.weight > 0.0 {
                    self.graph.connect(self.user_base + user.0, e.movie.0);
                }
            }
        }
    }

    /// Rebuilds the compressed graph and the fingerprints of `movies` (sorted) on
    /// it, in parallel over movies.
    fn refresh(&mut self, movies: &[u32]) {
        self.csr = self.graph.csr();
        let build = self.walks.builds;
        self.walks.builds += 1;
        let (csr, params, streams, n_movies) = (&self.csr, self.params, self.walks, self.n_movies);
        let fresh: Vec<Vec<(u32, f32)>> = movies
            .par_iter()
            .map_init(
                || WalkScratch::new(csr.len()),
                |scratch, &m| {
                    let mut rng = streams.seeds.request_stream(
                        Purpose::GraphWalks,
                        (streams.arm << 32) | u64::from(m),
                        build,
                    );
                    fingerprint(csr, m, params, n_movies, &mut rng, scratch)
                },
            )
            .collect();
        for (&m, f) in movies.iter().zip(fresh) {
            self.fingerprints[m as usize] = f;
        }
    }

    /// Movie `m`'s fingerprint (empty before the first fit).
    #[must_use]
    pub fn fingerprint(&self, m: MovieId) -> &[(u32, f32)] {
        self.fingerprints.get(m.index()).map_or(&[], Vec::as_slice)
    }
}

/// Working space of [`fingerprint`]: one visit count per node (all 0 between calls),
/// the nodes touched, the walks' draws.
#[derive(Clone, Debug, Default)]
struct WalkScratch {
    visits: Vec<u32>,
    touched: Vec<u32>,
    draws: Vec<u64>,
}

impl WalkScratch {
    fn new(n_nodes: usize) -> Self {
        Self {
            visits: vec![0; n_nodes],
            touched: Vec::new(),
            draws: Vec::new(),
        }
    }
}

/// The fingerprint of movie `m`: `walks` walks restarting at `m`, the `fingerprint`
/// movies visited most (ties: lower id) with their share of visits per walk.
/// `scratch` (sized for `csr`) is working space and is left as it was found.
///
/// The walks run side by side ([`Csr::walk_visits_from`]) where they can, else one
/// by one ([`Csr::walk_visits`]): the same draws and counts either way, and the
/// list is sorted by a total order, so the same fingerprint.
fn fingerprint(
    csr: &Csr,
    m: u32,
    params: GraphParams,
    n_movies: usize,
    rng: &mut ChaCha8Rng,
    scratch: &mut WalkScratch,
) -> Vec<(u32, f32)> {
    let counted = u32::try_from(n_movies).expect("movie count fits u32");
    let WalkScratch {
        visits,
        touched,
        draws,
    } = scratch;
    let n_touched = csr.walk_visits_from(
        m,
        params.restart_probability,
        params.walks_per_movie,
        rng,
        visits,
        touched,
        draws,
        MAX_WALK_DRAWS,
    );
    let touched: &[u32] = match n_touched {
        Some(n) => &touched[..n],
        None => {
            touched.clear();
            csr.walk_visits(
                &[(m, 1.0)],
                params.restart_probability,
                params.walks_per_movie,
                rng,
                counted,
                visits,
                touched,
            );
            touched
        }
    };
    let mut entries: Vec<(u32, u32)> = touched
        .iter()
        .filter(|&&v| v < counted)
        .map(|&v| (v, visits[v as usize]))
        .collect();
    for &v in touched {
        visits[v as usize] = 0;
    }
    let better = |a: &(u32, u32), b: &(u32, u32)| b.1.cmp(&a.1).then(a.0.cmp(&b.0));
    if entries.len() > params.fingerprint {
        entries.select_nth_unstable_by(params.fingerprint, better);
        entries.truncate(params.fingerprint);
    }
    entries.sort_unstable_by(better);
    let per_walk = 1.0 / params.walks_per_movie.max(1) as f64;
    entries
        .into_iter()
        .map(|(v, c)| (v, (f64::from(c) * per_walk) as f32))
        .collect()
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
        self.histories = Histories::from_log(data.population.len(), data.interactions);
        self.connect_histories();
        let all: Vec<u32> =
            (0..u32::try_from(self.n_movies).expect("movie count fits u32")).collect();
        self.refresh(&all);
    }

    fn update(&mut self, _data: &TrainingData<'_>, new: &[Interaction]) {
        let changed = self.add_likes(new);
        self.refresh(&changed);
    }

    fn recommend(
        &self,
        request: &Request<'_>,
        n: usize,
        _rng: &mut ChaCha8Rng,
        out: &mut Vec<Scored>,
    ) {
        let liked: Vec<(usize, f64)> = self
            .histories
            .of(request.user)
            .iter()
            .rev()
            .filter(|e| e.weight > 0.0)
            .take(self.params.max_seeds)
            .map(|e| (e.movie.index(), f64::from(e.weight)))
            .collect();
        let total: f64 = liked.iter().map(|s| s.1).sum();
        if liked.is_empty() || total <= 0.0 {
            fill_by_popularity(&self.fallback, request, n, out);
            return;
        }
        // π of a restart distribution is the mix of its seeds' π (linearity), each
        // estimated by its fingerprint; α is a common factor and left out.
        thread_local! {
            static SUMS: std::cell::RefCell<Accumulator<f64>> = std::cell::RefCell::default();
        }
        SUMS.with_borrow_mut(|acc| {
            acc.prepare(self.n_movies);
            acc.exclude(request.seen);
            for &(seed, weight) in &liked {
                let share = weight / total;
                for &(v, p) in &self.fingerprints[seed] {
                    acc.add(v, share * f64::from(p));
                }
            }
            let mut top = TopN::reusing(n, std::mem::take(out));
            acc.drain(request.seen, |movie, score| top.push(movie, score));
            top.finish(out);
        });
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
        let approx = g.csr().random_walks(&[(3, 1.0)], 0.5, 200_000, &mut rng);
        for (v, p) in exact.iter().enumerate() {
            let got = approx[v];
            assert!((got - p).abs() < 0.01, "node {v}: {got} vs {p}");
        }
        let sum: f64 = approx.iter().sum();
        assert!((sum - 1.0).abs() < 0.01, "{sum}");
    }

    fn arm(walks_per_movie: usize, fingerprint: usize, catalogue: &Catalogue) -> GraphArm {
        GraphArm::new(
            GraphParams {
                restart_probability: 0.3,
                walks_per_movie,
                fingerprint,
                max_seeds: 20,
            },
            catalogue,
            WalkStreams {
                seeds: SeedTree::new(3),
                arm: 0,
                builds: 0,
            },
        )
    }

    fn like(user: u32, movie: u32, stars: f32) -> Interaction {
        Interaction {
            user: crate::ids::UserId(user),
            movie: MovieId(movie),
            kind: crate::interaction::InteractionKind::Rating,
            value: stars,
            time_secs: 0,
        }
    }

    #[test]
    fn scores_mix_the_seeds_fingerprints_into_personalised_pagerank() {
        // User 0 liked movies 2 (5 stars, weight 1) and 7 (4 stars, weight ½), so the
        // restart distribution is (⅔ at 2, ⅓ at 7). With every visited movie kept and
        // 40,000 walks per movie each score must be π(v)/α of the exact power iteration
        // on the same graph: linearity of π in the restart distribution. Each
        // fingerprint share has a standard error below 0.003 here, so 0.01 cannot flake.
        let catalogue = crate::recommend::testing::catalogue(12);
        let log = [
            like(0, 2, 5.0),
            like(0, 7, 4.0),
            like(1, 7, 5.0),
            like(1, 3, 5.0),
        ];
        let mut arm = arm(40_000, 1_000, &catalogue);
        arm.fit(&crate::recommend::testing::data(&catalogue, 2, &log));
        let mut restart = vec![0.0; arm.graph.len()];
        restart[2] = 2.0 / 3.0;
        restart[7] = 1.0 / 3.0;
        let exact = pagerank(&arm.graph, &restart, 0.3, 1e-13);
        let context = crate::recommend::testing::context();
        let request = crate::recommend::testing::request(crate::ids::UserId(0), &context, &[]);
        let mut out = Vec::new();
        arm.recommend(
            &request,
            12,
            &mut crate::recommend::testing::rng(),
            &mut out,
        );
        assert_eq!(out.len(), 12, "every movie is reachable");
        for s in &out {
            let want = exact[s.movie.index()] / 0.3;
            assert!(
                (s.score - want).abs() < 0.01,
                "{:?}: {} vs {want}",
                s.movie,
                s.score
            );
        }
    }

    #[test]
    fn walks_side_by_side_make_the_same_draws_and_visits_as_one_by_one() {
        // 40 movies (genres, people, keywords) and 9 users' likes; movie 39 is
        // nobody's like and the catalogue gives it edges, so every start has a
        // neighbour; a graph of isolated nodes checks the fallback.
        let catalogue = crate::recommend::testing::catalogue(40);
        let log: Vec<Interaction> = (0..9u32)
            .flat_map(|u| {
                (0..39u32)
                    .filter(move |m| (u * 7 + m * 3) % 5 == 0)
                    .map(move |m| like(u, m, 5.0))
            })
            .collect();
        let mut arm = arm(30, 10, &catalogue);
        arm.fit(&crate::recommend::testing::data(&catalogue, 9, &log));
        let csr = &arm.csr;
        let n = csr.len();
        for alpha in [0.15, 0.5, 0.999] {
            for walks in [0, 1, 7, 200] {
                for m in 0..40u32 {
                    let mut one = crate::rng::stream(9, crate::rng::Purpose::Arm, 0, u64::from(m));
                    let mut side = one.clone();
                    let mut visits = vec![0u32; n];
                    let mut touched = Vec::new();
                    let counted = u32::try_from(n).unwrap();
                    csr.walk_visits(
                        &[(m, 1.0)],
                        alpha,
                        walks,
                        &mut one,
                        counted,
                        &mut visits,
                        &mut touched,
                    );
                    let mut fast = vec![0u32; n];
                    let (mut listed, mut draws) = (Vec::new(), Vec::new());
                    let n_touched = csr
                        .walk_visits_from(
                            m,
                            alpha,
                            walks,
                            &mut side,
                            &mut fast,
                            &mut listed,
                            &mut draws,
                            MAX_WALK_DRAWS,
                        )
                        .expect("every movie has a neighbour");
                    assert_eq!(fast, visits, "alpha {alpha}, {walks} walks from {m}");
                    assert_eq!(one.get_word_pos(), side.get_word_pos(), "the same draws");
                    let mut listed = listed[..n_touched].to_vec();
                    listed.sort_unstable();
                    touched.sort_unstable();
                    assert_eq!(listed, touched);
                }
            }
        }
        // Fingerprints through the scratch path equal those of one walk at a time.
        let params = arm.params;
        for m in 0..40u32 {
            let stream = |_: ()| crate::rng::stream(4, crate::rng::Purpose::Arm, 1, u64::from(m));
            let mut scratch = WalkScratch::new(n);
            let got = fingerprint(csr, m, params, 40, &mut stream(()), &mut scratch);
            assert!(scratch.visits.iter().all(|&c| c == 0), "scratch left clean");
            let (mut visits, mut touched) = (vec![0u32; n], Vec::new());
            csr.walk_visits(
                &[(m, 1.0)],
                params.restart_probability,
                params.walks_per_movie,
                &mut stream(()),
                40,
                &mut visits,
                &mut touched,
            );
            let mut want: Vec<(u32, u32)> =
                touched.iter().map(|&v| (v, visits[v as usize])).collect();
            want.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            want.truncate(params.fingerprint);
            let want: Vec<(u32, f32)> = want
                .into_iter()
                .map(|(v, c)| {
                    (
                        v,
                        (f64::from(c) * (1.0 / params.walks_per_movie as f64)) as f32,
                    )
                })
                .collect();
            assert_eq!(got, want, "movie {m}");
        }
        // More draws than allowed: nothing drawn, nothing counted.
        let mut rng = crate::rng::stream(2, crate::rng::Purpose::Arm, 0, 0);
        let at = rng.get_word_pos();
        let (mut visits, mut listed, mut draws) = (vec![0u32; n], Vec::new(), Vec::new());
        assert_eq!(
            csr.walk_visits_from(
                3,
                0.15,
                50,
                &mut rng,
                &mut visits,
                &mut listed,
                &mut draws,
                20
            ),
            None
        );
        assert_eq!(rng.get_word_pos(), at, "the stream is put back");
        assert!(visits.iter().all(|&c| c == 0));
        // No neighbour at the start: the walks take the one-by-one path.
        let lonely = Graph::new(3).csr();
        let mut rng = crate::rng::stream(1, crate::rng::Purpose::Arm, 0, 0);
        let (mut visits, mut listed, mut draws) = (vec![0u32; 3], Vec::new(), Vec::new());
        assert_eq!(
            lonely.walk_visits_from(
                1,
                0.15,
                5,
                &mut rng,
                &mut visits,
                &mut listed,
                &mut draws,
                MAX_WALK_DRAWS
            ),
            None
        );
        let mut scratch = WalkScratch::new(3);
        let f = fingerprint(&lonely, 1, params, 3, &mut rng, &mut scratch);
        let all_walks = (f64::from(30u32) * (1.0 / 30.0)) as f32;
        assert_eq!(f, [(1, all_walks)], "each walk ends where it starts");
    }

    #[test]
    fn an_update_rebuilds_the_fingerprints_of_movies_that_gain_edges() {
        let catalogue = crate::recommend::testing::catalogue(12);
        let log = [like(0, 2, 5.0), like(1, 3, 5.0)];
        let mut arm = arm(50, 5, &catalogue);
        arm.fit(&crate::recommend::testing::data(&catalogue, 2, &log));
        let before: Vec<Vec<(u32, f32)>> = arm.fingerprints.clone();
        assert!(before.iter().all(|f| !f.is_empty() && f.len() <= 5));
        // A new like of movie 9, and a repeated like of movie 2 (no new edge).
        arm.update(
            &crate::recommend::testing::data(&catalogue, 2, &log),
            &[like(0, 9, 5.0), like(0, 2, 4.0)],
        );
        for (m, (old, new)) in before.iter().zip(&arm.fingerprints).enumerate() {
            if m == 9 {
                assert_ne!(old, new, "movie 9 walks the new graph from a fresh slice");
            } else {
                assert_eq!(old, new, "movie {m} kept its fingerprint");
            }
        }
    }
}

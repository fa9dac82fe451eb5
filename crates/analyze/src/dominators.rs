//! The dominator tree and retained sizes of a heap graph, computed the way memlab computes
//! them (memlab 2.0.5, `TraceFinder.computeDominatorsAndRetainedSizes`: Lengauer–Tarjan with
//! path compression from the synthetic root, node 0), so the sizes we print are the sizes
//! memlab prints on the same file. Iterative throughout: a 25 M-node heap has chains far
//! deeper than any stack.
//!
//! Which edges retain (memlab's `isEssential`, itself after DevTools' `isEssentialEdge`):
//! - weak edges never retain;
//! - shortcut edges retain only from the root (they mark the user's global objects);
//! - self edges do not count;
//! - an edge from a node outside the "page" into a page node does not retain (except from
//!   the root), so a tool's own references do not become the page's dominators.
//!
//! The page (memlab's `flagReachableNodesFromWindow`): everything reachable without weak
//! edges from the root's edges except its shortcut edges and its element edges to
//! `(Document DOM trees)`. **DevTools differs here**: its `markPageOwnedNodes` starts from
//! exactly the edges memlab leaves out (the root's shortcut edges to the global objects, and
//! `(Document DOM trees)`). We follow memlab, the benchmark anchor. On a Node.js snapshot
//! the root has element edges to `(GC roots)`, `C++ roots`, `C++ cross-thread roots`,
//! `Node / Environment` and a shortcut to `global`: memlab's page is everything they reach
//! (the rule then only drops edges from unreachable objects into reachable ones), while
//! DevTools' page is what `global` reaches, so in DevTools an internal object outside it
//! (held only from `(GC roots)`) does not retain a user object, and its sizes can differ.
//!
//! Objects the root does not reach (memlab again): those with no retainer but weak or
//! shortcut edges are searched from, in node order, as if the root held them; whatever is
//! still unvisited (islands that hold each other) hangs from the root directly. Each of
//! them is then dominated by the root unless its island says otherwise, and its retained
//! size counts in the root's.

use crate::graph::{EdgeType, HeapGraph};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dominators {
    /// `idom[i]`: the node index of node `i`'s immediate dominator; the root's is 0 (itself).
    pub idom: Vec<u32>,
    /// Node `i`'s own size plus the sizes of every node it dominates.
    pub retained_size: Vec<u64>,
}

const ROOT: usize = 0;
/// Reachable from the root's non-shortcut edges (memlab's PAGE_OBJECT_FLAG).
const PAGE: u8 = 1;
/// Has a referrer by an edge that is neither weak nor a shortcut (memlab's
/// `hasOnlyWeakReferrers` is its absence).
const STRONG_REFERRER: u8 = 2;

pub fn dominators(g: &HeapGraph) -> Dominators {
    let n = g.node_count();
    if n == 0 {
        return Dominators::default();
    }
    let mut flags = page_flags(g);
    let (rev_first, rev_from) = essential_retainers(g, &mut flags);
    let mut lt = LengauerTarjan::new(n);
    lt.number(g, &flags);
    lt.dominate(&rev_first, &rev_from);
    drop(rev_from);
    drop(rev_first);
    lt.finish(g)
}

/// memlab's `isEssential(from, type, to)`.
#[inline]
fn is_essential(g: &HeapGraph, flags: &[u8], from: usize, edge: usize) -> bool {
    let to = g.edge_to[edge] as usize;
    if from == to {
        return false;
    }
    match g.edge_type[edge] {
        EdgeType::Weak => return false,
        EdgeType::Shortcut if from != ROOT => return false,
        _ => {}
    }
    from == ROOT || flags[to] & PAGE == 0 || flags[from] & PAGE != 0
}

fn page_flags(g: &HeapGraph) -> Vec<u8> {
    let mut flags = vec![0u8; g.node_count()];
    let mut stack: Vec<u32> = Vec::new();
    for e in g.edges(ROOT) {
        let to = g.edge_to[e] as usize;
        match g.edge_type[e] {
            EdgeType::Element if is_document_dom_trees_root(g, to) => continue,
            EdgeType::Shortcut => continue,
            _ => {}
        }
        stack.push(to as u32);
        flags[to] |= PAGE;
    }
    while let Some(node) = stack.pop() {
        for e in g.edges(node as usize) {
            let to = g.edge_to[e] as usize;
            if flags[to] & PAGE != 0 || g.edge_type[e] == EdgeType::Weak {
                continue;
            }
            stack.push(to as u32);
            flags[to] |= PAGE;
        }
    }
    flags
}

fn is_document_dom_trees_root(g: &HeapGraph, node: usize) -> bool {
    g.node_type[node] == crate::graph::NodeType::Synthetic && g.name(node) == "(Document DOM trees)"
}

/// The essential edges reversed, as CSR: node `i`'s retainers are
/// `from[first[i]..first[i + 1]]`. Also flags the nodes with a strong referrer.
fn essential_retainers(g: &HeapGraph, flags: &mut [u8]) -> (Vec<u32>, Vec<u32>) {
    let n = g.node_count();
    let mut first = vec![0u32; n + 1];
    for from in 0..n {
        for e in g.edges(from) {
            let to = g.edge_to[e] as usize;
            if !matches!(g.edge_type[e], EdgeType::Weak | EdgeType::Shortcut) {
                flags[to] |= STRONG_REFERRER;
            }
            if is_essential(g, flags, from, e) {
                first[to] += 1;
            }
        }
    }
    // Counts to start offsets, then fill (each start advances to the next node's start),
    // then shift back by one.
    let mut total = 0u32;
    for slot in first.iter_mut().take(n) {
        let count = *slot;
        *slot = total;
        total += count;
    }
    first[n] = total;
    let mut from_of = vec![0u32; total as usize];
    for from in 0..n {
        for e in g.edges(from) {
            if is_essential(g, flags, from, e) {
                let to = g.edge_to[e] as usize;
                from_of[first[to] as usize] = from as u32;
                first[to] += 1;
            }
        }
    }
    for i in (1..n).rev() {
        first[i] = first[i - 1];
    }
    first[0] = 0;
    (first, from_of)
}

/// Lengauer–Tarjan's arrays, indexed by vertex = node index + 1 (0 is "none"), as memlab.
struct LengauerTarjan {
    parent: Vec<u32>,
    ancestor: Vec<u32>,
    vertex: Vec<u32>,
    label: Vec<u32>,
    semi: Vec<u32>,
    /// The immediate dominator; during the DFS, each vertex's next edge to look at.
    dom: Vec<u32>,
    bucket_head: Vec<u32>,
    bucket_next: Vec<u32>,
    stack: Vec<u32>,
    count: u32,
}

impl LengauerTarjan {
    fn new(n: usize) -> Self {
        let zeros = || vec![0u32; n + 1];
        LengauerTarjan {
            parent: zeros(),
            ancestor: zeros(),
            vertex: zeros(),
            label: zeros(),
            semi: zeros(),
            dom: zeros(),
            bucket_head: zeros(),
            bucket_next: zeros(),
            stack: Vec::new(),
            count: 0,
        }
    }

    /// DFS numbering: from the root, then from the weakly held orphans, then the rest.
    fn number(&mut self, g: &HeapGraph, flags: &[u8]) {
        let n = g.node_count();
        let r = ROOT as u32 + 1;
        self.dfs(g, flags, r);
        if (self.count as usize) < n {
            for v in 1..=n as u32 {
                if self.semi[v as usize] == 0 && flags[v as usize - 1] & STRONG_REFERRER == 0 {
                    self.parent[v as usize] = r;
                    self.dfs(g, flags, v);
                }
            }
        }
        if (self.count as usize) < n {
            for v in 1..=n as u32 {
                if self.semi[v as usize] == 0 {
                    self.parent[v as usize] = r;
                    self.visit(v);
                }
            }
        }
        self.dom.fill(0);
    }

    #[inline]
    fn visit(&mut self, v: u32) {
        self.count += 1;
        self.semi[v as usize] = self.count;
        self.vertex[self.count as usize] = v;
        self.label[v as usize] = v;
    }

    /// memlab's iterative DFS: the parent links are the stack, `dom` the edge cursors.
    fn dfs(&mut self, g: &HeapGraph, flags: &[u8], start: u32) {
        self.dom[start as usize] = g.first_edge[start as usize - 1];
        let mut v = start;
        while v != 0 {
            if self.semi[v as usize] == 0 {
                self.visit(v);
            }
            let mut next = self.parent[v as usize];
            let from = v as usize - 1;
            let end = g.first_edge[from + 1];
            while self.dom[v as usize] < end {
                let e = self.dom[v as usize] as usize;
                if is_essential(g, flags, from, e) {
                    let w = g.edge_to[e] + 1;
                    if self.semi[w as usize] == 0 {
                        self.parent[w as usize] = v;
                        self.dom[w as usize] = g.first_edge[w as usize - 1];
                        next = w;
                        break;
                    }
                }
                self.dom[v as usize] += 1;
            }
            v = next;
        }
    }

    #[inline]
    fn eval(&mut self, v: u32) -> u32 {
        if self.ancestor[v as usize] == 0 {
            return v;
        }
        self.compress(v);
        self.label[v as usize]
    }

    fn compress(&mut self, v: u32) {
        let (ancestor, label, semi) = (&mut self.ancestor, &mut self.label, &self.semi);
        let stack = &mut self.stack;
        stack.clear();
        let mut x = v;
        while ancestor[ancestor[x as usize] as usize] != 0 {
            stack.push(x);
            x = ancestor[x as usize];
        }
        while let Some(y) = stack.pop() {
            let y = y as usize;
            let a = ancestor[y] as usize;
            if semi[label[a] as usize] < semi[label[y] as usize] {
                label[y] = label[a];
            }
            ancestor[y] = ancestor[a];
        }
    }

    /// Semidominators in decreasing DFS order, then the immediate dominators.
    fn dominate(&mut self, rev_first: &[u32], rev_from: &[u32]) {
        let n = self.count as usize;
        let r = ROOT as u32 + 1;
        for i in (2..=n).rev() {
            let w = self.vertex[i];
            let wi = w as usize;
            let retainers = &rev_from[rev_first[wi - 1] as usize..rev_first[wi] as usize];
            if retainers.is_empty() {
                // An orphan: held by the root, whose semi is the least.
                self.semi[wi] = self.semi[r as usize];
            }
            for &from in retainers {
                let u = self.eval(from + 1);
                if self.semi[u as usize] < self.semi[wi] {
                    self.semi[wi] = self.semi[u as usize];
                }
            }
            let sd = self.vertex[self.semi[wi] as usize] as usize;
            self.bucket_next[wi] = self.bucket_head[sd];
            self.bucket_head[sd] = w;
            let p = self.parent[wi];
            self.ancestor[wi] = p;
            let mut v = std::mem::take(&mut self.bucket_head[p as usize]);
            while v != 0 {
                let u = self.eval(v);
                self.dom[v as usize] = if self.semi[u as usize] < self.semi[v as usize] {
                    u
                } else {
                    p
                };
                v = self.bucket_next[v as usize];
            }
        }
        // The root dominates itself, and (through dom[0]) whatever the buckets left unset.
        self.dom[0] = r;
        self.dom[r as usize] = r;
        for i in 2..=n {
            let w = self.vertex[i] as usize;
            if self.dom[w] != self.vertex[self.semi[w] as usize] {
                self.dom[w] = self.dom[self.dom[w] as usize];
            }
        }
    }

    /// Node-indexed dominators, and retained sizes summed up the tree in reverse DFS order.
    fn finish(self, g: &HeapGraph) -> Dominators {
        let LengauerTarjan {
            mut dom,
            vertex,
            count,
            ..
        } = self;
        dom.remove(0);
        for d in dom.iter_mut() {
            // 0 (unset) only on islands whose numbering misleads the buckets: the root.
            *d = d.saturating_sub(1);
        }
        let mut retained = g.node_self_size.clone();
        for i in (2..=count as usize).rev() {
            let node = vertex[i] as usize - 1;
            let size = retained[node];
            let to = &mut retained[dom[node] as usize];
            *to = to.saturating_add(size);
        }
        Dominators {
            idom: dom,
            retained_size: retained,
        }
    }
}

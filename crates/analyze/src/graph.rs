//! A heap snapshot as columns: one `Vec` per node field and per edge field, edges grouped by
//! the node that holds them (CSR), every string once in one arena. ~30 bytes per node and
//! ~9 per edge, so a 25 M-node snapshot fits where a DOM of its JSON would not.

pub use leakwatch_core::heap_diff::NodeType;

/// `v8::HeapGraphEdge::Type`, as numbered in a snapshot's `meta.edge_types`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum EdgeType {
    Context = 0,
    Element = 1,
    Property = 2,
    Internal = 3,
    Hidden = 4,
    Shortcut = 5,
    Weak = 6,
}

impl EdgeType {
    /// Unknown (future) types count as hidden: internal, never a named step of a path.
    pub fn from_v8(raw: u32) -> EdgeType {
        use EdgeType::*;
        match raw {
            0 => Context,
            1 => Element,
            2 => Property,
            3 => Internal,
            5 => Shortcut,
            6 => Weak,
            _ => Hidden,
        }
    }

    /// Element and hidden edges carry an index in `name_or_index`; the others a string.
    pub fn has_string_name(self) -> bool {
        !matches!(self, EdgeType::Element | EdgeType::Hidden)
    }
}

/// Every string of a snapshot in one buffer: `ends[i - 1]..ends[i]` is string `i`.
#[derive(Debug, Default, Clone)]
pub struct Strings {
    text: String,
    ends: Vec<u64>,
}

impl Strings {
    pub fn push(&mut self, s: &str) -> u32 {
        self.text.push_str(s);
        self.ends.push(self.text.len() as u64);
        (self.ends.len() - 1) as u32
    }

    /// String `i`, or "" for an index the snapshot never defined (a corrupt reference is
    /// reported by the reader, never a panic here).
    pub fn get(&self, i: u32) -> &str {
        let i = i as usize;
        let Some(&end) = self.ends.get(i) else {
            return "";
        };
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.text.get(start as usize..end as usize).unwrap_or("")
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn memory_bytes(&self) -> usize {
        self.text.capacity() + self.ends.capacity() * 8
    }
}

/// One snapshot. Node `i` is the i-th node of the file (0 is the synthetic root); its edges
/// are `first_edge[i]..first_edge[i + 1]`, in file order; `edge_to` holds node indices (the
/// file's field offsets already divided by the node field count).
#[derive(Debug, Default, Clone)]
pub struct HeapGraph {
    pub node_type: Vec<NodeType>,
    /// A string index: the constructor or class name, a string's value, a closure's name…
    pub node_name: Vec<u32>,
    /// V8's snapshot object id: the same object has the same id in every snapshot of a process.
    pub node_id: Vec<u32>,
    pub node_self_size: Vec<u64>,
    /// `nodes + 1` entries.
    pub first_edge: Vec<u32>,
    pub edge_type: Vec<EdgeType>,
    /// A string index for property, context, internal, shortcut and weak edges; the index
    /// for element and hidden edges (`EdgeType::has_string_name`).
    pub edge_name: Vec<u32>,
    pub edge_to: Vec<u32>,
    pub strings: Strings,
}

impl HeapGraph {
    pub fn node_count(&self) -> usize {
        self.node_type.len()
    }

    pub fn edge_count(&self) -> usize {
        self.edge_to.len()
    }

    /// Node `node`'s outgoing edges, as edge indices.
    pub fn edges(&self, node: usize) -> std::ops::Range<usize> {
        self.first_edge[node] as usize..self.first_edge[node + 1] as usize
    }

    pub fn name(&self, node: usize) -> &str {
        self.strings.get(self.node_name[node])
    }

    /// An edge's name as DevTools shows it: `foo`, `[3]` for an element, `3` for a hidden edge.
    pub fn edge_label(&self, edge: usize) -> String {
        let t = self.edge_type[edge];
        if t.has_string_name() {
            self.strings.get(self.edge_name[edge]).to_string()
        } else if t == EdgeType::Element {
            format!("[{}]", self.edge_name[edge])
        } else {
            self.edge_name[edge].to_string()
        }
    }

    pub fn memory_bytes(&self) -> usize {
        let n = self.node_type.capacity()
            + self.node_name.capacity() * 4
            + self.node_id.capacity() * 4
            + self.node_self_size.capacity() * 8;
        let e = self.first_edge.capacity() * 4
            + self.edge_type.capacity()
            + self.edge_name.capacity() * 4
            + self.edge_to.capacity() * 4;
        n + e + self.strings.memory_bytes()
    }
}

/// Builds a graph node by node, for tests and for tools that make graphs of their own.
#[derive(Debug, Default)]
pub struct GraphBuilder {
    graph: HeapGraph,
}

impl GraphBuilder {
    pub fn new() -> GraphBuilder {
        let mut graph = HeapGraph::default();
        graph.first_edge.push(0);
        GraphBuilder { graph }
    }

    pub fn string(&mut self, s: &str) -> u32 {
        self.graph.strings.push(s)
    }

    /// Adds a node; its edges are the `edge` calls that follow, up to the next `node`.
    pub fn node(&mut self, kind: NodeType, name: &str, id: u32, self_size: u64) -> usize {
        let name = self.string(name);
        let g = &mut self.graph;
        if !g.node_type.is_empty() {
            g.first_edge.push(g.edge_to.len() as u32);
        }
        g.node_type.push(kind);
        g.node_name.push(name);
        g.node_id.push(id);
        g.node_self_size.push(self_size);
        g.node_type.len() - 1
    }

    /// An edge of the last node added, to node index `to` (which may be added later).
    pub fn edge(&mut self, kind: EdgeType, name: &str, to: usize) {
        let name = if kind.has_string_name() {
            self.string(name)
        } else {
            name.trim_matches(|c| c == '[' || c == ']')
                .parse()
                .unwrap_or(0)
        };
        let g = &mut self.graph;
        g.edge_type.push(kind);
        g.edge_name.push(name);
        g.edge_to.push(to as u32);
    }

    pub fn finish(mut self) -> HeapGraph {
        let g = &mut self.graph;
        if !g.node_type.is_empty() {
            g.first_edge.push(g.edge_to.len() as u32);
        }
        self.graph
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_groups_edges_by_node() {
        let mut b = GraphBuilder::new();
        b.node(NodeType::Synthetic, "", 1, 0);
        b.edge(EdgeType::Element, "[1]", 1);
        b.edge(EdgeType::Property, "leaks", 2);
        b.node(NodeType::Object, "Foo", 3, 24);
        b.node(NodeType::Array, "", 5, 16);
        b.edge(EdgeType::Weak, "w", 1);
        let g = b.finish();
        assert_eq!(g.node_count(), 3);
        assert_eq!(g.edges(0), 0..2);
        assert_eq!(g.edges(1), 2..2);
        assert_eq!(g.edges(2), 2..3);
        assert_eq!(g.edge_label(0), "[1]");
        assert_eq!(g.edge_label(1), "leaks");
        assert_eq!(g.name(1), "Foo");
        assert_eq!(g.strings.get(99), "");
    }
}

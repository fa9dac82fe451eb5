//! Reads a Chrome DevTools `.heapsnapshot` (V8's `HeapSnapshotJSONSerializer` output) as a
//! stream into a `HeapGraph`: `snapshot.meta` says where each field is, `nodes` and `edges`
//! go straight from the byte scanner into columns, `strings` into the arena; the sections
//! an analysis does not need (`trace_function_infos`, `trace_tree`, `samples`, `locations`,
//! unknown keys) are skipped without being built. A truncated or corrupt file is a
//! `ReadError` naming the byte, never a panic.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::graph::{EdgeType, HeapGraph, NodeType};
pub use crate::json_scan::ReadError;
use crate::json_scan::{NumberSink, Scanner};

/// Reads a whole snapshot. `progress` is called with the bytes consumed so far, every few MB,
/// and once more with the total at the end.
pub fn read_snapshot<R: Read>(
    input: R,
    progress: &mut dyn FnMut(u64),
) -> Result<HeapGraph, ReadError> {
    read(input, None, Mode::Graph, progress).map(|r| r.graph)
}

/// Reads the snapshot at `path` (its size bounds what the header may ask to reserve).
pub fn read_file(path: &Path, progress: &mut dyn FnMut(u64)) -> Result<HeapGraph, ReadError> {
    let (file, size) = open(path)?;
    read(file, Some(size), Mode::Graph, progress).map(|r| r.graph)
}

/// The snapshot's node ids, sorted: all the baseline and target of the leak method need.
/// Edges and strings are skipped, not stored.
pub fn read_node_ids(path: &Path, progress: &mut dyn FnMut(u64)) -> Result<Vec<u32>, ReadError> {
    let (file, size) = open(path)?;
    let mut ids = read(file, Some(size), Mode::Ids, progress)?.graph.node_id;
    ids.sort_unstable();
    Ok(ids)
}

fn open(path: &Path) -> Result<(File, u64), ReadError> {
    let fail = |e: std::io::Error| ReadError {
        offset: 0,
        message: format!("cannot open {}: {e}", path.display()),
    };
    let file = File::open(path).map_err(fail)?;
    let size = file.metadata().map_err(fail)?.len();
    Ok((file, size))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Graph,
    Ids,
}

/// What a node field is used for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum NodeField {
    Type,
    Name,
    Id,
    SelfSize,
    EdgeCount,
    Other,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum EdgeField {
    Type,
    NameOrIndex,
    ToNode,
    Other,
}

#[derive(Default)]
struct Meta {
    node_fields: Vec<String>,
    node_types: Vec<String>,
    edge_fields: Vec<String>,
    edge_types: Vec<String>,
}

/// The layout the columns are read with, from `meta`.
struct Layout {
    node_fields: Vec<NodeField>,
    /// Positions of type, name, id, self_size, edge_count in a node's fields.
    node_at: [usize; 5],
    node_types: Vec<NodeType>,
    edge_fields: Vec<EdgeField>,
    /// Positions of type, name_or_index, to_node in an edge's fields.
    edge_at: [usize; 3],
    edge_types: Vec<EdgeType>,
}

struct Output {
    graph: HeapGraph,
}

struct Reader<'p, R> {
    scan: Scanner<'p, R>,
    mode: Mode,
    /// The file's size when known: reservations never exceed what it can hold.
    size: Option<u64>,
    layout: Option<Layout>,
    node_count_hint: u64,
    graph: HeapGraph,
    /// Sum of the nodes' `edge_count`s.
    edges_declared: u64,
    seen_nodes: bool,
    seen_edges: bool,
    seen_strings: bool,
    text: String,
    scratch: Vec<u8>,
}

fn read<R: Read>(
    input: R,
    size: Option<u64>,
    mode: Mode,
    progress: &mut dyn FnMut(u64),
) -> Result<Output, ReadError> {
    let mut r = Reader {
        scan: Scanner::new(input, progress),
        mode,
        size,
        layout: None,
        node_count_hint: 0,
        graph: HeapGraph::default(),
        edges_declared: 0,
        seen_nodes: false,
        seen_edges: false,
        seen_strings: false,
        text: String::new(),
        scratch: Vec::new(),
    };
    r.top()?;
    r.scan.report_done();
    Ok(Output { graph: r.graph })
}

impl<R: Read> Reader<'_, R> {
    fn top(&mut self) -> Result<(), ReadError> {
        match self.scan.peek_token()? {
            None => return self.scan.error(0, "the file is empty: not a heap snapshot"),
            Some(b'{') => {}
            Some(_) => {
                return self.scan.error(
                    self.scan.offset(),
                    "not a heap snapshot: expected '{' at the start",
                )
            }
        }
        self.scan.expect(b'{', "'{'")?;
        if self.scan.peek_token()? != Some(b'}') {
            loop {
                let at = self.scan.peek_offset()?;
                let key = self.key()?;
                match key.as_str() {
                    "snapshot" => self.snapshot_header(at)?,
                    "nodes" => self.nodes(at)?,
                    "edges" => self.edges(at)?,
                    "strings" => self.strings(at)?,
                    // trace_function_infos, trace_tree, samples, locations, and the unknown.
                    _ => self.scan.skip_value()?,
                }
                if !self.scan.comma_or(b'}', "the snapshot")? {
                    break;
                }
            }
        } else {
            self.scan.next_token()?;
        }
        if let Some(b) = self.scan.peek_token()? {
            let at = self.scan.offset();
            return self.scan.error(
                at,
                format!("unexpected data after the snapshot's end ('{}')", b as char),
            );
        }
        self.finish()
    }

    /// A member's key and its colon.
    fn key(&mut self) -> Result<String, ReadError> {
        let mut key = String::new();
        self.scan.string(&mut key, &mut self.scratch)?;
        self.scan.expect(b':', "':' after a key")?;
        Ok(key)
    }

    fn snapshot_header(&mut self, at: u64) -> Result<(), ReadError> {
        if self.layout.is_some() {
            return self.scan.error(at, "a second \"snapshot\" header");
        }
        let mut meta = None;
        self.scan.expect(b'{', "'{' to open \"snapshot\"")?;
        if self.scan.peek_token()? == Some(b'}') {
            self.scan.next_token()?;
        } else {
            loop {
                match self.key()?.as_str() {
                    "meta" => meta = Some(self.meta()?),
                    "node_count" => {
                        self.node_count_hint = self.scan.number("snapshot.node_count")?
                    }
                    _ => self.scan.skip_value()?,
                }
                if !self.scan.comma_or(b'}', "\"snapshot\"")? {
                    break;
                }
            }
        }
        let Some(meta) = meta else {
            return self
                .scan
                .error(at, "the \"snapshot\" header has no \"meta\"");
        };
        self.layout = Some(self.layout_of(&meta, at)?);
        Ok(())
    }

    fn meta(&mut self) -> Result<Meta, ReadError> {
        let mut meta = Meta::default();
        self.scan.expect(b'{', "'{' to open \"meta\"")?;
        if self.scan.peek_token()? == Some(b'}') {
            self.scan.next_token()?;
            return Ok(meta);
        }
        loop {
            match self.key()?.as_str() {
                "node_fields" => meta.node_fields = self.string_list("meta.node_fields")?,
                "edge_fields" => meta.edge_fields = self.string_list("meta.edge_fields")?,
                "node_types" => meta.node_types = self.type_names("meta.node_types")?,
                "edge_types" => meta.edge_types = self.type_names("meta.edge_types")?,
                // trace_function_info_fields, trace_node_fields, sample_fields,
                // location_fields and whatever a later V8 adds.
                _ => self.scan.skip_value()?,
            }
            if !self.scan.comma_or(b'}', "\"meta\"")? {
                return Ok(meta);
            }
        }
    }

    fn string_list(&mut self, what: &str) -> Result<Vec<String>, ReadError> {
        let mut list = Vec::new();
        self.scan.expect(b'[', &format!("'[' to open {what}"))?;
        if self.scan.peek_token()? == Some(b']') {
            self.scan.next_token()?;
            return Ok(list);
        }
        loop {
            let mut s = String::new();
            self.scan.string(&mut s, &mut self.scratch)?;
            list.push(s);
            if !self.scan.comma_or(b']', what)? {
                return Ok(list);
            }
        }
    }

    /// `node_types`/`edge_types`: per field, either a list of enum names or a type name;
    /// only the first (the `type` field's names) is kept.
    fn type_names(&mut self, what: &str) -> Result<Vec<String>, ReadError> {
        self.scan.expect(b'[', &format!("'[' to open {what}"))?;
        let mut names = Vec::new();
        if self.scan.peek_token()? == Some(b']') {
            self.scan.next_token()?;
            return Ok(names);
        }
        let mut first = true;
        loop {
            if first && self.scan.peek_token()? == Some(b'[') {
                names = self.string_list(what)?;
            } else {
                self.scan.skip_value()?;
            }
            first = false;
            if !self.scan.comma_or(b']', what)? {
                return Ok(names);
            }
        }
    }

    fn layout_of(&self, meta: &Meta, at: u64) -> Result<Layout, ReadError> {
        let node_fields: Vec<NodeField> = meta
            .node_fields
            .iter()
            .map(|f| match f.as_str() {
                "type" => NodeField::Type,
                "name" => NodeField::Name,
                "id" => NodeField::Id,
                "self_size" => NodeField::SelfSize,
                "edge_count" => NodeField::EdgeCount,
                _ => NodeField::Other,
            })
            .collect();
        for (want, name) in [
            (NodeField::Type, "type"),
            (NodeField::Name, "name"),
            (NodeField::Id, "id"),
            (NodeField::SelfSize, "self_size"),
            (NodeField::EdgeCount, "edge_count"),
        ] {
            if node_fields.iter().filter(|&&f| f == want).count() != 1 {
                return self
                    .scan
                    .error(at, format!("meta.node_fields must name \"{name}\" once"));
            }
        }
        let edge_fields: Vec<EdgeField> = meta
            .edge_fields
            .iter()
            .map(|f| match f.as_str() {
                "type" => EdgeField::Type,
                "name_or_index" => EdgeField::NameOrIndex,
                "to_node" => EdgeField::ToNode,
                _ => EdgeField::Other,
            })
            .collect();
        for (want, name) in [
            (EdgeField::Type, "type"),
            (EdgeField::NameOrIndex, "name_or_index"),
            (EdgeField::ToNode, "to_node"),
        ] {
            if edge_fields.iter().filter(|&&f| f == want).count() != 1 {
                return self
                    .scan
                    .error(at, format!("meta.edge_fields must name \"{name}\" once"));
            }
        }
        if meta.node_types.is_empty() || meta.edge_types.is_empty() {
            return self.scan.error(
                at,
                "meta.node_types and meta.edge_types must list the type names",
            );
        }
        let node_types = meta.node_types.iter().map(|n| node_type_named(n)).collect();
        let edge_types = meta.edge_types.iter().map(|n| edge_type_named(n)).collect();
        let node_at = [
            NodeField::Type,
            NodeField::Name,
            NodeField::Id,
            NodeField::SelfSize,
            NodeField::EdgeCount,
        ]
        .map(|want| node_fields.iter().position(|&f| f == want).unwrap_or(0));
        let edge_at = [EdgeField::Type, EdgeField::NameOrIndex, EdgeField::ToNode]
            .map(|want| edge_fields.iter().position(|&f| f == want).unwrap_or(0));
        Ok(Layout {
            node_fields,
            node_at,
            node_types,
            edge_fields,
            edge_at,
            edge_types,
        })
    }

    /// At most `hint` items, and never more than the rest of the file can hold at
    /// `min_bytes` each (a corrupt header must not reserve gigabytes).
    fn reservation(&self, hint: u64, min_bytes: u64) -> usize {
        let room = match self.size {
            Some(size) => size.saturating_sub(self.scan.offset()) / min_bytes.max(1),
            None => 1 << 20,
        };
        hint.min(room).min(u32::MAX as u64) as usize
    }

    fn nodes(&mut self, at: u64) -> Result<(), ReadError> {
        let Some(layout) = self.layout.take() else {
            return self.scan.error(
                at,
                "\"nodes\" before the \"snapshot\" header: its meta says what the numbers mean",
            );
        };
        if self.seen_nodes {
            return self.scan.error(at, "a second \"nodes\" array");
        }
        self.seen_nodes = true;
        let nf = layout.node_fields.len();
        let reserve = self.reservation(self.node_count_hint, 2 * nf as u64);
        let g = &mut self.graph;
        g.node_id.reserve(reserve);
        if self.mode == Mode::Graph {
            g.node_type.reserve(reserve);
            g.node_name.reserve(reserve);
            g.node_self_size.reserve(reserve);
            g.first_edge.reserve(reserve + 1);
            g.first_edge.push(0);
        }
        let mut sink = NodeSink {
            graph: &mut self.graph,
            types: &layout.node_types,
            at: layout.node_at,
            ids_only: self.mode == Mode::Ids,
            row: vec![0; nf],
            row_start: 0,
            field: 0,
            edges_declared: 0,
        };
        self.scan.numbers("nodes", &mut sink)?;
        let (field, edges_declared) = (sink.field, sink.edges_declared);
        if field != 0 {
            let end = self.scan.offset();
            return self.scan.error(
                end,
                format!("the nodes array is not a whole number of nodes ({nf} fields each)"),
            );
        }
        if self.graph.node_id.is_empty() {
            return self
                .scan
                .error(at, "the snapshot has no nodes (not even the root)");
        }
        self.edges_declared = edges_declared;
        self.layout = Some(layout);
        Ok(())
    }

    fn edges(&mut self, at: u64) -> Result<(), ReadError> {
        if self.seen_edges {
            return self.scan.error(at, "a second \"edges\" array");
        }
        self.seen_edges = true;
        if !self.seen_nodes {
            return self.scan.error(
                at,
                "\"edges\" before \"nodes\": edges name nodes by their offset in the nodes array",
            );
        }
        if self.mode == Mode::Ids {
            return self.scan.skip_value();
        }
        let Some(layout) = self.layout.take() else {
            return self
                .scan
                .error(at, "\"edges\" before the \"snapshot\" header");
        };
        let ef = layout.edge_fields.len();
        let nf = layout.node_fields.len() as u64;
        let node_count = self.graph.node_id.len() as u64;
        let declared = self.edges_declared;
        let reserve = self.reservation(declared, 2 * ef as u64);
        let g = &mut self.graph;
        g.edge_type.reserve(reserve);
        g.edge_name.reserve(reserve);
        g.edge_to.reserve(reserve);
        let mut sink = EdgeSink {
            graph: g,
            types: &layout.edge_types,
            at: layout.edge_at,
            row: vec![0; ef],
            row_start: 0,
            node_fields: nf,
            node_count,
            declared,
            field: 0,
            count: 0,
        };
        let result = self.scan.numbers("edges", &mut sink);
        let (field, count) = (sink.field, sink.count);
        self.layout = Some(layout);
        result?;
        let end = self.scan.offset();
        if field != 0 {
            return self.scan.error(
                end,
                format!("the edges array is not a whole number of edges ({ef} fields each)"),
            );
        }
        if count != declared {
            return self.scan.error(
                end,
                format!("the nodes' edge_count fields declare {declared} edges but the edges array holds {count}"),
            );
        }
        Ok(())
    }

    fn strings(&mut self, at: u64) -> Result<(), ReadError> {
        if self.seen_strings {
            return self.scan.error(at, "a second \"strings\" array");
        }
        self.seen_strings = true;
        if self.mode == Mode::Ids {
            return self.scan.skip_value();
        }
        self.scan.expect(b'[', "'[' to open strings")?;
        if self.scan.peek_token()? == Some(b']') {
            self.scan.next_token()?;
            return Ok(());
        }
        loop {
            self.scan.string(&mut self.text, &mut self.scratch)?;
            self.graph.strings.push(&self.text);
            if !self.scan.comma_or(b']', "strings")? {
                return Ok(());
            }
        }
    }

    /// Whole-file checks: every section there, every string index defined.
    fn finish(&mut self) -> Result<(), ReadError> {
        let end = self.scan.offset();
        if self.layout.is_none() {
            return self.scan.error(
                end,
                "the file has no \"snapshot\" header: not a heap snapshot",
            );
        }
        for (seen, name) in [
            (self.seen_nodes, "nodes"),
            (self.seen_edges, "edges"),
            (self.seen_strings, "strings"),
        ] {
            if !seen {
                return self
                    .scan
                    .error(end, format!("the snapshot has no \"{name}\" array"));
            }
        }
        if self.mode == Mode::Ids {
            return Ok(());
        }
        let g = &self.graph;
        let count = g.strings.len() as u64;
        if let Some(i) = g.node_name.iter().position(|&s| u64::from(s) >= count) {
            return self.scan.error(
                end,
                format!(
                    "node {i} names string {} but the snapshot has {count} strings",
                    g.node_name[i]
                ),
            );
        }
        let bad_edge = g
            .edge_type
            .iter()
            .zip(&g.edge_name)
            .position(|(t, &s)| t.has_string_name() && u64::from(s) >= count);
        if let Some(e) = bad_edge {
            return self.scan.error(
                end,
                format!(
                    "edge {e} names string {} but the snapshot has {count} strings",
                    g.edge_name[e]
                ),
            );
        }
        Ok(())
    }
}

/// Each number goes into `row` at its field's position (a store, no branch on the field);
/// a whole row then goes into the columns from the positions `meta` gave.
struct NodeSink<'a> {
    graph: &'a mut HeapGraph,
    types: &'a [NodeType],
    /// Where type, name, id, self_size and edge_count are in a row.
    at: [usize; 5],
    ids_only: bool,
    row: Vec<u64>,
    /// Where the row being read starts: errors about a whole row point there.
    row_start: u64,
    field: usize,
    /// Sum of the `edge_count`s so far.
    edges_declared: u64,
}

impl NodeSink<'_> {
    fn node(&mut self) -> Result<(), String> {
        let g = &mut *self.graph;
        let [ty, name, id, size, count] = self.at.map(|i| self.row[i]);
        g.node_id
            .push(u32::try_from(id).map_err(|_| format!("node id {id} does not fit 32 bits"))?);
        if self.ids_only {
            return Ok(());
        }
        match self.types.get(ty as usize) {
            Some(&t) => g.node_type.push(t),
            None => return Err(format!("node type {ty} is not in meta.node_types")),
        }
        g.node_name
            .push(u32::try_from(name).map_err(|_| format!("string index {name} out of range"))?);
        g.node_self_size.push(size);
        self.edges_declared += count;
        let first = u32::try_from(self.edges_declared)
            .map_err(|_| "more than 2^32 edges: too large for this reader".to_string())?;
        g.first_edge.push(first);
        Ok(())
    }
}

impl NumberSink for NodeSink<'_> {
    #[inline(always)]
    fn number(&mut self, v: u64, offset: u64) -> Result<(), (u64, String)> {
        if self.field == 0 {
            self.row_start = offset;
        }
        self.row[self.field] = v;
        self.field += 1;
        if self.field == self.row.len() {
            self.field = 0;
            self.node().map_err(|m| (self.row_start, m))?;
        }
        Ok(())
    }
}

struct EdgeSink<'a> {
    graph: &'a mut HeapGraph,
    types: &'a [EdgeType],
    /// Where type, name_or_index and to_node are in a row.
    at: [usize; 3],
    row: Vec<u64>,
    /// Where the row being read starts: errors about a whole row point there.
    row_start: u64,
    node_fields: u64,
    node_count: u64,
    /// Edges the nodes' `edge_count`s declare.
    declared: u64,
    field: usize,
    /// Whole edges read so far.
    count: u64,
}

impl EdgeSink<'_> {
    #[inline(always)]
    fn edge(&mut self) -> Result<(), String> {
        if self.count >= self.declared {
            return Err(format!(
                "more edges than the nodes' edge_count fields declare ({})",
                self.declared
            ));
        }
        self.count += 1;
        let [ty, name, to] = self.at.map(|i| self.row[i]);
        let g = &mut *self.graph;
        match self.types.get(ty as usize) {
            Some(&t) => g.edge_type.push(t),
            None => return Err(format!("edge type {ty} is not in meta.edge_types")),
        }
        g.edge_name.push(
            u32::try_from(name)
                .map_err(|_| format!("edge name or index {name} does not fit 32 bits"))?,
        );
        // A field offset into the nodes array; constant divisors compile to a multiply.
        let nf = self.node_fields;
        let q = match nf {
            7 => to / 7,
            6 => to / 6,
            8 => to / 8,
            5 => to / 5,
            _ => to / nf,
        };
        if q * nf != to {
            return Err(format!(
                "edge to_node {to} is not a multiple of the node field count {nf}"
            ));
        }
        if q >= self.node_count {
            return Err(format!(
                "edge to_node {to} points past the last node ({} nodes)",
                self.node_count
            ));
        }
        g.edge_to.push(q as u32);
        Ok(())
    }
}

impl NumberSink for EdgeSink<'_> {
    #[inline(always)]
    fn number(&mut self, v: u64, offset: u64) -> Result<(), (u64, String)> {
        if self.field == 0 {
            self.row_start = offset;
        }
        self.row[self.field] = v;
        self.field += 1;
        if self.field == self.row.len() {
            self.field = 0;
            self.edge().map_err(|m| (self.row_start, m))?;
        }
        Ok(())
    }
}

/// V8's `HeapGraphNode::Type` names (`meta.node_types[0]`); positions are not trusted.
fn node_type_named(name: &str) -> NodeType {
    match name {
        "array" => NodeType::Array,
        "string" => NodeType::String,
        "object" => NodeType::Object,
        "code" => NodeType::Code,
        "closure" => NodeType::Closure,
        "regexp" => NodeType::RegExp,
        "number" | "heap number" => NodeType::HeapNumber,
        "native" => NodeType::Native,
        "synthetic" => NodeType::Synthetic,
        "concatenated string" => NodeType::ConsString,
        "sliced string" => NodeType::SlicedString,
        "symbol" => NodeType::Symbol,
        "bigint" => NodeType::BigInt,
        "object shape" => NodeType::ObjectShape,
        "wasm object" => NodeType::WasmObject,
        _ => NodeType::Hidden,
    }
}

/// `HeapGraphEdge::Type` names (`meta.edge_types[0]`).
fn edge_type_named(name: &str) -> EdgeType {
    match name {
        "context" => EdgeType::Context,
        "element" => EdgeType::Element,
        "property" => EdgeType::Property,
        "internal" => EdgeType::Internal,
        "shortcut" => EdgeType::Shortcut,
        "weak" => EdgeType::Weak,
        _ => EdgeType::Hidden,
    }
}

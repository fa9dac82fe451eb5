//! `analyze`: 1 to 3 snapshot files → the report (the schema in docs/cli.md, rendered by
//! `leakwatch analyze` and returned by `require('leakwatch/analyze')`). With one snapshot:
//! dominators, top retainers, constructors. With two or three: the leak method too
//! (baseline, [target,] final) and the diff of the first and the last by constructor.
//! Never two full graphs at once: the first is reduced to its ids and a 12-byte-a-node
//! picture before the last is read; a target snapshot is read for its ids only.

use std::path::PathBuf;
use std::time::Instant;

use leakwatch_core::heap_diff::{DiffDetail, HeapDiffResult, NameTable};

use crate::classes::Classes;
use crate::constructors::{by_constructor, ClassTotals};
use crate::dominator_tree::DominatorTree;
use crate::dominators::dominators;
use crate::graph::{EdgeType, HeapGraph, NodeType};
use crate::json::{self, Object};
use crate::leak_clusters::{clusters, leaked_nodes};
use crate::reader::{read_file, read_node_ids, ReadError};
use crate::retainer_paths::RetainerPaths;
use crate::snapshot_diff::{diff, picture};
use crate::top_retainers::top_retainers;

#[derive(Debug, Clone)]
pub struct Options {
    /// How many leak clusters, top retainers and constructors to report.
    pub top: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options { top: 20 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Read,
    Dominators,
    Analysis,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Read => "read",
            Phase::Dominators => "dominators",
            Phase::Analysis => "analysis",
        }
    }
}

/// Where an analysis is: `bytes_done` of all the files' `bytes_total` read so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub phase: Phase,
    /// The snapshot being read (index in the paths given).
    pub file: usize,
    pub bytes_done: u64,
    pub bytes_total: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnalyzeError {
    /// Not 1 to 3 paths.
    Usage(String),
    /// A file that cannot be opened or read.
    Open { path: String, message: String },
    /// A file that is not a well-formed heap snapshot.
    Format { path: String, error: ReadError },
}

impl AnalyzeError {
    /// The `err.code` JS gives it.
    pub fn code(&self) -> &'static str {
        match self {
            AnalyzeError::Usage(_) => "ERR_LEAKWATCH_OUT_OF_RANGE",
            AnalyzeError::Open { .. } => "ERR_LEAKWATCH_SNAPSHOT_READ",
            AnalyzeError::Format { .. } => "ERR_LEAKWATCH_SNAPSHOT_FORMAT",
        }
    }
}

impl std::fmt::Display for AnalyzeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AnalyzeError::Usage(m) => f.write_str(m),
            AnalyzeError::Open { path, message } => write!(f, "{path}: {message}"),
            AnalyzeError::Format { path, error } => write!(f, "{path}: {error}"),
        }
    }
}

impl std::error::Error for AnalyzeError {}

#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotInfo {
    pub path: String,
    pub bytes: u64,
    pub nodes: u64,
    /// None for a snapshot read for its ids only (the target).
    pub edges: Option<u64>,
    pub read_ms: f64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Timings {
    pub read_ms: f64,
    pub dominators_ms: f64,
    pub analysis_ms: f64,
    pub total_ms: f64,
}

/// One step of a retainer path, root → object: the edge and the node it reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepInfo {
    pub edge: String,
    pub edge_type: &'static str,
    pub node: String,
    pub node_type: &'static str,
    pub id: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    pub id: u32,
    pub name: String,
    pub node_type: &'static str,
    pub self_bytes: u64,
    pub retained_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterInfo {
    pub constructor: String,
    pub count: u64,
    pub retained_bytes: u64,
    pub self_bytes: u64,
    pub path: Vec<StepInfo>,
    pub example: ObjectInfo,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeakInfo {
    pub method: &'static str,
    pub baseline: String,
    pub target: Option<String>,
    pub final_: String,
    pub objects: u64,
    pub retained_bytes: u64,
    pub clusters: Vec<ClusterInfo>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DiffInfo {
    pub before_path: String,
    pub after_path: String,
    pub result: HeapDiffResult,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub snapshots: Vec<SnapshotInfo>,
    pub timings: Timings,
    pub nodes: u64,
    pub edges: u64,
    pub total_bytes: u64,
    pub root_retained_bytes: u64,
    pub leak: Option<LeakInfo>,
    pub top_retainers: Vec<(ObjectInfo, Vec<StepInfo>)>,
    pub constructors: Vec<ClassTotals>,
    pub diff: Option<DiffInfo>,
}

/// The longest node name a report carries (a string's value can be megabytes).
const NAME_CHARS: usize = 200;
/// Paths longer than this keep their first and last steps around one `(… N steps)` step.
const PATH_STEPS: usize = 100;

fn ms(since: Instant) -> f64 {
    (since.elapsed().as_secs_f64() * 1e3 * 1000.0).round() / 1000.0
}

pub fn analyze(
    paths: &[PathBuf],
    options: &Options,
    progress: &mut dyn FnMut(Progress),
) -> Result<Report, AnalyzeError> {
    let started = Instant::now();
    if paths.is_empty() || paths.len() > 3 {
        return Err(AnalyzeError::Usage(format!(
            "analyze takes 1 to 3 snapshots (baseline, target, final) (got {})",
            paths.len()
        )));
    }
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let mut sizes = Vec::new();
    for (path, name) in paths.iter().zip(&names) {
        let meta = std::fs::metadata(path).map_err(|e| AnalyzeError::Open {
            path: name.clone(),
            message: e.to_string(),
        })?;
        if !meta.is_file() {
            return Err(AnalyzeError::Open {
                path: name.clone(),
                message: "not a file".into(),
            });
        }
        sizes.push(meta.len());
    }
    let bytes_total: u64 = sizes.iter().sum();
    // Files are read in order: those before `file` are done.
    let reading = |file: usize, progress: &mut dyn FnMut(Progress), bytes: u64| {
        progress(Progress {
            phase: Phase::Read,
            file,
            bytes_done: sizes[..file].iter().sum::<u64>() + bytes.min(sizes[file]),
            bytes_total,
        })
    };
    let format_error = |file: usize, error: ReadError| AnalyzeError::Format {
        path: names[file].clone(),
        error,
    };

    let mut snapshots = Vec::new();
    let mut timings = Timings::default();
    let last = paths.len() - 1;

    // The first snapshot, when there are several: its ids and its picture.
    let mut table = NameTable::new();
    let mut first = None;
    if last > 0 {
        let t = Instant::now();
        let g = read_file(&paths[0], &mut |b| reading(0, progress, b))
            .map_err(|e| format_error(0, e))?;
        let mut ids = g.node_id.clone();
        ids.sort_unstable();
        let pic = picture(&g, &mut table);
        snapshots.push(SnapshotInfo {
            path: names[0].clone(),
            bytes: sizes[0],
            nodes: g.node_count() as u64,
            edges: Some(g.edge_count() as u64),
            read_ms: ms(t),
        });
        first = Some((ids, pic));
    }
    let mut target_ids = None;
    if last == 2 {
        let t = Instant::now();
        let ids = read_node_ids(&paths[1], &mut |b| reading(1, progress, b))
            .map_err(|e| format_error(1, e))?;
        snapshots.push(SnapshotInfo {
            path: names[1].clone(),
            bytes: sizes[1],
            nodes: ids.len() as u64,
            edges: None,
            read_ms: ms(t),
        });
        target_ids = Some(ids);
    }
    let t = Instant::now();
    let g = read_file(&paths[last], &mut |b| reading(last, progress, b))
        .map_err(|e| format_error(last, e))?;
    snapshots.push(SnapshotInfo {
        path: names[last].clone(),
        bytes: sizes[last],
        nodes: g.node_count() as u64,
        edges: Some(g.edge_count() as u64),
        read_ms: ms(t),
    });
    timings.read_ms = (snapshots.iter().map(|s| s.read_ms).sum::<f64>() * 1000.0).round() / 1000.0;

    let at = |phase| Progress {
        phase,
        file: last,
        bytes_done: bytes_total,
        bytes_total,
    };
    progress(at(Phase::Dominators));
    let t = Instant::now();
    let dom = dominators(&g);
    timings.dominators_ms = ms(t);

    progress(at(Phase::Analysis));
    let t = Instant::now();
    let retained = &dom.retained_size;
    let tree = DominatorTree::new(&dom.idom);
    let classes = Classes::devtools(&g);
    let retainer_paths = RetainerPaths::new(&g);
    let object = |node: usize| object_info(&g, retained, node);
    let path = |node: usize| path_info(&g, &retainer_paths, node);

    let mut constructors = by_constructor(&g, &classes, retained, &tree);
    constructors.truncate(options.top);
    let top = top_retainers(&g, retained, options.top)
        .into_iter()
        .map(|n| (object(n), path(n)))
        .collect();

    let mut leak = None;
    let mut heap_diff = None;
    if let Some((baseline_ids, before)) = first {
        let leaked = leaked_nodes(&g, &retainer_paths, &baseline_ids, target_ids.as_deref());
        drop(baseline_ids);
        let found = clusters(&g, &classes, retained, &tree, &retainer_paths, &leaked);
        leak = Some(LeakInfo {
            method: if target_ids.is_some() {
                "baseline-target-final"
            } else {
                "baseline-final"
            },
            baseline: names[0].clone(),
            target: target_ids.as_ref().map(|_| names[1].clone()),
            final_: names[last].clone(),
            objects: found.objects,
            retained_bytes: found.retained_bytes,
            clusters: found
                .clusters
                .iter()
                .take(options.top)
                .map(|c| ClusterInfo {
                    constructor: classes.names[c.class as usize].clone(),
                    count: c.count,
                    retained_bytes: c.retained_bytes,
                    self_bytes: c.self_bytes,
                    path: path(c.example),
                    example: object(c.example),
                })
                .collect(),
        });
        let after = picture(&g, &mut table);
        let mut result = diff(&before, &after, &table);
        result.details.truncate(options.top.max(1) * 5);
        heap_diff = Some(DiffInfo {
            before_path: names[0].clone(),
            after_path: names[last].clone(),
            result,
        });
    }
    timings.analysis_ms = ms(t);
    timings.total_ms = ms(started);
    Ok(Report {
        snapshots,
        timings,
        nodes: g.node_count() as u64,
        edges: g.edge_count() as u64,
        total_bytes: g.node_self_size.iter().sum(),
        root_retained_bytes: retained.first().copied().unwrap_or(0),
        leak,
        top_retainers: top,
        constructors,
        diff: heap_diff,
    })
}

/// DevTools' names of node types (a snapshot's `meta.node_types`).
pub fn node_type_name(t: NodeType) -> &'static str {
    use NodeType::*;
    match t {
        Hidden => "hidden",
        Array => "array",
        String => "string",
        Object => "object",
        Code => "code",
        Closure => "closure",
        RegExp => "regexp",
        HeapNumber => "number",
        Native => "native",
        Synthetic => "synthetic",
        ConsString => "concatenated string",
        SlicedString => "sliced string",
        Symbol => "symbol",
        BigInt => "bigint",
        ObjectShape => "object shape",
        WasmObject => "wasm object",
    }
}

/// DevTools' names of edge types (`meta.edge_types`).
pub fn edge_type_name(t: EdgeType) -> &'static str {
    use EdgeType::*;
    match t {
        Context => "context",
        Element => "element",
        Property => "property",
        Internal => "internal",
        Hidden => "hidden",
        Shortcut => "shortcut",
        Weak => "weak",
    }
}

fn short(name: &str) -> String {
    match name.char_indices().nth(NAME_CHARS) {
        Some((cut, _)) => format!("{}…", &name[..cut]),
        None => name.to_string(),
    }
}

fn object_info(g: &HeapGraph, retained: &[u64], node: usize) -> ObjectInfo {
    ObjectInfo {
        id: g.node_id[node],
        name: short(g.name(node)),
        node_type: node_type_name(g.node_type[node]),
        self_bytes: g.node_self_size[node],
        retained_bytes: retained[node],
    }
}

fn path_info(g: &HeapGraph, paths: &RetainerPaths, node: usize) -> Vec<StepInfo> {
    let steps = paths.path(g, node);
    let step = |s: &crate::retainer_paths::Step| StepInfo {
        edge: short(&g.edge_label(s.edge)),
        edge_type: edge_type_name(g.edge_type[s.edge]),
        node: short(g.name(s.node)),
        node_type: node_type_name(g.node_type[s.node]),
        id: g.node_id[s.node],
    };
    if steps.len() <= PATH_STEPS {
        return steps.iter().map(step).collect();
    }
    let (head, tail) = (PATH_STEPS / 4, PATH_STEPS - PATH_STEPS / 4 - 1);
    let mut out: Vec<StepInfo> = steps[..head].iter().map(step).collect();
    out.push(StepInfo {
        edge: "…".into(),
        edge_type: "elided",
        node: format!("(… {} steps)", steps.len() - head - tail),
        node_type: "elided",
        id: 0,
    });
    out.extend(steps[steps.len() - tail..].iter().map(step));
    out
}

impl Report {
    /// The report as JSON (version 1).
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(16 * 1024);
        let mut o = Object::new(&mut out);
        o.num("version", 1.0);
        json::array(o.field("snapshots"), &self.snapshots, |out, s| {
            let mut o = Object::new(out);
            o.str("path", &s.path)
                .num("bytes", s.bytes as f64)
                .num("nodes", s.nodes as f64);
            match s.edges {
                Some(e) => o.num("edges", e as f64),
                None => {
                    o.field("edges").push_str("null");
                    &mut o
                }
            };
            o.num("readMs", s.read_ms);
            o.end();
        });
        let t = &self.timings;
        let mut timings = Object::new(o.field("timings"));
        timings
            .num("readMs", t.read_ms)
            .num("dominatorsMs", t.dominators_ms)
            .num("analysisMs", t.analysis_ms)
            .num("totalMs", t.total_ms);
        timings.end();
        let mut heap = Object::new(o.field("heap"));
        heap.num("nodes", self.nodes as f64)
            .num("edges", self.edges as f64)
            .num("totalBytes", self.total_bytes as f64)
            .num("rootRetainedBytes", self.root_retained_bytes as f64);
        heap.end();
        match &self.leak {
            None => o.field("leak").push_str("null"),
            Some(leak) => write_leak(o.field("leak"), leak),
        }
        json::array(
            o.field("topRetainers"),
            &self.top_retainers,
            |out, (obj, path)| {
                let mut o = Object::new(out);
                object_fields(&mut o, obj);
                json::array(o.field("path"), path, write_step);
                o.end();
            },
        );
        json::array(o.field("constructors"), &self.constructors, |out, c| {
            let mut o = Object::new(out);
            o.str("name", &c.name)
                .num("count", c.count as f64)
                .num("selfBytes", c.self_bytes as f64)
                .num("retainedBytes", c.retained_bytes as f64);
            o.end();
        });
        match &self.diff {
            None => o.field("diff").push_str("null"),
            Some(d) => write_diff(o.field("diff"), d),
        }
        o.end();
        out
    }
}

fn object_fields(o: &mut Object, obj: &ObjectInfo) {
    o.num("id", obj.id as f64)
        .str("name", &obj.name)
        .str("type", obj.node_type)
        .num("selfBytes", obj.self_bytes as f64)
        .num("retainedBytes", obj.retained_bytes as f64);
}

fn write_step(out: &mut String, s: &StepInfo) {
    let mut o = Object::new(out);
    o.str("edge", &s.edge)
        .str("edgeType", s.edge_type)
        .str("node", &s.node)
        .str("nodeType", s.node_type)
        .num("id", s.id as f64);
    o.end();
}

fn write_leak(out: &mut String, leak: &LeakInfo) {
    let mut o = Object::new(out);
    o.str("method", leak.method).str("baseline", &leak.baseline);
    match &leak.target {
        Some(t) => o.str("target", t),
        None => {
            o.field("target").push_str("null");
            &mut o
        }
    };
    o.str("final", &leak.final_)
        .num("objects", leak.objects as f64)
        .num("retainedBytes", leak.retained_bytes as f64);
    json::array(o.field("clusters"), &leak.clusters, |out, c| {
        let mut o = Object::new(out);
        o.str("constructor", &c.constructor)
            .num("count", c.count as f64)
            .num("retainedBytes", c.retained_bytes as f64)
            .num("selfBytes", c.self_bytes as f64);
        json::array(o.field("path"), &c.path, write_step);
        let mut e = Object::new(o.field("example"));
        object_fields(&mut e, &c.example);
        e.end();
        o.end();
    });
    o.end();
}

fn write_diff(out: &mut String, d: &DiffInfo) {
    let mut o = Object::new(out);
    let r = &d.result;
    let mut b = Object::new(o.field("before"));
    b.str("path", &d.before_path)
        .num("nodes", r.before.nodes)
        .num("bytes", r.before.size_bytes);
    b.end();
    let mut a = Object::new(o.field("after"));
    a.str("path", &d.after_path)
        .num("nodes", r.after.nodes)
        .num("bytes", r.after.size_bytes);
    a.end();
    json::array(o.field("details"), &r.details, |out, x: &DiffDetail| {
        let mut o = Object::new(out);
        o.str("what", &x.what)
            .num("countAdded", x.added)
            .num("countRemoved", x.removed)
            .num("bytesAdded", x.added_bytes)
            .num("bytesRemoved", x.removed_bytes)
            .num("netBytes", x.size_bytes);
        o.end();
    });
    o.end();
}

/// `analyze` for a caller that wants JSON either way: the report, or the error as
/// `{"error":{"code","message"}}`.
pub fn analyze_json(
    paths: &[PathBuf],
    options: &Options,
    progress: &mut dyn FnMut(Progress),
) -> String {
    match analyze(paths, options, progress) {
        Ok(report) => report.to_json(),
        Err(e) => error_json(e.code(), &e.to_string()),
    }
}

pub fn error_json(code: &str, message: &str) -> String {
    let mut out = String::new();
    let mut o = Object::new(&mut out);
    let mut e = Object::new(o.field("error"));
    e.str("code", code).str("message", message);
    e.end();
    o.end();
    out
}

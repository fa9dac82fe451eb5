//! leakwatch's offline heap-snapshot analyzer: reads Chrome DevTools `.heapsnapshot` files
//! as a stream into compact columns (`graph`), and answers what a leak hunt asks of them.
//! Pure Rust on the core: no N-API here; the addon and the `leakwatch analyze` CLI call it.
#![deny(clippy::all)]

pub mod dominators;
pub mod graph;
mod json_scan;
pub mod reader;

pub mod classes;
pub mod constructors;
pub mod dominator_tree;
mod fast_hash;
mod json;
pub mod leak_clusters;
pub mod report;
pub mod retainer_paths;
pub mod snapshot_diff;
pub mod top_retainers;

pub use dominators::{dominators, Dominators};
pub use graph::HeapGraph;
pub use reader::{read_file, read_node_ids, read_snapshot, ReadError};
pub use report::{analyze, analyze_json, AnalyzeError, Options, Phase, Progress, Report};

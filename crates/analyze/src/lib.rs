//! leakwatch's offline heap-snapshot analyzer: reads Chrome DevTools `.heapsnapshot` files
//! as a stream into compact columns (`graph`), and answers what a leak hunt asks of them.
//! Pure Rust on the core: no N-API here; the addon and the `leakwatch analyze` CLI call it.
#![deny(clippy::all)]

pub mod dominators;
pub mod graph;
mod json_scan;
pub mod reader;

pub use dominators::{dominators, Dominators};
pub use graph::HeapGraph;
pub use reader::{read_file, read_node_ids, read_snapshot, ReadError};

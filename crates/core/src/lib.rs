//! leakwatch's pure core: no N-API, no FFI, no C++ here, so everything reads and tests like
//! ordinary Rust (`cargo test -p leakwatch-core` needs neither Node headers nor a C++ compiler).
#![deny(clippy::all)]

pub mod allocation_sites;
pub mod detector;
pub mod error;
pub mod event_queue;
pub mod format;
pub mod gc_burst;
pub mod gc_sample;
pub mod gypi;
pub mod heap_diff;
pub mod memory_kind;
pub mod trend;

#[cfg(test)]
mod test_support;

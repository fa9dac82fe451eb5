//! leakwatch's pure core: no N-API, no FFI, no C++ here, so everything reads and tests like
//! ordinary Rust (`cargo test -p leakwatch-core` needs neither Node headers nor a C++ compiler).
#![deny(clippy::all)]

pub mod detector;
pub mod error;
pub mod event_queue;
pub mod gc_burst;
pub mod gc_sample;
pub mod gypi;
pub mod heap_diff;
pub mod trend;

// Test support: heap-shape simulators shared by the detector tests and the trace replay.
#[cfg(test)]
pub mod sim;

// Replays __test__/data/eval-traces (the recorded real runs) against the production defaults.
#[cfg(test)]
mod eval_traces;

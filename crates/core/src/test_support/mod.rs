//! Test support, compiled for tests only: the heap-shape simulators the detector's unit tests
//! use, the replay of the recorded eval traces, and the tuning aids.

pub mod sim;

// Replays __test__/data/eval-traces (the recorded real runs) against the production defaults.
mod eval_traces;

mod sweep;

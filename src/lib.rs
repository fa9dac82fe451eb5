//! leakwatch: V8 GC monitor and leak detector for Node.js.
//! Data flows one way: V8 → shim (C++) → ffi → core → binding → JS.
#![deny(clippy::all)]

pub mod core;

// The native layers need a running Node to link against; `cargo test` exercises the core.
#[cfg(not(test))]
mod binding;
#[cfg(not(test))]
mod ffi;

//! leakwatch's Node.js addon. Data flows one way: V8 → shim (C++, `shim/`) → `ffi` →
//! `leakwatch_core` → `binding` (`#[napi]`) → JS (`lib/`); with the V8 layer off
//! (`binding::v8_layer`), Node's `v8.GCProfiler` reports → `binding` → `leakwatch_core` → JS.
#![deny(clippy::all)]

// Built for a running Node only (napi-derive registers nothing under `cfg(test)`); this crate
// has no unit tests (`test = false`): its logic is in leakwatch-core, and `npm test` tests it
// against a real Node.
#[cfg(not(test))]
mod binding;
#[cfg(not(test))]
mod ffi;
#[cfg(not(test))]
mod sampling_ffi;

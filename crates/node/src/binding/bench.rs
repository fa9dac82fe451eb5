//! Internal, for bench/heapdiff.js only (not part of the public API): the floor HeapDiff is
//! measured against, two bare V8 snapshots on the same heap. JS thread.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use super::v8_layer;
use crate::ffi;

/// Takes and deletes `snapshots` bare heap snapshots; clears V8's object-id map first when
/// `clearIdsFirst` (never while a HeapDiff is alive: its ids would restart). Returns the node
/// count of the last snapshot.
#[napi(catch_unwind)]
pub fn bench_heap_snapshot_floor(env: Env, snapshots: u32, clear_ids_first: bool) -> Result<f64> {
    v8_layer::require(&env, "a heap snapshot")?;
    ffi::heap_snapshot_floor(&env, snapshots, clear_ids_first)
        .map(|count| count as f64)
        .ok_or_else(|| {
            Error::new(
                Status::GenericFailure,
                "leakwatch: V8 could not take a heap snapshot on this thread",
            )
        })
}

//! The door to V8's sampling heap profiler in the shim (crates/node/shim/sampling_profiler.cc):
//! its `extern "C"` items and their `unsafe`, apart from `ffi.rs` (the GC hook and snapshots).
//! Everything here runs on the JS thread of one isolate, outside any GC.

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::NonNull;

use leakwatch_core::allocation_sites::{Allocation, Frame, ProfileNode};

/// Mirror of `LwProfileNode` in sampling_profiler.h; field order and types must match.
#[repr(C)]
struct LwProfileNode {
    parent: u32,
    script_id: i32,
    line: i32,
    column: i32,
    name: *const u8,
    name_len: usize,
    script: *const u8,
    script_len: usize,
}

/// Mirror of `LwAllocation` in sampling_profiler.h.
#[repr(C)]
struct LwAllocation {
    size: f64,
    count: f64,
}

/// `LEAKWATCH_NO_PARENT` in sampling_profiler.h.
const NO_PARENT: u32 = u32::MAX;

extern "C" {
    fn leakwatch_sampling_available() -> bool;
    fn leakwatch_sampling_start(interval_bytes: u64, stack_depth: i32) -> *mut c_void;
    fn leakwatch_sampling_stop(profiler: *mut c_void);
    fn leakwatch_sampling_read(
        env: *mut c_void,
        profiler: *mut c_void,
        context: *mut c_void,
    ) -> i64;
}

/// Whether this V8 has the sampling entry points (call only after `ffi::resolve_v8` succeeded).
pub fn available() -> bool {
    // SAFETY: reads the shim's resolved table, written once before any caller gets here.
    unsafe { leakwatch_sampling_available() }
}

/// A sampling heap profiler this thread started: the isolate's `v8::HeapProfiler`. Not `Send`
/// (it holds a raw pointer), so it stays on its isolate's thread. Stopping is explicit, never
/// on drop: a thread-local dropped at thread exit may outlive the isolate.
pub struct Sampler {
    profiler: NonNull<c_void>,
}

impl Sampler {
    /// Starts V8's sampler on this thread's isolate; `None` when V8 refused (one is running
    /// already: someone else's) or there is no isolate.
    pub fn start(interval_bytes: u64, stack_depth: i32) -> Option<Sampler> {
        // SAFETY: JS thread, outside any GC; the shim checks for the entry points and an isolate.
        let raw = unsafe { leakwatch_sampling_start(interval_bytes, stack_depth) };
        NonNull::new(raw).map(|profiler| Sampler { profiler })
    }

    /// Stops it. The isolate must be alive (an env cleanup hook is early enough).
    pub fn stop(self) {
        // SAFETY: `profiler` is the live isolate's HeapProfiler (the isolate outlives its
        // environments' cleanup hooks) and we are on its thread.
        unsafe { leakwatch_sampling_stop(self.profiler.as_ptr()) }
    }

    /// The live samples' call tree in pre-order; `None` when no sampler runs any more (someone
    /// else stopped it). `env` is the current call's environment.
    pub fn read(&self, env: &napi::Env) -> Option<Vec<ProfileNode>> {
        let mut nodes: Vec<ProfileNode> = Vec::new();
        let context = (&mut nodes as *mut Vec<ProfileNode>).cast::<c_void>();
        // SAFETY: `context` points to `nodes`, alive for this synchronous call and only used
        // by `leakwatch_on_profile_node` during it; `env` is the live napi_env of the call.
        let walked =
            unsafe { leakwatch_sampling_read(env.raw().cast(), self.profiler.as_ptr(), context) };
        (walked >= 0).then_some(nodes)
    }
}

fn text(ptr: *const u8, len: usize) -> String {
    if ptr.is_null() || len == 0 {
        return String::new();
    }
    // SAFETY: the shim passes a `v8::String::Utf8Value` buffer of `len` bytes, alive for the call.
    String::from_utf8_lossy(unsafe { std::slice::from_raw_parts(ptr, len) }).into_owned()
}

/// Called by the shim for each node of the tree, in pre-order, during `Sampler::read`.
#[no_mangle]
extern "C" fn leakwatch_on_profile_node(
    context: *mut c_void,
    node: *const LwProfileNode,
    allocations: *const LwAllocation,
    count: usize,
) {
    if context.is_null() || node.is_null() {
        return;
    }
    // A panic must never unwind into the shim: a node lost is better than an abort.
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `context` is the `Vec<ProfileNode>` of `Sampler::read`, alive and not
        // otherwise borrowed during the walk; `node` is the shim's local, valid for this call.
        let (nodes, node) = unsafe { (&mut *(context as *mut Vec<ProfileNode>), &*node) };
        let own: &[LwAllocation] = if allocations.is_null() || count == 0 {
            &[]
        } else {
            // SAFETY: the shim passes its buffer of `count` allocations, alive for this call.
            unsafe { std::slice::from_raw_parts(allocations, count) }
        };
        nodes.push(ProfileNode {
            parent: (node.parent != NO_PARENT).then_some(node.parent as usize),
            frame: Frame {
                function_name: text(node.name, node.name_len),
                script_name: text(node.script, node.script_len),
                script_id: node.script_id,
                line: node.line,
                column: node.column,
            },
            allocations: own
                .iter()
                .map(|a| Allocation {
                    size: a.size,
                    count: a.count,
                })
                .collect(),
        });
    }));
}

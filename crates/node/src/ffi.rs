//! The one door to the C++ shim (crates/node/shim/gc_hook.cc): the only `extern "C"` items and the
//! only `unsafe` code of the crate. Everything here runs on the JS thread of one isolate.

use std::cell::{Cell, RefCell};
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::NonNull;
use std::sync::OnceLock;

use leakwatch_core::gc_sample::{GcKind, GcSample, HeapSpace, KIND_COUNT, MAX_HEAP_SPACES};
use leakwatch_core::heap_diff::{HeapPicture, NameTable, NodeType};

#[repr(C)]
#[derive(Clone, Copy)]
struct LwHeapSpace {
    name: *const c_char,
    size: f64,
    used: f64,
    available: f64,
    physical: f64,
}

/// Mirror of `LwGcRecord` in gc_hook.h; field order and types must match.
#[repr(C)]
#[derive(Default)]
struct LwGcRecord {
    sequence: u64,
    kind: u32,
    gc_flags: u32,
    space_count: u32,
    own_snapshot: u32,
    monotonic_ms: f64,
    pause_ms: f64,
    used_heap_size: f64,
    total_heap_size: f64,
    total_heap_size_executable: f64,
    heap_size_limit: f64,
    total_physical_size: f64,
    total_available_size: f64,
    malloced_memory: f64,
    peak_malloced_memory: f64,
    external_memory: f64,
    number_of_native_contexts: f64,
    number_of_detached_contexts: f64,
    gc_count: [f64; KIND_COUNT],
    gc_time_ms: [f64; KIND_COUNT],
    self_time_ms: [f64; KIND_COUNT],
}

impl Default for LwHeapSpace {
    fn default() -> Self {
        LwHeapSpace {
            name: std::ptr::null(),
            size: 0.0,
            used: 0.0,
            available: 0.0,
            physical: 0.0,
        }
    }
}

#[repr(C)]
struct LwHook {
    _opaque: [u8; 0],
}

extern "C" {
    fn leakwatch_hook_install(
        env: *mut c_void,
        context: *mut c_void,
        deliver_mask: u32,
        heap_spaces: c_int,
    ) -> *mut LwHook;
    fn leakwatch_hook_pop(
        hook: *mut LwHook,
        out: *mut LwGcRecord,
        spaces: *mut LwHeapSpace,
    ) -> c_int;
    fn leakwatch_hook_take_dropped(hook: *mut LwHook) -> u64;
    fn leakwatch_hook_rearm(hook: *mut LwHook);
    fn leakwatch_hook_mark_own_snapshot(hook: *mut LwHook, own: c_int);
    fn leakwatch_clock_offset_ms() -> f64;
    fn leakwatch_hook_configure(hook: *mut LwHook, deliver_mask: u32, heap_spaces: c_int);
    fn leakwatch_hook_remove(hook: *mut LwHook);
    fn leakwatch_force_full_gc() -> c_int;
    fn leakwatch_heap_statistics_probe(out: *mut LwHeapStatisticsProbe) -> c_int;
    fn leakwatch_v8_resolve(pretend_missing: *const c_char) -> *const c_char;
}

/// Mirror of `LwHeapStatisticsProbe` in gc_hook.h.
#[repr(C)]
#[derive(Default)]
struct LwHeapStatisticsProbe {
    stayed_inside: i32,
    known_size: u32,
    heap_size_limit: f64,
    total_heap_size: f64,
    used_heap_size: f64,
}

/// What the self-test read: V8's heap statistics written into a canary-filled buffer.
pub struct HeapStatisticsProbe {
    /// Every byte past `known_size` was still the canary.
    pub stayed_inside: bool,
    pub known_size: u32,
    pub heap_size_limit: f64,
    pub total_heap_size: f64,
    pub used_heap_size: f64,
}

/// Resolves every V8 entry point the shim calls (once per process: they are the process's);
/// the readable name of the first missing one. Documented test hook:
/// `LEAKWATCH_SIMULATE_V8_MISSING=<mangled name>` pretends that symbol is not there.
pub fn resolve_v8() -> Result<(), String> {
    static RESOLVED: OnceLock<Result<(), String>> = OnceLock::new();
    RESOLVED
        .get_or_init(|| {
            let pretend = std::env::var("LEAKWATCH_SIMULATE_V8_MISSING")
                .ok()
                .and_then(|name| CString::new(name).ok());
            let pretend_ptr = pretend.as_ref().map_or(std::ptr::null(), |c| c.as_ptr());
            // SAFETY: `pretend_ptr` is NULL or a NUL-terminated string alive for the call (the
            // shim only compares it); the OnceLock runs this once, so the shim's table is
            // written by one thread before any reader gets past `resolve_v8`.
            let missing = unsafe { leakwatch_v8_resolve(pretend_ptr) };
            if missing.is_null() {
                Ok(())
            } else {
                // SAFETY: the shim returns a static NUL-terminated string literal.
                Err(unsafe { CStr::from_ptr(missing) }
                    .to_string_lossy()
                    .into_owned())
            }
        })
        .clone()
}

/// The self-test's reading (see `HeapStatisticsProbe`); call only after `resolve_v8`.
pub fn probe_heap_statistics() -> HeapStatisticsProbe {
    let mut out = LwHeapStatisticsProbe::default();
    // SAFETY: `out` is a local of the mirrored layout; the shim writes only into it, and
    // checks for a current isolate.
    let status = unsafe { leakwatch_heap_statistics_probe(&mut out) };
    HeapStatisticsProbe {
        stayed_inside: status == 0 && out.stayed_inside == 1,
        known_size: out.known_size,
        heap_size_limit: out.heap_size_limit,
        total_heap_size: out.total_heap_size,
        used_heap_size: out.used_heap_size,
    }
}

/// Told when the hook has recorded GCs and no delivery is on its way. Called on the JS thread
/// from the event loop (a libuv check or prepare handle), outside any GC pause; not again
/// until `GcHook::rearm`.
pub trait GcSink {
    fn wake(&self);
}

/// Installed GC callbacks on the current isolate, with their ring of records and their
/// wake-up handles on the environment's loop. Removing them happens on drop, which must run
/// on the same JS thread (the type is neither `Send` nor `Sync` because it holds raw pointers,
/// so the compiler keeps it there).
pub struct GcHook {
    hook: NonNull<LwHook>,
    // Boxed so the shim can hold a thin pointer to the (fat) trait object.
    sink: *mut Box<dyn GcSink>,
}

impl GcHook {
    /// Installs the callbacks on the calling thread's isolate and the wake-up handles on
    /// `env`'s loop; `None` when there is no isolate or no loop.
    pub fn install(
        env: &napi::Env,
        sink: Box<dyn GcSink>,
        deliver: u32,
        heap_spaces: bool,
    ) -> Option<GcHook> {
        let sink = Box::into_raw(Box::new(sink));
        // SAFETY: `sink` is a valid pointer that stays alive until `Drop`, which first
        // removes the callbacks and closes the handles; the shim only passes it back to
        // `leakwatch_wake`. `env` is the live napi_env of the current call.
        let raw = unsafe {
            leakwatch_hook_install(env.raw().cast(), sink.cast(), deliver, heap_spaces as c_int)
        };
        match NonNull::new(raw) {
            Some(hook) => Some(GcHook { hook, sink }),
            None => {
                // SAFETY: the shim did not keep the pointer; we still own the box.
                drop(unsafe { Box::from_raw(sink) });
                None
            }
        }
    }

    pub fn configure(&self, deliver: u32, heap_spaces: bool) {
        // SAFETY: `hook` is live until drop, and we are on its isolate's thread.
        unsafe { leakwatch_hook_configure(self.hook.as_ptr(), deliver, heap_spaces as c_int) }
    }

    /// Takes every recorded GC out of the ring, oldest first, and the number of records
    /// the ring overwrote (dropped) since the last call. JS thread, outside GC.
    pub fn drain(&self, mut each: impl FnMut(GcSample)) -> u64 {
        let offset_ms = clock_offset_ms();
        let mut record = LwGcRecord::default();
        let mut spaces = [LwHeapSpace::default(); MAX_HEAP_SPACES];
        // SAFETY (both calls): `hook` is live until drop and we are on its thread; `record`
        // and `spaces` are locals of the mirrored layouts, `spaces` MAX_HEAP_SPACES
        // (= LW_MAX_SPACES) long, which is all the shim writes.
        while unsafe { leakwatch_hook_pop(self.hook.as_ptr(), &mut record, spaces.as_mut_ptr()) }
            == 1
        {
            if let Some(sample) = to_sample(&record, &spaces, offset_ms) {
                each(sample);
            }
        }
        // SAFETY: as above.
        unsafe { leakwatch_hook_take_dropped(self.hook.as_ptr()) }
    }

    /// The delivery that `GcSink::wake` asked for has drained the ring: wake on new records.
    pub fn rearm(&self) {
        // SAFETY: `hook` is live until drop, and we are on its isolate's thread.
        unsafe { leakwatch_hook_rearm(self.hook.as_ptr()) }
    }

    /// GCs from now on are (or are not) those of leakwatch's own heap snapshot.
    pub fn mark_own_snapshot(&self, own: bool) {
        // SAFETY: `hook` is live until drop, and we are on its isolate's thread.
        unsafe { leakwatch_hook_mark_own_snapshot(self.hook.as_ptr(), own as c_int) }
    }
}

impl Drop for GcHook {
    fn drop(&mut self) {
        // SAFETY: the hook is live and we are on its isolate's thread (the type is !Send).
        // After removal neither V8 nor the loop calls back, so the sink can be freed.
        unsafe { leakwatch_hook_remove(self.hook.as_ptr()) };
        // SAFETY: the shim no longer holds the pointer; we own the box.
        let sink = unsafe { Box::from_raw(self.sink) };
        // A listener that stops monitoring drops the hook from inside its own sink's `wake`
        // (the call into JS): that sink is freed when `wake` has returned, not under it.
        if WAKE_DEPTH.get() > 0 {
            SINKS_TO_DROP.with_borrow_mut(|sinks| sinks.push(sink));
        } else {
            drop(sink);
        }
    }
}

/// The sink as the shim holds it: a thin pointer to the (fat) trait object.
#[allow(clippy::vec_box)]
type SinkBox = Box<Box<dyn GcSink>>;

thread_local! {
    /// How many `leakwatch_wake` calls this thread is inside (0 or 1: loop callbacks do not nest).
    static WAKE_DEPTH: Cell<u32> = const { Cell::new(0) };
    /// Sinks whose hook was dropped during a wake, freed once it returns.
    static SINKS_TO_DROP: RefCell<Vec<SinkBox>> = const { RefCell::new(Vec::new()) };
}

/// CLOCK_REALTIME minus CLOCK_MONOTONIC now (ms): a record's wall time is its monotonic
/// time plus this, so the pause reads one clock fewer (a clock step between the GC and its
/// delivery, milliseconds apart, is the only error).
fn clock_offset_ms() -> f64 {
    // SAFETY: no arguments; reads two clocks.
    unsafe { leakwatch_clock_offset_ms() }
}

/// One full, synchronous GC on the current isolate.
pub fn force_full_gc() -> bool {
    // SAFETY: the shim checks for a current isolate and only calls V8 on it.
    unsafe { leakwatch_force_full_gc() == 0 }
}

/// Called by the shim on the JS thread from a libuv check/prepare handle, outside any GC.
#[no_mangle]
extern "C" fn leakwatch_wake(context: *mut c_void) {
    if context.is_null() {
        return;
    }
    WAKE_DEPTH.set(WAKE_DEPTH.get() + 1);
    // A panic must never unwind into libuv: swallow it (a late batch is better than an abort).
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `context` is the `Box<Box<dyn GcSink>>` pointer given to
        // `leakwatch_hook_install`, alive while the hook is installed (the handles calling
        // here are closed before it is freed) and, when the hook is dropped during this
        // call, until it returns (`GcHook::drop` defers the free while `WAKE_DEPTH` > 0).
        let sink = unsafe { &*(context as *const Box<dyn GcSink>) };
        sink.wake();
    }));
    WAKE_DEPTH.set(WAKE_DEPTH.get() - 1);
    if WAKE_DEPTH.get() == 0 {
        let freed = SINKS_TO_DROP.with_borrow_mut(std::mem::take);
        drop(freed);
    }
}

fn to_sample(e: &LwGcRecord, spaces: &[LwHeapSpace], offset_ms: f64) -> Option<GcSample> {
    let kind = GcKind::from_index(e.kind)?;
    let mut sample = GcSample::new(kind, e.monotonic_ms, e.used_heap_size);
    sample.timestamp_ms = e.monotonic_ms + offset_ms;
    sample.gc_flags = e.gc_flags;
    sample.own_snapshot = e.own_snapshot != 0;
    sample.pause_ms = e.pause_ms;
    sample.total_heap_size = e.total_heap_size;
    sample.total_heap_size_executable = e.total_heap_size_executable;
    sample.heap_size_limit = e.heap_size_limit;
    sample.total_physical_size = e.total_physical_size;
    sample.total_available_size = e.total_available_size;
    sample.malloced_memory = e.malloced_memory;
    sample.peak_malloced_memory = e.peak_malloced_memory;
    sample.external_memory = e.external_memory;
    sample.number_of_native_contexts = e.number_of_native_contexts;
    sample.number_of_detached_contexts = e.number_of_detached_contexts;
    sample.gc_count = e.gc_count;
    sample.gc_time_ms = e.gc_time_ms;
    sample.self_time_ms = e.self_time_ms;
    let count = (e.space_count as usize).min(MAX_HEAP_SPACES);
    for (out, space) in sample.spaces.iter_mut().zip(&spaces[..count]) {
        *out = HeapSpace {
            name: space_name(space.name),
            size: space.size,
            used: space.used,
            available: space.available,
            physical: space.physical,
        };
    }
    sample.space_count = count;
    Some(sample)
}

fn space_name(name: *const c_char) -> &'static str {
    if name.is_null() {
        return "unknown";
    }
    // SAFETY: V8's HeapSpaceStatistics::space_name() returns a pointer to a static,
    // NUL-terminated string literal (BaseSpace::GetSpaceName), valid for the process lifetime.
    unsafe { CStr::from_ptr(name) }
        .to_str()
        .unwrap_or("unknown")
}

// --- Heap snapshot walk (crates/node/shim/heap_snapshot.cc), for HeapDiff -----------------------------

extern "C" {
    fn leakwatch_heap_snapshot_walk(
        env: *mut c_void,
        context: *mut c_void,
        budget_ms: f64,
        probe: *mut c_void,
    ) -> i64;
    fn leakwatch_heap_snapshot_write(
        env: *mut c_void,
        path: *const c_char,
        budget_ms: f64,
        probe: *mut c_void,
        errno: *mut c_int,
    ) -> i64;
    fn leakwatch_heap_clear_object_ids();
}

/// Why a snapshot gave no result (the shim's `LEAKWATCH_SNAPSHOT_*` codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotFailure {
    /// No isolate on this thread, or V8 gave no snapshot.
    Unavailable,
    /// Ran past its time budget: V8 aborted it.
    OverBudget,
    /// The thread is being terminated (worker.terminate(), exit): aborted.
    Terminating,
    /// The file could not be written: the `errno`.
    WriteFailed(i32),
    /// The memory for the walk's picture could not be had (`HeapNodeSink::reserve`).
    NoMemory,
}

impl SnapshotFailure {
    fn from_code(code: i64, errno: c_int) -> SnapshotFailure {
        match code {
            -2 => SnapshotFailure::OverBudget,
            -3 => SnapshotFailure::Terminating,
            -4 => SnapshotFailure::WriteFailed(errno),
            -5 => SnapshotFailure::NoMemory,
            _ => SnapshotFailure::Unavailable,
        }
    }
}

/// Tells a running snapshot whether this thread's Node environment is being stopped
/// (`worker.terminate()` sets a flag from the parent thread; V8 reports the termination only
/// once JS runs again). Node-API refuses calls that could run JS once that flag is set, so a
/// `napi_strict_equals` that runs no JS is the probe. Made on the JS thread from the `Env` of
/// the current call; valid for that call only.
pub struct StopProbe {
    env: napi::sys::napi_env,
    value: napi::sys::napi_value,
}

impl StopProbe {
    pub fn new(env: &napi::Env) -> Option<StopProbe> {
        let mut value = std::ptr::null_mut();
        // SAFETY: `env` is the live environment of the current call; `value` is a local out
        // parameter. `undefined` needs no scope beyond the call's.
        let status = unsafe { napi::sys::napi_get_undefined(env.raw(), &mut value) };
        (status == napi::sys::Status::napi_ok && !value.is_null()).then(|| StopProbe {
            env: env.raw(),
            value,
        })
    }

    fn as_context(probe: Option<&StopProbe>) -> *mut c_void {
        probe.map_or(std::ptr::null_mut(), |p| {
            (p as *const StopProbe).cast_mut().cast::<c_void>()
        })
    }
}

/// Called by the shim while a snapshot runs, on the JS thread (between V8's GCs, never inside
/// one), with the `StopProbe` given to `walk_heap_snapshot` / `write_heap_snapshot`.
#[no_mangle]
extern "C" fn leakwatch_env_stopping(probe: *mut c_void) -> bool {
    if probe.is_null() {
        return false;
    }
    // SAFETY: `probe` is the `StopProbe` borrowed for the duration of the snapshot call that
    // is running now (see `walk_heap_snapshot`).
    let probe = unsafe { &*(probe as *const StopProbe) };
    let mut equal = false;
    // SAFETY: `env` and `value` are valid for the current call (see `StopProbe`); comparing
    // `undefined` with itself runs no JS and allocates nothing on the JS heap.
    let status =
        unsafe { napi::sys::napi_strict_equals(probe.env, probe.value, probe.value, &mut equal) };
    status != napi::sys::Status::napi_ok
}

/// Receives the nodes of one heap snapshot, in V8's index order. Called on the JS thread
/// (outside any GC), synchronously from `walk_heap_snapshot`.
pub trait HeapNodeSink {
    /// Called once before the first node with the number of nodes to come: `false` when
    /// the memory for them cannot be had (the walk is then skipped, never aborted mid-way).
    fn reserve(&mut self, nodes: usize) -> bool {
        self.picture().1.try_reserve(nodes)
    }

    /// The name table and the picture the walk fills (the shim interns each distinct name
    /// once, then hands nodes over in batches, already keyed).
    fn picture(&mut self) -> (&mut NameTable, &mut HeapPicture);

    /// Called once after the last node, before V8's snapshot is deleted: the ids (ascending)
    /// of the nodes to search retainer paths to. Empty (the default) means no search.
    fn path_targets(&mut self) -> &[u32] {
        &[]
    }

    /// One retainer path from the snapshot's root to a target, shortest first.
    fn on_retainer_path(&mut self, _path: &str) {}
}

/// Takes a heap snapshot of the current isolate (V8 runs full GCs first), streams every node
/// to `sink` and deletes V8's snapshot (memory given back) before returning; the number of
/// nodes walked. `budget_ms` (`f64::INFINITY`: none) bounds the snapshot and the retainer-path
/// search; past it, or when the thread is terminating, V8's snapshot is aborted and nothing
/// has been walked.
pub fn walk_heap_snapshot(
    env: &napi::Env,
    sink: &mut dyn HeapNodeSink,
    budget_ms: f64,
    probe: Option<&StopProbe>,
) -> Result<u64, SnapshotFailure> {
    // A thin pointer to the (fat) trait object, for the C side to hand back.
    let mut sink: &mut dyn HeapNodeSink = sink;
    let context = (&mut sink as *mut &mut dyn HeapNodeSink).cast::<c_void>();
    // SAFETY: `context` points to `sink` and the probe context to `probe`, both outliving
    // this synchronous call; the shim passes them back only during the call, keeps no copy.
    // `env` is the live napi_env of the current call (the shim opens handle scopes on it).
    let count = unsafe {
        leakwatch_heap_snapshot_walk(
            env.raw().cast(),
            context,
            budget_ms,
            StopProbe::as_context(probe),
        )
    };
    u64::try_from(count).map_err(|_| SnapshotFailure::from_code(count, 0))
}

/// Takes a heap snapshot and writes it to `path` in Chrome DevTools' format, under the same
/// budget and abort rules as `walk_heap_snapshot`; the number of nodes. On failure `path`
/// has been removed.
pub fn write_heap_snapshot(
    env: &napi::Env,
    path: &CStr,
    budget_ms: f64,
    probe: Option<&StopProbe>,
) -> Result<u64, SnapshotFailure> {
    let mut errno: c_int = 0;
    let probe = StopProbe::as_context(probe);
    // SAFETY: `path` is NUL-terminated and `probe` alive for the call; `errno` is a local;
    // `env` is the live napi_env of the current call.
    let count = unsafe {
        leakwatch_heap_snapshot_write(
            env.raw().cast(),
            path.as_ptr(),
            budget_ms,
            probe,
            &mut errno,
        )
    };
    u64::try_from(count).map_err(|_| SnapshotFailure::from_code(count, errno))
}

/// Releases V8's object-id map (see the shim); JS thread, outside any GC.
pub fn clear_heap_object_ids() {
    // SAFETY: no arguments; the shim checks for a current isolate.
    unsafe { leakwatch_heap_clear_object_ids() }
}

/// Called by the shim once before the node walk, on the JS thread, during `walk_heap_snapshot`.
#[no_mangle]
extern "C" fn leakwatch_heap_reserve(context: *mut c_void, count: usize) -> bool {
    if context.is_null() {
        return false;
    }
    catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: as in `leakwatch_on_heap_nodes`: the live `&mut &mut dyn HeapNodeSink` of
        // `walk_heap_snapshot`.
        let sink = unsafe { &mut *(context as *mut &mut dyn HeapNodeSink) };
        sink.reserve(count)
    }))
    .unwrap_or(false)
}

/// Called by the shim once after the node walk, on the JS thread, during `walk_heap_snapshot`.
#[no_mangle]
extern "C" fn leakwatch_heap_path_targets(
    context: *mut c_void,
    ids: *mut *const u32,
    count: *mut usize,
) {
    if context.is_null() || ids.is_null() || count.is_null() {
        return;
    }
    // SAFETY: `ids` and `count` point to the shim's locals, valid for this call.
    unsafe {
        *ids = std::ptr::null();
        *count = 0;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: as in `leakwatch_heap_name_key`: `context` is the live `&mut &mut dyn
        // HeapNodeSink` of `walk_heap_snapshot`. The slice it returns borrows the sink, which
        // outlives the whole walk, so the pointer stays valid until the shim is done with it.
        let sink = unsafe { &mut *(context as *mut &mut dyn HeapNodeSink) };
        let targets = sink.path_targets();
        if !targets.is_empty() {
            // SAFETY: see above; the shim reads the array only during this walk.
            unsafe {
                *ids = targets.as_ptr();
                *count = targets.len();
            }
        }
    }));
}

/// Called by the shim for each retainer path found, on the JS thread, during
/// `walk_heap_snapshot`.
#[no_mangle]
extern "C" fn leakwatch_on_retainer_path(context: *mut c_void, path: *const c_char, len: usize) {
    if context.is_null() || path.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the shim passes a `std::string` buffer of `len` bytes alive for this call.
        let bytes = unsafe { std::slice::from_raw_parts(path.cast::<u8>(), len) };
        let path = String::from_utf8_lossy(bytes);
        // SAFETY: as in `leakwatch_heap_name_key`.
        let sink = unsafe { &mut *(context as *mut &mut dyn HeapNodeSink) };
        sink.on_retainer_path(&path);
    }));
}

/// Mirror of `LwHeapNode` in heap_snapshot.h.
#[repr(C)]
#[derive(Clone, Copy)]
struct LwHeapNode {
    id: u32,
    name_key: u32,
    self_size: u32,
}

/// `LEAKWATCH_NO_NAME_KEY` in heap_snapshot.h: no key, the node is left out.
const NO_NAME_KEY: u32 = u32::MAX;

/// Called by the shim once per distinct (type, name) of a walk, on the JS thread, during
/// `walk_heap_snapshot`.
#[no_mangle]
extern "C" fn leakwatch_heap_name_key(
    context: *mut c_void,
    kind: u32,
    name: *const c_char,
    name_len: usize,
) -> u32 {
    if context.is_null() {
        return NO_NAME_KEY;
    }
    // A panic must never unwind into V8: a node lost is better than an abort.
    catch_unwind(AssertUnwindSafe(|| {
        let bytes: &[u8] = if name.is_null() || name_len == 0 {
            &[]
        } else {
            // SAFETY: the shim passes a `v8::String::Utf8Value` buffer of `name_len` bytes
            // that stays alive for the duration of this call.
            unsafe { std::slice::from_raw_parts(name.cast::<u8>(), name_len) }
        };
        let name = String::from_utf8_lossy(bytes);
        // SAFETY: `context` is the `&mut &mut dyn HeapNodeSink` made by `walk_heap_snapshot`,
        // alive and not otherwise borrowed while the walk runs.
        let sink = unsafe { &mut *(context as *mut &mut dyn HeapNodeSink) };
        let (names, _) = sink.picture();
        names.intern(NodeType::from_v8(kind), &name)
    }))
    .unwrap_or(NO_NAME_KEY)
}

/// Called by the shim for each batch of nodes, on the JS thread, during `walk_heap_snapshot`.
#[no_mangle]
extern "C" fn leakwatch_on_heap_nodes(
    context: *mut c_void,
    nodes: *const LwHeapNode,
    count: usize,
    total: usize,
) {
    if context.is_null() || nodes.is_null() || count == 0 {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the shim passes its batch buffer of `count` nodes, alive for this call.
        let nodes = unsafe { std::slice::from_raw_parts(nodes, count) };
        // SAFETY: as in `leakwatch_heap_name_key`.
        let sink = unsafe { &mut *(context as *mut &mut dyn HeapNodeSink) };
        let (_, picture) = sink.picture();
        picture.reserve_total(total);
        for node in nodes {
            if node.name_key != NO_NAME_KEY {
                picture.push_keyed(node.id, node.name_key, node.self_size);
            }
        }
    }));
}

// --- Benchmark floor (bench/heapdiff.js) ------------------------------------------------------

extern "C" {
    fn leakwatch_heap_snapshot_floor(env: *mut c_void, snapshots: i32, clear_ids_first: i32)
        -> i64;
}

/// Takes and deletes `snapshots` bare heap snapshots of the current isolate (no walk), after
/// clearing V8's object-id map when `clear_ids_first`; the node count of the last, `None` when
/// V8 gave none. JS thread. Only for measuring HeapDiff against V8's own cost.
pub fn heap_snapshot_floor(env: &napi::Env, snapshots: u32, clear_ids_first: bool) -> Option<u64> {
    let snapshots = i32::try_from(snapshots).unwrap_or(i32::MAX);
    // SAFETY: the shim checks for a current isolate and only calls V8 on it; it keeps nothing;
    // `env` is the live napi_env of the current call.
    let count = unsafe {
        leakwatch_heap_snapshot_floor(env.raw().cast(), snapshots, clear_ids_first as i32)
    };
    u64::try_from(count).ok()
}

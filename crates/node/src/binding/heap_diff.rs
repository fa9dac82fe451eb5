//! `NativeHeapDiff`: two heap snapshot walks and the core's comparison (lib/heap-diff.js and
//! memwatch.js wrap it). Runs on the JS thread that created it.

use std::cell::Cell;
use std::ffi::CString;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use super::errors::{throw_coded, JsErrorKind};
use super::monitor::during_own_snapshot;
use super::v8_layer;
use crate::ffi::{self, HeapNodeSink, SnapshotFailure, StopProbe};
use leakwatch_core::format::memwatch_size;
use leakwatch_core::heap_diff::{self, DiffDetail, HeapDiffResult, HeapPicture, NameTable, Naming};

thread_local! {
    /// leakwatch pictures alive on this thread that a later snapshot will be compared with.
    /// V8's object-id map is per isolate and Node runs one isolate per thread (the main
    /// thread, each worker), so a per-thread count is a per-isolate count.
    static LIVE_PICTURES: Cell<u32> = const { Cell::new(0) };
}

/// A picture counted as alive: while one is, V8's object ids must stay stable (its nodes
/// are matched by id with the next snapshot's), so the id map is kept; when the last one
/// goes, the map is released.
struct LivePicture {
    picture: HeapPicture,
}

impl LivePicture {
    fn new(picture: HeapPicture) -> LivePicture {
        let _ = LIVE_PICTURES.try_with(|n| n.set(n.get().saturating_add(1)));
        LivePicture { picture }
    }
}

impl Drop for LivePicture {
    // JS thread: end(), release(), or the finalizer of a NativeHeapDiff (napi runs those
    // outside the GC).
    fn drop(&mut self) {
        let _ = LIVE_PICTURES.try_with(|n| n.set(n.get().saturating_sub(1)));
        release_object_ids_if_idle();
    }
}

/// Releases V8's object-id map unless a picture is alive. After any snapshot (leakwatch's own
/// or one of V8's JS API) V8 tracks every object the GC moves, which makes every later GC
/// several times slower until released. `LEAKWATCH_BENCH_NO_RELEASE=1` keeps the map (and
/// the shim skips malloc_trim), for bench/snapshot.js's "before the fix" rows only.
pub(crate) fn release_object_ids_if_idle() {
    let idle = LIVE_PICTURES.try_with(|n| n.get() == 0).unwrap_or(false);
    if idle && std::env::var_os("LEAKWATCH_BENCH_NO_RELEASE").is_none() {
        ffi::clear_heap_object_ids();
    }
}

/// `budgetMs` as the shim wants it: absent or NaN means no limit.
fn budget(budget_ms: Option<f64>) -> f64 {
    match budget_ms {
        Some(ms) if !ms.is_nan() => ms.max(0.0),
        _ => f64::INFINITY,
    }
}

fn snapshot_error(env: &Env, failure: SnapshotFailure, budget_ms: f64) -> Error {
    match failure {
        SnapshotFailure::Unavailable => throw_coded(
            env,
            JsErrorKind::Error,
            "leakwatch: V8 could not take a heap snapshot on this thread",
            "ERR_LEAKWATCH_HEAP_SNAPSHOT",
        ),
        SnapshotFailure::OverBudget => throw_coded(
            env,
            JsErrorKind::Error,
            &format!(
                "leakwatch: heap snapshot aborted: it ran past its time budget ({budget_ms} ms)"
            ),
            "ERR_LEAKWATCH_SNAPSHOT_ABORTED",
        ),
        SnapshotFailure::Terminating => throw_coded(
            env,
            JsErrorKind::Error,
            "leakwatch: heap snapshot aborted: this thread is terminating",
            "ERR_LEAKWATCH_SNAPSHOT_ABORTED",
        ),
        SnapshotFailure::NoMemory => throw_coded(
            env,
            JsErrorKind::Error,
            "leakwatch: heap snapshot skipped: not enough memory for its picture",
            "ERR_LEAKWATCH_SNAPSHOT_MEMORY",
        ),
        SnapshotFailure::WriteFailed(errno) => throw_coded(
            env,
            JsErrorKind::Error,
            &format!(
                "leakwatch: could not write the heap snapshot: {}",
                std::io::Error::from_raw_os_error(errno)
            ),
            "ERR_LEAKWATCH_SNAPSHOT_WRITE",
        ),
    }
}

/// Takes a heap snapshot and writes it to `path` (DevTools format), under `budgetMs`; returns
/// the number of heap nodes. On failure nothing is left at `path` and the error's code says
/// why: `ERR_LEAKWATCH_SNAPSHOT_ABORTED` (budget, terminating), `ERR_LEAKWATCH_SNAPSHOT_WRITE`,
/// `ERR_LEAKWATCH_HEAP_SNAPSHOT`. JS thread. lib/evidence.js does the temp file and rename.
#[napi(catch_unwind)]
pub fn write_heap_snapshot_file(env: Env, path: String, budget_ms: Option<f64>) -> Result<f64> {
    let Ok(path) = CString::new(path) else {
        return Err(throw_coded(
            &env,
            JsErrorKind::TypeError,
            "leakwatch: a snapshot path must not contain NUL characters",
            "ERR_LEAKWATCH_INVALID_VALUE",
        ));
    };
    v8_layer::require(&env, "a heap snapshot")?;
    let budget_ms = budget(budget_ms);
    let probe = StopProbe::new(&env);
    let written = during_own_snapshot(&env, || {
        ffi::write_heap_snapshot(&env, &path, budget_ms, probe.as_ref())
    });
    release_object_ids_if_idle();
    match written {
        Ok(nodes) => Ok(nodes as f64),
        Err(failure) => Err(snapshot_error(&env, failure, budget_ms)),
    }
}

/// How many leakwatch pictures are alive on this thread (tests and the benchmark).
#[napi(catch_unwind)]
pub fn live_heap_pictures() -> u32 {
    LIVE_PICTURES.try_with(|n| n.get()).unwrap_or(0)
}

#[napi(object)]
pub struct HeapTotalsPayload {
    pub nodes: f64,
    pub size_bytes: f64,
    pub size: String,
}

#[napi(object)]
pub struct HeapDiffDetailPayload {
    pub what: String,
    pub size_bytes: f64,
    pub size: String,
    pub added: f64,
    pub removed: f64,
}

#[napi(object)]
pub struct HeapChangePayload {
    pub size_bytes: f64,
    pub size: String,
    pub freed_nodes: f64,
    pub allocated_nodes: f64,
    pub details: Vec<HeapDiffDetailPayload>,
}

#[napi(object)]
pub struct HeapDiffPayload {
    pub before: HeapTotalsPayload,
    pub after: HeapTotalsPayload,
    pub change: HeapChangePayload,
}

impl HeapDiffPayload {
    fn new(d: HeapDiffResult) -> HeapDiffPayload {
        let totals = |t: heap_diff::HeapTotals| HeapTotalsPayload {
            nodes: t.nodes,
            size: memwatch_size(t.size_bytes),
            size_bytes: t.size_bytes,
        };
        HeapDiffPayload {
            before: totals(d.before),
            after: totals(d.after),
            change: HeapChangePayload {
                size: memwatch_size(d.size_bytes),
                size_bytes: d.size_bytes,
                freed_nodes: d.freed_nodes,
                allocated_nodes: d.allocated_nodes,
                details: d
                    .details
                    .into_iter()
                    .map(|x| HeapDiffDetailPayload {
                        size: memwatch_size(x.size_bytes),
                        what: x.what,
                        size_bytes: x.size_bytes,
                        added: x.added,
                        removed: x.removed,
                    })
                    .collect(),
            },
        }
    }
}

/// One line of a `leak` report's `topGrowth`.
#[napi(object)]
pub struct GrowthPayload {
    pub what: String,
    /// Objects of this kind allocated since the "before" picture and still alive.
    pub added_count: f64,
    /// Their self size, bytes.
    pub added_bytes: f64,
    /// Objects of this kind freed since the "before" picture.
    pub removed_count: f64,
    /// Net change of this kind's self size, bytes (what the list is sorted by).
    pub net_bytes: f64,
}

/// What `NativeHeapDiff.growth()` returns: the top growth and retainer paths to the top one.
#[napi(object)]
pub struct LeakGrowthPayload {
    pub top_growth: Vec<GrowthPayload>,
    pub retainer_paths: Vec<String>,
    pub before_nodes: f64,
    pub after_nodes: f64,
}

/// The "after" walk of a leak report: builds the picture, and once it is complete (still
/// inside the walk, before V8's snapshot is deleted) compares it with "before" and names the
/// added objects of the top group for the retainer-path search.
struct GrowthSink<'a> {
    names: &'a mut NameTable,
    before: &'a HeapPicture,
    picture: HeapPicture,
    top: usize,
    growth: Vec<DiffDetail>,
    targets: Vec<u32>,
    paths: Vec<String>,
}

/// At most this many added objects are looked for by the retainer-path search.
const MAX_PATH_TARGETS: usize = 100_000;

impl HeapNodeSink for GrowthSink<'_> {
    fn picture(&mut self) -> (&mut NameTable, &mut HeapPicture) {
        (self.names, &mut self.picture)
    }

    fn path_targets(&mut self) -> &[u32] {
        self.picture.finish();
        let result = heap_diff::diff(self.before, &self.picture, self.names, Naming::DevTools);
        self.growth = heap_diff::top_growth(&result, self.top);
        if let Some(first) = self.growth.first() {
            self.targets = heap_diff::added_ids(
                self.before,
                &self.picture,
                self.names,
                Naming::DevTools,
                &first.what,
                MAX_PATH_TARGETS,
            );
        }
        &self.targets
    }

    fn on_retainer_path(&mut self, path: &str) {
        self.paths.push(path.to_string());
    }
}

struct PictureSink<'a> {
    names: &'a mut NameTable,
    picture: HeapPicture,
}

impl HeapNodeSink for PictureSink<'_> {
    fn picture(&mut self) -> (&mut NameTable, &mut HeapPicture) {
        (self.names, &mut self.picture)
    }
}

/// Takes a picture. The caller decides whether it stays alive (a "before") or not.
fn take_picture(env: &Env, names: &mut NameTable, budget_ms: f64) -> Result<HeapPicture> {
    let mut sink = PictureSink {
        names,
        picture: HeapPicture::with_capacity(0),
    };
    let probe = StopProbe::new(env);
    if let Err(failure) = during_own_snapshot(env, || {
        ffi::walk_heap_snapshot(env, &mut sink, budget_ms, probe.as_ref())
    }) {
        release_object_ids_if_idle();
        return Err(snapshot_error(env, failure, budget_ms));
    }
    let mut picture = sink.picture;
    picture.finish();
    Ok(picture)
}

#[napi(js_name = "NativeHeapDiff")]
pub struct NativeHeapDiff {
    names: NameTable,
    before: Option<LivePicture>,
    naming: Naming,
    budget_ms: f64,
}

#[napi]
impl NativeHeapDiff {
    /// Takes the "before" picture. `naming` is `"memwatch"` for node-memwatch's `what` names,
    /// anything else for leakwatch's own. `budgetMs` bounds each snapshot in time (absent: no
    /// bound); every snapshot is aborted when the thread is terminating.
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, naming: Option<String>, budget_ms: Option<f64>) -> Result<Self> {
        let naming = match naming.as_deref() {
            Some("memwatch") => Naming::Memwatch,
            _ => Naming::DevTools,
        };
        v8_layer::require(&env, "HeapDiff")?;
        let budget_ms = budget(budget_ms);
        let mut names = NameTable::new();
        let before = take_picture(&env, &mut names, budget_ms)?;
        Ok(NativeHeapDiff {
            names,
            before: Some(LivePicture::new(before)),
            naming,
            budget_ms,
        })
    }

    /// Takes the "after" picture and compares. A second call throws.
    #[napi(catch_unwind)]
    pub fn end(&mut self, env: Env) -> Result<HeapDiffPayload> {
        let before = match self.before.take() {
            Some(before) => before,
            None => {
                return Err(throw_coded(
                    &env,
                    JsErrorKind::Error,
                    "leakwatch: HeapDiff.end() was already called; create a new HeapDiff to compare again",
                    "ERR_LEAKWATCH_HEAPDIFF_ENDED",
                ))
            }
        };
        // On failure `before` is dropped with the error: the diff is over either way.
        let after = take_picture(&env, &mut self.names, self.budget_ms)?;
        let result = heap_diff::diff(&before.picture, &after, &self.names, self.naming);
        drop((before, after));
        self.names = NameTable::new();
        Ok(HeapDiffPayload::new(result))
    }

    /// For a `leak` report: takes an "after" picture, returns the `top` groups that grew most
    /// and retainer paths to added objects of the first, and keeps the "after" picture as the
    /// next "before" (so a re-alert reports the growth since this one). Throws after `end()`.
    #[napi(catch_unwind)]
    pub fn growth(&mut self, env: Env, top: u32) -> Result<LeakGrowthPayload> {
        let Some(before) = self.before.take() else {
            return Err(throw_coded(
                &env,
                JsErrorKind::Error,
                "leakwatch: HeapDiff.end() was already called",
                "ERR_LEAKWATCH_HEAPDIFF_ENDED",
            ));
        };
        let mut sink = GrowthSink {
            names: &mut self.names,
            before: &before.picture,
            // Sized by `reserve` once V8 says how many nodes there are (never an abort).
            picture: HeapPicture::with_capacity(0),
            top: top.clamp(1, 100) as usize,
            growth: Vec::new(),
            targets: Vec::new(),
            paths: Vec::new(),
        };
        let budget_ms = self.budget_ms;
        let probe = StopProbe::new(&env);
        let walked = during_own_snapshot(&env, || {
            ffi::walk_heap_snapshot(&env, &mut sink, budget_ms, probe.as_ref())
        });
        let GrowthSink {
            mut picture,
            growth,
            paths,
            ..
        } = sink;
        if let Err(failure) = walked {
            // Keep the "before" picture: a later attempt may succeed.
            self.before = Some(before);
            return Err(snapshot_error(&env, failure, budget_ms));
        }
        picture.finish();
        let payload = LeakGrowthPayload {
            top_growth: growth
                .into_iter()
                .map(|d| GrowthPayload {
                    what: d.what,
                    added_count: d.added,
                    added_bytes: d.added_bytes,
                    removed_count: d.removed,
                    net_bytes: d.size_bytes,
                })
                .collect(),
            retainer_paths: paths,
            before_nodes: before.picture.node_count() as f64,
            after_nodes: picture.node_count() as f64,
        };
        // The new "before" is counted before the old one goes: the id map must not be
        // released between them.
        self.before = Some(LivePicture::new(picture));
        drop(before);
        Ok(payload)
    }

    /// Forgets the "before" picture now (rather than when this object is collected), so V8's
    /// object-id map can be released; `ended` is `true` afterwards. Idempotent.
    #[napi(catch_unwind)]
    pub fn release(&mut self) {
        self.before = None;
    }

    /// Heap nodes in the "before" picture (0 once ended).
    #[napi(getter, catch_unwind)]
    pub fn before_nodes(&self) -> f64 {
        self.before
            .as_ref()
            .map_or(0.0, |b| b.picture.node_count() as f64)
    }

    /// `true` once `end()` has been called.
    #[napi(getter, catch_unwind)]
    pub fn ended(&self) -> bool {
        self.before.is_none()
    }
}

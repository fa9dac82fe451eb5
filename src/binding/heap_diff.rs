//! `NativeHeapDiff`: two heap snapshot walks and the core's comparison (lib/heap-diff.js and
//! memwatch.js wrap it). Runs on the JS thread that created it.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use super::monitor::during_own_snapshot;
use crate::core::heap_diff::{
    self, human_size, DiffDetail, HeapDiffResult, HeapPicture, NameTable, Naming,
};
use crate::ffi::{self, HeapNodeSink};

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
            size: human_size(t.size_bytes),
            size_bytes: t.size_bytes,
        };
        HeapDiffPayload {
            before: totals(d.before),
            after: totals(d.after),
            change: HeapChangePayload {
                size: human_size(d.size_bytes),
                size_bytes: d.size_bytes,
                freed_nodes: d.freed_nodes,
                allocated_nodes: d.allocated_nodes,
                details: d
                    .details
                    .into_iter()
                    .map(|x| HeapDiffDetailPayload {
                        size: human_size(x.size_bytes),
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

fn take_picture(env: &Env, names: &mut NameTable) -> Result<HeapPicture> {
    let mut sink = PictureSink {
        names,
        picture: HeapPicture::with_capacity(0),
    };
    if during_own_snapshot(env, || ffi::walk_heap_snapshot(&mut sink)).is_none() {
        return Err(throw_with_code(
            env,
            "leakwatch: V8 could not take a heap snapshot on this thread",
            "ERR_LEAKWATCH_HEAP_SNAPSHOT",
        ));
    }
    let mut picture = sink.picture;
    picture.finish();
    Ok(picture)
}

fn throw_with_code(env: &Env, message: &str, code: &str) -> Error {
    match env.throw_error(message, Some(code)) {
        Ok(()) => Error::from_status(Status::PendingException),
        Err(e) => e,
    }
}

#[napi(js_name = "NativeHeapDiff")]
pub struct NativeHeapDiff {
    names: NameTable,
    before: Option<HeapPicture>,
    naming: Naming,
}

#[napi]
impl NativeHeapDiff {
    /// Takes the "before" picture. `naming` is `"memwatch"` for node-memwatch's `what` names,
    /// anything else for leakwatch's own.
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, naming: Option<String>) -> Result<Self> {
        let naming = match naming.as_deref() {
            Some("memwatch") => Naming::Memwatch,
            _ => Naming::DevTools,
        };
        let mut names = NameTable::new();
        let before = take_picture(&env, &mut names)?;
        Ok(NativeHeapDiff {
            names,
            before: Some(before),
            naming,
        })
    }

    /// Takes the "after" picture and compares. A second call throws.
    #[napi(catch_unwind)]
    pub fn end(&mut self, env: Env) -> Result<HeapDiffPayload> {
        let before = match self.before.take() {
            Some(before) => before,
            None => {
                return Err(throw_with_code(
                    &env,
                    "leakwatch: HeapDiff.end() was already called; create a new HeapDiff to compare again",
                    "ERR_LEAKWATCH_HEAPDIFF_ENDED",
                ))
            }
        };
        let after = take_picture(&env, &mut self.names)?;
        let result = heap_diff::diff(&before, &after, &self.names, self.naming);
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
            return Err(throw_with_code(
                &env,
                "leakwatch: HeapDiff.end() was already called",
                "ERR_LEAKWATCH_HEAPDIFF_ENDED",
            ));
        };
        let mut sink = GrowthSink {
            names: &mut self.names,
            before: &before,
            picture: HeapPicture::with_capacity(before.node_count()),
            top: top.clamp(1, 100) as usize,
            growth: Vec::new(),
            targets: Vec::new(),
            paths: Vec::new(),
        };
        let walked = during_own_snapshot(&env, || ffi::walk_heap_snapshot(&mut sink)).is_some();
        let GrowthSink {
            mut picture,
            growth,
            paths,
            ..
        } = sink;
        if !walked {
            // Keep the "before" picture: a later attempt may succeed.
            self.before = Some(before);
            return Err(throw_with_code(
                &env,
                "leakwatch: V8 could not take a heap snapshot on this thread",
                "ERR_LEAKWATCH_HEAP_SNAPSHOT",
            ));
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
            before_nodes: before.node_count() as f64,
            after_nodes: picture.node_count() as f64,
        };
        self.before = Some(picture);
        Ok(payload)
    }

    /// `true` once `end()` has been called.
    #[napi(getter, catch_unwind)]
    pub fn ended(&self) -> bool {
        self.before.is_none()
    }
}

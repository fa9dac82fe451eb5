//! `NativeHeapDiff`: two heap snapshot walks and the core's comparison (lib/heap-diff.js and
//! memwatch.js wrap it). Runs on the JS thread that created it.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::core::heap_diff::{
    self, human_size, HeapDiffResult, HeapPicture, NameTable, Naming, NodeType,
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

struct PictureSink<'a> {
    names: &'a mut NameTable,
    picture: HeapPicture,
}

impl HeapNodeSink for PictureSink<'_> {
    fn on_node(&mut self, id: u32, kind: u32, name: &str, self_size: f64) {
        self.picture
            .push(self.names, id, NodeType::from_v8(kind), name, self_size);
    }
}

fn take_picture(env: &Env, names: &mut NameTable) -> Result<HeapPicture> {
    let mut sink = PictureSink {
        names,
        picture: HeapPicture::with_capacity(0),
    };
    if ffi::walk_heap_snapshot(&mut sink).is_none() {
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

    /// `true` once `end()` has been called.
    #[napi(getter, catch_unwind)]
    pub fn ended(&self) -> bool {
        self.before.is_none()
    }
}

//! `NativeAnalysis`: `leakwatch-analyze` on libuv's thread pool (lib/analyze.js wraps it).
//! The JS thread never waits: `run()` returns a promise of the report's JSON, and the
//! progress is a few atomics JS reads with `progress()` from an unref'd timer. A failure is
//! JSON too (`{"error":{"code","message"}}`), so lib/errors.js makes every JS error; a panic
//! is caught on the worker thread and becomes one of those.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use leakwatch_analyze::report::{analyze_json, error_json, Options, Phase, Progress};

/// Where the analysis is, written by the worker thread, read by the JS thread.
#[derive(Default)]
struct Cells {
    /// 0 waiting, 1 read, 2 dominators, 3 analysis, 4 done.
    phase: AtomicU64,
    file: AtomicU64,
    bytes_done: AtomicU64,
    bytes_total: AtomicU64,
}

#[napi(js_name = "NativeAnalysis")]
pub struct NativeAnalysis {
    cells: Arc<Cells>,
}

pub struct AnalyzeTask {
    paths: Vec<PathBuf>,
    top: usize,
    cells: Arc<Cells>,
}

impl Task for AnalyzeTask {
    type Output = String;
    type JsValue = String;

    // libuv's thread pool: no JS here.
    fn compute(&mut self) -> Result<String> {
        let cells = self.cells.clone();
        let options = Options { top: self.top };
        let paths = std::mem::take(&mut self.paths);
        let json = catch_unwind(AssertUnwindSafe(|| {
            analyze_json(&paths, &options, &mut |p: Progress| {
                let phase = match p.phase {
                    Phase::Read => 1,
                    Phase::Dominators => 2,
                    Phase::Analysis => 3,
                };
                cells.phase.store(phase, Ordering::Relaxed);
                cells.file.store(p.file as u64, Ordering::Relaxed);
                cells.bytes_done.store(p.bytes_done, Ordering::Relaxed);
                cells.bytes_total.store(p.bytes_total, Ordering::Relaxed);
            })
        }))
        .unwrap_or_else(|panic| {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".into());
            error_json("", &format!("internal error in the analyzer: {why}"))
        });
        self.cells.phase.store(4, Ordering::Relaxed);
        Ok(json)
    }

    fn resolve(&mut self, _env: Env, output: String) -> Result<String> {
        Ok(output)
    }
}

#[napi]
impl NativeAnalysis {
    #[napi(constructor, catch_unwind)]
    pub fn new() -> Self {
        NativeAnalysis {
            cells: Arc::new(Cells::default()),
        }
    }

    /// Starts the analysis of `paths` (checked by lib/analyze.js) on the thread pool.
    #[napi(catch_unwind, ts_return_type = "Promise<string>")]
    pub fn run(&self, paths: Vec<String>, top: u32) -> AsyncTask<AnalyzeTask> {
        AsyncTask::new(AnalyzeTask {
            paths: paths.into_iter().map(PathBuf::from).collect(),
            top: top as usize,
            cells: self.cells.clone(),
        })
    }

    /// `[phase, file, bytesDone, bytesTotal]` (phase: 0 waiting, 1 read, 2 dominators,
    /// 3 analysis, 4 done).
    #[napi(catch_unwind)]
    pub fn progress(&self) -> Vec<f64> {
        let c = &self.cells;
        [&c.phase, &c.file, &c.bytes_done, &c.bytes_total]
            .iter()
            .map(|a| a.load(Ordering::Relaxed) as f64)
            .collect()
    }
}

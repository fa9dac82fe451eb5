//! The per-environment monitor: GC hook (records into the shim's ring inside the pause) →
//! a wake-up from the event loop (outside it), which drains the ring into the bounded queue,
//! takes the batch and calls JS right there (loop_call.rs). Without the hook (the V8 layer off)
//! samples come from `monitorFeedProfile` and reach JS through one batched, weak threadsafe
//! function. Each environment (main thread, every worker) has its own, kept in the env's
//! instance data and stopped by an env cleanup hook, so nothing outlives its isolate.

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Instant;

use napi::bindgen_prelude::*;
use napi::sys;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use parking_lot::Mutex;

use super::errors::{throw, throw_coded, JsErrorKind};
use super::gc_profile;
use super::loop_call::{LoopCall, LoopScope};
use super::memory_kinds::OutsideHeap;
use super::payload::{
    Batch, DetectorOptionsInput, LeakEndPayload, LeakPayload, MonitorSettings, Numbers,
    PackedStats, StatsPayload,
};
use super::rss;
use super::v8_layer::{self, V8LayerStatus};
use crate::ffi::{self, GcHook, GcSink};
use leakwatch_core::detector::{DetectorOptions, LeakDetector};
use leakwatch_core::event_queue::EventQueue;
use leakwatch_core::gc_burst::BurstCoalescer;
use leakwatch_core::gc_sample::{GcKind, GcSample, KIND_COUNT};

/// Samples waiting for delivery (drained from the shim's rings, or fed from a GC profile).
/// Big enough for any realistic burst between two deliveries; beyond it, minor-GC events are
/// coalesced away and counted.
const QUEUE_CAPACITY: usize = 128;

type DeliveryFn = ThreadsafeFunction<(), (), Batch, Status, false, true, 2>;

/// What the wake-up, the delivery callbacks and the N-API functions share. Only the JS thread
/// touches it, but the threadsafe function's callback must be `'static`, hence `Arc` + locks;
/// nothing inside a GC pause takes them (the shim's epilogue only records).
struct Shared {
    /// One thread's state, one lock.
    state: Mutex<State>,
    /// Apart from `state`: `schedule` calls it after releasing `state`, and `stop`
    /// releases it, so `state`'s lock is never held across a call into N-API.
    delivery: Mutex<Option<DeliveryFn>>,
    /// The old generation's configured limit, bytes (f64 bits; 0: not known). V8's
    /// `heap_size_limit` also counts the young generation's reserve (48 MiB on Node 20 and 22,
    /// 96 on 26, 192 on 24), which the post-GC floor never fills: in a small heap that
    /// puts the "heap limit" a third to three times too far away, and V8 dies at the old
    /// generation's limit. V8 does not say that limit, but the process was given it
    /// (`--max-old-space-size`, a worker's `maxOldGenerationSizeMb`): index.js passes it on.
    old_generation_limit: AtomicU64,
}

pub(crate) struct State {
    pending: Pending,
    /// The heap's detector (its state is the batch's `state`, evidence follows it).
    pub(crate) detector: LeakDetector,
    /// The external and rss detectors.
    pub(crate) outside: OutsideHeap,
    bursts: BurstCoalescer,
    meter: DeliveryMeter,
    profiled: ProfiledCounters,
}

/// The shim's cumulative per-kind counters, kept here when GCs come from `monitorFeedProfile`
/// instead (the V8 layer off): every GC of a profile counts, delivered or not.
#[derive(Default)]
struct ProfiledCounters {
    gc_count: [f64; KIND_COUNT],
    gc_time_ms: [f64; KIND_COUNT],
}

struct Pending {
    queue: EventQueue<GcSample>,
    flush_scheduled: bool,
    want_stats: bool,
    /// `stats` go to JS as numbers (`Batch::packed_stats`), not objects: `monitorStart`'s
    /// `packed`.
    packed: bool,
    /// index.js is taking a heap snapshot: the GCs V8 runs for it are marked (nesting depth).
    snapshot_depth: u32,
}

#[derive(Default)]
struct DeliveryMeter {
    self_time_ms: f64,
    undelivered_drops: u64,
    /// When the last batch left Rust: its conversion to JS, the call into JS and the `stats`
    /// objects index.js builds from it are leakwatch's cost too, metered up to the moment the
    /// listeners get them.
    batch_ready_at: Option<Instant>,
}

/// The hook's wake-up: the batch goes to JS from the loop turn that noticed the records.
struct LoopSink {
    /// The environment whose loop and monitor these are (alive while the hook is installed).
    env: sys::napi_env,
    shared: Weak<Shared>,
}

impl GcSink for LoopSink {
    /// JS thread, from the event loop (no JS on the stack), outside any GC: the shim's ring
    /// has records. Nothing is called (the hook stays unarmed) while no monitor listens: a
    /// provisional hook's records wait for `monitor_start` or `monitor_flush`.
    fn wake(&self) {
        let started = Instant::now();
        let Some(shared) = self.shared.upgrade() else {
            return;
        };
        let Some(_scope) = LoopScope::open(self.env) else {
            return;
        };
        let env = Env::from_raw(self.env);
        // The monitor is borrowed only to take the batch: a listener may stop it.
        let taken = env_data(&env).ok().and_then(|data| {
            let monitor = data.monitor.try_borrow().ok()?;
            let call = monitor.loop_call.clone()?;
            let hook = monitor.hook.as_ref()?;
            Some((shared.take_batch(Some(hook), true, started), call))
        });
        if let Some((batch, call)) = taken {
            call.call(batch);
        }
    }
}

impl Shared {
    /// Queues a sample that did not come through the shim's ring (`monitorFeedProfile`); the
    /// caller then calls `schedule`.
    fn queue_sample(&self, mut sample: GcSample) {
        let pending = &mut self.state.lock().pending;
        sample.own_snapshot = pending.snapshot_depth > 0;
        pending.queue.push(sample);
    }

    /// Wakes JS once per batch of `monitorFeedProfile`: one threadsafe-function call unless one
    /// is on its way. Its cost (an eventfd write, a mutex, a malloc) is delivery's, metered
    /// with it.
    fn schedule(&self) {
        let started = Instant::now();
        {
            let pending = &mut self.state.lock().pending;
            if pending.flush_scheduled {
                return;
            }
            pending.flush_scheduled = true;
        }
        let status = match self.delivery.try_lock() {
            Some(delivery) => match delivery.as_ref() {
                Some(f) => f.call((), ThreadsafeFunctionCallMode::NonBlocking),
                None => Status::Closing,
            },
            None => Status::Closing,
        };
        // QueueFull means a flush is already on its way; anything else means none will come.
        let mut state = self.state.lock();
        if status != Status::Ok && status != Status::QueueFull {
            state.pending.flush_scheduled = false;
        }
        state.meter.self_time_ms += started.elapsed().as_secs_f64() * 1e3;
    }

    /// Moves what the shim's ring recorded into the queue, oldest first; its overwritten
    /// records count as undelivered drops. JS thread, outside GC.
    fn drain_ring(state: &mut State, hook: &GcHook) {
        let queue = &mut state.pending.queue;
        let dropped = hook.drain(|sample| queue.push(sample));
        state.meter.undelivered_drops += dropped;
    }

    /// The limit the post-GC floor is measured against: the heap's, or the old generation's
    /// when the process was given one below it.
    fn effective_heap_limit(&self, heap_size_limit: f64) -> f64 {
        let old = f64::from_bits(self.old_generation_limit.load(Ordering::Relaxed));
        if old > 0.0 && old < heap_size_limit {
            old
        } else {
            heap_size_limit
        }
    }

    /// JS thread, outside GC: drain the ring (`hook`) and the queue, run the detector, build
    /// the payloads. `from_delivery`: called by a wake-up (the hook's, or the threadsafe
    /// function's pending call), which this answers (it may wake again). Metered from `started`.
    fn take_batch(&self, hook: Option<&GcHook>, from_delivery: bool, started: Instant) -> Batch {
        // Held throughout: nothing here calls into V8, so no GC can come in between.
        let mut state = self.state.lock();
        if let Some(hook) = hook {
            Shared::drain_ring(&mut state, hook);
            if from_delivery {
                hook.rearm();
            }
        }
        let State {
            pending,
            detector,
            outside,
            bursts,
            meter,
            ..
        } = &mut *state;
        if from_delivery {
            pending.flush_scheduled = false;
        }
        let (samples, dropped) = pending.queue.drain();
        // A burst of back-to-back full GCs (a snapshot's, `gc()`'s, whoever ran them) is one
        // sample of evidence, its last; the others are still `stats`.
        let roles = bursts.roles(&samples);
        let evidence: Vec<&GcSample> = samples
            .iter()
            .zip(&roles)
            .filter(|(_, r)| r.evidence)
            .map(|(s, _)| s)
            .collect();
        let (mut leaks, mut ends) = (Vec::new(), Vec::new());
        for s in evidence.iter().copied() {
            // A sample V8 gave us cannot be invalid, but if the clock ever misbehaved the
            // detector rejects it and keeps its state: skip it rather than fail delivery.
            let clock_offset_ms = s.timestamp_ms - s.monotonic_ms;
            match detector.update_with_limit(
                s.monotonic_ms,
                s.used_heap_size,
                Some(self.effective_heap_limit(s.heap_size_limit)),
            ) {
                Ok(Some(report)) => leaks.push(LeakPayload::new(report, clock_offset_ms)),
                Ok(None) => {}
                Err(_) => continue,
            }
            if let Some(end) = detector.ended() {
                ends.push(LeakEndPayload::new(end, clock_offset_ms));
            }
        }
        // RSS is a system call: read here, outside the pause, once for a batch with a full GC,
        // and only when a detector uses it (memory_kinds.rs).
        let rss = if !evidence.is_empty() && outside.wants_rss() {
            rss::resident_set_bytes()
        } else {
            None
        };
        outside.update(&evidence, rss, &mut leaks, &mut ends);
        meter.undelivered_drops += dropped;
        let mut stats = Vec::new();
        let mut packed = PackedStats::default();
        if pending.want_stats {
            // The GCs of leakwatch's own snapshots are not `stats` (as memwatch's were not): a
            // HeapDiff in a `stats` listener would otherwise feed itself. They still count in
            // the next payload's cumulative `gcCount`/`gcTimeMs`.
            for (s, role) in samples.iter().zip(&roles).filter(|(s, _)| !s.own_snapshot) {
                let drops = std::mem::take(&mut meter.undelivered_drops);
                let mut payload = StatsPayload::new(s, role.forced, meter.self_time_ms, drops);
                if s.kind == GcKind::MarkSweepCompact {
                    payload.rss = rss;
                }
                if pending.packed {
                    packed.push(payload, s.kind);
                } else {
                    stats.push(payload);
                }
            }
        }
        meter.self_time_ms += started.elapsed().as_secs_f64() * 1e3;
        meter.batch_ready_at = Some(Instant::now());
        let (stats, packed_stats, heap_spaces) = if pending.packed {
            let spaces = (!packed.heap_spaces.is_empty()).then_some(packed.heap_spaces);
            (None, Some(Numbers(packed.numbers)), spaces)
        } else {
            (Some(stats), None, None)
        };
        Batch {
            stats,
            packed_stats,
            heap_spaces,
            leaks: (!pending.packed || !leaks.is_empty()).then_some(leaks),
            ends: (!pending.packed || !ends.is_empty()).then_some(ends),
            state: detector.state().name().to_string(),
            states: (!pending.packed).then(|| outside.states(detector.state())),
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
struct Settings {
    include_minor_gc: bool,
    heap_spaces: bool,
}

impl Settings {
    fn deliver_mask(self) -> u32 {
        let mut mask = GcKind::MarkSweepCompact.bit();
        if self.include_minor_gc {
            mask |= GcKind::Scavenge.bit() | GcKind::MinorMarkSweep.bit();
        }
        mask
    }
}

pub struct Monitor {
    shared: Arc<Shared>,
    /// `monitorStart` was called (and not `monitorStop`); with the V8 layer off there is no
    /// hook, only `monitorFeedProfile`.
    started: bool,
    hook: Option<GcHook>,
    /// `hook` was installed by `gc()` with monitoring off, so that a listener added in the
    /// same tick still gets that GC: it becomes the monitor's hook if monitoring starts before
    /// `monitor_flush`, and is removed there otherwise.
    provisional: bool,
    /// The listener callback, for the hook's wake-up (`LoopSink`); `None` while stopped.
    loop_call: Option<Rc<LoopCall>>,
    settings: Settings,
}

impl Monitor {
    fn new() -> Monitor {
        let detector = match LeakDetector::new(DetectorOptions::default()) {
            Ok(d) => d,
            Err(e) => unreachable!("the default detector options are valid: {e}"),
        };
        Monitor {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    pending: Pending {
                        queue: EventQueue::with_capacity(QUEUE_CAPACITY),
                        flush_scheduled: false,
                        want_stats: true,
                        packed: false,
                        snapshot_depth: 0,
                    },
                    detector,
                    outside: OutsideHeap::new(),
                    bursts: BurstCoalescer::new(),
                    meter: DeliveryMeter::default(),
                    profiled: ProfiledCounters::default(),
                }),
                delivery: Mutex::new(None),
                old_generation_limit: AtomicU64::new(0),
            }),
            started: false,
            hook: None,
            provisional: false,
            loop_call: None,
            settings: Settings {
                include_minor_gc: false,
                heap_spaces: false,
            },
        }
    }

    fn running(&self) -> bool {
        self.started
    }

    /// `with_hook`: install the GC callbacks (the V8 layer is on); otherwise samples come
    /// only from `feed_profile`.
    fn start(
        &mut self,
        env: &Env,
        callback: Function<Batch, ()>,
        with_hook: bool,
        packed: bool,
    ) -> Result<()> {
        if self.running() {
            return Ok(());
        }
        let loop_call = LoopCall::new(env, &callback)?;
        let shared: Weak<Shared> = Arc::downgrade(&self.shared);
        let delivery: DeliveryFn = callback
            .build_threadsafe_function::<()>()
            .callee_handled::<false>()
            .weak::<true>()
            .max_queue_size::<2>()
            .build_callback(move |ctx| {
                // JS thread, called from libuv: napi-rs does not catch panics here, and one
                // unwinding into Node would abort the process. A lost batch is better.
                let batch = catch_unwind(AssertUnwindSafe(|| {
                    let shared = shared.upgrade()?;
                    // The hook's ring is drained here, on this environment's thread.
                    let data = env_data(&ctx.env).ok();
                    let monitor = data.as_ref().and_then(|d| d.monitor.try_borrow().ok());
                    let hook = monitor.as_ref().and_then(|m| m.hook.as_ref());
                    Some(shared.take_batch(hook, true, Instant::now()))
                }));
                Ok(batch.ok().flatten().unwrap_or_else(Batch::empty))
            })?;
        *self.shared.delivery.lock() = Some(delivery);
        self.loop_call = Some(Rc::new(loop_call));
        {
            let mut state = self.shared.state.lock();
            // Every counter in `stats` is "since monitoring started"; the shim's start at zero
            // too.
            state.meter = DeliveryMeter::default();
            state.detector.reset();
            state.outside.reset();
            state.bursts = BurstCoalescer::new();
            state.profiled = ProfiledCounters::default();
            state.pending.packed = packed;
        }
        // A provisional hook (see `provisional`) becomes the monitor's, with the samples it
        // queued: `monitor_flush` delivers them.
        self.provisional = false;
        if let Some(hook) = &self.hook {
            // Its wake-up may have found no delivery to call: it may wake this one.
            hook.rearm();
        }
        if !with_hook || self.hook.is_some() || self.install_hook(env) {
            self.started = true;
            Ok(())
        } else {
            self.stop();
            Err(Error::new(
                Status::GenericFailure,
                "leakwatch: no V8 isolate on this thread",
            ))
        }
    }

    fn install_hook(&mut self, env: &Env) -> bool {
        let sink: Box<dyn GcSink> = Box::new(LoopSink {
            env: env.raw(),
            shared: Arc::downgrade(&self.shared),
        });
        self.hook = GcHook::install(
            env,
            sink,
            self.settings.deliver_mask(),
            self.settings.heap_spaces,
        );
        self.hook.is_some()
    }

    /// Removes the GC callbacks and releases the threadsafe function. Idempotent.
    fn stop(&mut self) {
        self.started = false;
        self.hook = None; // Drop removes the callbacks.
        self.provisional = false;
        self.loop_call = None;
        let delivery = self.shared.delivery.lock().take();
        drop(delivery);
        let mut state = self.shared.state.lock();
        let _ = state.pending.queue.drain();
        state.pending.flush_scheduled = false;
    }
}

/// What one environment (main thread, worker) keeps in its Node-API instance data.
pub(crate) struct EnvData {
    monitor: RefCell<Monitor>,
    /// Set once by `v8LayerInit` (see v8_layer.rs); `None` before.
    pub(crate) v8_layer: RefCell<Option<V8LayerStatus>>,
}

type EnvCell = Rc<EnvData>;

/// This environment's data; an error only if the module was not initialised in it.
pub(crate) fn env_data(env: &Env) -> Result<EnvCell> {
    env.get_instance_data::<EnvCell>()?.cloned().ok_or_else(|| {
        Error::new(
            Status::GenericFailure,
            "leakwatch: module not initialised in this environment",
        )
    })
}

/// `f` on this environment's monitor state (its lock held: `f` must not call into V8).
pub(crate) fn with_shared_state<T>(env: &Env, f: impl FnOnce(&mut State) -> T) -> Result<T> {
    with_monitor(env, |m| Ok(f(&mut m.shared.state.lock())))
}

fn with_monitor<T>(env: &Env, f: impl FnOnce(&mut Monitor) -> Result<T>) -> Result<T> {
    let data = env_data(env)?;
    let mut monitor = data.monitor.try_borrow_mut().map_err(|_| {
        Error::new(
            Status::GenericFailure,
            "leakwatch: monitor is busy (re-entrant call)",
        )
    })?;
    f(&mut monitor)
}

#[napi(module_exports)]
pub fn init(env: Env) -> Result<()> {
    let data: EnvCell = Rc::new(EnvData {
        monitor: RefCell::new(Monitor::new()),
        v8_layer: RefCell::new(None),
    });
    // Runs when this environment (main thread or worker) is torn down, while its isolate
    // is still alive: remove the callbacks and release the threadsafe function first.
    let for_cleanup = data.clone();
    env.add_env_cleanup_hook((), move |_| {
        // Called by Node at teardown with no unwinding guard of napi-rs around it.
        let _ = catch_unwind(AssertUnwindSafe(|| {
            if let Ok(mut m) = for_cleanup.monitor.try_borrow_mut() {
                m.stop();
            }
        }));
    })?;
    env.set_instance_data(data, (), |_| {})
}

/// Starts monitoring; `callback({ stats, leaks, ends, state })` receives each batch (with
/// `packed`, `{ packedStats, heapSpaces, leaks, ... }` instead: lib/stats-payload.js builds
/// the `stats`). Idempotent.
// A panic becomes a JS error instead of unwinding into Node (which would abort).
#[napi(catch_unwind)]
pub fn monitor_start(env: Env, callback: Function<Batch, ()>, packed: Option<bool>) -> Result<()> {
    // With the V8 layer off no hook is installed: samples come from `monitorFeedProfile`.
    let with_hook = v8_layer::enabled(&env);
    let packed = packed.unwrap_or(false);
    with_monitor(&env, |m| m.start(&env, callback, with_hook, packed))
}

/// Feeds the GCs of one `v8.GCProfiler` report (`profile`: what `stop()` returned; the two
/// numbers: `performance.now()` at its `start()` and `stop()`) through the same queue,
/// burst coalescer, detector and delivery as the shim's samples; the number of GCs queued
/// for delivery. For the V8 layer off: with monitoring stopped, or with the shim's hook
/// installed (it already delivers every GC: feeding them too would count each twice), it does
/// nothing and returns 0.
#[napi(catch_unwind)]
pub fn monitor_feed_profile(
    env: Env,
    profile: Object,
    monotonic_start_ms: f64,
    monotonic_end_ms: f64,
) -> Result<u32> {
    if !monotonic_start_ms.is_finite() || !monotonic_end_ms.is_finite() {
        return Err(throw_coded(
            &env,
            JsErrorKind::TypeError,
            "leakwatch: monitorFeedProfile(profile, monotonicStartMs, monotonicEndMs): both times must be finite numbers (performance.now())",
            "ERR_LEAKWATCH_INVALID_TYPE",
        ));
    }
    if monotonic_end_ms < monotonic_start_ms {
        return Err(throw_coded(
            &env,
            JsErrorKind::RangeError,
            "leakwatch: monitorFeedProfile(profile, monotonicStartMs, monotonicEndMs): monotonicEndMs must be >= monotonicStartMs",
            "ERR_LEAKWATCH_OUT_OF_RANGE",
        ));
    }
    if let Err(version) = gc_profile::check_version(&profile) {
        return Err(throw_coded(
            &env,
            JsErrorKind::Error,
            &format!(
                "leakwatch: this Node's v8.GCProfiler reports version {version}; leakwatch reads version {} only (its `cost` unit and fields). Update leakwatch, or use the native V8 layer (see leakwatch.native)",
                gc_profile::SUPPORTED_VERSION
            ),
            "ERR_LEAKWATCH_UNSUPPORTED_PROFILE",
        ));
    }
    let started = Instant::now();
    let (shared, settings, running, hooked) = with_monitor(&env, |m| {
        Ok((m.shared.clone(), m.settings, m.running(), m.hook.is_some()))
    })?;
    if !running || hooked {
        return Ok(0);
    }
    let gcs = gc_profile::read_profile(
        &profile,
        monotonic_start_ms,
        monotonic_end_ms,
        settings.heap_spaces,
    );
    let deliver = settings.deliver_mask();
    let mut queued = 0;
    for gc in gcs {
        let sample = {
            let mut state = shared.state.lock();
            let counters = &mut state.profiled;
            let k = gc.kind.index();
            counters.gc_count[k] += 1.0;
            counters.gc_time_ms[k] += gc.pause_ms;
            gc.sample.map(|mut s| {
                s.gc_count = counters.gc_count;
                s.gc_time_ms = counters.gc_time_ms;
                s
            })
        };
        if let Some(sample) = sample.filter(|s| deliver & s.kind.bit() != 0) {
            shared.queue_sample(sample);
            queued += 1;
        }
    }
    // The feed is leakwatch's cost, like the shim's callbacks: metered with the delivery's
    // (as is the wake-up, by `schedule`).
    shared.state.lock().meter.self_time_ms += started.elapsed().as_secs_f64() * 1e3;
    if queued > 0 {
        shared.schedule();
    }
    Ok(queued)
}

#[napi(catch_unwind)]
pub fn monitor_stop(env: Env) -> Result<()> {
    with_monitor(&env, |m| {
        m.stop();
        Ok(())
    })
}

/// Called by index.js once it has built a batch's payloads, before the listeners get them:
/// adds the conversion, the call and that building to the meter.
#[napi(catch_unwind)]
pub fn monitor_batch_received(env: Env) -> Result<()> {
    with_monitor(&env, |m| {
        let mut state = m.shared.state.lock();
        let meter = &mut state.meter;
        if let Some(ready) = meter.batch_ready_at.take() {
            meter.self_time_ms += ready.elapsed().as_secs_f64() * 1e3;
        }
        Ok(())
    })
}

/// Delivers what is queued now, without waiting for the threadsafe function: index.js calls
/// it from a `setImmediate` after `gc()` (ref'd while someone listens), so that GC's `stats`
/// reaches the listeners even when the script ends right after it (the weak threadsafe
/// function would not keep the process alive for it) or a listener is added in the same
/// tick. `null` when there is nothing to deliver; ends a provisional hook that no listener
/// took over.
#[napi(catch_unwind)]
pub fn monitor_flush(env: Env) -> Result<Option<Batch>> {
    with_monitor(&env, |m| {
        if !m.running() {
            m.stop();
            return Ok(None);
        }
        {
            let mut state = m.shared.state.lock();
            if let Some(hook) = &m.hook {
                Shared::drain_ring(&mut state, hook);
            }
            if state.pending.queue.is_empty() {
                return Ok(None);
            }
        }
        Ok(Some(m.shared.take_batch(
            m.hook.as_ref(),
            false,
            Instant::now(),
        )))
    })
}

#[napi(catch_unwind)]
pub fn monitor_is_running(env: Env) -> Result<bool> {
    with_monitor(&env, |m| Ok(m.running()))
}

/// Which GCs are delivered and whether `stats` payloads are built at all: absent fields are
/// left as they are. Returns the effective settings (`monitorConfigure({})` only asks).
#[napi(catch_unwind)]
pub fn monitor_configure(env: Env, changes: MonitorSettings) -> Result<MonitorSettings> {
    with_monitor(&env, |m| {
        let settings = Settings {
            include_minor_gc: changes
                .include_minor_gc
                .unwrap_or(m.settings.include_minor_gc),
            heap_spaces: changes.heap_spaces.unwrap_or(m.settings.heap_spaces),
        };
        if settings != m.settings {
            m.settings = settings;
            if let Some(hook) = &m.hook {
                hook.configure(settings.deliver_mask(), settings.heap_spaces);
            }
        }
        let mut state = m.shared.state.lock();
        if let Some(want_stats) = changes.want_stats {
            state.pending.want_stats = want_stats;
        }
        Ok(MonitorSettings {
            include_minor_gc: Some(settings.include_minor_gc),
            heap_spaces: Some(settings.heap_spaces),
            want_stats: Some(state.pending.want_stats),
        })
    })
}

/// Marks the GCs V8 runs while `take` takes a heap snapshot as leakwatch's own
/// (`GcSample::own_snapshot`: not `stats`, only counted). Every snapshot leakwatch takes
/// (HeapDiff, `diffOnLeak`, `snapshot`, `writeSnapshot()`) goes through here; without a
/// monitor in this environment `take` just runs.
pub(crate) fn during_own_snapshot<T>(env: &Env, take: impl FnOnce() -> T) -> T {
    /// Unmarks on drop, so a panic inside `take` cannot leave every later GC marked.
    struct Marked<'a>(&'a Env, Option<Arc<Shared>>);
    impl Drop for Marked<'_> {
        fn drop(&mut self) {
            if let Some(shared) = &self.1 {
                let depth = {
                    let pending = &mut shared.state.lock().pending;
                    pending.snapshot_depth = pending.snapshot_depth.saturating_sub(1);
                    pending.snapshot_depth
                };
                if depth == 0 {
                    let _ = mark_hook(self.0, false);
                }
            }
        }
    }
    /// The shim marks its records in the pause: they may be drained any time later.
    fn mark_hook(env: &Env, own: bool) -> Result<()> {
        with_monitor(env, |m| {
            if let Some(hook) = &m.hook {
                hook.mark_own_snapshot(own);
            }
            Ok(())
        })
    }
    let marked = Marked(env, with_monitor(env, |m| Ok(m.shared.clone())).ok());
    if let Some(shared) = &marked.1 {
        let pending = &mut shared.state.lock().pending;
        pending.snapshot_depth = pending.snapshot_depth.saturating_add(1);
    }
    if marked.1.is_some() {
        let _ = mark_hook(env, true);
    }
    let result = take();
    drop(marked);
    result
}

/// The live detector's `LeakState` now: "none", "suspected" or "leaking". It changes only as
/// batches are taken (delivered), when monitoring starts, and when the detector is replaced.
#[napi(catch_unwind)]
pub fn monitor_leak_state(env: Env) -> Result<&'static str> {
    with_monitor(&env, |m| Ok(m.shared.state.lock().detector.state().name()))
}

/// The old generation's configured limit in bytes (0: none given); see
/// `Shared::old_generation_limit`.
#[napi(catch_unwind)]
pub fn monitor_set_old_generation_limit(env: Env, bytes: f64) -> Result<()> {
    with_monitor(&env, |m| {
        let bytes = if bytes.is_finite() && bytes > 0.0 {
            bytes
        } else {
            0.0
        };
        m.shared
            .old_generation_limit
            .store(bytes.to_bits(), Ordering::Relaxed);
        Ok(())
    })
}

/// Replaces the live detector (its state starts over) and returns the effective options.
#[napi(catch_unwind)]
pub fn monitor_set_detector(
    env: Env,
    options: DetectorOptionsInput,
) -> Result<DetectorOptionsInput> {
    let resolved = options.resolve().map_err(|e| throw(&env, e))?;
    let detector = LeakDetector::new(resolved.clone()).map_err(|e| throw(&env, e))?;
    with_monitor(&env, |m| {
        // The new detector's state starts at "none": the episode of the old one is forgotten.
        m.shared.state.lock().detector = detector;
        Ok(DetectorOptionsInput::from_options(&resolved))
    })
}

/// One full, synchronous GC, without `--expose-gc`. With monitoring off, a provisional hook
/// captures it (see `Monitor::provisional`); index.js then calls `monitor_flush`.
#[napi(catch_unwind)]
pub fn gc(env: Env) -> Result<()> {
    v8_layer::require(&env, "gc()")?;
    // Without a monitor in this environment (cannot happen once the module is loaded) the GC
    // still runs, uncaptured.
    let _ = with_monitor(&env, |m| {
        if m.hook.is_none() && m.install_hook(&env) {
            m.provisional = true;
        }
        Ok(())
    });
    if ffi::force_full_gc() {
        Ok(())
    } else {
        Err(Error::new(
            Status::GenericFailure,
            "leakwatch: no V8 isolate on this thread",
        ))
    }
}

/// The NODE_MODULE_VERSION this binary was compiled against.
#[napi(catch_unwind)]
pub fn node_abi() -> u32 {
    env!("LEAKWATCH_NODE_ABI").parse().unwrap_or(0)
}

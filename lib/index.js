'use strict';
// leakwatch: GC `stats` and `leak` events for Node.js, from a native V8 GC hook (or, where the
// native V8 layer is off, from v8.GCProfiler: lib/gc-profiler-source.js).
// This file is the public API; the native addon is loaded by lib/binding.js.

const { EventEmitter } = require('node:events');
const binding = require('./binding');
const { error, typeError } = require('./errors');
const { GcProfilerSource } = require('./gc-profiler-source');
const { HeapDiff } = require('./heap-diff');
const { LeakDetector } = require('./leak-detector');
const { MONITOR_OPTIONS, OUTSIDE_HEAP_KINDS, checkShape, detectorOptions, snapshot, withPrefix } = require('./options');
const evidence = require('./evidence');
const allocationSites = require('./allocation-sites');
const { oldGenerationLimit } = require('./old-generation-limit');
const { memoryLimit } = require('./memory-limit');
const { batchStats, statsPayloads, LEAK_STATES } = require('./stats-payload');

const MONITORED = ['stats', 'leak', 'leakEnd'];
const { native } = binding;
let created = false;

/** The one warning of a monitor without the native V8 layer, naming what is missing and why. */
function warnDegraded() {
  const message =
    native.mode === 'unavailable'
      ? `leakwatch: not monitoring: ${native.reason}`
      : `leakwatch: running without its native V8 layer: stats and leak come from v8.GCProfiler; HeapDiff, leak-report evidence (diffOnLeak, snapshot), heap snapshots and gc() without --expose-gc are unavailable. Why: ${native.reason}`;
  process.emitWarning(message, { code: native.code });
}

class Leakwatch extends EventEmitter {
  #leak = native.mode === 'unavailable' ? null : binding.detectorDefaults();
  // The detectors outside the V8 heap: their options, or null when off (see configure()).
  #kinds = Object.fromEntries(OUTSIDE_HEAP_KINDS.map((k) => [k, native.mode === 'unavailable' ? null : binding.monitorKindDetector(k)]));
  #running = false;
  #warned = false;
  // The GC source without the native V8 layer; null with it (the shim's GC hook feeds the core).
  #profiler = native.mode === 'gc-profiler' ? new GcProfilerSource() : null;
  #lastWordsAt = -1; // the profiler's ticks at the last delivery on beforeExit
  // Evidence for `leak` reports (lib/evidence.js): opt-in, because snapshots pause the thread.
  #evidence = {
    diffOnLeak: false,
    diffMaxHeapBytes: evidence.DIFF_MAX_HEAP_BYTES_DEFAULT,
    diffMinIntervalMs: evidence.DIFF_MIN_INTERVAL_MS_DEFAULT,
    snapshotBudgetMs: evidence.SNAPSHOT_BUDGET_MS_DEFAULT,
    snapshot: false,
    allocationSites: false,
  };
  #diff = new evidence.LeakDiff();
  #sites = new allocationSites.AllocationSites();
  #snapshots = new evidence.LeakSnapshots();
  #flush = null; // the Immediate that delivers a gc()'s batch

  constructor() {
    super();
    // One monitor per environment: a second emitter would fight the first over it.
    if (created) throw new Error("leakwatch: use the module's instance (require('leakwatch')), not new Leakwatch()");
    created = true;
    // What "time to the heap limit" is measured against (see lib/old-generation-limit.js).
    if (native.mode !== 'unavailable') binding.monitorSetOldGenerationLimit(oldGenerationLimit());
    // ... and for external and rss reports: the container's (lib/memory-limit.js).
    if (native.mode !== 'unavailable') binding.monitorSetMemoryLimit(memoryLimit());
    // Usable detached, as in `const { gc, configure } = require('leakwatch')`.
    this.configure = this.configure.bind(this);
    this.gc = this.gc.bind(this);
    this.writeSnapshot = this.writeSnapshot.bind(this);
    if (this.#profiler !== null) process.on('beforeExit', this.#onBeforeExit);
    // Monitoring follows the listeners: it starts with the first `stats`/`leak`/`leakEnd`
    // listener and the GC callbacks are removed when the last one goes.
    this.#watchListeners();
  }

  // Without the V8 layer, the GCs of the last window are still in the profiler when the event
  // loop empties: delivered once more, and not again until a window closed on its own (the
  // process went on running): a listener whose work runs GCs cannot keep the process alive.
  #onBeforeExit = () => {
    if (!this.#running || this.#lastWordsAt === this.#profiler.ticks) return;
    this.#lastWordsAt = this.#profiler.ticks;
    if (this.#profiler.flush() > 0) this.#deliverSoon();
  };

  #onNewListener = (event) => {
    if (MONITORED.includes(event)) this.#sync(event);
  };

  #onRemoveListener = (event) => {
    if (MONITORED.includes(event)) this.#sync();
  };

  #watchListeners() {
    if (!this.listeners('newListener').includes(this.#onNewListener)) this.on('newListener', this.#onNewListener);
    if (!this.listeners('removeListener').includes(this.#onRemoveListener)) this.on('removeListener', this.#onRemoveListener);
  }

  /** As EventEmitter's; monitoring stops when no `stats`/`leak`/`leakEnd` listener is left. */
  removeAllListeners(...args) {
    super.removeAllListeners(...args);
    // EventEmitter's removeAllListeners() also drops the two hooks above: without them a later
    // `stats`/`leak`/`leakEnd` listener would never start monitoring again.
    this.#watchListeners();
    return this;
  }

  /** Validates and applies options; returns the effective options. Nothing changes on error. */
  configure(options = {}) {
    // Validate and use one snapshot: a getter must not pass the checks and then hand over
    // something else (a non-boolean reaching the native monitor would break every later
    // listener change).
    options = snapshot(options);
    checkShape(options, MONITOR_OPTIONS, 'leakwatch.configure options');
    const next = { ...this.#evidence };
    if (options.diffOnLeak !== undefined) next.diffOnLeak = options.diffOnLeak;
    if (options.diffMaxHeapBytes !== undefined) {
      next.diffMaxHeapBytes = evidence.diffMaxHeapBytes(options.diffMaxHeapBytes, 'leakwatch.configure options.diffMaxHeapBytes');
    }
    if (options.diffMinIntervalMs !== undefined) {
      next.diffMinIntervalMs = evidence.diffMinIntervalMs(options.diffMinIntervalMs, 'leakwatch.configure options.diffMinIntervalMs');
    }
    if (options.snapshotBudgetMs !== undefined) {
      next.snapshotBudgetMs = evidence.budgetMs(options.snapshotBudgetMs, 'leakwatch.configure options.snapshotBudgetMs');
    }
    if (options.snapshot !== undefined) {
      next.snapshot = evidence.snapshotOptions(options.snapshot, this.#evidence.snapshot, 'leakwatch.configure options.snapshot');
    }
    if (options.allocationSites !== undefined) {
      next.allocationSites = allocationSites.allocationSitesOptions(
        options.allocationSites,
        this.#evidence.allocationSites,
        'leakwatch.configure options.allocationSites',
      );
    }
    const kinds = this.#kindOptions(options);
    let leak = this.#leak;
    if (options.leak !== undefined) {
      const given = detectorOptions(options.leak, 'leakwatch.configure options.leak');
      try {
        leak = binding.monitorSetDetector({ ...this.#leak, ...given });
      } catch (err) {
        throw withPrefix(err, 'leak.');
      }
    }
    // Held once, by the native monitor (absent fields stay as they are).
    binding.monitorConfigure({ includeMinorGc: options.includeMinorGc, heapSpaces: options.heapSpaces });
    for (const [kind, given] of Object.entries(kinds)) this.#kinds[kind] = binding.monitorSetKindDetector(kind, given);
    this.#leak = leak;
    this.#evidence = next;
    // A new detector starts over, and so does its episode.
    if (!next.diffOnLeak || options.leak !== undefined) this.#diff.drop();
    if (!next.allocationSites || options.leak !== undefined) this.#sites.stop();
    this.#sync();
    return this.options;
  }

  // `external`/`rss` of configure(), checked in full before anything changes: kind → the
  // detector options to set (merged over the current ones, or the kind's defaults), or null.
  #kindOptions(options) {
    const out = {};
    for (const kind of OUTSIDE_HEAP_KINDS) {
      const value = options[kind];
      if (value === undefined) continue;
      if (value === false) {
        out[kind] = null;
        continue;
      }
      if (kind === 'rss' && !binding.rssAvailable()) {
        throw typeError(`leakwatch.configure options.rss: RSS is read on Linux only, not on ${process.platform}`, 'ERR_LEAKWATCH_INVALID_VALUE');
      }
      const given = value === true ? {} : detectorOptions(value, `leakwatch.configure options.${kind}`);
      const merged = { ...(value === true ? binding.detectorDefaultsFor(kind) : (this.#kinds[kind] ?? binding.detectorDefaultsFor(kind))), ...given };
      try {
        // Ranges are checked once, in Rust: by a detector made for it and dropped.
        new binding.NativeLeakDetector(merged);
      } catch (err) {
        throw withPrefix(err, `${kind}.`);
      }
      out[kind] = merged;
    }
    return out;
  }

  /** The effective options. */
  get options() {
    const { diffOnLeak, diffMaxHeapBytes, diffMinIntervalMs, snapshotBudgetMs, snapshot: snap, allocationSites: sites } = this.#evidence;
    const { includeMinorGc, heapSpaces } = binding.monitorConfigure({});
    return {
      includeMinorGc,
      heapSpaces,
      diffOnLeak,
      diffMaxHeapBytes,
      diffMinIntervalMs,
      snapshotBudgetMs,
      snapshot: snap && { ...snap },
      allocationSites: sites && { ...sites },
      leak: { ...this.#leak },
      external: this.#kinds.external ? { ...this.#kinds.external } : false,
      rss: this.#kinds.rss ? { ...this.#kinds.rss } : false,
    };
  }

  /** Writes a Chrome DevTools heap snapshot of this thread's heap and returns its absolute
   * path. `target`: a file path or an existing directory (relative to the current directory);
   * by default `snapshot.dir` when configured, else the current directory. Written to a
   * temporary file first, then renamed. Blocks this thread while V8 writes it. `options`:
   * `{ force, budgetMs }` (see lib/evidence.js). */
  writeSnapshot(target, options) {
    return evidence.writeSnapshot(target, this.#evidence.snapshot, options);
  }

  /** Where the native layer runs (see `leakwatch.native` in lib/index.d.ts). */
  get native() {
    return native;
  }

  /** Runs one full, synchronous garbage collection (no --expose-gc needed with the native V8
   * layer; without it, V8's own `globalThis.gc` of --expose-gc). Its `stats` reaches the
   * listeners present at the next turn of the event loop, also when the script ends right
   * after it. */
  gc() {
    if (native.mode !== 'gc-profiler') binding.gc();
    else if (typeof globalThis.gc === 'function') {
      // A profiler window of its own: the core spreads a window's GCs over its time, so this
      // GC's time is then exact to its pause (back-to-back gc() calls stay one burst); and it
      // reaches the core now, for the flush below.
      this.#profiler.flush();
      globalThis.gc();
      this.#profiler.flush();
    } else {
      throw error(
        `leakwatch: gc() needs the native V8 layer, which is off here (${native.code}: ${native.reason}); or run node with --expose-gc, and gc() uses V8's own`,
        'ERR_LEAKWATCH_NATIVE_UNAVAILABLE',
      );
    }
    this.#deliverSoon();
  }

  // The threadsafe function is weak: it would not keep a process whose script just ended alive
  // for a gc()'s batch. One immediate delivers it (and lets a listener added in this tick get
  // it); it keeps the process alive, for that one turn, only while someone listens.
  #deliverSoon() {
    this.#flush ??= setImmediate(() => {
      this.#flush = null;
      const batch = binding.monitorFlush();
      if (batch) this.#deliverBatch(batch);
    });
    this.#refFlush();
  }

  #refFlush() {
    if (this.#flush === null) return;
    if (this.#running) this.#flush.ref();
    else this.#flush.unref();
  }

  /** True while the GC callbacks are installed. */
  get monitoring() {
    return this.#running;
  }

  /** The detector's episode state, as of the latest delivered GC: 'none', 'suspected' (a
   * growth episode is suspected, no report yet) or 'leaking' (from `leak` to `leakEnd`). The
   * native monitor decides it; it starts at 'none' when monitoring starts or the `leak`
   * options change. */
  get leakState() {
    return native.mode === 'unavailable' ? 'none' : binding.monitorLeakState();
  }

  /** Every kind's episode state, `{ heap, external, rss }` (`heap` is {@link leakState});
   * 'none' for a kind that is off. */
  get leakStates() {
    return native.mode === 'unavailable' ? { heap: 'none', external: 'none', rss: 'none' } : binding.monitorLeakStates();
  }

  /** `leakState !== 'none'`. */
  get suspected() {
    return this.leakState !== 'none';
  }

  // `adding` is the event of a listener about to be added (newListener fires before it is).
  #sync(adding) {
    const count = (event) => this.listenerCount(event) + (event === adding ? 1 : 0);
    const wantStats = count('stats') > 0;
    const want = wantStats || count('leak') > 0 || count('leakEnd') > 0;
    if (want && native.mode !== 'v8' && !this.#warned) {
      this.#warned = true;
      warnDegraded();
    }
    if (native.mode === 'unavailable') return;
    binding.monitorConfigure({ wantStats });
    if (want && !this.#running) {
      binding.monitorStart(this.#onBatch, true);
      this.#profiler?.start();
      this.#running = true;
    } else if (!want && this.#running) {
      this.#profiler?.stop();
      binding.monitorStop();
      this.#running = false;
      this.#diff.drop();
      this.#sites.stop();
    }
    this.#refFlush();
  }

  // JS thread, called by the native side with one batch: from the event loop as arguments
  // (`numbers`, a kept Float64Array, its first `count` the packed `stats`; `state` by number;
  // the rest undefined when empty: crates/node/src/binding/loop_call.rs), or as one object
  // (monitorFlush's, and the threadsafe function's without the V8 layer).
  #onBatch = (numbers, count, state, heapSpaces, leaks, ends) => {
    if (count === undefined) return this.#deliverBatch(numbers);
    // The payloads are built before the meter stops (in #deliver): their cost is leakwatch's.
    this.#deliver(statsPayloads(numbers, heapSpaces, count), LEAK_STATES[state], leaks, ends);
  };

  #deliverBatch(batch) {
    this.#deliver(batchStats(batch), batch.state, batch.leaks, batch.ends);
  }

  // A throwing listener surfaces as an uncaught exception, as with any EventEmitter, without
  // losing the rest of the batch.
  #deliver(stats, state, leaks = NONE, ends = NONE) {
    binding.monitorBatchReceived();
    for (const s of stats) this.#emitSafely('stats', s);
    // The evidence follows the detector's state: a "before" picture while it is not 'none'.
    const suspected = state !== 'none';
    const { diffOnLeak, diffMaxHeapBytes, diffMinIntervalMs, snapshotBudgetMs, snapshot: snap } = this.#evidence;
    // Snapshots are taken here, after the native side released its locks; the GCs they run
    // are queued like any other and arrive in a later batch (genuine post-GC sizes).
    if (diffOnLeak && leaks.length === 0) this.#diff.suspicion(suspected, diffMaxHeapBytes, snapshotBudgetMs, diffMinIntervalMs);
    const sites = this.#evidence.allocationSites;
    this.#sites.follow(suspected, sites);
    const pendingEnds = [...ends];
    for (const l of leaks) {
      // In episode order, per kind: an episode's end before a later episode's reports.
      for (let i = 0; i < pendingEnds.length; ) {
        if (pendingEnds[i].kind === l.kind && pendingEnds[i].episode < l.episode) this.#emitSafely('leakEnd', pendingEnds.splice(i, 1)[0]);
        else i++;
      }
      // The evidence is of the V8 heap, armed by the heap's state: heap reports only (V8's
      // sampler, too, sees only allocations on the V8 heap).
      if (l.kind === 'heap') {
        if (diffOnLeak) Object.assign(l, this.#diff.onLeak(diffMaxHeapBytes));
        if (snap) {
          Object.assign(l, this.#snapshots.onLeak(snap, l.endUsedHeapSize, snapshotBudgetMs, l));
          // The line people log names what to run next.
          if (l.analyzeCommand) l.reason = `${l.reason}; to analyze: ${l.analyzeCommand}`;
        }
        if (sites) {
          Object.assign(l, this.#sites.onLeak(sites));
          const culprit = allocationSites.culprit(l);
          if (culprit !== undefined) l.culprit = culprit;
        }
      }
      this.#emitSafely('leak', l);
    }
    for (const e of pendingEnds) this.#emitSafely('leakEnd', e);
    if (!suspected) this.#diff.quiet(diffMinIntervalMs);
    if (!suspected) this.#sites.stop();
  }

  #emitSafely(event, payload) {
    try {
      this.emit(event, payload);
    } catch (err) {
      process.nextTick(() => {
        throw err;
      });
    }
  }
}

const NONE = Object.freeze([]);

const leakwatch = new Leakwatch();
leakwatch.Leakwatch = Leakwatch;
leakwatch.LeakDetector = LeakDetector;
leakwatch.HeapDiff = HeapDiff;
leakwatch.default = leakwatch;

module.exports = leakwatch;

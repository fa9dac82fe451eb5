// Hand-written public types of leakwatch. The native binding's own types stay internal.
//
// The package is CommonJS (`index.js`) with an ESM wrapper (`index.mjs`), and this one file
// types both: `export =` is what `require('leakwatch')` returns, an ESM default import gets the
// same object, and the ESM named imports (`Leakwatch`, `LeakDetector`, `HeapDiff`, `gc`,
// `configure`) are properties of it. Types live in the `leakwatch` namespace merged with that
// value, so
// `leakwatch.GcStats` (CommonJS) and `import type { GcStats } from 'leakwatch'` (ESM) both work.

import { EventEmitter } from 'node:events';

/**
 * GC `stats` and `leak` events for the current thread (the main thread or one worker), from a
 * native V8 GC hook.
 *
 * Monitoring starts with the first `stats` or `leak` listener and stops (the GC callbacks are
 * removed) when the last one is removed. The native delivery never keeps the process alive.
 *
 * Use the instance this module exports; don't construct your own (see the constructor).
 *
 * @example
 * ```ts
 * import leakwatch from 'leakwatch';
 * leakwatch.on('leak', (report) => logger.warn(report, report.reason));
 * ```
 */
declare class Leakwatch extends EventEmitter {
  /**
   * Not for use: the module's export is the one instance per thread.
   *
   * @throws Error always, since the module already created the instance that owns this
   *   thread's native GC monitor (two emitters would fight over it).
   */
  constructor();

  /**
   * Validates and applies options, then returns the effective options.
   *
   * Options that are absent or `undefined` keep their current values. Giving `leak` (even
   * `{}`) replaces the live leak detector: its options are merged over the current detector
   * options and the detector forgets its samples and any episode in progress.
   *
   * Validation happens before anything changes: on error nothing is applied.
   *
   * @param options - The options to change. Defaults to `{}` (change nothing).
   * @returns The effective options after the change (a fresh copy).
   * @throws TypeError with `code` `'ERR_LEAKWATCH_INVALID_TYPE'` when `options` (or
   *   `options.leak`) is not a plain object, or an option has the wrong type.
   * @throws TypeError with `code` `'ERR_LEAKWATCH_UNKNOWN_OPTION'` on an option name that is
   *   not listed in {@link leakwatch.LeakwatchOptions} or {@link leakwatch.DetectorOptions}.
   * @throws RangeError with `code` `'ERR_LEAKWATCH_OUT_OF_RANGE'` when a `leak` option is
   *   outside its allowed range (the message starts with `leak.` and names the range).
   * @throws TypeError with `code` `'ERR_LEAKWATCH_INVALID_TYPE'` when a `leak` number is not
   *   finite (`NaN`, `Infinity`).
   * @throws TypeError with `code` `'ERR_LEAKWATCH_INVALID_VALUE'` when `snapshot.dir` is empty
   *   or not an absolute path.
   * @throws RangeError with `code` `'ERR_LEAKWATCH_OUT_OF_RANGE'` when a `snapshot` number or
   *   `diffMaxHeapBytes` is outside its range (the message names the option and the range).
   * @throws Error with `code` `'ERR_LEAKWATCH_SNAPSHOT_DIR'` when `snapshot.dir` does not exist,
   *   is not a directory, or this process cannot write to it (checked now, not at the leak).
   */
  configure(options?: leakwatch.LeakwatchOptions): leakwatch.EffectiveOptions;

  /**
   * Writes a Chrome DevTools heap snapshot (`.heapsnapshot`, loadable by DevTools' Memory tab
   * and memlab) of this thread's heap and returns its absolute path. The file is written to a
   * hidden temporary file in the same directory and then renamed, so it never appears
   * half-written. This blocks the thread while V8 runs full GCs and writes the whole heap
   * (seconds for a large heap, and ~0.5–1.3 KB of native memory per heap node while V8 builds
   * the snapshot, given back afterwards). It is refused when that would not fit in the memory
   * this process may still use (see `options.force`), aborted past `options.budgetMs` or when
   * the thread is terminating. The GCs it runs are not delivered as `stats` (only counted in
   * the next one's `gcCount`). An existing file at `path` is replaced. Afterwards V8's
   * object-id map is released unless a HeapDiff is alive (an attached DevTools session's
   * snapshot ids restart).
   *
   * @param path - A file path, or an existing directory to write into with the default name
   *   (`leakwatch-<ISO time>-<pid>.heapsnapshot`); relative paths are resolved against
   *   `process.cwd()`. Default: {@link leakwatch.SnapshotOptions.dir} when configured, else the
   *   current directory. May be left out when `options` is given.
   * @param options - `force: true` writes even when the memory guard says it would not fit;
   *   `budgetMs` aborts the snapshot past that many milliseconds (default: no limit).
   * @returns The absolute path of the snapshot written.
   * @throws TypeError with `code` `'ERR_LEAKWATCH_INVALID_TYPE'` (not a string) or
   *   `'ERR_LEAKWATCH_INVALID_VALUE'` (empty) for a bad `path`.
   * @throws Error with `code` `'ERR_LEAKWATCH_SNAPSHOT_DIR'` when the target directory does not
   *   exist or is not writable, `'ERR_LEAKWATCH_SNAPSHOT_WRITE'` when writing fails,
   *   `'ERR_LEAKWATCH_SNAPSHOT_MEMORY'` when the memory guard refuses it,
   *   `'ERR_LEAKWATCH_SNAPSHOT_ABORTED'` when it ran past `budgetMs` or the thread is
   *   terminating (in every case nothing is left behind).
   */
  writeSnapshot(path?: string, options?: leakwatch.WriteSnapshotOptions): string;
  writeSnapshot(options: leakwatch.WriteSnapshotOptions): string;

  /** The effective options, defaults filled in (a fresh copy on every read). */
  get options(): leakwatch.EffectiveOptions;

  /**
   * Runs one full, synchronous garbage collection (a mark-sweep-compact) on this thread,
   * without `--expose-gc`. It blocks the thread for the GC pause (tens to hundreds of ms on a
   * large heap). Its `stats`/`leak` events arrive asynchronously, after the current JavaScript
   * has finished, to the listeners present then — also listeners added right after this call
   * with monitoring off, and also when the script ends right after it (the process stays alive
   * for that one delivery, no longer).
   *
   * Without the native V8 layer ({@link Leakwatch.native} `mode` not `'v8'`) it runs V8's own
   * `globalThis.gc` when the process was started with `--expose-gc`.
   *
   * @throws Error when the calling thread has no V8 isolate (cannot happen from JavaScript).
   * @throws Error with `code` `'ERR_LEAKWATCH_NATIVE_UNAVAILABLE'` without the native V8 layer
   *   and without `--expose-gc` (the message says why the layer is off and how to get it).
   */
  gc(): void;

  /** Where the native layer runs in this thread, as the loader decided at `require`. */
  get native(): leakwatch.NativeStatus;

  /** `true` while the native GC callbacks are installed, i.e. while at least one `stats`,
   * `leak` or `leakEnd` listener is attached. */
  get monitoring(): boolean;

  /**
   * Where the current growth episode stands, as the detector (in Rust) decided it at the
   * latest delivered full GC:
   * - `'none'`: no episode;
   * - `'suspected'`: the heap's post-GC floor trends towards a new high at a lower bar than an
   *   alert's (this is when `diffOnLeak` takes its "before" picture); no `leak` report yet;
   * - `'leaking'`: a `leak` report was emitted and its episode has not ended: from `leak` to
   *   `leakEnd`.
   *
   * Starts at `'none'` when monitoring starts and when `configure({ leak })` replaces the
   * detector (the episode is then forgotten, without a `leakEnd`).
   */
  get leakState(): leakwatch.LeakState;

  /**
   * Every memory kind's episode state, as its own detector decided it at the latest delivered
   * full GC: `heap` is {@link Leakwatch.leakState}; `external` and `rss` are `'none'` while
   * their detector is off ({@link LeakwatchOptions.external}, {@link LeakwatchOptions.rss}).
   * `'leaking'` from a `leak` report of that {@link LeakReport.kind} to its `leakEnd`.
   */
  get leakStates(): leakwatch.LeakStates;

  /** `leakState !== 'none'`: a growth episode is suspected or a leak report stands. */
  get suspected(): boolean;

  /**
   * Listens for `stats` (after each full GC, and after minor GCs with
   * {@link leakwatch.LeakwatchOptions.includeMinorGc}), `leak` (sustained heap growth) or
   * `leakEnd` (its episode is over). Adding the first such listener starts monitoring.
   */
  on<K extends keyof leakwatch.LeakwatchEvents>(event: K, listener: (...args: leakwatch.LeakwatchEvents[K]) => void): this;
  /** Any other event, as on a plain `EventEmitter`. */
  on<E extends string | symbol>(event: Exclude<E, keyof leakwatch.LeakwatchEvents>, listener: (...args: any[]) => void): this;

  /** Like {@link Leakwatch.on}, for one event only; monitoring stops when it was the last listener. */
  once<K extends keyof leakwatch.LeakwatchEvents>(event: K, listener: (...args: leakwatch.LeakwatchEvents[K]) => void): this;
  /** Any other event, as on a plain `EventEmitter`. */
  once<E extends string | symbol>(event: Exclude<E, keyof leakwatch.LeakwatchEvents>, listener: (...args: any[]) => void): this;

  /** Same as {@link Leakwatch.on}. */
  addListener<K extends keyof leakwatch.LeakwatchEvents>(event: K, listener: (...args: leakwatch.LeakwatchEvents[K]) => void): this;
  /** Any other event, as on a plain `EventEmitter`. */
  addListener<E extends string | symbol>(event: Exclude<E, keyof leakwatch.LeakwatchEvents>, listener: (...args: any[]) => void): this;

  /** Like {@link Leakwatch.on}, but the listener goes first in the list. */
  prependListener<K extends keyof leakwatch.LeakwatchEvents>(event: K, listener: (...args: leakwatch.LeakwatchEvents[K]) => void): this;
  /** Any other event, as on a plain `EventEmitter`. */
  prependListener<E extends string | symbol>(event: Exclude<E, keyof leakwatch.LeakwatchEvents>, listener: (...args: any[]) => void): this;

  /** Like {@link Leakwatch.once}, but the listener goes first in the list. */
  prependOnceListener<K extends keyof leakwatch.LeakwatchEvents>(event: K, listener: (...args: leakwatch.LeakwatchEvents[K]) => void): this;
  /** Any other event, as on a plain `EventEmitter`. */
  prependOnceListener<E extends string | symbol>(event: Exclude<E, keyof leakwatch.LeakwatchEvents>, listener: (...args: any[]) => void): this;

  /** Removes a `stats` or `leak` listener; removing the last one stops monitoring. */
  off<K extends keyof leakwatch.LeakwatchEvents>(event: K, listener: (...args: leakwatch.LeakwatchEvents[K]) => void): this;
  /** Any other event, as on a plain `EventEmitter`. */
  off<E extends string | symbol>(event: Exclude<E, keyof leakwatch.LeakwatchEvents>, listener: (...args: any[]) => void): this;

  /** Same as {@link Leakwatch.off}. */
  removeListener<K extends keyof leakwatch.LeakwatchEvents>(event: K, listener: (...args: leakwatch.LeakwatchEvents[K]) => void): this;
  /** Any other event, as on a plain `EventEmitter`. */
  removeListener<E extends string | symbol>(event: Exclude<E, keyof leakwatch.LeakwatchEvents>, listener: (...args: any[]) => void): this;

  /**
   * Calls the listeners of `event` synchronously. leakwatch emits `stats` and `leak` itself;
   * emitting them by hand (e.g. in tests) only reaches your listeners.
   *
   * @returns `true` if the event had listeners.
   */
  emit<K extends keyof leakwatch.LeakwatchEvents>(event: K, ...args: leakwatch.LeakwatchEvents[K]): boolean;
  /** Any other event, as on a plain `EventEmitter`. */
  emit<E extends string | symbol>(event: Exclude<E, keyof leakwatch.LeakwatchEvents>, ...args: any[]): boolean;
}

/**
 * Replays post-full-GC samples through the same Rust detector the live monitor runs, e.g. to
 * test options on a recorded trace. The live monitor feeds its own detector; this class is
 * independent of it.
 *
 * @example
 * ```ts
 * const detector = new LeakDetector({ minGrowthBytes: 32 * 1024 * 1024 });
 * for (const sample of trace) {
 *   const report = detector.update(sample);
 *   if (report) console.log(report.reason);
 * }
 * ```
 */
declare class LeakDetector {
  /**
   * @param options - Detector options; absent ones take the production defaults listed on
   *   {@link leakwatch.DetectorOptions}. Defaults to `{}`.
   * @throws TypeError with `code` `'ERR_LEAKWATCH_INVALID_TYPE'` when `options` is not a plain
   *   object, an option has the wrong type, or a number is not finite.
   * @throws TypeError with `code` `'ERR_LEAKWATCH_UNKNOWN_OPTION'` on an unknown option name.
   * @throws RangeError with `code` `'ERR_LEAKWATCH_OUT_OF_RANGE'` when an option is outside
   *   its allowed range.
   */
  constructor(options?: leakwatch.DetectorOptions);

  /**
   * Feeds one post-full-GC sample. Timestamps must not go backwards (equal ones are fine).
   * Bad samples throw and leave the detector untouched.
   *
   * @param sample - One sample: a {@link leakwatch.GcStats} payload of a `'mark-sweep-compact'`
   *   GC fits as it is.
   * @returns The leak report exactly when the live monitor would emit `leak` at this sample,
   *   else `null`. Its timestamps are in the time base of the samples given.
   * @throws TypeError with `code` `'ERR_LEAKWATCH_INVALID_TYPE'` when `sample` is not an
   *   object, a field is not a number, or a number is not finite.
   * @throws RangeError with `code` `'ERR_LEAKWATCH_OUT_OF_RANGE'` when a value is negative or
   *   `timestamp` is before the previous sample's.
   */
  update(sample: leakwatch.PostGcSample): leakwatch.LeakReport | null;

  /** The episode's state after the latest sample, as {@link Leakwatch.leakState} of the live
   * monitor: `'none'`, `'suspected'` (no report yet) or `'leaking'` (from a report until its
   * episode ends). */
  get leakState(): leakwatch.LeakState;

  /** `leakState !== 'none'`: a growth episode is suspected or a leak report stands. */
  get suspected(): boolean;

  /** The end of a leaking episode when the latest {@link LeakDetector.update} ended one
   * (exactly when the live monitor would emit `leakEnd` for that sample), else `null`; its
   * timestamps are in the time base of the samples given. `update()` itself returns only
   * reports. */
  get episodeEnd(): leakwatch.LeakEnd | null;

  /** The effective options, defaults filled in (a fresh copy on every read). */
  get options(): Required<leakwatch.DetectorOptions>;

  /** Forgets every sample and episode; the options are kept. Timestamps may restart. */
  reset(): void;
}

/**
 * What grew between two moments, by constructor: a heap snapshot now, another at
 * {@link HeapDiff.end}, objects matched by their V8 heap-object id.
 *
 * Each snapshot is taken after full GCs (V8 runs them as part of taking it), walked natively
 * node by node (no JSON, no recursion, so 100k-deep chains are fine) and reduced to 12 bytes
 * per node before V8's copy is freed. Taking one blocks the thread: about 0.3 s for a small
 * heap, seconds for a million objects, with V8's transient snapshot costing 0.5–1.3 KB of
 * native memory per heap node while it exists (given back afterwards). Meant for diagnosis,
 * not for every request.
 *
 * @example
 * ```ts
 * const hd = new HeapDiff();
 * await runSuspectedWorkload();
 * const { change } = hd.end();
 * for (const d of change.details.slice(0, 5)) console.log(d.what, d.added, d.size);
 * ```
 */
declare class HeapDiff {
  /**
   * Takes the "before" snapshot (blocks this thread while V8 takes it). The full GCs V8 runs
   * for either snapshot are not `stats` events, so a HeapDiff is safe inside a `stats`
   * listener: it cannot re-trigger it. While a HeapDiff is not ended, V8 keeps its object-id
   * map (every GC is slower); `end()` releases it.
   *
   * @param options - `budgetMs`: abort each of the two snapshots past that many milliseconds
   *   (default: no limit). A snapshot is always aborted when the thread is terminating.
   * @throws Error with `code` `'ERR_LEAKWATCH_HEAP_SNAPSHOT'` when V8 gives no snapshot,
   *   `'ERR_LEAKWATCH_SNAPSHOT_ABORTED'` when it was aborted.
   * @throws RangeError with `code` `'ERR_LEAKWATCH_OUT_OF_RANGE'` for a negative `budgetMs`.
   */
  constructor(options?: { budgetMs?: number });

  /**
   * Takes the "after" snapshot and compares it with the "before" one.
   *
   * @returns The comparison; `change.details` lists the constructors (and categories) whose
   *   population changed, largest growth in bytes first.
   * @throws Error with `code` `'ERR_LEAKWATCH_HEAPDIFF_ENDED'` when called a second time.
   * @throws Error with `code` `'ERR_LEAKWATCH_HEAP_SNAPSHOT'` when V8 gives no snapshot,
   *   `'ERR_LEAKWATCH_SNAPSHOT_ABORTED'` when it was aborted (the HeapDiff is over either way).
   */
  end(): leakwatch.HeapDiffResult;

  /** `true` once {@link HeapDiff.end} has been called. */
  get ended(): boolean;
}

// Aliases so that the namespace below can re-export the classes as types without holding
// values (a namespace with values could not merge with the `const`).
type LeakwatchClass = Leakwatch;
type LeakDetectorClass = LeakDetector;
type HeapDiffClass = HeapDiff;

/** What `require('leakwatch')` returns and what an ESM default import gets. */
interface LeakwatchModule extends Leakwatch {
  /** The class of the exported instance (for `instanceof` and types; see its constructor). */
  readonly Leakwatch: typeof Leakwatch;
  /** The detector class, for replaying recorded samples. */
  readonly LeakDetector: typeof LeakDetector;
  /** The heap diff class: what grew between two moments, by constructor. */
  readonly HeapDiff: typeof HeapDiff;
  /** The module itself, for transpiled `import leakwatch from 'leakwatch'` without interop. */
  readonly default: LeakwatchModule;
}

/**
 * The thread's leakwatch instance: an `EventEmitter` with `stats` and `leak` events, plus
 * `configure()`, `gc()` and the {@link LeakDetector} class.
 *
 * @example
 * ```ts
 * // CommonJS
 * const leakwatch = require('leakwatch');
 * // ESM
 * import leakwatch, { LeakDetector, gc, configure } from 'leakwatch';
 * ```
 */
declare const leakwatch: LeakwatchModule;

declare namespace leakwatch {
  /** The class of the exported instance (an `EventEmitter` with `stats` and `leak` events). */
  type Leakwatch = LeakwatchClass;
  /** The detector class for replaying samples. */
  type LeakDetector = LeakDetectorClass;
  /** The heap diff class. */
  type HeapDiff = HeapDiffClass;

  /** Totals of one heap snapshot of a {@link HeapDiff}. */
  /**
   * What the loader found and decided, per thread (`leakwatch.native`):
   * - `'v8'`: the native addon with its V8 layer (GC hook, forced GC, HeapDiff, snapshots);
   * - `'gc-profiler'`: the addon without its V8 layer: `stats` and `leak` come from Node's
   *   `v8.GCProfiler` through the same detector (delivered once a second, or at `gc()`);
   *   HeapDiff, leak-report evidence and heap snapshots are unavailable, `gc()` needs
   *   `--expose-gc`;
   * - `'unavailable'`: no loadable binary; nothing is monitored, and every call that needs
   *   native code throws `'ERR_LEAKWATCH_NATIVE_UNAVAILABLE'`.
   */
  interface NativeStatus {
    /** See above. */
    readonly mode: 'v8' | 'gc-profiler' | 'unavailable';
    /** The absolute path of the loaded `.node` file; `null` when none loaded. */
    readonly binary: string | null;
    /** Where that binary came from: a source build in the package's `build/`, or the prebuilt
     * platform package (`@leakwatch/<platform>`); `null` when none loaded. */
    readonly source: 'build' | 'package' | null;
    /** Why the mode is not `'v8'` (`null` when it is): `'ERR_LEAKWATCH_NATIVE_OFF'`,
     * `'ERR_LEAKWATCH_UNTESTED_ABI'`, `'ERR_LEAKWATCH_V8_FLAGS_MISMATCH'`,
     * `'ERR_LEAKWATCH_ABI_MISMATCH'`, `'ERR_LEAKWATCH_V8_SYMBOL_MISSING'`,
     * `'ERR_LEAKWATCH_SELF_TEST_FAILED'` (gc-profiler) or `'ERR_LEAKWATCH_NO_BINARY'`,
     * `'ERR_LEAKWATCH_ABI_MISMATCH'`, `'ERR_LEAKWATCH_LOAD'` (unavailable). */
    readonly code: ErrorCode | null;
    /** One sentence: what is missing and the fix; `null` in mode `'v8'`. */
    readonly reason: string | null;
  }

  interface HeapTotals {
    /** Nodes in the snapshot (heap objects plus V8's internal and synthetic nodes). */
    nodes: number;
    /** Sum of the nodes' own (shallow) sizes, bytes. */
    sizeBytes: number;
    /** {@link HeapTotals.sizeBytes} for people, node-memwatch style: `'420 bytes'`,
     * `'12.5 kb'`, `'3.71 mb'` (1024-based, two decimals at most). */
    size: string;
  }

  /** One constructor (or category) whose population changed between the two snapshots. */
  interface HeapDiffDetail {
    /** The constructor name for objects (`'LeakyThing'`, `'Object'`, `'Array'`, `'Map'`…);
     * for other nodes a category in parentheses: `'(string)'`, `'(array)'` (V8's internal
     * arrays, e.g. elements stores), `'(closure) name'`, `'(code)'`, `'(number)'`,
     * `'(regexp)'`, `'(symbol)'`, `'(bigint)'`, `'(object shape)'`, `'(system)'`. */
    what: string;
    /** Bytes of this group after minus before (negative when it shrank). */
    sizeBytes: number;
    /** {@link HeapDiffDetail.sizeBytes} for people, e.g. `'-12.5 kb'`. */
    size: string;
    /** Nodes of this group in the "after" snapshot only (allocated since). */
    added: number;
    /** Nodes of this group in the "before" snapshot only (freed since). */
    removed: number;
  }

  /** What changed between the two snapshots of a {@link HeapDiff}. */
  interface HeapChange {
    /** After minus before, bytes. */
    sizeBytes: number;
    /** {@link HeapChange.sizeBytes} for people. */
    size: string;
    /** Nodes in the "before" snapshot only. */
    freedNodes: number;
    /** Nodes in the "after" snapshot only. */
    allocatedNodes: number;
    /** Groups whose population changed, largest growth (bytes) first. */
    details: HeapDiffDetail[];
  }

  /** The result of {@link HeapDiff.end}. */
  interface HeapDiffResult {
    /** The snapshot taken by the constructor. */
    before: HeapTotals;
    /** The snapshot taken by `end()`. */
    after: HeapTotals;
    /** The difference, by constructor. */
    change: HeapChange;
  }

  /**
   * The kind of a garbage collection, as V8 names it:
   * - `'mark-sweep-compact'`: a full GC of the whole heap (the only kind the leak detector uses);
   * - `'scavenge'`: a minor GC of the young generation;
   * - `'minor-mark-sweep'`: V8's other minor GC (when enabled);
   * - `'incremental-marking'`, `'process-weak-callbacks'`: steps of a full GC; counted in
   *   {@link GcStats.gcCount} but not delivered as `stats` events of their own.
   */
  type GcType = 'mark-sweep-compact' | 'scavenge' | 'minor-mark-sweep' | 'incremental-marking' | 'process-weak-callbacks';

  /** One number per GC kind ({@link GcType}), plus their sum. */
  interface PerGcKind {
    /** `'scavenge'` GCs. */
    scavenge: number;
    /** `'minor-mark-sweep'` GCs. */
    minorMarkSweep: number;
    /** `'mark-sweep-compact'` (full) GCs. */
    markSweepCompact: number;
    /** `'incremental-marking'` steps. */
    incrementalMarking: number;
    /** `'process-weak-callbacks'` steps. */
    processWeakCallbacks: number;
    /** Sum of the five kinds. */
    total: number;
  }

  /** One V8 heap space right after the GC, like `v8.getHeapSpaceStatistics()`. */
  interface HeapSpaceStats {
    /** V8's name of the space, e.g. `'old_space'`, `'new_space'`, `'large_object_space'`. */
    name: string;
    /** Bytes reserved for the space (`space_size`). */
    size: number;
    /** Bytes used by live objects (`space_used_size`). */
    used: number;
    /** Bytes still available in the space (`space_available_size`). */
    available: number;
    /** Bytes of physical memory committed to the space (`physical_space_size`). */
    physical: number;
  }

  /**
   * The `stats` event payload: V8's heap statistics read right after one GC, and leakwatch's
   * counters. Plain numbers (no BigInt), so `JSON.stringify` gives a log line as it is.
   *
   * Cumulative counters ({@link GcStats.gcCount}, {@link GcStats.gcTimeMs},
   * {@link GcStats.selfTimeByKindMs}) count from the moment monitoring (last) started.
   */
  interface GcStats {
    /** When the GC ended: wall-clock time, epoch ms (like `Date.now()`, with a fractional part). */
    timestamp: number;
    /** Kind of this GC: `'mark-sweep-compact'` by default; also `'scavenge'` and
     * `'minor-mark-sweep'` with {@link LeakwatchOptions.includeMinorGc}. */
    gcType: GcType;
    /** `true` when this GC was forced rather than scheduled by V8: {@link Leakwatch.gc}, `global.gc()`,
     * a memory-pressure notification, or a heap snapshot (a user's `v8.writeHeapSnapshot()`,
     * DevTools, a {@link HeapDiff} — V8 runs several full GCs back to back for one). Of a burst
     * of back-to-back full GCs only the last is leak evidence for the detector; all are
     * delivered. The GCs of leakwatch's own snapshots (HeapDiff, `diffOnLeak`, `snapshot`,
     * {@link Leakwatch.writeSnapshot}) are not delivered at all, so a listener that takes a HeapDiff
     * cannot feed itself; they are still counted in the next event's `gcCount`/`gcTimeMs`. */
    forced: boolean;
    /** This GC's pause, ms (from V8's GC prologue to its epilogue). */
    pauseMs: number;
    /** Bytes used by live JavaScript objects after the GC (`used_heap_size`). */
    usedHeapSize: number;
    /** Bytes V8 has allocated for the heap (`total_heap_size`). */
    totalHeapSize: number;
    /** Bytes of the heap reserved for executable code (`total_heap_size_executable`). */
    totalHeapSizeExecutable: number;
    /** The heap's size limit, bytes (`heap_size_limit`, set by `--max-old-space-size`). */
    heapSizeLimit: number;
    /** Bytes of physical memory committed to the heap (`total_physical_size`). */
    totalPhysicalSize: number;
    /** Bytes still available before the heap limit (`total_available_size`). */
    totalAvailableSize: number;
    /** Bytes currently malloc'ed by V8 itself (`malloced_memory`). */
    mallocedMemory: number;
    /** Peak bytes malloc'ed by V8 (`peak_malloced_memory`; V8 may report it below
     * {@link GcStats.mallocedMemory}). */
    peakMallocedMemory: number;
    /** Bytes of external memory (e.g. `Buffer`s) V8 was told about (`external_memory`). */
    externalMemory: number;
    /** Live native (V8) contexts: the main context plus one per `vm` context. */
    numberOfNativeContexts: number;
    /** Contexts that were detached but not yet collected; a count that keeps rising is a leak. */
    numberOfDetachedContexts: number;
    /** GCs per kind (all kinds, delivered or not), cumulative since monitoring started. */
    gcCount: PerGcKind;
    /** GC pause time per kind, ms, cumulative since monitoring started. */
    gcTimeMs: PerGcKind;
    /** What leakwatch itself has cost on this thread, ms, cumulative: its GC callbacks
     * ({@link GcStats.selfTimeByKindMs}`.total`) plus its delivery work
     * ({@link GcStats.deliverySelfTimeMs}). Up to the previous GC: this GC's own callback
     * time is counted in the next payload. */
    selfTimeMs: number;
    /** Time spent in leakwatch's GC callbacks per GC kind, ms, cumulative since monitoring
     * started (the current GC's epilogue not yet included). */
    selfTimeByKindMs: PerGcKind;
    /** Time spent by leakwatch outside GC pauses turning samples into events (detector
     * included), ms, cumulative since the module was loaded on this thread. */
    deliverySelfTimeMs: number;
    /** GC events dropped since the previous `stats` event because a storm of GCs filled the
     * queue (minor GCs are dropped first). Usually `0`. */
    droppedEvents: number;
    /** Statistics per heap space. Present only with {@link LeakwatchOptions.heapSpaces}. */
    heapSpaces?: HeapSpaceStats[];
    /** The process's resident set size, bytes, read as this full GC's batch was taken (outside
     * the GC pause, in the same turn of the event loop). Present on full GCs while the `rss`
     * detector is on or a memory limit is known (Linux only), absent otherwise. */
    rss?: number;
  }

  /**
   * The `leak` event payload (and {@link LeakDetector.update}'s result): the post-full-GC heap
   * shows sustained, open-ended growth. One alert per growth episode, plus re-alerts after
   * further growth when {@link DetectorOptions.realert} is on.
   *
   * From the live monitor, timestamps are epoch ms; from {@link LeakDetector.update}, they are
   * in the time base of the samples given.
   */
  interface LeakReport {
    /**
     * What grew, each watched by its own detector after full GCs (see {@link MemoryKind}).
     * For `'external'` and `'rss'`, `startUsedHeapSize`, `endUsedHeapSize`, `baselineBytes` and
     * `growthBytes` are of that memory, not of the heap.
     */
    kind: MemoryKind;
    /** When the sample that raised the alert was taken, ms (epoch ms from the live monitor). */
    timestamp: number;
    /** Estimated start of the growth episode, ms (same time base as `timestamp`). */
    startTimestamp: number;
    /** How long the growth has been going on (the evidence's time span), ms. */
    durationMs: number;
    /** Number of full GCs in the evidence. */
    samples: number;
    /** Heap used after the GC at the start of the episode, bytes. */
    startUsedHeapSize: number;
    /** Heap used after the GC that raised the alert, bytes. */
    endUsedHeapSize: number;
    /** The post-GC floor at the start of the episode, bytes. */
    baselineBytes: number;
    /** Growth of the fitted (Theil–Sen) trend line over the evidence, bytes. */
    growthBytes: number;
    /** Slope of the fitted trend line, bytes per minute. */
    growthRateBytesPerMinute: number;
    /** One-sided confidence of the Mann–Kendall trend test, between 0 and 1. */
    confidence: number;
    /** Growth episode number, from 1. */
    episode: number;
    /** `0` for the first alert of an episode, then 1, 2, … for re-alerts. */
    repeat: number;
    /** One line for humans, e.g. `"heap grew 48.2 MB in 3m12s (15.1 MB/min) over 9 full GCs;
     * heap limit (4.0 GB) reached in ~4 h at this rate"` (the second part when the limit is
     * known and the floor is rising). */
    reason: string;
    /**
     * When the post-GC floor reaches the heap limit at the current (Theil–Sen) rate, ms from
     * this alert: what an on-call engineer needs first. The limit is the old generation's when
     * the process was given one (`--max-old-space-size`, a worker's `maxOldGenerationSizeMb`),
     * else V8's `heapSizeLimit` (which adds the young generation's reserve). `null` when the
     * floor is not rising or the limit is unknown (a {@link LeakDetector} fed without
     * `heapSizeLimit`). An estimate: V8 aborts somewhat before the floor reaches the limit.
     */
    estimatedTimeToLimitMs: number | null;
    /**
     * The limit {@link LeakReport.estimatedTimeToLimitMs} is against, bytes: for `'heap'` the
     * heap's (as above); for `'external'` and `'rss'` the process's memory limit
     * (`process.constrainedMemory()`: the container's cgroup limit), the time being until the
     * process's RSS reaches it if the rest of its memory stays as it is. `null` when unknown:
     * no such limit (then `estimatedTimeToLimitMs` is `null` too).
     */
    limitBytes: number | null;
    /**
     * With {@link LeakwatchOptions.diffOnLeak}: what grew most between the start of the
     * suspected episode (or the previous alert of the episode) and this alert, by constructor
     * or category (`'(array)'`, `'(string)'`, `'(closure) name'`…), largest net growth first,
     * at most 5. Absent from the live monitor without `diffOnLeak`, when the diff was skipped
     * (see {@link LeakReport.diffSkipped}), and always from {@link LeakDetector.update}.
     */
    topGrowth?: HeapGrowth[];
    /**
     * With {@link LeakwatchOptions.diffOnLeak}: up to 3 distinct shortest strong paths from a
     * GC root to objects of `topGrowth[0]` that were added, e.g.
     * `"global → leakyCache (Map) → table (array) → [1234] (LeakyThing)"` (`edge (node)` per hop;
     * `[n]` is an element or hash-table slot). May be empty when the search hit its bounds.
     */
    retainerPaths?: string[];
    /** With {@link LeakwatchOptions.diffOnLeak}: how long the "after" snapshot and the
     * comparison paused this thread, ms. */
    diffMs?: number;
    /**
     * With {@link LeakwatchOptions.diffOnLeak}, instead of `topGrowth`: why there is no diff,
     * e.g. `"not enough memory for a heap snapshot: ~458.4 MB needed (…), 50.0 MB available
     * (…)"`, `"heap snapshot aborted: it ran past its time budget (60000 ms)"`,
     * `"heap too large for a diff: 900.0 MB used, over diffMaxHeapBytes (512.0 MB)"`, a failed
     * snapshot, or no "before" picture (diffOnLeak was enabled mid-episode).
     */
    diffSkipped?: string;
    /** With {@link LeakwatchOptions.snapshot}: the absolute path of the `.heapsnapshot` written
     * for this alert. */
    snapshotPath?: string;
    /**
     * With {@link LeakwatchOptions.snapshot}, beside `snapshotPath`: the command that analyzes
     * it, `"leakwatch analyze <snapshotPath>"`; on a re-alert whose episode already wrote one,
     * `"leakwatch analyze <first> <snapshotPath>"` (the leak method: what was allocated after
     * the first and is still alive). `reason` then ends with `"; to analyze: <command>"`.
     */
    analyzeCommand?: string;
    /**
     * With {@link LeakwatchOptions.snapshot}, instead of `snapshotPath`: why no snapshot was
     * written (`"rate limit: …"`, `"snapshot.maxFiles reached: …"`, `"low disk space: …"`,
     * `"not enough memory for a heap snapshot: …"`, `"heap snapshot aborted: …"`,
     * `"snapshot failed: …"`).
     */
    snapshotSkipped?: string;
    /**
     * With {@link LeakwatchOptions.allocationSites}: where the live objects allocated since the
     * episode was suspected were allocated, top sites first by estimated bytes (V8's sampling
     * heap profiler, started at the suspicion). Absent when skipped (see
     * {@link LeakReport.allocationSitesSkipped}).
     */
    allocationSites?: AllocationSite[];
    /** With {@link LeakwatchOptions.allocationSites}: how long reading V8's profile took, ms. */
    allocationSitesMs?: number;
    /**
     * With {@link LeakwatchOptions.allocationSites}, instead of `allocationSites`: why there are
     * none, e.g. another sampling heap profiler runs in this thread (the user's inspector
     * session, `v8.startHeapProfile`: left alone), leakwatch's was stopped by someone else, the
     * sampler started in the alert's own batch, or `"unavailable: …"` without the native V8 layer.
     */
    allocationSitesSkipped?: string;
    /**
     * With {@link LeakwatchOptions.allocationSites}: one summary line, e.g. `"+30.0 MB of
     * (string), held by … → responseCache (Map) → …, allocated in handle
     * (examples/leaky-service.js:59:16)"` (the growth and its holder with `diffOnLeak`).
     */
    culprit?: string;
  }

  /** One line of {@link LeakReport.allocationSites}. */
  interface AllocationSite {
    /** Estimated live bytes allocated at this site since the episode was suspected. */
    bytes: number;
    /** One standard error of `bytes` (≈ `bytes / √samples` for objects much smaller than
     * `intervalBytes`). */
    bytesError: number;
    /** Estimated raw samples behind `bytes`. */
    samples: number;
    /** The site's heaviest stack, from the allocating function (which may be a V8 builtin or a
     * `node:` internal) out to the outermost caller, source-mapped with `--enable-source-maps`. */
    frames: AllocationFrame[];
    /** `fn (file:line:col) ← caller (…) ← …`: the user's frames only, files relative to the
     * current directory when inside it. */
    stack: string;
  }

  /** One function of {@link AllocationSite.frames}: V8 attributes a sample to the function,
   * so `line`/`column` are where the function is defined, not the allocating statement. */
  interface AllocationFrame {
    /** `''` for an anonymous function. */
    functionName: string;
    /** As V8 names the script (a path, a `file://` URL, `node:…`); `''` for builtins. */
    file: string;
    /** 1-based; `null` when V8 does not know. */
    line: number | null;
    column: number | null;
  }

  /** {@link LeakwatchOptions.allocationSites} as an object. */
  interface AllocationSitesOptions {
    /** Mean bytes between two samples. Default `524288` (512 KiB); range `1024`–`1073741824`. */
    intervalBytes?: number;
    /** Frames kept per sampled stack. Default `32`; range `1`–`128`. */
    stackDepth?: number;
    /** Sites per report. Default `5`; range `1`–`100`. */
    top?: number;
  }

  /** One line of {@link LeakReport.topGrowth}. */
  interface HeapGrowth {
    /** Constructor name for objects (`'LeakyThing'`), else a category such as `'(array)'`. */
    what: string;
    /** Objects of this kind allocated since the "before" picture and still alive. */
    addedCount: number;
    /** Their self (shallow) size, bytes. */
    addedBytes: number;
    /** Objects of this kind freed since the "before" picture. */
    removedCount: number;
    /** Net change of this kind's self size, bytes (the list is sorted by this). */
    netBytes: number;
  }

  /**
   * Options of {@link LeakwatchOptions.snapshot}: a heap snapshot written on `leak`. Absent
   * fields keep their current values (the defaults the first time).
   */
  interface SnapshotOptions {
    /** Absolute path of an existing directory this process can write to. Required the first
     * time. Files are named `leakwatch-<ISO time>-<pid>.heapsnapshot`. */
    dir?: string;
    /** No snapshot is written while the directory holds this many `leakwatch-*.heapsnapshot`
     * files (leakwatch never deletes any). Default `5`; a whole number, `1`–`10_000`. */
    maxFiles?: number;
    /** No snapshot is written unless the file system keeps at least this many bytes free
     * after it (its size estimated as twice the used heap). Default `1_073_741_824` (1 GiB);
     * range `0`–`1e15`. */
    minFreeBytes?: number;
    /** At most one snapshot per this many ms. Default `3_600_000` (1 h); range
     * `0`–`2_592_000_000` (30 days). */
    minIntervalMs?: number;
  }

  /** One post-full-GC sample for {@link LeakDetector.update}. */
  interface PostGcSample {
    /** When the sample was taken, ms, any time base (epoch ms, `performance.now()`…); finite,
     * at least 0, and not before the previous sample's. */
    timestamp: number;
    /** Heap used right after a full GC, bytes; finite and at least 0. */
    usedHeapSize: number;
    /** Optional: V8's heap limit at that moment, bytes (`heapSizeLimit` of a `stats` event);
     * finite and at least 0. Gives {@link LeakReport.estimatedTimeToLimitMs}, and lets a leak
     * that would fill the heap before the usual evidence is in be reported in time. */
    heapSizeLimit?: number;
  }

  /**
   * Options of the leak detector. Every option is optional; the defaults are the production
   * ones. Numbers must be finite (else TypeError `ERR_LEAKWATCH_INVALID_TYPE`) and within the
   * listed range, inclusive (else RangeError `ERR_LEAKWATCH_OUT_OF_RANGE`). An alert needs all
   * of: a significant trend, {@link DetectorOptions.minSamples} full GCs and
   * {@link DetectorOptions.minDurationMs} of evidence, and growth of at least
   * {@link DetectorOptions.minGrowthBytes} and {@link DetectorOptions.minGrowthPercent}.
   */
  interface DetectorOptions {
    /** How far back the trend test looks, ms. Default `86_400_000` (24 h); range
     * `60_000`–`604_800_000` (1 min–7 days). Memory use is bounded whatever the window. */
    windowMs?: number;
    /** Growth must have been sustained at least this long, ms. Default `30_000`; range
     * `0`–`86_400_000`, and at most {@link DetectorOptions.windowMs}. */
    minDurationMs?: number;
    /** Full GCs of evidence needed. Default `16`; a whole number, range `6`–`256`. */
    minSamples?: number;
    /** Growth of the fitted trend over the episode must reach this, bytes. Default
     * `8_388_608` (8 MiB); range `0`–`1e15`. */
    minGrowthBytes?: number;
    /** … and this percentage of the baseline (`5` means 5 %). Default `5`; range `0`–`1000`. */
    minGrowthPercent?: number;
    /** One-sided confidence the trend test must reach. Default `0.99`; range `0.5`–`0.999999`. */
    confidence?: number;
    /** Alert again when the heap keeps growing significantly within the same episode (with
     * fresh evidence: at least `minSamples` GCs and `minDurationMs` since the last alert, and
     * the episode's growth at least 4× what it was at the last alert, so a leak that runs on is
     * re-reported at 4×, 16×, … its first evidence). Default `true`. */
    realert?: boolean;
  }

  /** Options of {@link Leakwatch.configure}. Absent options keep their current values. */
  interface LeakwatchOptions {
    /** Also emit `stats` after minor GCs (`'scavenge'`, `'minor-mark-sweep'`), which can
     * come many times a second. Default `false` (full GCs only). */
    includeMinorGc?: boolean;
    /** Add {@link GcStats.heapSpaces} to `stats` payloads. Default `false`. */
    heapSpaces?: boolean;
    /** Options of the live leak detector, merged over its current ones. Giving this restarts
     * the detector (it forgets its samples). */
    leak?: DetectorOptions;
    /**
     * Say what grew in `leak` reports ({@link LeakReport.topGrowth},
     * {@link LeakReport.retainerPaths}): when the detector starts suspecting an episode, a
     * compact "before" picture of the heap is taken (ids and names, ~12 bytes per object);
     * at the alert, an "after" one. Each pauses this thread for a heap snapshot (V8 runs full
     * GCs and walks the heap: ~0.2 s per 10 MB heap here, seconds for a large one), hence
     * off by default. Default `false`.
     */
    diffOnLeak?: boolean;
    /** `diffOnLeak` is skipped (with {@link LeakReport.diffSkipped}) while the used heap is
     * above this, bytes: a cap of your own on top of the memory-headroom guard, which skips
     * any snapshot that would not fit in the memory this process may still use. Default
     * `536_870_912` (512 MiB); range `0`–`1e15`. */
    diffMaxHeapBytes?: number;
    /** Least time between two `diffOnLeak` "before" pictures, milliseconds (each one pauses the
     * thread for a heap snapshot). A picture is taken when the detector starts suspecting an
     * episode and kept for this long even if the suspicion lapses, so a suspicion that comes
     * and goes takes one; a report whose episode began inside the interval says
     * `diffSkipped: "rate limit: …"`. Default `600_000` (10 min); range `0`–`2_592_000_000`
     * (30 days). */
    diffMinIntervalMs?: number;
    /** Time budget of each heap snapshot `diffOnLeak` and `snapshot` take, milliseconds: past
     * it V8's snapshot is aborted and the report says so in `diffSkipped` /
     * `snapshotSkipped`. Default `60_000`; range `0`–`1e12`, or `Infinity` for none. */
    snapshotBudgetMs?: number;
    /** Write a DevTools heap snapshot on `leak` ({@link LeakReport.snapshotPath}), or `false`
     * (the default) for none. */
    snapshot?: SnapshotOptions | false;
    /** Name where the leaking objects were allocated ({@link LeakReport.allocationSites}):
     * V8's sampling heap profiler runs from when an episode is suspected until it ends (or
     * monitoring stops, or this is turned off). `true` for the defaults; default `false`. */
    allocationSites?: boolean | AllocationSitesOptions;
    /**
     * The detector of external memory (`externalMemory` after full GCs: Buffers, ArrayBuffers,
     * WASM memory, zlib's buffers): its options, merged over its current ones (or over its
     * defaults when it was off); `true` for its defaults, `false` to turn it off. On by
     * default, with larger floors than the heap's (Buffers come and go in large pieces):
     * `minGrowthBytes` `33_554_432` (32 MiB), `minGrowthPercent` `10`, `minDurationMs` `60_000`,
     * the rest as {@link DetectorOptions}. Its reports have `kind: 'external'`. Giving this
     * restarts that detector only.
     */
    external?: DetectorOptions | boolean;
    /**
     * The detector of native memory outside the V8 heap and external memory (RSS less the
     * heap's resident pages, `totalPhysicalSize`, and `externalMemory`, after full GCs: a heap
     * leak is then a `'heap'` report only, a Buffer leak an `'external'` one). Options as for
     * {@link LeakwatchOptions.external}. Off by default: RSS costs a read of
     * `/proc/self/statm` per batch with a full GC (Linux only: elsewhere `rss` is a TypeError
     * `ERR_LEAKWATCH_INVALID_VALUE`), and it is noisy and sticky (allocators keep what a burst
     * took), so its defaults are the most demanding: `minGrowthBytes` `67_108_864` (64 MiB),
     * `minGrowthPercent` `10`, `minSamples` `24`, `minDurationMs` `300_000` (5 min); it never
     * reports on the few-GCs or heap-limit shortcuts, and needs growth in every third of the
     * episode (a step the allocator keeps grows in one). Its reports have `kind: 'rss'`.
     */
    rss?: DetectorOptions | boolean;
  }

  /** Options of {@link Leakwatch.writeSnapshot}. */
  interface WriteSnapshotOptions {
    /** Write even when the memory-headroom guard estimates that the snapshot would not fit.
     * Default `false`. */
    force?: boolean;
    /** Abort the snapshot past this many milliseconds (nothing is left behind). Default: no
     * limit; range `0`–`1e12`, or `Infinity`. */
    budgetMs?: number;
  }

  /** The effective options, as returned by {@link Leakwatch.configure} and
   * {@link Leakwatch.options}. */
  interface EffectiveOptions {
    /** Whether `stats` is also emitted after minor GCs. */
    includeMinorGc: boolean;
    /** Whether `stats` payloads carry {@link GcStats.heapSpaces}. */
    heapSpaces: boolean;
    /** The live leak detector's options. */
    leak: Required<DetectorOptions>;
    /** Whether `leak` reports carry a heap diff. */
    diffOnLeak: boolean;
    /** The heap size above which the diff is skipped, bytes. */
    diffMaxHeapBytes: number;
    /** The least time between two `diffOnLeak` "before" pictures, milliseconds. */
    diffMinIntervalMs: number;
    /** The time budget of each on-leak snapshot, milliseconds. */
    snapshotBudgetMs: number;
    /** Snapshot-on-leak options (absolute `dir`, defaults filled in), or `false`. */
    snapshot: Required<SnapshotOptions> | false;
    /** Allocation-site settings (defaults filled in), or `false`. */
    allocationSites: Required<AllocationSitesOptions> | false;
    /** The external-memory detector's options, or `false` when it is off. */
    external: Required<DetectorOptions> | false;
    /** The rss detector's options, or `false` when it is off (the default). */
    rss: Required<DetectorOptions> | false;
  }

  /**
   * What a `leak` report says grew ({@link LeakReport.kind}): `'heap'` (the V8 heap's
   * `usedHeapSize` after full GCs), `'external'` (`externalMemory`: Buffers, ArrayBuffers,
   * WASM memory, zlib) or `'rss'` (resident memory that is neither: native allocations of
   * addons, ICU, malloc growth).
   */
  type MemoryKind = 'heap' | 'external' | 'rss';

  /** {@link Leakwatch.leakStates}: each memory kind's {@link LeakState}. */
  interface LeakStates {
    heap: LeakState;
    external: LeakState;
    rss: LeakState;
  }

  /** The events of {@link Leakwatch} and their listener arguments. */
  interface LeakwatchEvents {
    /** After each full GC (and each minor GC with {@link LeakwatchOptions.includeMinorGc}). */
    stats: [stats: GcStats];
    /** When sustained heap growth is detected. */
    leak: [report: LeakReport];
    /** When the episode of a `leak` report is over: the heap's floor has shown no growth
     * trend for `minSamples` full GCs. Once per episode, after its last `leak`. */
    leakEnd: [end: LeakEnd];
  }

  /** {@link Leakwatch.leakState}: `'none'`, `'suspected'` or `'leaking'`. */
  type LeakState = 'none' | 'suspected' | 'leaking';

  /**
   * The `leakEnd` event payload (and {@link LeakDetector.episodeEnd}): a leaking episode is
   * over, what closes the page its `leak` report opened. From the live monitor, timestamps
   * are epoch ms (as in {@link LeakReport}); from {@link LeakDetector}, they are in the time
   * base of the samples given.
   */
  interface LeakEnd {
    /** The {@link LeakReport.kind} of the episode's reports. */
    kind: MemoryKind;
    /** When the sample that ended the episode was taken, ms. */
    timestamp: number;
    /** The episode's estimated start (its first report's `startTimestamp`), ms. */
    startTimestamp: number;
    /** Its first report's `timestamp`, ms. */
    firstAlertTimestamp: number;
    /** Its last report's `timestamp`, ms. */
    lastAlertTimestamp: number;
    /** From `startTimestamp` to `timestamp`, ms. */
    durationMs: number;
    /** The episode number of its reports, 1-based. */
    episode: number;
    /** Reports raised in the episode (the first alert and re-alerts). */
    alerts: number;
    /** Full GCs in a row without a growth trend that ended it ({@link DetectorOptions.minSamples}). */
    quietSamples: number;
    /** The post-GC floor at the start of the episode (its first report's `baselineBytes`). */
    baselineBytes: number;
    /** The post-GC floor now minus `baselineBytes`: what the episode left behind (negative when
     * the heap came back below it). */
    growthBytes: number;
    /** The heap used after the GC that ended it. */
    endUsedHeapSize: number;
    /** One line for humans, e.g. `"heap stopped growing: no growth trend over the last 16 full
     * GCs; episode 1 (2 alerts) lasted 7m00s, the floor is 149.3 MB above its baseline"`. */
    reason: string;
  }

  /**
   * The `code` of every error leakwatch throws (the list, with meanings, is `CODES` in
   * lib/errors.js; a test keeps the three in step):
   * - `'ERR_LEAKWATCH_INVALID_TYPE'` (TypeError): a value of the wrong type, or a non-finite number;
   * - `'ERR_LEAKWATCH_UNKNOWN_OPTION'` (TypeError): an option name that does not exist;
   * - `'ERR_LEAKWATCH_OUT_OF_RANGE'` (RangeError): a number outside its allowed range;
   * - `'ERR_LEAKWATCH_INVALID_VALUE'` (TypeError): a string of the right type but unusable,
   *   e.g. a relative `snapshot.dir`;
   * - `'ERR_LEAKWATCH_NO_BINARY'`, `'ERR_LEAKWATCH_ABI_MISMATCH'`, `'ERR_LEAKWATCH_LOAD'`,
   *   `'ERR_LEAKWATCH_V8_FLAGS_MISMATCH'`, `'ERR_LEAKWATCH_UNTESTED_ABI'`,
   *   `'ERR_LEAKWATCH_NATIVE_OFF'`, `'ERR_LEAKWATCH_V8_SYMBOL_MISSING'`,
   *   `'ERR_LEAKWATCH_SELF_TEST_FAILED'`: never thrown by `require`; the {@link NativeStatus} `code`
   *   of why the native layer (or its V8 part) is not in use here, also the `code` of the one
   *   warning a monitor without it emits;
   * - `'ERR_LEAKWATCH_UNSUPPORTED_PROFILE'` (Error, degraded mode): this Node's `v8.GCProfiler`
   *   report is in a format leakwatch does not read; it is reported once as a warning.
   * - `'ERR_LEAKWATCH_NATIVE_UNAVAILABLE'` (Error): `gc()` (without `--expose-gc`), HeapDiff
   *   or a heap snapshot without the native V8 layer; the message says why and the fix;
   * - `'ERR_LEAKWATCH_HEAPDIFF_ENDED'` (Error): {@link HeapDiff.end} called a second time;
   * - `'ERR_LEAKWATCH_HEAP_SNAPSHOT'` (Error): V8 could not take a heap snapshot;
   * - `'ERR_LEAKWATCH_SNAPSHOT_ABORTED'` (Error): a snapshot ran past its time budget, or the
   *   thread is terminating; nothing is left behind;
   * - `'ERR_LEAKWATCH_SNAPSHOT_MEMORY'` (Error): the memory guard says a snapshot would not fit;
   * - `'ERR_LEAKWATCH_SNAPSHOT_DIR'` (Error): a snapshot directory that does not exist, is not
   *   a directory, or is not writable;
   * - `'ERR_LEAKWATCH_SNAPSHOT_WRITE'` (Error): {@link Leakwatch.writeSnapshot} failed to write;
   * - `'ERR_LEAKWATCH_SNAPSHOT_READ'` (Error): `leakwatch/analyze` could not open or read a
   *   snapshot file;
   * - `'ERR_LEAKWATCH_SNAPSHOT_FORMAT'` (Error): `leakwatch/analyze` was given a file that is
   *   not a well-formed heap snapshot (truncated, corrupt); the message names the byte offset;
   * - `'ERR_LEAKWATCH_MISSING_PEER'` (Error): `leakwatch/prometheus` or `leakwatch/otel`
   *   without its optional peer dependency installed;
   * - `'ERR_LEAKWATCH_ALREADY_REGISTERED'` (Error): metrics already registered on that
   *   registry or meter.
   */
  type ErrorCode =
    | 'ERR_LEAKWATCH_INVALID_TYPE'
    | 'ERR_LEAKWATCH_UNKNOWN_OPTION'
    | 'ERR_LEAKWATCH_OUT_OF_RANGE'
    | 'ERR_LEAKWATCH_INVALID_VALUE'
    | 'ERR_LEAKWATCH_NO_BINARY'
    | 'ERR_LEAKWATCH_ABI_MISMATCH'
    | 'ERR_LEAKWATCH_V8_FLAGS_MISMATCH'
    | 'ERR_LEAKWATCH_LOAD'
    | 'ERR_LEAKWATCH_NATIVE_OFF'
    | 'ERR_LEAKWATCH_UNTESTED_ABI'
    | 'ERR_LEAKWATCH_V8_SYMBOL_MISSING'
    | 'ERR_LEAKWATCH_SELF_TEST_FAILED'
    | 'ERR_LEAKWATCH_NATIVE_UNAVAILABLE'
    | 'ERR_LEAKWATCH_UNSUPPORTED_PROFILE'
    | 'ERR_LEAKWATCH_HEAPDIFF_ENDED'
    | 'ERR_LEAKWATCH_HEAP_SNAPSHOT'
    | 'ERR_LEAKWATCH_SNAPSHOT_ABORTED'
    | 'ERR_LEAKWATCH_SNAPSHOT_MEMORY'
    | 'ERR_LEAKWATCH_SNAPSHOT_DIR'
    | 'ERR_LEAKWATCH_SNAPSHOT_WRITE'
    | 'ERR_LEAKWATCH_SNAPSHOT_READ'
    | 'ERR_LEAKWATCH_SNAPSHOT_FORMAT'
    | 'ERR_LEAKWATCH_MISSING_PEER'
    | 'ERR_LEAKWATCH_ALREADY_REGISTERED';
}

export = leakwatch;

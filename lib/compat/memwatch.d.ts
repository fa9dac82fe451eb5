// Types of `leakwatch/memwatch`, the drop-in for @airbnb/node-memwatch (code written for lloyd's
// node-memwatch or memwatch-next: `leakwatch/memwatch-next`). CommonJS (`export =`); an ESM
// default import gets the same object, and `HeapDiff` and `gc` are named exports too.

import type { CompatEmitter, CompatHeapDiff, CompatHeapDiffDetail, CompatLeakInfo } from './emitter';

/**
 * @airbnb/node-memwatch's HeapDiff, computed by leakwatch.
 *
 * @example
 * ```js
 * const hd = new memwatch.HeapDiff();
 * // ...
 * const diff = hd.end(); // { before, after, change: { size_bytes, details: [{ what, '+', '-' }] } }
 * ```
 */
declare class MemwatchHeapDiff extends CompatHeapDiff<memwatch.HeapDiffResult> {}

type MemwatchHeapDiffClass = MemwatchHeapDiff;

/** The module: an `EventEmitter` whose `stats` are in @airbnb/node-memwatch's keys and units. */
interface Memwatch extends CompatEmitter<memwatch.Stats> {
  /** The HeapDiff class. */
  HeapDiff: typeof MemwatchHeapDiff;
}

declare const memwatch: Memwatch;

declare namespace memwatch {
  /** The HeapDiff class. */
  type HeapDiff = MemwatchHeapDiffClass;

  /** The `stats` payload: the enumerable keys and units are exactly @airbnb/node-memwatch
   * 3.0's. Counters and times are cumulative; times are nanoseconds. */
  interface Stats {
    /** When the GC ended, epoch microseconds. */
    gc_ts: number;
    /** Scavenges so far. */
    gcScavengeCount: number;
    /** Scavenge time so far, ns. */
    gcScavengeTime: number;
    /** Full (mark-sweep-compact) GCs so far. */
    gcMarkSweepCompactCount: number;
    /** Full GC time so far, ns. */
    gcMarkSweepCompactTime: number;
    /** Incremental marking steps so far. */
    gcIncrementalMarkingCount: number;
    /** Incremental marking time so far, ns. */
    gcIncrementalMarkingTime: number;
    /** Weak-callback processing steps so far. */
    gcProcessWeakCallbacksCount: number;
    /** Weak-callback processing time so far, ns. */
    gcProcessWeakCallbacksTime: number;
    /** Bytes V8 has allocated for the heap. */
    total_heap_size: number;
    /** Bytes of the heap reserved for code. */
    total_heap_size_executable: number;
    /** Bytes of physical memory committed to the heap. */
    total_physical_size: number;
    /** Bytes available before the heap limit. */
    total_available_size: number;
    /** Bytes used by live objects after this GC. */
    used_heap_size: number;
    /** The heap's size limit, bytes. */
    heap_size_limit: number;
    /** Bytes malloc'ed by V8. */
    malloced_memory: number;
    /** Peak bytes malloc'ed by V8. */
    peak_malloced_memory: number;
    /** This GC's pause, ns. */
    gc_time: number;
    /** lloyd's node-memwatch / memwatch-next keys, with his definitions (as
     * `leakwatch/memwatch-next` emits them) but non-enumerable: not in `Object.keys` or JSON.
     * Full GCs seen while a `stats` listener was attached, */
    readonly num_full_gc: number;
    /** every other GC seen meanwhile (scavenges, incremental marking, weak callbacks), */
    readonly num_inc_gc: number;
    /** full GCs again (lloyd counted compactions as full GCs), */
    readonly heap_compactions: number;
    /** the post-GC heap, short running average (the last heap for the first nine full GCs,
     * then (9 × previous + last) ÷ 10), bytes, */
    readonly estimated_base: number;
    /** the post-GC heap of this GC (= `used_heap_size`), bytes, */
    readonly current_base: number;
    /** (estimated_base − the average over up to 120 full GCs) ÷ that average, percent, one
     * decimal, */
    readonly usage_trend: number;
    /** smallest post-GC heap from the third full GC on (0 before), bytes. */
    readonly min: number;
    /** Largest post-GC heap from the third full GC on (0 before), bytes. */
    readonly max: number;
  }

  /** The `leak` payload, lloyd's node-memwatch shape. */
  interface LeakInfo extends CompatLeakInfo {}

  /** Totals of one snapshot. */
  interface HeapTotals {
    nodes: number;
    size_bytes: number;
    /** For people: `'420 bytes'`, `'12.5 kb'`, `'3.71 mb'`. */
    size: string;
  }

  /** One constructor (or memwatch category) whose population changed. */
  interface HeapDiffDetail extends CompatHeapDiffDetail {}

  /** `HeapDiff.end()`'s result. `details` is sorted by growth, largest first. */
  interface HeapDiffResult {
    before: HeapTotals;
    after: HeapTotals;
    change: {
      size_bytes: number;
      size: string;
      freed_nodes: number;
      allocated_nodes: number;
      details: HeapDiffDetail[];
    };
  }

  // The names of DefinitelyTyped's `@types/node-memwatch` and `@types/memwatch-next`, so that
  // code typed against them compiles with only the module name changed.
  /** An alias of {@link Stats}. */
  type GcStats = Stats;
  /** An alias of {@link Stats} (whose lloyd keys are non-enumerable here). */
  type StatsInformation = Stats;
  /** An alias of {@link LeakInfo}. */
  type LeakInformation = LeakInfo;
  /** An alias of {@link HeapTotals}. */
  type HeapInfo = HeapTotals;
  /** An alias of {@link HeapTotals}. */
  type HeapDiffSnapshot = HeapTotals;
  /** An alias of {@link HeapDiffResult}. */
  type HeapDiffInformation = HeapDiffResult;
  /** `HeapDiffResult['change']`. */
  type HeapDiffChange = HeapDiffResult['change'];
  /** The type of a listener in `@types/memwatch-next`. */
  type EventCallback = (data: LeakInfo | Stats | Object) => void;
  /** The module's type. */
  type MemWatch = Memwatch;
}

export = memwatch;

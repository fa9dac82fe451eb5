// Types of `leakwatch/memwatch`, the drop-in for @airbnb/node-memwatch and memwatch-next.
// CommonJS (`export =`); an ESM default import gets the same object.

import { EventEmitter } from 'node:events';

/**
 * @airbnb/node-memwatch's HeapDiff, computed by leakwatch: snapshots walked natively (no
 * recursion, so deep chains do not crash), objects matched by heap-object id.
 *
 * @example
 * ```js
 * const hd = new memwatch.HeapDiff();
 * // ...
 * const diff = hd.end(); // { before, after, change: { size_bytes, details: [{ what, '+', '-' }] } }
 * ```
 */
declare class MemwatchHeapDiff {
  /** Takes the "before" heap snapshot (blocks the thread while V8 takes it). */
  constructor();
  /**
   * Takes the "after" snapshot and compares.
   *
   * @throws Error (`code` `'ERR_LEAKWATCH_HEAPDIFF_ENDED'`, memwatch's message
   *   "attempt to end() a HeapDiff that was already ended") when called a second time.
   */
  end(): memwatch.HeapDiffResult;
}

type MemwatchHeapDiffClass = MemwatchHeapDiff;

/** The module: an `EventEmitter` with memwatch's `stats` and `leak` events. */
interface Memwatch extends EventEmitter {
  /** After each full GC: heap statistics in @airbnb/node-memwatch's keys and units. */
  on(event: 'stats', listener: (stats: memwatch.Stats) => void): this;
  /** Sustained heap growth, detected by leakwatch's detector (with its production defaults;
   * tune them with `require('leakwatch').configure({ leak })`). */
  on(event: 'leak', listener: (info: memwatch.LeakInfo) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once(event: 'stats', listener: (stats: memwatch.Stats) => void): this;
  once(event: 'leak', listener: (info: memwatch.LeakInfo) => void): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
  /** The HeapDiff class. */
  HeapDiff: typeof MemwatchHeapDiff;
  /**
   * One full, synchronous GC without `--expose-gc`.
   *
   * @param deadlineMs - memwatch's idle deadline; accepted and ignored.
   */
  gc(deadlineMs?: number): void;
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
    /** memwatch-next's keys, approximated (non-enumerable: not in `Object.keys` or JSON):
     * full GCs seen by this module, */
    readonly num_full_gc: number;
    /** incremental marking steps, */
    readonly num_inc_gc: number;
    /** full GCs (V8 compacts as part of them), */
    readonly heap_compactions: number;
    /** post-GC heap, short moving average (10 GCs), bytes, */
    readonly current_base: number;
    /** post-GC heap, long moving average (120 GCs), bytes, */
    readonly estimated_base: number;
    /** (current_base − estimated_base) / estimated_base, */
    readonly usage_trend: number;
    /** smallest post-GC heap seen, bytes. */
    readonly min: number;
    /** Largest post-GC heap seen, bytes. */
    readonly max: number;
  }

  /** The `leak` payload, lloyd's node-memwatch shape. */
  interface LeakInfo {
    /** Estimated start of the growth. */
    start: Date;
    /** The GC that raised the alert. */
    end: Date;
    /** Growth of the fitted trend over the episode, bytes. */
    growth: number;
    /** One line for humans, e.g. `"heap grew 48.2 MB in 3m12s (15.1 MB/min) over 9 full GCs"`. */
    reason: string;
  }

  /** Totals of one snapshot. */
  interface HeapTotals {
    nodes: number;
    size_bytes: number;
    /** For people: `'420 bytes'`, `'12.5 kb'`, `'3.71 mb'`. */
    size: string;
  }

  /** One constructor (or memwatch category: `Array`, `String`, `Code`, `Closure`, `RegExp`,
   * `Number`, `Native`) whose population changed. */
  interface HeapDiffDetail {
    what: string;
    /** Bytes after minus before. */
    size_bytes: number;
    size: string;
    /** Nodes allocated since the "before" snapshot. */
    '+': number;
    /** Nodes freed since the "before" snapshot. */
    '-': number;
  }

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
}

export = memwatch;

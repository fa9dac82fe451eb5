// Types of `leakwatch/memwatch-next`, the drop-in for lloyd's node-memwatch and memwatch-next.
// CommonJS (`export =`); an ESM default import gets the same object, and `HeapDiff`, `gc`, `on`,
// `once`, `off`, `addListener`, `removeListener` are named exports too. The type names of
// DefinitelyTyped's `@types/memwatch-next` (`StatsInformation`, `LeakInformation`,
// `EventCallback`, `HeapDiff`) and `@types/node-memwatch` (`MemWatch`, `HeapDiffInformation`,
// `HeapDiffSnapshot`, `HeapDiffChange`, `HeapDiffDetail`) are here, so code typed against them
// compiles with only the module name changed.

import { EventEmitter } from 'node:events';

/**
 * lloyd's HeapDiff, computed by leakwatch: snapshots walked natively, objects matched by
 * heap-object id.
 *
 * @example
 * ```js
 * const hd = new memwatch.HeapDiff();
 * // ...
 * const diff = hd.end(); // { before: { nodes, time, size_bytes, size }, after, change }
 * ```
 */
declare class MemwatchNextHeapDiff {
  /** Takes the "before" heap snapshot (blocks the thread while V8 takes it). */
  constructor();
  /**
   * Takes the "after" snapshot and compares.
   *
   * @throws Error (`code` `'ERR_LEAKWATCH_HEAPDIFF_ENDED'`, lloyd's message "attempt to end()
   *   a HeapDiff that was already ended") when called a second time.
   */
  end(): memwatchNext.HeapDiffInformation;
}

type MemwatchNextHeapDiffClass = MemwatchNextHeapDiff;

/** The module: an `EventEmitter` with lloyd's `stats` and `leak` events. */
interface MemwatchNext extends EventEmitter {
  /** After each full GC: lloyd's eight keys, his definitions. */
  on(event: 'stats', listener: (stats: memwatchNext.StatsInformation) => void): this;
  /** Sustained heap growth, detected by leakwatch's detector (not lloyd's "5 consecutive GCs"
   * rule; tune it with `require('leakwatch').configure({ leak })`). */
  on(event: 'leak', listener: (info: memwatchNext.LeakInformation) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once(event: 'stats', listener: (stats: memwatchNext.StatsInformation) => void): this;
  once(event: 'leak', listener: (info: memwatchNext.LeakInformation) => void): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
  addListener(event: 'stats', listener: (stats: memwatchNext.StatsInformation) => void): this;
  addListener(event: 'leak', listener: (info: memwatchNext.LeakInformation) => void): this;
  addListener(event: string | symbol, listener: (...args: any[]) => void): this;
  /** The HeapDiff class. */
  HeapDiff: typeof MemwatchNextHeapDiff;
  /**
   * One full, synchronous GC.
   *
   * @param deadlineMs - memwatch-next's idle deadline; accepted and ignored.
   */
  gc(deadlineMs?: number): void;
}

declare const memwatchNext: MemwatchNext;

declare namespace memwatchNext {
  /** The HeapDiff class. */
  type HeapDiff = MemwatchNextHeapDiffClass;

  /** The `stats` payload: lloyd's keys, enumerable, in his order, with his definitions (the
   * running averages of the post-GC heap over full GCs; see the README). */
  interface StatsInformation {
    /** Full (mark-sweep-compact) GCs seen while a `stats` listener was attached. */
    num_full_gc: number;
    /** Every other GC seen meanwhile: scavenges, incremental marking, weak-callback passes. */
    num_inc_gc: number;
    /** Full GCs again (lloyd counted compactions as full GCs on Node >= 0.8). */
    heap_compactions: number;
    /** (estimated_base − the long average over up to 120 full GCs) ÷ that average, in
     * percent with one decimal; 0 for the first nine full GCs. */
    usage_trend: number;
    /** The short running average of the post-GC heap, bytes: the last heap for the first nine
     * full GCs, then (9 × previous + last) ÷ 10. */
    estimated_base: number;
    /** The used heap right after this GC, bytes. */
    current_base: number;
    /** Smallest post-GC heap from the third full GC on, bytes (0 before). */
    min: number;
    /** Largest post-GC heap from the third full GC on, bytes (0 before). */
    max: number;
  }

  /** An alias of {@link StatsInformation}. */
  type GcStats = StatsInformation;

  /** The `leak` payload, lloyd's shape (memwatch-next had only `growth` and `reason`). */
  interface LeakInformation {
    /** Estimated start of the growth. */
    start: Date;
    /** The GC that raised the alert. */
    end: Date;
    /** Growth of the fitted trend over the episode, bytes. */
    growth: number;
    /** One line for humans, e.g. `"heap grew 48.2 MB in 3m12s (15.1 MB/min) over 9 full GCs"`. */
    reason: string;
  }

  /** The type of a listener in `@types/memwatch-next`. */
  type EventCallback = (data: LeakInformation | StatsInformation | Object) => void;

  /** One snapshot of a HeapDiff (`before` / `after`). */
  interface HeapInfo {
    nodes: number;
    /** When the snapshot was taken (lloyd's; memwatch-next dropped it). */
    time: Date;
    size_bytes: number;
    /** For people: `'420 bytes'`, `'12.5 kb'`, `'3.71 mb'`. */
    size: string;
  }

  /** An alias of {@link HeapInfo} (`@types/node-memwatch`'s name). */
  type HeapDiffSnapshot = HeapInfo;

  /** One constructor (or memwatch category) whose population changed. */
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

  interface HeapDiffChange {
    size_bytes: number;
    size: string;
    freed_nodes: number;
    allocated_nodes: number;
    /** Sorted by growth, largest first. */
    details: HeapDiffDetail[];
  }

  /** `HeapDiff.end()`'s result. */
  interface HeapDiffInformation {
    before: HeapInfo;
    after: HeapInfo;
    change: HeapDiffChange;
  }

  /** The module's type (`@types/node-memwatch`'s name). */
  type MemWatch = MemwatchNext;
}

export = memwatchNext;

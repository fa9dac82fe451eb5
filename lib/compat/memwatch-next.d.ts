// Types of `leakwatch/memwatch-next`, the drop-in for lloyd's node-memwatch and memwatch-next.
// CommonJS (`export =`); an ESM default import gets the same object, and `HeapDiff`, `gc`, `on`,
// `once`, `off`, `addListener`, `removeListener` are named exports too. The type names of
// DefinitelyTyped's `@types/memwatch-next` (`StatsInformation`, `LeakInformation`,
// `EventCallback`, `HeapDiff`) and `@types/node-memwatch` (`MemWatch`, `HeapDiffInformation`,
// `HeapDiffSnapshot`, `HeapDiffChange`, `HeapDiffDetail`) are here, so code typed against them
// compiles with only the module name changed.

import type { CompatEmitter, CompatHeapDiff, CompatHeapDiffDetail, CompatLeakInfo } from './emitter';

/**
 * lloyd's HeapDiff, computed by leakwatch.
 *
 * @example
 * ```js
 * const hd = new memwatch.HeapDiff();
 * // ...
 * const diff = hd.end(); // { before: { nodes, time, size_bytes, size }, after, change }
 * ```
 */
declare class MemwatchNextHeapDiff extends CompatHeapDiff<memwatchNext.HeapDiffInformation> {}

type MemwatchNextHeapDiffClass = MemwatchNextHeapDiff;

/** The module: an `EventEmitter` whose `stats` are lloyd's eight keys, his definitions. */
interface MemwatchNext extends CompatEmitter<memwatchNext.StatsInformation> {
  /** The HeapDiff class. */
  HeapDiff: typeof MemwatchNextHeapDiff;
}

declare const memwatchNext: MemwatchNext;

declare namespace memwatchNext {
  /** The HeapDiff class. */
  type HeapDiff = MemwatchNextHeapDiffClass;

  /** The `stats` payload: lloyd's keys, enumerable, in his order, with his definitions (the
   * running averages of the post-GC heap over full GCs; see docs/migrating-from-memwatch.md). */
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
  interface LeakInformation extends CompatLeakInfo {}

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
  interface HeapDiffDetail extends CompatHeapDiffDetail {}

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

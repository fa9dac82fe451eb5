// What the two memwatch dialects' types share (lib/compat/memwatch.d.ts: @airbnb/node-memwatch,
// lib/compat/memwatch-next.d.ts: lloyd's node-memwatch / memwatch-next), as lib/compat/
// memwatch-emitter.js shares their runtime: the module's emitter and HeapDiff, generic in each
// dialect's payloads, and the two payloads that are the same in both. Internal: import a
// dialect, not this file.

import { EventEmitter } from 'node:events';

/**
 * memwatch's HeapDiff, computed by leakwatch: snapshots walked natively (no recursion, so deep
 * chains do not crash), objects matched by heap-object id. `Result`: the dialect's `end()`.
 */
export declare class CompatHeapDiff<Result> {
  /** Takes the "before" heap snapshot (blocks the thread while V8 takes it). */
  constructor();
  /**
   * Takes the "after" snapshot and compares.
   *
   * @throws Error (`code` `'ERR_LEAKWATCH_HEAPDIFF_ENDED'`, memwatch's message
   *   "attempt to end() a HeapDiff that was already ended") when called a second time.
   */
  end(): Result;
}

/**
 * The module: an `EventEmitter` with memwatch's `stats` and `leak` events (`Stats`: the
 * dialect's `stats` payload), and gc(). Each dialect adds its HeapDiff class.
 */
export interface CompatEmitter<Stats> extends EventEmitter {
  /** After each full GC: the dialect's heap statistics. */
  on(event: 'stats', listener: (stats: Stats) => void): this;
  /** Sustained heap growth, detected by leakwatch's detector (with its production defaults,
   * not lloyd's "5 consecutive GCs" rule; tune it with `require('leakwatch').configure({ leak })`). */
  on(event: 'leak', listener: (info: CompatLeakInfo) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once(event: 'stats', listener: (stats: Stats) => void): this;
  once(event: 'leak', listener: (info: CompatLeakInfo) => void): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
  addListener(event: 'stats', listener: (stats: Stats) => void): this;
  addListener(event: 'leak', listener: (info: CompatLeakInfo) => void): this;
  addListener(event: string | symbol, listener: (...args: any[]) => void): this;
  /**
   * One full, synchronous GC without `--expose-gc`.
   *
   * @param deadlineMs - memwatch's idle deadline; accepted and ignored.
   */
  gc(deadlineMs?: number): void;
}

/** The `leak` payload, lloyd's node-memwatch shape (both dialects; memwatch-next had only
 * `growth` and `reason`). */
export interface CompatLeakInfo {
  /** Estimated start of the growth. */
  start: Date;
  /** The GC that raised the alert. */
  end: Date;
  /** Growth of the fitted trend over the episode, bytes. */
  growth: number;
  /** One line for humans, e.g. `"heap grew 48.2 MB in 3m12s (15.1 MB/min) over 9 full GCs"`. */
  reason: string;
}

/** One constructor (or memwatch category: `Array`, `String`, `Code`, `Closure`, `RegExp`,
 * `Number`, `Native`) whose population changed between the two snapshots of a HeapDiff. */
export interface CompatHeapDiffDetail {
  what: string;
  /** Bytes after minus before. */
  size_bytes: number;
  size: string;
  /** Nodes allocated since the "before" snapshot. */
  '+': number;
  /** Nodes freed since the "before" snapshot. */
  '-': number;
}

'use strict';
// What leakwatch/memwatch (@airbnb/node-memwatch's dialect) and leakwatch/memwatch-next
// (lloyd's node-memwatch / memwatch-next) share: an EventEmitter whose `stats` and `leak`
// listeners are relayed from leakwatch's, lloyd's running `stats` arithmetic fed from them,
// memwatch's HeapDiff, and gc(). Each entry file only says how its payloads look.

const { EventEmitter } = require('node:events');
const leakwatch = require('../index.js');
const binding = require('../binding');
const { error } = require('../errors');
const { needV8Layer } = require('../evidence');
const { LloydStats } = require('./lloyd-stats');

/** A leakwatch `leak` report in lloyd's node-memwatch shape (both dialects use it). */
function toLloydLeak(r) {
  return {
    start: new Date(r.startTimestamp),
    end: new Date(r.timestamp),
    growth: Math.round(r.growthBytes),
    reason: r.reason,
  };
}

const detail = (d) => ({ what: d.what, size_bytes: d.sizeBytes, size: d.size, '+': d.added, '-': d.removed });

/**
 * Builds one memwatch module object.
 * - `toStats(s, lloyd)`: the payload of a `stats` event, from leakwatch's full-GC payload `s`
 *   and lloyd's stats (lib/lloyd-stats.js) after that GC.
 * - `heapTotals(totals, date)`: one side of HeapDiff's `before` / `after`.
 */
function createMemwatch({ toStats, heapTotals }) {
  const lloyd = new LloydStats();
  // leakwatch's cumulative count of the GCs that are not full ones, as last seen; null when
  // unknown (the relay attached to a monitor that was already counting).
  let otherGcs = null;

  class Memwatch extends EventEmitter {
    /** As EventEmitter's. Without arguments it also drops this module's own `newListener` /
     * `removeListener` hooks; they are put back, so that later listeners still get events. */
    removeAllListeners(...args) {
      super.removeAllListeners(...args);
      watch();
      return this;
    }
  }
  const memwatch = new Memwatch();

  const relays = {
    // memwatch emitted `stats` after full GCs only, whatever leakwatch is configured to do.
    stats: (s) => {
      const other = s.gcCount.total - s.gcCount.markSweepCompact;
      if (otherGcs !== null && other >= otherGcs) lloyd.minor(other - otherGcs);
      otherGcs = other;
      if (s.gcType === 'mark-sweep-compact') memwatch.emit('stats', toStats(s, lloyd.full(s.usedHeapSize)));
    },
    leak: (r) => memwatch.emit('leak', toLloydLeak(r)),
  };
  // leakwatch monitors while it has listeners: relay only while memwatch has some.
  function sync(event, adding) {
    if (!Object.hasOwn(relays, event)) return;
    const wanted = memwatch.listenerCount(event) + (adding ? 1 : 0) > 0;
    const attached = leakwatch.listeners(event).includes(relays[event]);
    if (wanted && !attached) {
      // A monitor started by this listener counts from zero.
      if (event === 'stats') otherGcs = leakwatch.monitoring ? null : 0;
      leakwatch.on(event, relays[event]);
    } else if (!wanted && attached) leakwatch.off(event, relays[event]);
  }
  const onNewListener = (event) => sync(event, true);
  const onRemoveListener = (event) => sync(event, false);
  function watch() {
    if (!memwatch.listeners('newListener').includes(onNewListener)) memwatch.on('newListener', onNewListener);
    if (!memwatch.listeners('removeListener').includes(onRemoveListener)) memwatch.on('removeListener', onRemoveListener);
  }
  watch();

  /** memwatch's HeapDiff: `new HeapDiff()`, then `end()` → `{ before, after, change }` with
   * memwatch's keys (`size_bytes`, `freed_nodes`, `allocated_nodes`, `'+'`, `'-'`). */
  class HeapDiff {
    #native;
    #started;

    constructor() {
      needV8Layer('HeapDiff');
      this.#started = new Date();
      this.#native = new binding.NativeHeapDiff('memwatch');
    }

    end() {
      if (this.#native.ended) {
        throw error('attempt to end() a HeapDiff that was already ended', 'ERR_LEAKWATCH_HEAPDIFF_ENDED');
      }
      const { before, after, change } = this.#native.end();
      return {
        before: heapTotals(before, this.#started),
        after: heapTotals(after, new Date()),
        change: {
          size_bytes: change.sizeBytes,
          size: change.size,
          freed_nodes: change.freedNodes,
          allocated_nodes: change.allocatedNodes,
          details: change.details.map(detail),
        },
      };
    }
  }

  memwatch.HeapDiff = HeapDiff;
  /** One full, synchronous GC (memwatch-next's optional deadline argument is accepted and
   * ignored). */
  memwatch.gc = function gc() {
    leakwatch.gc();
  };
  return memwatch;
}

module.exports = { createMemwatch, toLloydLeak };

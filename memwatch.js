'use strict';
// leakwatch/memwatch: a drop-in for @airbnb/node-memwatch (and memwatch-next / lloyd's
// node-memwatch): the same `stats` keys and units, a `leak` event that works (driven by
// leakwatch's detector), `HeapDiff` with memwatch's snake_case output, and `gc()`.
// Everything is leakwatch underneath; this file only renames and converts units.

const { EventEmitter } = require('node:events');
const leakwatch = require('./index.js');
const binding = require('./lib/binding');

const MS_TO_NS = 1e6;
const ns = (ms) => Math.round(ms * MS_TO_NS);

// memwatch-next / lloyd's node-memwatch `stats` had other keys. They are served as
// non-enumerable getters, so old code reading them keeps working while the enumerable key
// set (what JSON.stringify and Object.keys show) is exactly @airbnb/node-memwatch's.
const history = { fullGcs: 0, min: Infinity, max: 0, recent: null, ancient: null };
const ema = (previous, value, period) => (previous === null ? value : previous + (value - previous) * (2 / (period + 1)));

function legacyGetters(stats) {
  const legacy = {
    num_full_gc: history.fullGcs,
    num_inc_gc: stats.gcIncrementalMarkingCount,
    heap_compactions: history.fullGcs,
    current_base: Math.round(history.recent),
    estimated_base: Math.round(history.ancient),
    usage_trend: history.ancient > 0 ? (history.recent - history.ancient) / history.ancient : 0,
    min: history.min,
    max: history.max,
  };
  for (const [key, value] of Object.entries(legacy)) {
    Object.defineProperty(stats, key, { value, enumerable: false });
  }
  return stats;
}

/** A leakwatch `stats` payload in @airbnb/node-memwatch's shape: bytes, `gc_ts` in epoch
 * microseconds, times in nanoseconds, counters cumulative. */
function toMemwatchStats(s) {
  history.fullGcs += 1;
  history.min = Math.min(history.min, s.usedHeapSize);
  history.max = Math.max(history.max, s.usedHeapSize);
  history.recent = ema(history.recent, s.usedHeapSize, 10);
  history.ancient = ema(history.ancient, s.usedHeapSize, 120);
  return legacyGetters({
    gc_ts: Math.round(s.timestamp * 1000),
    gcScavengeCount: s.gcCount.scavenge,
    gcScavengeTime: ns(s.gcTimeMs.scavenge),
    gcMarkSweepCompactCount: s.gcCount.markSweepCompact,
    gcMarkSweepCompactTime: ns(s.gcTimeMs.markSweepCompact),
    gcIncrementalMarkingCount: s.gcCount.incrementalMarking,
    gcIncrementalMarkingTime: ns(s.gcTimeMs.incrementalMarking),
    gcProcessWeakCallbacksCount: s.gcCount.processWeakCallbacks,
    gcProcessWeakCallbacksTime: ns(s.gcTimeMs.processWeakCallbacks),
    total_heap_size: s.totalHeapSize,
    total_heap_size_executable: s.totalHeapSizeExecutable,
    total_physical_size: s.totalPhysicalSize,
    total_available_size: s.totalAvailableSize,
    used_heap_size: s.usedHeapSize,
    heap_size_limit: s.heapSizeLimit,
    malloced_memory: s.mallocedMemory,
    peak_malloced_memory: s.peakMallocedMemory,
    gc_time: ns(s.pauseMs),
  });
}

/** A leakwatch `leak` report in lloyd's node-memwatch shape. */
function toMemwatchLeak(r) {
  return {
    start: new Date(r.startTimestamp),
    end: new Date(r.timestamp),
    growth: Math.round(r.growthBytes),
    reason: r.reason,
  };
}

const memwatch = new EventEmitter();

// leakwatch monitors while it has listeners: relay only while memwatch has some.
const relays = {
  // memwatch emitted `stats` after full GCs only, whatever leakwatch is configured to do.
  stats: (s) => {
    if (s.gcType === 'mark-sweep-compact') memwatch.emit('stats', toMemwatchStats(s));
  },
  leak: (r) => memwatch.emit('leak', toMemwatchLeak(r)),
};
function sync(event, adding) {
  if (!Object.hasOwn(relays, event)) return;
  const wanted = memwatch.listenerCount(event) + (adding ? 1 : 0) > 0;
  const attached = leakwatch.listeners(event).includes(relays[event]);
  if (wanted && !attached) leakwatch.on(event, relays[event]);
  else if (!wanted && attached) leakwatch.off(event, relays[event]);
}
memwatch.on('newListener', (event) => sync(event, true));
memwatch.on('removeListener', (event) => sync(event, false));

const detail = (d) => ({ what: d.what, size_bytes: d.sizeBytes, size: d.size, '+': d.added, '-': d.removed });
const totals = (t) => ({ nodes: t.nodes, size_bytes: t.sizeBytes, size: t.size });

/** memwatch's HeapDiff: `new HeapDiff()`, then `end()` → `{ before, after, change }` with
 * memwatch's keys (`size_bytes`, `freed_nodes`, `allocated_nodes`, `'+'`, `'-'`). */
class HeapDiff {
  #native;

  constructor() {
    this.#native = new binding.NativeHeapDiff('memwatch');
  }

  end() {
    if (this.#native.ended) {
      const err = new Error('attempt to end() a HeapDiff that was already ended');
      err.code = 'ERR_LEAKWATCH_HEAPDIFF_ENDED';
      throw err;
    }
    const { before, after, change } = this.#native.end();
    return {
      before: totals(before),
      after: totals(after),
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
/** One full, synchronous GC (memwatch's optional deadline argument is accepted and ignored). */
memwatch.gc = function gc() {
  leakwatch.gc();
};

module.exports = memwatch;

'use strict';
// leakwatch/memwatch: a drop-in for @airbnb/node-memwatch: the same `stats` keys and units, a
// `leak` event that works (driven by leakwatch's detector), `HeapDiff` with memwatch's
// snake_case output, and `gc()`. Code written for lloyd's node-memwatch or memwatch-next
// should use leakwatch/memwatch-next, which has their `stats` instead.

const { createMemwatch } = require('./memwatch-emitter');

const MS_TO_NS = 1e6;
const ns = (ms) => Math.round(ms * MS_TO_NS);

/** A leakwatch `stats` payload in @airbnb/node-memwatch's shape: bytes, `gc_ts` in epoch
 * microseconds, times in nanoseconds, counters cumulative. lloyd's keys (`current_base`,
 * `usage_trend`, ...; his definitions, lib/lloyd-stats.js) are there too, non-enumerable, so
 * that the enumerable key set (Object.keys, JSON) is exactly @airbnb/node-memwatch's. */
function toMemwatchStats(s, lloyd) {
  const stats = {
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
  };
  for (const [key, value] of Object.entries(lloyd)) Object.defineProperty(stats, key, { value, enumerable: false });
  return stats;
}

const memwatch = createMemwatch({
  toStats: toMemwatchStats,
  heapTotals: (t) => ({ nodes: t.nodes, size_bytes: t.sizeBytes, size: t.size }),
});

module.exports = memwatch;
// Written out so that Node's CommonJS export detection sees them: `import { HeapDiff, gc } from
// 'leakwatch/memwatch'` works, as with @airbnb/node-memwatch.
module.exports.HeapDiff = memwatch.HeapDiff;
module.exports.gc = memwatch.gc;

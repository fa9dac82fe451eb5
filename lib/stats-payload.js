'use strict';

// The `stats` payloads of a batch arrive packed (crates/node/src/binding/payload.rs,
// `PackedStats`): STRIDE numbers per GC in FIELDS order. Built here from one object literal, a
// payload costs a fraction of a microsecond; defined property by property through N-API, it
// cost ~40 µs. The layout is Rust's: __test__/stats-payload.test.js asserts that this reads
// the same one (`statsLayout()`).
//
// Most of that cost was V8 rebuilding the payloads' hidden classes: a full GC collects a
// hidden class no live object has, and listeners rarely keep their payloads. So the last
// payload of each shape (with or without `heapSpaces`, `rss`) is kept alive here.

const GC_TYPES = ['scavenge', 'minor-mark-sweep', 'mark-sweep-compact', 'incremental-marking', 'process-weak-callbacks'];
// A batch's `state` by number, when it comes from the loop as arguments (loop_call.rs).
const LEAK_STATES = ['none', 'suspected', 'leaking'];

// A per-kind group: its five kinds, then `total`. Empty names: the rest of a group.
const FIELDS = [
  'timestamp',
  'gcType',
  'forced',
  'pauseMs',
  'usedHeapSize',
  'totalHeapSize',
  'totalHeapSizeExecutable',
  'heapSizeLimit',
  'totalPhysicalSize',
  'totalAvailableSize',
  'mallocedMemory',
  'peakMallocedMemory',
  'externalMemory',
  'numberOfNativeContexts',
  'numberOfDetachedContexts',
  'gcCount',
  '',
  '',
  '',
  '',
  '',
  'gcTimeMs',
  '',
  '',
  '',
  '',
  '',
  'selfTimeMs',
  'selfTimeByKindMs',
  '',
  '',
  '',
  '',
  '',
  'deliverySelfTimeMs',
  'droppedEvents',
  'heapSpaces',
  'rss',
];
const STRIDE = FIELDS.length;
const shapes = [null, null, null, null];

function perKind(f, o) {
  return {
    scavenge: f[o],
    minorMarkSweep: f[o + 1],
    markSweepCompact: f[o + 2],
    incrementalMarking: f[o + 3],
    processWeakCallbacks: f[o + 4],
    total: f[o + 5],
  };
}

// The objects napi-rs built before, field for field and in the same order: `heapSpaces` and
// `rss` only when present. `count`: how many of `f`'s numbers are the batch's (a kept array
// from the loop is longer).
function statsPayloads(f, heapSpaces, count = f.length) {
  const out = [];
  let space = 0;
  for (let o = 0; o + STRIDE <= count; o += STRIDE) {
    const s = {
      timestamp: f[o],
      gcType: GC_TYPES[f[o + 1]],
      forced: f[o + 2] !== 0,
      pauseMs: f[o + 3],
      usedHeapSize: f[o + 4],
      totalHeapSize: f[o + 5],
      totalHeapSizeExecutable: f[o + 6],
      heapSizeLimit: f[o + 7],
      totalPhysicalSize: f[o + 8],
      totalAvailableSize: f[o + 9],
      mallocedMemory: f[o + 10],
      peakMallocedMemory: f[o + 11],
      externalMemory: f[o + 12],
      numberOfNativeContexts: f[o + 13],
      numberOfDetachedContexts: f[o + 14],
      gcCount: perKind(f, o + 15),
      gcTimeMs: perKind(f, o + 21),
      selfTimeMs: f[o + 27],
      selfTimeByKindMs: perKind(f, o + 28),
      deliverySelfTimeMs: f[o + 34],
      droppedEvents: f[o + 35],
    };
    const spaces = f[o + 36];
    if (spaces >= 0) {
      s.heapSpaces = heapSpaces.slice(space, space + spaces);
      space += spaces;
    }
    if (!Number.isNaN(f[o + 37])) s.rss = f[o + 37];
    shapes[(spaces >= 0 ? 2 : 0) + (s.rss === undefined ? 0 : 1)] = s;
    out.push(s);
  }
  return out;
}

// A batch's `stats` payloads. The batch is kept until the next, for its hidden class too.
let lastBatch = null;
function batchStats(batch) {
  lastBatch = batch;
  return lastBatch.packedStats ? statsPayloads(lastBatch.packedStats, lastBatch.heapSpaces) : lastBatch.stats;
}

module.exports = { batchStats, statsPayloads, FIELDS, GC_TYPES, LEAK_STATES, STRIDE };

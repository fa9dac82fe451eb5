'use strict';
// `stats` payloads cross from Rust packed (numbers in a Float64Array) and lib/stats-payload.js
// builds the objects: it must read Rust's layout, and build exactly the objects the binding
// builds itself when not packed (same fields, order and types), heap spaces and rss included.
// From the event loop a packed batch comes as arguments, its numbers in an array kept from
// batch to batch (crates/node/src/binding/loop_call.rs); monitorFlush returns an object.
const { needsV8Layer, testsNeeding } = require('./native-mode');
const test = testsNeeding(needsV8Layer);
const assert = require('node:assert/strict');
const binding = require('../lib/binding');
const { statsPayloads, FIELDS, GC_TYPES, LEAK_STATES, STRIDE } = require('../lib/stats-payload');
const { settle } = require('./helpers');

test('the JS reader and Rust agree on the packed layout', () => {
  const layout = binding.statsLayout();
  assert.deepEqual(layout.fields, FIELDS);
  assert.deepEqual(layout.gcTypes, GC_TYPES);
  assert.deepEqual(layout.leakStates, LEAK_STATES);
  assert.equal(STRIDE, FIELDS.length);
});

/** The shape of a value: its type, and for objects their keys in order, recursively. */
function shape(v) {
  if (Array.isArray(v)) return v.map(shape);
  if (v !== null && typeof v === 'object') return Object.entries(v).map(([k, x]) => [k, shape(x)]);
  return typeof v;
}

/** The `stats` of one `gc()` with monitoring started `packed` or not (raw binding); `calls`
 * gets how each batch came (`args`: as arguments, `object`). */
async function statsOfOneGc(packed, calls = []) {
  const stats = [];
  binding.monitorStart((first, count, state, heapSpaces) => {
    if (count === undefined) {
      calls.push({ kind: 'object' });
      stats.push(...(first.packedStats ? statsPayloads(first.packedStats, first.heapSpaces) : first.stats));
    } else {
      calls.push({ kind: 'args', array: first instanceof Float64Array, length: first.length, count, state });
      stats.push(...statsPayloads(first, heapSpaces, count));
    }
    binding.monitorBatchReceived();
  }, packed);
  try {
    binding.gc();
    await settle();
    const flushed = binding.monitorFlush();
    if (flushed) stats.push(...(flushed.packedStats ? statsPayloads(flushed.packedStats, flushed.heapSpaces) : flushed.stats));
  } finally {
    binding.monitorStop();
  }
  return stats.filter((s) => s.gcType === 'mark-sweep-compact');
}

for (const heapSpaces of [false, true]) {
  test(`a real full GC: the packed payload has the unpacked one's fields, order and types (heapSpaces ${heapSpaces})`, async (t) => {
    const before = binding.monitorConfigure({});
    // rss is read for a full GC while the rss detector is on (its default where RSS is readable).
    binding.monitorConfigure({ heapSpaces, wantStats: true });
    t.after(() => binding.monitorConfigure(before));
    const objects = await statsOfOneGc(false);
    const calls = [];
    const packed = await statsOfOneGc(true, calls);
    assert.ok(objects.length >= 1 && packed.length >= 1, `full GCs delivered: ${objects.length}, ${packed.length}`);
    // The loop delivered it, as arguments: its numbers, the first `count` of a longer kept array.
    const args = calls.filter((c) => c.kind === 'args');
    assert.ok(args.length >= 1, JSON.stringify(calls));
    for (const c of args) {
      assert.ok(c.array && c.count > 0 && c.count % STRIDE === 0 && c.count <= c.length, JSON.stringify(c));
      assert.equal(LEAK_STATES[c.state], binding.monitorLeakState(), JSON.stringify(c));
    }
    assert.deepEqual(shape(packed.at(-1)), shape(objects.at(-1)));
    assert.equal('heapSpaces' in packed.at(-1), heapSpaces);
    if (heapSpaces) assert.ok(packed.at(-1).heapSpaces.some((s) => s.name === 'old_space'));
    assert.equal(packed.at(-1).forced, true, 'gc() is forced');
    // The numbers are the GC's: the used heap is within the heap's limit.
    const s = packed.at(-1);
    assert.ok(s.usedHeapSize > 0 && s.usedHeapSize <= s.heapSizeLimit, JSON.stringify(s));
    assert.equal(
      s.gcCount.total,
      s.gcCount.scavenge + s.gcCount.minorMarkSweep + s.gcCount.markSweepCompact + s.gcCount.incrementalMarking + s.gcCount.processWeakCallbacks,
    );
  });
}

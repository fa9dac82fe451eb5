'use strict';
// Without the native V8 layer gc() needs --expose-gc (NODE_OPTIONS=--expose-gc): skipped without.
const { needsGc, settleNaturalGcs, testsNeeding } = require('./native-mode');
const test = testsNeeding(needsGc);
const assert = require('node:assert/strict');
const leakwatch = require('..');
const { nextEvent, settle } = require('./helpers');

test.afterEach(() => {
  leakwatch.removeAllListeners('stats');
  leakwatch.removeAllListeners('leak');
  leakwatch.configure({ includeMinorGc: false, heapSpaces: false });
});

test('a forced GC produces one consistent stats event', async () => {
  const before = Date.now();
  const pending = nextEvent(leakwatch, 'stats');
  leakwatch.gc();
  const s = await pending;
  assert.equal(s.gcType, 'mark-sweep-compact');
  assert.ok(s.pauseMs > 0, `pauseMs ${s.pauseMs}`);
  assert.ok(s.usedHeapSize > 0);
  assert.ok(s.usedHeapSize <= s.totalHeapSize, 'used <= total');
  assert.ok(s.totalHeapSize <= s.heapSizeLimit, 'total <= limit');
  assert.ok(s.timestamp >= before - 5 && s.timestamp <= Date.now() + 5, 'timestamp is wall-clock now');
  assert.ok(s.gcCount.markSweepCompact >= 1);
  assert.ok(s.gcTimeMs.markSweepCompact >= s.pauseMs);
  assert.equal(s.droppedEvents, 0);
  assert.equal(s.heapSpaces, undefined, 'heap spaces are opt-in');
  for (const key of [
    'totalPhysicalSize',
    'totalAvailableSize',
    'mallocedMemory',
    'peakMallocedMemory',
    'externalMemory',
    'numberOfNativeContexts',
    'numberOfDetachedContexts',
    'selfTimeMs',
  ]) {
    assert.equal(typeof s[key], 'number', key);
    assert.ok(Number.isFinite(s[key]) && s[key] >= 0, key);
  }
  assert.deepEqual(JSON.parse(JSON.stringify(s)), s, 'the payload is plain JSON');
});

test('counts and times are cumulative and never go down', async () => {
  const seen = [];
  leakwatch.on('stats', (s) => seen.push(s));
  for (let i = 0; i < 3; i++) {
    leakwatch.gc();
    await settle();
  }
  assert.equal(seen.length, 3);
  for (let i = 1; i < seen.length; i++) {
    assert.equal(seen[i].gcCount.markSweepCompact, seen[i - 1].gcCount.markSweepCompact + 1);
    assert.ok(seen[i].gcTimeMs.total >= seen[i - 1].gcTimeMs.total);
    assert.ok(seen[i].selfTimeMs >= seen[i - 1].selfTimeMs);
    assert.ok(seen[i].gcCount.total >= seen[i].gcCount.markSweepCompact);
  }
  assert.ok(seen[2].selfTimeMs > 0, 'leakwatch meters its own time');
});

test('minor GCs are delivered only when asked for', async () => {
  const kinds = new Set();
  leakwatch.on('stats', (s) => kinds.add(s.gcType));
  const churn = () => {
    let keep = 0;
    for (let i = 0; i < 2e5; i++) keep += { i, s: `x${i}` }.s.length;
    return keep;
  };
  churn();
  await settleNaturalGcs();
  assert.ok(!kinds.has('scavenge'), 'no scavenge events by default');
  leakwatch.configure({ includeMinorGc: true });
  churn();
  await settleNaturalGcs();
  assert.ok(kinds.has('scavenge'), `got ${[...kinds]}`);
});

test('heapSpaces adds per-space statistics', async () => {
  leakwatch.configure({ heapSpaces: true });
  const pending = nextEvent(leakwatch, 'stats');
  leakwatch.gc();
  const s = await pending;
  assert.ok(Array.isArray(s.heapSpaces) && s.heapSpaces.length > 3);
  const old = s.heapSpaces.find((h) => h.name === 'old_space');
  assert.ok(old, `spaces: ${s.heapSpaces.map((h) => h.name)}`);
  assert.ok(old.used <= old.size);
  const used = s.heapSpaces.reduce((sum, h) => sum + h.used, 0);
  assert.ok(Math.abs(used - s.usedHeapSize) <= 0.05 * s.usedHeapSize, 'spaces add up to the heap');
});

test('a real leak shows up as growing usedHeapSize', async () => {
  const used = [];
  leakwatch.on('stats', (s) => used.push(s.usedHeapSize));
  const hoard = [];
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 50_000; i++) hoard.push({ round, i, payload: `leak${i}` });
    leakwatch.gc();
    await settle();
  }
  assert.equal(used.length, 3);
  assert.ok(used[2] - used[0] > 4e6, `grew ${used[2] - used[0]} bytes`);
  assert.ok(hoard.length === 150_000);
});

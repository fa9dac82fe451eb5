'use strict';
// diffOnLeak: a real leaky child process (LeakyThing instances retained in a global Map, one
// batch and one forced full GC per 100 ms tick). Its `leak` report must name LeakyThing as
// what grew, with the number leaked since the detector began to suspect the episode, and a
// retainer path through the Map; with the heap guard set below the heap, the diff is skipped
// with a reason. Both children run at once (a few seconds, a few tens of MB each).
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { runNode } = require('./helpers');

const FIXTURE = path.join(__dirname, 'fixtures', 'leaky-evidence.js');
// Suspicion starts a few ticks into the growth; the alert needs 3 s of it: the "before"
// picture is taken well before the "after" one.
const DETECTOR = { minSamples: 8, minDurationMs: 3000, minGrowthBytes: 1024 * 1024, minGrowthPercent: 1 };

async function leakyChild(options) {
  const run = await runNode(`require(${JSON.stringify(FIXTURE)})`, {
    env: { LEAKWATCH_FIXTURE_OPTIONS: JSON.stringify({ leak: DETECTOR, ...options }), PER_TICK: '4000' },
    timeoutMs: 45_000,
  });
  const lines = run.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
  return { run, leak: lines.find((l) => l.type === 'leak') };
}

test('diffOnLeak: the leak report names LeakyThing, how many were added, and the Map retaining them', { timeout: 60_000 }, async (t) => {
  const [withDiff, tooLarge] = await Promise.all([leakyChild({ diffOnLeak: true }), leakyChild({ diffOnLeak: true, diffMaxHeapBytes: 1 })]);

  const { run, leak } = withDiff;
  assert.equal(run.code, 0, `child: code ${run.code} ${run.signal ?? ''}\n${run.stderr}`);
  assert.ok(leak, `no leak event: ${run.stdout}`);
  const r = leak.report;
  const context = JSON.stringify(leak);
  t.diagnostic(`leaked ${leak.leaked} in all; topGrowth[0] ${JSON.stringify(r.topGrowth?.[0])}; ${r.retainerPaths?.[0]} (${r.diffMs} ms)`);
  assert.equal(r.diffSkipped, undefined, context);
  assert.ok(Array.isArray(r.topGrowth) && r.topGrowth.length >= 1 && r.topGrowth.length <= 5, context);
  const top = r.topGrowth[0];
  assert.equal(top.what, 'LeakyThing', context);
  // Every LeakyThing stays alive, and the "before" picture is taken between two ticks: what
  // was added is a whole number of ticks, fewer than all of them.
  assert.equal(top.addedCount % leak.perTick, 0, context);
  // At least one tick (how many depends on load: the "before" snapshot itself pauses the
  // child, and minDurationMs is wall time).
  assert.ok(top.addedCount >= leak.perTick, `no growth between the before picture and the alert: ${context}`);
  assert.ok(top.addedCount < leak.leaked, `the before picture came before any leaking: ${context}`);
  assert.equal(top.removedCount, 0, context);
  assert.ok(top.addedBytes >= top.addedCount * 40 && top.addedBytes <= top.addedCount * 200, context);
  assert.equal(top.netBytes, top.addedBytes, context);
  for (let i = 1; i < r.topGrowth.length; i++) assert.ok(r.topGrowth[i - 1].netBytes >= r.topGrowth[i].netBytes, context);
  assert.ok(Array.isArray(r.retainerPaths) && r.retainerPaths.length >= 1 && r.retainerPaths.length <= 3, context);
  assert.match(r.retainerPaths[0], /leakyCache \(Map\)/, context);
  assert.match(r.retainerPaths[0], /\(LeakyThing\)$/, context);
  assert.ok(JSON.parse(JSON.stringify(r)).topGrowth[0].what === 'LeakyThing', 'the report stays JSON-serialisable');

  assert.equal(tooLarge.run.code, 0, `child: code ${tooLarge.run.code} ${tooLarge.run.signal ?? ''}\n${tooLarge.run.stderr}`);
  assert.ok(tooLarge.leak, `no leak event: ${tooLarge.run.stdout}`);
  const skipped = tooLarge.leak.report;
  assert.match(skipped.diffSkipped, /heap too large for a diff: .* over diffMaxHeapBytes/, JSON.stringify(skipped));
  assert.equal(skipped.topGrowth, undefined);
  assert.equal(skipped.retainerPaths, undefined);
});

test('without diffOnLeak the leak report has no diff fields', { timeout: 60_000 }, async () => {
  const { run, leak } = await leakyChild({ leak: { ...DETECTOR, minDurationMs: 1000 } });
  assert.equal(run.code, 0, run.stderr);
  assert.ok(leak, run.stdout);
  for (const key of ['topGrowth', 'retainerPaths', 'diffSkipped', 'snapshotPath', 'snapshotSkipped']) {
    assert.equal(Object.hasOwn(leak.report, key), false, key);
  }
});

'use strict';
// diffOnLeak: a real leaky child process (LeakyThing instances retained in a global Map, one
// batch and one forced full GC per 100 ms tick). Its `leak` report must name LeakyThing as
// what grew, with the number leaked since the detector began to suspect the episode, and a
// retainer path through the Map; with the heap guard set below the heap, the diff is skipped
// with a reason. Both children run at once (a few seconds, a few tens of MB each).
// Every test here needs the native V8 layer (HeapDiff, snapshots, evidence): skipped without it.
const { needsV8Layer, testsNeeding } = require('./native-mode');
const test = testsNeeding(needsV8Layer);
const assert = require('node:assert/strict');
const path = require('node:path');
const { runNode } = require('./helpers');

const FIXTURE = path.join(__dirname, 'fixtures', 'leaky-evidence.js');
// Suspicion starts a few ticks into the growth; the alert needs 3 s of it: the "before"
// picture is taken well before the "after" one.
const DETECTOR = { minSamples: 8, minDurationMs: 3000, minGrowthBytes: 1024 * 1024, minGrowthPercent: 1 };

async function leakyChild(options, env = {}) {
  const run = await runNode(`require(${JSON.stringify(FIXTURE)})`, {
    env: { LEAKWATCH_FIXTURE_OPTIONS: JSON.stringify({ leak: DETECTOR, ...options }), PER_TICK: '4000', ...env },
    timeoutMs: 45_000,
  });
  const lines = run.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
  const leaks = lines.filter((l) => l.type === 'leak');
  return { run, leak: leaks[0], leaks };
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

test('diffOnLeak: a second episode within diffMinIntervalMs takes no new "before" picture and says so', { timeout: 90_000 }, async () => {
  // After the first report the child installs a fresh detector: the ongoing growth is a new
  // episode, suspected anew. With the 10-min default its "before" picture is rate-limited;
  // with diffMinIntervalMs: 0 it is taken (so the skip is the rate limit, nothing else).
  const env = { RESTART_DETECTOR: '1', LEAKS: '2' };
  const [limited, unlimited] = await Promise.all([leakyChild({ diffOnLeak: true }, env), leakyChild({ diffOnLeak: true, diffMinIntervalMs: 0 }, env)]);
  for (const { run, leaks } of [limited, unlimited]) {
    assert.equal(run.code, 0, `child: code ${run.code} ${run.signal ?? ''}\n${run.stderr}`);
    assert.equal(leaks.length, 2, run.stdout);
    assert.deepEqual(
      leaks.map((l) => [l.report.episode, l.report.repeat]),
      [
        [1, 0],
        [1, 0],
      ],
      'two first alerts: two episodes',
    );
  }
  const [first, second] = limited.leaks.map((l) => l.report);
  assert.equal(first.diffSkipped, undefined, JSON.stringify(first));
  assert.equal(first.topGrowth[0].what, 'LeakyThing');
  assert.match(
    second.diffSkipped,
    /^rate limit: the last "before" picture was taken (\d+ms|\d+s|\d+m\d\ds) ago \(diffMinIntervalMs is 600000\)$/,
    JSON.stringify(second),
  );
  assert.equal(second.topGrowth, undefined);
  const again = unlimited.leaks[1].report;
  assert.equal(again.diffSkipped, undefined, JSON.stringify(again));
  assert.equal(again.topGrowth[0].what, 'LeakyThing');
});

test('diffMinIntervalMs is checked: RangeError/TypeError naming the option and its range', () => {
  const leakwatch = require('..');
  const before = leakwatch.options.diffMinIntervalMs;
  assert.equal(before, 600_000);
  assert.throws(() => leakwatch.configure({ diffMinIntervalMs: -1 }), {
    name: 'RangeError',
    code: 'ERR_LEAKWATCH_OUT_OF_RANGE',
    message: /diffMinIntervalMs must be between 0 and 2592000000 \(got -1\)$/,
  });
  assert.throws(() => leakwatch.configure({ diffMinIntervalMs: '10m' }), {
    name: 'TypeError',
    code: 'ERR_LEAKWATCH_INVALID_TYPE',
    message: /diffMinIntervalMs must be a number/,
  });
  assert.throws(() => leakwatch.configure({ diffMinIntervalMs: Infinity }), {
    name: 'TypeError',
    code: 'ERR_LEAKWATCH_INVALID_TYPE',
    message: /diffMinIntervalMs/,
  });
  assert.equal(leakwatch.options.diffMinIntervalMs, before, 'nothing changes on error');
  assert.equal(leakwatch.configure({ diffMinIntervalMs: 0 }).diffMinIntervalMs, 0);
  leakwatch.configure({ diffMinIntervalMs: before });
});

test('LeakDiff: a suspicion that lapses and comes back keeps its first "before" picture', () => {
  // In-process, on this test's small heap: objects added before the lapse and after it are
  // both in the diff, so the second suspicion took no picture of its own.
  const { LeakDiff } = require('../lib/evidence');
  class FlapThing {
    constructor(i) {
      this.i = i;
    }
  }
  const kept = [];
  const diff = new LeakDiff();
  diff.suspicion(true, Infinity, 60_000, 600_000);
  for (let i = 0; i < 3000; i++) kept.push(new FlapThing(i));
  diff.quiet(600_000); // the suspicion lapses...
  diff.suspicion(true, Infinity, 60_000, 600_000); // ...and comes back
  for (let i = 0; i < 3000; i++) kept.push(new FlapThing(i));
  const report = diff.onLeak(Infinity);
  diff.drop();
  assert.equal(report.diffSkipped, undefined, JSON.stringify(report));
  const flap = report.topGrowth.find((g) => g.what === 'FlapThing');
  assert.ok(flap, JSON.stringify(report.topGrowth));
  assert.equal(flap.addedCount, 6000, JSON.stringify(flap));
  // With no interval the lapse forgets the picture, and the next suspicion takes a new one.
  diff.suspicion(true, Infinity, 60_000, 0);
  for (let i = 0; i < 1000; i++) kept.push(new FlapThing(i));
  diff.quiet(0);
  diff.suspicion(true, Infinity, 60_000, 0);
  for (let i = 0; i < 1000; i++) kept.push(new FlapThing(i));
  const fresh = diff.onLeak(Infinity);
  diff.drop();
  assert.equal(fresh.topGrowth.find((g) => g.what === 'FlapThing').addedCount, 1000, JSON.stringify(fresh.topGrowth));
  assert.equal(kept.length, 8000);
});

test('diffOnLeak with allocationSites: the top site is the leaking function in the fixture, and one culprit line names what, who holds it and where', {
  timeout: 60_000,
}, async (t) => {
  const { run, leak } = await leakyChild({ diffOnLeak: true, allocationSites: { intervalBytes: 32 * 1024 } });
  assert.equal(run.code, 0, `child: code ${run.code} ${run.signal ?? ''}\n${run.stderr}`);
  assert.ok(leak, `no leak event: ${run.stdout}`);
  const r = leak.report;
  const context = JSON.stringify(r);
  t.diagnostic(`top site: ${r.allocationSites?.[0]?.stack}; culprit: ${r.culprit}`);
  assert.equal(r.allocationSitesSkipped, undefined, context);
  const [top] = r.allocationSites;
  // The innermost frame of the user's code: Map's `set` is a builtin the leaking function
  // calls, and V8 may inline the LeakyThing constructor into it (then it is leakBatch).
  const frame = top.frames.find((f) => f.file !== '' && !f.file.startsWith('node:'));
  assert.ok(['leakBatch', 'LeakyThing'].includes(frame.functionName), context);
  assert.equal(path.resolve(frame.file), FIXTURE, context);
  assert.ok(top.samples >= 10 && top.bytes > 0 && top.bytesError < top.bytes, context);
  // Held by the Map: through leakyCache, or through a handle scope when the "after" picture
  // catches it on the stack (Node 26): the diff shows the shortest path.
  assert.match(
    r.culprit,
    /^\+[\d.]+ [KMG]?B of LeakyThing, held by .*\(Map\).*, allocated in (leakBatch|LeakyThing) \(.*leaky-evidence\.js:\d+:\d+\)/,
    context,
  );
});

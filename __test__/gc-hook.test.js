'use strict';
// The GC hook out of the pause: the epilogue only records into the shim's ring, an unref'd
// libuv check + prepare handle wakes the delivery. Observed from outside, in real processes:
// they exit on their own, GCs of the check phase reach JS while the loop would otherwise sleep,
// a storm of full GCs is bounded and counted, and the in-pause self time is reported.
const { needsV8Layer, testsNeeding } = require('./native-mode');
const test = testsNeeding(needsV8Layer);
const assert = require('node:assert/strict');
const { ROOT, runProcess } = require('./helpers');

const LEAKWATCH = JSON.stringify(ROOT);
// Far enough that a delivery waiting for it would fail the bounded wait below.
const FAR_MS = 120_000;

/** Runs `script` (leakwatch as `lw`) under --expose-gc (V8's own gc(), not leakwatch's, whose
 * delivery has a setImmediate of its own); killed after `timeoutMs`. */
function run(script, timeoutMs = 30_000) {
  return runProcess(['--expose-gc', '-e', `const lw = require(${LEAKWATCH});\n${script}`], { timeoutMs });
}

test("a process and a worker with monitoring on and only an unref'd timer exit on their own", async () => {
  // The worker: the same, in its own environment (its own hook, ring and handles).
  const worker = `
const lw = require(${LEAKWATCH});
const { parentPort } = require('node:worker_threads');
let stats = 0;
lw.on('stats', () => stats++);
setInterval(() => {}, 1000).unref();
globalThis.gc();
setTimeout(() => { globalThis.gc(); setImmediate(() => parentPort.postMessage(stats)); }, 10);
`;
  const main = `
const { Worker } = require('node:worker_threads');
let stats = 0;
lw.on('stats', () => stats++);
setInterval(() => {}, 1000).unref();
globalThis.gc();
const w = new Worker(${JSON.stringify(worker)}, { eval: true });
let fromWorker = null;
w.on('message', (n) => { fromWorker = n; });
w.on('exit', (code) => { globalThis.gc(); setImmediate(() => process.on('exit', () => console.log(JSON.stringify({ code, fromWorker, stats })))); });
`;
  const r = await run(main);
  assert.equal(r.signal, null, `did not exit on its own\n${r.context}`);
  assert.equal(r.code, 0, r.context);
  assert.equal(r.stderr, '', r.context);
  assert.equal(r.result.code, 0, r.context);
  assert.ok(r.result.fromWorker >= 1, `the worker's GCs were delivered in the worker\n${r.context}`);
  assert.ok(r.result.stats >= 1, r.context);
});

for (const [phase, schedule] of [
  ['the check phase (setImmediate)', 'setImmediate'],
  ['the timers phase (setTimeout 0)', '(fn) => setTimeout(fn, 0)'],
]) {
  test(`a GC in ${phase} reaches the listener while the loop would sleep in poll`, async () => {
    const r = await run(`
const far = setTimeout(() => { console.log(JSON.stringify({ late: true })); }, ${FAR_MS});
const schedule = ${schedule};
const waits = [];
let started = 0;
let round = 0;
lw.on('stats', (s) => {
  if (s.gcType !== 'mark-sweep-compact' || started === 0) return;
  waits.push(Date.now() - started);
  started = 0;
  if (++round < 5) setTimeout(next, 20);
  else { clearTimeout(far); console.log(JSON.stringify({ waits })); }
});
function next() { schedule(() => { started = Date.now(); globalThis.gc(); }); }
setTimeout(next, 50);
`);
    assert.equal(r.signal, null, `hung: the delivery waited for the far timer\n${r.context}`);
    assert.equal(r.code, 0, r.context);
    assert.equal(r.result?.waits?.length, 5, r.context);
    // Bounded, and far below the ref'd timer the loop would otherwise sleep until.
    for (const ms of r.result.waits) assert.ok(ms < 10_000, `a delivery took ${ms} ms\n${r.context}`);
  });
}

test('a storm of more full GCs than the ring holds in one synchronous loop: bounded, counted, the last delivered', async (t) => {
  const r = await run(`
// Ref'd until the storm's last GC arrives: a weak delivery never keeps a process alive.
const far = setTimeout(() => {}, ${FAR_MS});
const GCS = 300;
const seen = [];
let dropped = 0;
let base = null;
lw.on('stats', (s) => {
  if (s.gcType !== 'mark-sweep-compact') return;
  if (base === null) { base = s; setTimeout(storm, 10); return; }
  seen.push(s.gcCount.markSweepCompact);
  dropped += s.droppedEvents;
  if (s.gcCount.markSweepCompact - base.gcCount.markSweepCompact === GCS) {
    const last = s;
    clearTimeout(far);
    console.log(JSON.stringify({ delivered: seen.length, dropped, lastCount: last.gcCount.markSweepCompact, baseCount: base.gcCount.markSweepCompact,
      selfFull: last.selfTimeByKindMs.markSweepCompact, selfScavenge: last.selfTimeByKindMs.scavenge, scavenges: last.gcCount.scavenge,
      selfTotal: last.selfTimeByKindMs.total, selfTimeMs: last.selfTimeMs, gcTimeMs: last.gcTimeMs.total }));
  }
});
function storm() { for (let i = 0; i < GCS; i++) globalThis.gc(); }
// Some scavenges first, so that their self time is metered too.
let junk = [];
for (let i = 0; i < 2e6; i++) { junk.push({ i }); if (junk.length > 1000) junk = []; }
globalThis.gc();
`);
  assert.equal(r.signal, null, r.context);
  assert.equal(r.code, 0, r.context);
  const o = r.result;
  assert.ok(o, r.context);
  t.diagnostic(
    `300 full GCs in one loop: ${o.delivered} delivered, ${o.dropped} dropped; in-pause self time ${o.selfFull.toFixed(3)} ms (full GCs), ${o.selfScavenge.toFixed(3)} ms (${o.scavenges} scavenges)`,
  );
  assert.equal(o.lastCount - o.baseCount, 300, 'the last GC of the storm was delivered');
  assert.ok(o.delivered < 300 && o.delivered >= 1, `bounded: ${o.delivered} of 300 delivered\n${r.context}`);
  assert.ok(o.dropped > 0, r.context);
  assert.equal(o.delivered + o.dropped, 300, `every GC delivered or counted as dropped\n${r.context}`);
  // The in-pause self time, per kind: reported, non-zero, and a small part of the GCs' time.
  assert.ok(o.scavenges > 0, r.context);
  assert.ok(o.selfFull > 0 && o.selfScavenge > 0, `selfTimeByKindMs is metered\n${r.context}`);
  assert.ok(o.selfTotal < o.gcTimeMs, r.context);
  assert.ok(o.selfTimeMs >= o.selfTotal, r.context);
});

// The pause's clock is the TSC where the kernel trusts it as its own clock, else CLOCK_MONOTONIC
// (LEAKWATCH_SIMULATE_NO_TSC=1 forces that fallback). Either way a full GC's pauseMs must be
// the GC's duration on CLOCK_MONOTONIC's scale — within the time the forcing call took, and most
// of it — and its timestamp the wall-clock moment of that call.
for (const clock of ['default', 'CLOCK_MONOTONIC fallback']) {
  test(`the pause clock (${clock}): pauseMs, timestamp and the meters on the monotonic clock's scale`, async () => {
    const script = `
const far = setTimeout(() => {}, ${FAR_MS});
const GCS = 15;
const rows = [];
let pending = null;
lw.on('stats', (s) => {
  if (s.gcType !== 'mark-sweep-compact' || pending === null) return;
  rows.push({ ...pending, pauseMs: s.pauseMs, timestamp: s.timestamp, gcTime: s.gcTimeMs.markSweepCompact, self: s.selfTimeByKindMs.markSweepCompact });
  pending = null;
  setTimeout(next, 2);
});
// A heap worth a GC of a millisecond or more, so that the pause dominates the call.
const keep = Array.from({ length: 200000 }, (_, i) => ({ i, s: 'x' + i }));
function next() {
  if (rows.length === GCS) {
    clearTimeout(far);
    console.log(JSON.stringify({ rows, kept: keep.length }));
    return;
  }
  const wallBefore = Date.now();
  const t0 = process.hrtime.bigint();
  globalThis.gc();
  const callMs = Number(process.hrtime.bigint() - t0) / 1e6;
  pending = { wallBefore, wallAfter: Date.now(), callMs };
}
next();
`;
    const env = clock === 'default' ? {} : { LEAKWATCH_SIMULATE_NO_TSC: '1' };
    const r = await runProcess(['--expose-gc', '-e', `const lw = require(${LEAKWATCH});\n${script}`], {
      timeoutMs: 60_000,
      env,
    });
    assert.equal(r.code, 0, r.context);
    const { rows } = r.result;
    const ratios = rows.map((x) => x.pauseMs / x.callMs).sort((a, b) => a - b);
    const median = ratios[ratios.length >> 1];
    for (const x of rows) {
      assert.ok(x.pauseMs > 0 && x.pauseMs <= x.callMs * 1.01 + 0.01, `pause ${x.pauseMs} ms within the call's ${x.callMs} ms\n${r.context}`);
      assert.ok(x.timestamp >= x.wallBefore - 2 && x.timestamp <= x.wallAfter + 2, `timestamp ${x.timestamp} in [${x.wallBefore}, ${x.wallAfter}]`);
    }
    assert.ok(median > 0.5, `the pause is most of the forcing call (median ratio ${median.toFixed(3)})\n${r.context}`);
    for (let i = 1; i < rows.length; i++) {
      assert.ok(rows[i].gcTime - rows[i - 1].gcTime >= rows[i].pauseMs * 0.999, 'gcTimeMs grows by the pause');
      assert.ok(rows[i].self > rows[i - 1].self, 'the in-pause self time grows');
    }
  });
}

'use strict';
// The degraded mode: the binary loaded but its V8 layer off (here LEAKWATCH_NATIVE=off), GC
// samples from Node's v8.GCProfiler fed to the same Rust detector. Real child processes with a
// real leak, observed from outside: the events, the one warning line, and that nothing keeps
// the process alive.
// Every test here needs a binary that loads (its V8 layer is then turned off).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runNode, runProcess } = require('./helpers');
const { needsBinary, testsNeeding } = require('./native-mode');
const test = testsNeeding(needsBinary);

const LEAKY = path.join(__dirname, 'fixtures', 'degraded-leaky.js');
// The fixture requires 'leakwatch' by the package's self-reference; the suite's own
// NODE_OPTIONS and LEAKWATCH_NATIVE do not reach it.
const leaky = (env, args = ['--expose-gc']) => runProcess([...args, LEAKY], { env: { NODE_OPTIONS: '', LEAKWATCH_NATIVE: '', ...env }, timeoutMs: 40_000 });

/** stderr's lines, without Node's "(Use `node --trace-warnings ...`" hint after a first warning. */
const stderrLines = (run) => run.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('(Use `node --trace-warnings'));

function assertOneWarning(run, code) {
  const lines = stderrLines(run);
  assert.equal(lines.length, 1, run.context);
  assert.match(lines[0], new RegExp(`\\[${code}\\] Warning: leakwatch: running without its native V8 layer: stats and leak come from v8\\.GCProfiler`));
  assert.match(lines[0], /HeapDiff, leak-report evidence \(diffOnLeak, snapshot\), heap snapshots and gc\(\) without --expose-gc are unavailable/);
}

test('LEAKWATCH_NATIVE=off: stats and a real leak through v8.GCProfiler, with the fields of the V8 layer, one warning line, and the process ends by itself', {
  timeout: 90_000,
}, async () => {
  const [off, on] = await Promise.all([leaky({ LEAKWATCH_NATIVE: 'off' }), leaky({})]);
  for (const run of [off, on]) {
    assert.equal(run.code, 0, run.context);
    assert.equal(run.signal, null, run.context);
  }
  const degraded = off.result;
  assert.equal(degraded.native.mode, 'gc-profiler', off.context);
  assert.equal(degraded.native.code, 'ERR_LEAKWATCH_NATIVE_OFF');
  assert.match(degraded.native.reason, /LEAKWATCH_NATIVE=off/);
  assert.equal(on.result.native.mode, 'v8', on.context);
  assertOneWarning(off, 'ERR_LEAKWATCH_NATIVE_OFF');
  assert.deepEqual(stderrLines(on), [], on.context);

  // Every housekeeping GC is a full one: ~60 of them in 6 s, each delivered once.
  assert.ok(degraded.kinds['mark-sweep-compact'] >= 20, JSON.stringify(degraded.kinds));
  assert.deepEqual(Object.keys(degraded.kinds), ['mark-sweep-compact'], 'includeMinorGc off: full GCs only');
  const s = degraded.first;
  assert.ok(s.usedHeapSize > 0 && s.totalHeapSize >= s.usedHeapSize && s.heapSizeLimit > s.totalHeapSize, JSON.stringify(s));
  assert.ok(s.pauseMs > 0, "the pause is the profiler's cost of that GC");
  assert.deepEqual(Object.keys(s).sort(), Object.keys(on.result.first).sort(), 'the same stats payload');

  assert.ok(degraded.leak, `no leak report in ${JSON.stringify(degraded.kinds)}: ${off.context}`);
  assert.ok(on.result.leak, on.context);
  assert.deepEqual(Object.keys(degraded.leak).sort(), Object.keys(on.result.leak).sort(), 'the same report');
  assert.ok(degraded.leak.growthBytes >= 2 * 1024 * 1024, JSON.stringify(degraded.leak));
  assert.match(degraded.leak.reason, /grew/);
});

test('the same in a worker_thread: its own GCProfiler, a real leak with evidence skipped and why, and the process ends by itself', {
  timeout: 60_000,
}, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-degraded-'));
  try {
    const run = await leaky({ LEAKWATCH_NATIVE: 'off', IN_WORKER: '1', EVIDENCE_DIR: dir });
    assert.equal(run.code, 0, run.context);
    const r = run.result;
    assert.equal(r.thread, 'worker', run.context);
    assert.equal(r.native.mode, 'gc-profiler');
    assert.ok(r.kinds['mark-sweep-compact'] >= 20, JSON.stringify(r.kinds));
    assert.ok(r.leak, run.context);
    assert.match(r.leak.diffSkipped, /no heap snapshots without the native V8 layer \(ERR_LEAKWATCH_NATIVE_OFF: LEAKWATCH_NATIVE=off/);
    assert.match(r.leak.snapshotSkipped, /no heap snapshots without the native V8 layer/);
    assert.deepEqual(fs.readdirSync(dir), [], 'no snapshot written');
    assertOneWarning(run, 'ERR_LEAKWATCH_NATIVE_OFF');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('without --expose-gc: stats of natural GCs arrive in windows; gc(), HeapDiff and snapshots throw ERR_LEAKWATCH_NATIVE_UNAVAILABLE naming the fix', {
  timeout: 30_000,
}, async () => {
  const run = await runNode(
    `const lw = require('leakwatch');
     const memwatch = require('leakwatch/memwatch');
     const errors = {};
     for (const [name, f] of Object.entries({
       gc: () => lw.gc(),
       memwatchGc: () => memwatch.gc(),
       HeapDiff: () => new lw.HeapDiff(),
       memwatchHeapDiff: () => new memwatch.HeapDiff(),
       writeSnapshot: () => lw.writeSnapshot(require('node:os').tmpdir()),
     })) {
       try { f(); errors[name] = 'no error'; } catch (e) { errors[name] = { code: e.code, message: e.message }; }
     }
     lw.configure({ includeMinorGc: true });
     const kinds = {};
     lw.on('stats', (s) => (kinds[s.gcType] = (kinds[s.gcType] ?? 0) + 1));
     // Garbage only: scavenges, never a forced GC.
     let sink = 0;
     const churn = setInterval(() => { const a = []; for (let i = 0; i < 20000; i++) a.push({ i, s: 'x' + i }); sink += a.length; }, 5);
     setTimeout(() => {
       clearInterval(churn);
       setTimeout(() => console.log(JSON.stringify({ errors, kinds, sink })), 1100);
     }, 1500);`,
    { env: { LEAKWATCH_NATIVE: 'off', NODE_OPTIONS: '' } },
  );
  assert.equal(run.code, 0, run.context);
  const { errors, kinds } = run.result;
  assert.ok(kinds.scavenge > 0, JSON.stringify(kinds));
  for (const name of ['gc', 'memwatchGc']) {
    assert.equal(errors[name].code, 'ERR_LEAKWATCH_NATIVE_UNAVAILABLE', name);
    assert.match(errors[name].message, /--expose-gc/);
    assert.match(errors[name].message, /LEAKWATCH_NATIVE=off/);
  }
  for (const name of ['HeapDiff', 'memwatchHeapDiff', 'writeSnapshot']) {
    assert.equal(errors[name].code, 'ERR_LEAKWATCH_NATIVE_UNAVAILABLE', name);
    assert.match(errors[name].message, /without the native V8 layer \(ERR_LEAKWATCH_NATIVE_OFF/, name);
  }
});

test('the GCs of the last profiler window are delivered when the script ends, and the process still exits by itself', { timeout: 30_000 }, async () => {
  // Scavenges only, all within the first window (well under its 1 s), then nothing: the script
  // ends, and only the beforeExit delivery can bring them.
  const run = await runNode(
    `const lw = require('leakwatch');
     lw.configure({ includeMinorGc: true });
     let stats = 0;
     let work = 0;
     lw.on('stats', (s) => { stats++; for (let i = 0; i < 50000; i++) work += [i].length; });
     const a = [];
     for (let i = 0; i < 300000; i++) a.push({ i });
     process.on('exit', () => console.log(JSON.stringify({ stats, work })));`,
    { env: { LEAKWATCH_NATIVE: 'off', NODE_OPTIONS: '' } },
  );
  assert.equal(run.code, 0, run.context);
  assert.ok(run.result.stats > 0, run.context);
});

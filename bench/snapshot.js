'use strict';
// What a heap snapshot leaves behind. `node bench/snapshot.js [--rounds N] [--objects N] [--json]`
//
// For each kind of snapshot leakwatch takes (HeapDiff, memwatch HeapDiff, diffOnLeak's
// before/after, the `snapshot` option's file, writeSnapshot()), a fresh child process retains
// N objects, times the same scavenge-heavy churn (CPU time, best of 3) before and after one
// snapshot of that kind, and reports the ratio; and the RSS just before the snapshot, its peak
// during it (VmHWM, reset first), and after it (after a full GC), next to the memory guard's
// estimate. Each kind runs twice per round, side by side: as shipped, and with
// LEAKWATCH_BENCH_NO_RELEASE=1 (V8's object-id map kept and no malloc_trim: the behaviour
// before the fix).
// Rounds interleave every (kind, variant); medians are reported.
// Results: a markdown table on stdout (or JSON with --json).

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
// RSS only: a first small snapshot (which pages in V8's snapshot code and sets up malloc's
// arenas) before the heap is built, so "after" shows what the measured snapshot leaves. Its
// churn is not comparable (the first snapshot's id map is already on before the fix).
const WARM = 'HeapDiff, 2nd snapshot (RSS only)';
const KINDS = ['HeapDiff', 'memwatch.HeapDiff', 'diffOnLeak', 'snapshot option', 'writeSnapshot()', WARM];
const MiB = 1024 ** 2;

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function vm() {
  const text = fs.readFileSync('/proc/self/status', 'utf8');
  const kb = (key) => Number((text.match(new RegExp(`^${key}:\\s+(\\d+)`, 'm')) || [])[1]) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

function child(kind, objects) {
  const leakwatch = require(ROOT);
  const memwatch = require(path.join(ROOT, 'lib', 'compat', 'memwatch.js'));
  const evidence = require(path.join(ROOT, 'lib', 'evidence.js'));
  if (kind === WARM) new leakwatch.HeapDiff().end();
  globalThis.retained = [];
  for (let i = 0; i < objects; i++) globalThis.retained.push({ i, s: `r${i}` });
  const churn = () => {
    const t = process.cpuUsage();
    for (let r = 0; r < 30; r++) {
      const a = [];
      for (let i = 0; i < 100_000; i++) a.push({ i, r });
    }
    const u = process.cpuUsage(t);
    return (u.user + u.system) / 1000;
  };
  const best = () => Math.min(churn(), churn(), churn());
  churn();
  const before = best();
  leakwatch.gc();
  const estimate = evidence.snapshotEstimate();
  const rssBefore = vm().rss;
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5'); // resets VmHWM to the current RSS
  } catch {
    // older kernels: the peak then includes the heap building
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-bench-'));
  const started = performance.now();
  let nodes;
  if (kind === 'HeapDiff' || kind === WARM) nodes = new leakwatch.HeapDiff().end().after.nodes;
  if (kind === 'memwatch.HeapDiff') nodes = new memwatch.HeapDiff().end().after.nodes;
  if (kind === 'diffOnLeak') {
    const diff = new evidence.LeakDiff();
    diff.suspicion(true, Infinity, Infinity);
    const r = diff.onLeak(Infinity);
    if (r.diffSkipped) throw new Error(r.diffSkipped);
    diff.drop();
  }
  if (kind === 'snapshot option') {
    const r = new evidence.LeakSnapshots().onLeak({ dir, maxFiles: 5, minFreeBytes: 0, minIntervalMs: 0 }, 0, Infinity);
    if (r.snapshotSkipped) throw new Error(r.snapshotSkipped);
  }
  if (kind === 'writeSnapshot()') leakwatch.writeSnapshot(dir, { force: true });
  const snapshotMs = performance.now() - started;
  fs.rmSync(dir, { recursive: true, force: true });
  const { hwm } = vm();
  leakwatch.gc();
  const rssAfter = vm().rss;
  const after = best();
  return { before, after, ratio: after / before, snapshotMs, nodes, rssBefore, peak: hwm, rssAfter, estimate };
}

function run(kind, variant, objects) {
  return new Promise((resolve) => {
    const env = { ...process.env };
    if (variant === 'before the fix') env.LEAKWATCH_BENCH_NO_RELEASE = '1';
    else delete env.LEAKWATCH_BENCH_NO_RELEASE;
    delete env.LEAKWATCH_TEST_AVAILABLE_MEMORY;
    const p = spawn(process.execPath, [__filename, '--child', kind, String(objects)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code, signal) => {
      if (code !== 0) return resolve({ error: `exit ${code} ${signal ?? ''}: ${err.trim().split('\n').slice(-1)[0]}` });
      resolve(JSON.parse(out.trim().split('\n').pop()));
    });
  });
}

const ms = (x) => (Number.isNaN(x) ? '–' : `${x.toFixed(0)} ms`);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main() {
  const rounds = arg('--rounds', 2);
  const objects = arg('--objects', 200_000);
  const variants = ['as shipped', 'before the fix'];
  const results = new Map();
  for (let round = 0; round < rounds; round++) {
    for (const kind of KINDS) {
      for (const variant of variants) {
        const r = await run(kind, variant, objects);
        const key = `${kind}|${variant}`;
        if (!results.has(key)) results.set(key, []);
        results.get(key).push(r);
        process.stderr.write(`round ${round + 1}/${rounds} ${kind} (${variant}): ${r.error ?? `x${r.ratio.toFixed(2)}`}\n`);
      }
    }
  }
  const rows = [];
  for (const kind of KINDS) {
    for (const variant of variants) {
      const rs = results.get(`${kind}|${variant}`).filter((r) => !r.error);
      if (rs.length === 0) {
        rows.push({ kind, variant, error: results.get(`${kind}|${variant}`)[0].error });
        continue;
      }
      const m = (f) => median(rs.map(f));
      rows.push({
        kind,
        variant,
        beforeMs: m((r) => r.before),
        afterMs: m((r) => r.after),
        ratio: m((r) => r.ratio),
        snapshotMs: m((r) => r.snapshotMs),
        rssBeforeMB: m((r) => r.rssBefore) / MiB,
        peakMB: m((r) => r.peak - r.rssBefore) / MiB,
        rssAfterMB: m((r) => r.rssAfter - r.rssBefore) / MiB,
        estimateMB: m((r) => r.estimate.bytes) / MiB,
        nodes: m((r) => r.estimate.nodes),
      });
    }
  }
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ node: process.version, objects, rounds, rows }, null, 2));
    return;
  }
  console.log(`Node ${process.version}, ${objects} retained objects, ${rounds} rounds (medians); churn = CPU ms of 3M short-lived objects, best of 3\n`);
  console.log('| snapshot | variant | churn before | churn after | ratio | snapshot | RSS before | peak during (+) | after (+) | guard estimate |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    if (r.error) {
      console.log(`| ${r.kind} | ${r.variant} | ${r.error} |||||||`);
      continue;
    }
    if (r.kind === WARM) [r.beforeMs, r.afterMs, r.ratio] = [NaN, NaN, NaN];
    console.log(
      `| ${r.kind} | ${r.variant} | ${ms(r.beforeMs)} | ${ms(r.afterMs)} | ${Number.isNaN(r.ratio) ? '–' : `**x${r.ratio.toFixed(2)}**`} | ${ms(r.snapshotMs)} | ` +
        `${r.rssBeforeMB.toFixed(0)} MB | +${r.peakMB.toFixed(0)} MB | ${r.rssAfterMB >= 0 ? '+' : ''}${r.rssAfterMB.toFixed(1)} MB | ${r.estimateMB.toFixed(0)} MB |`,
    );
  }
}

if (process.argv[2] === '--child') {
  process.stdout.write(`${JSON.stringify(child(process.argv[3], Number(process.argv[4])))}\n`);
} else {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}

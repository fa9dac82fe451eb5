'use strict';
// HeapDiff benchmark: leakwatch's HeapDiff against its floor (V8's own snapshot cost) and
// against @airbnb/node-memwatch's HeapDiff, side by side in one run.
//
//   node bench/heapdiff.js [--rounds 3] [--reps 2] [--big] [--sizes 500000,…] [--json]
//
// --big adds a 2M-object heap (≈ 10 min more); --sizes replaces the array sizes.
//
// The floor is what no HeapDiff can beat: the two V8 heap snapshots it needs, taken and
// deleted bare (TakeHeapSnapshot + Delete, no walk, no diff), in the same process, on the same
// heap. A HeapDiff is `new HeapDiff()` … allocate 1000 objects … `end()`.
//
// One child process per (tool, heap, round); the tools alternate round by round. A child
// builds the heap (N small class instances in an array, or a linked list) and runs one
// HeapDiff, whose peak RSS it reads right after (the process's peak up to then, the heap
// included; the RSS just before is printed as "heap"). Then it times B A A B, A B B A, …
// (--reps such groups, default 2): the floor (B) and the tool's HeapDiff (A), so a drift of
// the machine (other load, a warming JIT) falls on both alike. V8's object-id map is cleared
// before each, so each starts as the first snapshot of a process does. Wall time and CPU time
// (all threads) are both reported: on a shared machine the CPU ratio is the steadier one. A
// child killed by a signal is recorded as a crash.
// Results: a markdown table on stdout and bench/results/heapdiff-latest.json.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const CHILD_TIMEOUT_MS = 900_000;
const GOAL_VS_FLOOR = 1.15;

function child() {
  const [tool, shape, n, reps] = [process.argv[3], process.argv[4], Number(process.argv[5]), Number(process.argv[6])];
  const binding = require(path.join(ROOT, 'lib', 'binding'));
  const { HeapDiff } = tool === 'memwatch' ? require('@airbnb/node-memwatch') : require(ROOT);
  class Item {
    constructor(i) {
      this.i = i;
    }
  }
  if (shape === 'list') {
    let head = null;
    for (let i = 0; i < n; i++) head = { next: head, i };
    globalThis.heap = head;
  } else {
    globalThis.heap = [];
    for (let i = 0; i < n; i++) globalThis.heap.push(new Item(i));
  }
  const timed = (fn) => {
    binding.benchHeapSnapshotFloor(0, true); // clear V8's object ids: a cold start for each
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const value = fn();
    const used = process.cpuUsage(cpu);
    return { ms: Number(process.hrtime.bigint() - started) / 1e6, cpuMs: (used.user + used.system) / 1000, value };
  };
  const heapDiff = () =>
    timed(() => {
      const hd = new HeapDiff();
      globalThis.more = Array.from({ length: 1000 }, (_, i) => new Item(i));
      return hd.end();
    });
  const floor = () => timed(() => binding.benchHeapSnapshotFloor(2, false));

  const rssBeforeMB = process.memoryUsage().rss / 2 ** 20;
  const first = heapDiff();
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  // Timed from here: the first snapshot of a process also pays for fresh pages and a cold
  // profiler, which would fall on whichever kind ran first.
  const floors = [];
  const diffs = [];
  for (let k = 0; k < reps; k++) {
    if (k % 2 === 0) {
      floors.push(floor());
      diffs.push(heapDiff(), heapDiff());
      floors.push(floor());
    } else {
      diffs.push(heapDiff());
      floors.push(floor(), floor());
      diffs.push(heapDiff());
    }
  }
  const diff = first.value;
  const sizeOf = (d) => d.size_bytes ?? d.sizeBytes;
  const top = diff.change.details.reduce((a, b) => (sizeOf(b) > sizeOf(a) ? b : a));
  process.stdout.write(
    `${JSON.stringify({
      firstMs: first.ms,
      diffMs: diffs.map((d) => d.ms),
      floorMs: floors.map((f) => f.ms),
      diffCpuMs: diffs.map((d) => d.cpuMs),
      floorCpuMs: floors.map((f) => f.cpuMs),
      nodes: diff.after.nodes,
      top: top.what,
      rssBeforeMB,
      peakRssMB,
    })}\n`,
  );
}

function run(tool, shape, n, reps) {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [__filename, '--child', tool, shape, String(n), String(reps)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal) return resolve({ crash: `crash (${signal})` });
      if (code !== 0) return resolve({ crash: `error (exit ${code}): ${err.trim().split('\n').slice(-1)[0]}` });
      const r = JSON.parse(out.trim().split('\n').pop());
      const sum = (xs) => xs.reduce((a, b) => a + b, 0);
      r.ms = sum(r.diffMs) / r.diffMs.length;
      r.vsFloor = sum(r.diffMs) / sum(r.floorMs);
      r.cpuMs = sum(r.diffCpuMs) / r.diffCpuMs.length;
      r.cpuVsFloor = sum(r.diffCpuMs) / sum(r.floorCpuMs);
      resolve(r);
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function summary(rows) {
  const ok = rows.filter((r) => !r.crash);
  if (ok.length === 0) return rows[0]?.crash ?? 'not run';
  return {
    ms: median(ok.map((r) => r.ms)),
    floorMs: median(ok.map((r) => (r.floorMs[0] + r.floorMs[1]) / 2)),
    vsFloor: median(ok.map((r) => r.vsFloor)),
    vsFloorRange: [Math.min(...ok.map((r) => r.vsFloor)), Math.max(...ok.map((r) => r.vsFloor))],
    cpuMs: median(ok.map((r) => r.cpuMs)),
    cpuVsFloor: median(ok.map((r) => r.cpuVsFloor)),
    peakRssMB: median(ok.map((r) => r.peakRssMB)),
    heapRssMB: median(ok.map((r) => r.rssBeforeMB)),
    nodes: ok[0].nodes,
    crashes: rows.length - ok.length,
  };
}

async function main() {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const big = process.argv.includes('--big');
  const sizes = arg('--sizes', big ? '500000,2000000' : '500000')
    .split(',')
    .map(Number);
  const rounds = Number(arg('--rounds', '3'));
  const reps = Number(arg('--reps', '2'));
  const heaps = [...sizes.map((n) => ['array', n]), ['list', 100_000]];
  let memwatchAvailable = true;
  try {
    require.resolve('@airbnb/node-memwatch');
  } catch {
    memwatchAvailable = false;
  }
  const results = [];
  for (const [shape, n] of heaps) {
    const rows = { leakwatch: [], memwatch: [] };
    for (let r = 0; r < rounds; r++) {
      // Alternate which tool goes first, so neither always runs on a cooler machine.
      const order = r % 2 === 0 ? ['leakwatch', 'memwatch'] : ['memwatch', 'leakwatch'];
      for (const tool of order) {
        if (tool === 'memwatch' && !memwatchAvailable) continue;
        const x = await run(tool, shape, n, reps);
        rows[tool].push(x);
        process.stderr.write(`${shape} ${n} round ${r} ${tool}: ${JSON.stringify(x)}\n`);
      }
    }
    const lw = summary(rows.leakwatch);
    const mw = memwatchAvailable ? summary(rows.memwatch) : 'not installed';
    // HeapDiff ÷ memwatch per round (each pair ran back to back), then the median.
    const pairs = rows.leakwatch.map((x, i) => [x, rows.memwatch[i]]).filter(([x, y]) => x && y && !x.crash && !y.crash);
    const vsMemwatch = pairs.length ? median(pairs.map(([x, y]) => x.ms / y.ms)) : null;
    const cpuVsMemwatch = pairs.length ? median(pairs.map(([x, y]) => x.cpuMs / y.cpuMs)) : null;
    results.push({ shape, n, rounds, leakwatch: lw, memwatch: mw, vsMemwatch, cpuVsMemwatch, raw: rows });
  }

  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  const range = (x) => `${x.vsFloor.toFixed(3)} (${x.vsFloorRange.map((v) => v.toFixed(2)).join('–')}; CPU ${x.cpuVsFloor.toFixed(3)})`;
  const lines = [
    `HeapDiff on Node ${process.version}, ${rounds} interleaved rounds (medians; ranges over rounds)`,
    '',
    '| heap | nodes | floor: 2 bare snapshots | leakwatch HeapDiff | ÷ floor (CPU) | memwatch HeapDiff | memwatch ÷ its floor (CPU) | leakwatch ÷ memwatch (CPU) | peak RSS leakwatch / memwatch (heap) |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const { leakwatch: lw, memwatch: mw } = r;
    const lwOk = typeof lw === 'object';
    const mwOk = typeof mw === 'object';
    lines.push(
      `| ${r.shape === 'list' ? `linked list ${r.n}` : `${r.n} objects`} | ${lwOk ? lw.nodes : '-'} | ` +
        `${lwOk ? s(lw.floorMs) : '-'} | ${lwOk ? s(lw.ms) : lw} | ${lwOk ? range(lw) : '-'} | ` +
        `${mwOk ? s(mw.ms) : mw}${mwOk && mw.crashes ? ` (${mw.crashes} crashed)` : ''} | ${mwOk ? range(mw) : '-'} | ` +
        `${r.vsMemwatch ? `${r.vsMemwatch.toFixed(3)} (CPU ${r.cpuVsMemwatch.toFixed(3)})` : '-'} | ` +
        `${lwOk ? Math.round(lw.peakRssMB) : '-'} / ${mwOk ? Math.round(mw.peakRssMB) : '-'} MB (${lwOk ? Math.round(lw.heapRssMB) : '-'} MB) |`,
    );
  }
  const goal = results
    .filter((r) => r.shape === 'array' && typeof r.leakwatch === 'object')
    .map((r) => {
      const floorOk = r.leakwatch.vsFloor <= GOAL_VS_FLOOR;
      const mwOk = r.vsMemwatch == null || r.vsMemwatch <= 1;
      return (
        `${r.n} objects: HeapDiff ÷ floor ${r.leakwatch.vsFloor.toFixed(3)} ${floorOk ? '≤' : '>'} ${GOAL_VS_FLOOR} ` +
        `(CPU ${r.leakwatch.cpuVsFloor.toFixed(3)}), ÷ memwatch ${r.vsMemwatch == null ? '-' : r.vsMemwatch.toFixed(3)} ${mwOk ? 'ok' : 'SLOWER'}`
      );
    });
  lines.push('', ...goal);
  console.log(lines.join('\n'));
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, 'results', 'heapdiff-latest.json'), `${JSON.stringify({ node: process.version, results }, null, 2)}\n`);
  if (process.argv.includes('--json')) console.log(JSON.stringify(results));
}

if (process.argv[2] === '--child') child();
else main();

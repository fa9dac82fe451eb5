'use strict';
// HeapDiff benchmark: leakwatch's HeapDiff side by side with @airbnb/node-memwatch's on the
// same heaps. `node bench/heapdiff.js [--sizes 50000,500000,2000000] [--rounds N] [--json]`
//
// Every (tool, heap) run is a fresh child process, one at a time. A child builds the heap
// (N small class instances held in an array, or a linked list), then times
// `new HeapDiff()` … allocate 1000 more objects … `hd.end()`, and reports that time and its
// peak RSS (process.resourceUsage().maxRSS, which includes the heap itself; the RSS just
// before the diff is printed too). A child killed by a signal is recorded as a crash.
// Results: a markdown table on stdout and bench/results/heapdiff-latest.json.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const CHILD_TIMEOUT_MS = 600_000;

function child() {
  const [tool, shape, n] = [process.argv[3], process.argv[4], Number(process.argv[5])];
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
  const rssBefore = process.memoryUsage().rss;
  const started = process.hrtime.bigint();
  const hd = new HeapDiff();
  globalThis.more = Array.from({ length: 1000 }, (_, i) => new Item(i));
  const diff = hd.end();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const top = diff.change.details.reduce((a, b) => ((b.size_bytes ?? b.sizeBytes) > (a.size_bytes ?? a.sizeBytes) ? b : a));
  process.stdout.write(
    `${JSON.stringify({ ms, nodes: diff.after.nodes, top: top.what, rssBeforeMB: rssBefore / 2 ** 20, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`,
  );
}

function run(tool, shape, n) {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [__filename, '--child', tool, shape, String(n)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal) return resolve({ crash: `crash (${signal})` });
      if (code !== 0) return resolve({ crash: `error (exit ${code}): ${err.trim().split('\n').slice(-1)[0]}` });
      resolve(JSON.parse(out.trim().split('\n').pop()));
    });
  });
}

async function main() {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const sizes = arg('--sizes', '50000,500000,2000000').split(',').map(Number);
  const rounds = Number(arg('--rounds', '1'));
  const heaps = [...sizes.map((n) => ['array', n]), ['list', 100_000]];
  let memwatchAvailable = true;
  try {
    require.resolve('@airbnb/node-memwatch');
  } catch {
    memwatchAvailable = false;
  }
  const results = [];
  for (const [shape, n] of heaps) {
    for (let r = 0; r < rounds; r++) {
      const lw = await run('leakwatch', shape, n);
      const mw = memwatchAvailable ? await run('memwatch', shape, n) : { crash: 'not installed' };
      results.push({ shape, n, round: r, leakwatch: lw, memwatch: mw });
      process.stderr.write(`${shape} ${n}: leakwatch ${JSON.stringify(lw)} memwatch ${JSON.stringify(mw)}\n`);
    }
  }
  const fmt = (x) => (x.crash ? x.crash : `${(x.ms / 1000).toFixed(2)} s, ${Math.round(x.maxRssMB)} MB`);
  const lines = [
    `HeapDiff on Node ${process.version} (time of new HeapDiff() … end(); peak RSS of the child, heap included)`,
    '',
    '| heap | nodes | leakwatch | @airbnb/node-memwatch | speed-up | peak RSS ratio (mw / lw) |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const { leakwatch: lw, memwatch: mw } = r;
    const ok = !lw.crash && !mw.crash;
    lines.push(
      `| ${r.shape === 'list' ? `linked list ${r.n}` : `${r.n} objects`} | ${lw.nodes ?? '-'} | ${fmt(lw)} | ${fmt(mw)} | ` +
        `${ok ? `${(mw.ms / lw.ms).toFixed(2)}×` : '-'} | ${ok ? `${(mw.maxRssMB / lw.maxRssMB).toFixed(2)}` : '-'} |`,
    );
  }
  console.log(lines.join('\n'));
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, 'results', 'heapdiff-latest.json'), `${JSON.stringify({ node: process.version, results }, null, 2)}\n`);
  if (process.argv.includes('--json')) console.log(JSON.stringify(results));
}

if (process.argv[2] === '--child') child();
else main();

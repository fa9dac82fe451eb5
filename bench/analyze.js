'use strict';
// `leakwatch analyze` against memlab, from a .heapsnapshot file to dominators and retained
// sizes. `npm run bench:analyze [-- --sizes 50,500,2048] [--dir DIR] [--no-install] ...`
//
// 1. Snapshots of a realistic heap (bench/lib/heap-workload.js) of each size (MiB), made by a
//    child with a big --max-old-space-size and kept in a cache directory (never committed,
//    never run by `npm test`; the 2 GiB one takes minutes and ~10 GB of native memory for
//    V8's snapshot generator).
// 2. For each snapshot, one at a time, each in a fresh child: `cat FILE > /dev/null` (the
//    read-once floor, after an untimed one that warms the page cache), leakwatch (require('leakwatch/analyze'), the same code as `leakwatch
//    analyze`), and memlab (@memlab/core's heap parser + TraceFinder's dominators and retained
//    sizes, installed on demand into bench/anchors/memlab; bounded by --memlab-timeout and
//    --memlab-heap-mb; its failure is reported with the error it printed). Wall time from
//    spawn to exit and peak RSS (VmHWM, polled, and the child's own maxRSS when it finishes).
// 3. Correctness: leakwatch's top N retainers (by retained size) looked up by node id in
//    memlab's result: how many retained sizes are equal.
// Output: a markdown table on stdout; the raw JSON in bench/results/analyze-latest.json.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ensureAnchors } = require('./lib/anchors');
const { buildHeap, recordsFor } = require('./lib/heap-workload');

const ROOT = path.join(__dirname, '..');
const MEMLAB_DIR = path.join(__dirname, 'anchors', 'memlab');
const MiB = 1024 ** 2;
// Bumped when the workload changes, so cached snapshots of the old one are not reused.
const WORKLOAD_VERSION = 1;

function parseArgs(argv) {
  const o = {
    sizes: [50, 500, 2048],
    dir: process.env.LEAKWATCH_BENCH_CACHE || path.join(os.homedir(), '.cache', 'leakwatch-bench', 'analyze'),
    install: true,
    memlab: true,
    memlabTimeoutS: 900,
    memlabHeapMb: 12288,
    top: 1000,
    json: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--sizes') o.sizes = value().split(',').map(Number);
    else if (a === '--dir') o.dir = path.resolve(value());
    else if (a === '--no-install') o.install = false;
    else if (a === '--no-memlab') o.memlab = false;
    else if (a === '--memlab-timeout') o.memlabTimeoutS = Number(value());
    else if (a === '--memlab-heap-mb') o.memlabHeapMb = Number(value());
    else if (a === '--top') o.top = Number(value());
    else if (a === '--json') o.json = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'usage: node bench/analyze.js [--sizes 50,500,2048] [--dir DIR] [--no-install] [--no-memlab]\n' +
          '                             [--memlab-timeout S] [--memlab-heap-mb MB] [--top N] [--json]\n' +
          '  --sizes LIST         snapshot sizes in MiB (default 50,500,2048; the 2048 one takes minutes to make)\n' +
          '  --dir DIR            where the snapshots are made and kept (default ~/.cache/leakwatch-bench/analyze,\n' +
          '                       or $LEAKWATCH_BENCH_CACHE)\n' +
          '  --no-install         do not npm-install memlab into bench/anchors/memlab when missing\n' +
          '  --no-memlab          leakwatch and cat only\n' +
          '  --memlab-timeout S   memlab is killed after S seconds (default 900)\n' +
          "  --memlab-heap-mb MB  memlab's --max-old-space-size (default 12288)\n" +
          "  --top N              retained sizes compared on leakwatch's top N retainers (default 1000)\n" +
          '  --json               also print the raw JSON\n',
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  if (o.sizes.some((s) => !Number.isFinite(s) || s <= 0)) throw new Error('--sizes: positive numbers of MiB, e.g. 50,500');
  return o;
}

/** Runs `node ...args`; resolves with { code, signal, wallMs, peakRss, result, stderr, timedOut }:
 * `peakRss` the largest VmHWM seen (polled, so known even when the child is killed), or the
 * child's own maxRSS when it reports one; `result` its last stdout line as JSON. */
function runChild(args, { timeoutMs = 3_600_000 } = {}) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peakRss = 0;
    let timedOut = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (stderr.length > 1 << 20) stderr = stderr.slice(-(1 << 19));
    });
    const poll = setInterval(() => {
      try {
        const kb = Number(/^VmHWM:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]);
        if (kb * 1024 > peakRss) peakRss = kb * 1024;
      } catch {
        // exited between two polls, or no /proc: the child's own figure is used
      }
    }, 100);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      const wallMs = performance.now() - started;
      clearInterval(poll);
      clearTimeout(timer);
      let result = null;
      try {
        result = JSON.parse(stdout.trim().split('\n').pop());
      } catch {
        // failed: the caller reports stderr
      }
      if (result?.maxRss) peakRss = Math.max(peakRss, result.maxRss);
      resolve({ code, signal, wallMs, peakRss, result, stderr, timedOut });
    });
  });
}

/** The last meaningful lines a failing child printed. */
function failure(run, what) {
  if (run.timedOut) return `${what}: killed after the timeout`;
  const lines = run.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^at |^\^+$|^Node\.js v/.test(l));
  const message = lines.slice(-3).join(' / ') || 'no output';
  return `${what}: exit ${run.code ?? run.signal}: ${message.slice(0, 400)}`;
}

/** A complete snapshot file of about `sizeMiB`, made once and kept in `dir`. */
async function snapshotFile(sizeMiB, dir) {
  const file = path.join(dir, `heap-${sizeMiB}MiB-node${process.versions.node.split('.')[0]}-w${WORKLOAD_VERSION}.heapsnapshot`);
  if (fs.existsSync(file) && isComplete(file)) return { file, madeMs: null };
  fs.mkdirSync(dir, { recursive: true });
  // 3 % over the target, so "2048 MiB" is at least 2 GiB.
  const records = recordsFor(sizeMiB * MiB * 1.03);
  const heapMb = Math.max(1024, Math.ceil((records * 1500) / MiB) + 1024);
  process.stderr.write(`making ${path.basename(file)}: ${records} records, --max-old-space-size=${heapMb} ...\n`);
  const run = await runChild([`--max-old-space-size=${heapMb}`, __filename, '--generate', file, String(records)]);
  if (run.code !== 0) throw new Error(failure(run, `the snapshot generator (${sizeMiB} MiB)`));
  process.stderr.write(
    `  ${(fs.statSync(file).size / MiB).toFixed(0)} MiB in ${(run.wallMs / 1000).toFixed(0)} s, peak RSS ${(run.peakRss / MiB).toFixed(0)} MiB\n`,
  );
  return { file, madeMs: run.wallMs, madePeakRss: run.peakRss };
}

function isComplete(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const tail = Buffer.alloc(Math.min(64, size));
    fs.readSync(fd, tail, 0, tail.length, size - tail.length);
    return tail.toString('latin1').trimEnd().endsWith('}');
  } finally {
    fs.closeSync(fd);
  }
}

/** `cat FILE > /dev/null`, timed. */
function readOnce(file) {
  return new Promise((resolve) => {
    const devNull = fs.openSync('/dev/null', 'w');
    const started = performance.now();
    const child = spawn('cat', [file], { stdio: ['ignore', devNull, 'inherit'] });
    child.on('close', (code) => {
      fs.closeSync(devNull);
      resolve({ code, wallMs: performance.now() - started });
    });
  });
}

// ---- children -------------------------------------------------------------------------------

function generate(file, records) {
  const v8 = require('node:v8');
  buildHeap(records);
  const tmp = `${file}.tmp`;
  v8.writeHeapSnapshot(tmp);
  fs.renameSync(tmp, file);
  return { records, bytes: fs.statSync(file).size };
}

async function leakwatchChild(file, out, top) {
  const { analyze } = require(path.join(ROOT, 'lib', 'analyze.js'));
  const started = performance.now();
  const report = await analyze([file], { top });
  const ms = performance.now() - started;
  fs.writeFileSync(out, JSON.stringify(report.topRetainers.map((r) => [r.id, r.retainedBytes])));
  return { ms, timings: report.timings, heap: report.heap, maxRss: process.resourceUsage().maxRSS * 1024 };
}

async function memlabChild(file, out, idsFile, top) {
  const { utils, TraceFinder, config } = require(path.join(MEMLAB_DIR, 'node_modules', '@memlab', 'core'));
  config.muteConsole = true;
  const started = performance.now();
  const snapshot = await utils.getSnapshotFromFile(file, { buildNodeIdIndex: true });
  if (!snapshot) throw new Error('memlab returned no snapshot');
  const parsed = performance.now();
  new TraceFinder().calculateAllNodesRetainedSizes(snapshot);
  const done = performance.now();
  // Untimed: the retained sizes of leakwatch's top retainers, and memlab's own top N.
  const ids = fs.existsSync(idsFile) ? JSON.parse(fs.readFileSync(idsFile, 'utf8')).map(([id]) => id) : [];
  const of = ids.map((id) => {
    const node = snapshot.getNodeById(id);
    return [id, node ? node.retainedSize : null];
  });
  const all = [];
  snapshot.nodes.forEach((node) => {
    all.push([node.id, node.retainedSize]);
  });
  all.sort((a, b) => b[1] - a[1]);
  fs.writeFileSync(out, JSON.stringify({ of, top: all.slice(0, top) }));
  return {
    ms: done - started,
    parseMs: parsed - started,
    dominatorsMs: done - parsed,
    nodes: snapshot.nodes.length,
    edges: snapshot.edges.length,
    maxRss: process.resourceUsage().maxRSS * 1024,
  };
}

// ---- the run --------------------------------------------------------------------------------

const mib = (b) => (b >= 1024 * MiB ? `${(b / 1024 / MiB).toFixed(2)} GiB` : `${(b / MiB).toFixed(0)} MiB`);
const sec = (ms) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
const ratio = (x) => (Number.isFinite(x) ? `${x.toFixed(x < 10 ? 2 : 1)}×` : '–');

async function main() {
  const o = parseArgs(process.argv.slice(2));
  let memlab = { available: false, note: '--no-memlab' };
  if (o.memlab) {
    const install = ensureAnchors(o.install, MEMLAB_DIR);
    const ok = fs.existsSync(path.join(MEMLAB_DIR, 'node_modules', '@memlab', 'core', 'package.json'));
    const version = ok ? JSON.parse(fs.readFileSync(path.join(MEMLAB_DIR, 'node_modules', '@memlab', 'core', 'package.json'), 'utf8')).version : null;
    memlab = ok
      ? { available: true, version, install }
      : { available: false, note: `memlab is not installed${install.ran ? ` (npm install failed: exit ${install.exitCode})` : ' (--no-install)'}`, install };
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-bench-analyze-'));
  const atStart = os.loadavg()[0];
  const rows = [];
  try {
    for (const size of o.sizes) {
      const snap = await snapshotFile(size, o.dir);
      const bytes = fs.statSync(snap.file).size;
      process.stderr.write(`${path.basename(snap.file)} (${mib(bytes)}): cat ...`);
      // Once untimed, so the floor and leakwatch read from the page cache alike (as far as
      // the machine's memory holds the file).
      await readOnce(snap.file);
      const cat = await readOnce(snap.file);
      process.stderr.write(` ${sec(cat.wallMs)}; leakwatch ...`);
      const lwOut = path.join(tmp, `leakwatch-${size}.json`);
      const lw = await runChild([__filename, '--child', 'leakwatch', snap.file, lwOut, String(o.top)]);
      const leakwatch = lw.code === 0 && lw.result ? { wallMs: lw.wallMs, peakRss: lw.peakRss, ...lw.result } : { error: failure(lw, 'leakwatch') };
      process.stderr.write(` ${leakwatch.error ?? sec(lw.wallMs)}`);
      let ml = { error: memlab.note };
      let agreement = null;
      if (memlab.available) {
        process.stderr.write('; memlab ...');
        const mlOut = path.join(tmp, `memlab-${size}.json`);
        const run = await runChild([`--max-old-space-size=${o.memlabHeapMb}`, __filename, '--child', 'memlab', snap.file, mlOut, lwOut, String(o.top)], {
          timeoutMs: o.memlabTimeoutS * 1000,
        });
        ml =
          run.code === 0 && run.result
            ? { wallMs: run.wallMs, peakRss: run.peakRss, ...run.result }
            : { error: failure(run, 'memlab'), wallMs: run.wallMs, peakRss: run.peakRss };
        process.stderr.write(` ${ml.error ? 'failed' : sec(run.wallMs)}`);
        if (!ml.error && !leakwatch.error) agreement = compare(JSON.parse(fs.readFileSync(lwOut, 'utf8')), JSON.parse(fs.readFileSync(mlOut, 'utf8')));
      }
      process.stderr.write('\n');
      rows.push({ sizeMiB: size, file: snap.file, bytes, made: snap, cat, leakwatch, memlab: ml, agreement });
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const run = {
    date: new Date().toISOString(),
    node: process.version,
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model}, ${mib(os.totalmem())}`,
    // The machine may be shared: the load says how far the figures can be trusted.
    loadAverage: { atStart, atEnd: os.loadavg()[0] },
    options: o,
    memlab,
    rows,
  };
  const resultsDir = path.join(__dirname, 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, 'analyze-latest.json');
  fs.writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`);
  process.stdout.write(`${table(run)}\nRaw results: ${path.relative(process.cwd(), file)}\n`);
  if (o.json) process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
}

/** Of leakwatch's top retainers, how many have the same retained size in memlab; and how
 * many of memlab's own top N are among them. */
function compare(leakwatchTop, memlab) {
  const byId = new Map(memlab.of);
  let equal = 0;
  const differ = [];
  for (const [id, retained] of leakwatchTop) {
    if (byId.get(id) === retained) equal++;
    else if (differ.length < 5) differ.push({ id, leakwatch: retained, memlab: byId.get(id) ?? null });
  }
  const ours = new Set(leakwatchTop.map(([id]) => id));
  const shared = memlab.top.slice(0, leakwatchTop.length).filter(([id]) => ours.has(id)).length;
  return { compared: leakwatchTop.length, equal, sharedTop: shared, differ };
}

function table(run) {
  const lines = [
    `Node ${run.node}, ${run.machine}, load average ${run.loadAverage.atStart.toFixed(1)} at the start, ${run.loadAverage.atEnd.toFixed(1)} at the end; memlab ${run.memlab.available ? `@memlab/core ${run.memlab.version}` : `not run (${run.memlab.note})`}; each tool in a fresh child, one at a time; wall time from spawn to exit, peak RSS = VmHWM.`,
    '',
    '| snapshot | nodes / edges | cat (read once) | leakwatch time | leakwatch peak RSS | memlab time | memlab peak RSS | memlab / leakwatch, file → retained sizes | memlab / leakwatch, whole run | leakwatch / memlab RSS | leakwatch / cat | retained sizes equal |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of run.rows) {
    const lw = r.leakwatch;
    const ml = r.memlab;
    const nodes = lw.heap
      ? `${(lw.heap.nodes / 1e6).toFixed(2)} M / ${(lw.heap.edges / 1e6).toFixed(2)} M`
      : ml.nodes
        ? `${(ml.nodes / 1e6).toFixed(2)} M / ${(ml.edges / 1e6).toFixed(2)} M`
        : '–';
    // File → dominators and retained sizes, timed inside each child (the goal's measure):
    // leakwatch's read + dominators, memlab's parse + dominators. The whole run adds process
    // start-up, leakwatch's other analyses and report, and memlab's untimed lookups.
    const lwCore = lw.timings ? lw.timings.readMs + lw.timings.dominatorsMs : NaN;
    const lwCells = lw.error
      ? [`failed: ${lw.error}`, '–']
      : [`${sec(lw.wallMs)} (read ${sec(lw.timings.readMs)}, dominators ${sec(lw.timings.dominatorsMs)})`, mib(lw.peakRss)];
    const mlCells = !run.memlab.available
      ? ['not run', '–']
      : ml.error
        ? [`**failed** after ${ml.wallMs ? sec(ml.wallMs) : '–'}: ${ml.error.replace(/\|/g, '\\|')}`, ml.peakRss ? mib(ml.peakRss) : '–']
        : [`${sec(ml.wallMs)} (parse ${sec(ml.parseMs)}, dominators ${sec(ml.dominatorsMs)})`, mib(ml.peakRss)];
    const both = !lw.error && !ml.error;
    const agree = r.agreement ? `${r.agreement.equal} / ${r.agreement.compared} (top-${r.agreement.compared} sets share ${r.agreement.sharedTop})` : '–';
    lines.push(
      `| ${mib(r.bytes)} | ${nodes} | ${sec(r.cat.wallMs)} | ${lwCells.join(' | ')} | ${mlCells.join(' | ')} | ${both ? `**${ratio(ml.ms / lwCore)}**` : '–'} | ${both ? ratio(ml.wallMs / lw.wallMs) : '–'} | ${both ? ratio(lw.peakRss / ml.peakRss) : '–'} | ${lw.error ? '–' : ratio(lw.wallMs / r.cat.wallMs)} | ${agree} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

if (process.argv[2] === '--generate') {
  process.stdout.write(`${JSON.stringify(generate(process.argv[3], Number(process.argv[4])))}\n`);
} else if (process.argv[2] === '--child') {
  const [, , , tool, file, out, ...rest] = process.argv;
  const job = tool === 'leakwatch' ? leakwatchChild(file, out, Number(rest[0])) : memlabChild(file, out, rest[0], Number(rest[1]));
  job.then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (err) => {
      process.stderr.write(`${err?.stack ?? err}\n`);
      process.exitCode = 1;
    },
  );
} else {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}

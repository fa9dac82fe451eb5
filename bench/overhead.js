'use strict';
// leakwatch overhead benchmark, against the GC hooks people already run: `npm run bench`.
//
//   node bench/overhead.js [--rounds N] [--quick] [--scale X] [--seed S] [--variants LIST]
//                          [--no-install] [--markdown] [--build-time] [--json]
//
// Why this design (see shared/DESIGN.md, "Facts measured on a prototype", and BENCHMARKS.md):
// - Side by side, CPU time of the same fixed work with and without a GC hook is the only
//   honest end-to-end number, but on this kind of machine it is noisy (±5 %, ≈ ±14 µs per
//   scavenge at best) — far coarser than a ~100 ns hook. So we also print the noise band
//   (two no-addon runs per round, A and A') and leakwatch's own self-metered time beside it,
//   and the side-by-side number serves as a cross-check of the self-metering, not a proof.
// - Every run is a fresh child process (no JIT / heap state shared between variants), the
//   children run one at a time (never two at once: they would share 2 cores and disturb each
//   other), and within every round all runs (variants × workloads) are shuffled, so slow
//   drifts of the machine (thermal, other tenants) hit all variants alike. Ratios are paired
//   by round.
// - Variants: A / A' no addon; B leakwatch (stats + leak listeners, default options); C
//   leakwatch with includeMinorGc; anchors P perf_hooks, M @airbnb/node-memwatch, G gc-stats,
//   D @datadog/native-metrics, N @newrelic/native-metrics, X v8.GCProfiler (see bench/child.js).
//   The anchor packages are not dependencies of leakwatch: they are installed on demand into
//   bench/anchors/node_modules (exact versions in bench/anchors/package.json). A variant that
//   cannot be installed or loaded is reported as "unavailable: <reason>" and skipped.
// - Workloads: scavenge (scavenge-heavy microbenchmark), service (service-like), fullgc
//   (forced full GCs on a fixed heap: the cost per full GC). See bench/workloads/.
// - Variant A does not count GCs (see bench/child.js): per-GC divisions of every variant use
//   the GC count of the B run of the same round and workload (C uses its own).
//
// Output: markdown on stdout (`--markdown`: the whole BENCHMARKS.md, machine and method
// included), progress on stderr, everything as JSON in bench/results/latest.json (`--json`
// also prints that JSON to stdout).

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const CHILD = path.join(__dirname, 'child.js');
const ANCHOR_DIR = path.join(__dirname, 'anchors');
const REPO = path.join(__dirname, '..');
const WORKLOADS = ['scavenge', 'service', 'fullgc'];
// A2 is the second no-addon run of the round (A'): A vs A2 is the noise band.
const ALL_VARIANTS = ['A', 'A2', 'B', 'C', 'P', 'M', 'G', 'D', 'N', 'X'];
const LEAKWATCH = ['B', 'C'];
const ANCHORS = ['P', 'M', 'G', 'D', 'N', 'X'];
const NATIVE_ANCHORS = ['M', 'G', 'D', 'N']; // native addons installed from npm
const VARIANT_LABEL = {
  A: 'A no addon',
  A2: "A' no addon (again)",
  B: 'B leakwatch stats+leak',
  C: 'C leakwatch includeMinorGc',
  P: 'P perf_hooks gc observer',
  M: 'M @airbnb/node-memwatch',
  G: 'G gc-stats',
  D: 'D @datadog/native-metrics',
  N: 'N @newrelic/native-metrics',
  X: 'X v8.GCProfiler',
};
/** npm package behind a variant (null: built into Node). */
const VARIANT_PACKAGE = {
  M: '@airbnb/node-memwatch',
  G: 'gc-stats',
  D: '@datadog/native-metrics',
  N: '@newrelic/native-metrics',
};
const CHILD_TIMEOUT_MS = 120_000;
const EXIT_GRACE_MS = 5_000; // a child must exit by itself this soon after printing its result
const GOAL_SCAVENGE_NS = 100;
const GOAL_FULL_GC_NS = 1000;

// ---------------------------------------------------------------------------------------
// Arguments

function parseArgs(argv) {
  const o = { rounds: null, quick: false, scale: null, seed: null, json: false, markdown: false, install: true, variants: null, buildTime: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--rounds') o.rounds = Number(value());
    else if (a === '--quick') o.quick = true;
    else if (a === '--scale') o.scale = Number(value());
    else if (a === '--seed') o.seed = Number(value());
    else if (a === '--json') o.json = true;
    else if (a === '--markdown') o.markdown = true;
    else if (a === '--no-install') o.install = false;
    else if (a === '--build-time') o.buildTime = true;
    else if (a === '--variants') o.variants = value().split(',').map((x) => x.trim()).filter(Boolean);
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'usage: node bench/overhead.js [--rounds N] [--quick] [--scale X] [--seed S] [--variants LIST]\n' +
          '                              [--no-install] [--markdown] [--build-time] [--json]\n' +
          '  --rounds N       rounds; each runs every variant on every workload once, shuffled (default 8; 2 with --quick)\n' +
          '  --quick          2 rounds at scale 0.2: a smoke run (~1 min), numbers too noisy to quote\n' +
          '  --scale X        multiplies the fixed work of all workloads (default 1)\n' +
          '  --seed S         seed of the run-order shuffle (default: random, printed)\n' +
          `  --variants LIST  comma-separated subset of ${ALL_VARIANTS.join(',')} (A, A2 and B are always run)\n` +
          '  --no-install     do not npm-install missing anchors into bench/anchors (report them unavailable)\n' +
          '  --markdown       print the whole BENCHMARKS.md (machine, method, results, install paths)\n' +
          '  --build-time     before the rounds, time a clean release build of leakwatch (throwaway target dir)\n' +
          '  --json           also print the JSON results to stdout\n',
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  // Defaults: 8 rounds × 30 runs ≈ 7–8 minutes on a 2-core machine.
  if (o.rounds === null) o.rounds = o.quick ? 2 : 8;
  if (o.scale === null) o.scale = o.quick ? 0.2 : 1;
  if (o.seed === null) o.seed = (Date.now() ^ (process.pid << 8)) >>> 0;
  if (!(Number.isInteger(o.rounds) && o.rounds >= 1)) throw new Error('--rounds must be a whole number ≥ 1');
  if (!(o.scale > 0)) throw new Error('--scale must be > 0');
  if (o.variants) {
    const bad = o.variants.filter((v) => !ALL_VARIANTS.includes(v));
    if (bad.length) throw new Error(`unknown variant(s) ${bad.join(', ')} (choose from ${ALL_VARIANTS.join(', ')})`);
    o.variants = ALL_VARIANTS.filter((v) => ['A', 'A2', 'B'].includes(v) || o.variants.includes(v));
  } else o.variants = ALL_VARIANTS.slice();
  return o;
}

// ---------------------------------------------------------------------------------------
// Small statistics helpers

/** Seeded PRNG (mulberry32), so a run order can be reproduced with --seed. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(items, random) {
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

function quantile(values, q) {
  const v = values.filter(Number.isFinite).sort((x, y) => x - y);
  if (v.length === 0) return NaN;
  const pos = (v.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}
const median = (values) => quantile(values, 0.5);
const summary = (values) => ({
  median: median(values),
  p25: quantile(values, 0.25),
  p75: quantile(values, 0.75),
  min: quantile(values, 0),
  max: quantile(values, 1),
  n: values.filter(Number.isFinite).length,
});

// ---------------------------------------------------------------------------------------
// Running children

function runChild(variant, workload, scale) {
  const childVariant = variant === 'A2' ? 'A' : variant;
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [CHILD, childVariant, workload, String(scale)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let resultAt = null;
    let timedOut = false;
    let lingered = false;
    child.stdout.on('data', (d) => {
      stdout += d;
      if (resultAt === null && stdout.includes('LEAKWATCH_BENCH_RESULT ')) {
        resultAt = Date.now();
        // The child should now exit by itself; if it does not, leakwatch kept it alive.
        setTimeout(() => {
          if (child.exitCode === null && child.signalCode === null) {
            lingered = true;
            child.kill('SIGKILL'); // only this child, by its own handle
          }
        }, EXIT_GRACE_MS).unref();
      }
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, CHILD_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('LEAKWATCH_BENCH_RESULT '));
      const base = {
        variant,
        workload,
        exitCode: code,
        signal,
        timedOut,
        exitedOnItsOwn: resultAt !== null && !lingered && code === 0,
        exitAfterResultMs: resultAt === null ? null : Date.now() - resultAt,
        elapsedMs: Date.now() - started,
      };
      if (!line) {
        resolve({ ...base, error: `no result (exit ${code}, signal ${signal}): ${stderr.trim().slice(-2000)}` });
        return;
      }
      resolve({ ...base, ...JSON.parse(line.slice('LEAKWATCH_BENCH_RESULT '.length)), variant });
    });
  });
}

// ---------------------------------------------------------------------------------------
// Anchors: install on demand, probe, describe how each ships its binary

const anchorPackageJson = () => JSON.parse(fs.readFileSync(path.join(ANCHOR_DIR, 'package.json'), 'utf8'));

/** Directory of an installed package (bench/anchors first, then the repository), or null. */
function packageDir(name) {
  for (const base of [path.join(ANCHOR_DIR, 'node_modules'), path.join(REPO, 'node_modules')]) {
    const dir = path.join(base, ...name.split('/'));
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
  }
  return null;
}

/** Installs bench/anchors/package.json's dependencies when one is missing. */
function ensureAnchors(install) {
  const wanted = Object.keys(anchorPackageJson().dependencies || {});
  const missing = wanted.filter((name) => !fs.existsSync(path.join(ANCHOR_DIR, 'node_modules', ...name.split('/'), 'package.json')));
  const record = { wanted, missingBefore: missing, ran: false };
  if (missing.length === 0 || !install) return record;
  const args = ['install', '--prefix', ANCHOR_DIR, '--no-audit', '--no-fund', '--foreground-scripts'];
  process.stderr.write(`installing the anchors (${missing.join(', ')} missing): npm ${args.join(' ')}\n`);
  const started = Date.now();
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const res = spawnSync(npm, args, { cwd: REPO, encoding: 'utf8', timeout: 600_000, maxBuffer: 64 << 20 });
  const output = `${res.stdout || ''}${res.stderr || ''}`;
  Object.assign(record, {
    ran: true,
    command: `npm ${args.join(' ').replace(ANCHOR_DIR, path.relative(REPO, ANCHOR_DIR))}`,
    npmVersion: spawnSync(npm, ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? null,
    exitCode: res.status,
    error: res.error ? res.error.message : null,
    seconds: (Date.now() - started) / 1000,
    // What npm said about each package's install script, compilers and prebuilds.
    highlights: output
      .split('\n')
      .filter((l) => /^> |install-scripts|gyp (ERR|info ok)|SOLINK|prebuild|added \d+|npm (warn|error)/.test(l))
      .slice(0, 40),
  });
  process.stderr.write(`npm install ${res.status === 0 ? 'done' : `FAILED (exit ${res.status})`} in ${record.seconds.toFixed(1)} s\n`);
  return record;
}

/** Loads and starts a variant's hook in a throwaway child: 'ok' or the reason it cannot run. */
function probe(variant) {
  const res = spawnSync(process.execPath, [CHILD, variant, '--probe'], { encoding: 'utf8', timeout: 60_000 });
  const line = (res.stdout || '').split('\n').find((l) => l.startsWith('LEAKWATCH_BENCH_PROBE '));
  if (!line) return `probe failed (exit ${res.status}): ${(res.stderr || '').trim().split('\n').slice(-1)[0] || 'no output'}`;
  return line.slice('LEAKWATCH_BENCH_PROBE '.length).trim();
}

/** How an installed anchor package ships its native binary, from what is on disk. */
function describePackage(name) {
  const dir = packageDir(name);
  if (!dir) return { name, installed: false };
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const prebuildsDir = path.join(dir, 'prebuilds');
  const prebuilds = fs.existsSync(prebuildsDir)
    ? fs.readdirSync(prebuildsDir).flatMap((d) => {
        const sub = path.join(prebuildsDir, d);
        return fs.statSync(sub).isDirectory() ? fs.readdirSync(sub).map((f) => `${d}/${f}`) : [];
      })
    : [];
  const releaseDir = path.join(dir, 'build', 'Release');
  const builtFromSource = fs.existsSync(releaseDir) && fs.readdirSync(releaseDir).some((f) => f.endsWith('.node'));
  let loads = null;
  try {
    const ngb = require(require.resolve('node-gyp-build', { paths: [dir] }));
    loads = path.relative(dir, ngb.path(dir));
  } catch {
    if (builtFromSource) loads = path.join('build', 'Release', fs.readdirSync(releaseDir).find((f) => f.endsWith('.node')));
  }
  return {
    name,
    version: pkg.version,
    installed: true,
    location: path.relative(REPO, dir),
    installScript: pkg.scripts?.install ?? (fs.existsSync(path.join(dir, 'binding.gyp')) ? 'node-gyp rebuild (implicit: binding.gyp)' : null),
    hasSources: fs.existsSync(path.join(dir, 'binding.gyp')),
    prebuilds,
    builtFromSource,
    loads,
    engines: pkg.engines?.node ?? null,
  };
}

// ---------------------------------------------------------------------------------------
// The machine

function machine() {
  const read = (f) => {
    try {
      return fs.readFileSync(f, 'utf8');
    } catch {
      return '';
    }
  };
  const cpuinfo = read('/proc/cpuinfo');
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? '?';
  const memKb = Number(/MemTotal:\s*(\d+)/.exec(read('/proc/meminfo'))?.[1]);
  const nproc = spawnSync('nproc', { encoding: 'utf8' });
  const npm = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['--version'], { encoding: 'utf8' });
  return {
    nproc: nproc.status === 0 ? Number(nproc.stdout.trim()) : os.availableParallelism(),
    cpus: os.cpus().length,
    cpuModel: model,
    memGiB: Number.isFinite(memKb) ? memKb / 1024 / 1024 : os.totalmem() / 2 ** 30,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    abi: process.versions.modules,
    napi: process.versions.napi,
    npm: npm.status === 0 ? npm.stdout.trim() : null,
  };
}

// ---------------------------------------------------------------------------------------
// Analysis

const ok = (x) => Boolean(x) && !x.error;

function analyse(rounds, variants) {
  const out = {};
  for (const w of WORKLOADS) {
    // Rounds where the reference runs (A, and B for the GC counts) succeeded.
    const base = rounds.map((r) => r[w]).filter((r) => ok(r.A) && ok(r.B));
    const gcsOf = (r, v) => (v === 'C' ? r.C.workGcCount : r.B.workGcCount);
    const rowsOf = (v) => base.filter((r) => ok(r[v]));

    const medians = {};
    for (const v of variants) {
      const rows = rowsOf(v);
      const col = (f) => median(rows.map((r) => f(r[v])));
      const lw = LEAKWATCH.includes(v);
      medians[v] = {
        n: rows.length,
        cpuMs: col((x) => x.cpuMs),
        wallMs: col((x) => x.wallMs),
        scavenges: lw ? col((x) => x.workGcCount.scavenge) : null,
        fullGcs: lw ? col((x) => x.workGcCount.markSweepCompact) : null,
        incrementalMarking: lw ? col((x) => x.workGcCount.incrementalMarking) : null,
        gcPauseMs: lw ? col((x) => x.window.gcTimeMs.total) : null,
        selfMs: lw ? col((x) => x.window.selfTimeByKindMs.total + x.window.deliverySelfTimeMs) : null,
        statsEvents: lw ? col((x) => x.window.statsEvents) : null,
        batches: lw ? col((x) => x.window.batches) : null,
        droppedEvents: lw ? col((x) => x.events.dropped) : null,
        // GCs the hook itself saw (pre-work GC + work + end), to check it really hooked them;
        // leakwatch's window (work + one forced full GC) is the comparable count.
        seen: ANCHORS.includes(v) ? col((x) => x.anchorSeen) : lw ? col((x) => x.window.gcCount.total) : null,
      };
    }

    // Paired by round: X / A, (X − A) per GC of the work, and B / X.
    const paired = {};
    for (const v of variants.filter((x) => x !== 'A')) {
      const rows = rowsOf(v);
      paired[v] = {
        n: rows.length,
        cpuRatio: summary(rows.map((r) => r[v].cpuMs / r.A.cpuMs)),
        wallRatio: summary(rows.map((r) => r[v].wallMs / r.A.wallMs)),
        nsPerGc: summary(rows.map((r) => ((r[v].cpuMs - r.A.cpuMs) * 1e6) / gcsOf(r, v).total)),
        nsPerScavenge: summary(rows.map((r) => ((r[v].cpuMs - r.A.cpuMs) * 1e6) / gcsOf(r, v).scavenge)),
        nsPerFullGc: summary(rows.map((r) => ((r[v].cpuMs - r.A.cpuMs) * 1e6) / gcsOf(r, v).markSweepCompact)),
        bOverThis: summary(rows.map((r) => r.B.cpuMs / r[v].cpuMs)),
      };
    }
    const noiseRows = rowsOf('A2');
    const noiseRatio = noiseRows.map((r) => r.A2.cpuMs / r.A.cpuMs);
    const noiseNs = noiseRows.map((r) => ((r.A2.cpuMs - r.A.cpuMs) * 1e6) / r.B.workGcCount.total);
    const noise = {
      // Typical |A'/A − 1|: how far two identical no-addon runs land apart.
      medianAbsRatioMinus1: median(noiseRatio.map((x) => Math.abs(x - 1))),
      ratioIqr: [quantile(noiseRatio, 0.25), quantile(noiseRatio, 0.75)],
      medianAbsNsPerGc: median(noiseNs.map(Math.abs)),
      nsPerGcIqr: [quantile(noiseNs, 0.25), quantile(noiseNs, 0.75)],
    };

    // Self-metered, per GC of each kind, over the window (work GCs + one forced full GC).
    const selfMetered = {};
    for (const v of LEAKWATCH.filter((x) => variants.includes(x))) {
      const rows = rowsOf(v);
      const per = (f) => summary(rows.map((r) => f(r[v].window)));
      const perKindNs = (k) => per((x) => (x.gcCount[k] > 0 ? (x.selfTimeByKindMs[k] * 1e6) / x.gcCount[k] : NaN));
      const firstBatch = rows.map((r) => (r[v].batchMs.length > 0 ? r[v].batchMs[0] * 1e6 : NaN));
      const laterBatches = rows.map((r) => (r[v].batchMs.length > 1 ? median(r[v].batchMs.slice(1)) * 1e6 : NaN));
      const maxBatch = rows.map((r) => (r[v].batchMs.length > 0 ? Math.max(...r[v].batchMs) * 1e6 : NaN));
      selfMetered[v] = {
        callbackNsPerScavenge: perKindNs('scavenge'),
        callbackNsPerFullGc: perKindNs('markSweepCompact'),
        callbackNsPerIncrementalMarking: perKindNs('incrementalMarking'),
        deliveryNsPerBatch: per((x) => (x.batches > 0 ? (x.deliverySelfTimeMs * 1e6) / x.batches : NaN)),
        deliveryNsPerFullGc: per((x) => (x.gcCount.markSweepCompact > 0 ? (x.deliverySelfTimeMs * 1e6) / x.gcCount.markSweepCompact : NaN)),
        deliveryNsPerEvent: per((x) => (x.statsEvents > 0 ? (x.deliverySelfTimeMs * 1e6) / x.statsEvents : NaN)),
        // Per full GC, everything leakwatch metered: callback + delivery (full GCs are delivered).
        fullGcNs: per((x) =>
          x.gcCount.markSweepCompact > 0
            ? ((x.selfTimeByKindMs.markSweepCompact + x.deliverySelfTimeMs) * 1e6) / x.gcCount.markSweepCompact
            : NaN,
        ),
        // take_batch of the very first batch of the process (the pre-work full GC) vs later ones.
        firstBatchNs: summary(firstBatch),
        laterBatchMedianNs: summary(laterBatches),
        maxBatchNs: summary(maxBatch),
        // Everything leakwatch metered, divided by all GCs of the window: comparable with the
        // side-by-side ns per GC.
        totalNsPerGc: per((x) => ((x.selfTimeByKindMs.total + x.deliverySelfTimeMs) * 1e6) / x.gcCount.total),
      };
    }

    out[w] = { rounds: base.length, medians, paired, noise, selfMetered };
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Printing

const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f3 = (x) => (Number.isFinite(x) ? x.toFixed(3) : '–');
const pct = (x) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : '–');
const ns = (x) => {
  if (!Number.isFinite(x)) return '–';
  if (Math.abs(x) >= 1e6) return `${(x / 1e6).toFixed(1)} ms`;
  if (Math.abs(x) >= 10_000) return `${(x / 1000).toFixed(0)} µs`;
  if (Math.abs(x) >= 1000) return `${(x / 1000).toFixed(1)} µs`;
  return `${x.toFixed(0)} ns`;
};
// Signed, in ns or µs: for differences.
const signed = (x) => (Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${ns(Math.abs(x))}` : '–');
const table = (header, rows) =>
  [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const iqr3 = (s) => `${f3(s.median)} [${f3(s.p25)}, ${f3(s.p75)}]`;
const iqrSigned = (s) => `${signed(s.median)} [${signed(s.p25)}, ${signed(s.p75)}]`;
const iqrNs = (s) => `${ns(s.median)} [${ns(s.p25)}, ${ns(s.p75)}]`;

const verdict = (x, goal) => (Number.isFinite(x) ? (x <= goal ? 'met' : `NOT met (${(x / goal).toFixed(1)}× the goal)`) : '–');

/** Is B's ratio to no addon inside the no-addon noise band of this workload? */
function withinNoise(a) {
  const r = a.paired.B.cpuRatio.median;
  return Math.abs(r - 1) <= a.noise.medianAbsRatioMinus1 || (r >= a.noise.ratioIqr[0] && r <= a.noise.ratioIqr[1]);
}

/** leakwatch (B) against one anchor, from the per-round CPU(B)/CPU(anchor). */
function againstAnchor(s) {
  if (!(s.n > 0)) return '–';
  if (s.median <= 1) return 'at or below';
  if (s.p25 <= 1) return 'tie (IQR spans 1)';
  return 'above';
}

function reportResults(meta, analysis, failures, level) {
  const lines = [];
  const p = (s = '') => lines.push(s);
  const h = (n, s) => p(`${'#'.repeat(level + n)} ${s}`);
  const { variants, unavailable } = meta;
  const shown = ALL_VARIANTS.filter((v) => v !== 'A' && (variants.includes(v) || unavailable[v]));
  const cell = (v, w, f) => (unavailable[v] ? `unavailable: ${unavailable[v]}` : f(analysis[w], v));

  h(0, 'Results');
  p();
  p(
    `${meta.rounds} rounds × ${meta.jobsPerRound} child runs (${variants.length} variants × ${WORKLOADS.length} workloads, ` +
      `shuffled within each round), scale ${meta.scale}, seed ${meta.seed}, ${(meta.elapsedMs / 60_000).toFixed(1)} min; ` +
      `load average at start ${meta.loadavg.map((x) => x.toFixed(2)).join(' ')}, at the end ${meta.loadavgEnd.map((x) => x.toFixed(2)).join(' ')}. ` +
      `Complete rounds per workload: ${WORKLOADS.map((w) => `${w} ${analysis[w].rounds}`).join(', ')}.`,
  );
  p();

  h(1, 'Throughput: CPU time of the fixed work, ratio to no addon');
  p();
  p(`CPU(X) / CPU(A) of the same round, median [IQR] over rounds. Lower is better; A' is the noise band.`);
  p();
  p(table(['variant', ...WORKLOADS.map((w) => `${w}`)], shown.map((v) => [VARIANT_LABEL[v], ...WORKLOADS.map((w) => cell(v, w, (a) => iqr3(a.paired[v].cpuRatio)))])));
  p();

  h(1, 'Cost per GC');
  p();
  p(
    `Side by side: (CPU(X) − CPU(A)) / GCs of the work (the GC count of the B run of the same round), median [IQR]. ` +
      `Per scavenge from the scavenge workload, per full GC from the fullgc workload (forced full GCs on a fixed heap). ` +
      `"Self-metered" rows: the time leakwatch measured inside its own hook (callback) and in delivery (take_batch + conversion of the batch to JS, up to the JS callback), per GC of that kind.`,
  );
  p();
  const gcRows = shown.map((v) => [
    VARIANT_LABEL[v],
    cell(v, 'scavenge', (a) => iqrSigned(a.paired[v].nsPerScavenge)),
    cell(v, 'fullgc', (a) => iqrSigned(a.paired[v].nsPerFullGc)),
    cell(v, 'service', (a) => iqrSigned(a.paired[v].nsPerGc)),
    unavailable[v] || v === 'A2'
      ? '–'
      : WORKLOADS.map((w) => `${f0(analysis[w].medians[v].seen)}`).join(' / '),
  ]);
  for (const v of LEAKWATCH.filter((x) => variants.includes(x))) {
    const sc = analysis.scavenge.selfMetered[v];
    const fg = analysis.fullgc.selfMetered[v];
    const sv = analysis.service.selfMetered[v];
    const perScavenge =
      v === 'C'
        ? `${ns(sc.callbackNsPerScavenge.median)} callback + ${ns(sc.deliveryNsPerEvent.median)} delivery per event`
        : iqrNs(sc.callbackNsPerScavenge);
    gcRows.push([`${v} self-metered`, perScavenge, iqrNs(fg.fullGcNs), ns(sv.totalNsPerGc.median), '']);
  }
  p(table(['variant', 'ns added per scavenge (scavenge)', 'ns added per full GC (fullgc)', 'ns added per GC (service)', 'GCs the hook saw: scavenge / service / fullgc'], gcRows));
  p();
  const lwSeen = WORKLOADS.map((w) => `${w} ${f0(analysis[w].medians.B.scavenges)} scavenges + ${f0(analysis[w].medians.B.fullGcs)} full GCs + ${f0(analysis[w].medians.B.incrementalMarking)} incremental markings`).join('; ');
  p(
    `GCs of the work, as leakwatch (B) counted them (median): ${lwSeen}. ` +
      `"GCs the hook saw" counts what each hook itself reported from its start to the end of the run (leakwatch: the work + one forced full GC; ` +
      `anchors: the pre-work full GC + the work); memwatch reports full GCs only, the agents' collectors count every GC type.`,
  );
  p();
  const n = (w) => analysis[w].noise;
  p(
    `Noise band (A' vs A): median |A'/A − 1| = ${WORKLOADS.map((w) => `${w} ± ${pct(n(w).medianAbsRatioMinus1)}`).join(', ')}; ` +
      `per GC that is ± ${ns(n('scavenge').medianAbsNsPerGc)} per scavenge (scavenge) and ± ${ns(n('fullgc').medianAbsNsPerGc)} per full GC (fullgc). ` +
      `Differences smaller than that cannot be told apart side by side.`,
  );
  p();

  const anchorsShown = ANCHORS.filter((v) => variants.includes(v));
  if (anchorsShown.length > 0) {
    h(1, 'leakwatch against each anchor, paired by round');
    p();
    p(`CPU(B) / CPU(anchor) of the same round, median [IQR]: below 1 means leakwatch cost less CPU than the anchor.`);
    p();
    p(
      table(
        ['anchor', ...WORKLOADS],
        anchorsShown.map((v) => [VARIANT_LABEL[v], ...WORKLOADS.map((w) => `${iqr3(analysis[w].paired[v].bOverThis)} ${againstAnchor(analysis[w].paired[v].bOverThis)}`)]),
      ),
    );
    p();
  }

  h(1, 'Goals (reported, not asserted)');
  p();
  const gB = analysis.scavenge.selfMetered.B;
  const gC = analysis.scavenge.selfMetered.C;
  const fB = analysis.fullgc.selfMetered.B;
  const goalRows = [
    [`≤ ${GOAL_SCAVENGE_NS} ns per scavenge, self-metered (B, default options)`, ns(gB.callbackNsPerScavenge.median), verdict(gB.callbackNsPerScavenge.median, GOAL_SCAVENGE_NS)],
  ];
  if (gC) {
    const cTotal = gC.callbackNsPerScavenge.median + gC.deliveryNsPerEvent.median;
    goalRows.push([`≤ ${GOAL_SCAVENGE_NS} ns per scavenge, self-metered (C, every scavenge delivered)`, `${ns(gC.callbackNsPerScavenge.median)} callback + ${ns(gC.deliveryNsPerEvent.median)} delivery`, verdict(cTotal, GOAL_SCAVENGE_NS)]);
  }
  goalRows.push([`≤ ${GOAL_FULL_GC_NS / 1000} µs per full GC, self-metered (B fullgc: callback only, the GC pause itself)`, ns(fB.callbackNsPerFullGc.median), verdict(fB.callbackNsPerFullGc.median, GOAL_FULL_GC_NS)]);
  goalRows.push([
    `≤ ${GOAL_FULL_GC_NS / 1000} µs per full GC, self-metered (B fullgc: callback + delivery up to JS)`,
    `${ns(fB.callbackNsPerFullGc.median)} callback + ${ns(fB.deliveryNsPerFullGc.median)} delivery = ${ns(fB.fullGcNs.median)}`,
    verdict(fB.fullGcNs.median, GOAL_FULL_GC_NS),
  ]);
  for (const w of WORKLOADS) {
    const a = analysis[w];
    goalRows.push([
      `B within the no-addon noise band (${w})`,
      `ratio ${f3(a.paired.B.cpuRatio.median)} vs A' ${f3(a.paired.A2.cpuRatio.median)} [${f3(a.noise.ratioIqr[0])}, ${f3(a.noise.ratioIqr[1])}]`,
      withinNoise(a) ? 'within' : 'outside',
    ]);
  }
  for (const w of WORKLOADS) {
    const natives = NATIVE_ANCHORS.filter((v) => variants.includes(v));
    if (natives.length === 0) continue;
    const per = natives.map((v) => `${v} ${againstAnchor(analysis[w].paired[v].bOverThis)} (${f3(analysis[w].paired[v].bOverThis.median)})`);
    const all = natives.every((v) => analysis[w].paired[v].bOverThis.median <= 1);
    const noneAbove = natives.every((v) => againstAnchor(analysis[w].paired[v].bOverThis) !== 'above');
    goalRows.push([`B at or below every native anchor (${w})`, per.join(', '), all ? 'met' : noneAbove ? 'met within noise (no anchor clearly below B)' : 'NOT met']);
  }
  p(table(['goal', 'measured (median)', 'verdict'], goalRows));
  p();

  h(1, 'Details');
  p();
  p(`Medians per variant and workload. CPU = process.cpuUsage() user+system of the fixed work only (all threads).`);
  p();
  const mrows = [];
  for (const w of WORKLOADS) {
    for (const v of variants) {
      const m = analysis[w].medians[v];
      const lw = LEAKWATCH.includes(v);
      mrows.push([
        w,
        VARIANT_LABEL[v],
        f1(m.cpuMs),
        f1(m.wallMs),
        v === 'A' ? '–' : iqr3(analysis[w].paired[v].wallRatio),
        lw ? `${f0(m.scavenges)} / ${f0(m.fullGcs)} + ${f0(m.incrementalMarking)}` : '(= B)',
        lw ? f1(m.gcPauseMs) : '–',
        lw ? f3(m.selfMs) : '–',
        lw ? `${f0(m.statsEvents)} / ${f0(m.batches)} / ${f0(m.droppedEvents)}` : '–',
      ]);
    }
  }
  p(table(['workload', 'variant', 'CPU ms', 'wall ms', 'wall ratio', 'scavenges / full GCs + incr. marking', 'GC pause ms', 'leakwatch self ms', 'stats events / batches / dropped'], mrows));
  p();
  p(
    `leakwatch self-metering in detail. Callback = prologue + epilogue of the C++ hook (incl. GetHeapStatistics and queueing when the GC ` +
      `is delivered); delivery = take_batch() on the JS thread + the conversion of the batch to JS objects, up to the start of the JS callback. Over the window of the work + one forced full GC. Median [IQR] over rounds. ` +
      `Not covered by the self-metering: the threadsafe-function wake-up of the event loop, the \`emit\` and the listeners: ` +
      `those show only side by side.`,
  );
  p();
  const xrows = [];
  for (const w of WORKLOADS) {
    for (const v of LEAKWATCH.filter((x) => variants.includes(x))) {
      const s = analysis[w].selfMetered[v];
      xrows.push([
        w,
        VARIANT_LABEL[v],
        iqrNs(s.callbackNsPerScavenge),
        iqrNs(s.callbackNsPerFullGc),
        iqrNs(s.callbackNsPerIncrementalMarking),
        iqrNs(s.deliveryNsPerBatch),
        `${ns(s.firstBatchNs.median)} / ${ns(s.laterBatchMedianNs.median)} / ${ns(s.maxBatchNs.median)}`,
        ns(s.totalNsPerGc.median),
        `${signed(analysis[w].paired[v].nsPerGc.median)} (noise ± ${ns(analysis[w].noise.medianAbsNsPerGc)})`,
      ]);
    }
  }
  p(
    table(
      ['workload', 'variant', 'callback per scavenge', 'callback per full GC', 'callback per incr. marking', 'delivery per batch', 'delivery: 1st batch / later median / max', 'self total per GC', 'side by side per GC'],
      xrows,
    ),
  );
  p();
  p(`All children exited on their own (no lingering handles): ${meta.allChildrenExitedOnTheirOwn ? 'yes' : 'NO'}.`);
  p();
  if (failures.length > 0) {
    h(1, 'Problems');
    p();
    for (const f of failures) p(`- ${f}`);
    p();
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------
// BENCHMARKS.md (--markdown)

/** Optional (--build-time): a clean release build of leakwatch into a throwaway target dir. */
function measureBuild() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-build-time-'));
  const env = { ...process.env, CARGO_TARGET_DIR: dir, LEAKWATCH_NODE: process.execPath };
  const bundled = path.join(path.dirname(process.execPath), '..', 'include', 'node');
  if (!env.NODE_INCLUDE_DIR && fs.existsSync(path.join(bundled, 'node_version.h'))) env.NODE_INCLUDE_DIR = bundled;
  process.stderr.write(`timing a clean \`cargo build --release --lib\` (target dir ${dir})…\n`);
  const started = Date.now();
  const res = spawnSync(process.env.CARGO || 'cargo', ['build', '--release', '--lib', '--offline'], { cwd: REPO, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  fs.rmSync(dir, { recursive: true, force: true });
  const cargo = spawnSync(process.env.CARGO || 'cargo', ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? '?';
  return {
    ok: res.status === 0,
    seconds: (Date.now() - started) / 1000,
    cargo,
    note: res.status === 0 ? null : (res.stderr || '').trim().split('\n').slice(-3).join(' '),
  };
}

function anchorUseRows(packages) {
  const version = (name) => {
    const d = packages[name];
    return d && d.installed ? `${name}@${d.version}` : `${name} (not installed)`;
  };
  return [
    ['A, A\'', '–', 'Nothing: leakwatch is not even required. Two runs per round give the noise band.'],
    ['B', `leakwatch@${require(path.join(REPO, 'package.json')).version} (this repository)`, "`on('stats')` + `on('leak')`, default options: the C++ hook times and counts every GC; full GCs are queued to JS (batched, weak threadsafe function) and emitted as `stats`, fed to the leak detector."],
    ['C', 'leakwatch', "As B plus `configure({ includeMinorGc: true })`: every scavenge is delivered to JS too (worst case)."],
    ['P', `node:perf_hooks (Node ${process.version})`, "`new PerformanceObserver(cb).observe({ entryTypes: ['gc'] })`: Node's own hook creates a `PerformanceEntry` per GC and calls the observer from the event loop."],
    ['M', version('@airbnb/node-memwatch'), "`on('stats')` + `on('leak')` (as B). Counts every GC in its hook; after each full GC it reads heap statistics and runs `uv_queue_work` to emit `stats`."],
    ['G', version('gc-stats'), "`require('gc-stats')().on('stats', cb)`: `GetHeapStatistics` before and after every GC, a fresh `uv_async_t` per GC, and a JS `stats` event (three heap-stat objects) per GC, scavenges included."],
    [
      'D',
      version('@datadog/native-metrics'),
      "`start()` (GC and event-loop watchers, as dd-trace's runtime metrics did before Node 16.7 / as its standalone users do), then `stats()` every 1 s and once at the end of the work, reading every GC-type histogram. The hook records each GC's pause into per-type histograms in C++.",
    ],
    [
      'N',
      version('@newrelic/native-metrics'),
      "`require('@newrelic/native-metrics')({ timeout: 15000 })` as the New Relic agent's sampler does, then `getGCMetrics()` + `getLoopMetrics()` every 1 s and once at the end of the work. The hook adds each GC's duration to a per-type accumulator in C++; a `uv_check` handle calls `getrusage` every loop turn.",
    ],
    [
      'X',
      `v8.GCProfiler (Node ${process.version})`,
      "`new v8.GCProfiler().start()`, then `stop()` + `start()` every 1 s and once at the end of the work: what dd-trace runs for its GC metrics on Node ≥ 20 (there it starts native-metrics with `'loop'` only). Node's hook records heap statistics before and after every GC; `stop()` turns them into JS objects.",
    ],
  ];
}

function installRows(packages, leakwatchBinaries) {
  const rows = [];
  rows.push([
    `leakwatch@${require(path.join(REPO, 'package.json')).version}`,
    '`node scripts/build.js` → `cargo build --release` (Rust + C++ shim)',
    'none: source only',
    'Rust toolchain, C++ compiler, headers of the running Node; cargo fetches the crates from crates.io on the first build',
    `one binary per Node ABI (\`build/leakwatch-<platform>-<arch>-abi<N>.node\`; here: ${leakwatchBinaries.join(', ') || 'none'}); after a Node upgrade the loader throws \`ERR_LEAKWATCH_ABI_MISMATCH\` → \`npm rebuild leakwatch\``,
  ]);
  const describe = (name) => packages[name];
  const d = describe('@datadog/native-metrics');
  if (d && d.installed) {
    rows.push([
      `${d.name}@${d.version}`,
      d.installScript ? `\`${d.installScript}\`` : 'none (nothing runs at install)',
      `${d.prebuilds.length} N-API prebuilds in the tarball (${d.prebuilds.map((x) => x.split('/')[0]).join(', ')}); loads \`${d.loads}\``,
      d.hasSources ? 'compiler only if no prebuild matches' : 'nothing; no sources in the package, so an unsupported platform cannot build at all (the agent catches the load error and goes without)',
      'none: one N-API binary serves every Node version (Node-API is ABI-stable)',
    ]);
  }
  const n = describe('@newrelic/native-metrics');
  if (n && n.installed) {
    const abis = [...new Set(n.prebuilds.map((x) => /abi(\d+)/.exec(x)?.[1]).filter(Boolean))].sort();
    rows.push([
      `${n.name}@${n.version}`,
      `\`${n.installScript}\`: uses a bundled prebuild if one matches, else \`node-gyp rebuild\` from the bundled sources`,
      `${n.prebuilds.length} per-ABI prebuilds in the tarball (ABIs ${abis.join(', ')}; ${[...new Set(n.prebuilds.map((x) => x.split('/')[0]))].join(', ')}); loads \`${n.loads}\``,
      'nothing when a prebuild matches; otherwise python + C++ compiler + Node headers (node-gyp); no download at install in this version',
      'a new Node ABI needs a new package release (or a source build); engines: `node ' + n.engines + '`',
    ]);
  }
  for (const name of ['gc-stats', '@airbnb/node-memwatch']) {
    const g = describe(name);
    if (!(g && g.installed)) continue;
    rows.push([
      `${g.name}@${g.version}`,
      `\`${g.installScript}\``,
      g.prebuilds.length ? `${g.prebuilds.length} prebuilds` : `none: built from source at install (\`${g.loads}\`)`,
      'python + C++ compiler + Node headers (node-gyp), NAN',
      'one binary per Node ABI, in the package directory; after a Node upgrade `npm rebuild`',
    ]);
  }
  return rows;
}

function documentMarkdown(meta, analysis, failures) {
  const lines = [];
  const p = (s = '') => lines.push(s);
  const m = meta.machine;
  p('# leakwatch benchmarks');
  p();
  p(
    '<!-- Generated by `node bench/overhead.js --markdown --build-time > BENCHMARKS.md` (the whole file, from one run); ' +
      'raw data of that run: bench/results/latest.json (not committed). Do not edit by hand: re-run. -->',
  );
  p();
  p(
    'What leakwatch costs a running service, side by side with the GC hooks people already run: Node\'s own `perf_hooks` GC ' +
      'observer and `v8.GCProfiler`, `@airbnb/node-memwatch`, `gc-stats`, and the native GC collectors of the Datadog and New Relic ' +
      'APM agents. Run it yourself with `npm run bench` (≈ 8 min; `npm run bench -- --quick` for a ≈ 1 min smoke run).',
  );
  p();
  p('## Machine');
  p();
  p(
    table(
      ['', ''],
      [
        ['CPUs (`nproc`)', `${m.nproc}`],
        ['CPU model', m.cpuModel],
        ['memory', `${m.memGiB.toFixed(1)} GiB`],
        ['OS', m.os],
        ['Node', `${m.node} (V8 ${m.v8}, ABI ${m.abi}, N-API ${m.napi}), npm ${m.npm}`],
        ['load average at start / end', `${meta.loadavg.map((x) => x.toFixed(2)).join(' ')} / ${meta.loadavgEnd.map((x) => x.toFixed(2)).join(' ')} (1, 5, 15 min)`],
      ],
    ),
  );
  p();
  p(
    'A small shared VM, not a quiet benchmark box: other processes were running during the run (the load average above shows how many). ' +
      'The method is built for that (below); read every side-by-side figure together with its noise band.',
  );
  p();
  p('## Method');
  p();
  p(
    '- **Fixed work, fresh processes, one at a time.** Each measurement is a fresh `node` child process running one workload under one ' +
      'variant: it sets up the variant, runs one identical full GC, then measures `process.cpuUsage()` (user + system, all threads, so ' +
      "V8's parallel GC helpers count) and wall time around a fixed amount of work — not process start-up, not loading the addon. " +
      'Children never run two at a time (on 2 cores they would disturb each other).',
  );
  p(
    `- **Interleaved.** A round runs every variant on every workload once, in a random order (seeded; the seed is printed), so slow ` +
      `drifts of the machine hit all variants alike; ratios are paired by round (X / A of the same round). This run: ${meta.rounds} rounds ` +
      `× ${meta.jobsPerRound} runs, after one unrecorded warm-up run per workload.`,
  );
  p(
    '- **Workloads** (`bench/workloads/`): `scavenge` — short-lived small objects in a tight loop, yielding to the event loop every ' +
      '20,000 allocations: thousands of scavenges, no full GC; `service` — simulated request handling (JSON parse, domain objects, ' +
      'JSON stringify) keeping the last 6,000 responses: promotion, incremental marking and a few full GCs, the realistic case; ' +
      '`fullgc` — 160 forced full GCs (`gc()` of `--expose-gc`) on a fixed small heap, one per event-loop turn, so that a cost per ' +
      'full GC can be measured at all (the service workload has only 3–4).',
  );
  p(
    '- **Default Node flags** (no `--single-threaded-gc`, no semi-space tuning): the cost in a service as it normally runs. The only ' +
      'flag, `--expose-gc`, is set at run time in every variant alike (for the pre-work GC and the fullgc workload).',
  );
  p(
    '- **Noise band.** Two no-addon runs per round (A and A\'). Their spread, |A\'/A − 1|, is how far two identical runs land apart; a ' +
      'variant whose ratio to A lies inside it cannot be told from no addon. The per-GC noise is the same spread divided by the GC count.',
  );
  p(
    '- **Per-GC cost, side by side**: (CPU(X) − CPU(A)) / GCs of the work. A does not count GCs (every way of counting them from JS costs ' +
      'more than what is measured), so every variant divides by the GC count of the leakwatch (B) run of the same round and workload — ' +
      'the same fixed work gives the same GCs, and each anchor\'s own count is printed beside it as a check.',
  );
  p(
    '- **Self-metered** (leakwatch only): leakwatch reads a cheap clock at the entry and exit of its C++ GC prologue/epilogue and of ' +
      'delivery (`take_batch()` and the conversion of the batch to JS objects, up to the JS callback) and reports the sums in every `stats` payload ' +
      '(`selfTimeByKindMs`, `deliverySelfTimeMs`). The difference between a payload taken before and after the work, divided by the GCs ' +
      'of each kind, is the self-metered cost per GC. It is far more precise than side by side (no noise of other work) but does not ' +
      'cover the event-loop wake-up, the `emit` and the listeners; the side-by-side figure is the cross-check.',
  );
  p(
    '- **Goals** (from the design): ≤ 100 ns per scavenge and ≤ 1 µs per full GC, self-metered; side by side at or below every native ' +
      'anchor and within the noise band of no addon.',
  );
  p();
  p('Variants and what each one does per GC (see `bench/child.js`):');
  p();
  p(table(['variant', 'package', 'use, as its users / agents use it'], anchorUseRows(meta.packages)));
  p();
  p(
    'The two agent collectors run with their event-loop watchers on, as the agents run them; that watcher costs something on every ' +
      'loop turn (≈ 4,000 turns in the scavenge workload, 2,500 in service, 160 in fullgc), which lands in their per-GC figures. ' +
      'Their periodic reads run every 1 s instead of the agents\' 10–15 s (a run is shorter than that), plus one read at the end of the ' +
      'work inside the measured window, so that reading what the hook collected is counted too.',
  );
  p();
  const unavailable = Object.entries(meta.unavailable);
  if (unavailable.length) {
    p(`Unavailable in this run: ${unavailable.map(([v, why]) => `${VARIANT_LABEL[v]} — ${why}`).join('; ')}.`);
    p();
  }

  p(reportResults(meta, analysis, failures, 2));

  // What this run says, in words, from the numbers above.
  const gB = analysis.scavenge.selfMetered.B;
  const fB = analysis.fullgc.selfMetered.B;
  p('## Reading this run');
  p();
  p(
    `- Self-metered, leakwatch's GC hook costs ${ns(gB.callbackNsPerScavenge.median)} per scavenge (goal ≤ ${GOAL_SCAVENGE_NS} ns: ` +
      `${verdict(gB.callbackNsPerScavenge.median, GOAL_SCAVENGE_NS)}) and ${ns(fB.callbackNsPerFullGc.median)} per full GC inside the GC pause ` +
      `(goal ≤ ${GOAL_FULL_GC_NS / 1000} µs: ${verdict(fB.callbackNsPerFullGc.median, GOAL_FULL_GC_NS)}); delivering a full GC's \`stats\` ` +
      `to JS (take_batch, the conversion of the payload to JS objects and the call, outside the pause) adds ${ns(fB.deliveryNsPerFullGc.median)}. ` +
      'An earlier run of this benchmark, which metered the callbacks and take_batch only and still read the clock twice in the ' +
      'prologue, measured ≈ 245 ns per scavenge and ≈ 11 µs per full GC; the callback figures above are the comparable ones.',
  );
  const ratios = WORKLOADS.map((w) => `${w} ${f3(analysis[w].paired.B.cpuRatio.median)} (noise ± ${pct(analysis[w].noise.medianAbsRatioMinus1)})`);
  p(`- Side by side, leakwatch's CPU ratio to no addon is ${ratios.join(', ')}: ${WORKLOADS.filter((w) => withinNoise(analysis[w])).length} of ${WORKLOADS.length} workloads inside the noise band.`);
  const expensive = ANCHORS.filter((v) => meta.variants.includes(v) && analysis.scavenge.paired[v].cpuRatio.median - 1 > 2 * analysis.scavenge.noise.medianAbsRatioMinus1);
  if (expensive.length) {
    p(
      `- Above no addon by more than twice the noise band on the scavenge workload: ${expensive
        .map((v) => `${VARIANT_LABEL[v]} ${signed(analysis.scavenge.paired[v].nsPerScavenge.median)} per scavenge`)
        .join(', ')}.`,
    );
  }
  p(
    '- Per-full-GC differences of a few µs are far below the fullgc noise band (a forced full GC costs milliseconds): that workload can ' +
      'rank hooks that add tens of µs or more per full GC, not separate 1 µs from 10 µs. That is what the self-metering is for.',
  );
  p();

  p('## Install path: what each costs a user');
  p();
  p(
    'How each GC hook gets its native binary onto a user\'s machine. Rows are filled from what is on disk in this checkout ' +
      '(`bench/anchors/node_modules`, `node_modules`, `build/`).',
  );
  p();
  p(table(['package', 'install script', 'binaries shipped', 'what the user needs at install', 'after a Node upgrade'], installRows(meta.packages, meta.leakwatchBinaries)));
  p();
  const ins = meta.anchorInstall;
  if (ins.ran) {
    p(
      `What happened installing the anchors in this run (\`${ins.command}\`, npm ${ins.npmVersion}, ${ins.seconds.toFixed(1)} s, exit ${ins.exitCode}${ins.error ? `, ${ins.error}` : ''}):`,
    );
    p();
    p('```');
    for (const l of ins.highlights) p(l);
    p('```');
  } else {
    p(`The anchors were already installed in \`bench/anchors/node_modules\` when this run started (${ins.wanted.join(', ')}).`);
  }
  p();
  for (const name of Object.keys(meta.packages)) {
    const d = meta.packages[name];
    if (!d.installed) continue;
    const how = d.builtFromSource ? 'compiled from source at install' : d.prebuilds.length ? 'a prebuilt binary from the package, nothing compiled' : 'no binary found';
    p(`- \`${name}@${d.version}\` (${d.location}): ${how}; loads \`${d.loads}\`.`);
  }
  if (meta.buildTime) {
    const b = meta.buildTime;
    p(
      `- leakwatch: a clean \`cargo build --release --lib\` (${b.cargo}, LTO, crates already in the local cargo cache) ` +
        (b.ok ? `took ${b.seconds.toFixed(0)} s on this machine` : `failed here: ${b.note}`) +
        '; the first install on a machine also downloads the crates (napi, napi-derive, once_cell, parking_lot, cc and their dependencies).',
    );
  }
  p();
  p(
    '**What this means for leakwatch.** Today leakwatch is the most expensive of these to install: every user builds it from source, ' +
      'so every machine that runs `npm install` — including CI images and production containers — needs a Rust toolchain and a C++ ' +
      'compiler besides the Node headers, and pays the build time; the binary is tied to one Node ABI, so a Node upgrade needs ' +
      '`npm rebuild leakwatch` (the loader says so instead of crashing). Datadog\'s package shows the cheapest path: one Node-API ' +
      'binary per platform covers every Node version, nothing runs at install. leakwatch cannot do exactly that, because its C++ shim ' +
      'uses V8\'s C++ API (GC prologue/epilogue callbacks, heap statistics), which is outside Node-API\'s ABI promise; the realistic ' +
      'target is New Relic\'s: per-ABI prebuilds for the supported Node majors and platforms shipped in the package, loaded when one ' +
      'matches, with the source build as the fallback.',
  );
  p();
  p(
    '**npm 11 install-script approval.** npm 11 keeps a per-project `allowScripts` list (`npm install-scripts ls | approve | deny`) ' +
      'and lists the dependencies whose install scripts are not approved at the end of every install. leakwatch, memwatch, gc-stats and ' +
      'New Relic\'s package all have an install script; Datadog\'s has none. Where install scripts are blocked, leakwatch installs ' +
      'without a binary and fails to load with an error naming the build command — approve it with `npm install-scripts approve leakwatch` ' +
      '(or run `npm rebuild leakwatch`). ' +
      (ins.ran && ins.highlights.some((l) => /install-scripts/.test(l))
        ? `In this run npm ${ins.npmVersion} ran the anchors' install scripts and then warned that they were not covered by \`allowScripts\` (output above).`
        : ''),
  );
  p();
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const random = rng(opts.seed);
  const meta = { ...opts, node: process.version, v8: process.versions.v8, cpus: os.cpus().length, loadavg: os.loadavg(), machine: machine() };

  // Anchors: install what is missing, then make sure each variant loads and starts here.
  meta.anchorInstall = ensureAnchors(opts.install);
  meta.unavailable = {};
  for (const v of opts.variants.filter((x) => !['A', 'A2'].includes(x))) {
    const answer = probe(v);
    if (answer !== 'ok') meta.unavailable[v] = answer;
  }
  if (meta.unavailable.B) throw new Error(`leakwatch itself cannot be loaded: ${meta.unavailable.B}`);
  const variants = opts.variants.filter((v) => !meta.unavailable[v]);
  meta.variants = variants;
  meta.packages = Object.fromEntries(Object.values(VARIANT_PACKAGE).map((name) => [name, describePackage(name)]));
  const buildDir = path.join(REPO, 'build');
  meta.leakwatchBinaries = fs.existsSync(buildDir) ? fs.readdirSync(buildDir).filter((f) => f.endsWith('.node')).sort() : [];
  if (opts.buildTime) meta.buildTime = measureBuild();
  for (const [v, why] of Object.entries(meta.unavailable)) process.stderr.write(`${VARIANT_LABEL[v]}: unavailable: ${why}\n`);

  const jobsPerRound = variants.length * WORKLOADS.length;
  meta.jobsPerRound = jobsPerRound;
  process.stderr.write(
    `leakwatch bench: ${opts.rounds} rounds × ${jobsPerRound} runs (${variants.join(' ')}), scale ${opts.scale}, seed ${opts.seed}` +
      ` (children run one at a time; progress on stderr)\n`,
  );

  const started = Date.now();
  // One unrecorded warm-up run of each workload: page cache for node, the addon, the files.
  for (const w of WORKLOADS) await runChild('B', w, Math.min(opts.scale, 0.1));

  const rounds = [];
  const failures = [];
  for (let r = 0; r < opts.rounds; r++) {
    const round = Object.fromEntries(WORKLOADS.map((w) => [w, {}]));
    const jobs = shuffle(
      WORKLOADS.flatMap((w) => variants.map((v) => ({ w, v }))),
      random,
    );
    for (const { w, v } of jobs) {
      const res = await runChild(v, w, opts.scale);
      round[w][v] = res;
      if (res.error) failures.push(`round ${r + 1} ${w} ${v}: ${res.error}`);
      else if (!res.exitedOnItsOwn) failures.push(`round ${r + 1} ${w} ${v}: did not exit on its own (killed ${EXIT_GRACE_MS} ms after its result)`);
    }
    rounds.push(round);
    const fmt = (w) => variants.map((v) => `${v}=${round[w][v].cpuMs?.toFixed(0) ?? 'ERR'}`).join(' ');
    process.stderr.write(
      `round ${r + 1}/${opts.rounds} (${((Date.now() - started) / 1000).toFixed(0)} s, load ${os.loadavg()[0].toFixed(2)}) ms CPU:\n` +
        WORKLOADS.map((w) => `  ${w.padEnd(8)} ${fmt(w)}\n`).join(''),
    );
  }
  meta.elapsedMs = Date.now() - started;
  meta.loadavgEnd = os.loadavg();
  const lingering = rounds.flatMap((rd) => WORKLOADS.flatMap((w) => variants.map((v) => rd[w][v]))).filter((x) => !x.exitedOnItsOwn).length;
  meta.allChildrenExitedOnTheirOwn = lingering === 0;

  const analysis = analyse(rounds, variants);
  const json = { meta, analysis, failures, rounds };
  const dir = path.join(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'latest.json');
  fs.writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  if (opts.markdown) process.stdout.write(`${documentMarkdown(meta, analysis, failures)}\n`);
  else process.stdout.write(`# leakwatch overhead benchmark\n\n${reportResults(meta, analysis, failures, 1)}\nRaw results: ${path.relative(process.cwd(), file)}\n`);
  if (opts.json) process.stdout.write(`${JSON.stringify(json)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exitCode = 1;
});

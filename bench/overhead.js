'use strict';
// leakwatch overhead benchmark: `npm run bench` (node bench/overhead.js).
//
//   node bench/overhead.js [--rounds N] [--quick] [--scale X] [--seed S] [--json]
//
// Why this design (see shared/DESIGN.md, "Facts measured on a prototype"):
// - Side by side, CPU time of the same fixed work with and without leakwatch is the only
//   honest end-to-end number, but on this kind of machine it is noisy (±5 %, ≈ ±14 µs per
//   scavenge at best) — far coarser than a ~100 ns hook. So we also print the noise band
//   (two no-addon runs per round, A and A') and leakwatch's own self-metered time beside it,
//   and the side-by-side number serves as a cross-check of the self-metering, not a proof.
// - Every run is a fresh child process (no JIT / heap state shared between variants), the
//   children run one at a time (never two at once: they would share 2 cores and disturb each
//   other), and within every round the 8 runs (4 variants × 2 workloads) are shuffled, so
//   slow drifts of the machine (thermal, other tenants) hit all variants alike. Ratios are
//   paired by round.
// - Variant A ("no addon") does not count GCs (see bench/child.js): its per-GC divisions use
//   the GC count of the B run of the same round and workload.
//
// Output: markdown tables on stdout, and everything as JSON in bench/results/latest.json
// (`--json` also prints that JSON to stdout).

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const CHILD = path.join(__dirname, 'child.js');
const WORKLOADS = ['scavenge', 'service'];
// A2 is the second no-addon run of the round (A'): A vs A2 is the noise band.
const VARIANTS = ['A', 'A2', 'B', 'C'];
const VARIANT_LABEL = {
  A: 'A  no addon',
  A2: "A' no addon (again)",
  B: 'B  leakwatch stats+leak',
  C: 'C  leakwatch includeMinorGc',
};
const CHILD_TIMEOUT_MS = 120_000;
const EXIT_GRACE_MS = 5_000; // a child must exit by itself this soon after printing its result
const GOAL_SCAVENGE_NS = 100;
const GOAL_FULL_GC_NS = 1000;

// ---------------------------------------------------------------------------------------
// Arguments

function parseArgs(argv) {
  const o = { rounds: null, quick: false, scale: null, seed: null, json: false };
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
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'usage: node bench/overhead.js [--rounds N] [--quick] [--scale X] [--seed S] [--json]\n' +
          '  --rounds N  rounds of 8 child runs each (default 12; 3 with --quick)\n' +
          '  --quick     3 rounds at scale 0.25: a smoke run (~15 s), numbers too noisy to quote\n' +
          '  --scale X   multiplies the fixed work of both workloads (default 1)\n' +
          '  --seed S    seed of the run-order shuffle (default: random, printed)\n' +
          '  --json      also print the JSON results to stdout\n',
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  // Defaults: 12 rounds × 8 runs ≈ 3–4 minutes on a 2-core machine.
  if (o.rounds === null) o.rounds = o.quick ? 3 : 12;
  if (o.scale === null) o.scale = o.quick ? 0.25 : 1;
  if (o.seed === null) o.seed = (Date.now() ^ (process.pid << 8)) >>> 0;
  if (!(Number.isInteger(o.rounds) && o.rounds >= 1)) throw new Error('--rounds must be a whole number ≥ 1');
  if (!(o.scale > 0)) throw new Error('--scale must be > 0');
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
// Analysis

function analyse(rounds) {
  const out = {};
  for (const w of WORKLOADS) {
    const rows = rounds.map((r) => r[w]).filter((r) => VARIANTS.every((v) => r[v] && !r[v].error));
    const col = (v, f) => rows.map((r) => f(r[v]));
    // GC count of the work: A has none of its own; it takes B's of the same round.
    const gcsOf = (r, v) => (v === 'C' ? r.C.workGcCount : r.B.workGcCount);

    const medians = {};
    for (const v of VARIANTS) {
      const withCounts = v === 'B' || v === 'C';
      medians[v] = {
        cpuMs: median(col(v, (x) => x.cpuMs)),
        wallMs: median(col(v, (x) => x.wallMs)),
        scavenges: withCounts ? median(col(v, (x) => x.workGcCount.scavenge)) : null,
        fullGcs: withCounts ? median(col(v, (x) => x.workGcCount.markSweepCompact)) : null,
        incrementalMarking: withCounts ? median(col(v, (x) => x.workGcCount.incrementalMarking)) : null,
        minorMarkSweep: withCounts ? median(col(v, (x) => x.workGcCount.minorMarkSweep)) : null,
        gcPauseMs: withCounts ? median(col(v, (x) => x.window.gcTimeMs.total)) : null,
        selfMs: withCounts ? median(col(v, (x) => x.window.selfTimeByKindMs.total + x.window.deliverySelfTimeMs)) : null,
        statsEvents: withCounts ? median(col(v, (x) => x.window.statsEvents)) : null,
        batches: withCounts ? median(col(v, (x) => x.window.batches)) : null,
        droppedEvents: withCounts ? median(col(v, (x) => x.events.dropped)) : null,
      };
    }

    // Paired by round: X / A and (X − A) per GC of the work.
    const paired = {};
    for (const v of ['A2', 'B', 'C']) {
      paired[v] = {
        cpuRatio: summary(rows.map((r) => r[v].cpuMs / r.A.cpuMs)),
        wallRatio: summary(rows.map((r) => r[v].wallMs / r.A.wallMs)),
        nsPerGc: summary(rows.map((r) => ((r[v].cpuMs - r.A.cpuMs) * 1e6) / gcsOf(r, v).total)),
        nsPerScavenge: summary(rows.map((r) => ((r[v].cpuMs - r.A.cpuMs) * 1e6) / gcsOf(r, v).scavenge)),
      };
    }
    const noiseRatio = rows.map((r) => r.A2.cpuMs / r.A.cpuMs);
    const noiseNs = rows.map((r) => ((r.A2.cpuMs - r.A.cpuMs) * 1e6) / r.B.workGcCount.total);
    const noise = {
      // Typical |A'/A − 1|: how far two identical no-addon runs land apart.
      medianAbsRatioMinus1: median(noiseRatio.map((x) => Math.abs(x - 1))),
      ratioIqr: [quantile(noiseRatio, 0.25), quantile(noiseRatio, 0.75)],
      medianAbsNsPerGc: median(noiseNs.map(Math.abs)),
      nsPerGcIqr: [quantile(noiseNs, 0.25), quantile(noiseNs, 0.75)],
    };

    // Self-metered, per GC of each kind, over the window (work GCs + one forced full GC).
    const selfMetered = {};
    for (const v of ['B', 'C']) {
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
        deliveryNsPerFullGc: per((x) => (x.deliverySelfTimeMs * 1e6) / x.gcCount.markSweepCompact),
        deliveryNsPerEvent: per((x) => (x.statsEvents > 0 ? (x.deliverySelfTimeMs * 1e6) / x.statsEvents : NaN)),
        // take_batch of the very first batch of the process (the pre-work full GC) vs later ones.
        firstBatchNs: summary(firstBatch),
        laterBatchMedianNs: summary(laterBatches),
        maxBatchNs: summary(maxBatch),
        // Everything leakwatch metered, divided by all GCs of the window: comparable with the
        // side-by-side ns per GC.
        totalNsPerGc: per((x) => ((x.selfTimeByKindMs.total + x.deliverySelfTimeMs) * 1e6) / x.gcCount.total),
      };
    }

    const countAgreement = summary(rows.map((r) => r.C.workGcCount.total / r.B.workGcCount.total));
    out[w] = { rounds: rows.length, medians, paired, noise, selfMetered, countAgreement };
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
  if (Math.abs(x) >= 10_000) return `${(x / 1000).toFixed(0)} µs`;
  if (Math.abs(x) >= 1000) return `${(x / 1000).toFixed(1)} µs`;
  return `${x.toFixed(0)} ns`;
};
// Signed, in ns or µs: for differences.
const signed = (x) => (Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${ns(Math.abs(x))}` : '–');
const table = (header, rows) =>
  [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

function report(meta, analysis, failures) {
  const lines = [];
  const p = (s = '') => lines.push(s);
  p(`# leakwatch overhead benchmark`);
  p();
  p(
    `Node ${process.version} (V8 ${process.versions.v8}), ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ` +
      `${meta.rounds} rounds × 8 child runs, scale ${meta.scale}, seed ${meta.seed}, ${(meta.elapsedMs / 1000).toFixed(0)} s, ` +
      `load average at start ${meta.loadavg.map((x) => x.toFixed(2)).join(' ')}.`,
  );
  p(`Default Node flags. CPU = process.cpuUsage() user+system of the fixed work only (all threads).`);
  p(`A does not count GCs: its per-GC figures use the GC count of the B run of the same round.`);
  p();

  p(`## Medians per variant and workload`);
  p();
  const mrows = [];
  for (const w of WORKLOADS) {
    const a = analysis[w];
    for (const v of VARIANTS) {
      const m = a.medians[v];
      mrows.push([
        w,
        VARIANT_LABEL[v],
        f1(m.cpuMs),
        f1(m.wallMs),
        m.scavenges === null ? '(= B)' : f0(m.scavenges),
        m.fullGcs === null ? '(= B)' : `${f0(m.fullGcs)} + ${f0(m.incrementalMarking)}`,
        m.gcPauseMs === null ? '–' : f1(m.gcPauseMs),
        m.selfMs === null ? '–' : f3(m.selfMs),
        m.statsEvents === null ? '–' : `${f0(m.statsEvents)} / ${f0(m.batches)} / ${f0(m.droppedEvents)}`,
      ]);
    }
  }
  p(
    table(
      ['workload', 'variant', 'CPU ms', 'wall ms', 'scavenges', 'full GCs + incr. marking', 'GC pause ms', 'self ms', 'stats events / batches / dropped'],
      mrows,
    ),
  );
  p();
  for (const w of WORKLOADS) {
    const c = analysis[w].countAgreement;
    p(`${w}: ${analysis[w].rounds} complete rounds; GC count C/B per round: median ${f3(c.median)} (min ${f3(c.min)}, max ${f3(c.max)}).`);
  }
  p();

  p(`## Side by side (paired by round) and noise band`);
  p();
  p(`Ratio = CPU(X) / CPU(A) of the same round; ns per GC = (CPU(X) − CPU(A)) / GCs of the work. ` + `Shown as median [IQR].`);
  p();
  const srows = [];
  for (const w of WORKLOADS) {
    const a = analysis[w];
    for (const v of ['A2', 'B', 'C']) {
      const s = a.paired[v];
      srows.push([
        w,
        VARIANT_LABEL[v],
        `${f3(s.cpuRatio.median)} [${f3(s.cpuRatio.p25)}, ${f3(s.cpuRatio.p75)}]`,
        `${f3(s.wallRatio.median)} [${f3(s.wallRatio.p25)}, ${f3(s.wallRatio.p75)}]`,
        `${signed(s.nsPerGc.median)} [${signed(s.nsPerGc.p25)}, ${signed(s.nsPerGc.p75)}]`,
      ]);
    }
  }
  p(table(['workload', 'variant vs A', 'CPU ratio', 'wall ratio', 'ns added per GC (CPU)'], srows));
  p();
  const nrows = WORKLOADS.map((w) => {
    const n = analysis[w].noise;
    return [
      w,
      `± ${pct(n.medianAbsRatioMinus1)}`,
      `[${f3(n.ratioIqr[0])}, ${f3(n.ratioIqr[1])}]`,
      `± ${ns(n.medianAbsNsPerGc)}`,
      `[${signed(n.nsPerGcIqr[0])}, ${signed(n.nsPerGcIqr[1])}]`,
    ];
  });
  p(`Noise band (A' vs A, two identical no-addon runs per round):`);
  p();
  p(table(['workload', 'median abs(A\'/A − 1)', "IQR of A'/A", 'median abs noise per GC', 'IQR of noise per GC'], nrows));
  p();

  p(`## Self-metered by leakwatch (B, C), beside the side-by-side difference`);
  p();
  p(
    `Callback = prologue + epilogue of the C++ hook (incl. GetHeapStatistics and queueing when the GC is delivered); ` +
      `delivery = take_batch() on the JS thread. Over the window of the work + one forced full GC. Median [IQR] over rounds.`,
  );
  p();
  const q = (s) => `${ns(s.median)} [${ns(s.p25)}, ${ns(s.p75)}]`;
  const xrows = [];
  for (const w of WORKLOADS) {
    const a = analysis[w];
    for (const v of ['B', 'C']) {
      const s = a.selfMetered[v];
      xrows.push([
        w,
        VARIANT_LABEL[v],
        q(s.callbackNsPerScavenge),
        q(s.callbackNsPerFullGc),
        q(s.callbackNsPerIncrementalMarking),
        q(s.deliveryNsPerBatch),
        `${ns(s.firstBatchNs.median)} / ${ns(s.laterBatchMedianNs.median)} / ${ns(s.maxBatchNs.median)}`,
        ns(s.totalNsPerGc.median),
        `${signed(a.paired[v].nsPerGc.median)} (noise ± ${ns(a.noise.medianAbsNsPerGc)})`,
      ]);
    }
  }
  p(
    table(
      [
        'workload',
        'variant',
        'callback per scavenge',
        'callback per full GC',
        'callback per incr. marking',
        'delivery per batch',
        'delivery: 1st batch / later median / max',
        'self total per GC',
        'side by side per GC',
      ],
      xrows,
    ),
  );
  p();
  p(
    `Not covered by the self-metering: the threadsafe-function wake-up of the event loop, the conversion of each batch ` +
      `into JS objects (napi-rs, after take_batch returns), the JS call and the \`emit\`. Those show only side by side (C).`,
  );
  p();

  p(`## Goals (reported, not asserted)`);
  p();
  const gB = analysis.scavenge.selfMetered.B;
  const gC = analysis.scavenge.selfMetered.C;
  const sB = analysis.service.selfMetered.B;
  const fullGcNs = sB.callbackNsPerFullGc.median + sB.deliveryNsPerFullGc.median;
  const verdict = (x, goal) => (Number.isFinite(x) ? (x <= goal ? 'met' : `NOT met (${(x / goal).toFixed(1)}× the goal)`) : '–');
  p(
    table(
      ['goal', 'measured (median)', 'verdict'],
      [
        [`≤ ${GOAL_SCAVENGE_NS} ns per scavenge, self-metered (B, default options)`, ns(gB.callbackNsPerScavenge.median), verdict(gB.callbackNsPerScavenge.median, GOAL_SCAVENGE_NS)],
        [`≤ ${GOAL_SCAVENGE_NS} ns per scavenge, self-metered (C, every scavenge delivered)`, `${ns(gC.callbackNsPerScavenge.median)} callback + ${ns(gC.deliveryNsPerEvent.median)} delivery`, verdict(gC.callbackNsPerScavenge.median + gC.deliveryNsPerEvent.median, GOAL_SCAVENGE_NS)],
        [`≤ ${GOAL_FULL_GC_NS / 1000} µs per full GC, self-metered (B service: callback + delivery)`, ns(fullGcNs), verdict(fullGcNs, GOAL_FULL_GC_NS)],
        ...WORKLOADS.map((w) => {
          const a = analysis[w];
          const d = a.paired.B.nsPerGc;
          const inBand = Math.abs(d.median) <= a.noise.medianAbsNsPerGc || (d.median >= a.noise.nsPerGcIqr[0] && d.median <= a.noise.nsPerGcIqr[1]);
          return [`B side by side within the no-addon noise band (${w})`, `${signed(d.median)} per GC vs ± ${ns(a.noise.medianAbsNsPerGc)}`, inBand ? 'within' : 'outside'];
        }),
      ],
    ),
  );
  p();
  if (failures.length > 0) {
    p(`## Problems`);
    p();
    for (const f of failures) p(`- ${f}`);
    p();
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const random = rng(opts.seed);
  const started = Date.now();
  const meta = { ...opts, node: process.version, v8: process.versions.v8, cpus: os.cpus().length, loadavg: os.loadavg() };
  const jobsPerRound = VARIANTS.length * WORKLOADS.length;
  process.stderr.write(
    `leakwatch bench: ${opts.rounds} rounds × ${jobsPerRound} runs, scale ${opts.scale}, seed ${opts.seed}` +
      ` (children run one at a time; progress on stderr)\n`,
  );

  // One unrecorded warm-up run of each workload: page cache for node, the addon, the files.
  for (const w of WORKLOADS) await runChild('B', w, Math.min(opts.scale, 0.1));

  const rounds = [];
  const failures = [];
  for (let r = 0; r < opts.rounds; r++) {
    const round = Object.fromEntries(WORKLOADS.map((w) => [w, {}]));
    const jobs = shuffle(
      WORKLOADS.flatMap((w) => VARIANTS.map((v) => ({ w, v }))),
      random,
    );
    for (const { w, v } of jobs) {
      const res = await runChild(v, w, opts.scale);
      round[w][v] = res;
      if (res.error) failures.push(`round ${r + 1} ${w} ${v}: ${res.error}`);
      else if (!res.exitedOnItsOwn) failures.push(`round ${r + 1} ${w} ${v}: did not exit on its own (killed ${EXIT_GRACE_MS} ms after its result)`);
    }
    rounds.push(round);
    const fmt = (w) => VARIANTS.map((v) => `${v}=${round[w][v].cpuMs?.toFixed(0) ?? 'ERR'}`).join(' ');
    process.stderr.write(`round ${r + 1}/${opts.rounds} (${((Date.now() - started) / 1000).toFixed(0)} s): scavenge ${fmt('scavenge')} | service ${fmt('service')} ms CPU\n`);
  }
  meta.elapsedMs = Date.now() - started;
  const lingering = rounds.flatMap((rd) => WORKLOADS.flatMap((w) => VARIANTS.map((v) => rd[w][v]))).filter((x) => !x.exitedOnItsOwn).length;
  meta.allChildrenExitedOnTheirOwn = lingering === 0;

  const analysis = analyse(rounds);
  const text = report(meta, analysis, failures);
  const json = { meta, analysis, failures, rounds };
  const dir = path.join(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'latest.json');
  fs.writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  process.stdout.write(`${text}\nAll children exited on their own: ${meta.allChildrenExitedOnTheirOwn ? 'yes' : 'NO'}. Raw results: ${path.relative(process.cwd(), file)}\n`);
  if (opts.json) process.stdout.write(`${JSON.stringify(json)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exitCode = 1;
});

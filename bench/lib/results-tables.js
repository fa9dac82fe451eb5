'use strict';
// The "Results" section of the overhead benchmark (throughput, cost per GC, leakwatch against
// each anchor, goals, details, problems): printed on its own by `npm run bench` and inside
// BENCHMARKS.md by `--markdown`. `level` is the heading level of "Results".

const {
  WORKLOADS,
  ALL_VARIANTS,
  LEAKWATCH,
  ANCHORS,
  NATIVE_ANCHORS,
  VARIANT_LABEL,
  GOAL_SCAVENGE_NS,
  GOAL_FULL_GC_NS,
  GOAL_DELIVERY_NS,
} = require('./variants');
const { withinNoise, againstAnchor } = require('./stats');
const { f0, f1, f3, pct, ns, signed, table, iqr3, iqrSigned, iqrNs, verdict } = require('./markdown');

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
  p(
    table(
      ['variant', ...WORKLOADS.map((w) => `${w}`)],
      shown.map((v) => [VARIANT_LABEL[v], ...WORKLOADS.map((w) => cell(v, w, (a) => iqr3(a.paired[v].cpuRatio)))]),
    ),
  );
  p();

  h(1, 'Cost per GC');
  p();
  p(
    `Side by side: (CPU(X) − CPU(A)) / GCs of the work (the GC count of the B run of the same round), median [IQR]. ` +
      `Per scavenge from the scavenge workload, per full GC from the fullgc workload (forced full GCs on a fixed heap). ` +
      `"Self-metered" rows: the time leakwatch measured inside its own hook (callback) and in delivery (take_batch + the batch crossing to JS + the \`stats\` objects built in JS, up to the listeners), per GC of that kind.`,
  );
  p();
  const gcRows = shown.map((v) => [
    VARIANT_LABEL[v],
    cell(v, 'scavenge', (a) => iqrSigned(a.paired[v].nsPerScavenge)),
    cell(v, 'fullgc', (a) => iqrSigned(a.paired[v].nsPerFullGc)),
    cell(v, 'service', (a) => iqrSigned(a.paired[v].nsPerGc)),
    unavailable[v] || v === 'A2' ? '–' : WORKLOADS.map((w) => `${f0(analysis[w].medians[v].seen)}`).join(' / '),
  ]);
  for (const v of LEAKWATCH.filter((x) => variants.includes(x))) {
    const sc = analysis.scavenge.selfMetered[v];
    const fg = analysis.fullgc.selfMetered[v];
    const sv = analysis.service.selfMetered[v];
    const perScavenge =
      v === 'C' ? `${ns(sc.callbackNsPerScavenge.median)} callback + ${ns(sc.deliveryNsPerEvent.median)} delivery per event` : iqrNs(sc.callbackNsPerScavenge);
    gcRows.push([`${v} self-metered`, perScavenge, iqrNs(fg.fullGcNs), ns(sv.totalNsPerGc.median), '']);
  }
  p(
    table(
      [
        'variant',
        'ns added per scavenge (scavenge)',
        'ns added per full GC (fullgc)',
        'ns added per GC (service)',
        'GCs the hook saw: scavenge / service / fullgc',
      ],
      gcRows,
    ),
  );
  p();
  const lwSeen = WORKLOADS.map(
    (w) =>
      `${w} ${f0(analysis[w].medians.B.scavenges)} scavenges + ${f0(analysis[w].medians.B.fullGcs)} full GCs + ${f0(analysis[w].medians.B.incrementalMarking)} incremental markings`,
  ).join('; ');
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
        anchorsShown.map((v) => [
          VARIANT_LABEL[v],
          ...WORKLOADS.map((w) => `${iqr3(analysis[w].paired[v].bOverThis)} ${againstAnchor(analysis[w].paired[v].bOverThis)}`),
        ]),
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
    [
      `≤ ${GOAL_SCAVENGE_NS} ns per scavenge inside the GC pause, self-metered (B, default options)`,
      ns(gB.callbackNsPerScavenge.median),
      verdict(gB.callbackNsPerScavenge.median, GOAL_SCAVENGE_NS),
    ],
  ];
  if (gC) {
    goalRows.push([
      `≤ ${GOAL_SCAVENGE_NS} ns per scavenge inside the GC pause, self-metered (C, every scavenge recorded with its heap statistics)`,
      ns(gC.callbackNsPerScavenge.median),
      verdict(gC.callbackNsPerScavenge.median, GOAL_SCAVENGE_NS),
    ]);
  }
  goalRows.push([
    `≤ ${GOAL_FULL_GC_NS / 1000} µs per full GC inside the GC pause, self-metered (B fullgc)`,
    ns(fB.callbackNsPerFullGc.median),
    verdict(fB.callbackNsPerFullGc.median, GOAL_FULL_GC_NS),
  ]);
  goalRows.push([
    `≤ ${GOAL_DELIVERY_NS / 1000} µs delivery to JS per batch, self-metered (B fullgc: wake-up + take_batch + crossing to JS + the payloads built, outside the pause)`,
    `${ns(fB.deliveryNsPerBatch.median)} (later batches ${ns(fB.laterBatchMedianNs.median)})`,
    verdict(fB.deliveryNsPerBatch.median, GOAL_DELIVERY_NS),
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
    goalRows.push([
      `B at or below every native anchor (${w})`,
      per.join(', '),
      all ? 'met' : noneAbove ? 'met within noise (no anchor clearly below B)' : 'NOT met',
    ]);
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
  p(
    table(
      [
        'workload',
        'variant',
        'CPU ms',
        'wall ms',
        'wall ratio',
        'scavenges / full GCs + incr. marking',
        'GC pause ms',
        'leakwatch self ms',
        'stats events / batches / dropped',
      ],
      mrows,
    ),
  );
  p();
  p(
    `leakwatch self-metering in detail. Callback = prologue + epilogue of the C++ hook inside the GC pause, every clock read counted ` +
      `(incl. GetHeapStatistics and the record written into the ring when the GC is delivered); delivery = outside the pause: the ` +
      `wake-up in the loop turn (an unref'd libuv check/prepare handle): take_batch() on the JS thread (draining the ring) + ` +
      `the batch crossing to JS (as arguments, its \`stats\` packed in a kept Float64Array) and the call, and the \`stats\` objects built in JS, up to the moment the listeners get them. Over the window of the work + one forced full GC. Median [IQR] over rounds. ` +
      `Not covered by the self-metering: libuv's dispatch to the wake-up handle, the \`emit\` and the listeners: ` +
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

module.exports = { reportResults };

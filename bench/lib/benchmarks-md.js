'use strict';
// BENCHMARKS.md (--markdown): the whole document — machine, method, the variants, the results
// section, what this run says in words, and the install paths — from one run's meta, analysis
// and failures. Deterministic: the same bench/results/latest.json gives the same text
// (`node bench/overhead.js --from-json bench/results/latest.json --markdown`).

const path = require('node:path');
const { WORKLOADS, ANCHORS, VARIANT_LABEL, GOAL_SCAVENGE_NS, GOAL_FULL_GC_NS, GOAL_DELIVERY_NS } = require('./variants');
const { withinNoise } = require('./stats');
const { f3, pct, ns, signed, table, verdict } = require('./markdown');
const { reportResults } = require('./results-tables');

const REPO = path.join(__dirname, '..', '..');

/** The variants table; `node` is the Node version of the run (meta.node). */
function anchorUseRows(packages, node) {
  const version = (name) => {
    const d = packages[name];
    return d?.installed ? `${name}@${d.version}` : `${name} (not installed)`;
  };
  return [
    ["A, A'", '–', 'Nothing: leakwatch is not even required. Two runs per round give the noise band.'],
    [
      'B',
      `leakwatch@${require(path.join(REPO, 'package.json')).version} (this repository)`,
      "`on('stats')` + `on('leak')`, default options: the C++ hook times and counts every GC; full GCs are recorded into a ring inside the pause and delivered from the event loop (an unref'd libuv check/prepare handle takes the batch and calls JS from that turn), emitted as `stats`, fed to the leak detector.",
    ],
    ['C', 'leakwatch', 'As B plus `configure({ includeMinorGc: true })`: every scavenge is delivered to JS too (worst case).'],
    [
      'S',
      'leakwatch',
      "As B plus `configure({ allocationSites: true })`, with V8's sampling heap profiler forced on for the whole run at the default 512 KiB interval, 32 frames (normally it runs only while an episode is suspected): the cost of allocation sites.",
    ],
    [
      'P',
      `node:perf_hooks (Node ${node})`,
      "`new PerformanceObserver(cb).observe({ entryTypes: ['gc'] })`: Node's own hook creates a `PerformanceEntry` per GC and calls the observer from the event loop.",
    ],
    [
      'M',
      version('@airbnb/node-memwatch'),
      "`on('stats')` + `on('leak')` (as B). Counts every GC in its hook; after each full GC it reads heap statistics and runs `uv_queue_work` to emit `stats`.",
    ],
    [
      'G',
      version('gc-stats'),
      "`require('gc-stats')().on('stats', cb)`: `GetHeapStatistics` before and after every GC, a fresh `uv_async_t` per GC, and a JS `stats` event (three heap-stat objects) per GC, scavenges included.",
    ],
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
      `v8.GCProfiler (Node ${node})`,
      "`new v8.GCProfiler().start()`, then `stop()` + `start()` every 1 s and once at the end of the work: what dd-trace runs for its GC metrics on Node ≥ 20 (there it starts native-metrics with `'loop'` only). Node's hook records heap statistics before and after every GC; `stop()` turns them into JS objects.",
    ],
  ];
}

function installRows(packages, leakwatchBinaries) {
  const rows = [];
  rows.push([
    `leakwatch@${require(path.join(REPO, 'package.json')).version}`,
    '`scripts/install.js`: builds nothing unless asked (`--build-from-source`); a git clone builds from source (`cargo build --release`)',
    'one Node-API binary per platform in `@leakwatch/<platform>` (`optionalDependencies`, npm picks it by os/cpu/libc); built and tested here: linux-x64-gnu',
    'nothing with the platform package; the source fallback needs a Rust toolchain, a C++ compiler and the headers of the running Node',
    `none for the platform package: one binary, V8 entry points looked up at run time, serves Node 20–26 (a new Node ABI runs it in the degraded \`v8.GCProfiler\` mode until tested); source builds: one per ABI (\`build/leakwatch-<platform>-<arch>-abi<N>.node\`; here: ${leakwatchBinaries.join(', ') || 'none'})`,
  ]);
  const describe = (name) => packages[name];
  const d = describe('@datadog/native-metrics');
  if (d?.installed) {
    rows.push([
      `${d.name}@${d.version}`,
      d.installScript ? `\`${d.installScript}\`` : 'none (nothing runs at install)',
      `${d.prebuilds.length} N-API prebuilds in the tarball (${d.prebuilds.map((x) => x.split('/')[0]).join(', ')}); loads \`${d.loads}\``,
      d.hasSources
        ? 'compiler only if no prebuild matches'
        : 'nothing; no sources in the package, so an unsupported platform cannot build at all (the agent catches the load error and goes without)',
      'none: one N-API binary serves every Node version (Node-API is ABI-stable)',
    ]);
  }
  const n = describe('@newrelic/native-metrics');
  if (n?.installed) {
    const abis = [...new Set(n.prebuilds.map((x) => /abi(\d+)/.exec(x)?.[1]).filter(Boolean))].sort();
    rows.push([
      `${n.name}@${n.version}`,
      `\`${n.installScript}\`: uses a bundled prebuild if one matches, else \`node-gyp rebuild\` from the bundled sources`,
      `${n.prebuilds.length} per-ABI prebuilds in the tarball (ABIs ${abis.join(', ')}; ${[...new Set(n.prebuilds.map((x) => x.split('/')[0]))].join(', ')}); loads \`${n.loads}\``,
      'nothing when a prebuild matches; otherwise python + C++ compiler + Node headers (node-gyp); no download at install in this version',
      `a new Node ABI needs a new package release (or a source build); engines: \`node ${n.engines}\``,
    ]);
  }
  for (const name of ['gc-stats', '@airbnb/node-memwatch']) {
    const g = describe(name);
    if (!g?.installed) continue;
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
    "What leakwatch costs a running service, side by side with the GC hooks people already run: Node's own `perf_hooks` GC " +
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
        [
          'load average at start / end',
          `${meta.loadavg.map((x) => x.toFixed(2)).join(' ')} / ${meta.loadavgEnd.map((x) => x.toFixed(2)).join(' ')} (1, 5, 15 min)`,
        ],
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
    "- **Noise band.** Two no-addon runs per round (A and A'). Their spread, |A'/A − 1|, is how far two identical runs land apart; a " +
      'variant whose ratio to A lies inside it cannot be told from no addon. The per-GC noise is the same spread divided by the GC count.',
  );
  p(
    '- **Per-GC cost, side by side**: (CPU(X) − CPU(A)) / GCs of the work. A does not count GCs (every way of counting them from JS costs ' +
      'more than what is measured), so every variant divides by the GC count of the leakwatch (B) run of the same round and workload — ' +
      "the same fixed work gives the same GCs, and each anchor's own count is printed beside it as a check.",
  );
  p(
    "- **Self-metered** (leakwatch only): leakwatch reads a cheap clock at the entry and exit of its C++ GC epilogue (the prologue's " +
      'read and the parts of the two epilogue reads outside that interval are added as the cost of a clock read, calibrated once at install: ' +
      'every clock read in the pause counts) and of delivery (from the wake-up in the loop turn: `take_batch()`, the batch crossing to JS ' +
      'and the call, and the building of the `stats` objects in JS, up to the moment the listeners get them) and reports the sums in every `stats` payload ' +
      '(`selfTimeByKindMs`, `deliverySelfTimeMs`). The difference between a payload taken before and after the work, divided by the GCs ' +
      'of each kind, is the self-metered cost per GC. It is far more precise than side by side (no noise of other work) but does not ' +
      "cover libuv's dispatch to the wake-up handle, the `emit` and the listeners; the side-by-side figure is the cross-check.",
  );
  p(
    `- **Goals** (issue 14): ≤ ${GOAL_SCAVENGE_NS} ns per scavenge and ≤ ${GOAL_FULL_GC_NS / 1000} µs per full GC inside the GC pause, ` +
      `self-metered with every clock read counted; delivery to JS ≤ ${GOAL_DELIVERY_NS / 1000} µs per batch; side by side at or below every native ` +
      'anchor and within the noise band of no addon.',
  );
  p();
  p('Variants and what each one does per GC (see `bench/child.js`):');
  p();
  p(table(['variant', 'package', 'use, as its users / agents use it'], anchorUseRows(meta.packages, meta.node)));
  p();
  p(
    'The two agent collectors run with their event-loop watchers on, as the agents run them; that watcher costs something on every ' +
      'loop turn (≈ 4,000 turns in the scavenge workload, 2,500 in service, 160 in fullgc), which lands in their per-GC figures. ' +
      "Their periodic reads run every 1 s instead of the agents' 10–15 s (a run is shorter than that), plus one read at the end of the " +
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
      `(goal ≤ ${GOAL_FULL_GC_NS / 1000} µs: ${verdict(fB.callbackNsPerFullGc.median, GOAL_FULL_GC_NS)}), every clock read counted; most of a ` +
      "full GC's is V8's own `GetHeapStatistics()` on caches the GC has just cold. Delivering a batch to JS (take_batch draining the ring " +
      `from the loop turn's wake-up, the batch crossing to JS, the call and the \`stats\` objects built in JS, all outside the pause) costs ` +
      `${ns(fB.deliveryNsPerBatch.median)} per batch (goal ≤ ${GOAL_DELIVERY_NS / 1000} µs: ${verdict(fB.deliveryNsPerBatch.median, GOAL_DELIVERY_NS)}). ` +
      'Part of that is what any JS pays in the first turn after a full GC (cold caches, fresh allocation areas): `node bench/post-gc.js` ' +
      "times leakwatch's own `stats`-building JS without the addon, after a full GC and with none before it (docs/costs.md). " +
      'Before the batch was delivered straight from the loop turn (a threadsafe-function hop, the batch crossing as one object with a fresh ' +
      'Float64Array), a 4-round run measured 72 µs per batch; before issue 14 (the threadsafe-function call, a ~1 KB sample copied and the queue inside the pause), a quick run of this benchmark ' +
      'on the same machine measured 75 ns per scavenge (only one of its three clock reads metered), 11 µs per full GC inside the pause and ' +
      '74 µs per batch of delivery (without the wake-up call, then inside the pause).',
  );
  const ratios = WORKLOADS.map((w) => `${w} ${f3(analysis[w].paired.B.cpuRatio.median)} (noise ± ${pct(analysis[w].noise.medianAbsRatioMinus1)})`);
  p(
    `- Side by side, leakwatch's CPU ratio to no addon is ${ratios.join(', ')}: ${WORKLOADS.filter((w) => withinNoise(analysis[w])).length} of ${WORKLOADS.length} workloads inside the noise band.`,
  );
  const expensive = ANCHORS.filter(
    (v) => meta.variants.includes(v) && analysis.scavenge.paired[v].cpuRatio.median - 1 > 2 * analysis.scavenge.noise.medianAbsRatioMinus1,
  );
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
    "How each GC hook gets its native binary onto a user's machine. Rows are filled from what is on disk in this checkout " +
      '(`bench/anchors/node_modules`, `node_modules`, `build/`).',
  );
  p();
  p(
    table(
      ['package', 'install script', 'binaries shipped', 'what the user needs at install', 'after a Node upgrade'],
      installRows(meta.packages, meta.leakwatchBinaries),
    ),
  );
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
    const how = d.builtFromSource
      ? 'compiled from source at install'
      : d.prebuilds.length
        ? 'a prebuilt binary from the package, nothing compiled'
        : 'no binary found';
    p(`- \`${name}@${d.version}\` (${d.location}): ${how}; loads \`${d.loads}\`.`);
  }
  if (meta.buildTime) {
    const b = meta.buildTime;
    p(
      `- leakwatch: a clean \`cargo build --release -p leakwatch-node\` (${b.cargo}, LTO, crates already in the local cargo cache) ` +
        (b.ok ? `took ${b.seconds.toFixed(0)} s on this machine` : `failed here: ${b.note}`) +
        '; the first install on a machine also downloads the crates (napi, napi-derive, parking_lot, napi-build, cc and their dependencies).',
    );
  }
  p();
  p(
    "**What this means for leakwatch.** leakwatch now installs the way Datadog's package does: one Node-API binary per " +
      "platform serves every supported Node version and nothing is compiled at install. Its C++ shim uses V8's C++ API, which is " +
      "outside Node-API's ABI promise, so the shim resolves every V8 entry point at run time, never puts a V8 struct on the stack at " +
      'its header size, and self-tests at load; where that fails the binary still loads and takes its GC samples from ' +
      '`v8.GCProfiler` (docs/install.md). CI installs the packed tarballs without a compiler and runs the suite on Node 20, 22, 24 and 26.',
  );
  p();
  p(
    '**npm 11 install-script approval.** npm 11 keeps a per-project `allowScripts` list (`npm install-scripts ls | approve | deny`) ' +
      'and lists the dependencies whose install scripts are not approved at the end of every install. leakwatch, memwatch, gc-stats and ' +
      "New Relic's package all have an install script; Datadog's has none. leakwatch's builds nothing unless asked, so blocking it " +
      'changes nothing: the binary comes from the platform package. ' +
      (ins.ran && ins.highlights.some((l) => /install-scripts/.test(l))
        ? `In this run npm ${ins.npmVersion} ran the anchors' install scripts and then warned that they were not covered by \`allowScripts\` (output above).`
        : ''),
  );
  p();
  return lines.join('\n');
}

module.exports = { documentMarkdown };

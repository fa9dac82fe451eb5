'use strict';
// leakwatch overhead benchmark, against the GC hooks people already run: `npm run bench`.
//
//   node bench/overhead.js [--rounds N] [--quick] [--scale X] [--seed S] [--variants LIST]
//                          [--no-install] [--markdown] [--build-time] [--json] [--from-json FILE]
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
// `--from-json FILE` runs nothing and prints the report of a saved run (BENCHMARKS.md with
// `--markdown`): the same text as that run printed, so the document can be regenerated.
//
// This file only wires the steps together; each lives in bench/lib/:
//   args.js           the command line            variants.js       workloads, variants, goals
//   anchors.js        install, probe, describe    machine.js        the machine table
//   runner.js         child processes, rounds     build-time.js     --build-time
//   stats.js          pure statistics, analyse    results-tables.js the "Results" section
//   markdown.js       tables and number cells     benchmarks-md.js  the whole BENCHMARKS.md

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('./lib/args');
const { WORKLOADS, VARIANT_LABEL, VARIANT_PACKAGE } = require('./lib/variants');
const { ensureAnchors, probe, describePackage } = require('./lib/anchors');
const { machine } = require('./lib/machine');
const { measureBuild } = require('./lib/build-time');
const { runRounds } = require('./lib/runner');
const { rng, analyse } = require('./lib/stats');
const { reportResults } = require('./lib/results-tables');
const { documentMarkdown } = require('./lib/benchmarks-md');

const REPO = path.join(__dirname, '..');

/** Prints a run: BENCHMARKS.md with --markdown, else the results section; then the JSON with --json. */
function print({ markdown, json: printJson }, json, file) {
  const { meta, analysis, failures } = json;
  if (markdown) process.stdout.write(`${documentMarkdown(meta, analysis, failures)}\n`);
  else
    process.stdout.write(
      `# leakwatch overhead benchmark\n\n${reportResults(meta, analysis, failures, 1)}\nRaw results: ${path.relative(process.cwd(), file)}\n`,
    );
  if (printJson) process.stdout.write(`${JSON.stringify(json)}\n`);
}

/** --from-json: a saved run's report, its analysis recomputed from its rounds (as the run did). */
function printSaved(opts) {
  const { meta, failures, rounds } = JSON.parse(fs.readFileSync(opts.fromJson, 'utf8'));
  print(opts, { meta, analysis: analyse(rounds, meta.variants), failures, rounds }, opts.fromJson);
}

async function main() {
  const { fromJson, ...opts } = parseArgs(process.argv.slice(2));
  if (fromJson) return printSaved({ ...opts, fromJson });
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
  meta.leakwatchBinaries = fs.existsSync(buildDir)
    ? fs
        .readdirSync(buildDir)
        .filter((f) => f.endsWith('.node'))
        .sort()
    : [];
  if (opts.buildTime) meta.buildTime = measureBuild();
  for (const [v, why] of Object.entries(meta.unavailable)) process.stderr.write(`${VARIANT_LABEL[v]}: unavailable: ${why}\n`);

  const jobsPerRound = variants.length * WORKLOADS.length;
  meta.jobsPerRound = jobsPerRound;
  process.stderr.write(
    `leakwatch bench: ${opts.rounds} rounds × ${jobsPerRound} runs (${variants.join(' ')}), scale ${opts.scale}, seed ${opts.seed}` +
      ` (children run one at a time; progress on stderr)\n`,
  );

  const { rounds, failures, elapsedMs } = await runRounds({ rounds: opts.rounds, scale: opts.scale, variants, random });
  meta.elapsedMs = elapsedMs;
  meta.loadavgEnd = os.loadavg();
  const lingering = rounds.flatMap((rd) => WORKLOADS.flatMap((w) => variants.map((v) => rd[w][v]))).filter((x) => !x.exitedOnItsOwn).length;
  meta.allChildrenExitedOnTheirOwn = lingering === 0;

  const analysis = analyse(rounds, variants);
  const json = { meta, analysis, failures, rounds };
  const dir = path.join(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'latest.json');
  fs.writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  print(opts, json, file);
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exitCode = 1;
});

'use strict';
// Command line of bench/overhead.js. Everything but `fromJson` is recorded as the run's meta.

const { ALL_VARIANTS } = require('./variants');

function parseArgs(argv) {
  const o = {
    rounds: null,
    quick: false,
    scale: null,
    seed: null,
    json: false,
    markdown: false,
    install: true,
    variants: null,
    buildTime: false,
    fromJson: null,
  };
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
    else if (a === '--variants')
      o.variants = value()
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
    else if (a === '--from-json') o.fromJson = value();
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'usage: node bench/overhead.js [--rounds N] [--quick] [--scale X] [--seed S] [--variants LIST]\n' +
          '                              [--no-install] [--markdown] [--build-time] [--json] [--from-json FILE]\n' +
          '  --rounds N       rounds; each runs every variant on every workload once, shuffled (default 8; 2 with --quick)\n' +
          '  --quick          2 rounds at scale 0.2: a smoke run (~1 min), numbers too noisy to quote\n' +
          '  --scale X        multiplies the fixed work of all workloads (default 1)\n' +
          '  --seed S         seed of the run-order shuffle (default: random, printed)\n' +
          `  --variants LIST  comma-separated subset of ${ALL_VARIANTS.join(',')} (A, A2 and B are always run)\n` +
          '  --no-install     do not npm-install missing anchors into bench/anchors (report them unavailable)\n' +
          '  --markdown       print the whole BENCHMARKS.md (machine, method, results, install paths)\n' +
          '  --build-time     before the rounds, time a clean release build of leakwatch (throwaway target dir)\n' +
          '  --json           also print the JSON results to stdout\n' +
          '  --from-json FILE run nothing: print the report (or with --markdown, BENCHMARKS.md) of a saved\n' +
          '                   bench/results/latest.json, its analysis recomputed from its rounds\n',
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

module.exports = { parseArgs };

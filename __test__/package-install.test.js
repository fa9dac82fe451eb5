'use strict';
// The install script compiles nothing and downloads nothing unless asked: it is run here the
// way npm runs it, from a copy of the package installed in a fresh project's node_modules.
// A source build is shown to be chosen by pointing CARGO at nothing: the build script's own
// error comes back, instead of a compile.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ROOT } = require('./helpers');
const { currentPlatform, packageName, binaryFile } = require('../lib/platform-package');
const { binaryName } = require('../lib/binary-name');

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const NO_CARGO = path.join(os.tmpdir(), 'leakwatch-no-such-cargo');

/** A project with leakwatch's install-time files in node_modules/leakwatch (and, with
 * `withPlatformPackage`, this platform's package beside it). */
function fakeProject(t, { withPlatformPackage = false, gitClone = false } = {}) {
  const app = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-install-'));
  t.after(() => fs.rmSync(app, { recursive: true, force: true }));
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
  const pkg = path.join(app, 'node_modules', 'leakwatch');
  for (const file of ['package.json', 'scripts/install.js', 'scripts/build.js', 'lib/platform-package.js', 'lib/binary-name.js']) {
    fs.mkdirSync(path.dirname(path.join(pkg, file)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, file), path.join(pkg, file));
  }
  if (gitClone) fs.writeFileSync(path.join(pkg, '.git'), 'gitdir: /elsewhere\n');
  if (withPlatformPackage) {
    const platform = currentPlatform();
    const dir = path.join(app, 'node_modules', ...packageName(platform).split('/'));
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: packageName(platform), version: '0.0.0' }));
    fs.writeFileSync(path.join(dir, binaryFile(platform)), 'not loaded by the install script');
  }
  return { app, pkg };
}

function runInstall(pkg, env = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_config_build_from_source|LEAKWATCH_BUILD_FROM_SOURCE)$/i.test(k)));
  return spawnSync(process.execPath, ['scripts/install.js'], { cwd: pkg, env: { ...clean, CARGO: NO_CARGO, ...env }, encoding: 'utf8', timeout: 60_000 });
}

const supported = currentPlatform() !== null;

test('with the platform package installed, the install script does nothing and says nothing', {
  skip: !supported && 'no prebuilt package for this platform',
}, (t) => {
  const { pkg } = fakeProject(t, { withPlatformPackage: true });
  const r = runInstall(pkg);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout + r.stderr, '');
  assert.ok(!fs.existsSync(path.join(pkg, 'build')), 'nothing was built');
});

test('without it, the install still succeeds, with one line naming the source build', (t) => {
  const { pkg } = fakeProject(t);
  const r = runInstall(pkg);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^leakwatch: no prebuilt binary: .*'unavailable'.*npm rebuild leakwatch --build-from-source$/);
  if (supported) assert.ok(lines[0].includes(packageName(currentPlatform())), lines[0]);
});

test('without it, an earlier source build for this Node is enough: nothing is said', (t) => {
  const { pkg } = fakeProject(t);
  fs.mkdirSync(path.join(pkg, 'build'));
  fs.writeFileSync(path.join(pkg, 'build', binaryName(process.versions.modules)), 'not loaded by the install script');
  const r = runInstall(pkg);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout + r.stderr, '');
});

for (const [name, env, gitClone] of [
  ['LEAKWATCH_BUILD_FROM_SOURCE=1', { LEAKWATCH_BUILD_FROM_SOURCE: '1' }, false],
  ['npm_config_build_from_source=true', { npm_config_build_from_source: 'true' }, false],
  ['a git clone', {}, true],
]) {
  test(`${name} builds from source even with the platform package present, with the build's clear error`, {
    skip: !supported && 'no prebuilt package for this platform',
  }, (t) => {
    const { pkg } = fakeProject(t, { withPlatformPackage: true, gitClone });
    const r = runInstall(pkg, env);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /build failed: a Rust toolchain is needed .* `cargo` was not found/s);
    assert.match(r.stderr, /npm rebuild leakwatch --build-from-source/);
  });
}

test('`npm rebuild leakwatch --build-from-source` reaches the source build through npm', { timeout: 120_000 }, (t) => {
  const { app } = fakeProject(t);
  const env = { ...process.env, CARGO: NO_CARGO, npm_config_update_notifier: 'false' };
  delete env.LEAKWATCH_BUILD_FROM_SOURCE;
  const plain = spawnSync(npm, ['rebuild', 'leakwatch', '--foreground-scripts'], { cwd: app, env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(plain.status, 0, `${plain.stdout}${plain.stderr}`);
  assert.match(plain.stdout + plain.stderr, /no prebuilt binary/);
  const asked = spawnSync(npm, ['rebuild', 'leakwatch', '--build-from-source', '--foreground-scripts'], { cwd: app, env, encoding: 'utf8', timeout: 60_000 });
  assert.notEqual(asked.status, 0, `${asked.stdout}${asked.stderr}`);
  assert.match(asked.stdout + asked.stderr, /`cargo` was not found/);
});

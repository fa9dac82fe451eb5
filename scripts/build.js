#!/usr/bin/env node
'use strict';
// Builds the native addon from source for the Node that runs this script:
// `cargo build --release`, then copies the library to build/ under a name that carries
// the Node ABI, so the loader can refuse a binary built for another Node before loading it.
// Run by `npm run build`, and by the install script when a source build is asked for
// (`npm rebuild leakwatch --build-from-source`, LEAKWATCH_BUILD_FROM_SOURCE=1, a git clone).

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { binaryName } = require('../lib/binary-name');

const root = path.join(__dirname, '..');
const log = (msg) => process.stderr.write(`leakwatch: ${msg}\n`);

function fail(msg) {
  log(`build failed: ${msg}`);
  process.exit(1);
}

const cargo = process.env.CARGO || 'cargo';
const probe = spawnSync(cargo, ['--version'], { encoding: 'utf8' });
if (probe.error || probe.status !== 0) {
  fail(
    'a Rust toolchain is needed to build leakwatch from source, and `cargo` was not found.\n' +
      '  Install it from https://rustup.rs (or your distribution, e.g. `apt-get install cargo`),\n' +
      '  make sure `cargo` is on PATH, then run `npm rebuild leakwatch --build-from-source`.',
  );
}

const env = { ...process.env, LEAKWATCH_NODE: process.execPath };
// Official Node builds ship their headers beside the binary; prefer those of *this* Node.
const bundled = path.join(path.dirname(process.execPath), '..', 'include', 'node');
if (!env.NODE_INCLUDE_DIR && fs.existsSync(path.join(bundled, 'node_version.h'))) {
  env.NODE_INCLUDE_DIR = bundled;
}

const abi = process.versions.modules;
log(`building the native addon for Node ${process.version} (ABI ${abi}) with ${probe.stdout.trim()}, release profile…`);
const started = Date.now();
const build = spawnSync(cargo, ['build', '--release', '-p', 'leakwatch-node'], { cwd: root, env, stdio: 'inherit' });
if (build.error) fail(build.error.message);
if (build.status !== 0) fail(`cargo exited with code ${build.status} (see the messages above)`);

const targetDir = process.env.CARGO_TARGET_DIR || path.join(root, 'target');
const libFile = { darwin: 'libleakwatch.dylib', win32: 'leakwatch.dll' }[process.platform] || 'libleakwatch.so';
const built = path.join(targetDir, 'release', libFile);
if (!fs.existsSync(built)) fail(`cargo succeeded but ${built} is missing`);

// Temp file + rename: a concurrent loader never sees a half-written addon.
const outDir = path.join(root, 'build');
fs.mkdirSync(outDir, { recursive: true });
const out = path.join(outDir, binaryName(abi));
const tmp = `${out}.${process.pid}.tmp`;
fs.copyFileSync(built, tmp);
fs.renameSync(tmp, out);
log(`built ${path.relative(root, out)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);

'use strict';
// `cargo clippy -D warnings` is part of the suite: the crate denies clippy::all, and the binding
// and ffi layers must stay free of lint-flagged panics across the FFI boundary.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const { ROOT } = require('./helpers');

const cargo = process.env.CARGO || 'cargo';

test('cargo clippy --workspace --release --all-targets -- -D warnings is clean', { timeout: 300_000 }, async (t) => {
  if (spawnSync(cargo, ['--version']).status !== 0) {
    t.skip('no cargo on PATH (the addon was built elsewhere)');
    return;
  }
  const probe = spawnSync(cargo, ['clippy', '--version'], { encoding: 'utf8' });
  assert.equal(probe.status, 0, `clippy is not installed: rustup component add clippy\n${probe.stderr}`);
  const r = await new Promise((resolve) => {
    // The build script compiles the shim against the Node that runs the tests.
    const child = spawn(cargo, ['clippy', '--workspace', '--release', '--all-targets', '--quiet', '--', '-D', 'warnings'], {
      cwd: ROOT,
      env: { ...process.env, LEAKWATCH_NODE: process.execPath },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => resolve({ code, output }));
  });
  assert.equal(r.code, 0, r.output);
});

'use strict';
// --build-time: how long a clean release build of leakwatch takes on this machine.

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const REPO = path.join(__dirname, '..', '..');

/** Optional (--build-time): a clean release build of leakwatch into a throwaway target dir. */
function measureBuild() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-build-time-'));
  const env = { ...process.env, CARGO_TARGET_DIR: dir, LEAKWATCH_NODE: process.execPath };
  const bundled = path.join(path.dirname(process.execPath), '..', 'include', 'node');
  if (!env.NODE_INCLUDE_DIR && fs.existsSync(path.join(bundled, 'node_version.h'))) env.NODE_INCLUDE_DIR = bundled;
  process.stderr.write(`timing a clean \`cargo build --release -p leakwatch-node\` (target dir ${dir})…\n`);
  const started = Date.now();
  const res = spawnSync(process.env.CARGO || 'cargo', ['build', '--release', '-p', 'leakwatch-node', '--offline'], {
    cwd: REPO,
    env,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  fs.rmSync(dir, { recursive: true, force: true });
  const cargo = spawnSync(process.env.CARGO || 'cargo', ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? '?';
  return {
    ok: res.status === 0,
    seconds: (Date.now() - started) / 1000,
    cargo,
    note: res.status === 0 ? null : (res.stderr || '').trim().split('\n').slice(-3).join(' '),
  };
}

module.exports = { measureBuild };

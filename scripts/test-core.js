#!/usr/bin/env node
'use strict';
// `cargo test -p leakwatch-core -p leakwatch-analyze` the way a contributor without Node's C++
// headers or a C++ compiler runs it (the first test level of CONTRIBUTING.md): node is not on
// PATH, the header search points nowhere and CXX fails, so the run proves the pure crates (the
// core and the offline snapshot analyzer) need none of them. Run first by `npm test`; extra
// arguments go to `cargo test`.

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const cargo = process.env.CARGO || 'cargo';

const probe = spawnSync(cargo, ['--version'], { encoding: 'utf8' });
if (probe.error || probe.status !== 0) {
  process.stderr.write('leakwatch: no cargo on PATH: the Rust core tests are skipped\n');
  process.exit(0);
}

// The core must have no dependencies at all, the analyzer none but the core: a napi, cc or
// bindgen dependency would bring back the toolchain this level promises not to need.
const allowed = { 'leakwatch-core': ['leakwatch-core'], 'leakwatch-analyze': ['leakwatch-analyze', 'leakwatch-core'] };
for (const [crate, own] of Object.entries(allowed)) {
  const tree = spawnSync(cargo, ['tree', '-p', crate, '-e', 'normal,build,dev', '--prefix', 'none'], { cwd: root, encoding: 'utf8' });
  const deps = tree.stdout.split('\n').filter((l) => l.trim() && !own.includes(l.split(' ')[0]));
  if (tree.status !== 0 || deps.length > 0) {
    const what = own.length > 1 ? `no dependencies but ${own.slice(1).join(', ')}` : 'no dependencies';
    process.stderr.write(`leakwatch: ${crate} must have ${what}, found:\n${deps.join('\n') || tree.stderr}\n`);
    process.exit(1);
  }
}

// PATH: only cargo, rustc and the system linker (rustc links with `cc`), each by itself.
const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-core-path-'));
const which = (name) => spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
for (const tool of ['cargo', 'rustc', 'cc']) {
  const found = which(tool);
  if (found) fs.symlinkSync(found, path.join(bin, tool));
}
const env = { ...process.env, PATH: bin, NODE_INCLUDE_DIR: '/nonexistent/include/node', CXX: '/bin/false', LEAKWATCH_NODE: '/nonexistent/node' };
delete env.npm_config_nodedir;
try {
  const args = ['test', '-p', 'leakwatch-core', '-p', 'leakwatch-analyze', '--release', '--quiet', ...process.argv.slice(2)];
  process.stderr.write(`leakwatch: cargo ${args.join(' ')} (PATH=${bin}: no node, no Node headers, CXX=/bin/false)\n`);
  const run = spawnSync(cargo, args, { cwd: root, env, stdio: 'inherit' });
  process.exitCode = run.status ?? 1;
} finally {
  fs.rmSync(bin, { recursive: true, force: true });
}

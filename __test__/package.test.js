'use strict';
// `npm pack` → `npm install --build-from-source <tarball>` in an empty project builds the addon
// from source and works there: the published file list is complete and the source fallback
// does its job. (The prebuilt path is .ci/run's: scripts/pack.js, then the installed suite.)
// Without the native V8 layer gc() needs --expose-gc (NODE_OPTIONS=--expose-gc): skipped without.
const { needsGc, testsNeeding } = require('./native-mode');
const test = testsNeeding(needsGc);
const assert = require('node:assert/strict');
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ROOT } = require('./helpers');

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const cargo = process.env.CARGO || 'cargo';
const noCargo = spawnSync(cargo, ['--version']).status !== 0 && 'no cargo on PATH: the source build cannot run here';

test('the packed tarball builds from source in an empty project and emits stats', { skip: noCargo, timeout: 600_000 }, () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-pack-'));
  try {
    const packed = execFileSync(npm, ['pack', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' });
    const [{ filename, files }] = JSON.parse(packed);
    const names = files.map((f) => f.path);
    for (const needed of [
      'lib/index.js',
      'lib/index.mjs',
      'lib/index.d.ts',
      'crates/node/build.rs',
      'crates/node/shim/gc_hook.cc',
      'crates/core/src/detector.rs',
      'Cargo.toml',
      'Cargo.lock',
    ]) {
      assert.ok(names.includes(needed), `${needed} is packed`);
    }
    assert.ok(!names.some((n) => n.endsWith('.node') || n.startsWith('target/')), 'no build output is packed');

    const app = path.join(work, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
    // Share the compiled dependencies with this checkout so the test does not rebuild napi.
    const env = { ...process.env, CARGO_TARGET_DIR: path.join(ROOT, 'target') };
    execFileSync(npm, ['install', '--no-audit', '--no-fund', '--build-from-source', path.join(work, filename)], { cwd: app, env, stdio: 'pipe' });
    assert.ok(fs.existsSync(path.join(app, 'node_modules', 'leakwatch', 'build')), 'the install built the addon');

    const out = execFileSync(
      process.execPath,
      ['-e', "const lw = require('leakwatch'); lw.once('stats', (s) => console.log(s.gcType)); lw.gc(); setTimeout(() => {}, 100);"],
      { cwd: app, encoding: 'utf8' },
    );
    assert.equal(out.trim(), 'mark-sweep-compact');
    const esm = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', "import lw, { LeakDetector } from 'leakwatch'; console.log(typeof lw.on, typeof LeakDetector);"],
      { cwd: app, encoding: 'utf8' },
    );
    assert.equal(esm.trim(), 'function function');

    // Every public subpath, from the installed package, the way each TypeScript resolution
    // finds it: node16 through "exports", node10 (older TypeScript, `moduleResolution: node`)
    // through "typesVersions".
    const check = [
      "import leakwatch = require('leakwatch');",
      "import memwatch = require('leakwatch/memwatch');",
      "import memwatchNext = require('leakwatch/memwatch-next');",
      "import prometheus = require('leakwatch/prometheus');",
      "import otel = require('leakwatch/otel');",
      "import 'leakwatch/register';",
      'const on: (event: "leak", f: (r: leakwatch.LeakReport) => void) => unknown = leakwatch.on;',
      'export const used = [on, memwatch.gc, memwatchNext.gc, prometheus.register, otel.register];',
    ].join('\n');
    fs.writeFileSync(path.join(app, 'check.ts'), `${check}\n`);
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    for (const resolution of ['node16', 'node10']) {
      const args = [
        tsc,
        '--noEmit',
        '--strict',
        '--skipLibCheck',
        '--module',
        resolution === 'node10' ? 'commonjs' : 'node16',
        '--moduleResolution',
        resolution,
      ];
      args.push('--typeRoots', path.join(ROOT, 'node_modules', '@types'), '--types', 'node', 'check.ts');
      const r = spawnSync(process.execPath, args, { cwd: app, encoding: 'utf8' });
      assert.equal(r.status, 0, `tsc --moduleResolution ${resolution}:\n${r.stdout}${r.stderr}`);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});

'use strict';
// The anchors (the GC hooks leakwatch is compared with): installed on demand into
// bench/anchors/node_modules (exact versions in bench/anchors/package.json, not dependencies of
// leakwatch), probed in a throwaway child, and described from what is on disk (how each ships
// its native binary).

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const BENCH = path.join(__dirname, '..');
const CHILD = path.join(BENCH, 'child.js');
const ANCHOR_DIR = path.join(BENCH, 'anchors');
const REPO = path.join(BENCH, '..');

const anchorPackageJson = (dir) => JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));

/** Directory of an installed package (bench/anchors first, then the repository), or null. */
function packageDir(name) {
  for (const base of [path.join(ANCHOR_DIR, 'node_modules'), path.join(REPO, 'node_modules')]) {
    const dir = path.join(base, ...name.split('/'));
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
  }
  return null;
}

/** Installs `dir`'s package.json dependencies when one is missing (default bench/anchors; the
 * memlab anchor of bench/analyze.js has its own directory, bench/anchors/memlab). */
function ensureAnchors(install, dir = ANCHOR_DIR) {
  const wanted = Object.keys(anchorPackageJson(dir).dependencies || {});
  const missing = wanted.filter((name) => !fs.existsSync(path.join(dir, 'node_modules', ...name.split('/'), 'package.json')));
  const record = { wanted, missingBefore: missing, ran: false };
  if (missing.length === 0 || !install) return record;
  const args = ['install', '--prefix', dir, '--no-audit', '--no-fund', '--foreground-scripts'];
  process.stderr.write(`installing the anchors (${missing.join(', ')} missing): npm ${args.join(' ')}\n`);
  const started = Date.now();
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // memlab depends on puppeteer, whose install script would download a browser it does not need.
  const env = { ...process.env, PUPPETEER_SKIP_DOWNLOAD: '1' };
  const res = spawnSync(npm, args, { cwd: REPO, env, encoding: 'utf8', timeout: 600_000, maxBuffer: 64 << 20 });
  const output = `${res.stdout || ''}${res.stderr || ''}`;
  Object.assign(record, {
    ran: true,
    command: `npm ${args.join(' ').replace(dir, path.relative(REPO, dir))}`,
    npmVersion: spawnSync(npm, ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? null,
    exitCode: res.status,
    error: res.error ? res.error.message : null,
    seconds: (Date.now() - started) / 1000,
    // What npm said about each package's install script, compilers and prebuilds.
    highlights: output
      .split('\n')
      .filter((l) => /^> |install-scripts|gyp (ERR|info ok)|SOLINK|prebuild|added \d+|npm (warn|error)/.test(l))
      .slice(0, 40),
  });
  process.stderr.write(`npm install ${res.status === 0 ? 'done' : `FAILED (exit ${res.status})`} in ${record.seconds.toFixed(1)} s\n`);
  return record;
}

/** Loads and starts a variant's hook in a throwaway child: 'ok' or the reason it cannot run. */
function probe(variant) {
  const res = spawnSync(process.execPath, [CHILD, variant, '--probe'], { encoding: 'utf8', timeout: 60_000 });
  const line = (res.stdout || '').split('\n').find((l) => l.startsWith('LEAKWATCH_BENCH_PROBE '));
  if (!line) return `probe failed (exit ${res.status}): ${(res.stderr || '').trim().split('\n').slice(-1)[0] || 'no output'}`;
  return line.slice('LEAKWATCH_BENCH_PROBE '.length).trim();
}

/** How an installed anchor package ships its native binary, from what is on disk. */
function describePackage(name) {
  const dir = packageDir(name);
  if (!dir) return { name, installed: false };
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const prebuildsDir = path.join(dir, 'prebuilds');
  const prebuilds = fs.existsSync(prebuildsDir)
    ? fs.readdirSync(prebuildsDir).flatMap((d) => {
        const sub = path.join(prebuildsDir, d);
        return fs.statSync(sub).isDirectory() ? fs.readdirSync(sub).map((f) => `${d}/${f}`) : [];
      })
    : [];
  const releaseDir = path.join(dir, 'build', 'Release');
  const builtFromSource = fs.existsSync(releaseDir) && fs.readdirSync(releaseDir).some((f) => f.endsWith('.node'));
  let loads = null;
  try {
    const ngb = require(require.resolve('node-gyp-build', { paths: [dir] }));
    loads = path.relative(dir, ngb.path(dir));
  } catch {
    if (builtFromSource)
      loads = path.join(
        'build',
        'Release',
        fs.readdirSync(releaseDir).find((f) => f.endsWith('.node')),
      );
  }
  return {
    name,
    version: pkg.version,
    installed: true,
    location: path.relative(REPO, dir),
    installScript: pkg.scripts?.install ?? (fs.existsSync(path.join(dir, 'binding.gyp')) ? 'node-gyp rebuild (implicit: binding.gyp)' : null),
    hasSources: fs.existsSync(path.join(dir, 'binding.gyp')),
    prebuilds,
    builtFromSource,
    loads,
    engines: pkg.engines?.node ?? null,
  };
}

module.exports = { ensureAnchors, probe, describePackage };

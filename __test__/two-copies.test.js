'use strict';
// Two copies of leakwatch in one process (two versions in one node_modules tree, or the same
// file loaded under two module identities): both work, independently, on the main thread and
// in a worker, and the process exits cleanly.
// Without the native V8 layer gc() needs --expose-gc (NODE_OPTIONS=--expose-gc): skipped without.
const { needsGc, testsNeeding } = require('./native-mode');
const test = testsNeeding(needsGc);
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { ROOT } = require('./helpers');
const { binaryName } = require('../lib/binary-name');
const { currentPlatform, packageName, binaryFile } = require('../lib/platform-package');

const FIXTURE = path.join(__dirname, 'fixtures', 'safety-two-copies.js');

function run(args, execArgs = []) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...execArgs, FIXTURE, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const lines = stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      resolve({ code, signal, stderr, lines, context: `exit ${code} signal ${signal}\nstdout: ${stdout}\nstderr: ${stderr}` });
    });
  });
}

const sourceBuild = path.join(ROOT, 'build', binaryName(process.versions.modules));

/** Where this suite's binary comes from without a source build (the suite run against an
 * installed copy): the platform package, copied into `nodeModules` the way npm lays it out. */
function providePlatformPackage(nodeModules) {
  if (fs.existsSync(sourceBuild)) return;
  const platform = currentPlatform();
  const binary = require.resolve(`${packageName(platform)}/${binaryFile(platform)}`, { paths: [ROOT] });
  fs.cpSync(path.dirname(binary), path.join(nodeModules, ...packageName(platform).split('/')), { recursive: true });
}

/** A copy of the installed package (what npm would put in node_modules) at `dir`. */
function install(dir, version) {
  fs.cpSync(path.join(ROOT, 'lib'), path.join(dir, 'lib'), { recursive: true });
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ ...pkg, version }));
  if (!fs.existsSync(sourceBuild)) return;
  fs.mkdirSync(path.join(dir, 'build'), { recursive: true });
  fs.copyFileSync(sourceBuild, path.join(dir, 'build', path.basename(sourceBuild)));
}

/** stderr less the degraded mode's documented warning, when the suite runs with LEAKWATCH_NATIVE=off. */
function unexpectedStderr(stderr) {
  if (process.env.LEAKWATCH_NATIVE !== 'off') return stderr;
  const expected = (line) =>
    /\[ERR_LEAKWATCH_NATIVE_OFF\] Warning: leakwatch: running without its native V8 layer/.test(line) || line.startsWith('(Use `node --trace-warnings');
  return stderr
    .split('\n')
    .filter((line) => line !== '' && !expected(line))
    .join('\n');
}

function assertBothWork(r) {
  assert.equal(r.signal, null, `crashed\n${r.context}`);
  assert.equal(r.code, 0, r.context);
  assert.equal(unexpectedStderr(r.stderr), '', r.context);
  assert.deepEqual(
    r.lines.map((l) => l.thread),
    ['main', 'worker'],
    r.context,
  );
  for (const l of r.lines) {
    const where = `${l.thread}: ${JSON.stringify(l)}`;
    assert.equal(l.error, undefined, where);
    assert.equal(l.distinct, true, where);
    assert.equal(l.bothSeeBoth, true, `each copy gets one stats event per full GC — ${where}`);
    assert.equal(l.aOptions, false, `options are per copy — ${where}`);
    assert.deepEqual(l.aKinds, ['mark-sweep-compact'], where);
    assert.deepEqual(l.bKinds.sort(), ['mark-sweep-compact', 'scavenge'], where);
    assert.equal(l.aMonitoring, false, where);
    assert.equal(l.bAfterAStopped, true, `stopping one copy leaves the other running — ${where}`);
    assert.equal(l.bMonitoring, false, where);
  }
}

test('two versions installed in one node_modules tree both work independently', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-two-copies-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const a = path.join(dir, 'node_modules', 'leakwatch');
  const b = path.join(dir, 'node_modules', 'other', 'node_modules', 'leakwatch');
  install(a, '0.1.0');
  install(b, '0.2.0');
  providePlatformPackage(path.join(dir, 'node_modules'));
  assertBothWork(await run([a, b]));
});

test('the same file loaded twice (require cache cleared) gives two working instances', async () => {
  assertBothWork(await run([ROOT, ROOT, 'reload']));
});

test('the same package required through a symlink under --preserve-symlinks', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-symlink-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const link = path.join(dir, 'node_modules', 'leakwatch');
  fs.mkdirSync(path.dirname(link));
  fs.symlinkSync(ROOT, link, 'dir');
  providePlatformPackage(path.join(dir, 'node_modules'));
  assertBothWork(await run([ROOT, link], ['--preserve-symlinks']));
});

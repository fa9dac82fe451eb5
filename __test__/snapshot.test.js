'use strict';
// Heap snapshots: leakwatch.writeSnapshot() and `snapshot: { dir, … }` on leak. Files must be
// Chrome DevTools .heapsnapshot JSON, appear whole (temp file + rename), and the on-leak writer
// must respect maxFiles, the disk guard (faked with LEAKWATCH_TEST_FREE_BYTES) and
// minIntervalMs, saying why in `snapshotSkipped`. Bad options never change anything.
// Every test here needs the native V8 layer (HeapDiff, snapshots, evidence): skipped without it.
const { needsV8Layer, testsNeeding } = require('./native-mode');
const test = testsNeeding(needsV8Layer);
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const leakwatch = require('..');
const { ROOT, runNode, runProcess } = require('./helpers');

const FIXTURE = path.join(__dirname, 'fixtures', 'leaky-evidence.js');

function tempDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-snapshot-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function checkHeapSnapshot(file) {
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  const { meta, node_count: nodeCount, edge_count: edgeCount } = json.snapshot;
  for (const key of ['node_fields', 'node_types', 'edge_fields', 'edge_types', 'trace_function_info_fields', 'location_fields']) {
    assert.ok(Array.isArray(meta[key]), `snapshot.meta.${key}`);
  }
  assert.deepEqual(meta.node_fields.slice(0, 5), ['type', 'name', 'id', 'self_size', 'edge_count']);
  assert.ok(nodeCount > 1000, `node_count ${nodeCount}`);
  assert.equal(json.nodes.length / meta.node_fields.length, nodeCount);
  assert.equal(json.edges.length / meta.edge_fields.length, edgeCount);
  assert.ok(Array.isArray(json.strings) && json.strings.length > 0);
  return json;
}

const leftovers = (dir) => fs.readdirSync(dir).filter((name) => name.endsWith('.tmp'));

test('writeSnapshot() writes a DevTools heap snapshot whole and returns its path', (t) => {
  const dir = tempDir(t);
  t.after(() => leakwatch.configure({ snapshot: false }));
  leakwatch.configure({ snapshot: { dir } });
  const file = leakwatch.writeSnapshot();
  assert.equal(path.dirname(file), dir);
  assert.match(path.basename(file), /^leakwatch-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z-\d+\.heapsnapshot$/);
  checkHeapSnapshot(file);
  assert.deepEqual(leftovers(dir), []);
  // A second one in the same millisecond must not overwrite the first.
  const again = leakwatch.writeSnapshot();
  assert.notEqual(again, file);
  assert.equal(fs.readdirSync(dir).length, 2);
});

test('writeSnapshot(path) takes a file or a directory, relative to the current directory', (t) => {
  const dir = tempDir(t);
  const cwd = process.cwd();
  t.after(() => process.chdir(cwd));
  process.chdir(dir);
  const file = leakwatch.writeSnapshot('named.heapsnapshot');
  assert.equal(file, path.join(dir, 'named.heapsnapshot'));
  fs.mkdirSync(path.join(dir, 'sub'));
  const inSub = leakwatch.writeSnapshot('sub');
  assert.equal(path.dirname(inSub), path.join(dir, 'sub'));
  checkHeapSnapshot(inSub);
  assert.deepEqual(leftovers(dir), []);
  assert.deepEqual(leftovers(path.join(dir, 'sub')), []);
});

test('writeSnapshot rejects bad paths with a clear error and writes nothing', (t) => {
  const dir = tempDir(t);
  const cases = [
    [42, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', /writeSnapshot path must be a string/],
    ['', TypeError, 'ERR_LEAKWATCH_INVALID_VALUE', /non-empty/],
    [path.join(dir, 'missing', 'x.heapsnapshot'), Error, 'ERR_LEAKWATCH_SNAPSHOT_DIR', /does not exist/],
  ];
  for (const [target, ErrorClass, code, message] of cases) {
    assert.throws(
      () => leakwatch.writeSnapshot(target),
      (err) => {
        assert.ok(err instanceof ErrorClass, `${err.constructor.name}: ${err.message}`);
        assert.equal(err.code, code);
        assert.match(err.message, message);
        return true;
      },
    );
  }
  assert.deepEqual(fs.readdirSync(dir), []);
});

test('bad snapshot options throw, name the option, and change nothing', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'a-file');
  fs.writeFileSync(file, '');
  const readOnly = path.join(dir, 'read-only');
  fs.mkdirSync(readOnly, { mode: 0o555 });
  const cases = [
    [{ snapshot: true }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', /options\.snapshot must be an object or false/],
    [{ snapshot: {} }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', /snapshot\.dir is required/],
    [{ snapshot: { dir: 'relative/dir' } }, TypeError, 'ERR_LEAKWATCH_INVALID_VALUE', /snapshot\.dir must be an absolute path/],
    [{ snapshot: { dir: 7 } }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', /snapshot\.dir must be a string/],
    [{ snapshot: { dir: path.join(dir, 'nope') } }, Error, 'ERR_LEAKWATCH_SNAPSHOT_DIR', /snapshot\.dir .* does not exist/],
    [{ snapshot: { dir: file } }, Error, 'ERR_LEAKWATCH_SNAPSHOT_DIR', /snapshot\.dir .* is not a directory/],
    [{ snapshot: { dir, maxFiles: 0 } }, RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE', /snapshot\.maxFiles must be a whole number between 1 and 10000 \(got 0\)/],
    [{ snapshot: { dir, maxFiles: 1.5 } }, RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE', /snapshot\.maxFiles/],
    [{ snapshot: { dir, minFreeBytes: -1 } }, RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE', /snapshot\.minFreeBytes/],
    [{ snapshot: { dir, minIntervalMs: NaN } }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', /snapshot\.minIntervalMs must be a finite number/],
    [{ snapshot: { dir, minIntervalMs: '1h' } }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', /snapshot\.minIntervalMs must be a number/],
    [{ snapshot: { dir, every: 1 } }, TypeError, 'ERR_LEAKWATCH_UNKNOWN_OPTION', /unknown option "every"/],
    [{ diffOnLeak: 'yes' }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', /diffOnLeak must be a boolean/],
    [{ diffMaxHeapBytes: -5 }, RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE', /diffMaxHeapBytes/],
    // A bad snapshot option rejects the whole call, valid neighbours included.
    [{ diffOnLeak: true, heapSpaces: true, snapshot: { dir: 'rel' } }, TypeError, 'ERR_LEAKWATCH_INVALID_VALUE', /absolute/],
  ];
  // Root can write anywhere: the permission case only means something for other users.
  if (process.getuid?.() !== 0) {
    cases.push([{ snapshot: { dir: readOnly } }, Error, 'ERR_LEAKWATCH_SNAPSHOT_DIR', /snapshot\.dir .* is not writable/]);
  } else {
    t.diagnostic('running as root: the read-only directory case is skipped');
  }
  const before = leakwatch.options;
  for (const [options, ErrorClass, code, message] of cases) {
    assert.throws(
      () => leakwatch.configure(options),
      (err) => {
        assert.ok(err instanceof ErrorClass, `${JSON.stringify(options)}: ${err.constructor.name}: ${err.message}`);
        assert.equal(err.code, code, err.message);
        assert.match(err.message, message);
        return true;
      },
    );
    assert.deepEqual(leakwatch.options, before, `${JSON.stringify(options)} changed the options`);
  }
});

test('snapshot options merge, fill in defaults and can be switched off', (t) => {
  const dir = tempDir(t);
  t.after(() => leakwatch.configure({ snapshot: false, diffOnLeak: false }));
  const out = leakwatch.configure({ snapshot: { dir: `${dir}/`, maxFiles: 2 }, diffOnLeak: true });
  assert.deepEqual(out.snapshot, { dir, maxFiles: 2, minFreeBytes: 1024 ** 3, minIntervalMs: 3_600_000 });
  assert.equal(out.diffOnLeak, true);
  assert.deepEqual(leakwatch.configure({ snapshot: { minIntervalMs: 0 } }).snapshot, { dir, maxFiles: 2, minFreeBytes: 1024 ** 3, minIntervalMs: 0 });
  assert.equal(leakwatch.configure({ snapshot: false }).snapshot, false);
});

/** A leaky child with `snapshot` options; resolves with its leak reports. */
async function leakyChild(snapshot, env = {}) {
  const run = await runNode(`require(${JSON.stringify(FIXTURE)})`, {
    env: { LEAKWATCH_FIXTURE_OPTIONS: JSON.stringify({ snapshot }), ...env },
    timeoutMs: 40_000,
  });
  assert.equal(run.code, 0, `child: code ${run.code} ${run.signal ?? ''}\n${run.stderr}`);
  const reports = run.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line).report);
  return reports;
}

test('on leak: a snapshot is written, then rate-limited; maxFiles and the disk guard skip it with a reason', { timeout: 60_000 }, async (t) => {
  const [written, full, low] = [tempDir(t), tempDir(t), tempDir(t)];
  for (const name of ['leakwatch-old-1.heapsnapshot', 'leakwatch-old-2.heapsnapshot']) fs.writeFileSync(path.join(full, name), '{}');
  const [rateLimited, maxFiles, disk] = await Promise.all([
    leakyChild({ dir: written, minFreeBytes: 0, minIntervalMs: 3_600_000 }, { LEAKS: '2' }),
    leakyChild({ dir: full, maxFiles: 2, minFreeBytes: 0 }),
    leakyChild({ dir: low, minFreeBytes: 1024 ** 3 }, { LEAKWATCH_TEST_FREE_BYTES: String(512 * 1024 ** 2) }),
  ]);

  assert.equal(rateLimited.length, 2, JSON.stringify(rateLimited));
  const [first, second] = rateLimited;
  assert.equal(first.snapshotSkipped, undefined, JSON.stringify(first));
  assert.equal(path.dirname(first.snapshotPath), written);
  assert.ok(fs.statSync(first.snapshotPath).size > 0);
  assert.equal(second.repeat, 1);
  assert.equal(second.snapshotPath, undefined);
  assert.match(second.snapshotSkipped, /^rate limit: .*minIntervalMs/);
  assert.deepEqual(fs.readdirSync(written), [path.basename(first.snapshotPath)], 'one file, no temp file left');

  assert.match(maxFiles[0].snapshotSkipped, /^snapshot\.maxFiles reached: 2 leakwatch-\*\.heapsnapshot files/);
  assert.equal(fs.readdirSync(full).length, 2);

  assert.match(disk[0].snapshotSkipped, /^low disk space: 512\.0 MB free/);
  assert.deepEqual(fs.readdirSync(low), []);
});

test("on leak: the reason names the command that analyzes the snapshot; a re-alert, the episode's first and its own", { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t);
  const [first, second] = await leakyChild({ dir, minFreeBytes: 0, minIntervalMs: 0 }, { LEAKS: '2' });
  assert.ok(first?.snapshotPath && second?.snapshotPath, JSON.stringify([first, second]));
  assert.equal(second.episode, first.episode);
  assert.equal(second.repeat, 1);
  assert.equal(first.analyzeCommand, `leakwatch analyze ${first.snapshotPath}`);
  assert.equal(second.analyzeCommand, `leakwatch analyze ${first.snapshotPath} ${second.snapshotPath}`);
  for (const r of [first, second]) {
    assert.ok(r.reason.endsWith(`; to analyze: ${r.analyzeCommand}`), r.reason);
    assert.match(r.reason, /^heap grew /, "the detector's reason comes first");
  }
  // The command does what it says: the leak method over the episode's two snapshots finds
  // the LeakyThings added to the global Map between the alerts.
  const run = await runProcess([path.join(ROOT, 'bin', 'leakwatch.js'), 'analyze', first.snapshotPath, second.snapshotPath, '--json'], { timeoutMs: 60_000 });
  assert.equal(run.code, 0, run.context);
  const { leak } = JSON.parse(run.stdout);
  assert.equal(leak.method, 'baseline-final');
  assert.equal(leak.clusters[0].constructor, 'LeakyThing', JSON.stringify(leak.clusters.slice(0, 3)));
  assert.ok(
    leak.clusters[0].path.some((step) => step.edge === 'leakyCache' && step.node === 'Map'),
    JSON.stringify(leak.clusters[0].path),
  );
});

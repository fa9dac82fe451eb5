'use strict';
// `leakwatch analyze` as a user runs it: a child process per call, over real snapshots that a
// child took around a real leak (__test__/fixtures/analyze-snapshots.js: baseline, then
// LeakyThings put into the global Map `leaks`, target, more of them, final), over a truncated
// and a corrupted copy, and with bad arguments.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ROOT } = require('./helpers');

const BIN = path.join(ROOT, 'bin', 'leakwatch.js');
const FIXTURE = path.join(__dirname, 'fixtures', 'analyze-snapshots.js');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-cli-analyze-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const made = spawnSync(process.execPath, [FIXTURE, tmp], { encoding: 'utf8', timeout: 60_000 });
const leaked = made.status === 0 ? JSON.parse(made.stdout.trim().split('\n').pop()) : null;
const [BASELINE, TARGET, FINAL] = ['baseline', 'target', 'final'].map((name) => path.join(tmp, `${name}.heapsnapshot`));

function cli(args, { timeoutMs = 60_000 } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'analyze', ...args], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const describe = (run) => `code ${run.code} ${run.signal ?? ''}\nstdout: ${run.stdout.slice(-4000)}\nstderr: ${run.stderr.slice(-4000)}`;

test('the fixture took three snapshots around its leak', () => {
  assert.equal(made.status, 0, `fixture: ${made.status} ${made.signal}\n${made.stderr}`);
  for (const file of [BASELINE, TARGET, FINAL]) assert.ok(fs.statSync(file).size > 1e6, `${file} is a snapshot`);
});

test('one snapshot: top retainers with their paths and the constructors, the Map of LeakyThings among them', async () => {
  const run = await cli([FINAL]);
  assert.equal(run.code, 0, describe(run));
  assert.equal(run.stderr, '', 'no progress when stderr is not a terminal');
  assert.match(run.stdout, /^snapshot .*final\.heapsnapshot: [\d.]+ MB, [\d,]+ nodes, [\d,]+ edges/m);
  assert.match(run.stdout, /^Top retainers of final\.heapsnapshot/m);
  // The Map holds every LeakyThing: it is among the top retainers, reached through `.leaks`.
  assert.match(run.stdout, /^ +\d+\. +[\d.]+ [KM]B +Map @\d+ .*\n +root → .*\.leaks → Map$/m);
  const row = run.stdout.split('\n').find((l) => /^ {2}LeakyThing +/.test(l));
  assert.ok(row, `a LeakyThing row in the constructor table:\n${run.stdout}`);
  assert.equal(Number(row.trim().split(/ +/)[1].replace(/,/g, '')), leaked.leakedBeforeFinal, row);
  assert.doesNotMatch(run.stdout, /^LEAK/m, 'one snapshot: no leak method');
});

test('three snapshots: the top leak cluster is the LeakyThings allocated before the target, with their path from the Map', async () => {
  const [text, json] = await Promise.all([cli([BASELINE, TARGET, FINAL]), cli([BASELINE, TARGET, FINAL, '--json'])]);
  assert.equal(text.code, 0, describe(text));
  assert.equal(json.code, 0, describe(json));
  const report = JSON.parse(json.stdout);
  assert.equal(report.version, 1);
  assert.deepEqual(
    report.snapshots.map((s) => s.path),
    [BASELINE, TARGET, FINAL],
  );
  assert.equal(report.leak.method, 'baseline-target-final');
  const [cluster] = report.leak.clusters;
  assert.equal(cluster.constructor, 'LeakyThing');
  // Only those allocated between baseline and target: the later ones are not in the target.
  assert.equal(cluster.count, leaked.leakedBeforeTarget);
  const edges = cluster.path.map((s) => s.edge);
  const leaksAt = edges.indexOf('leaks');
  assert.ok(leaksAt >= 0, `the path goes through .leaks: ${JSON.stringify(cluster.path)}`);
  assert.equal(cluster.path[leaksAt].node, 'Map');
  assert.equal(cluster.path[cluster.path.length - 1].node, 'LeakyThing');
  assert.ok(cluster.retainedBytes >= cluster.selfBytes && cluster.selfBytes > 0, JSON.stringify(cluster));

  // The text report says the same.
  assert.match(text.stdout, new RegExp(`^LEAK: ${leaked.leakedBeforeTarget.toLocaleString('en-US')}|^LEAK: [\\d,]+ objects`, 'm'));
  const line = text.stdout.split('\n').findIndex((l) => /^ {2}1\. LeakyThing ×/.test(l));
  assert.ok(line >= 0, `the first cluster is LeakyThing:\n${text.stdout}`);
  assert.match(text.stdout.split('\n')[line], new RegExp(`×${leaked.leakedBeforeTarget.toLocaleString('en-US')}: `));
  assert.match(text.stdout.split('\n')[line + 1], /^ +root → .*\.leaks → Map → .* → LeakyThing$/);
  assert.match(text.stdout, /^Diff baseline\.heapsnapshot → final\.heapsnapshot: \+/m);
  assert.ok(
    report.diff.details.some((d) => d.what === 'LeakyThing' && d.countAdded === leaked.leakedBeforeFinal),
    JSON.stringify(report.diff.details.slice(0, 5)),
  );
});

test('-o writes the HTML page whole (temp file and rename), with the report in it and nothing external', async () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'html-'));
  const out = path.join(dir, 'report.html');
  fs.writeFileSync(out, 'the previous page');
  const run = await cli([BASELINE, FINAL, '-o', out, '--top', '5']);
  assert.equal(run.code, 0, describe(run));
  assert.match(run.stderr, /wrote .*report\.html/);
  assert.deepEqual(fs.readdirSync(dir), ['report.html'], 'no temp file left');
  const html = fs.readFileSync(out, 'utf8');
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<span class="name">LeakyThing<\/span>/);
  assert.match(html, /\.leaks → Map/);
  assert.doesNotMatch(html, /<script|<link|src=|https?:\/\//i, 'self-contained');
  assert.match(run.stdout, /^LEAK: /m, 'the text report is still printed');

  const missing = await cli([FINAL, '-o', path.join(dir, 'no-such-dir', 'x.html')]);
  assert.equal(missing.code, 2, describe(missing));
  assert.match(missing.stderr, /cannot write .*x\.html: no such directory/);
});

test('a truncated or corrupt snapshot exits 2 with the file and the byte offset', async () => {
  const bytes = fs.readFileSync(FINAL);
  const truncated = path.join(tmp, 'truncated.heapsnapshot');
  fs.writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
  // Letters in the middle of the numbers of the "nodes" array.
  const corrupt = path.join(tmp, 'corrupt.heapsnapshot');
  const copy = Buffer.from(bytes);
  const at = copy.indexOf('"nodes":[') + 2000;
  copy.write('x!x', at, 'latin1');
  fs.writeFileSync(corrupt, copy);

  const [cut, bad] = await Promise.all([cli([truncated]), cli([corrupt])]);
  for (const [run, file] of [
    [cut, truncated],
    [bad, corrupt],
  ]) {
    assert.equal(run.code, 2, describe(run));
    assert.equal(run.stdout, '');
    assert.ok(run.stderr.includes(file), `the message names ${file}: ${run.stderr}`);
    assert.match(run.stderr, /byte \d+/);
    assert.doesNotMatch(run.stderr, /internal error|panick/i);
  }
  const offset = (run) => Number(/byte (\d+)/.exec(run.stderr)[1]);
  assert.ok(offset(cut) <= Math.floor(bytes.length / 2), `within the file: ${cut.stderr}`);
  assert.ok(offset(bad) >= at && offset(bad) <= at + 64, `at the corruption (${at}): ${bad.stderr}`);
});

test('usage and input errors exit 2 with one line and a pointer to --help', async () => {
  const cases = [
    [[], /analyze needs a \.heapsnapshot file/],
    [[BASELINE, TARGET, FINAL, FINAL], /1 to 3 snapshots/],
    [[FINAL, '--top', '0'], /--top must be an integer from 1/],
    [[FINAL, '--bogus'], /unknown option --bogus/],
    [[FINAL, '-o', FINAL], /would overwrite a snapshot/],
  ];
  const runs = await Promise.all(cases.map(([args]) => cli(args)));
  runs.forEach((run, i) => {
    assert.equal(run.code, 2, describe(run));
    assert.match(run.stderr, cases[i][1]);
    assert.match(run.stderr, /Run 'leakwatch analyze --help' for usage\./);
  });
  const missing = await cli([path.join(tmp, 'nope.heapsnapshot')]);
  assert.equal(missing.code, 2, describe(missing));
  assert.match(missing.stderr, /cannot read .*nope\.heapsnapshot: no such file/);
  const help = await cli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: leakwatch analyze SNAPSHOT\.\.\./);
});

test('--progress prints progress lines on stderr; --quiet none', async () => {
  const [loud, quiet] = await Promise.all([cli([FINAL, '--progress', '--json']), cli([FINAL, '--progress', '--quiet', '--json'])]);
  assert.equal(loud.code, 0, describe(loud));
  assert.match(loud.stderr, /^leakwatch analyze: reading final\.heapsnapshot: \d+% /m);
  assert.match(loud.stderr, /reading final\.heapsnapshot: 100% /);
  assert.doesNotThrow(() => JSON.parse(loud.stdout), 'stdout is the JSON alone');
  assert.equal(quiet.code, 0, describe(quiet));
  assert.equal(quiet.stderr, '');
});

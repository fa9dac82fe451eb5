'use strict';
// The `leakwatch` command (bin/leakwatch.js), run as a user runs it: a child process per call.
// `record` runs a real leaky program; `replay` and `report` run over the public eval traces
// (a copy in __test__/data/eval-traces) and over small traces written here.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ROOT } = require('./helpers');
const { LeakDetector } = require('..');

const BIN = path.join(ROOT, 'bin', 'leakwatch.js');
const LEAKY = path.join(__dirname, 'fixtures', 'cli-leaky.js');
const TRACES = path.join(__dirname, 'data', 'eval-traces');
// The smallest evidence the detector accepts, so a ~2 MB/s leak is reported within seconds.
const FAST = JSON.stringify({ minSamples: 6, minDurationMs: 3000, minGrowthBytes: 4 * 1024 * 1024 });

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-cli-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const tmpFile = (name, text) => {
  const file = path.join(tmp, name);
  if (text !== undefined) fs.writeFileSync(file, text);
  return file;
};

/** Runs `node bin/leakwatch.js ...args`; resolves with { code, signal, stdout, stderr, child }.
 * `onStdout(text, child)` sees the stdout so far after each chunk. */
function cli(args, { env = {}, timeoutMs = 30_000, onStdout } = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LEAKWATCH_')));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: tmp, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      if (onStdout) onStdout(stdout, child);
    });
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const describe = (run) => `code ${run.code} ${run.signal ?? ''}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`;
const traceText = (samples) => samples.map((s) => `${JSON.stringify(s)}\n`).join('');
const count = (text, needle) => text.split(needle).length - 1;

/** What the detector says about a trace, straight from the API. */
function detectorReports(file, options) {
  const detector = new LeakDetector(options);
  const reports = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const { t, used } = JSON.parse(line);
    const r = detector.update({ timestamp: t, usedHeapSize: used });
    if (r) reports.push(r);
  }
  return reports;
}

/** A synthetic trace: flat for `flatMs`, then growing `mbPerMin`, a sample every 3 s. */
function syntheticTrace({ durationMs = 600_000, flatMs = 120_000, mbPerMin = 15, extra = () => ({}) } = {}) {
  const samples = [];
  for (let t = 2000, i = 0; t <= durationMs; t += 3000, i++) {
    const growth = t > flatMs ? ((t - flatMs) / 60_000) * mbPerMin * 1048576 : 0;
    const used = Math.round(20 * 1048576 + growth + ((i * 7919) % 13) * 150_000);
    samples.push({ t, used, total: Math.round(used * 1.5), ...extra(t) });
  }
  return samples;
}

test('--help for the command and each subcommand prints its usage and exit codes', async () => {
  const runs = await Promise.all([['--help'], ['record', '--help'], ['replay', '-h'], ['report', '--help']].map((args) => cli(args)));
  for (const run of runs) {
    assert.equal(run.code, 0, describe(run));
    assert.match(run.stdout, /^Usage: leakwatch/);
    assert.match(run.stdout, /Exit codes/);
    assert.equal(run.stderr, '');
  }
  assert.match(runs[0].stdout, /record -o FILE/);
  assert.match(runs[0].stdout, /replay FILE/);
  assert.match(runs[0].stdout, /report FILE/);
});

test('an unknown or missing subcommand prints the help on stderr and exits 2', async () => {
  const [unknown, none] = await Promise.all([cli(['chart', 'x.jsonl']), cli([])]);
  assert.equal(unknown.code, 2, describe(unknown));
  assert.match(unknown.stderr, /unknown command "chart"/);
  assert.match(unknown.stderr, /Usage: leakwatch/);
  assert.equal(none.code, 2, describe(none));
  assert.match(none.stderr, /Usage: leakwatch/);
});

test('record runs a leaky program with the preload and writes one sample line per full GC', { timeout: 60_000 }, async () => {
  const file = tmpFile('recorded.jsonl');
  const run = await cli(['record', '-o', file, '--options', FAST, '--progress-every', '3', '--', process.execPath, '--optimize-for-size', LEAKY], {
    env: { DURATION_MS: '16000', EXIT_CODE: '7' },
    timeoutMs: 50_000,
  });
  assert.equal(run.code, 7, `record exits with the program's code\n${describe(run)}`);
  assert.match(run.stdout, /^served \d+$/m, 'the program ran to its end, its stdout forwarded');
  // Its own NODE_OPTIONS (the suite may run with some), not the recorder's.
  const own = `env NODE_OPTIONS=${JSON.stringify(process.env.NODE_OPTIONS ?? null)} recorder vars=0`;
  assert.ok(run.stdout.includes(own), `the program sees its own environment: nested processes are not recorded\n${describe(run)}`);
  assert.match(run.stderr, /leakwatch record: 0:0\d \d+ full GCs? recorded/, 'progress on stderr');
  assert.match(run.stderr, /full GCs up to t=\d+s recorded in .*recorded\.jsonl, \d+ leak reports? \(the program exited with code 7\)/);

  const text = fs.readFileSync(file, 'utf8');
  assert.ok(text.endsWith('\n'), 'complete lines only');
  const samples = text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.ok(samples.length >= 10, `at least 10 full GCs in 16 s under --optimize-for-size (got ${samples.length})\n${describe(run)}`);
  let previous;
  for (const s of samples) {
    for (const key of ['t', 'used', 'total', 'ts', 'pause']) assert.equal(typeof s[key], 'number', `${key} in ${JSON.stringify(s)}`);
    assert.ok(s.used > 0 && s.total >= s.used, JSON.stringify(s));
    if (previous) assert.ok(s.t >= previous.t, 'in time order');
    // t counts from the process start on the same clock as ts.
    assert.ok(Math.abs(s.ts - s.t - (samples[0].ts - samples[0].t)) < 5, JSON.stringify(s));
    previous = s;
  }
  assert.ok(samples[0].t < 15_000, 't is ms since the process started');
  assert.ok(samples[samples.length - 1].used > samples[0].used + 8 * 1048576, 'the leak shows in the samples');

  // The live detector ran with --options: its report sits on the line of its sample, and the
  // same detector replayed over the samples agrees.
  const live = samples.filter((s) => s.leak);
  assert.ok(live.length >= 1, `the fast live detector reported the leak\n${describe(run)}`);
  assert.match(live[0].leak.reason, /^heap grew/);
  assert.ok(Math.abs(live[0].leak.timestamp - live[0].ts) < 1, 'the report is on its own sample');
  assert.match(run.stderr, /LEAK at t=\d+s: heap grew/);
  const replayed = await cli(['replay', file, '--options', FAST]);
  assert.equal(replayed.code, 3, describe(replayed));
  assert.equal(detectorReports(file, JSON.parse(FAST)).length, count(replayed.stdout, '  LEAK  '));
});

test('record passes SIGTERM on to the program and exits as it does', { timeout: 40_000 }, async () => {
  const started = (out, child) => {
    if (out.includes('env NODE_OPTIONS') && !child.signalled) {
      child.signalled = true;
      setTimeout(() => child.kill('SIGTERM'), 300);
    }
  };
  const args = (name) => ['record', '--quiet', '-o', tmpFile(name), '--', process.execPath, LEAKY];
  const [graceful, killed] = await Promise.all([
    cli(args('graceful.jsonl'), { env: { GRACEFUL: '1', DURATION_MS: '60000' }, onStdout: started }),
    cli(args('killed.jsonl'), { env: { DURATION_MS: '60000' }, onStdout: started }),
  ]);
  assert.match(graceful.stdout, /graceful SIGTERM/, describe(graceful));
  assert.equal(graceful.code, 0, describe(graceful));
  assert.equal(killed.code, 128 + os.constants.signals.SIGTERM, `128 + SIGTERM when the signal ended the program\n${describe(killed)}`);
  assert.equal(killed.stderr, '', '--quiet');
});

test('record without -o or a program is a usage error (2); a program that cannot start gives 127', async () => {
  const [noOutput, noProgram, missing, badOptions] = await Promise.all([
    cli(['record', '--', process.execPath, LEAKY]),
    cli(['record', '-o', tmpFile('none.jsonl')]),
    cli(['record', '-o', tmpFile('missing.jsonl'), '--', 'leakwatch-no-such-command-here']),
    cli(['record', '-o', tmpFile('bad.jsonl'), '--options', '{"minSamples": 1}', '--', process.execPath, LEAKY]),
  ]);
  assert.equal(noOutput.code, 2, describe(noOutput));
  assert.match(noOutput.stderr, /record needs -o FILE/);
  assert.match(noOutput.stderr, /leakwatch record --help/);
  assert.equal(noProgram.code, 2, describe(noProgram));
  assert.match(noProgram.stderr, /record needs a program to run/);
  assert.equal(missing.code, 127, describe(missing));
  assert.match(missing.stderr, /cannot run "leakwatch-no-such-command-here": command not found/);
  assert.equal(badOptions.code, 2, describe(badOptions));
  assert.match(badOptions.stderr, /invalid --options: .*minSamples/);
});

test('replay reports the leak in every public leak trace (exit 3) and nothing in the others (exit 0)', { timeout: 60_000 }, async () => {
  const { traces } = JSON.parse(fs.readFileSync(path.join(TRACES, 'manifest.json'), 'utf8'));
  const runs = await Promise.all(traces.map((entry) => cli(['replay', '--json', path.join(TRACES, entry.file)])));
  traces.forEach((entry, i) => {
    const run = runs[i];
    const reports = run.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    assert.equal(run.code, entry.expectLeak ? 3 : 0, `${entry.file}\n${describe(run)}`);
    assert.equal(reports.length > 0, entry.expectLeak, entry.file);
    assert.deepEqual(
      reports.map((r) => r.timestamp),
      detectorReports(path.join(TRACES, entry.file)).map((r) => r.timestamp),
      `${entry.file}: the same reports as LeakDetector`,
    );
    for (const r of reports) {
      assert.match(r.reason, /^heap grew/);
      assert.equal(typeof r.line, 'number');
    }
  });
});

test('replay prints one human line per report and a summary; --options reaches the detector', async () => {
  const file = tmpFile('synthetic.jsonl', traceText(syntheticTrace()));
  const [human, strict] = await Promise.all([cli(['replay', file]), cli(['replay', file, '--options', '{"leak": {"minGrowthBytes": 1e12}}'])]);
  assert.equal(human.code, 3, describe(human));
  assert.match(human.stdout, /^t=\d+m\d\ds {2}LEAK {2}heap grew [\d.]+ MB in .* \(episode 1\)$/m);
  assert.match(human.stdout, /leak reports? \(1 episode\) in \d+ full GCs over 9m5\ds/);
  assert.equal(strict.code, 0, describe(strict));
  assert.match(strict.stdout, /^no leak: \d+ full GCs over 9m5\ds, heap [\d.]+ MB to [\d.]+ MB after GC$/m);
});

test('bad input gives one clear line on stderr and exit 2, never a stack trace', async () => {
  const good = JSON.stringify({ t: 1000, used: 1e7, total: 2e7 });
  const cases = [
    [['replay', tmpFile('does-not-exist.jsonl')], /cannot read trace .*does-not-exist\.jsonl: no such file/],
    [['replay', tmpFile('garbage.jsonl', `${good}\n${good}\n{"t": 3000, "used": \n${good}\n`)], /garbage\.jsonl:3: not valid JSON/],
    [['replay', tmpFile('no-used.jsonl', `${good}\n{"t": 2000, "total": 5}\n`)], /no-used\.jsonl:2: "used" must be a number of bytes \(got undefined\)/],
    [['replay', tmpFile('array.jsonl', '[1, 2]\n')], /array\.jsonl:1: expected an object/],
    [
      ['replay', tmpFile('backwards.jsonl', `${good}\n${JSON.stringify({ t: 500, used: 1e7 })}\n`)],
      /backwards\.jsonl:2: "t" goes back in time \(500 after 1000 on line 1\)/,
    ],
    [['report', tmpFile('empty.jsonl', '\n\n')], /empty\.jsonl: no samples \(the trace is empty\)/],
    [['replay', tmp], /cannot read trace .*: it is a directory/],
    [['replay'], /replay needs a trace file/],
    [['replay', 'a.jsonl', '--colour'], /unknown option --colour/],
    [['replay', tmpFile('ok.jsonl', `${good}\n`), '--options', '{nope'], /--options is not JSON/],
    [['report', tmpFile('ok2.jsonl', `${good}\n`), '-o', path.join(tmp, 'no-such-dir', 'r.html')], /cannot write .*r\.html: no such directory/],
  ];
  const runs = await Promise.all(cases.map(([args]) => cli(args)));
  cases.forEach(([args, message], i) => {
    const run = runs[i];
    assert.equal(run.code, 2, `${args.join(' ')}\n${describe(run)}`);
    assert.match(run.stderr, message);
    assert.doesNotMatch(run.stderr, /^\s+at /m, 'no stack trace');
    assert.equal(run.stdout, '');
  });
});

test('a last line cut off mid-write is skipped with a warning', async () => {
  const text = `${traceText(syntheticTrace({ durationMs: 60_000 }))}{"t": 61000, "us`;
  const run = await cli(['replay', tmpFile('cut.jsonl', text)]);
  assert.equal(run.code, 0, describe(run));
  assert.match(run.stderr, /cut\.jsonl:\d+: ignoring the incomplete last line/);
});

test('report writes one self-contained HTML page with the chart: heap line, baseline, trends and one marker per report', async () => {
  const trace = path.join(TRACES, 'leak-after-warmup-x3.jsonl');
  const out = tmpFile('warmup.html');
  const run = await cli(['report', trace, '-o', out, '--title', 'Leak <after> warm-up & co']);
  assert.equal(run.code, 0, describe(run));
  // One alert: a re-alert needs the episode's growth to quadruple, which this trace's leak
  // does not reach before it ends.
  const reports = detectorReports(trace);
  assert.equal(reports.length, 1);
  assert.match(run.stderr, /wrote .*warmup\.html \(46 samples, 1 leak report\)/);
  const html = fs.readFileSync(out, 'utf8');

  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<title>Leak &lt;after&gt; warm-up &amp; co<\/title>/, 'the title is escaped');
  assert.equal(count(html, '<svg'), 1);
  assert.equal(count(html, '<path class="used" d="M'), 1, 'the heap line');
  assert.equal(count(html, '<path class="total'), 1, 'the heap total');
  assert.equal(count(html, '<path class="baseline"'), 1, 'the post-GC floor');
  assert.equal(count(html, '<line class="trend"'), 1, 'one trend per episode');
  assert.equal(count(html, '<line class="leak-baseline"'), 1);
  assert.equal(count(html, '<g class="leak-marker">'), reports.length, 'one marker per report');
  for (const r of reports) assert.ok(html.includes(`<title>#${reports.indexOf(r) + 1} at `) && html.includes(r.reason), r.reason);
  assert.equal(count(html, '<circle cx='), 46 + reports.length, 'a dot per sample');
  assert.match(html, /class="axis x-axis"[\s\S]*>3:00<\/text>/, 'm:ss time labels');
  assert.match(html, /class="axis y-axis"[\s\S]*>50<\/text>/, 'MB labels');
  assert.match(html, /<th>Samples<\/th><td>46 full GCs/);
  assert.match(html, /<th>Leak reports<\/th><td>1 in 1 episode/);
  assert.match(html, /<ol class="leaks">/);
  assert.doesNotMatch(html, /https?:\/\//, 'no URL at all');
  assert.doesNotMatch(html, /<script|<link|<img|<iframe|@import|url\(/i, 'nothing to fetch, nothing to run');
});

test('report marks the leaks recorded live, at the same place the replay puts them', async () => {
  const plain = syntheticTrace();
  const file = tmpFile('plain.jsonl', traceText(plain));
  const reports = detectorReports(file);
  assert.ok(reports.length >= 1);
  // As `record` writes it: epoch ts on every sample, the live report on its sample.
  const epoch = 1_795_000_000_000;
  const recorded = plain.map((s) => {
    const r = reports.find((x) => x.timestamp === s.t);
    const line = { ...s, ts: s.t + epoch, pause: 1.5 };
    if (r) line.leak = { ...r, timestamp: r.timestamp + epoch, startTimestamp: r.startTimestamp + epoch };
    return line;
  });
  const recordedFile = tmpFile('recorded-live.jsonl', traceText(recorded));
  const [live, replayed] = await Promise.all([cli(['report', recordedFile, '-o', tmpFile('live.html')]), cli(['report', recordedFile, '--replay', '--quiet'])]);
  assert.equal(live.code, 0, describe(live));
  assert.equal(replayed.code, 0, describe(replayed));
  assert.equal(replayed.stderr, '');
  const liveHtml = fs.readFileSync(tmpFile('live.html'), 'utf8');
  const replayHtml = fs.readFileSync(tmpFile('recorded-live.html'), 'utf8');
  assert.match(liveHtml, /recorded live by leakwatch record/);
  assert.match(replayHtml, /replayed with the default options/);
  assert.match(liveHtml, /<th>Recorded<\/th><td>2026-11-18 /, 'the recording date from ts');
  assert.match(liveHtml, /<th>GC pause<\/th>/);
  const markers = (html) => html.match(/<g class="leak-marker">.*?<\/g>/g);
  assert.equal(markers(liveHtml).length, reports.length);
  assert.deepEqual(markers(liveHtml), markers(replayHtml));
  assert.equal(count(liveHtml, '<line class="trend"'), new Set(reports.map((r) => r.episode)).size);
});

test('report of a trace without leaks says so and draws no marker', async () => {
  const file = tmpFile('flat.jsonl', traceText(syntheticTrace({ flatMs: Infinity })));
  const run = await cli(['report', file]);
  assert.equal(run.code, 0, describe(run));
  const html = fs.readFileSync(tmpFile('flat.html'), 'utf8');
  assert.match(html, /No leak reported/);
  assert.equal(count(html, 'class="leak-marker"'), 0);
  assert.equal(count(html, 'class="trend"'), 0);
  assert.equal(count(html, '<path class="used" d="M'), 1);
});

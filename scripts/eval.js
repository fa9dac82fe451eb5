#!/usr/bin/env node
'use strict';
// `npm run eval`: judges leakwatch with the shared evaluation suite (see its README.md).
//
//  1. Traces: runs `score-traces.js --module <repo>` (the judge's replay of the recorded
//     post-GC traces through LeakDetector with the production defaults), then replays the same
//     traces here through LeakDetector and through the classic "5 consecutive increases" rule
//     (scripts/classic-rule.js, a baseline that is not part of the product) and prints both
//     side by side: fired?, first-fire latency from the leak's start, pass/fail.
//  2. Live: runs every workload of workloads/manifest.json through
//     `run-workload.js --module <repo> --workload NAME`, two at a time (the suite machine has
//     two cores), and prints a summary table.
// Exit code: 0 when everything passed, 1 when something failed, 2 on usage/setup errors.
//
// Usage: node scripts/eval.js [--eval-dir DIR] [--traces-only | --live-only]
//          [--workload NAME]... [--duration S] [--jobs N] [--markdown] [--out FILE.jsonl]
//          [--write-docs]
// --write-docs replaces the detector table of docs/detector.md (between <!-- EVAL-TABLE --> and
// <!-- /EVAL-TABLE -->) with this run's results (needs both parts: every trace and workload).
// --write-readme is the old name of the same flag (the table used to be in the README).
// The eval folder defaults to ../shared/eval next to the repository; LEAKWATCH_EVAL_DIR or
// --eval-dir override it.

const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { ClassicRule } = require('./classic-rule');
const { mb } = require('../lib/format');

const ROOT = path.join(__dirname, '..');

const USAGE = `usage: node scripts/eval.js [options]
  --eval-dir DIR     the shared eval folder (default: $LEAKWATCH_EVAL_DIR or ../shared/eval)
  --traces-only      only replay the recorded traces
  --live-only        only run the live workloads
  --workload NAME    run only this live workload (repeatable)
  --duration S       live workload duration in seconds (default: the manifest's, else 90)
  --jobs N           live workloads run in parallel (default 2)
  --markdown         print the summary tables as Markdown
  --out FILE         also write the raw run-workload.js JSON lines to FILE
  --write-docs       regenerate the detector table of docs/detector.md from this run
                     (full runs only; --write-readme is an alias)
  -h, --help         this text`;

function fail(message) {
  console.error(`eval: ${message}`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { workloads: [], tracesOnly: false, liveOnly: false, markdown: false, jobs: 2 };
  const value = (i, flag) => {
    if (i + 1 >= argv.length || argv[i + 1].startsWith('--')) fail(`${flag} needs a value\n${USAGE}`);
    return argv[i + 1];
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    // Accept both "--flag value" and "--flag=value".
    if (arg.startsWith('--') && eq > 0) {
      argv.splice(i, 1, arg.slice(0, eq), arg.slice(eq + 1));
      i--;
      continue;
    }
    switch (arg) {
      case '-h':
      case '--help':
        console.log(USAGE);
        process.exit(0);
        break;
      case '--traces-only':
        opts.tracesOnly = true;
        break;
      case '--live-only':
        opts.liveOnly = true;
        break;
      case '--markdown':
        opts.markdown = true;
        break;
      case '--write-docs':
      case '--write-readme':
        opts.writeDocs = true;
        break;
      case '--eval-dir':
        opts.evalDir = value(i++, arg);
        break;
      case '--workload':
        opts.workloads.push(value(i++, arg));
        break;
      case '--out':
        opts.out = value(i++, arg);
        break;
      case '--duration': {
        const s = Number(value(i++, arg));
        if (!Number.isFinite(s) || s <= 0) fail(`--duration must be a positive number of seconds (got ${argv[i]})`);
        opts.duration = s;
        break;
      }
      case '--jobs': {
        const n = Number(value(i++, arg));
        if (!Number.isInteger(n) || n < 1) fail(`--jobs must be a positive integer (got ${argv[i]})`);
        opts.jobs = n;
        break;
      }
      default:
        fail(`unknown argument ${JSON.stringify(arg)}\n${USAGE}`);
    }
  }
  if (opts.tracesOnly && opts.liveOnly) fail('--traces-only and --live-only exclude each other');
  return opts;
}

function locateEvalDir(given) {
  const source = given ? '--eval-dir' : process.env.LEAKWATCH_EVAL_DIR ? 'LEAKWATCH_EVAL_DIR' : 'the default';
  const dir = path.resolve(given || process.env.LEAKWATCH_EVAL_DIR || path.join(ROOT, '..', 'shared', 'eval'));
  const missing = ['score-traces.js', 'run-workload.js'].filter((f) => !fs.existsSync(path.join(dir, f)));
  if (missing.length) {
    fail(
      `no eval suite at ${dir} (${source}): ${missing.join(' and ')} not found.\n` +
        '      Point --eval-dir or LEAKWATCH_EVAL_DIR at the folder holding score-traces.js and run-workload.js.',
    );
  }
  return dir;
}

// ---- formatting ------------------------------------------------------------------------

/** "+1m05s" style, as score-traces.js prints it; null → "-". */
function fmtMs(ms, sign = true) {
  if (ms === null || ms === undefined) return '-';
  const s = Math.round(Math.abs(ms) / 1000);
  const body = `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return (ms < 0 ? '-' : sign ? '+' : '') + body;
}

function printTable(rows, markdown) {
  if (markdown) {
    const esc = (c) => String(c).replace(/\|/g, '\\|');
    console.log(`| ${rows[0].map(esc).join(' | ')} |`);
    console.log(`| ${rows[0].map(() => '---').join(' | ')} |`);
    for (const row of rows.slice(1)) console.log(`| ${row.map(esc).join(' | ')} |`);
    return;
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)));
  for (const row of rows)
    console.log(
      row
        .map((c, i) => String(c).padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    );
}

// ---- child processes -------------------------------------------------------------------

/** Runs node with `args`; resolves { code, signal, stdout, stderr, ms }. */
function runNodeScript(args, { timeoutMs, echo = false } = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      if (echo) process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      if (echo) process.stderr.write(d);
    });
    let timedOut = false;
    const timer = timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, timeoutMs)
      : null;
    child.on('error', (err) => {
      stderr += String(err?.stack);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut, ms: Date.now() - started });
    });
  });
}

// ---- traces ----------------------------------------------------------------------------

/** Replays one trace through `detector`; scores it with the judge's criteria (README.md). */
function scoreTrace(entry, samples, detector) {
  const fires = [];
  let error = null;
  try {
    for (const s of samples) {
      if (detector.update({ timestamp: s.t, usedHeapSize: s.used })) fires.push(s.t);
    }
  } catch (err) {
    error = err;
  }
  const start = entry.leakStartMs || 0;
  const first = fires.length ? fires[0] : null;
  const last = fires.length ? fires[fires.length - 1] : null;
  let why = '';
  if (error) why = `error: ${error.message}`;
  else if (!entry.expectLeak) why = fires.length ? `false alarm at ${fmtMs(first, false)}` : '';
  else if (!fires.length) why = 'missed';
  else if (first < start) why = `fired ${fmtMs(start - first, false)} before the leak`;
  else if (first - start > entry.maxDetectMs) why = `late (budget ${fmtMs(entry.maxDetectMs, false)})`;
  else if (entry.mustNotFireAfterMs != null && last > entry.mustNotFireAfterMs) {
    why = `still firing at ${fmtMs(last, false)}`;
  }
  return {
    fires: fires.length,
    first,
    latency: first === null ? null : first - start,
    pass: why === '',
    why,
  };
}

async function runTraces(evalDir, opts) {
  const tracesDir = path.join(evalDir, 'traces');
  const manifestFile = path.join(tracesDir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) fail(`no traces manifest at ${manifestFile}`);

  console.log(`== traces: node ${path.relative(ROOT, path.join(evalDir, 'score-traces.js'))} --module ${ROOT}\n`);
  const judged = await runNodeScript([path.join(evalDir, 'score-traces.js'), '--module', ROOT], {
    timeoutMs: 300_000,
    echo: true,
  });
  const judgePassed = judged.code === 0;
  if (!judgePassed) console.log(`\nscore-traces.js exited with code ${judged.code}${judged.signal ? ` (${judged.signal})` : ''}`);

  // Side by side with the classic rule (same traces, same criteria, replayed in-process).
  const { LeakDetector } = require(ROOT);
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  const rows = [['trace', 'expected', 'budget', 'leakwatch fired', 'leakwatch latency', 'leakwatch', 'classic fired', 'classic latency', 'classic']];
  const results = [];
  for (const entry of manifest.traces) {
    const samples = fs
      .readFileSync(path.join(tracesDir, entry.file), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const ours = scoreTrace(entry, samples, new LeakDetector());
    const classic = scoreTrace(entry, samples, new ClassicRule());
    results.push({ trace: entry.file, entry, ours, classic });
    const fired = (r) => (r.fires ? `yes (${r.fires}×)` : 'no');
    const latency = (r) => (entry.expectLeak ? fmtMs(r.latency) : r.fires ? `at ${fmtMs(r.first, false)}` : '-');
    const verdict = (r) => (r.pass ? 'pass' : `FAIL: ${r.why}`);
    rows.push([
      entry.file.replace(/\.jsonl$/, ''),
      entry.expectLeak ? 'leak' : 'no leak',
      entry.expectLeak ? fmtMs(entry.maxDetectMs, false) : '-',
      fired(ours),
      latency(ours),
      verdict(ours),
      fired(classic),
      latency(classic),
      verdict(classic),
    ]);
  }
  const count = (key) => results.filter((r) => r[key].pass).length;
  rows.push(['total', '', '', '', '', `${count('ours')}/${results.length} pass`, '', '', `${count('classic')}/${results.length} pass`]);
  console.log('\n== traces: leakwatch (defaults) vs the classic 5-consecutive-increases rule');
  console.log('   latency = first fire minus the leak start (trace time); for non-leaks, when the false alarm came\n');
  printTable(rows, opts.markdown);

  opts.traceResults = results;
  const oursAllPass = count('ours') === results.length;
  if (oursAllPass !== judgePassed) {
    console.log('\nwarning: the in-process replay and score-traces.js disagree on leakwatch');
  }
  return judgePassed && oursAllPass;
}

// ---- live workloads --------------------------------------------------------------------

async function runLive(evalDir, opts) {
  const manifestFile = path.join(evalDir, 'workloads', 'manifest.json');
  if (!fs.existsSync(manifestFile)) fail(`no workloads manifest at ${manifestFile}`);
  const all = JSON.parse(fs.readFileSync(manifestFile, 'utf8')).workloads;
  const unknown = opts.workloads.filter((name) => !all.some((w) => w.name === name));
  if (unknown.length) fail(`unknown workload(s) ${unknown.join(', ')}; known: ${all.map((w) => w.name).join(', ')}`);
  const selected = opts.workloads.length ? all.filter((w) => opts.workloads.includes(w.name)) : all;

  const durationOf = (w) => opts.duration ?? Number(process.env.LW_DURATION_S || w.durationS || 90);
  const totalS = selected.reduce((sum, w) => sum + durationOf(w), 0);
  console.log(`\n== live: ${selected.length} workload(s) through run-workload.js, ${opts.jobs} at a time ` + `(~${Math.ceil(totalS / opts.jobs / 60)} min)\n`);

  const out = opts.out ? fs.createWriteStream(path.resolve(opts.out)) : null;
  const started = Date.now();
  const results = new Array(selected.length);
  let next = 0;
  async function worker() {
    while (next < selected.length) {
      const index = next++;
      const w = selected[index];
      const args = [path.join(evalDir, 'run-workload.js'), '--module', ROOT, '--workload', w.name];
      if (opts.duration !== undefined) args.push('--duration', String(opts.duration));
      const run = await runNodeScript(args, { timeoutMs: (durationOf(w) + 120) * 1000 });
      const line = run.stdout.trim().split('\n').filter(Boolean).pop();
      let result;
      try {
        result = JSON.parse(line);
      } catch {
        result = { workload: w.name, expectLeak: w.expectLeak, pass: false, error: `no result line (exit ${run.code}${run.timedOut ? ', timed out' : ''})` };
      }
      if (run.timedOut) result.error = result.error || 'timed out';
      if (result.error && run.stderr.trim()) result.stderrTail = run.stderr.trim().split('\n').slice(-5).join('\n');
      results[index] = result;
      if (out) out.write(`${JSON.stringify(result)}\n`);
      const elapsed = fmtMs(Date.now() - started, false);
      const leaks = result.leakEvents ? result.leakEvents.length : 0;
      console.log(
        `[${elapsed}] ${w.name}: ${result.pass ? 'pass' : 'FAIL'} ` +
          `(expectLeak ${w.expectLeak}, ${leaks} leak event(s), ${result.statsCount ?? 0} stats` +
          `${result.firstLeakMs != null ? `, first at ${(result.firstLeakMs / 1000).toFixed(1)} s` : ''})` +
          `${result.error ? ` error: ${result.error}` : ''}`,
      );
      if (result.stderrTail) console.log(result.stderrTail.replace(/^/gm, '    '));
    }
  }
  await Promise.all(Array.from({ length: Math.min(opts.jobs, selected.length) }, worker));
  if (out) await new Promise((resolve) => out.end(resolve));

  const rows = [['workload', 'expectLeak', 'duration', 'stats', 'leak events', 'first leak at', 'first leak: rate, growth, GCs', 'pass']];
  for (const r of results) {
    const info = r.leakEvents?.length ? r.leakEvents[0].info : null;
    const detail =
      info && typeof info === 'object' ? `${mb(Number(info.growthRateBytesPerMinute))}/min, ${mb(Number(info.growthBytes))}, ${info.samples}` : '-';
    rows.push([
      r.workload,
      String(r.expectLeak),
      r.durationMs != null ? `${(r.durationMs / 1000).toFixed(0)} s` : '-',
      String(r.statsCount ?? '-'),
      String(r.leakEvents ? r.leakEvents.length : '-'),
      r.firstLeakMs != null ? `${(r.firstLeakMs / 1000).toFixed(1)} s` : '-',
      detail,
      r.pass ? 'PASS' : `FAIL${r.error ? `: ${r.error}` : ''}`,
    ]);
  }
  opts.liveResults = results;
  const passed = results.filter((r) => r.pass).length;
  console.log('\n== live workloads\n');
  printTable(rows, opts.markdown);
  console.log(`${passed} passed, ${results.length - passed} failed`);
  return passed === results.length;
}

// ---- the detector table of docs/detector.md ---------------------------------------------

const TABLE_FILE = path.join(ROOT, 'docs', 'detector.md');
const TABLE_BEGIN = '<!-- EVAL-TABLE -->';
const TABLE_END = '<!-- /EVAL-TABLE -->';

/** The detector table (Markdown) from one full run's trace and live results. */
function detectorTable(traces, live) {
  const verdict = (r, leak) => (leak ? (r.fires ? (r.pass ? 'fired ✔' : `**${r.why}** ✘`) : '**missed** ✘') : r.fires ? '**false alarm** ✘' : 'silent ✔');
  const when = (r, leak) => (leak ? (r.latency == null ? '' : fmtMs(r.latency)) : r.fires ? `at ${fmtMs(r.first, false)}` : '');
  const lines = ['| trace | expected | budget | leakwatch | latency | classic rule | latency |', '| --- | --- | --- | --- | --- | --- | --- |'];
  for (const { trace, entry, ours, classic } of traces) {
    const leak = entry.expectLeak;
    lines.push(
      `| ${trace.replace(/\.jsonl$/, '')} | ${leak ? 'leak' : 'no leak'} | ${leak ? fmtMs(entry.maxDetectMs, false) : ''} | ` +
        `${verdict(ours, leak)} | ${when(ours, leak)} | ${verdict(classic, leak)} | ${when(classic, leak)} |`,
    );
  }
  const pass = (key) => traces.filter((r) => r[key].pass).length;
  lines.push(`| **total** | | | **${pass('ours')}/${traces.length}** | | **${pass('classic')}/${traces.length}** | |`);
  lines.push('');
  lines.push('| live workload | expected | run | leakwatch | first `leak` | leak events | before death |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of live) {
    const ok = r.pass ? '✔' : '✘';
    const what = r.expectLeak ? (r.firstLeakMs != null ? `fired ${ok}` : `**missed** ${ok}`) : r.leakEvents?.length ? `**false alarm** ${ok}` : `silent ${ok}`;
    lines.push(
      `| ${r.workload} | ${r.expectLeak ? 'leak' : 'no leak'} | ${r.durationMs != null ? `${(r.durationMs / 1000).toFixed(0)} s` : '-'} | ${what}${r.error ? ` (${r.error})` : ''} | ` +
        `${r.firstLeakMs != null ? `${(r.firstLeakMs / 1000).toFixed(1)} s` : ''} | ${r.leakEvents ? r.leakEvents.length : ''} | ` +
        `${r.expectOom ? (r.leadMs != null ? `${(r.leadMs / 1000).toFixed(1)} s` : '-') : ''} |`,
    );
  }
  const livePass = live.filter((r) => r.pass).length;
  lines.push(`| **total** | | | **${livePass}/${live.length}** | | | |`);
  return lines.join('\n');
}

/** Replaces the table between the markers of `file` (docs/detector.md); false without markers. */
function writeDetectorTable(table, file = TABLE_FILE) {
  const text = fs.readFileSync(file, 'utf8');
  const begin = text.indexOf(TABLE_BEGIN);
  const end = text.indexOf(TABLE_END);
  if (begin < 0 || end < begin) return false;
  fs.writeFileSync(file, `${text.slice(0, begin + TABLE_BEGIN.length)}\n${table}\n${text.slice(end)}`);
  return true;
}

// ---- main ------------------------------------------------------------------------------

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const evalDir = locateEvalDir(opts.evalDir);
  try {
    require.resolve(ROOT);
    require(ROOT);
  } catch (err) {
    fail(`cannot load leakwatch from ${ROOT} (run \`npm run build\` first?): ${err.message}`);
  }
  const outcome = {};
  if (!opts.liveOnly) outcome.traces = await runTraces(evalDir, opts);
  if (!opts.tracesOnly) outcome.live = await runLive(evalDir, opts);
  if (opts.writeDocs) {
    const where = path.relative(ROOT, TABLE_FILE);
    const full = !opts.liveOnly && !opts.tracesOnly && !opts.workloads.length && opts.duration === undefined;
    if (!full) console.log(`\n--write-docs: skipped, the table of ${where} is only written from a full run`);
    else if (writeDetectorTable(detectorTable(opts.traceResults, opts.liveResults))) console.log(`\n${where}: detector table rewritten`);
    else console.log(`\n--write-docs: ${where} has no ${TABLE_BEGIN} ... ${TABLE_END} markers`);
  }
  const failed = Object.entries(outcome)
    .filter(([, ok]) => !ok)
    .map(([k]) => k);
  console.log(`\neval: ${failed.length ? `FAILED (${failed.join(', ')})` : 'all passed'}`);
  process.exitCode = failed.length ? 1 : 0;
}

module.exports = { detectorTable, writeDetectorTable, TABLE_FILE, TABLE_BEGIN, TABLE_END };

if (require.main === module)
  main().catch((err) => {
    console.error(err);
    process.exit(2);
  });

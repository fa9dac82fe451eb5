'use strict';
// Runs the measurements: every run is a fresh child process (bench/child.js) running one
// workload under one variant, one child at a time (two at once would share the 2 cores and
// disturb each other). Within a round all runs (variants × workloads) are shuffled, so slow
// drifts of the machine (thermal, other tenants) hit all variants alike. Progress on stderr.

const { spawn } = require('node:child_process');
const os = require('node:os');
const path = require('node:path');
const { WORKLOADS } = require('./variants');
const { shuffle } = require('./stats');

const CHILD = path.join(__dirname, '..', 'child.js');
const CHILD_TIMEOUT_MS = 120_000;
const EXIT_GRACE_MS = 5_000; // a child must exit by itself this soon after printing its result

/** One run of bench/child.js: its result line merged with how the process ended. */
function runChild(variant, workload, scale) {
  const childVariant = variant === 'A2' ? 'A' : variant;
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [CHILD, childVariant, workload, String(scale)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let resultAt = null;
    let timedOut = false;
    let lingered = false;
    child.stdout.on('data', (d) => {
      stdout += d;
      if (resultAt === null && stdout.includes('LEAKWATCH_BENCH_RESULT ')) {
        resultAt = Date.now();
        // The child should now exit by itself; if it does not, leakwatch kept it alive.
        setTimeout(() => {
          if (child.exitCode === null && child.signalCode === null) {
            lingered = true;
            child.kill('SIGKILL'); // only this child, by its own handle
          }
        }, EXIT_GRACE_MS).unref();
      }
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, CHILD_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('LEAKWATCH_BENCH_RESULT '));
      const base = {
        variant,
        workload,
        exitCode: code,
        signal,
        timedOut,
        exitedOnItsOwn: resultAt !== null && !lingered && code === 0,
        exitAfterResultMs: resultAt === null ? null : Date.now() - resultAt,
        elapsedMs: Date.now() - started,
      };
      if (!line) {
        resolve({ ...base, error: `no result (exit ${code}, signal ${signal}): ${stderr.trim().slice(-2000)}` });
        return;
      }
      resolve({ ...base, ...JSON.parse(line.slice('LEAKWATCH_BENCH_RESULT '.length)), variant });
    });
  });
}

/**
 * One unrecorded warm-up run per workload, then `rounds` shuffled rounds of every variant on
 * every workload. Returns the rounds ({ [workload]: { [variant]: result } }) and the failures.
 */
async function runRounds({ rounds: count, scale, variants, random }) {
  const started = Date.now();
  // One unrecorded warm-up run of each workload: page cache for node, the addon, the files.
  for (const w of WORKLOADS) await runChild('B', w, Math.min(scale, 0.1));

  const rounds = [];
  const failures = [];
  for (let r = 0; r < count; r++) {
    const round = Object.fromEntries(WORKLOADS.map((w) => [w, {}]));
    const jobs = shuffle(
      WORKLOADS.flatMap((w) => variants.map((v) => ({ w, v }))),
      random,
    );
    for (const { w, v } of jobs) {
      const res = await runChild(v, w, scale);
      round[w][v] = res;
      if (res.error) failures.push(`round ${r + 1} ${w} ${v}: ${res.error}`);
      else if (!res.exitedOnItsOwn) failures.push(`round ${r + 1} ${w} ${v}: did not exit on its own (killed ${EXIT_GRACE_MS} ms after its result)`);
    }
    rounds.push(round);
    const fmt = (w) => variants.map((v) => `${v}=${round[w][v].cpuMs?.toFixed(0) ?? 'ERR'}`).join(' ');
    process.stderr.write(
      `round ${r + 1}/${count} (${((Date.now() - started) / 1000).toFixed(0)} s, load ${os.loadavg()[0].toFixed(2)}) ms CPU:\n` +
        WORKLOADS.map((w) => `  ${w.padEnd(8)} ${fmt(w)}\n`).join(''),
    );
  }
  return { rounds, failures, elapsedMs: Date.now() - started };
}

module.exports = { runChild, runRounds };

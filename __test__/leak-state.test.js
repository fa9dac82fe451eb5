'use strict';
// The detector's episode state as JS sees it: leakwatch.leakState/suspected, the `leakEnd`
// event of a real leak that stops, and the same state on LeakDetector replays.
// Without the native V8 layer gc() needs --expose-gc (NODE_OPTIONS=--expose-gc): skipped without.
const { needsGc, testsNeeding } = require('./native-mode');
const test = testsNeeding(needsGc);
const assert = require('node:assert/strict');
const leakwatch = require('..');
const { LeakDetector } = leakwatch;
const { provokeLeakThatEnds } = require('./helpers');

const MB = 1024 * 1024;

test('a leakEnd listener alone starts monitoring, like leak', () => {
  assert.equal(leakwatch.monitoring, false);
  const onEnd = () => {};
  leakwatch.on('leakEnd', onEnd);
  try {
    assert.equal(leakwatch.monitoring, true);
  } finally {
    leakwatch.off('leakEnd', onEnd);
  }
  assert.equal(leakwatch.monitoring, false);
});

test('a real leak that stops: leakState is leaking from leak to leakEnd, whose payload closes the page', async () => {
  assert.equal(leakwatch.leakState, 'none');
  assert.equal(leakwatch.suspected, false);
  const seen = [];
  const onLeak = () => seen.push(['leak', leakwatch.leakState, leakwatch.suspected]);
  const onEnd = () => seen.push(['leakEnd', leakwatch.leakState]);
  leakwatch.on('leak', onLeak);
  leakwatch.on('leakEnd', onEnd);
  let whileLeaking;
  let result;
  try {
    result = await provokeLeakThatEnds(leakwatch, async () => {
      whileLeaking = leakwatch.leakState;
    });
  } finally {
    leakwatch.off('leak', onLeak);
    leakwatch.off('leakEnd', onEnd);
  }
  const { report, end } = result;
  assert.ok(report, 'the detector reported the leak');
  assert.ok(end, 'the episode ended once the heap stopped growing');
  assert.deepEqual(seen[0], ['leak', 'leaking', true]);
  assert.equal(whileLeaking, 'leaking');
  const ends = seen.filter(([event]) => event === 'leakEnd');
  assert.equal(ends.length, 1, 'one end per episode');
  assert.notEqual(ends[0][1], 'leaking', 'no longer leaking at leakEnd');
  assert.equal(seen.at(-1)[0], 'leakEnd', 'nothing of the episode after its end');

  // The payload: the episode of the report, epoch-ms timestamps like the report's.
  assert.equal(end.episode, report.episode);
  assert.ok(end.alerts >= 1);
  // Monotonic times turned into wall-clock ones at each sample: equal within a millisecond.
  // Wall times are a GC's monotonic time plus the wall-minus-monotonic offset read at each
  // delivery (ffi.rs): a clock adjustment between two deliveries moves them by that much
  // (1.5 ms seen once on a CI VM), so "the same moment" is within a few ms, not exactly.
  const near = (a, b, what) => assert.ok(Math.abs(a - b) < 25, `${what}: ${a} vs ${b}`);
  near(end.startTimestamp, report.startTimestamp, 'startTimestamp');
  near(end.firstAlertTimestamp, report.timestamp, 'firstAlertTimestamp');
  assert.ok(end.lastAlertTimestamp >= end.firstAlertTimestamp);
  assert.ok(end.timestamp > end.lastAlertTimestamp && end.timestamp <= Date.now(), `${end.timestamp}`);
  assert.ok(Math.abs(end.timestamp - Date.now()) < 60_000, 'wall-clock time');
  near(end.durationMs, end.timestamp - end.startTimestamp, 'durationMs');
  assert.equal(end.quietSamples, 6, 'minSamples of the options in force');
  assert.equal(end.baselineBytes, report.baselineBytes);
  assert.ok(end.growthBytes > 2 * MB, `the retained leak stays: ${end.growthBytes}`);
  assert.ok(end.endUsedHeapSize > end.baselineBytes);
  assert.match(
    end.reason,
    /^heap stopped growing: no growth trend over the last 6 full GCs; episode \d+ \(\d+ alerts?\) lasted .+, the floor is .+ (above|below) its baseline$/,
  );
  // provokeLeakThatEnds restored the options: a new detector, a new state.
  assert.equal(leakwatch.leakState, 'none');
});

test('configure({ leak }) starts the state over', async () => {
  const defaults = leakwatch.options.leak;
  let state;
  await provokeLeakThatEnds(leakwatch, async () => {
    state = leakwatch.leakState;
    leakwatch.configure({ leak: { minSamples: 8 } });
    assert.equal(leakwatch.leakState, 'none', 'a new detector knows no episode');
  });
  assert.equal(state, 'leaking');
  assert.deepEqual(leakwatch.options.leak, defaults);
});

test('includeMinorGc and heapSpaces are read back from the native monitor', () => {
  try {
    assert.equal(leakwatch.configure({ includeMinorGc: true }).includeMinorGc, true);
    assert.equal(leakwatch.options.includeMinorGc, true);
    assert.equal(leakwatch.configure({ heapSpaces: true }).heapSpaces, true);
    assert.equal(leakwatch.options.includeMinorGc, true, 'absent options stay as they are');
  } finally {
    leakwatch.configure({ includeMinorGc: false, heapSpaces: false });
  }
  assert.deepEqual([leakwatch.options.includeMinorGc, leakwatch.options.heapSpaces], [false, false]);
});

/** 30 MiB/min for 5 min from 15 MiB, then flat; a full GC every 2.5 s, ±0.5 MiB of noise. */
function leakThatStops() {
  let seed = 7;
  const noise = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return (seed / 2 ** 32 - 0.5) * MB;
  };
  return Array.from({ length: 480 }, (_, i) => {
    const t = i * 2500;
    return { timestamp: t, usedHeapSize: 15 * MB + (Math.min(t, 300_000) / 60_000) * 30 * MB + noise() };
  });
}

test('LeakDetector: leakState, suspected and episodeEnd in a replay; update() still returns the report or null', () => {
  const d = new LeakDetector();
  assert.deepEqual([d.leakState, d.suspected, d.episodeEnd], ['none', false, null]);
  const reports = [];
  const ends = [];
  const states = [];
  for (const sample of leakThatStops()) {
    const report = d.update(sample);
    assert.ok(report === null || typeof report.reason === 'string');
    if (report) {
      reports.push(report);
      assert.equal(d.leakState, 'leaking');
    }
    if (d.episodeEnd) ends.push([sample.timestamp, d.episodeEnd]);
    assert.equal(d.suspected, d.leakState !== 'none');
    if (states.at(-1) !== d.leakState) states.push(d.leakState);
  }
  assert.ok(reports.length >= 1);
  assert.deepEqual(states.slice(0, 3), ['none', 'suspected', 'leaking']);
  assert.equal(ends.length, 1, 'the episode ends exactly once');
  const [[at, end]] = ends;
  assert.ok(at > 300_000, `ended at ${at} ms, after the leak stopped`);
  assert.equal(end.timestamp, at, "the samples' time base");
  assert.equal(end.alerts, reports.length);
  assert.equal(end.firstAlertTimestamp, reports[0].timestamp);
  assert.equal(end.quietSamples, 16);
  assert.ok(!states.slice(3).includes('leaking'));
  d.reset();
  assert.deepEqual([d.leakState, d.suspected, d.episodeEnd], ['none', false, null]);
});

'use strict';
// Allocation sites for `leak` reports (the `allocationSites` option): where the leaking
// objects were allocated. V8's sampling heap profiler samples one allocation per
// `intervalBytes` on average, with its JS stack, and drops a sample when its object dies; it
// runs from the moment the detector suspects an episode until the episode ends, so at the
// alert its live samples are, statistically, the growth since the suspicion, by the stack that
// allocated it. No snapshot and no pause beyond reading the profile. The aggregation (stacks,
// bytes, sampling error) is in crates/core/src/allocation_sites.rs; the sampler's start, read
// and stop in crates/node/src/binding/allocation_sites.rs, which also stops it at env
// teardown. Here: following the detector's state, source maps, and the one-line stack.
//
// V8 has one sampling heap profiler per isolate: when someone else's runs (inspector
// `HeapProfiler.startSampling`, Node 26's `v8.startHeapProfile`, a profiling agent), V8
// refuses a second and leakwatch leaves theirs alone (the report says so); one started after
// ours shares ours, and stopping theirs stops ours (the report says that too).

const module_ = require('node:module');
const path = require('node:path');
const { fileURLToPath } = require('node:url');
const binding = require('./binding');
const { mb } = require('./format');
const { ALLOCATION_SITES_OPTIONS, checkNumber, checkShape, snapshot } = require('./options');

const KiB = 1024;
const ALLOCATION_SITES_DEFAULTS = Object.freeze({ intervalBytes: 512 * KiB, stackDepth: 32, top: 5 });
// [min, max, whole numbers only]: checked here only (the option exists only in JS).
const RANGES = { intervalBytes: [1024, 1024 ** 3, true], stackDepth: [1, 128, true], top: [1, 100, true] };
// Frames of the one-line `stack` at most.
const STACK_FRAMES = 4;
// leakwatch's own code (its delivery, this read): what it allocates while reporting is never
// the culprit, so its sites are left out (a few more are read to make up for them).
const OWN_DIR = `${__dirname}${path.sep}`;
const OWN_SITES_SPARE = 4;

const BUSY =
  'another sampling heap profiler is running in this thread (inspector HeapProfiler.startSampling, v8.startHeapProfile or a profiling agent): V8 runs one per isolate, and leakwatch leaves it alone';
const GONE =
  "leakwatch's sampling heap profiler was stopped by someone else during this episode (e.g. inspector HeapProfiler.stopSampling): V8 runs one per isolate";
const MISSING = "this Node's V8 has no sampling heap profiler entry points (HeapProfiler::StartSamplingHeapProfiler, GetAllocationProfile)";
const SAME_BATCH =
  'the sampler started with this report (suspicion and alert came in one batch): nothing was sampled yet; a re-alert of this episode will have sites';

/** `configure({ allocationSites })`: `false`, or the checked settings (`true`: the current
 * ones, else the defaults; an object: merged over them). Throws naming the option. */
function allocationSitesOptions(given, current, name) {
  if (given === false) return false;
  if (given === true) return current || { ...ALLOCATION_SITES_DEFAULTS };
  given = snapshot(given);
  checkShape(given, ALLOCATION_SITES_OPTIONS, name);
  const merged = { ...ALLOCATION_SITES_DEFAULTS, ...(current || {}) };
  for (const [key, value] of Object.entries(given)) if (value !== undefined) merged[key] = value;
  for (const [key, [min, max, integer]] of Object.entries(RANGES)) checkNumber(merged[key], `${name}.${key}`, min, max, integer);
  return merged;
}

/** Why there can be no allocation sites in this environment, or null. */
function unavailable() {
  const { mode, code, reason } = binding.native;
  return mode === 'v8' ? null : `unavailable: allocation sites need the native V8 layer, which is off here (${code}: ${reason})`;
}

/** A position V8 or a source map gives as a file: a path for `file://` URLs. */
function toPath(file) {
  if (!file.startsWith('file://')) return file;
  try {
    return fileURLToPath(file);
  } catch {
    return file;
  }
}

/** The frame at its original position when the process has a source map for its file
 * (`--enable-source-maps`, or `module.setSourceMapsSupport` / `process.setSourceMapsEnabled`:
 * Node keeps maps only then). `maps` caches per file for one report. */
function mapped(frame, maps) {
  if (!frame.user || frame.line === null || typeof module_.findSourceMap !== 'function') return frame;
  if (!maps.has(frame.file)) {
    let map;
    try {
      map = module_.findSourceMap(frame.file) ?? (path.isAbsolute(frame.file) ? module_.findSourceMap(`file://${frame.file}`) : undefined);
    } catch {
      map = undefined;
    }
    maps.set(frame.file, map);
  }
  const map = maps.get(frame.file);
  if (!map) return frame;
  const entry = map.findEntry(frame.line - 1, (frame.column ?? 1) - 1);
  if (!entry || typeof entry.originalSource !== 'string') return frame;
  return { ...frame, file: toPath(entry.originalSource), line: entry.originalLine + 1, column: entry.originalColumn + 1 };
}

/** `fn (file:line:col)`, the file relative to the current directory when inside it. */
function describeFrame({ functionName, file, line, column }) {
  const name = functionName || '(anonymous)';
  if (!file) return name;
  let shown = toPath(file);
  if (path.isAbsolute(shown)) {
    const relative = path.relative(process.cwd(), shown);
    if (!relative.startsWith('..') && !path.isAbsolute(relative)) shown = relative;
  }
  return line === null ? `${name} (${shown})` : `${name} (${shown}:${line}:${column ?? 0})`;
}

/** A native site as the report gives it: frames source-mapped, and the one-line `stack` of
 * the user's frames (V8's builtins and `node:` internals are kept in `frames` only). */
function present({ bytes, bytesError, samples, frames }, maps) {
  const all = frames.map((f) => mapped(f, maps));
  const user = all.filter((f) => f.user);
  const shown = user.length > 0 ? user : all;
  let stack = shown.slice(0, STACK_FRAMES).map(describeFrame).join(' ← ');
  if (shown.length > STACK_FRAMES) stack += ' ← …';
  return {
    bytes,
    bytesError,
    samples,
    frames: all.map(({ functionName, file, line, column }) => ({ functionName, file, line, column })),
    stack,
  };
}

/** The report's one summary line: the diff's top growth and what holds it (with
 * `diffOnLeak`) and the top allocation site; undefined without a site. */
function culprit(report) {
  const site = report.allocationSites?.[0];
  if (!site) return undefined;
  const growth = report.topGrowth?.[0];
  const held = report.retainerPaths?.[0];
  const where = site.stack.split(' ← ')[0]; // the allocating user function
  return [growth && `+${mb(growth.netBytes)} of ${growth.what}`, held && `held by ${held}`, `allocated in ${where}`].filter(Boolean).join(', ');
}

/** The `allocationSites` option at work: the sampler follows the detector's state (started
 * when an episode is suspected, stopped when the state is back to 'none', when monitoring
 * stops or the option is turned off), read for each `leak` report. One start per episode. */
class AllocationSites {
  #attempted = false; // a start was tried in this episode
  #skipped = null; // why this episode has no sites
  #startedInBatch = false;

  /** Once per batch, before its leaks. */
  follow(suspected, options) {
    this.#startedInBatch = false;
    if (!options || !suspected || this.#attempted) return;
    this.#attempted = true;
    this.#skipped = unavailable();
    if (this.#skipped !== null) return;
    let status;
    try {
      status = binding.allocationSamplingStart(options.intervalBytes, options.stackDepth);
    } catch (err) {
      this.#skipped = `could not start V8's sampling heap profiler: ${err.message}`;
      return;
    }
    if (status === 'started') this.#startedInBatch = true;
    else if (status === 'busy') this.#skipped = BUSY;
    else if (status === 'missing') this.#skipped = MISSING;
  }

  /** For a leak report: `{ allocationSites, allocationSitesMs }` or `{ allocationSitesSkipped }`;
   * never throws. */
  onLeak(options) {
    if (!this.#attempted) this.follow(true, options);
    if (this.#skipped !== null) return { allocationSitesSkipped: this.#skipped };
    if (this.#startedInBatch) return { allocationSitesSkipped: SAME_BATCH };
    const started = performance.now();
    let sites;
    try {
      sites = binding.allocationSamplingRead(options.top + OWN_SITES_SPARE);
    } catch (err) {
      return { allocationSitesSkipped: `reading V8's sampling heap profile failed: ${err.message}` };
    }
    if (sites === null) {
      this.#skipped = GONE;
      return { allocationSitesSkipped: GONE };
    }
    const maps = new Map();
    const allocationSites = sites
      .filter((site) => !site.frames.find((f) => f.user)?.file.startsWith(OWN_DIR))
      .slice(0, options.top)
      .map((site) => present(site, maps));
    return { allocationSites, allocationSitesMs: Math.round((performance.now() - started) * 10) / 10 };
  }

  /** The episode is over (or the option off, or monitoring stopped): stops our sampler (never
   * anyone else's) and forgets the episode. */
  stop() {
    // Only an episode's follow() ever starts one: nothing to stop without an attempt.
    if (this.#attempted && binding.native.mode === 'v8') binding.allocationSamplingStop();
    this.#attempted = false;
    this.#skipped = null;
    this.#startedInBatch = false;
  }
}

module.exports = { ALLOCATION_SITES_DEFAULTS, AllocationSites, allocationSitesOptions, culprit, describeFrame };

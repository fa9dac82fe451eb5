'use strict';
// Evidence for a `leak` report: what grew (`diffOnLeak`: a compact native heap diff between
// the start of the suspected episode and the alert, with retainer paths) and a Chrome DevTools
// `.heapsnapshot` on disk (`snapshot`). Both pause the JS thread (V8 runs full GCs and walks
// the heap) and need ~1.2 KB of native memory per heap node while V8 builds its snapshot, so
// both are opt-in and guarded: memory headroom, a time budget (V8 aborts the snapshot past
// it), disk space. Everything here runs on the JS thread of the monitored environment, from
// index.js's delivery, after the native side has released its locks: the GCs a snapshot runs
// are queued as ordinary samples and delivered in a later batch. Every snapshot, file ones
// included, is taken natively (crates/node/src/binding/heap_diff.rs), which also releases V8's object-id
// map afterwards when no picture is alive.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const v8 = require('node:v8');
const { threadId } = require('node:worker_threads');
const binding = require('./binding');
const { error, invalidType, typeError } = require('./errors');
const { duration, mb } = require('./format');
const { SNAPSHOT_OPTIONS, checkNumber, checkShape, snapshot } = require('./options');

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const DAY_MS = 86_400_000;
const SNAPSHOT_DEFAULTS = { maxFiles: 5, minFreeBytes: GiB, minIntervalMs: 3_600_000 };
// The allowed values of every evidence option: [min, max, whole numbers only]. These options
// exist only in JS, so their ranges are checked here and nowhere else (the detector's `leak`
// options are checked in Rust). `budgetMs`: snapshotBudgetMs, and writeSnapshot's and
// HeapDiff's budgetMs (all three also take Infinity: no budget).
const EVIDENCE_RANGES = {
  diffMaxHeapBytes: [0, 1e15],
  diffMinIntervalMs: [0, 30 * DAY_MS],
  budgetMs: [0, 1e12],
  'snapshot.maxFiles': [1, 10_000, true],
  'snapshot.minFreeBytes': [0, 1e15],
  'snapshot.minIntervalMs': [0, 30 * DAY_MS],
};
const DIFF_MAX_HEAP_BYTES_DEFAULT = 512 * MiB;
// Least time between two diffOnLeak "before" pictures (each pauses the thread for a snapshot):
// a suspicion that comes and goes, or one healthy episode after another, costs at most one per
// interval.
const DIFF_MIN_INTERVAL_MS_DEFAULT = 600_000;
// Default time budget of a snapshot leakwatch takes on its own (diffOnLeak, snapshot).
const SNAPSHOT_BUDGET_MS_DEFAULT = 60_000;
// Native memory V8's snapshot generator needs per heap node: 0.5-1.3 KB measured on Node 20
// (bench/snapshot.js), rounded up.
const SNAPSHOT_BYTES_PER_NODE = 1400;
// Heap bytes per node before any snapshot gave a node count: 30-180 measured; small objects
// are the worst case, so the low end (more nodes, more memory) is assumed.
const HEAP_BYTES_PER_NODE = 40;
// What must stay free after the estimate: 25 % of it plus 64 MiB.
const HEADROOM_FACTOR = 1.25;
const HEADROOM_RESERVE = 64 * MiB;
const TOP_GROWTH = 5;
const SNAPSHOT_FILE = /^leakwatch-.*\.heapsnapshot$/;
const WRITE_OPTIONS = { force: 'boolean', budgetMs: 'number' };
// A snapshot file is about 1-2x the used heap; the disk guard asks for twice the heap on top
// of minFreeBytes.
const SNAPSHOT_SIZE_FACTOR = 2;

const invalidValue = (message) => typeError(message, 'ERR_LEAKWATCH_INVALID_VALUE');

/** Throws unless `value` is allowed for the evidence option `key` of EVIDENCE_RANGES; `name`
 * is what the error calls it. */
function checkRange(value, key, name) {
  const [min, max, integer] = EVIDENCE_RANGES[key];
  checkNumber(value, name, min, max, integer);
  return value;
}

// The node count of the last snapshot this thread took, with the used heap just after it
// (the heap V8 had just collected and counted): the next snapshot's size is estimated from
// it, scaled by how much the heap grew since.
let lastSnapshot = null;

/** Records a snapshot's node count (HeapDiff, diffOnLeak, file snapshots). */
function noteSnapshot(nodes) {
  if (Number.isFinite(nodes) && nodes > 0) lastSnapshot = { nodes, usedHeap: v8.getHeapStatistics().used_heap_size };
}

/** The bytes this process may still use: under a cgroup memory limit what is left of it
 * (`process.availableMemory()`, else the limit minus RSS), never more than the system's free
 * memory (`os.freemem()`). Documented test hook: `LEAKWATCH_TEST_AVAILABLE_MEMORY` (bytes)
 * replaces the probe. */
function availableMemory() {
  const fake = process.env.LEAKWATCH_TEST_AVAILABLE_MEMORY;
  if (fake !== undefined && fake !== '' && Number.isFinite(Number(fake))) {
    return { bytes: Number(fake), source: 'LEAKWATCH_TEST_AVAILABLE_MEMORY' };
  }
  const free = os.freemem();
  const limit = typeof process.constrainedMemory === 'function' ? Number(process.constrainedMemory()) || 0 : 0;
  // No limit reads as 0, or as a huge number (cgroup "max").
  if (limit > 0 && limit < os.totalmem()) {
    const left = typeof process.availableMemory === 'function' ? process.availableMemory() : limit - process.memoryUsage.rss();
    return { bytes: Math.max(0, Math.min(left, free)), source: `of the ${mb(limit)} cgroup limit` };
  }
  return { bytes: free, source: 'free system memory' };
}

/** What the next snapshot needs in native memory: `{ nodes, bytes, basis }`, at
 * SNAPSHOT_BYTES_PER_NODE per node. Its nodes: the last snapshot's count, plus the heap's
 * growth since at HEAP_BYTES_PER_NODE (growth of small objects is the worst case: scaling
 * the count in proportion underestimated it by 45 % in bench/snapshot.js), or in proportion
 * when the heap shrank; before any snapshot, the used heap at HEAP_BYTES_PER_NODE. */
function snapshotEstimate() {
  const used = v8.getHeapStatistics().used_heap_size;
  let nodes;
  if (lastSnapshot === null) nodes = used / HEAP_BYTES_PER_NODE;
  else if (used >= lastSnapshot.usedHeap) nodes = lastSnapshot.nodes + (used - lastSnapshot.usedHeap) / HEAP_BYTES_PER_NODE;
  else nodes = lastSnapshot.nodes * (used / lastSnapshot.usedHeap);
  nodes = Math.ceil(nodes);
  const basis = lastSnapshot ? 'scaled from the last snapshot' : `estimated from ${mb(used)} of heap`;
  return { nodes, bytes: nodes * SNAPSHOT_BYTES_PER_NODE, basis };
}

/** The memory guard: `null` when a snapshot fits, else why not (a sentence). */
function memoryShortfall() {
  const { nodes, bytes, basis } = snapshotEstimate();
  const available = availableMemory();
  if (available.bytes >= bytes * HEADROOM_FACTOR + HEADROOM_RESERVE) return null;
  return (
    `not enough memory for a heap snapshot: ~${mb(bytes)} needed (${nodes} heap nodes, ${basis}, ` +
    `x ${SNAPSHOT_BYTES_PER_NODE} bytes), ${mb(available.bytes)} available (${available.source}); ` +
    `${HEADROOM_FACTOR}x the estimate + ${mb(HEADROOM_RESERVE)} must fit`
  );
}

/** A snapshot time budget: milliseconds, or Infinity for none. */
const budgetMs = (value, name) => (value === Infinity ? value : checkRange(value, 'budgetMs', name));

/** Why no snapshot can be taken in this environment (the native V8 layer is off), or null. */
function noV8Layer() {
  const { mode, code, reason } = binding.native;
  return mode === 'v8' ? null : `no heap snapshots without the native V8 layer (${code}: ${reason})`;
}

/** Throws ERR_LEAKWATCH_NATIVE_UNAVAILABLE when the native V8 layer is off. */
function needV8Layer(what) {
  const missing = noV8Layer();
  if (missing !== null) throw error(`leakwatch: ${what} is unavailable: ${missing}`, 'ERR_LEAKWATCH_NATIVE_UNAVAILABLE');
}

/** Why a native snapshot failed, for a `*Skipped` reason. */
function failure(err) {
  return err.code === 'ERR_LEAKWATCH_SNAPSHOT_ABORTED' ? err.message.replace(/^leakwatch: /, '') : `heap snapshot failed: ${err.message}`;
}

/** Throws unless `dir` is an absolute path to an existing directory this process can write
 * to. `name` is what the error message calls it (an option name). */
function checkDir(dir, name) {
  if (typeof dir !== 'string') {
    throw invalidType(name, 'a string', dir);
  }
  if (dir === '' || dir.includes('\0')) throw invalidValue(`${name} must be a non-empty path without NUL characters (got ${JSON.stringify(dir)})`);
  if (!path.isAbsolute(dir)) throw invalidValue(`${name} must be an absolute path (got ${JSON.stringify(dir)})`);
  let stat;
  try {
    stat = fs.statSync(dir);
  } catch (err) {
    throw error(
      `${name} ${JSON.stringify(dir)} cannot be used: ${err.code === 'ENOENT' ? 'it does not exist' : err.message}`,
      'ERR_LEAKWATCH_SNAPSHOT_DIR',
      err,
    );
  }
  if (!stat.isDirectory()) {
    throw error(`${name} ${JSON.stringify(dir)} is not a directory`, 'ERR_LEAKWATCH_SNAPSHOT_DIR');
  }
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (err) {
    throw error(`${name} ${JSON.stringify(dir)} is not writable by this process (${err.code})`, 'ERR_LEAKWATCH_SNAPSHOT_DIR', err);
  }
}

/** `configure({ snapshot })`: `false`, or the checked options merged over `current`
 * (defaults filled in). Throws TypeError/RangeError/Error naming the option; no side effects. */
function snapshotOptions(given, current, name) {
  if (given === false) return false;
  given = snapshot(given);
  checkShape(given, SNAPSHOT_OPTIONS, name);
  const merged = { dir: undefined, ...SNAPSHOT_DEFAULTS, ...(current || {}) };
  for (const [key, value] of Object.entries(given)) if (value !== undefined) merged[key] = value;
  if (merged.dir === undefined) {
    throw typeError(`${name}.dir is required: the absolute path of the directory to write snapshots to`, 'ERR_LEAKWATCH_INVALID_TYPE');
  }
  checkDir(merged.dir, `${name}.dir`);
  merged.dir = path.resolve(merged.dir);
  for (const key of ['maxFiles', 'minFreeBytes', 'minIntervalMs']) checkRange(merged[key], `snapshot.${key}`, `${name}.${key}`);
  return merged;
}

/** `configure({ diffMaxHeapBytes })`. */
const diffMaxHeapBytes = (value, name) => checkRange(value, 'diffMaxHeapBytes', name);

/** `configure({ diffMinIntervalMs })`. */
const diffMinIntervalMs = (value, name) => checkRange(value, 'diffMinIntervalMs', name);

/** Free bytes for unprivileged users on the file system of `dir`. Documented test hook:
 * `LEAKWATCH_TEST_FREE_BYTES` (a number) replaces the probe. */
function freeBytes(dir) {
  const fake = process.env.LEAKWATCH_TEST_FREE_BYTES;
  if (fake !== undefined && fake !== '' && Number.isFinite(Number(fake))) return Number(fake);
  const s = fs.statfsSync(dir);
  return s.bavail * s.bsize;
}

let sequence = 0;

/** `leakwatch-<ISO time>-<pid>[-w<threadId>].heapsnapshot` in `dir` (colons as dashes, so
 * the name is valid everywhere), not taken yet. */
function defaultFile(dir) {
  const time = new Date().toISOString().replace(/:/g, '-');
  const stem = `leakwatch-${time}-${process.pid}${threadId ? `-w${threadId}` : ''}`;
  let file = path.join(dir, `${stem}.heapsnapshot`);
  for (let n = 2; fs.existsSync(file); n++) file = path.join(dir, `${stem}-${n}.heapsnapshot`);
  return file;
}

/** Writes a DevTools heap snapshot to `file`: first to a hidden temp file in the same
 * directory, then renamed, so `file` is never seen half-written. Natively, so the time budget
 * (`budget` ms) and the abort on termination apply to it. Throws on failure (the temp file
 * is removed): `ERR_LEAKWATCH_SNAPSHOT_ABORTED` when aborted, else
 * `ERR_LEAKWATCH_SNAPSHOT_WRITE`. */
function writeSnapshotFile(file, budget) {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.leakwatch-${process.pid}-${threadId}-${Date.now()}-${sequence++}.heapsnapshot.tmp`);
  try {
    noteSnapshot(binding.writeHeapSnapshotFile(tmp, budget));
    checkComplete(tmp);
    fs.renameSync(tmp, file);
  } catch (err) {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // nothing more to do: the error below says what failed
    }
    const kept = err.code === 'ERR_LEAKWATCH_SNAPSHOT_ABORTED' || err.code === 'ERR_LEAKWATCH_NATIVE_UNAVAILABLE';
    const code = kept ? err.code : 'ERR_LEAKWATCH_SNAPSHOT_WRITE';
    throw error(`leakwatch: could not write the heap snapshot ${file}: ${err.message.replace(/^leakwatch: /, '')}`, code, err);
  }
  return file;
}

// A full disk can cut V8's write short without an error: a complete snapshot is one JSON
// object, so its last non-blank character is "}".
function checkComplete(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const tail = Buffer.alloc(Math.min(size, 64));
    fs.readSync(fd, tail, 0, tail.length, size - tail.length);
    if (!tail.toString('latin1').trimEnd().endsWith('}')) throw new Error('the snapshot was cut short (disk full?)');
  } finally {
    fs.closeSync(fd);
  }
}

/** `leakwatch.writeSnapshot(target, { force, budgetMs })`: the final absolute path. Throws
 * `ERR_LEAKWATCH_SNAPSHOT_MEMORY` when the memory guard says the snapshot would not fit,
 * unless `force`. */
function writeSnapshot(target, snapshotSettings, options) {
  if (options === undefined && target !== null && typeof target === 'object') [target, options] = [undefined, target];
  options = snapshot(options ?? {});
  checkShape(options, WRITE_OPTIONS, 'leakwatch.writeSnapshot options');
  needV8Layer('writeSnapshot()');
  const force = options.force ?? false;
  const budget = options.budgetMs === undefined ? Infinity : budgetMs(options.budgetMs, 'leakwatch.writeSnapshot options.budgetMs');
  let file;
  if (target === undefined) {
    const dir = snapshotSettings ? snapshotSettings.dir : process.cwd();
    checkDir(dir, snapshotSettings ? 'snapshot.dir' : 'the current directory');
    file = defaultFile(dir);
  } else {
    if (typeof target !== 'string') {
      throw invalidType('leakwatch.writeSnapshot path', 'a string', target);
    }
    if (target === '' || target.includes('\0')) {
      throw invalidValue(`leakwatch.writeSnapshot path must be a non-empty path without NUL characters (got ${JSON.stringify(target)})`);
    }
    const resolved = path.resolve(target);
    let isDir = false;
    try {
      isDir = fs.statSync(resolved).isDirectory();
    } catch {
      // not there yet: a file to create
    }
    if (isDir) {
      checkDir(resolved, 'leakwatch.writeSnapshot path');
      file = defaultFile(resolved);
    } else {
      checkDir(path.dirname(resolved), 'the directory of leakwatch.writeSnapshot path');
      file = resolved;
    }
  }
  const shortfall = force ? null : memoryShortfall();
  if (shortfall !== null) {
    throw error(`leakwatch: no heap snapshot written: ${shortfall} (pass { force: true } to write it anyway)`, 'ERR_LEAKWATCH_SNAPSHOT_MEMORY');
  }
  return writeSnapshotFile(file, budget);
}

/** `path` as one shell word: as is when it is plain, else in single quotes. */
const shellWord = (p) => (/^[\w./:=@%+,-]+$/.test(p) ? p : `'${p.replace(/'/g, "'\\''")}'`);

/** The command that analyzes a report's snapshots: the episode's first one (when there is
 * one and it is still on disk) and this one, so `leakwatch analyze` runs the leak method. */
function analyzeCommand(first, file) {
  const files = first && first !== file && fs.existsSync(first) ? [first, file] : [file];
  return `leakwatch analyze ${files.map(shellWord).join(' ')}`;
}

/** The `snapshot` option at work: one file per leak report at most, rate-limited, never
 * filling the disk or the directory. */
class LeakSnapshots {
  #lastWrittenAt = -Infinity;
  // The first snapshot written in the current episode: { episode, file }.
  #first = null;

  /** `{ snapshotPath, analyzeCommand }` or `{ snapshotSkipped }`; never throws. `budget`:
   * ms; `episode`, `repeat`: the report's (a first alert starts a new episode). */
  onLeak(options, usedHeapSize, budget = SNAPSHOT_BUDGET_MS_DEFAULT, { episode = 0, repeat = 0 } = {}) {
    if (repeat === 0 || this.#first?.episode !== episode) this.#first = null;
    const missing = noV8Layer();
    if (missing !== null) return { snapshotSkipped: missing };
    const now = performance.now();
    const since = now - this.#lastWrittenAt;
    if (since < options.minIntervalMs) {
      return { snapshotSkipped: `rate limit: the last snapshot was written ${duration(since)} ago (snapshot.minIntervalMs is ${options.minIntervalMs})` };
    }
    try {
      const existing = fs.readdirSync(options.dir).filter((name) => SNAPSHOT_FILE.test(name)).length;
      if (existing >= options.maxFiles) {
        return { snapshotSkipped: `snapshot.maxFiles reached: ${existing} leakwatch-*.heapsnapshot files in ${options.dir}` };
      }
      const free = freeBytes(options.dir);
      const needed = options.minFreeBytes + SNAPSHOT_SIZE_FACTOR * usedHeapSize;
      if (free < needed) {
        return {
          snapshotSkipped: `low disk space: ${mb(free)} free in ${options.dir}, ${mb(needed)} needed (snapshot.minFreeBytes + ${SNAPSHOT_SIZE_FACTOR}x the used heap)`,
        };
      }
      const shortfall = memoryShortfall();
      if (shortfall !== null) return { snapshotSkipped: shortfall };
      const file = writeSnapshotFile(defaultFile(options.dir), budget);
      this.#lastWrittenAt = performance.now();
      const command = analyzeCommand(this.#first?.file, file);
      this.#first ??= { episode, file };
      return { snapshotPath: file, analyzeCommand: command };
    } catch (err) {
      if (err.code === 'ERR_LEAKWATCH_SNAPSHOT_ABORTED') return { snapshotSkipped: failure(err.cause ?? err) };
      return { snapshotSkipped: `snapshot failed: ${err.message}` };
    }
  }
}

/** The `diffOnLeak` option at work: a "before" picture when the detector starts suspecting
 * an episode, an "after" picture and the comparison when it reports a leak. At most one
 * "before" picture per `diffMinIntervalMs`: one that suspicion left is kept for that long, so
 * a suspicion that flaps reuses it (an earlier "before" only shows more of the growth). */
class LeakDiff {
  #before = null; // NativeHeapDiff, holding the compact "before" picture
  #attempted = false; // a "before" picture was tried in this episode
  #skipped = null; // why there is no "before" picture
  #takenAt = -Infinity; // performance.now() of the last "before" picture

  /** Once per batch, before its leaks: takes the "before" picture when suspicion begins.
   * `budget`: ms per snapshot; `minIntervalMs`: least time since the last "before" picture. */
  suspicion(suspected, maxHeapBytes, budget = SNAPSHOT_BUDGET_MS_DEFAULT, minIntervalMs = DIFF_MIN_INTERVAL_MS_DEFAULT) {
    if (!suspected || this.#before !== null || this.#attempted) return;
    this.#attempted = true;
    this.#skipped = noV8Layer();
    if (this.#skipped !== null) return;
    const since = performance.now() - this.#takenAt;
    if (since < minIntervalMs) {
      this.#skipped = `rate limit: the last "before" picture was taken ${duration(since)} ago (diffMinIntervalMs is ${minIntervalMs})`;
      return;
    }
    const used = v8.getHeapStatistics().used_heap_size;
    if (used > maxHeapBytes) {
      this.#skipped = `heap too large for a diff: ${mb(used)} used, over diffMaxHeapBytes (${mb(maxHeapBytes)})`;
      return;
    }
    const shortfall = memoryShortfall();
    if (shortfall !== null) {
      this.#skipped = shortfall;
      return;
    }
    try {
      this.#before = new binding.NativeHeapDiff(undefined, budget);
      this.#takenAt = performance.now();
      noteSnapshot(this.#before.beforeNodes);
      this.#skipped = null;
    } catch (err) {
      this.#skipped = failure(err);
    }
  }

  /** For a leak report: `{ topGrowth, retainerPaths }` or `{ diffSkipped }`; never throws.
   * The "after" picture becomes the "before" of a re-alert. */
  onLeak(maxHeapBytes) {
    const missing = noV8Layer();
    if (missing !== null) return { diffSkipped: missing };
    if (this.#before === null) {
      return {
        diffSkipped:
          this.#skipped ?? 'no "before" picture: the episode was already suspected when diffOnLeak was enabled, or suspicion and alert came in one batch',
      };
    }
    const used = v8.getHeapStatistics().used_heap_size;
    if (used > maxHeapBytes) {
      this.drop();
      return { diffSkipped: `heap too large for a diff: ${mb(used)} used, over diffMaxHeapBytes (${mb(maxHeapBytes)})` };
    }
    // The "before" picture is kept: a re-alert may find memory enough.
    const shortfall = memoryShortfall();
    if (shortfall !== null) return { diffSkipped: shortfall };
    try {
      const started = performance.now();
      const { topGrowth, retainerPaths, afterNodes } = this.#before.growth(TOP_GROWTH);
      noteSnapshot(afterNodes);
      return { topGrowth, retainerPaths, diffMs: Math.round(performance.now() - started) };
    } catch (err) {
      return { diffSkipped: failure(err) };
    }
  }

  /** A batch without suspicion: the "before" picture is kept until `minIntervalMs` after it
   * was taken (a suspicion that comes back within it reuses it), then forgotten. */
  quiet(minIntervalMs = DIFF_MIN_INTERVAL_MS_DEFAULT) {
    if (this.#before !== null && performance.now() - this.#takenAt < minIntervalMs) return;
    this.drop();
  }

  /** The episode is over (or diffOnLeak off, or monitoring stopped): forget the picture (now,
   * not when it is collected: V8's object-id map is released once no picture is alive). */
  drop() {
    if (this.#before !== null) this.#before.release();
    this.#before = null;
    this.#attempted = false;
    this.#skipped = null;
  }
}

module.exports = {
  DIFF_MAX_HEAP_BYTES_DEFAULT,
  DIFF_MIN_INTERVAL_MS_DEFAULT,
  SNAPSHOT_BUDGET_MS_DEFAULT,
  LeakDiff,
  LeakSnapshots,
  budgetMs,
  diffMaxHeapBytes,
  diffMinIntervalMs,
  memoryShortfall,
  needV8Layer,
  noteSnapshot,
  snapshotEstimate,
  snapshotOptions,
  writeSnapshot,
};

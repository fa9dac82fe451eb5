'use strict';
// Evidence for a `leak` report: what grew (`diffOnLeak`: a compact native heap diff between
// the start of the suspected episode and the alert, with retainer paths) and a Chrome DevTools
// `.heapsnapshot` on disk (`snapshot`). Both pause the JS thread (V8 runs full GCs and walks
// the heap), so both are opt-in and guarded. Everything here runs on the JS thread of the
// monitored environment, from index.js's delivery, after the native side has released its
// locks: the GCs a snapshot runs are queued as ordinary samples and delivered in a later batch.

const fs = require('node:fs');
const path = require('node:path');
const v8 = require('node:v8');
const { threadId } = require('node:worker_threads');
const binding = require('./binding');
const { SNAPSHOT_OPTIONS, checkNumber, checkShape, describe, snapshot, typeError } = require('./options');

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const SNAPSHOT_DEFAULTS = { maxFiles: 5, minFreeBytes: GiB, minIntervalMs: 3_600_000 };
const DIFF_MAX_HEAP_BYTES_DEFAULT = 512 * MiB;
const TOP_GROWTH = 5;
const SNAPSHOT_FILE = /^leakwatch-.*\.heapsnapshot$/;
// A snapshot file is about 1-2x the used heap; the disk guard asks for twice the heap on top
// of minFreeBytes.
const SNAPSHOT_SIZE_FACTOR = 2;

function invalidValue(message) {
  return typeError(message, 'ERR_LEAKWATCH_INVALID_VALUE');
}

function withCode(err, code, cause) {
  err.code = code;
  if (cause !== undefined) err.cause = cause;
  return err;
}

/** Runs `take` (which takes a heap snapshot with V8's JS API) with the monitor told so: the
 * full GCs V8 runs for it are leakwatch's own (GcSample::own_snapshot). The native snapshot
 * paths (HeapDiff, diffOnLeak) are marked in Rust. */
function duringSnapshot(take) {
  binding.monitorSnapshotGcs(true);
  try {
    return take();
  } finally {
    binding.monitorSnapshotGcs(false);
  }
}

const mb = (bytes) => `${(bytes / MiB).toFixed(1)} MB`;

/** Throws unless `dir` is an absolute path to an existing directory this process can write
 * to. `name` is what the error message calls it (an option name). */
function checkDir(dir, name) {
  if (typeof dir !== 'string') {
    throw typeError(`${name} must be a string (got ${describe(dir)})`, 'ERR_LEAKWATCH_INVALID_TYPE');
  }
  if (dir === '' || dir.includes('\0')) throw invalidValue(`${name} must be a non-empty path without NUL characters (got ${JSON.stringify(dir)})`);
  if (!path.isAbsolute(dir)) throw invalidValue(`${name} must be an absolute path (got ${JSON.stringify(dir)})`);
  let stat;
  try {
    stat = fs.statSync(dir);
  } catch (err) {
    throw withCode(new Error(`${name} ${JSON.stringify(dir)} cannot be used: ${err.code === 'ENOENT' ? 'it does not exist' : err.message}`), 'ERR_LEAKWATCH_SNAPSHOT_DIR', err);
  }
  if (!stat.isDirectory()) {
    throw withCode(new Error(`${name} ${JSON.stringify(dir)} is not a directory`), 'ERR_LEAKWATCH_SNAPSHOT_DIR');
  }
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (err) {
    throw withCode(new Error(`${name} ${JSON.stringify(dir)} is not writable by this process (${err.code})`), 'ERR_LEAKWATCH_SNAPSHOT_DIR', err);
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
  checkNumber(merged.maxFiles, `${name}.maxFiles`, 1, 10_000, true);
  checkNumber(merged.minFreeBytes, `${name}.minFreeBytes`, 0, 1e15);
  checkNumber(merged.minIntervalMs, `${name}.minIntervalMs`, 0, 30 * 86_400_000);
  return merged;
}

/** `configure({ diffMaxHeapBytes })`. */
function diffMaxHeapBytes(value, name) {
  checkNumber(value, name, 0, 1e15);
  return value;
}

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
 * directory, then renamed, so `file` is never seen half-written. Throws on failure (the temp
 * file is removed). */
function writeSnapshotFile(file) {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.leakwatch-${process.pid}-${threadId}-${Date.now()}-${sequence++}.heapsnapshot.tmp`);
  try {
    duringSnapshot(() => v8.writeHeapSnapshot(tmp));
    checkComplete(tmp);
    fs.renameSync(tmp, file);
  } catch (err) {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // nothing more to do: the error below says what failed
    }
    throw withCode(new Error(`leakwatch: could not write the heap snapshot ${file}: ${err.message}`), 'ERR_LEAKWATCH_SNAPSHOT_WRITE', err);
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

/** `leakwatch.writeSnapshot(target)`: the final absolute path. */
function writeSnapshot(target, snapshotSettings) {
  let file;
  if (target === undefined) {
    const dir = snapshotSettings ? snapshotSettings.dir : process.cwd();
    checkDir(dir, snapshotSettings ? 'snapshot.dir' : 'the current directory');
    file = defaultFile(dir);
  } else {
    if (typeof target !== 'string') {
      throw typeError(`leakwatch.writeSnapshot path must be a string (got ${describe(target)})`, 'ERR_LEAKWATCH_INVALID_TYPE');
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
  return writeSnapshotFile(file);
}

function duration(ms) {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

/** The `snapshot` option at work: one file per leak report at most, rate-limited, never
 * filling the disk or the directory. */
class LeakSnapshots {
  #lastWrittenAt = -Infinity;

  /** `{ snapshotPath }` or `{ snapshotSkipped }`; never throws. */
  onLeak(options, usedHeapSize) {
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
      const file = writeSnapshotFile(defaultFile(options.dir));
      this.#lastWrittenAt = performance.now();
      return { snapshotPath: file };
    } catch (err) {
      return { snapshotSkipped: `snapshot failed: ${err.message}` };
    }
  }
}

/** The `diffOnLeak` option at work: a "before" picture when the detector starts suspecting
 * an episode, an "after" picture and the comparison when it reports a leak. */
class LeakDiff {
  #before = null; // NativeHeapDiff, holding the compact "before" picture
  #attempted = false; // a "before" picture was tried in this episode
  #skipped = null; // why there is no "before" picture

  /** Once per batch, before its leaks: takes the "before" picture when suspicion begins. */
  suspicion(suspected, maxHeapBytes) {
    if (!suspected || this.#before !== null || this.#attempted) return;
    this.#attempted = true;
    const used = v8.getHeapStatistics().used_heap_size;
    if (used > maxHeapBytes) {
      this.#skipped = `heap too large for a diff: ${mb(used)} used, over diffMaxHeapBytes (${mb(maxHeapBytes)})`;
      return;
    }
    try {
      this.#before = new binding.NativeHeapDiff();
      this.#skipped = null;
    } catch (err) {
      this.#skipped = `heap snapshot failed: ${err.message}`;
    }
  }

  /** For a leak report: `{ topGrowth, retainerPaths }` or `{ diffSkipped }`; never throws.
   * The "after" picture becomes the "before" of a re-alert. */
  onLeak(maxHeapBytes) {
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
    try {
      const started = performance.now();
      const { topGrowth, retainerPaths } = this.#before.growth(TOP_GROWTH);
      return { topGrowth, retainerPaths, diffMs: Math.round(performance.now() - started) };
    } catch (err) {
      return { diffSkipped: `heap snapshot failed: ${err.message}` };
    }
  }

  /** The episode is over (or diffOnLeak off, or monitoring stopped): forget the picture. */
  drop() {
    this.#before = null;
    this.#attempted = false;
    this.#skipped = null;
  }
}

module.exports = {
  DIFF_MAX_HEAP_BYTES_DEFAULT,
  LeakDiff,
  LeakSnapshots,
  diffMaxHeapBytes,
  snapshotOptions,
  writeSnapshot,
};

'use strict';
// The one maker of leakwatch's JS errors: each carries a stable `code` from CODES, and option
// errors are worded as the Rust core words them (crates/core/src/error.rs):
//   "<option> must be <allowed> (got <value>)".
// The native side throws a few of these codes itself (crates/node/src/binding/heap_diff.rs,
// errors.rs); __test__/error-codes.test.js checks that this list, the public `ErrorCode` type
// and the docs name every code found in the sources.

/** Every `err.code` leakwatch throws, with what it means. */
const CODES = Object.freeze({
  ERR_LEAKWATCH_INVALID_TYPE: 'an option or argument of the wrong type or shape (TypeError)',
  ERR_LEAKWATCH_UNKNOWN_OPTION: 'an options object has a key leakwatch does not know (TypeError)',
  ERR_LEAKWATCH_OUT_OF_RANGE: 'a number outside its allowed range (RangeError)',
  ERR_LEAKWATCH_INVALID_VALUE: 'a value of the right type that cannot be used, e.g. an empty or relative path (TypeError)',
  ERR_LEAKWATCH_NO_BINARY: 'no native addon for this Node: neither a source build nor the prebuilt platform package',
  ERR_LEAKWATCH_ABI_MISMATCH: 'the only native addon found was built from source for another Node ABI',
  ERR_LEAKWATCH_V8_FLAGS_MISMATCH: "the native addon was built against V8 headers with other build flags than this Node's",
  ERR_LEAKWATCH_LOAD: 'the native addon exists but could not be loaded',
  ERR_LEAKWATCH_NATIVE_OFF: 'the native V8 layer was turned off (LEAKWATCH_NATIVE=off)',
  ERR_LEAKWATCH_UNTESTED_ABI: 'the prebuilt binary is not tested on this Node ABI (LEAKWATCH_ALLOW_UNTESTED_ABI=1 tries it)',
  ERR_LEAKWATCH_V8_SYMBOL_MISSING: "the native V8 layer is off: an entry point it needs is missing from this Node's V8",
  ERR_LEAKWATCH_SELF_TEST_FAILED: "the native V8 layer is off: its self-test at load disagreed with this Node's V8",
  ERR_LEAKWATCH_UNSUPPORTED_PROFILE: 'the v8.GCProfiler report is in a format this leakwatch does not read (degraded mode; the message names both versions)',
  ERR_LEAKWATCH_NATIVE_UNAVAILABLE: 'gc(), HeapDiff or a heap snapshot without the native V8 layer (the message says why and the fix)',
  ERR_LEAKWATCH_HEAPDIFF_ENDED: 'end() of a HeapDiff that was already ended',
  ERR_LEAKWATCH_HEAP_SNAPSHOT: 'V8 could not take a heap snapshot on this thread',
  ERR_LEAKWATCH_SNAPSHOT_ABORTED: 'a heap snapshot ran past its time budget, or the thread is terminating; nothing is left behind',
  ERR_LEAKWATCH_SNAPSHOT_MEMORY: 'the memory guard: a heap snapshot would not fit in the memory left',
  ERR_LEAKWATCH_SNAPSHOT_DIR: 'the snapshot directory does not exist, is not a directory or is not writable',
  ERR_LEAKWATCH_SNAPSHOT_WRITE: 'writing a heap snapshot file failed (the temporary file is removed)',
  ERR_LEAKWATCH_SNAPSHOT_READ: 'leakwatch/analyze: a snapshot file that does not exist or cannot be read',
  ERR_LEAKWATCH_SNAPSHOT_FORMAT: 'leakwatch/analyze: a file that is not a well-formed heap snapshot (the message names the byte offset)',
  ERR_LEAKWATCH_MISSING_PEER: "an integration's optional peer dependency (prom-client, @opentelemetry/api) is not installed",
  ERR_LEAKWATCH_ALREADY_REGISTERED: 'the metrics are already registered on that registry or meter',
});

function coded(err, code, cause) {
  // A code missing from CODES is a bug here, not the caller's: fail loudly in tests.
  if (!Object.hasOwn(CODES, code)) throw new Error(`leakwatch: internal error: unknown error code ${code}`);
  err.code = code;
  if (cause !== undefined) err.cause = cause;
  return err;
}

/** An Error with `code` (and `cause`, when given). */
const error = (message, code, cause) => coded(new Error(message), code, cause);

/** A TypeError with `code`. */
const typeError = (message, code) => coded(new TypeError(message), code);

/** A RangeError with `code`. */
const rangeError = (message, code) => coded(new RangeError(message), code);

/** A value as an error message shows it: `null`, `an array`, `the string "x"`, `number NaN`. */
function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  // String() throws for a null-prototype object or a throwing toString: the message must not.
  let text;
  try {
    text = String(value);
  } catch {
    text = '(unprintable)';
  }
  return `${typeof value} ${text}`;
}

/** TypeError ERR_LEAKWATCH_INVALID_TYPE: "`name` must be `expected` (got <described value>)". */
const invalidType = (name, expected, got) => typeError(`${name} must be ${expected} (got ${describe(got)})`, 'ERR_LEAKWATCH_INVALID_TYPE');

/** RangeError ERR_LEAKWATCH_OUT_OF_RANGE: "`name` must be `allowed` (got `got`)", as Rust's
 * `Error::out_of_range`; `allowed` as Rust writes it, e.g. "between 0 and 1000". */
const outOfRange = (name, allowed, got) => rangeError(`${name} must be ${allowed} (got ${got})`, 'ERR_LEAKWATCH_OUT_OF_RANGE');

/** TypeError ERR_LEAKWATCH_UNKNOWN_OPTION for `key` of the options object `name`. */
const unknownOption = (name, key, known) =>
  typeError(`${name} has an unknown option "${key}"; the known options are: ${known.join(', ')}`, 'ERR_LEAKWATCH_UNKNOWN_OPTION');

module.exports = { CODES, describe, error, invalidType, outOfRange, rangeError, typeError, unknownOption };

'use strict';
// Shape and type checks for user options, before anything reaches native code. The detector
// (`leak`) options' ranges are checked once, in Rust (core::detector::DetectorOptions::validate),
// which throws RangeError; the evidence options exist only in JS and their ranges are checked
// in lib/evidence.js (EVIDENCE_RANGES), with checkNumber below.

const { invalidType, outOfRange, unknownOption } = require('./errors');

const DETECTOR_OPTIONS = {
  windowMs: 'number',
  minDurationMs: 'number',
  minSamples: 'number',
  minGrowthBytes: 'number',
  minGrowthPercent: 'number',
  confidence: 'number',
  realert: 'boolean',
};

const MONITOR_OPTIONS = {
  includeMinorGc: 'boolean',
  heapSpaces: 'boolean',
  leak: 'object',
  diffOnLeak: 'boolean',
  diffMaxHeapBytes: 'number',
  diffMinIntervalMs: 'number',
  snapshotBudgetMs: 'number',
  snapshot: 'object|false',
  allocationSites: 'object|boolean',
  external: 'object|boolean',
  rss: 'object|boolean',
};

// `allocationSites: { ... }` of configure(); ranges checked in lib/allocation-sites.js.
const ALLOCATION_SITES_OPTIONS = {
  intervalBytes: 'number',
  stackDepth: 'number',
  top: 'number',
};

/** The memory kinds watched outside the V8 heap, each its own detector (`configure({ external,
 * rss })`: detector options, `true` for the kind's defaults, `false` for off). */
const OUTSIDE_HEAP_KINDS = ['external', 'rss'];

// `snapshot: { ... }` of configure(); checked in lib/evidence.js (it needs the file system).
const SNAPSHOT_OPTIONS = {
  dir: 'string',
  maxFiles: 'number',
  minFreeBytes: 'number',
  minIntervalMs: 'number',
};

function isPlainObject(value) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Throws TypeError unless `options` is a plain object whose keys are all in `schema`
 * with values of the listed types (undefined means "not given"). */
function checkShape(options, schema, name) {
  if (!isPlainObject(options)) throw invalidType(name, 'a plain object', options);
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(schema, key)) {
      throw unknownOption(name, key, Object.keys(schema));
    }
    const value = options[key];
    if (value === undefined) continue;
    const expected = schema[key];
    let ok;
    if (expected === 'object') ok = isPlainObject(value);
    else if (expected === 'object|false') ok = value === false || isPlainObject(value);
    else if (expected === 'object|boolean') ok = typeof value === 'boolean' || isPlainObject(value);
    else ok = typeof value === expected;
    if (!ok) {
      const wanted = { object: 'an object', 'object|false': 'an object or false', 'object|boolean': 'an object or a boolean' }[expected] ?? `a ${expected}`;
      throw invalidType(`${name}.${key}`, wanted, value);
    }
  }
}

/** A plain object's own enumerable options, each getter read exactly once; anything else as is
 * (for checkShape to reject). Checks and use then see the same values. */
function snapshot(options) {
  return isPlainObject(options) ? { ...options } : options;
}

/** The detector options with undefined values removed (napi reads absent as "default"). */
function detectorOptions(options, name) {
  options = snapshot(options);
  checkShape(options, DETECTOR_OPTIONS, name);
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}

/** Prefixes a native RangeError/TypeError with where the option sits (e.g. "leak."). */
function withPrefix(err, prefix) {
  if (err && typeof err.message === 'string' && (err instanceof RangeError || err instanceof TypeError)) {
    err.message = `${prefix}${err.message}`;
  }
  return err;
}

/** Throws TypeError (not finite) or RangeError (outside [min, max], or not whole when
 * `integer`) for an option number, naming it. */
function checkNumber(value, name, min, max, integer = false) {
  if (!Number.isFinite(value)) throw invalidType(name, 'a finite number', value);
  if (value < min || value > max || (integer && !Number.isInteger(value))) {
    throw outOfRange(name, `${integer ? 'a whole number ' : ''}between ${min} and ${max}`, value);
  }
}

module.exports = {
  ALLOCATION_SITES_OPTIONS,
  DETECTOR_OPTIONS,
  MONITOR_OPTIONS,
  OUTSIDE_HEAP_KINDS,
  SNAPSHOT_OPTIONS,
  checkNumber,
  checkShape,
  detectorOptions,
  snapshot,
  withPrefix,
};

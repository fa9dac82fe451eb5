'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { inspect } = require('node:util');
const leakwatch = require('..');

const BAD = [
  // [options, error class, code, message pattern]
  ['not an object', TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', /options must be a plain object/],
  [null, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', /plain object \(got null\)/],
  [[1], TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', /got an array/],
  [{ includeMinorGC: true }, TypeError, 'ERR_LEAKWATCH_UNKNOWN_OPTION', /unknown option "includeMinorGC".*includeMinorGc/],
  [{ includeMinorGc: 'yes' }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', /includeMinorGc must be a boolean/],
  [{ heapSpaces: 1 }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', /heapSpaces must be a boolean/],
  [{ leak: 5 }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', /leak must be an object/],
  [{ leak: { windowMS: 1 } }, TypeError, 'ERR_LEAKWATCH_UNKNOWN_OPTION', /unknown option "windowMS"/],
  [{ leak: { windowMs: '10m' } }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', /leak.windowMs must be a number/],
  [{ leak: { realert: 1 } }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', /realert must be a boolean/],
  [{ leak: { windowMs: -1 } }, RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE', /leak\.windowMs must be/],
  [{ leak: { windowMs: NaN } }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', /leak\.windowMs must be a finite number/],
  [{ leak: { windowMs: Infinity } }, TypeError, 'ERR_LEAKWATCH_INVALID_TYPE', /leak\.windowMs must be a finite number/],
  [{ leak: { minSamples: 2.5 } }, RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE', /minSamples/],
  [{ leak: { minSamples: -3 } }, RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE', /minSamples/],
  [{ leak: { minGrowthBytes: -1 } }, RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE', /minGrowthBytes/],
  [{ leak: { minGrowthPercent: -5 } }, RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE', /minGrowthPercent/],
  [{ leak: { confidence: 1.5 } }, RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE', /confidence/],
  [{ leak: { confidence: 0 } }, RangeError, 'ERR_LEAKWATCH_OUT_OF_RANGE', /confidence/],
];

for (const [options, ErrorClass, code, message] of BAD) {
  test(`configure(${inspect(options, { breakLength: Infinity })}) throws ${ErrorClass.name} ${code}`, () => {
    const before = leakwatch.options;
    assert.throws(
      () => leakwatch.configure(options),
      (err) => {
        assert.ok(err instanceof ErrorClass, `${err.constructor.name}: ${err.message}`);
        assert.equal(err.code, code);
        assert.match(err.message, message);
        return true;
      },
    );
    assert.deepEqual(leakwatch.options, before, 'a rejected configure changes nothing');
  });
}

test('every range error names the allowed range', () => {
  assert.throws(() => leakwatch.configure({ leak: { windowMs: -1 } }), /between|at least|at most/);
});

test('configure merges, validates and returns the effective options', () => {
  const defaults = leakwatch.options;
  assert.equal(defaults.includeMinorGc, false);
  assert.equal(defaults.heapSpaces, false);
  assert.equal(typeof defaults.leak.windowMs, 'number');
  const out = leakwatch.configure({ leak: { minGrowthBytes: defaults.leak.minGrowthBytes * 2 } });
  assert.equal(out.leak.minGrowthBytes, defaults.leak.minGrowthBytes * 2);
  assert.equal(out.leak.windowMs, defaults.leak.windowMs, 'other options keep their values');
  assert.deepEqual(leakwatch.configure(), out, 'configure() with nothing changes nothing');
  leakwatch.configure({ leak: defaults.leak });
  assert.deepEqual(leakwatch.options, defaults);
});

test('undefined values mean "not given"', () => {
  const before = leakwatch.options;
  assert.deepEqual(leakwatch.configure({ heapSpaces: undefined, leak: { windowMs: undefined } }), before);
});

'use strict';
// Every `ERR_LEAKWATCH_*` code is listed once with its meaning (CODES in lib/errors.js), in the
// public `ErrorCode` type (lib/index.d.ts) and in the docs (README.md + docs/*.md), and nothing
// else is: each list is checked against the codes the sources (lib/, bin/, crates/) use.
// Plus the one wording of option errors, shared by JS and Rust.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { LeakDetector } = require('..');
const errors = require('../lib/errors');
const { checkNumber } = require('../lib/options');

const ROOT = path.join(__dirname, '..');
const CODE = /ERR_LEAKWATCH_[A-Z0-9_]+/g;
const SOURCE = /\.(c?js|mjs|ts|rs|cc|h)$/;
// The two lists under test are not evidence of use.
const LISTS = new Set([path.join('lib', 'errors.js'), path.join('lib', 'index.d.ts')]);

function files(dir) {
  const out = [];
  for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'target' && entry.name !== 'node_modules') out.push(...files(rel));
    } else if (SOURCE.test(entry.name)) out.push(rel);
  }
  return out;
}

const codesIn = (text) => new Set(text.match(CODE) ?? []);

/** code → the files that use it. */
function sourceCodes() {
  const used = new Map();
  for (const file of ['lib', 'bin', 'crates'].flatMap(files)) {
    if (LISTS.has(file)) continue;
    for (const code of codesIn(fs.readFileSync(path.join(ROOT, file), 'utf8'))) {
      if (!used.has(code)) used.set(code, []);
      used.get(code).push(file);
    }
  }
  return used;
}

function errorCodeUnion() {
  const dts = fs.readFileSync(path.join(ROOT, 'lib', 'index.d.ts'), 'utf8');
  const union = /type ErrorCode =([^;]*);/.exec(dts);
  assert.ok(union, 'lib/index.d.ts has no `type ErrorCode = ...;`');
  return codesIn(union[1]);
}

function docsCodes() {
  const docs = fs.existsSync(path.join(ROOT, 'docs')) ? fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')) : [];
  const text = ['README.md', ...docs.map((f) => path.join('docs', f))].map((f) => fs.readFileSync(path.join(ROOT, f), 'utf8')).join('\n');
  return codesIn(text);
}

/** Asserts that `list` (named `what`) holds exactly the codes of `expected` (named `of`). */
function sameCodes(list, expected, what, of, whereUsed = () => '') {
  const missing = [...expected].filter((c) => !list.has(c));
  const stale = [...list].filter((c) => !expected.has(c));
  assert.deepEqual(missing, [], `${what} lacks ${missing.map((c) => `${c}${whereUsed(c)}`).join(', ')}`);
  assert.deepEqual(stale, [], `${what} lists codes that are not ${of}: ${stale.join(', ')}`);
}

test('CODES lists every code the sources use, each with a one-line meaning, and no other', () => {
  const used = sourceCodes();
  // The scan itself works: codes thrown from JS, from Rust, and from both.
  for (const code of ['ERR_LEAKWATCH_MISSING_PEER', 'ERR_LEAKWATCH_HEAP_SNAPSHOT', 'ERR_LEAKWATCH_OUT_OF_RANGE']) assert.ok(used.has(code), code);
  assert.ok(Object.isFrozen(errors.CODES));
  sameCodes(
    new Set(Object.keys(errors.CODES)),
    new Set(used.keys()),
    'CODES in lib/errors.js',
    'used in lib/, bin/ or crates/',
    (c) => ` (used in ${used.get(c).join(', ')})`,
  );
  for (const [code, meaning] of Object.entries(errors.CODES)) {
    assert.match(meaning, /^[^\n]{10,140}$/, `${code}: one line, please`);
  }
});

test('the public ErrorCode type lists exactly the codes of CODES', () => {
  sameCodes(errorCodeUnion(), new Set(Object.keys(errors.CODES)), 'the ErrorCode union of lib/index.d.ts', 'in CODES');
});

test('README.md and docs/*.md name exactly the codes of CODES', () => {
  sameCodes(docsCodes(), new Set(Object.keys(errors.CODES)), 'README.md + docs/*.md', 'in CODES');
});

test('the error helpers only make listed codes, with the right class', () => {
  assert.throws(() => errors.error('x', 'ERR_LEAKWATCH_OOPS'), /unknown error code ERR_LEAKWATCH_OOPS/);
  const cause = new Error('cause');
  const e = errors.error('m', 'ERR_LEAKWATCH_SNAPSHOT_DIR', cause);
  assert.ok(e instanceof Error && !(e instanceof TypeError));
  assert.equal(e.code, 'ERR_LEAKWATCH_SNAPSHOT_DIR');
  assert.equal(e.cause, cause);
  assert.ok(errors.typeError('m', 'ERR_LEAKWATCH_INVALID_VALUE') instanceof TypeError);
  assert.ok(errors.rangeError('m', 'ERR_LEAKWATCH_OUT_OF_RANGE') instanceof RangeError);
});

test('JS and Rust word an option error alike: "<option> must be <allowed> (got <value>)"', () => {
  const FORM = /^(.+) must be (.+) \(got (.+)\)$/;
  const rust = (() => {
    try {
      new LeakDetector({ minGrowthPercent: 1001 });
    } catch (err) {
      return err;
    }
  })();
  assert.ok(rust instanceof RangeError);
  assert.equal(rust.code, 'ERR_LEAKWATCH_OUT_OF_RANGE');
  assert.equal(rust.message, 'LeakDetector options.minGrowthPercent must be between 0 and 1000 (got 1001)');
  assert.throws(() => checkNumber(1001, 'x.y', 0, 1000), {
    name: 'RangeError',
    code: 'ERR_LEAKWATCH_OUT_OF_RANGE',
    message: 'x.y must be between 0 and 1000 (got 1001)',
  });
  assert.throws(() => checkNumber(1.5, 'x.n', 1, 10, true), { name: 'RangeError', message: 'x.n must be a whole number between 1 and 10 (got 1.5)' });
  assert.throws(() => checkNumber('7', 'x.y', 0, 1), {
    name: 'TypeError',
    code: 'ERR_LEAKWATCH_INVALID_TYPE',
    message: 'x.y must be a finite number (got the string "7")',
  });
  assert.match(errors.outOfRange('a', 'at least 0', -1).message, FORM);
  assert.match(errors.invalidType('a', 'a string', 7).message, FORM);
  assert.match(rust.message, FORM);
});

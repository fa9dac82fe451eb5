'use strict';
// Every entry point from ESM: each public name its CommonJS module exports must also be a
// named import (`import { HeapDiff } from 'leakwatch/memwatch'` was a SyntaxError once), with
// the same type. One child process per entry, importing every name in one static statement,
// as a user's program would.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { runNode, runProcess } = require('./helpers');

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
const ENTRIES = Object.keys(pkg.exports)
  .filter((subpath) => subpath !== './package.json')
  .map((subpath) => (subpath === '.' ? 'leakwatch' : `leakwatch/${subpath.slice(2)}`));

/** The public names of an entry's CommonJS exports: own keys, less EventEmitter's internals. */
async function cjsNames(entry) {
  const run = await runNode(
    `const m = require(${JSON.stringify(entry)});
     console.log(JSON.stringify(Object.fromEntries(Object.keys(m).filter((k) => !k.startsWith('_')).map((k) => [k, typeof m[k]]))));`,
    { timeoutMs: 20_000 },
  );
  assert.equal(run.code, 0, run.context);
  return run.result;
}

test('the entries read from package.json include the known public ones', () => {
  for (const known of ['leakwatch', 'leakwatch/memwatch', 'leakwatch/memwatch-next', 'leakwatch/otel', 'leakwatch/prometheus', 'leakwatch/register']) {
    assert.ok(ENTRIES.includes(known), known);
  }
});

for (const entry of ENTRIES) {
  test(`${entry}: every CommonJS export is an ESM named import`, { timeout: 60_000 }, async () => {
    const names = await cjsNames(entry);
    const list = Object.keys(names).filter((n) => n !== 'default');
    const script = [
      `import * as ns from ${JSON.stringify(entry)};`,
      list.length ? `import { ${list.join(', ')} } from ${JSON.stringify(entry)};` : `import ${JSON.stringify(entry)};`,
      `const named = { ${list.map((n) => `${JSON.stringify(n)}: typeof ${n}`).join(', ')} };`,
      'console.log(JSON.stringify({ named, keys: Object.keys(ns) }));',
    ].join('\n');
    const run = await runNode(script, { args: ['--input-type=module'], timeoutMs: 20_000 });
    assert.equal(run.code, 0, `import failed:\n${script}\n${run.context}`);
    const expected = Object.fromEntries(list.map((n) => [n, names[n]]));
    assert.deepEqual(run.result.named, expected);
    // A module with exports also has a default import (leakwatch/register is a preload only).
    if (list.length) assert.ok(run.result.keys.includes('default'), 'a default import too');
  });
}

test('the memwatch dialects export by name at least what the real @airbnb/node-memwatch does', { timeout: 60_000 }, async (t) => {
  let real;
  try {
    real = require.resolve('@airbnb/node-memwatch');
  } catch {
    t.skip('@airbnb/node-memwatch is not installed');
    return;
  }
  const list = (specifier) =>
    runProcess(['--input-type=module', '-e', `import * as ns from ${JSON.stringify(specifier)}; console.log(JSON.stringify(Object.keys(ns)));`], {
      timeoutMs: 20_000,
    });
  const theirs = await list(require('node:url').pathToFileURL(real).href);
  if (theirs.code !== 0) {
    t.skip(`@airbnb/node-memwatch does not load on Node ${process.version}`);
    return;
  }
  // Theirs: HeapDiff, gc and default (module.exports is an EventEmitter, so `on` is not a name).
  assert.deepEqual(theirs.result.sort(), ['HeapDiff', 'default', 'gc']);
  for (const entry of ['leakwatch/memwatch', 'leakwatch/memwatch-next']) {
    const ours = await list(entry);
    assert.equal(ours.code, 0, ours.context);
    for (const name of theirs.result) assert.ok(ours.result.includes(name), `${entry} exports ${name}`);
  }
});

'use strict';
// HeapDiff's names: the snapshot walk converts each distinct V8 name once and caches its key
// (by the string's hash and identity, per node type), so these check that the cache never
// gives a node another node's name — many distinct names (the cache grows several times),
// one name under two node types, and names that are not ASCII.
// Every test here needs the native V8 layer (HeapDiff, snapshots, evidence): skipped without it.
const { needsV8Layer, testsNeeding } = require('./native-mode');
const test = testsNeeding(needsV8Layer);
const assert = require('node:assert/strict');
const { HeapDiff } = require('..');

const DISTINCT = 3000;

test('thousands of distinct constructor names are each counted under their own name', () => {
  // Declared classes with a field: V8 names an empty computed-name class's instances "Object".
  // eslint-disable-next-line no-new-func
  const classes = Array.from({ length: DISTINCT }, (_, i) => new Function(`return class Kind${i} { constructor() { this.v = ${i}; } }`)());
  const hd = new HeapDiff();
  // i + 1 instances of Kind<i> for the first 50, 2 of every other: counts tell names apart.
  globalThis.__leakwatchNamed = classes.flatMap((C, i) => Array.from({ length: i < 50 ? i + 1 : 2 }, () => new C()));
  const { details } = hd.end().change;
  delete globalThis.__leakwatchNamed;
  const added = new Map(details.map((d) => [d.what, d.added]));
  for (let i = 0; i < DISTINCT; i++) {
    assert.equal(added.get(`Kind${i}`), i < 50 ? i + 1 : 2, `Kind${i}`);
  }
});

test('one name as a constructor and as a function is two groups; non-ASCII names survive', () => {
  class Dup {}
  const makers = Array.from({ length: 40 }, () => function Dup() {});
  class Ünïcødé {}
  const 名前 = class {};
  const hd = new HeapDiff();
  globalThis.__leakwatchNamed = {
    objects: Array.from({ length: 30 }, () => new Dup()),
    closures: makers.map((f) => () => f), // 40 closures named Dup were made before; these are new
    more: Array.from({ length: 7 }, () => function Dup() {}),
    unicode: Array.from({ length: 11 }, () => new Ünïcødé()),
    cjk: Array.from({ length: 13 }, () => new 名前()),
  };
  const { details } = hd.end().change;
  delete globalThis.__leakwatchNamed;
  const find = (what) => details.find((d) => d.what === what);
  assert.equal(find('Dup')?.added, 30, JSON.stringify(details.slice(0, 10)));
  assert.equal(find('(closure) Dup')?.added, 7);
  assert.equal(find('Ünïcødé')?.added, 11);
  assert.equal(find('名前')?.added, 13);
});

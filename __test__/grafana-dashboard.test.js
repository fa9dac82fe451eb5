'use strict';
// docs/grafana-dashboard.json: a dashboard Grafana can import (the `__inputs` prompt) and
// provision (a datasource variable of the same name), whose queries read only metrics that
// leakwatch/prometheus and prom-client's collectDefaultMetrics() really export. That the
// PromQL parses and answers on a real Prometheus: __test__/prometheus-server.test.js.
const test = require('node:test');
const assert = require('node:assert/strict');
const client = require('prom-client');
const leakwatch = require('..');
const { register, METRIC_NAMES } = require('leakwatch/prometheus');
const { nextEvent } = require('./helpers');
const { loadDashboard, dashboardQueries, substitute, metricNames, exposedNames } = require('./fixtures/grafana-queries');

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's placeholder, not a JS template
const DS = '${DS_PROMETHEUS}';

test('the dashboard is a Grafana dashboard: import inputs, a datasource variable, panels on a 24-column grid', () => {
  const d = loadDashboard();
  assert.ok(d.schemaVersion >= 36 && d.schemaVersion <= 41, `schemaVersion ${d.schemaVersion}`);
  assert.match(d.uid, /^[a-zA-Z0-9_-]{1,40}$/);
  assert.equal(typeof d.title, 'string');
  assert.deepEqual(
    d.__inputs.map((i) => [i.name, i.type, i.pluginId]),
    [['DS_PROMETHEUS', 'datasource', 'prometheus']],
  );
  const dsVar = d.templating.list.find((v) => v.name === 'DS_PROMETHEUS');
  assert.deepEqual([dsVar?.type, dsVar?.query], ['datasource', 'prometheus'], `provisioned without import, ${DS} is this variable`);

  const required = new Set(d.__requires.filter((r) => r.type === 'panel').map((r) => r.id));
  const ids = new Set();
  const cells = new Set();
  assert.ok(d.panels.length >= 5);
  for (const p of d.panels) {
    assert.ok(Number.isInteger(p.id) && !ids.has(p.id), `panel id ${p.id} is unique`);
    ids.add(p.id);
    assert.ok(required.has(p.type), `panel "${p.title}": type ${p.type} is in __requires`);
    assert.deepEqual(p.datasource, { type: 'prometheus', uid: DS }, p.title);
    const { x, y, w, h } = p.gridPos;
    assert.ok(x >= 0 && w > 0 && x + w <= 24 && y >= 0 && h > 0, `panel "${p.title}" fits the grid: ${JSON.stringify(p.gridPos)}`);
    for (let col = x; col < x + w; col++) {
      for (let row = y; row < y + h; row++) {
        assert.ok(!cells.has(`${col},${row}`), `panel "${p.title}" overlaps another at ${col},${row}`);
        cells.add(`${col},${row}`);
      }
    }
    assert.ok(p.targets.length >= 1, p.title);
    const refIds = p.targets.map((t) => t.refId);
    assert.equal(new Set(refIds).size, refIds.length, `panel "${p.title}": refIds are unique`);
    for (const t of p.targets) {
      assert.deepEqual(t.datasource, { type: 'prometheus', uid: DS }, `${p.title} ${t.refId}`);
      assert.ok(typeof t.expr === 'string' && t.expr.length > 0, `${p.title} ${t.refId}`);
    }
  }
});

test('every query uses only variables the dashboard defines, with balanced brackets', () => {
  const d = loadDashboard();
  for (const { where, expr } of dashboardQueries(d)) {
    const promql = substitute(expr, d, '1m'); // throws on an undefined variable
    assert.doesNotMatch(promql, /\$/, where);
    const stack = [];
    for (const c of promql.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
      if ('([{'.includes(c)) stack.push(c);
      else if (')]}'.includes(c)) assert.equal(stack.pop(), '([{'[')]}'.indexOf(c)], `${where}: ${promql}`);
    }
    assert.equal(stack.length, 0, `${where}: ${promql}`);
  }
  assert.throws(() => substitute('up{pod=~"$pod"}', d, '1m'), /\$pod is not a variable/);
});

test('every metric the dashboard reads is exported by leakwatch/prometheus or prom-client', async (t) => {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const unregister = register(registry);
  t.after(unregister);
  const stats = nextEvent(leakwatch, 'stats');
  leakwatch.gc();
  await stats;
  const exported = exposedNames(await registry.metrics());

  const d = loadDashboard();
  const used = new Set();
  for (const { where, expr } of dashboardQueries(d)) {
    const names = metricNames(expr);
    assert.ok(names.length >= 1, `${where} reads a metric: ${expr}`);
    for (const name of names) {
      assert.ok(exported.has(name), `${where}: ${name} is not exported (${expr})`);
      used.add(name);
    }
  }
  // What the dashboard is for: the floor under prom-client's sawtooth, the leak state, GC pauses.
  for (const name of ['nodejs_heap_size_used_bytes', METRIC_NAMES.heapUsedAfterGc, METRIC_NAMES.leakSuspected, `${METRIC_NAMES.gcPause}_sum`]) {
    assert.ok(used.has(name), `the dashboard shows ${name}`);
  }
  const floor = d.panels.find((p) => p.targets.some((x) => x.expr.startsWith(METRIC_NAMES.heapUsedAfterGc)));
  assert.ok(
    floor.targets.some((x) => x.expr.startsWith('nodejs_heap_size_used_bytes')),
    'the post-GC floor is drawn in the same panel as the sawtooth',
  );
  // The name check can fail: a name nobody exports is found.
  assert.deepEqual(metricNames('sum by (le) (rate(nodejs_heap_floor_bytes{kind="major"}[5m])) / on (instance) up'), ['nodejs_heap_floor_bytes', 'up']);
});

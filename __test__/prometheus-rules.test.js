'use strict';
// The alert rules of docs/prometheus-rules.yml (shown in docs/integrations.md as a
// PrometheusRule): checked and unit-tested with Prometheus' own promtool on series that leak,
// that are collected again (flush) and that restart (__test__/fixtures/prometheus-rules.test.yml).
// Skipped, with the reason, where promtool is not installed (.ci/install-prometheus installs it).
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ROOT } = require('./helpers');

const RULES = path.join(ROOT, 'docs', 'prometheus-rules.yml');
const UNIT_TESTS = path.join(ROOT, '__test__', 'fixtures', 'prometheus-rules.test.yml');

const promtool = (...args) => spawnSync('promtool', args, { encoding: 'utf8', timeout: 30_000 });
const probe = promtool('--version');
const skip = probe.error ? `promtool is not installed (${probe.error.code}): apt-get install prometheus, or .ci/install-prometheus` : false;

test('docs/integrations.md shows the rules of docs/prometheus-rules.yml, in a PrometheusRule', () => {
  const rules = fs.readFileSync(RULES, 'utf8');
  const groups = rules.slice(rules.indexOf('\ngroups:\n') + 1).trimEnd();
  const md = fs.readFileSync(path.join(ROOT, 'docs', 'integrations.md'), 'utf8');
  const block = md.split('```yaml\n').find((b) => b.startsWith('apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\n'));
  assert.ok(block, 'docs/integrations.md has a PrometheusRule block');
  const spec = block.slice(0, block.indexOf('\n```')).split('\nspec:\n')[1];
  const dedented = spec
    .split('\n')
    .map((l) => l.replace(/^ {2}/, ''))
    .join('\n');
  assert.equal(dedented, groups, 'the PrometheusRule spec is the rule file, indented by two');
  assert.match(md, /docs\/prometheus-rules\.yml|\(prometheus-rules\.yml\)/, 'the docs name the rule file');
});

test('promtool check rules accepts docs/prometheus-rules.yml', { skip }, () => {
  const run = promtool('check', 'rules', RULES);
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /SUCCESS: 2 rules found/);
});

test('promtool test rules: a leak fires, a collected heap and a restart do not false-alarm, a leak after the restart fires', { skip }, () => {
  const run = promtool('test', 'rules', UNIT_TESTS);
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /SUCCESS/);
  // All three scenarios ran.
  const tests = fs.readFileSync(UNIT_TESTS, 'utf8');
  assert.deepEqual(
    [...tests.matchAll(/^ {2}- name: (\w+)$/gm)].map((m) => m[1]),
    ['leak', 'flush', 'restart'],
  );
});

test('the unit tests catch a broken rule', { skip }, (t) => {
  // The rule file and the unit tests in a scratch copy of the layout (rule_files is relative).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-rules-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'docs'));
  fs.mkdirSync(path.join(dir, '__test__', 'fixtures'), { recursive: true });
  fs.copyFileSync(UNIT_TESTS, path.join(dir, '__test__', 'fixtures', 'prometheus-rules.test.yml'));
  const rules = fs.readFileSync(RULES, 'utf8');
  // (An annotation that reads the growth rate by pod alone is caught only when the query
  // happens to return the sidecar's series first: promtool's order is not fixed.)
  const broken = {
    'an alert on any value of the gauge': ['(nodejs_leak_suspected) == 1', '(nodejs_leak_suspected) >= 0'],
    'a page at two reports': ['[1h])) >= 3', '[1h])) >= 2'],
    'a counter rule blind to resets (delta)': ['increase(nodejs_leak_reports_total[1h])', 'delta(nodejs_leak_reports_total[1h])'],
  };
  for (const [what, [from, to]] of Object.entries(broken)) {
    assert.ok(rules.includes(from), `${what}: ${from}`);
    fs.writeFileSync(path.join(dir, 'docs', 'prometheus-rules.yml'), rules.replace(from, to));
    const run = promtool('test', 'rules', path.join(dir, '__test__', 'fixtures', 'prometheus-rules.test.yml'));
    assert.equal(run.status, 1, `${what}: the unit tests fail\n${run.stdout}${run.stderr}`);
    assert.match(run.stdout + run.stderr, /FAILED/);
  }
});

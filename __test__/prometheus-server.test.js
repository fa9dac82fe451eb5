'use strict';
// The alert rules and the Grafana dashboard on a real Prometheus server: a leaky app
// (__test__/fixtures/prometheus-leaky-app.js: leakwatch/prometheus with prom-client, /metrics on
// a loopback port) scraped every second, docs/prometheus-rules.yml evaluated every second, until
// the leak alert fires. Every process and directory is the test's own and is gone at the end.
// Skipped, with the reason, where Prometheus is not installed (.ci/install-prometheus).
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { ROOT, sleep } = require('./helpers');
const { loadDashboard, dashboardQueries, substitute, metricNames, exposedNames } = require('./fixtures/grafana-queries');

const RULES = path.join(ROOT, 'docs', 'prometheus-rules.yml');
const APP = path.join(ROOT, '__test__', 'fixtures', 'prometheus-leaky-app.js');
const DEADLINE_MS = 90_000; // the whole test, on a busy machine; it fires within ~10 s when idle

const probe = spawnSync('prometheus', ['--version'], { encoding: 'utf8', timeout: 10_000 });
const skip = probe.error ? `prometheus is not installed (${probe.error.code}): apt-get install prometheus, or .ci/install-prometheus` : false;

/** A child process with its output kept for diagnostics; `stop()` ends it (SIGTERM, then SIGKILL). */
function start(command, args, options) {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (out.stdout += d));
  child.stderr.on('data', (d) => (out.stderr = (out.stderr + d).slice(-20_000)));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.on('error', () => {}); // reported through `exited` / the assertions
  async function stop() {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin.end();
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  return { child, out, exited, stop };
}

/** A free loopback port (the kernel's ephemeral pick; closed again for Prometheus to take). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Polls `probe()` every 250 ms until it returns a value other than undefined, or `deadline`. */
async function until(deadline, what, probe) {
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err; // not up yet
    }
    await sleep(250);
  }
  assert.fail(`${what}: not within the deadline${last ? ` (${last.message})` : ''}`);
}

async function getJson(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.json() };
}

test('a real Prometheus scrapes a leaky app and fires NodejsMemoryLeakSuspected; the dashboard queries answer', {
  skip,
  timeout: DEADLINE_MS + 30_000,
}, async (t) => {
  const deadline = Date.now() + DEADLINE_MS;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-prometheus-'));
  const stops = [];
  t.after(async () => {
    for (const stop of stops.reverse()) await stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const appStarted = Date.now();
  const app = start(process.execPath, [APP], { cwd: ROOT, env: { ...process.env, MAX_MS: String(DEADLINE_MS + 20_000) } });
  stops.push(app.stop);
  const appPort = await until(deadline, `the app's port (${app.out.stderr})`, () => {
    assert.equal(app.child.exitCode, null, `the app exited: ${app.out.stderr}`);
    const line = app.out.stdout.split('\n')[0];
    return app.out.stdout.includes('\n') ? JSON.parse(line).port : undefined;
  });

  const port = await freePort();
  const config = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(
    config,
    `global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - ${JSON.stringify(RULES)}
scrape_configs:
  - job_name: leaky
    static_configs:
      - targets: ['127.0.0.1:${appPort}']
        labels: { namespace: leakwatch-test, pod: leaky-0, container: app }
`,
  );
  const prometheus = start('prometheus', [
    `--config.file=${config}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ]);
  stops.push(prometheus.stop);
  const api = `http://127.0.0.1:${port}`;
  const why = () => `\nprometheus: ${prometheus.out.stderr.slice(-3000)}\napp: ${app.out.stderr.slice(-2000)}`;
  await until(deadline, `Prometheus ready${why()}`, async () => {
    assert.equal(prometheus.child.exitCode, null, `prometheus exited${why()}`);
    return (await fetch(`${api}/-/ready`, { signal: AbortSignal.timeout(2000) })).ok ? true : undefined;
  });
  const ready = Date.now();

  const alert = await until(deadline, `NodejsMemoryLeakSuspected firing${why()}`, async () => {
    const { body } = await getJson(`${api}/api/v1/alerts`);
    return body.data.alerts.find((a) => a.labels.alertname === 'NodejsMemoryLeakSuspected' && a.state === 'firing');
  });
  const fired = Date.now();
  t.diagnostic(
    `firing ${((fired - ready) / 1000).toFixed(1)} s after Prometheus was ready, ${((fired - appStarted) / 1000).toFixed(1)} s after the app started`,
  );
  assert.deepEqual(alert.labels, {
    alertname: 'NodejsMemoryLeakSuspected',
    namespace: 'leakwatch-test',
    pod: 'leaky-0',
    container: 'app',
    kind: 'heap',
    severity: 'warning',
  });
  assert.equal(alert.annotations.summary, 'Memory leak (heap) suspected in leakwatch-test/leaky-0');
  // The annotation's query template found the app's growth rate on the real server.
  assert.match(alert.annotations.description, /post-GC V8 heap \(\d+(\.\d+)?[kMG]iB\/s\)\./, alert.annotations.description);

  const query = async (expr) => {
    const { status, body } = await getJson(`${api}/api/v1/query?query=${encodeURIComponent(expr)}`);
    assert.equal(body.status, 'success', `${expr}: ${status} ${JSON.stringify(body)}`);
    return body.data.result;
  };
  // Over the last minute: one scrape that timed out on a busy machine marks the series stale.
  const last = async (expr, over = 'last_over_time') => {
    const result = await query(`${over}(${expr}[1m])`);
    assert.equal(result.length, 1, `${expr}: ${JSON.stringify(result)}`);
    return Number(result[0].value[1]);
  };
  assert.equal(await last('up{job="leaky"}', 'max_over_time'), 1, 'the target was up');
  assert.ok((await last('nodejs_heap_used_after_gc_bytes{job="leaky"}')) > 1e6, 'the post-GC heap series is there');
  assert.ok((await last('nodejs_leak_reports_total{job="leaky",kind="heap"}')) >= 1, 'the leak report was counted');

  // Every dashboard query is valid PromQL (the server parses it: 'success') and has data once
  // a few scrapes are in (a rate needs two samples in its window).
  const dashboard = loadDashboard();
  const queries = dashboardQueries(dashboard).map((q) => ({ ...q, promql: substitute(q.expr, dashboard, '10s') }));
  for (const q of queries) await query(q.promql);
  await until(deadline, 'every dashboard query has data', async () => {
    for (const q of queries) if ((await query(q.promql)).length === 0) return undefined;
    return true;
  });

  // ... and reads only metrics the app really exports.
  const exported = exposedNames(await (await fetch(`http://127.0.0.1:${appPort}/metrics`)).text());
  for (const q of queries) {
    for (const name of metricNames(q.expr)) assert.ok(exported.has(name), `${q.where}: ${name} is not in the app's /metrics`);
  }
});

'use strict';
// The page of `leakwatch analyze -o report.html`: one self-contained HTML file (inline CSS, no
// script, no external reference of any kind) with the report of lib/cli/analyze.js: the leak
// clusters and their retainer paths, the top retainers, the constructors and the diff, each
// size with a bar in proportion to the heap.

const path = require('node:path');
const { bytes, duration, plural } = require('../format');
const { formatPath, nodeLabel } = require('./heap-path');
const { escapeHtml, page } = require('./html-page');

const count = (n) => n.toLocaleString('en-US');

const CSS = `
:root { color-scheme: light; --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --bar: #2563eb; --self: #93c5fd; --leak: #dc2626; --grow: #dc2626; --shrink: #16a34a; }
* { box-sizing: border-box; }
body { margin: 0; background: #f8fafc; color: var(--ink); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1160px; margin: 0 auto; padding: 20px 24px 32px; }
h1 { font-size: 20px; margin: 0 0 2px; }
h2 { font-size: 15px; margin: 0 0 8px; }
.sub { color: var(--muted); margin: 0 0 12px; }
.verdict { border-radius: 6px; padding: 8px 12px; margin: 0 0 12px; font-weight: 600; }
.verdict.leak { background: #fef2f2; color: #991b1b; border: 1px solid #fecaca; }
.verdict.ok { background: #f0fdf4; color: #166534; border: 1px solid #bbf7d0; }
.verdict.info { background: #eff6ff; color: #1e3a8a; border: 1px solid #bfdbfe; }
section.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; margin: 0 0 16px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 3px 8px 3px 0; vertical-align: top; border-bottom: 1px solid #f1f5f9; }
th { color: var(--muted); font-weight: 500; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.bar { width: 28%; }
.track { position: relative; height: 12px; background: #f1f5f9; border-radius: 3px; margin-top: 4px; }
.fill { position: absolute; left: 0; top: 0; bottom: 0; background: var(--bar); border-radius: 3px; }
.fill.self { background: var(--self); }
.fill.leak { background: var(--leak); }
.fill.grow { background: var(--grow); }
.fill.shrink { background: var(--shrink); }
ol.clusters { margin: 0; padding-left: 22px; }
ol.clusters li { margin: 0 0 10px; }
.name { font-weight: 600; }
.path { display: block; color: var(--muted); overflow-wrap: anywhere; }
.detail { color: var(--muted); }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
footer { color: var(--muted); font-size: 12px; margin-top: 14px; }
`;

/** A bar `value / max` of the cell's width; `kind`: '' (retained), 'self', 'leak', 'grow', 'shrink'. */
function bar(value, max, kind = '') {
  const pct = max > 0 ? Math.max(0.5, Math.min(100, (100 * Math.abs(value)) / max)) : 0;
  return `<div class="track"><div class="fill${kind ? ` ${kind}` : ''}" style="width:${pct.toFixed(1)}%"></div></div>`;
}

function renderAnalyzeHtml(report, { top = 20, title } = {}) {
  const last = report.snapshots[report.snapshots.length - 1];
  const name = path.basename(last.path);
  const heap = report.heap.totalBytes;
  const pageTitle = title ?? `leakwatch analyze: ${name}`;
  const { leak, diff } = report;

  let verdict;
  if (leak && leak.clusters.length > 0) {
    const c = leak.clusters[0];
    verdict = `<p class="verdict leak">Leak: ${count(leak.objects)} ${leak.objects === 1 ? 'object' : 'objects'} allocated after the baseline still alive in the last snapshot, ${escapeHtml(bytes(leak.retainedBytes))} retained; largest cluster: ${escapeHtml(c.constructor)} ×${count(c.count)} (${escapeHtml(bytes(c.retainedBytes))}).</p>`;
  } else if (leak) {
    verdict = '<p class="verdict ok">No leak: no object allocated after the baseline is still alive in the last snapshot.</p>';
  } else {
    verdict = `<p class="verdict info">One snapshot: what holds its ${escapeHtml(bytes(heap))}. Give 2 or 3 snapshots of the same process (baseline, target, final) for the leak.</p>`;
  }

  const summary = [
    ...report.snapshots.map((s, i) => [
      report.snapshots.length === 1 ? 'Snapshot' : ['Baseline', report.snapshots.length === 3 ? 'Target' : 'Final', 'Final'][i],
      `<code>${escapeHtml(s.path)}</code><br><span class="detail">${escapeHtml(bytes(s.bytes))}, ${count(s.nodes)} nodes${s.edges === null || s.edges === undefined ? '' : `, ${count(s.edges)} edges`}, read in ${escapeHtml(duration(s.readMs))}</span>`,
    ]),
    ['Heap', `${escapeHtml(bytes(heap))} in ${count(report.heap.nodes)} objects`],
    [
      'Analysis',
      escapeHtml(
        `${duration(report.timings.totalMs)} (read ${duration(report.timings.readMs)}, dominators ${duration(report.timings.dominatorsMs)}, analyses ${duration(report.timings.analysisMs)})`,
      ),
    ],
  ];

  const sections = [];
  sections.push(
    `<section class="card"><h2>Summary</h2><table>\n${summary.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('\n')}\n</table></section>`,
  );

  if (leak && leak.clusters.length > 0) {
    const max = leak.clusters[0].retainedBytes;
    sections.push(
      `<section class="card leak-clusters"><h2>Leak clusters: new objects still alive, by retainer path</h2><ol class="clusters">\n${leak.clusters
        .slice(0, top)
        .map(
          (c) =>
            `<li><span class="name">${escapeHtml(c.constructor)}</span> ×${count(c.count)}: ${escapeHtml(bytes(c.retainedBytes))} retained <span class="detail">(${escapeHtml(bytes(c.selfBytes))} self; e.g. @${c.example.id})</span>` +
            `${bar(c.retainedBytes, max, 'leak')}<code class="path">${escapeHtml(formatPath(c.path))}</code></li>`,
        )
        .join('\n')}\n</ol></section>`,
    );
  }

  sections.push(
    `<section class="card"><h2>Top retainers of ${escapeHtml(name)}</h2><table><tr><th>#</th><th>object</th><th class="num">retained</th><th class="num">self</th><th>of the heap</th></tr>\n${report.topRetainers
      .slice(0, top)
      .map(
        (r, i) =>
          `<tr><td>${i + 1}</td><td><span class="name">${escapeHtml(nodeLabel(r.name, r.type))}</span> <span class="detail">@${r.id}</span>${r.path?.length ? `<code class="path">${escapeHtml(formatPath(r.path))}</code>` : ''}</td>` +
          `<td class="num">${escapeHtml(bytes(r.retainedBytes))}</td><td class="num">${escapeHtml(bytes(r.selfBytes))}</td><td class="bar">${bar(r.retainedBytes, heap)}</td></tr>`,
      )
      .join('\n')}\n</table></section>`,
  );

  sections.push(
    `<section class="card"><h2>By constructor</h2><table><tr><th>constructor</th><th class="num">count</th><th class="num">self</th><th class="num">retained</th><th>of the heap</th></tr>\n${report.constructors
      .slice(0, top)
      .map(
        (c) =>
          `<tr><td><span class="name">${escapeHtml(c.name)}</span></td><td class="num">${count(c.count)}</td><td class="num">${escapeHtml(bytes(c.selfBytes))}</td>` +
          `<td class="num">${escapeHtml(bytes(c.retainedBytes))}</td><td class="bar">${bar(c.retainedBytes, heap)}</td></tr>`,
      )
      .join('\n')}\n</table></section>`,
  );

  if (diff) {
    const max = Math.max(1, ...diff.details.slice(0, top).map((d) => Math.abs(d.netBytes)));
    const net = diff.after.bytes - diff.before.bytes;
    sections.push(
      `<section class="card"><h2>Diff ${escapeHtml(path.basename(diff.before.path))} → ${escapeHtml(path.basename(diff.after.path))}: ${escapeHtml(`${net >= 0 ? '+' : ''}${bytes(net)}`)}</h2>` +
        `<table><tr><th>what</th><th class="num">added</th><th class="num">removed</th><th class="num">net</th><th></th></tr>\n${diff.details
          .slice(0, top)
          .map(
            (d) =>
              `<tr><td><span class="name">${escapeHtml(d.what)}</span></td><td class="num">+${count(d.countAdded)} (${escapeHtml(bytes(d.bytesAdded))})</td>` +
              `<td class="num">-${count(d.countRemoved)} (${escapeHtml(bytes(d.bytesRemoved))})</td><td class="num">${escapeHtml(`${d.netBytes >= 0 ? '+' : ''}${bytes(d.netBytes)}`)}</td>` +
              `<td class="bar">${bar(d.netBytes, max, d.netBytes >= 0 ? 'grow' : 'shrink')}</td></tr>`,
          )
          .join('\n')}\n</table></section>`,
    );
  }

  return page({
    title: pageTitle,
    css: CSS,
    body: `<p class="sub">${escapeHtml(plural(report.snapshots.length, 'heap snapshot'))}; sizes are V8's self sizes, retained = what the object alone keeps alive (dominator tree, weak edges excluded).</p>
${verdict}
${sections.join('\n')}
<footer>Generated by <code>leakwatch analyze</code>. KB, MB, GB = 1024, 1024², 1024³ bytes.</footer>`,
  });
}

module.exports = { renderAnalyzeHtml };

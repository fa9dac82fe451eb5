'use strict';
// The page of `leakwatch report`: one self-contained HTML file (inline CSS and an inline SVG
// chart; no script, no external reference of any kind) showing the post-GC heap over time,
// the heap total, the post-GC floor, and for each leak episode its baseline, trend and the
// points where `leak` fired.

const path = require('node:path');
const { MB, mb, duration, clock, plural } = require('../format');
const { escapeHtml, page } = require('./html-page');

const W = 1100;
const H = 460;
const M = { left: 64, right: 24, top: 48, bottom: 46 };
// Trailing window of the post-GC floor, in full GCs.
const FLOOR_WINDOW = 8;
// Longer traces are drawn as min/max per bucket: ~2 points per pixel column is all a screen shows.
const MAX_POINTS = 4000;
const DOTS_UP_TO = 400;

const maxOf = (values) => values.reduce((a, b) => Math.max(b, a), -Infinity);
const minOf = (values) => values.reduce((a, b) => Math.min(b, a), Infinity);
const f1 = (x) => (Math.round(x * 10) / 10).toString();

function median(values) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The smallest "nice" step (1, 2, 2.5, 5 × 10^k) giving at most `count` intervals over `span`. */
function niceStep(span, count) {
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

const TIME_STEPS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];

function timeTicks(t0, t1) {
  const spanS = (t1 - t0) / 1000;
  const stepS = TIME_STEPS_S.find((s) => spanS / s <= 9) ?? TIME_STEPS_S[TIME_STEPS_S.length - 1];
  const ticks = [];
  for (let s = Math.ceil(t0 / 1000 / stepS) * stepS; s * 1000 <= t1; s += stepS) ticks.push(s * 1000);
  // m:ss below an hour, h:mm above (h:mm:ss when the steps are shorter than a minute).
  // Days for multi-day traces.
  if (stepS >= 86400) return { ticks, label: (t) => `${Math.round(t / 86400_000)}d`, unit: 'days' };
  const long = t1 >= 3600_000;
  const label = (t) => (long ? clock(t, { seconds: stepS < 60 }) : clock(t));
  return { ticks, label, unit: long ? (stepS < 60 ? 'h:mm:ss' : 'h:mm') : 'm:ss' };
}

/** Samples to draw: all of them, or min and max per bucket (in time order) for long traces. */
function decimate(samples, key) {
  const points = samples.filter((s) => s[key] !== null);
  if (points.length <= MAX_POINTS) return points;
  const buckets = MAX_POINTS / 2;
  const out = [];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * points.length) / buckets);
    const to = Math.floor(((b + 1) * points.length) / buckets);
    let lo = points[from];
    let hi = points[from];
    for (let i = from; i < to; i++) {
      if (points[i][key] < lo[key]) lo = points[i];
      if (points[i][key] > hi[key]) hi = points[i];
    }
    if (lo === hi) out.push(lo);
    else out.push(...(lo.t < hi.t ? [lo, hi] : [hi, lo]));
  }
  return out;
}

/** Running minimum of `used` over the last FLOOR_WINDOW samples. */
function trailingFloor(samples) {
  const out = [];
  const window = [];
  for (const s of samples) {
    window.push(s.used);
    if (window.length > FLOOR_WINDOW) window.shift();
    out.push({ t: s.t, used: Math.min(...window) });
  }
  return out;
}

/** The last report of each episode: its trend covers the whole episode so far. */
function episodes(reports) {
  const byEpisode = new Map();
  for (const r of reports) {
    const e = byEpisode.get(r.episode);
    if (!e) byEpisode.set(r.episode, { first: r, last: r, count: 1 });
    else Object.assign(e, { last: r, count: e.count + 1 });
  }
  return [...byEpisode.values()];
}

function stats(trace, reports) {
  const { samples } = trace;
  const used = samples.map((s) => s.used);
  const totals = samples.map((s) => s.total).filter((x) => x !== null);
  const pauses = samples.map((s) => s.pause).filter((x) => x !== null);
  const gaps = samples.slice(1).map((s, i) => s.t - samples[i].t);
  return {
    n: samples.length,
    first: samples[0],
    last: samples[samples.length - 1],
    span: samples[samples.length - 1].t - samples[0].t,
    minUsed: minOf(used),
    maxUsed: maxOf(used),
    maxTotal: totals.length ? maxOf(totals) : null,
    medianGap: gaps.length ? median(gaps) : null,
    medianPause: pauses.length ? median(pauses) : null,
    maxPause: pauses.length ? maxOf(pauses) : null,
    episodes: new Set(reports.map((r) => r.episode)).size,
  };
}

function chart(trace, reports) {
  const { samples } = trace;
  const t0 = Math.min(0, samples[0].t);
  const t1 = Math.max(samples[samples.length - 1].t, t0 + 1000);
  const top = Math.max(maxOf(samples.map((s) => Math.max(s.used, s.total ?? 0))), maxOf(reports.map((r) => r.startUsedHeapSize + r.growthBytes)), MB);
  const yStep = niceStep(top / MB, 6) * MB;
  const y1 = Math.ceil((top * 1.04) / yStep) * yStep;
  const px = (t) => M.left + ((t - t0) / (t1 - t0)) * (W - M.left - M.right);
  const py = (bytes) => H - M.bottom - (bytes / y1) * (H - M.top - M.bottom);
  const line = (points, key) => points.map((p, i) => `${i ? 'L' : 'M'}${f1(px(p.t))},${f1(py(p[key]))}`).join('');
  const stepLine = (points, key) =>
    `${points.map((p, i) => (i ? `H${f1(px(p.t))}V${f1(py(p[key]))}` : `M${f1(px(p.t))},${f1(py(p[key]))}`)).join('')}H${f1(px(t1))}`;

  const out = [];
  out.push(
    `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="Heap used after each full GC over time${reports.length ? `, with ${reports.length} leak reports` : ''}">`,
  );
  out.push(`<rect class="plot" x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}"/>`);

  // Grid and axes.
  out.push('<g class="grid">');
  for (let y = 0; y <= y1 + 1; y += yStep) {
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${f1(py(y))}" y2="${f1(py(y))}"/>`);
  }
  const time = timeTicks(t0, t1);
  for (const t of time.ticks) out.push(`<line x1="${f1(px(t))}" x2="${f1(px(t))}" y1="${M.top}" y2="${H - M.bottom}"/>`);
  out.push('</g><g class="axis y-axis">');
  const digits = yStep / MB < 1 ? 2 : yStep / MB < 10 && !Number.isInteger(yStep / MB) ? 1 : 0;
  for (let y = 0; y <= y1 + 1; y += yStep) out.push(`<text x="${M.left - 8}" y="${f1(py(y) + 4)}">${(y / MB).toFixed(digits)}</text>`);
  out.push(`<text class="axis-title" x="${M.left - 8}" y="${M.top - 12}">MB</text>`);
  out.push('</g><g class="axis x-axis">');
  for (const t of time.ticks) out.push(`<text x="${f1(px(t))}" y="${H - M.bottom + 18}">${time.label(t)}</text>`);
  out.push(`<text class="axis-title" x="${W - M.right}" y="${H - 6}">time since start (${time.unit})</text>`);
  out.push('</g>');

  // Leak episodes: shaded span, the floor before the growth, the trend.
  const eps = episodes(reports);
  for (const { first, last } of eps) {
    const from = Math.max(t0, Math.min(first.startT, last.startT));
    out.push(`<rect class="episode" x="${f1(px(from))}" y="${M.top}" width="${f1(Math.max(1, px(last.t) - px(from)))}" height="${H - M.top - M.bottom}"/>`);
  }

  // Heap total, heap used (area and line), post-GC floor.
  const totals = decimate(samples, 'total');
  if (totals.length) out.push(`<path class="total${totals.length < samples.length ? ' dense' : ''}" d="${line(totals, 'total')}"/>`);
  const used = decimate(samples, 'used');
  out.push(`<path class="used-area" d="${line(used, 'used')}L${f1(px(used[used.length - 1].t))},${f1(py(0))}L${f1(px(used[0].t))},${f1(py(0))}Z"/>`);
  out.push(`<path class="baseline" d="${stepLine(decimate(trailingFloor(samples), 'used'), 'used')}"/>`);
  for (const { last } of eps) {
    const from = { t: last.startT, y: last.startUsedHeapSize };
    const to = { t: last.t, y: last.startUsedHeapSize + last.growthBytes };
    out.push(
      `<line class="leak-baseline" x1="${f1(px(from.t))}" x2="${f1(px(to.t))}" y1="${f1(py(last.baselineBytes))}" y2="${f1(py(last.baselineBytes))}"><title>baseline before the growth: ${escapeHtml(mb(last.baselineBytes))}</title></line>`,
    );
    out.push(
      `<line class="trend" x1="${f1(px(from.t))}" y1="${f1(py(from.y))}" x2="${f1(px(to.t))}" y2="${f1(py(to.y))}"><title>${escapeHtml(`trend of episode ${last.episode}: ${mb(last.growthBytes)} in ${duration(last.durationMs)} (${mb(last.growthRateBytesPerMinute)}/min)`)}</title></line>`,
    );
  }

  out.push(`<path class="used" d="${line(used, 'used')}"/>`);
  if (samples.length <= DOTS_UP_TO) {
    out.push('<g class="samples">');
    for (const s of samples)
      out.push(
        `<circle cx="${f1(px(s.t))}" cy="${f1(py(s.used))}" r="2.6"><title>${escapeHtml(`${clock(s.t)}  ${mb(s.used)} used${s.total !== null ? ` of ${mb(s.total)}` : ''}`)}</title></circle>`,
      );
    out.push('</g>');
  }

  // Markers where `leak` fired, numbered as in the list under the chart.
  reports.forEach((r, i) => {
    const x = f1(px(r.t));
    const y = f1(py(r.endUsedHeapSize));
    out.push(
      `<g class="leak-marker"><title>${escapeHtml(`#${i + 1} at ${clock(r.t)}: ${r.reason}`)}</title>` +
        `<line x1="${x}" x2="${x}" y1="${M.top}" y2="${H - M.bottom}"/>` +
        `<circle cx="${x}" cy="${y}" r="9"/><text x="${x}" y="${f1(py(r.endUsedHeapSize) + 3.6)}">${i + 1}</text></g>`,
    );
  });

  // Legend.
  const items = [['used', 'heap used after GC']];
  if (totals.length) items.push(['total', 'heap total']);
  items.push(['baseline', `post-GC floor (min of last ${FLOOR_WINDOW} GCs)`]);
  if (reports.length) items.push(['trend', 'leak trend'], ['leak-baseline', 'baseline before growth'], ['marker', 'leak reported']);
  let lx = M.left;
  out.push('<g class="legend">');
  for (const [kind, text] of items) {
    const sample =
      kind === 'marker'
        ? `<circle class="legend-marker" cx="${lx + 11}" cy="22" r="6"/>`
        : `<line class="legend-line ${kind}" x1="${lx}" x2="${lx + 22}" y1="22" y2="22"/>`;
    out.push(`${sample}<text x="${lx + 28}" y="26">${escapeHtml(text)}</text>`);
    lx += 28 + text.length * 6.7 + 22;
  }
  out.push('</g></svg>');
  return out.join('\n');
}

const CSS = `
:root { color-scheme: light; --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --used: #2563eb; --total: #94a3b8; --floor: #475569; --leak: #dc2626; }
* { box-sizing: border-box; }
body { margin: 0; background: #f8fafc; color: var(--ink); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1160px; margin: 0 auto; padding: 20px 24px 32px; }
h1 { font-size: 20px; margin: 0 0 2px; }
h2 { font-size: 15px; margin: 0 0 8px; }
.sub { color: var(--muted); margin: 0 0 12px; }
.verdict { border-radius: 6px; padding: 8px 12px; margin: 0 0 12px; font-weight: 600; }
.verdict.leak { background: #fef2f2; color: #991b1b; border: 1px solid #fecaca; }
.verdict.ok { background: #f0fdf4; color: #166534; border: 1px solid #bbf7d0; }
figure { margin: 0 0 16px; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
svg.chart { display: block; width: 100%; height: auto; font-size: 12px; }
.plot { fill: #fff; }
.grid line { stroke: var(--line); stroke-width: 1; }
.axis text { fill: var(--muted); }
.y-axis text { text-anchor: end; }
.x-axis text { text-anchor: middle; }
.x-axis .axis-title { text-anchor: end; }
.episode { fill: #fee2e2; opacity: 0.55; }
path.total, line.total { fill: none; stroke: var(--total); stroke-width: 1.5; stroke-dasharray: 2 3; }
path.total.dense { stroke-dasharray: none; stroke-width: 1; }
.used-area { fill: var(--used); opacity: 0.07; }
path.used, line.used { fill: none; stroke: var(--used); stroke-width: 2.2; stroke-linejoin: round; }
.samples circle { fill: var(--used); }
path.baseline, line.baseline { fill: none; stroke: var(--floor); stroke-width: 1.5; stroke-dasharray: 6 4; }
line.trend { stroke: var(--leak); stroke-width: 3; stroke-linecap: round; opacity: 0.55; }
line.leak-baseline { stroke: var(--leak); stroke-width: 1.5; stroke-dasharray: 1 4; stroke-linecap: round; }
.leak-marker line { stroke: var(--leak); stroke-width: 1; stroke-dasharray: 3 3; opacity: 0.6; }
.leak-marker circle, .legend-marker { fill: var(--leak); stroke: #fff; stroke-width: 2; }
.leak-marker text { fill: #fff; font-size: 11px; font-weight: 700; text-anchor: middle; }
.legend text { fill: var(--ink); }
.columns { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 16px; }
section.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 3px 8px 3px 0; vertical-align: top; border-bottom: 1px solid #f1f5f9; }
th { color: var(--muted); font-weight: 500; white-space: nowrap; }
ol.leaks { margin: 0; padding-left: 22px; }
ol.leaks li { margin: 0 0 6px; }
.when { font-variant-numeric: tabular-nums; font-weight: 600; }
.detail { color: var(--muted); }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
footer { color: var(--muted); font-size: 12px; margin-top: 14px; }
`;

/**
 * The report page. `reports`: leak reports in trace time (`t`, `startT`, and the report
 * fields); `source`: how they were obtained, one line for the reader.
 */
function renderHtml({ title, trace, reports, source }) {
  const s = stats(trace, reports);
  const name = path.basename(trace.file);
  const rows = [
    ['Trace', `<code>${escapeHtml(name)}</code>`],
    ...(s.first.ts !== null
      ? [
          [
            'Recorded',
            escapeHtml(
              `${new Date(s.first.ts - s.first.t)
                .toISOString()
                .replace('T', ' ')
                .replace(/\.\d+Z$/, ' UTC')} (process start)`,
            ),
          ],
        ]
      : []),
    ['Samples', `${plural(s.n, 'full GC')}${s.medianGap !== null ? `, one every ${escapeHtml(duration(s.medianGap))} (median)` : ''}`],
    ['Duration', escapeHtml(`${duration(s.span)} (${clock(s.first.t)} to ${clock(s.last.t)})`)],
    ['Heap used after GC', escapeHtml(`${mb(s.first.used)} at the start, ${mb(s.last.used)} at the end`)],
    ['Min / max used', escapeHtml(`${mb(s.minUsed)} / ${mb(s.maxUsed)}`)],
    ...(s.maxTotal !== null ? [['Max heap total', escapeHtml(mb(s.maxTotal))]] : []),
    ...(s.medianPause !== null ? [['GC pause', escapeHtml(`${s.medianPause.toFixed(1)} ms median, ${s.maxPause.toFixed(1)} ms max`)]] : []),
    ['Leak reports', reports.length ? `${reports.length} in ${plural(s.episodes, 'episode')}` : 'none'],
    ['Detector', escapeHtml(source)],
  ];
  const verdict = reports.length
    ? `<p class="verdict leak">Leak: ${plural(reports.length, 'report')}, first at ${escapeHtml(clock(reports[0].t))}. Latest: ${escapeHtml(reports[reports.length - 1].reason)}</p>`
    : '<p class="verdict ok">No leak reported: the post-GC heap floor did not show sustained growth.</p>';
  const list = reports.length
    ? `<ol class="leaks">${reports
        .map(
          (r) =>
            `<li><span class="when">${escapeHtml(clock(r.t))}</span> ${escapeHtml(r.reason)}<br><span class="detail">episode ${r.episode}${r.repeat ? `, re-alert ${r.repeat}` : ''}; ` +
            `${escapeHtml(mb(r.startUsedHeapSize))} → ${escapeHtml(mb(r.endUsedHeapSize))}, baseline ${escapeHtml(mb(r.baselineBytes))}; confidence ${escapeHtml(r.confidence >= 0.9999 ? '≥ 99.99' : (r.confidence * 100).toFixed(2))}%</span></li>`,
        )
        .join('\n')}</ol>`
    : '<p class="detail">None. The detector saw no sustained growth of the post-GC heap.</p>';

  return page({
    title,
    css: CSS,
    body: `<p class="sub">Post-GC heap of <code>${escapeHtml(name)}</code>: ${plural(s.n, 'full GC')} over ${escapeHtml(duration(s.span))}. Hover the points and markers for details.</p>
${verdict}
<figure>
${chart(trace, reports)}
</figure>
<div class="columns">
<section class="card"><h2>Summary</h2><table>
${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('\n')}
</table></section>
<section class="card"><h2>Leak reports</h2>
${list}
</section>
</div>
<footer>Generated by <code>leakwatch report</code>. Heap sizes are V8's used_heap_size right after each full GC; MB = 1024² bytes.</footer>`,
  });
}

module.exports = { renderHtml };

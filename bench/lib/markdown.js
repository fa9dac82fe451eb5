'use strict';
// Markdown building blocks of the benchmark reports: a table, and the cell texts for numbers
// (fixed decimals, percentages, nanoseconds, median [IQR]). Non-finite numbers print as "–".

const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f3 = (x) => (Number.isFinite(x) ? x.toFixed(3) : '–');
const pct = (x) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : '–');
const ns = (x) => {
  if (!Number.isFinite(x)) return '–';
  if (Math.abs(x) >= 1e6) return `${(x / 1e6).toFixed(1)} ms`;
  if (Math.abs(x) >= 10_000) return `${(x / 1000).toFixed(0)} µs`;
  if (Math.abs(x) >= 1000) return `${(x / 1000).toFixed(1)} µs`;
  return `${x.toFixed(0)} ns`;
};
// Signed, in ns or µs: for differences.
const signed = (x) => (Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${ns(Math.abs(x))}` : '–');
const table = (header, rows) => [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const iqr3 = (s) => `${f3(s.median)} [${f3(s.p25)}, ${f3(s.p75)}]`;
const iqrSigned = (s) => `${signed(s.median)} [${signed(s.p25)}, ${signed(s.p75)}]`;
const iqrNs = (s) => `${ns(s.median)} [${ns(s.p25)}, ${ns(s.p75)}]`;

const verdict = (x, goal) => (Number.isFinite(x) ? (x <= goal ? 'met' : `NOT met (${(x / goal).toFixed(1)}× the goal)`) : '–');

module.exports = { f0, f1, f3, pct, ns, signed, table, iqr3, iqrSigned, iqrNs, verdict };

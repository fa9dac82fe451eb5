'use strict';
// Sizes and durations for humans: the one JS owner (the CLI's text and HTML report, evidence
// skip reasons, leakwatch/register's log lines, the demo). One convention, the Rust core's
// (crates/core, which writes the leak reasons) and memwatch's: 1 MB = 1024² bytes, labelled
// "MB". bytes() and duration() print exactly what the Rust reasons print for the same values.

const KB = 1024;
const MB = 1024 * 1024;

/** `value` with `digits` decimals, as Rust's `{:.N}` writes it: an exact tie rounds to the
 * even digit (Rust: 1.25 → "1.2"; JS's toFixed: "1.3"), so both sides print the same text. */
function fixed(value, digits) {
  const text = value.toFixed(digits);
  if (!(Math.abs(value) < 1e21)) return text;
  // toFixed is exact: a tie is a 5 followed by zeros only in the value's full expansion.
  const [whole, frac = ''] = Math.abs(value).toFixed(100).split('.');
  if (frac[digits] !== '5' || !/^0*$/.test(frac.slice(digits + 1))) return text;
  const kept = whole + frac.slice(0, digits);
  if (Number(kept[kept.length - 1]) % 2 === 1) return text;
  const sign = value < 0 ? '-' : '';
  return digits === 0 ? `${sign}${whole}` : `${sign}${whole}.${frac.slice(0, digits)}`;
}

/** Bytes as MB, `digits` decimals: "35.2 MB" (a fixed unit, for columns and log lines). */
const mb = (bytes, digits = 1) => `${fixed(bytes / MB, digits)} MB`;

/** Bytes in the unit that fits, one decimal, as the leak reasons write them: "512 B",
 * "1.5 KB", "48.2 MB", "-3.0 MB", "4.7 GB"; "?" when not finite. */
function bytes(n) {
  if (!Number.isFinite(n)) return '?';
  const sign = n < 0 ? '-' : '';
  let value = Math.abs(n);
  if (value < KB) return `${sign}${fixed(value, 0)} B`;
  const units = ['KB', 'MB', 'GB', 'TB', 'PB'];
  value /= KB;
  let unit = 0;
  while (value >= KB && unit + 1 < units.length) {
    value /= KB;
    unit++;
  }
  return `${sign}${fixed(value, 1)} ${units[unit]}`;
}

/** A duration as the leak reasons write it: "850ms", "41s", "3m12s", "1h05m", "3d04h" (whole
 * seconds, then the two largest units, truncated); "?" when not finite. */
function duration(ms) {
  if (!Number.isFinite(ms)) return '?';
  const sign = ms < 0 ? '-' : '';
  ms = Math.abs(ms);
  if (ms < 1000) return `${sign}${fixed(ms, 0)}ms`;
  // Rust's f64::round: halves away from zero, as Math.round for these non-negative values.
  const secs = Math.round(ms / 1000);
  const [d, h, m, s] = [Math.floor(secs / 86_400), Math.floor(secs / 3600) % 24, Math.floor(secs / 60) % 60, secs % 60];
  const two = (n) => String(n).padStart(2, '0');
  if (d > 0) return `${sign}${d}d${two(h)}h`;
  if (h > 0) return `${sign}${h}h${two(m)}m`;
  if (m > 0) return `${sign}${m}m${two(s)}s`;
  return `${sign}${s}s`;
}

/** A time since the start as a clock: "3:07" (m:ss) below an hour, "1:05:00" above. */
function clock(ms, { seconds = true } = {}) {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  if (h === 0) return `${m}:${ss}`;
  return seconds ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${h}:${String(m).padStart(2, '0')}`;
}

/** "1 full GC", "2 full GCs". */
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

module.exports = { MB, bytes, clock, duration, mb, plural };

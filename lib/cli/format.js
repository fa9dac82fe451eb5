'use strict';
// Units for humans, shared by the CLI's text output and the HTML report.

const MB = 1024 * 1024;

/** Bytes as MB (1024², as in leak reasons): "35.2 MB". */
const mb = (bytes, digits = 1) => `${(bytes / MB).toFixed(digits)} MB`;

/** A duration as the leak reasons write it: "850ms", "41s", "3m12s", "1h05m" (and "3d04h"). */
function duration(ms) {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  const m = Math.round(s / 60);
  if (m >= 48 * 60) {
    const h = Math.round(m / 60);
    return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
  }
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
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

module.exports = { MB, mb, duration, clock, plural };

'use strict';
// Progress lines on stderr for work that can take a while (replaying a day-long trace): silent
// for the first seconds, then one line every `everyMs`, so short runs print nothing.

function progress(label, { quiet = false, stream = process.stderr, everyMs = 2000 } = {}) {
  const started = Date.now();
  let last = started;
  return {
    tick(done, total) {
      if (quiet || (done & 1023) !== 0) return;
      const now = Date.now();
      if (now - last < everyMs || now - started < everyMs) return;
      last = now;
      stream.write(`leakwatch ${label}: ${done}/${total} samples (${Math.floor((100 * done) / total)}%)\n`);
    },
  };
}

module.exports = { progress };

'use strict';
// Workload 2: a service-like workload, so that objects get promoted and full GCs happen.
//
// Simulated request handling: each "request" arrives as a JSON body (JSON.parse), is turned
// into a handful of domain objects, a response object is built and serialised
// (JSON.stringify), and the response is kept in a "recent responses" ring (think: a response
// cache / access log that keeps the last few seconds of traffic). Old entries are replaced as
// new ones arrive, so survivors are promoted to the old generation and later die there, which
// is what makes V8 run incremental marking and full mark-sweep-compact GCs.
//
// Why count-based retention, not time-based: the amount of work and the heap shape must be
// the same in every variant, or CPU times would not compare. RETAINED = 3 s × ~2,000 req/s.
//
// Why batches + setImmediate: a server handles a few requests per event-loop turn; yielding
// lets leakwatch's deliveries run at realistic points (see workloads/scavenge.js).

const RETAINED = 6_000;
const PER_TURN = 16;
const USERS = ['ada', 'grace', 'linus', 'ken', 'barbara', 'edsger', 'margaret', 'dennis'];

function makeRequestBody(i) {
  // What a client would send; built as a string so the handler has to parse it.
  return JSON.stringify({
    id: i,
    user: USERS[i % USERS.length],
    path: `/api/orders/${i % 997}`,
    items: Array.from({ length: 4 + (i % 8) }, (_, k) => ({ sku: `SKU-${(i * 31 + k) % 5000}`, qty: 1 + (k % 3), price: 9.99 + k })),
  });
}

function handle(body, i) {
  const req = JSON.parse(body);
  let total = 0;
  const lines = req.items.map((it) => {
    const amount = Math.round(it.qty * it.price * 100) / 100;
    total += amount;
    return { sku: it.sku, qty: it.qty, amount, label: `${it.qty} × ${it.sku}` };
  });
  const response = {
    status: 200,
    requestId: req.id,
    user: { name: req.user, greeting: `hello ${req.user}` },
    headers: { 'content-type': 'application/json', 'x-request-id': String(req.id), date: 1700000000000 + i },
    body: { path: req.path, lines, total: Math.round(total * 100) / 100, count: lines.length },
  };
  const payload = JSON.stringify(response);
  return { req, response, payload, bytes: payload.length };
}

/** Handles `requests` (scaled) simulated requests; resolves with a checksum. */
function run(scale) {
  const requests = Math.round(40_000 * scale);
  const recent = new Array(RETAINED).fill(null);
  let done = 0;
  let checksum = 0;
  return new Promise((resolve) => {
    function turn() {
      const end = Math.min(done + PER_TURN, requests);
      for (let i = done; i < end; i++) {
        const r = handle(makeRequestBody(i), i);
        recent[i % RETAINED] = r;
        checksum = (checksum + r.bytes) | 0;
      }
      done = end;
      if (done < requests) setImmediate(turn);
      else resolve(checksum);
    }
    turn();
  });
}

module.exports = { name: 'service', describe: 'simulated request handling, 3 s of responses kept', run };

#!/usr/bin/env node
'use strict';
// A small service with a deliberate leak, watched by leakwatch.
//
// It serves ~4000 simulated requests/s (parse, build a response, JSON round-trip) and its
// handler "memoizes" one response in 11 by request id in a Map that is never read or
// evicted: ~30 MB/min of retained heap. leakwatch prints one line per full GC and raises
// `leak` once the growth is sustained, with what grew, what holds it, and where it was
// allocated. Stops on its own after the alert (or after DEMO_SECONDS, default 180).
// `npm run demo` runs it with V8's --optimize-for-size, which favours memory over speed and
// so runs full GCs every second or two. Without it, V8 on a machine with plenty of free memory
// may run a full GC only every 15-20 s (Node 22+), and the alert comes after 16 of them.

const leakwatch = require('..');

const started = Date.now();
const seconds = () => ((Date.now() - started) / 1000).toFixed(1).padStart(6);
const { bytes, mb } = require('../lib/format'); // 1 MB = 1024² bytes, as in the leak reasons
const limitS = Number(process.env.DEMO_SECONDS || 180);

// What grew and what holds it, in the report: a compact heap picture when the detector starts
// to suspect the episode, another at the alert (each a short pause of this small heap). And
// where it was allocated: V8's sampling heap profiler, from the suspicion to the alert.
leakwatch.configure({ diffOnLeak: true, allocationSites: true });

leakwatch.on('stats', (s) => {
  console.log(
    `[${seconds()}s] ${s.gcType.padEnd(18)} heap ${mb(s.usedHeapSize).padStart(9)} used of ` +
      `${mb(s.totalHeapSize).padStart(9)}   pause ${s.pauseMs.toFixed(1).padStart(5)} ms   ` +
      `full GCs ${s.gcCount.markSweepCompact}, leakwatch's own time ${s.selfTimeMs.toFixed(3)} ms`,
  );
});

leakwatch.on('leak', (report) => {
  console.log(`\n[${seconds()}s] LEAK: ${report.reason}`);
  for (const g of report.topGrowth ?? []) {
    console.log(`  grew: ${g.what.padEnd(24)} +${g.addedCount} objects, ${bytes(g.netBytes)} net`);
  }
  if (report.retainerPaths?.[0]) console.log(`  held by: ${report.retainerPaths[0]}`);
  if (report.diffSkipped) console.log(`  (no diff: ${report.diffSkipped})`);
  for (const site of report.allocationSites ?? []) {
    console.log(`  allocated: ${bytes(site.bytes)} ± ${bytes(site.bytesError)} (${site.samples} samples) in ${site.stack}`);
  }
  if (report.allocationSitesSkipped) console.log(`  (no allocation sites: ${report.allocationSitesSkipped})`);
  if (report.culprit) console.log(`  culprit: ${report.culprit}`);
  console.log(JSON.stringify(report, null, 2));
  console.log('\nleakwatch caught the leak; stopping the demo.');
  clearInterval(ticker);
});

// --- the "service" -------------------------------------------------------------------
const RPS = 4000; // simulated requests per second, served in 20 ms ticks
const responseCache = new Map(); // the leak: written by handle(), never read or evicted
const MEMOIZE_EVERY = 11; // one ~1.3 KB response in 11 memoized: ~30 MB/min at 4000 requests/s
const inFlight = new Array(RPS * 3).fill(null); // the last ~3 s of responses stay alive
let nextId = 0;
const stats = { served: 0, rejected: 0, notFound: 0, bytes: 0 };
const NOTE = 'response padding '.repeat(40);

// A request handler of the size real ones have. Its size matters to the demo: V8's sampling
// heap profiler names the function that allocated, and a function V8 inlines into its caller
// disappears into it (TurboFan and Maglev inline up to 460 bytes of bytecode; this one is ~730).
function handle(url) {
  const id = nextId++;
  const u = new URL(url, 'http://localhost');
  const user = u.searchParams.get('user');
  const page = Number(u.searchParams.get('page') ?? 0);
  const headers = { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-request-id': String(id) };
  if (!user || !/^u\d+$/.test(user) || !Number.isInteger(page) || page < 0) {
    stats.rejected++;
    inFlight[id % inFlight.length] = { id, status: 400, headers, body: '{"error":"bad request"}' };
    return id;
  }
  if (u.pathname !== '/cart') {
    stats.notFound++;
    inFlight[id % inFlight.length] = { id, status: 404, headers, body: '{"error":"not found"}' };
    return id;
  }
  const items = [];
  let total = 0;
  for (let i = 0; i < 12; i++) {
    const price = Math.round((i * 3.5 + page * 0.25) * 100) / 100;
    total += price;
    items.push({ id: `${user}-${i}`, price, tags: ['a', 'b', String(i)] });
  }
  // JSON.stringify makes one flat ~1.3 KB string (a concatenation would be a cheap rope).
  const body = JSON.stringify({ path: u.pathname, page, items, total, at: Date.now(), note: NOTE });
  let etag = 0;
  for (let i = 0; i < body.length; i += 16) etag = (etag * 31 + body.charCodeAt(i)) | 0;
  headers.etag = `"${(etag >>> 0).toString(16)}"`;
  headers['content-length'] = String(body.length);
  stats.served++;
  stats.bytes += body.length;
  inFlight[id % inFlight.length] = { id, status: 200, headers, body, first: JSON.parse(body).items[0] };
  // The leak: "memoize" the response under an id that never repeats.
  if (id % MEMOIZE_EVERY === 0) responseCache.set(id, body);
  return id;
}

const ticker = setInterval(() => {
  for (let i = 0; i < (RPS * 20) / 1000; i++) handle(`/cart?user=u${nextId % 5000}&page=${i}`);
  const now = Date.now();
  if (now - started > limitS * 1000) {
    console.log(`\nno leak alert within ${limitS} s; stopping.`);
    clearInterval(ticker);
  }
}, 20);

console.log(`leaky service started (pid ${process.pid}); one line per full GC, Ctrl-C to stop.\n`);

'use strict';
// The page of `leakwatch report` rendered by a real browser: headless Chromium (Debian's
// `chromium` package at /usr/bin/chromium; skipped with a note when absent) takes a screenshot,
// and the PNG must show a chart: the right size, many colours, the heap line's blue and the
// leak markers' red. Network access is blocked (the page must not need any).
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const { ROOT } = require('./helpers');

const CHROMIUM = '/usr/bin/chromium';
const BIN = path.join(ROOT, 'bin', 'leakwatch.js');
const TRACE = path.join(__dirname, 'data', 'eval-traces', 'leak-after-warmup-x3.jsonl');
const WIDTH = 1200;
const HEIGHT = 800;

/** Decodes an 8-bit, non-interlaced RGB or RGBA PNG into { width, height, channels, pixels }. */
function decodePng(buffer) {
  assert.equal(buffer.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'PNG signature');
  let offset = 8;
  let header;
  const idat = [];
  while (offset < buffer.length) {
    const length = buffer.readUInt32BE(offset);
    const type = buffer.toString('latin1', offset + 4, offset + 8);
    const data = buffer.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      header = { width: data.readUInt32BE(0), height: data.readUInt32BE(4), depth: data[8], colorType: data[9], interlace: data[12] };
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    offset += 12 + length;
  }
  assert.ok(header, 'IHDR chunk');
  assert.equal(header.depth, 8, 'bit depth');
  assert.equal(header.interlace, 0, 'not interlaced');
  const channels = { 2: 3, 6: 4 }[header.colorType];
  assert.ok(channels, `colour type ${header.colorType} is RGB or RGBA`);
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = header.width * channels;
  const pixels = Buffer.alloc(stride * header.height);
  for (let y = 0; y < header.height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = pixels.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : Buffer.alloc(stride);
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? out[x - channels] : 0;
      const b = up[x];
      const c = x >= channels ? up[x - channels] : 0;
      let predictor = 0;
      if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      out[x] = (line[x] + predictor) & 0xff;
    }
  }
  return { width: header.width, height: header.height, channels, pixels };
}

function screenshot(html, png, profile) {
  return new Promise((resolve) => {
    const args = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--hide-scrollbars',
      // Any network request would fail: the page must not need one.
      '--host-resolver-rules=MAP * ~NOTFOUND',
      `--user-data-dir=${profile}`,
      `--screenshot=${png}`,
      `--window-size=${WIDTH},${HEIGHT}`,
      `file://${html}`,
    ];
    const child = spawn(CHROMIUM, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

/** A trace that leaks after a flat start, for machines without the public traces. */
function syntheticTrace(file) {
  let text = '';
  for (let t = 2000, i = 0; t <= 480_000; t += 6000, i++) {
    const used = Math.round(20 * 1048576 + Math.max(0, t - 90_000) * 200 + ((i * 7919) % 13) * 150_000);
    text += `${JSON.stringify({ t, used, total: Math.round(used * 1.6) })}\n`;
  }
  fs.writeFileSync(file, text);
}

/**
 * Renders `html` in headless Chromium at WIDTH × HEIGHT and counts its pixels: distinct colours,
 * and those near the pages' blue (#2563eb) and red (#dc2626).
 */
async function renderAndCount(html, dir) {
  const png = path.join(dir, `${path.basename(html, '.html')}.png`);
  const run = await screenshot(html, png, path.join(dir, 'profile'));
  assert.ok(fs.existsSync(png), `chromium wrote the screenshot (exit ${run.code} ${run.signal ?? ''}):\n${run.output}`);
  const image = decodePng(fs.readFileSync(png));
  assert.equal(image.width, WIDTH);
  assert.equal(image.height, HEIGHT);
  const colours = new Set();
  let blue = 0;
  let red = 0;
  const near = (r, g, b, [R, G, B]) => Math.abs(r - R) + Math.abs(g - G) + Math.abs(b - B) < 40;
  for (let i = 0; i < image.pixels.length; i += image.channels) {
    const [r, g, b] = [image.pixels[i], image.pixels[i + 1], image.pixels[i + 2]];
    colours.add((r << 16) | (g << 8) | b);
    if (near(r, g, b, [0x25, 0x63, 0xeb])) blue++;
    if (near(r, g, b, [0xdc, 0x26, 0x26])) red++;
  }
  return { colours: colours.size, blue, red };
}

test('headless Chromium renders the report page as a chart with the heap line and leak markers', {
  skip: !fs.existsSync(CHROMIUM) && `${CHROMIUM} not found (Debian: apt-get install chromium)`,
  timeout: 60_000,
}, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-browser-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  let trace = TRACE;
  if (!fs.existsSync(trace)) {
    trace = path.join(dir, 'synthetic.jsonl');
    syntheticTrace(trace);
  }
  const html = path.join(dir, 'report.html');
  execFileSync(process.execPath, [BIN, 'report', trace, '-o', html, '--quiet']);
  const markers = fs.readFileSync(html, 'utf8').split('<g class="leak-marker">').length - 1;
  assert.ok(markers >= 1, 'the trace has a leak to mark');

  const { colours, blue: heapBlue, red: leakRed } = await renderAndCount(html, dir);
  t.diagnostic(`${colours} colours, ${heapBlue} heap-line pixels, ${leakRed} leak-red pixels`);
  assert.ok(colours >= 200, `a rendered page, not a blank one (${colours} distinct colours)`);
  assert.ok(heapBlue >= 1000, `the heap line is drawn (${heapBlue} pixels of its blue)`);
  assert.ok(leakRed >= 150 * markers, `the leak markers are drawn (${leakRed} pixels of their red)`);
});

test('headless Chromium renders the page of `leakwatch analyze -o` with its leak cluster and size bars', {
  skip: !fs.existsSync(CHROMIUM) && `${CHROMIUM} not found (Debian: apt-get install chromium)`,
  timeout: 90_000,
}, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-browser-analyze-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  // Real snapshots around a real leak (LeakyThings in the global Map `leaks`).
  execFileSync(process.execPath, [path.join(__dirname, 'fixtures', 'analyze-snapshots.js'), dir]);
  const html = path.join(dir, 'analysis.html');
  const snapshots = ['baseline', 'target', 'final'].map((n) => path.join(dir, `${n}.heapsnapshot`));
  execFileSync(process.execPath, [BIN, 'analyze', ...snapshots, '-o', html, '--quiet', '--top', '8']);
  const page = fs.readFileSync(html, 'utf8');
  assert.match(page, /<p class="verdict leak">Leak: /);
  assert.match(page, /<span class="name">LeakyThing<\/span> ×/);

  const { colours, blue: barBlue, red: leakRed } = await renderAndCount(html, dir);
  t.diagnostic(`${colours} colours, ${barBlue} retained-bar pixels, ${leakRed} leak-bar pixels`);
  assert.ok(colours >= 100, `a rendered page, not a blank one (${colours} distinct colours)`);
  // The first cluster's bar is the full width of its card (~1000 × 12 px).
  assert.ok(leakRed >= 5000, `the leak cluster's bar is drawn (${leakRed} pixels of its red)`);
  assert.ok(barBlue >= 500, `the retained-size bars are drawn (${barBlue} pixels of their blue)`);
});

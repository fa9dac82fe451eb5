'use strict';
// The payload and option tables of the docs and the TSDoc'd type declarations describe the same
// fields with the same defaults: a field added to one and not the other, or a default changed in
// one only, fails here, naming it. A table says which
// interface it documents with a marker on the line before it, `<!-- dts: leakwatch#GcStats -->`
// (a package subpath, resolved through package.json's `types`/`exports` like TypeScript does,
// so the test follows the declarations when they move). Every event of the events map needs such
// a table for its payload, and so do the options of `configure` and of the detector. Also:
// every `ERR_LEAKWATCH_*` code the sources use is in docs/api.md's error table, and every
// relative link and #anchor of README.md, CONTRIBUTING.md and docs/ resolves.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const rel = (file) => path.relative(ROOT, file);

// ---- the declarations ----------------------------------------------------------------------

/** The .d.ts of a package subpath ('leakwatch', 'leakwatch/otel'), as TypeScript resolves it. */
function declarationsOf(specifier) {
  const sub = specifier === PKG.name ? '.' : `.${specifier.slice(PKG.name.length)}`;
  const typesIn = (entry) => {
    if (typeof entry === 'string') return entry.endsWith('.d.ts') ? entry : null;
    if (!entry || typeof entry !== 'object') return null;
    if (typeof entry.types === 'string') return entry.types;
    for (const value of Object.values(entry)) {
      const found = typesIn(value);
      if (found) return found;
    }
    return null;
  };
  const file = typesIn(PKG.exports?.[sub]) || (sub === '.' ? PKG.types || PKG.typings : null);
  assert.ok(file, `package.json names no types for ${specifier}`);
  return path.join(ROOT, file);
}

/** The text with comments blanked out, same length (string literals in .d.ts code hold no comment markers). */
function maskComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (c) => c.replace(/[^\n]/g, ' '));
}

/**
 * The members of `interface name` in `file`, with those of the interfaces it extends: a Map
 * from member name to its TSDoc text (leading `*` and line breaks folded into spaces).
 */
function interfaceMembers(file, name, seen = new Set()) {
  const raw = fs.readFileSync(file, 'utf8');
  const code = maskComments(raw);
  const head = new RegExp(`\\binterface\\s+${name}\\b([^{]*)\\{`).exec(code);
  assert.ok(head, `interface ${name} not found in ${rel(file)}`);
  // The body with everything below depth 0 blanked: nested object types and parameter lists
  // are not members. Same length as `code`, so an index is an index into `raw`.
  const start = head.index + head[0].length;
  let depth = 0;
  let end = start;
  let top = '';
  for (; end < code.length; end++) {
    const c = code[end];
    if (c === '}' && depth === 0) break;
    if ('{([<'.includes(c)) depth++;
    else if ('})]'.includes(c) || (c === '>' && code[end - 1] !== '=')) depth--;
    top += depth === 0 && !'})]>'.includes(c) ? c : ' ';
  }
  const members = new Map();
  let previous = start;
  for (const m of top.matchAll(/(?:^|[;\n,])(\s*)(?:readonly\s+)?([A-Za-z_$][\w$]*)\??\s*:/g)) {
    const at = start + m.index + m[0].search(/[A-Za-z_$]/);
    const docs = raw.slice(previous, at).match(/\/\*\*[\s\S]*?\*\//g);
    const doc = docs ? docs[docs.length - 1].replace(/^\/\*\*|\*\/$/g, '').replace(/\n\s*\*?/g, ' ') : '';
    members.set(m[2], doc.replace(/\s+/g, ' ').trim());
    previous = at;
  }
  seen.add(name);
  const parents = /\bextends\s+([^{]+)/.exec(head[1]);
  for (const parent of parents ? parents[1].split(',') : []) {
    const base = parent.trim().replace(/<.*$/, '').replace(/^.*\./, '');
    if (!seen.has(base) && new RegExp(`\\binterface\\s+${base}\\b`).test(code)) {
      for (const [f, doc] of interfaceMembers(file, base, seen)) members.set(f, doc);
    }
  }
  return members;
}

/** The interfaces the docs must have a table for: every event payload and both option sets. */
function requiredInterfaces() {
  const file = declarationsOf(PKG.name);
  const code = maskComments(fs.readFileSync(file, 'utf8'));
  const typeName = (t) => t.replace(/^.*\./, '');
  const events = [...code.matchAll(/\b([A-Za-z]\w*)\s*:\s*\[\s*\w+\s*:\s*([\w.]+)\s*\]/g)].map((m) => ({
    what: `the payload of the '${m[1]}' event`,
    name: typeName(m[2]),
  }));
  assert.ok(events.length >= 2, `no events map (e.g. \`stats: [stats: GcStats]\`) found in ${rel(file)}`);
  const configure = /\bconfigure\s*\(\s*\w+\??\s*:\s*([\w.]+)/.exec(code);
  assert.ok(configure, `no configure(options: T) found in ${rel(file)}`);
  const options = typeName(configure[1]);
  const start = code.search(new RegExp(`\\binterface\\s+${options}\\b`));
  const detector = start >= 0 && /(?:^|[;\n{])\s*leak\??\s*:\s*([\w.]+)/.exec(code.slice(start));
  assert.ok(detector, `no \`leak?: T\` option found in interface ${options} of ${rel(file)}`);
  return [
    ...events,
    { what: 'the options of configure()', name: options },
    { what: 'the detector options (configure({ leak }), new LeakDetector())', name: typeName(detector[1]) },
  ];
}

// ---- the docs ------------------------------------------------------------------------------

const DOCS = [
  path.join(ROOT, 'README.md'),
  path.join(ROOT, 'CONTRIBUTING.md'),
  ...fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.join(ROOT, 'docs', f)),
].filter((f) => fs.existsSync(f));

/** Markdown table cells of one row (`\|` inside a cell is not a separator). */
const cells = (row) =>
  row
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());

/** Every `<!-- dts: pkg#Interface -->` table: where it is, the names of its first column, and
 * the cell of its "default" column (if any) per row that names one field. */
function markedTables() {
  const tables = [];
  for (const file of DOCS) {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, n) => {
      const marker = /^\s*<!--\s*dts:\s*([^#\s]+)#(\w+)\s*-->\s*$/.exec(line);
      if (!marker) return;
      let i = n + 1;
      while (i < lines.length && lines[i].trim() === '') i++;
      const rows = [];
      for (; i < lines.length && lines[i].trim().startsWith('|'); i++) rows.push(lines[i]);
      assert.ok(rows.length > 2, `${rel(file)}:${n + 1}: the marker for ${marker[2]} is not followed by a table`);
      const names = new Set();
      const defaults = new Map();
      const defaultColumn = cells(rows[0]).findIndex((c) => c.toLowerCase() === 'default');
      for (const row of rows.slice(2)) {
        const named = [...cells(row)[0].matchAll(/`([A-Za-z_$][\w$]*)`/g)].map((m) => m[1]);
        for (const name of named) names.add(name);
        if (defaultColumn > 0 && named.length === 1) defaults.set(named[0], cells(row)[defaultColumn]);
      }
      tables.push({ where: `${rel(file)}:${n + 1}`, specifier: marker[1], name: marker[2], names, defaults });
    });
  }
  return tables;
}

test('every marked docs table has exactly the fields of its interface in the declarations', () => {
  const tables = markedTables();
  assert.ok(tables.length >= 4, `only ${tables.length} marked tables in ${DOCS.map(rel).join(', ')}`);
  const problems = [];
  for (const { where, specifier, name, names } of tables) {
    const file = declarationsOf(specifier);
    const fields = interfaceMembers(file, name);
    const onlyDocs = [...names].filter((f) => !fields.has(f));
    const onlyTypes = [...fields.keys()].filter((f) => !names.has(f));
    if (onlyDocs.length) problems.push(`${where} documents ${onlyDocs.join(', ')}, which ${name} in ${rel(file)} does not declare`);
    if (onlyTypes.length) problems.push(`${name} in ${rel(file)} declares ${onlyTypes.join(', ')}, missing from the table at ${where}`);
  }
  assert.deepEqual(problems, []);
});

/**
 * A default as written in a table or a TSDoc "Default `…`", as a comparable value: `false`,
 * `''`, `[0.001, 0.01]`, `600 000 (10 min)`, `8 MiB`, `24 h` (times are of ms options), else
 * null (prose such as "the global MeterProvider" is not compared).
 */
function defaultValue(text) {
  const s = text
    .replace(/`/g, '')
    .replace(/\s*\(.*\)\s*$/, '')
    .trim();
  if (s === 'true' || s === 'false') return s === 'true';
  if (s === "''" || s === '""') return '';
  if (/^\[[\d.,\s]*\]$/.test(s)) return s.replace(/\s/g, '');
  const m = /^(\d[\d_\s]*(?:\.\d+)?(?:e\d+)?)\s*(KiB|MiB|GiB|ms|s|min|h|days?)?$/.exec(s);
  if (!m) return null;
  const scale = { KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, ms: 1, s: 1e3, min: 6e4, h: 36e5, day: 864e5, days: 864e5 };
  return Number(m[1].replace(/[_\s]/g, '')) * (m[2] ? scale[m[2]] : 1);
}

test('the defaults in the docs tables are the TSDoc defaults', () => {
  const problems = [];
  let compared = 0;
  for (const { where, specifier, name, defaults } of markedTables()) {
    const file = declarationsOf(specifier);
    const members = interfaceMembers(file, name);
    for (const [field, cell] of defaults) {
      const doc = /\bDefault\b[^`.;]*?`([^`]+)`/.exec(members.get(field) || '');
      const inDocs = defaultValue(cell);
      const inTypes = doc ? defaultValue(doc[1]) : null;
      if (inDocs === null || inTypes === null) continue;
      compared++;
      if (inDocs !== inTypes) problems.push(`${name}.${field}: default ${cell} at ${where}, but \`${doc[1]}\` in ${rel(file)}`);
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(compared >= 15, `only ${compared} defaults could be compared`);
});

test('the default parser reads both spellings of a value', () => {
  assert.equal(defaultValue('600 000 (10 min)'), defaultValue('`600_000`'));
  assert.equal(defaultValue('8 MiB'), 8_388_608);
  assert.equal(defaultValue('24 h'), 86_400_000);
  assert.equal(defaultValue('1 GiB'), 1_073_741_824);
  assert.equal(defaultValue('`[0.001, 0.01, 0.1]`'), '[0.001,0.01,0.1]');
  assert.equal(defaultValue("`''`"), '');
  assert.equal(defaultValue('`false`'), false);
  assert.equal(defaultValue('the global MeterProvider'), null);
  assert.equal(defaultValue('see below'), null);
});

test('the docs have a table for every event payload, the configure options and the detector options', () => {
  const documented = new Set(markedTables().map((t) => t.name));
  const missing = requiredInterfaces()
    .filter((r) => !documented.has(r.name))
    .map((r) => `${r.what} (${r.name}) has no table marked <!-- dts: ${PKG.name}#${r.name} -->`);
  assert.deepEqual(missing, []);
});

test('the field parser reads the declarations as TypeScript does: members, optional ones, extends', (t) => {
  const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'lw-dts-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'x.d.ts');
  fs.writeFileSync(
    file,
    `declare namespace x {
  /** Base. { notAField: 1 } */
  interface Base { readonly id: number; // trailing: comment
  }
  interface Payload extends Base {
    /** Doc with a colon: here. */
    size: number;
    nested?: { inner: string; deeper: { x: number } };
    list?: Array<{ alsoInner: number }>;
    fn: (arg: number) => void;
  }
  interface After { last: string }
}`,
  );
  const members = interfaceMembers(file, 'Payload');
  assert.deepEqual([...members.keys()].sort(), ['fn', 'id', 'list', 'nested', 'size']);
  assert.equal(members.get('size'), 'Doc with a colon: here.');
  assert.equal(members.get('fn'), '');
  assert.deepEqual([...interfaceMembers(file, 'After').keys()], ['last']);
});

// ---- error codes ---------------------------------------------------------------------------

/** Source files that may throw coded errors: JS, Rust and C++, not tests or build output. */
function sourceFiles(dir = ROOT, out = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', 'target', 'build', '__test__', '.git', 'docs'].includes(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) sourceFiles(full, out);
    else if (/\.(c?js|mjs|rs|cc|h)$/.test(entry.name)) out.push(full);
  }
  return out;
}

test('docs/api.md lists every ERR_LEAKWATCH_* code the sources use, and no other', () => {
  const codeRe = /ERR_LEAKWATCH_[A-Z0-9_]*[A-Z0-9]/g;
  const used = new Map();
  for (const file of sourceFiles()) {
    for (const [code] of fs.readFileSync(file, 'utf8').matchAll(codeRe)) if (!used.has(code)) used.set(code, rel(file));
  }
  assert.ok(used.size >= 10, `only ${used.size} codes found in the sources`);
  const api = fs.readFileSync(path.join(ROOT, 'docs', 'api.md'), 'utf8');
  const errors = api.slice(api.indexOf('\n## Errors'));
  assert.ok(errors.length > 20, 'docs/api.md has an "## Errors" section');
  const documented = new Set(errors.match(codeRe));
  const missing = [...used].filter(([code]) => !documented.has(code)).map(([code, file]) => `${code} (used in ${file})`);
  const stale = [...documented].filter((code) => !used.has(code));
  assert.deepEqual({ missing, stale }, { missing: [], stale: [] });
});

// ---- links ---------------------------------------------------------------------------------

/** GitHub's heading anchors (github-slugger): lowercase, punctuation dropped, spaces to '-'. */
function anchorsOf(file) {
  const anchors = new Set();
  const seen = new Map();
  let fenced = false;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const h = !fenced && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const text = h[1].replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) || 0;
    seen.set(base, n + 1);
    anchors.add(n ? `${base}-${n}` : base);
  }
  return anchors;
}

test('every relative link and #anchor in README.md, CONTRIBUTING.md and docs/ resolves', () => {
  const broken = [];
  for (const file of DOCS) {
    let fenced = false;
    fs.readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, n) => {
        if (/^\s*```/.test(line)) fenced = !fenced;
        if (fenced) return;
        for (const [, target] of line.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)\)/g)) {
          if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
          const [pathPart, anchor] = target.split('#');
          const dest = pathPart ? path.resolve(path.dirname(file), pathPart) : file;
          const where = `${rel(file)}:${n + 1}: ${target}`;
          if (!fs.existsSync(dest)) broken.push(`${where} (no file ${rel(dest)})`);
          else if (anchor !== undefined && dest.endsWith('.md') && !anchorsOf(dest).has(anchor))
            broken.push(`${where} (no heading #${anchor} in ${rel(dest)})`);
        }
      });
  }
  assert.deepEqual(broken, []);
});

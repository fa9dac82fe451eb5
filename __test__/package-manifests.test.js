'use strict';
// The release layout agrees with lib/platform-package.js, the one owner of the names: a
// committed npm/<platform>/package.json for every platform (what scripts/pack.js would write,
// at the root's version), and a release workflow that builds and tests every platform on every
// tested Node line. These are repository files: skipped where the suite runs against an
// installed copy of the package, which has neither.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { ROOT } = require('./helpers');
const { PLATFORMS, TESTED_NODE_ABIS, packageName, binaryFile } = require('../lib/platform-package');

const NPM_DIR = path.join(ROOT, 'npm');
const WORKFLOW = path.join(ROOT, '.github', 'workflows', 'release.yml');
const inClone = fs.existsSync(NPM_DIR) && fs.existsSync(WORKFLOW) && !ROOT.split(path.sep).includes('node_modules');
const skip = !inClone && 'not a clone of the repository (no npm/ or .github/ here)';

test('every platform has its committed package.json, at the root version, and nothing else is there', { skip }, () => {
  const { platformManifest } = require('../scripts/pack');
  const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  assert.deepEqual(fs.readdirSync(NPM_DIR).sort(), Object.keys(PLATFORMS).sort());
  for (const [platform, { os, cpu, libc }] of Object.entries(PLATFORMS)) {
    const manifest = JSON.parse(fs.readFileSync(path.join(NPM_DIR, platform, 'package.json'), 'utf8'));
    assert.deepEqual(manifest, platformManifest(platform, version), `npm/${platform}/package.json is what \`node scripts/pack.js --write-manifests\` writes`);
    assert.equal(manifest.name, packageName(platform));
    assert.deepEqual([manifest.os, manifest.cpu, manifest.libc], [[os], [cpu], libc ? [libc] : undefined]);
    assert.deepEqual([manifest.main, manifest.files], [binaryFile(platform), [binaryFile(platform)]]);
  }
});

test("the repository's package.json has no optionalDependencies (the pack script writes them)", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  if (!inClone) {
    // The installed copy: packed by scripts/pack.js, so it names every platform, exactly.
    assert.deepEqual(pkg.optionalDependencies, Object.fromEntries(Object.keys(PLATFORMS).map((p) => [packageName(p), pkg.version])));
    return;
  }
  assert.equal(pkg.optionalDependencies, undefined);
  assert.equal(pkg.scripts.install, 'node scripts/install.js');
  for (const file of ['scripts/install.js', 'scripts/build.js', 'lib/']) assert.ok(pkg.files.includes(file), `${file} is published`);
});

test('the release workflow is valid YAML that builds and tests every platform on every tested Node line', { skip }, () => {
  const YAML = require('yaml');
  const doc = YAML.parseDocument(fs.readFileSync(WORKFLOW, 'utf8'), { prettyErrors: true });
  assert.deepEqual(doc.errors, []);
  const workflow = doc.toJS();
  const { build, pack, test: testJob, publish } = workflow.jobs;
  assert.deepEqual(
    build.strategy.matrix.include.map((m) => m.platform),
    Object.keys(PLATFORMS),
  );
  for (const m of build.strategy.matrix.include) {
    assert.equal(m.target, PLATFORMS[m.platform].rustTarget, `${m.platform} builds its rustTarget`);
    assert.ok(m.build.includes(`--target ${m.target}`), `${m.platform}: ${m.build}`);
    if (PLATFORMS[m.platform].libc === 'glibc') assert.ok(m.build.includes('zigbuild') && m.build.endsWith('.2.17'), `${m.platform} links glibc 2.17`);
  }
  assert.deepEqual(
    testJob.strategy.matrix.settings.map((s) => s.platform),
    Object.keys(PLATFORMS),
  );
  // Node 20, 22, 24, 26 are ABIs 115, 127, 137, 147: one test line per tested ABI.
  const majorOfAbi = { 115: '20', 127: '22', 137: '24', 147: '26' };
  assert.deepEqual(
    testJob.strategy.matrix.node,
    TESTED_NODE_ABIS.map((abi) => majorOfAbi[abi]),
  );
  assert.deepEqual(pack.needs, 'build');
  assert.deepEqual(publish.needs, ['pack', 'test']);
  assert.equal(workflow.env.HEADERS_NODE, require('../scripts/pack').HEADERS_NODE_MAJOR);
});

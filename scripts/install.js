#!/usr/bin/env node
'use strict';
// The install script. By default it compiles nothing and downloads nothing: the binary comes
// from the platform package npm picked from optionalDependencies (os/cpu/libc), or there is
// none and leakwatch loads without it. It builds from source only when asked
// (`npm rebuild leakwatch --build-from-source`, or LEAKWATCH_BUILD_FROM_SOURCE=1), or in a
// development clone (a git checkout), where `npm install` has always built the addon.

const fs = require('node:fs');
const path = require('node:path');
const { currentPlatform, packageName, binaryFile } = require('../lib/platform-package');
const { binaryName } = require('../lib/binary-name');

const root = path.join(__dirname, '..');

const truthy = (value) => value === '1' || value === 'true';

function buildFromSource() {
  // npm sets npm_config_build_from_source for `--build-from-source` (prebuild-install's flag).
  if (truthy(process.env.npm_config_build_from_source) || truthy(process.env.LEAKWATCH_BUILD_FROM_SOURCE)) return true;
  // npm never packs .git: only a clone has one (a directory, or a file in a git worktree).
  return fs.existsSync(path.join(root, '.git'));
}

function platformPackageResolves(platform) {
  try {
    require.resolve(`${packageName(platform)}/${binaryFile(platform)}`, { paths: [root] });
    return true;
  } catch {
    return false;
  }
}

if (buildFromSource()) {
  require('./build');
} else {
  const platform = currentPlatform();
  // An earlier --build-from-source for this Node is what the loader uses first: nothing to say.
  const sourceBuilt = fs.existsSync(path.join(root, 'build', binaryName(process.versions.modules)));
  if (!sourceBuilt && (!platform || !platformPackageResolves(platform))) {
    const what = platform
      ? `${packageName(platform)} is not installed (npm skips optional dependencies when told to, or when they fail)`
      : `no prebuilt package is published for ${process.platform}-${process.arch}`;
    process.stderr.write(
      `leakwatch: no prebuilt binary: ${what}; leakwatch will load but monitor nothing (leakwatch.native.mode is ` +
        `'unavailable'). To build it from source (needs Rust and a C++ compiler): npm rebuild leakwatch --build-from-source\n`,
    );
  }
}

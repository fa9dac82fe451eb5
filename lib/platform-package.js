'use strict';
// The prebuilt packages, napi-rs style: one npm package per platform, each holding one
// `.node` built once for every tested Node line. Shared by the loader, the pack script and
// the release workflow's checks, so the three cannot disagree on a name.

const SCOPE = '@leakwatch';

/** Every platform a release publishes, with npm's os/cpu/libc fields for its package. */
const PLATFORMS = {
  'linux-x64-gnu': { os: 'linux', cpu: 'x64', libc: 'glibc', rustTarget: 'x86_64-unknown-linux-gnu' },
  'linux-x64-musl': { os: 'linux', cpu: 'x64', libc: 'musl', rustTarget: 'x86_64-unknown-linux-musl' },
  'linux-arm64-gnu': { os: 'linux', cpu: 'arm64', libc: 'glibc', rustTarget: 'aarch64-unknown-linux-gnu' },
  'linux-arm64-musl': { os: 'linux', cpu: 'arm64', libc: 'musl', rustTarget: 'aarch64-unknown-linux-musl' },
  'darwin-x64': { os: 'darwin', cpu: 'x64', rustTarget: 'x86_64-apple-darwin' },
  'darwin-arm64': { os: 'darwin', cpu: 'arm64', rustTarget: 'aarch64-apple-darwin' },
  'win32-x64-msvc': { os: 'win32', cpu: 'x64', rustTarget: 'x86_64-pc-windows-msvc' },
};

/** The Node ABIs (NODE_MODULE_VERSION) the prebuilt binaries are tested on: Node 20, 22, 24, 26. */
const TESTED_NODE_ABIS = ['115', '127', '137', '147'];

/** glibc or musl, the way npm and napi-rs tell them apart: only glibc's Node reports a runtime version. */
function linuxLibc() {
  const header = process.report?.getReport?.()?.header;
  return header?.glibcVersionRuntime ? 'gnu' : 'musl';
}

/** This process's platform key (e.g. "linux-x64-gnu"), or null where no package is published. */
function currentPlatform() {
  const base = `${process.platform}-${process.arch}`;
  const key = process.platform === 'linux' ? `${base}-${linuxLibc()}` : process.platform === 'win32' ? `${base}-msvc` : base;
  return Object.hasOwn(PLATFORMS, key) ? key : null;
}

const packageName = (platform) => `${SCOPE}/${platform}`;
const binaryFile = (platform) => `leakwatch.${platform}.node`;

module.exports = { PLATFORMS, TESTED_NODE_ABIS, currentPlatform, packageName, binaryFile };

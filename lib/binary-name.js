'use strict';
// The addon's file name carries the Node ABI it was built for (the C++ shim ties it to one).
// Shared by the build script and the loader so they cannot disagree.

const PREFIX = `leakwatch-${process.platform}-${process.arch}-abi`;

function binaryName(abi) {
  return `${PREFIX}${abi}.node`;
}

/** The ABI of a file named by binaryName(), or null for any other file. */
function abiOf(fileName) {
  if (!fileName.startsWith(PREFIX) || !fileName.endsWith('.node')) return null;
  const abi = fileName.slice(PREFIX.length, -'.node'.length);
  return /^\d+$/.test(abi) ? abi : null;
}

module.exports = { binaryName, abiOf };

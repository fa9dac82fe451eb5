'use strict';
// The machine a run is on (CPUs, memory, OS, Node, npm), for the report's "Machine" table.

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');

function machine() {
  const read = (f) => {
    try {
      return fs.readFileSync(f, 'utf8');
    } catch {
      return '';
    }
  };
  const cpuinfo = read('/proc/cpuinfo');
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? '?';
  const memKb = Number(/MemTotal:\s*(\d+)/.exec(read('/proc/meminfo'))?.[1]);
  const nproc = spawnSync('nproc', { encoding: 'utf8' });
  const npm = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['--version'], { encoding: 'utf8' });
  return {
    nproc: nproc.status === 0 ? Number(nproc.stdout.trim()) : os.availableParallelism(),
    cpus: os.cpus().length,
    cpuModel: model,
    memGiB: Number.isFinite(memKb) ? memKb / 1024 / 1024 : os.totalmem() / 2 ** 30,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    abi: process.versions.modules,
    napi: process.versions.napi,
    npm: npm.status === 0 ? npm.stdout.trim() : null,
  };
}

module.exports = { machine };

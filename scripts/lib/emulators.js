'use strict';
// The CPUs this project is tested on under QEMU user mode, beside the host's own, and how to
// start node on each (scripts/test-emulated.js, scripts/check-pack.js).
//   haswell  x86-64 with AVX2 + FMA and no AVX-512 (most laptops, Zen 2/3): expects 'avx2'
//   nehalem  x86-64 without AVX (SSE4.2): expects 'sse2'
//   aarch64  ARM64 (an arm64 Node from npm, the linux-arm64 prebuild): expects 'neon'
const fs = require('node:fs');
const path = require('node:path');
const { which } = require('./tools.js');

// QEMU 7.2's Haswell model lists features its TCG does not emulate and warns about each on
// every thread; none is an instruction set our code uses.
const HASWELL = 'Haswell,-pcid,-x2apic,-tsc-deadline,-hle,-invpcid,-rtm';

const CPUS = {
  haswell: { qemu: 'qemu-x86_64', args: ['-cpu', HASWELL], arch: 'x64', simd: 'avx2' },
  nehalem: { qemu: 'qemu-x86_64', args: ['-cpu', 'Nehalem'], arch: 'x64', simd: 'sse2' },
  aarch64: { qemu: 'qemu-aarch64', args: null, arch: 'arm64', simd: 'neon' },
};

// The emulator's absolute path (the wrapper may run with a PATH that lacks it), or null.
const findQemu = (cpu) => which(CPUS[cpu].qemu);

// Writes dir/node-<cpu>, a script that starts node on the emulated CPU with its arguments
// (process.execPath has to be one file), and returns its path.
function writeEmulatedNode(cpu, dir) {
  const c = CPUS[cpu];
  if (!c) throw new Error(`unknown CPU ${cpu} (known: ${Object.keys(CPUS).join(', ')})`);
  const qemu = findQemu(cpu);
  if (!qemu) throw new Error(`${c.qemu} not found on PATH (apt-get install qemu-user, or bash scripts/ci-deps.sh)`);
  const command = c.arch === 'arm64' ? [qemu, ...require('./arm64-node.js').qemuAarch64Args()] : [qemu, ...c.args, process.execPath];
  const file = path.join(dir, `node-${cpu}`);
  const quoted = command.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
  fs.writeFileSync(file, `#!/bin/sh\nexec ${quoted} "$@"\n`, { mode: 0o755 });
  return file;
}

module.exports = { CPUS, findQemu, writeEmulatedNode };

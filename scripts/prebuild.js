#!/usr/bin/env node
'use strict';
// Builds the addon from a clean tree and stores it as a prebuild:
//   prebuilds/<platform>-<arch>/tensorgrad.napi[.glibc|.musl].node
// node-gyp-build (used at runtime and by scripts/install.js) picks that file when there is no
// local build/Release/*.node. The "napi" tag marks it ABI-stable across Node versions; the libc
// tag stops a glibc binary from being chosen on musl (Alpine), which then builds from source.
//
// Targets: this machine's platform-arch, and on an x86-64 Linux host also linux-arm64,
// cross-compiled with cmake/aarch64-linux-gnu.cmake and checked under qemu-aarch64 with the
// official arm64 node (scripts/lib/arm64-node.js). Where the cross tools are missing, only the
// native prebuild is made. `--arch x64|arm64` builds only that one (and fails if it cannot).
//
// Each build goes to its own build/prebuild-<platform>-<arch>, not build/: a clean rebuild must
// not delete the development build that tests may be using at the same moment.

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { addonProbe, which } = require('./lib/tools.js');

const root = path.resolve(__dirname, '..');
const cmakeJsPkg = require.resolve('cmake-js/package.json');
const cmakeJs = path.join(path.dirname(cmakeJsPkg), require(cmakeJsPkg).bin['cmake-js']);

const CROSS_CXX = 'aarch64-linux-gnu-g++';
const QEMU = 'qemu-aarch64';

function fail(message) {
  console.error(`prebuild: ${message}`);
  process.exit(1);
}

function nativeTarget() {
  const libc = process.report.getReport().header.glibcVersionRuntime ? 'glibc' : 'musl';
  return {
    platform: process.platform,
    arch: process.arch,
    libc: process.platform === 'linux' ? libc : null,
    cmakeArgs: [],
    // The same process that builds can load the result: the node running this script.
    probe: (args, opts) => spawnSync(process.execPath, args, opts),
  };
}

// linux-arm64 from an x86-64 Linux host; null (with the reason) where that cannot be done.
function crossArm64Target() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return { reason: `cross-compiling to linux-arm64 needs an x86-64 Linux host, this is ${process.platform}-${process.arch}` };
  }
  const missing = [CROSS_CXX, QEMU].filter((cmd) => !which(cmd));
  if (missing.length) {
    return { reason: `${missing.join(' and ')} not found (apt-get install g++-aarch64-linux-gnu qemu-user)` };
  }
  const { qemuAarch64Args } = require('./lib/arm64-node.js');
  return {
    platform: 'linux',
    arch: 'arm64',
    libc: 'glibc', // Debian's aarch64-linux-gnu toolchain links against glibc
    cmakeArgs: ['--arch', 'arm64', `--CDCMAKE_TOOLCHAIN_FILE=${path.join(root, 'cmake', 'aarch64-linux-gnu.cmake')}`],
    // Under the arm64 node, process.arch is arm64, so node-gyp-build looks in linux-arm64/.
    probe: (args, opts) => spawnSync(QEMU, [...qemuAarch64Args(), ...args], opts),
  };
}

function targetsToBuild() {
  let requested;
  try {
    requested = parseArgs({ options: { arch: { type: 'string' } } }).values.arch;
  } catch (e) {
    fail(`${e.message}\nusage: node scripts/prebuild.js [--arch x64|arm64]`);
  }
  if (requested !== undefined && !['x64', 'arm64'].includes(requested)) fail(`--arch takes x64 or arm64, got ${requested}`);

  const native = nativeTarget();
  if (requested === native.arch) return [native];
  const cross = crossArm64Target();
  if (requested === 'arm64') {
    if (cross.reason) fail(cross.reason);
    return [cross];
  }
  if (requested) fail(`cannot build ${requested} on ${native.platform}-${native.arch}: only the native arch and, from linux-x64, arm64`);
  if (cross.reason) {
    console.log(`prebuild: building only ${native.platform}-${native.arch}: ${cross.reason}`);
    return [native];
  }
  return [native, cross];
}

function buildPrebuild(target) {
  const name = `${target.platform}-${target.arch}`;
  const outDir = path.join(root, 'build', `prebuild-${name}`);
  console.log(`prebuild: compiling ${name} into ${path.relative(root, outDir)}/`);
  const build = spawnSync(process.execPath, [cmakeJs, 'rebuild', '--out', outDir, ...target.cmakeArgs], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) fail(`cmake-js rebuild for ${name} failed`);

  const tags = ['napi', ...(target.libc ? [target.libc] : [])];
  const destDir = path.join(root, 'prebuilds', name);
  const dest = path.join(destDir, `tensorgrad.${tags.join('.')}.node`);
  // Replace the whole directory so an older file with other tags cannot win the lookup.
  fs.rmSync(destDir, { recursive: true, force: true });
  fs.mkdirSync(destDir, { recursive: true });
  fs.copyFileSync(path.join(outDir, 'Release', 'tensorgrad.node'), dest);

  // Check that node-gyp-build really selects and loads this file when only prebuilds count.
  const probe = target.probe(['-e', addonProbe(root)], { cwd: root, encoding: 'utf8', env: { ...process.env, PREBUILDS_ONLY: '1' } });
  if (probe.status !== 0 || probe.stdout !== dest) {
    fail(`node-gyp-build did not load ${dest}\n${probe.error ?? ''}${probe.stdout}${probe.stderr}`);
  }
  console.log(`prebuild: wrote ${path.relative(root, dest)} (${fs.statSync(dest).size} bytes)`);
}

for (const target of targetsToBuild()) buildPrebuild(target);

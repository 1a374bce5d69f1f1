#!/usr/bin/env node
'use strict';
// Builds the addon from a clean tree and stores it as a prebuild for this platform:
//   prebuilds/<platform>-<arch>/tensorgrad.napi[.glibc|.musl].node
// node-gyp-build (used at runtime and by scripts/install.js) picks that file when there is no
// local build/Release/*.node. The "napi" tag marks it ABI-stable across Node versions; the libc
// tag stops a glibc binary from being chosen on musl (Alpine), which then builds from source.
//
// The build goes to build/prebuild, not build/: a clean rebuild must not delete the development
// build that tests may be using at the same moment.

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const outDir = path.join(root, 'build', 'prebuild');

const cmakeJsPkg = require.resolve('cmake-js/package.json');
const cmakeJs = path.join(path.dirname(cmakeJsPkg), require(cmakeJsPkg).bin['cmake-js']);
const build = spawnSync(process.execPath, [cmakeJs, 'rebuild', '--out', outDir], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  console.error('prebuild: cmake-js rebuild failed');
  process.exit(1);
}

const built = path.join(outDir, 'Release', 'tensorgrad.node');
const tags = ['napi'];
if (process.platform === 'linux') tags.push(process.report.getReport().header.glibcVersionRuntime ? 'glibc' : 'musl');
const destDir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
const dest = path.join(destDir, `tensorgrad.${tags.join('.')}.node`);

// Replace the whole directory so an older file with other tags cannot win the lookup.
fs.rmSync(destDir, { recursive: true, force: true });
fs.mkdirSync(destDir, { recursive: true });
fs.copyFileSync(built, dest);

// Check that node-gyp-build really selects and loads this file when only prebuilds count.
const nodeGypBuild = require.resolve('node-gyp-build');
const probe = spawnSync(
  process.execPath,
  ['-e', `const f = require(${JSON.stringify(nodeGypBuild)}).resolve(${JSON.stringify(root)}); require(f); process.stdout.write(f)`],
  { cwd: root, encoding: 'utf8', env: { ...process.env, PREBUILDS_ONLY: '1' } },
);
if (probe.status !== 0 || probe.stdout !== dest) {
  console.error(`prebuild: node-gyp-build did not load ${dest}\n${probe.stdout}${probe.stderr}`);
  process.exit(1);
}
console.log(`prebuild: wrote ${path.relative(root, dest)} (${fs.statSync(dest).size} bytes)`);

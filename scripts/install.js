#!/usr/bin/env node
'use strict';
// npm "install" hook. Uses the shipped prebuild (or an existing local build) when it loads;
// otherwise compiles the addon with cmake-js. `node-gyp-build` as an install command cannot do
// this: it always falls back to node-gyp, and this project builds with CMake.
//
// Set npm_config_build_from_source (npm install --build-from-source) to always compile.
// In a development checkout an existing build/Release/*.node counts as "loads": after editing
// C++ run `npm run build:native`, this hook does not rebuild.

const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const nodeGypBuild = require.resolve('node-gyp-build');

function buildFromSourceRequested() {
  const v = process.env.npm_config_build_from_source;
  return v !== undefined && v !== '' && v !== 'false';
}

// Resolve and load the addon the way the package does at runtime, in a child process so a
// binary that fails to load (wrong libc, missing CPU feature, crash) sends us to the build.
// Returns { file } for the loaded .node file, or { error } saying why it did not load.
function loadAddon() {
  const code = `const b = require(${JSON.stringify(nodeGypBuild)});
const file = b.resolve(${JSON.stringify(root)}); process.stderr.write('resolved: ' + file + '\\n'); require(file); process.stdout.write(file);`;
  const r = spawnSync(process.execPath, ['-e', code], { cwd: root, encoding: 'utf8' });
  if (r.status === 0) return { file: r.stdout };
  return { error: whyNotLoaded(r) };
}

// One line a user can act on: which file, and what the loader or the CPU said.
function whyNotLoaded(r) {
  const stderr = r.stderr || '';
  const resolved = (stderr.match(/^resolved: (.*)$/m) || [])[1];
  const file = resolved ? path.relative(root, resolved) : 'the addon';
  if (r.signal) {
    const what = { SIGILL: 'an instruction this CPU does not have', SIGSEGV: 'a crash', SIGBUS: 'a crash' }[r.signal];
    return `${file} was killed by ${r.signal} while loading${what ? ` (${what})` : ''}`;
  }
  const error = stderr.split('\n').find((l) => /^[\w.]*Error: /.test(l)) || `exit ${r.status}`;
  const glibc = error.match(/GLIBC_[\d.]+/);
  if (glibc) return `${file} needs ${glibc[0]}, newer than this system's C library (${error.trim()})`;
  if (/undefined symbol/.test(error)) return `${file} refers to a symbol this Node does not have (${error.trim()})`;
  if (/wrong ELF class|cannot open shared object|invalid ELF header|Exec format/.test(error)) return `${file} is not for this platform (${error.trim()})`;
  return resolved ? `${file}: ${error.trim()}` : error.trim();
}

function found(cmd) {
  const r = spawnSync(cmd, ['--version'], { stdio: 'ignore' });
  return !r.error;
}

function fail(lines) {
  console.error(['', 'tensorgrad: could not build the native addon.', ...lines, ''].join('\n'));
  process.exit(1);
}

if (!buildFromSourceRequested()) {
  const addon = loadAddon();
  if (addon.file) {
    console.log(`tensorgrad: using native addon ${path.relative(root, addon.file)}`);
    process.exit(0);
  }
  console.log(`tensorgrad: no usable prebuilt addon (${addon.error}); building from source`);
} else {
  console.log('tensorgrad: npm_config_build_from_source is set; building from source');
}

const cmakeJsPkg = require.resolve('cmake-js/package.json');
const cmakeJs = path.join(path.dirname(cmakeJsPkg), require(cmakeJsPkg).bin['cmake-js']);
const build = spawnSync(process.execPath, [cmakeJs, 'compile'], { cwd: root, stdio: 'inherit' });

if (build.status !== 0) {
  // Name the missing tool when we can tell; cmake-js's own error is easy to miss in npm output.
  const cxx = [process.env.CXX, 'c++', 'g++', 'clang++'].filter(Boolean).find(found);
  fail([
    `Compiling it (${process.platform}-${process.arch}, Node ${process.version}) needs CMake >= 3.15 and a C++20 compiler (GCC >= 10 or Clang >= 12).`,
    found('cmake') ? '  cmake: found' : '  cmake: NOT FOUND on PATH (install it, e.g. apt-get install cmake / brew install cmake)',
    cxx ? `  C++ compiler: found ${cxx} (check that it supports -std=c++20)` : '  C++ compiler: none of $CXX, c++, g++, clang++ found on PATH (install g++ or clang++, or set CXX)',
    'See the cmake-js output above for details.',
  ]);
}

const built = loadAddon();
if (!built.file) fail([`The build finished but the addon does not load: ${built.error}`]);
console.log(`tensorgrad: built native addon ${path.relative(root, built.file)}`);

#!/usr/bin/env node
'use strict';
// `npm run test:asan`: builds the addon with AddressSanitizer + UndefinedBehaviorSanitizer into
// build-asan/ (the normal build/ is untouched), then runs the vitest suite against it. Fails if
// a test fails or if the sanitizers report anything. Arguments after `--` go to vitest, e.g.
//   npm run test:asan -- errors tensor        (only those test files)
// Linux with GCC (or a compiler whose sanitizer runtime is a shared library); see CONTRIBUTING.md.
//
// How it works, and why:
// - cmake-js compiles with -DTG_SANITIZE=ON (CMakeLists.txt holds the flags) into its own
//   build directory, so the sanitizer objects never mix with the release ones.
// - node itself is not instrumented, so the ASan runtime must be loaded before anything else:
//   it has to intercept malloc and friends from the first allocation. LD_PRELOAD does that.
//   The runtimes preloaded are the ones the built addon links (read with ldd), so they match
//   whichever compiler built it.
// - TG_ADDON_PATH makes src/native.ts load build-asan's addon instead of build/Release's;
//   vitest's forks, worker threads and dist/ (rebuilt here so it honours the variable too)
//   all inherit it.
// - A report ends the process that hit it, so its test file fails. The output of vitest and of
//   every process writing to it is also scanned for reports, so one from a process whose exit
//   vitest would not count (a child process a test spawns) still fails the run. Scanning, not
//   log_path: GCC's UBSan ignores log_path when it runs beside ASan.

const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const outDir = path.join(root, 'build-asan');
const addon = path.join(outDir, 'Release', 'tensorgrad.node');
const vitestArgs = process.argv.slice(2);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function die(msg) {
  console.error(`test:asan: ${msg}`);
  process.exit(1);
}

const t0 = Date.now();
const cmakeJsPkg = require.resolve('cmake-js/package.json');
const cmakeJs = path.join(path.dirname(cmakeJsPkg), require(cmakeJsPkg).bin['cmake-js']);
if (run(process.execPath, [cmakeJs, 'compile', '--out', outDir, '--CDTG_SANITIZE=ON']) !== 0)
  die('building the sanitizer addon failed');
if (run('npm', ['run', 'build:ts'], { shell: process.platform === 'win32' }) !== 0) die('npm run build:ts failed');

// The sanitizer runtimes the addon was linked against, in the order ldd lists them.
const ldd = spawnSync('ldd', [addon], { encoding: 'utf8' });
if (ldd.status !== 0) die(`ldd ${addon} failed (the sanitizer run is Linux-only): ${ldd.stderr}`);
const runtimes = [...ldd.stdout.matchAll(/^\s*(lib(?:asan|ubsan)\.so[.\d]*) => (\S+)/gm)].map((m) => m[2]);
if (!runtimes.some((p) => /libasan/.test(p)))
  die(`${addon} does not link a shared libasan (ldd says:\n${ldd.stdout}); build it with GCC (CXX=g++)`);

// detect_leaks=0: V8 and Node deliberately leave memory to the OS at exit (and so does our
//   thread pool, cpp/core/thread_pool.cpp); LeakSanitizer would report all of it.
// allow_user_segv_handler=1: V8 installs its own SIGSEGV handler (WebAssembly bounds traps);
//   ASan must let it.
// ASan halts on its first report by default; UBSan does because of -fno-sanitize-recover.
const env = {
  ...process.env,
  LD_PRELOAD: [...runtimes, process.env.LD_PRELOAD].filter(Boolean).join(' '),
  ASAN_OPTIONS: 'detect_leaks=0:allow_user_segv_handler=1',
  UBSAN_OPTIONS: 'print_stacktrace=1',
  TG_ADDON_PATH: addon,
};
console.log(`\ntest:asan: LD_PRELOAD=${env.LD_PRELOAD}\ntest:asan: TG_ADDON_PATH=${addon}\n`);

// "==123==ERROR: AddressSanitizer: heap-buffer-overflow ...", "file.cc:50:81: runtime error: ..."
const REPORT = /==\d+==ERROR: (?:Address|Leak)Sanitizer|^\S+:\d+:\d+: runtime error: |^SUMMARY: \w+Sanitizer/m;

const vitest = path.join(path.dirname(require.resolve('vitest/package.json')), 'vitest.mjs');
const child = spawn(process.execPath, [vitest, 'run', ...vitestArgs], { cwd: root, env, stdio: ['inherit', 'pipe', 'pipe'] });
let output = '';
child.stdout.on('data', (b) => { process.stdout.write(b); output += b; });
child.stderr.on('data', (b) => { process.stderr.write(b); output += b; });
child.on('close', (code, signal) => {
  const secs = ((Date.now() - t0) / 1000).toFixed(0);
  const report = output.match(REPORT);
  if (report) die(`sanitizer report in the output above ("${report[0].trim()}"), ${secs}s`);
  if (code !== 0) die(`vitest failed under the sanitizers (${signal ?? `exit ${code}`}, ${secs}s)`);
  console.log(`test:asan: clean, no sanitizer report (${secs}s)`);
});

#!/usr/bin/env node
'use strict';
// Runs test files on CPUs this machine is not (scripts/lib/emulators.js: haswell, nehalem,
// aarch64), under QEMU user mode, against the packed prebuilds as users get them.
//
//   node scripts/test-emulated.js [--cpu haswell,nehalem,aarch64] [--tarball t.tgz]
//        [--json-dir dir] [test files...]
//
// Without test files each CPU runs CPU_SUITE (scripts/lib/suites.js), plus TABLE_SUITE where
// the host cannot run that CPU's table natively (there npm run test:tables runs it).
//
// Without --tarball it packs the package as it is (`npm run prebuild` and `npm run build:ts`
// first). vitest itself runs natively; its test processes, and every node they spawn, run
// under the emulator (scripts/emulate/exec-path.cjs). Prints one line per CPU and exits
// non-zero if any failed.

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

const { CPUS, writeEmulatedNode } = require('./lib/emulators.js');
const { CPU_SUITE, TABLE_SUITE } = require('./lib/suites.js');
const { addonProbe } = require('./lib/tools.js');

function parseArgs(argv) {
  const opts = { cpus: Object.keys(CPUS), tarball: null, jsonDir: null, files: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--cpu') opts.cpus = argv[++i].split(',');
    else if (a === '--tarball') opts.tarball = path.resolve(argv[++i]);
    else if (a === '--json-dir') opts.jsonDir = path.resolve(argv[++i]);
    else opts.files.push(a);
  }
  for (const cpu of opts.cpus) if (!CPUS[cpu]) throw new Error(`unknown --cpu ${cpu} (known: ${Object.keys(CPUS).join(', ')})`);
  return opts;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26, ...opts });
  if (r.status !== 0) throw new Error(`\`${[cmd, ...args].join(' ')}\` failed (${r.error ?? `exit ${r.status ?? r.signal}`})\n${r.stdout ?? ''}${r.stderr ?? ''}`);
  return r.stdout;
}

// The package as `npm install` unpacks it, so the addon is found the way users find it.
function unpack(tarball, dir) {
  if (!tarball) {
    const [packed] = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir]));
    tarball = path.join(dir, packed.filename);
  }
  run('tar', ['xzf', tarball, '-C', dir]);
  return path.join(dir, 'package');
}

// node-gyp-build's choice on the emulated CPU, from the unpacked package, prebuilds only.
function resolveAddon(wrapper, pkgDir) {
  return run(wrapper, ['-e', addonProbe(pkgDir)], { env: { ...process.env, PREBUILDS_ONLY: '1' } });
}

// The tables the host runs natively, from the same package.
function hostSimdSupported(pkgDir) {
  const code = addonProbe(pkgDir, 'process.stdout.write(JSON.stringify(addon.simdSupported()));');
  return JSON.parse(run(process.execPath, ['-e', code], { env: { ...process.env, PREBUILDS_ONLY: '1' } }));
}

function counts(jsonFile) {
  try {
    const r = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
    return { passed: r.numPassedTests || 0, failed: r.numFailedTests || 0, total: r.numTotalTests || 0 };
  } catch {
    return { passed: 0, failed: 0, total: 0 };
  }
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tg-emulated-'));
  const jsonDir = opts.jsonDir || tmp;
  fs.mkdirSync(jsonDir, { recursive: true });
  const pkgDir = unpack(opts.tarball, tmp);
  const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
  const hostTables = hostSimdSupported(pkgDir);
  const results = [];
  for (const cpu of opts.cpus) {
    const started = Date.now();
    const wrapper = writeEmulatedNode(cpu, tmp);
    let addon;
    try {
      addon = resolveAddon(wrapper, pkgDir);
    } catch (err) {
      console.error(`\n=== emulated ${cpu}: the packed prebuild does not load\n${err.message}`);
      results.push({ cpu, ok: false, passed: 0, failed: 0, total: 0, seconds: (Date.now() - started) / 1000, why: 'the prebuild does not load' });
      continue;
    }
    const files = opts.files.length ? opts.files : [...CPU_SUITE, ...(hostTables.includes(CPUS[cpu].simd) ? [] : TABLE_SUITE)];
    console.log(`\n=== emulated ${cpu}: ${path.relative(pkgDir, addon)} (${CPUS[cpu].qemu}, ${files.length} files)`);
    const jsonFile = path.join(jsonDir, `emulated-${cpu}.json`);
    fs.rmSync(jsonFile, { force: true });
    const env = {
      ...process.env,
      TG_EMULATOR_WRAPPER: wrapper,
      NODE_OPTIONS: `${process.env.NODE_OPTIONS || ''} --require ${path.join(__dirname, 'emulate', 'exec-path.cjs')}`.trim(),
      TG_ADDON_PATH: addon,
      TG_EXPECT_ARCH: CPUS[cpu].arch,
      TG_EXPECT_SIMD: CPUS[cpu].simd,
    };
    delete env.TG_SIMD; // the CPU decides
    const r = spawnSync(
      process.execPath,
      [vitest, 'run', '--config', 'vitest.emulated.config.ts', '--reporter=default', '--reporter=json', `--outputFile.json=${jsonFile}`, ...files],
      { cwd: root, env, stdio: 'inherit' },
    );
    const c = counts(jsonFile);
    const ok = r.status === 0 && c.total > 0 && c.failed === 0;
    results.push({ cpu, ok, ...c, seconds: (Date.now() - started) / 1000 });
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log('');
  for (const r of results)
    console.log(`emulated ${r.cpu} (${CPUS[r.cpu].simd}): ${r.passed} passed, ${r.failed} failed in ${r.seconds.toFixed(0)} s${r.ok ? '' : ` FAILED${r.why ? `: ${r.why}` : ''}`}`);
  process.exit(results.every((r) => r.ok) ? 0 : 1);
}

main();

#!/usr/bin/env node
'use strict';
// `npm run test:tables`: the PyTorch fixture, gradcheck and cross-entropy suites once per kernel
// table this CPU has (TG_SIMD=avx512, avx2, sse2, neon, scalar), one line per table with the result
// and the time; a failing table's vitest output follows its line. Exits 1 if any table fails.
//
// A plain `npm test` loads the best table only, and these suites test through the Tensor layer,
// so they never see the others; the tables differ in summation order and polynomial math.
// The tables the CPU has are asked of the addon the tests load (TG_ADDON_PATH if set, as in
// src/native.ts, else node-gyp-build's pick, build/Release first) in a child process, so this
// one never loads it.

const { spawnSync } = require('node:child_process');
const path = require('node:path');

const { TABLE_SUITE } = require('./lib/suites.js');

const root = path.resolve(__dirname, '..');
// --json-dir DIR: vitest's JSON report of each table as DIR/table-<name>.json (for .ci/run).
const jsonAt = process.argv.indexOf('--json-dir');
const jsonDir = jsonAt > 0 ? path.resolve(process.argv[jsonAt + 1]) : null;

const probe = spawnSync(process.execPath, ['-e', `
  const path = require('node:path');
  const override = process.env.TG_ADDON_PATH;
  const addon = override ? require(path.resolve(override)) : require('node-gyp-build')(process.cwd());
  console.log(JSON.stringify(addon.simdSupported()));
`], { cwd: root, encoding: 'utf8' });
if (probe.status !== 0) {
  console.error(`test:tables: could not load the addon to list its tables:\n${probe.stderr}`);
  process.exit(1);
}
const tables = JSON.parse(probe.stdout);

const vitest = path.join(path.dirname(require.resolve('vitest/package.json')), 'vitest.mjs');
let failed = 0;
const t0 = Date.now();
for (const table of tables) {
  const start = Date.now();
  const report = jsonDir ? ['--reporter=default', '--reporter=json', `--outputFile.json=${path.join(jsonDir, `table-${table}.json`)}`] : [];
  const run = spawnSync(process.execPath, [vitest, 'run', ...report, ...TABLE_SUITE], {
    cwd: root,
    env: { ...process.env, TG_SIMD: table },
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  const ok = run.status === 0;
  const plain = (run.stdout ?? '').replace(/\x1b\[[0-9;]*m/g, '');  // FORCE_COLOR may colour it
  const counts = /^\s*Tests\s+(.*?)\s*(?:\(|$)/m.exec(plain)?.[1] ?? 'no test summary';
  console.log(`${table.padEnd(7)} ${ok ? 'pass' : 'FAIL'}  ${((Date.now() - start) / 1000).toFixed(1).padStart(5)} s  ${counts}`);
  if (!ok) {
    failed++;
    process.stdout.write(run.stdout ?? '');
    process.stderr.write(run.stderr ?? '');
    if (run.error) console.error(run.error);
  }
}
console.log(`test:tables: ${tables.length - failed} of ${tables.length} tables passed (${tables.join(', ')}) in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
process.exit(failed ? 1 : 0);

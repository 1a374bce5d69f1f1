#!/usr/bin/env node
'use strict';
// `npm run bench`: bundles src/ the way the package is built, then runs bench/run.ts (through
// tsx) against that bundle in a child node with --expose-gc, so the harness can collect
// garbage between workloads. Arguments after `--` are passed through, e.g.
//   npm run bench -- --only matmul_fwd_bwd --threads 2
//   npm run bench -- --impl src      (src/ through tsx, no bundle: about 2x slower per op)
//   npm run bench -- --impl dist     (the shipped dist/index.mjs, as `npm run build:ts` left it)
//
// Why a bundle and not src/ through tsx: tsx compiles each file to CommonJS with getter-based
// exports and keepNames wrappers, which costs ~2x on the per-op paths (measured: the linear
// regression step 33-40 µs under tsx vs 17 µs bundled). Users run the bundle.
//
// Why a private bundle (bench/.cache/) and not dist/: dist/ is shared with the build and
// `npm run check:pack`, both of which clean and rewrite it; this one always matches the
// working tree and touches nothing else. It is built with tsup's API, esbuild settings as in
// tsup.config.ts (ESM, node18), and told it lives at dist/index.mjs so that src/native.ts,
// which finds the package root from its own location, finds this checkout's native addon.

const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);

async function bundle() {
  const { build } = require('tsup');
  const outDir = path.join(root, 'bench', '.cache');
  const pretendFile = path.join(root, 'dist', 'index.mjs');
  await build({
    config: false,
    entry: { index: path.join(root, 'src', 'index.ts') },
    format: ['esm'],
    outExtension: () => ({ js: '.mjs' }),
    outDir,
    target: 'node18',
    platform: 'node',
    external: ['node-gyp-build'],
    dts: false,
    sourcemap: true,
    clean: true,
    silent: true,
    define: {
      __dirname: JSON.stringify(path.dirname(pretendFile)),
      __filename: JSON.stringify(pretendFile),
      'import.meta.url': JSON.stringify(pathToFileURL(pretendFile).href),
    },
  });
  return path.join(outDir, 'index.mjs');
}

async function main() {
  const implGiven = args.some((a) => a === '--impl' || a.startsWith('--impl='));
  const implArgs = implGiven ? [] : ['--impl', await bundle()];
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', path.join('bench', 'run.ts'), ...implArgs, ...args],
    { cwd: root, stdio: 'inherit' },
  );
  if (r.error) throw r.error;
  process.exit(r.status ?? 1);
}

main().catch((err) => {
  console.error(`bench: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});

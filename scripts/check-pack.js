#!/usr/bin/env node
'use strict';
// `npm run check:pack`: checks the package as users get it. Builds dist/ and this platform's
// prebuild, packs the tarball, installs it into an empty project whose PATH holds only node,
// npm and npx (so the install must not need cmake or a compiler), then uses it from CommonJS,
// ESM and TypeScript, and from CommonJS again under each emulated CPU (scripts/lib/emulators.js).
// Prints PASS or FAIL; exits non-zero on failure.

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { CPUS, findQemu, writeEmulatedNode } = require('./lib/emulators.js');
const { which } = require('./lib/tools.js');

const root = path.resolve(__dirname, '..');
// Outside the repository: npm puts every node_modules/.bin above the project on a script's PATH.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tg-pack-'));
const BUILD_TOOLS = ['cc', 'c++', 'gcc', 'g++', 'clang', 'clang++', 'cmake', 'make', 'ninja'];

class CheckError extends Error {}
const check = (ok, msg) => {
  if (!ok) throw new CheckError(msg);
};

function run(cmd, args, { capture = false, ...opts } = {}) {
  console.log(`\n$ ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: capture ? 'pipe' : 'inherit', ...opts });
  if (capture) process.stdout.write(r.stdout + r.stderr);
  check(r.status === 0, `\`${[cmd, ...args].join(' ')}\` exited with ${r.status ?? r.signal ?? r.error}`);
  return capture ? r.stdout + r.stderr : r.stdout;
}

// The user-side environment: only node, npm, npx and sh (npm runs scripts with it) on PATH, no
// npm_* variables inherited from the `npm run` that started us (npm reads npm_config_* as
// config), no build-from-source.
function userEnv() {
  const bin = path.join(tmp, 'bin');
  fs.mkdirSync(bin);
  const npmCli = process.env.npm_execpath || which('npm');
  const sh = which('sh');
  check(npmCli && sh, 'npm or sh not found on PATH');
  const npxCli = path.join(path.dirname(fs.realpathSync(npmCli)), 'npx-cli.js');
  fs.symlinkSync(sh, path.join(bin, 'sh'));
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  fs.symlinkSync(fs.realpathSync(npmCli), path.join(bin, 'npm'));
  fs.symlinkSync(npxCli, path.join(bin, 'npx'));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_|^PREBUILDS_ONLY$|^INIT_CWD$/i.test(k)));
  env.PATH = bin;
  return env;
}

function main() {
  // dist/ comes from tsup; pack below runs with --ignore-scripts so "prepare" does not rebuild
  // it (and its output does not corrupt `npm pack --json`).
  run('npm', ['run', 'build:ts']);
  run('npm', ['run', 'prebuild']);
  const pkg = require(path.join(root, 'package.json'));

  const packDir = path.join(tmp, 'pack');
  fs.mkdirSync(packDir);
  const [packed] = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', packDir], { stdio: ['ignore', 'pipe', 'inherit'] }));
  const files = packed.files.map((f) => f.path);
  const prebuild = `prebuilds/${process.platform}-${process.arch}/`;
  for (const f of ['dist/index.mjs', 'dist/index.cjs', 'dist/index.d.mts', 'dist/index.d.cts', 'scripts/install.js', 'CMakeLists.txt']) {
    check(files.includes(f), `tarball is missing ${f}`);
  }
  check(files.some((f) => f.startsWith(prebuild) && f.endsWith('.node')), `tarball has no ${prebuild}*.node`);
  const stray = files.filter((f) => /^(build|node_modules|src|test|\.ci)\//.test(f));
  check(stray.length === 0, `tarball contains files that must not ship: ${stray.join(', ')}`);
  console.log(`packed ${packed.filename}: ${files.length} files, ${(packed.size / 1024).toFixed(0)} KiB`);

  const env = userEnv();
  const proj = path.join(tmp, 'project');
  fs.mkdirSync(proj);
  // "tools" runs in npm's script environment, which is what the install script sees (npm adds
  // node_modules/.bin dirs to PATH): the check is only meaningful if no build tool is on it.
  fs.writeFileSync(
    path.join(proj, 'probe-tools.js'),
    `const path = require('path'), fs = require('fs');
const found = ${JSON.stringify(BUILD_TOOLS)}
  .flatMap((tool) => process.env.PATH.split(path.delimiter).map((dir) => path.join(dir, tool)))
  .filter((file) => { try { fs.accessSync(file, fs.constants.X_OK); return true; } catch { return false; } });
if (found.length) { console.error('build tools reachable: ' + found.join(' ')); process.exit(1); }
`,
  );
  fs.writeFileSync(
    path.join(proj, 'package.json'),
    JSON.stringify({ name: 'tg-pack-check', version: '1.0.0', private: true, scripts: { tools: 'node probe-tools.js' } }, null, 2),
  );
  run('npm', ['run', 'tools'], { cwd: proj, env });

  const install = run(
    'npm',
    ['install', path.join(packDir, packed.filename), '--no-audit', '--no-fund', '--foreground-scripts'],
    { cwd: proj, env, capture: true },
  );
  const installed = path.join(proj, 'node_modules', pkg.name);
  check(/tensorgrad: using native addon prebuilds\//.test(install), 'install script did not report using the prebuild');
  check(!fs.existsSync(path.join(installed, 'build')), 'install compiled the addon (node_modules/tensorgrad/build exists)');

  // Runtime: PREBUILDS_ONLY makes node-gyp-build ignore build/ dirs; PATH still has only node.
  const runtimeEnv = { ...env, PREBUILDS_ONLY: '1' };
  const usage = `
    const out = tg.tensor([1, 2, 3]).add(1).toArray();
    if (JSON.stringify(out) !== '[2,3,4]') throw new Error('tensor([1,2,3]).add(1).toArray() gave ' + JSON.stringify(out));
    const info = tg.backendInfo();
    const ok = info && info.version === ${JSON.stringify(pkg.version)} && ['avx512', 'avx2', 'sse2', 'neon', 'scalar'].includes(info.simd)
      && info.threads >= 1 && info.napiVersion >= ${pkg.binary.napi_versions[0]};
    if (!ok) throw new Error('backendInfo() gave ' + JSON.stringify(info));
    console.log(JSON.stringify({ out, info }));`;
  const cjs = `
    const resolved = require.resolve('tensorgrad');
    if (!resolved.endsWith('/dist/index.cjs')) throw new Error('require resolved ' + resolved);
    const tg = require('tensorgrad');${usage}`;
  run('node', ['-e', cjs], { cwd: proj, env: runtimeEnv });

  fs.writeFileSync(
    path.join(proj, 'check.mjs'),
    `import * as tg from 'tensorgrad';
    const resolved = import.meta.resolve('tensorgrad');
    if (!resolved.endsWith('/dist/index.mjs')) throw new Error('import resolved ' + resolved);${usage}`,
  );
  run('node', ['check.mjs'], { cwd: proj, env: runtimeEnv });

  // The same package on the CPUs users have and this machine is not, where QEMU is installed
  // (scripts/ci-deps.sh): each loads its prebuild and picks the table that CPU can run.
  for (const [cpu, { simd, arch }] of Object.entries(CPUS)) {
    if (!findQemu(cpu)) {
      console.log(`\n(no ${CPUS[cpu].qemu}: the ${cpu} load is not checked)`);
      continue;
    }
    const emulated = writeEmulatedNode(cpu, tmp);
    const expect = `
      if (process.arch !== ${JSON.stringify(arch)} || tg.backendInfo().simd !== ${JSON.stringify(simd)})
        throw new Error('${cpu}: expected ${arch} / ${simd}, got ' + process.arch + ' / ' + tg.backendInfo().simd);`;
    run(emulated, ['-e', cjs + expect], { cwd: proj, env: runtimeEnv });
  }

  // Types through the "exports" map, from both an ESM and a CJS consumer. strict turns a missing
  // declaration file into an error; the @ts-expect-error line fails if the module is typed `any`.
  const consumer = `import * as tg from 'tensorgrad';
const values = tg.tensor([1, 2, 3]).add(1).toArray();
// @ts-expect-error not exported
tg.__definitelyNotExported__;
export { values };
`;
  fs.writeFileSync(path.join(proj, 'consumer.mts'), consumer);
  fs.writeFileSync(path.join(proj, 'consumer.cts'), consumer);
  fs.writeFileSync(
    path.join(proj, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, module: 'node16', moduleResolution: 'node16', target: 'es2022',
        types: ['node'], typeRoots: [path.join(root, 'node_modules', '@types')],
      },
      files: ['consumer.mts', 'consumer.cts'],
    }),
  );
  run('node', [require.resolve('typescript/bin/tsc', { paths: [root] }), '-p', proj], { cwd: proj, env });
}

try {
  main();
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log('\ncheck:pack PASS');
} catch (err) {
  console.error(`\ncheck:pack FAIL: ${err instanceof CheckError ? err.message : err.stack}`);
  console.error(`(files kept in ${tmp})`);
  process.exit(1);
}

#!/usr/bin/env node
'use strict';
// Checks that the ISA units (cpp/isa/*.cpp, each compiled with its own -m flags) cannot run
// before dispatch.cpp has checked the CPU. An object compiled with -mavx512f may hold AVX-512
// instructions anywhere, so it must offer no way in but its table accessor:
//   - it exports exactly one symbol, tg::<isa>_kernels(): no other global, and no weak symbol
//     (an inline function or template from a shared header, emitted here and in a baseline
//     unit, is merged by the linker into ONE copy, possibly this unit's: baseline code would
//     then call AVX-512 code on every CPU);
//   - it has no static initialisers (.init_array, .ctors), which run at load on every CPU;
//   - the accessor is a plain address load and return: the table is constant-initialised data.
// The dynamic counterpart is .ci/run's emulated runs (qemu-x86_64 -cpu Haswell / Nehalem).
//
//   node scripts/check-isa-units.js [build dir, default build]   (after a cmake-js build)

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const buildDir = path.resolve(process.argv[2] || 'build');
const isaDir = path.join(buildDir, 'CMakeFiles', 'tg_core.dir', 'cpp', 'isa');
if (!fs.existsSync(isaDir)) {
  console.error(`check-isa-units: no ${isaDir} (build the addon first)`);
  process.exit(1);
}

function tool(name, object) {
  // Cross-compiled objects need the cross binutils where the host's do not know the format.
  const header = spawnSync('readelf', ['-h', object], { encoding: 'utf8' }).stdout || '';
  const prefix = /AArch64/.test(header) && process.arch !== 'arm64' ? 'aarch64-linux-gnu-' : '';
  return prefix + name;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.error}`);
  return r.stdout;
}

const problems = [];
const units = fs.readdirSync(isaDir).filter((f) => f.endsWith('.cpp.o') && !f.includes('stub'));
for (const file of units) {
  const object = path.join(isaDir, file);
  const isa = file.replace('.cpp.o', '');
  const accessor = `tg::${isa}_kernels()`;

  // nm: uppercase types are global; V/W/u are weak or unique (merged across objects).
  const exported = run(tool('nm', object), ['-C', '--defined-only', object])
    .split('\n')
    .map((l) => l.match(/^\S+\s+([A-Za-z])\s+(.*)$/))
    .filter((m) => m && (/[A-Z]/.test(m[1]) || m[1] === 'u' || m[1] === 'v' || m[1] === 'w'))
    .map((m) => `${m[2]} (${m[1]})`);
  if (exported.length !== 1 || !exported[0].startsWith(`${accessor} (T)`))
    problems.push(`${file}: exports ${exported.length ? exported.join(', ') : 'nothing'}; only ${accessor} may be visible`);

  const sections = run(tool('readelf', object), ['-S', '-W', object]);
  for (const s of ['.init_array', '.ctors', '.preinit_array'])
    if (sections.includes(` ${s}`)) problems.push(`${file}: has a ${s} section (a static initialiser runs at load on every CPU)`);

  const disassembly = run(tool('objdump', object), ['-d', '-C', '--no-show-raw-insn', object]);
  const body = disassembly.split(`<${accessor}>:\n`)[1];
  const instructions = body ? body.split('\n\n')[0].trim().split('\n').map((l) => l.split('\t').slice(1).join(' ').trim()) : [];
  // x86-64: lea + ret; AArch64: adrp + add (+ add) + ret. Nothing that computes, calls or touches memory.
  const last = instructions.length - 1;
  const bare = instructions.length >= 2 && instructions.length <= 4 && /^ret/.test(instructions[last])
    && instructions.slice(0, last).every((i) => /^(lea|adrp|add|mov)\b/.test(i) && !/\(%r[^i]/.test(i));
  if (!bare)
    problems.push(`${file}: ${accessor} is not a bare address of a constant table:\n    ${instructions.join('\n    ') || '(not found)'}`);
  console.log(`check-isa-units: ${file}: ${exported.join(', ')}; accessor: ${instructions.join('; ')}`);
}

if (units.length === 0) problems.push(`no ISA objects in ${isaDir}`);
if (problems.length) {
  console.error(`check-isa-units: FAIL\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-isa-units: PASS (${units.length} ISA units in ${path.relative(process.cwd(), buildDir) || '.'})`);

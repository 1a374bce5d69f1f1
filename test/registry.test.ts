// The op registry (src/ops/registry.ts) is the one place an op is declared: these checks hold
// the rest of the tree to it. The kernels an op names exist in the addon (whose codes are
// generated from cpp/kernels/ops.h), no kernel of the addon goes unused, `tg.<name>` and the
// Tensor methods are exactly the registered ones, every op has a PyTorch fixture, and src/
// has no import circle.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import madge from 'madge';
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import { native } from '../src/native.js';
import { registeredOps } from '../src/ops/registry.js';

const root = resolve(__dirname, '..');
const ops = registeredOps();

function sourcesUnder(dir: string): string {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => readFileSync(join(e.parentPath ?? e.path, e.name), 'utf8'))
    .join('\n');
}

describe('op registry', () => {
  it('names only kernels the addon has', () => {
    for (const op of ops) {
      if (!op.kernel) continue;
      const [table, name] = op.kernel;
      expect(native.opCodes[table][name], `${op.name}: ${table} kernel ${name}`).toBeTypeOf('number');
    }
  });

  it('leaves no kernel of the addon unused by src/', () => {
    // A kernel is used where src/ names it: a registry entry (kernel: ['unary', 'Exp'] or
    // unaryOp's kernel: 'Exp'), or kernelCode / kernelCodesOf for the kernels ops call directly.
    const src = sourcesUnder(join(root, 'src'));
    const unused: string[] = [];
    for (const [table, codes] of Object.entries(native.opCodes))
      for (const name of Object.keys(codes)) if (!src.includes(`'${name}'`)) unused.push(`${table}.${name}`);
    expect(unused).toEqual([]);
  });

  it('is what tg exports and what Tensor has as methods', () => {
    const exported = ops.filter((o) => o.exported);
    for (const op of exported) expect((tg as Record<string, unknown>)[op.name], `tg.${op.name}`).toBe(op.fn);
    const proto = tg.Tensor.prototype as unknown as Record<string, unknown>;
    for (const op of ops) if (op.method) expect(proto[op.method], `Tensor.${op.method}`).toBeTypeOf('function');
    // Every function tg exports from the op modules is a registered op (or var, variance's alias).
    const registered = new Set<unknown>(exported.map((o) => o.fn));
    const publicOps = readFileSync(join(root, 'src/ops/public.ts'), 'utf8') + readFileSync(join(root, 'src/ops/elementwise.ts'), 'utf8');
    const names = [...publicOps.matchAll(/^export const (\w+)/gm)].map((m) => m[1]!);
    expect(names.filter((n) => !registered.has((tg as Record<string, unknown>)[n]))).toEqual([]);
    expect(tg.var).toBe(tg.variance);
  });

  it('gives every computing op a PyTorch fixture case (test/fixtures/ops.json)', () => {
    const fixtures = JSON.parse(readFileSync(join(root, 'test/fixtures/ops.json'), 'utf8')) as { cases: { op: string }[] };
    const covered = new Set(fixtures.cases.map((c) => c.op));
    // Tensor methods that convert, write in place or free: tested by their own files.
    const elsewhere = /^(toTypedArray|toArray|dispose|backward|float|int|bool|zero_|fill_|copy_|add_|sub_|mul_|div_|clamp_|maskedFill_|uniform_|normal_)$/;
    const aliases: Record<string, string> = { variance: 'var' };  // fixtures name it by its method
    const missing = ops.filter((o) => !covered.has(o.name) && !(o.method && covered.has(o.method)) && !covered.has(aliases[o.name] ?? '') && !elsewhere.test(o.name));
    expect(missing.map((o) => o.name)).toEqual([]);
  });
});

describe('the methods', () => {
  it('install without code generation too (node --disallow-code-generation-from-strings)', () => {
    const script = `const tg = require(${JSON.stringify(join(root, 'dist/index.cjs'))}); console.log(tg.ones(2).add(1).exp().sum().item() > 14)`;
    const r = spawnSync(process.execPath, ['--disallow-code-generation-from-strings', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('true');
  });
});

describe('src/', () => {
  it('has no import circle (type-only imports aside)', async () => {
    const graph = await madge(join(root, 'src/index.ts'), {
      fileExtensions: ['ts'],
      tsConfig: join(root, 'tsconfig.json'),
      detectiveOptions: { ts: { skipTypeImports: true }, es6: { skipTypeImports: true } },
    });
    expect(graph.circular()).toEqual([]);
  }, 30_000);
});

// The op codes are written three times until one registry declares them: the C++ enums
// (cpp/kernels/ops.h, what the core switches on), their TS mirror (src/native.ts, what src/
// sends) and the raw-binding tests' table (test/native-kernels.test.ts). A code appended or
// renumbered in one and not the others would send one op's number to another op's kernel;
// this file reads all three as text and holds them equal, name by name.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const read = (file: string) => readFileSync(resolve(__dirname, '..', file), 'utf8');
// Comments that start a line or follow whitespace: not a `/*` or `//` inside a string or a path.
const stripComments = (s: string) => s.replace(/^\s*\/\*[\s\S]*?\*\//gm, '').replace(/(^|\s)\/\/.*$/gm, '$1');

/** Members of `enum [class] Name ... { ... }` with their values (implicit ones counted up). */
function enumMembers(source: string, name: string): Map<string, number> {
  const m = new RegExp(`enum\\s+(?:class\\s+)?${name}\\b[^{]*\\{([^}]*)\\}`).exec(stripComments(source));
  if (!m) throw new Error(`enum ${name} not found`);
  const members = new Map<string, number>();
  let next = 0;
  for (const item of m[1].split(',').map((s) => s.trim()).filter(Boolean)) {
    const [key, value] = item.split('=').map((s) => s.trim());
    next = value === undefined ? next : Number(value);
    members.set(key, next++);
  }
  return members;
}

/** `const NAME = { Key: 0, ... } as const;` of the raw-binding tests. */
function objectMembers(source: string, name: string): Map<string, number> {
  const m = new RegExp(`const\\s+${name}\\s*=\\s*\\{([^}]*)\\}`).exec(stripComments(source));
  if (!m) throw new Error(`const ${name} not found`);
  return new Map(m[1].split(',').map((s) => s.trim()).filter(Boolean).map((kv) => {
    const [key, value] = kv.split(':').map((s) => s.trim());
    return [key, Number(value)] as [string, number];
  }));
}

const core = read('cpp/kernels/ops.h');
const mirror = read('src/native.ts');
const tests = read('test/native-kernels.test.ts');

describe('op codes: cpp/kernels/ops.h, src/native.ts and test/native-kernels.test.ts agree', () => {
  const withoutCount = (m: Map<string, number>) => new Map([...m].filter(([k]) => k !== 'Count'));

  it.each(['UnaryOp', 'BinaryOp', 'CompareOp', 'IntBinaryOp', 'ReduceOp'])('%s in src/native.ts', (name) => {
    const cpp = enumMembers(core, name);
    expect(cpp.get('Count')).toBe(cpp.size - 1); // Count closes the list: nothing after it
    expect([...enumMembers(mirror, name)]).toEqual([...withoutCount(cpp)]);
  });

  it.each([
    ['UnaryOp', 'U', 'UNARY_COUNT'],
    ['BinaryOp', 'B', 'BINARY_COUNT'],
    ['CompareOp', 'C', null],
    ['ReduceOp', 'R', null],
  ])('%s in the raw-binding tests', (name, table, countName) => {
    const cpp = enumMembers(core, name);
    expect([...objectMembers(tests, table as string)]).toEqual([...withoutCount(cpp)]);
    if (countName) expect(tests).toMatch(new RegExp(`const ${countName} = ${cpp.get('Count')};`));
  });
});

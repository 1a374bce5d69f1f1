// Static types users program against: test/types/*.ts must compile under --strict with no
// diagnostic (their @ts-expect-error lines must each be an error). CI runs vitest, not tsc, so
// the compiler runs here.
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { expect, it } from 'vitest';
import * as tg from '../src/index.js';

function diagnostics(file: string): string[] {
  const program = ts.createProgram([fileURLToPath(new URL(file, import.meta.url))], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: ['node'],
    skipLibCheck: true,
  });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

it('item() is a number for float32 and int32 tensors and a boolean for bool ones; toArray() follows', () => {
  expect(diagnostics('./types/item-and-to-array.ts')).toEqual([]);
}, 60_000);

it('item_types: the values at run time are those PyTorch gives', async () => {
  const { readFileSync } = await import('node:fs');
  const want = JSON.parse(readFileSync(fileURLToPath(new URL('./fixtures/behaviour.json', import.meta.url)), 'utf8')).cases.item_types;
  const kind = (v: number | boolean) => ({ value: v, type: typeof v });
  expect({
    float32: kind(tg.tensor([2.5]).item()),
    int32: kind(tg.tensor([3], { dtype: 'int32' }).item()),
    bool: kind(tg.tensor(true).item()),
  }).toEqual(want);
});

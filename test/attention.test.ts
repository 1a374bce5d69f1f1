// nn.MultiheadAttention against PyTorch 1.13 (test/fixtures/attention.json, written by
// scripts/gen_attention_fixtures.py): PyTorch's state dict loads into ours under the same keys,
// and the output, the attention weights and every gradient match.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import { compareTensor, makeTensor, type TensorData } from './helpers/fixtures.js';

interface AttentionCase {
  name: string;
  embedDim: number;
  numHeads: number;
  batchFirst: boolean;
  bias: boolean;
  selfAttn: boolean;
  needWeights: boolean;
  averageAttnWeights: boolean;
  state: Record<string, TensorData>;
  inputs: TensorData[];
  attnMask: TensorData | null;
  keyPaddingMask: TensorData | null;
  out: TensorData;
  weights: TensorData | null;
  G: TensorData;
  Gw: TensorData | null;
  inputGrads: TensorData[];
  paramGrads: Record<string, TensorData>;
}

const fixtures = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'attention.json'), 'utf8')) as { cases: AttentionCase[] };
const TOL = { rtol: 1e-4, atol: 1e-5 };
const tensorOf = (d: TensorData, requiresGrad = false) =>
  makeTensor({ ...d, data: d.data.map((v) => (typeof v === 'boolean' ? Number(v) : v)) }, requiresGrad);

describe('nn.MultiheadAttention vs PyTorch 1.13', () => {
  it.each(fixtures.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const m = new tg.nn.MultiheadAttention(c.embedDim, c.numHeads, { batchFirst: c.batchFirst, bias: c.bias });
    const state = Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, tensorOf(v)]));
    expect(Object.keys(m.stateDict()).sort()).toEqual(Object.keys(state).sort());
    m.loadStateDict(state);
    const ins = c.inputs.map((d) => tensorOf(d, true));
    const [q, k, v] = c.selfAttn ? [ins[0]!, ins[0]!, ins[0]!] : ins;
    const [out, weights] = m.forward(q!, k!, v!, {
      attnMask: c.attnMask ? tensorOf(c.attnMask) : null,
      keyPaddingMask: c.keyPaddingMask ? tensorOf(c.keyPaddingMask) : null,
      needWeights: c.needWeights,
      averageAttnWeights: c.averageAttnWeights,
    });
    const problems = compareTensor('out', out, c.out, TOL);
    let loss = out.mul(tensorOf(c.G)).sum();
    if (c.weights) {
      problems.push(...compareTensor('weights', weights!, c.weights, TOL));
      loss = loss.add(weights!.mul(tensorOf(c.Gw!)).sum());
    } else expect(weights).toBeNull();
    loss.backward();
    c.inputGrads.forEach((g, i) => problems.push(...compareTensor(`input ${i} grad`, ins[i]!.grad!, g, TOL)));
    for (const [name, p] of m.namedParameters()) problems.push(...compareTensor(`${name} grad`, p.grad!, c.paramGrads[name]!, TOL));
    expect(problems).toEqual([]);
  });

  it('names PyTorch keys and camelCase accessors, and rejects bad shapes', () => {
    const m = new tg.nn.MultiheadAttention(4, 2);
    expect(Object.keys(m.stateDict())).toEqual(['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']);
    expect(m.inProjWeight.shape).toEqual([12, 4]);
    expect(m.outProj).toBeInstanceOf(tg.nn.Linear);
    expect(() => new tg.nn.MultiheadAttention(5, 2)).toThrow(/embed_dim must be divisible by num_heads/);
    expect(() => m.forward(tg.ones(3, 2, 5), tg.ones(3, 2, 5), tg.ones(3, 2, 5))).toThrow(/MultiheadAttention: query must be 3-D with embed_dim 4/);
  });
});

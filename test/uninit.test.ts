// The elementwise, cast, compare and where ops allocate their outputs without zeroing (the
// kernel writes every element). These tests prove no uninitialized element ever shows: with
// every such allocation filled with garbage first (NaN floats, -1 ints, 0xff bools), each op,
// over contiguous, broadcast, strided, empty and 0-d operands, small (slab) and large outputs,
// and a whole training step, gives bit for bit what it gives on zeroed memory.
import { afterEach, describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import { _setPoisonUninit } from '../src/storage.js';

type T = tg.Tensor;

function bits(t: T): number[] {
  const c = t.contiguous();
  const d = c._data;
  const out: number[] = [];
  for (let i = 0; i < c.numel(); i++) out.push(d[c._offset + i]!);
  return out;
}

// Runs `make` twice from the same seed, without and with poisoning, and compares every output.
function same(make: () => T[]): void {
  tg.manualSeed(7);
  const plain = make().map((t) => ({ shape: t.shape, dtype: t.dtype, v: bits(t) }));
  _setPoisonUninit(true);
  tg.manualSeed(7);
  const poisoned = make().map((t) => ({ shape: t.shape, dtype: t.dtype, v: bits(t) }));
  _setPoisonUninit(false);
  expect(poisoned.length).toBe(plain.length);
  for (let i = 0; i < plain.length; i++) {
    expect(poisoned[i]!.shape, `output ${i}`).toEqual(plain[i]!.shape);
    expect(poisoned[i]!.dtype, `output ${i}`).toBe(plain[i]!.dtype);
    // toEqual treats NaN as equal to NaN, and -0 as distinct from 0 (Object.is).
    expect(poisoned[i]!.v, `output ${i}`).toEqual(plain[i]!.v);
  }
}

// Operand layouts of one shape: contiguous, transposed, sliced with a step, and broadcast.
function layouts(rows: number, cols: number): T[] {
  const a = tg.randn([rows, cols]);
  const t = tg.randn([cols, rows]).t();
  const s = tg.randn([rows, 2 * cols]).slice(1, 0, 2 * cols, 2);
  const b = tg.randn([1, cols]).expand(rows, cols);
  return [a, t, s, b];
}

describe('uninitialized outputs never show', () => {
  afterEach(() => _setPoisonUninit(false));

  for (const [rows, cols] of [[3, 5], [64, 33], [1, 1], [0, 4]] as const) {
    it(`float ops over every layout, [${rows}, ${cols}]`, () => {
      same(() => {
        const outs: T[] = [];
        const ops = layouts(rows, cols);
        for (const x of ops) {
          outs.push(x.exp(), x.abs().log(), x.tanh(), x.sigmoid(), x.gelu(), x.softplus(), x.relu(), x.neg());
          outs.push(x.sin(), x.clamp(-0.5, 0.5), x.sign(), x.square(), x.abs().sqrt(), x.mul(3), tg.sub(2, x));
          outs.push(x.gt(0), x.le(0.25), x.int(), x.bool(), x.contiguous(), x.clone());
          for (const y of ops) {
            outs.push(x.add(y), x.sub(y), x.mul(y), x.div(y), x.maximum(y), x.minimum(y), x.abs().pow(y));
            outs.push(x.lt(y), x.eq(y), tg.where(x.gt(y), x, y), tg.where(x.gt(0), x, 0));
          }
        }
        // Broadcasting to a larger output than either input.
        outs.push(tg.randn([rows, 1]).add(tg.randn([cols])), tg.randn([rows, 1, 1]).mul(tg.randn([2, cols])));
        return outs;
      });
    });
  }

  it('int and bool ops', () => {
    same(() => {
      const a = tg.randn([40, 30]).mul(10).int();
      const b = tg.randn([30]).mul(10).int().clamp(1, null).int();
      const m = tg.randn([40, 30]).gt(0);
      return [a.add(b), a.sub(b), a.mul(b), a.maximum(b), a.add(3), a.mul(m), m.add(m), m.mul(m.t().t()),
        a.float(), a.bool(), m.int(), a.eq(b), a.lt(2.5), tg.where(m, a, b), tg.where(m, 1, a), a.t().contiguous()];
    });
  });

  it('0-d tensors', () => {
    same(() => {
      const x = tg.tensor(1.5), y = tg.tensor(-2);
      return [x.add(y), x.exp(), x.gt(y), x.int(), tg.where(x.gt(0), x, y)];
    });
  });

  it('a training step: forward, backward and update', () => {
    same(() => {
      const model = new tg.nn.Sequential(new tg.nn.Linear(20, 64), new tg.nn.GELU(), new tg.nn.Linear(64, 3));
      const opt = new tg.optim.Adam(model.parameters(), { lr: 0.01 });
      const x = tg.randn([32, 20]);
      const y = tg.randn([32, 3]);
      for (let i = 0; i < 3; i++) {
        opt.zeroGrad();
        const loss = new tg.nn.MSELoss().forward(model.forward(x), y);
        loss.backward();
        opt.step();
      }
      return model.parameters().flatMap((p) => [p.detach(), p.grad!]);
    });
  });
});

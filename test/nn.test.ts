// nn: module registration, stateDict keys/shapes and repr against PyTorch 1.13
// (test/fixtures/training/modules.json), loadStateDict strictness, init statistics, layers,
// and every loss x reduction x option set against PyTorch values and input gradients
// (losses.json; scripts/gen_training_fixtures.py).
import { afterAll, describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import { compareTensorData, loadTrainingFixture, makeTensor, newStats, type TensorData } from './helpers/training.js';

const { nn } = tg;

interface ModuleFixture {
  models: Record<string, { keys: [string, number[]][]; params: string[]; repr: string }>;
}
const modFix = loadTrainingFixture<ModuleFixture>('modules.json');

class Block extends nn.Module {
  linear = new nn.Linear(3, 5);
  act = new nn.GELU();
  scale: tg.nn.Parameter;
  drop: tg.nn.Dropout;
  constructor() {
    super();
    this.registerBuffer('running', tg.zeros([5]));
    this.scale = new nn.Parameter(tg.ones([5]));
    this.drop = new nn.Dropout(0.25);
  }
  override forward(x: tg.Tensor): tg.Tensor {
    return this.drop.forward(this.act.forward(this.linear.forward(x)).mul(this.scale));
  }
}

class Net extends nn.Module {
  features = new nn.Sequential(new nn.Flatten(), new nn.Linear(6, 3), new nn.LeakyReLU(0.2));
  block = new Block();
  head = new nn.Linear(5, 2, { bias: false });
  out = new nn.LogSoftmax(1);
  override forward(x: tg.Tensor): tg.Tensor {
    return this.out.forward(this.head.forward(this.block.forward(this.features.forward(x))));
  }
}

const models: Record<string, () => tg.nn.Module> = {
  sequential: () => new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 2)),
  net: () => new Net(),
  activations: () => new nn.Sequential(new nn.Sigmoid(), new nn.Tanh(), new nn.Softmax(-1), new nn.Identity(), new nn.Dropout(0.5)),
};

describe('Module registration (vs PyTorch)', () => {
  for (const [name, want] of Object.entries(modFix.models)) {
    it(`${name}: stateDict keys and shapes, namedParameters, repr`, () => {
      const m = models[name]!();
      expect(Object.entries(m.stateDict()).map(([k, v]) => [k, v.shape])).toEqual(want.keys);
      expect(m.namedParameters().map(([k]) => k)).toEqual(want.params);
      expect(m.toString()).toBe(want.repr);
    });
  }

  it('children, modules, train/eval, apply, zeroGrad', () => {
    const net = new Net();
    expect([...net.namedChildren()].map(([k]) => k)).toEqual(['features', 'block', 'head', 'out']);
    expect([...net.modules()].length).toBe(1 + 4 + 3 + 3);
    expect(net.training).toBe(true);
    net.eval();
    expect([...net.modules()].every((m) => !m.training)).toBe(true);
    net.train();
    expect(net.block.drop.training).toBe(true);
    const seen: string[] = [];
    net.apply((m) => seen.push(m.constructor.name));
    expect(seen.at(-1)).toBe('Net');
    expect(seen.indexOf('Linear')).toBeLessThan(seen.indexOf('Sequential'));
    const loss = net.forward(tg.randn([2, 2, 3])).sum();
    loss.backward();
    expect(net.parameters().every((p) => p.grad !== null)).toBe(true);
    net.zeroGrad({ setToNone: false });
    expect(net.parameters().every((p) => p.grad !== null && (p.grad.abs().sum().item() as number) === 0)).toBe(true);
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
  });

  it('Parameter is a leaf Tensor requiring grad; shared parameters are listed once', () => {
    const p = new nn.Parameter(tg.zeros([2]));
    expect(p).toBeInstanceOf(nn.Parameter);
    expect(p).toBeInstanceOf(tg.Tensor);
    expect(p.requiresGrad && p.isLeaf).toBe(true);
    expect(p.toString().startsWith('Parameter containing:\ntensor(')).toBe(true);
    const lin = new nn.Linear(2, 2);
    const m = new nn.Sequential(lin, new nn.ReLU(), lin);
    expect(m.parameters().length).toBe(2);
  });

  it('registration by name, in assignment order, including integer-like names and explicit APIs', () => {
    class M extends nn.Module {
      constructor() {
        super();
        this.addModule('10', new nn.Linear(1, 1));
        this.addModule('2', new nn.Linear(1, 1, { bias: false }));
        this.registerParameter('alpha', new nn.Parameter(tg.ones([1])));
        this.registerBuffer('tmp', tg.ones([1]), false);
      }
    }
    const m = new M();
    expect(Object.keys(m.stateDict())).toEqual(['alpha', '10.weight', '10.bias', '2.weight']);
    expect(m.buffers().length).toBe(1);
    // Assigning the wrong kind to a registered name is a TypeError naming it.
    expect(() => ((m as unknown as Record<string, unknown>).alpha = tg.ones([1]))).toThrow(/cannot assign Tensor as parameter 'alpha'/);
    expect(() => m.registerBuffer('bad.name', tg.ones([1]))).toThrow(RangeError);
    expect(() => m.registerBuffer('training', tg.ones([1]))).toThrow("M.registerBuffer: attribute 'training' already exists");
    expect(() => m.addModule('forward', new nn.ReLU())).toThrow(/attribute 'forward' already exists/);
  });

  it('stateDict round-trips through safetensors (tg.saveToBuffer / tg.loadFromBuffer)', () => {
    tg.manualSeed(2);
    const a = new Net(), b = new Net();
    const bytes = tg.saveToBuffer(a.stateDict());
    const loaded = tg.loadFromBuffer(bytes);
    expect(Object.keys(loaded).sort()).toEqual(Object.keys(a.stateDict()).sort());
    b.loadStateDict(loaded);
    for (const [k, v] of Object.entries(a.stateDict())) expect(b.stateDict()[k]!.toArray()).toEqual(v.toArray());
  });

  it('loadStateDict copies in place and reports missing, unexpected keys and shape mismatches', () => {
    tg.manualSeed(1);
    const a = models.sequential!(), b = models.sequential!();
    const w = b.parameters()[0]!;
    const res = b.loadStateDict(a.stateDict());
    expect(res).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(b.parameters()[0]).toBe(w); // same tensor object, values copied
    expect(w.toArray()).toEqual(a.parameters()[0]!.toArray());
    expect(w.requiresGrad).toBe(true);

    const sd = a.stateDict();
    delete sd['2.bias'];
    sd['9.weight'] = tg.zeros([1]);
    expect(() => b.loadStateDict(sd)).toThrow(/Unexpected key\(s\) in state_dict: "9.weight"\.[\s\S]*Missing key\(s\) in state_dict: "2.bias"\./);
    expect(b.loadStateDict(sd, { strict: false })).toEqual({ missingKeys: ['2.bias'], unexpectedKeys: ['9.weight'] });
    const bad = a.stateDict();
    bad['0.weight'] = tg.zeros([3, 5]);
    expect(() => b.loadStateDict(bad, { strict: false })).toThrow(
      'size mismatch for 0.weight: copying a param with shape [3, 5] from checkpoint, the shape in current model is [3, 4].',
    );
  });
});

describe('nn.init and layers', () => {
  const stats = (t: tg.Tensor) => {
    const v = Array.from(t.toTypedArray() as Float32Array);
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    const sd = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length);
    // Not Math.min(...v): 120000 arguments overflow the stack on arm64 Node 20.
    const min = v.reduce((m, x) => Math.min(m, x), Infinity), max = v.reduce((m, x) => Math.max(m, x), -Infinity);
    return { mean, sd, min, max };
  };

  it('calculateGain follows PyTorch', () => {
    expect(nn.init.calculateGain('relu')).toBeCloseTo(Math.SQRT2, 12);
    expect(nn.init.calculateGain('tanh')).toBeCloseTo(5 / 3, 12);
    expect(nn.init.calculateGain('leaky_relu')).toBeCloseTo(Math.sqrt(2 / (1 + 0.01 ** 2)), 12);
    expect(nn.init.calculateGain('leaky_relu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 12);
    expect(nn.init.calculateGain('selu')).toBe(0.75);
    expect(() => nn.init.calculateGain('swish' as never)).toThrow(/Unsupported nonlinearity/);
  });

  it('Linear default init is U(±1/√fan_in) for weight and bias', () => {
    tg.manualSeed(3);
    const lin = new nn.Linear(400, 300);
    const s = stats(lin.weight), bound = 1 / 20;
    expect(s.max).toBeLessThanOrEqual(bound);
    expect(s.min).toBeGreaterThanOrEqual(-bound);
    expect(s.sd).toBeCloseTo(bound / Math.sqrt(3), 3); // uniform: sd = bound / √3
    expect(Math.abs(s.mean)).toBeLessThan(1e-3);
    const b = stats(lin.bias!);
    expect(b.max).toBeLessThanOrEqual(bound);
    expect(b.min).toBeGreaterThanOrEqual(-bound);
  });

  it('xavier / kaiming / constant fills have the intended statistics and run under noGrad', () => {
    tg.manualSeed(4);
    const w = new nn.Parameter(tg.empty([200, 300]));
    nn.init.xavierNormal_(w);
    expect(stats(w).sd).toBeCloseTo(Math.sqrt(2 / 500), 3);
    nn.init.xavierUniform_(w, 2);
    expect(stats(w).max).toBeLessThanOrEqual(2 * Math.sqrt(6 / 500));
    expect(stats(w).sd).toBeCloseTo(2 * Math.sqrt(2 / 500), 3);
    nn.init.kaimingNormal_(w, { mode: 'fanOut', nonlinearity: 'relu' });
    expect(stats(w).sd).toBeCloseTo(Math.sqrt(2 / 200), 3);
    nn.init.kaimingUniform_(w, { nonlinearity: 'relu' });
    expect(stats(w).max).toBeLessThanOrEqual(Math.sqrt(6 / 300));
    expect(stats(w).sd).toBeCloseTo(Math.sqrt(2 / 300), 3);
    expect(nn.init.constant_(w, 0.5)).toBe(w);
    expect(stats(w)).toEqual({ mean: 0.5, sd: 0, min: 0.5, max: 0.5 });
    expect(w.isLeaf && w.requiresGrad && w.gradFn === null).toBe(true);
    expect(() => nn.init.xavierUniform_(tg.zeros([3]))).toThrow(/fewer than 2 dimensions/);
  });

  it('Dropout drops about p, scales by 1/(1-p), is reproducible, and is the identity in eval', () => {
    const d = new nn.Dropout(0.25);
    const x = tg.ones([10000]);
    tg.manualSeed(5);
    const y1 = d.forward(x).toTypedArray() as Float32Array;
    tg.manualSeed(5);
    const y2 = d.forward(x).toTypedArray() as Float32Array;
    expect(Array.from(y1)).toEqual(Array.from(y2));
    const kept = y1.filter((v) => v !== 0);
    expect(kept.every((v) => Math.abs(v - 1 / 0.75) < 1e-6)).toBe(true);
    expect(Math.abs(kept.length / 10000 - 0.75)).toBeLessThan(0.02);
    d.eval();
    expect(d.forward(x)).toBe(x);
  });

  it('layers compute what their functional forms do', () => {
    const x = tg.randn([3, 4]);
    const close = (a: tg.Tensor, b: tg.Tensor) => expect(a.sub(b).abs().max().item()).toBeLessThan(1e-6);
    close(new nn.LeakyReLU(0.1).forward(x), x.maximum(x.mul(0.1)));
    close(new nn.Softmax(1).forward(x).sum(1), tg.ones([3]));
    close(new nn.LogSoftmax(1).forward(x).exp(), x.softmax(1));
    close(new nn.Sigmoid().forward(x), x.sigmoid());
    close(new nn.Tanh().forward(x), x.tanh());
    close(new nn.GELU().forward(x), x.gelu());
    expect(new nn.Flatten().forward(tg.zeros([2, 3, 4])).shape).toEqual([2, 12]);
    expect(new nn.Flatten(0, 1).forward(tg.zeros([2, 3, 4])).shape).toEqual([6, 4]);
    const lin = new nn.Linear(4, 2);
    close(lin.forward(x), x.matmul(lin.weight.T).add(lin.bias!));
    expect(() => lin.forward(tg.zeros([3, 5]))).toThrow(/Linear: input of shape \[3, 5\] does not end in in_features=4/);
    expect(new nn.Sequential({ fc: new nn.Linear(4, 2), act: new nn.ReLU() }).stateDict()).toHaveProperty('fc.weight');
    close(tg.F.oneHot(tg.tensor(new Int32Array([2, 0])), 3).to('float32'), tg.tensor([[0, 0, 1], [1, 0, 0]]));
  });
});

interface LossCase {
  name: string;
  fn: string;
  opts: Record<string, unknown>;
  input: TensorData;
  target: TensorData;
  tensors: Record<string, TensorData>;
  out: TensorData;
  grad: TensorData;
}

describe('losses vs PyTorch 1.13', () => {
  const fix = loadTrainingFixture<{ cases: LossCase[] }>('losses.json');
  const fwd = newStats(), bwd = newStats();
  afterAll(() => {
    console.log(`losses: ${fix.cases.length} cases; max relative error value ${fwd.maxRel.toExponential(2)} (${fwd.where}), gradient ${bwd.maxRel.toExponential(2)} (${bwd.where})`);
  });
  // A few float32 ops per element and a reduction over <= 24 terms.
  const tol = { rtol: 2e-5, atol: 2e-6 };
  for (const c of fix.cases) {
    it(c.name, () => {
      const input = makeTensor(c.input, true);
      const target = makeTensor(c.target);
      const opts: Record<string, unknown> = { ...c.opts };
      for (const [k, t] of Object.entries(c.tensors)) opts[k] = makeTensor(t);
      const fn = (tg.F as unknown as Record<string, (a: tg.Tensor, b: tg.Tensor, o: unknown) => tg.Tensor>)[c.fn]!;
      const out = fn(input, target, opts);
      const problems = compareTensorData(`${c.name} value`, out, c.out, tol, fwd);
      out.sum().backward();
      problems.push(...compareTensorData(`${c.name} grad`, input.grad!, c.grad, tol, bwd));
      expect(problems).toEqual([]);
    });
  }

  it('loss modules pass their options through, including legacy sizeAverage', () => {
    const x = tg.randn([4, 3]), y = tg.randn([4, 3]);
    expect(new nn.MSELoss({ sizeAverage: false }).forward(x, y).item()).toBeCloseTo(tg.F.mseLoss(x, y, { reduction: 'sum' }).item() as number, 5);
    expect(new nn.MSELoss({ reduce: false }).forward(x, y).shape).toEqual([4, 3]);
    const w = tg.tensor([1, 2, 3]);
    const t = tg.tensor(new Int32Array([0, 2, 1, 1]));
    const ce = new nn.CrossEntropyLoss({ weight: w, labelSmoothing: 0.1, ignoreIndex: 1 });
    expect(ce.forward(x, t).item()).toBeCloseTo(tg.F.crossEntropy(x, t, { weight: w, labelSmoothing: 0.1, ignoreIndex: 1 }).item() as number, 6);
    expect(Object.keys(ce.stateDict())).toEqual(['weight']);
  });

  it('loss errors name the op and the shapes', () => {
    expect(() => tg.F.mseLoss(tg.zeros([2, 3]), tg.zeros([3, 2]))).toThrow('mseLoss: input shape [2, 3] and target shape [3, 2] must be equal');
    expect(() => tg.F.crossEntropy(tg.zeros([2, 3]), tg.tensor(new Int32Array([0, 3])))).toThrow(/Target 3 is out of bounds/);
    expect(() => tg.F.crossEntropy(tg.zeros([2, 3]), tg.tensor(new Int32Array([0])))).toThrow(/target shape \[1\] does not match input shape \[2, 3\]/);
    expect(() => tg.F.nllLoss(tg.zeros([2, 3]), tg.tensor(new Int32Array([0, 1])), { weight: tg.ones([2]) })).toThrow(/weight tensor should be defined/);
    expect(() => tg.F.crossEntropy(tg.zeros([2, 3]), tg.tensor(new Int32Array([0, 1])), { reduction: 'avg' as never })).toThrow(TypeError);
    expect(() => tg.F.binaryCrossEntropy(tg.tensor([0.5, 1.5]), tg.tensor([0, 1]))).toThrow(/binaryCrossEntropy: all elements of input should be between 0 and 1 \(got 1.5/);
    expect(() => new nn.MSELoss({ reduction: 'avg' as never })).toThrow("MSELoss: the string \"avg\" is not a valid value for reduction");
  });
});

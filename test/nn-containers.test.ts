// nn.ModuleList / nn.ModuleDict against PyTorch 1.13 (test/fixtures/nn.json, written by
// scripts/gen_nn_fixtures.py): stateDict keys and shapes, namedParameters and repr of models
// holding containers, before and after the same list and dict edits; the list and dict API; and
// the argument errors.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';

const { nn } = tg;
type Module = tg.nn.Module;

interface ModelFix {
  keys: [string, number[]][];
  params: string[];
  repr: string;
}
const fix = JSON.parse(readFileSync(fileURLToPath(new URL('./fixtures/nn.json', import.meta.url)), 'utf8')) as {
  containers: Record<string, ModelFix>;
};

class Net extends nn.Module {
  layers = new nn.ModuleList<Module>([new nn.Linear(2, 3), new nn.ReLU(), new nn.Linear(3, 1)]);
  heads = new nn.ModuleDict<Module>({ cls: new nn.Linear(1, 2), reg: new nn.Linear(1, 1) });
  blocks = new nn.ModuleList<Module>([
    new nn.ModuleList([new nn.Linear(1, 1)]),
    new nn.ModuleDict<Module>([['b', new nn.Linear(1, 2, { bias: false })], ['a', new nn.Tanh()]]),
  ]);
  empty = new nn.ModuleList();
}

// The edits scripts/gen_nn_fixtures.py makes, in the same order.
function edited(): Net {
  const m = new Net();
  m.layers.insert(1, new nn.Tanh());
  m.layers.append(new nn.Sigmoid());
  delete m.layers[0];
  m.layers.extend([new nn.Linear(3, 4)]);
  m.layers[-2] = new nn.Linear(1, 3);
  m.layers.pop(1);
  m.heads.set('emb', new nn.Linear(2, 2));
  m.heads.pop('cls');
  m.heads.set('reg', new nn.Linear(1, 3));
  m.heads.update([['z', new nn.ReLU()], ['a', new nn.Linear(4, 1)]]);
  m.empty.append(new nn.Identity());
  return m;
}

const models: Record<string, () => Module> = { net: () => new Net(), edited, slice: () => new Net().layers.slice(1) };

describe('ModuleList / ModuleDict registration (vs PyTorch)', () => {
  for (const [name, want] of Object.entries(fix.containers)) {
    it(`${name}: stateDict keys and shapes, namedParameters, repr`, () => {
      const m = models[name]!();
      expect(Object.entries(m.stateDict()).map(([k, v]) => [k, v.shape])).toEqual(want.keys);
      expect(m.namedParameters().map(([k]) => k)).toEqual(want.params);
      expect(m.toString()).toBe(want.repr);
    });
  }

  it('a model with containers round-trips its stateDict and trains through them', () => {
    tg.manualSeed(3);
    const a = new Net(), b = new Net();
    b.loadStateDict(a.stateDict());
    expect(b.stateDict()['layers.2.weight']!.toArray()).toEqual(a.stateDict()['layers.2.weight']!.toArray());
    const opt = new tg.optim.SGD(a.parameters(), { lr: 0.1 });
    let x = tg.randn([4, 2]);
    for (const l of a.layers) x = l.forward(x);
    x = a.heads.get('cls').forward(x);
    x.sum().backward();
    opt.step();
    expect(a.layers.at(0).parameters().every((p) => p.grad !== null)).toBe(true);
    expect(a.stateDict()['heads.cls.weight']!.toArray()).not.toEqual(b.stateDict()['heads.cls.weight']!.toArray());
    expect(a.parameters().length).toBe(4 + 4 + 2 + 1 + 0);
  });
});

describe('ModuleList', () => {
  const three = () => new nn.ModuleList<Module>([new nn.ReLU(), new nn.Tanh(), new nn.Sigmoid()]);

  it('iterates, indexes from both ends, and reports its length', () => {
    const l = three();
    expect(l.length).toBe(3);
    expect([...l].map((m) => m.constructor.name)).toEqual(['ReLU', 'Tanh', 'Sigmoid']);
    expect(l[0]).toBe(l.at(0));
    expect(l[-1]).toBe(l.at(2));
    expect(l.get(-3)).toBe(l[0]);
    expect(l[3]).toBeUndefined();
    expect(l[-4]).toBeUndefined();
    expect([...l.children()]).toEqual([...l]);
    expect(l instanceof nn.ModuleList && l instanceof nn.Module).toBe(true);
    expect(new nn.ModuleList().length).toBe(0);
    expect(String(new nn.ModuleList())).toBe('ModuleList()');
  });

  it('set, insert at both ends, pop, delete and slice renumber as Python lists do', () => {
    const l = three();
    const names = () => [...l].map((m) => m.constructor.name);
    l.insert(0, new nn.Identity());
    l.insert(l.length, new nn.GELU());
    l.insert(-1, new nn.Flatten());
    expect(names()).toEqual(['Identity', 'ReLU', 'Tanh', 'Sigmoid', 'Flatten', 'GELU']);
    expect([...l.namedChildren()].map(([k]) => k)).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(l.pop().constructor.name).toBe('GELU');
    expect(l.pop(0).constructor.name).toBe('Identity');
    l.delete(-2);
    expect(names()).toEqual(['ReLU', 'Tanh', 'Flatten']);
    l.set(1, new nn.Dropout(0.1));
    expect(l.slice(-2).toString()).toBe('ModuleList(\n  (0): Dropout(p=0.1, inplace=False)\n  (1): Flatten(start_dim=1, end_dim=-1)\n)');
    expect(Object.keys(l.stateDict())).toEqual([]);
  });

  it('a module listed twice is one child and one set of parameters, as in PyTorch', () => {
    const lin = new nn.Linear(2, 2);
    const l = new nn.ModuleList([lin, lin]);
    expect(l.length).toBe(2);
    expect([...l.children()].length).toBe(1);
    expect(l.parameters().length).toBe(2);
  });

  it('bad arguments are TypeErrors or RangeErrors naming the op', () => {
    const l = three();
    expect(() => l.at(3)).toThrow(new RangeError('ModuleList.at: index 3 is out of range for a list of 3 modules'));
    expect(() => l.get(-4)).toThrow(RangeError);
    expect(() => l.at(0.5)).toThrow(new TypeError('ModuleList.at: index must be an integer, got 0.5'));
    expect(() => {
      l[3] = new nn.ReLU();
    }).toThrow(/ModuleList: index 3 is out of range/);
    expect(() => {
      (l as unknown as Record<number, unknown>)[0] = 5;
    }).toThrow(new TypeError('ModuleList: the value assigned to index 0 is 5, not a Module'));
    expect(() => l.append({} as Module)).toThrow(/ModuleList.append: module is Object, not a Module/);
    expect(() => l.extend(5 as never)).toThrow(/ModuleList.extend should be called with an iterable of Modules, but got 5/);
    expect(() => l.extend([new nn.ReLU(), null as never])).toThrow(/ModuleList.extend: element 1 is null/);
    expect(l.length).toBe(3); // a failed extend adds nothing
    expect(() => new nn.ModuleList([tg.zeros([1]) as never])).toThrow(TypeError);
    expect(() => l.delete(5)).toThrow(RangeError);
    expect(() => new nn.ModuleList().pop()).toThrow(/pop from an empty ModuleList/);
    expect(() => l.insert(0.5, new nn.ReLU())).toThrow(TypeError);
    expect(() => l.forward(tg.zeros([1]))).toThrow(/ModuleList: forward\(\) is not implemented/);
  });
});

describe('ModuleDict', () => {
  it('get, set, has, delete, pop, clear, keys, values, entries, iteration and length', () => {
    const relu = new nn.ReLU(), lin = new nn.Linear(2, 3);
    const d = new nn.ModuleDict<Module>(new Map<string, Module>([['b', relu], ['a', lin]]));
    expect(d.keys()).toEqual(['b', 'a']);
    expect([...d]).toEqual(['b', 'a']);
    expect(d.values()).toEqual([relu, lin]);
    expect(d.entries()).toEqual([['b', relu], ['a', lin]]);
    expect(d.length).toBe(2);
    expect(d.get('a')).toBe(lin);
    expect((d as unknown as Record<string, Module>).a).toBe(lin); // also a field, as attribute access in PyTorch
    expect(d.has('a') && !d.has('c')).toBe(true);
    d.set('b', new nn.Tanh()); // replacing keeps the position
    expect(d.keys()).toEqual(['b', 'a']);
    expect(Object.keys(d.stateDict())).toEqual(['a.weight', 'a.bias']);
    expect(d.pop('a')).toBe(lin);
    expect(d.delete('a')).toBe(false);
    expect(d.delete('b')).toBe(true);
    expect(d.length).toBe(0);
    d.update({ x: new nn.ReLU(), y: new nn.ReLU() }).update(new nn.ModuleDict({ z: new nn.ReLU() }));
    expect(d.keys()).toEqual(['x', 'y', 'z']);
    d.clear();
    expect(d.keys()).toEqual([]);
    expect(String(d)).toBe('ModuleDict()');
  });

  it('bad arguments are TypeErrors or RangeErrors naming the op', () => {
    const d = new nn.ModuleDict({ a: new nn.ReLU() });
    expect(() => d.get('b')).toThrow(new RangeError('ModuleDict.get: no module under key "b" (keys: "a")'));
    expect(() => d.pop('b')).toThrow(RangeError);
    expect(() => d.get(1 as never)).toThrow(TypeError);
    expect(() => d.set('b', 3 as never)).toThrow(new TypeError('ModuleDict.set: the value for key "b" is 3, not a Module'));
    expect(() => d.set('keys', new nn.ReLU())).toThrow(/attribute 'keys' already exists/);
    expect(() => d.set('a.b', new nn.ReLU())).toThrow(RangeError);
    expect(() => d.update(5 as never)).toThrow(/ModuleDict.update should be called with an object, a Map or an iterable of \[key, module\] pairs, but got 5/);
    expect(() => d.update([['x', new nn.ReLU(), 1]] as never)).toThrow(/update sequence element #0 has length 3; 2 is required/);
    expect(() => d.update([5] as never)).toThrow(/update sequence element #0 should be a \[key, module\] pair/);
    expect(() => d.update([['ok', new nn.ReLU()], ['bad', null]] as never)).toThrow(/the value for key "bad" is null/);
    expect(d.keys()).toEqual(['a']); // a failed update adds nothing
  });
});

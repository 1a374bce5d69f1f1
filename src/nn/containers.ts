// ModuleList and ModuleDict: Modules that only hold submodules, registered under '0', '1', ...
// or under their keys, so namedParameters() / stateDict() keys are PyTorch's ('layers.0.weight').
//
// Both keep their children where every Module does (the registry and the instance's fields), so
// parent traversal, stateDict and printing need nothing special. ModuleList wraps the Module's
// Proxy in one more Proxy whose traps give `list[i]` Python's meaning: negative i counts from the
// end, assigning past the end is an error (append() grows the list), and `delete list[i]`
// removes the module and renumbers the rest, as PyTorch's `del list[i]`.
import { describe, rangeError, typeError } from '../errors.js';
import { Module } from './module.js';

const INDEX = /^-?(0|[1-9]\d*)$/;
const CANONICAL = /^(0|[1-9]\d*)$/;

function listLength(m: Module): number {
  let n = 0;
  for (const [name, kind] of m._registry) if (kind === 'module' && CANONICAL.test(name)) n++;
  return n;
}

/** Python's index rule: -n <= i < n, negative from the end; anything else is an error naming the op. */
function absIndex(op: string, i: unknown, n: number): number {
  if (typeof i !== 'number' || !Number.isInteger(i)) throw typeError(op, `index must be an integer, got ${describe(i)}`);
  if (!(i >= -n && i < n)) throw rangeError(op, `index ${i} is out of range for a list of ${n} modules`);
  return i < 0 ? i + n : i;
}

function expectModule(op: string, v: unknown, what: string): Module {
  if (!(v instanceof Module)) throw typeError(op, `${what} is ${describe(v)}, not a Module`);
  return v;
}

function iterableOf(op: string, v: unknown, what: string): Iterable<unknown> {
  if (v === null || (typeof v !== 'object' && typeof v !== 'function') || !(Symbol.iterator in Object(v)))
    throw typeError(op, `${what}, but got ${describe(v)}`);
  return v as Iterable<unknown>;
}

const listHandler: ProxyHandler<ModuleList> = {
  get(target, key, receiver) {
    if (typeof key === 'string' && key[0] === '-' && INDEX.test(key)) {
      const n = listLength(target), i = Number(key);
      return i >= -n ? Reflect.get(target, String(i + n), receiver) : undefined;
    }
    return Reflect.get(target, key, receiver);
  },
  set(target, key, value, receiver) {
    if (typeof key === 'string' && INDEX.test(key)) {
      const n = listLength(target);
      // append()/insert() register the new index before assigning it: that one is in range.
      const i = absIndex('ModuleList', Number(key), n);
      expectModule('ModuleList', value, `the value assigned to index ${key}`);
      return Reflect.set(target, String(i), value, receiver);
    }
    return Reflect.set(target, key, value, receiver);
  },
  deleteProperty(target, key) {
    if (typeof key === 'string' && INDEX.test(key)) {
      const n = listLength(target);
      const i = absIndex('ModuleList.delete', Number(key), n);
      const slots = target as unknown as Record<string, Module>;
      // Shift the later modules down one index, then drop the last index (PyTorch renumbers).
      for (let k = i; k < n - 1; k++) Reflect.set(target, String(k), slots[String(k + 1)]);
      return Reflect.deleteProperty(target, String(n - 1));
    }
    return Reflect.deleteProperty(target, key);
  },
};

/**
 * Holds submodules in a list, registered as '0', '1', ... so stateDict() keys are PyTorch's
 * (`layers.0.weight`). Iterable (`for (const m of list)`), indexable with `list[i]`,
 * `list.at(i)` or `list.get(i)` (negative i from the end, as in Python), and a Module, so its
 * children are visible to parameters(), train(), stateDict() and printing. It has no forward().
 *
 * @example
 * ```ts
 * class MLP extends nn.Module {
 *   layers = new nn.ModuleList([new nn.Linear(4, 8), new nn.Linear(8, 2)]);
 *   forward(x: Tensor) {
 *     for (const l of this.layers) x = l.forward(x).tanh();
 *     return x;
 *   }
 * }
 * ```
 */
export class ModuleList<M extends Module = Module> extends Module implements Iterable<M> {
  /** The i-th module (negative counts from the end); undefined when out of range (use at() for an error). */
  [index: number]: M;

  /**
   * @param modules Modules to add, in order.
   */
  constructor(modules?: Iterable<M>) {
    super();
    const self = new Proxy(this, listHandler as ProxyHandler<ModuleList<M>>);
    if (modules !== undefined && modules !== null) self.extend(modules);
    return self;
  }

  /** Number of modules. */
  get length(): number {
    return listLength(this);
  }

  /** The i-th module (negative counts from the end); a RangeError when out of range. */
  at(i: number): M {
    return (this as unknown as Record<string, M>)[String(absIndex('ModuleList.at', i, this.length))]!;
  }

  /** Same as at(i). */
  get(i: number): M {
    return (this as unknown as Record<string, M>)[String(absIndex('ModuleList.get', i, this.length))]!;
  }

  /** Replaces the i-th module (negative counts from the end); same as `list[i] = module`. */
  set(i: number, module: M): this {
    const k = absIndex('ModuleList.set', i, this.length);
    expectModule('ModuleList.set', module, 'module');
    (this as unknown as Record<string, M>)[String(k)] = module;
    return this;
  }

  /** Adds a module at the end. */
  append(module: M): this {
    expectModule('ModuleList.append', module, 'module');
    this.addModule(String(this.length), module);
    return this;
  }

  /** Adds every module of an iterable at the end, in order. */
  extend(modules: Iterable<M>): this {
    const items = [...iterableOf('ModuleList.extend', modules, 'ModuleList.extend should be called with an iterable of Modules')];
    items.forEach((m, i) => expectModule('ModuleList.extend', m, `element ${i}`));
    for (const m of items) this.addModule(String(this.length), m as M);
    return this;
  }

  /**
   * Inserts a module before index i (0 <= i <= length; negative counts from the end, as
   * Python's list.insert), moving the later ones up one index.
   */
  insert(i: number, module: M): this {
    expectModule('ModuleList.insert', module, 'module');
    const n = this.length;
    if (typeof i !== 'number' || !Number.isInteger(i)) throw typeError('ModuleList.insert', `index must be an integer, got ${describe(i)}`);
    const k = Math.min(Math.max(i < 0 ? i + n : i, 0), n);
    if (k === n) return this.append(module);
    const slots = this as unknown as Record<string, M>;
    this.addModule(String(n), slots[String(n - 1)]!);
    for (let j = n - 1; j > k; j--) slots[String(j)] = slots[String(j - 1)]!;
    slots[String(k)] = module;
    return this;
  }

  /** Removes the i-th module (default the last; negative counts from the end), renumbering the later ones, and returns it. */
  pop(i = -1): M {
    if (this.length === 0) throw rangeError('ModuleList.pop', 'pop from an empty ModuleList');
    const m = this.at(i);
    delete (this as unknown as Record<string, M>)[String(i)];
    return m;
  }

  /** Removes the i-th module (negative counts from the end) and renumbers the later ones; same as `delete list[i]`. */
  delete(i: number): void {
    absIndex('ModuleList.delete', i, this.length);
    delete (this as unknown as Record<string, M>)[String(i)];
  }

  /** A new ModuleList of modules start..end (exclusive; negatives from the end), as Python's `list[start:end]`. */
  slice(start?: number, end?: number): ModuleList<M> {
    return new ModuleList<M>([...this].slice(start, end));
  }

  /** The modules in order. */
  *[Symbol.iterator](): Iterator<M> {
    const n = this.length, slots = this as unknown as Record<string, M>;
    for (let i = 0; i < n; i++) yield slots[String(i)]!;
  }
}

/** What ModuleDict's constructor and update() take: a plain object, a Map, another ModuleDict, or [key, module] pairs. */
export type ModuleDictInput<M extends Module = Module> = Record<string, M> | Map<string, M> | ModuleDict<M> | Iterable<readonly [string, M]>;

/**
 * Holds submodules under string keys, registered under those keys (so stateDict() keys are
 * `heads.cls.weight`), in insertion order; a Module, with no forward(). Like a Map: get, set,
 * has, delete, keys, values, entries, length, and iteration over the keys (as PyTorch's). The
 * children are also fields: `dict.cls` reads the same module as `dict.get('cls')`. Keys that
 * would shadow a method or field ('keys', 'training', ...) are refused, as PyTorch does.
 * Plain-object input follows JavaScript's key order (integer-like keys first, ascending); pass a
 * Map or [key, module] pairs to choose any order.
 */
export class ModuleDict<M extends Module = Module> extends Module implements Iterable<string> {
  /**
   * @param modules Initial entries, added in order.
   */
  constructor(modules?: ModuleDictInput<M>) {
    super();
    if (modules !== undefined && modules !== null) this.update(modules);
  }

  private _keys(): string[] {
    const out: string[] = [];
    for (const [name, kind] of this._registry) if (kind === 'module' && this._slotOf(name) instanceof Module) out.push(name);
    return out;
  }

  private _slotOf(key: string): unknown {
    return (this as unknown as Record<string, unknown>)[key];
  }

  /** Number of entries. */
  get length(): number {
    return this._keys().length;
  }

  /** The module under key; a RangeError if there is none (PyTorch's KeyError). */
  get(key: string): M {
    if (typeof key !== 'string') throw typeError('ModuleDict.get', `key must be a string, got ${describe(key)}`);
    if (!this.has(key)) throw rangeError('ModuleDict.get', `no module under key ${JSON.stringify(String(key))} (keys: ${this._keys().map((k) => JSON.stringify(k)).join(', ') || 'none'})`);
    return this._slotOf(key) as M;
  }

  /** Adds or replaces the module under key (a replaced key keeps its position). */
  set(key: string, module: M): this {
    if (typeof key !== 'string') throw typeError('ModuleDict.set', `key must be a string, got ${describe(key)}`);
    expectModule('ModuleDict.set', module, `the value for key ${JSON.stringify(String(key))}`);
    this.addModule(key, module);
    return this;
  }

  /** Whether a module is stored under key. */
  has(key: string): boolean {
    return typeof key === 'string' && this._registry.get(key) === 'module' && this._slotOf(key) instanceof Module;
  }

  /** Removes the entry under key; returns whether there was one. */
  delete(key: string): boolean {
    if (!this.has(key)) return false;
    delete (this as unknown as Record<string, unknown>)[key];
    return true;
  }

  /** Removes the entry under key and returns its module; a RangeError if there is none. */
  pop(key: string): M {
    const m = this.get(key);
    this.delete(key);
    return m;
  }

  /** Removes every entry. */
  clear(): void {
    for (const k of this._keys()) this.delete(k);
  }

  /** The keys, in insertion order. */
  keys(): string[] {
    return this._keys();
  }

  /** The modules, in insertion order. */
  values(): M[] {
    return this._keys().map((k) => this._slotOf(k) as M);
  }

  /** [key, module] pairs, in insertion order (PyTorch's items()). */
  entries(): [string, M][] {
    return this._keys().map((k) => [k, this._slotOf(k) as M]);
  }

  /**
   * Adds or replaces entries from a plain object, a Map, another ModuleDict or an iterable of
   * [key, module] pairs, in their order. Every entry is checked before any is added.
   */
  update(modules: ModuleDictInput<M>): this {
    const op = 'ModuleDict.update';
    let pairs: [unknown, unknown][];
    if (modules instanceof ModuleDict) pairs = modules.entries();
    else if (modules instanceof Map) pairs = [...modules.entries()];
    else if (modules !== null && typeof modules === 'object' && !(Symbol.iterator in modules) && Object.getPrototypeOf(modules) === Object.prototype)
      pairs = Object.entries(modules);
    else {
      const items = [...iterableOf(op, modules, 'ModuleDict.update should be called with an object, a Map or an iterable of [key, module] pairs')];
      pairs = items.map((m, j) => {
        if (m === null || typeof m !== 'object' || !(Symbol.iterator in m)) throw typeError(op, `update sequence element #${j} should be a [key, module] pair; is ${describe(m)}`);
        const kv = [...(m as Iterable<unknown>)];
        if (kv.length !== 2) throw rangeError(op, `update sequence element #${j} has length ${kv.length}; 2 is required`);
        return [kv[0], kv[1]];
      });
    }
    for (const [k, m] of pairs) {
      if (typeof k !== 'string') throw typeError(op, `keys must be strings, got ${describe(k)}`);
      expectModule(op, m, `the value for key ${JSON.stringify(k)}`);
    }
    for (const [k, m] of pairs) this.addModule(k as string, m as M);
    return this;
  }

  /** The keys, in insertion order (PyTorch's iteration over a ModuleDict). */
  *[Symbol.iterator](): Iterator<string> {
    yield* this._keys();
  }
}

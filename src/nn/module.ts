// nn.Module: the base class of layers and models.
//
// Registration: the constructor returns a Proxy over the instance whose `set` and
// `defineProperty` traps see every field assignment (class fields and `this.x = ...` alike).
// A value that is a Module or an nn.Parameter is registered under the field's name, in the
// order of first assignment — PyTorch's attribute semantics — in one ordered Map, so integer
// names ('0', '1', ...) keep their registration order too (plain object key order would not).
// Buffers are registered explicitly with registerBuffer(name, t); parameters and children may
// also be registered explicitly (registerParameter, addModule), e.g. under computed names.
// Once a name is registered, assigning a value of the wrong kind is a TypeError, as in PyTorch.
// The registered values live on the instance itself, so `this.weight` reads them directly.
import { noGrad } from '../autograd/grad_mode.js';
import { describe, fmtShape, rangeError, typeError } from '../errors.js';
import { optionsOf } from '../options.js';
import { Tensor } from '../tensor.js';
import { Parameter } from './parameter.js';

type Kind = 'param' | 'buffer' | 'module';

/** What {@link Module.loadStateDict} reports: keys the module expected but the dict lacked, and keys the dict had that the module does not. */
export interface LoadResult {
  /** Names of parameters and persistent buffers absent from the loaded dict. */
  missingKeys: string[];
  /** Names in the loaded dict that match no parameter or buffer. */
  unexpectedKeys: string[];
}

const handler: ProxyHandler<Module> = {
  set(target, key, value) {
    if (typeof key === 'string') classify(target, key, value);
    return Reflect.set(target, key, value);
  },
  defineProperty(target, key, desc) {
    if (typeof key === 'string' && 'value' in desc) classify(target, key, desc.value);
    return Reflect.defineProperty(target, key, desc);
  },
  deleteProperty(target, key) {
    if (typeof key === 'string') {
      target._registry.delete(key);
      target._nonPersistent.delete(key);
    }
    return Reflect.deleteProperty(target, key);
  },
};

function kindName(k: Kind): string {
  return k === 'param' ? 'parameter' : k === 'buffer' ? 'buffer' : 'child module';
}

/** Registers or checks `name` for an assignment of `value`. */
function classify(m: Module, name: string, value: unknown): void {
  const existing = m._registry.get(name);
  if (value instanceof Parameter) {
    if (existing === 'buffer')
      throw typeError(m._getName(), `cannot assign a Parameter to buffer '${name}' (use a plain Tensor or null)`);
    m._registry.set(name, 'param');
  } else if (value instanceof Module) {
    if (existing !== undefined && existing !== 'module')
      throw typeError(m._getName(), `cannot assign a Module as ${kindName(existing)} '${name}'`);
    m._registry.set(name, 'module');
  } else if (existing !== undefined && value !== null && value !== undefined) {
    if (existing === 'param')
      throw typeError(m._getName(), `cannot assign ${describe(value)} as parameter '${name}' (nn.Parameter or null expected)`);
    if (existing === 'module')
      throw typeError(m._getName(), `cannot assign ${describe(value)} as child module '${name}' (Module or null expected)`);
    if (existing === 'buffer' && !(value instanceof Tensor))
      throw typeError(m._getName(), `cannot assign ${describe(value)} as buffer '${name}' (Tensor or null expected)`);
  }
}

function checkName(m: Module, op: string, name: unknown): string {
  const owner = m._getName();
  if (typeof name !== 'string') throw typeError(`${owner}.${op}`, `name must be a string, got ${describe(name)}`);
  if (name === '' || name.includes('.')) throw rangeError(`${owner}.${op}`, `name can't be empty or contain ".", got "${name}"`);
  // Like PyTorch's "attribute 'x' already exists": never shadow a method or a plain field
  // (a declared field that is still null/undefined, e.g. `bias: Parameter | null = null`, is free).
  const unset = Object.prototype.hasOwnProperty.call(m, name) && (m as unknown as Record<string, unknown>)[name] == null;
  if (name in m && !m._registry.has(name) && !unset) throw rangeError(`${owner}.${op}`, `attribute '${name}' already exists`);
  return name;
}

/** Indents every line but the first (PyTorch's _addindent). */
function addIndent(s: string, n: number): string {
  const lines = s.split('\n');
  if (lines.length === 1) return s;
  const pad = ' '.repeat(n);
  return [lines[0], ...lines.slice(1).map((l) => pad + l)].join('\n');
}

/** Base class of layers and models, as PyTorch's nn.Module: parameters, buffers and submodules assigned as fields are registered automatically. */
export class Module {
  /** @internal Registered names in registration order, with their kind. */
  _registry = new Map<string, Kind>();
  /** @internal Buffers left out of stateDict (registerBuffer(name, t, false)). */
  _nonPersistent = new Set<string>();
  /** Train mode (Dropout drops, ...) or eval mode. */
  training = true;

  constructor() {
    // The Proxy is what `new` returns: subclass fields are then defined through its traps.
    return new Proxy(this, handler);
  }

  /** The computation. Subclasses override it; call it as `module.forward(x)`. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  forward(..._args: any[]): any {
    throw new Error(`${this._getName()}: forward() is not implemented (subclasses of nn.Module must define it)`);
  }

  /** @internal The class name, as PyTorch's _get_name(). */
  _getName(): string {
    return this.constructor.name;
  }

  private _slot(name: string): unknown {
    return (this as unknown as Record<string, unknown>)[name];
  }

  // ---- explicit registration ------------------------------------------------------------
  /** Registers `param` (or a null placeholder) as the parameter `name`, as a field assignment does. */
  registerParameter(name: string, param: Parameter | null): void {
    checkName(this, 'registerParameter', name);
    if (param !== null && !(param instanceof Parameter))
      throw typeError(`${this._getName()}.registerParameter`, `cannot assign ${describe(param)} as parameter '${name}' (nn.Parameter or null expected)`);
    if (this._registry.get(name) !== 'param') this._registry.delete(name);
    this._registry.set(name, 'param');
    (this as unknown as Record<string, unknown>)[name] = param;
  }

  /** Registers a tensor that is state but not a parameter; `persistent = false` leaves it out of stateDict(). */
  registerBuffer(name: string, tensor: Tensor | null, persistent = true): void {
    checkName(this, 'registerBuffer', name);
    if (tensor !== null && (!(tensor instanceof Tensor) || tensor instanceof Parameter))
      throw typeError(`${this._getName()}.registerBuffer`, `cannot assign ${describe(tensor)} as buffer '${name}' (Tensor or null expected)`);
    if (this._registry.get(name) !== 'buffer') this._registry.delete(name);
    this._registry.set(name, 'buffer');
    if (persistent) this._nonPersistent.delete(name);
    else this._nonPersistent.add(name);
    (this as unknown as Record<string, unknown>)[name] = tensor;
  }

  /** Registers `module` as the submodule `name`. */
  addModule(name: string, module: Module | null): void {
    checkName(this, 'addModule', name);
    if (module !== null && !(module instanceof Module))
      throw typeError(`${this._getName()}.addModule`, `${describe(module)} is not a Module subclass`);
    if (this._registry.get(name) !== 'module') this._registry.delete(name);
    this._registry.set(name, 'module');
    (this as unknown as Record<string, unknown>)[name] = module;
  }

  /** Same as addModule(). */
  registerModule(name: string, module: Module | null): void {
    this.addModule(name, module);
  }

  // ---- traversal --------------------------------------------------------------------------
  private *_own<T>(kind: Kind): Generator<[string, T]> {
    for (const [name, k] of this._registry) {
      if (k !== kind) continue;
      const v = this._slot(name);
      if (v !== null && v !== undefined) yield [name, v as T];
    }
  }

  /** (name, module) for this module and every descendant, depth first, each module once. */
  *namedModules(prefix = '', seen = new Set<Module>()): Generator<[string, Module]> {
    if (typeof prefix !== 'string') throw typeError(`${this._getName()}.namedModules`, `prefix must be a string, got ${describe(prefix)}`);
    if (!(seen instanceof Set)) throw typeError(`${this._getName()}.namedModules`, `seen must be a Set, got ${describe(seen)}`);
    if (seen.has(this)) return;
    seen.add(this);
    yield [prefix, this];
    for (const [name, child] of this._own<Module>('module')) yield* child.namedModules(prefix ? `${prefix}.${name}` : name, seen);
  }

  /** This module and every descendant, depth first, each once. */
  *modules(): Generator<Module> {
    for (const [, m] of this.namedModules()) yield m;
  }

  /** (name, module) for the direct submodules. */
  *namedChildren(): Generator<[string, Module]> {
    const seen = new Set<Module>();
    for (const [name, m] of this._own<Module>('module')) {
      if (seen.has(m)) continue;
      seen.add(m);
      yield [name, m];
    }
  }

  /** The direct submodules. */
  *children(): Generator<Module> {
    for (const [, m] of this.namedChildren()) yield m;
  }

  /** (qualified name, parameter), each parameter once (shared ones under their first name). */
  namedParameters(opts: { prefix?: string; recurse?: boolean } = {}): [string, Parameter][] {
    opts = optionsOf(`${this._getName()}.namedParameters`, opts);
    return this._named<Parameter>('param', opts.prefix ?? '', opts.recurse ?? true);
  }

  /** Every parameter of this module (and its descendants unless `recurse` is false), each once; what an optimizer takes. */
  parameters(recurse = true): Parameter[] {
    return this.namedParameters({ recurse }).map(([, p]) => p);
  }

  /** (qualified name, buffer) for every registered buffer. */
  namedBuffers(opts: { prefix?: string; recurse?: boolean } = {}): [string, Tensor][] {
    opts = optionsOf(`${this._getName()}.namedBuffers`, opts);
    return this._named<Tensor>('buffer', opts.prefix ?? '', opts.recurse ?? true);
  }

  /** Every registered buffer. */
  buffers(recurse = true): Tensor[] {
    return this.namedBuffers({ recurse }).map(([, b]) => b);
  }

  private _named<T>(kind: Kind, prefix: string, recurse: boolean): [string, T][] {
    if (typeof prefix !== 'string')
      throw typeError(`${this._getName()}.${kind === 'param' ? 'namedParameters' : 'namedBuffers'}`, `prefix must be a string, got ${describe(prefix)}`);
    const out: [string, T][] = [];
    const seen = new Set<unknown>();
    const mods: [string, Module][] = recurse ? [...this.namedModules(prefix)] : [[prefix, this]];
    for (const [mp, m] of mods)
      for (const [name, v] of m._own<T>(kind)) {
        if (seen.has(v)) continue;
        seen.add(v);
        out.push([mp ? `${mp}.${name}` : name, v]);
      }
    return out;
  }

  // ---- modes and gradients ------------------------------------------------------------------
  /** Sets train mode (or eval mode with false) on this module and every descendant. */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw typeError(`${this._getName()}.train`, `mode must be a boolean, got ${describe(mode)}`);
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Same as train(false): Dropout stops dropping, and so on. */
  eval(): this {
    return this.train(false);
  }

  /** Sets requiresGrad on every parameter, e.g. false to freeze a pretrained part. */
  requiresGrad_(flag = true): this {
    for (const p of this.parameters()) p.requiresGrad_(flag);
    return this;
  }

  /** Clears parameter gradients: to null (default, as PyTorch ≥ 2.0) or to zeros. */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    opts = optionsOf(`${this._getName()}.zeroGrad`, opts);
    const setToNone = opts.setToNone ?? true;
    for (const p of this.parameters()) {
      if (p.grad === null) continue;
      if (setToNone) p.grad = null;
      else {
        p.grad.detach_();
        noGrad(() => p.grad!.zero_());
      }
    }
  }

  /** Calls fn on every descendant and then on this module (children first, as PyTorch). */
  apply(fn: (m: Module) => void): this {
    if (typeof fn !== 'function') throw typeError(`${this._getName()}.apply`, `fn must be a function, got ${describe(fn)}`);
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  // ---- state --------------------------------------------------------------------------------
  /**
   * name -> detached tensor (sharing storage), PyTorch's order: per module its parameters,
   * then its persistent buffers, then its children's entries.
   */
  stateDict(opts: { prefix?: string; keepVars?: boolean } = {}): Record<string, Tensor> {
    opts = optionsOf(`${this._getName()}.stateDict`, opts);
    if (opts.prefix !== undefined && typeof opts.prefix !== 'string')
      throw typeError(`${this._getName()}.stateDict`, `prefix must be a string, got ${describe(opts.prefix)}`);
    const out: Record<string, Tensor> = {};
    this._saveTo(out, opts.prefix ?? '', opts.keepVars ?? false);
    return out;
  }

  private _saveTo(out: Record<string, Tensor>, prefix: string, keepVars: boolean): void {
    for (const [name, p] of this._own<Tensor>('param')) out[prefix + name] = keepVars ? p : p.detach();
    for (const [name, b] of this._own<Tensor>('buffer'))
      if (!this._nonPersistent.has(name)) out[prefix + name] = keepVars ? b : b.detach();
    for (const [name, c] of this._own<Module>('module')) c._saveTo(out, `${prefix}${name}.`, keepVars);
  }

  /**
   * Copies values from `sd` into this module's parameters and buffers in place (under noGrad).
   * Shape mismatches are always errors; with strict (default) missing and unexpected keys are
   * too. All problems are reported together, as PyTorch does.
   */
  loadStateDict(sd: Record<string, Tensor>, opts: { strict?: boolean } = {}): LoadResult {
    const op = `${this._getName()}.loadStateDict`;
    if (sd === null || typeof sd !== 'object' || Array.isArray(sd) || sd instanceof Tensor)
      throw typeError(op, `expected a plain object of name -> Tensor, got ${describe(sd)}`);
    opts = optionsOf(op, opts);
    const strict = opts.strict ?? true;
    const own = this.stateDict({ keepVars: true });
    const missingKeys = Object.keys(own).filter((k) => !(k in sd));
    const unexpectedKeys = Object.keys(sd).filter((k) => !(k in own));
    const errors: string[] = [];
    if (strict && unexpectedKeys.length) errors.push(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}.`);
    if (strict && missingKeys.length) errors.push(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}.`);
    for (const [k, dst] of Object.entries(own)) {
      if (!(k in sd)) continue;
      const src = sd[k];
      if (!(src instanceof Tensor)) {
        errors.push(`While copying the parameter named "${k}", expected a Tensor, got ${describe(src)}.`);
        continue;
      }
      if (src._shape.length !== dst._shape.length || src._shape.some((s, i) => s !== dst._shape[i]))
        errors.push(
          `size mismatch for ${k}: copying a param with shape ${fmtShape(src._shape)} from checkpoint, the shape in current model is ${fmtShape(dst._shape)}.`,
        );
    }
    if (errors.length) throw new Error(`Error(s) in loading state_dict for ${this._getName()}:\n\t${errors.join('\n\t')}`);
    noGrad(() => {
      for (const [k, dst] of Object.entries(own)) if (k in sd) dst.copy_(sd[k]!);
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---- printing -----------------------------------------------------------------------------
  /** The text inside the parentheses of this module's line (PyTorch's extra_repr). */
  extraRepr(): string {
    return '';
  }

  /** A printout of the module tree in PyTorch's format. */
  toString(): string {
    const extra = this.extraRepr();
    const extraLines = extra ? extra.split('\n') : [];
    const childLines = [...this._own<Module>('module')].map(([name, m]) => `(${name}): ${addIndent(m.toString(), 2)}`);
    const lines = [...extraLines, ...childLines];
    let s = `${this._getName()}(`;
    if (lines.length) {
      if (extraLines.length === 1 && childLines.length === 0) s += extraLines[0];
      else s += `\n  ${lines.join('\n  ')}\n`;
    }
    return `${s})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

// The op registry: each public op is declared once, by `def` (or a family's builder such as
// `unaryOp`, which calls it), with how it is exposed: as a `tg.<name>` function (the modules
// src/ops/public.ts re-exports), as a Tensor method (installed on the prototype from this list
// by src/tensor_methods.ts), or both; and, for ops that are one native kernel, which kernel.
// Kernel codes come from the addon (`native.opCodes`, generated from the X-macro lists in
// cpp/kernels/ops.h), so there is no second copy of the numbering to drift.
import { native } from '../native.js';

/**
 * How an op is a Tensor method: 'plain' keeps its return type, 'sameDType' (views, copies,
 * in-place ops) returns `Tensor<D>` for a `Tensor<D>`, 'overloaded' is typed apart (by
 * src/ops/methods.ts OverloadedMethods), false is no method.
 */
export type MethodKind = 'plain' | 'sameDType' | 'overloaded' | false;

/** The kernel tables of `native.opCodes` (cpp/kernels/ops.h). */
export type KernelTable = 'unary' | 'binary' | 'compare' | 'intBinary' | 'reduce';

/** A registered op, as tests and tools read the registry. */
export interface OpInfo {
  /** The `tg.<name>` export and, unless `method` says otherwise, the method name. */
  readonly name: string;
  /** The Tensor method it is installed as, or null. */
  readonly method: string | null;
  readonly kind: MethodKind;
  /** Whether `tg.<name>` is this op (false: a method only). */
  readonly exported: boolean;
  /** The native kernel an elementwise op is, as [table, C++ enumerator]; null for the others. */
  readonly kernel: readonly [KernelTable, string] | null;
  /** Takes its arguments after `self` as a rest parameter (the method passes them all on). */
  readonly variadic: boolean;
  /** The function; its first parameter is the tensor a method is called on. */
  readonly fn: (...args: never[]) => unknown;
}

/**
 * The type brand that tells src/tensor.ts which registered functions are methods, and of which
 * kind. A type only: nothing is stored on the function.
 */
export type Op<F, K extends MethodKind> = F & { readonly __method?: K };

const ops: OpInfo[] = [];

export interface DefOptions<K extends MethodKind> {
  /** Method kind; 'plain' when omitted. */
  method?: K;
  /** Method name when it differs from `name` (`var` for `variance`). */
  methodName?: string;
  /** false for a method-only op (declared in src/ops/methods.ts, not exported as tg.<name>). */
  exported?: boolean;
  kernel?: readonly [KernelTable, string];
  variadic?: boolean;
}

/** Registers `fn` as the op `name` and returns it, typed with its exposure. */
export function def<F extends (...args: never[]) => unknown, K extends MethodKind = 'plain'>(
  name: string,
  fn: F,
  opts: DefOptions<K> = {},
): Op<F, K> {
  const kind = (opts.method ?? 'plain') as MethodKind;
  const exported = opts.exported ?? true;
  const method = kind === false ? null : (opts.methodName ?? name);
  if (exported && ops.some((o) => o.exported && o.name === name)) throw new Error(`op registry: tg.${name} is declared twice`);
  if (method !== null && ops.some((o) => o.method === method)) throw new Error(`op registry: Tensor.${method} is declared twice`);
  ops.push({ name, method, kind, exported, kernel: opts.kernel ?? null, variadic: opts.variadic ?? false, fn });
  return fn as Op<F, K>;
}

/** Every registered op, in declaration order. */
export function registeredOps(): readonly OpInfo[] {
  return ops;
}

/**
 * The code of kernel `name` in `table`; throws at load, naming both, when the addon has no such
 * kernel (an op declared in src/ before its C++ side exists, or an addon built from older code).
 */
export function kernelCode(table: KernelTable, name: string): number {
  const code = native.opCodes[table][name];
  if (code === undefined)
    throw new Error(`tensorgrad: the native addon has no ${table} kernel '${name}' (cpp/kernels/ops.h); rebuild it (npm run build:native)`);
  return code;
}

/** The codes of several kernels of one table, by name (each checked as kernelCode does). */
export function kernelCodesOf<N extends string>(table: KernelTable, names: readonly N[]): Readonly<Record<N, number>> {
  const codes = {} as Record<N, number>;
  for (const name of names) codes[name] = kernelCode(table, name);
  return Object.freeze(codes);
}

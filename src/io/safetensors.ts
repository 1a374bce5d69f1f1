// Saving and loading in the safetensors format (what PyTorch users exchange weights in):
//   u64 little-endian header length N | N bytes of JSON header | packed little-endian data.
// The writer is here: it only lays out bytes JS already holds. The reader is native
// (cpp/io/safetensors.cpp), because it parses untrusted bytes and is fuzzed; JS only allocates
// each tensor's storage, so the storage stays V8-owned.
import * as fs from 'node:fs';
import type { DType } from '../dtype.js';
import { allocate } from '../storage.js';
import { describe, rangeError, typeError } from '../errors.js';
import { native, type Storage } from '../native.js';
import { MAX_NUMEL, contiguousStrides, numel } from '../shape.js';
import { Tensor } from '../tensor.js';
import { expectTensor } from '../ops/base.js';
import { contiguousData } from '../ops/views.js';

/** Tensors to save: a state dict (`Record<string, Tensor>`) or a `Map`, written in iteration order. */
export type Tensors = Record<string, Tensor> | Map<string, Tensor>;
/** The header's `__metadata__`: free-form string pairs (PyTorch's `metadata=` argument). */
export type Metadata = Record<string, string>;
/** Options of load() and loadFromBuffer(). */
export interface LoadOptions {
  /** Return `{ tensors, metadata }` instead of the tensors alone. */
  withMetadata?: boolean;
}
/** What load() returns with `withMetadata: true`. */
export interface Loaded {
  /** The tensors by name. */
  tensors: Record<string, Tensor>;
  /** The file's `__metadata__` string map. */
  metadata: Metadata;
}


const FILE_DTYPE: Record<DType, string> = { float32: 'F32', int32: 'I32', bool: 'BOOL' };
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
// A lone surrogate has no UTF-8 encoding: JSON.stringify would escape it as \udXXX, which
// readers (this one included) reject, so such a name is refused when saving.
const LONE_SURROGATE = /\p{Cs}/u;

/** Own property, even for names like "__proto__", so a file cannot reach the prototype. */
function define<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function isPlainRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Tensor) && !ArrayBuffer.isView(v);
}

function checkUnicode(op: string, s: string, what: string): string {
  if (LONE_SURROGATE.test(s)) throw rangeError(op, `${what} ${JSON.stringify(s)} is not valid Unicode (lone surrogate)`);
  return s;
}

function checkName(op: string, name: unknown, what: string): string {
  if (typeof name !== 'string') throw typeError(op, `${what} names must be strings, got ${describe(name)}`);
  return checkUnicode(op, name, `${what} name`);
}

function tensorList(op: string, tensors: unknown): [string, Tensor][] {
  let pairs: [unknown, unknown][];
  if (tensors instanceof Map) pairs = [...tensors.entries()];
  else if (isPlainRecord(tensors)) pairs = Object.entries(tensors);
  else throw typeError(op, `expected a Record<string, Tensor> or a Map of tensors, got ${describe(tensors)}`);
  return pairs.map(([k, v]) => {
    const name = checkName(op, k, 'tensor');
    if (name === '__metadata__') throw rangeError(op, `'__metadata__' is reserved by the format and cannot name a tensor`);
    return [name, expectTensor(op, v, `tensor '${name}'`)];
  });
}

function metadataList(op: string, metadata: unknown): [string, string][] | null {
  if (metadata === undefined) return null;
  let pairs: [unknown, unknown][];
  if (metadata instanceof Map) pairs = [...metadata.entries()];
  else if (isPlainRecord(metadata)) pairs = Object.entries(metadata);
  else throw typeError(op, `metadata must be a Record<string, string>, got ${describe(metadata)}`);
  return pairs.map(([k, v]) => {
    const key = checkName(op, k, 'metadata');
    if (typeof v !== 'string') throw typeError(op, `metadata value for '${key}' must be a string, got ${describe(v)}`);
    return [key, checkUnicode(op, v, `metadata value of '${key}'`)];
  });
}

/** The file's bytes as chunks: [length + header + padding, each tensor's data...]. */
function encode(op: string, tensors: unknown, metadata: unknown): Uint8Array[] {
  const list = tensorList(op, tensors);
  const meta = metadataList(op, metadata);
  // Header: __metadata__ first (as the reference writes it), then the tensors in the order
  // given, their data laid out back to back in the same order.
  const parts: string[] = [];
  if (meta) parts.push(`"__metadata__":{${meta.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`);
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of list) {
    const data = littleEndianBytes(contiguousData(t));
    parts.push(
      `${JSON.stringify(name)}:{"dtype":"${FILE_DTYPE[t.dtype]}","shape":[${t._shape.join(',')}],` +
        `"data_offsets":[${offset},${offset + data.length}]}`,
    );
    chunks.push(data);
    offset += data.length;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  // Spaces pad the header so the data section starts 8-byte aligned in the file, as the
  // reference writer does: a reader that maps the file can then view F64/I64 data in place.
  const headerLen = Math.ceil(json.length / 8) * 8;
  const head = new Uint8Array(8 + headerLen).fill(0x20);
  new DataView(head.buffer).setBigUint64(0, BigInt(headerLen), true);
  head.set(json, 8);
  return [head, ...chunks];
}

/** A storage's bytes as the file holds them; on little-endian hosts a view, not a copy. */
function littleEndianBytes(data: Storage): Uint8Array {
  if (data instanceof Uint8Array) {
    // bool: the format allows only 0 and 1 (storage holds 0/1, but never write anything else).
    const out = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = data[i] ? 1 : 0;
    return out;
  }
  if (LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  const isFloat = data instanceof Float32Array;
  for (let i = 0; i < data.length; i++)
    if (isFloat) view.setFloat32(4 * i, data[i]!, true);
    else view.setInt32(4 * i, data[i]!, true);
  return out;
}

function decode(op: string, bytes: unknown): Loaded {
  let u8: Uint8Array;
  if (bytes instanceof Uint8Array) u8 = bytes;
  else if (bytes instanceof ArrayBuffer) u8 = new Uint8Array(bytes);
  else throw typeError(op, `expected the file's bytes as a Uint8Array, Buffer or ArrayBuffer, got ${describe(bytes)}`);
  const header = native.safetensorsParse(u8, op);
  const tensors: Record<string, Tensor> = {};
  for (const e of header.entries) {
    const n = numel(e.shape);
    if (n > MAX_NUMEL) throw rangeError(op, `tensor '${e.name}' has ${n} elements, more than the ${MAX_NUMEL} supported`);
    let data: Storage;
    try {
      data = allocate(e.target, n);
    } catch (err) {
      throw rangeError(op, `tensor '${e.name}': cannot allocate ${n} elements (${err instanceof Error ? err.message : err})`);
    }
    native.safetensorsConvert(u8, e.dtype, e.begin, e.end, data, e.name, op);
    define(tensors, e.name, Tensor._make({ data }, e.shape, contiguousStrides(e.shape), 0, e.target));
  }
  const metadata: Metadata = {};
  for (const [k, v] of header.metadata) define(metadata, k, v);
  return { tensors, metadata };
}

function checkPath(op: string, path: unknown): fs.PathLike {
  if (typeof path !== 'string' && !(path instanceof URL)) throw typeError(op, `path must be a string or a URL, got ${describe(path)}`);
  return path;
}

function fsError(op: string, what: string, path: fs.PathLike, err: unknown): Error {
  const msg = err instanceof Error ? err.message : String(err);
  return new Error(`${op}: cannot ${what} ${String(path)}: ${msg}`, { cause: err });
}

/** Serializes tensors (and optional string metadata) to safetensors bytes. */
export function saveToBuffer(tensors: Tensors, metadata?: Metadata): Uint8Array {
  const chunks = encode('saveToBuffer', tensors, metadata);
  const total = chunks.reduce((n, c) => n + c.length, 0);
  let out: Uint8Array;
  try {
    out = new Uint8Array(total);
  } catch (err) {
    throw rangeError('saveToBuffer', `cannot allocate ${total} bytes (${err instanceof Error ? err.message : err})`);
  }
  let pos = 0;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

/** Writes tensors (and optional string metadata) to a safetensors file, synchronously. */
export function save(tensors: Tensors, path: string | URL, metadata?: Metadata): void {
  const p = checkPath('save', path);
  const chunks = encode('save', tensors, metadata);
  // Chunk by chunk straight from each tensor's storage: no second copy of the whole model.
  let fd: number | undefined;
  try {
    fd = fs.openSync(p, 'w');
    for (const c of chunks) for (let done = 0; done < c.length; ) done += fs.writeSync(fd, c, done, c.length - done);
  } catch (err) {
    throw fsError('save', 'write', p, err);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Reads safetensors bytes. Returns the tensors by name in header order (as JS orders keys:
 * integer-like names such as "0" come first), or `{ tensors, metadata }` with `withMetadata`.
 * F16/BF16/F64 load as float32 and I64 as int32 (see README, "Saving and loading").
 */
export function loadFromBuffer(bytes: Uint8Array | ArrayBuffer): Record<string, Tensor>;
export function loadFromBuffer(bytes: Uint8Array | ArrayBuffer, opts: LoadOptions & { withMetadata: true }): Loaded;
export function loadFromBuffer(bytes: Uint8Array | ArrayBuffer, opts?: LoadOptions): Record<string, Tensor> | Loaded;
export function loadFromBuffer(bytes: Uint8Array | ArrayBuffer, opts?: LoadOptions): Record<string, Tensor> | Loaded {
  const withMetadata = checkOptions('loadFromBuffer', opts);
  const loaded = decode('loadFromBuffer', bytes);
  return withMetadata ? loaded : loaded.tensors;
}

/** Reads a safetensors file; like loadFromBuffer. */
export function load(path: string | URL): Record<string, Tensor>;
export function load(path: string | URL, opts: LoadOptions & { withMetadata: true }): Loaded;
export function load(path: string | URL, opts?: LoadOptions): Record<string, Tensor> | Loaded;
export function load(path: string | URL, opts?: LoadOptions): Record<string, Tensor> | Loaded {
  const p = checkPath('load', path);
  const withMetadata = checkOptions('load', opts);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(p);
  } catch (err) {
    throw fsError('load', 'read', p, err);
  }
  const loaded = decode('load', bytes);
  return withMetadata ? loaded : loaded.tensors;
}

function checkOptions(op: string, opts: unknown): boolean {
  if (opts === undefined) return false;
  if (!isPlainRecord(opts)) throw typeError(op, `options must be an object, got ${describe(opts)}`);
  const w = (opts as LoadOptions).withMetadata;
  if (w !== undefined && typeof w !== 'boolean') throw typeError(op, `withMetadata must be a boolean, got ${describe(w)}`);
  return w === true;
}

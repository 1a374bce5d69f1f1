// Saving and loading safetensors: round trips of every dtype and layout, interchange with
// PyTorch through committed fixtures (scripts/gen_safetensors_fixtures.py), and one hand-made
// bad file per validation rule of the native reader — each a TypeError/RangeError, never a crash.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';

const FIXTURES = path.join(__dirname, 'fixtures', 'safetensors');
const enc = new TextEncoder();

/** A file from a header (object or raw JSON text) and a data section. */
function file(header: object | string | Uint8Array, data: ArrayLike<number> = [], headerLen?: bigint): Uint8Array {
  const h = header instanceof Uint8Array ? header : enc.encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLen ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

const f32 = (...v: number[]) => new Uint8Array(new Float32Array(v).buffer);
const entry = (dtype: string, shape: number[], b: number, e: number) => ({ dtype, shape, data_offsets: [b, e] });

function headerOf(bytes: Uint8Array): { n: number; json: Record<string, unknown> } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { n, json: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) };
}

function bits(t: tg.Tensor): number[] {
  const d = t.toTypedArray();
  return Array.from(d instanceof Float32Array ? new Uint32Array(d.buffer, d.byteOffset, d.length) : d);
}

function sameTensor(got: tg.Tensor | undefined, want: tg.Tensor): void {
  expect(got).toBeInstanceOf(tg.Tensor);
  expect(got!.dtype).toBe(want.dtype);
  expect(got!.shape).toEqual(want.shape);
  expect(got!.isContiguous()).toBe(true);
  expect(bits(got!)).toEqual(bits(want)); // bitwise: NaN payloads and -0 survive
}

describe('safetensors round trips', () => {
  const shapes = [[], [0], [1], [5], [2, 3], [2, 0, 3], [1, 1, 1, 1], [3, 1, 4]];

  it('every dtype and shape, including 0-d and zero-size', () => {
    tg.manualSeed(7);
    const tensors = new Map<string, tg.Tensor>();
    for (const s of shapes) {
      const key = s.join('x') || 'scalar';
      tensors.set(`f32.${key}`, tg.randn(s));
      tensors.set(`i32.${key}`, tg.randint(-1000, 1000, s, { dtype: 'int32' }));
      tensors.set(`bool.${key}`, tg.randn(s).gt(0));
    }
    tensors.set('f32.specials', tg.tensor([NaN, Infinity, -Infinity, -0, 0, 1e-45, 3.4028234663852886e38, -1]));
    tensors.set('i32.extremes', tg.tensor(new Int32Array([2147483647, -2147483648, 0, -1])));
    const bytes = tg.saveToBuffer(tensors);
    const back = tg.loadFromBuffer(bytes);
    expect(Object.keys(back)).toEqual([...tensors.keys()]);
    for (const [name, t] of tensors) sameTensor(back[name], t);
  });

  it('non-contiguous tensors are saved in row-major order', () => {
    const base = tg.arange(24).reshape(2, 3, 4);
    const views = {
      transposed: base.transpose(0, 2),
      permuted: base.permute(1, 2, 0),
      narrowed: base.narrow(2, 1, 2),
      selected: base.select(1, 2), // nonzero storage offset
      expanded: tg.tensor([1, 2, 3]).expand(2, 3), // stride 0
      intT: tg.arange(6, { dtype: 'int32' }).reshape(2, 3).t(),
      boolT: tg.tensor([[true, false, false], [true, true, false]]).t(),
    };
    const back = tg.loadFromBuffer(tg.saveToBuffer(views));
    for (const [name, v] of Object.entries(views)) {
      expect(v.isContiguous()).toBe(false);
      sameTensor(back[name], v.contiguous());
      expect(back[name]!.toArray()).toEqual(v.toArray());
    }
  });

  it('writes the reference layout: 8-aligned data, header padded with spaces, keys in order', () => {
    const bytes = tg.saveToBuffer({ b: tg.ones(3), a: tg.zeros(2, { dtype: 'int32' }), m: tg.tensor(true) }, { k: 'v' });
    const { n, json } = headerOf(bytes);
    expect(n % 8).toBe(0);
    const raw = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(raw.trimEnd().endsWith('}')).toBe(true);
    expect(/^ *$/.test(raw.slice(raw.lastIndexOf('}') + 1))).toBe(true);
    expect(Object.keys(json)).toEqual(['__metadata__', 'b', 'a', 'm']);
    expect(json).toEqual({
      __metadata__: { k: 'v' },
      b: entry('F32', [3], 0, 12),
      a: entry('I32', [2], 12, 20),
      m: entry('BOOL', [], 20, 21),
    });
    expect(bytes.length).toBe(8 + n + 21);
    expect(Array.from(bytes.subarray(8 + n, 8 + n + 12))).toEqual(Array.from(f32(1, 1, 1)));
  });

  it('metadata comes back with withMetadata; plain load returns the tensors alone', () => {
    const meta = { format: 'pt', 'ünï': 'cödé 🙂', __proto__key: 'x', empty: '' };
    const bytes = tg.saveToBuffer({ w: tg.ones(2) }, meta);
    const both = tg.loadFromBuffer(bytes, { withMetadata: true });
    expect(both.metadata).toEqual(meta);
    expect(Object.keys(both.tensors)).toEqual(['w']);
    expect(Object.keys(tg.loadFromBuffer(bytes))).toEqual(['w']);
    expect(tg.loadFromBuffer(tg.saveToBuffer({}), { withMetadata: true })).toEqual({ tensors: {}, metadata: {} });
  });

  it('names that are special in JS stay plain own properties', () => {
    // Spelled out: an object literal's __proto__ would set the prototype, not a key.
    const raw = file('{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"__metadata__":{"__proto__":"m"}}', f32(5));
    const { tensors, metadata } = tg.loadFromBuffer(raw, { withMetadata: true });
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
    expect(Object.hasOwn(tensors, '__proto__')).toBe(true);
    expect((tensors['__proto__'] as tg.Tensor).toArray()).toEqual([5]);
    expect(Object.hasOwn(metadata, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>)['dtype']).toBeUndefined();
    // And back: the writer keeps an own "__proto__" key too.
    const again = tg.loadFromBuffer(tg.saveToBuffer(tensors as Record<string, tg.Tensor>, metadata), { withMetadata: true });
    expect(Object.hasOwn(again.tensors, '__proto__') && Object.hasOwn(again.metadata, '__proto__')).toBe(true);
  });

  it('reads unaligned data through any byte offset of the buffer', () => {
    const original = tg.loadFromBuffer(fs.readFileSync(path.join(FIXTURES, 'torch_dtypes.safetensors')));
    const bytes = fs.readFileSync(path.join(FIXTURES, 'torch_dtypes.safetensors'));
    for (const shift of [1, 2, 3, 5]) {
      const big = new Uint8Array(bytes.length + shift);
      big.set(bytes, shift);
      const got = tg.loadFromBuffer(big.subarray(shift));
      for (const [k, t] of Object.entries(original)) sameTensor(got[k], t);
    }
    // An ArrayBuffer works too.
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
    expect(Object.keys(tg.loadFromBuffer(ab))).toEqual(Object.keys(original));
  });

  it('save and load go through the file system', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tg-st-'));
    try {
      const p = path.join(dir, 'model.safetensors');
      const sd = { 'layer.weight': tg.randn(4, 3), 'layer.bias': tg.zeros(4), steps: tg.tensor(new Int32Array([10])) };
      tg.save(sd, p, { epoch: '3' });
      expect(fs.readFileSync(p)).toEqual(Buffer.from(tg.saveToBuffer(sd, { epoch: '3' })));
      const back = tg.load(p);
      for (const [k, t] of Object.entries(sd)) sameTensor(back[k], t);
      expect(tg.load(p, { withMetadata: true }).metadata).toEqual({ epoch: '3' });
      expect(tg.load(new URL(`file://${p}`))['steps']!.toArray()).toEqual([10]);
      expect(() => tg.load(path.join(dir, 'missing.safetensors'))).toThrow(/^load: cannot read .*missing\.safetensors: ENOENT/);
      expect(() => tg.save(sd, path.join(dir, 'no', 'such', 'dir.safetensors'))).toThrow(/^save: cannot write /);
      // The exact message the contract gives as an example.
      fs.writeFileSync(p, file({ w: entry('F32', [2, 2], 0, 12) }, f32(1, 2, 3)));
      expect(() => tg.load(p)).toThrow(new RangeError("load: tensor 'w': data_offsets [0, 12] hold 12 bytes but shape [2, 2] of F32 needs 16"));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loaded tensors are ordinary leaves that own their storage', () => {
    const src = tg.ones(3);
    const bytes = tg.saveToBuffer({ w: src });
    const w = tg.loadFromBuffer(bytes)['w']!;
    expect(w.requiresGrad).toBe(false);
    expect(w.isLeaf).toBe(true);
    w.requiresGrad_();
    w.mul(2).sum().backward();
    expect(w.grad!.toArray()).toEqual([2, 2, 2]);
    bytes.fill(0); // no view into the file bytes
    expect(w.toArray()).toEqual([1, 1, 1]);
  });
});

describe('safetensors interchange with PyTorch', () => {
  type Expected = Record<string, { tensors: Record<string, { dtype: string; file_dtype: string; shape: number[]; values: unknown[] }>; metadata: Record<string, string> }>;
  const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as Expected & {
    tensorgrad_written: { metadata: Record<string, string>; tensors: { name: string; dtype: tg.DType; shape: number[]; values: (number | boolean)[]; transposed?: boolean }[] };
  };
  const num = (v: unknown) => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v === true ? 1 : v === false ? 0 : v);

  for (const name of ['torch_dtypes', 'torch_escaped']) {
    it(`${name}.safetensors (written by torch) loads with torch's conversions`, () => {
      const { tensors, metadata } = tg.load(path.join(FIXTURES, `${name}.safetensors`), { withMetadata: true });
      const want = expected[name]!;
      expect(metadata).toEqual(want.metadata);
      expect(new Set(Object.keys(tensors))).toEqual(new Set(Object.keys(want.tensors)));
      // File order is the header's (the reference writer sorts by dtype alignment, then name).
      const { json } = headerOf(fs.readFileSync(path.join(FIXTURES, `${name}.safetensors`)));
      expect(Object.keys(tensors)).toEqual(Object.keys(json).filter((k) => k !== '__metadata__'));
      for (const [k, w] of Object.entries(want.tensors)) {
        const t = tensors[k]!;
        expect([k, t.dtype, t.shape]).toEqual([k, w.dtype, w.shape]);
        expect(Array.from(t.toTypedArray() as ArrayLike<number>)).toEqual(w.values.map(num));
      }
    });
  }

  it('spot checks of the conversions (F16 subnormals, BF16, F64 rounding, I64)', () => {
    const t = tg.load(path.join(FIXTURES, 'torch_dtypes.safetensors'));
    const f16 = Array.from(t['f16.specials']!.toTypedArray() as Float32Array);
    expect(f16[9]).toBe(2 ** -24 /* 6e-8 rounds to the smallest f16 subnormal */);
    expect(f16[7]).toBe(65504);
    expect(Object.is(f16[1], -0)).toBe(true);
    const f64 = Array.from(t['f64.rounding']!.toTypedArray() as Float32Array);
    expect(f64[0]).toBe(Math.fround(0.1));
    expect(f64[2]).toBe(Infinity);
    expect(f64[4]).toBe(0);
    expect(f64[7]).toBe(16777216); // ties to even
    expect(t['i64.labels']!.dtype).toBe('int32');
    expect(t['i64.labels']!.toArray()).toEqual([3, 0, -7, 2147483647, -2147483648]);
    expect(t['i64.scalar']!.item()).toBe(42);
    expect(t['ünïcödé/ναμε·🙂']!.toArray()).toEqual([1, 2]);
  });

  it('I64 values outside int32 and unsupported dtypes are refused by name', () => {
    expect(() => tg.load(path.join(FIXTURES, 'torch_i64_range.safetensors'))).toThrow(
      new RangeError("load: tensor 'big': I64 element 1 is 2147483648, outside int32 (tensorgrad's integer dtype)"),
    );
    expect(() => tg.load(path.join(FIXTURES, 'torch_u8.safetensors'))).toThrow(TypeError);
    expect(() => tg.load(path.join(FIXTURES, 'torch_u8.safetensors'))).toThrow(/^load: tensor 'pixels': dtype 'U8' is not supported/);
  });

  it('tensorgrad_written.safetensors (checked by the Python reader) is what saveToBuffer writes', () => {
    const spec = expected.tensorgrad_written;
    const tensors = new Map<string, tg.Tensor>();
    for (const e of spec.tensors) {
      const flat = tg.tensor(e.values as number[], { dtype: e.dtype });
      // A transposed entry is saved as the non-contiguous .t() view of its (contiguous) transpose.
      const t = e.transposed ? flat.reshape(e.shape).t().contiguous().t() : flat.reshape(e.shape);
      if (e.transposed) expect(t.isContiguous()).toBe(false);
      tensors.set(e.name, t);
    }
    const bytes = tg.saveToBuffer(tensors, spec.metadata);
    const p = path.join(FIXTURES, 'tensorgrad_written.safetensors');
    if (process.env['TG_UPDATE_FIXTURES']) fs.writeFileSync(p, bytes);
    // Byte equality keeps the one-time Python check (see the fixture README) valid.
    expect(Buffer.from(bytes).equals(fs.readFileSync(p))).toBe(true);
  });
});

describe('safetensors malformed files', () => {
  const ok = entry('F32', [2], 0, 8);
  const data = f32(1, 2);
  const deep = (n: number) => `{"a":${'['.repeat(n)}${']'.repeat(n)}}`;
  const u8 = (...parts: (string | number[])[]) =>
    new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? Array.from(enc.encode(p)) : p)));

  // [what, bytes, error class, message pattern]
  const cases: [string, Uint8Array, typeof RangeError | typeof TypeError, RegExp][] = [
    ['empty buffer', new Uint8Array(0), RangeError, /0 bytes, too short/],
    ['truncated length', new Uint8Array(7), RangeError, /7 bytes, too short/],
    ['header length above 100 MB', file('{}', [], 100_000_001n), RangeError, /header length 100000001 is larger than the limit of 100000000/],
    ['header length 2^64-1', file('{}', [], 2n ** 64n - 1n), RangeError, /header length 18446744073709551615 is larger/],
    ['header length past the end', file('{}', [], 3n), RangeError, /header length 3 runs past the end of the data \(10 bytes/],
    ['truncated header', file({ a: ok }, data).subarray(0, 20), RangeError, /runs past the end/],
    ['empty header', file('', []), RangeError, /does not start with '\{'/],
    ['header not starting with {', file(' {}'), RangeError, /does not start with '\{'/],
    ['header is an array', file('[]'), RangeError, /does not start with '\{'/],
    ['invalid UTF-8 byte', file(u8('{"a', [0xff], '":1}')), RangeError, /not valid UTF-8 \(byte 3 of the header\)/],
    ['overlong UTF-8', file(u8('{"', [0xc0, 0xaf], '":1}')), RangeError, /not valid UTF-8/],
    ['UTF-8 encoded surrogate', file(u8('{"', [0xed, 0xa0, 0x80], '":1}')), RangeError, /not valid UTF-8/],
    ['truncated UTF-8 sequence', file(u8('{}', [0xe2, 0x82])), RangeError, /not valid UTF-8 \(byte 2/],
    ['missing colon', file('{"a" {}}'), RangeError, /bad header JSON at byte 5 of the header: expected ':' after key 'a'/],
    ['trailing comma', file(`{"a":${JSON.stringify(ok)},}`, data), RangeError, /expected a string key in the header/],
    ['unterminated object', file('{"a":{"dtype":"F32"'), RangeError, /expected ',' or '\}' in tensor 'a'/],
    ['unterminated string', file('{"abc'), RangeError, /unterminated string/],
    ['garbage after the header', file(`{}x`), RangeError, /unexpected data after the header's closing '\}'/],
    ['NUL padding', file(u8('{}', [0, 0])), RangeError, /unexpected data after/],
    ['single quotes', file("{'a':1}"), RangeError, /expected a string key/],
    ['raw control character', file('{"a\tb":1}'), RangeError, /control character in a string/],
    ['bad escape', file('{"a\\x":1}'), RangeError, /invalid escape/],
    ['short \\u escape', file('{"\\u12":1}'), RangeError, /\\u must be followed by 4 hex digits/],
    ['lone high surrogate', file('{"\\ud800":1}'), RangeError, /unpaired high surrogate/],
    ['high surrogate + non-low', file('{"\\ud800\\u0041":1}'), RangeError, /unpaired high surrogate/],
    ['lone low surrogate', file('{"\\udc00":1}'), RangeError, /unpaired low surrogate/],
    ['duplicate tensor names', file(`{"a":${JSON.stringify(ok)},"a":${JSON.stringify(entry('F32', [0], 8, 8))}}`, data), RangeError, /duplicate tensor name 'a'/],
    ['duplicate names via an escape', file(`{"a":${JSON.stringify(ok)},"\\u0061":${JSON.stringify(entry('F32', [0], 8, 8))}}`, data), RangeError, /duplicate tensor name 'a'/],
    ['duplicate key inside an entry', file('{"a":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}}', data), RangeError, /tensor 'a': duplicate key 'dtype'/],
    ['duplicate __metadata__', file('{"__metadata__":{},"__metadata__":{}}'), RangeError, /duplicate key '__metadata__'/],
    ['duplicate metadata key', file('{"__metadata__":{"k":"1","k":"2"}}'), RangeError, /duplicate key 'k' in __metadata__/],
    ['metadata value not a string', file('{"__metadata__":{"k":1}}'), RangeError, /__metadata__ value for key 'k' must be a string/],
    ['metadata not an object', file('{"__metadata__":"x"}'), RangeError, /__metadata__ must be an object of strings/],
    ['unknown dtype U8', file({ a: entry('U8', [2], 0, 2) }, [1, 2]), TypeError, /tensor 'a': dtype 'U8' is not supported \(tensorgrad reads F32, I32, BOOL, F16, BF16, F64 and I64\)/],
    ['unknown dtype F8_E4M3', file({ a: entry('F8_E4M3', [1], 0, 1) }, [1]), TypeError, /dtype 'F8_E4M3' is not supported/],
    ['lowercase dtype', file({ a: entry('f32', [2], 0, 8) }, data), TypeError, /dtype 'f32' is not supported/],
    ['dtype not a string', file('{"a":{"dtype":4}}'), RangeError, /dtype of tensor 'a' must be a string/],
    ['entry not an object', file('{"a":[1]}'), RangeError, /tensor 'a' must be an object with dtype, shape and data_offsets/],
    ['missing shape', file({ a: { dtype: 'F32', data_offsets: [0, 8] } }, data), RangeError, /tensor 'a': missing 'shape'/],
    ['missing data_offsets', file({ a: { dtype: 'F32', shape: [2] } }, data), RangeError, /tensor 'a': missing 'data_offsets'/],
    ['missing dtype', file({ a: { shape: [2], data_offsets: [0, 8] } }, data), RangeError, /tensor 'a': missing 'dtype'/],
    ['extra key', file({ a: { ...ok, strides: [1] } }, data), RangeError, /tensor 'a': unexpected key 'strides'/],
    ['shape not an array', file({ a: { dtype: 'F32', shape: 2, data_offsets: [0, 8] } }, data), RangeError, /shape of tensor 'a' must be an array of integers/],
    ['one offset', file({ a: { dtype: 'F32', shape: [2], data_offsets: [8] } }, data), RangeError, /tensor 'a': data_offsets must be \[begin, end\]/],
    ['three offsets', file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8, 8] } }, data), RangeError, /data_offsets of tensor 'a' has more than 2 elements/],
    ['negative size', file({ a: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, data), RangeError, /shape of tensor 'a' holds a negative number/],
    ['float size', file('{"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}', data), RangeError, /shape of tensor 'a' holds a number with a fraction or exponent/],
    ['exponent offset', file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8e0]}}', data), RangeError, /fraction or exponent/],
    ['leading zero', file('{"a":{"dtype":"F32","shape":[02],"data_offsets":[0,8]}}', data), RangeError, /leading zero/],
    ['null size', file('{"a":{"dtype":"F32","shape":[null],"data_offsets":[0,8]}}', data), RangeError, /must hold non-negative integers/],
    ['number above 2^53', file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,9007199254740993]}}', data), RangeError, /holds a number larger than 2\^53/],
    ['huge number', file(`{"a":{"dtype":"F32","shape":[${'9'.repeat(400)}],"data_offsets":[0,8]}}`, data), RangeError, /larger than 2\^53/],
    ['17 dims', file({ a: entry('F32', Array(17).fill(1), 0, 4) }, f32(1)), RangeError, /shape of tensor 'a' has more than 16 dims/],
    ['shape product overflows', file({ a: entry('F32', [2 ** 53, 2 ** 53, 0], 0, 0) }), RangeError, /tensor 'a': shape \[9007199254740992, 9007199254740992, 0\] of F32 is too large/],
    ['byte size overflows', file({ a: entry('F64', [2 ** 31, 2 ** 31, 2 ** 2], 0, 8) }, data), RangeError, /too large \(its byte size overflows\)/],
    ['size mismatch', file({ w: entry('F32', [2, 2], 0, 12) }, f32(1, 2, 3)), RangeError, /tensor 'w': data_offsets \[0, 12\] hold 12 bytes but shape \[2, 2\] of F32 needs 16/],
    ['end before begin', file({ a: entry('F32', [0], 8, 0) }, data), RangeError, /tensor 'a': data_offsets \[8, 0\] end before they begin/],
    ['first tensor not at 0', file({ a: entry('F32', [1], 4, 8) }, data), RangeError, /tensor 'a': data_offsets \[4, 8\] leave a gap: bytes \[0, 4\)/],
    ['gap', file({ a: entry('F32', [1], 0, 4), b: entry('F32', [1], 8, 12) }, f32(1, 2, 3)), RangeError, /tensor 'b': data_offsets \[8, 12\] leave a gap: bytes \[4, 8\)/],
    ['overlap', file({ a: entry('F32', [2], 0, 8), b: entry('F32', [2], 4, 12) }, f32(1, 2, 3)), RangeError, /tensor 'b': data_offsets \[4, 12\] overlap tensor 'a', which ends at 8/],
    ['same offsets twice', file({ a: ok, b: ok }, data), RangeError, /overlap tensor 'a'/],
    ['offsets past the end', file({ a: entry('F32', [4], 0, 16) }, data), RangeError, /tensor 'a': data_offsets \[0, 16\] reach past the end of the file \(the data section holds 8 bytes\)/],
    ['trailing bytes', file({ a: ok }, [...data, 0]), RangeError, /the data section holds 9 bytes but the tensors cover 8 \(trailing bytes/],
    ['data without tensors', file({}, [0]), RangeError, /holds 1 bytes but the tensors cover 0/],
    ['bool byte not 0/1', file({ m: entry('BOOL', [3], 0, 3) }, [1, 0, 2]), RangeError, /tensor 'm': BOOL element 2 is the byte 2, not 0 or 1/],
    ['deep array nesting', file(deep(100_000)), RangeError, /tensor 'a' must be an object/],
    ['deep object nesting', file(`{"__metadata__":${'{"k":'.repeat(100_000)}"v"${'}'.repeat(100_000)}}`), RangeError, /__metadata__ value for key 'k' must be a string/],
    ['deep shape nesting', file(`{"a":{"dtype":"F32","shape":${'['.repeat(50_000)}]}}`), RangeError, /must hold non-negative integers/],
    ['long names are cut in messages', file({ ['x'.repeat(10_000)]: entry('F32', [3], 0, 8) }, data), RangeError, /tensor 'x{64}\.\.\.': data_offsets/],
  ];

  for (const [what, bytes, cls, pattern] of cases) {
    it(what, () => {
      let err: unknown;
      try {
        tg.loadFromBuffer(bytes);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(cls);
      expect((err as Error).message).toMatch(/^loadFromBuffer: /);
      expect((err as Error).message).toMatch(pattern);
    });
  }

  it('valid edge cases load: {} alone, whitespace, padding, zero-size tensors anywhere', () => {
    expect(tg.loadFromBuffer(file('{}'))).toEqual({});
    expect(tg.loadFromBuffer(file('{ }\t\r\n   '))).toEqual({});
    const z = entry('F32', [0, 5], 8, 8);
    const t = tg.loadFromBuffer(file(`{"z":${JSON.stringify(z)},"a":${JSON.stringify(ok)},"y":${JSON.stringify(entry('I32', [0], 0, 0))}}`, data));
    expect(Object.keys(t)).toEqual(['z', 'a', 'y']);
    expect(t['z']!.shape).toEqual([0, 5]);
    expect(t['a']!.toArray()).toEqual([1, 2]);
    expect(tg.loadFromBuffer(file('{"\\ud83d\\ude00\\"\\\\\\/\\b\\f\\n\\r\\t":{"dtype":"BOOL","shape":[],"data_offsets":[0,1]}}', [1])))
      .toHaveProperty(['😀"\\/\b\f\n\r\t']);
  });

  it('bad arguments are TypeErrors naming the op', () => {
    for (const bad of [undefined, null, 'file', [1, 2], new Float32Array(4), 42]) {
      expect(() => tg.loadFromBuffer(bad as never)).toThrow(TypeError);
      expect(() => tg.loadFromBuffer(bad as never)).toThrow(/^loadFromBuffer: expected the file's bytes/);
    }
    expect(() => tg.loadFromBuffer(file('{}'), { withMetadata: 1 } as never)).toThrow(/loadFromBuffer: withMetadata must be a boolean/);
    expect(() => tg.load(42 as never)).toThrow(/^load: path must be a string or a URL/);
    expect(() => tg.saveToBuffer(tg.ones(2) as never)).toThrow(/^saveToBuffer: expected a Record<string, Tensor> or a Map/);
    expect(() => tg.saveToBuffer([tg.ones(2)] as never)).toThrow(TypeError);
    expect(() => tg.saveToBuffer({ w: [1, 2] } as never)).toThrow(/^saveToBuffer: expected a Tensor as tensor 'w'/);
    expect(() => tg.saveToBuffer(new Map([[1, tg.ones(1)]]) as never)).toThrow(/tensor names must be strings/);
    expect(() => tg.saveToBuffer({ __metadata__: tg.ones(1) })).toThrow(RangeError);
    expect(() => tg.saveToBuffer({ ['bad\ud800']: tg.ones(1) })).toThrow(/lone surrogate/);
    expect(() => tg.saveToBuffer({ w: tg.ones(1) }, { k: 1 } as never)).toThrow(/^saveToBuffer: metadata value for 'k' must be a string, got 1/);
    expect(() => tg.saveToBuffer({ w: tg.ones(1) }, 'meta' as never)).toThrow(/metadata must be a Record/);
    const gone = tg.ones(100);
    gone.dispose();
    expect(() => tg.save({ gone }, path.join(os.tmpdir(), 'never-written.safetensors'))).toThrow(/^save: tensor was disposed/);
  });

  it('random corruptions of valid files load or throw a RangeError/TypeError, never crash', () => {
    const seeds = [
      fs.readFileSync(path.join(FIXTURES, 'torch_dtypes.safetensors')),
      fs.readFileSync(path.join(FIXTURES, 'torch_escaped.safetensors')),
      tg.saveToBuffer({ a: tg.ones(2, 3), b: tg.tensor([true]), c: tg.zeros(0) }, { k: 'v' }),
    ];
    let state = 12345;
    const rnd = (n: number) => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) % n);
    let loaded = 0;
    for (let trial = 0; trial < 3000; trial++) {
      const seed = seeds[trial % seeds.length]!;
      let bytes = new Uint8Array(seed);
      const edits = 1 + rnd(4);
      for (let k = 0; k < edits; k++) {
        const kind = rnd(4);
        if (kind === 0) bytes[rnd(bytes.length)] = rnd(256);
        else if (kind === 1) bytes[8 + rnd(Math.min(bytes.length - 8, 200))] = '{}[]",:0123456789-.eE \\u'.charCodeAt(rnd(25));
        else if (kind === 2) bytes = bytes.subarray(0, rnd(bytes.length + 1));
        else bytes[rnd(8)] = rnd(256);
      }
      try {
        tg.loadFromBuffer(bytes);
        loaded++;
      } catch (e) {
        if (!(e instanceof RangeError || e instanceof TypeError)) throw e;
        expect((e as Error).message).toMatch(/^loadFromBuffer: /);
      }
    }
    expect(loaded).toBeLessThan(3000);
  });

  it('the libFuzzer corpus (fuzz/): every file loads or throws a RangeError/TypeError, seeds as named', () => {
    // scripts/fuzz-safetensors.sh fuzzes the native reader alone; this replays what it found
    // through the whole load path. Seeds named bad_* (and the three below) must be refused.
    const refused = new Set(['tiny', 'i64_out_of_range', 'bool_bad_byte']);
    const root = path.join(__dirname, '..', 'fuzz');
    let files = 0;
    for (const dir of ['seeds/safetensors', 'corpus/safetensors']) {
      for (const name of fs.readdirSync(path.join(root, dir)).sort()) {
        const bytes = new Uint8Array(fs.readFileSync(path.join(root, dir, name)));
        let tensors: Record<string, tg.Tensor> | undefined;
        try {
          tensors = tg.loadFromBuffer(bytes, { withMetadata: true }).tensors;
        } catch (e) {
          if (!(e instanceof RangeError || e instanceof TypeError)) throw e;
          expect((e as Error).message).toMatch(/^loadFromBuffer: /);
        }
        if (dir.startsWith('seeds')) {
          const stem = name.replace(/\.safetensors$/, '');
          expect(tensors === undefined, `seed ${stem}`).toBe(stem.startsWith('bad_') || refused.has(stem));
        }
        for (const t of Object.values(tensors ?? {})) {
          expect(t.numel()).toBe(t.shape.reduce((a, b) => a * b, 1));
          t.dispose();
        }
        files++;
      }
    }
    expect(files).toBeGreaterThan(30);
  });
});

#!/usr/bin/python3
"""Safetensors interchange fixtures between PyTorch and tensorgrad.

Run with the system interpreter, which has PyTorch 1.13 (the `safetensors` package is not
installable there, so the format is implemented below with struct + json, following the
specification at https://github.com/huggingface/safetensors: u64 little-endian header length,
JSON header, packed little-endian row-major data; the writer sorts tensors as the reference
does — by dtype alignment, largest first, then by name — and pads the header with spaces so
the data starts 8-byte aligned):

    /usr/bin/python3 scripts/gen_safetensors_fixtures.py          # write the torch-side fixtures
    /usr/bin/python3 scripts/gen_safetensors_fixtures.py --check  # verify tensorgrad's file

Writes into test/fixtures/safetensors/ (read by test/safetensors.test.ts):
  torch_dtypes.safetensors    every dtype tensorgrad reads (F32 I32 BOOL F16 BF16 F64 I64),
                              0-d, zero-size, non-contiguous sources, special values, unicode
                              names, __metadata__
  torch_escaped.safetensors   the same kind of header written with ASCII escapes (\\uXXXX and
                              surrogate pairs) and whitespace, as other JSON writers emit
  torch_i64_range.safetensors an I64 value outside int32 (tensorgrad must refuse it)
  torch_u8.safetensors        a U8 tensor (a dtype tensorgrad does not read)
  expected.json               what each tensor loads as in tensorgrad (torch's own conversion:
                              .to(float32) / .to(int32)), non-finite floats as "nan"/"inf"/"-inf";
                              and the spec of tensorgrad_written.safetensors

--check reads tensorgrad_written.safetensors (committed, written by the TypeScript test with
TG_UPDATE_FIXTURES=1) with the strict reader below and compares it, through torch, with the
spec in expected.json. See test/fixtures/safetensors/README.md for when it was last run.
"""
import json
import math
import os
import struct
import sys

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'safetensors')

# name -> (torch dtype, bytes per element, alignment rank as in the reference's Dtype enum order)
DTYPES = {
    'BOOL': (torch.bool, 1, 0),
    'U8': (torch.uint8, 1, 4),
    'I8': (torch.int8, 1, 5),
    'I16': (torch.int16, 2, 9),
    'F16': (torch.float16, 2, 11),
    'BF16': (torch.bfloat16, 2, 12),
    'I32': (torch.int32, 4, 13),
    'F32': (torch.float32, 4, 15),
    'F64': (torch.float64, 8, 16),
    'I64': (torch.int64, 8, 17),
}
BY_TORCH = {v[0]: k for k, v in DTYPES.items()}
MAX_HEADER = 100_000_000


def raw_bytes(t):
    """The tensor's elements, packed little-endian row-major."""
    assert sys.byteorder == 'little'
    flat = t.detach().contiguous().reshape(-1)
    if flat.numel() == 0:
        return b''
    return flat.view(torch.uint8).numpy().tobytes()


def write(path, tensors, metadata=None, ensure_ascii=False, indent=None):
    """tensors: dict name -> torch tensor (any layout). Follows the reference writer."""
    order = sorted(tensors.items(), key=lambda kv: (-DTYPES[BY_TORCH[kv[1].dtype]][2], kv[0]))
    header, chunks, offset = {}, [], 0
    if metadata is not None:
        header['__metadata__'] = metadata
    for name, t in order:
        data = raw_bytes(t)
        header[name] = {'dtype': BY_TORCH[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    sep = (',', ':') if indent is None else (', ', ': ')
    text = json.dumps(header, ensure_ascii=ensure_ascii, indent=indent, separators=sep).encode('utf-8')
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(chunks))


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError('duplicate key in %r' % keys)
    return dict(pairs)


def _reject(what):
    def f(s):
        raise ValueError('%s %s in the header' % (what, s))
    return f


def read(path):
    """Strict reader: every check tensorgrad's reader makes. Returns (dict name -> tensor, metadata)."""
    with open(path, 'rb') as f:
        buf = f.read()
    if len(buf) < 8:
        raise ValueError('too short')
    (n,) = struct.unpack('<Q', buf[:8])
    if n > MAX_HEADER or 8 + n > len(buf):
        raise ValueError('bad header length %d' % n)
    text = buf[8:8 + n].decode('utf-8')  # strict: raises on invalid UTF-8
    if not text.startswith('{'):
        raise ValueError('header does not start with {')
    header = json.loads(text, object_pairs_hook=_no_duplicates, parse_float=_reject('float'),
                        parse_constant=_reject('constant'))
    metadata = header.pop('__metadata__', {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise ValueError('__metadata__ must map strings to strings')
    data = buf[8 + n:]
    entries = []
    for name, info in header.items():
        if not isinstance(info, dict) or set(info) != {'dtype', 'shape', 'data_offsets'}:
            raise ValueError('tensor %r: entry must hold exactly dtype, shape, data_offsets' % name)
        ints = list(info['shape']) + list(info['data_offsets'])
        if len(info['data_offsets']) != 2 or not all(type(v) is int and 0 <= v <= 2**53 for v in ints):
            raise ValueError('tensor %r: bad shape or offsets' % name)
        entries.append((info['data_offsets'][0], info['data_offsets'][1], name, info))
    pos = 0
    for begin, end, name, info in sorted(entries, key=lambda e: (e[0], e[1])):
        tdtype, size, _ = DTYPES[info['dtype']]
        if begin != pos or end < begin or end - begin != math.prod(info['shape']) * size:
            raise ValueError('tensor %r: bad data_offsets' % name)
        pos = end
    if pos != len(data):
        raise ValueError('data section is %d bytes, tensors cover %d' % (len(data), pos))
    out = {}
    for begin, end, name, info in entries:  # header order
        tdtype = DTYPES[info['dtype']][0]
        chunk = bytearray(data[begin:end])
        t = torch.frombuffer(chunk, dtype=tdtype) if chunk else torch.empty(0, dtype=tdtype)
        out[name] = t.reshape(info['shape'])
    return out, metadata


def flat_values(t):
    """What tensorgrad holds after loading: float32 / int32 / bool, as a flat JSON list."""
    if t.dtype == torch.bool:
        return [bool(v) for v in t.reshape(-1).tolist()]
    if t.dtype in (torch.int32, torch.int64):
        return [int(v) for v in t.to(torch.int32).reshape(-1).tolist()]
    vals = t.to(torch.float32).reshape(-1).tolist()
    return [('nan' if math.isnan(v) else ('inf' if v > 0 else '-inf')) if not math.isfinite(v) else v for v in vals]


def target(t):
    return 'bool' if t.dtype == torch.bool else 'int32' if t.dtype in (torch.int32, torch.int64) else 'float32'


def expected_of(tensors, metadata):
    return {
        'tensors': {name: {'dtype': target(t), 'file_dtype': BY_TORCH[t.dtype], 'shape': list(t.shape),
                           'values': flat_values(t)} for name, t in tensors.items()},
        'metadata': metadata or {},
    }


def torch_tensors():
    torch.manual_seed(0)
    specials = [0.0, -0.0, 1.0, -2.5, float('inf'), float('-inf'), float('nan'), 65504.0, 6.1e-5, 6e-8, 1e-3, 3.14159]
    t = {
        'f32.matrix': torch.randn(3, 4),
        'f32.scalar': torch.tensor(-1.5),
        'f32.empty': torch.empty(0, 3),
        'f32.transposed': torch.arange(6, dtype=torch.float32).reshape(2, 3).t(),  # non-contiguous source
        'f32.specials': torch.tensor([0.0, -0.0, float('inf'), float('-inf'), float('nan'), 1e-45, 3.4028235e38]),
        'i32.vector': torch.tensor([0, 1, -1, 2**31 - 1, -2**31], dtype=torch.int32),
        'i32.cube': torch.arange(24, dtype=torch.int32).reshape(2, 3, 4),
        'bool.mask': torch.tensor([[True, False, True], [False, False, True]]),
        'bool.scalar': torch.tensor(True),
        'f16.specials': torch.tensor(specials, dtype=torch.float16),
        'f16.matrix': torch.randn(2, 5).to(torch.float16),
        'bf16.values': torch.tensor(specials + [1e38, -3e-39], dtype=torch.bfloat16),
        'f64.rounding': torch.tensor([0.1, 1 / 3, 1e300, -1e300, 1e-310, float('nan'), 2.0**-149, 16777217.0],
                                     dtype=torch.float64),
        'f64.empty': torch.empty(2, 0, dtype=torch.float64),
        'i64.labels': torch.tensor([3, 0, -7, 2**31 - 1, -2**31], dtype=torch.int64),
        'i64.scalar': torch.tensor(42, dtype=torch.int64),
        'ünïcödé/ναμε·🙂': torch.tensor([1.0, 2.0]),
    }
    return t


def generate():
    os.makedirs(OUT, exist_ok=True)
    expected = {}

    tensors = torch_tensors()
    meta = {'format': 'pt', 'note': 'written by scripts/gen_safetensors_fixtures.py ✓'}
    write(os.path.join(OUT, 'torch_dtypes.safetensors'), tensors, meta)
    expected['torch_dtypes'] = expected_of(tensors, meta)

    escaped = {'😀 emoji': torch.tensor([1, 2], dtype=torch.int64), 'tab\tand"quote': torch.tensor([0.5], dtype=torch.float16),
               'plain': torch.ones(2, 2, dtype=torch.bfloat16)}
    emeta = {'ключ': 'значение 😀', 'newline': 'a\nb'}
    write(os.path.join(OUT, 'torch_escaped.safetensors'), escaped, emeta, ensure_ascii=True, indent=1)
    expected['torch_escaped'] = expected_of(escaped, emeta)

    write(os.path.join(OUT, 'torch_i64_range.safetensors'), {'ok': torch.tensor([1]), 'big': torch.tensor([5, 2**31])})
    write(os.path.join(OUT, 'torch_u8.safetensors'), {'pixels': torch.tensor([1, 2, 255], dtype=torch.uint8)})

    # What the TypeScript test saves into tensorgrad_written.safetensors (values row-major;
    # "transposed" entries are saved through a non-contiguous .t() view of the transpose).
    expected['tensorgrad_written'] = {
        'metadata': {'framework': 'tensorgrad', 'ünï': 'cödé'},
        'tensors': [
            {'name': 'weight', 'dtype': 'float32', 'shape': [2, 3], 'values': [0.5, -1.25, 3.0, 1e-8, -0.0, 65536.5]},
            {'name': 'weight.T', 'dtype': 'float32', 'shape': [3, 2], 'transposed': True,
             'values': [0.5, 1e-8, -1.25, -0.0, 3.0, 65536.5]},
            {'name': 'bias', 'dtype': 'float32', 'shape': [], 'values': [0.25]},
            {'name': 'labels', 'dtype': 'int32', 'shape': [4], 'values': [0, -1, 2147483647, -2147483648]},
            {'name': 'mask', 'dtype': 'bool', 'shape': [2, 2], 'values': [True, False, False, True]},
            {'name': 'empty', 'dtype': 'float32', 'shape': [0, 4], 'values': []},
            {'name': 'ναμε', 'dtype': 'int32', 'shape': [1, 1, 1], 'values': [7]},
        ],
    }

    # The fixtures must pass the strict reader before they are committed.
    for name in ('torch_dtypes', 'torch_escaped'):
        got, got_meta = read(os.path.join(OUT, name + '.safetensors'))
        assert expected_of(got, got_meta) == json.loads(json.dumps(expected[name])), name

    with open(os.path.join(OUT, 'expected.json'), 'w', encoding='utf-8') as f:
        json.dump(expected, f, ensure_ascii=False, indent=1)
        f.write('\n')
    print('wrote', OUT)


def check():
    """Reads the file tensorgrad wrote and compares it with its spec, through torch."""
    with open(os.path.join(OUT, 'expected.json'), encoding='utf-8') as f:
        spec = json.load(f)['tensorgrad_written']
    path = os.path.join(OUT, 'tensorgrad_written.safetensors')
    tensors, metadata = read(path)
    assert metadata == spec['metadata'], (metadata, spec['metadata'])
    assert list(tensors) == [e['name'] for e in spec['tensors']], list(tensors)
    torch_dtype = {'float32': torch.float32, 'int32': torch.int32, 'bool': torch.bool}
    for e in spec['tensors']:
        t = tensors[e['name']]
        want = torch.tensor(e['values'], dtype=torch_dtype[e['dtype']]).reshape(e['shape'])
        assert t.dtype == want.dtype and list(t.shape) == e['shape'], (e['name'], t.dtype, t.shape)
        # Bitwise, so -0.0 and exact float32 rounding are checked too.
        assert raw_bytes(t) == raw_bytes(want), (e['name'], t, want)
    with open(path, 'rb') as f:
        (n,) = struct.unpack('<Q', f.read(8))
    assert n % 8 == 0, 'header not padded to 8 bytes'
    print('ok: %s holds %d tensors equal to the spec (torch %s)' % (os.path.relpath(path), len(tensors), torch.__version__))


if __name__ == '__main__':
    check() if '--check' in sys.argv[1:] else generate()

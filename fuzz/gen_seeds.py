#!/usr/bin/env python3
"""Writes the hand-made seed files of the safetensors fuzzer into fuzz/seeds/safetensors/.

Small edge cases the PyTorch fixtures (test/fixtures/safetensors/) do not cover: tiny
headers, metadata only, every dtype, empty and 0-d tensors, escapes, padding, values at the
edges of each conversion, and a few near-misses that must be rejected. Standard library only:
    python3 fuzz/gen_seeds.py
"""
import json
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds", "safetensors")
SIZES = {"F32": 4, "I32": 4, "BOOL": 1, "F16": 2, "BF16": 2, "F64": 8, "I64": 8}


def raw(header: bytes, data: bytes = b"", n=None) -> bytes:
    return struct.pack("<Q", len(header) if n is None else n) + header + data


def build(tensors, metadata=None, pad=False, indent=None) -> bytes:
    """tensors: list of (name, dtype, shape, bytes)."""
    h, data = {}, b""
    if metadata is not None:
        h["__metadata__"] = metadata
    for name, dtype, shape, b in tensors:
        h[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(b)]}
        data += b
    text = json.dumps(h, indent=indent, ensure_ascii=False, separators=None if indent else (",", ":")).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    return raw(text, data)


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    seeds = {
        "empty_header": raw(b"{}"),
        "empty_header_padded": raw(b"{}      "),
        "metadata_only": build([], {"format": "pt", "k": ""}),
        "metadata_escapes": raw(json.dumps({"__metadata__": {"a\u00e9\U0001F600": "\n\t\"\\/\u0001"}}).encode()),
        "scalar_f32": build([("x", "F32", [], struct.pack("<f", 1.5))]),
        "zero_size": build([("e", "F32", [0], b""), ("f", "I64", [2, 0, 3], b""), ("g", "BOOL", [0], b"")]),
        "zero_size_only": build([("e", "BF16", [0, 5], b"")]),
        "f32": build([("w", "F32", [2, 2], struct.pack("<4f", 1.0, -0.0, float("inf"), float("nan")))]),
        "i32": build([("i", "I32", [3], struct.pack("<3i", 2**31 - 1, -(2**31), 0))]),
        "bool": build([("b", "BOOL", [4], bytes([0, 1, 1, 0]))]),
        "f16": build([("h", "F16", [6], struct.pack("<6H", 0x0001, 0x03FF, 0x3C00, 0x7BFF, 0x7C00, 0xFE01))]),
        "bf16": build([("bf", "BF16", [4], struct.pack("<4H", 0x3F80, 0x0001, 0x7F80, 0xFFC1))]),
        "f64": build([("d", "F64", [5], struct.pack("<5d", 1e300, -1e-300, 3.4028235677973366e38, 2.0**-149, 0.1))]),
        "i64": build([("l", "I64", [3], struct.pack("<3q", 2**31 - 1, -(2**31), 7))]),
        "i64_out_of_range": build([("l", "I64", [1], struct.pack("<q", 2**31))]),
        "bool_bad_byte": build([("b", "BOOL", [2], bytes([0, 2]))]),
        "every_dtype": build(
            [(d.lower(), d, [2, 1], {"BOOL": b"\x01\x00", "I64": struct.pack("<2q", 1, -2)}.get(d, bytes(range(1, 1 + 2 * s))))
             for d, s in SIZES.items()],
            {"who": "gen_seeds"},
            pad=True,
        ),
        "indented": build([("a", "F32", [1], b"\0\0\x80\x3f")], {"m": "v"}, indent=2),
        "escaped_names": raw(
            b'{"\\u00e9\\ud83d\\ude00":{"dtype":"I32","shape":[1],"data_offsets":[0,4]},'
            b'"\\"\\\\\\/\\b\\f\\n\\r\\t":{"dtype":"BOOL","shape":[],"data_offsets":[4,5]}}',
            b"\x01\x00\x00\x00\x01",
        ),
        "unordered_offsets": raw(
            b'{"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"a":{"shape":[1],"data_offsets":[0,4],"dtype":"I32"}}',
            b"\x01\x00\x00\x00\x00\x00\x80\x3f",
        ),
        "max_dims": build([("m", "BOOL", [1] * 16, b"\x01")]),
        "big_dim_zero": build([("z", "F64", [2**53, 0], b"")]),
        # Near misses (rejected): they give the fuzzer the error paths to start from.
        "bad_gap": raw(b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', b"\0" * 8),
        "bad_overlap": raw(
            b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"BOOL","shape":[4],"data_offsets":[0,4]}}',
            b"\0" * 4,
        ),
        "bad_trailing": build([("a", "BOOL", [1], b"\x01")]) + b"\0",
        "bad_header_len": raw(b"{}", b"", n=100),
        "bad_float": raw(b'{"a":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}', b"\0" * 4),
        "bad_surrogate": raw(b'{"\\ud800":{"dtype":"BOOL","shape":[],"data_offsets":[0,1]}}', b"\x01"),
        "bad_dup": raw(b'{"a":{"dtype":"BOOL","shape":[],"data_offsets":[0,1]},"a":{"dtype":"BOOL","shape":[],"data_offsets":[1,2]}}', b"\1\1"),
        "bad_u8": raw(b'{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"\x01"),
        "bad_17_dims": build([("m", "BOOL", [1] * 17, b"\x01")]),
        "bad_dup_metadata": raw(b'{"__metadata__":{"k":"1","k":"2"}}'),
        "bad_size_overflow": raw(b'{"a":{"dtype":"F64","shape":[2147483648,2147483648,4],"data_offsets":[0,8]}}', b"\0" * 8),
        "long_name": build([("\u00e9" * 40 + "x" * 3, "I32", [0], b"")]),
        "tiny": b"\x02\0\0\0\0\0\0\0{",
    }
    for name, b in seeds.items():
        with open(os.path.join(OUT, name + ".safetensors"), "wb") as f:
            f.write(b)
    print(f"wrote {len(seeds)} seeds to {OUT}")


if __name__ == "__main__":
    main()

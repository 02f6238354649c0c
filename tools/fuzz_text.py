"""Prototxt mutations and scale cases for tools/fuzz.py (binary ones: fuzz_mutate.py).

Every text mutator takes ``(data, rng)`` and returns new bytes; it works on prototxt
tokens and lines. Scale cases are generated, not mutated: they stress linearity.
"""
from __future__ import annotations

import re

from fuzz_mutate import bit_flips

_NUM = re.compile(rb"(?<=: )-?\d+(?:\.\d+)?")


def text_numbers(data, rng):
    spots = list(_NUM.finditer(data))
    if not spots:
        return data
    m = spots[int(rng.integers(0, len(spots)))]
    val = rng.choice([b"0", b"-1", b"4294967295", b"2147483647", b"20000", b"1e38",
                      b"99999999999999999999", b"nan", b"0.5"])
    return data[:m.start()] + val + data[m.end():]


def text_lines(data, rng):
    lines = data.split(b"\n")
    i = int(rng.integers(0, len(lines)))
    op = int(rng.integers(0, 4))
    if op == 0:
        del lines[i]
    elif op == 1:
        lines.insert(i, lines[i])
    elif op == 2:
        lines = lines[:i]
    else:
        lines[i] = lines[i][: len(lines[i]) // 2]
    return b"\n".join(lines)


def text_names(data, rng):
    bad = rng.choice([b"\\n caffe2ss: all good", b"\\x1b[2J", b"\\000", b"\xff\xfe",
                      b"../../x", b""])
    return re.sub(rb'name: "', lambda _: b'name: "' + bad, data, count=1)


def text_nesting(data, rng):
    depth = int(rng.choice([50, 1000, 100000]))
    return data + b"layer { convolution_param { " * depth


def text_bytes(data, rng):
    return bit_flips(data, rng)


TEXT = [text_numbers, text_lines, text_names, text_nesting, text_bytes]


def scale_case(k: int) -> tuple[str, bytes]:
    """Generated inputs that stress linearity: name and prototxt bytes."""
    head = 'input: "data" input_dim: 1 input_dim: 4 input_dim: 2 input_dim: 2\n'
    if k == 0:   # 100k layers
        body = "".join(f'layer {{ name: "r{i}" type: "ReLU" bottom: "data" top: "data" }}\n'
                       for i in range(100_000))
        return "100k in-place layers", (head + body).encode()
    if k == 1:   # 100k-top Slice
        tops = "".join(f' top: "t{i}"' for i in range(100_000))
        return "100k-top Slice", (head.replace("input_dim: 4", "input_dim: 100000")
                                  + f'layer {{ name: "s" type: "Slice" bottom: "data"{tops} '
                                  "slice_param { axis: 1 } }\n").encode()
    if k == 2:   # Split with 3000 tops, each followed by an in-place ReLU
        tops = "".join(f' top: "s{i}"' for i in range(3000))
        relus = "".join(f'layer {{ name: "r{i}" type: "ReLU" bottom: "s{i}" top: "s{i}" }}\n'
                        for i in range(3000))
        return "Split x3000 + in-place ReLUs", (
            head + f'layer {{ name: "split" type: "Split" bottom: "data"{tops} }}\n'
            + relus).encode()
    return "25k tiny fields", b"\x1a\x01x" * 25_000

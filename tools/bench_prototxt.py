"""Benchmark: prototxt parsing, caffe2ss's fast parser vs protobuf's text_format.

Builds prototxts of growing size by repeating the layers of the published voc-fcn8s
deploy.prototxt (renamed so each copy is distinct), parses each with both, and prints
seconds and microseconds per byte. Linear work shows as a flat us/byte column.

    python tools/bench_prototxt.py [--sizes-mb 0.1,0.8,6.5] [--skip-protobuf-above 7]
"""
from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

from google.protobuf import text_format
from google.protobuf.internal import api_implementation

from caffe2ss.converter.reader import textproto
from caffe2ss.protos import caffe_pb2

NET = (Path(__file__).resolve().parents[1] / "parity_tests" / "data" / "nets"
       / "fcn.berkeleyvision.org__voc-fcn8s__deploy.prototxt")


def build(size: int) -> str:
    head, _, body = NET.read_text().partition("layer {")
    body = "layer {" + body
    parts, n, k = [head], len(head), 0
    while n < size:
        part = re.sub(r'(name|top|bottom): "(?!data")', rf'\1: "c{k}_', body) if k else body
        parts.append(part)
        n, k = n + len(part), k + 1
    return "".join(parts)


def timed(fn, text) -> float:
    t = time.perf_counter()
    fn(text, caffe_pb2.NetParameter())
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes-mb", default="0.1,0.8,6.5")
    ap.add_argument("--skip-protobuf-above", type=float, default=100.0)
    args = ap.parse_args()
    print(f"protobuf backend: {api_implementation.Type()}; text_format is "
          f"{'pure Python' if text_format.__file__.endswith('.py') else 'native'}")
    print(f"{'bytes':>10} {'fast s':>8} {'fast us/B':>10} {'protobuf s':>11} "
          f"{'protobuf us/B':>14} {'speed-up':>9}")
    for mb in map(float, args.sizes_mb.split(",")):
        text = build(int(mb * 1e6))
        fast = timed(textproto._parse_fast, text)  # the fast path alone, no fallback
        row = f"{len(text):>10} {fast:>8.3f} {fast / len(text) * 1e6:>10.3f}"
        if mb <= args.skip_protobuf_above:
            ref = timed(text_format.Parse, text)
            row += f" {ref:>11.3f} {ref / len(text) * 1e6:>14.3f} {ref / fast:>8.1f}x"
        print(row)


if __name__ == "__main__":
    main()

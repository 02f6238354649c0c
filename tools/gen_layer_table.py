"""Regenerate the README's supported-layers table from the layer registries.

The table lists every Caffe layer type the reader supports (``converter/layers``) and,
per backend, whether a converter is registered ("post-processing": run in numpy on the
backend's outputs, not in its graph: ONNX's DetectionOutput). It is written between the markers
``<!-- layers:begin -->`` and ``<!-- layers:end -->`` in README.md.

    python tools/gen_layer_table.py          # rewrite README.md
    python tools/gen_layer_table.py --check  # exit 1 if README.md is stale
"""
from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
BEGIN, END = "<!-- layers:begin -->", "<!-- layers:end -->"
BACKENDS = ("torch", "tf", "onnx")


def table() -> str:
    from caffe2ss.converter.layers import SPECS

    supported, post = {}, {}
    for b in BACKENDS:
        try:
            module = importlib.import_module(f"caffe2ss.converter.backends.{b}")
            supported[b] = module.SUPPORTED_TYPES
            post[b] = getattr(module, "POSTPROCESS_TYPES", frozenset())
        except (ImportError, AttributeError):
            supported[b], post[b] = set(), set()
    rows = ["| Caffe type | family | PyTorch | TensorFlow | ONNX |", "|---|---|---|---|---|"]
    for name, spec in sorted(SPECS.items(), key=lambda kv: (kv[1].family, kv[0])):
        if spec.family == "internal":
            continue  # caffe2ss's own IR layers (e.g. Alias), not Caffe types
        marks = ["post-processing" if name in post[b] else
                 "yes" if name in supported[b] else "no" for b in BACKENDS]
        rows.append(f"| `{name}` | {spec.family} | " + " | ".join(marks) + " |")
    return "\n".join(rows)


def render(text: str) -> str:
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{table()}\n{END}{tail}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check; exit 1 if stale")
    args = ap.parse_args(argv)
    text = README.read_text()
    new = render(text)
    if args.check:
        if new != text:
            print("README.md's layer table is stale: run python tools/gen_layer_table.py")
            return 1
        return 0
    README.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())

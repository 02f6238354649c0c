"""Options and helpers shared by the subcommands; choice lists come from the registries."""
from __future__ import annotations

import os
import sys

from ..backends import BACKENDS
from ..errors import CaffeError
from ..forks import FORKS


def framework_list() -> list[str]:
    """The framework names, read from the backend registry (no framework is imported)."""
    return list(BACKENDS)


def add_model_args(p, converted: bool = False) -> None:
    """MODEL, --prototxt and --fork (the fork names come from :data:`..forks.FORKS`)."""
    p.add_argument("model", help=".caffemodel (binary) or .prototxt (text)" + (
        ", or a converted output (.pt, .safetensors, .onnx, TF prefix) with its "
        "sidecar <output>.json" if converted else ""))
    p.add_argument("--prototxt", help="net definition (text); default: the one embedded "
                   "in the caffemodel")
    p.add_argument("--fork", choices=list(FORKS),
                   help="force the Caffe fork's schema (default: detected from the file)")


def add_input_arg(p, flag: str = "--input") -> None:
    """``--input NAME[,NAME]``: the data-layer top(s) to use as the net's input."""
    p.add_argument(flag, dest="input_names", metavar="NAME[,NAME]",
                   help="the net's input blob(s) when its data layers offer several "
                   "candidates (default: chosen by use)")


def input_names(args) -> list[str] | None:
    """The names given with ``--input`` (None when not given)."""
    text = getattr(args, "input_names", None)
    return [n.strip() for n in text.split(",") if n.strip()] if text else None


def add_framework_arg(p) -> None:
    """--framework for eval/infer."""
    p.add_argument("--framework", choices=framework_list(),
                   help="framework to run a .caffemodel in (default torch; a converted "
                   "output runs in its own framework)")


def add_crf_args(p, what: str) -> None:
    """--crf and --crf-params for eval/infer (DeepLab's dense CRF post-processing)."""
    p.add_argument("--crf", action="store_true", help=what + "; parameters: the net's "
                   "DenseCRF layer if it has one, else DeepLab-LargeFOV's")
    p.add_argument("--crf-params", metavar="K=V,...", help="override CRF parameters, e.g. "
                   "bi_w=4,bi_xy_std=121,bi_rgb_std=5,pos_w=3,pos_xy_std=3,iterations=10 "
                   "(any subset; implies --crf; default: none)")


def parse_shape(text: str) -> dict:
    """``N,C,H,W`` or ``name=N,C,H,W`` (repeatable via ';') -> {name or '': shape}."""
    out = {}
    for part in text.split(";"):
        name, _, dims = part.rpartition("=")
        try:
            shape = tuple(int(d) for d in dims.replace("x", ",").split(","))
        except ValueError:
            raise CaffeError(f"bad --input-shape '{text}': use N,C,H,W, e.g. 1,3,500,500",
                             field="input-shape") from None
        if not shape or any(d <= 0 for d in shape):
            raise CaffeError(f"bad --input-shape '{text}': dims must be positive",
                             field="input-shape")
        out[name.strip()] = shape
    return out


def input_shapes(net, args):
    """``--input-shape`` resolved against the net's inputs (None when not given).

    A name must be one of the net's inputs, and the rank must be the declared one (4,
    N,C,H,W, when nothing is declared).
    """
    shapes = parse_shape(args.input_shape) if getattr(args, "input_shape", None) else None
    if shapes and "" in shapes:
        if len(net.inputs) != 1:
            raise CaffeError(f"the net has inputs {list(net.inputs)}; name one: "
                             "--input-shape data=1,3,500,500", field="input-shape")
        shapes = {next(iter(net.inputs)): shapes[""]}
    for name, shape in (shapes or {}).items():
        if name not in net.inputs:
            raise CaffeError(f"--input-shape names '{name}', but the net's inputs are "
                             f"{list(net.inputs)}; use e.g. --input-shape "
                             f"{next(iter(net.inputs), 'data')}=1,3,500,500",
                             field="input-shape")
        declared = net.inputs[name]
        rank = len(declared) if declared else 4
        if len(shape) != rank:
            raise CaffeError(f"--input-shape gives {len(shape)} dims {shape} for input "
                             f"'{name}', which takes {rank} (N,C,H,W, e.g. 1,3,500,500)",
                             field="input-shape")
    return shapes


def frameworks_arg(text: str) -> list[str]:
    """A comma list of framework names, each checked against the backend registry."""
    names = [f.strip() for f in text.split(",") if f.strip()]
    known = framework_list()
    for n in names:
        if n not in known:
            raise CaffeError(f"unknown framework '{n}'; choose from {', '.join(known)}",
                             field="frameworks")
    if not names:
        raise CaffeError(f"no framework given; choose from {', '.join(known)}",
                         field="frameworks")
    return names


def progress_allowed(quiet: bool) -> bool:
    """Show progress bars only on an interactive terminal outside CI."""
    return not quiet and sys.stderr.isatty() and not os.environ.get("CI")

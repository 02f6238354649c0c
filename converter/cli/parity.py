"""``caffe2ss parity``: run the rebuild in each framework and compare with Caffe.

Exit status 0 when every framework passes, 1 on any mismatch, 2 on bad input.
"""
from __future__ import annotations

import numpy as np

from ..backends import get_backend
from ..errors import CaffeError
from ..fileio import write_json_atomic
from ..parity import ATOL, RTOL, FrameworkResult, compare_blobs, format_table
from ..reader.load import load
from ..seg.miou_gate import miou_gate
from .common import add_model_args, framework_list

HELP = "compare the rebuilt net with Caffe's blobs (CI gate)"


def add_arguments(p) -> None:
    """The ``parity`` options."""
    add_model_args(p)
    p.add_argument("--input", help="NCHW float32 .npy fed to the net's input; NAME=X.npy "
                   "also names the input blob (when the data layers offer several)")
    p.add_argument("--reference", help=".npz of Caffe blobs keyed by blob name")
    p.add_argument("--frameworks", default="torch", help="comma list of "
                   + ",".join(framework_list()))
    p.add_argument("--json", dest="json_path", help="write the JSON report here")
    p.add_argument("--atol", type=float, default=None, help="absolute tolerance (default 0)")
    p.add_argument("--rtol", type=float, default=None,
                   help="relative tolerance on max(1, max|ref|) (default 1e-4)")
    p.add_argument("--voc-root", help="also gate mIoU on a VOC-layout data set")
    p.add_argument("--split", default="val")
    p.add_argument("--caffe-predictions", help=".npz of Caffe's argmax maps per image id")


def _load_array(path, what: str) -> np.ndarray:
    try:
        arr = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise CaffeError(f"cannot read {what}: {e}", file=path) from None
    return arr


def _load_reference(path) -> dict:
    z = _load_array(path, "the reference blobs (.npz keyed by Caffe blob name)")
    if not hasattr(z, "files"):
        raise CaffeError("the reference must be an .npz of blobs keyed by Caffe blob name",
                         file=path)
    with z:
        return {k: z[k] for k in z.files}


def _split_input(text):
    """``X.npy`` or ``NAME=X.npy`` -> (NAME or None, path)."""
    if not text:
        return None, text
    name, sep, path = text.partition("=")
    return (name, path) if sep and name and not name.endswith(".npy") else (None, text)


def _frameworks(text: str) -> list[str]:
    names = [f.strip() for f in text.split(",") if f.strip()]
    known = framework_list()
    for n in names:
        if n not in known:
            raise CaffeError(f"unknown framework '{n}'; choose from {', '.join(known)}",
                             field="frameworks")
    return names or ["torch"]


def run(args) -> int:
    """Run ``caffe2ss parity``; 0 pass, 1 mismatch."""
    frameworks = _frameworks(args.frameworks)
    backends = {fw: get_backend(fw) for fw in frameworks}  # fail early on a missing extra
    blob, npy = _split_input(args.input)
    net = load(args.model, args.prototxt, args.fork, [blob] if blob else None)
    atol = ATOL if args.atol is None else args.atol
    rtol = RTOL if args.rtol is None else args.rtol
    report = {"frameworks": {}, "tolerance": {"atol": atol, "rtol": rtol}}
    results: dict[str, FrameworkResult] = {}
    outputs: dict[str, dict] = {}
    if args.input or args.reference:
        if not (args.input and args.reference):
            raise CaffeError("give both --input X.npy and --reference BLOBS.npz",
                             field="reference")
        x = _load_array(npy, "the input (.npy)")
        if x.ndim != 4:
            raise CaffeError(f"the input must be NCHW (4-D), got shape {x.shape}",
                             file=npy)
        if len(net.inputs) != 1:
            raise CaffeError(f"the net has inputs {list(net.inputs)}; parity feeds one",
                             field="input")
        name = next(iter(net.inputs))
        net.infer_shapes({name: x.shape})  # validate the size before running anything
        reference = _load_reference(args.reference)
        for fw, backend in backends.items():
            ours = backend.run(net, {name: x.astype(np.float32)}, blobs=True)
            outputs[fw] = ours
            results[fw] = compare_blobs(net, ours, reference, fw, atol, rtol)
            print(format_table(results[fw]))
        if len(outputs) > 1:
            report["cross"] = _cross(net, outputs, atol, rtol)
    elif not args.voc_root:
        raise CaffeError("give --input and --reference (blob parity) and/or --voc-root "
                         "(mIoU parity)", field="input")
    for fw, res in results.items():
        report["frameworks"][fw] = res.as_json()
    ok = all(r.passed for r in results.values())
    if args.voc_root:
        gate = miou_gate(args.model, args.voc_root, frameworks, split=args.split,
                         caffe_predictions=args.caffe_predictions, prototxt=args.prototxt,
                         fork=args.fork)
        report["miou"] = gate
        ok = ok and gate["pass"]
    report["pass"] = bool(ok)
    if args.json_path:
        write_json_atomic(args.json_path, report)
    print(f"parity: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


def _cross(net, outputs: dict, atol: float, rtol: float) -> dict:
    """Framework-vs-framework agreement (the first framework is the reference)."""
    names = list(outputs)
    base = names[0]
    out = {}
    for fw in names[1:]:
        res = compare_blobs(net, outputs[fw], outputs[base], f"{fw} vs {base}", atol, rtol)
        worst = max((b.max_abs or 0.0 for b in res.blobs.values()), default=0.0)
        out[f"{fw}_vs_{base}"] = {"pass": res.passed, "max_abs": worst,
                                  "first_divergent": res.first_divergent}
        print(f"== {fw} vs {base}: {'PASS' if res.passed else 'FAIL'} "
              f"(max |diff| {worst:.3g})")
    return out

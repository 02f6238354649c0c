"""``caffe2ss parity``: run the rebuild in each framework and compare with Caffe.

Exit status 0 when every framework passes, 1 on any mismatch, 2 on bad input.
"""
from __future__ import annotations

import numpy as np

from ..backends import get_backend
from ..errors import CaffeError, printable
from ..fileio import write_json_atomic
from ..npyfile import load_checked
from ..parity import ATOL, RTOL, FrameworkResult, compare_blobs, format_table
from ..reader.load import load
from ..seg.miou_gate import miou_gate
from .recognize import refuse_converted
from ..outdirs import check_output_file
from .common import add_model_args, framework_list, frameworks_arg

EXAMPLES = """  caffe2ss parity fcn8s.caffemodel --prototxt deploy.prototxt --input x.npy \\
      --reference caffe_blobs.npz --frameworks torch,tf,onnx --json report.json
  caffe2ss parity examples/trained_fcn8s_shapes/weights.caffemodel \\
      --voc-root examples/shapes-voc \\
      --caffe-predictions examples/trained_fcn8s_shapes/caffe_predictions.npz"""

HELP = "compare the rebuilt net with Caffe's blobs (CI gate)"


def add_arguments(p) -> None:
    """The ``parity`` options."""
    add_model_args(p)
    p.add_argument("--input", help="NCHW float32 .npy fed to the net's input; NAME=X.npy "
                   "also names the input blob (when the data layers offer several) "
                   "(default: none; give it with --reference)")
    p.add_argument("--reference", help=".npz of Caffe blobs keyed by blob name (default: "
                   "none)")
    p.add_argument("--frameworks", default="torch", help="comma list of "
                   + ",".join(framework_list()))
    p.add_argument("--json", dest="json_path", help="write the JSON report here (default: none)")
    p.add_argument("--atol", type=float, default=None, help="absolute tolerance (default 0)")
    p.add_argument("--rtol", type=float, default=None,
                   help="relative tolerance on max(1, max|ref|) (default 1e-4)")
    p.add_argument("--voc-root", help="also gate mIoU on a VOC-layout data set (default: none)")
    p.add_argument("--split", default="val", help="VOC split for --voc-root")
    p.add_argument("--caffe-predictions", help=".npz of Caffe's argmax maps per image id (default: none)")


def _load_array(path, what: str):
    """Header, dtype and size validated before loading (:mod:`..npyfile`)."""
    return load_checked(path, what)


def _load_reference(path) -> dict:
    z = _load_array(path, "the reference blobs (.npz keyed by Caffe blob name)")
    if not isinstance(z, dict):
        raise CaffeError("the reference must be an .npz of blobs keyed by Caffe blob name",
                         file=path)
    return z


def _split_input(text):
    """``X.npy`` or ``NAME=X.npy`` -> (NAME or None, path)."""
    if not text:
        return None, text
    name, sep, path = text.partition("=")
    return (name, path) if sep and name and not name.endswith(".npy") else (None, text)


def _frameworks(text: str) -> list[str]:
    return frameworks_arg(text)


def run(args) -> int:
    """Run ``caffe2ss parity``; 0 pass, 1 mismatch."""
    frameworks = _frameworks(args.frameworks)
    check_output_file(args.json_path)  # before any work
    refuse_converted(args.model, "parity")
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
        if isinstance(x, dict):
            raise CaffeError("the input must be one .npy array, not an .npz", file=npy)
        if x.ndim != 4:
            raise CaffeError(f"the input must be NCHW (4-D), got shape {x.shape}",
                             file=npy)
        if len(net.inputs) != 1:
            raise CaffeError(f"the net has inputs {list(net.inputs)}; parity feeds one",
                             field="input")
        name = next(iter(net.inputs))
        reference = _load_reference(args.reference)
        _check_input_size(net, name, x.shape, reference, args.input)
        net.infer_shapes({name: x.shape})  # validate the size before running anything
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


def _check_input_size(net, name: str, shape, reference: dict, path) -> None:
    """A wrong-sized input is bad input (exit 2, one line), never a table of failures."""
    ref = reference.get(name)
    if ref is not None and tuple(ref.shape) != tuple(shape):
        raise CaffeError(f"the input has shape {tuple(shape)} but the reference's '{name}' "
                         f"blob is {tuple(ref.shape)}; give the input Caffe ran on",
                         file=path)
    declared = net.inputs.get(name)
    if declared and len(declared) == 4 and declared[1] != shape[1]:
        raise CaffeError(f"the input has {shape[1]} channels; the net's '{name}' takes "
                         f"{declared[1]} (N,C,H,W {tuple(declared)})", file=path)


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
        print(f"== {printable(fw)} vs {printable(base)}: {'PASS' if res.passed else 'FAIL'} "
              f"(max |diff| {worst:.3g})")
    return out

"""Make a real-Caffe reference case (like ``parity_tests/data/oracle/<case>/``).

Given a deploy prototxt whose input is an ``Input`` layer with top ``data``, this runs
**real Caffe** (a built pycaffe, in its own Python, in a subprocess) to fill every
parameter blob with realistic random values, feed an input, run the forward pass and
write the case folder:

    deploy.prototxt  weights.caffemodel (Net::save)  input.npy  blobs.npz  case.json

Random values (numpy ``default_rng(seed)``): He-scaled Convolution/Deconvolution/
InnerProduct weights, small biases; BatchNorm statistics stored x2 with a scale
factor of 2.0 (or, per layer with probability ``--bn-zero-factor``, 0.0: Caffe's
zero-factor guard); Scale gammas in [0.5, 1.5]; PReLU slopes in [0, 0.3]. The input is
standard normal noise of the Input layer's shape, or ``--input X.npy``.

    python tools/make_oracle_case.py NET.prototxt OUT_DIR --seed 3 --caffe /tmp/caffe

``--caffe`` is the build folder holding ``venv/bin/python`` (numpy and protobuf for
pycaffe) and ``src/python`` (the ``caffe`` package). Exit status: 0 written, 3 Caffe
rejected the net (it aborted; nothing is written), 2 bad arguments. Tests never run
this tool: its output is committed as data.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CAFFE_DESC = "BVLC Caffe 1.0 lineage (PyPI sdist brocolli-caffe 9.0.2), CPU, float32"

# Runs inside the Caffe build's Python; argv[1] is a JSON job description.
WORKER = r'''
import json, sys
job = json.loads(sys.argv[1])
sys.path.insert(0, job["pycaffe"])
import numpy as np
import caffe
from caffe.proto import caffe_pb2
from google.protobuf import text_format
caffe.set_mode_cpu()
out = job["out"]
net = caffe.Net(job["prototxt"], caffe.TEST)  # Caffe parses and checks the net first
msg = text_format.Parse(open(job["prototxt"]).read(), caffe_pb2.NetParameter())
tops = {t for l in msg.layer for t in l.top}
kinds = {l.name: l for l in msg.layer}
rng = np.random.default_rng(job["seed"])
for name, params in net.params.items():
    lp, shapes = kinds[name], [p.data.shape for p in params]
    if lp.type in ("Convolution", "Deconvolution", "InnerProduct"):
        w = shapes[0]
        if lp.type == "InnerProduct":   # (N, K), or (K, N) with transpose
            fan = w[0] if lp.inner_product_param.transpose else w[1]
        else:                            # conv (O, C/g, kh, kw); deconv (C, O/g, kh, kw)
            fan = int(np.prod(w[1:]))
        vals = [rng.standard_normal(w) * np.sqrt(2.0 / max(fan, 1))]
        vals += [rng.standard_normal(s) * 0.1 for s in shapes[1:]]
    elif lp.type == "BatchNorm":
        factor = 0.0 if rng.random() < job["bn_zero"] else 2.0
        c = shapes[0]
        vals = [rng.standard_normal(c) * 0.5 * 2.0, rng.uniform(0.5, 2.0, c) * 2.0,
                np.full(shapes[2], factor)]
    elif lp.type == "Scale":
        vals = [rng.uniform(0.5, 1.5, shapes[0])] + [rng.standard_normal(s) * 0.2
                                                     for s in shapes[1:]]
        if len(lp.bottom) == 2:         # blobs are [beta] only
            vals = [rng.standard_normal(s) * 0.2 for s in shapes]
    elif lp.type == "PReLU":
        vals = [rng.uniform(0.0, 0.3, s) for s in shapes]
    else:
        vals = [rng.standard_normal(s) * 0.5 for s in shapes]
    for p, v in zip(params, vals):
        p.data[...] = np.asarray(v, np.float32).reshape(p.data.shape)
if job["input"]:
    x = np.load(job["input"]).astype(np.float32)
else:
    x = rng.standard_normal(net.blobs["data"].data.shape).astype(np.float32)
if x.shape != net.blobs["data"].data.shape:
    net.blobs["data"].reshape(*x.shape)
    net.reshape()
net.blobs["data"].data[...] = x
net.forward()
blobs = {k: np.array(v.data, np.float32) for k, v in net.blobs.items() if k in tops}
np.savez(out + "/blobs.npz", **blobs)
np.save(out + "/input.npy", x)
net.save(out + "/weights.caffemodel")
output = net.outputs[-1]
print(json.dumps({
    "input_shape": list(x.shape), "output_blob": output,
    "output_shape": list(blobs[output].shape),
    "param_shapes": {n: [list(p.data.shape) for p in ps] for n, ps in net.params.items()},
    "blob_shapes": {k: list(v.shape) for k, v in blobs.items()}}))
'''


def make_case(prototxt: Path, out: Path, seed: int, caffe: Path, *, input_npy=None,
              source: str = "random net", note: str = "", bn_zero: float = 0.25,
              timeout: float = 120.0) -> dict:
    """Run Caffe on ``prototxt`` and write the case folder ``out`` (atomically).

    Returns case.json's content. Raises ``RuntimeError`` if Caffe rejects the net.
    """
    python = caffe / "venv" / "bin" / "python"
    out = Path(out)
    tmp = Path(tempfile.mkdtemp(prefix=".case-", dir=out.parent))
    os.chmod(tmp, 0o755)
    try:
        shutil.copyfile(prototxt, tmp / "deploy.prototxt")
        job = {"pycaffe": str(caffe / "src" / "python"), "out": str(tmp), "seed": seed,
               "prototxt": str(tmp / "deploy.prototxt"), "bn_zero": bn_zero,
               "input": str(Path(input_npy).resolve()) if input_npy else None}
        env = dict(os.environ, GLOG_minloglevel="2")
        proc = subprocess.run([str(python), "-c", WORKER, json.dumps(job)], env=env,
                              capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            raise RuntimeError(f"Caffe rejected the net (exit {proc.returncode}):\n"
                               + proc.stderr[-2000:])
        got = json.loads(proc.stdout.strip().splitlines()[-1])
        meta = {"case": out.name, "source": source, "input_blob": "data",
                "input_shape": got["input_shape"], "output_blob": got["output_blob"],
                "output_shape": got["output_shape"], "caffe": CAFFE_DESC,
                "input_kind": "given input" if input_npy else "standard normal noise",
                "seed": seed, "note": note, "param_shapes": got["param_shapes"],
                "blob_shapes": got["blob_shapes"]}
        (tmp / "case.json").write_text(json.dumps(meta, indent=1) + "\n")
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
        return meta
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("prototxt", type=Path, help="deploy prototxt (Input layer, top 'data')")
    ap.add_argument("out", type=Path, help="case folder to write (replaced if present)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--caffe", type=Path, required=True, help="Caffe build folder")
    ap.add_argument("--input", type=Path, help="input .npy (default: standard normal)")
    ap.add_argument("--source", default="random net", help="case.json 'source'")
    ap.add_argument("--note", default="", help="case.json 'note'")
    ap.add_argument("--bn-zero-factor", type=float, default=0.25,
                    help="probability that a BatchNorm scale factor is 0.0 (default 0.25)")
    args = ap.parse_args(argv)
    if not (args.caffe / "venv" / "bin" / "python").exists():
        print(f"error: no {args.caffe}/venv/bin/python; give the Caffe build folder",
              file=sys.stderr)
        return 2
    try:
        meta = make_case(args.prototxt, args.out, args.seed, args.caffe,
                         input_npy=args.input, source=args.source, note=args.note,
                         bn_zero=args.bn_zero_factor)
    except RuntimeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 3
    print(f"wrote {args.out}: {meta['output_blob']} {meta['output_shape']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

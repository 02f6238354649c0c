"""Constant-border compression (``converter/borders.py``, run by the static ONNX export,
torch's channels-last inference path and the TF rebuild's traced forward): the runs of identical rows that wide zero
padding makes are computed once, and every blob is still Caffe's. Against real Caffe it
runs in the ONNX oracle tests and ``test_torch_fast_paths.py`` (the FCN cases have
``pad: 100``); here: random nets against Caffe's loops (caffe_numpy) in both, the row
bookkeeping, and where the plan does not apply."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from helpers.onelayer import check, with_weights
from helpers.oracle import oracle
from caffe2ss.converter import borders, load
from caffe2ss.converter.borders import Axis, Run, gather_index

pytest.importorskip("onnxruntime")
torch = pytest.importorskip("torch")

from caffe2ss.converter.backends import get_backend  # noqa: E402
from caffe2ss.converter.errors import CaffeError  # noqa: E402
from caffe2ss.converter.backends.onnx.export import build_model  # noqa: E402
from caffe2ss.converter.parity import compare_blob  # noqa: E402
from caffe2ss.models.torch import fast  # noqa: E402
from caffe2ss.models.torch.generic import CaffeNet  # noqa: E402

NETS = Path(__file__).resolve().parent / "data" / "nets"


def _rows(axis: Axis, rng) -> np.ndarray:
    """A full blob (rows x 3) whose runs are identical rows, other rows distinct."""
    full = rng.standard_normal((axis.size, 3))
    for r in axis.runs:
        full[r.start:r.start + r.full] = rng.standard_normal(3)
    return full


def test_axis_index_rows_and_gather():
    rng = np.random.default_rng(0)
    a = Axis(20, (Run(0, 6, 2), Run(9, 4, 4), Run(14, 6, 3)))
    assert a.kept_size == 20 - 4 - 3
    full = _rows(a, rng)
    kept = full[a.rows()]  # what the compressed blob holds
    assert len(kept) == a.kept_size
    np.testing.assert_array_equal(kept[a.index()], full)  # every full row is held
    b = Axis(20, (Run(0, 6, 5), Run(9, 4, 1), Run(14, 6, 6)))
    np.testing.assert_array_equal(kept[gather_index(a, b)], full[b.rows()])
    np.testing.assert_array_equal(kept[gather_index(a, Axis(20))], full)  # expanded
    assert gather_index(a, a) is None
    # runs kept whole are the full blob
    assert gather_index(Axis(20, (Run(3, 5, 5),)), Axis(20)) is None


def _random_net(rng, path):
    """A chain starting with a convolution padded wider than its kernel, then random
    convolutions (stride, dilation, group, pad), poolings (MAX/AVE, ceil/floor, pad) and
    in-place or not element-wise layers; a Deconvolution reads a middle blob (a layer
    outside the plan: it reads the full blob)."""
    h, w = (int(v) for v in rng.integers(4, 18, 2))
    c = int(rng.integers(1, 4))
    k = int(rng.integers(1, 4))
    d = int(rng.integers(1, 3))
    e = d * (k - 1) + 1
    lines = [f'input: "data"\ninput_shape {{ dim: 1 dim: {c} dim: {h} dim: {w} }}']
    lines.append(f'layer {{ name: "c0" type: "Convolution" bottom: "data" top: "b0" '
                 f'convolution_param {{ num_output: 4 kernel_size: {k} dilation: {d} '
                 f'pad: {int(rng.integers(e + 4, 3 * e + 14))} '
                 f'stride: {int(rng.integers(1, 3))} }} }}')
    blob, blobs = "b0", ["b0"]
    for i in range(1, int(rng.integers(4, 9))):
        kind = rng.choice(["conv", "conv", "pool", "relu", "drop", "wide"])
        top = blob if kind in ("relu", "drop") and rng.random() < 0.6 else f"b{i}"
        if kind in ("conv", "wide"):
            k, d = int(rng.integers(1, 4)), int(rng.integers(1, 3))
            e = d * (k - 1) + 1
            pad = int(rng.integers(e + 3, 2 * e + 8)) if kind == "wide" else int(rng.integers(0, k + 1))
            group = 2 if rng.random() < 0.3 else 1
            body = (f'type: "Convolution" convolution_param {{ num_output: 4 kernel_size: {k} '
                    f'dilation: {d} pad: {pad} stride: {int(rng.integers(1, 3))} group: {group} }}')
        elif kind == "pool":
            k = int(rng.integers(2, 4))
            body = (f'type: "Pooling" pooling_param {{ pool: {rng.choice(["MAX", "AVE"])} '
                    f'kernel_size: {k} stride: {int(rng.integers(1, 3))} '
                    f'pad: {int(rng.integers(0, k))} '
                    f'round_mode: {rng.choice(["CEIL", "FLOOR"])} }}')
        elif kind == "relu":
            body = f'type: "ReLU" relu_param {{ negative_slope: {rng.choice([0.0, 0.1])} }}'
        else:
            body = 'type: "Dropout"'
        lines.append(f'layer {{ name: "l{i}" {body} bottom: "{blob}" top: "{top}" }}')
        blob = top
        blobs.append(top)
    middle = blobs[int(rng.integers(0, len(blobs)))]
    lines.append(f'layer {{ name: "up" type: "Deconvolution" bottom: "{middle}" top: "up" '
                 'convolution_param { num_output: 2 kernel_size: 2 stride: 2 } }')
    path.write_text("\n".join(lines) + "\n")
    net = load(path)
    net.infer_shapes()  # a net with an empty blob is refused here
    return with_weights(net, seed=int(rng.integers(1 << 30)))


def _torch_blobs(net, x):
    """Every blob from torch's channels-last inference path, and whether it planned."""
    model = CaffeNet(net, channels_last=True).eval()
    with torch.inference_mode():
        got = model(torch.from_numpy(x), return_blobs=True)
        out = model(torch.from_numpy(x))  # the outputs alone: expanded as well
    outs = out if isinstance(out, dict) else {net.outputs()[0]: out}
    for name, value in outs.items():
        assert torch.equal(value, got[name]), name
    planned = any(v is not None for v in model._planned.values())
    return {k: v.numpy() for k, v in got.items()}, planned


def test_random_nets_match_caffe_loops(tmp_path):
    """Every blob of 40 random nets, compressed in ONNX and in torch (and every 4th in
    TF), against Caffe's loops (caffe_numpy)."""
    rng = np.random.default_rng(2026)
    onnx, planned, made = get_backend("onnx"), 0, 0
    try:
        tf_backend = get_backend("tf")
    except CaffeError:  # TF not installed: ONNX and torch only
        tf_backend = None
    while made < 40:
        try:
            net = _random_net(rng, tmp_path / f"n{made}.prototxt")
        except Exception:  # noqa: BLE001 - a size the random chain cannot take: draw again
            continue
        made += 1
        shapes = net.resolve_input_shapes(None)
        plan = borders.plan(net, shapes, net.top_shapes(shapes))
        planned += plan is not None
        _, ref = check(onnx, net, seed=made)
        x = np.random.default_rng(made).standard_normal(shapes["data"]).astype(np.float32)
        if fast.available():
            got, used = _torch_blobs(net, x)
            assert used == (plan is not None)
            for blob, want in ref.items():
                res = compare_blob(got[blob], want)
                assert res.passed, f"torch {blob}: {res.reason}"
        if tf_backend is not None and made % 4 == 0:  # TF: every 4th net (tracing is slow)
            got = tf_backend.run(net, {"data": x}, blobs=True)
            for blob, want in ref.items():
                res = compare_blob(got[blob], want)
                assert res.passed, f"tf {blob}: {res.reason}"
    assert planned >= 30  # the random chains mostly compress (the rest: runs too short)


def test_fcn8s_skips_a_sixth_of_its_work_and_deeplab_none():
    """Shape-level: FCN-8s at 500x500 (pad 100) skips >= 15% of its multiply-adds; a net
    without padding wider than a kernel (DeepLab-LargeFOV) has no plan and no Gather."""
    for name, shape, low in (("fcn.berkeleyvision.org__voc-fcn8s__deploy.prototxt", (1, 3, 500, 500), 0.15),
                             ("tensorflow-deeplab-lfov__util__deploy.prototxt", (1, 3, 321, 321), None)):
        net = load(NETS / name)
        shapes = net.resolve_input_shapes({"data": shape})
        tops = net.top_shapes(shapes)
        plan = borders.plan(net, shapes, tops)
        if low is None:
            assert plan is None
        else:
            assert borders.saved_fraction(net, shapes, tops, plan) >= low


def test_export_compresses_static_not_dynamic():
    """The oracle FCN-8s: compressed static export (smaller conv1 blobs, Gathers), the
    --dynamic-hw export as written before (sizes unknown at export)."""
    case = oracle("fcn8s_thin")
    net = case.load()
    shape = case.input.shape
    model, _ = build_model(net, {"data": shape})
    ops = [n.op_type for n in model.graph.node]
    assert ops.count("Gather") >= 4
    conv1 = next(n for n in model.graph.node if n.op_type == "Conv")
    pads = next(a.ints for a in conv1.attribute if a.name == "pads")
    assert max(pads) < 100  # FCN's pad: 100 cut to a few rows
    model, _ = build_model(net, {"data": shape}, dynamic_hw=True)
    assert "Gather" not in {n.op_type for n in model.graph.node}


def test_tf_traced_forward_plans_at_static_sizes():
    """The TF rebuild's traced forward (static H, W on its first trace) gathers rows:
    the FCN-8s oracle case runs compressed and every blob is real Caffe's."""
    from caffe2ss.converter.parity import compare_blobs
    from caffe2ss.models.tf.rebuild import forward

    try:
        tf_backend = get_backend("tf")
    except CaffeError as e:
        pytest.skip(str(e))
    case = oracle("fcn8s_thin")
    net = case.load()
    ours = tf_backend.run(net, {"data": case.input}, blobs=True)
    res = compare_blobs(net, ours, case.blobs, "tf")
    assert res.passed
    model = tf_backend._cached_model(net, {"data": case.input.shape})
    fns = forward(model, True).graph._list_all_concrete_functions_for_serialization()
    ops = [op.type for f in fns for op in f.graph.get_operations()]
    assert ops.count("GatherV2") >= 4

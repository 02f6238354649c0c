"""Every framework's rebuild against real Caffe: every blob of every oracle case, other
input sizes, and batches. One test body, parametrised over torch, tf and onnx."""
from __future__ import annotations

import numpy as np
import pytest

from caffe2ss.converter.backends import BACKENDS, get_backend
from caffe2ss.converter.errors import CaffeError
from caffe2ss.converter.parity import compare_blob, compare_blobs, format_table
from helpers.oracle import oracle

FRAMEWORKS = list(BACKENDS)


@pytest.fixture(params=FRAMEWORKS)
def backend(request):
    try:
        return get_backend(request.param)
    except CaffeError as e:  # the framework's extra is not installed
        pytest.skip(str(e))


def test_oracle_case_every_blob(oracle_case, backend):
    net = oracle_case.load()
    ref = oracle_case.blobs
    ours = backend.run(net, {"data": oracle_case.input}, blobs=True)
    assert set(ref) <= set(ours), f"blobs missing from the rebuild: {set(ref) - set(ours)}"
    assert all(v.dtype == np.float32 for v in ours.values())
    res = compare_blobs(net, ours, ref, backend.__name__.rsplit(".", 1)[-1])
    assert res.passed, format_table(res)


@pytest.mark.parametrize("case,hw", [("fcn8s_thin", (150, 171)), ("fcn32s_thin", (97, 64)),
                                     ("deeplab_v2_largefov_interp_thin", (90, 77)),
                                     ("deeplab_v1_largefov_thin", (64, 80))])
def test_any_input_size(case, hw, backend):
    """Not tied to the declared shape: every blob has the shape Caffe's formulas give."""
    net = oracle(case).load()
    x = np.random.default_rng(0).standard_normal((1, 3) + hw).astype(np.float32) * 50
    ours = backend.run(net, {"data": x}, blobs=True)
    assert {k: v.shape for k, v in ours.items()} == net.infer_shapes({"data": x.shape})
    out = net.outputs()[0]
    if case.startswith("fcn"):
        assert ours[out].shape == (1, 21) + hw  # FCN's crops give back the input size
    outputs = backend.run(net, {"data": x})
    assert list(outputs) == [out] and np.array_equal(outputs[out], ours[out])


@pytest.mark.parametrize("case", ["fcn8s_thin", "deeplab_largefov_thin", "zoo_pool_ceil_pad"])
def test_batch_of_two_matches_single_images(case, backend):
    c = oracle(case)
    net = c.load()
    x = c.input[:1]
    y = np.ascontiguousarray(x[..., ::-1, :]) * 0.5  # a second, different image
    batch = backend.run(net, {"data": np.concatenate([x, y])}, blobs=True)
    for i, item in enumerate((x, y)):
        for name, value in backend.run(net, {"data": item}, blobs=True).items():
            res = compare_blob(batch[name][i:i + 1], value)
            assert res.passed, f"image {i}, blob {name}: {res.reason}"
    # and the batch's first image is still Caffe's answer
    res = compare_blobs(net, {k: v[:1] for k, v in batch.items()}, c.blobs, backend.__name__.rsplit(".", 1)[-1])
    assert res.passed, format_table(res)


def test_missing_weights_are_listed_at_once_and_nothing_is_written(backend, tmp_path):
    """A definition without its caffemodel: every weighted layer is named, no file left."""
    from caffe2ss.converter import load
    from helpers.export_nets import BN_NET

    proto = tmp_path / "n.prototxt"
    proto.write_text(BN_NET)
    net = load(proto)  # definition only: no weights
    with pytest.raises(CaffeError) as e:
        backend.convert(net, tmp_path / "n")
    assert e.value.layer == "conv.1" and "weights" in str(e.value)
    assert "conv_1" in str(e.value) and "zero" in str(e.value)  # every such layer
    assert sorted(p.name for p in tmp_path.iterdir()) == ["n.prototxt"]
    with pytest.raises(CaffeError):
        backend.run(net, {"data": np.zeros((1, 2, 3, 3), np.float32)})

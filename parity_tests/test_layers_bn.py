"""PSPNet's ``BN`` (``--fork pspnet``) in every framework against the formula of the
fork's bn_layer.cpp (TEST phase): ``slope * (x - mean) * (var + eps)^-1/2 + bias``,
from a prototxt and from a caffemodel alone (fork detected from bn_param = 152)."""
from __future__ import annotations

import numpy as np
import pytest

from caffe2ss.converter import load
from caffe2ss.converter.backends import BACKENDS, get_backend
from caffe2ss.converter.errors import CaffeError
from caffe2ss.converter.parity import compare_blob

C = 4
NET = f"""name: "psp"
input: "data" input_shape {{ dim: 2 dim: {C} dim: 5 dim: 6 }}
layer {{ name: "bn1" type: "BN" bottom: "data" top: "bn1" bn_param {{ eps: 0.001 frozen: true }} }}
layer {{ name: "relu" type: "ReLU" bottom: "bn1" top: "bn1" }}
layer {{ name: "bn2" type: "BN" bottom: "bn1" top: "bn2" }}
"""


def _blobs(seed):
    rng = np.random.default_rng(seed)
    return [rng.uniform(0.5, 1.5, C), rng.standard_normal(C) * 0.2,
            rng.standard_normal(C) * 0.5, rng.uniform(0.2, 2.0, C)]


def _caffemodel(path):
    """A PSPNet-style caffemodel: BN blobs (1, C, 1, 1), bn_param at LayerParameter 152."""
    from google.protobuf import text_format

    from caffe2ss.protos import pspnet_pb2

    msg = text_format.Parse(NET, pspnet_pb2.NetParameter())
    for layer, seed in zip(msg.layer[0::2], (1, 2)):  # bn1, bn2
        for arr in _blobs(seed):
            b = layer.blobs.add()
            b.shape.dim.extend([1, C, 1, 1])
            b.data.extend(np.asarray(arr, np.float32).tolist())
    path.write_bytes(msg.SerializeToString())
    return path


def _reference(x):
    def bn(x, blobs, eps):
        s, b, m, v = (np.asarray(a, np.float32).reshape(1, C, 1, 1) for a in blobs)
        return (x - m) * np.power(v + np.float32(eps), np.float32(-0.5)) * s + b

    y1 = np.maximum(bn(x, _blobs(1), 1e-3), 0)  # in-place ReLU on bn1
    return {"bn1": y1, "bn2": bn(y1, _blobs(2), 1e-5)}


@pytest.mark.parametrize("fw", list(BACKENDS))
@pytest.mark.parametrize("with_prototxt", [True, False])
def test_pspnet_bn_matches_the_fork_formula(fw, with_prototxt, tmp_path):
    try:
        backend = get_backend(fw)
    except CaffeError as e:
        pytest.skip(str(e))
    model = _caffemodel(tmp_path / "psp.caffemodel")
    proto = None
    if with_prototxt:
        proto = tmp_path / "psp.prototxt"
        proto.write_text(NET)
    net = load(model, proto)
    assert net.fork == "pspnet"
    x = np.random.default_rng(0).standard_normal((2, C, 5, 6)).astype(np.float32)
    ours = backend.run(net, {"data": x}, blobs=True)
    for name, want in _reference(x).items():
        res = compare_blob(ours[name], want)
        assert res.passed, f"{fw} {name}: {res.reason}"


def test_bn_without_weights_is_refused(tmp_path):
    (tmp_path / "n.prototxt").write_text(NET)
    net = load(tmp_path / "n.prototxt")
    with pytest.raises(CaffeError) as e:
        get_backend("onnx").run(net, {"data": np.zeros((2, C, 5, 6), np.float32)})
    assert "bn1" in str(e.value)


def test_bn_survives_a_torch_convert_and_reload(tmp_path):
    pytest.importorskip("torch")
    from caffe2ss.converter.backends.torch import convert, load_converted, run

    net = load(_caffemodel(tmp_path / "psp.caffemodel"))
    x = np.random.default_rng(5).standard_normal((2, C, 5, 6)).astype(np.float32)
    convert(net, tmp_path / "psp.pt")
    import torch

    state = torch.load(tmp_path / "psp.pt", weights_only=True)
    assert sorted(state) == sorted(f"{l}.{n}" for l in ("bn1", "bn2") for n in
                                   ("weight", "bias", "running_mean", "running_var"))
    _, runner = load_converted(tmp_path / "psp.pt")
    assert np.array_equal(runner({"data": x})["bn2"], run(net, {"data": x})["bn2"])

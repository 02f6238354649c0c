"""BVLC's Im2col and Parameter in every framework against the C++ loops (im2col_cpu:
channel-major columns, zeros outside the image). (Real-Caffe case:
oracle/zoo_im2col_parameter.)"""
from __future__ import annotations

import numpy as np
import pytest

from helpers.onelayer import backend  # noqa: F401 (a fixture)
from caffe2ss.converter import load
from caffe2ss.converter.backends import get_backend
from caffe2ss.converter.errors import CaffeError

NET = """name: "cols"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 7 dim: 6 } } }
layer { name: "k3" type: "Im2col" bottom: "data" top: "k3" convolution_param { kernel_size: 3 } }
layer { name: "hw" type: "Im2col" bottom: "data" top: "hw" convolution_param { kernel_h: 2 kernel_w: 3 stride_h: 2 pad_h: 1 pad_w: 2 } }
layer { name: "dil" type: "Im2col" bottom: "data" top: "dil" convolution_param { kernel_size: 2 stride: 2 pad: 1 dilation: 2 } }
layer { name: "nd" type: "Im2col" bottom: "data" top: "nd" convolution_param { kernel_size: 2 kernel_size: 3 stride: 3 pad: 1 force_nd_im2col: true } }
layer { name: "over" type: "Im2col" bottom: "data" top: "over" convolution_param { kernel_size: 4 stride: 5 } }
layer { name: "ax2" type: "Im2col" bottom: "data" top: "ax2" convolution_param { kernel_size: 3 axis: 2 pad: 1 stride: 2 } }
layer { name: "bias" type: "Parameter" top: "bias" parameter_param { shape { dim: 2 dim: 27 dim: 5 dim: 4 } } }
layer { name: "sum" type: "Eltwise" bottom: "k3" bottom: "bias" top: "sum" }
layer { name: "vec" type: "Parameter" top: "vec" parameter_param { shape { dim: 3 } } }
"""
#: layer -> (kernel, stride, pad, dilation) of the 2-D ones
GEOMETRY = {"k3": ((3, 3), (1, 1), (0, 0), (1, 1)), "hw": ((2, 3), (2, 1), (1, 2), (1, 1)),
            "dil": ((2, 2), (2, 2), (1, 1), (2, 2)), "nd": ((2, 3), (3, 3), (1, 1), (1, 1)),
            "over": ((4, 4), (5, 5), (0, 0), (1, 1))}


def im2col_loops(x, k, s, p, d):
    """im2col_cpu for one item (C, H, W): C division sizes, zeros outside."""
    c, h, w = x.shape
    oh = int((h + 2 * p[0] - (d[0] * (k[0] - 1) + 1)) / s[0]) + 1
    ow = int((w + 2 * p[1] - (d[1] * (k[1] - 1) + 1)) / s[1]) + 1
    out = np.zeros((c * k[0] * k[1], oh, ow), np.float32)
    for ch in range(c):
        for ki in range(k[0]):
            for kj in range(k[1]):
                for i in range(oh):
                    for j in range(ow):
                        y, xx = i * s[0] - p[0] + ki * d[0], j * s[1] - p[1] + kj * d[1]
                        if 0 <= y < h and 0 <= xx < w:
                            out[(ch * k[0] + ki) * k[1] + kj, i, j] = x[ch, y, xx]
    return out


def _net(tmp_path):
    (tmp_path / "n.prototxt").write_text(NET)
    net = load(tmp_path / "n.prototxt")
    rng = np.random.default_rng(7)
    for name in ("bias", "vec"):
        layer = net.layer(name)
        layer.blobs = [rng.standard_normal(layer.params.shape).astype(np.float32)]
    return net


def reference(net, x):
    out = {n: np.stack([im2col_loops(xi, *g) for xi in x]) for n, g in GEOMETRY.items()}
    # axis 2: N*C items of (H, W) with H as the channel, W the one spatial axis
    rows = [im2col_loops(xi[:, None, :], (1, 3), (1, 2), (0, 1),
                         (1, 1))[:, 0] for xi in x.reshape(-1, 7, 6)]
    out["ax2"] = np.stack(rows).reshape(2, 3, 21, 3)
    out["bias"], out["vec"] = net.layer("bias").blobs[0], net.layer("vec").blobs[0]
    out["sum"] = out["k3"] + out["bias"]
    return out


def test_im2col_and_parameter_equal_the_loops(backend, tmp_path):
    net = _net(tmp_path)
    assert net.infer_shapes()["over"] == (2, 48, 1, 1)  # a last window overhanging by < s
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 6)).astype(np.float32)
    ours = backend.run(net, {"data": x}, blobs=True)
    for name, want in reference(net, x).items():
        assert ours[name].shape == want.shape and np.array_equal(ours[name], want), name


def test_im2col_in_onnx_at_any_size(tmp_path):
    """--dynamic-hw: sizes (and the end padding) are computed in the graph."""
    pytest.importorskip("onnxruntime")
    keep = [line for line in NET.splitlines() if not any(
        f'name: "{n}"' in line for n in ("bias", "sum", "vec", "ax2"))]
    (tmp_path / "c.prototxt").write_text("\n".join(keep))
    net = load(tmp_path / "c.prototxt")
    onnx_backend = get_backend("onnx")
    files = onnx_backend.convert(net, tmp_path / "c.onnx", dynamic_hw=True)
    _, runner = onnx_backend.load_converted(files[0])
    for hw in ((7, 6), (11, 9), (4, 5)):
        x = np.random.default_rng(1).standard_normal((2, 3) + hw).astype(np.float32)
        got = runner({"data": x})
        for name, g in GEOMETRY.items():
            assert np.array_equal(got[name], np.stack([im2col_loops(xi, *g) for xi in x]))


def test_parameter_is_a_weighted_layer_without_bottoms(tmp_path):
    pytest.importorskip("torch")
    net = _net(tmp_path)
    net.layer("vec").blobs = []
    with pytest.raises(CaffeError, match="vec"):
        get_backend("torch").run(net, {"data": np.zeros((2, 3, 7, 6), np.float32)})

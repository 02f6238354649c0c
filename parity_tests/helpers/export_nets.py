"""Nets shared by the export tests of every framework, and the expected TF variables."""
from __future__ import annotations

import numpy as np

from caffe2ss.converter import load
from caffe2ss.protos import caffe_pb2

SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"
BN_NET = """name: "bn"
input: "data"
input_shape { dim: 1 dim: 2 dim: 3 dim: 3 }
layer { name: "conv.1" type: "Convolution" bottom: "data" top: "c"
        convolution_param { num_output: 2 kernel_size: 1 } }
layer { name: "conv_1" type: "Convolution" bottom: "c" top: "d"
        convolution_param { num_output: 2 kernel_size: 1 bias_term: false } }
layer { name: "eval" type: "BatchNorm" bottom: "d" top: "d" }
layer { name: "zero" type: "BatchNorm" bottom: "d" top: "e" }
"""


def write_caffemodel(path, layers: dict):
    """A binary caffemodel (BVLC schema) holding only weights, by layer name."""
    msg = caffe_pb2.NetParameter(name="weights")
    for name, blobs in layers.items():
        layer = msg.layer.add(name=name)
        for b in blobs:
            b = np.asarray(b, np.float32)
            layer.blobs.add(data=np.ravel(b).tolist(), shape=caffe_pb2.BlobShape(dim=b.shape))
    path.write_bytes(msg.SerializeToString())
    return path


def make_bn_net(tmp_path):
    """BN_NET loaded with its caffemodel: BatchNorm "eval" (factor 2) and "zero" (factor 0)."""
    proto = tmp_path / "bn.prototxt"
    proto.write_text(BN_NET)
    rng = np.random.default_rng(0)
    blobs = {"conv.1": [rng.standard_normal((2, 2, 1, 1)), rng.standard_normal(2)],
             "conv_1": [rng.standard_normal((2, 2, 1, 1))],
             "eval": [np.array([2.0, 4.0]), np.array([6.0, 8.0]), np.array([2.0])],
             "zero": [np.array([1.0, 3.0]), np.array([5.0, 7.0]), np.array([0.0])]}
    return load(write_caffemodel(tmp_path / "bn.caffemodel", blobs), proto)


def expected_variables(net) -> dict:
    """Caffe blobs -> TF layouts, written from docs/caffe-semantics.md sections 4, 5.4, 5.13."""
    shapes = net.infer_shapes()
    out = {}
    for l in net.layers:
        b = l.blobs
        if l.type in ("Convolution", "Deconvolution"):
            out[f"{l.name}/kernel"] = np.transpose(b[0], (2, 3, 1, 0))
            if len(b) > 1:
                out[f"{l.name}/bias"] = b[1]
        elif l.type == "InnerProduct":
            n, x = l.params.num_output, shapes[l.bottoms[0]]
            w = b[0].T if l.params.transpose else b[0]  # (N, K)
            if len(x) == 4 and l.params.axis == 1:  # C,H,W rows -> H,W,C rows
                out[f"{l.name}/kernel"] = w.reshape(n, *x[1:]).transpose(2, 3, 1, 0).reshape(-1, n)
            else:
                out[f"{l.name}/kernel"] = w.T
            if len(b) > 1:
                out[f"{l.name}/bias"] = b[1]
        elif l.type == "BatchNorm":
            f = 0.0 if b[2][0] == 0 else 1.0 / b[2][0]
            out[f"{l.name}/moving_mean"] = b[0] * np.float32(f)
            out[f"{l.name}/moving_variance"] = b[1] * np.float32(f)
        elif l.type in ("Scale", "Bias", "PReLU"):
            names = {"Scale": ["gamma", "beta"], "Bias": ["bias"], "PReLU": ["alpha"]}[l.type]
            out.update({f"{l.name}/{n}": v for n, v in zip(names, b)})
    return out

"""Exp, Log, BNLL, Threshold, Clip, Swish, ArgMax, Reduction, MVN, Tile against numpy
formulas written from Caffe's layer sources, in every framework. (The real-Caffe cases
are oracle/zoo_math_axis; Clip and Swish are absent from the reference build.)"""
from __future__ import annotations

import numpy as np
import pytest

from helpers.onelayer import backend  # noqa: F401 (a fixture)
from caffe2ss.converter import load
from caffe2ss.converter.errors import CaffeError
from caffe2ss.converter.parity import compare_blob

NET = """
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 4 dim: 5 } } }
layer { name: "clip" type: "Clip" bottom: "data" top: "clip" clip_param { min: -0.5 max: 0.7 } }
layer { name: "swish" type: "Swish" bottom: "data" top: "swish" swish_param { beta: 1.5 } }
layer { name: "swish1" type: "Swish" bottom: "data" top: "swish1" }
layer { name: "exp" type: "Exp" bottom: "data" top: "exp" exp_param { base: 3 scale: 0.5 shift: 0.2 } }
layer { name: "log" type: "Log" bottom: "exp" top: "log" log_param { base: 2 shift: 1 } }
layer { name: "bnll" type: "BNLL" bottom: "data" top: "bnll" }
layer { name: "thr" type: "Threshold" bottom: "data" top: "thr" threshold_param { threshold: 0.1 } }
layer { name: "ties" type: "ArgMax" bottom: "thr" top: "ties" argmax_param { axis: 1 top_k: 2 } }
layer { name: "flat" type: "ArgMax" bottom: "thr" top: "flat" argmax_param { top_k: 3 out_max_val: true } }
layer { name: "red" type: "Reduction" bottom: "data" top: "red" reduction_param { operation: MEAN axis: 2 coeff: 3 } }
layer { name: "mvn" type: "MVN" bottom: "data" top: "mvn" mvn_param { across_channels: true } }
layer { name: "tile" type: "Tile" bottom: "data" top: "tile" tile_param { axis: 2 tiles: 2 } }
"""


def _argmax_rows(rows, k):
    """Caffe: partial_sort of (value, index) pairs with std::greater -> ties: larger index."""
    out = [sorted(((v, j) for j, v in enumerate(r)), reverse=True)[:k] for r in rows]
    return np.array([[j for v, j in o] for o in out]), np.array([[v for v, j in o] for o in out])


def reference(x):
    x64 = x.astype(np.float64)
    e = 3.0 ** (0.2 + 0.5 * x64)
    thr = (x > 0.1).astype(np.float32)
    idx, _ = _argmax_rows(np.moveaxis(thr, 1, -1).reshape(-1, 3), 2)
    fi, fv = _argmax_rows(thr.reshape(2, -1), 3)
    flat = x64.reshape(2, -1)
    d = flat - flat.mean(1, keepdims=True)
    return {
        "clip": np.maximum(-0.5, np.minimum(x64, 0.7)),
        "swish": x64 / (1 + np.exp(-1.5 * x64)), "swish1": x64 / (1 + np.exp(-x64)),
        "exp": e, "log": np.log2(e + 1), "thr": thr,
        "bnll": np.where(x64 > 0, x64 + np.log(1 + np.exp(-x64)), np.log(1 + np.exp(x64))),
        "ties": np.moveaxis(idx.reshape(2, 4, 5, 2), -1, 1),
        "flat": np.stack([fi, fv], 1).reshape(2, 2, 3, 1),
        "red": x64.reshape(2, 3, -1).sum(-1) * (3.0 / 20),
        "mvn": (d / (np.sqrt((d * d).mean(1, keepdims=True)) + 1e-9)).reshape(x.shape),
        "tile": np.concatenate([x, x], 2),
    }


def test_math_and_axis_layers_match_caffe_formulas(backend, tmp_path):
    proto = tmp_path / "n.prototxt"
    proto.write_text(NET)
    net = load(proto)
    x = np.random.default_rng(1).standard_normal((2, 3, 4, 5)).astype(np.float32)
    x[0, :, 0, 0] = 0.5  # a tie across channels: Caffe picks the larger index
    ours = backend.run(net, {"data": x}, blobs=True)
    for name, ref in reference(x).items():
        res = compare_blob(ours[name], ref.astype(np.float32))
        assert res.passed, f"{backend.__name__} {name}: {res.reason}"
    assert ours["ties"][0, :, 0, 0].tolist() == [2.0, 1.0]  # not torch/TF's [0, 1]


@pytest.mark.parametrize("field,text", [
    ("max", 'clip_param { min: 1 }'), ("min", 'clip_param { min: 1 max: 0 }')])
def test_clip_needs_both_bounds_in_order(field, text, tmp_path):
    proto = tmp_path / "n.prototxt"
    proto.write_text(NET.split('layer { name: "clip"')[0] +
                     f'layer {{ name: "c" type: "Clip" bottom: "data" top: "c" {text} }}')
    with pytest.raises(CaffeError) as e:
        load(proto)
    assert e.value.layer == "c" and e.value.field == field


def test_argmax_top_k_larger_than_the_axis_is_refused(tmp_path):
    proto = tmp_path / "n.prototxt"
    proto.write_text(NET.split('layer { name: "clip"')[0] + 'layer { name: "a" type: "ArgMax" '
                     'bottom: "data" top: "a" argmax_param { axis: 1 top_k: 4 } }')
    with pytest.raises(CaffeError) as e:
        load(proto).infer_shapes()
    assert e.value.layer == "a" and "top_k" in str(e.value)


def test_refused_bvlc_types_say_why(tmp_path):
    """Every BVLC type with a CPU forward that is not converted is named with a reason."""
    from caffe2ss.converter.layers import SPECS
    from caffe2ss.converter.reader.refused import REFUSED

    assert not set(REFUSED) & set(SPECS)
    proto = tmp_path / "n.prototxt"
    proto.write_text(NET.split('layer { name: "clip"')[0] +
                     'layer { name: "r" type: "RNN" bottom: "data" top: "r" }\n'
                     'layer { name: "s" type: "BatchReindex" bottom: "data" bottom: "data" '
                     'top: "s" }\n')
    with pytest.raises(CaffeError) as e:
        load(proto)
    msg = str(e.value)
    assert "'r' (RNN: recurrent layers" in msg and "'s' (BatchReindex: BatchReindex gathers" in msg


def test_torch_and_tf_ops_have_the_same_signatures():
    """The new ops follow the house rule: same names, same (tensor, params) arguments."""
    import importlib
    import inspect

    pytest.importorskip("torch")
    pytest.importorskip("tensorflow")
    for mod in ("ops_math", "ops_unpool"):
        t, f = (importlib.import_module(f"caffe2ss.models.{fw}.{mod}") for fw in ("torch", "tf"))
        names = {n for n, v in vars(t).items() if inspect.isfunction(v) and
                 v.__module__ == t.__name__ and not n.startswith("_")}
        assert names == {n for n, v in vars(f).items() if inspect.isfunction(v) and
                         v.__module__ == f.__name__ and not n.startswith("_")}
        for n in names:
            assert (list(inspect.signature(getattr(t, n)).parameters) ==
                    list(inspect.signature(getattr(f, n)).parameters)), n


def test_embed_picks_weight_rows_by_truncated_index(backend, tmp_path):
    """embed_layer.cpp: top[n, :] = W[static_cast<int>(x[n]), :] + b."""
    from google.protobuf import text_format

    from caffe2ss.protos import caffe_pb2

    text = ('layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 '
            'dim: 3 } } }\nlayer { name: "e" type: "Embed" bottom: "data" top: "e" '
            'embed_param { num_output: 4 input_dim: 5 } }\n')
    msg = text_format.Parse(text, caffe_pb2.NetParameter())
    rng = np.random.default_rng(6)
    w, b = rng.standard_normal((5, 4)).astype(np.float32), rng.standard_normal(4).astype(np.float32)
    for arr in (w, b):
        blob = msg.layer[1].blobs.add()
        blob.shape.dim.extend(arr.shape)
        blob.data.extend(arr.reshape(-1).tolist())
    (tmp_path / "e.caffemodel").write_bytes(msg.SerializeToString())
    net = load(tmp_path / "e.caffemodel")
    x = np.array([[0, 4, 2.7], [1.2, 3, 0]], np.float32)
    got = backend.run(net, {"data": x})["e"]
    assert np.allclose(got, w[x.astype(int)] + b, atol=1e-6)

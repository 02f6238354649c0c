"""One naming rule turns Caffe layer names into PyTorch keys and Keras attributes; files
written with the keys of earlier versions still load (through their sidecar)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from caffe2ss.converter import load_definition
from caffe2ss.models.naming import clean_name, module_keys, unique_names
from helpers.export_nets import make_bn_net

NAMES = ["conv.1", "conv_1", "conv-1", "1x1", "_x", "class", "", "eval"]


def test_the_rule():
    assert [clean_name(n) for n in NAMES] == [
        "conv_1", "conv_1", "conv_1", "caffe_1x1", "caffe__x", "caffe_class", "caffe_",
        "eval"]
    assert list(unique_names(NAMES[:3]).values()) == ["conv_1", "conv_1_2", "conv_1_3"]
    assert unique_names(["input"], frozenset({"input"})) == {"input": "caffe_input"}


def _net(names):
    text = 'input: "data"\ninput_shape { dim: 1 dim: 2 dim: 3 dim: 3 }\n'
    bottom = "data"
    for i, n in enumerate(names):
        text += (f'layer {{ name: "{n}" type: "Convolution" bottom: "{bottom}" top: "t{i}" '
                 'convolution_param { num_output: 2 kernel_size: 1 } }\n')
        bottom = f"t{i}"
    return load_definition(text, "bvlc")


def test_torch_keys_equal_keras_attributes():
    pytest.importorskip("tensorflow")
    from caffe2ss.models.tf.model import attr_names

    net = _net(NAMES[:7])
    assert module_keys(net) == attr_names([l.name for l in net.layers])


def test_a_file_with_earlier_keys_loads_through_its_sidecar(tmp_path):
    torch = pytest.importorskip("torch")
    from caffe2ss.converter.backends import torch as backend

    net = make_bn_net(tmp_path)
    pt, side = backend.convert(net, tmp_path / "bn.pt")
    want = backend.run(net, {"data": np.ones((1, 2, 3, 3), np.float32)})
    state = torch.load(pt, weights_only=True)
    meta = json.loads(side.read_text())
    old = {k.replace("conv_1_2.", "conv-old."): v for k, v in state.items()}  # other keys
    meta["layers"] = {n: [k.replace("conv_1_2.", "conv-old.") for k in ks]
                      for n, ks in meta["layers"].items()}
    torch.save(old, pt)
    meta.pop("fingerprints", None)  # a sidecar written before fingerprints existed
    side.write_text(json.dumps(meta))
    _, runner = backend.load_converted(pt)
    got = runner({"data": np.ones((1, 2, 3, 3), np.float32)})
    for k in want:
        np.testing.assert_array_equal(got[k], want[k])

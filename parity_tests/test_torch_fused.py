"""The torch inference fast path (:mod:`caffe2ss.models.torch.fast`): Convolution with its
in-place ReLU as one oneDNN call keeps Caffe's blobs, covers exactly the in-place pairs,
follows weight changes, stays out of autograd, and errors still name their layer.
Against real Caffe it runs in ``test_torch_fast_paths.py`` (every oracle blob)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers import caffe_numpy as cn
from helpers.onelayer import check, with_weights
from caffe2ss.converter.parity import compare_blob
from caffe2ss.converter import load
from caffe2ss.converter.backends import get_backend
from caffe2ss.converter.errors import CaffeError
from caffe2ss.models.torch import fast
from caffe2ss.models.torch.generic import CaffeNet

pytestmark = pytest.mark.skipif(not fast.available(), reason="this torch has no oneDNN")

NET = """input: "data"
input_shape { dim: 2 dim: 3 dim: 17 dim: 19 }
layer { name: "c1" type: "Convolution" bottom: "data" top: "c1"
  convolution_param { num_output: 8 kernel_size: 3 pad: 1 } }
layer { name: "r1" type: "ReLU" bottom: "c1" top: "c1" }
layer { name: "c2" type: "Convolution" bottom: "c1" top: "c2"
  convolution_param { num_output: 8 kernel_size: 3 dilation: 2 group: 2 stride: 2 } }
layer { name: "r2" type: "ReLU" bottom: "c2" top: "r2" }
layer { name: "c3" type: "Convolution" bottom: "r2" top: "c3"
  convolution_param { num_output: 4 kernel_size: 2 stride: 3 bias_term: false } }
layer { name: "r3" type: "ReLU" bottom: "c3" top: "c3" relu_param { negative_slope: 0.1 } }
layer { name: "c4" type: "Convolution" bottom: "c3" top: "c4"
  convolution_param { num_output: 16 kernel_size: 2 pad: 1 } }
layer { name: "r4" type: "ReLU" bottom: "c4" top: "c4" }
"""


@pytest.fixture
def net(tmp_path):
    path = tmp_path / "n.prototxt"
    path.write_text(NET)
    return with_weights(load(path))


def _fused(model):
    return [(s[0].module.p.num_output, s[0].relu) for s in model._steps
            if isinstance(s[0], fast.FusedConv)]


def test_only_in_place_slope0_relus_are_fused(net):
    model = CaffeNet(net, channels_last=True).eval()
    # c1+r1 and c4+r4 fused; c2 (ReLU to a new top) and c3 (leaky) keep their ReLU step
    assert _fused(model) == [(8, True), (8, False), (4, False), (16, True)]
    assert len(model._steps) == len(net.layers) - 2
    assert _fused(CaffeNet(net).eval()) == []  # NCHW (the trainable default): plain steps


def test_every_blob_matches_caffe_loops(net):
    ours, _ = check(get_backend("torch"), net)  # against caffe_numpy, every top
    assert ours["c1"].min() >= 0 and ours["c4"].min() >= 0  # the ReLU's final values
    # c4 has 3 x 4 output positions per image and 16 channels: a batch of 2 (24
    # positions) runs in oneDNN, a batch of 1 (12) as one matmul
    model = CaffeNet(net, channels_last=True).eval()
    steps = [s[0] for s in model._steps if isinstance(s[0], fast.FusedConv)]
    for n, matmul in ((2, False), (1, True)):
        x = np.random.default_rng(n).standard_normal((n, 3, 17, 19)).astype(np.float32)
        with torch.inference_mode():
            got = model(torch.from_numpy(x), return_blobs=True)
        assert (steps[-1]._pack[1].dim() == 2) is matmul  # (K, O) matrix vs oneDNN's
        assert steps[0]._pack[1].is_mkldnn
        _assert_caffe(net, x, got)


def _assert_caffe(net, x, got):
    """Every top of ``got`` within the parity tolerance of Caffe's loops (caffe_numpy)."""
    want = cn.run_net(net, {"data": x})
    for layer in net.layers:
        for top in layer.tops:
            res = compare_blob(got[top].numpy(), want[top])
            assert res.passed, f"{top}: {res.reason}"


def test_overhang_and_single_window_fall_back(tmp_path):
    # 9 wide, k 2, s 4: Caffe's last window hangs past the input (conv_end_pad); 3 rows,
    # k 3, s 5: one window, any stride
    text = NET.replace("dim: 17 dim: 19", "dim: 3 dim: 9").replace(
        "kernel_size: 3 pad: 1", "kernel_h: 3 kernel_w: 2 stride: 4")
    path = tmp_path / "o.prototxt"
    path.write_text(text.split('layer { name: "c2"')[0])
    net = with_weights(load(path))
    check(get_backend("torch"), net)


def test_packed_weights_follow_the_parameters(net):
    model = CaffeNet(net, channels_last=True).eval()
    x = torch.from_numpy(np.random.default_rng(3).standard_normal((2, 3, 17, 19))
                         .astype(np.float32))
    with torch.inference_mode():
        before = model(x).clone()
        sd = {k: v * 0.5 if k.startswith("c1.") else v for k, v in model.state_dict().items()}
    model.load_state_dict(sd)  # in place: the packed copy must be rebuilt
    net.layers[0].blobs = [b * np.float32(0.5) for b in net.layers[0].blobs]  # the same
    with torch.inference_mode():
        after = model(x, return_blobs=True)
        assert not torch.allclose(after["c4"], before)
        _assert_caffe(net, x.numpy(), after)
        small = x[:1, :, :11, :13]  # another input shape: packed again
        _assert_caffe(net, small.numpy(), model(small, return_blobs=True))


def test_autograd_takes_the_plain_path(net):
    model = CaffeNet(net, channels_last=True)
    x = torch.from_numpy(np.ones((1, 3, 17, 19), np.float32))
    out = model(x)
    assert out.requires_grad
    out.sum().backward()
    assert model._modules["c1"].weight.grad is not None


def test_errors_name_the_layer_after_a_fused_pair(tmp_path):
    path = tmp_path / "e.prototxt"
    path.write_text("""input: "data"
input_shape { dim: 1 dim: 1 dim: 4 dim: 4 }
layer { name: "c" type: "Convolution" bottom: "data" top: "c"
  convolution_param { num_output: 1 kernel_size: 1 } }
layer { name: "r" type: "ReLU" bottom: "c" top: "c" }
layer { name: "emb" type: "Embed" bottom: "c" top: "e"
  embed_param { num_output: 2 input_dim: 10 } }
""")
    net = load(path)
    net.layers[0].blobs = [np.zeros((1, 1, 1, 1), np.float32), np.full(1, 100, np.float32)]
    net.layers[2].blobs = [np.zeros((10, 2), np.float32), np.zeros(2, np.float32)]
    model = CaffeNet(net, channels_last=True).eval()
    assert _fused(model) == [(1, True)]
    with pytest.raises(CaffeError) as e, torch.inference_mode():
        model(torch.zeros(1, 1, 4, 4))
    assert e.value.layer == "emb"

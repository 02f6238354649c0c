"""The TF forward runs as one ``tf.function`` kept on the model (``rebuild.forward``):
traced once per input signature, reused, the same values as the eager Keras call; a
large convolution over many channels runs as im2col + GEMM (``ops.conv_gemm``)."""
from __future__ import annotations

import numpy as np
import pytest

from caffe2ss.converter.parity import compare_blob
from helpers.oracle import oracle

tf = pytest.importorskip("tensorflow")
from caffe2ss.converter import memplan  # noqa: E402
from caffe2ss.converter.layers.conv import ConvParams  # noqa: E402
from caffe2ss.models.tf import ops  # noqa: E402
from caffe2ss.models.tf.layout import to_caffe_array, to_tf_array  # noqa: E402
from caffe2ss.models.tf.rebuild import build_model, forward, run_model  # noqa: E402


def _eager(model, x, blobs=False):
    out = model({"data": tf.constant(to_tf_array(x))}, training=False, blobs=blobs)
    return {k: to_caffe_array(v.numpy()) for k, v in out.items()}


@pytest.mark.parametrize("case", ["fcn8s_thin", "deeplab_largefov_thin"])
def test_traced_forward_is_reused_and_equals_eager(case):
    c = oracle(case)
    net = c.load()
    model = build_model(net, {"data": c.input.shape})
    first = run_model(model, net, {"data": c.input})
    again = run_model(model, net, {"data": c.input})
    graph = forward(model).graph
    assert forward(model) is forward(model)  # kept on the model
    run_model(model, net, {"data": np.concatenate([c.input, c.input])})
    assert graph.experimental_get_tracing_count() == 1  # same size, any batch: no new trace
    eager = _eager(model, c.input)
    assert set(first) == set(eager)
    for k in first:
        np.testing.assert_array_equal(first[k], eager[k], err_msg=k)
        np.testing.assert_array_equal(again[k], eager[k], err_msg=k)
    every = run_model(model, net, {"data": c.input}, blobs=True)
    for name, ref in c.blobs.items():  # every blob, traced, still Caffe's
        assert compare_blob(every[name], ref).passed, name
    eager_all = _eager(model, c.input, blobs=True)
    for k in eager_all:
        np.testing.assert_array_equal(every[k], eager_all[k], err_msg=k)


def test_other_input_sizes_trace_once_more_then_reuse():
    c = oracle("fcn8s_thin")
    net = c.load()
    model = build_model(net, {"data": c.input.shape})
    n, ch, h, w = c.input.shape
    rng = np.random.default_rng(0)
    run_model(model, net, {"data": c.input})
    for shape in [(2, ch, h, w), (2, ch, h + 8, w - 4), (1, ch, h - 6, w + 10), (3, ch, h, w)]:
        x = rng.uniform(-50, 50, shape).astype(np.float32)
        got = run_model(model, net, {"data": x})
        want = _eager(model, x)
        for k in want:  # a free-size graph: same output shape, Caffe's values (tolerance)
            assert got[k].shape == want[k].shape
            assert compare_blob(got[k], want[k]).passed, (shape, k)
    assert forward(model).graph.experimental_get_tracing_count() == 2


class _EagerOnly:
    """A model whose call needs concrete values (``.numpy()``): cannot be traced."""

    def __init__(self):
        self.calls = 0

    def __call__(self, feed, training=None, blobs=False):
        self.calls += 1
        x = feed["data"]
        return {"out": tf.constant(np.asarray(x.numpy()) * 2)}


def test_a_model_that_cannot_be_traced_runs_eagerly():
    m = _EagerOnly()
    x = {"data": tf.ones((1, 2, 2, 1))}
    np.testing.assert_array_equal(forward(m)(x)["out"].numpy(), np.full((1, 2, 2, 1), 2.0))
    calls = m.calls
    np.testing.assert_array_equal(forward(m)(x)["out"].numpy(), np.full((1, 2, 2, 1), 2.0))
    assert m.calls == calls + 1  # straight to eager: no second trace attempt


def _conv_ref(x, k, b, stride, pad, dilation):
    """Caffe's convolution in float64 numpy (NHWC, HWIO)."""
    x = np.pad(x.astype(np.float64), [(0, 0), (pad, pad), (pad, pad), (0, 0)])
    kh, kw, _, o = k.shape
    ext = dilation * (kh - 1) + 1
    oh = (x.shape[1] - ext) // stride + 1
    ow = (x.shape[2] - ext) // stride + 1
    y = np.zeros((x.shape[0], oh, ow, o))
    for i in range(kh):
        for j in range(kw):
            win = x[:, i * dilation:i * dilation + (oh - 1) * stride + 1:stride,
                    j * dilation:j * dilation + (ow - 1) * stride + 1:stride]
            y += win @ k[i, j].astype(np.float64)
    return y + b


@pytest.mark.parametrize("stride,pad,dilation", [(1, 2, 1), (2, 1, 1), (1, 4, 2)])
def test_gemm_convolution_is_caffes(stride, pad, dilation, monkeypatch):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 9, 11, 256)).astype(np.float32)
    k = (rng.standard_normal((5, 5, 256, 8)) * 0.05).astype(np.float32)
    b = rng.standard_normal(8).astype(np.float32)
    p = ConvParams(8, (5, 5), (stride, stride), (pad, pad), (dilation, dilation), 1, True)
    ref = _conv_ref(x, k, b, stride, pad, dilation)
    used = []
    real = ops.conv_gemm
    monkeypatch.setattr(ops, "conv_gemm", lambda *a: used.append(1) or real(*a))
    gemm = ops.conv2d_inference(tf.constant(x), k, b, p).numpy()
    assert used == [1]
    assert compare_blob(gemm, ref.astype(np.float32)).passed
    direct = ops.conv2d(tf.constant(x), k, b, p).numpy()  # training: TF's conv
    assert used == [1] and compare_blob(direct, ref.astype(np.float32)).passed
    free = tf.function(lambda t: ops.conv2d_inference(t, k, b, p),
                       input_signature=[tf.TensorSpec([None, None, None, 256])])
    np.testing.assert_allclose(free(tf.constant(x)).numpy(), gemm, rtol=0, atol=1e-4)
    monkeypatch.setattr(memplan, "TF_GEMM_MAX_PATCHES", 100)  # over the cap: TF's conv
    np.testing.assert_array_equal(ops.conv2d_inference(tf.constant(x), k, b, p).numpy(), direct)
    assert used == [1, 1]  # the free-size graph traced it (tf.cond), the capped call not


@pytest.mark.parametrize("size,dilation,s2b", [(9, 6, False), (30, 2, True)])
def test_dilated_convolution_form_by_tile_size(size, dilation, s2b, monkeypatch):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((1, size, size + 1, 16)).astype(np.float32)
    k = (rng.standard_normal((3, 3, 16, 4)) * 0.2).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    p = ConvParams(4, (3, 3), (1, 1), (dilation, dilation), (dilation, dilation), 1, True)
    ref = _conv_ref(x, k, b, 1, dilation, dilation).astype(np.float32)
    used = []
    real = tf.nn.convolution
    monkeypatch.setattr(tf.nn, "convolution", lambda *a, **kw: used.append(1) or real(*a, **kw))
    fast = ops.conv2d_inference(tf.constant(x), k, b, p).numpy()
    assert bool(used) == s2b  # small tiles: one dilated Conv2D; large: space-to-batch
    assert compare_blob(fast, ref).passed
    used.clear()
    train = ops.conv2d(tf.constant(x), k, b, p).numpy()
    assert used == [1] and compare_blob(train, ref).passed  # training: space-to-batch
    free = tf.function(lambda t: ops.conv2d_inference(t, k, b, p),
                       input_signature=[tf.TensorSpec([None, None, None, 16])])
    np.testing.assert_allclose(free(tf.constant(x)).numpy(), fast, rtol=0, atol=1e-5)


@pytest.mark.parametrize("pad,dilation", [(1, 1), (3, 2)])
def test_tap_sum_convolution_is_caffes_and_the_same_traced(pad, dilation, monkeypatch):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 7, 6, 512)).astype(np.float32)
    k = (rng.standard_normal((3, 3, 512, 4)) * 0.05).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    p = ConvParams(4, (3, 3), (1, 1), (pad, pad), (dilation, dilation), 1, True)
    ref = _conv_ref(x, k, b, 1, pad, dilation).astype(np.float32)
    used = []
    real = ops.conv_taps
    monkeypatch.setattr(ops, "conv_taps", lambda *a: used.append(1) or real(*a))
    taps = ops.conv2d_inference(tf.constant(x), k, b, p).numpy()
    assert used == [1] and compare_blob(taps, ref).passed
    graph = tf.function(lambda t: ops.conv2d_inference(t, k, b, p))(tf.constant(x)).numpy()
    np.testing.assert_array_equal(graph, taps)  # eager and traced: the same bits
    free = tf.function(lambda t: ops.conv2d_inference(t, k, b, p),
                       input_signature=[tf.TensorSpec([None, None, None, 512])])
    np.testing.assert_allclose(free(tf.constant(x)).numpy(), taps, rtol=0, atol=1e-5)
    direct = ops.conv2d(tf.constant(x), k, b, p).numpy()
    assert compare_blob(direct, ref).passed
    monkeypatch.setattr(memplan, "TF_TAPS_MAX_ELEMENTS", 100)  # over the cap: TF's conv
    calls = len(used)
    assert compare_blob(ops.conv2d_inference(tf.constant(x), k, b, p).numpy(), ref).passed
    assert len(used) == calls

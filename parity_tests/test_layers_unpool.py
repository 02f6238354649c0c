"""Pooling's MAX mask (second top) and SegNet's Upsample (unpooling by that mask) in
every framework, against plain-loop transcriptions of Caffe's CPU code (helpers/caffe_numpy/unpool.py),
with ties, padding, overlapping windows (repeated indices) and global pooling."""
from __future__ import annotations

import numpy as np
import pytest

from helpers.caffe_numpy import unpool as ref
from helpers.onelayer import backend, run_text  # noqa: F401 (backend: fixture)
from caffe2ss.converter import load
from caffe2ss.converter.errors import CaffeError
from caffe2ss.converter.forks import detect_text_fork

HEAD = 'layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 9 dim: 11 } } }\n'
POOLS = {  # name: (kernel, stride, pad)
    "p1": ((2, 2), (2, 2), (0, 0)), "p2": ((3, 3), (2, 2), (1, 1)),
    "p3": ((3, 2), (2, 3), (0, 0)), "p4": ((3, 3), (1, 1), (0, 0)), "g": ((9, 11), (1, 1), (0, 0)),
    # fewer windows (3x3) than kernel offsets (5x7): torch scans by window, clipped
    "p6": ((5, 7), (3, 4), (1, 2)),
}
NET = HEAD + "".join(
    f'layer {{ name: "{n}" type: "Pooling" bottom: "data" top: "{n}" top: "{n}_mask" '
    f'pooling_param {{ pool: MAX kernel_h: {k[0]} kernel_w: {k[1]} stride_h: {s[0]} '
    f'stride_w: {s[1]} pad_h: {p[0]} pad_w: {p[1]} }} }}\n'
    for n, (k, s, p) in POOLS.items() if n != "g") + \
    'layer { name: "g" type: "Pooling" bottom: "data" top: "g" top: "g_mask" ' \
    'pooling_param { pool: MAX global_pooling: true } }\n' + \
    'layer { name: "up4" type: "Upsample" bottom: "p4" bottom: "p4_mask" top: "up4" ' \
    'upsample_param { upsample_h: 9 upsample_w: 11 } }\n' + \
    'layer { name: "up1" type: "Upsample" bottom: "p1" bottom: "p1_mask" top: "up1" ' \
    'upsample_param { scale: 2 pad_out_h: true pad_out_w: true } }\n' + \
    'layer { name: "up3" type: "Upsample" bottom: "p3" bottom: "p3_mask" top: "up3" ' \
    'upsample_param { scale_h: 3 scale_w: 4 } }\n'


def _input():
    x = np.random.default_rng(2).standard_normal((2, 3, 9, 11)).astype(np.float32)
    x[0, 0, :3, :3] = 1.5  # ties: Caffe keeps the first max in raster order
    x[1, 2, 4:, 5:] = -np.inf  # never wins; a window of only -inf has mask -1
    x[1, 1, 2, 2] = np.nan
    return x


def test_pool_mask_and_segnet_upsample_match_caffe_loops(backend, tmp_path):
    x = _input()
    net, ours = run_text(backend, tmp_path, NET, {"data": x})
    assert net.fork == "segnet"
    for name, (k, s, p) in POOLS.items():
        y, m = ref.max_pool_mask(x, k, s, p)
        assert np.array_equal(ours[name], y), name
        assert np.array_equal(ours[name + "_mask"], m), name
    for up, (pool, hw) in {"up4": ("p4", (9, 11)), "up1": ("p1", (9, 11)),
                           "up3": ("p3", (12, 16))}.items():
        want = ref.unpool(ours[pool], ours[pool + "_mask"], *hw)
        assert np.array_equal(ours[up], want), up
    assert ours["p4_mask"][0, 0, 0, 0] == 0.0  # all-tied window: the first position


def test_mask_of_a_huge_stride_is_gathered_not_padded(backend, tmp_path):
    """Fuzz campaign seed 1, input 2639: a 2^32-1 stride (two columns) made the torch mask
    pad the input out to the stride (a 1.2 TB allocation). torch gathers each window
    offset and gives Caffe's loops' answer; TF and ONNX pool an explicitly padded input,
    which the memory plan refuses before any work."""
    text = HEAD + ('layer { name: "p" type: "Pooling" bottom: "data" top: "p" top: "m" '
                   'pooling_param { pool: MAX kernel_h: 3 kernel_w: 2 stride_h: 2 '
                   'stride_w: 4294967295 } }\n')
    x = _input()
    if backend.__name__.endswith("torch"):
        _, ours = run_text(backend, tmp_path, text, {"data": x})
        y, m = ref.max_pool_mask(x, (3, 2), (2, 4294967295), (0, 0))
        assert ours["p"].shape == (2, 3, 4, 2)
        assert np.array_equal(ours["p"], y) and np.array_equal(ours["m"], m)
    else:
        with pytest.raises(CaffeError, match="max-memory"):
            run_text(backend, tmp_path, text, {"data": x})


def test_segnet_is_detected_and_upsample_needs_the_fork(tmp_path):
    one = 'layer { name: "u" type: "Upsample" bottom: "a" bottom: "m" top: "u" }'
    assert detect_text_fork(one) == "segnet"
    assert detect_text_fork('upsample_param { upsample_h: 4 upsample_w: 4 }') == "segnet"
    assert detect_text_fork('layer { type: "Upsample" bottom: "a" upsample_param { scale: 2 } }') == "inisis"
    (tmp_path / "n.prototxt").write_text(NET)
    with pytest.raises(CaffeError) as e:
        load(tmp_path / "n.prototxt", fork="bvlc")
    assert "--fork segnet" in str(e.value) or "upsample_param" in str(e.value)


def test_a_second_top_on_ave_pooling_is_refused(tmp_path):
    (tmp_path / "n.prototxt").write_text(HEAD + 'layer { name: "a" type: "Pooling" bottom: '
                                         '"data" top: "a" top: "am" pooling_param { pool: AVE '
                                         'kernel_size: 2 } }')
    with pytest.raises(CaffeError) as e:
        load(tmp_path / "n.prototxt")
    assert e.value.layer == "a" and "MAX" in str(e.value)

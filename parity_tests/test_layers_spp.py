"""SPP (BVLC spp_layer.cpp) in every framework against Caffe's pooling loops with the
kernel/stride/pad SPP derives per level, flattened and concatenated."""
from __future__ import annotations

import math

import numpy as np
import pytest

from helpers.caffe_numpy import unpool as ref
from helpers.onelayer import assert_blobs, backend, run_text  # noqa: F401 (backend: fixture)
from caffe2ss.converter import load
from caffe2ss.converter.errors import CaffeError

NET = """layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 13 dim: 10 } } }
layer { name: "spp" type: "SPP" bottom: "data" top: "spp" spp_param { pyramid_height: 3 } }
layer { name: "spa" type: "SPP" bottom: "data" top: "spa" spp_param { pyramid_height: 2 pool: AVE } }
layer { name: "sp1" type: "SPP" bottom: "data" top: "sp1" spp_param { pyramid_height: 1 } }
"""


def _spp(x, height, method):
    n, c, h, w = x.shape
    outs = []
    for level in range(height):
        bins = 2 ** level
        k = (math.ceil(h / bins), math.ceil(w / bins))
        pad = ((k[0] * bins - h + 1) // 2, (k[1] * bins - w + 1) // 2)
        y = ref.max_pool_mask(x, k, k, pad)[0] if method == "MAX" else ref.ave_pool(x, k, k, pad)
        outs.append(y)
    return outs[0] if height == 1 else np.concatenate([o.reshape(n, -1) for o in outs], 1)


def test_spp_matches_caffes_pooling_levels(backend, tmp_path):
    x = np.random.default_rng(7).standard_normal((2, 3, 13, 10)).astype(np.float32)
    _, ours = run_text(backend, tmp_path, NET, {"data": x})
    assert ours["spp"].shape == (2, 3 * (1 + 4 + 16))
    assert_blobs(ours, {"spp": _spp(x, 3, "MAX"), "spa": _spp(x, 2, "AVE"),
                        "sp1": _spp(x, 1, "MAX")}, backend.__name__)


def test_spp_level_that_caffe_cannot_pool_is_refused(tmp_path):
    (tmp_path / "n.prototxt").write_text(NET.replace("dim: 13 dim: 10", "dim: 5 dim: 5")
                                         .replace("pyramid_height: 3", "pyramid_height: 3"))
    net = load(tmp_path / "n.prototxt")
    with pytest.raises(CaffeError) as e:
        net.infer_shapes()
    assert e.value.layer == "spp" and "pad" in str(e.value)

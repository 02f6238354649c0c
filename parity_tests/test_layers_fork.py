"""The reference build's fork layers (``--fork inisis``): ReLU6, HardSwish, HardSigmoid,
PixelShuffle, Pad, nearest Upsample, MaxUnPool, in every framework, against numpy
transcriptions of the build's layer sources. (Real-Caffe cases: oracle/zoo_fork_inisis.)"""
from __future__ import annotations

import numpy as np
import pytest

from helpers.caffe_numpy import unpool as ref
from helpers.onelayer import assert_blobs, backend, run_text  # noqa: F401 (backend: fixture)
from caffe2ss.converter import load
from caffe2ss.converter.errors import CaffeError

HEAD = ('layer { name: "data" type: "Input" top: "data" '
        'input_param { shape { dim: 2 dim: 8 dim: 5 dim: 7 } } }\n')
NET = HEAD + """
layer { name: "r6" type: "ReLU6" bottom: "data" top: "r6" relu6_param { threshold: 0.8 } }
layer { name: "r6b" type: "ReLU6" bottom: "data" top: "r6b" relu6_param { negative_slope: 0.1 } }
layer { name: "hsw" type: "HardSwish" bottom: "data" top: "hsw" }
layer { name: "hsg" type: "HardSigmoid" bottom: "data" top: "hsg" hardsigmoid_param { alpha: 0.3 beta: 0.4 } }
layer { name: "ps" type: "PixelShuffle" bottom: "data" top: "ps" pixelshuffle_param { upscale_factor: 2 } }
layer { name: "padc" type: "Pad" bottom: "data" top: "padc" pad_param { pad_u: 1 pad_d: 2 pad_l: 3 pad_value: 0.5 } }
layer { name: "pade" type: "Pad" bottom: "data" top: "pade" pad_param { pad_type: REPLICATE pad_u: 2 pad_d: 1 pad_l: 1 pad_r: 2 } }
layer { name: "padr" type: "Pad" bottom: "data" top: "padr" pad_param { pad_type: REFLECT pad_u: 2 pad_d: 1 pad_l: 3 pad_r: 2 } }
layer { name: "crop" type: "Pad" bottom: "data" top: "crop" pad_param { pad_u: -1 pad_d: -2 pad_l: -1 pad_r: -3 } }
layer { name: "up" type: "Upsample" bottom: "data" top: "up" upsample_param { scale: 3 } }
layer { name: "pool" type: "Pooling" bottom: "data" top: "pool" top: "mask" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "unpool" type: "MaxUnPool" bottom: "pool" bottom: "mask" top: "unpool" max_unpool_param { dst_h: 5 dst_w: 7 } }
"""


def _pixel_shuffle(x, r):
    """pixelshuffle_layer.cpp's loop: channel p*r*r + sh*r + sw -> (p, i*r + sh, j*r + sw)."""
    n, c, h, w = x.shape
    out = np.zeros((n, c // (r * r), h * r, w * r), np.float32)
    for q in range(c):
        p, sh, sw = q // (r * r), (q // r) % r, q % r
        out[:, p, sh::r, sw::r] = x[:, q]
    return out


def reference(x):
    x64 = x.astype(np.float64)
    pool, mask = ref.max_pool_mask(x, (2, 2), (2, 2), (0, 0))
    spatial = ((0, 0), (0, 0))
    return {
        "r6": np.minimum(np.maximum(x64, 0), 0.8),
        "r6b": np.minimum(np.maximum(x64, 0) + 0.1 * np.minimum(x64, 0), 6),
        "hsw": x64 * np.clip(x64 / 6 + 0.5, 0, 1), "hsg": np.clip(0.3 * x64 + 0.4, 0, 1),
        "ps": _pixel_shuffle(x, 2),
        "padc": np.pad(x, spatial + ((1, 2), (3, 0)), constant_values=0.5),
        "pade": np.pad(x, spatial + ((2, 1), (1, 2)), mode="edge"),
        "padr": np.pad(x, spatial + ((2, 1), (3, 2)), mode="reflect"),
        "crop": x[:, :, 1:3, 1:4],
        "up": x.repeat(3, 2).repeat(3, 3),
        "pool": pool, "mask": mask, "unpool": ref.unpool(pool, mask, 5, 7),
    }


def test_inisis_fork_layers_match_the_build_sources(backend, tmp_path):
    x = np.random.default_rng(3).standard_normal((2, 8, 5, 7)).astype(np.float32) * 3
    net, ours = run_text(backend, tmp_path, NET, {"data": x})
    assert net.fork == "inisis"
    assert_blobs(ours, reference(x), backend.__name__)


@pytest.mark.parametrize("param,field", [
    ("pad_param { pad_u: 1 pad_d: -1 }", "pad_u"),
    ("max_unpool_param { dst_h: 4 }", "dst_h"), ("pixelshuffle_param { }", "upscale_factor")])
def test_bad_fork_parameters_are_refused(param, field, tmp_path):
    kind = param.split("_param")[0]
    t = {"pad": "Pad", "max_unpool": "MaxUnPool", "pixelshuffle": "PixelShuffle"}[kind]
    bottoms = 'bottom: "data" bottom: "data"' if t == "MaxUnPool" else 'bottom: "data"'
    (tmp_path / "n.prototxt").write_text(HEAD + f'layer {{ name: "l" type: "{t}" {bottoms} '
                                         f'top: "l" {param} }}\n')
    with pytest.raises(CaffeError) as e:
        load(tmp_path / "n.prototxt", fork="inisis")
    assert e.value.layer == "l" and e.value.field.endswith(field)


def test_upsample_one_bottom_outside_inisis_names_the_forks(tmp_path):
    (tmp_path / "n.prototxt").write_text(HEAD + 'layer { name: "u" type: "Upsample" '
                                         'bottom: "data" top: "u" }\n')
    with pytest.raises(CaffeError) as e:
        load(tmp_path / "n.prototxt", fork="segnet")
    assert "--fork inisis" in str(e.value) and "--fork segnet" in str(e.value)


BIL = HEAD + """
layer { name: "b1" type: "BilinearInterpolate" bottom: "data" top: "b1" bilinear_interpolate_param { dst_h: 9 dst_w: 4 } }
layer { name: "b2" type: "BilinearInterpolate" bottom: "data" top: "b2" bilinear_interpolate_param { dst_h: 11 dst_w: 15 align_corners: false } }
layer { name: "b3" type: "BilinearInterpolate" bottom: "data" top: "b3" bilinear_interpolate_param { scale_factor: 1.5 } }
"""


def test_bilinear_interpolate_matches_torch_interpolate(backend, tmp_path):
    """The layer's clamped-coordinate formula equals PyTorch's bilinear resampling
    (an independent implementation) with the same align_corners."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(8).standard_normal((2, 8, 5, 7)).astype(np.float32)
    _, ours = run_text(backend, tmp_path, BIL, {"data": x})
    assert_blobs(ours, {name: torch.nn.functional.interpolate(
        torch.from_numpy(x), size=size, mode="bilinear", align_corners=corners).numpy()
        for name, size, corners in (("b1", (9, 4), True), ("b2", (11, 15), False),
                                    ("b3", (7, 10), True))}, backend.__name__)

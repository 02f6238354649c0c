"""Every per-type fact lives on the layer's spec (converter/layers); checked against the
real-Caffe oracle files and Caffe's own rules."""
from __future__ import annotations

import pytest

from caffe2ss.converter import CaffeError, load_definition
from caffe2ss.converter.layers import FAMILIES, SPECS
from helpers.oracle import ORACLE, OracleCase

CASES = sorted(p.name for p in ORACLE.iterdir() if (p / "weights.caffemodel").exists())


@pytest.mark.parametrize("name", CASES)
def test_blob_count_and_weighted_match_the_files_real_caffe_wrote(name):
    """Caffe saved exactly n_blobs(params) blobs for a weighted layer, none otherwise."""
    net = OracleCase(name).load()
    for layer in net.layers:
        spec = SPECS[layer.type]
        if layer.blobs:
            assert spec.weighted(layer.params), (name, layer.name)
            assert len(layer.blobs) == spec.n_blobs(layer.params), (name, layer.name)
        elif not layer.synthetic:
            assert not spec.weighted(layer.params), (name, layer.name)


def test_shares_memory_is_caffes_list():
    shared = {t for t, s in SPECS.items() if s.shares_memory(1, 1)}
    assert shared == {"Split", "Flatten", "Reshape", "Concat", "Slice"}
    assert not SPECS["Concat"].shares_memory(2, 1) and not SPECS["Slice"].shares_memory(1, 2)


def test_families_are_discovered_and_every_spec_names_one():
    assert {s.family for s in SPECS.values()} <= set(FAMILIES)
    assert "registry" not in FAMILIES


def _net(layer: str) -> str:
    return 'input: "data"\ninput_shape { dim: 1 dim: 4 dim: 6 dim: 6 }\n' + layer


def test_number_of_tops_is_checked_from_the_spec():
    with pytest.raises(CaffeError, match="ReLU gives 1 tops, got 2"):
        load_definition(_net('layer { name: "r" type: "ReLU" bottom: "data" top: "a" '
                             'top: "b" }'), "bvlc")
    net = load_definition(_net('layer { name: "s" type: "Slice" bottom: "data" top: "a" '
                               'top: "b" slice_param { axis: 1 } }'), "bvlc")
    assert net.infer_shapes({"data": (1, 4, 6, 6)})["b"] == (1, 2, 6, 6)


def test_size_and_batch_facts():
    net = load_definition(_net(
        'layer { name: "c" type: "Convolution" bottom: "data" top: "c" '
        'convolution_param { num_output: 2 kernel_size: 3 } }\n'
        'layer { name: "ip" type: "InnerProduct" bottom: "c" top: "ip" '
        'inner_product_param { num_output: 3 axis: 0 } }'), "bvlc")
    conv, ip = net.layers[-2], net.layers[-1]
    assert SPECS["Convolution"].size_free(conv.params)
    assert not SPECS["InnerProduct"].size_free(ip.params)
    assert not SPECS["InnerProduct"].batch_free(ip.params)
    assert SPECS["InnerProduct"].tied_dims(ip.params, [(1, 2, 4, 4)]) == (1, 2, 4, 4)


def test_size_formulas_written_once_agree_with_caffes_float_rule():
    """formulas.pool_size over ints == Caffe's float ceil/floor + clip, on a grid."""
    import math

    from caffe2ss.converter.layers.formulas import interp_size, pool_size

    for size in range(1, 40):
        for k in (1, 2, 3, 5):
            for s in (1, 2, 3):
                for p in range(0, k):
                    for ceil in (True, False):
                        frac = float(size + 2 * p - k) / s
                        want = (math.ceil(frac) if ceil else math.floor(frac)) + 1
                        if p > 0 and (want - 1) * s >= size + p:
                            want -= 1
                        assert pool_size(size, k, s, p, ceil, p > 0) == want
    assert interp_size(41, zoom=8) == 321 and interp_size(321, shrink=8) == 41
    assert interp_size(41, zoom=2, shrink=2) == 41 and interp_size(7, size=9) == 9


def test_ave_divisor_written_once_is_caffes_window_loop():
    """formulas.ave_divisor over numpy index vectors == Caffe's AVE forward loop
    (hstart = ph*s - p, hend = min(hstart + k, H + p), pool_size counted before the
    clip to the image), on a grid including ceil overhang and pads."""
    import numpy as np

    from caffe2ss.converter.layers.formulas import ave_divisor, pool_size

    for h, w in ((7, 5), (8, 8), (3, 10)):
        for k, s, p in ((3, 2, 1), (2, 3, 1), (3, 2, 0), (1, 3, 0), (3, 1, 2)):
            oh, ow = (pool_size(n, k, s, p, True, p > 0) for n in (h, w))
            want = np.zeros((oh, ow), np.int64)
            for i in range(oh):
                for j in range(ow):
                    hs, ws = i * s - p, j * s - p
                    he, we = min(hs + k, h + p), min(ws + k, w + p)
                    want[i, j] = (he - hs) * (we - ws)
            got = ave_divisor(np.arange(oh), np.arange(ow), h, w, (k, k), (s, s), (p, p),
                              minimum=np.minimum, column=lambda v: v[:, None])
            np.testing.assert_array_equal(got, want)


def test_slice_and_reshape_bounds_written_once():
    """formulas.slice_bounds / reshape_dims: Caffe's points, equal parts, 0 and -1."""
    from caffe2ss.converter.layers.formulas import reshape_dims, slice_bounds

    assert slice_bounds((2, 5), 9, 3) == [(0, 2), (2, 5), (5, 9)]
    assert slice_bounds((), 12, 3) == [(0, 4), (4, 8), (8, 12)]
    s = [2, 3, 4, 5]
    assert reshape_dims(s, (0, -1), 0, -1) == [2, -1]
    assert reshape_dims(s, (6,), 1, 2) == [2, 6, 5]
    assert reshape_dims(s, (1,), -1, 0) == [2, 3, 4, 5, 1]  # axis -1 counts from ndim + 1
    assert reshape_dims(s, (0, 0, 20), 0, -1) == [2, 3, 20]

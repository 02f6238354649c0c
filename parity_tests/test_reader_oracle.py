"""The reader against real Caffe: shapes, parameter shapes and weights of every oracle case.

Ground truth is what real Caffe wrote (``parity_tests/data/oracle``): ``case.json``
``blob_shapes``/``param_shapes``, the arrays in ``blobs.npz``, and the Caffe-saved
weights of a derived case's base case.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

from caffe2ss.converter import CaffeError, load, load_definition
from caffe2ss.converter.layers import SPECS
from caffe2ss.converter.parity import RTOL
from caffe2ss.protos import deeplab_v1_pb2, deeplab_v2_pb2

from helpers.oracle import ORACLE, ORACLE_CASES, OracleCase

DLV1, DLV2 = "deeplab_v1_largefov_thin", "deeplab_v2_largefov_interp_thin"
DERIVED = [n for n in ORACLE_CASES if "derived_from" in OracleCase(n).meta]
#: derived cases whose base case ships too (DLv2's base, deeplab_v2_interp_ref, does not:
#: its weights are checked by test_fork_weights_reproduce_caffe_outputs instead)
DERIVED_WITH_BASE = [n for n in DERIVED
                     if (ORACLE / OracleCase(n).meta["derived_from"] / "weights.caffemodel").exists()]


def _input(case) -> dict:
    return {case.meta["input_blob"]: tuple(case.meta["input_shape"])}


def test_every_oracle_case_is_covered():
    assert len(ORACLE_CASES) >= 12 and {DLV1, DLV2} <= set(DERIVED)
    assert DLV1 in DERIVED_WITH_BASE


def test_inferred_shapes_equal_caffe_blobs(oracle_case):
    net = oracle_case.load()
    shapes = net.infer_shapes(_input(oracle_case))
    want = {k: tuple(v) for k, v in oracle_case.meta["blob_shapes"].items()}
    blobs = oracle_case.blobs  # every blob, or a kept subset (vgg16_thin: see data README)
    assert set(blobs) <= set(want) and oracle_case.meta["output_blob"] in blobs
    assert set(want) <= set(shapes), set(want) - set(shapes)
    # every blob we infer is one Caffe has (train-only blobs such as labels are gone)
    assert set(shapes) <= set(want), set(shapes) - set(want)
    rows = _data_dependent(net)
    for name, shape in want.items():
        assert _fixed(shapes[name], rows.get(name)) == _fixed(shape, rows.get(name)), name
    for name, blob in blobs.items():
        assert blob.shape == want[name], name
    out = oracle_case.meta["output_blob"]
    assert _fixed(shapes[out], rows.get(out)) == \
        _fixed(tuple(oracle_case.meta["output_shape"]), rows.get(out))


def _data_dependent(net) -> dict:
    """Blob -> the axis whose size Caffe's forward sets from the values
    (DetectionOutput's rows; inference gives Caffe's Reshape placeholder there)."""
    return {t: SPECS[l.type].data_dependent_axis for l in net.layers for t in l.tops
            if SPECS[l.type].data_dependent_axis is not None}


def _fixed(shape, axis):
    """``shape`` without its data-dependent axis (if any)."""
    return tuple(shape) if axis is None else tuple(shape[:axis]) + tuple(shape[axis + 1:])


def test_per_layer_top_shapes_equal_caffe(oracle_case):
    """``top_shapes`` per layer; for in-place layers Caffe's blob has the same shape."""
    per_layer = oracle_case.load().top_shapes(_input(oracle_case))
    want = oracle_case.meta["blob_shapes"]
    net = oracle_case.load()
    for layer in net.layers:
        axis = SPECS[layer.type].data_dependent_axis
        for top, shape in zip(layer.tops, per_layer[layer.name]):
            assert _fixed(shape, axis) == _fixed(want[top], axis), (layer.name, top)


def test_param_shapes_equal_caffe(oracle_case):
    net = oracle_case.load()
    net.infer_shapes(_input(oracle_case))  # validates weights like CopyTrainedLayersFrom
    want = oracle_case.meta["param_shapes"]
    ours = {l.name: [list(b.shape) for b in l.blobs] for l in net.layers if l.blobs}
    assert set(ours) == set(want)
    for name, shapes in want.items():
        assert len(ours[name]) == len(shapes), name
        assert ours[name] == shapes, name
    for layer in net.layers:
        for b in layer.blobs:
            assert b.dtype == np.float32


def test_definition_round_trips(oracle_case):
    """``net.definition`` (stored in sidecars) rebuilds the same net without the files."""
    net = oracle_case.load()
    again = load_definition(net.definition, net.fork)
    assert again.fork == net.fork and again.inputs == net.inputs
    assert [(l.name, l.type, l.bottoms, l.tops, l.params, l.strict_dim) for l in again.layers] \
        == [(l.name, l.type, l.bottoms, l.tops, l.params, l.strict_dim) for l in net.layers]
    assert all(not l.blobs for l in again.layers)
    assert not re.search(r"^\s*blobs\s*\{", net.definition, re.M)  # weights stay out


@pytest.mark.parametrize("name", DERIVED_WITH_BASE)
def test_derived_weights_equal_base_bit_for_bit(name):
    case = OracleCase(name)
    base_name = case.meta["derived_from"]
    base = OracleCase(base_name).load()
    derived = case.load()
    derived.infer_shapes(_input(case))  # resolves strict_dim reshapes
    base.infer_shapes(_input(OracleCase(base_name)))
    assert [l.name for l in derived.param_layers()] == [l.name for l in base.param_layers()]
    for layer in base.param_layers():
        other = derived.layer(layer.name)
        assert len(other.blobs) == len(layer.blobs)
        for a, b in zip(layer.blobs, other.blobs):
            assert a.shape == b.shape and a.dtype == b.dtype == np.float32
            assert a.tobytes() == b.tobytes(), layer.name


def test_dlv1_topology_equals_its_base():
    """Same net in two wire formats: identical layers, parameters and wiring."""
    base = OracleCase("deeplab_largefov_thin").load()
    v1 = OracleCase(DLV1).load()
    assert [(l.name, l.type, l.bottoms, l.tops, l.params) for l in v1.layers] == \
           [(l.name, l.type, l.bottoms, l.tops, l.params) for l in base.layers]


# ------------------------------------------------------------------ fork cases
def _raw_layer_names(name, module, attr) -> list[str]:
    msg = module.NetParameter()
    msg.ParseFromString(OracleCase(name).caffemodel.read_bytes())
    return [l.name for l in getattr(msg, attr)]


@pytest.mark.parametrize("name,fork,module,attr", [
    (DLV1, "deeplab_v1", deeplab_v1_pb2, "layers"),
    (DLV2, "deeplab_v2", deeplab_v2_pb2, "layer")])
def test_fork_case_is_read_right(name, fork, module, attr):
    case = OracleCase(name)
    assert case.prototxt is None and case.meta["prototxt"] is False
    net = case.load()
    assert net.fork == fork and net.format == "caffemodel"
    assert list(net.inputs) == ["data"]
    for conv in ("conv5_1", "conv5_2", "conv5_3"):
        assert net.layer(conv).params.dilation == (2, 2)
        assert net.layer(conv).params.pad == (2, 2)
    assert net.layer("fc6").params.dilation == (12, 12)
    assert net.layer("fc6").params.pad == (12, 12)
    for l in net.layers:
        if l.type == "Convolution" and not l.name.startswith(("conv5", "fc6")):
            assert l.params.dilation == (1, 1), l.name
    kept = {l.name for l in net.layers}
    noted = " ".join(net.notes + net.warnings)
    for raw in _raw_layer_names(name, module, attr):
        assert raw in kept or f"'{raw}'" in noted, raw  # nothing vanishes silently
    assert not net.warnings


def test_dlv1_train_only_layers_are_dropped_with_notes():
    net = OracleCase(DLV1).load()
    names = {l.name for l in net.layers}
    notes = "\n".join(net.notes)
    for dropped in ("loss", "accuracy", "label_shrink"):
        assert dropped not in names
        assert f"'{dropped}'" in notes
    assert "label" in notes and "label" not in net.blob_names()
    assert {l.type for l in net.layers} <= {"Convolution", "ReLU", "Pooling", "Dropout"}
    assert net.preprocessing.mean == pytest.approx((104.008, 116.669, 122.675), abs=1e-3)
    assert net.preprocessing.crop_size == 321


def test_dlv2_interp():
    net = OracleCase(DLV2).load()
    interp = net.layer("fc8_interp")
    assert interp.type == "Interp" and interp.bottoms == ["fc8_voc12"]
    p = interp.params
    assert (p.zoom_factor, p.shrink_factor, p.height, p.width) == (8, None, None, None)
    assert (p.pad_beg, p.pad_end) == (0, 0)
    assert net.outputs() == ["fc8_interp"]
    assert net.inputs == {"data": (1, 3, 145, 177)}  # input/input_dim header


def _conv(x, w, b, pad=0, dil=1):
    """Direct NCHW cross-correlation, stride 1 (independent of every backend)."""
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = h + 2 * pad - dil * (kh - 1), wd + 2 * pad - dil * (kw - 1)
    y = np.zeros((n, o, oh, ow))
    for u in range(kh):
        for v in range(kw):
            patch = xp[:, :, u * dil:u * dil + oh, v * dil:v * dil + ow]
            y += np.einsum("nchw,oc->nohw", patch, w[:, :, u, v].astype(np.float64))
    return y + b.reshape(1, -1, 1, 1)


@pytest.mark.parametrize("name", [DLV1, DLV2])
def test_fork_weights_reproduce_caffe_outputs(name):
    """The fork files' weights, read by us, give Caffe's conv1_1, fc6, fc7 and fc8."""
    case = OracleCase(name)
    net = case.load()
    net.infer_shapes(_input(case))
    blobs = case.blobs

    def check(layer, x, relu, pad=0, dil=1):
        w, b = net.layer(layer).blobs
        y = _conv(x, w, b, pad, dil)
        y = np.maximum(y, 0) if relu else y
        ref = blobs[layer]
        assert np.abs(y - ref).max() <= RTOL * max(1.0, np.abs(ref).max()), layer

    check("conv1_1", case.input, relu=True, pad=1)
    check("fc6", blobs["pool5a"], relu=True, pad=12, dil=12)
    check("fc7", blobs["fc6"], relu=True)
    check("fc8_voc12", blobs["fc7"], relu=False)


# ------------------------------------------------------------------ forced forks
@pytest.mark.parametrize("fork", ["bvlc", "deeplab_v2"])
def test_forcing_another_schema_on_dlv1_is_an_error(fork):
    """BVLC reads DLv1's `hole: 12` as force_nd_im2col and IMAGE_SEG_DATA (39) as
    DECONVOLUTION, and does not know INTERP (41) or SEG_ACCURACY (40): refuse."""
    with pytest.raises(CaffeError) as e:
        load(OracleCase(DLV1).caffemodel, fork=fork)
    text = str(e.value)
    assert "unknown to the " + fork in text and "--fork deeplab_v1" in text
    assert "byte " in text and "field 'type'" in text


def test_forcing_bvlc_on_dlv2_is_an_error():
    with pytest.raises(CaffeError, match="interp_param") as e:
        load(OracleCase(DLV2).caffemodel, fork="bvlc")
    assert "layer 'fc8_interp'" in str(e.value) and "deeplab_v2" in str(e.value)


def test_forcing_dlv1_on_new_style_layers_is_an_error():
    with pytest.raises(CaffeError, match="--fork deeplab_v2"):
        load(OracleCase(DLV2).caffemodel, fork="deeplab_v1")
    with pytest.raises(CaffeError, match="--fork bvlc"):
        load(OracleCase("fcn8s_thin").caffemodel, fork="deeplab_v1")


def test_forcing_a_compatible_fork_warns():
    """DLv2 reads BVLC files identically for these layers; the mismatch is reported."""
    net = load(OracleCase("zoo_conv_variants").caffemodel, fork="deeplab_v2")
    assert net.fork == "deeplab_v2"
    assert any("looks like bvlc" in w for w in net.warnings)
    auto = OracleCase("zoo_conv_variants").load()
    assert [l.params for l in net.layers] == [l.params for l in auto.layers]

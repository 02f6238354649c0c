"""Caffe's shape formulas (docs/caffe-semantics.md), with expected values worked out by hand.

Each expected number is written out with its arithmetic in a comment, so a wrong
formula in ``converter/layers`` cannot agree with the test by construction.
"""
from __future__ import annotations

import pytest

from caffe2ss.converter import CaffeError, load_definition
from caffe2ss.converter.layers import SPECS
from caffe2ss.converter.layers.crop import CropParams, crop_offsets
from caffe2ss.converter.layers.pool import pool_output_size

from helpers.oracle import OracleCase


def infer(body: str, shape=(1, 3, 8, 8), fork="bvlc", inputs=None) -> dict:
    """Shapes of a tiny net: ``body`` layers after an input blob ``data`` of ``shape``."""
    head = "".join(f'input: "{n}" ' + "".join(f"input_dim: {d} " for d in s) + "\n"
                   for n, s in (inputs or {"data": shape}).items())
    return load_definition(head + body, fork).infer_shapes()


def pool(k, s, p=0, extra="", bottom="data", top="p"):
    return (f'layer {{ name: "{top}" type: "Pooling" bottom: "{bottom}" top: "{top}" '
            f'pooling_param {{ pool: MAX kernel_size: {k} stride: {s} pad: {p} {extra} }} }}\n')


# ------------------------------------------------------------------ pooling
def test_ceil_pooling():
    assert pool_output_size(175, 2, 2, 0) == 88        # ceil((175 - 2) / 2) + 1 = 87 + 1
    assert pool_output_size(175, 2, 2, 0, ceil=False) == 87  # floor(86.5) + 1
    assert infer(pool(2, 2), (1, 3, 175, 174))["p"] == (1, 3, 88, 87)  # 174: 86 + 1


def test_floor_round_mode():
    s = infer(pool(2, 2, extra="round_mode: FLOOR"), (1, 3, 175, 175))
    assert s["p"] == (1, 3, 87, 87)


@pytest.mark.parametrize("size,chain", [(321, [161, 81, 41]), (513, [257, 129, 65]),
                                        (320, [161, 81, 41])])
def test_deeplab_pools(size, chain):
    # k3 s2 p1: ceil((n + 2 - 3) / 2) + 1; 321 -> 160 + 1; 161 -> 80 + 1; 81 -> 40 + 1
    # 513 -> 256 + 1 -> 128 + 1 -> 64 + 1; 320 -> ceil(159.5) + 1 = 161 (floor: 160)
    body = pool(3, 2, 1, top="p1") + pool(3, 2, 1, bottom="p1", top="p2") + \
        pool(3, 2, 1, bottom="p2", top="p3") + pool(3, 1, 1, bottom="p3", top="p4")
    s = infer(body, (1, 3, size, size))
    assert [s[f"p{i}"][2] for i in (1, 2, 3)] == chain
    assert s["p4"] == s["p3"]  # k3 s1 p1 keeps the size


def test_pad_clip_rule_removes_a_window():
    # 4 wide, k2 s3 p1: ceil((4 + 2 - 2) / 3) + 1 = 3 windows starting at -1, 2, 5;
    # the last starts at 5 >= 4 + 1 (all padding): dropped -> 2
    assert pool_output_size(4, 2, 3, 1) == 2
    # 10 wide, k3 s4 p2: ceil(11 / 4) + 1 = 4; (4 - 1) * 4 = 12 >= 10 + 2 -> 3
    assert pool_output_size(10, 3, 4, 2) == 3
    # no clip without pad: 5 wide, k1 s2: ceil(4 / 2) + 1 = 3 (last window starts at 4)
    assert pool_output_size(5, 1, 2, 0) == 3
    assert infer(pool(2, 3, 1), (1, 1, 4, 10))["p"] == (1, 1, 2, 4)  # 10: ceil(10/3)+1=5,
    # (5 - 1) * 3 = 12 >= 11 -> 4


def test_pad_clip_rule_applies_to_both_axes():
    # Caffe clips both axes `if (pad_h_ || pad_w_)`. H 4, k3 s3 p1: ceil(3/3) + 1 = 2,
    # 3 < 5 kept; W 5, k1 s3 p0: ceil(4/3) + 1 = 3, last start 6 >= 5 + 0 -> dropped: 2
    body = ('layer { name: "p" type: "Pooling" bottom: "data" top: "p" pooling_param { '
            "pool: AVE kernel_h: 3 kernel_w: 1 stride: 3 pad_h: 1 pad_w: 0 } }\n")
    assert infer(body, (1, 1, 4, 5))["p"] == (1, 1, 2, 2)
    assert pool_output_size(5, 1, 3, 0) == 3 and pool_output_size(5, 1, 3, 0, clip=True) == 2


@pytest.mark.parametrize("param,err", [
    ("kernel_size: 2 pad_h: 1", "pad_h and pad_w"),          # Caffe: pad OR pad_h and pad_w
    ("kernel_size: 2 stride_w: 2", "stride_h and stride_w"),
    ("kernel_size: 3 pad: 1 pad_h: 1 pad_w: 1", "either pad"),
    ("kernel_size: 2 kernel_h: 2 kernel_w: 2", "either kernel_size"),
    ("kernel_h: 2", "either kernel_size")])
def test_pooling_pair_rules(param, err):
    body = ('layer { name: "p" type: "Pooling" bottom: "data" top: "p" '
            f"pooling_param {{ {param} }} }}\n")
    with pytest.raises(CaffeError, match=err):
        infer(body)


def test_pooling_lone_kernel_h_is_ignored():
    # kernel_size 3 with kernel_h alone: Caffe's checks pass and it uses kernel_size
    body = ('layer { name: "p" type: "Pooling" bottom: "data" top: "p" pooling_param { '
            "kernel_size: 3 kernel_h: 1 stride: 2 } }\n")
    assert infer(body, (1, 1, 7, 7))["p"] == (1, 1, 3, 3)  # ceil((7 - 3) / 2) + 1 = 3


def test_global_pooling():
    body = ('layer { name: "g" type: "Pooling" bottom: "data" top: "g" '
            'pooling_param { pool: AVE global_pooling: true } }\n')
    assert infer(body, (2, 5, 13, 7))["g"] == (2, 5, 1, 1)


def test_pooling_pad_must_be_smaller_than_kernel():
    with pytest.raises(CaffeError, match="pad") as e:
        infer(pool(2, 2, 2))
    assert "layer 'p'" in str(e.value) and "pad" in e.value.field


# ---------------------------------------------------------- convolution family
def conv(o, k, s=1, p=0, extra="", bottom="data", top="c", type_="Convolution"):
    return (f'layer {{ name: "{top}" type: "{type_}" bottom: "{bottom}" top: "{top}" '
            f'convolution_param {{ num_output: {o} kernel_size: {k} stride: {s} pad: {p} '
            f'{extra} }} }}\n')


def test_conv_sizes():
    # floor((19 + 2*3 - (3*(3-1)+1)) / 1) + 1 = 19 (dilation 3 keeps the size)
    assert infer(conv(4, 3, 1, 3, "dilation: 3"), (1, 4, 19, 22))["c"] == (1, 4, 19, 22)
    # floor((19 + 4 - 5) / 2) + 1 = 10; floor((22 + 4 - 5) / 2) + 1 = 11
    assert infer(conv(4, 5, 2, 2), (1, 4, 19, 22))["c"] == (1, 4, 10, 11)
    # FCN conv1_1: 500 + 2*100 - 3 + 1 = 698
    assert infer(conv(8, 3, 1, 100), (1, 3, 500, 500))["c"] == (1, 8, 698, 698)


def test_conv_kernel_overhang_below_the_stride():
    # Caffe: (4 + 0 - 5) / 2 + 1 in C ints = 0 + 1 = 1 (truncation toward zero); the
    # kernel reads one zero row past the input. With stride 1: -1 / 1 + 1 = 0 -> refused
    assert infer(conv(2, 5, 2), (1, 1, 4, 9))["c"] == (1, 2, 1, 3)  # (9 - 5) / 2 + 1 = 3
    with pytest.raises(CaffeError, match="smaller than the kernel"):
        infer(conv(2, 5, 1), (1, 1, 4, 9))


def test_conv_group_must_divide():
    with pytest.raises(CaffeError, match="group") as e:
        infer(conv(6, 3, extra="group: 4"), (1, 4, 8, 8))  # 6 % 4 != 0
    assert e.value.field == "group" and "layer 'c'" in str(e.value)
    with pytest.raises(CaffeError, match="group"):
        infer(conv(6, 3, extra="group: 3"), (1, 4, 8, 8))  # 4 % 3 != 0


@pytest.mark.parametrize("k,s,size,out", [(4, 2, 16, 34), (16, 8, 70, 568), (64, 32, 16, 544),
                                          (4, 2, 12, 26), (16, 8, 54, 440)])
def test_deconv_sizes(k, s, size, out):
    # s * (size - 1) + k: 2*15+4 = 34; 8*69+16 = 568; 32*15+64 = 544; 2*11+4 = 26; 8*53+16
    body = conv(21, k, s, type_="Deconvolution", extra="bias_term: false")
    assert infer(body, (1, 21, size, size))["c"] == (1, 21, out, out)


def test_deconv_pad_and_dilation():
    # 2 * (5 - 1) + (2 * (3 - 1) + 1) - 2 * 1 = 8 + 5 - 2 = 11
    body = conv(3, 3, 2, 1, "dilation: 2", type_="Deconvolution")
    assert infer(body, (1, 3, 5, 5))["c"] == (1, 3, 11, 11)


def _thin(case, size):
    net = OracleCase(case).load()
    return net.infer_shapes({"data": (1, 3) + size})


def test_fcn8s_chain_500():
    s = _thin("fcn8s_thin", (500, 500))
    h = {k: v[2] for k, v in s.items()}
    assert [h[k] for k in ("conv1_1", "pool1", "pool2", "pool3", "pool4", "pool5", "fc6")] == \
           [698, 349, 175, 88, 44, 22, 16]
    assert [h[k] for k in ("upscore2", "score_pool4c", "upscore_pool4", "score_pool3c",
                           "upscore8", "score")] == [34, 34, 70, 70, 568, 500]
    assert s["score"] == (1, 21, 500, 500)


def test_fcn8s_chain_voc_375x500():
    s = _thin("fcn8s_thin", (375, 500))
    # heights: 375+200-2 = 573; ceil(571/2)+1 = 287; 144; 72; 36; 18; fc6 (k7) 12;
    # 2*11+4 = 26; 2*25+4 = 54; 8*53+16 = 440; crop -> 375
    assert [s[k][2] for k in ("conv1_1", "pool1", "pool2", "pool3", "pool4", "pool5", "fc6",
                              "upscore2", "upscore_pool4", "upscore8", "score")] == \
           [573, 287, 144, 72, 36, 18, 12, 26, 54, 440, 375]
    assert s["score"] == (1, 21, 375, 500)


def test_fcn32s_chain_500():
    s = _thin("fcn32s_thin", (500, 500))
    assert s["fc6"][2] == 16 and s["upscore"][2] == 544 and s["score"] == (1, 21, 500, 500)


@pytest.mark.parametrize("size,chain", [(321, [161, 81, 41, 41, 41]),
                                        (513, [257, 129, 65, 65, 65])])
def test_deeplab_largefov_chain(size, chain):
    s = _thin("deeplab_largefov_thin", (size, size))
    assert [s[k][2] for k in ("pool1", "pool2", "pool3", "pool4", "fc8_voc12")] == chain


@pytest.mark.parametrize("size", [321, 513])
def test_deeplab_v2_interp_restores_the_input_size(size):
    s = OracleCase("deeplab_v2_largefov_interp_thin").load().infer_shapes(
        {"data": (1, 3, size, size)})
    # fc8 (size+7)//8 ... 41 -> (41-1)*8+1 = 321; 65 -> 513
    assert s["fc8_interp"] == (1, 21, size, size)


# --------------------------------------------------------------------- crop
def crop(extra, b1="data", b2="ref"):
    return (f'layer {{ name: "cr" type: "Crop" bottom: "{b1}" bottom: "{b2}" top: "cr" '
            f'crop_param {{ {extra} }} }}\n')


TWO = {"data": (1, 5, 10, 12), "ref": (1, 2, 5, 6)}


def test_crop_offsets():
    ctx = None
    assert crop_offsets(CropParams(2, ()), 4, ctx) == (2, [0, 0])        # default: zeros
    assert crop_offsets(CropParams(2, (3,)), 4, ctx) == (2, [3, 3])      # one for all
    assert crop_offsets(CropParams(2, (1, 4)), 4, ctx) == (2, [1, 4])    # one per axis
    assert crop_offsets(CropParams(1, (1, 2, 3)), 4, ctx) == (1, [1, 2, 3])
    assert crop_offsets(CropParams(-2, (5,)), 4, ctx) == (2, [5, 5])     # negative axis
    assert infer(crop(""), inputs=TWO)["cr"] == (1, 5, 5, 6)             # axis 2 default
    assert infer(crop("offset: 4"), inputs=TWO)["cr"] == (1, 5, 5, 6)    # 10-4>=5, 12-4>=6
    assert infer(crop("axis: 1 offset: 1 offset: 2 offset: 3"),
                 inputs=TWO)["cr"] == (1, 2, 5, 6)


def test_crop_errors():
    with pytest.raises(CaffeError, match="2 offsets given for 3 cropped axes") as e:
        infer(crop("axis: 1 offset: 1 offset: 2"), inputs=TWO)
    assert e.value.field == "offset" and "layer 'cr'" in str(e.value)
    with pytest.raises(CaffeError, match="offset 6") as e:
        infer(crop("offset: 6"), inputs=TWO)                              # 10 - 6 < 5
    assert e.value.field == "offset"


# ------------------------------------------------------- reshape and friends
def one(type_, param, top="t", bottoms=("data",), tops=None):
    b = "".join(f'bottom: "{x}" ' for x in bottoms)
    t = "".join(f'top: "{x}" ' for x in (tops or [top]))
    return f'layer {{ name: "{top}" type: "{type_}" {b}{t}{param} }}\n'


X = (2, 3, 4, 5)


@pytest.mark.parametrize("param,out", [
    ("reshape_param { shape { dim: 0 dim: -1 } }", (2, 60)),            # 120 / 2
    ("reshape_param { shape { dim: 0 dim: 0 dim: -1 } }", (2, 3, 20)),
    ("reshape_param { shape { dim: -1 dim: 0 } }", (40, 3)),            # 0 copies dim 1
    ("reshape_param { shape { dim: -1 } axis: 1 num_axes: 2 }", (2, 12, 5)),
    ("reshape_param { shape { dim: 1 } axis: -1 num_axes: 0 }", (2, 3, 4, 5, 1)),
    ("reshape_param { shape { dim: 6 dim: 20 } }", (6, 20))])
def test_reshape(param, out):
    assert infer(one("Reshape", param), X)["t"] == out


def test_reshape_errors():
    with pytest.raises(CaffeError, match="at most one") as e:
        infer(one("Reshape", "reshape_param { shape { dim: -1 dim: -1 } }"), X)
    assert "layer 't'" in str(e.value) and "shape" in e.value.field
    with pytest.raises(CaffeError, match="element count|cannot infer"):
        infer(one("Reshape", "reshape_param { shape { dim: 7 dim: -1 } }"), X)  # 120 % 7


@pytest.mark.parametrize("param,out", [("", (2, 60)), ("flatten_param { axis: 2 }", (2, 3, 20)),
                                       ("flatten_param { end_axis: -2 }", (2, 12, 5)),
                                       ("flatten_param { axis: 0 end_axis: 1 }", (6, 4, 5))])
def test_flatten(param, out):
    assert infer(one("Flatten", param), X)["t"] == out


def test_flatten_end_axis_before_axis():
    # end_axis == axis - 1: count(2, 2) = 1 is inserted at axis 2; earlier: Caffe aborts
    assert infer(one("Flatten", "flatten_param { axis: 2 end_axis: 1 }"), X)["t"] == \
        (2, 3, 1, 4, 5)
    with pytest.raises(CaffeError, match="comes before"):
        infer(one("Flatten", "flatten_param { axis: 3 end_axis: 1 }"), X)


def test_eltwise_coeff_rules():
    b = ("a", "a2")
    inputs = {"a": X, "a2": X}
    s = infer(one("Eltwise", "eltwise_param { operation: MAX coeff: 2 coeff: 3 }", bottoms=b),
              inputs=inputs)  # Caffe accepts (and ignores) coeffs with MAX
    assert s["t"] == X
    with pytest.raises(CaffeError, match="PROD"):
        infer(one("Eltwise", "eltwise_param { operation: PROD coeff: 2 coeff: 3 }", bottoms=b),
              inputs=inputs)
    with pytest.raises(CaffeError, match="one per bottom"):
        infer(one("Eltwise", "eltwise_param { operation: MAX coeff: 2 }", bottoms=b),
              inputs=inputs)


def test_prelu_needs_2_to_4_axes():
    # Caffe reads PReLU's channels with the legacy accessor channels(): at most 4 axes
    body = one("Reshape", "reshape_param { shape { dim: 1 } axis: 0 num_axes: 0 }", top="r")
    with pytest.raises(CaffeError, match="2-D to 4-D"):
        infer(body + one("PReLU", "", bottoms=("r",)), X)  # (1, 2, 3, 4, 5)
    assert infer(one("PReLU", ""), X)["t"] == X


def test_slice():
    s = infer(one("Slice", "slice_param { axis: 1 slice_point: 1 slice_point: 3 }",
                  tops=["a", "b", "c"]), (2, 5, 4, 4))
    assert (s["a"][1], s["b"][1], s["c"][1]) == (1, 2, 2)               # [0,1) [1,3) [3,5)
    s = infer(one("Slice", "slice_param { axis: 2 }", tops=["a", "b", "c"]), (2, 5, 6, 4))
    assert s["a"] == s["b"] == s["c"] == (2, 5, 2, 4)                   # 6 / 3
    s = infer(one("Slice", "slice_param { slice_dim: 3 slice_point: 1 }", tops=["a", "b"]),
              (2, 5, 6, 4))
    assert (s["a"][3], s["b"][3]) == (1, 3)                             # legacy slice_dim
    with pytest.raises(CaffeError, match="equal parts"):
        infer(one("Slice", "slice_param { axis: 1 }", tops=["a", "b"]), (2, 5, 6, 4))


def test_concat():
    inputs = {"a": (1, 3, 4, 5), "b": (1, 3, 6, 5)}
    assert infer(one("Concat", "concat_param { concat_dim: 2 }", bottoms=("a", "b")),
                 inputs=inputs)["t"] == (1, 3, 10, 5)                   # legacy concat_dim
    assert infer(one("Concat", "concat_param { axis: -2 }", bottoms=("a", "b")),
                 inputs=inputs)["t"] == (1, 3, 10, 5)
    with pytest.raises(CaffeError, match="differ outside"):
        infer(one("Concat", "", bottoms=("a", "b")), inputs=inputs)    # axis 1: 4 != 6
    with pytest.raises(CaffeError, match="not both"):
        infer(one("Concat", "concat_param { axis: 2 concat_dim: 2 }", bottoms=("a", "b")),
              inputs=inputs)


@pytest.mark.parametrize("param,out,weight", [
    ("", (2, 7), (7, 60)),                                   # K = 3*4*5 (C, H, W)
    ("axis: 2", (2, 3, 7), (7, 20)),                         # K = 4*5
    ("axis: -1", (2, 3, 4, 7), (7, 5)),
    ("transpose: true", (2, 7), (60, 7))])
def test_inner_product_axis(param, out, weight):
    body = one("InnerProduct", f"inner_product_param {{ num_output: 7 {param} }}")
    net = load_definition('input: "data" ' + "".join(f"input_dim: {d} " for d in X) + "\n"
                          + body, "bvlc")
    assert net.infer_shapes()["t"] == out
    layer = net.layer("t")
    assert SPECS["InnerProduct"].param_shapes(layer.params, [X]) == [weight, (7,)]


# --------------------------------------------------------------------- Interp
def interp(param, fork="deeplab_v2", shape=(1, 21, 41, 41)):
    if fork == "deeplab_v1":
        body = ('layers { name: "i" type: INTERP bottom: "data" top: "i" '
                f'interp_param {{ {param} }} }}\n')
    else:
        body = f'layer {{ name: "i" type: "Interp" bottom: "data" top: "i" ' \
               f'interp_param {{ {param} }} }}\n'
    return infer(body, shape, fork)["i"]


@pytest.mark.parametrize("fork", ["deeplab_v1", "deeplab_v2"])
def test_interp_single_rules(fork):
    assert interp("zoom_factor: 8", fork) == (1, 21, 321, 321)          # 41 + 40 * 7
    assert interp("shrink_factor: 8", fork, (1, 1, 321, 321)) == (1, 1, 41, 41)  # 320//8+1
    assert interp("height: 50 width: 60", fork) == (1, 21, 50, 60)
    # pads crop the input: 41 - 1 - 2 = 38 -> zoom 2: 38 + 37 = 75
    assert interp("zoom_factor: 2 pad_beg: -1 pad_end: -2", fork) == (1, 21, 75, 75)


def test_interp_dlv2_precedence():
    # shrink and zoom: shrink first (321 -> 41), then zoom (41 -> 321)
    assert interp("shrink_factor: 8 zoom_factor: 8", shape=(1, 1, 321, 321)) == \
           (1, 1, 321, 321)
    # zoom only (no shrink) wins over height/width
    assert interp("zoom_factor: 2 height: 5 width: 5") == (1, 21, 81, 81)      # 41 + 40
    # shrink only wins over height/width
    assert interp("shrink_factor: 2 height: 5 width: 5") == (1, 21, 21, 21)    # 40//2 + 1


def test_interp_errors():
    with pytest.raises(CaffeError, match="exactly one"):
        interp("zoom_factor: 2 shrink_factor: 2", "deeplab_v1")
    with pytest.raises(CaffeError, match="exactly one"):
        interp("zoom_factor: 2 height: 5 width: 5", "deeplab_v1")
    with pytest.raises(CaffeError, match="<= 0") as e:
        interp("zoom_factor: 2 pad_beg: 1")
    assert "layer 'i'" in str(e.value)
    with pytest.raises(CaffeError, match="needs zoom_factor"):
        interp("pad_beg: 0")

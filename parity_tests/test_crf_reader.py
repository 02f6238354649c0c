"""DeepLab's DenseCRF layer read into ``Net.crf`` (the defaults of ``--crf``).

Look-alike caffemodels are written with the project's wire encoder: DLv1 stores the
layer as V1 enum DENSE_CRF (45) with ``dense_crf_param`` at V1LayerParameter 48, DLv2 as
type "DenseCRF" with ``dense_crf_param`` at LayerParameter 146.
"""
from __future__ import annotations

import struct

import pytest

from caffe2ss.converter import CaffeError, load
from caffe2ss.converter.seg.crf_params import CRFParams, parse_crf_params
from caffe2ss.converter.reader.wire import encode_len_field as field, encode_varint as varint

V1_RELU, V1_DENSE_CRF = 18, 45


def f32(number: int, value: float) -> bytes:
    return varint(number << 3 | 5) + struct.pack("<f", value)


def i32(number: int, value: int) -> bytes:
    return varint(number << 3) + varint(value)


def crf_param(max_iter=None, pos=((3, 3),), bi=((4, 121, 5),)) -> bytes:
    """DenseCRFParameter: max_iter 1, pos_xy_std 2, pos_w 3, bi_xy_std 4, bi_rgb_std 5,
    bi_w 6 (unpacked repeated floats, as Caffe's text-to-binary writes them)."""
    out = b"" if max_iter is None else i32(1, max_iter)
    for w, std in pos:
        out += f32(2, std) + f32(3, w)
    for w, xy, rgb in bi:
        out += f32(4, xy) + f32(5, rgb) + f32(6, w)
    return out


def net_bytes(fork: str, crf: bytes, bottoms=("score", "data_dim", "data")) -> bytes:
    """input data 1x3x8x8 -> ReLU 'score' -> DenseCRF 'crf' (DLv1 V1 or DLv2 V2 layers)."""
    head = field(1, b"crfnet") + field(3, b"data") + b"".join(i32(4, d) for d in (1, 3, 8, 8))
    if fork == "deeplab_v1":
        relu = field(2, b"data") + field(3, b"score") + field(4, b"relu") + i32(5, V1_RELU)
        dcrf = (b"".join(field(2, b.encode()) for b in bottoms) + field(3, b"crf")
                + field(4, b"crf") + i32(5, V1_DENSE_CRF) + field(48, crf))
        return head + field(2, relu) + field(2, dcrf)
    relu = field(1, b"relu") + field(2, b"ReLU") + field(3, b"data") + field(4, b"score")
    dcrf = (field(1, b"crf") + field(2, b"DenseCRF")
            + b"".join(field(3, b.encode()) for b in bottoms) + field(4, b"crf")
            + field(146, crf))
    return head + field(100, relu) + field(100, dcrf)


def read(tmp_path, fork, crf, **kw):
    path = tmp_path / f"{fork}.caffemodel"
    path.write_bytes(net_bytes(fork, crf, **kw))
    return load(path)


@pytest.mark.parametrize("fork", ["deeplab_v1", "deeplab_v2"])
def test_dense_crf_parameters_are_read(tmp_path, fork):
    net = read(tmp_path, fork, crf_param(max_iter=7, pos=((3, 2),), bi=((5, 50, 10),)))
    assert net.fork == fork
    assert net.crf == CRFParams(bi_w=5, bi_xy_std=50, bi_rgb_std=10, pos_w=3,
                                pos_xy_std=2, iterations=7)
    assert net.crf.source == "net 'crf' (DenseCRF)"
    assert net.outputs() == ["score"] and "crf" not in net.blob_names()
    assert any("'crf' (DenseCRF)" in w and "use 'score'" in w and "--crf" in w
               for w in net.warnings)
    # command-line keys override the net's values, the rest stay the net's
    p = parse_crf_params("bi_w=4,iterations=10", net.crf)
    assert (p.bi_w, p.bi_xy_std, p.pos_xy_std, p.iterations) == (4, 50, 2, 10)


@pytest.mark.parametrize("fork", ["deeplab_v1", "deeplab_v2"])
def test_dense_crf_defaults_and_missing_kernels(tmp_path, fork):
    net = read(tmp_path, fork, crf_param(pos=()))        # max_iter unset: Caffe's 10
    assert (net.crf.pos_w, net.crf.bi_w, net.crf.iterations) == (0.0, 4.0, 10)
    net = read(tmp_path, fork, crf_param(), bottoms=("score", "data_dim"))
    assert net.crf.bi_w == 0.0 and net.crf.pos_w == 3.0  # no image bottom: no bilateral
    assert any("no image bottom" in w for w in net.warnings)
    net = read(tmp_path, fork, crf_param(pos=(), bi=()))
    assert net.crf is None and any("sets no kernel" in w for w in net.warnings)
    net = read(tmp_path, fork, crf_param(pos=((3, 3), (1, 1))))
    assert net.crf.pos_w == 3 and any("first of each" in w for w in net.warnings)


def test_dense_crf_mismatched_lists_name_the_layer(tmp_path):
    bad = f32(2, 3.0) + f32(2, 1.0) + f32(3, 3.0)       # two pos_xy_std, one pos_w
    with pytest.raises(CaffeError, match="crf.*pos_w"):
        read(tmp_path, "deeplab_v2", bad)

"""Clear errors for what is not supported: SSD-fork files, prototxt/caffemodel mismatches.

Regression for issue 16: an SSD prototxt failed on its first unknown field with no layer
and no type (now the SSD fork has a schema: its training fields are the unknown ones);
an SSD caffemodel was labelled ``bvlc`` without a word; ``convert`` and
``inspect`` named different layers when a published prototxt did not match its
caffemodel (MTCNN's swapped det2/det3 prototxts). The SSD look-alikes carry weiliu89's
LayerParameter numbers (202 permute_param, 203 prior_box_param, 204
detection_output_param, 206 norm_param, 200 annotated_data_param, 201
multibox_loss_param), written with the wire encoder since BVLC's schema lacks them.
"""
from __future__ import annotations

import numpy as np
import pytest

from caffe2ss.converter import CaffeError, load
from caffe2ss.converter.cli import main
from caffe2ss.converter.reader.wire import encode_len_field
from caffe2ss.protos import caffe_pb2

from helpers.lookalike import blob_proto, mtcnn_det1

SSD_TEXT = '''name: "MobileNet-SSD"
input: "data"
input_shape { dim: 1 dim: 3 dim: 300 dim: 300 }
layer { name: "conv0" type: "Convolution" bottom: "data" top: "conv0"
  convolution_param { num_output: 32 kernel_size: 3 stride: 2 pad: 1 } }
layer { name: "conv11_mbox_loc_perm" type: "Permute" bottom: "conv0" top: "perm"
  permute_param { order: 0 order: 2 order: 3 order: 1 } }
layer { name: "conv11_norm" type: "Normalize" bottom: "conv0" top: "norm"
  norm_param { across_spatial: false channel_shared: false
    scale_filler { type: "constant" value: 20 } } }
layer { name: "conv11_mbox_priorbox" type: "PriorBox" bottom: "conv0" bottom: "data"
  top: "prior" prior_box_param { min_size: 60.0 aspect_ratio: 2.0 flip: true
    variance: 0.1 variance: 0.1 variance: 0.2 variance: 0.2 } }
layer { name: "detection_out" type: "DetectionOutput" bottom: "perm" bottom: "norm"
  bottom: "prior" top: "detection_out" include { phase: TEST }
  detection_output_param { num_classes: 21 nms_param { nms_threshold: 0.45 top_k: 100 }
    code_type: CENTER_SIZE keep_top_k: 100 confidence_threshold: 0.25 } }
'''


def test_ssd_prototxt_is_read_with_the_ssd_schema(tmp_path):
    """Once refused with every layer listed; the SSD fork has a schema now."""
    p = tmp_path / "ssd.prototxt"
    p.write_text(SSD_TEXT)
    net = load(p)
    assert net.fork == "ssd"
    assert [l.type for l in net.layers] == ["Convolution", "Permute", "Normalize",
                                            "PriorBox", "DetectionOutput"]
    prior, det = net.layer("conv11_mbox_priorbox").params, net.layer("detection_out").params
    assert prior.clip is False  # weiliu89's default (the inisis build's is true)
    assert prior.aspect_ratios == (1.0, 2.0, 0.5)
    assert prior.variance == tuple(float(np.float32(v)) for v in (0.1, 0.1, 0.2, 0.2))
    assert (det.num_classes, det.code_type, det.keep_top_k, det.top_k) == (21, 2, 100, 100)
    assert det.nms and abs(det.nms_threshold - 0.45) < 1e-7


def test_ssd_train_prototxt_names_the_fields_it_does_not_read(tmp_path):
    p = tmp_path / "train.prototxt"
    p.write_text('layer { name: "data" type: "AnnotatedData" top: "data" top: "label"\n'
                 '  annotated_data_param { batch_sampler { max_sample: 1 } } }\n'
                 + SSD_TEXT.split("\n", 3)[3])
    with pytest.raises(CaffeError) as e:
        load(p)
    msg = str(e.value)
    assert "ssd prototxt" in msg and "annotated_data_param" in msg
    assert "SSD fork (weiliu89/caffe)" in msg and "'data' (AnnotatedData)" in msg


def test_unknown_field_in_a_supported_layer_names_it(tmp_path):
    p = tmp_path / "odd.prototxt"
    p.write_text('input: "data"\nlayer { name: "c" type: "Convolution" bottom: "data" '
                 'top: "c"\n convolution_param { num_output: 2 kernel_size: 1 '
                 'my_flag: true } }\n')
    with pytest.raises(CaffeError, match=r"line 3: .*'c' \(Convolution\): my_flag"):
        load(p)


def ssd_layer(name, type_, bottoms, tops, extra: dict, blobs=()) -> bytes:
    """A LayerParameter with SSD fields (number -> payload) appended on the wire."""
    lp = caffe_pb2.LayerParameter(name=name, type=type_, bottom=bottoms, top=tops)
    for arr in blobs:
        lp.blobs.add().CopyFrom(blob_proto(arr))
    return encode_len_field(100, lp.SerializeToString() + b"".join(
        encode_len_field(n, payload) for n, payload in extra.items()))


def conv0() -> bytes:
    lp = caffe_pb2.LayerParameter(name="conv0", type="Convolution", bottom=["data"],
                                  top=["conv0"])
    lp.convolution_param.num_output = 4
    lp.convolution_param.kernel_size.append(3)
    lp.blobs.add().CopyFrom(blob_proto(np.ones((4, 3, 3, 3), np.float32)))
    lp.blobs.add().CopyFrom(blob_proto(np.zeros(4, np.float32)))
    return encode_len_field(100, lp.SerializeToString())


def header() -> bytes:
    net = caffe_pb2.NetParameter(name="ssd", input=["data"])
    net.input_shape.add().dim.extend([1, 3, 16, 16])
    return net.SerializeToString()


def ssd_caffemodel() -> bytes:
    """conv0 -> PriorBox (min_size 60) -> DetectionOutput (4 classes), SSD's numbers."""
    det = b"\x08\x04" + encode_len_field(4, b"\x0d\x66\x66\xe6\x3e")  # 4 classes, nms 0.45
    return (header() + conv0()
            + ssd_layer("prior", "PriorBox", ["conv0", "data"], ["prior"],
                        {203: b"\x0d\x00\x00\x70\x42"})
            + ssd_layer("loc", "Flatten", ["conv0"], ["loc"], {})
            + ssd_layer("conf", "Flatten", ["conv0"], ["conf"], {})
            + ssd_layer("det", "DetectionOutput", ["loc", "conf", "prior"], ["det"],
                        {204: det}))


def test_ssd_caffemodel_is_read_with_its_fork(tmp_path):
    model = tmp_path / "ssd.caffemodel"
    model.write_bytes(ssd_caffemodel())
    net = load(model)
    assert net.fork == "ssd" and not net.warnings
    assert net.layer("prior").params.min_sizes == (60.0,)
    assert net.layer("det").params.num_classes == 4
    assert net.infer_shapes()["prior"] == (1, 2, 14 * 14 * 1 * 4)


def test_forcing_bvlc_on_an_ssd_caffemodel_names_the_fork(tmp_path):
    model = tmp_path / "ssd.caffemodel"
    model.write_bytes(ssd_caffemodel())
    with pytest.raises(CaffeError) as e:
        load(model, fork="bvlc")
    msg = str(e.value)
    assert "'prior'" in msg and "min_size" in msg  # BVLC reads no prior_box_param
    assert "203 prior_box_param" in msg and "204 detection_output_param" in msg
    assert "SSD fork (weiliu89/caffe)" in msg


def test_ssd_train_fields_are_flagged_not_silent(tmp_path, capsys):
    """An SSD train net whose fork layers are all dropped still says where it is from."""
    model = tmp_path / "ssd_train.caffemodel"
    model.write_bytes(ssd_layer("data", "AnnotatedData", [], ["data", "label"],
                                {200: b"\x08\x01"})
                      + conv0()
                      + ssd_layer("mbox_loss", "MultiBoxLoss", ["conv0", "label"],
                                  ["mbox_loss"], {201: b"\x08\x15"}))
    net = load(model)
    assert net.fork == "ssd" and list(net.inputs) == ["data"]
    assert any("200 annotated_data_param" in w and "SSD fork" in w for w in net.warnings)
    assert main(["inspect", str(model), "--input-shape", "1,3,8,8"]) == 0
    assert "201 multibox_loss_param" in capsys.readouterr().out


# ------------------------------------------------ prototxt / caffemodel disagreement
SWAPPED = '''input: "data"
input_dim: 1 input_dim: 3 input_dim: 24 input_dim: 24
layer { name: "%s" type: "Convolution" bottom: "data" top: "a"
  convolution_param { num_output: 28 kernel_size: 3 } }
layer { name: "%s" type: "Convolution" bottom: "a" top: "b"
  convolution_param { num_output: 48 kernel_size: 3 } }
'''


@pytest.mark.parametrize("first, second, expect", [
    ("conv1", "conv9", "layer 'conv1'"),        # a wrong shape comes first
    ("conv0", "conv1", "no weights for 'conv0'")])  # a missing layer comes first
def test_convert_and_inspect_report_the_same_first_disagreement(tmp_path, capsys, first,
                                                                second, expect):
    pytest.importorskip("torch")
    model = tmp_path / "det1.caffemodel"
    model.write_bytes(mtcnn_det1())
    proto = tmp_path / "det3_swapped.prototxt"
    proto.write_text(SWAPPED % (first, second))
    errors = []
    for argv in (["inspect"], ["convert", "--to", "torch", "-o", str(tmp_path / "x.pt")],
                 ["convert", "--to", "onnx", "-o", str(tmp_path / "x.onnx")]):
        rc = main([argv[0], str(model), "--prototxt", str(proto)] + argv[1:])
        err = capsys.readouterr().err
        errors.append([l for l in err.splitlines() if l.startswith("caffe2ss: error:")])
        assert rc == 2
    assert len(errors[0]) == 1 and expect in errors[0][0]
    assert errors[0] == errors[1] == errors[2]


def test_ceil_mode_in_a_deeplab_v2_prototxt_names_its_fork(tmp_path):
    """PSPNet-style text: DeepLab v2's Interp beside pooling's ceil_mode."""
    p = tmp_path / "psp.prototxt"
    p.write_text('input: "data"\nlayer { name: "pool" type: "Pooling" bottom: "data" '
                 'top: "pool" pooling_param { kernel_size: 3 stride: 2 ceil_mode: false } }\n'
                 'layer { name: "up" type: "Interp" bottom: "pool" top: "up" '
                 'interp_param { zoom_factor: 2 } }\n')
    with pytest.raises(CaffeError) as e:
        load(p)
    msg = str(e.value)
    assert "deeplab_v2 schema" in msg and "'pool' (Pooling): ceil_mode" in msg
    assert "the ceil_mode forks" in msg

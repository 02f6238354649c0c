"""Each Caffe fork is one module of converter/forks (schema, detection, type tables),
discovered by import."""
from __future__ import annotations

from caffe2ss.converter import forks
from caffe2ss.converter.forks import bvlc, ceil_mode, deeplab_v1, deeplab_v2


def test_forks_are_discovered_in_order_with_their_schemas():
    assert forks.FORKS == ("bvlc", "deeplab_v1", "deeplab_v2", "segnet", "inisis", "pspnet",
                           "ceil_mode", "ssd")
    assert forks.DEFAULT == "bvlc"
    for name in forks.FORKS:
        assert hasattr(forks.schema(name), "NetParameter")


def test_type_tables_are_the_union_of_the_forks():
    assert forks.V1_TYPES["INTERP"] == "Interp" == deeplab_v1.V1_TYPES["INTERP"]
    assert forks.V1_TYPES["CONVOLUTION"] == "Convolution"
    assert {"ImageSegData", "Input"} <= forks.DATA_TYPES
    assert forks.POSTPROCESS_TYPES == {"DenseCRF"}
    assert {"MultiBoxLoss", "SmoothL1Loss", "DetectionEvaluate"} <= bvlc.FORK.drop_types
    assert {"AnnotatedData", "VideoData"} <= forks.DATA_TYPES  # SSD's data layers


def test_ceil_mode_is_bvlc_with_its_own_schema():
    f = ceil_mode.FORK
    assert f.schema == "ceil_mode_pb2" and f.v1_types == bvlc.FORK.v1_types
    assert f.drop_types == bvlc.FORK.drop_types and f.data_types == bvlc.FORK.data_types
    pool = forks.schema("ceil_mode").PoolingParameter.DESCRIPTOR.fields_by_number[13]
    assert pool.name == "ceil_mode"


def test_text_detection_asks_each_fork():
    assert forks.detect_text_fork('layers { type: INTERP }') == "deeplab_v1"
    assert forks.detect_text_fork('layer { type: "Interp" }') == "deeplab_v2"
    assert forks.detect_text_fork('# type: "Interp"\nlayer { type: "ReLU" }') == "bvlc"
    assert deeplab_v2.detect_text('layer { interp_param { zoom_factor: 8 } }')
    assert forks.detect_text_fork('layer { pooling_param { ceil_mode: false } }') == \
        "ceil_mode"
    # a DeepLab v2 type wins over ceil_mode (PSPNet-style text: parse errors name ceil_mode)
    assert forks.detect_text_fork('layer { type: "Interp" pooling_param { ceil_mode: '
                                  'true } }') == "deeplab_v2"

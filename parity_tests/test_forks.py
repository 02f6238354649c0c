"""Each Caffe fork is one module of converter/forks (schema, detection, type tables),
discovered by import."""
from __future__ import annotations

from caffe2ss.converter import forks
from caffe2ss.converter.forks import deeplab_v1, deeplab_v2


def test_forks_are_discovered_in_order_with_their_schemas():
    assert forks.FORKS == ("bvlc", "deeplab_v1", "deeplab_v2") and forks.DEFAULT == "bvlc"
    for name in forks.FORKS:
        assert hasattr(forks.schema(name), "NetParameter")


def test_type_tables_are_the_union_of_the_forks():
    assert forks.V1_TYPES["INTERP"] == "Interp" == deeplab_v1.V1_TYPES["INTERP"]
    assert forks.V1_TYPES["CONVOLUTION"] == "Convolution"
    assert {"ImageSegData", "Input"} <= forks.DATA_TYPES
    assert forks.POSTPROCESS_TYPES == {"DenseCRF"}


def test_text_detection_asks_each_fork():
    assert forks.detect_text_fork('layers { type: INTERP }') == "deeplab_v1"
    assert forks.detect_text_fork('layer { type: "Interp" }') == "deeplab_v2"
    assert forks.detect_text_fork('# type: "Interp"\nlayer { type: "ReLU" }') == "bvlc"
    assert deeplab_v2.detect_text('layer { interp_param { zoom_factor: 8 } }')

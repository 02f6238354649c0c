"""The Keras FCN / DeepLab classes: same layer names as Caffe, load the converted weights,
match the generic rebuild and real Caffe."""
from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np
import pytest

from caffe2ss.converter.parity import compare_blob
from helpers.oracle import oracle

tf = pytest.importorskip("tensorflow")
from caffe2ss.converter.backends import tf as backend  # noqa: E402
from caffe2ss.models.tf.deeplab import DeepLabLargeFOV  # noqa: E402
from caffe2ss.models.tf.fcn import FCN8s  # noqa: E402
from caffe2ss.models.tf.layout import to_caffe_array, to_tf_array  # noqa: E402

THIN = {"widths": (4, 8, 16, 32, 32)}
CLASSES = {"fcn8s_thin": ("fcn", "FCN8s", dict(THIN, fc=256)),
           "fcn32s_thin": ("fcn", "FCN32s", dict(THIN, fc=256)),
           "fcn8s_atonce_thin": ("fcn", "FCN8sAtOnce", dict(THIN, fc=256)),
           "deeplab_largefov_thin": ("deeplab", "DeepLabLargeFOV", dict(THIN, fc=64)),
           "deeplab_v2_largefov_interp_thin": ("deeplab", "DeepLabLargeFOV",
                                               dict(THIN, fc=64, zoom=8))}


@pytest.mark.parametrize("case", list(CLASSES))
def test_keras_classes_load_the_converted_weights(case, tmp_path):
    c = oracle(case)
    net = c.load()
    backend.convert(net, tmp_path / "m")
    module, cls, kwargs = CLASSES[case]
    model = getattr(importlib.import_module(f"caffe2ss.models.tf.{module}"), cls)(**kwargs)
    model.load_weights(str(tmp_path / "m.weights.h5"))
    x = to_tf_array(c.input)
    blobs = {k: to_caffe_array(v) for k, v in model(x, blobs=True).items()}
    generic = backend.run(net, {"data": c.input}, blobs=True)
    assert set(c.blobs) <= set(blobs)  # the class names every Caffe blob the same way
    for name, ref in c.blobs.items():
        assert compare_blob(blobs[name], ref).passed, name
        np.testing.assert_array_equal(blobs[name], generic[name], err_msg=name)
    out = net.outputs()[0]
    np.testing.assert_array_equal(to_caffe_array(model(x)), generic[out])
    again = type(model)(**kwargs)
    again.restore_checkpoint(tmp_path / "m")  # the tf.train.Checkpoint route
    np.testing.assert_array_equal(to_caffe_array(again(x)), generic[out])


def test_num_classes_classifier_name_and_trainable_variables():
    model = DeepLabLargeFOV(num_classes=5, widths=(4, 8, 16, 32, 32), fc=64,
                            classifier="fc8_shapes")
    assert model.caffe_layers["fc8_shapes"].kernel.shape == (1, 1, 64, 5)
    assert [v.path for v in model.weights][-2:] == ["fc8_shapes/kernel", "fc8_shapes/bias"]
    fcn = FCN8s(num_classes=4, widths=(4, 8, 16, 32, 32), fc=16)
    names = {v.path for v in fcn.trainable_variables}
    assert "score_pool3/kernel" in names and "fc6/kernel" in names
    assert not any(n.startswith("upscore") for n in names)  # fixed bilinear (lr_mult 0)
    assert len(names) == 2 * (13 + 3 + 2)  # 13 convs, fc6, fc7, score_fr, 2 skip scores


def test_dropout_only_when_training():
    fcn = FCN8s(num_classes=3, widths=(2, 2, 2, 2, 2), fc=8)
    for v in fcn.weights:
        v.assign(tf.random.stateless_normal(v.shape, (1, 2)) * 0.3)
    x = tf.random.stateless_normal((1, 40, 36, 3), (3, 4))
    a, b = fcn(x), fcn(x, training=False)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert a.shape == (1, 40, 36, 3)
    blobs = fcn(x, training=True, blobs=True)
    assert np.mean(blobs["fc7"].numpy() == 0) > np.mean(fcn(x, blobs=True)["fc7"].numpy() == 0)


NETS = str(Path(__file__).resolve().parent / "data" / "nets") + "/"
PUBLISHED = {  # published prototxt (thinned here) -> the class that must equal it
    "voc-fcn32s": ("fcn.berkeleyvision.org__voc-fcn32s__val.prototxt", "bvlc", "fcn", "FCN32s",
                   dict(THIN, fc=256)),
    "voc-fcn16s": ("fcn.berkeleyvision.org__voc-fcn16s__val.prototxt", "bvlc", "fcn", "FCN16s",
                   dict(THIN, fc=256)),
    "voc-fcn8s": ("fcn.berkeleyvision.org__voc-fcn8s__val.prototxt", "bvlc", "fcn", "FCN8s",
                  dict(THIN, fc=256)),
    "voc-fcn8s-atonce": ("fcn.berkeleyvision.org__voc-fcn8s-atonce__val.prototxt", "bvlc",
                         "fcn", "FCN8sAtOnce", dict(THIN, fc=256)),
    "deeplab-v1-largefov": ("deeplab-v1__DeepLab-LargeFOV__test.prototxt", "deeplab_v1",
                            "deeplab", "DeepLabLargeFOV", dict(THIN, fc=64, zoom=8)),
}


@pytest.mark.parametrize("name", list(PUBLISHED))
def test_classes_are_the_published_nets(name, tmp_path):
    """Thinned published prototxt + random weights: the class loads the conversion and
    computes exactly what the generic rebuild of that prototxt computes."""
    import os
    import re

    from caffe2ss.converter import load
    from caffe2ss.converter.layers import SPECS

    proto, fork, module, cls, kwargs = PUBLISHED[name]
    if not os.path.exists(NETS + proto):
        pytest.skip("shared reference nets not available")
    text = open(NETS + proto).read().replace("${NUM_LABELS}", "21").replace("${EXP}", "voc12")
    thin = {"4096": 256, "1024": 64, "512": 32, "256": 16, "128": 8, "64": 4}
    text = re.sub(r"num_output: (\d+)", lambda m: f"num_output: {thin.get(m[1], m[1])}", text)
    (tmp_path / "n.prototxt").write_text(text)
    net = load(tmp_path / "n.prototxt", fork=fork)
    shape = (1, 3, 67, 75)
    sizes, rng = net.infer_shapes({"data": shape}), np.random.default_rng(0)
    for layer in net.layers:
        want = SPECS[layer.type].param_shapes(layer.params, [sizes[b] for b in layer.bottoms])
        layer.blobs = [(rng.standard_normal(s) * 0.2).astype(np.float32) for s in want]
    backend.convert(net, tmp_path / "m", input_shape=shape)
    model = getattr(importlib.import_module(f"caffe2ss.models.tf.{module}"), cls)(**kwargs)
    model.load_weights(str(tmp_path / "m.weights.h5"))
    x = rng.standard_normal(shape).astype(np.float32) * 50
    want = backend.run(net, {"data": x})
    assert list(want) == [net.outputs()[0]]
    np.testing.assert_array_equal(to_caffe_array(model(to_tf_array(x))), want[net.outputs()[0]])

"""FCN8 initialised from Caffe: VGG16 backbone parity against REAL Caffe (vgg16_thin,
both frameworks), strict key maps from a .caffemodel and from every converted output,
the voc-fcn8s map and its classifier rule, and the `caffe2ss models` listing."""
from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("keras")

from caffe2ss.converter.backends import get_backend  # noqa: E402
from caffe2ss.converter.errors import CaffeError  # noqa: E402
from caffe2ss.models import create  # noqa: E402
from caffe2ss.models.factory import model_shapes  # noqa: E402
from caffe2ss.models.tf.transfer import keras_state  # noqa: E402
from helpers.oracle import oracle  # noqa: E402

TOL = 1e-4  # max |ours - caffe| <= TOL * max(1, max |caffe|)
VGG_THIN = dict(widths=(4, 8, 16, 32, 32), fc_width=256, batch_norm=False)  # /16, as the case
FCN_THIN = dict(widths=(4, 8, 16, 32, 32), fc_width=256)                 # fcn8s_thin


def close(a, ref) -> bool:
    return float(np.abs(a - ref).max()) <= TOL * max(1.0, float(np.abs(ref).max()))


def _features(framework, init, x):
    """pool3, pool4 (NCHW) and fc2 at the centre of the 7x7 map (= Caffe's fc7)."""
    model = create("fcn8", framework, num_classes=2, init=init, **VGG_THIN)
    if framework == "torch":
        with torch.no_grad():
            f = {k: v.numpy() for k, v in model.eval().features(torch.from_numpy(x)).items()}
    else:
        from caffe2ss.models.tf.fcn8 import feature_model

        f = {k: v.numpy().transpose(0, 3, 1, 2)
             for k, v in feature_model(model)(x.transpose(0, 2, 3, 1), training=False).items()}
    return {"pool3": f["pool3"], "pool4": f["pool4"], "fc7": f["fc2"][:, :, 3, 3]}


@pytest.mark.parametrize("framework", ["torch", "tf"])
def test_vgg16_backbone_matches_real_caffe_at_the_skip_points(framework):
    case = oracle("vgg16_thin")
    ref = case.blobs
    ours = _features(framework, case.caffemodel, case.input)
    for blob in ("pool3", "pool4", "fc7"):
        assert ours[blob].shape == ref[blob].shape, blob
        assert close(ours[blob], ref[blob]), blob


@pytest.mark.parametrize("framework", ["torch", "tf"])
def test_full_converted_imagenet_net_gives_caffes_prob(framework):
    case = oracle("vgg16_thin")
    out = get_backend(framework).run(case.load(), {"data": case.input})  # generic rebuild
    assert close(out["prob"], case.blobs["prob"])
    assert out["prob"].argmax() == case.blobs["prob"].argmax()


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """vgg16_thin converted by `caffe2ss convert` to torch (.pt, .safetensors) and tf."""
    d = tmp_path_factory.mktemp("vgg")
    net = oracle("vgg16_thin").load()
    get_backend("torch").convert(net, d / "vgg.pt")
    get_backend("torch").convert(net, d / "vgg.safetensors")
    get_backend("tf").convert(net, d / "vgg", input_shape=(1, 3, 224, 224))
    return d


@pytest.mark.parametrize("framework", ["torch", "tf"])
@pytest.mark.parametrize("output", ["vgg.pt", "vgg.safetensors", "vgg.weights.h5", "vgg.index"])
def test_init_from_every_converted_output_equals_init_from_the_caffemodel(
        converted, framework, output):
    case = oracle("vgg16_thin")
    ref = _features(framework, case.caffemodel, case.input)
    ours = _features(framework, converted / output, case.input)
    assert all(np.array_equal(ours[k], ref[k]) for k in ref)


def test_vgg16_map_is_strict_and_batchnorm_starts_at_identity():
    case = oracle("vgg16_thin")
    thin = {**VGG_THIN, "batch_norm": True}
    model = create("fcn8", "torch", num_classes=2, init=case.caffemodel, **thin)
    bn = model.conv3_2_bn
    assert torch.equal(bn.running_var, torch.ones(16)) and torch.equal(bn.weight, torch.ones(16))
    fc6 = case.load().layer("fc6").blobs[0]
    assert np.array_equal(model.fc1.weight.detach().numpy().reshape(256, -1), fc6)
    with pytest.raises(CaffeError, match="shape"):  # published widths vs the thin weights
        create("fcn8", "torch", num_classes=2, init=case.caffemodel, batch_norm=False,
               widths=(4, 8, 16, 32, 32), fc_width=128)
    with pytest.raises(CaffeError, match="no Caffe init source"):
        create("fastfcn8", "torch", num_classes=2, init=case.caffemodel, **VGG_THIN)


@pytest.mark.parametrize("framework", ["torch", "tf"])
def test_voc_fcn8s_map_and_the_classifier_rule(framework):
    src = oracle("fcn8s_thin")
    net = src.load()
    model = create("fcn8", framework, num_classes=21, init=src.caffemodel, **FCN_THIN)
    state = keras_state(model) if framework == "tf" else \
        {k: v.detach().numpy() for k, v in model.state_dict().items()}
    for caffe, ours in (("score_fr", "score32"), ("score_pool4", "score16"),
                        ("score_pool3", "score8"), ("upscore2", "upscore32"),
                        ("upscore_pool4", "upscore16"), ("fc7", "fc2")):
        w = net.layer(caffe).blobs[0]
        assert np.array_equal(state[f"{ours}.weight"].reshape(w.shape), w), caffe
    with pytest.raises(CaffeError, match="reinit_classifier=True"):
        create("fcn8", framework, num_classes=2, init=src.caffemodel, **FCN_THIN)
    fresh = create("fcn8", framework, num_classes=2, init=src.caffemodel,
                   reinit_classifier=True, **FCN_THIN)
    assert model_shapes(fresh, framework)["score32.weight"] == (2, 256, 1, 1)


def test_models_cli_lists_the_families(capsys):
    from caffe2ss.converter.cli.main import main

    assert main(["models", "--json"]) == 0
    listed = {m["name"]: m for m in json.loads(capsys.readouterr().out)["models"]}
    assert listed["fcn8"]["params_2_classes"] == 134_287_302
    assert listed["fastfcn8"]["params_2_classes"] == 20_615_521
    assert [s["name"] for s in listed["fcn8"]["init_sources"]] == ["vgg16", "voc-fcn8s"]
    assert {"fcn32s", "fcn16s", "fcn8s", "fcn8s_atonce", "deeplab_largefov"} <= set(listed)
    assert listed["fcn8s"]["params_2_classes"] == 134_271_430
    assert main(["models"]) == 0
    assert "134,287,302" in capsys.readouterr().out

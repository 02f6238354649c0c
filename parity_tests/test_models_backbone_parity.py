"""Converted MobileNetV2 / DenseNet-121 backbones reproduce real Caffe (both frameworks).

Reference: parity_tests/data/backbones/ (see its README: real-Caffe blobs at the skip
points and the classifier output; weights as Caffe saved them, or re-containered as npz).
"""
from __future__ import annotations

import numpy as np
import pytest

from helpers.oracle import DATA

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from caffe2ss.models.families import fc_densenet as FD  # noqa: E402
from caffe2ss.models.families import mobilenetv2_unet as MU  # noqa: E402
from caffe2ss.models.registry import get_model  # noqa: E402
from caffe2ss.models.weightmap import caffe_weights  # noqa: E402

B = DATA / "backbones"
CASES = {
    "mobilenet_v2": dict(weights=B / "mobilenet_v2" / "weights.caffemodel", family=MU,
                         skips=[(k, b) for k, (_, b) in MU.SKIPS.items()], out="fc7"),
    "densenet121": dict(weights=B / "densenet121" / "weights.npz", family=FD,
                        skips=list(zip(FD.skip_names(121), FD.caffe_skip_blobs(121))),
                        out="fc6"),
}


def tol(ref) -> float:
    """The project's tolerance: 1e-4 * max(1, max|ref|)."""
    return 1e-4 * max(1.0, float(np.abs(ref).max()))


def classifier(case: str, fw: str, hw):
    if fw == "torch":
        from caffe2ss.models.torch.densenet import DenseNetClassifier
        from caffe2ss.models.torch.mobilenetv2 import MobileNetV2Classifier
        return (MobileNetV2Classifier() if case == "mobilenet_v2" else DenseNetClassifier()).eval()
    from caffe2ss.models.tf.densenet import densenet_classifier
    from caffe2ss.models.tf.mobilenetv2 import mobilenetv2_classifier
    return mobilenetv2_classifier(hw) if case == "mobilenet_v2" else densenet_classifier(hw)


def skip_model(model, names, fw):
    """A callable returning the encoder's skips (dict) for NCHW numpy input."""
    if fw == "torch":
        def run(x):
            with torch.no_grad():
                return {k: v.numpy() for k, v in model.encode(torch.from_numpy(x)).items()}
        return run
    sub = keras.Model(model.input, [model.get_layer(n).output for n in names])

    def run(x):
        outs = sub(x.transpose(0, 2, 3, 1))
        return {n: np.asarray(o).transpose(0, 3, 1, 2) for n, o in zip(names, outs)}
    return run


@pytest.fixture(scope="module", params=[(c, fw) for c in CASES for fw in ("torch", "tf")],
                ids=lambda p: f"{p[0]}-{p[1]}")
def converted(request):
    case, fw = request.param
    c = CASES[case]
    x = np.load(B / case / "input.npy")
    model = classifier(case, fw, x.shape[2:])
    left = c["family"].load_caffe(model, c["weights"])
    return case, fw, model, x, np.load(B / case / "skips.npz"), left


def test_strict_load_fills_every_parameter(converted):
    *_, left = converted
    assert left == []


def test_skip_points_equal_caffe_blobs(converted):
    case, fw, model, x, ref, _ = converted
    names = [k for k, _ in CASES[case]["skips"]]
    got = skip_model(model, names, fw)(x)
    for name, blob in CASES[case]["skips"]:
        assert got[name].shape == ref[blob].shape, name
        assert np.abs(got[name] - ref[blob]).max() <= tol(ref[blob]), (name, blob)


def test_classifier_equals_caffe(converted):
    case, fw, model, x, ref, _ = converted
    want = ref[CASES[case]["out"]]
    if fw == "torch":
        with torch.no_grad():
            got = model(torch.from_numpy(x)).numpy()
    else:
        got = np.asarray(model(x.transpose(0, 2, 3, 1))).transpose(0, 3, 1, 2)
    assert got.shape == want.shape
    assert np.abs(got - want).max() <= tol(want)


@pytest.mark.parametrize("fw", ["torch", "tf"])
def test_unet_encoder_initialises_from_caffe(fw):
    """Into the segmentation model: every encoder parameter filled, the decoder left."""
    w = CASES["mobilenet_v2"]["weights"]
    m = get_model("mobilenetv2_unet").builder(fw)(num_classes=2, input_size=(64, 64),
                                                  caffe_exact=True)
    left = MU.load_caffe(m, w)
    assert left and all(n.replace("/", ".").startswith(("up", "logits"))
                        for n in left)
    default = get_model("mobilenetv2_unet").builder(fw)(num_classes=2, input_size=(64, 64))
    with pytest.raises(KeyError, match="caffe_exact=True"):
        MU.load_caffe(default, w)       # Keras structure lacks conv2_1/expand


def test_densenet_keymap_names_and_wrong_depth():
    w = caffe_weights(CASES["densenet121"]["weights"])
    arrays = FD.keymap(w, "tf", 121)
    assert arrays["conv1_conv/kernel"].shape == (7, 7, 3, 64)
    assert arrays["conv2_block1_1_conv/kernel"].shape == (1, 1, 64, 128)
    from caffe2ss.converter.errors import CaffeError
    with pytest.raises(CaffeError, match="conv4_25/x1/bn"):
        FD.keymap(w, "torch", 169)      # DenseNet-121 weights into a 169 encoder


def _registry_weights(blobs: dict):
    """The registry's CaffeWeights form (params[layer][name], BN already divided)."""
    from types import SimpleNamespace

    params = {}
    for layer, b in blobs.items():
        if len(b) == 3 and b[2].size == 1:                      # BatchNorm
            f = 0.0 if b[2][0] == 0 else 1.0 / float(b[2][0])
            params[layer] = {"running_mean": b[0] * f, "running_var": b[1] * f}
        else:
            params[layer] = {"weight": b[0], **({"bias": b[1]} if len(b) > 1 else {})}
    return SimpleNamespace(params=params, source="test")


@pytest.mark.parametrize("name,case", [("mobilenetv2_unet", "mobilenet_v2"),
                                       ("fc_densenet121", "densenet121")])
def test_registry_keymap_protocol(name, case):
    """``create``'s protocol: state (torch layout) + fresh cover the model exactly, and
    the state equals what load_caffe loads; the default structure is refused."""
    from caffe2ss.converter.errors import CaffeError

    fam = CASES[case]["family"]
    blobs = caffe_weights(CASES[case]["weights"])
    m = get_model(name).builder("torch")(num_classes=2, caffe_exact=True)
    shapes = {k: tuple(v.shape) for k, v in m.state_dict().items()
              if not k.endswith("num_batches_tracked")}
    fn = get_model(name).init_sources[0].keymap.partition(":")[2]
    km = getattr(fam, fn)(_registry_weights(blobs), shapes, caffe_exact=True)
    assert set(km.state) | set(km.fresh) == set(shapes)
    assert not set(km.state) & set(km.fresh)
    assert all(tuple(v.shape) == shapes[k] for k, v in km.state.items())
    fam.load_caffe(m, CASES[case]["weights"])
    sd = m.state_dict()
    assert all(np.allclose(sd[k].numpy(), v, rtol=1e-6, atol=0) for k, v in km.state.items())
    with pytest.raises(CaffeError, match="caffe_exact=True"):
        getattr(fam, fn)(_registry_weights(blobs), shapes, caffe_exact=False)

"""Trainable FCN-32s/16s/8s/8s-atonce and DeepLab-LargeFOV (registry names), torch and
Keras: real Caffe in eval mode from converted weights, counts, training step, frozen set,
torch = Keras, save/reload."""
from __future__ import annotations

import re

import numpy as np
import pytest

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from caffe2ss.converter import load_definition  # noqa: E402
from caffe2ss.converter.backends import get_backend  # noqa: E402
from caffe2ss.converter.backends.torch.export import apply_state_dict  # noqa: E402
from caffe2ss.converter.parity import compare_blob  # noqa: E402
from caffe2ss.models import create, get_model  # noqa: E402
from caffe2ss.models.tf.transfer import keras_state, load_keras_state  # noqa: E402
from caffe2ss.models.torch.fcn8 import count_params  # noqa: E402
from helpers.oracle import NETS, oracle  # noqa: E402

THIN = dict(widths=(4, 8, 16, 32, 32), fc_width=256)  # the oracle nets' widths
SMALL = dict(widths=(4, 8, 16, 32, 32), fc_width=16)
NAMES = ["fcn32s", "fcn16s", "fcn8s", "fcn8s_atonce", "deeplab_largefov"]
CASES = {"fcn32s": "fcn32s_thin", "fcn8s": "fcn8s_thin", "fcn8s_atonce": "fcn8s_atonce_thin",
         "deeplab_largefov": "deeplab_largefov_thin"}


def _run(model, framework, x, training=False):
    if framework == "torch":
        model.train(training)
        with torch.no_grad():
            return model(torch.from_numpy(x)).numpy()
    return np.asarray(model(x.transpose(0, 2, 3, 1), training=training)).transpose(0, 3, 1, 2)


@pytest.mark.parametrize("framework", ["torch", "tf"])
@pytest.mark.parametrize("name", list(CASES))
def test_created_from_the_caffemodel_reproduces_real_caffe_in_eval_mode(name, framework):
    case = oracle(CASES[name])
    thin = {**THIN, "fc_width": 64} if name.startswith("deeplab") else THIN
    model = create(name, framework, num_classes=21, init=case.caffemodel, **thin)
    res = compare_blob(_run(model, framework, case.input), case.blobs[case.meta["output_blob"]])
    assert res.passed, res.reason


def test_fcn16s_strict_load_of_a_converted_output(tmp_path):
    """No real-Caffe FCN-16s case: the published val net, thinned, with random weights."""
    text = re.sub(r"num_output: (\d+)", lambda m: "num_output: " + str(
        {64: 4, 128: 8, 256: 16, 512: 32, 4096: 64, 21: 5}[int(m[1])]),
        (NETS / "fcn.berkeleyvision.org__voc-fcn16s__val.prototxt").read_text())
    net = load_definition(text, "bvlc")
    src = create("fcn16s", "torch", num_classes=5, **{**THIN, "fc_width": 64})
    apply_state_dict(net, src.state_dict())
    get_backend("torch").convert(net, tmp_path / "fcn16s.pt", input_shape=(1, 3, 64, 64))
    x = np.random.default_rng(0).standard_normal((1, 3, 70, 95)).astype(np.float32) * 50
    want = _run(src, "torch", x)
    for fw in ("torch", "tf"):
        model = create("fcn16s", fw, num_classes=5, init=tmp_path / "fcn16s.pt",
                       **{**THIN, "fc_width": 64})
        assert np.abs(_run(model, fw, x) - want).max() <= 1e-4 * max(1, np.abs(want).max())


@pytest.mark.parametrize("name", NAMES)
def test_documented_counts_and_keras_equals_torch(name):
    if name != "fcn8s_atonce":  # shapes only; atonce's constants need real memory
        with torch.device("meta"):
            assert count_params(create(name, "torch", num_classes=2)) == \
                get_model(name).param_counts[2]
    else:
        assert count_params(create(name, "torch", num_classes=2)) == \
            get_model(name).param_counts[2]
    thin_t = count_params(create(name, "torch", num_classes=2, **SMALL))
    assert create(name, "tf", num_classes=2, **SMALL).count_params() == thin_t


@pytest.mark.parametrize("name", NAMES)
def test_torch_step_trains_all_but_the_frozen_set_with_dropout(name):
    model = create(name, "torch", num_classes=2, **SMALL)
    x = torch.randn(2, 3, 48, 40)
    out = model.train()(x)
    assert not torch.equal(out, model(x))  # drop6/drop7 active
    out.sum().backward()
    frozen = {n for n, p in model.named_parameters() if not p.requires_grad}
    assert {n.split(".")[0] for n in frozen} == set(model.frozen)
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)
    if name.startswith("fcn"):
        assert "upscore" in " ".join(model.frozen)
        unfrozen = create(name, "torch", num_classes=2, frozen=(), **SMALL)
        assert all(p.requires_grad for p in unfrozen.parameters())


@pytest.mark.parametrize("name", NAMES)
def test_keras_step_leaves_the_frozen_layers(name):
    model = create(name, "tf", num_classes=2, **SMALL)
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x = np.random.default_rng(0).standard_normal((2, 48, 40, 3)).astype(np.float32)
    y = np.zeros(np.asarray(model(x)).shape[:3], np.int64)
    before = keras_state(model)
    model.train_on_batch(x, y)
    after = keras_state(model)
    changed = {k.split(".")[0] for k in before if not np.array_equal(before[k], after[k])}
    assert changed and not changed & set(model.frozen)


@pytest.mark.parametrize("name", NAMES)
def test_torch_and_keras_same_logits_and_round_trips(name, tmp_path):
    tm = create(name, "torch", num_classes=3, **SMALL)
    km = create(name, "tf", num_classes=3, **SMALL)
    load_keras_state(km, {k: v.detach().numpy() for k, v in tm.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((1, 3, 52, 45)).astype(np.float32) * 20
    ref = _run(tm, "torch", x)
    assert np.abs(_run(km, "tf", x) - ref).max() <= 1e-4 * max(1, np.abs(ref).max())
    torch.save(tm.state_dict(), tmp_path / "m.pt")
    tm2 = create(name, "torch", num_classes=3, **SMALL)
    tm2.load_state_dict(torch.load(tmp_path / "m.pt", weights_only=True), strict=True)
    assert np.array_equal(_run(tm2, "torch", x), ref)
    km.save(tmp_path / "m.keras")
    km2 = keras.saving.load_model(tmp_path / "m.keras")
    assert np.array_equal(_run(km2, "tf", x), _run(km, "tf", x))
    assert km2.frozen == km.frozen
    km.save_weights(tmp_path / "m.weights.h5")
    km3 = create(name, "tf", num_classes=3, **SMALL)
    km3.load_weights(tmp_path / "m.weights.h5")
    assert np.array_equal(_run(km3, "tf", x), _run(km, "tf", x))

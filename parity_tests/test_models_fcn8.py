"""FCN8 / FastFCN8 in torch and Keras: seed parameter counts, training step, any size,
torch <-> Keras equality, save/reload, L2 terms, and the seed's entry point."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from caffe2ss.models import create  # noqa: E402
from caffe2ss.models.tf.transfer import keras_state, load_keras_state  # noqa: E402
from caffe2ss.models.torch.fcn8 import count_params  # noqa: E402

THIN = dict(widths=(4, 8, 16, 32, 32), fc_width=16)
#: max |a - b| <= TOL * max(1, max |ref|) (the project's parity tolerance)
TOL = 1e-4
SEED_COUNTS = {"fcn8": 134_287_302, "fastfcn8": 20_615_521}
NAMES = list(SEED_COUNTS)


def close(a, ref) -> bool:
    return float(np.abs(a - ref).max()) <= TOL * max(1.0, float(np.abs(ref).max()))


@pytest.mark.parametrize("name", NAMES)
def test_parameter_counts_equal_the_seeds(name):
    with torch.device("meta"):  # shapes only: the count does not need the values
        model = create(name, "torch", num_classes=2)
    assert count_params(model) == SEED_COUNTS[name]
    assert create(name, "tf", num_classes=2).count_params() == SEED_COUNTS[name]


def _randomise_bn(model):
    g = torch.Generator().manual_seed(0)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g))
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.bias.data.copy_(torch.randn(m.num_features, generator=g))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("hw", [(45, 61), (64, 64)])
def test_torch_and_keras_give_the_same_logits_at_any_size(name, hw):
    tm = create(name, "torch", num_classes=3, **THIN)
    _randomise_bn(tm)
    tm.eval()
    km = create(name, "tf", num_classes=3, **THIN)
    load_keras_state(km, {k: v.numpy() for k, v in tm.state_dict().items()
                          if not k.endswith("num_batches_tracked")})
    x = np.random.default_rng(1).standard_normal((2, 3) + hw).astype(np.float32)
    with torch.no_grad():
        ref = tm(torch.from_numpy(x)).numpy()
    out = km(x.transpose(0, 2, 3, 1), training=False).numpy().transpose(0, 3, 1, 2)
    assert ref.shape == out.shape == (2, 3) + hw
    assert close(out, ref)


@pytest.mark.parametrize("name", NAMES)
def test_torch_trains_one_step_with_l2_and_active_dropout(name):
    model = create(name, "torch", num_classes=2, l2_reg=1e-4, **THIN).train()
    x, y = torch.randn(2, 3, 40, 56), torch.randint(0, 2, (2, 40, 56))
    a, b = model(x), model(x)
    assert a.shape == (2, 2, 40, 56) and not torch.equal(a, b)  # dropout is active
    loss = torch.nn.functional.cross_entropy(a, y) + model.regularization_loss()
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())
    expected = 1e-4 * sum(float((w.detach() ** 2).sum()) for w in model.kernels())
    assert float(model.regularization_loss().detach()) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_keras_trains_one_step_with_l2_on_every_kernel(name):
    model = create(name, "tf", num_classes=2, l2_reg=1e-4, **THIN)
    kernels = [v for v in model.trainable_weights if "kernel" in v.path]
    assert len(model.losses) == len(kernels)  # depthwise and pointwise included
    l2 = 1e-4 * sum(float(np.sum(v.numpy() ** 2)) for v in kernels)
    assert float(sum(model.losses)) == pytest.approx(l2, rel=1e-4)
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x = np.random.default_rng(0).standard_normal((2, 40, 56, 3)).astype(np.float32)
    before = keras_state(model)
    model.train_on_batch(x, np.zeros((2, 40, 56), np.int64))
    after = keras_state(model)
    assert all(not np.array_equal(before[k], after[k]) for k in before
               if k.endswith((".weight", "pointwise.bias")) and "_bn" not in k)


@pytest.mark.parametrize("name", NAMES)
def test_torch_state_dict_round_trip(name, tmp_path):
    model = create(name, "torch", num_classes=2, **THIN).eval()
    torch.save(model.state_dict(), tmp_path / "m.pt")
    again = create(name, "torch", num_classes=2, **THIN).eval()
    again.load_state_dict(torch.load(tmp_path / "m.pt", weights_only=True), strict=True)
    x = torch.randn(1, 3, 33, 47)
    with torch.no_grad():
        assert torch.equal(model(x), again(x))


@pytest.mark.parametrize("name", NAMES)
def test_keras_round_trips_through_keras_and_weights_h5(name, tmp_path):
    model = create(name, "tf", num_classes=2, **THIN)
    x = np.random.default_rng(2).standard_normal((1, 33, 47, 3)).astype(np.float32)
    ref = model(x, training=False).numpy()
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")  # safe mode: no Lambda layer
    assert np.array_equal(loaded(x, training=False).numpy(), ref)
    model.save_weights(tmp_path / "m.weights.h5")
    fresh = create(name, "tf", num_classes=2, **THIN)
    fresh.load_weights(tmp_path / "m.weights.h5")
    assert np.array_equal(fresh(x, training=False).numpy(), ref)


def test_seed_build_model_keeps_the_seeds_keep_probability():
    from caffe2ss.models.fcn8_seed import build_model

    model = build_model(64, 48, 2, dropout=0.8, conv_type="conv", **{"softmax": True})
    assert model.get_layer("fc1_dropout").rate == pytest.approx(0.2)
    assert model.output_shape == (None, 48, 64, 2)
    assert model.count_params() == SEED_COUNTS["fcn8"]
    assert not any(type(l).__name__ == "Lambda" for l in model.layers)

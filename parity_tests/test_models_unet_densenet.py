"""MobileNetV2-UNet and FC-DenseNet: counts, training step, torch == Keras, round trips,
size errors, and backbone parity against real Caffe (parity_tests/data/backbones)."""
from __future__ import annotations

import numpy as np
import pytest

from helpers.oracle import DATA

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from caffe2ss.models.crossweights import torch_to_keras  # noqa: E402
from caffe2ss.models.families import fc_densenet as FD  # noqa: E402
from caffe2ss.models.families import mobilenetv2_unet as MU  # noqa: E402
from caffe2ss.models.registry import get_model  # noqa: E402

BACKBONES = DATA / "backbones"
SIZE = (64, 64)
UNET_CAFFE_COUNT = 6_503_938   # documented: + conv2_1/expand (1x1 32->32 + BN) = +1,152


def tol(ref) -> float:
    """The project's tolerance: 1e-4 * max(1, max|ref|)."""
    return 1e-4 * max(1.0, float(np.abs(ref).max()))


def torch_count(m) -> int:
    """Parameters plus BatchNorm running statistics (Keras's count_params)."""
    return (sum(p.numel() for p in m.parameters())
            + sum(b.numel() for n, b in m.named_buffers() if "running" in n))


def randomise_bn(m) -> None:
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.uniform_(-.5, .5)
                mod.running_var.uniform_(.5, 2.)
                mod.weight.uniform_(.5, 1.5)
                mod.bias.uniform_(-.5, .5)


def build(name, fw, **kw):
    return get_model(name).builder(fw)(num_classes=2, input_size=SIZE, **kw)


@pytest.fixture(scope="module", params=["mobilenetv2_unet", "fc_densenet121"])
def pair(request):
    """(name, torch model in eval mode with random BN stats, Keras model with its weights)."""
    torch.manual_seed(0)
    t = build(request.param, "torch").eval()
    randomise_bn(t)
    k = build(request.param, "tf")
    assert torch_to_keras(t, k) > 0
    return request.param, t, k


def logits(t, k, x):
    with torch.no_grad():
        a = t(torch.from_numpy(x)).numpy()
    b = np.asarray(k(x.transpose(0, 2, 3, 1), training=False)).transpose(0, 3, 1, 2)
    return a, b


X = np.random.default_rng(0).standard_normal((1, 3, *SIZE)).astype(np.float32)


def test_documented_counts_both_frameworks(pair):
    name, t, k = pair
    want = get_model(name).param_counts[2]
    assert torch_count(t) == want
    assert k.count_params() == want


@pytest.mark.parametrize("n", [121, 169, 201])
@pytest.mark.parametrize("bottleneck", [False, True])
def test_fc_densenet_counts_torch(n, bottleneck):
    m = get_model(f"fc_densenet{n}").builder("torch")(num_classes=2, use_bottleneck=bottleneck)
    assert torch_count(m) == FD.COUNTS[(n, bottleneck)]


def test_unet_caffe_exact_both_frameworks():
    """The Caffe-exact variant: documented count, and torch == Keras on the same weights."""
    t = build("mobilenetv2_unet", "torch", caffe_exact=True).eval()
    assert torch_count(t) == UNET_CAFFE_COUNT
    k = build("mobilenetv2_unet", "tf", caffe_exact=True)
    assert k.count_params() == UNET_CAFFE_COUNT
    assert UNET_CAFFE_COUNT - get_model("mobilenetv2_unet").param_counts[2] == 1152
    randomise_bn(t)
    torch_to_keras(t, k)
    a, b = logits(t, k, X)
    assert a.shape == (1, 2, *SIZE)
    assert np.abs(a - b).max() <= tol(a)


def test_same_weights_same_logits(pair):
    _, t, k = pair
    a, b = logits(t, k, X)
    assert a.shape == (1, 2, *SIZE)
    assert np.abs(a - b).max() <= tol(a)


def test_torch_trains_one_step(pair):
    name = pair[0]
    torch.manual_seed(1)
    m = build(name, "torch").train()
    opt = torch.optim.SGD(m.parameters(), lr=1e-2)
    y = torch.randint(0, 2, (2, *SIZE))
    x = torch.from_numpy(np.concatenate([X, -X]))
    loss0 = torch.nn.functional.cross_entropy(m(x), y)
    loss0.backward()
    assert all(p.grad is not None for p in m.parameters())
    opt.step()
    with torch.no_grad():
        assert torch.nn.functional.cross_entropy(m(x), y) < loss0


def test_keras_trains_one_step(pair):
    _, _, k = pair
    import tensorflow as tf

    x = np.concatenate([X, -X]).transpose(0, 2, 3, 1)
    y = np.random.default_rng(1).integers(0, 2, (2, *SIZE))
    lossf = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with tf.GradientTape() as tape:
        loss = lossf(y, k(x, training=True))
    grads = tape.gradient(loss, k.trainable_variables)
    assert all(g is not None for g in grads)
    assert np.isfinite(float(loss))


def test_torch_state_dict_round_trip(pair, tmp_path):
    name, t, _ = pair
    torch.save(t.state_dict(), tmp_path / "m.pt")
    t2 = build(name, "torch").eval()
    t2.load_state_dict(torch.load(tmp_path / "m.pt"), strict=True)
    with torch.no_grad():
        assert torch.equal(t(torch.from_numpy(X)), t2(torch.from_numpy(X)))


def test_keras_round_trips(pair, tmp_path):
    name, _, k = pair
    x = X.transpose(0, 2, 3, 1)
    ref = np.asarray(k(x))
    k.save(tmp_path / "m.keras")
    k2 = keras.models.load_model(tmp_path / "m.keras", safe_mode=True)   # no Lambda layers
    assert np.array_equal(np.asarray(k2(x)), ref)
    k.save_weights(tmp_path / "m.weights.h5")
    for v in k2.weights:                        # wipe, then reload the weights file
        v.assign(np.zeros(v.shape, np.float32))
    assert not np.array_equal(np.asarray(k2(x)), ref)
    k2.load_weights(tmp_path / "m.weights.h5")
    assert np.array_equal(np.asarray(k2(x)), ref)


@pytest.mark.parametrize("name", ["mobilenetv2_unet", "fc_densenet121"])
@pytest.mark.parametrize("fw", ["torch", "tf"])
def test_size_not_multiple_of_32_is_refused_at_build(name, fw):
    with pytest.raises(ValueError, match=r"multiples of 32, got 70x64; .* 96x64"):
        get_model(name).builder(fw)(num_classes=2, input_size=(70, 64))


def test_torch_forward_refuses_bad_size():
    m = build("mobilenetv2_unet", "torch").eval()
    with pytest.raises(ValueError, match="multiples of 32, got 48x64"):
        m(torch.zeros(1, 3, 48, 64))


def test_seed_entry_points(monkeypatch):
    """The seed's functions are thin: they build through the registry with the seed's
    arguments mapped (unet built for real; build_fc_densenet's calls recorded)."""
    from caffe2ss.models import registry
    from caffe2ss.models.tf import seed_unet_densenet as seed

    m = seed.unet_model(3, 64, 96)
    assert m.output.shape == (None, 64, 96, 3)
    assert m.count_params() == get_model("mobilenetv2_unet").param_counts[2] + 160 * 9 + 1
    calls = []
    for n in (121, 169, 201):
        entry = registry.MODELS[f"fc_densenet{n}"]
        monkeypatch.setattr(type(entry), "builder", lambda self, fw: (
            lambda **kw: calls.append((self.name, fw, kw))))
    seed.build_fc_densenet(5, 64, 32, n_layers=121)
    seed.build_fc_densenet(4, 96, 64, n_layers=7, use_bottleneck=True, bottleneck_blocks=3)
    assert calls == [
        ("fc_densenet121", "tf", dict(num_classes=5, input_size=(64, 32),
                                      use_bottleneck=False, bottleneck_blocks=32)),
        ("fc_densenet201", "tf", dict(num_classes=4, input_size=(96, 64),   # as the seed
                                      use_bottleneck=True, bottleneck_blocks=3))]


def test_create_from_caffe_builds_the_caffe_exact_encoder():
    """``create(init=<Caffe MobileNetV2>)`` picks the init source and its builder
    arguments (``caffe_exact=True``) without the user passing them, and fills the encoder
    with the caffemodel's tensors (BN folded statistics aside, conv1 is copied as is)."""
    import torch

    from caffe2ss.models import create
    from caffe2ss.models.caffe_weights import read_caffe_weights

    path = DATA / "backbones" / "mobilenet_v2" / "weights.caffemodel"
    model = create("mobilenetv2_unet", "torch", num_classes=2, init=str(path))
    assert torch_count(model) == UNET_CAFFE_COUNT
    conv1 = read_caffe_weights(str(path)).params["conv1"]["weight"]
    state = model.state_dict()
    got = [v for k, v in state.items() if v.shape == torch.Size(conv1.shape)]
    assert any(np.array_equal(v.numpy(), conv1) for v in got)

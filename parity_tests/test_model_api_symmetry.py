"""PyTorch and TensorFlow are written in the same shape: the Caffe-exact ops take the
same parameter objects, and the FCN/DeepLab classes take the same constructor arguments."""
from __future__ import annotations

import importlib
import inspect

import pytest

pytest.importorskip("torch")
pytest.importorskip("tensorflow")

#: ops every framework has, with the converter's parameter objects as arguments
SHARED_OPS = ("conv2d", "deconv2d", "pool2d", "crop", "eltwise", "inner_product",
              "batch_norm", "power", "lrn", "relu", "prelu", "elu", "softmax", "dropout",
              "interp", "concat", "slice_", "flatten", "reshape", "reshape_like")
TORCH_OPS = ("ops", "ops_plumbing")
TF_OPS = ("ops", "ops_nonspatial", "ops_plumbing", "ops_interp")


def _ops(framework: str, modules) -> dict:
    found = {}
    for m in modules:
        mod = importlib.import_module(f"caffe2ss.models.{framework}.{m}")
        for name in SHARED_OPS:
            fn = getattr(mod, name, None)
            if fn is not None and fn.__module__.startswith(f"caffe2ss.models.{framework}"):
                found.setdefault(name, fn)
    return found


#: weight tensors are named after each framework's own variables (their layouts differ)
TENSOR_NAMES = {"weight": "kernel", "slope": "alpha", "var": "variance"}


def _params(fn) -> list[str]:
    return [TENSOR_NAMES.get(n, n) for n in inspect.signature(fn).parameters]


def test_ops_have_the_same_signatures():
    torch_ops, tf_ops = _ops("torch", TORCH_OPS), _ops("tf", TF_OPS)
    assert set(torch_ops) == set(tf_ops) == set(SHARED_OPS)
    for name in SHARED_OPS:
        assert _params(torch_ops[name]) == _params(tf_ops[name]), name


@pytest.mark.parametrize("module, cls", [("fcn", "FCN32s"), ("fcn", "FCN16s"),
                                         ("fcn", "FCN8s"), ("fcn", "FCN8sAtOnce"),
                                         ("deeplab", "DeepLabLargeFOV")])
def test_classes_take_the_same_constructor_arguments(module, cls):
    t = getattr(importlib.import_module(f"caffe2ss.models.torch.{module}"), cls)
    k = getattr(importlib.import_module(f"caffe2ss.models.tf.{module}"), cls)
    st, sk = inspect.signature(t.__init__), inspect.signature(k.__init__)
    assert [(p.name, p.kind, p.default) for p in st.parameters.values()] == \
        [(p.name, p.kind, p.default) for p in sk.parameters.values()]


def test_old_argument_spellings_still_work_in_both():
    from caffe2ss.models.tf.deeplab import DeepLabLargeFOV as KerasDeepLab
    from caffe2ss.models.torch.deeplab import DeepLabLargeFOV as TorchDeepLab

    thin = (2, 2, 2, 2, 2)
    for cls in (TorchDeepLab, KerasDeepLab):
        old = cls(3, thin, fc=8, fc8_name="fc8_x")
        new = cls(3, thin, fc_width=8, classifier="fc8_x")
        assert old.classifier == new.classifier == old.fc8_name == "fc8_x"
        with pytest.raises(TypeError, match="not both"):
            cls(3, thin, fc_width=8, fc=16)
        with pytest.raises(TypeError, match="not both"):
            cls(3, thin, classifier="a", fc8_name="b")


def test_torch_dropout_only_in_training_mode():
    import torch

    from caffe2ss.models.torch import ops

    x = torch.ones(1000)
    assert torch.equal(ops.dropout(x, 0.5, False), x)
    y = ops.dropout(x, 0.5, True)
    assert set(torch.unique(y).tolist()) <= {0.0, 2.0} and 300 < int((y == 0).sum()) < 700

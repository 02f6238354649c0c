"""Trainable FCN-32s/16s/8s/8s-atonce and DeepLab-LargeFOV (Keras): registry builders.

The Caffe-exact classes of :mod:`.fcn` and :mod:`.deeplab`, initialised for training as
the torch builders (:mod:`caffe2ss.models.torch.fcn_train`): MSRA/He normal kernels,
zero biases, FCN's bilinear deconvolution kernels, atonce's fixed scales kept; Dropout
is active with ``training=True``. ``frozen`` (``None``: the published set
:data:`caffe2ss.models.families.fcn.FROZEN`) names the layers made non-trainable.
The classes here are registered Keras serializables with a config, so ``model.save(
"m.keras")`` / ``keras.saving.load_model`` round-trip (safe mode).
"""
from __future__ import annotations

import keras
import numpy as np

from ..bilinear import bilinear_kernel
from ..families.fcn import FROZEN
from . import deeplab, fcn

WIDTHS = (64, 128, 256, 512, 512)


def init_for_training(model, seed=None):
    """He-normal kernels, zero biases, bilinear deconvolution kernels (in place)."""
    rng = np.random.default_rng(seed)
    for layer in model.caffe_layers.values():
        if not hasattr(layer, "deconv") or not hasattr(layer, "kernel"):
            continue  # the fixed Scale layers of atonce keep their constants
        shape = tuple(layer.kernel.shape)
        if layer.deconv:  # (kh, kw, O/g, C_in)
            k = bilinear_kernel(shape[3], shape[2], shape[0]).transpose(2, 3, 1, 0)
        else:
            k = rng.normal(0.0, np.sqrt(2.0 / np.prod(shape[:3])), shape)
        layer.kernel.assign(k.astype(np.float32))
        if getattr(layer, "bias", None) is not None:
            layer.bias.assign(np.zeros(layer.bias.shape, np.float32))
    return model


def set_frozen(model, frozen):
    """Make exactly the layers named in ``frozen`` non-trainable."""
    names = set(frozen)
    unknown = names - set(model.caffe_layers)
    if unknown:
        raise ValueError(f"no layers {sorted(unknown)} in {type(model).__name__}")
    for name, layer in model.caffe_layers.items():
        layer.trainable = name not in names
    model.__dict__["frozen"] = tuple(sorted(names))
    return model


def _trainable(base, key):
    @keras.saving.register_keras_serializable(package="caffe2ss", name=f"trainable_{key}")
    class Trainable(base):
        def __init__(self, num_classes=21, widths=WIDTHS, fc_width=None, frozen=None,
                     init=True, name=None, **kwargs):
            fc_width = fc_width or (1024 if key == "deeplab_largefov" else 4096)
            super().__init__(num_classes, tuple(widths), fc_width, name=name or key, **kwargs)
            self._config = dict(num_classes=num_classes, widths=list(widths),
                                fc_width=fc_width, frozen=frozen, **kwargs)
            if init:
                init_for_training(self)
            set_frozen(self, FROZEN[key] if frozen is None else frozen)

        def get_config(self):
            return {**self._config, "init": False, "name": self.name}

    Trainable.__name__ = Trainable.__qualname__ = f"Trainable{base.__name__}"
    return Trainable


TrainableFCN32s = _trainable(fcn.FCN32s, "fcn32s")
TrainableFCN16s = _trainable(fcn.FCN16s, "fcn16s")
TrainableFCN8s = _trainable(fcn.FCN8s, "fcn8s")
TrainableFCN8sAtOnce = _trainable(fcn.FCN8sAtOnce, "fcn8s_atonce")
TrainableDeepLabLargeFOV = _trainable(deeplab.DeepLabLargeFOV, "deeplab_largefov")


def fcn32s(num_classes=21, input_size=None, **kwargs):
    """FCN-32s for training (any input size; ``input_size`` is only checked)."""
    return TrainableFCN32s(num_classes, **kwargs)


def fcn16s(num_classes=21, input_size=None, **kwargs):
    """FCN-16s for training."""
    return TrainableFCN16s(num_classes, **kwargs)


def fcn8s(num_classes=21, input_size=None, **kwargs):
    """FCN-8s for training."""
    return TrainableFCN8s(num_classes, **kwargs)


def fcn8s_atonce(num_classes=21, input_size=None, **kwargs):
    """FCN-8s-atonce for training."""
    return TrainableFCN8sAtOnce(num_classes, **kwargs)


def deeplab_largefov(num_classes=21, input_size=None, fc8_name="fc8_voc12", zoom=None,
                     **kwargs):
    """DeepLab-LargeFOV for training (``fc8_name``: the classifier's Caffe name)."""
    return TrainableDeepLabLargeFOV(num_classes, classifier=fc8_name, zoom=zoom, **kwargs)

"""``from_checkpoint``: the TF counterpart of ``caffe2ss.models.torch.from_state_dict``.

A converted TF output (``caffe2ss convert --to tf -o PREFIX``) holds a checkpoint
(``PREFIX.index`` + data) and ``PREFIX.weights.h5``. The class and the (possibly
thinned) widths are read from the checkpoint's variable shapes, so thinned models load
without guessing ``num_classes``/``widths``.
"""
from __future__ import annotations

from pathlib import Path

from .deeplab import DeepLabLargeFOV
from .fcn import FCN8s, FCN8sAtOnce, FCN16s, FCN32s

#: Suffix of a variable's value in a ``tf.train.Checkpoint`` key.
_VALUE = "/.ATTRIBUTES/VARIABLE_VALUE"


def variable_shapes(prefix) -> dict:
    """``{"<caffe layer>/<variable>": shape}`` from the checkpoint at ``prefix``."""
    import tensorflow as tf

    reader = tf.train.load_checkpoint(str(prefix))
    return {k[: -len(_VALUE)]: tuple(s) for k, s in reader.get_variable_to_shape_map().items()
            if k.endswith(_VALUE)}


def model_class(layers: set):
    """The FCN/DeepLab class whose layer names match ``layers`` (as the torch rule)."""
    if "score_fr" not in layers:
        return DeepLabLargeFOV
    if "upscore8" in layers:
        return FCN8sAtOnce if "scale_pool4" in layers else FCN8s
    return FCN16s if "upscore16" in layers else FCN32s


def from_checkpoint(prefix, **kwargs):
    """The FCN/DeepLab Keras model of a converted TF output, with its weights loaded.

    Widths, ``fc_width`` and the number of classes come from the kernel shapes (HWIO:
    the last axis is the output width); ``kwargs`` go to the class.
    """
    shapes = variable_shapes(prefix)
    layers = {k.split("/")[0] for k in shapes}
    cls = model_class(layers)
    widths = tuple(shapes[f"conv{b}_1/kernel"][-1] for b in range(1, 6))
    head = "score_fr" if "score_fr" in layers else _deeplab_head(layers)
    if head != "score_fr":
        kwargs.setdefault("classifier", head)
    model = cls(shapes[f"{head}/kernel"][-1], widths, shapes["fc6/kernel"][-1], **kwargs)
    model.load_weights(str(Path(str(prefix) + ".weights.h5")))
    return model


def _deeplab_head(layers: set) -> str:
    trunk = {f"conv{b}_{i}" for b in range(1, 6) for i in range(1, 4)} | {"fc6", "fc7"}
    heads = sorted(layers - trunk)
    if len(heads) != 1:
        raise ValueError(f"cannot tell the classifier layer among {heads}")
    return heads[0]

"""Per-layer learning-rate and weight-decay multipliers, as Caffe's ``param`` blocks.

Without ``--train-prototxt`` the published train nets' choices apply; the per-family
facts live in the registry (:mod:`caffe2ss.models.families.fcn`), not here:
* every weight ``lr_mult 1, decay_mult 1``; every bias ``lr_mult 2, decay_mult 0`` (FCN
  and DeepLab train nets): weight decay reaches weights, never biases;
* the classifier's multipliers from ``CLASSIFIER_MULTS`` (DeepLab's ``fc8*``: ``10/1``
  for the weight, ``20/0`` for the bias);
* the frozen layers (``lr_mult 0``) from ``FROZEN`` (FCN's bilinear ``upscore*``
  deconvolutions and at-once's ``scale_pool*``, as in the fcn.berkeleyvision.org nets).

Registry models built by ``create`` (:func:`registry_mults`) keep their builder's frozen
set (``model.frozen``: parameters without gradient) and get ``1/1`` for weights and
``1/0`` for biases and 1-D parameters (BatchNorm): weight decay on weights only.

With ``--train-prototxt`` each layer's ``param { lr_mult decay_mult }`` (V1:
``blobs_lr``/``weight_decay``) is read instead; Caffe's default for a missing block or
field is 1. Layers the train net does not name keep the rules above.
"""
from __future__ import annotations

from pathlib import Path

from ...models.families.fcn import CLASSIFIER_MULTS, FROZEN
from ..errors import CaffeError
from ..forks import parse_text

WEIGHT, BIAS = (1.0, 1.0), (2.0, 0.0)


def default_mults(net, model_name: str, class_layers=()) -> dict:
    """Caffe layer name -> [(lr_mult, decay_mult) per blob] by the rules above."""
    frozen, head = set(FROZEN.get(model_name, ())), CLASSIFIER_MULTS.get(model_name)
    out = {}
    for layer in net.layers:
        if not layer.blobs:
            continue
        if layer.name in frozen:
            out[layer.name] = [(0.0, 0.0)] * len(layer.blobs)
        elif head and layer.name in class_layers:
            out[layer.name] = list(head)[:len(layer.blobs)]
        else:
            out[layer.name] = [WEIGHT, BIAS][:len(layer.blobs)]
    return out


def prototxt_mults(path) -> dict:
    """Caffe layer name -> [(lr_mult, decay_mult), ...] from a train prototxt's ``param``."""
    path = Path(path)
    if not path.is_file():
        raise CaffeError("--train-prototxt not found", file=path)
    msg, _, _ = parse_text(path, path.read_bytes(), None)
    out = {}
    for layer in msg.layer:
        if layer.param:
            out[layer.name] = [(p.lr_mult if p.HasField("lr_mult") else 1.0,
                                p.decay_mult if p.HasField("decay_mult") else 1.0)
                               for p in layer.param]
    for layer in msg.layers:  # V1: blobs_lr / weight_decay, one per blob
        if layer.blobs_lr or layer.weight_decay:
            n = max(len(layer.blobs_lr), len(layer.weight_decay))
            lr = list(layer.blobs_lr) + [1.0] * n
            wd = list(layer.weight_decay) + [1.0] * n
            out[layer.name] = list(zip(lr[:n], wd[:n]))
    return out


def layer_mults(net, model_name: str, class_layers=(), train_prototxt=None) -> dict:
    """The multipliers in force: the train prototxt's where it names a layer, else the
    defaults. A blob the prototxt gives no entry for gets Caffe's default (1, 1)."""
    mults = default_mults(net, model_name, class_layers)
    if train_prototxt:
        for name, given in prototxt_mults(train_prototxt).items():
            if name in mults:
                n = len(mults[name])
                mults[name] = (list(given) + [(1.0, 1.0)] * n)[:n]
    return mults


def registry_mults(shapes: dict) -> dict:
    """Parameter name -> (lr_mult, decay_mult) for a ``create`` model: weights (1, 1);
    biases and 1-D parameters (BatchNorm's gamma/beta) (1, 0). Frozen parameters are the
    builder's (``model.frozen``), left out by the optimiser."""
    return {k: (1.0, 0.0) if k.endswith("bias") or len(s) <= 1 else (1.0, 1.0)
            for k, s in shapes.items()}

"""The ssnets seed's entry point, ``build_model``, as a thin function over the registry.

A user of the seed switches with one import::

    from caffe2ss.models.fcn8_seed import build_model
    model = build_model(512, 512, num_classes=2)          # FastFCN8, as in the seed

Differences from the seed (its bugs are not reproduced):

* the seed's ``dropout`` is a **keep probability** (it builds ``Dropout(rate=1 -
  dropout)``); ``build_model`` keeps that meaning for compatibility, while the
  registry builders' ``dropout`` (``create(..., dropout=)``) is the fraction dropped;
* the seed ends in a ``Lambda`` softmax (refused by Keras' safe-mode loading); this one
  ends in a ``Softmax`` layer here (``softmax=False`` for logits);
* the seed's BatchNorm cannot be switched off; here ``batch_norm=False`` does;
* the seed's input size is fixed by ``w, h``; the crops here also work at other sizes
  when ``w``/``h`` are None.
"""
from __future__ import annotations

from .factory import create


def build_model(w, h, num_classes, dropout=.5, l2_reg=0., conv_type="ds", *,
                softmax=True, batch_norm=True):
    """The seed's ``build_model``: a Keras FCN8 (``conv_type='conv'``) or FastFCN8
    (``'ds'``, the seed's default) for ``h x w`` RGB-ordered inputs.

    ``dropout``: keep probability, as in the seed (0.5 drops half).
    """
    name = "fastfcn8" if conv_type == "ds" else "fcn8"
    return create(name, "tf", num_classes, input_size=(h, w), conv_type=conv_type,
                  dropout=1.0 - dropout, l2_reg=l2_reg, softmax=softmax,
                  batch_norm=batch_norm)

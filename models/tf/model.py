"""Keras bases shared by the generic rebuild and the FCN/DeepLab classes.

:class:`CaffeModel`: each Caffe layer is an attribute of the model named after the Caffe
layer (see :func:`attr_names`), so Keras saves its variables in ``.weights.h5`` under
``<layer>/vars/<i>``: files are matched by layer name, not by position.
:class:`CaffeLayer`: one Caffe layer, its variables saved in declaration order.
"""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from ..naming import unique_names

_RESERVED: set | None = None


def attr_names(caffe_names) -> dict:
    """Caffe layer name -> the model attribute (and Keras layer name) that holds it.

    The one naming rule of :mod:`caffe2ss.models.naming` (as the PyTorch keys), with the
    attributes Keras models already have (``input``, ``loss`` ...) reserved.
    """
    global _RESERVED
    if _RESERVED is None:
        _RESERVED = frozenset(set(dir(keras.Model())) | set(dir(CaffeModel)) | {"layers"})
    return unique_names(caffe_names, _RESERVED)


class CaffeModel(keras.Model):
    """A Keras model whose sub-layers are Caffe layers held by name.

    ``caffe_layers`` maps Caffe layer name -> Keras layer. :meth:`restore_checkpoint`
    loads a caffe2ss TF checkpoint (``tf.train.Checkpoint`` format).
    """

    def _add_caffe_layers(self, layers: dict) -> None:
        """Attach ``{caffe name: keras layer}`` as attributes named by :func:`attr_names`."""
        known = self.__dict__.get("_caffe_attr_map", {})
        names = attr_names(list(known) + list(layers))
        for caffe_name, layer in layers.items():
            setattr(self, names[caffe_name], layer)
        # a plain dict in __dict__, so Keras does not track (or save) it
        self.__dict__["_caffe_attr_map"] = {**known, **{k: names[k] for k in layers}}

    @property
    def caffe_layers(self) -> dict:
        """Caffe layer name -> Keras layer, in Caffe order."""
        return {k: getattr(self, a) for k, a in self.__dict__.get("_caffe_attr_map", {}).items()}

    def restore_checkpoint(self, prefix) -> None:
        """Load a caffe2ss TF checkpoint (object paths ``<caffe layer>/<variable>``)."""
        layers = {k: v for k, v in self.caffe_layers.items() if v.weights}
        tf.train.Checkpoint(**layers).read(str(prefix)).assert_existing_objects_matched()

    def __dir__(self):
        # Keras saves sub-layers under their attribute names, walking dir() in sorted
        # order; a container of layers (`layers`, `caffe_layers`) would claim by position
        # every layer sorting after it. Hiding them keeps .weights.h5 paths name-based.
        return [a for a in super().__dir__() if a not in ("layers", "caffe_layers")]


class CaffeLayer(keras.layers.Layer):
    """Base class: one Caffe layer, its variables in declaration order."""

    def __init__(self, name: str, trainable: bool = True):
        super().__init__(name=name, trainable=trainable)
        self._var_names = []

    def _var(self, vname: str, shape, weights=None):
        value = None if weights is None else np.asarray(weights[vname], dtype=np.float32)
        if value is not None and tuple(value.shape) != tuple(shape):
            raise ValueError(f"{self.name}/{vname}: shape {value.shape} != {tuple(shape)}")
        init = "zeros" if value is None else (lambda shape, dtype=None: value)
        setattr(self, vname, self.add_weight(name=vname, shape=tuple(shape), initializer=init))
        self._var_names.append(vname)

    def save_own_variables(self, store):
        for i, vname in enumerate(self._var_names):
            store[str(i)] = getattr(self, vname)

    def load_own_variables(self, store):
        if len(store.keys()) != len(self._var_names):
            raise ValueError(f"layer '{self.name}' has variables {self._var_names} but the "
                             f"weights file gives {len(store.keys())}")
        for i, vname in enumerate(self._var_names):
            getattr(self, vname).assign(store[str(i)])

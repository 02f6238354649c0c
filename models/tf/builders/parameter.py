"""Parameter -> TF: the blob as the variable ``kernel``, which the layer returns."""
from __future__ import annotations

from ..layers_parameter import Parameter
from ..layout import to_tf_array
from .registry import TFLayer, blobs, register


@register("Parameter")
def parameter(layer, shapes) -> TFLayer:
    """Caffe Parameter (``models.tf.layers_parameter.Parameter``)."""
    shape = layer.params.shape
    b = blobs(layer, 1)
    weights = {"kernel": to_tf_array(b[0].reshape(shape))} if b else {}
    tf_shape = tuple(shape[i] for i in (0, 2, 3, 1)) if len(shape) == 4 else shape

    def make(w, name):
        return Parameter(name, tf_shape, weights=w)

    return TFLayer(make, weights)

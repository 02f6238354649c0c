"""Embed -> TF: ``kernel`` (input_dim, num_output) gathered by the truncated input."""
from __future__ import annotations

from ..layers_embed import Embed
from .registry import TFLayer, blobs, register


@register("Embed")
def embed(layer, shapes) -> TFLayer:
    """Caffe Embed (``models.tf.layers_embed.Embed``)."""
    p = layer.params
    b = blobs(layer)
    weights = {}
    if b:
        weights["kernel"] = b[0].reshape(p.input_dim, p.num_output)
        if p.bias_term:
            weights["bias"] = b[1].reshape(-1)

    def make(w, name):
        return Embed(name, p, weights=w)

    return TFLayer(make, weights)

"""Write a SavedModel of the Keras rebuild, serving NHWC float32 -> the net's outputs."""
from __future__ import annotations

from ...layers import SPECS
from ....models.tf.rebuild import build_model, size_free


def input_signature(net, shapes_in: dict) -> dict:
    """Input blob -> TF-layout dims of the serving signature (None = any size).

    Fully convolutional nets take any N, H, W; a net with an InnerProduct, a Reshape, or
    a Scale/Bias over spatial axes is tied to the conversion's H, W (and N if needed).
    """
    free = size_free(net)
    fixed_n = not all(SPECS[l.type].batch_free(l.params) for l in net.layers)
    sig = {}
    for name, s in shapes_in.items():
        dims = [s[0], s[2], s[3], s[1]] if len(s) == 4 else list(s)
        if free:
            dims = [None] * (len(dims) - 1) + [dims[-1]] if len(s) == 4 else [None] + dims[1:]
        if not fixed_n:
            dims[0] = None
        sig[name] = dims
    return sig


def write_saved_model(path, net, shapes_in: dict) -> dict:
    """Save the rebuild with signature ``serving_default``; returns its description."""
    import tensorflow as tf

    model = build_model(net, shapes_in, weights=True)
    sig = input_signature(net, shapes_in)
    names = list(sig)
    specs = [tf.TensorSpec(sig[n], tf.float32, name=n) for n in names]

    def serve(*xs):
        return model(dict(zip(names, xs)), training=False)

    module = tf.Module()
    module.model = model
    module.serve = tf.function(serve, input_signature=specs)
    tf.saved_model.save(module, str(path), signatures={"serving_default": module.serve})
    return {"inputs": sig, "outputs": list(net.outputs()), "layout": "NHWC"}

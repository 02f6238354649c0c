"""Copy weights between a PyTorch and a Keras build of the same family, by layer name.

Both frameworks name layers alike (Keras layer ``block_1_expand`` <-> torch module
``...block_1_expand``), so one walk over the Keras layers finds each torch twin.
"""
from __future__ import annotations

import numpy as np


def torch_to_keras(tmodel, kmodel) -> int:
    """Copy every weighted Keras layer's values from its torch twin; returns the count.

    Raises ``KeyError`` if a Keras layer has no torch module of the same name.
    """
    mods = {n.rsplit(".", 1)[-1]: m for n, m in tmodel.named_modules() if n}
    done = 0
    for layer in kmodel.layers:
        if not layer.weights:
            continue
        if layer.name not in mods:
            raise KeyError(f"Keras layer {layer.name!r} has no torch twin")
        m = mods[layer.name]
        kind = type(layer).__name__
        np_ = lambda t: t.detach().cpu().numpy()  # noqa: E731
        if kind == "BatchNormalization":
            vals = [np_(m.weight), np_(m.bias), np_(m.running_mean), np_(m.running_var)]
        elif kind == "DepthwiseConv2D":
            vals = [np_(m.weight).transpose(2, 3, 0, 1)]
        elif kind in ("Conv2D", "Conv2DTranspose"):
            # conv (O,I,kh,kw) -> (kh,kw,I,O); transposed (I,O,kh,kw) -> (kh,kw,O,I)
            vals = [np_(m.weight).transpose(2, 3, 1, 0)]
            if m.bias is not None:
                vals.append(np_(m.bias))
        else:
            raise TypeError(f"no torch->Keras rule for {kind} ({layer.name})")
        layer.set_weights([np.ascontiguousarray(v) for v in vals])
        done += 1
    return done

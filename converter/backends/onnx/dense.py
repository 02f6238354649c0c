"""InnerProduct -> Flatten + Gemm (axis 1) or Reshape + MatMul + Add (other axes)."""
from __future__ import annotations

import numpy as np

from .registry import register


@register("InnerProduct")
def inner_product(g, layer, xs, ys):
    """``y = x_flat . W^T + b`` with x flattened over axes >= ``axis`` in row-major
    (C, H, W) order, which is exactly NCHW Flatten/Reshape (no weight permutation).
    Weight (N, K), or (K, N) when ``transpose`` (then Gemm's B is not transposed).
    """
    p = layer.params
    x = xs[0]
    rank = g.rank(x)
    axis = p.axis + rank if p.axis < 0 else p.axis
    w = layer.blobs[0]
    k = w.shape[0] if p.transpose else w.shape[1]
    bias = [g.const("bias", layer.blobs[1].reshape(-1))] if p.bias_term else []
    if axis == 1:
        if rank != 2:
            x = g.op("Flatten", [x], axis=1)  # (N, C*H*W), C-major like Caffe's K
        g.node("Gemm", [x, g.const("weight", w)] + bias, ys, transB=0 if p.transpose else 1)
        return
    # (outer..., K): ONNX Reshape's 0 copies the leading axes from the runtime shape
    x = g.op("Reshape", [x, g.ints([0] * axis + [k], "shape")])
    wt = np.asarray(w) if p.transpose else np.asarray(w).T  # MatMul wants (K, N)
    out = ys if not bias else [g.fresh(f"{layer.name}/matmul")]
    g.node("MatMul", [x, g.const("weight_kn", wt)], out)
    if bias:
        g.node("Add", [out[0]] + bias, ys)

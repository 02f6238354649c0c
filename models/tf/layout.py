"""Tensor layouts of the TensorFlow rebuild, and moves between them.

The rule, everywhere in ``caffe2ss.models.tf``: a **4-D** tensor is **NHWC** (a Caffe
``(N, C, H, W)`` blob transposed ``(0, 2, 3, 1)``); a tensor of **any other rank** keeps
**Caffe's own axis order**. Caffe parameters that name an axis (Concat, Slice, Crop,
Softmax, Flatten, Reshape, InnerProduct, Scale...) are Caffe (NCHW) axes and are mapped
with :func:`tf_axis`; conversions happen only where a layer's semantics need Caffe's
element order (Flatten, Reshape, InnerProduct after a spatial blob with ``axis != 1``).
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

#: Caffe axis (N, C, H, W) -> its position in an NHWC tensor.
NHWC_AXIS = (0, 3, 1, 2)


def to_caffe(x):
    """A tensor in our layout -> Caffe's axis order (NHWC -> NCHW; other ranks as is)."""
    return tf.transpose(x, (0, 3, 1, 2)) if x.shape.rank == 4 else x


def from_caffe(x):
    """A tensor in Caffe's axis order -> our layout (NCHW -> NHWC; other ranks as is)."""
    return tf.transpose(x, (0, 2, 3, 1)) if x.shape.rank == 4 else x


def to_tf_array(a: np.ndarray) -> np.ndarray:
    """numpy, Caffe order -> our layout (a 4-D blob becomes NHWC)."""
    a = np.asarray(a, dtype=np.float32)
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1)) if a.ndim == 4 else a


def to_caffe_array(a) -> np.ndarray:
    """numpy in our layout -> Caffe order (NHWC -> NCHW), float32."""
    a = np.asarray(a, dtype=np.float32)
    return np.ascontiguousarray(a.transpose(0, 3, 1, 2)) if a.ndim == 4 else a


def canonical(axis: int, ndim: int) -> int:
    """Caffe's CanonicalAxisIndex (negative axes count from the end)."""
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of range for a {ndim}-D blob")
    return axis + ndim if axis < 0 else axis


def tf_axis(axis: int, ndim: int) -> int:
    """The axis of our tensor that holds Caffe axis ``axis`` of an ``ndim`` blob."""
    a = canonical(axis, ndim)
    return NHWC_AXIS[a] if ndim == 4 else a


def param_layout(ndim: int, axis: int, n: int) -> tuple[list[int], list[int]]:
    """Layout of a parameter spanning Caffe axes ``[axis, axis + n)`` of an ndim blob.

    Returns ``(perm, axes)``: ``np.transpose(p_caffe, perm)`` gives the parameter in TF
    layout (its axes in the order they appear in our tensor), and ``axes`` are the
    tensor axes it spans, ascending. E.g. a ``(C, H, W)`` Scale on a 4-D blob is stored
    ``(H, W, C)``; the usual ``(C,)`` stays ``(C,)`` on axis 3.
    """
    axes = [tf_axis(a, ndim) for a in range(axis, axis + n)]
    perm = sorted(range(n), key=lambda i: axes[i])
    return perm, sorted(axes)


def broadcast(p, ndim: int, axes) -> tf.Tensor:
    """Reshape ``p`` (TF layout, spanning tensor ``axes``) to broadcast over an ndim tensor."""
    shape = [1] * ndim
    for i, a in enumerate(axes):
        shape[a] = p.shape[i] if p.shape[i] is not None else tf.shape(p)[i]
    return tf.reshape(p, shape)

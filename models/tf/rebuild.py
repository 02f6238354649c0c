"""The Keras rebuild of any IR net, from the registered per-type converters::

    from caffe2ss.converter import load
    from caffe2ss.models.tf.rebuild import from_net
    model = from_net(load("deeplab.caffemodel"))
    logits = model(x_nhwc)["fc8_voc12"]                  # any H, W
    every_blob = model(x_nhwc, blobs=True)               # {Caffe blob: tensor}
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from ...converter.errors import CaffeError
from ...converter.layers import SPECS
from ...converter.reader.weights import check_weights
from .builders import convert_layer
from .generic import CaffeNet
from .layout import to_caffe_array, to_tf_array
from .model import attr_names


#: the H x W a size-free net is built at when no input shape is known
BUILD_HW = (500, 500)


def size_free(net) -> bool:
    """True if the net runs at any H, W with the same variables (fully convolutional):
    no InnerProduct, Reshape, or Scale/Bias over spatial axes (``LayerSpec.size_free``)."""
    return all(SPECS[l.type].size_free(l.params) for l in net.layers)


def input_shapes(net, given=None) -> dict:
    """Input blob -> Caffe shape: ``given`` (a shape for the first input, or a dict)
    over the declared ones. A fully convolutional net with no known shape is built at
    ``(1, C, *BUILD_HW)``, C read from its first convolution (only C matters to it)."""
    if given is not None and not isinstance(given, dict):
        given = {next(iter(net.inputs)): tuple(int(d) for d in given)}
    try:
        return net.resolve_input_shapes(given)
    except CaffeError:
        guess = None if given else _channels_only(net)
        if guess is None:
            raise
        return guess


def _channels_only(net):
    name = next(iter(net.inputs), None)
    first = next((l for l in net.layers if name in l.bottoms), None)
    if len(net.inputs) != 1 or first is None or first.type != "Convolution" \
            or not first.blobs or not size_free(net):
        return None
    shape = {name: (1, first.blobs[0].shape[1] * first.params.group) + BUILD_HW}
    try:
        net.infer_shapes(shape)
    except CaffeError:
        return None
    return shape


def bottom_shapes(net, given=None) -> dict:
    """Caffe layer name -> the Caffe shapes of its bottoms (runs Caffe shape inference,
    which also checks every weight blob's shape)."""
    env = input_shapes(net, given)
    tops = net.top_shapes(env)
    out = {}
    for layer in net.layers:
        out[layer.name] = [env[b] for b in layer.bottoms]
        env.update(zip(layer.tops, tops[layer.name]))
    return out


def convert_net(net, given=None) -> tuple[dict, dict]:
    """(layer name -> TFLayer, layer name -> bottom shapes) for every layer of ``net``."""
    shapes = bottom_shapes(net, given)
    return {l.name: convert_layer(l, shapes[l.name]) for l in net.layers}, shapes


def build_model(net, given=None, weights: bool = True):
    """The Keras rebuild (``models.tf.generic.CaffeNet``) of ``net``.

    ``weights``: initialise from the net's Caffe weights (they must all be there);
    otherwise variables start at zero, to be loaded from a checkpoint or .weights.h5.
    """
    tf_layers, shapes = convert_net(net, given)
    if weights:
        check_weights(net)
    names = attr_names([l.name for l in net.layers])
    layers = {k: t.make(t.weights if weights else None, names[k]) for k, t in tf_layers.items()}
    return CaffeNet(net, layers)


def run_model(model, net, inputs: dict, blobs: bool = False) -> dict:
    """Run a rebuilt model on NCHW numpy inputs; NCHW float32 numpy outputs."""
    # Caffe computes in full float32; TF's default TF32 math on Ampere+ GPUs would not
    tf.config.experimental.enable_tensor_float_32_execution(False)
    if len(inputs) == 1 and len(net.inputs) == 1:
        inputs = {next(iter(net.inputs)): next(iter(inputs.values()))}
    feed = {k: to_tf_array(np.asarray(v, dtype=np.float32)) for k, v in inputs.items()}
    out = forward(model, blobs)(feed)
    return {k: to_caffe_array(v.numpy()) for k, v in out.items()}


def forward(model, blobs: bool = False):
    """``model``'s inference forward ``feed -> {blob: tensor}`` as one ``tf.function``,
    made once per model and ``blobs`` and kept on the model.

    The first call traces it with the batch size left free (a batch of 8 and the
    split's last, smaller one share it; a net that needs a fixed batch traces its
    shape instead); another input size traces once more with the sizes free
    (``reduce_retracing``), then every size reuses that. A graph lets grappler fuse
    ops and drops the per-op Python of eager execution. A net whose layers cannot be
    traced (the trace raises) runs eagerly from then on, the same ops on the same values.
    """
    cache = model.__dict__.setdefault("_caffe2ss_forward", {})  # __dict__: Keras does not track it
    if blobs not in cache:
        cache[blobs] = _traced(model, blobs)
    return cache[blobs]


def _traced(model, blobs: bool):
    graph = tf.function(lambda feed: model(feed, training=False, blobs=blobs),
                        reduce_retracing=True, autograph=False)
    state = {"eager": False, "first": True}

    def run(feed):
        if state["first"]:
            state["first"] = False
            free = {k: tf.TensorSpec([None, *np.shape(v)[1:]] if np.ndim(v) else [], tf.float32)
                    for k, v in feed.items()}
            try:
                graph.get_concrete_function(free)
            except Exception:  # noqa: BLE001 - a fixed-batch net: the call traces its shape
                pass
        if not state["eager"]:
            try:
                return graph(feed)
            except (CaffeError, tf.errors.OpError):
                raise  # the net's own error, or a failure at run time: as eager would
            except Exception:  # noqa: BLE001 - a layer that only runs eagerly
                state["eager"] = True
        return model(feed, training=False, blobs=blobs)
    run.graph = graph
    return run


def from_net(net, input_shape=None, weights: bool = True) -> CaffeNet:
    """The Keras rebuild of ``net`` (:func:`build_model`)."""
    return build_model(net, input_shape, weights=weights)

"""``CaffeNet``: a Keras model running any Caffe net (the IR) with Caffe's exact
semantics, in NHWC, from per-layer Keras layers; :mod:`.rebuild` builds it
(``rebuild.from_net(net)``).

Tensors follow ``layout.py``: 4-D blobs are NHWC, others keep Caffe's axis order. The
per-type Keras layers come from :mod:`caffe2ss.models.tf.builders`, whose weights the
TF backend also writes as checkpoints.
"""
from __future__ import annotations

from . import planned
from .model import CaffeModel, attr_names


class CaffeNet(CaffeModel):
    """Executes the layers of a Caffe net in Caffe's order.

    Args:
        net: the IR :class:`~caffe2ss.converter.ir.Net` (its wiring; its layers' parameters
            for the constant-border plan at inference, :mod:`.planned`).
        layers: Caffe layer name -> Keras layer (``caffe2ss.models.tf.caffe_layers``); a layer
            returns a tensor or a list (one per Caffe top).
    """

    def __init__(self, net, layers: dict, name: str | None = None):
        super().__init__(name=attr_names([name or net.name or "caffe_net"]).popitem()[1])
        self._add_caffe_layers(layers)
        # plain tuples of strings in __dict__: the graph, not tracked by Keras
        self.__dict__["_graph"] = tuple((l.name, tuple(l.bottoms), tuple(l.tops))
                                        for l in net.layers)
        self.__dict__["_in_names"] = tuple(net.inputs)
        self.__dict__["_out_names"] = tuple(net.outputs())
        self.__dict__["_net"] = net  # for the inference plan (planned.py)
        self.built = True

    @property
    def input_names(self) -> tuple:
        """The Caffe input blobs, in order."""
        return self._in_names

    @property
    def output_names(self) -> tuple:
        """The Caffe output blobs (blobs no layer consumes), in order."""
        return self._out_names

    def call(self, inputs, training=None, blobs: bool = False):
        """Run the net on ``inputs`` (a tensor for a one-input net, or ``{blob: tensor}``).

        Returns ``{blob: tensor}``: the outputs, or with ``blobs=True`` every Caffe blob
        (for in-place chains the final value, as Caffe leaves it).
        """
        env = dict(inputs) if isinstance(inputs, dict) else {self._in_names[0]: inputs}
        layers = self.caffe_layers
        # at inference with static sizes, runs of identical rows are computed once
        plan, gathers, finals = (None if training else planned.plan_for(self, env)) \
            or (None, None, {})
        for i, (name, bottoms, tops) in enumerate(self._graph):
            xs = [env[b] for b in bottoms]
            if gathers:
                xs = [x if how is None else planned.gather(x, *how)
                      for x, how in zip(xs, gathers[i])]
            if plan and i in plan.params:  # a convolution with its wide zero pad cut
                out = layers[name].infer_with(xs, plan.params[i])
            else:
                out = layers[name](xs, training=training)
            out = list(out) if isinstance(out, (list, tuple)) else [out]
            env.update(zip(tops, out))
        wanted = env if blobs else self._out_names
        for b, layout in finals.items():  # compressed final values: the full blobs
            if b in wanted:
                env[b] = planned.gather(env[b], layout, None)
        return env if blobs else {o: env[o] for o in self._out_names}

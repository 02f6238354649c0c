"""``CaffeNet``: execute any IR net in PyTorch with Caffe's exact semantics."""
from __future__ import annotations

import torch
from torch import nn

from ...converter.errors import CaffeError
from ..naming import module_keys
from . import fast, planned
from .builders import Fn, build_layer
from .caffe_modules import Convolution


class CaffeNet(nn.Module):
    """The generic rebuild of a :class:`~caffe2ss.converter.ir.Net` (NCHW, any input size).

    Each weighted layer is a submodule registered under its Caffe layer name (see
    :mod:`caffe2ss.models.naming` for names that are not valid keys), so
    ``state_dict()`` keys are exactly the converter's (``conv1_1.weight``, ...).

    ``forward(x, return_blobs=False)``: ``x`` is a tensor (the only input) or a dict
    {input blob: tensor}. Returns the output tensor (a dict if the net has several
    outputs), or with ``return_blobs`` every blob by Caffe name; a blob written in place
    (ReLU, Dropout, ...) holds its final value, as in Caffe.

    ``channels_last`` (opt-in, for inference; default off: NCHW): 4-D inputs
    and weights in channels-last memory format (oneDNN convolutions and pooling without
    layout reorders); outputs come back contiguous NCHW.
    Values are the same up to float32 summation order. On the CPU, without autograd,
    a Convolution and the in-place ReLU after it then run as one oneDNN call
    (:mod:`.fast`).
    """

    def __init__(self, net, channels_last: bool = False):
        super().__init__()
        self.net = net
        self.channels_last = channels_last
        keys = module_keys(net)
        self._outputs = net.outputs()
        last_use = {}
        for i, layer in enumerate(net.layers):
            for b in layer.bottoms:
                last_use[b] = i
        outputs = set(self._outputs)
        # one flat step per layer (a fused Convolution + in-place ReLU: one step for
        # two): (callable, its only bottom or None, bottoms, tops, blobs no later layer
        # reads); _step_layer[k]: the index of step k's first layer, for error messages
        steps = self._steps = []
        self._step_layer = []
        fuse = channels_last and fast.available()
        layers = net.layers
        skip = False
        for i, layer in enumerate(layers):
            if skip:  # the ReLU fused into the step before
                skip = False
                continue
            module = build_layer(layer)
            if layer.name in keys:
                # not add_module(): a Caffe name may equal a Module attribute ("eval")
                self._modules[keys[layer.name]] = module
            fn = module.fn if type(module) is Fn else module  # a weightless layer's function
            if fuse and type(module) is Convolution:
                nxt = layers[i + 1] if i + 1 < len(layers) else None
                skip = fast.fusable_relu(layer, nxt)
                fn = fast.FusedConv(module, relu=skip)
            bottoms, tops = layer.bottoms, layer.tops
            done = ()
            for b in bottoms:
                if last_use[b] == i and b not in tops and b not in outputs:
                    done = tuple(dict.fromkeys(
                        b for b in bottoms
                        if last_use[b] == i and b not in tops and b not in outputs))
                    break
            # one bottom: its name, called without building an argument tuple
            steps.append((fn, bottoms[0] if len(bottoms) == 1 else None, bottoms, tops, done))
            self._step_layer.append(i)
        self._fuse = fuse
        self._planned = {}  # input shapes -> planned.plan_steps (the last size only)
        if channels_last:  # 4-D weights too, else every convolution reorders them per call
            self.to(memory_format=torch.channels_last)

    @property
    def outputs(self) -> list[str]:
        """The net's output blobs (those no layer consumes), in order."""
        return list(self._outputs)

    def _inputs(self, x) -> dict:
        if isinstance(x, torch.Tensor):
            if len(self.net.inputs) != 1:
                raise CaffeError(f"the net has inputs {list(self.net.inputs)}; pass a dict",
                                 field="inputs")
            return {next(iter(self.net.inputs)): x}
        missing = [k for k in self.net.inputs if k not in x]
        if missing:
            raise CaffeError(f"missing input blob(s) {missing}; the net's inputs are "
                             f"{list(self.net.inputs)}", field="inputs")
        return dict(x)

    def _plan(self, blobs):
        """Steps and expansions of the constant-border plan for these inputs (CPU,
        inference, fast path on), or None (see :mod:`.planned`)."""
        if not self._fuse or torch.is_grad_enabled() or not all(
                isinstance(v, torch.Tensor) and v.device.type == "cpu" for v in blobs.values()):
            return None
        key = tuple((k, tuple(v.shape)) for k, v in blobs.items())
        if key not in self._planned:
            self._planned = {key: planned.plan_steps(
                self.net, self._steps, self._step_layer, dict(key))}
        return self._planned[key]

    def forward(self, x, return_blobs: bool = False):
        blobs = self._inputs(x)
        if self.channels_last:
            blobs = {k: _nhwc(v) for k, v in blobs.items()}
        steps, expand = self._plan(blobs) or (self._steps, {})
        keep, get = return_blobs, blobs.__getitem__
        step = None
        try:
            for step in steps:
                fn, bottom, bottoms, tops, done = step
                out = fn(get(bottom)) if bottom is not None else fn(*map(get, bottoms))
                if isinstance(out, (list, tuple)):
                    blobs.update(zip(tops, out))
                else:
                    blobs[tops[0]] = out
                if done and not keep:  # free what no later layer reads (large inputs)
                    for b in done:
                        blobs.pop(b, None)
        except CaffeError as e:  # an op refused its input: name the layer
            # by identity: steps of equal content (shared functions) are not the same layer
            k = next((k for k, s in enumerate(steps) if s is step), None)
            name = self.net.layers[self._step_layer[k]].name if k is not None else None
            raise e.with_context(layer=name) from None
        wanted = blobs if return_blobs else self._outputs
        for b, idx in expand.items():  # compressed final values: the full blobs
            if b in wanted and b in blobs:
                blobs[b] = planned.gather(blobs[b], idx)
        if return_blobs:
            return {k: _nchw(v) for k, v in blobs.items()}
        outs = {name: _nchw(blobs[name]) for name in self._outputs}
        return next(iter(outs.values())) if len(outs) == 1 else outs


def _nhwc(t):
    if isinstance(t, torch.Tensor) and t.dim() == 4:
        return t.contiguous(memory_format=torch.channels_last)
    return t


def _nchw(t):
    return t.contiguous() if isinstance(t, torch.Tensor) else t

"""The TensorFlow half of ``caffe2ss train``: hands the TF loop a Keras model factory
(the backend's Caffe-exact rebuild of the init net), the per-variable multipliers, the
validation through ``caffe2ss eval``'s code, and the writer of ``final.*``.

The trained variables go back into the Caffe net in Caffe layouts (conv kernels HWIO ->
OIHW, deconv ``(H, W, out, in)`` -> ``(in, out, H, W)``) and the TF backend's own
``convert`` writes ``final.index``/``.data``, ``final.weights.h5`` and ``final.json``,
so ``caffe2ss eval RUN/final.weights.h5`` takes it as any converted output.
"""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

from ..backends import get_backend
from ..errors import CaffeError
from .config import write_config
from .fill import init_layers

#: Caffe layer types the TF training path maps back (FCN/DeepLab are made of these).
TRAINABLE_TYPES = ("Convolution", "Deconvolution")


def train_tf(plan, run_dir) -> int:
    """Train ``plan`` with TensorFlow; the exit status."""
    backend = get_backend("tf")  # a missing TensorFlow: the error names the extra
    rebuild = importlib.import_module("caffe2ss.models.tf.rebuild")
    build_model, run_model = rebuild.build_model, rebuild.run_model

    cfg, net = plan.cfg, plan.spec.net
    odd = [l.name for l in net.layers if l.blobs and l.type not in TRAINABLE_TYPES]
    if odd:
        raise CaffeError(f"--framework tf trains convolution/deconvolution nets (FCN, "
                         f"DeepLab); layers {odd[:3]} are not supported; use --framework "
                         "torch", field="framework")
    if cfg.crop is None:
        raise CaffeError("--framework tf needs a fixed --crop H,W (tf.data batches one "
                         "shape)", field="crop")
    if not plan.spec.has_weights:
        init_layers(net, None, cfg.seed)
    elif plan.num_classes != plan.spec.num_classes:
        init_layers(net, set(plan.spec.class_layers), cfg.seed)
    if not cfg.resume:
        write_config(cfg, run_dir, world_size=1, num_classes=plan.num_classes,
                     total_steps=plan.total_steps, init_classes=plan.spec.num_classes)
    name = next(iter(net.inputs))
    hw = tuple(cfg.crop)
    build = lambda: build_model(net, {name: (1, 3) + hw}, weights=True)  # noqa: E731

    def write_final(model):
        layers = model.caffe_layers
        for layer in net.layers:
            if layer.name in layers and layer.blobs:
                k = layers[layer.name]
                vals = [getattr(k, v).numpy() for v in k._var_names]
                layer.blobs = [vals[0].transpose(3, 2, 0, 1).copy()] + vals[1:]
        for p in backend.convert(net, Path(run_dir) / "final"):
            print(f"wrote {p}", file=sys.stderr)

    def runner_for(model):
        return lambda inputs: run_model(model, net, inputs)

    trainer = importlib.import_module("caffe2ss.models.tf.training")
    return trainer.train(plan, build=build, mults=plan.mults, runner_for=runner_for,
                         write_final=write_final, run_dir=run_dir)

"""Everything a training loop needs, prepared and checked before any training starts.

Bad input fails here with one line naming the fix: an empty split, labels outside
``[0, num_classes) U {255}``, an image/label size mismatch, a crop larger than the scaled
image with padding disabled, a crop the model does not accept (multiples of 32), and an
init whose class count differs from ``--num-classes`` without ``--reinit-classifier``.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...models.registry import check_input_size, get_model, list_models
from ..errors import CaffeError
from ..seg.voc import voc_samples
from .config import TrainConfig
from .data import check_samples, training_samples
from .init import InitSpec, reclass, resolve_init
from .lrmult import layer_mults
from .registry_run import registry_spec, uses_caffe_net

#: Steps when neither --steps nor --epochs is given.
DEFAULT_STEPS = 1000


@dataclass
class Plan:
    cfg: TrainConfig
    samples: list
    val_samples: list
    spec: InitSpec
    num_classes: int
    mults: dict          # Caffe layer name -> [(lr_mult, decay_mult) per blob]
    total_steps: int
    world_size: int = 1

    def steps_per_epoch(self) -> int:
        per_rank = self.cfg.batch_size // self.world_size
        n_rank = -(-len(self.samples) // self.world_size)  # DistributedSampler pads
        return max(1, n_rank // per_rank)


def make_plan(cfg: TrainConfig, world_size: int = 1) -> Plan:
    """Read and check the data and the init; see the module docstring."""
    samples = training_samples(cfg.voc_root, cfg.split, cfg.data_list)
    val = voc_samples(cfg.voc_root, cfg.val_split) if cfg.val_split else []
    caffe_net = uses_caffe_net(cfg)
    spec = resolve_init(cfg.init, cfg.prototxt) if caffe_net else registry_spec(cfg)
    n = cfg.num_classes or spec.num_classes
    if caffe_net and n != spec.num_classes:
        if spec.has_weights and not cfg.reinit_classifier:
            raise CaffeError(f"the init model has {spec.num_classes} classes, --num-classes "
                             f"is {n}; pass --reinit-classifier to start the classifier "
                             f"layers {list(spec.class_layers)} afresh", field="num-classes")
        spec = reclass(spec, n)
    _check_crop(cfg)
    check_samples(samples, n, crop=cfg.crop, min_scale=cfg.scale_range[0], pad=cfg.pad)
    check_samples(val, n)
    if len(samples) < cfg.batch_size:
        raise CaffeError(f"the training set has {len(samples)} images, fewer than one "
                         f"batch of {cfg.batch_size}; lower --batch-size", field="batch-size")
    mults = layer_mults(spec.net, cfg.model, spec.class_layers, cfg.train_prototxt) \
        if caffe_net else {}
    plan = Plan(cfg, samples, val, spec, n, mults, 0, world_size)
    plan.total_steps = cfg.steps or (cfg.epochs * plan.steps_per_epoch() if cfg.epochs
                                     else DEFAULT_STEPS)
    return plan


def _check_crop(cfg: TrainConfig) -> None:
    """The registry's input constraint (e.g. multiples of 32) against ``--crop``."""
    try:
        entry = get_model(cfg.model)
    except KeyError as e:
        if list_models():  # a populated registry: the name must be in it
            raise CaffeError(str(e).strip("'\""), field="model") from None
        return  # registry not populated yet: the init net defines the model
    if cfg.crop is not None:
        try:
            check_input_size(entry, cfg.crop)
        except ValueError as e:
            raise CaffeError(f"--crop {cfg.crop[0]},{cfg.crop[1]}: {e}", field="crop") \
                from None

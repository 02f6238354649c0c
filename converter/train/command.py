"""``caffe2ss train``: prepare (framework-free), then hand over to a framework's loop."""
from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

from ..backends import get_backend
from ..errors import CaffeError
from .config import from_args, write_config
from .plan import make_plan
from .registry_run import run_registry, uses_caffe_net
from .rundir import prepare
from .tfglue import train_tf


def run_train(args) -> int:
    """Run the ``train`` subcommand; returns the exit status."""
    cfg = from_args(args)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if cfg.nproc > 1 and "WORLD_SIZE" not in os.environ:
        if cfg.framework != "torch":
            raise CaffeError("--nproc is for --framework torch; TensorFlow uses every "
                             "local device through MirroredStrategy", field="nproc")
        launch = importlib.import_module("caffe2ss.models.torch.training.launch").launch
        return launch(cfg.nproc, strip_nproc(getattr(args, "argv", None) or sys.argv[1:]))
    cfg.nproc = world
    if cfg.batch_size % world:
        raise CaffeError(f"--batch-size {cfg.batch_size} must divide evenly over the "
                         f"{world} processes", field="batch-size")
    rank = int(os.environ.get("RANK", "0"))
    run_dir = prepare(cfg.out, cfg.resume) if rank == 0 else Path(cfg.out)
    plan = make_plan(cfg, world)
    if not uses_caffe_net(cfg):
        return run_registry(plan, run_dir, rank, world)
    if cfg.framework == "tf":
        return train_tf(plan, run_dir)
    backend = get_backend("torch")
    net = plan.spec.net
    if not cfg.no_dropout and not any(l.type == "Dropout" for l in net.layers):
        cfg.no_dropout = True  # a net trained without Dropout keeps training without it
        if rank == 0:
            print("caffe2ss: note: the init net has no Dropout layers; training without "
                  "dropout", file=sys.stderr)
    if rank == 0 and not cfg.resume:
        write_config(cfg, run_dir, world_size=world, num_classes=plan.num_classes,
                     total_steps=plan.total_steps, init_classes=plan.spec.num_classes)
    key_map = backend.export.layer_map(net)
    key_mults = {k: m for layer, keys in key_map.items()
                 for k, m in zip(keys, plan.mults.get(layer, []))}
    fresh = None if plan.spec.has_weights else "all"
    if plan.spec.has_weights and plan.num_classes != plan.spec.num_classes:
        fresh = [k for layer in plan.spec.class_layers for k in key_map.get(layer, [])]

    def write_final(state):
        backend.export.apply_state_dict(net, state)
        for p in backend.convert(net, Path(run_dir) / "final.pt"):
            print(f"wrote {p}", file=sys.stderr)

    trainer = importlib.import_module("caffe2ss.models.torch.training")
    return trainer.train(plan, state=backend.export.state_dict(net), key_mults=key_mults,
                         fresh=fresh, model_kwargs=model_kwargs(net),
                         write_final=write_final, run_dir=run_dir)


def model_kwargs(net) -> dict:
    """Builder options the weights cannot tell: DeepLab v2's ``fc8_interp`` zoom."""
    interp = [l for l in net.layers if l.type == "Interp"]
    if interp and interp[0].params.zoom_factor:
        return {"zoom": int(interp[0].params.zoom_factor)}
    return {}


def strip_nproc(argv) -> list:
    """``argv`` without ``--nproc N`` / ``--nproc=N`` (the children are the ranks)."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a == "--nproc":
            skip = True
        elif not a.startswith("--nproc="):
            out.append(a)
    return out

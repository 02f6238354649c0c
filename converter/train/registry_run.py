"""``caffe2ss train`` on a registry model built by :func:`caffe2ss.models.create`.

Two ways to get the model, chosen by :func:`uses_caffe_net`:

* the Caffe-defined families (``fcn32s`` ... ``deeplab_largefov``) given a Caffe net
  (``--init`` a .caffemodel / converted output, or ``--prototxt``) train the net *as the
  file defines it* (:mod:`.init`): any widths, DeepLab's ``Interp`` zoom, a class count
  read off the head, and ``final.*`` written by the converter's backend with the Caffe
  definition in its sidecar. ``create`` cannot serve these: its builders fix the layer
  set and widths, and its output has no Caffe definition to convert back to;
* everything else (every other family, and any family with ``--init none`` and no
  ``--prototxt``) is ``create(name, framework, num_classes, init=..., input_size=crop,
  **--model-args)``; ``final.*`` holds the framework's own weights plus a sidecar whose
  ``model`` field rebuilds it (:mod:`caffe2ss.models.saved`).

Frozen layers come from the builder (``model.frozen``: the registry's published set),
weight decay reaches weights, not biases or BatchNorm (:func:`.lrmult.registry_mults`).
"""
from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

from ...models.families.fcn import FROZEN
from ...models import saved
from ...models.registry import get_model
from ..errors import CaffeError
from ..provenance import find_sidecar, registry_provenance
from ..seg.predict import CAFFE_SUFFIXES
from .config import write_config
from .init import InitSpec


def uses_caffe_net(cfg) -> bool:
    """True when the run trains a Caffe net through :mod:`.init` (see the docstring)."""
    return cfg.model in FROZEN and (str(cfg.init).lower() != "none" or bool(cfg.prototxt))


def preprocessing_dict(pre) -> dict:
    """A registry :class:`Preprocessing` as the converter's preprocessing dict
    (``x = (image[order] - mean) * scale`` on 0-255 values; a 0-1 range folds into it)."""
    mean, scale = [float(m) for m in pre.mean], float(pre.scale)
    if pre.input_range == "0-1":
        mean, scale = [m * 255.0 for m in mean], scale / 255.0
    return {"channel_order": pre.channel_order.upper(), "mean": mean, "scale": scale}


def saved_meta(init) -> dict | None:
    """The sidecar of ``init`` when it is a registry model written by caffe2ss train."""
    if str(init).lower() == "none" or Path(init).suffix.lower() in CAFFE_SUFFIXES:
        return None
    side = find_sidecar(Path(init))
    meta = json.loads(side.read_text()) if side else {}
    return meta if meta.get("model") else None


def registry_spec(cfg) -> InitSpec:
    """The :class:`InitSpec` of a create() run (no Caffe net: ``net`` is None)."""
    try:
        entry = get_model(cfg.model)
    except KeyError as e:
        raise CaffeError(str(e).strip("'\""), field="model") from None
    init = str(cfg.init)
    has = init.lower() != "none"
    if has and not Path(init).exists() and find_sidecar(Path(init)) is None:
        raise CaffeError("--init file not found", file=init)
    meta = saved_meta(init) if has else None
    pre = (meta or {}).get("preprocessing") or preprocessing_dict(entry.preprocessing)
    n = int(meta["model"]["num_classes"]) if meta else \
        (cfg.num_classes or entry.num_classes)
    if meta and cfg.num_classes and cfg.num_classes != n:
        raise CaffeError(f"the init model has {n} classes, --num-classes is "
                         f"{cfg.num_classes}; start from its Caffe weights or --init none",
                         field="num-classes")
    return InitSpec(None, has, pre, n, init, "score")


def create_kwargs(cfg, num_classes: int) -> dict:
    """Keyword arguments of ``create`` for this run (a registry-model init is loaded
    after the build, by :func:`caffe2ss.models.saved`, not through ``create``)."""
    meta = saved_meta(cfg.init) if str(cfg.init).lower() != "none" else None
    args = {**((meta or {}).get("model", {}).get("args", {})), **model_args(cfg)}
    init = None if meta or str(cfg.init).lower() == "none" else cfg.init
    return dict(name=cfg.model, num_classes=num_classes, init=init,
                input_size=tuple(cfg.crop) if cfg.crop else None, prototxt=cfg.prototxt,
                reinit_classifier=cfg.reinit_classifier, **args)


def model_args(cfg) -> dict:
    """``--model-args`` (a JSON object of builder keyword arguments)."""
    return dict(cfg.extra.get("model_args") or {})


def final_record(cfg, framework: str, num_classes: int, preprocessing: dict) -> dict:
    """The sidecar of ``final.*``: the registry name and every builder argument."""
    kw = create_kwargs(cfg, num_classes)
    args = saved.build_args(kw["name"], kw["init"], kw["prototxt"],
                            {k: v for k, v in kw.items() if k not in _CREATE_KEYS})
    src = {} if kw["init"] is None else {"init": {"path": Path(str(cfg.init)).name}}
    return registry_provenance(cfg.model, framework, num_classes, args, preprocessing,
                               kw["input_size"], src)


_CREATE_KEYS = ("name", "num_classes", "init", "input_size", "prototxt", "reinit_classifier")


def run_registry(plan, run_dir, rank: int, world: int) -> int:
    """Train a ``create`` model (see the module docstring); the exit status."""
    cfg, fw = plan.cfg, plan.cfg.framework
    init_saved = cfg.init if saved_meta(cfg.init) else None
    kw = create_kwargs(cfg, plan.num_classes)
    if rank == 0 and not cfg.resume:
        write_config(cfg, run_dir, world_size=world, num_classes=plan.num_classes,
                     total_steps=plan.total_steps, init_classes=plan.spec.num_classes)
    record = final_record(cfg, fw, plan.num_classes, plan.spec.preprocessing)

    def factory():
        return saved.build_for_training(kw, fw, init_saved)

    def write_final(model):
        out = Path(run_dir) / ("final.weights.h5" if fw == "tf" else "final.pt")
        for p in saved.save_weights(model, fw, out, record):
            print(f"wrote {p}", file=sys.stderr)

    if fw == "tf":
        if cfg.crop is None:
            raise CaffeError("--framework tf needs a fixed --crop H,W", field="crop")
        trainer = importlib.import_module("caffe2ss.models.tf.training")
        return trainer.train(plan, build=factory, mults=None,
                             runner_for=lambda m: saved.open_size_runner(m, kw, "tf"),
                             write_final=write_final, run_dir=run_dir)
    trainer = importlib.import_module("caffe2ss.models.torch.training")
    return trainer.train(plan, state=None, key_mults=None, fresh=None, model_kwargs={},
                         write_final=write_final, run_dir=run_dir, factory=factory)

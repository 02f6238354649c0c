"""Validation during training, through ``caffe2ss eval``'s own code path (whole images,
one confusion matrix over the split, label 255 ignored); ``--val-crf`` also scores the
DenseCRF on the same logits, as ``caffe2ss eval --crf``."""
from __future__ import annotations

import torch

from ....converter.seg.evaluate import evaluate
from ....converter.seg.predict import Model


def validate(model, plan, device) -> dict:
    """The eval report of ``model`` (put in eval mode for the run) on the val split."""
    was_training = model.training
    model.eval()

    def runner(inputs):
        with torch.no_grad():
            y = model(torch.from_numpy(inputs["data"]).to(device))
        return {"score": y.float().cpu().numpy()}

    m = Model(plan.spec.net, runner, plan.spec.preprocessing, "torch", f"{plan.cfg.model} (training)",
              "data", "score")
    try:
        return evaluate(m, plan.cfg.voc_root, split=plan.cfg.val_split,
                        crf=plan.cfg.extra.get("val_crf"))
    finally:
        model.train(was_training)

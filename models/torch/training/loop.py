"""The PyTorch training loop (one process, or one rank of a torchrun/``--nproc`` job).

Loss: pixel-wise softmax cross-entropy over the non-ignored pixels (label 255 skipped).
When the logits are smaller than the labels (DeepLab's stride-8 head without its Interp)
they are **upsampled to the label size** (bilinear, aligned corners, as Caffe's Interp
and ``caffe2ss eval``), never the labels downsampled: the loss sees every labelled pixel.

With N ranks each holds ``batch_size / N`` samples; the loss is the cross-entropy summed
over the rank's pixels divided by the valid pixels of the *global* batch (all-reduced),
times N (DDP averages gradients), so the gradient equals one process's on the whole
batch and the learning rate means the same at any N.
"""
from __future__ import annotations

import random
import time

import numpy as np
import torch
import torch.nn.functional as F

from ....converter.train.lrmult import registry_mults
from ....converter.train.rundir import last_checkpoint
from ....converter.train.runlog import RunLog
from ....converter.train.schedule import lr_at
from ....converter.train.stop import INTERRUPT_ENV, StopFlag  # noqa: F401 (re-exported)
from ....converter.seg.voc import IGNORE_LABEL
from . import checkpoint, dist
from .build import build_model, make_optimizer, param_groups
from .data import ResumableSampler, SegDataset
from .validate import validate



def seg_loss(logits, labels, world_size: int):
    """``(loss to backpropagate, summed CE, valid pixels of the global batch)``."""
    if logits.shape[-2:] != labels.shape[-2:]:
        logits = F.interpolate(logits, size=labels.shape[-2:], mode="bilinear",
                               align_corners=True)
    ce = F.cross_entropy(logits, labels, ignore_index=IGNORE_LABEL, reduction="sum")
    n = dist.all_sum((labels != IGNORE_LABEL).sum().to(torch.float64).reshape(1))
    return ce / n.clamp(min=1).to(ce.dtype) * world_size, ce.detach(), n


def train(plan, *, state, key_mults, fresh, model_kwargs, write_final, run_dir,
          factory=None) -> int:
    """Train by ``plan``; returns the exit status (0 done, 130 interrupted).

    ``factory``: builds the model (a registry model from ``create``) instead of the
    class picked from ``state``; ``key_mults`` None: :func:`registry_mults` of it, and
    ``write_final`` then gets the model rather than its state_dict."""
    cfg = plan.cfg
    rank, world, device = dist.setup()
    if cfg.deterministic:
        torch.use_deterministic_algorithms(True)
    torch.manual_seed(cfg.seed + rank)  # per-rank dropout masks; rank 0 = one process
    np.random.seed(cfg.seed)
    random.seed(cfg.seed)
    model = (factory() if factory else
             build_model(state, fresh=fresh, seed=cfg.seed, **model_kwargs)).to(device)
    if key_mults is None:
        key_mults = registry_mults({k: tuple(p.shape) for k, p in model.named_parameters()})
    base_lr, total = cfg.base_lr(), plan.total_steps
    groups = param_groups(model, key_mults, base_lr, cfg.weight_decay)
    opt = make_optimizer(groups, cfg.optimizer, base_lr, cfg.momentum)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: lr_at(s, 1.0, cfg.lr_policy, total))
    net = model
    if world > 1:
        net = torch.nn.parallel.DistributedDataParallel(
            torch.nn.SyncBatchNorm.convert_sync_batchnorm(model),
            device_ids=[device.index] if device.type == "cuda" else None)
    ds = SegDataset(plan.samples, plan.spec.preprocessing, crop=cfg.crop,
                    scale_range=cfg.scale_range, mirror=cfg.mirror, seed=cfg.seed)
    sampler = ResumableSampler(ds, world, rank, cfg.seed)
    per_rank = cfg.batch_size // world
    step = epoch = pos = 0
    if cfg.resume:
        ck = checkpoint.load(last_checkpoint(run_dir))
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        sched.load_state_dict(ck["scheduler"])
        step, epoch, pos = ck["step"], ck["epoch"], ck["position"]
        checkpoint.set_rng_states(ck["rng"])
    log = RunLog(run_dir, total, step) if rank == 0 else None
    stop = StopFlag()

    def save():
        if rank == 0:
            checkpoint.save(run_dir, step, model=model, optimizer=opt, scheduler=sched,
                            epoch=epoch, position=pos)
        dist.barrier()

    def run_val():
        if rank == 0 and plan.val_samples:
            log.validation(step, validate(model, plan, device))
        dist.barrier()

    try:
        net.train(not cfg.no_dropout)  # --no-dropout: FCN/DeepLab have no BatchNorm
        t_log, n_log = time.perf_counter(), 0
        while step < total:
            sampler.set_position(epoch, pos)
            loader = torch.utils.data.DataLoader(
                ds, batch_size=per_rank, sampler=sampler, num_workers=cfg.workers,
                drop_last=True, generator=torch.Generator().manual_seed(cfg.seed))
            finished_epoch = True
            for x, y in loader:
                lr = base_lr * lr_at(step, 1.0, cfg.lr_policy, total)
                loss, ce, n = seg_loss(net(x.to(device)), y.to(device), world)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
                step, pos, n_log = step + 1, pos + per_rank, n_log + cfg.batch_size
                mean_loss = float(dist.all_sum(ce.to(torch.float64).reshape(1)) / n.clamp(min=1))
                if rank == 0 and (step % cfg.log_every == 0 or step == total):
                    now = time.perf_counter()
                    log.step(step, mean_loss, lr, n_log / max(now - t_log, 1e-9))
                    t_log, n_log = now, 0
                if rank == 0:
                    stop.after_step(step)
                if bool(dist.all_sum(torch.tensor([float(stop.flag)]))):
                    save()
                    if log:
                        log.close()
                    return 130
                if cfg.checkpoint_every and step % cfg.checkpoint_every == 0 and step < total:
                    save()
                if cfg.val_every and step % cfg.val_every == 0 and step < total:
                    run_val()
                if step >= total:
                    finished_epoch = False
                    break
            if finished_epoch:
                epoch, pos = epoch + 1, 0
        save()
        run_val()
        if rank == 0:
            write_final(model if factory else
                        {k: v.detach().cpu() for k, v in model.state_dict().items()})
            log.close()
        dist.barrier()
        return 0
    finally:
        stop.restore()
        dist.teardown()

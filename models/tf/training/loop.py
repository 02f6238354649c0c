"""The TensorFlow training loop (a custom loop under a tf.distribute strategy).

Same loss as the torch loop: softmax cross-entropy summed over the non-ignored pixels
divided by the valid pixels of the global batch (all-reduced over replicas; gradients
are summed across replicas by the optimiser), logits upsampled to the label size with
aligned corners when smaller. Caffe's update: the gradient of each variable gets
``weight_decay * decay_mult * w`` added and is multiplied by ``lr_mult`` (for SGD exactly
Caffe's per-layer rates; with Adam ``lr_mult`` only matters at 0: frozen).
Checkpoints (``checkpoint-<step>.npz``: model and optimiser variables, step, epoch,
position) are written atomically by the chief.
"""
from __future__ import annotations

import time

import numpy as np
import tensorflow as tf

from ....converter.fileio import atomic_path
from ....converter.seg.evaluate import evaluate
from ....converter.seg.predict import Model
from ....converter.train.lrmult import registry_mults
from ....converter.train.rundir import checkpoint_path, last_checkpoint, mark_last
from ....converter.train.runlog import RunLog
from ....converter.train.schedule import lr_at
from ....converter.train.stop import StopFlag
from .data import dataset, order
from .strategy import make_strategy


def _variables(model, mults, wd: float):
    """Trainable ``(variable, lr_mult, decay)`` triples; lr_mult 0 means frozen.
    ``mults`` None: a registry model (its trainable variables, :func:`registry_mults`)."""
    if mults is None:
        shapes = {v.path: tuple(v.shape) for v in model.trainable_variables}
        rule = registry_mults({k.replace("kernel", "weight"): s for k, s in shapes.items()})
        return [(v, lr, wd * d) for v, (lr, d) in zip(model.trainable_variables,
                                                      rule.values()) if lr]
    out = []
    for name, layer in model.caffe_layers.items():
        for i, v in enumerate(getattr(layer, "_var_names", [])):
            lr_m, wd_m = (mults.get(name) or [(1.0, 1.0)] * (i + 1))[i]
            if lr_m:
                out.append((getattr(layer, v), float(lr_m), float(wd * wd_m)))
    return out


def _save(run_dir, step, epoch, pos, model, opt):
    path = checkpoint_path(run_dir, step, "npz")
    arrays = {f"m{i}": v.numpy() for i, v in enumerate(model.weights)}
    arrays.update({f"o{i}": v.numpy() for i, v in enumerate(opt.variables)})
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, step=step, epoch=epoch, pos=pos, **arrays)
    mark_last(run_dir, path)


def train(plan, *, build, mults, runner_for, write_final, run_dir) -> int:
    """Train by ``plan``; 0 done, 130 interrupted."""
    cfg, total = plan.cfg, plan.total_steps
    tf.keras.utils.set_random_seed(cfg.seed)
    strategy, chief = make_strategy()
    with strategy.scope():
        model = build()
        triples = _variables(model, mults, cfg.weight_decay)
        base = cfg.base_lr()
        opt = tf.keras.optimizers.Adam(base) if cfg.optimizer == "adam" else \
            tf.keras.optimizers.SGD(base, momentum=cfg.momentum)
        opt.build([v for v, _, _ in triples])
    step = epoch = pos = 0
    if cfg.resume:
        ck = np.load(last_checkpoint(run_dir))
        for i, v in enumerate(model.weights):
            v.assign(ck[f"m{i}"])
        for i, v in enumerate(opt.variables):
            v.assign(ck[f"o{i}"])
        step, epoch, pos = int(ck["step"]), int(ck["epoch"]), int(ck["pos"])
    out_name = plan.spec.output
    caffe = mults is not None  # the Caffe-net rebuild; else a create() model: NHWC logits
    in_name = next(iter(model.input_names)) if caffe else "data"
    hw = tuple(cfg.crop)
    pairs = order(len(plan.samples), cfg.batch_size, cfg.seed, epoch, pos, total - step)
    dist = iter(strategy.experimental_distribute_dataset(dataset(plan, pairs, hw, cfg.workers)))
    spe = len(plan.samples) // cfg.batch_size
    variables = [v for v, _, _ in triples]

    def replica_step(x, y):
        ctx = tf.distribute.get_replica_context()
        with tf.GradientTape() as tape:
            logits = model({next(iter(model.input_names)): x}, training=True)[out_name] \
                if caffe else model(x, training=True)
            if logits.shape[1:3] != y.shape[1:3]:
                logits = tf.compat.v1.image.resize_bilinear(logits, y.shape[1:3],
                                                            align_corners=True)
            valid = tf.not_equal(y, 255)
            ce = tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=tf.where(valid, y, tf.zeros_like(y)), logits=logits)
            ce_sum = tf.reduce_sum(ce * tf.cast(valid, ce.dtype))
            n = ctx.all_reduce(tf.distribute.ReduceOp.SUM,
                               tf.reduce_sum(tf.cast(valid, tf.float32)))
            loss = ce_sum / tf.maximum(n, 1.0)
        grads = tape.gradient(loss, variables)
        grads = [m * (g + d * v) if d else m * g
                 for g, (v, m, d) in zip(grads, triples)]
        opt.apply_gradients(zip(grads, variables))
        return ce_sum, n

    @tf.function
    def train_step(batch):
        ce, n = strategy.run(replica_step, args=batch)
        return (strategy.reduce(tf.distribute.ReduceOp.SUM, ce, axis=None),
                strategy.reduce(tf.distribute.ReduceOp.MEAN, n, axis=None))  # equal on every replica

    log = RunLog(run_dir, total, step) if chief else None
    if chief:
        log.write({"step": step, "replicas": int(strategy.num_replicas_in_sync)})

    def run_val():
        if chief and plan.val_samples:
            m = Model(plan.spec.net, runner_for(model), plan.spec.preprocessing, "tf",
                      f"{cfg.model} (training)", in_name, out_name)
            log.validation(step, evaluate(m, cfg.voc_root, split=cfg.val_split,
                                          crf=cfg.extra.get("val_crf")))

    stop = StopFlag()
    try:
        t_log, n_log = time.perf_counter(), 0
        while step < total:
            lr = base * lr_at(step, 1.0, cfg.lr_policy, total)
            opt.learning_rate.assign(lr)
            ce, n = train_step(next(dist))
            step, pos, n_log = step + 1, pos + cfg.batch_size, n_log + cfg.batch_size
            if pos >= spe * cfg.batch_size:
                epoch, pos = epoch + 1, 0
            if chief and (step % cfg.log_every == 0 or step == total):
                now = time.perf_counter()
                log.step(step, float(ce / max(float(n), 1.0)), lr, n_log / max(now - t_log, 1e-9))
                t_log, n_log = now, 0
            if chief:
                stop.after_step(step)
            if stop.flag:
                if chief:
                    _save(run_dir, step, epoch, pos, model, opt)
                    log.close()
                return 130
            if chief and cfg.checkpoint_every and step % cfg.checkpoint_every == 0 \
                    and step < total:
                _save(run_dir, step, epoch, pos, model, opt)
            if cfg.val_every and step % cfg.val_every == 0 and step < total:
                run_val()
        if chief:
            _save(run_dir, step, epoch, pos, model, opt)
            run_val()
            write_final(model)
            log.close()
        return 0
    finally:
        stop.restore()

"""tf.data input: the (index, epoch) order of the whole run, numpy augmentation in
parallel (``numpy_function``, deterministic order), global batches, prefetch.

The order per epoch is a permutation drawn from (seed, epoch); each epoch uses its first
``steps_per_epoch * batch`` samples. Augmentation is seeded per (seed, epoch, index)
as in the torch loop, so a resumed run sees the same batches.
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from ....converter.seg.prepost import preprocess
from ....converter.train.augment import augment, mean_rgb, sample_rng


def order(n: int, batch: int, seed: int, epoch: int, pos: int, steps: int) -> np.ndarray:
    """``(steps * batch, 2)`` int64 (index, epoch) pairs from ``epoch``/``pos`` on."""
    spe = n // batch
    out, need = [], steps * batch
    while need > 0:
        perm = np.random.default_rng([seed, epoch]).permutation(n)[:spe * batch][pos:]
        take = perm[:need]
        out.append(np.stack([take, np.full_like(take, epoch)], axis=1))
        need -= len(take)
        epoch, pos = epoch + 1, 0
    return np.concatenate(out).astype(np.int64)


def dataset(plan, pairs: np.ndarray, hw, workers: int):
    """Batched NHWC float32 images and HW int32 labels."""
    cfg, pre = plan.cfg, plan.spec.preprocessing
    mean = mean_rgb(pre)

    def load(index, epoch):
        img, lab = plan.samples[int(index)].load()
        img, lab = augment(img, lab, sample_rng(cfg.seed, int(epoch), int(index)),
                           crop=cfg.crop, scale_range=cfg.scale_range, mirror=cfg.mirror,
                           mean_rgb=mean)
        return preprocess([img], pre)[0].transpose(1, 2, 0), lab.astype(np.int32)

    def tf_load(pair):
        x, y = tf.numpy_function(load, [pair[0], pair[1]], [tf.float32, tf.int32])
        x.set_shape(tuple(hw) + (3,))
        y.set_shape(tuple(hw))
        return x, y

    ds = tf.data.Dataset.from_tensor_slices(pairs).map(
        tf_load, num_parallel_calls=max(1, workers), deterministic=True)
    return ds.batch(cfg.batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)

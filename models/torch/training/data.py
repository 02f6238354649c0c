"""Dataset and sampler: deterministic per-sample augmentation, resumable distributed order.

The sampler is torch's ``DistributedSampler`` (one replica when not distributed): its
per-epoch permutation depends only on (seed, epoch), and rank ``r`` of ``N`` takes
positions ``r, r + N, ...``, so the per-rank batches of size ``B / N`` together form
exactly the global batches of a single process with batch ``B``. It yields
``(index, epoch)``; the dataset seeds the augmentation from (seed, epoch, index).
"""
from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset, DistributedSampler

from ....converter.seg.prepost import preprocess
from ....converter.train.augment import augment, mean_rgb, sample_rng


class SegDataset(Dataset):
    """Augmented, preprocessed training samples: ``(CHW float32 tensor, HW int64 label)``."""

    def __init__(self, samples, preprocessing: dict, *, crop, scale_range, mirror, seed):
        self.samples, self.pre = samples, preprocessing
        self.crop, self.scale_range, self.mirror, self.seed = crop, scale_range, mirror, seed
        self.mean_rgb = mean_rgb(preprocessing)

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, key):
        index, epoch = key
        img, lab = self.samples[index].load()
        img, lab = augment(img, lab, sample_rng(self.seed, epoch, index), crop=self.crop,
                           scale_range=self.scale_range, mirror=self.mirror,
                           mean_rgb=self.mean_rgb)
        x = preprocess([img], self.pre)[0]
        return torch.from_numpy(x), torch.from_numpy(lab.astype(np.int64))


class ResumableSampler(DistributedSampler):
    """``DistributedSampler`` that yields ``(index, epoch)`` and can start mid-epoch."""

    def __init__(self, dataset, num_replicas, rank, seed):
        super().__init__(dataset, num_replicas=num_replicas, rank=rank, shuffle=True,
                         seed=seed, drop_last=False)
        self.start = 0

    def set_position(self, epoch: int, start: int) -> None:
        """Epoch and the number of this rank's samples already consumed in it."""
        self.set_epoch(epoch)
        self.start = start

    def __iter__(self):
        indices = list(super().__iter__())[self.start:]
        return iter([(i, self.epoch) for i in indices])

    def __len__(self):
        return self.num_samples - self.start

"""The tf.distribute strategy: ``MultiWorkerMirroredStrategy`` when ``TF_CONFIG`` lists
several workers (each machine runs the same command with its own ``TF_CONFIG``),
otherwise ``MirroredStrategy`` over the local GPUs, or over ``CAFFE2SS_TF_CPU_DEVICES``
logical CPU devices (default 1: plain CPU)."""
from __future__ import annotations

import json
import os

import tensorflow as tf

CPU_DEVICES_ENV = "CAFFE2SS_TF_CPU_DEVICES"


def make_strategy():
    """The strategy for this process; ``(strategy, is_chief)``."""
    cfg = json.loads(os.environ.get("TF_CONFIG") or "{}")
    if len(cfg.get("cluster", {}).get("worker", [])) > 1:
        s = tf.distribute.MultiWorkerMirroredStrategy()
        task = cfg.get("task", {})
        return s, task.get("type", "worker") in ("worker", "chief") and task.get("index", 0) == 0
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        return tf.distribute.MirroredStrategy(), True
    n = int(os.environ.get(CPU_DEVICES_ENV, "1"))
    cpus = tf.config.list_physical_devices("CPU")
    if n > 1:
        try:
            tf.config.set_logical_device_configuration(
                cpus[0], [tf.config.LogicalDeviceConfiguration()] * n)
        except RuntimeError:  # already initialised: use what exists
            pass
    devices = [d.name for d in tf.config.list_logical_devices("CPU")]
    return tf.distribute.MirroredStrategy(devices=devices), True

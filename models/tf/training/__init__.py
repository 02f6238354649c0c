"""TensorFlow training for ``caffe2ss train --framework tf``: tf.data with parallel
numpy augmentation and prefetch, ``tf.distribute.MirroredStrategy`` on one machine
(every GPU, or ``CAFFE2SS_TF_CPU_DEVICES=N`` logical CPU devices) and
``MultiWorkerMirroredStrategy`` when ``TF_CONFIG`` names several workers.
"""
from .loop import train

__all__ = ["train"]

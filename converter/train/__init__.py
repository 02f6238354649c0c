"""``caffe2ss train``: the framework-free half of fine-tuning (options, data lists and
checks, numpy augmentation, learning-rate policies, run directory, logs, init resolution).

The training loops live with the frameworks: :mod:`caffe2ss.models.torch.training`
(DataLoader, DDP via torchrun) and :mod:`caffe2ss.models.tf.training` (tf.data,
tf.distribute). :func:`.command.run_train` ties them together.
"""

"""Caffe's upgrade tables (V0/V1 types -> V2 type strings), layer roles, phase rules."""
from __future__ import annotations

#: V1 LayerType enum name -> V2 type string (BVLC UpgradeV1LayerType; DLv1 shares 0-38).
V1_TYPES = {
    "NONE": "", "ABSVAL": "AbsVal", "ACCURACY": "Accuracy", "ARGMAX": "ArgMax",
    "BNLL": "BNLL", "CONCAT": "Concat", "CONTRASTIVE_LOSS": "ContrastiveLoss",
    "CONVOLUTION": "Convolution", "DECONVOLUTION": "Deconvolution", "DATA": "Data",
    "DROPOUT": "Dropout", "DUMMY_DATA": "DummyData", "EUCLIDEAN_LOSS": "EuclideanLoss",
    "ELTWISE": "Eltwise", "EXP": "Exp", "FLATTEN": "Flatten", "HDF5_DATA": "HDF5Data",
    "HDF5_OUTPUT": "HDF5Output", "HINGE_LOSS": "HingeLoss", "IM2COL": "Im2col",
    "IMAGE_DATA": "ImageData", "INFOGAIN_LOSS": "InfogainLoss",
    "INNER_PRODUCT": "InnerProduct", "LRN": "LRN", "MEMORY_DATA": "MemoryData",
    "MULTINOMIAL_LOGISTIC_LOSS": "MultinomialLogisticLoss", "MVN": "MVN",
    "POOLING": "Pooling", "POWER": "Power", "RELU": "ReLU", "SIGMOID": "Sigmoid",
    "SIGMOID_CROSS_ENTROPY_LOSS": "SigmoidCrossEntropyLoss", "SILENCE": "Silence",
    "SOFTMAX": "Softmax", "SOFTMAX_LOSS": "SoftmaxWithLoss", "SPLIT": "Split",
    "SLICE": "Slice", "TANH": "TanH", "WINDOW_DATA": "WindowData",
    "THRESHOLD": "Threshold",
    # DeepLab v1 additions (its registered names)
    "IMAGE_SEG_DATA": "ImageSegData", "SEG_ACCURACY": "SegAccuracy", "INTERP": "Interp",
    "PADDING": "Padding", "MAT_WRITE": "MatWrite", "MAT_READ": "MatRead",
    "DENSE_CRF": "DenseCRF", "DOMINANT_CHANNEL": "DominantChannel",
    "BIAS_CHANNEL": "BiasChannel", "UNIQUE_LABEL": "UniqueLabel",
    "CENSOR_LABEL": "CensorLabel", "ADAPTIVE_BIAS_CHANNEL": "AdaptiveBiasChannel",
    "CHANNEL_AGGREGATOR": "ChannelAggregator", "IGNORE_OVERLAY": "IgnoreOverlay",
    "HISTOGRAM": "Histogram", "RELATIVE_ERROR": "RelativeError",
    "GAIN_CHANNEL": "GainChannel", "ONEHOT": "OneHot",
}

#: V0 type strings -> V2 type strings (UpgradeV0LayerType, then V1 -> V2).
V0_TYPES = {
    "accuracy": "Accuracy", "bnll": "BNLL", "concat": "Concat", "conv": "Convolution",
    "data": "Data", "dropout": "Dropout", "euclidean_loss": "EuclideanLoss",
    "flatten": "Flatten", "hdf5_data": "HDF5Data", "hdf5_output": "HDF5Output",
    "im2col": "Im2col", "images": "ImageData", "infogain_loss": "InfogainLoss",
    "innerproduct": "InnerProduct", "lrn": "LRN",
    "multinomial_logistic_loss": "MultinomialLogisticLoss", "pool": "Pooling",
    "relu": "ReLU", "sigmoid": "Sigmoid", "softmax": "Softmax",
    "softmax_loss": "SoftmaxWithLoss", "split": "Split", "tanh": "TanH",
    "window_data": "WindowData", "padding": "padding",
}

#: Layers that feed the net from files/memory: their first top becomes a graph input.
DATA_TYPES = {"Input", "Data", "ImageData", "MemoryData", "HDF5Data", "WindowData",
              "DummyData", "ImageSegData", "Python", "AnnotatedData", "VideoData"}

#: Layers that only matter for training or evaluation in Caffe: dropped with a note.
DROP_TYPES = {"SoftmaxWithLoss", "EuclideanLoss", "HingeLoss", "InfogainLoss",
              "MultinomialLogisticLoss", "SigmoidCrossEntropyLoss", "ContrastiveLoss",
              "Accuracy", "SegAccuracy", "Silence", "HDF5Output", "MatWrite"}

#: Post-processing we do not convert: dropped with a warning naming the new output.
POSTPROCESS_TYPES = {"DenseCRF"}


def as_str(v) -> str:
    """A protobuf string as str: proto2 hands invalid UTF-8 back as bytes."""
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else v


def strs(values) -> list[str]:
    return [as_str(v) for v in values]


def rule_matches(rule, phase: int = 1, level: int = 0, stages=()) -> bool:
    """Caffe's StateMeetsRule for a NetStateRule against state (TEST=1, level 0)."""
    if rule.HasField("phase") and rule.phase != phase:
        return False
    if rule.HasField("min_level") and level < rule.min_level:
        return False
    if rule.HasField("max_level") and level > rule.max_level:
        return False
    if any(as_str(s) not in stages for s in rule.stage):
        return False
    if any(as_str(s) in stages for s in rule.not_stage):
        return False
    return True


def layer_included(include, exclude, level: int = 0, stages=()) -> bool:
    """Caffe's FilterNet: include rules (any must match) or exclude rules (none may).

    The state is the TEST phase with the file's NetState ``level`` and ``stages``.
    """
    if include:
        return any(rule_matches(r, 1, level, stages) for r in include)
    return not any(rule_matches(r, 1, level, stages) for r in exclude)

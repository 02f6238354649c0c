"""Caffe's upgrade tables (V0/V1 types -> V2 type strings), layer roles, phase rules."""
from __future__ import annotations

# V1 enum names -> V2 types, and the data / drop / post-processing types, are per fork:
# converter/forks/ (V1_TYPES, DATA_TYPES, DROP_TYPES, POSTPROCESS_TYPES).

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

def as_str(v) -> str:
    """A protobuf string as str: proto2 hands invalid UTF-8 back as bytes."""
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else v


def strs(values) -> list[str]:
    """Repeated protobuf strings as a list of str (the loop only if one came as bytes)."""
    out = list(values)
    for v in out:
        if type(v) is not str:
            return [as_str(v) for v in out]
    return out


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

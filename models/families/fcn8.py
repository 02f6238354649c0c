"""FCN8 and FastFCN8 (the ssnets seed): registration and Caffe key maps.

``fcn8`` (``conv_type='conv'``) initialises from a converted VGG16
(``VGG_ILSVRC_16_layers``): conv1_1..conv5_3 one to one, fc6 ``(4096, 25088)`` reshaped
to the 7x7 convolution ``fc1`` and fc7 to the 1x1 ``fc2`` (FCN's convolutionalisation);
VGG16 has no BatchNorm, so with ``batch_norm=True`` every ``conv*_bn`` starts at the
identity (gamma 1, beta 0, mean 0, variance 1); scores and upsamplings start fresh.
It also initialises from a converted voc-fcn8s (fc6->fc1, fc7->fc2, score_fr->score32,
score_pool4->score16, score_pool3->score8, upscore2->upscore32,
upscore_pool4->upscore16; FCN's ``upscore8`` has no counterpart: FCN8 upsamples x8 by
nearest neighbour). FastFCN8's depthwise-separable convolutions have no Caffe
counterpart: it has no init source.
"""
from __future__ import annotations

from ..keymap import KeyMap, take
from ..registry import InitSource, Preprocessing, register_model

DEPTHS = (2, 2, 3, 3, 3)
ENCODER = tuple(f"conv{b}_{i}" for b, d in enumerate(DEPTHS, 1) for i in range(1, d + 1))
_FCN_HEAD = {"score_fr": "score32", "score_pool4": "score16", "score_pool3": "score8",
             "upscore2": "upscore32", "upscore_pool4": "upscore16"}
VGG_MEAN = (103.939, 116.779, 123.68)


def _encoder(weights, shapes, fc6: str, fc7: str) -> dict:
    state = {}
    for layer in ENCODER:
        for p in ("weight", "bias"):
            state[f"{layer}.{p}"] = take(weights, layer, p)
    for src, dst in ((fc6, "fc1"), (fc7, "fc2")):  # InnerProduct (N, K) -> conv (N, C, k, k)
        state[f"{dst}.weight"] = take(weights, src, "weight", shapes.get(f"{dst}.weight"))
        state[f"{dst}.bias"] = take(weights, src, "bias")
    return state


def _fresh_bn(shapes) -> dict:
    return {k: "VGG16 has no BatchNorm: identity init" for k in shapes if "_bn." in k}


def from_vgg16(weights, shapes, **build_args) -> KeyMap:
    """VGG16 -> FCN8 encoder (the ImageNet classifier fc8 is not used)."""
    state = _encoder(weights, shapes, "fc6", "fc7")
    fresh = _fresh_bn(shapes)
    fresh.update({k: "not in VGG16" for k in shapes if k.startswith(("score", "upscore"))})
    return KeyMap(state, fresh)


def from_fcn8s(weights, shapes, **build_args) -> KeyMap:
    """voc-fcn8s -> FCN8: encoder, fc6/fc7, the three scores and two x2 upsamplings."""
    state = _encoder(weights, shapes, "fc6", "fc7")
    for src, dst in _FCN_HEAD.items():
        state[f"{dst}.weight"] = take(weights, src, "weight")
        if not dst.startswith("upscore"):
            state[f"{dst}.bias"] = take(weights, src, "bias")
    fresh = _fresh_bn(shapes)
    classifier = tuple(k for k in state if k.startswith(("score", "upscore")))
    return KeyMap(state, fresh, classifier)


_COMMON = dict(
    num_classes=21,
    preprocessing=Preprocessing("bgr", VGG_MEAN, 1.0, "0-255"),
)

register_model(
    "fcn8", torch="caffe2ss.models.torch.fcn8:fcn8", tf="caffe2ss.models.tf.fcn8:fcn8",
    summary="FCN8 (ssnets seed): VGG16+BN encoder, fc1/fc2, 3 scores, 2 learned x2 + x8",
    init_sources=(
        InitSource("vgg16", "VGG_ILSVRC_16_layers_deploy.prototxt",
                   "caffe2ss.models.families.fcn8:from_vgg16",
                   "encoder one to one, fc6/fc7 -> fc1/fc2 convolutionalised; BN identity",
                   signature=("conv1_1", "fc6", "fc7", "fc8")),
        InitSource("voc-fcn8s", "fcn.berkeleyvision.org__voc-fcn8s__deploy.prototxt",
                   "caffe2ss.models.families.fcn8:from_fcn8s",
                   "fc6/fc7 -> fc1/fc2, score_fr/pool4/pool3 -> score32/16/8, "
                   "upscore2/upscore_pool4 -> upscore32/16",
                   signature=("conv1_1", "fc6", "score_fr", "score_pool3")),
    ),
    param_counts={2: 134_287_302}, defaults={"conv_type": "conv"}, **_COMMON)

register_model(
    "fastfcn8", torch="caffe2ss.models.torch.fcn8:fastfcn8",
    tf="caffe2ss.models.tf.fcn8:fastfcn8",
    summary="FastFCN8 (ssnets seed): FCN8 with depthwise-separable convolutions",
    param_counts={2: 20_615_521}, defaults={"conv_type": "ds"}, **_COMMON)

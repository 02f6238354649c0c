"""MobileNetV2-UNet: registration, the encoder's block table and the Caffe key map.

Encoder: MobileNetV2 (alpha 1.0) up to ``block_16_project``, named as Keras names it.
Skips at 1/2..1/32: ``block_1_expand_relu``, ``block_3_expand_relu``,
``block_6_expand_relu``, ``block_13_expand_relu``, ``block_16_project``. Decoder: four
upsample blocks (512, 256, 128, 64: 3x3 stride-2 transposed conv without bias, BatchNorm,
ReLU), each concatenated with its skip, then a stride-2 transposed conv to the classes
(logits). H and W must be multiples of 32.

Two encoders (both use explicit symmetric padding, in both frameworks):

* default (``caffe_exact=False``): the seed's Keras structure, ReLU6, BN eps 1e-3;
  6,502,786 parameters for 2 classes.
* ``caffe_exact=True`` (chosen by :func:`load_caffe`): shicai's MobileNet-Caffe v2, which
  adds ``conv2_1/expand`` (1x1 32->32 + BN) to the first bottleneck (our
  ``expanded_conv_expand``), plain ReLU (Caffe has no ReLU6), BN eps 1e-5 (Caffe's
  ``batch_norm_param.eps`` default, also what the prototxt sets): 6,503,938 parameters
  (+1,152). Keras's asymmetric ``'same'`` stride-2 padding is *not* used: Caffe pads 1
  on every side. shicai's net also moves one stride: its ``conv4_3`` (block_6,
  32->64) has stride 1 and ``conv4_7`` (block_10, 64->96) stride 2, where Keras strides
  block_6. The skips keep their resolutions and channels.
"""
from __future__ import annotations

from ..registry import InitSource, Preprocessing, register_model
from ..keymap_protocol import registry_keymap
from ..weightmap import assign, caffe_weights, convert

#: (keras block name, expansion, in, out, stride, Caffe prefix), in order
BLOCKS = [("expanded_conv", 1, 32, 16, 1, "conv2_1")] + [
    (f"block_{i}", 6, cin, cout, s, p) for i, (cin, cout, s, p) in enumerate([
        (16, 24, 2, "conv2_2"), (24, 24, 1, "conv3_1"), (24, 32, 2, "conv3_2"),
        (32, 32, 1, "conv4_1"), (32, 32, 1, "conv4_2"), (32, 64, 2, "conv4_3"),
        (64, 64, 1, "conv4_4"), (64, 64, 1, "conv4_5"), (64, 64, 1, "conv4_6"),
        (64, 96, 1, "conv4_7"), (96, 96, 1, "conv5_1"), (96, 96, 1, "conv5_2"),
        (96, 160, 2, "conv5_3"), (160, 160, 1, "conv6_1"), (160, 160, 1, "conv6_2"),
        (160, 320, 1, "conv6_3")], start=1)]
#: skip name -> (channels, the Caffe blob holding the same values)
SKIPS = {"block_1_expand_relu": (96, "conv2_2/expand/bn"),
         "block_3_expand_relu": (144, "conv3_2/expand/bn"),
         "block_6_expand_relu": (192, "conv4_3/expand/bn"),
         "block_13_expand_relu": (576, "conv5_3/expand/bn"),
         "block_16_project": (320, "conv6_3/linear")}
UP_FILTERS = (512, 256, 128, 64)
#: the ImageNet head of the classifier (not part of the UNet)
HEAD = [("conv6_3/linear/bn", "block_16_project_BN", "bn"), ("conv6_4", "Conv_1", "conv"),
        ("conv6_4/bn", "Conv_1_bn", "bn"), ("fc7", "fc7", "conv")]
PREPROCESSING = Preprocessing(channel_order="bgr", mean=(103.94, 116.78, 123.68),
                              scale=0.017, input_range="0-255")


def has_expand(block: str, expansion: int, caffe_exact: bool) -> bool:
    """Whether a block has its 1x1 expand conv (the first only in the Caffe net)."""
    return expansion != 1 or caffe_exact


def stride(block: str, s: int, caffe_exact: bool) -> int:
    """The depthwise stride of ``block`` (shicai strides block_10, not block_6)."""
    if caffe_exact and block in ("block_6", "block_10"):
        return 2 if block == "block_10" else 1
    return s


def residual(cin: int, cout: int, stride: int) -> bool:
    return stride == 1 and cin == cout


def encoder_table(caffe_exact: bool = True) -> list:
    """``(caffe layer(s), model layer, kind)`` for the encoder up to block_16_project."""
    bn = lambda c: (f"{c}/bn", f"{c}/scale")  # noqa: E731
    rows = [("conv1", "Conv1", "conv"), (("conv1/bn", "conv1/scale"), "bn_Conv1", "bn")]
    for name, t, _cin, _cout, _s, p in BLOCKS:
        if has_expand(name, t, caffe_exact):
            rows += [(f"{p}/expand", f"{name}_expand", "conv"),
                     (bn(f"{p}/expand"), f"{name}_expand_BN", "bn")]
        rows += [(f"{p}/dwise", f"{name}_depthwise", "dwconv"),
                 (bn(f"{p}/dwise"), f"{name}_depthwise_BN", "bn"),
                 (f"{p}/linear", f"{name}_project", "conv")]
        if name != "block_16":
            rows.append((bn(f"{p}/linear"), f"{name}_project_BN", "bn"))
    return rows


def head_table() -> list:
    return [((c, c.replace("/bn", "/scale")) if k == "bn" else c, m, k) for c, m, k in HEAD]


def keymap(caffe_weights: dict, framework: str, head: bool = False) -> dict:
    """Caffe MobileNetV2 blobs -> the Caffe-exact encoder's parameters (and the ImageNet
    head's, for the classifier)."""
    table = encoder_table(True) + (head_table() if head else [])
    return convert(caffe_weights, table, framework)


def create_keymap(weights, shapes: dict, caffe_exact: bool = False, **_build_args):
    """The registry's key map (``caffe2ss.models.create(..., init=...)``): the encoder from
    a Caffe MobileNetV2; the decoder stays freshly initialised. Needs caffe_exact=True."""
    return registry_keymap(weights, shapes, encoder_table(True), "mobilenetv2_unet",
                           caffe_exact)


def framework_of(model) -> str:
    return "torch" if hasattr(model, "state_dict") else "tf"


def load_caffe(model, caffe_path, prototxt=None) -> list:
    """Fill ``model``'s encoder (and head, if it has one) from a Caffe MobileNetV2.

    ``model`` must be built with ``caffe_exact=True``. Returns the parameter names the
    Caffe net does not cover (the decoder), which keep their initialisation.
    """
    fw = framework_of(model)
    head = bool(getattr(model, "has_imagenet_head", False))
    return assign(model, keymap(caffe_weights(caffe_path, prototxt), fw, head=head), fw)


register_model(
    "mobilenetv2_unet",
    torch="caffe2ss.models.torch.mobilenetv2_unet:mobilenetv2_unet",
    tf="caffe2ss.models.tf.mobilenetv2_unet:mobilenetv2_unet",
    summary="MobileNetV2 encoder (skips 1/2..1/32) + 4 transposed-conv upsample blocks",
    num_classes=2,
    input_multiple=32,
    preprocessing=PREPROCESSING,
    init_sources=(InitSource(
        name="MobileNet-Caffe v2 (shicai)",
        prototxt="MobileNet-Caffe__mobilenet_v2_deploy.prototxt",
        keymap="caffe2ss.models.families.mobilenetv2_unet:create_keymap",
        build_args={"caffe_exact": True},
        signature=("conv2_1/expand", "conv2_2/dwise", "conv6_3/linear"),
        note="encoder only; builds the Caffe-exact encoder (caffe_exact=True, +1,152 "
             "parameters: conv2_1/expand)"),),
    param_counts={2: 6_502_786},
    defaults={"caffe_exact": False},
)

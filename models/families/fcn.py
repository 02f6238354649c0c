"""FCN-32s/16s/8s/8s-atonce and DeepLab-LargeFOV, trainable: registration and key maps.

The Caffe-exact classes (``models/torch/fcn.py``, ``deeplab.py`` and their Keras twins)
made trainable by ``models/{torch,tf}/fcn_train.py``: MSRA/He convolutions, zero biases,
FCN's bilinear deconvolution kernels, Dropout active in training, and the published
frozen set (:data:`FROZEN`: FCN's ``upscore*`` deconvolutions and atonce's fixed
``scale_pool*`` have ``lr_mult: 0`` in the train nets; DeepLab freezes nothing),
overridable with ``frozen=``. Parameter names are the Caffe layer names, so the key map
from a converted FCN / DeepLab model is the identity; FCN also initialises from a
converted VGG16 (conv layers one to one, fc6 ``(4096, 25088)`` reshaped to the 7x7
convolution, fc7 to 1x1; scores and upsamplings start fresh).
"""
from __future__ import annotations

from ..keymap import KeyMap, take
from ..registry import InitSource, Preprocessing, register_model

#: The published train nets' ``lr_mult: 0`` layers (fixed bilinear upsampling, fixed scales)
FROZEN = {
    "fcn32s": ("upscore",),
    "fcn16s": ("upscore2", "upscore16"),
    "fcn8s": ("upscore2", "upscore_pool4", "upscore8"),
    "fcn8s_atonce": ("upscore2", "upscore_pool4", "upscore8", "scale_pool4", "scale_pool3"),
    "deeplab_largefov": (),
}
_HEADS = ("score", "upscore", "fc8")
VOC_MEAN = (104.00699, 116.66877, 122.67892)


def identity(weights, shapes, **build_args) -> KeyMap:
    """A converted FCN / DeepLab model: every key ``<layer>.<param>`` from that layer."""
    fc8 = [n for n in weights.params if n.startswith("fc8")]
    state = {}
    for k, s in shapes.items():
        layer, p = k.rsplit(".", 1)
        if layer not in weights.params and layer.startswith("fc8") and len(fc8) == 1:
            layer = fc8[0]  # DeepLab's classifier is fc8_<experiment>
        state[k] = take(weights, layer, p, s)
    classifier = tuple(k for k in state if k.startswith(_HEADS))
    return KeyMap(state, {}, classifier)


def from_vgg16(weights, shapes, **build_args) -> KeyMap:
    """A converted VGG16 -> an FCN's trunk (fc6/fc7 convolutionalised, fc8 unused)."""
    state, fresh = {}, {}
    for k, s in shapes.items():
        layer, p = k.rsplit(".", 1)
        if layer.startswith(("conv", "fc6", "fc7")):
            state[k] = take(weights, layer, p, s)
        else:
            fresh[k] = "not in VGG16 (initialised as FCN does)"
    return KeyMap(state, fresh)


def _register(name, summary, sources, counts):
    register_model(
        name, torch=f"caffe2ss.models.torch.fcn_train:{name}",
        tf=f"caffe2ss.models.tf.fcn_train:{name}", summary=summary, num_classes=21,
        preprocessing=Preprocessing("bgr", VOC_MEAN, 1.0, "0-255"),
        init_sources=sources, param_counts=counts)


def _sources(prototxt, signature, vgg=True, name=None):
    own = InitSource(name or prototxt.split("__")[1], prototxt,
                     "caffe2ss.models.families.fcn:identity",
                     "identity (parameter names are the Caffe layer names)", signature)
    if not vgg:
        return (own,)
    return (own, InitSource("vgg16", "VGG_ILSVRC_16_layers_deploy.prototxt",
                            "caffe2ss.models.families.fcn:from_vgg16",
                            "trunk one to one, fc6/fc7 convolutionalised; heads fresh",
                            ("conv1_1", "fc6", "fc7", "fc8")))


_register("fcn32s", "FCN-32s (Caffe-exact forward, trainable)",
          _sources("fcn.berkeleyvision.org__voc-fcn32s__val.prototxt",
                   ("score_fr", "upscore")), {2: 134_285_122})
_register("fcn16s", "FCN-16s (Caffe-exact forward, trainable)",
          _sources("fcn.berkeleyvision.org__voc-fcn16s__val.prototxt",
                   ("score_fr", "upscore16")), {2: 134_273_924})
_register("fcn8s", "FCN-8s (Caffe-exact forward, trainable)",
          _sources("fcn.berkeleyvision.org__voc-fcn8s__deploy.prototxt",
                   ("score_fr", "upscore8", "score_pool3")), {2: 134_271_430})
_register("fcn8s_atonce", "FCN-8s-atonce (Caffe-exact forward, trainable)",
          _sources("fcn.berkeleyvision.org__voc-fcn8s-atonce__val.prototxt",
                   ("score_fr", "upscore8", "scale_pool4")), {2: 134_272_198})
_register("deeplab_largefov", "DeepLab-LargeFOV (Caffe-exact forward, trainable)",
          _sources("tensorflow-deeplab-lfov__util__deploy.prototxt", ("fc6", "fc7"),
                   vgg=False, name="deeplab-largefov"), {2: 20_485_954})

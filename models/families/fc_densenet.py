"""FC-DenseNet on DenseNet-121/169/201: registration, structure tables, Caffe key map.

The seed's structure (``build_fc_densenet``): a DenseNet encoder (Keras names) up to
``conv5_block<n>_concat``, skips ``conv{2,3,4,5}_block<n>_concat`` at 1/4..1/32; an
optional bottleneck dense block of ``bottleneck_blocks`` layers; three up steps, each a
3x3 stride-2 transposed conv (with bias) to half the skip's channels, concatenated with
the skip, then a dense block of ``blocks[-i]`` layers (BN-ReLU-1x1 to 128, BN-ReLU-3x3 to
32); a 3x3 stride-4 transposed conv to 64 and a 1x1 ``score`` conv (logits; the seed ends
in a softmax). H and W must be multiples of 32.

``caffe_exact=True`` (chosen by :func:`load_caffe`) follows shicai's DenseNet-Caffe:
BatchNorm eps 1e-5 (the prototxt's; Keras uses 1.001e-5) and Caffe's rounding for the
transition AVE pools (ceil; pool1 has ``ceil_mode: false``, i.e. floor, as Keras's
valid pool). Padding is symmetric in both (conv1 pad 3, pool1 pad 1). The parameter
count is the same in both variants.
"""
from __future__ import annotations

from ..registry import InitSource, Preprocessing, register_model
from ..keymap_protocol import registry_keymap
from ..weightmap import assign, caffe_weights, convert

BLOCKS = {121: (6, 12, 24, 16), 169: (6, 12, 32, 32), 201: (6, 12, 48, 32)}
GROWTH = 32
#: documented parameter counts for 2 classes: (n_layers, use_bottleneck) -> count
COUNTS = {(121, False): 28_863_874, (169, False): 50_783_746, (201, False): 72_853_250,
          (121, True): 41_198_978, (169, True): 67_001_858, (201, True): 92_512_002}
PREPROCESSING = Preprocessing(channel_order="bgr", mean=(103.94, 116.78, 123.68),
                              scale=0.017, input_range="0-255")


def blocks_of(n_layers: int) -> tuple:
    """Dense block sizes; like the seed, any other value means DenseNet-201."""
    return BLOCKS.get(n_layers, BLOCKS[201])


def skip_names(n_layers: int) -> list:
    """Encoder skips (1/4, 1/8, 1/16, 1/32) and, in Caffe, the blobs of the same values."""
    b = blocks_of(n_layers)
    return [f"conv{s}_block{b[s - 2]}_concat" for s in range(2, 6)]


def caffe_skip_blobs(n_layers: int) -> list:
    b = blocks_of(n_layers)
    return [f"concat_{s}_{b[s - 2]}" for s in range(2, 6)]


def encoder_table(n_layers: int) -> list:
    """``(caffe layer(s), model layer, kind)`` for the encoder up to the last concat."""
    bn = lambda c: (f"{c}/bn", f"{c}/scale")  # noqa: E731
    rows = [("conv1", "conv1_conv", "conv"), (bn("conv1"), "conv1_bn", "bn")]
    for s, n in zip(range(2, 6), blocks_of(n_layers)):
        for i in range(1, n + 1):
            c, k = f"conv{s}_{i}", f"conv{s}_block{i}"
            rows += [(bn(f"{c}/x1"), f"{k}_0_bn", "bn"), (f"{c}/x1", f"{k}_1_conv", "conv"),
                     (bn(f"{c}/x2"), f"{k}_1_bn", "bn"), (f"{c}/x2", f"{k}_2_conv", "conv")]
        if s < 5:
            rows += [(bn(f"conv{s}_blk"), f"pool{s}_bn", "bn"),
                     (f"conv{s}_blk", f"pool{s}_conv", "conv")]
    return rows


HEAD = [(("conv5_blk/bn", "conv5_blk/scale"), "bn", "bn"), ("fc6", "fc6", "conv")]


def keymap(caffe_weights: dict, framework: str, n_layers: int = 121,
           head: bool = False) -> dict:
    """Caffe DenseNet blobs -> encoder parameters (and the ImageNet head's, for the
    classifier)."""
    return convert(caffe_weights, encoder_table(n_layers) + (HEAD if head else []), framework)


def _create_keymap(n_layers: int):
    def create_keymap(weights, shapes: dict, caffe_exact: bool = False, **_build_args):
        """The registry's key map for ``fc_densenet{n}`` (``create(..., init=...)``): the
        encoder from a Caffe DenseNet; the decoder stays fresh. Needs caffe_exact=True."""
        return registry_keymap(weights, shapes, encoder_table(n_layers),
                               f"fc_densenet{n_layers}", caffe_exact)
    return create_keymap


create_keymap121, create_keymap169, create_keymap201 = (_create_keymap(n)
                                                        for n in (121, 169, 201))


def load_caffe(model, caffe_path, prototxt=None) -> list:
    """Fill ``model``'s encoder (and head, if any) from a Caffe DenseNet caffemodel (or
    its ``.npz`` from :func:`caffe2ss.models.weightmap.save_caffe_weights`).

    Build ``model`` with ``caffe_exact=True`` and the net's ``n_layers``. Returns the
    parameter names the Caffe net does not cover (the decoder).
    """
    fw = "torch" if hasattr(model, "state_dict") else "tf"
    n = getattr(model, "n_layers", 121)
    head = bool(getattr(model, "has_imagenet_head", False))
    return assign(model, keymap(caffe_weights(caffe_path, prototxt), fw, n, head), fw)


for _n in (121, 169, 201):
    register_model(
        f"fc_densenet{_n}",
        torch=f"caffe2ss.models.torch.fc_densenet:fc_densenet{_n}",
        tf=f"caffe2ss.models.tf.fc_densenet:fc_densenet{_n}",
        summary=f"FC-DenseNet on DenseNet-{_n} (blocks {list(BLOCKS[_n])}), 3 up steps",
        num_classes=2,
        input_multiple=32,
        preprocessing=PREPROCESSING,
        init_sources=(InitSource(
            name=f"DenseNet-Caffe {_n} (shicai)",
            prototxt=f"DenseNet-Caffe__DenseNet_{_n}.prototxt",
            keymap=f"caffe2ss.models.families.fc_densenet:create_keymap{_n}",
            build_args={"caffe_exact": True},
            signature=(f"conv4_{BLOCKS[_n][2]}/x2", f"conv5_{BLOCKS[_n][3]}/x2"),
            note="encoder only (builds caffe_exact=True: BN eps 1e-5, ceil AVE pools); "
                 "pool1 has ceil_mode: false"),),
        param_counts={2: COUNTS[(_n, False)]},
        defaults={"use_bottleneck": False, "bottleneck_blocks": 32, "caffe_exact": False},
    )

"""DeepLab v1 (deeplab-public): old-style ``layers`` with its own V1 enum values 39-56,
``hole`` dilation and ``strict_dim``; segmentation data, accuracy and DenseCRF layers."""
import re

from .fork import Fork

#: V1 LayerType enum additions (DeepLab v1 shares 0-38 with BVLC) -> registered names.
V1_TYPES = {
    "IMAGE_SEG_DATA": "ImageSegData", "SEG_ACCURACY": "SegAccuracy", "INTERP": "Interp",
    "PADDING": "Padding", "MAT_WRITE": "MatWrite", "MAT_READ": "MatRead",
    "DENSE_CRF": "DenseCRF", "DOMINANT_CHANNEL": "DominantChannel",
    "BIAS_CHANNEL": "BiasChannel", "UNIQUE_LABEL": "UniqueLabel",
    "CENSOR_LABEL": "CensorLabel", "ADAPTIVE_BIAS_CHANNEL": "AdaptiveBiasChannel",
    "CHANNEL_AGGREGATOR": "ChannelAggregator", "IGNORE_OVERLAY": "IgnoreOverlay",
    "HISTOGRAM": "Histogram", "RELATIVE_ERROR": "RelativeError",
    "GAIN_CHANNEL": "GainChannel", "ONEHOT": "OneHot",
}

#: DeepLab v1 keywords and enum types, as words. Each pattern starts with a literal (``re``
#: finds candidates at C speed; the word boundary is checked behind it, see ceil_mode.py).
_TEXT = (re.compile(r"hole(?<=\bhole)(_h|_w)?\s*:"),
         re.compile(r"strict_dim(?<=\bstrict_dim)\s*:"),
         re.compile(r"type(?<=\btype)\s*:\s*(IMAGE_SEG_DATA|"
                    r"SEG_ACCURACY|INTERP|PADDING|MAT_WRITE|MAT_READ|DENSE_CRF|"
                    r"DOMINANT_CHANNEL|BIAS_CHANNEL|UNIQUE_LABEL|CENSOR_LABEL|"
                    r"ADAPTIVE_BIAS_CHANNEL|CHANNEL_AGGREGATOR|IGNORE_OVERLAY|HISTOGRAM|"
                    r"RELATIVE_ERROR|GAIN_CHANNEL|ONEHOT)\b"))
_LAYERS = re.compile(r"layers(?<=\blayers)\s*\{")


def detect_text(body: str) -> bool:
    """Old-style ``layers {`` with a DeepLab v1 keyword or enum type."""
    return bool(_LAYERS.search(body)) and any(rx.search(body) for rx in _TEXT)


def detect_layer(l) -> bool:
    """A V1 layer only DeepLab v1 writes: enum values 40-56 (39 = IMAGE_SEG_DATA has no
    convolution_param, BVLC's 39 = DECONVOLUTION always has one), its parameter fields
    43-59, strict_dim (1003), or ``hole`` values (ConvolutionParameter 17/19)."""
    return l.v1_type is not None and (
        l.v1_type >= 40 or 1003 in l.fields or bool(l.fields & set(range(43, 60)))
        or l.conv_fields.get(17, 0) > 1 or 19 in l.conv_fields
        or (l.v1_type == 39 and 10 not in l.fields))


FORK = Fork(
    name="deeplab_v1", schema="deeplab_v1_pb2", order=1, detect_text=detect_text,
    detect_layer=detect_layer, v1_types=V1_TYPES,
    data_types=frozenset({"ImageSegData"}), drop_types=frozenset({"SegAccuracy", "MatWrite"}),
    postprocess_types=frozenset({"DenseCRF"}),
)

"""DeepLab's ``DenseCRF`` layer (DLv1 V1 enum 45 / ``dense_crf_param`` 48, DLv2
``dense_crf_param`` 146) read into :class:`~caffe2ss.converter.seg.crf_params.CRFParams`.

The layer is post-processing: the converted net ends before it, and its parameters
become the defaults of ``--crf`` in ``eval`` and ``infer``. DenseCRFParameter's
defaults (both forks): ``max_iter`` 10, every kernel list empty (no kernel),
``output_probability`` true. DeepLab's layer sums one Potts kernel per list entry;
:class:`CRFParams` holds one smoothness and one appearance kernel, so only the first
entry of each list is used (with a warning when there are more). The appearance kernel
needs the image, DeepLab's third bottom: with two bottoms it is off.
"""
from __future__ import annotations

from ..seg.crf_params import CRFParams
from ..errors import CaffeError


def crf_from_layer(raw) -> tuple[CRFParams | None, list[str]]:
    """(params or None when the layer sets no kernel, warnings) for a DenseCRF RawLayer."""
    p = raw.msg.dense_crf_param
    pos_w, pos_xy = list(p.pos_w), list(p.pos_xy_std)
    bi_w, bi_xy, bi_rgb = list(p.bi_w), list(p.bi_xy_std), list(p.bi_rgb_std)
    if len(pos_w) != len(pos_xy):
        raise CaffeError("pos_w and pos_xy_std must have the same number of values "
                         f"({len(pos_w)} vs {len(pos_xy)})", layer=raw.name,
                         field="dense_crf_param.pos_w")
    if not len(bi_w) == len(bi_xy) == len(bi_rgb):
        raise CaffeError("bi_w, bi_xy_std and bi_rgb_std must have the same number of "
                         f"values ({len(bi_w)}, {len(bi_xy)}, {len(bi_rgb)})",
                         layer=raw.name, field="dense_crf_param.bi_w")
    warnings = []
    if len(pos_w) > 1 or len(bi_w) > 1:
        warnings.append(f"'{raw.name}' (DenseCRF) lists {len(pos_w)} smoothness and "
                        f"{len(bi_w)} appearance kernels; --crf uses the first of each")
    if len(raw.bottoms) < 3 and bi_w:
        warnings.append(f"'{raw.name}' (DenseCRF) has no image bottom, so DeepLab runs it "
                        "without its appearance kernel; --crf does the same")
        bi_w = []
    if not pos_w and not bi_w:
        return None, warnings + [f"'{raw.name}' (DenseCRF) sets no kernel; --crf uses "
                                 "DeepLab-LargeFOV's parameters"]
    default = CRFParams()
    try:
        params = CRFParams(
            bi_w=float(bi_w[0]) if bi_w else 0.0,
            bi_xy_std=float(bi_xy[0]) if bi_w else default.bi_xy_std,
            bi_rgb_std=float(bi_rgb[0]) if bi_w else default.bi_rgb_std,
            pos_w=float(pos_w[0]) if pos_w else 0.0,
            pos_xy_std=float(pos_xy[0]) if pos_w else default.pos_xy_std,
            iterations=int(p.max_iter), source=f"net '{raw.name}' (DenseCRF)")
    except CaffeError as e:
        raise e.with_context(layer=raw.name) from None
    return params, warnings

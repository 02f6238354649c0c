"""Fields and layer types of Caffe forks that a schema does not read (every fork's,
named; ``--fork bvlc`` on an SSD file, or the SSD fork's training fields).

A file written by such a fork parses with the BVLC schema (binary: the unknown fields
are skipped) or fails on the first unknown name (text). Either way the user is told
which fork the file comes from and which fields and layers caffe2ss cannot read.

Numbers: the SSD fork from weiliu89/caffe (branch ``ssd``, src/caffe/proto/caffe.proto:
LayerParameter 200-207); the reference build of ``shared/oracle`` (inisis/caffe, see
shared/reference/caffe-proto-fields.md section 8) reuses the SSD numbers and adds
149, 250, 251, 500-507, 1000 and 1111.
"""
from __future__ import annotations

from ..layers import SPECS  # a type caffe2ss converts is not foreign any more

SSD = "the SSD fork (weiliu89/caffe)"
ORACLE = "the inisis/caffe fork (shared/oracle's reference build)"

#: LayerParameter field number -> (fork, field name)
LAYER_FIELDS = {
    200: (SSD, "annotated_data_param"), 201: (SSD, "multibox_loss_param"),
    202: (SSD, "permute_param"), 203: (SSD, "prior_box_param"),
    204: (SSD, "detection_output_param"), 205: (SSD, "detection_evaluate_param"),
    206: (SSD, "norm_param"), 207: (SSD, "video_data_param"),
    149: (ORACLE, "psroi_pooling_param"), 250: (ORACLE, "inception_param"),
    251: (ORACLE, "resize_param"), 500: (ORACLE, "upsample_param"),
    501: (ORACLE, "hardsigmoid_param"), 502: (ORACLE, "unsqueeze_param"),
    503: (ORACLE, "relu6_param"), 504: (ORACLE, "pad_param"),
    505: (ORACLE, "bilinear_interpolate_param"), 506: (ORACLE, "max_unpool_param"),
    507: (ORACLE, "pixelshuffle_param"), 1000: (ORACLE, "proposal_param"),
    1111: (ORACLE, "bn_param"),
}

#: field name -> fork (for prototxts, which name their fields)
FIELD_NAMES = {name: fork for fork, name in LAYER_FIELDS.values()}
#: PoolingParameter 13 (see .pool13); a schema other than ceil_mode's lacks the name
FIELD_NAMES["ceil_mode"] = ("the ceil_mode forks (--fork ceil_mode reads it, with BVLC's "
                            "other fields)")

#: layer type string -> fork
LAYER_TYPES = {t: SSD for t in ("Normalize", "Permute", "PriorBox", "DetectionOutput",
                                "AnnotatedData", "MultiBoxLoss", "DetectionEvaluate",
                                "VideoData", "SmoothL1Loss")}


def _group(items) -> str:
    """'fork: a, b; other fork: c' from (fork, what) pairs, in first-seen order."""
    by: dict[str, list] = {}
    for fork, what in items:
        if what not in by.setdefault(fork, []):
            by[fork].append(what)
    return "; ".join(f"{', '.join(v)} of {k}" for k, v in by.items())


def binary_note(scanned, module, fork: str) -> str:
    """A sentence naming the fork fields and types the scan saw and ``fork`` lacks."""
    known = {f.number for f in module.LayerParameter.DESCRIPTOR.fields} \
        if hasattr(module, "LayerParameter") else set()
    fields, other, layers = [], set(), []
    for l in scanned.layers:
        if l.v2_type is None:
            continue
        unknown = sorted(n for n in l.fields if n not in known)
        hit = [(LAYER_FIELDS[n][0], f"{n} {LAYER_FIELDS[n][1]}") for n in unknown
               if n in LAYER_FIELDS]
        other.update(n for n in unknown if n not in LAYER_FIELDS)
        if l.v2_type in LAYER_TYPES and l.v2_type not in SPECS:
            hit.append((LAYER_TYPES[l.v2_type], f"type {l.v2_type}"))
        if hit:
            fields.extend(hit)
            layers.append(l.name)
    if not fields and not other:
        return ""
    text = (f"the file has LayerParameter fields and types that the {fork} schema does "
            f"not read: {_group(fields)}" if fields else
            f"the file has LayerParameter fields unknown to the {fork} schema")
    if layers:
        text += f" (layers {', '.join(repr(n) for n in layers[:4])}" + \
            (f" and {len(layers) - 4} more)" if len(layers) > 4 else ")")
    if other:
        text += f"; unknown field numbers {sorted(other)[:6]} (another fork)"
    return text + ("; caffe2ss reads only the SSD fork's inference layers, so these are not "
                   "converted" if fork == "ssd" else
                   "; caffe2ss has no schema for this fork, so these are not converted")

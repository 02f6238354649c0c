"""The Caffe forks whose files we read: one module per fork (``bvlc``, ``deeplab_v1``,
``deeplab_v2``, ``segnet``, ``inisis``, ``pspnet``, ``ceil_mode``, ``ssd``), each with its
schema (``protos/<schema>.proto``), its detection from text and from bytes, its V1 enum
additions, and its data, drop and post-processing layer types (:class:`.fork.Fork`).
They are discovered by import (:mod:`.registry`), so a new fork is one ``.proto`` plus
one module here.

Helpers that are not forks: :mod:`.parse` (parse with a schema), :mod:`.textscan`
(every unknown field of a prototxt), :mod:`.foreign` (fields a schema does not read:
SSD's training fields, inisis's undeclared ones), :mod:`.pool13` (pooling field 13 in a
caffemodel: BVLC or ceil_mode).
"""
from .fork import Fork
from .parse import check_schema_fits, parse_binary, parse_text, parse_text_fields
from .registry import (DATA_TYPES, DEFAULT, DROP_TYPES, FORKS, POSTPROCESS_TYPES, REGISTRY,
                       V1_TYPES, detect_binary_fork, detect_text_fork, schema)

__all__ = ["DATA_TYPES", "DEFAULT", "DROP_TYPES", "FORKS", "Fork", "POSTPROCESS_TYPES",
           "REGISTRY", "V1_TYPES", "check_schema_fits", "detect_binary_fork",
           "detect_text_fork", "parse_binary", "parse_text", "parse_text_fields", "schema"]

"""Reading Caffe files: bytes -> :class:`~caffe2ss.converter.ir.Net`.

Only :func:`.load.load` and :func:`.load.load_definition` are used from outside (they are
re-exported as ``caffe2ss.converter.load`` / ``load_definition``). This ``__init__``
imports nothing, so the fork modules may use the wire-level readers without a cycle.
"""

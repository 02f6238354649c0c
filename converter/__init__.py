"""caffe2ss.converter: read Caffe files without Caffe and convert them.

The core (reader, IR, shape inference) imports numpy and protobuf only; frameworks are
imported by the backends, and only when asked for.

    >>> from caffe2ss.converter import load
    >>> net = load("fcn8s.caffemodel", "deploy.prototxt")
    >>> shapes = net.infer_shapes({"data": (1, 3, 500, 500)})
"""
from .errors import CaffeError
from .ir import Layer, Net
from .reader.load import load, load_definition

__all__ = ["CaffeError", "Layer", "Net", "load", "load_definition"]

"""TensorFlow/Keras models: Caffe-exact NHWC ops, the generic rebuild, FCN and DeepLab classes.

* ``layout``: the layout rule (4-D tensors NHWC, other ranks in Caffe's axis order);
* ``ops``, ``ops_nonspatial``, ``ops_plumbing``, ``ops_interp``: Caffe-exact ops on that layout;
* ``caffe_layers``: Keras layers for Caffe layers (variables named and laid out like the
  converter's checkpoint); ``model``: the ``CaffeModel`` base (weights by layer name);
* ``generic``: ``CaffeNet``, the rebuild of any converted net (every blob by name);
* ``fcn`` (``FCN32s``, ``FCN16s``, ``FCN8s``, ``FCN8sAtOnce``), ``deeplab``
  (``DeepLabLargeFOV``): the published nets, loading ``caffe2ss convert --to tf`` output.

Importing this package does not import TensorFlow; its modules do. The classes and
``from_checkpoint`` (class and thinned widths read from a converted checkpoint) are
re-exported lazily: ``from caffe2ss.models.tf import FCN8s`` imports TensorFlow then.
"""
import importlib

#: Public name -> module that defines it (imported on first access).
_EXPORTS = {"FCN32s": "fcn", "FCN16s": "fcn", "FCN8s": "fcn", "FCN8sAtOnce": "fcn",
            "DeepLabLargeFOV": "deeplab", "CaffeNet": "generic",
            "from_checkpoint": "fromweights"}
__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""TensorFlow/Keras models: Caffe-exact NHWC ops, the generic rebuild, FCN and DeepLab classes.

* ``layout``: the layout rule (4-D tensors NHWC, other ranks in Caffe's axis order);
* ``ops``, ``ops_nonspatial``, ``ops_plumbing``, ``ops_interp``: Caffe-exact ops on that layout;
* ``caffe_layers``: Keras layers for Caffe layers (variables named and laid out like the
  converter's checkpoint); ``model``: the ``CaffeModel`` base (weights by layer name);
* ``generic``: ``CaffeNet``, the rebuild of any converted net (every blob by name);
* ``fcn`` (``FCN32s``, ``FCN16s``, ``FCN8s``, ``FCN8sAtOnce``), ``deeplab``
  (``DeepLabLargeFOV``): the published nets, loading ``caffe2ss convert --to tf`` output.

Importing this package does not import TensorFlow; its modules do.
"""

"""Protobuf schemas for reading Caffe files without Caffe.

Eight proto2 schemas, each compiled into a ``*_pb2`` module by
``tools/gen_protos.py`` (do not edit the generated modules by hand):

* ``caffe.proto`` -> :mod:`caffe_pb2` (package ``caffe``): BVLC Caffe master.
  Reads new-style nets (``layer``, NetParameter field 100), legacy V1 nets
  (``layers``, field 2, enum types) and V0 layers; FCN, VGG16 and the oracle
  cases.
* ``deeplab_v1.proto`` -> :mod:`deeplab_v1_pb2` (package ``caffe_dlv1``): the
  DeepLab v1 fork (deeplab-public). V1-style ``layers`` only, its own LayerType
  enum (39 = IMAGE_SEG_DATA, not DECONVOLUTION; INTERP, DENSE_CRF, ...),
  ``hole`` dilation in ConvolutionParameter 17-19 and ``strict_dim``.
* ``deeplab_v2.proto`` -> :mod:`deeplab_v2_pb2` (package ``caffe_dlv2``): the
  DeepLab v2 fork (deeplab-public-ver2). BVLC layout, but LayerParameter
  143-151 carry DeepLab parameters (143 = interp_param where BVLC has
  input_param).
* ``ceil_mode.proto`` -> :mod:`ceil_mode_pb2` (package ``caffe_ceil``): BVLC with
  PoolingParameter 13 as ``bool ceil_mode`` (default true) instead of the
  ``round_mode`` enum (CEIL = 0): DenseNet-Caffe, PSPNet-era forks, the oracle build.
* ``segnet.proto`` -> :mod:`segnet_pb2` (package ``caffe_segnet``): the SegNet fork
  (alexgkendall/caffe-segnet). BVLC layout, but LayerParameter 137 is
  ``upsample_param`` (unpooling by a Pooling mask) where BVLC has ``embed_param``.
* ``inisis.proto`` -> :mod:`inisis_pb2` (package ``caffe_inisis``): the reference
  build behind shared/oracle (inisis/caffe): BVLC plus SSD's 202-206 params,
  500-507 (nearest Upsample, HardSigmoid, ReLU6, Pad, BilinearInterpolate, MaxUnPool,
  PixelShuffle) and 1111 ``bn_param``; PoolingParameter is ceil_mode's (13 = ``ceil_mode``).
* ``pspnet.proto`` -> :mod:`pspnet_pb2` (package ``caffe_pspnet``): the PSPNet fork
  (hszhao/PSPNet): DeepLab v2's schema plus LayerParameter 152 ``bn_param`` (``BN``).
* ``ssd.proto`` -> :mod:`ssd_pb2` (package ``caffe_ssd``): the SSD fork (weiliu89/caffe):
  BVLC plus LayerParameter 202 ``permute_param``, 203 ``prior_box_param``, 204
  ``detection_output_param``, 206 ``norm_param``.

The DeepLab schemas import the BVLC one for the messages they share, so weights
(``BlobProto``) read identically with all of them. The schemas reuse field
numbers with different meanings: pick the schema that matches the file's
origin (see docs/caffe-semantics.md, section 9, "Cross-fork hazards").

``SCHEMAS`` maps a schema name to its module; each module has ``NetParameter``.
"""

from . import caffe_pb2
from . import deeplab_v1_pb2
from . import deeplab_v2_pb2
from . import ceil_mode_pb2
from . import inisis_pb2
from . import pspnet_pb2
from . import segnet_pb2
from . import ssd_pb2

SCHEMAS = {"bvlc": caffe_pb2, "deeplab_v1": deeplab_v1_pb2, "deeplab_v2": deeplab_v2_pb2,
           "segnet": segnet_pb2, "inisis": inisis_pb2, "pspnet": pspnet_pb2,
           "ceil_mode": ceil_mode_pb2, "ssd": ssd_pb2}

__all__ = ["SCHEMAS", "caffe_pb2", "ceil_mode_pb2", "deeplab_v1_pb2", "deeplab_v2_pb2",
           "inisis_pb2", "pspnet_pb2", "segnet_pb2", "ssd_pb2"]

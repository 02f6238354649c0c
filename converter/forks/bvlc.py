"""BVLC Caffe (the default): V1 layer types, data layers, training-only layers (with the
SSD fork's, whose schema declares only its inference layers: :mod:`.ssd`)."""
from .fork import Fork

#: V1 LayerType enum name -> V2 type string (BVLC UpgradeV1LayerType).
V1_TYPES = {
    "NONE": "", "ABSVAL": "AbsVal", "ACCURACY": "Accuracy", "ARGMAX": "ArgMax",
    "BNLL": "BNLL", "CONCAT": "Concat", "CONTRASTIVE_LOSS": "ContrastiveLoss",
    "CONVOLUTION": "Convolution", "DECONVOLUTION": "Deconvolution", "DATA": "Data",
    "DROPOUT": "Dropout", "DUMMY_DATA": "DummyData", "EUCLIDEAN_LOSS": "EuclideanLoss",
    "ELTWISE": "Eltwise", "EXP": "Exp", "FLATTEN": "Flatten", "HDF5_DATA": "HDF5Data",
    "HDF5_OUTPUT": "HDF5Output", "HINGE_LOSS": "HingeLoss", "IM2COL": "Im2col",
    "IMAGE_DATA": "ImageData", "INFOGAIN_LOSS": "InfogainLoss",
    "INNER_PRODUCT": "InnerProduct", "LRN": "LRN", "MEMORY_DATA": "MemoryData",
    "MULTINOMIAL_LOGISTIC_LOSS": "MultinomialLogisticLoss", "MVN": "MVN",
    "POOLING": "Pooling", "POWER": "Power", "RELU": "ReLU", "SIGMOID": "Sigmoid",
    "SIGMOID_CROSS_ENTROPY_LOSS": "SigmoidCrossEntropyLoss", "SILENCE": "Silence",
    "SOFTMAX": "Softmax", "SOFTMAX_LOSS": "SoftmaxWithLoss", "SPLIT": "Split",
    "SLICE": "Slice", "TANH": "TanH", "WINDOW_DATA": "WindowData",
    "THRESHOLD": "Threshold",
}

FORK = Fork(
    name="bvlc", schema="caffe_pb2", order=0, v1_types=V1_TYPES,
    data_types=frozenset({"Input", "Data", "ImageData", "MemoryData", "HDF5Data",
                          "WindowData", "DummyData", "Python", "AnnotatedData",
                          "VideoData"}),
    drop_types=frozenset({"SoftmaxWithLoss", "EuclideanLoss", "HingeLoss", "InfogainLoss",
                          "MultinomialLogisticLoss", "SigmoidCrossEntropyLoss",
                          "ContrastiveLoss", "Accuracy", "Silence", "HDF5Output",
                          # the SSD fork's (weiliu89/caffe; not in protos/ssd.proto,
                          # see .foreign): its losses and evaluation, dropped like BVLC's
                          "MultiBoxLoss", "SmoothL1Loss", "DetectionEvaluate"}),
)

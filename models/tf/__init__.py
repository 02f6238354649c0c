"""TensorFlow/Keras models: Caffe-exact NHWC ops, the generic rebuild, FCN and DeepLab classes."""

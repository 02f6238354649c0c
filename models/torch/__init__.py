"""PyTorch models: Caffe-exact ops, the generic rebuild, FCN and DeepLab classes."""

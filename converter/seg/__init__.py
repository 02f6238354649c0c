"""Semantic-segmentation tasks on a converted net: VOC data, pre/post-processing,
prediction, mIoU evaluation, inference to masks, the mIoU gate and the demo."""

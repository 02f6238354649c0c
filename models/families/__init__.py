"""One framework-free module per trainable family: its registration and Caffe key maps.

Every module here is imported by :func:`caffe2ss.models.registry.list_models`.
"""

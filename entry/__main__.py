"""``python -m caffe2ss``: the ``caffe2ss`` command without the console script.

``caffe2ss`` is a namespace package assembled from the repository's folders; this
folder (``entry/``) is mapped onto it by pyproject's ``package-dir`` and holds only
this module.
"""
import sys

from caffe2ss.converter.cli.main import main

if __name__ == "__main__":
    sys.exit(main())

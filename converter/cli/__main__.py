"""``python -m caffe2ss.converter.cli``: the console script without installing it."""
import sys

from .main import main

sys.exit(main())

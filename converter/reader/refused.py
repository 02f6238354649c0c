"""Caffe layer types with a CPU forward that caffe2ss refuses, each with the reason.

The reader lists every such layer of a net at once (``reader/netbuild.py``), naming
the layer, its type and the reason below.
"""
from __future__ import annotations

#: Caffe type -> why it is not converted (BVLC types with a CPU forward, then forks).
REFUSED = {
    "LSTM": "recurrent layers (LSTM, RNN, LSTMUnit) are not supported",
    "RNN": "recurrent layers (LSTM, RNN, LSTMUnit) are not supported",
    "LSTMUnit": "recurrent layers (LSTM, RNN, LSTMUnit) are not supported",
    "Filter": "Filter drops items by a runtime selector blob, giving a data-dependent batch "
              "size; not supported",
    "BatchReindex": "BatchReindex gathers items by a runtime index blob; not supported",
    "Python": "a Python layer runs user code that cannot be converted",
    # fork layers
    "Resize": "the inisis build's Resize (resize_param 251) is not supported; "
              "BilinearInterpolate is",
}


def reason(type_name: str) -> str | None:
    """Why ``type_name`` is refused, or None when it is simply unknown."""
    return REFUSED.get(type_name)

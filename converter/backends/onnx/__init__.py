"""ONNX backend (needs the `onnx` extra)."""

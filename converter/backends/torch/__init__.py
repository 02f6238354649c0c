"""PyTorch backend (needs the `torch` extra)."""

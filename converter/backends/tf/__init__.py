"""TensorFlow backend (needs the `tf` extra)."""

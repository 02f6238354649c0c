"""Test helpers (not test files): the oracle cases, Caffe's formulas in numpy, one-layer
nets and the export tests' shared net. Tests import them as ``helpers.<module>``."""

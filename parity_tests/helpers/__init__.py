"""Test helpers (not test files): the oracle cases, Caffe's formulas in numpy, one-layer
nets, the export tests' shared net, and look-alike caffemodels written at the wire level
(``lookalike``). Tests import them as ``helpers.<module>``."""

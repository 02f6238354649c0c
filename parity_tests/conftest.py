"""Shared fixtures: the real-Caffe oracle cases (see :mod:`helpers.oracle`)."""
from __future__ import annotations

import pytest

from helpers.oracle import ORACLE_CASES, OracleCase


@pytest.fixture(params=ORACLE_CASES)
def oracle_case(request) -> OracleCase:
    """Every oracle case with reference blobs."""
    return OracleCase(request.param)

"""Hand-written cases kept as data (tests/data/*_cases.toml), each a test of its own."""
from __future__ import annotations

import pytest


def case_param(case: dict, id: str):
    """One case as a test. A case whose `known_miss` says why the normalizer gets it wrong is
    an expected failure, with that reason, and fails the suite once it comes right."""
    marks = [pytest.mark.xfail(strict=True, reason=case["known_miss"])] if "known_miss" in case else []
    return pytest.param(case, marks=marks, id=id)

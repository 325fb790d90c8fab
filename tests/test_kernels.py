"""The compiled kernels against what they stand for: numpy's own arithmetic, the enums' order."""

from __future__ import annotations

import numpy as np
import pytest

from simulation import enums
from simulation import funding_kernels as fk
from simulation.enums import FundingSource


def test_enum_tuples_are_indexed_by_value() -> None:
    """``STAGES[i]`` stands for ``Stage(i)``: every member sits at the position of its value."""
    for members, enum in [
        (enums.KINDS, enums.ActorKind),
        (enums.DOMAINS, enums.Domain),
        (enums.STAGES, enums.Stage),
        (enums.CAUSES, enums.FailureCause),
        (enums.GOVERNANCES, enums.Governance),
        (enums.FORMS, enums.Form),
        (enums.PHARE_TYPES, enums.PhareType),
    ]:
        assert members == tuple(enum(i) for i in range(len(enum)))


def test_sources_in_the_enum_order() -> None:
    assert [int(s) for s in FundingSource] == [
        fk.PUBLIC_LOCAL,
        fk.LOCAL_FUND,
        fk.PUBLIC_POLICY,
        fk.PRIVATE,
        fk.VOLUNTEERING,
        fk.REVENUE,
    ]
    assert len(FundingSource) == fk.N_SOURCES


@pytest.mark.parametrize("n", [0, 1, 2, 5, 7, 8, 9, 15, 16, 17, 21, 127, 128, 129, 300, 1000])
def test_sums_are_numpys_bit_for_bit(n: int) -> None:
    """Plans made by the kernels equal numpy's to the last bit: the sums are grouped as numpy groups them."""
    rng = np.random.default_rng(n)
    for _ in range(50):
        a = rng.lognormal(0.0, 3.0, n)
        assert fk._sum(a) == a.sum()

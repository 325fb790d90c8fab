"""Run-level indicators on known inputs, and the reporters' names across files, plots and docs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation import outcomes
from simulation.territory import gini

DOCS = Path(__file__).resolve().parent.parent / "docs" / "ODD.md"


def test_takeoff_month_is_the_first_month_at_ten_percent_of_the_peak() -> None:
    active = pd.Series([0, 1, 2, 5, 10, 40, 100, 90])
    assert outcomes.takeoff_month(active) == 4  # 10 ≥ 10% of 100
    assert outcomes.takeoff_month(active, 0.5) == 6
    assert np.isnan(outcomes.takeoff_month(pd.Series([0, 0, 0])))


def test_recovery_counts_months_until_the_pre_shock_level_returns() -> None:
    active = pd.Series([5, 8, 10, 6, 7, 9, 10, 12])
    assert outcomes.recovery_months(active, shock_start=3) == 3  # level 10 (month 2) regained at month 6
    assert np.isnan(outcomes.recovery_months(active, shock_start=None))
    assert np.isnan(outcomes.recovery_months(pd.Series([5, 10, 4, 5, 6]), shock_start=2))  # never regained


@pytest.mark.parametrize(
    ("values", "expected"), [([1, 1, 1, 1], 0.0), ([0, 0, 0, 4], 0.75), ([0, 0, 0, 0], 0.0), ([1, 3], 0.25)]
)
def test_gini(values: list[float], expected: float) -> None:
    assert gini(np.array(values, dtype=float)) == pytest.approx(expected)


def test_every_reporter_is_documented_in_the_odd() -> None:
    text = DOCS.read_text()
    missing = [name for name in outcomes.reporters() if f"`{name}`" not in text]
    assert not missing, f"reporters not named in docs/ODD.md: {missing}"

"""The sample fraction trades noise and speed, not the answer: the baseline's shares and counts (in real units) agree
at fractions f, 2f and 4f within seed noise (docs/territories.md, "The sample").

Statistic and tolerance, stated before looking: for each outcome, the means over seeds at 2f and at 4f each differ
from the mean at f by at most 3 standard errors of their difference (a two-sided z-test at about 0.3%, with 10
seeds a fraction), and by at most 15% of the larger mean, so that a bias noise would hide on a noisy outcome is
still caught. The region is the Cantal (9 EPCI), from 500 to 2,000 actors.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from simulation.config import compose
from simulation.runs.simulate import simulate

FRACTION = 0.04
SEEDS = 10
OUTCOMES = ("participation_firm", "participation_association", "lasting_cooperations", "projects_launched_cumulative")
#: How many standard errors of the difference, and what share of the larger mean, two fractions may differ by.
Z, RELATIVE = 3.0, 0.15


@functools.cache
def runs(factor: int) -> dict[str, np.ndarray]:
    values: dict[str, list[float]] = {k: [] for k in OUTCOMES}
    for seed in range(SEEDS):
        summary = simulate(
            compose(["region=cantal", f"region.sample_fraction={FRACTION * factor!r}", f"seed={seed}"])
        ).summary
        for k in OUTCOMES:
            values[k].append(float(summary[k]))
    return {k: np.array(v) for k, v in values.items()}


@pytest.mark.slow
@pytest.mark.parametrize("factor", (2, 4))
@pytest.mark.parametrize("outcome", OUTCOMES)
def test_the_answer_does_not_depend_on_the_sample_fraction(outcome: str, factor: int) -> None:
    small, large = runs(1)[outcome], runs(factor)[outcome]
    se = np.hypot(small.std(ddof=1), large.std(ddof=1)) / np.sqrt(SEEDS)
    gap = abs(large.mean() - small.mean())
    said = f"{outcome}: {small.mean():.4g} at f, {large.mean():.4g} at {factor}f"
    assert gap <= Z * se, f"{said}, {gap / se:.1f} SE apart"
    assert gap <= RELATIVE * max(abs(small.mean()), abs(large.mean())), f"{said}: {gap:.4g} apart"


@pytest.mark.slow
def test_a_larger_fraction_is_less_noisy() -> None:
    """What the fraction buys: the seeds' spread of the real count shrinks as the sample grows (from f to 4f; were the
    runs independent draws of the same size, as 1/sqrt, it would halve)."""
    small, large = runs(1)["projects_launched_cumulative"], runs(4)["projects_launched_cumulative"]
    assert large.std(ddof=1) < small.std(ddof=1)

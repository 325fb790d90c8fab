"""Scenario comparison: paired differences by seed with 95% t-intervals, cost per euro."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulation.analysis import compare, cost_effectiveness, interval


def _summary() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    seeds = np.arange(10)
    base_lasting = 100 + rng.normal(0, 10, 10)
    rows = []
    for s, b in zip(seeds, base_lasting, strict=True):
        rows.append(
            {
                "scenario": "baseline",
                "seed": s,
                "lasting_cooperations": b,
                "public_eur_cumulative": 5e6,
                "jobs_created_cumulative": 2 * b,
            }
        )
        # +20 lasting cooperations for +1 M€, with small seed-to-seed noise around the paired effect
        rows.append(
            {
                "scenario": "lever",
                "seed": s,
                "lasting_cooperations": b + 20 + rng.normal(0, 1),
                "public_eur_cumulative": 6e6,
                "jobs_created_cumulative": 2 * b + 10,
            }
        )
    return pd.DataFrame(rows)


def test_interval_is_the_t_interval() -> None:
    v = np.array([1.0, 2.0, 4.0, 7.0])
    mean, lo, hi, n = interval(v)
    half = stats.t.ppf(0.975, 3) * v.std(ddof=1) / 2
    assert (mean, n) == (3.5, 4) and lo == pytest.approx(3.5 - half) and hi == pytest.approx(3.5 + half)
    assert interval(np.array([np.nan, 2.0]))[3] == 1


def test_pairing_by_seed_removes_the_shared_noise() -> None:
    table = compare(_summary()).set_index(["scenario", "indicator"])
    row = table.loc[("lever", "lasting_cooperations")]
    assert row["difference"] == pytest.approx(20, abs=1.5)
    assert row["difference_ci_high"] - row["difference_ci_low"] < 3  # paired: narrow
    assert row["ci_high"] - row["ci_low"] > 10  # the scenario's own spread is wide
    assert table.loc[("baseline", "lasting_cooperations"), "difference"] == 0
    assert row["n_seeds"] == 10


def test_cost_effectiveness_per_million() -> None:
    ce = cost_effectiveness(_summary()).set_index("scenario")
    assert ce.loc["lever", "extra_public_meur"] == pytest.approx(1.0)
    assert ce.loc["lever", "lasting_cooperations_per_meur"] == pytest.approx(20, abs=1.5)
    assert ce.loc["lever", "jobs_created_cumulative_per_meur"] == pytest.approx(10)


def test_a_sweep_without_baseline_is_refused() -> None:
    with pytest.raises(ValueError, match="baseline"):
        compare(_summary()[lambda d: d.scenario == "lever"])

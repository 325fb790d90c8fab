"""The memory-floor experiment (``experiments/memory_floor.py``): it times every encounter of a decade without
changing the run, and measures reads at random places."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import experiment, small_region

from simulation.config import compose
from simulation.model.model import TerritorialModel
from simulation.model.trust import TrustNetwork


@pytest.fixture(scope="module")
def floor():
    return experiment("memory_floor")  # (it imports the benchmark beside it)


def test_the_encounters_are_timed_all_of_them_and_the_run_is_the_same(floor) -> None:
    overrides = [*small_region(), "horizon_months=24", "seed=3"]
    plain = TerritorialModel(compose(overrides)).run()
    method = TrustNetwork.month_encounters
    timed = floor.encounter_times(overrides)
    assert TrustNetwork.month_encounters is method, "the timer is taken off"
    assert timed["ties"] == plain.trust.n_ties and timed["actors"] == plain.trust.n
    e = plain.config.encounters
    expected = (
        24
        * plain.actors.sociability.sum()
        * (e.network_per_month + e.territory_per_month + e.cross_territory_per_month)
    )
    assert timed["encounters"] == pytest.approx(expected)  # every month's, at its Poisson mean (no shock here)
    assert len(timed["ns_per_encounter_by_year"]) == 2
    assert all(ns > 0 for ns in timed["ns_per_encounter_by_year"])
    assert timed["ns_per_encounter"] == pytest.approx(timed["encounters_s"] / timed["encounters"] * 1e9)
    pool = plain.trust
    assert timed["pool_mib"] == pytest.approx((pool._links.nbytes + pool.w.nbytes) / 2**20)


def test_random_reads_are_measured_on_an_array_of_the_size_asked(floor) -> None:
    reads = floor.random_reads(2**20)
    assert reads["array_mib"] == 1.0
    assert reads["independent_ns"] > 0 and reads["dependent_ns"] > 0
    assert np.isfinite([reads["independent_ns"], reads["dependent_ns"]]).all()

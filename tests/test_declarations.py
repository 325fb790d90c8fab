"""The declarations read everywhere (uncertain parameters, levers, outcomes) agree with what they declare."""

from __future__ import annotations

import pytest
from conftest import run_once

from simulation.config import ConfigError, compose
from simulation.config.levers import LEVERS
from simulation.config.uncertainties import UNCERTAINTIES, calibrated, screened
from simulation.model.indicators import COMPARED, OUTCOMES, PER_MEUR, SCREENED
from simulation.policies import REGISTRY
from simulation.study import analysis, calibration, sensitivity, statistics


@pytest.mark.parametrize("key", sorted(UNCERTAINTIES))
def test_each_uncertain_range_is_allowed_by_the_schema_and_has_a_unit_and_a_reason(key: str) -> None:
    u = UNCERTAINTIES[key]
    assert u.low < u.high and u.unit and len(u.why) > 20
    for value in (u.low, u.high):  # the configuration accepts both ends of the range
        compose([u.override(value)])


def test_an_out_of_schema_value_is_still_refused_so_the_range_check_can_fail() -> None:
    with pytest.raises(ConfigError, match=r"trust\.decay_per_month"):
        compose(["trust.decay_per_month=1.5"])


def test_calibration_and_sensitivity_read_the_declaration() -> None:
    assert calibrated() == calibration.PRIORS and screened() == sensitivity.UNCERTAIN
    assert set(calibrated()) <= set(UNCERTAINTIES) and set(screened()) <= set(UNCERTAINTIES)
    assert all(UNCERTAINTIES[k].calibrated for k in calibrated())


def test_every_declared_lever_has_its_behaviour_and_every_behaviour_its_declaration() -> None:
    assert list(REGISTRY) == list(LEVERS)
    for name, cls in REGISTRY.items():
        assert {k: (p.default, p.low, p.high) for k, p in LEVERS[name].params.items()} == cls.PARAMS
        for p in LEVERS[name].params.values():
            assert p.low <= p.default <= p.high and p.unit
    assert [n for n, lever in LEVERS.items() if lever.ceser] == sensitivity.LEVER_SCENARIOS
    assert [LEVERS[n].code for n in sensitivity.LEVER_SCENARIOS] == [f"P{i}" for i in range(1, 9)]


def test_a_bad_lever_parameter_is_refused_with_its_declared_range() -> None:
    with pytest.raises(ConfigError, match=r"policies.levers\[0\].params.grant_eur = -1.0: must be between 0.0"):
        compose(["policies=p3", "+policies.levers.0.params.grant_eur=-1"])


def test_every_outcome_is_a_column_of_the_run_summary() -> None:
    _, _, summary = run_once((), 0)
    derived = {"jobs_per_public_meur"}  # computed by the sensitivity analysis from two summary columns
    assert {n for n in OUTCOMES if n not in derived} <= set(summary)
    assert all(o.kind in ("maximize", "minimize", "info") for o in OUTCOMES.values())
    assert analysis.INDICATORS == COMPARED and statistics.PER_MEUR == PER_MEUR and sensitivity.OUTCOMES == SCREENED
    assert {n for n in COMPARED if n.startswith("participation_") or n.endswith("_share")} == analysis.SHARES

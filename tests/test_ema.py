"""The model under EMA Workbench: its uncertainties, levers and outcomes are the project's declarations, and a small
EMA experiment runs."""

from __future__ import annotations

import warnings

import pytest

from simulation.config.levers import LEVERS
from simulation.config.uncertainties import UNCERTAINTIES
from simulation.model.indicators import OUTCOMES
from simulation.study.ema import _key, ema_model


def test_the_ema_model_declares_what_the_project_declares() -> None:
    model = ema_model(["region=cantal", "horizon_months=48"])
    assert {_key(u.name) for u in model.uncertainties} == set(UNCERTAINTIES)
    assert {lever.name for lever in model.levers} == {n for n, lever in LEVERS.items() if lever.ceser}
    assert [o.name for o in model.outcomes] == list(OUTCOMES)
    kinds = {o.name: o.kind for o in model.outcomes}
    assert kinds["lasting_cooperations"] == 1 and kinds["failures_cumulative"] == -1  # EMA: MAXIMIZE 1, MINIMIZE -1


@pytest.mark.slow
def test_a_small_ema_experiment_runs_the_model() -> None:
    from ema_workbench import SequentialEvaluator, perform_experiments

    model = ema_model(["region=cantal", "horizon_months=48"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with SequentialEvaluator(model) as evaluator:
            experiments, outcomes = perform_experiments(model, scenarios=3, policies=2, evaluator=evaluator)
    assert len(experiments) == 6
    assert set(outcomes) == set(OUTCOMES)
    assert (outcomes["projects_launched_cumulative"] >= 0).all() and (
        outcomes["projects_launched_cumulative"] > 0
    ).any()
    # the levers' budgets EMA drew act: within each scenario (the same uncertain parameters and seed) that created
    # jobs, the runs of the two policies differ in jobs per public M€, which every lever's spending moves (a
    # scenario whose runs created no job in four years has 0 for both)
    assert experiments["p3_seed_grants"].between(0, 1e6).all() and experiments["p3_seed_grants"].nunique() == 2
    runs = experiments.assign(per_meur=outcomes["jobs_per_public_meur"])
    made_jobs = runs.groupby("scenario")["per_meur"].transform("max") > 0
    assert made_jobs.any(), runs[["scenario", "policy", "per_meur"]]
    differ = runs[made_jobs].groupby("scenario")["per_meur"].nunique() == 2
    assert differ.all(), runs[["scenario", "policy", "per_meur"]]

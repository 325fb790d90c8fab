"""The model as an EMA Workbench ``Model``: its uncertainties, levers and outcomes from the project's one declaration,
so that a researcher uses EMA's samplers, evaluators and analyses on it.

    from ema_workbench import perform_experiments
    from simulation.study.ema import ema_model

    model = ema_model(["region=cantal", "horizon_months=60"])
    experiments, outcomes = perform_experiments(model, scenarios=16, policies=4)

* uncertainties: every declared uncertain parameter (``config.uncertainties``), real or whole-numbered, over its
  declared range;
* levers: each CESER lever's yearly budget in euros (0 switches it off; up to 1 M€, the range the levers' effects
  were set for);
* outcomes: every declared outcome of a run (``model.indicators``), with EMA's kind (maximise, minimise, info).

One EMA experiment is one run, on the seed ``seed`` (an EMA constant; vary it as an uncertainty's companion by
replicating, ``ReplicatorModel``, or by running several seeds).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from simulation.config.levers import LEVERS
from simulation.config.uncertainties import UNCERTAINTIES
from simulation.model.indicators import OUTCOMES

#: The most a lever's yearly budget varies up to, in euros.
MAX_BUDGET_EUR = 1_000_000
#: EMA's names must be Python identifiers: a declared key's dots become double underscores.
SEP = "__"


def ema_name(key: str) -> str:
    """A configuration key as an EMA parameter name (an identifier)."""
    return key.replace(".", SEP)


def _key(name: str) -> str:
    return name.replace(SEP, ".")


def run_function(overrides: Sequence[str] = (), seed: int = 0, **inputs: float) -> dict[str, float]:
    """One run with the EMA inputs (uncertain parameters by EMA name, lever budgets by lever name); its outcomes."""
    from simulation.config import compose
    from simulation.config.uncertainties import overrides as declared_overrides
    from simulation.runs.simulate import simulate

    values = {_key(k): v for k, v in inputs.items() if _key(k) in UNCERTAINTIES}
    levers = [(name, float(inputs[name])) for name in LEVERS if name in inputs and float(inputs[name]) > 0]
    lever_list = ", ".join(f"{{name: {name}, budget_eur_per_year: {budget!r}}}" for name, budget in levers)
    config = compose(
        [*declared_overrides(values), f"policies.levers=[{lever_list}]", *overrides, f"seed={int(seed)}"]
    )
    summary = simulate(config).summary
    out = {}
    for name in OUTCOMES:
        if name == "jobs_per_public_meur":
            public = summary["public_eur_cumulative"]
            out[name] = summary["jobs_created_cumulative"] / public * 1e6 if public > 0 else math.nan
        else:
            out[name] = float(summary[name])
    return out


def ema_model(overrides: Sequence[str] = (), seed: int = 0, name: str = "territorial_alliances") -> Any:
    """The EMA ``Model`` of the project, its runs composed with ``overrides`` (e.g. a region and a horizon)."""
    from ema_workbench import Constant, IntegerParameter, Model, RealParameter, ScalarOutcome

    def function(**inputs: Any) -> dict[str, float]:
        return run_function(list(inputs.pop("overrides")), int(inputs.pop("seed")), **inputs)

    model = Model(name, function=function)
    model.uncertainties = [
        IntegerParameter(ema_name(u.key), int(u.low), int(u.high))
        if u.integer
        else RealParameter(ema_name(u.key), float(u.low), float(u.high))
        for u in UNCERTAINTIES.values()
    ]
    model.levers = [RealParameter(lever, 0.0, float(MAX_BUDGET_EUR)) for lever, d in LEVERS.items() if d.ceser]
    kinds = {"maximize": ScalarOutcome.MAXIMIZE, "minimize": ScalarOutcome.MINIMIZE, "info": ScalarOutcome.INFO}
    model.outcomes = [ScalarOutcome(o.name, kind=kinds[o.kind]) for o in OUTCOMES.values()]
    model.constants = [Constant("overrides", tuple(overrides)), Constant("seed", int(seed))]
    return model

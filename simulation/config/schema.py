"""The whole configuration of a run: the schemas of each section, with shocks, levers, scenario and output."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from simulation.config.fields import FOLDER_NAME, FOLDER_NAME_SAYS, SEED_LIMIT, param
from simulation.config.processes import (
    ActorParams,
    AllianceParams,
    EncounterParams,
    FundingConfig,
    IdeaParams,
    OutcomeParams,
    ProjectParams,
    TrustParams,
)
from simulation.config.region import RegionConfig


@dataclass
class ShockConfig:
    """Process 8: a dated shock (Reengineering: the covid crisis)."""

    name: str = param("shock")
    start_month: int = param(36, ge=0, le=1200)
    duration_months: int = param(12, ge=1, le=1200)
    #: Multiplies encounter rates while the shock lasts.
    encounter_factor: float = param(0.5, ge=0, le=10)
    #: Multiplies actors' yearly budgets while it lasts.
    resource_factor: float = param(0.7, ge=0, le=10)
    #: Multiplies project failure hazards while it lasts.
    hazard_multiplier: float = param(2.0, ge=0, le=100)


@dataclass
class ShocksConfig:
    """The dated shocks of a run (empty for none)."""

    events: list[ShockConfig] = param(factory=list)


@dataclass
class PolicyConfig:
    """One policy lever; its own class (``simulation/policies``) validates ``params``."""

    name: str = param(dataclasses.MISSING)
    #: At most 100 M€ a year: lever effects scale linearly with the budget (``intensity``), and a
    #: hundred times beyond the 0.25–1 M€ they were set for they no longer mean anything.
    budget_eur_per_year: float = param(0.0, ge=0, le=100_000_000)
    params: dict[str, float] = param(factory=dict)


@dataclass
class PoliciesConfig:
    """Policy levers switched on; the baseline is the empty list (docs/ODD.md §7.9)."""

    levers: list[PolicyConfig] = param(factory=list)
    #: If set, one yearly public budget spread over the levers (compare per euro); same bounds as a lever's.
    equal_budget_eur_per_year: float | None = param(None, ge=0, le=100_000_000)
    #: Parameters of levers by the lever's name, whatever scenario switches it on (they override the lever's own
    #: ``params``): how a plausible world sets a lever's uncertain effects (``config.uncertainties``).
    params_by_lever: dict[str, dict[str, float]] = param(factory=dict)


@dataclass
class ScenarioConfig:
    """A scenario is data: a name, a label, and the groups it overrides."""

    #: It names the run's result folder: a file name, not a path.
    name: str = param("baseline", pattern=FOLDER_NAME, pattern_says=FOLDER_NAME_SAYS, max_len=100)
    label: str = param("Baseline: no added policy", max_len=300)


@dataclass
class OutputConfig:
    """Where and what a run writes."""

    results_dir: str = param("results", min_len=1, max_len=1000)
    #: A sweep's folder under ``results_dir/sweeps/`` (default: the start time);
    #: give the same name again to resume a killed sweep.
    sweep_name: str = param("", pattern=f"({FOLDER_NAME})?", pattern_says=FOLDER_NAME_SAYS + ", or empty", max_len=100)
    write_plot: bool = True
    #: Compute the trust-network indicators (ties, density, mean trust, cross-sector share, giant
    #: component) every this many months (passes over every tie, costly on large regions);
    #: 0 = automatic: monthly up to 20,000 actors, yearly beyond. In the months between, the time
    #: series repeats the last value computed. The simulation itself does not depend on it.
    network_indicators_every_months: int = param(0, ge=0, le=120)
    #: Set by the batched sweeper (``hydra_plugins/territorial_alliances_sweeper``): the seeds
    #: this sweep job runs one after the other, the first being ``seed``. Empty: just ``seed``.
    job_seeds: list[int] = param(factory=list)
    #: What a run may cost: an estimate of its peak memory (GiB) and time (hours) from the actor count, the
    #: ties and the month's encounter pairs is checked against these before it starts
    #: (:func:`simulation.config.validate.resources`); raise them to run a larger configuration knowingly.
    max_memory_gib: float = param(16.0, gt=0, le=4096)
    max_hours: float = param(2.0, gt=0, le=10_000)
    #: In a sweep, a failing run stops its job (true), or is recorded in ``failures/`` while the others go on.
    stop_on_failure: bool = False


@dataclass
class Config:
    """The whole configuration of one run."""

    seed: int = param(0, ge=0, lt=SEED_LIMIT)
    horizon_months: int = param(120, ge=1, le=1200)
    region: RegionConfig = param(factory=RegionConfig)
    actors: ActorParams = param(factory=ActorParams)
    encounters: EncounterParams = param(factory=EncounterParams)
    trust: TrustParams = param(factory=TrustParams)
    ideas: IdeaParams = param(factory=IdeaParams)
    alliances: AllianceParams = param(factory=AllianceParams)
    funding: FundingConfig = param(factory=FundingConfig)
    projects: ProjectParams = param(factory=ProjectParams)
    outcomes: OutcomeParams = param(factory=OutcomeParams)
    shocks: ShocksConfig = param(factory=ShocksConfig)
    policies: PoliciesConfig = param(factory=PoliciesConfig)
    scenario: ScenarioConfig = param(factory=ScenarioConfig)
    output: OutputConfig = param(factory=OutputConfig)
    #: How the calibrated values in force were obtained (method, targets, date, version); empty if none.
    calibration: dict[str, Any] = param(factory=dict)

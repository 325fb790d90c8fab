"""What the council report shows, as typed pieces: the sweep it reads, what it compares, the levers' ranking,
the territories, the project's own records it quotes (the calibration, the ranking over plausible worlds) and
the tables its figures draw.

:func:`simulation.report.data.collect` builds a :class:`ReportData` from a sweep; the templates read its
fields by name (:meth:`ReportData.context`) and the figures its :class:`Frames`. Every number is language-free:
the templates and :mod:`simulation.i18n` format it. Rows of a table (a lever's ranking, a type of territory)
stay records, as the analysis gives them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import pandas as pd

#: A row of a table, as :meth:`pandas.DataFrame.to_dict` gives it (``"records"``: column name → value).
Record = dict[Hashable, Any]


@dataclass
class SweepInfo:
    """The sweep the report reads, and what rebuilds it."""

    name: str
    date_utc: str
    #: The multirun command that rebuilds the sweep (``?`` if the sweep did not record it).
    command: str
    #: Every command run on the sweep's folder, oldest first (``date_utc``, ``command``): together they rebuild
    #: every scenario.
    commands: list[dict[str, str]]
    package_versions: list[str]
    git_revisions: list[str]
    git_dirty: bool
    #: The libraries the runs were made with ("mesa 3.5.1, numpy …").
    libraries: str


@dataclass
class ScenarioRuns:
    """One scenario's runs: how many, what its levers were given and spent, and where its configuration is from."""

    name: str
    n_seeds: int
    #: The levers' configured yearly budget, as the runs recorded it (NaN for sweeps that did not).
    lever_budget_eur_per_year: float
    #: What the levers spent, a year, on average over the runs.
    lever_eur_per_year: float
    #: Extra public money against the baseline, M€ over the horizon (NaN for the baseline).
    extra_public_meur: float
    run_ids: list[str]
    #: "stored", "match", "differs" or "unavailable" (:func:`simulation.report.data._configuration`).
    config_check: str


@dataclass
class Region:
    """The simulated region, as its preset names it."""

    name: str
    #: "Cantal (Auvergne-Rhône-Alpes)".
    label: str
    #: "france" or "morocco".
    country: str


@dataclass
class Compared:
    """What the sweep compares: the scenarios and their runs, the horizon, the seeds, the region."""

    baseline: str
    scenarios: list[ScenarioRuns]
    n_runs: int
    horizon_months: int
    horizon_years: float
    #: The age (months) from which a cooperation counts as lasting.
    lasting_after_months: int
    #: The horizon is too short for any cooperation to count as lasting.
    nothing_can_last: bool
    #: The region presets of the runs.
    regions: list[str]
    #: The seeds, as a range ("0–49") or a list.
    seed_list: str
    min_seeds: int
    max_seeds: int
    #: Plausible worlds (draws of the uncertain parameters) the sweep spans; None: the calibrated parameters only.
    n_worlds: int | None
    #: None when no scenario's configuration could be read.
    region: Region | None


@dataclass
class Territories:
    """Where cooperations last, and which territories are left without a project."""

    names: list[str]
    #: Each territory's type (rural, peri_urban, urban); empty if the sweep did not store them.
    types: dict[str, str]
    #: By scenario: the territories left without an active project at the horizon, grouped by type
    #: (:func:`simulation.report.places.without_by_type`).
    without: dict[str, Any]
    #: The territories never left without a project, grouped by type.
    never_without: list[Any]
    any_without: bool
    #: By (scenario, type): lasting cooperations, per 10,000 inhabitants, shares and the difference to the baseline.
    by_type: dict[tuple[str, str], Record]
    type_names: list[str]
    #: By type: the funded lever(s) adding the most lasting cooperations beyond the noise.
    type_leaders: dict[str, list[Record]]
    #: The baseline's rounded shares by type add up to 100%.
    shares_add_up: bool


@dataclass
class Frames:
    """The tables the figures draw."""

    timeseries: pd.DataFrame
    cost_effectiveness: pd.DataFrame
    territory_counts: pd.DataFrame
    #: None if the sweep did not store its territories' types.
    territory_types: pd.DataFrame | None


@dataclass
class Worlds:
    """The ranking of the CESER's levers over plausible worlds (``python -m simulation.sensitivity worlds``)."""

    n: int
    seeds: int
    #: Too few worlds for stable shares (said on page 1).
    quick: bool
    #: The setting the worlds were run in (region, overrides).
    setting: dict[str, Any]
    #: Each lever's value with its 90% interval and share of worlds led, most first.
    levers: list[Record]
    #: The levers that lead in some worlds, with their share.
    leading: list[Record]
    #: What the leaders' leads depend on most: a PRIM box's narrowest restriction.
    depends: list[Record]


@dataclass
class CalibrationRecord:
    """How the baseline was calibrated, as its file records it."""

    n_parameters: int
    #: Where ("region", "france") → target → reached on the check's fresh seeds.
    reached: dict[str, dict[str, bool]]


@dataclass
class ReportData:
    """Every number of the report, language-free."""

    sweep: SweepInfo
    compared: Compared
    #: The levers, best first by the headline (lasting cooperations per M€), with their intervals.
    ranking: list[Record]
    #: "ranked", "few_seeds", "none_stands_out" or "no_value" (:func:`simulation.study.analysis.ranking_verdict`).
    verdict: str
    worlds: Worlds | None
    calibration: CalibrationRecord
    #: Levers not distinguishable from the first, and those below it beyond the noise.
    tied: list[str]
    below: list[str]
    #: Levers whose effect per M€ includes zero, and those whose effect is negative beyond the noise.
    no_effect: list[str]
    harmful: list[str]
    #: The lever creating the most jobs per M€ among those whose interval is above zero.
    jobs_leader: Record | None
    #: The CESER's whole package's ranking row, if the sweep has it.
    package: Record | None
    n_ranked: int
    n_levers: int
    #: The CESER's preconisations P1–P8 among the ranked levers.
    ceser_levers: list[str]
    #: The levers' common configured yearly budget; None if they differ or are not known.
    equal_budget: float | None
    #: Levers that spent much less than their budget.
    underspent: list[str]
    #: Every scenario's configuration is the runs' own.
    configs_match: bool
    #: The cost-effectiveness table's rows.
    ce: list[Record]
    territories: Territories
    frames: Frames

    def context(self) -> dict[str, Any]:
        """What the templates read: every field by its name, but the tables (the figures draw those)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "frames"}

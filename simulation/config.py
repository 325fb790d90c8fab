"""Typed configuration schemas, their registration with Hydra, and validation.

Every parameter of the model lives here, in a dataclass, with its unit in its
name (``_eur``, ``_months``, ``_per_month``) and its allowed range in the
field's metadata. Hydra's ConfigStore holds the schema; YAML files in
``configs/`` hold values only, one config group per axis of variation
(``region``, ``funding``, ``policies``, ``shocks``, ``scenario``).

Validation happens in two layers, both before any run starts:

* OmegaConf (through Hydra) rejects unknown keys and values of the wrong type;
* :func:`validate` walks the resolved dataclasses and checks each value against
  its metadata (ranges, allowed names), collecting every problem into one
  :class:`ConfigError` that names the full key, the bad value and what is allowed.

Where a default comes from (a seed, or an assumption and why) is written in
``docs/ODD.md``, section "Parameters".
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
import time
import types
import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from simulation.enums import ActorKind, Domain

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"


class ConfigError(ValueError):
    """A configuration value is invalid; the message names every bad key."""


#: Names that become folder names (a scenario's, a sweep's): one path component, nothing a shell or a
#: file system reads specially.
FOLDER_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]*"
FOLDER_NAME_SAYS = "letters, digits, '_', '.' and '-', starting with a letter or digit (it names a folder)"

#: Seeds are non-negative and fit numpy's 64-bit seed sequence entropy (``seed`` and ``output.job_seeds``).
SEED_LIMIT = 2**63


def param(default: Any = dataclasses.MISSING, *, factory: Any = None, **rules: Any) -> Any:
    """A dataclass field carrying its validation rules as metadata.

    Rules: ``ge``, ``gt``, ``le``, ``lt`` (numeric bounds), ``choices`` (allowed
    values), ``min_len`` (sequences), ``pattern`` (a regular expression the whole
    string must match, with ``pattern_says``: what it allows, in words).
    """
    if factory is not None:
        return field(default_factory=factory, metadata=rules)
    return field(default=default, metadata=rules)


def _per_kind_defaults(**values: float) -> Any:
    return lambda: PerKind(**values)


# --------------------------------------------------------------------------- per-axis tables


@dataclass
class PerKind:
    """One number per actor kind (002's value-chain table)."""

    collectivite: float = param(0.0, ge=0)
    firm: float = param(0.0, ge=0)
    association: float = param(0.0, ge=0)
    citizen_group: float = param(0.0, ge=0)
    university: float = param(0.0, ge=0)
    media: float = param(0.0, ge=0)

    def as_list(self) -> list[float]:
        return [float(getattr(self, k.label)) for k in ActorKind]


@dataclass
class PerDomain:
    """One number per need domain (MODEL.md §2, grouping the 16 PHARE domains of 002)."""

    employment_insertion: float = param(0.0, ge=0)
    health_care: float = param(0.0, ge=0)
    mobility: float = param(0.0, ge=0)
    housing: float = param(0.0, ge=0)
    food_short_chains: float = param(0.0, ge=0)
    energy_environment: float = param(0.0, ge=0)
    education_youth: float = param(0.0, ge=0)
    social_link_culture: float = param(0.0, ge=0)

    def as_list(self) -> list[float]:
        return [float(getattr(self, d.label)) for d in Domain]


@dataclass
class PerStage:
    """One number per active stage of the project life cycle (002, 004)."""

    seed: float = param(0.0, ge=0)
    experimentation: float = param(0.0, ge=0)
    consolidation: float = param(0.0, ge=0)
    deployment: float = param(0.0, ge=0)

    def as_list(self) -> list[float]:
        return [float(self.seed), float(self.experimentation), float(self.consolidation), float(self.deployment)]


@dataclass
class PerResource:
    """Share of a project's need for each resource that one actor can cover (0..1)."""

    money: float = param(0.0, ge=0, le=1)
    skills: float = param(0.0, ge=0, le=1)
    volunteering: float = param(0.0, ge=0, le=1)
    public_backing: float = param(0.0, ge=0, le=1)
    knowledge: float = param(0.0, ge=0, le=1)

    def as_list(self) -> list[float]:
        return [
            float(self.money),
            float(self.skills),
            float(self.volunteering),
            float(self.public_backing),
            float(self.knowledge),
        ]


@dataclass
class Brings:
    """What each kind brings (002's value-chain table), as coverage of a project's needs."""

    collectivite: PerResource = param(factory=lambda: PerResource(0.5, 0.3, 0.1, 1.0, 0.4))
    firm: PerResource = param(factory=lambda: PerResource(0.6, 0.8, 0.1, 0.1, 0.2))
    association: PerResource = param(factory=lambda: PerResource(0.1, 0.3, 0.8, 0.1, 0.8))
    citizen_group: PerResource = param(factory=lambda: PerResource(0.0, 0.1, 0.7, 0.0, 0.6))
    university: PerResource = param(factory=lambda: PerResource(0.2, 0.7, 0.2, 0.3, 0.8))
    media: PerResource = param(factory=lambda: PerResource(0.1, 0.2, 0.1, 0.2, 0.6))

    def as_matrix(self) -> list[list[float]]:
        return [getattr(self, k.label).as_list() for k in ActorKind]


@dataclass
class Interests:
    """Mean interest of each kind in each domain: what it seeks (002's value-chain table)."""

    collectivite: PerDomain = param(factory=lambda: PerDomain(1, 1, 1, 1, 1, 1, 1, 1))
    firm: PerDomain = param(factory=lambda: PerDomain(1.6, 0.6, 1.2, 0.6, 1.2, 1.5, 0.7, 0.4))
    association: PerDomain = param(factory=lambda: PerDomain(1.4, 1.2, 0.6, 0.8, 0.9, 0.8, 1.2, 1.5))
    citizen_group: PerDomain = param(factory=lambda: PerDomain(0.6, 1.0, 1.2, 1.0, 1.3, 1.1, 0.9, 1.5))
    university: PerDomain = param(factory=lambda: PerDomain(1.0, 1.2, 1.0, 0.6, 0.8, 1.5, 1.4, 0.6))
    media: PerDomain = param(factory=lambda: PerDomain(0.8, 0.8, 0.8, 0.8, 1.0, 1.0, 1.0, 1.5))

    def as_matrix(self) -> list[list[float]]:
        return [getattr(self, k.label).as_list() for k in ActorKind]


# --------------------------------------------------------------------------- region


TERRITORY_TYPES = ("rural", "peri_urban", "urban")


@dataclass
class TerritoryConfig:
    """An intercommunal area (EPCI-like) of the region."""

    name: str = param(dataclasses.MISSING)
    type: str = param("rural", choices=TERRITORY_TYPES)
    population: int = param(50_000, gt=0)
    #: Need intensity per domain, 0 (no need) to 1 (acute fragility).
    fragility: PerDomain = param(factory=lambda: PerDomain(*([0.5] * 8)))
    #: Initial generalised trust (social capital), 0..1.
    generalised_trust: float = param(0.4, ge=0, le=1)
    #: Facilitators (territorial engineering) funded by the territory itself.
    facilitators: int = param(0, ge=0)
    #: Initial balance of the local fund fed by reinvested profits.
    local_fund_eur: float = param(0.0, ge=0)


@dataclass
class RegionConfig:
    """A region preset: its territories and how many actors each holds."""

    name: str = param("auvergne_rhone_alpes")
    label: str = param("Auvergne-Rhône-Alpes-like region")
    country: str = param("FR", choices=("FR", "MA"))
    territories: list[TerritoryConfig] = param(factory=list, min_len=1)
    #: Model actors per 10,000 inhabitants, by kind: a sample, not a census.
    actors_per_10k_inhabitants: PerKind = param(
        factory=_per_kind_defaults(
            collectivite=0.6, firm=12.0, association=9.0, citizen_group=3.0, university=0.05, media=0.1
        )
    )
    #: At least this many collectivités per territory (the EPCI and a commune).
    min_collectivites_per_territory: int = param(2, ge=1)
    include_universities: bool = True
    include_media: bool = True
    #: Share of firms that are "nomadic" (not anchored in the territory, 001).
    nomadic_firm_share: float = param(0.15, ge=0, le=1)
    #: Multiplies every territory's population: makes larger regions for benchmarks.
    population_scale: float = param(1.0, gt=0)


# --------------------------------------------------------------------------- processes


@dataclass
class ActorParams:
    """What each kind brings and how active it is."""

    #: Monthly activity multiplier on encounters (how much a kind goes out and meets).
    sociability: PerKind = param(
        factory=_per_kind_defaults(
            collectivite=2.0, firm=0.8, association=1.2, citizen_group=0.9, university=1.0, media=1.5
        )
    )
    #: Concurrent projects an actor can be a member of.
    max_projects: PerKind = param(
        factory=_per_kind_defaults(collectivite=6, firm=2, association=3, citizen_group=2, university=3, media=2)
    )
    #: Money an actor can put into cooperations each year, euros: the mean over the kind's actors (log-normal
    #: between them, ``budget_sigma``; the median is exp(-sigma²/2) of it).
    cooperation_budget_eur_per_year: PerKind = param(
        factory=_per_kind_defaults(
            collectivite=40_000, firm=12_000, association=1_500, citizen_group=300, university=8_000, media=1_000
        )
    )
    #: Volunteer hours an actor can give each year (the mean over the kind's actors, spread as the budgets).
    volunteer_hours_per_year: PerKind = param(
        factory=_per_kind_defaults(collectivite=0, firm=40, association=600, citizen_group=400, university=80, media=20)
    )
    #: Log-normal spread (sigma) of budgets between actors of a kind.
    budget_sigma: float = param(0.8, ge=0, le=3)
    #: Value of one volunteer hour when valorised as the 4th funding tier (002).
    volunteer_hour_value_eur: float = param(15.0, ge=0)
    #: Log-normal spread of domain interests within a kind (0 = all alike).
    interest_sigma: float = param(0.5, ge=0, le=3)
    brings: Brings = param(factory=Brings)
    seeks: Interests = param(factory=Interests)


@dataclass
class EncounterParams:
    """Process 1: who meets whom each month (002 "mettre en relation", 004 P2)."""

    #: Mean encounters per actor per month through the network.
    network_per_month: float = param(1.0, ge=0, le=20)
    #: Share of network encounters that repeat a known contact (the rest: a friend of a friend).
    repeat_contact_share: float = param(0.6, ge=0, le=1)
    #: Mean encounters per actor per month with strangers of the same territory.
    territory_per_month: float = param(0.20, ge=0, le=20)
    #: Mean encounters per actor per month with anyone in the region (rare).
    cross_territory_per_month: float = param(0.01, ge=0, le=20)
    #: Probability that an encounter across sectors turns into a tie ("cloisonnement", 002).
    cross_sector_acceptance: float = param(0.5, ge=0, le=1)
    #: New encounters a facilitator brokers each month, biased across sectors (002).
    facilitator_introductions_per_month: float = param(6.0, ge=0)
    #: Acquaintances each actor starts with, in its territory (mostly its own sector).
    initial_ties_per_actor: float = param(3.0, ge=0, le=50)


@dataclass
class TrustParams:
    """Process 2: the weighted acquaintance network (002: trust is learned)."""

    initial_same_sector: float = param(0.12, ge=0, le=1)
    #: Lower start across sectors: each kind sees fragilities through its own prism (002).
    initial_cross_sector: float = param(0.06, ge=0, le=1)
    #: Mere acquaintance cannot push trust above this: trust is not spontaneous (002).
    acquaintance_cap: float = param(0.35, ge=0, le=1)
    #: Fraction of the gap to the cap closed by a repeat encounter.
    acquaintance_gain: float = param(0.08, ge=0, le=1)
    #: Fraction of the gap to 1 closed by a joint success (a stage passed together).
    success_gain: float = param(0.30, ge=0, le=1)
    #: A joint failure removes this × max(trust, 1 - trust); larger than ``success_gain``, so a
    #: failure always moves trust more than a success would (MODEL.md §3.2).
    failure_loss: float = param(0.45, ge=0, le=1)
    #: Reputation: share of the gap to the acquaintance cap closed, on a success, by every
    #: acquaintance of the members (002: successes feed trust; 004 P1 makes them visible).
    reputation_gain: float = param(0.8, ge=0, le=1)
    #: Monthly relative decay of every tie; use (encounters, projects) offsets it.
    decay_per_month: float = param(0.01, ge=0, le=1)
    #: Ties below this trust are pruned (forgotten).
    prune_below: float = param(0.02, ge=0, le=1)
    #: Generalised trust: gain per visible success per 10k inhabitants (004 P1).
    generalised_gain_per_success: float = param(0.02, ge=0, le=1)
    #: Generalised trust: loss per visible failure per 10k inhabitants.
    generalised_loss_per_failure: float = param(0.01, ge=0, le=1)
    #: Monthly reversion of generalised trust towards its initial level.
    generalised_reversion_per_month: float = param(0.01, ge=0, le=1)
    #: How much generalised trust raises a new tie's start (start × (0.5 + this × g)).
    generalised_weight: float = param(1.25, ge=0, le=5)


@dataclass
class IdeaParams:
    """Process 3: needs perceived → project ideas (004 P6: civil society as scouts)."""

    #: Monthly probability of proposing an idea at full need, by kind.
    rate_per_month: PerKind = param(
        factory=_per_kind_defaults(
            collectivite=0.010, firm=0.006, association=0.012, citizen_group=0.012, university=0.004, media=0.002
        )
    )
    #: Relative rise of the idea rate per unit of log(1 + experience).
    experience_boost: float = param(3.0, ge=0)
    #: Ideas not turned into a coalition are dropped after this long.
    lifetime_months: int = param(6, ge=1, le=120)
    #: Probability that a success spawns a follow-up idea (002: "le projet nourrit le projet").
    follow_up_probability: float = param(0.8, ge=0, le=1)
    #: Probability that a deployment spawns the same idea in another territory (essaimer).
    replication_probability: float = param(0.3, ge=0, le=1)
    #: Active projects per 10k inhabitants that halve a domain's perceived need.
    need_half_saturation_per_10k: float = param(0.45, gt=0)
    #: Steepness of that saturation (Hill exponent): 1 gradual, higher is sharper.
    need_saturation_exponent: float = param(4.0, ge=0.5, le=8)


@dataclass
class AllianceParams:
    """Process 4: initiator recruits partners ("ce que j'apporte, ce que j'en retire", 002)."""

    #: Minimum trust for the initiator to invite a partner into a partnership.
    min_partner_trust: float = param(0.17, ge=0, le=1)
    #: Mean trust among members above which the coalition forms an alliance (shared risk, 002).
    alliance_trust: float = param(0.35, ge=0, le=1)
    #: Most partners an initiator recruits (coalition size is this + 1).
    max_partners: int = param(4, ge=1, le=20)
    #: Resource coverage needed to launch (share of the project's needs met by members).
    min_launch_coverage: float = param(0.45, ge=0, le=1)
    #: A facilitator lowers the trust needed to invite, by this much (002: aligning interests).
    facilitator_trust_bonus: float = param(0.04, ge=0, le=1)
    #: Monthly chance that an idea's initiator takes it up again when its first attempt failed.
    retry_probability: float = param(0.5, ge=0, le=1)
    #: Projects one facilitator can support at once through their stages (002, 004 P4).
    facilitator_project_capacity: int = param(8, ge=0)


@dataclass
class FundingConfig:
    """Process 5: how a project's budget is pooled (002: the "règle des 4 tiers")."""

    rule: str = param("four_tiers", choices=("four_tiers", "public_led", "private_led", "matching_funds", "free_mix"))
    #: Target shares of public money, private money, service revenue and valorised volunteering.
    public_share: float = param(0.25, ge=0, le=1)
    private_share: float = param(0.25, ge=0, le=1)
    revenue_share: float = param(0.25, ge=0, le=1)
    volunteering_share: float = param(0.25, ge=0, le=1)
    #: matching_funds: public euros per private euro raised.
    match_ratio: float = param(1.0, ge=0, le=10)
    #: Mean project budget by domain, euros (log-normal around it, ``budget_sigma``: the median is
    #: exp(-sigma²/2) of it).
    budget_eur: PerDomain = param(
        factory=lambda: PerDomain(
            employment_insertion=120_000,
            health_care=100_000,
            mobility=90_000,
            housing=150_000,
            food_short_chains=60_000,
            energy_environment=140_000,
            education_youth=50_000,
            social_link_culture=30_000,
        )
    )
    budget_sigma: float = param(0.6, ge=0, le=3)
    #: Share of the service-revenue tier a coalition can expect, per member with market access.
    revenue_credibility_per_market_member: float = param(0.35, ge=0, le=1)
    #: Yearly cost of one facilitator (engineering, financed apart from projects, 002).
    facilitator_cost_eur_per_year: float = param(55_000, ge=0)


@dataclass
class ProjectParams:
    """Process 6: the life cycle and its hazards (002, 004)."""

    #: Mean stage durations, months (uniform within ±50%). 002: 36 months of governance dialogue.
    duration_months: PerStage = param(
        factory=lambda: PerStage(seed=6, experimentation=18, consolidation=24, deployment=36)
    )
    #: Monthly failure hazard at reference conditions, by stage.
    base_hazard_per_month: PerStage = param(
        factory=lambda: PerStage(seed=0.030, experimentation=0.020, consolidation=0.010, deployment=0.008)
    )
    #: Log-hazard slopes: how strongly each factor lowers (or shocks raise) the hazard.
    coverage_effect: float = param(1.5, ge=0)
    trust_effect: float = param(2.0, ge=0)
    diversity_effect: float = param(0.8, ge=0)
    facilitation_effect: float = param(0.6, ge=0)
    experience_effect: float = param(0.3, ge=0)
    #: Alliances share risk and uncertainty (002): hazard multiplier.
    alliance_hazard_multiplier: float = param(1.3, ge=0)
    #: Monthly capture probability of a coalition one member dominates financially, under
    #: classic governance (002: "détournement du projet au bénéfice d'une des parties").
    moral_hazard_per_month: float = param(0.006, ge=0, le=1)
    #: How much democratic governance (0 classic .. 1 multi-stakeholder) cuts capture.
    democracy_protection: float = param(0.8, ge=0, le=1)
    #: A cooperation "lasts" once it has been active this long (002: 36 months).
    lasting_after_months: int = param(36, ge=1)


@dataclass
class OutcomeParams:
    """Process 7: what successful projects create (002)."""

    #: Budget euros per job created on reaching consolidation.
    budget_eur_per_job: float = param(60_000, gt=0)
    #: Jobs multiplier on deployment (replication adds jobs).
    deployment_job_multiplier: float = param(0.5, ge=0)
    #: Monthly value created per budget euro while consolidated or deployed.
    value_per_budget_eur_per_month: float = param(0.02, ge=0)
    #: Alliances create more novel value than partnerships (002).
    alliance_value_multiplier: float = param(1.5, ge=0)
    #: Share of the value that is profit, and the share of profit reinvested locally (002).
    profit_margin: float = param(0.10, ge=0, le=1)
    reinvested_share: float = param(0.30, ge=0, le=1)
    #: A nomadic firm's part of a project's reinvested profit, relative to an anchored member's: the rest
    #: leaves the territory with the group (001: nomadic groups unbalance local ecosystems; exogenous
    #: development). 1 treats nomadic firms as local ones.
    nomadic_reinvestment_factor: float = param(0.25, ge=0, le=1)
    #: Share of value earned back as service revenue (the revenue tier).
    revenue_share_of_value: float = param(0.3, ge=0, le=1)


@dataclass
class ShockConfig:
    """Process 8: a dated shock (001: the covid crisis)."""

    name: str = param("shock")
    start_month: int = param(36, ge=0)
    duration_months: int = param(12, ge=1)
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
    """Policy levers switched on; the baseline is the empty list (MODEL.md §4)."""

    levers: list[PolicyConfig] = param(factory=list)
    #: If set, one yearly public budget spread over the levers (compare per euro); same bounds as a lever's.
    equal_budget_eur_per_year: float | None = param(None, ge=0, le=100_000_000)


@dataclass
class ScenarioConfig:
    """A scenario is data: a name, a label, and the groups it overrides."""

    #: It names the run's result folder: a file name, not a path.
    name: str = param("baseline", pattern=FOLDER_NAME, pattern_says=FOLDER_NAME_SAYS)
    label: str = param("Baseline: no added policy")


@dataclass
class OutputConfig:
    """Where and what a run writes."""

    results_dir: str = param("results")
    #: A sweep's folder under ``results_dir/sweeps/`` (default: the start time);
    #: give the same name again to resume a killed sweep.
    sweep_name: str = param("", pattern=f"({FOLDER_NAME})?", pattern_says=FOLDER_NAME_SAYS + ", or empty")
    write_plot: bool = True
    #: Compute the trust-network indicators (ties, density, mean trust, cross-sector share, giant
    #: component) every this many months (passes over every tie, costly on large regions);
    #: 0 = automatic: monthly up to 20,000 actors, yearly beyond. In the months between, the time
    #: series repeats the last value computed. The simulation itself does not depend on it.
    network_indicators_every_months: int = param(0, ge=0, le=120)
    #: Set by the batched sweeper (``hydra_plugins/territorial_alliances_sweeper``): the seeds
    #: this sweep job runs one after the other, the first being ``seed``. Empty: just ``seed``.
    job_seeds: list[int] = param(factory=list)


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


def _sweep_folder(name: str) -> str:
    return name or time.strftime("%Y-%m-%d_%H-%M-%S")


def register_configs() -> None:
    """Register the schema so that ``configs/config.yaml`` can extend it, and its resolver.

    ``${sweep_folder:${output.sweep_name}}`` is the sweep's name, or its start
    time when unnamed (cached, so that every job of a sweep sees the same folder).
    """
    cs = ConfigStore.instance()
    cs.store(name="schema", node=Config)
    if not OmegaConf.has_resolver("sweep_folder"):
        OmegaConf.register_new_resolver("sweep_folder", _sweep_folder, use_cache=True)


register_configs()


def run_id(config: Config) -> str:
    """A digest of everything that determines a run's results: the same in a run's ``provenance.json`` and
    in a sweep's ``run_id`` column. Left out: the ``output`` section, and ``calibration``, the record of how
    the calibrated values were obtained (the values themselves are in their sections)."""
    return _digest(config, keep_seed=True)


def config_id(config: Config) -> str:
    """:func:`run_id` without the seed: the same for every seed of one configuration (a sweep's ``config_id``)."""
    return _digest(config, keep_seed=False)


def _digest(config: Config, keep_seed: bool) -> str:
    fields = dataclasses.asdict(config)
    for key in ("output", "calibration", *(() if keep_seed else ("seed",))):
        fields.pop(key)
    text = json.dumps(fields, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------- validation


def _walk(obj: Any, path: str) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    """Yield (full key, value, rules) for every field below ``obj``."""
    if dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            key = f"{path}.{f.name}" if path else f.name
            yield key, value, dict(f.metadata)
            yield from _walk(value, key)
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            yield from _walk(item, f"{path}[{i}]")


def _check(key: str, value: Any, rules: dict[str, Any]) -> list[str]:
    problems = []
    if isinstance(value, float) and not math.isfinite(value):
        return [f"{key} = {value}: must be a finite number"]
    if "choices" in rules and value not in rules["choices"]:
        allowed = ", ".join(map(str, rules["choices"]))
        problems.append(f"{key} = {value!r}: allowed values are {allowed}")
    if value is None or isinstance(value, bool):
        return problems
    for rule, ok, word in (
        ("ge", lambda v, b: v >= b, ">="),
        ("gt", lambda v, b: v > b, ">"),
        ("le", lambda v, b: v <= b, "<="),
        ("lt", lambda v, b: v < b, "<"),
    ):
        if rule in rules and isinstance(value, (int, float)) and not ok(value, rules[rule]):
            problems.append(f"{key} = {value}: must be {word} {rules[rule]}")
    if "min_len" in rules and isinstance(value, Sequence) and len(value) < rules["min_len"]:
        problems.append(f"{key}: needs at least {rules['min_len']} item(s), got {len(value)}")
    if "pattern" in rules and isinstance(value, str) and not re.fullmatch(rules["pattern"], value):
        problems.append(f"{key} = {value!r}: allowed are {rules['pattern_says']}")
    return problems


def validate(cfg: Config) -> Config:
    """Check every value against its rules and the cross-field constraints.

    Raises:
        ConfigError: naming every bad key, its value and what is allowed.
    """
    problems: list[str] = []
    for key, value, rules in _walk(cfg, ""):
        problems += _check(key, value, rules)

    f = cfg.funding
    shares = f.public_share + f.private_share + f.revenue_share + f.volunteering_share
    if f.rule in ("four_tiers", "public_led", "private_led") and abs(shares - 1.0) > 1e-9:
        problems.append(
            f"funding.public_share + private_share + revenue_share + volunteering_share = {shares:g}: "
            f"must sum to 1 for rule {f.rule!r}"
        )
    names = [t.name for t in cfg.region.territories]
    if len(set(names)) != len(names):
        problems.append(f"region.territories: names must be unique, got {names}")
    for i, t in enumerate(cfg.region.territories):
        for d in Domain:
            v = getattr(t.fragility, d.label)
            if v > 1:
                problems.append(f"region.territories[{i}].fragility.{d.label} = {v}: must be <= 1")
    for i, s in enumerate(cfg.shocks.events):
        if s.start_month >= cfg.horizon_months:
            problems.append(
                f"shocks.events[{i}].start_month = {s.start_month}: must be < horizon_months ({cfg.horizon_months})"
            )
    if cfg.trust.failure_loss <= cfg.trust.success_gain:
        problems.append(
            f"trust.failure_loss = {cfg.trust.failure_loss}: must exceed trust.success_gain "
            f"({cfg.trust.success_gain}); failure lowers trust faster than success raises it (MODEL.md §3.2)"
        )
    for i, s_ in enumerate(cfg.output.job_seeds):
        if not 0 <= s_ < SEED_LIMIT:
            problems.append(f"output.job_seeds[{i}] = {s_}: must be >= 0 and < 2**63")
    if cfg.output.job_seeds and cfg.output.job_seeds[0] != cfg.seed:
        problems.append(f"output.job_seeds = {cfg.output.job_seeds}: must start with seed ({cfg.seed})")
    from simulation.policies import validate_policies  # late import: policies depend on config

    problems += validate_policies(cfg.policies)
    if problems:
        raise ConfigError("invalid configuration:\n  - " + "\n  - ".join(problems))
    return cfg


def to_config(cfg: DictConfig | Config) -> Config:
    """Turn a composed OmegaConf config into validated dataclasses."""
    if isinstance(cfg, Config):
        return validate(cfg)
    try:
        if OmegaConf.get_type(cfg) is Config:
            # Composed by Hydra against the schema: types are checked; a key appended with "+" is not.
            extra = _keys_outside_schema(cfg, Config, "")
            if extra:
                raise ConfigError("invalid configuration:\n  - " + "\n  - ".join(map(unknown_key, extra)))
            obj = OmegaConf.to_object(cfg)
        else:
            typed = OmegaConf.merge(OmegaConf.structured(Config), cfg)
            obj = OmegaConf.to_object(typed)
    except OmegaConfBaseException as e:
        raise ConfigError(f"invalid configuration: {e}") from None
    assert isinstance(obj, Config)
    return validate(obj)


def _keys_outside_schema(node: Any, cls: type, path: str) -> list[str]:
    """Keys of a composed config that its dataclass schema does not have (e.g. appended with "+")."""
    if not (isinstance(node, DictConfig) and dataclasses.is_dataclass(cls)):
        return []
    fields = {f.name for f in dataclasses.fields(cls)}
    out = [f"{path}{k!s}" for k in node if str(k) not in fields and k != "hydra"]
    for name in sorted(fields):
        child = node._get_node(name) if name in node else None
        ftype = OmegaConf.get_type(node, name) if child is not None else None
        if isinstance(child, DictConfig) and ftype is not None and dataclasses.is_dataclass(ftype):
            out += _keys_outside_schema(child, ftype, f"{path}{name}.")
        elif isinstance(child, ListConfig):
            for i, item in enumerate(child):
                item_type = OmegaConf.get_type(item) if isinstance(item, DictConfig) else None
                if item_type is not None and dataclasses.is_dataclass(item_type):
                    out += _keys_outside_schema(item, item_type, f"{path}{name}[{i}].")
    return out


def unknown_key(key: str) -> str:
    """The error for a key the schema does not have: its name, and the keys allowed where it was looked for."""
    parent = _parts(key)[:-1]
    cls: Any = Config
    for part in parent:
        cls = _child_schema(cls, part)
    where = key.rpartition(".")[0] or "the configuration"
    allowed = ", ".join(sorted(typing.get_type_hints(cls))) if dataclasses.is_dataclass(cls) else ""
    return f"{key}: unknown key ({where} has: {allowed})" if allowed else f"{key}: unknown key"


def _child_schema(cls: Any, part: str) -> Any:
    """The schema of ``part`` below the schema ``cls`` (a dataclass, or a list of them); None if it has none."""
    origin = typing.get_origin(cls)
    if origin is list:
        return typing.get_args(cls)[0] if part.isdigit() else None
    if isinstance(cls, types.UnionType):  # ``X | None``
        cls = next((a for a in typing.get_args(cls) if a is not type(None)), None)
    if dataclasses.is_dataclass(cls):
        return typing.get_type_hints(cls).get(part, _MISSING_KEY)
    return None


#: :func:`_child_schema` of a key that a dataclass does not have.
_MISSING_KEY = object()


def _parts(key: str) -> list[str]:
    """``shocks.events[0].start_month`` (or ``shocks.events.0.start_month``) → its parts."""
    return re.sub(r"\[(\d+)\]", r".\1", key).split(".")


def check_override_keys(overrides: Sequence[str]) -> None:
    """Refuse overrides of keys the schema does not have, before Hydra composes anything.

    Hydra would refuse them too, but without saying which keys exist; this names the bad key and the keys
    allowed where it was looked for. Group choices (``region=...``), Hydra's own keys and command-line flags
    are left to Hydra; below a free-form mapping (a lever's ``params``) any key is allowed.

    Raises:
        ConfigError: naming every unknown key.
    """
    problems = []
    for override in overrides:
        key, eq, _ = override.partition("=")
        key = key.lstrip("+~")
        if not eq or override.startswith("-") or "/" in key or "@" in key or key.split(".")[0] == "hydra":
            continue
        parts = _parts(key)
        cls: Any = Config
        for n, part in enumerate(parts):
            cls = _child_schema(cls, part)
            if cls is _MISSING_KEY:
                problems.append(unknown_key(".".join(parts[: n + 1])))
            if cls is None or cls is _MISSING_KEY:
                break
    if problems:
        raise ConfigError("invalid configuration:\n  - " + "\n  - ".join(problems))


def compose(overrides: Sequence[str] = (), config_name: str = "config") -> Config:
    """Compose ``configs/`` with Hydra overrides, as the command line does, and validate.

    Raises:
        ConfigError: for an unknown key, a wrong type, an unknown preset or a bad value.
    """
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.errors import HydraException

    check_override_keys(overrides)
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            raw = hydra_compose(config_name=config_name, overrides=list(overrides))
    except (HydraException, OmegaConfBaseException) as e:
        raise ConfigError(f"invalid configuration: {e}") from None
    return to_config(raw)


def to_yaml(cfg: Config, seed: bool = True) -> str:
    """The resolved config as YAML (what a result folder stores); without the ``seed`` key if ``seed`` is False
    (what a sweep stores of a configuration: :func:`from_yaml` then gives it the default seed)."""
    node = OmegaConf.structured(cfg)
    if not seed:
        node = OmegaConf.masked_copy(node, [key for key in node if key != "seed"])
    return OmegaConf.to_yaml(node)


def from_yaml(path: str | Path) -> Config:
    """Load a config written by :func:`to_yaml` (e.g. a result folder's ``config.yaml``)."""
    return to_config(OmegaConf.merge(OmegaConf.structured(Config), OmegaConf.load(path)))  # type: ignore[arg-type]

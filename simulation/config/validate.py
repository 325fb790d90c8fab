"""Validation of a resolved configuration: every value against its rules, and the rules across fields."""

from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Iterator, Sequence
from typing import Any

from simulation.config.fields import SEED_LIMIT, ConfigError
from simulation.config.levers import LEVERS
from simulation.config.schema import Config, PoliciesConfig
from simulation.enums import Domain

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
        if isinstance(value, str):
            problems.append(f"{key} = {value!r}: must not be empty")
        else:
            problems.append(f"{key}: needs at least {rules['min_len']} item(s), got {len(value)}")
    if "max_len" in rules and isinstance(value, str) and len(value) > rules["max_len"]:
        problems.append(f"{key}: {len(value)} characters, at most {rules['max_len']} allowed")
    if rules.get("integer") and isinstance(value, float) and not value.is_integer():
        problems.append(f"{key} = {value}: must be a whole number")
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
    problems += _region_problems(cfg)
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
            f"({cfg.trust.success_gain}); failure lowers trust faster than success raises it (docs/ODD.md §7.2)"
        )
    for i, s_ in enumerate(cfg.output.job_seeds):
        if not 0 <= s_ < SEED_LIMIT:
            problems.append(f"output.job_seeds[{i}] = {s_}: must be >= 0 and < 2**63")
    if cfg.output.job_seeds and cfg.output.job_seeds[0] != cfg.seed:
        problems.append(f"output.job_seeds = {cfg.output.job_seeds}: must start with seed ({cfg.seed})")
    problems += _lever_problems(cfg.policies)
    problems += _table_problems(cfg)
    if not problems:  # the estimate needs valid values and a region
        problems += resource_problems(cfg)
    if problems:
        raise ConfigError("invalid configuration:\n  - " + "\n  - ".join(problems))
    return cfg


def _lever_problems(cfg: PoliciesConfig) -> list[str]:
    """Problems with the configured levers (unknown name, a lever twice, bad parameter), as messages."""
    problems = []
    allowed = ", ".join(LEVERS)
    seen = set()
    for i, lever in enumerate(cfg.levers):
        key = f"policies.levers[{i}]"
        declared = LEVERS.get(lever.name)
        if declared is None:
            problems.append(f"{key}.name = {lever.name!r}: allowed values are {allowed}")
            continue
        if lever.name in seen:
            problems.append(f"{key}.name = {lever.name!r}: a lever may appear only once")
        seen.add(lever.name)
        for k, v in lever.params.items():
            if k not in declared.params:
                ok = ", ".join(sorted(declared.params)) or "(none)"
                problems.append(f"{key}.params.{k}: unknown parameter of {lever.name}; allowed: {ok}")
                continue
            spec = declared.params[k]
            if not spec.low <= v <= spec.high:
                problems.append(f"{key}.params.{k} = {v}: must be between {spec.low} and {spec.high}")
    for name, params in cfg.params_by_lever.items():
        key = f"policies.params_by_lever.{name}"
        declared = LEVERS.get(name)
        if declared is None:
            problems.append(f"{key}: {name!r} is not a lever; allowed: {', '.join(LEVERS)}")
            continue
        for k, v in params.items():
            found = declared.params.get(k)
            if found is None:
                problems.append(
                    f"{key}.{k}: unknown parameter of {name}; allowed: {', '.join(sorted(declared.params))}"
                )
            elif not found.low <= v <= found.high:
                problems.append(f"{key}.{k} = {v}: must be between {found.low} and {found.high}")
    return problems


#: Limits that depend on what a per-kind, per-domain or per-stage table holds (the tables' own fields only
#: ask for values >= 0): key prefix -> (upper bound, whole numbers only, what the values are).
TABLE_LIMITS: dict[str, tuple[float, bool, str]] = {
    "ideas.rate_per_month": (1.0, False, "a monthly probability"),
    "actors.max_projects": (50, True, "a number of concurrent projects"),
    "actors.sociability": (20.0, False, "a multiplier of the encounter rates"),
    "actors.cooperation_budget_eur_per_year": (1e9, False, "euros a year"),
    "actors.volunteer_hours_per_year": (8_760, False, "hours a year (a year has 8,760)"),
    "actors.seeks": (20.0, False, "a relative interest"),
    "region.partner_share": (1.0, False, "a share of the real organisations"),
    "region.generalised_trust": (1.0, False, "a trust level (0..1)"),
    "region.facilitators_per_100k": (100.0, False, "facilitators per 100,000 inhabitants"),
    "funding.budget_eur": (1e9, False, "euros"),
    "projects.duration_months": (240, False, "months"),
    "projects.base_hazard_per_month": (1.0, False, "a monthly probability"),
}


def _table_problems(cfg: Config) -> list[str]:
    """Values of the per-kind, per-domain and per-stage tables beyond what they hold (:data:`TABLE_LIMITS`)."""
    problems = []
    for key, value, _ in _walk(cfg, ""):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            continue
        for prefix, (high, whole, what) in TABLE_LIMITS.items():
            if key.startswith(prefix + "."):
                if value > high:
                    problems.append(f"{key} = {value}: must be <= {high:g} ({what})")
                elif whole and not float(value).is_integer():
                    problems.append(f"{key} = {value}: must be a whole number ({what})")
    return problems


# --------------------------------------------------------------------------- resources

#: Memory per actor over a run, bytes (its state, its agent, its share of the trust network's pool), and the
#: process's fixed part: measured by the benchmark (``docs/performance.md``: 100,000 actors, 0.7 GiB; a
#: million, 4.6 GiB), with a margin.
BYTES_PER_ACTOR = 5_000
BASE_GIB = 0.5
#: Memory per encounter pair drawn in a month (index arrays, the channel, the sort), bytes.
BYTES_PER_PAIR = 64
#: Throughputs the time estimate assumes (the benchmark's, rounded down): actor-months and pairs per second.
ACTOR_MONTHS_PER_S = 1.0e6
PAIRS_PER_S = 5.0e6


@dataclasses.dataclass(frozen=True)
class Resources:
    """What a run is estimated to need, before it starts (an order of magnitude, not a measurement)."""

    actors: float
    pairs_per_month: float
    memory_gib: float
    hours: float
    #: The keys that drive the largest part of the estimate, to name in a refusal.
    drivers: tuple[str, ...]


def resources(cfg: Config) -> Resources:
    """Estimate a run's actors, encounter pairs per month, peak memory and time from its configuration."""
    actors = float(_potential_partners(cfg).sum()) * cfg.region.sample_fraction
    e = cfg.encounters
    sociable = max(cfg.actors.sociability.as_list())
    pairs = actors * sociable * (e.network_per_month + e.territory_per_month + e.cross_territory_per_month)
    source = "region.territories_file" if cfg.region.territories_file else "region.data"
    drivers: dict[str, float] = {f"region.sample_fraction (the sample's size), {source}": pairs}
    facilitators = float(_region(cfg)["facilitators_fte"])
    for i, lever in enumerate(cfg.policies.levers):
        declared = LEVERS.get(lever.name)
        if declared is None:
            continue
        params = {k: lever.params.get(k, p.default) for k, p in declared.params.items()}
        budget = cfg.policies.equal_budget_eur_per_year or lever.budget_eur_per_year
        key = f"policies.levers[{i}]"
        if lever.name == "p2_creative_evenings":
            events = budget / 12 / params["cost_per_event_eur"]
            extra = events * params["participants_per_event"] * params["meetings_per_participant"]
            drivers[f"{key}.params (participants_per_event, meetings_per_participant), its budget"] = extra
            pairs += extra
        elif lever.name == "p8_networks":
            extra = params["encounters_per_100k_eur"] * budget / 1e5
            drivers[f"{key}.params.encounters_per_100k_eur, its budget"] = extra
            pairs += extra
        elif lever.name == "p4_facilitation":
            facilitators += budget / params["cost_per_facilitator_eur_per_year"]
    introductions = facilitators * e.facilitator_introductions_per_month
    drivers["encounters.facilitator_introductions_per_month, facilitators"] = introductions
    pairs += introductions
    memory = BASE_GIB + (actors * BYTES_PER_ACTOR + pairs * BYTES_PER_PAIR) / 2**30
    seconds = cfg.horizon_months * (actors / ACTOR_MONTHS_PER_S + pairs / PAIRS_PER_S)
    top = max(drivers.values())
    named = tuple(k for k, v in drivers.items() if v >= 0.5 * top)
    return Resources(actors, pairs, memory, seconds / 3600, named)


def resource_problems(cfg: Config) -> list[str]:
    """A refusal, if the run's estimated memory or time exceeds ``output.max_memory_gib`` or ``output.max_hours``."""
    r = resources(cfg)
    problems = []
    what = f"about {r.actors:,.0f} actors and {r.pairs_per_month:,.0f} encounter pairs a month, driven by " + (
        "; ".join(r.drivers)
    )
    if r.memory_gib > cfg.output.max_memory_gib:
        problems.append(
            f"the run would need about {r.memory_gib:,.1f} GiB of memory ({what}), more than "
            f"output.max_memory_gib = {cfg.output.max_memory_gib:g}: lower those keys, or raise "
            "output.max_memory_gib to run it knowingly"
        )
    if r.hours > cfg.output.max_hours:
        problems.append(
            f"the run would take about {r.hours:,.1f} hours ({what}), more than output.max_hours = "
            f"{cfg.output.max_hours:g}: lower those keys, or raise output.max_hours to run it knowingly"
        )
    return problems


# --------------------------------------------------------------------------- region


def _region(cfg: Config) -> dict[str, Any]:
    """The region's territory table (the data layer's), and what the estimate needs of it."""
    from simulation.data import tables

    r = cfg.region
    table = tables.region_table_of(r)
    if "facilitators" in table:
        fte = float(table["facilitators"].fillna(0).sum())
    else:
        per_100k = table["type"].map({t: getattr(r.facilitators_per_100k, t) for t in ("rural", "peri_urban", "urban")})
        fte = float((per_100k * table["population"] / 1e5).sum())
    return {"table": table, "facilitators_fte": fte * r.sample_fraction}


def _potential_partners(cfg: Config) -> Any:
    """The real potential partners of each kind over the region (organisations × partner share)."""
    import numpy as np

    table = _region(cfg)["table"]
    share = np.array(cfg.region.partner_share.as_list())
    kinds = ("collectivite", "firm", "association", "citizen_group", "university", "media")
    if not cfg.region.include_universities:
        share[4] = 0.0
    if not cfg.region.include_media:
        share[5] = 0.0
    return table[[f"organisations_{k}" for k in kinds]].to_numpy(dtype=float).sum(axis=0) * share


def _region_problems(cfg: Config) -> list[str]:
    """The region's source of territories: exactly one, and one that exists and reads (a CSV file's errors name
    its rows and columns)."""
    from simulation.data.common import TerritoryDataError, UnknownRegionError
    from simulation.data.tables import data_regions

    r = cfg.region
    if r.data and r.data not in data_regions():
        return [f"region.data = {r.data!r}: allowed values are {', '.join(data_regions())}"]
    if r.territories_file and not os.path.isfile(r.territories_file):
        return [f"region.territories_file = {r.territories_file!r}: no such file"]
    if r.departements and (not r.data or r.territories_file or r.territories):
        return ["region.departements: only for a region of the official data (region.data), not a file or a list"]
    try:
        _region(cfg)
    except UnknownRegionError as e:
        return [f"region.data = {r.data!r}: {e}"]
    except TerritoryDataError as e:
        key = "region"
        if r.territories_file or r.departements:
            key = "region.territories_file" if r.territories_file else "region.departements"
        return [f"{key}: {line}" for line in str(e).splitlines()]  # one problem a line: a file's rows, each said
    return []

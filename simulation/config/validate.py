"""Validation of a resolved configuration: every value against its rules, and the rules across fields."""

from __future__ import annotations

import dataclasses
import math
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
            f"({cfg.trust.success_gain}); failure lowers trust faster than success raises it (docs/ODD.md §7.2)"
        )
    for i, s_ in enumerate(cfg.output.job_seeds):
        if not 0 <= s_ < SEED_LIMIT:
            problems.append(f"output.job_seeds[{i}] = {s_}: must be >= 0 and < 2**63")
    if cfg.output.job_seeds and cfg.output.job_seeds[0] != cfg.seed:
        problems.append(f"output.job_seeds = {cfg.output.job_seeds}: must start with seed ({cfg.seed})")
    problems += _lever_problems(cfg.policies)
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
    return problems

"""The building blocks of the configuration schemas: fields with their rules, and tables per actor kind,
domain, stage and resource."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from simulation.enums import ActorKind, Domain


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
    """One number per actor kind (the value-chain table of Territoires Conseils 2018)."""

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
    """One number per need domain (the 16 PHARE domains of Territoires Conseils 2018 in eight groups)."""

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
    """One number per active stage of the project life cycle (Territoires Conseils 2018; CESER 2019)."""

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
    """What each kind brings (the value-chain table of Territoires Conseils 2018), as coverage of a project's needs."""

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
    """Mean interest of each kind in each domain: what it seeks (the value-chain table of Territoires Conseils 2018)."""

    collectivite: PerDomain = param(factory=lambda: PerDomain(1, 1, 1, 1, 1, 1, 1, 1))
    firm: PerDomain = param(factory=lambda: PerDomain(1.6, 0.6, 1.2, 0.6, 1.2, 1.5, 0.7, 0.4))
    association: PerDomain = param(factory=lambda: PerDomain(1.4, 1.2, 0.6, 0.8, 0.9, 0.8, 1.2, 1.5))
    citizen_group: PerDomain = param(factory=lambda: PerDomain(0.6, 1.0, 1.2, 1.0, 1.3, 1.1, 0.9, 1.5))
    university: PerDomain = param(factory=lambda: PerDomain(1.0, 1.2, 1.0, 0.6, 0.8, 1.5, 1.4, 0.6))
    media: PerDomain = param(factory=lambda: PerDomain(0.8, 0.8, 0.8, 0.8, 1.0, 1.0, 1.0, 1.5))

    def as_matrix(self) -> list[list[float]]:
        return [getattr(self, k.label).as_list() for k in ActorKind]

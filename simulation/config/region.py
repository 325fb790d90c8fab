"""The region's schema: its territories (population, type, fragility) and the actors per inhabitant."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from simulation.config.fields import PerDomain, PerKind, _per_kind_defaults, param

# --------------------------------------------------------------------------- region


TERRITORY_TYPES = ("rural", "peri_urban", "urban")


@dataclass
class TerritoryConfig:
    """An intercommunal area (EPCI-like) of the region."""

    name: str = param(dataclasses.MISSING, min_len=1, max_len=200)
    type: str = param("rural", choices=TERRITORY_TYPES)
    population: int = param(50_000, gt=0, le=100_000_000)
    #: Need intensity per domain, 0 (no need) to 1 (acute fragility).
    fragility: PerDomain = param(factory=lambda: PerDomain(*([0.5] * 8)))
    #: Initial generalised trust (social capital), 0..1.
    generalised_trust: float = param(0.4, ge=0, le=1)
    #: Facilitators (territorial engineering) funded by the territory itself.
    facilitators: int = param(0, ge=0, le=1_000)
    #: Initial balance of the local fund fed by reinvested profits.
    local_fund_eur: float = param(0.0, ge=0, le=1e10)


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
    min_collectivites_per_territory: int = param(2, ge=1, le=1_000)
    include_universities: bool = True
    include_media: bool = True
    #: Share of firms that are "nomadic" (not anchored in the territory, Reengineering).
    nomadic_firm_share: float = param(0.15, ge=0, le=1)
    #: Multiplies every territory's population: makes larger regions for benchmarks.
    population_scale: float = param(1.0, gt=0, le=10_000)

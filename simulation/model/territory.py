"""Territories of a region and their state (docs/ODD.md §2).

The region (the "chef de file" of CESER 2019) is made of intercommunal territories —
rural, peri-urban, urban — each with a population, a fragility profile (need
intensity per domain, the PHARE domains of Territoires Conseils 2018 grouped in eight), a level of
generalised trust (social capital) and a local fund fed by reinvested
profits (Territoires Conseils 2018). Presets live in ``configs/region/``: an Auvergne-Rhône-Alpes-like
French region (CESER 2019) and the Oriental region of Morocco (CDG 2021, LeadeR Maroc 2018).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from simulation.config import RegionConfig, TerritoryConfig
from simulation.enums import ActorKind

TYPE_CODES = {"rural": 0, "peri_urban": 1, "urban": 2}


@dataclass
class Territories:
    """State of every territory of the region, one array entry per territory."""

    names: list[str]
    types: list[str]
    population: NDArray[np.float64]
    fragility: NDArray[np.float64]  # (territory, domain), 0..1
    generalised_trust: NDArray[np.float64]
    generalised_trust_initial: NDArray[np.float64]
    local_fund_eur: NDArray[np.float64]
    facilitators: NDArray[np.int64]

    @classmethod
    def from_config(cls, region: RegionConfig) -> Territories:
        ts: list[TerritoryConfig] = region.territories
        g = np.array([t.generalised_trust for t in ts], dtype=np.float64)
        return cls(
            names=[t.name for t in ts],
            types=[t.type for t in ts],
            population=np.array([t.population * region.population_scale for t in ts], dtype=np.float64),
            fragility=np.array([t.fragility.as_list() for t in ts], dtype=np.float64),
            generalised_trust=g.copy(),
            generalised_trust_initial=g,
            local_fund_eur=np.array([t.local_fund_eur for t in ts], dtype=np.float64),
            facilitators=np.array([t.facilitators for t in ts], dtype=np.int64),
        )

    def __len__(self) -> int:
        return len(self.names)

    @property
    def population_10k(self) -> NDArray[np.float64]:
        """Population in units of 10,000 inhabitants (per-capita rates use it)."""
        return self.population / 1e4


def actor_counts(region: RegionConfig) -> NDArray[np.int64]:
    """Number of actors of each kind in each territory, shape (territory, kind).

    Counts are model samples: ``actors_per_10k_inhabitants`` times the
    population, at least ``min_collectivites_per_territory`` collectivités.
    Universities and media can be switched off (optional by design, docs/ODD.md § Parameters).
    """
    density = np.array(region.actors_per_10k_inhabitants.as_list())
    if not region.include_universities:
        density[ActorKind.UNIVERSITY] = 0.0
    if not region.include_media:
        density[ActorKind.MEDIA] = 0.0
    pop10k = np.array([t.population * region.population_scale / 1e4 for t in region.territories])
    counts = np.rint(pop10k[:, None] * density[None, :]).astype(np.int64)
    counts[:, ActorKind.COLLECTIVITE] = np.maximum(
        counts[:, ActorKind.COLLECTIVITE], region.min_collectivites_per_territory
    )
    return counts


def gini(values: NDArray[np.float64]) -> float:
    """Gini coefficient of non-negative values (0 equal, →1 concentrated); 0 if all zero."""
    v = np.sort(np.asarray(values, dtype=np.float64))
    n = len(v)
    total = v.sum()
    if n == 0 or total <= 0:
        return 0.0
    cum = np.cumsum(v)
    return float((n + 1 - 2 * (cum / total).sum()) / n)

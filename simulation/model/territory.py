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
from functools import cached_property

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from simulation.config import RegionConfig
from simulation.data import tables
from simulation.enums import ActorKind, Domain

TYPE_CODES = {"rural": 0, "peri_urban": 1, "urban": 2}


def region_table(region: RegionConfig) -> pd.DataFrame:
    """The region's territories, one row each (code, name, type, population, organisations by kind, fragility by
    domain, ...), from the source its configuration names (``simulation.data.tables``).

    Territories of the official data or a CSV file get their generalised trust and their own facilitators from
    the region's rules by type; territories listed by hand keep theirs.
    """
    table = tables.region_table_of(region)
    by_type = {t: getattr(region.generalised_trust, t) for t in TYPE_CODES}
    per_100k = {t: getattr(region.facilitators_per_100k, t) for t in TYPE_CODES}
    if "generalised_trust" not in table:
        table["generalised_trust"] = table["type"].map(by_type).astype(float)
        table["facilitators"] = table["type"].map(per_100k).astype(float) * table["population"] / 1e5
    return table


@dataclass
class Territories:
    """State of every territory of the region, one array entry per territory.

    ``population`` is the real population; ``population_10k`` the inhabitants the sample stands in for, in
    units of 10,000 (the population times ``region.sample_fraction``): per-inhabitant rates use it, so that
    they do not depend on the fraction.
    """

    codes: list[str]
    names: list[str]
    types: list[str]
    population: NDArray[np.float64]
    fragility: NDArray[np.float64]  # (territory, domain), 0..1
    generalised_trust: NDArray[np.float64]
    generalised_trust_initial: NDArray[np.float64]
    local_fund_eur: NDArray[np.float64]
    #: Full-time equivalents of the facilitators the territory funds, in the sample (real ones × the fraction).
    facilitators: NDArray[np.float64]
    sample_fraction: float

    @classmethod
    def from_table(cls, table: pd.DataFrame, region: RegionConfig) -> Territories:
        f = region.sample_fraction
        g = table["generalised_trust"].to_numpy(dtype=np.float64)
        return cls(
            codes=table["code"].astype(str).tolist(),
            names=table["name"].astype(str).tolist(),
            types=table["type"].astype(str).tolist(),
            population=table["population"].to_numpy(dtype=np.float64),
            fragility=table[[f"fragility_{d.label}" for d in Domain]].to_numpy(dtype=np.float64),
            generalised_trust=g.copy(),
            generalised_trust_initial=g,
            local_fund_eur=(
                table["local_fund_eur"].to_numpy(dtype=np.float64) * f
                if "local_fund_eur" in table
                else np.zeros(len(table))
            ),
            facilitators=table["facilitators"].to_numpy(dtype=np.float64) * f,
            sample_fraction=f,
        )

    @classmethod
    def from_config(cls, region: RegionConfig) -> Territories:
        return cls.from_table(region_table(region), region)

    def __len__(self) -> int:
        return len(self.names)

    @cached_property
    def type_index(self) -> NDArray[np.int64]:
        """Each territory's type as an index (:data:`TYPE_CODES`), made once: the ideas' needs read it every month."""
        return np.array([TYPE_CODES[t] for t in self.types], dtype=np.int64)

    @property
    def population_10k(self) -> NDArray[np.float64]:
        """The inhabitants the sample stands in for, in units of 10,000 (per-inhabitant rates use it)."""
        return self.population * self.sample_fraction / 1e4


def organisations(table: pd.DataFrame, region: RegionConfig) -> NDArray[np.float64]:
    """The real potential partners of each kind in each territory, shape (territory, kind): the organisations
    times ``region.partner_share`` (universities and media left out when the region says so)."""
    share = np.array(region.partner_share.as_list())
    if not region.include_universities:
        share[ActorKind.UNIVERSITY] = 0.0
    if not region.include_media:
        share[ActorKind.MEDIA] = 0.0
    real = table[[f"organisations_{k.label}" for k in ActorKind]].to_numpy(dtype=np.float64)
    return real * share[None, :]


def actor_counts(table: pd.DataFrame, region: RegionConfig) -> NDArray[np.int64]:
    """Number of actors of each kind in each territory, shape (territory, kind): the sample of the potential
    partners (:func:`organisations`) at ``region.sample_fraction``.

    Each kind's total over the region is its expected count rounded; it is shared between territories by the
    largest remainders, so that every territory gets its expected count within one actor.
    """
    expected = organisations(table, region) * region.sample_fraction
    counts = np.floor(expected).astype(np.int64)
    for k in range(expected.shape[1]):
        remainder = expected[:, k] - counts[:, k]
        extra = round(float(expected[:, k].sum())) - int(counts[:, k].sum())
        if extra > 0:
            order = np.lexsort((np.arange(len(remainder)), -remainder))  # largest remainder first, then by order
            counts[order[:extra], k] += 1
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

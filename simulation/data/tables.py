"""A region's territory table from what a configuration names: a region of the official data (or all France), a
user's CSV file, or territories listed by hand — always the same columns (:data:`simulation.data.common.COLUMNS`).

This module takes plain values, not the configuration's classes: the data layer is read by the configuration's
validation and by the model, and imports neither.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from simulation.data.common import COLUMNS, DOMAINS, KINDS, TerritoryDataError, UnknownRegionError, fragility_frame

#: The name of the whole of France as a region of the data.
FRANCE = "france"


def data_regions() -> dict[str, str]:
    """Every region of the data by slug, with its country (``FR``/``MA``); ``france`` is the whole country."""
    from simulation.data import regions

    return {FRANCE: "FR", **{slug: country for slug, _code, _name, country in regions()}}


@functools.lru_cache(maxsize=8)
def _official(slug: str) -> pd.DataFrame:
    from simulation.data import france, load

    return france(None) if slug == FRANCE else load(slug)


def official_table(slug: str, departements: Sequence[str] = ()) -> pd.DataFrame:
    """The territories of a region of the data (its slug, or ``france``), those of ``departements`` only if given
    (French département codes, or Moroccan province codes).

    Raises:
        UnknownRegionError: an unknown slug (the message lists the slugs).
        TerritoryDataError: a département or province the region does not have (the message lists its own).
    """
    table = _official(slug)
    if departements:
        column = "departement_code" if "departement_code" in table else "code"
        have = sorted(set(table[column].astype(str)))
        unknown = [d for d in departements if d not in have]
        if unknown:
            raise TerritoryDataError(
                f"{', '.join(unknown)}: not a département or province of {slug}; it has {', '.join(have)}"
            )
        table = table[table[column].astype(str).isin(list(departements))]
    return table.reset_index(drop=True).copy()


def listed_table(territories: Sequence[Mapping[str, Any]], country: str) -> pd.DataFrame:
    """A table of territories listed by hand (name, type, population, fragility by domain): their organisations
    by kind are the country's per inhabitant for their type (:func:`simulation.data.user_csv.default_organisations`)."""
    from simulation.data.user_csv import default_organisations

    base = pd.DataFrame(
        {
            "code": [str(t["name"]) for t in territories],
            "name": [str(t["name"]) for t in territories],
            "type": [str(t["type"]) for t in territories],
            "population": [float(t["population"]) for t in territories],
        }
    )
    organisations = default_organisations(base["population"], base["type"], country)
    fragility = pd.DataFrame(
        {f"fragility_{d}": [float(t["fragility"][d]) for t in territories] for d in DOMAINS}, index=base.index
    )
    table = pd.concat([base, organisations, fragility], axis=1)
    for extra in ("generalised_trust", "facilitators", "local_fund_eur"):
        table[extra] = [t.get(extra) for t in territories]
    return table


def region_table_of(region: Any) -> pd.DataFrame:
    """:func:`region_table` of a region's configuration (``RegionConfig``: its ``data``, ``departements``,
    ``territories_file``, ``territories`` and ``country``)."""
    import dataclasses

    return region_table(
        data=region.data,
        departements=list(region.departements),
        territories_file=region.territories_file,
        territories=[dataclasses.asdict(t) for t in region.territories],
        country=region.country,
    )


def region_table(
    *,
    data: str,
    departements: Sequence[str],
    territories_file: str,
    territories: Sequence[Mapping[str, Any]],
    country: str,
) -> pd.DataFrame:
    """The territory table of a region, from whichever source is given (exactly one).

    Raises:
        TerritoryDataError: no source, or several; an unreadable or invalid CSV (naming its row and column).
        UnknownRegionError: an unknown region of the data.
    """
    if territories_file and territories:
        raise TerritoryDataError("a region takes its territories from a file or from a list, not both")
    if not (data or territories_file or territories):
        raise TerritoryDataError("a region needs territories: data, territories_file or territories")
    # A file or a list given on top of a preset replaces the preset's region of the data.
    if territories_file:
        from simulation.data.user_csv import read_territories_csv

        table = read_territories_csv(territories_file, country)
    elif territories:
        table = listed_table(territories, country)
    else:
        table = official_table(data, departements)
    if table.empty:
        raise TerritoryDataError("the region has no territory")
    missing = [c for c in COLUMNS if c not in table]
    if missing:  # (the readers give every column: a bug, not a user's mistake)
        raise TerritoryDataError(f"the territory table lacks {', '.join(missing)}")
    return table


__all__ = [
    "FRANCE",
    "KINDS",
    "TerritoryDataError",
    "UnknownRegionError",
    "data_regions",
    "fragility_frame",
    "listed_table",
    "official_table",
    "region_table",
]

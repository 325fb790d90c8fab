"""French territories: the 1,255 EPCI à fiscalité propre, from the committed table that
``python -m simulation.data.build_france`` derives from ``@etalab/decoupage-administratif``.

Type rule (ASSUMPTION, from the legal form and the sizes the law sets for each form, Code général
des collectivités territoriales: a communauté d'agglomération needs 50,000 inhabitants around a
commune of 15,000, art. L5216-1):

* ``METRO``, ``MET69`` (Métropole de Lyon), ``CU`` → urban;
* ``CA`` → urban if its largest commune has at least 100,000 inhabitants, else peri_urban;
* ``CC`` → peri_urban if it has the size of a CA (50,000 inhabitants and a commune of 15,000),
  else rural.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation.data.common import (
    DEPARTEMENTS_FILE,
    EPCI_FILE,
    REGIONS_FILE,
    SOURCES_FILE,
    assemble,
    find_region,
    slugify,
)
from simulation.data.common import known_regions as _known
from simulation.data.organisations import (
    COLLECTIVITES_ABOVE_COMMUNES,
    FR_SINGLE_COLLECTIVITE_REGIONS,
    per_inhabitant_fr,
)

HERE = Path(__file__).resolve().parent

#: Type-rule thresholds (inhabitants, population municipale).
URBAN_CA_LARGEST_COMMUNE = 100_000
PERI_URBAN_CC_POPULATION = 50_000
PERI_URBAN_CC_LARGEST_COMMUNE = 15_000


@functools.lru_cache(maxsize=1)
def sources() -> dict[str, Any]:
    """``fr_sources.json``: the package, version, licences, build date, digests and totals."""
    result: dict[str, Any] = json.loads((HERE / SOURCES_FILE).read_text(encoding="utf-8"))
    return result


@functools.lru_cache(maxsize=1)
def epci_table() -> pd.DataFrame:
    """The committed EPCI table, as built (one row per EPCI; codes are strings)."""
    codes = {"code": str, "region_code": str, "departement_code": str, "regions": str, "largest_commune_code": str}
    return pd.read_csv(HERE / EPCI_FILE, dtype=codes, keep_default_na=False)


@functools.lru_cache(maxsize=1)
def region_table() -> pd.DataFrame:
    """Regions of the package (code, name, zone), with their slug; only those holding an EPCI."""
    table = pd.read_csv(HERE / REGIONS_FILE, dtype=str, keep_default_na=False)
    table = table[table["code"].isin(set(epci_table()["region_code"]))].copy()
    table["slug"] = table["name"].map(slugify)
    return table.reset_index(drop=True)


@functools.lru_cache(maxsize=1)
def departement_table() -> pd.DataFrame:
    """Départements of the package (code, name, region_code)."""
    return pd.read_csv(HERE / DEPARTEMENTS_FILE, dtype=str, keep_default_na=False)


def territory_type(legal_form: pd.Series, population: pd.Series, largest_commune: pd.Series) -> pd.Series:
    """The type of each EPCI by the rule in this module's docstring."""
    urban_form = legal_form.isin(["METRO", "MET69", "CU"])
    ca = legal_form == "CA"
    cc_like_ca = (
        (legal_form == "CC")
        & (population >= PERI_URBAN_CC_POPULATION)
        & (largest_commune >= PERI_URBAN_CC_LARGEST_COMMUNE)
    )
    kinds = np.where(
        urban_form | (ca & (largest_commune >= URBAN_CA_LARGEST_COMMUNE)),
        "urban",
        np.where(ca | cc_like_ca, "peri_urban", "rural"),
    )
    return pd.Series(kinds, index=legal_form.index, dtype=object)


def _collectivites(table: pd.DataFrame) -> pd.Series:
    """Member communes + the EPCI + its département + its region (one for both where they are one
    collectivité; the Métropole de Lyon is its own département-level collectivité)."""
    above = pd.Series(COLLECTIVITES_ABOVE_COMMUNES["FR"], index=table.index)
    above -= table["region_code"].isin(FR_SINGLE_COLLECTIVITE_REGIONS).astype(int)
    above -= (table["legal_form"] == "MET69").astype(int)
    return table["communes"] + above


@functools.cache
def _all() -> pd.DataFrame:
    table = epci_table()
    regions = pd.read_csv(HERE / REGIONS_FILE, dtype=str, keep_default_na=False).set_index("code")["name"]
    departements = departement_table().set_index("code")["name"]
    base = pd.DataFrame(
        {
            "code": table["code"],
            "name": table["name"],
            "type": territory_type(table["legal_form"], table["population"], table["largest_commune_population"]),
            "population": table["population"],
        }
    )
    rates = per_inhabitant_fr()
    population = table["population"].astype(float)
    organisations = pd.DataFrame(
        {
            "organisations_collectivite": _collectivites(table).astype(float),
            **{f"organisations_{kind}": population * rate for kind, rate in rates.items()},
        }
    )
    extra = pd.DataFrame(
        {
            "country": "FR",
            "region_code": table["region_code"],
            "region_name": table["region_code"].map(regions),
            "departement_code": table["departement_code"],
            "departement_name": table["departement_code"].map(departements),
            "legal_form": table["legal_form"],
            "communes": table["communes"],
            "largest_commune_population": table["largest_commune_population"],
            "region_population_share": table["region_population_share"],
        }
    )
    return assemble(base, organisations, "FR", extra)


def france(region: str | None = None) -> pd.DataFrame:
    """French territories (EPCI) of a region, by code (``"84"``) or slug (``"auvergne_rhone_alpes"``);
    ``None``: all France. A fresh copy each call."""
    table = _all()
    if region is None:
        return table.copy()
    known = _known(region_table())
    code = find_region(region, known, "French")
    return table[table["region_code"] == code].reset_index(drop=True)

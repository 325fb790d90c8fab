"""What every territory table shares: its columns, the territory types, the fragility profiles
per type, region slugs and the errors.

A territory table is a pandas DataFrame with one row per territory and, first, the columns
:data:`COLUMNS`: ``code``, ``name``, ``type``, ``population``, ``organisations_<kind>`` for the
six actor kinds (real counts, floats) and ``fragility_<domain>`` for the eight need domains
(0..1). Tables may carry more columns after those (``country``, ``region_code``, ...).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

import pandas as pd

from simulation.enums import ActorKind, Domain

#: Actor kinds, as the model names them.
KINDS: tuple[str, ...] = tuple(k.label for k in ActorKind)
#: Need domains, as the model names them.
DOMAINS: tuple[str, ...] = tuple(d.label for d in Domain)
#: Territory types, as the model's region schema allows them.
TERRITORY_TYPES: tuple[str, ...] = ("rural", "peri_urban", "urban")

ORGANISATION_COLUMNS: tuple[str, ...] = tuple(f"organisations_{k}" for k in KINDS)
FRAGILITY_COLUMNS: tuple[str, ...] = tuple(f"fragility_{d}" for d in DOMAINS)
#: The columns every territory table starts with, in this order.
COLUMNS: tuple[str, ...] = ("code", "name", "type", "population", *ORGANISATION_COLUMNS, *FRAGILITY_COLUMNS)


#: The French tables that ``python -m simulation.data.build_france`` writes beside this file.
EPCI_FILE = "fr_epci.csv.gz"
REGIONS_FILE = "fr_regions.csv"
DEPARTEMENTS_FILE = "fr_departements.csv"
SOURCES_FILE = "fr_sources.json"


class TerritoryDataError(ValueError):
    """Territory data that cannot be used; the message says where (file, row, column) and what is allowed.

    ``errors`` holds one line per problem found.
    """

    def __init__(self, message: str, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors if errors is not None else [message]


class UnknownRegionError(TerritoryDataError):
    """A region code or name that the data does not hold; the message lists those it does."""


# --------------------------------------------------------------------------- fragility per type

_PROFILE = dict[str, float]


def _profile(*values: float) -> _PROFILE:
    return dict(zip(DOMAINS, values, strict=True))


#: Fragility (need intensity, 0..1) by domain for each territory type, per country. ASSUMPTION:
#: one profile per type, every territory of a type gets it. The values are the means, type by
#: type, of the invented presets ``configs/region/auvergne_rhone_alpes.yaml`` (France: 2 urban,
#: 2 peri-urban and 4 rural territories) and ``configs/region/oriental_morocco.yaml`` (Morocco:
#: 2 urban, 1 peri-urban, 5 rural), as they stood when this table was made. Domain order:
#: employment_insertion, health_care, mobility, housing, food_short_chains, energy_environment,
#: education_youth, social_link_culture.
FRAGILITY_BY_TYPE: dict[str, dict[str, _PROFILE]] = {
    "FR": {
        "urban": _profile(0.7, 0.45, 0.35, 0.7, 0.4, 0.55, 0.6, 0.5),
        "peri_urban": _profile(0.5, 0.5, 0.7, 0.45, 0.5, 0.5, 0.5, 0.6),
        "rural": _profile(0.625, 0.75, 0.85, 0.325, 0.55, 0.55, 0.55, 0.7),
    },
    "MA": {
        "urban": _profile(0.9, 0.6, 0.5, 0.7, 0.4, 0.6, 0.8, 0.5),
        "peri_urban": _profile(0.8, 0.6, 0.6, 0.5, 0.5, 0.6, 0.7, 0.5),
        "rural": _profile(0.92, 0.84, 0.84, 0.52, 0.62, 0.74, 0.8, 0.62),
    },
}


def fragility_frame(types: pd.Series, country: str) -> pd.DataFrame:
    """The ``fragility_<domain>`` columns for territories of the given types."""
    profiles = FRAGILITY_BY_TYPE[country]
    return pd.DataFrame(
        {f"fragility_{d}": types.map({t: p[d] for t, p in profiles.items()}).astype(float) for d in DOMAINS},
        index=types.index,
    )


# --------------------------------------------------------------------------- regions


def slugify(text: str) -> str:
    """A region's name as a config-friendly slug: ``Provence-Alpes-Côte d'Azur`` → ``provence_alpes_cote_d_azur``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")


def find_region(query: str, known: Mapping[str, tuple[str, str]], country: str) -> str:
    """The code of the region ``query`` names (its code, its slug or its name); ``known``: code → (slug, name)."""
    text = str(query).strip()
    if text in known:
        return text
    slug = slugify(text)
    for code, (region_slug, _name) in known.items():
        if slug == region_slug:
            return code
    listing = ", ".join(f"{code} {slug_}" for code, (slug_, _n) in sorted(known.items()))
    raise UnknownRegionError(f"no {country} region {query!r}; give a code or slug among: {listing}")


def known_regions(table: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """A region table (code, slug, name columns) as code → (slug, name)."""
    return {str(c): (str(s), str(n)) for c, s, n in zip(table["code"], table["slug"], table["name"], strict=True)}


def assemble(base: pd.DataFrame, organisations: pd.DataFrame, country: str, extra: pd.DataFrame) -> pd.DataFrame:
    """A territory table: ``base`` (code, name, type, population), organisations, fragility, then ``extra``."""
    frame = pd.concat(
        [
            base[["code", "name", "type", "population"]].reset_index(drop=True),
            organisations[list(ORGANISATION_COLUMNS)].reset_index(drop=True).astype(float),
            fragility_frame(base["type"].reset_index(drop=True), country),
            extra.reset_index(drop=True),
        ],
        axis=1,
    )
    frame["population"] = frame["population"].astype("int64")
    return frame

"""How many organisations of each kind a territory holds: published national figures, stated
assumptions, and the share of them that are potential partners.

Every number here is a :class:`Figure` that names its source, or says it is an assumption;
``docs/territories.md`` lists them. France has no per-territory counts of firms or associations
offline, so its firms and associations are national counts per inhabitant times the
territory's population; its collectivités are counted exactly from the EPCI's member list.
Morocco's firms and associations are the 2024 census's establishments of the province.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from simulation.data.common import KINDS, TerritoryDataError


@dataclass(frozen=True)
class Figure:
    """A number with its unit, the year it describes and where it comes from."""

    value: float
    unit: str
    year: str
    source: str
    #: ``published`` (a statistic to cite) or ``assumption`` (a modelling choice, uncertain).
    status: str = "published"


# --------------------------------------------------------------------------- France, published

FIGURES_FR: dict[str, Figure] = {
    "population": Figure(
        68_606_000,
        "inhabitants on 1 January 2025, France with its five overseas départements",
        "2025",
        "INSEE, Bilan démographique 2024 (January 2025)",
    ),
    "firms": Figure(
        4_500_000,
        "firms (entreprises, economic definition) in the market, non-agricultural, non-financial sectors",
        "2021",
        "INSEE, Les entreprises en France, édition 2023 (Insee Références, December 2023), "
        "« Catégories d'entreprises »",
    ),
    "firms_micro": Figure(4_300_000, "micro-firms (MIC)", "2021", "INSEE, Les entreprises en France, édition 2023"),
    "firms_sme": Figure(
        159_000,
        "small and medium firms other than micro-firms (PME hors MIC)",
        "2021",
        "INSEE, Les entreprises en France, édition 2023",
    ),
    "firms_mid": Figure(6_600, "mid-sized firms (ETI)", "2021", "INSEE, Les entreprises en France, édition 2023"),
    "firms_large": Figure(294, "large firms (GE)", "2021", "INSEE, Les entreprises en France, édition 2023"),
    "associations": Figure(
        1_270_000,
        "active associations",
        "2018",
        "INSEE, enquête Associations 2018 (1.27 million; « 1,3 million » in INJEP, "
        "Les chiffres clés de la vie associative 2023)",
    ),
    "associations_employers": Figure(
        170_000,
        "employer associations",
        "2018",
        "INSEE, enquête Associations 2018; INJEP, Les chiffres clés de la vie associative 2023",
    ),
    "communes": Figure(34_875, "communes on 1 January 2025", "2025", "DGCL, Les collectivités locales en chiffres"),
    "epci": Figure(
        1_254, "EPCI à fiscalité propre on 1 January 2025", "2025", "DGCL, Les collectivités locales en chiffres"
    ),
}

# --------------------------------------------------------------------------- assumptions, both countries

#: Organisations per 10,000 inhabitants for the kinds no statistic counts. ASSUMPTION, the
#: same in France and Morocco: orders of magnitude chosen for this model, not measured.
PER_10K_ASSUMED: dict[str, Figure] = {
    "citizen_group": Figure(
        5.0,
        "citizen groups (collectifs d'habitants, conseils de quartier or citoyens, informal groups) "
        "per 10,000 inhabitants",
        "-",
        "assumption: one per 2,000 inhabitants, about one per French commune on average; plausible range 1-20",
        "assumption",
    ),
    "university": Figure(
        0.1,
        "higher-education establishments or campuses (universities, their institutes, engineering and "
        "business schools) per 10,000 inhabitants",
        "-",
        "assumption: one per 100,000 inhabitants (about 690 in France); plausible range 0.03-0.3",
        "assumption",
    ),
    "media": Figure(
        0.2,
        "local media (daily and weekly local press titles, local and associative radios, local television, "
        "local news sites) per 10,000 inhabitants",
        "-",
        "assumption: one per 50,000 inhabitants (about 1,400 in France); plausible range 0.05-0.5",
        "assumption",
    ),
}

#: Collectivités above the communes that every territory counts: in France the EPCI, its
#: département and its region; in Morocco the province's (préfecture's) council and the region's.
COLLECTIVITES_ABOVE_COMMUNES = {"FR": 3, "MA": 2}

#: French regions where the département and the region are one collectivité (Corse, Guyane,
#: Martinique; Mayotte is a département that exercises a region's powers): they count one, not two.
FR_SINGLE_COLLECTIVITE_REGIONS = frozenset({"94", "03", "02", "06"})


def per_inhabitant_fr() -> dict[str, float]:
    """France's organisations per inhabitant for the kinds counted per inhabitant."""
    population = FIGURES_FR["population"].value
    rates = {
        "firm": FIGURES_FR["firms"].value / population,
        "association": FIGURES_FR["associations"].value / population,
    }
    rates.update({kind: f.value / 10_000 for kind, f in PER_10K_ASSUMED.items()})
    return rates


def per_inhabitant_assumed() -> dict[str, float]:
    """The assumed kinds' organisations per inhabitant (both countries)."""
    return {kind: f.value / 10_000 for kind, f in PER_10K_ASSUMED.items()}


# --------------------------------------------------------------------------- partner share


@dataclass(frozen=True)
class PartnerShare:
    """The share of a kind's real organisations that are potential partners: a default and a plausible range."""

    default: float
    low: float
    high: float
    why: str


#: ``partner_share``: the share of the real organisations of each kind that count as potential
#: partners (the model's actors stand for them). UNCERTAIN, a modelling choice. The defaults
#: keep every organisation, because the calibration targets (PHARE 2015: 37% of firms and 38%
#: of associations in a partnership) are shares of all French firms and associations; the low
#: ends keep only the organisations with staff.
PARTNER_SHARE: dict[str, PartnerShare] = {
    "collectivite": PartnerShare(
        1.0, 0.5, 1.0, "every commune and council can partner; low: half of them have the staff to"
    ),
    "firm": PartnerShare(
        1.0,
        0.037,
        1.0,
        "all firms; low: only SMEs, mid-sized and large firms, (159,000 + 6,600 + 294) / 4.5 million (INSEE 2021)",
    ),
    "association": PartnerShare(
        1.0, 0.13, 1.0, "all active associations; low: only employer ones, 170,000 / 1.27 million (INSEE 2018)"
    ),
    "citizen_group": PartnerShare(1.0, 0.5, 1.0, "the count is already an assumption"),
    "university": PartnerShare(1.0, 0.5, 1.0, "the count is already an assumption"),
    "media": PartnerShare(1.0, 0.5, 1.0, "the count is already an assumption"),
}


def default_partner_share() -> dict[str, float]:
    """``partner_share`` at its defaults, kind → share."""
    return {kind: s.default for kind, s in PARTNER_SHARE.items()}


def potential_partners(table: pd.DataFrame, partner_share: Mapping[str, float] | None = None) -> pd.DataFrame:
    """``partners_<kind>``: each territory's organisations of the kind times the kind's ``partner_share``.

    ``partner_share`` may give some kinds only; the others keep their default (:data:`PARTNER_SHARE`).
    """
    shares = default_partner_share()
    for kind, value in (partner_share or {}).items():
        if kind not in shares:
            raise TerritoryDataError(f"partner_share: unknown kind {kind!r}; kinds: {', '.join(KINDS)}")
        if not 0.0 <= float(value) <= 1.0:
            raise TerritoryDataError(f"partner_share[{kind!r}]: {value!r} is not a share between 0 and 1")
        shares[kind] = float(value)
    return pd.DataFrame(
        {f"partners_{k}": table[f"organisations_{k}"].astype(float) * shares[k] for k in KINDS}, index=table.index
    )

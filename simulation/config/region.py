"""The region's schema: where its territories come from, and the sample of their organisations the model simulates."""

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
    facilitators: float = param(0, ge=0, le=1_000)
    #: Initial balance of the local fund fed by reinvested profits.
    local_fund_eur: float = param(0.0, ge=0, le=1e10)


@dataclass
class PerType:
    """One number per type of territory."""

    rural: float = param(0.0, ge=0)
    peri_urban: float = param(0.0, ge=0)
    urban: float = param(0.0, ge=0)


@dataclass
class RegionConfig:
    """A region: its territories (from the official data, a CSV file, or listed here) and the sample of their
    organisations the model simulates.

    Exactly one source of territories: ``data`` (a region of the official data, or ``france``), a
    ``territories_file`` (CSV), or the ``territories`` list.
    """

    name: str = param("auvergne_rhone_alpes", min_len=1, max_len=100)
    label: str = param("Auvergne-Rhône-Alpes", max_len=300)
    country: str = param("FR", choices=("FR", "MA"))
    #: A region of the official data (``docs/territories.md``): a French region's or a Moroccan region's slug
    #: (``auvergne_rhone_alpes``, ``oriental``), or ``france`` for the whole country. Its territories are
    #: the EPCI à fiscalité propre (France) or the provinces and préfectures (Morocco).
    data: str = param("", max_len=100)
    #: Keep only the territories of these départements (France, by code: ``["15"]``) or provinces (Morocco, by
    #: code): a smaller region, e.g. for a class.
    departements: list[str] = param(factory=list)
    #: A CSV file of territories (name, population, type; optionally organisations by kind and fragility by
    #: domain): ``docs/territories.md`` says its columns.
    territories_file: str = param("", max_len=1000)
    territories: list[TerritoryConfig] = param(factory=list)
    #: The share of the real organisations the model simulates, each actor standing for 1 / this many: every
    #: count and euro the model reports is scaled back to the real region. It trades precision and speed,
    #: not the answer (``docs/territories.md``, "The sample").
    sample_fraction: float = param(0.01, gt=0, le=1)
    #: The share of each kind's real organisations that are potential partners (an uncertain modelling
    #: choice: ``config.uncertainties``).
    partner_share: PerKind = param(
        factory=_per_kind_defaults(
            collectivite=1.0, firm=1.0, association=1.0, citizen_group=1.0, university=1.0, media=1.0
        )
    )
    #: Initial generalised trust (social capital, 0..1) of the territories of the official data or a CSV file,
    #: by type: trust is higher where people know each other (an assumption).
    generalised_trust: PerType = param(factory=lambda: PerType(rural=0.46, peri_urban=0.38, urban=0.355))
    #: Facilitators the territories fund themselves, per 100,000 inhabitants, by type (official data and CSV
    #: territories): the engineering teams of metropolises and large agglomerations (an assumption).
    facilitators_per_100k: PerType = param(factory=lambda: PerType(rural=0.0, peri_urban=0.0, urban=0.5))
    include_universities: bool = True
    include_media: bool = True
    #: Share of firms that are "nomadic" (not anchored in the territory, Reengineering).
    nomadic_firm_share: float = param(0.15, ge=0, le=1)

    @property
    def title(self) -> str:
        """The region's name as a run and its report show it: its label, unless the territories come from a file
        and the label is still the preset's (the region of the data the file replaces): then the file's name (a
        council's own territories are not called Auvergne-Rhône-Alpes because the default preset was left on)."""
        if self.territories_file:
            from pathlib import Path

            import yaml

            from simulation.config.compose import CONFIG_DIR

            preset = CONFIG_DIR / "region" / f"{self.name}.yaml"
            written = yaml.safe_load(preset.read_text()) if preset.is_file() else None
            if isinstance(written, dict) and written.get("label") == self.label:
                return Path(self.territories_file).stem
        return self.label

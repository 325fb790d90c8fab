"""Write a region preset (``configs/region/<name>.yaml``) for every region of the official data, for France, and
for one département small enough for a class to watch live.

    python -m simulation.data.presets [--out configs/region]

A preset names its region of the data and its label; the territories themselves are read from the data when a
run starts. French regions are named by their slug (``auvergne_rhone_alpes``), Moroccan ones by their slug and
``_morocco`` (``oriental_morocco``). Moroccan presets start from a lower generalised trust and fund fewer
facilitators (the Centre Régional d'Investissement of each region): assumptions, stated in the files.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from simulation.data import regions
from simulation.data.tables import FRANCE

HEADER = "# Written by `python -m simulation.data.presets`: the region of the official data (docs/territories.md).\n"
MOROCCO = (
    "# Assumptions for Morocco: generalised trust lower than in France (by type), and about one facilitator per\n"
    "# urban préfecture (the region's Centre Régional d'Investissement).\n"
    "generalised_trust: {rural: 0.36, peri_urban: 0.33, urban: 0.30}\n"
    "facilitators_per_100k: {rural: 0.0, peri_urban: 0.0, urban: 0.18}\n"
)
#: A département for the classroom dashboard: the Cantal (9 EPCI, 144,000 inhabitants), sampled more densely
#: so that each territory holds enough actors to watch.
CLASS = ("cantal", "auvergne_rhone_alpes", "15", "Cantal (Auvergne-Rhône-Alpes)", 0.04)


def presets() -> dict[str, str]:
    """Preset file name → its YAML text."""
    out = {
        FRANCE: HEADER + f"name: {FRANCE}\nlabel: France\ncountry: FR\ndata: {FRANCE}\n",
    }
    for slug, _code, name, country in regions():
        file = slug if country == "FR" else f"{slug}_morocco"
        label = name if country == "FR" else f"{name} (Morocco)"
        text = HEADER + f"name: {file}\nlabel: {label!r}\ncountry: {country}\ndata: {slug}\n"
        out[file] = text + (MOROCCO if country == "MA" else "")
    name, data, departement, label, fraction = CLASS
    out[name] = (
        HEADER
        + f"name: {name}\nlabel: {label!r}\ncountry: FR\ndata: {data}\ndepartements: [{departement!r}]\n"
        + f"sample_fraction: {fraction}\n"
    )
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[2] / "configs" / "region")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in presets().items():
        (args.out / f"{name}.yaml").write_text(text)
    print(f"{len(presets())} presets written to {args.out}")


if __name__ == "__main__":
    main()

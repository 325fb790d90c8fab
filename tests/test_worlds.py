"""The ranking over plausible worlds (``python -m simulation.sensitivity worlds``) on a tiny design: worlds drawn from
the declaration, every lever paired with the baseline by world and seed, valued per M€ of its own spending, the shares
of worlds led adding up, and the report's reading of the summary."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from simulation.config.uncertainties import UNCERTAINTIES, calibrated, screened
from simulation.report.records import plausible_worlds
from simulation.study import worlds

FAST = ["region=cantal", "region.sample_fraction=0.0343", "horizon_months=60"]


def test_worlds_are_draws_of_the_declaration_within_its_ranges() -> None:
    drawn = worlds.draw_worlds(20, seed=1)
    params = [c for c in drawn.columns if c != "world"]
    assert set(params) == set(screened()) | set(calibrated())
    for k in params:
        u = UNCERTAINTIES[k]
        assert drawn[k].between(u.low, u.high).all(), k
    # the calibrated parameters come together, as particles of the calibration's last population
    post = worlds.pd.read_csv(worlds.POSTERIOR)
    rows = {tuple(np.round(r, 9)) for r in post[list(calibrated())].to_numpy()}
    assert all(tuple(np.round(r, 9)) in rows for r in drawn[list(calibrated())].to_numpy())


def test_worlds_at_the_calibrations_point_vary_only_the_parameters_it_does_not_fit() -> None:
    """``--calibrated point``: the calibrated parameters are left to the configuration (the calibration's point),
    the others drawn as before; anything else is refused."""
    drawn = worlds.draw_worlds(20, seed=1, calibrated_from="point")
    assert set(drawn.columns) == {"world"} | (set(screened()) - set(calibrated()))
    posterior = worlds.draw_worlds(20, seed=1)
    others = [c for c in drawn.columns if c != "world"]
    assert drawn[others].equals(posterior[others])  # the same Latin hypercube of the other parameters
    points, _ = worlds.design(drawn, 1, FAST)
    assert not any(o.split("=")[0].lstrip("+") in calibrated() for o in points[0])
    with pytest.raises(ValueError, match="allowed are posterior, point"):
        worlds.draw_worlds(2, calibrated_from="prior")


def test_each_world_runs_seeds_of_its_own_and_pairs_every_scenario_on_them() -> None:
    """A seed fixes draws no parameter moves (a lever's purse: the months it can buy a grant): worlds sharing seeds
    would not be independent draws, as the bootstrap over worlds takes them."""
    drawn = worlds.draw_worlds(3, seed=2)
    points, keys = worlds.design(drawn, 4, FAST)
    assert len(points) == len(keys) == 3 * (1 + len(worlds.LEVER_SCENARIOS)) * 4
    seeds = {w: {s for ww, _, s in keys if ww == w} for w in range(3)}
    assert seeds == {0: {0, 1, 2, 3}, 1: {4, 5, 6, 7}, 2: {8, 9, 10, 11}}
    for (world, scenario, seed), point in zip(keys, points, strict=True):
        assert f"seed={seed}" in point and f"scenario={scenario}" in point and point[-len(FAST) :] == FAST
        assert {s for w, sc, s in keys if w == world and sc == scenario} == seeds[world]


@pytest.fixture(scope="module")
def ranked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("worlds")
    worlds.run(out, n_worlds=3, seeds=2, jobs=2, extra=FAST)
    return out


def test_each_lever_is_valued_per_meur_of_its_own_spending(ranked: Path) -> None:
    summary = json.loads((ranked / "summary.json").read_text())
    assert summary["worlds"] == 3 and summary["seeds"] == 2
    assert set(summary["levers"]) == set(worlds.LEVER_SCENARIOS)
    shares = [v["lead_share"] for v in summary["levers"].values()]
    assert sum(shares) == pytest.approx(1.0)  # every world has one leader
    values = worlds.pd.read_csv(ranked / "values.csv", index_col="world")
    # a value is undefined only where the lever spent nothing of its own in the world (P5 when no coalition of the
    # small region shows its success factors; a lever buying whole grants whose small sample's budget bought none
    # in a short decade): the public co-funding of its projects never enters the ratio
    pairs = worlds.pd.read_csv(ranked / "pairs.csv")
    own = pairs.groupby(["world", "scenario"])["money_meur"].mean().unstack()[worlds.LEVER_SCENARIOS]
    for lever, v in summary["levers"].items():
        if v["value"] is None:  # (JSON's null: no world where the lever spent anything)
            assert (own[lever] <= 0).all(), lever
            continue
        assert np.isfinite(v["value"]) and v["interval90"][0] <= v["value"] + 1e-9 <= v["interval90"][1] + 2e-9
    assert sum(v["value"] is not None for v in summary["levers"].values()) >= 4
    lever_values = values[worlds.LEVER_SCENARIOS]
    assert (lever_values.isna().to_numpy() == (own <= 0).to_numpy()).all()
    assert (own > 0).any(axis=None)
    delta = pairs.groupby(["world", "scenario"])["delta"].mean().unstack()[worlds.LEVER_SCENARIOS]
    np.testing.assert_allclose(lever_values.to_numpy(), (delta / own.where(own > 0)).to_numpy())
    assert (values["leader"] == lever_values.idxmax(axis=1)).all()
    assert summary["setting"]["overrides"] == FAST


def test_the_report_reads_the_summary(ranked: Path) -> None:
    read = plausible_worlds(ranked / "summary.json")
    assert read is not None and read.n == 3 and read.quick  # 3 worlds: a quick ranking, said as such
    summary = json.loads((ranked / "summary.json").read_text())
    valued = [k for k in worlds.LEVER_SCENARIOS if summary["levers"][k]["value"] is not None]  # (spent something)
    assert [x["lever"] for x in read.levers] == sorted(valued, key=lambda k: -summary["levers"][k]["lead_share"])
    assert plausible_worlds(ranked / "missing.json") is None


def test_the_report_leaves_out_a_lever_that_spent_nothing_in_any_world(ranked: Path, tmp_path: Path) -> None:
    summary = json.loads((ranked / "summary.json").read_text())
    summary["levers"]["p7_innovation_fund"] |= {"value": None, "interval90": [None, None], "lead_share": 0.0}
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    read = plausible_worlds(tmp_path / "summary.json")
    assert read is not None and "p7_innovation_fund" not in [x["lever"] for x in read.levers]

"""experiments/seed_grants.py: what a seed grant reaches is read right, and bad options are refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import experiment, small_region


@pytest.fixture(scope="module")
def grants():
    return experiment("seed_grants")


def test_every_grant_is_a_windfall_or_tips_its_project_and_the_comparison_is_paired(grants) -> None:
    extra = (*small_region(), "horizon_months=36")
    rows = [grants.one((sc, s, 2e6, extra)) for s in (0, 1) for sc in ("baseline", grants.LEVER)]
    runs = pd.DataFrame(rows)
    with_lever = runs[runs.scenario == grants.LEVER]
    assert (with_lever.granted > 0).all() and (runs[runs.scenario == "baseline"].granted == 0).all()
    assert (with_lever.windfall + with_lever.tipped == with_lever.granted).all()
    # a grant adds to its project's money: its coverage without it is lower
    assert (with_lever.coverage_without_grant_median < with_lever.coverage_granted_median).all()
    out = grants.compare(runs)
    assert out["seeds"] == 2 and out["budget_eur_per_year"] == 2e6
    assert out["lever_meur_mean"] == pytest.approx(with_lever.lever_eur.mean() / 1e6)
    base = runs[runs.scenario == "baseline"].set_index("seed")
    delta = with_lever.set_index("seed").lasting_cooperations - base.lasting_cooperations
    assert out["lasting_cooperations"]["per_lever_meur"] == pytest.approx(delta.mean() / out["lever_meur_mean"])
    assert out["windfall_share"] + out["tipped_share"] == pytest.approx(1.0)
    assert np.isfinite(out["lasting_cooperations"]["se_per_lever_meur"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--seeds", "1"], "--seeds must be at least 2"),
        (["--council-seeds", "0"], "--council-seeds must be at least 2"),
        (["--budget", "0"], "--budget must be above 0"),
    ],
)
def test_bad_options_are_refused_before_any_run(grants, argv, message, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit):
        grants.main([*argv, "--out", str(tmp_path / "out")])
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()

"""Run-level indicators on known inputs, and the reporters' names across files, plots and docs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import small_region

from simulation.model import outcomes
from simulation.model.ledger import OTHER_SOURCES, Ledger
from simulation.model.territory import gini

DOCS = Path(__file__).resolve().parent.parent / "docs" / "ODD.md"


def test_takeoff_month_is_the_first_month_at_ten_percent_of_the_peak() -> None:
    active = pd.Series([0, 1, 2, 5, 10, 40, 100, 90])
    assert outcomes.takeoff_month(active) == 4  # 10 ≥ 10% of 100
    assert outcomes.takeoff_month(active, 0.5) == 6
    assert np.isnan(outcomes.takeoff_month(pd.Series([0, 0, 0])))


def test_recovery_counts_months_until_the_launch_rate_returns() -> None:
    # 4 launches a month for a year, a 6-month shock at 1 a month, then 4 again: the trailing
    # 3-month mean is back at 4 at month 20 (months 18-20 all at 4), 8 months after the start (12).
    launches = pd.Series([4.0] * 12 + [1.0] * 6 + [4.0] * 12)
    assert outcomes.recovery_months(launches, shock_start=12, shock_months=6, window=3) == 8
    assert np.isnan(outcomes.recovery_months(launches, shock_start=None))
    assert np.isnan(outcomes.recovery_months(launches, shock_start=2, shock_months=6, window=3))  # no window before
    never = pd.Series([4.0] * 12 + [1.0] * 18)
    assert np.isnan(outcomes.recovery_months(never, shock_start=12, shock_months=6, window=3))


@pytest.mark.parametrize(
    ("values", "expected"), [([1, 1, 1, 1], 0.0), ([0, 0, 0, 4], 0.75), ([0, 0, 0, 0], 0.0), ([1, 3], 0.25)]
)
def test_gini(values: list[float], expected: float) -> None:
    assert gini(np.array(values, dtype=float)) == pytest.approx(expected)


def test_public_money_so_far_is_the_ledgers_to_the_bit() -> None:
    """Read month after month (twice in a month too), each month computed once, the public euros are those of
    every month computed at once, to the bit, with a lever that starts spending midway."""
    gen = np.random.default_rng(4)
    ledger = Ledger(24, 300)
    for month in range(24):
        ledger.flows[month] = gen.random((300, ledger.flows.shape[2])) * (gen.random((300, 1)) < 0.3) * 1e5
        ledger.engineering_local[month] = gen.random(300) * 1e3
        if month >= 10:
            ledger.lever("grants")[month] = gen.random(300) * (gen.random(300) < 0.1) * 1e4
        for _ in range(2):
            so_far = ledger.public_so_far(month)
            assert so_far.tobytes() == ledger.public_by_month()[: month + 1].tobytes()


def test_other_money_so_far_is_the_gathered_sum_to_the_bit() -> None:
    """Read month after month (twice in a month too), the non-public euros so far are the sum numpy makes of those
    sources gathered from every month so far, to the bit."""
    gen = np.random.default_rng(5)
    ledger = Ledger(30, 1255)
    for month in range(30):
        ledger.flows[month] = gen.lognormal(8.0, 2.0, (1255, ledger.flows.shape[2])) * (gen.random((1255, 1)) < 0.3)
        for _ in range(2):
            gathered = float(ledger.flows[: month + 1][:, :, OTHER_SOURCES].sum())
            assert ledger.other_so_far(month) == gathered


def test_every_reporter_is_documented_in_the_odd() -> None:
    text = DOCS.read_text()
    missing = [name for name in outcomes.reporters() if f"`{name}`" not in text]
    assert not missing, f"reporters not named in docs/ODD.md: {missing}"


def test_the_giant_component_is_yearly_on_large_regions_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    """``output.network_indicators_every_months=0`` (default): monthly on small regions, yearly on large ones."""
    from simulation.config import compose
    from simulation.model import model as model_module
    from simulation.runs.simulate import simulate

    small = simulate(compose(["horizon_months=26"])).timeseries["giant_component_share"].to_numpy()
    assert len(np.unique(small[:12])) > 3, "monthly on the default region"
    monkeypatch.setattr(model_module, "LARGE_REGION_ACTORS", 100)  # the default region now counts as large
    large = simulate(compose(["horizon_months=26"])).timeseries["giant_component_share"].to_numpy()
    assert len(np.unique(large)) <= 3 and large[5] == large[0] and large[15] == large[12] == small[12]
    forced = simulate(compose(["horizon_months=26", "output.network_indicators_every_months=1"]))
    assert np.array_equal(forced.timeseries["giant_component_share"].to_numpy(), small)


def test_every_column_of_the_result_tables_is_in_the_data_dictionary(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """docs/data.md names every column a run writes (``<kind>``, ``<source>``, ``<stage>``, ``<name>`` stand
    for their values), so a user can read the tables without the code."""
    import re
    from pathlib import Path

    from simulation.config import compose
    from simulation.enums import ActorKind, FundingSource, Stage
    from simulation.runs.simulate import simulate

    doc = (Path(__file__).resolve().parent.parent / "docs" / "data.md").read_text()
    named = set(re.findall(r"`([a-z_<>]+)`", doc))
    expand = {
        "<kind>": [k.label for k in ActorKind],
        "<source>": [s.name.lower() for s in FundingSource],
        "<stage>": [s.label for s in Stage],
    }
    for pattern in [n for n in named if "<" in n]:
        for placeholder, values in expand.items():
            if placeholder in pattern:
                named |= {pattern.replace(placeholder, v) for v in values}
    result = simulate(compose(["scenario=ceser_package", *small_region(0.3), "horizon_months=24"]))
    columns = [
        *result.timeseries.columns,
        *result.registry.columns,
        *result.spending.columns,
        *result.summary,
        *result.territories.columns,
    ]
    missing = [c for c in columns if c not in named and not c.startswith("public_eur_lever_")]
    assert not missing, f"columns missing from docs/data.md: {missing}"


def test_participation_is_a_share_of_all_the_kinds_organisations() -> None:
    """With half the firms counted as potential partners, firms' participation is half the simulated firms' share:
    the others never partner, and PHARE's 37% is a share of all firms."""
    from simulation.config import compose
    from simulation.enums import ActorKind
    from simulation.model.model import TerritorialModel

    model = TerritorialModel(compose([*small_region(), "horizon_months=36", "region.partner_share.firm=0.5"])).run()
    firms = model.actors.kind == ActorKind.FIRM
    actors_share = float((model.actors.engaged[firms] > 0).mean())
    assert actors_share > 0
    assert outcomes.timeseries(model)["participation_firm"].iloc[-1] == pytest.approx(0.5 * actors_share)

"""The baseline is a slow infusion ("croissance à infusion lente", Territoires Conseils 2018), not a year-one explosion.

Statistic (stated, with its tolerance): over 20 seeds of the default scenario,
the mean number of active cooperations per month is fitted by a logistic
curve K / (1 + exp(-r (t - t0))). The curve is S-shaped when

* the logistic fits well (R² ≥ 0.99) and clearly better than a straight line
  (its residual sum of squares is at most half the line's);
* its inflection t0 lies inside the decade, between month 36 and month 96,
  for the mean curve and for at least 18 of the 20 seeds;
* the first year holds at most 15% of the decade's peak;
* the yearly increments of the mean curve peak in years 3 to 8, and the decade
  ends at 80% or more of the fitted logistic's plateau K;
* the curve bends over before the decade ends: the last year adds less than
  the best year, beyond the seeds' noise — the ratio of the mean curve's last
  yearly increment to its largest has a 95% bootstrap interval over the 20
  seeds (2,000 resamples) that lies below 1;
* and the calibration's aim for that ratio, at most 80% (``docs/calibration.md``),
  is not excluded: the interval reaches 80% or below. The point was chosen for
  that aim on other seeds, and the bend is the least settled of these statistics (the calibration's check
  measures it on 30 fresh seeds and records it in
  ``configs/calibration/phare2015.yaml``). Both bounds are in the messages.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest
from scipy.optimize import curve_fit

from simulation.config import compose
from simulation.model.model import TerritorialModel, outcomes
from simulation.study.calibration import yearly_increments

SEEDS = range(20)


def _active_curve(seed: int) -> np.ndarray:
    model = TerritorialModel(compose([f"seed={seed}"])).run()
    return outcomes.timeseries(model)["active_cooperations"].to_numpy()


def _logistic(t: np.ndarray, k: float, r: float, t0: float) -> np.ndarray:
    return k / (1.0 + np.exp(-r * (t - t0)))


def _fit(curve: np.ndarray) -> tuple[np.ndarray, float, float]:
    t = np.arange(len(curve), dtype=float)
    params, _ = curve_fit(_logistic, t, curve, p0=(curve.max(), 0.05, 60.0), maxfev=20_000)
    sse_logistic = float(((curve - _logistic(t, *params)) ** 2).sum())
    sse_line = float(((curve - np.polyval(np.polyfit(t, curve, 1), t)) ** 2).sum())
    return params, sse_logistic, sse_line


@pytest.fixture(scope="module")
def curves() -> np.ndarray:
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("forkserver")) as pool:
        return np.array(list(pool.map(_active_curve, SEEDS)))


@pytest.mark.slow
def test_mean_curve_is_logistic_with_inflection_inside_the_decade(curves: np.ndarray) -> None:
    mean = curves.mean(axis=0)
    (k, r, t0), sse_logistic, sse_line = _fit(mean)
    r2 = 1 - sse_logistic / float(((mean - mean.mean()) ** 2).sum())
    assert r2 >= 0.99, f"logistic R² {r2:.4f}"
    assert sse_logistic <= 0.5 * sse_line, f"logistic SSE {sse_logistic:.0f} vs line {sse_line:.0f}"
    assert 36 <= t0 <= 96, f"inflection at month {t0:.1f}"
    assert r > 0 and k > 0


@pytest.mark.slow
def test_no_explosion_in_year_one_and_the_curve_bends_over(curves: np.ndarray) -> None:
    mean = curves.mean(axis=0)
    assert mean[12] <= 0.15 * mean.max(), f"year 1 holds {mean[12] / mean.max():.0%} of the peak"
    yearly = yearly_increments(mean)  # twelve months each, as the calibration counts them
    peak_year = int(yearly.argmax()) + 1
    assert 3 <= peak_year <= 8, f"increments peak in year {peak_year}: {yearly.round()}"
    (k, _, _), _, _ = _fit(mean)
    assert mean[-1] >= 0.8 * k, f"the decade ends at {mean[-1] / k:.0%} of the logistic's plateau"


def _bend(curves: np.ndarray) -> float:
    """The mean curve's last yearly increment over its largest (twelve months each, as the calibration counts)."""
    yearly = yearly_increments(curves.mean(axis=0))
    return float(yearly[-1] / yearly.max())


@pytest.mark.slow
def test_the_curve_bends_over_beyond_the_seeds_noise(curves: np.ndarray) -> None:
    rng = np.random.default_rng(0)
    ratios = [_bend(curves[rng.integers(0, len(curves), len(curves))]) for _ in range(2000)]
    low, high = np.quantile(ratios, [0.025, 0.975])
    said = f"the last year adds {_bend(curves):.1%} of the best year's increment (95% interval {low:.1%}–{high:.1%})"
    assert high < 1.0, f"no bend beyond the noise: {said}"
    assert low <= 0.8, f"the calibration's aim (at most 80%) is outside the interval: {said}"


@pytest.mark.slow
def test_inflection_inside_the_decade_for_most_seeds(curves: np.ndarray) -> None:
    inside = sum(36 <= _fit(c)[0][2] <= 96 for c in curves)
    assert inside >= 18, f"only {inside} of {len(curves)} seeds have their inflection in months 36–96"

"""What the calibration aims at, and how an emergence curve is read: the targets' tolerance, the kinds that stay the
best scouts, and the slow infusion (``docs/calibration.md``)."""

from __future__ import annotations

from typing import Any

import numpy as np

#: Tolerance on each participation target, in share points (±3 points, docs/calibration.md).
TOLERANCE = 0.03
#: Kinds that must stay the best scouts of needs (CESER 2019, P6: "S'appuyer sur la société civile pour repérer
#: les projets"; CDG 2021): the prior is truncated to draws where their idea rates are at least every other kind's.
SCOUTS = ("association", "citizen_group")
#: The slow infusion, as tested in tests/test_emergence.py, with a margin on the first year (12%
#: here, 15% in the test): the first year holds at most 12% of the peak; a logistic fits the
#: curve with at most half a straight line's squared error; its inflection lies between months 36
#: and 96 (scaled to the horizon); and the curve bends over before the decade ends: its yearly
#: increments peak by year 8 (of 10, scaled) and the last year adds at most 80% of the peak year's
#: increment.
SLOW_INFUSION: dict[str, Any] = {
    "max_year_one_share": 0.12,
    "max_sse_ratio_logistic_to_line": 0.5,
    "inflection_months": [36, 96],
    "peak_increment_by_year": 8,
    "max_last_year_share_of_peak_increment": 0.8,
}


def _logistic(t: np.ndarray, k: float, r: float, t0: float) -> np.ndarray:
    return k / (1.0 + np.exp(-r * (t - t0)))


def s_shape(curve: np.ndarray) -> tuple[float, float]:
    """(logistic SSE / straight-line SSE, inflection month) of a mean emergence curve."""
    from scipy.optimize import curve_fit

    t = np.arange(len(curve), dtype=float)
    try:
        p, _ = curve_fit(_logistic, t, curve, p0=(max(curve.max(), 1.0), 0.05, len(curve) / 2), maxfev=20_000)
    except RuntimeError:
        return float("inf"), float("nan")
    sse_log = float(((curve - _logistic(t, *p)) ** 2).sum())
    sse_line = float(((curve - np.polyval(np.polyfit(t, curve, 1), t)) ** 2).sum())
    return (sse_log / sse_line if sse_line > 0 else float("inf")), float(p[2])


def yearly_increments(curve: np.ndarray) -> np.ndarray:
    """What each year adds to a monthly curve: its value at each year's last month (months 11, 23, …)
    less the previous year's (the first year's from 0)."""
    return np.diff(np.r_[0.0, curve[11::12]])


def bend(curve: np.ndarray) -> tuple[float, float]:
    """(year of the largest yearly increment of a mean emergence curve, as a share of its years; the last
    year's increment over that largest one): how early the curve bends over."""
    yearly = yearly_increments(curve)
    peak = float(yearly.max())
    return (int(yearly.argmax()) + 1) / len(yearly), (float(yearly[-1]) / peak if peak > 0 else float("inf"))

"""The calibration's point (docs/calibration.md): from the ABC's last population to one parameter set.

The particles of the last population closest to the targets, the calibration in force (:func:`in_force`) and
points given (:func:`candidates`) are run again on the same seeds, and the closest to the targets on average is
kept (:func:`refine`); Nelder–Mead then polishes it on those seeds (:func:`polish`). The command that runs the
whole calibration is :mod:`simulation.study.calibration`.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from simulation.config.uncertainties import calibrated
from simulation.study import abc

#: The calibrated parameters with their uniform priors (low, high), as declared (``config.uncertainties``).
PRIORS: dict[str, tuple[float, float]] = calibrated()


def _one(job: tuple[dict[str, float], int, tuple[str, ...]]) -> dict[str, float]:
    params, seed, extra = job
    return abc.run_stats(params, seed, extra)


def run_many(params: list[dict[str, float]], seeds: list[int], jobs: int, extra: tuple[str, ...]) -> pd.DataFrame:
    """Each parameter set on each seed: one row of statistics per run (``draw`` numbers the sets)."""
    todo = [(p, s, extra) for p in params for s in seeds]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        rows = list(pool.map(_one, todo))
    out = pd.DataFrame(rows)
    out["draw"] = np.repeat(np.arange(len(params)), len(seeds))
    return out


def refine(
    post: pd.DataFrame,
    k: int,
    seeds: int,
    jobs: int,
    extra: tuple[str, ...],
    also: list[dict[str, float]] | None = None,
) -> tuple[dict[str, float], pd.DataFrame]:
    """The ``k`` particles closest to the targets, and the points ``also`` (the calibration in force), each on
    ``seeds`` seeds: the closest on average is the point (``draw`` numbers them in that order)."""
    names = list(PRIORS)
    inside = post[[abc.scouts_first({n: float(row[n]) for n in names}) for _, row in post.iterrows()]]
    top = (inside if len(inside) else post).nsmallest(k, "distance").reset_index(drop=True)
    params = [{n: float(row[n]) for n in names} for _, row in top.iterrows()] + list(also or [])
    runs = run_many(params, list(range(500, 500 + seeds)), jobs, extra)
    runs["distance"] = [abc.distance({str(k): float(v) for k, v in r.items()}) for r in runs.to_dict("records")]
    by_draw = runs.groupby("draw")["distance"].mean()
    # the slow infusion is a constraint on the mean curve (as tests/test_emergence.py holds it): the points whose mean
    # curve is one (a slow start, an S-shape, a bend within the decade) come first, the closest of them is the point
    bends = pd.Series({d: abc.mean_curve_is_slow_infusion(group) for d, group in runs.groupby("draw")})
    eligible = by_draw[bends.reindex(by_draw.index).to_numpy()] if bends.any() else by_draw
    best = eligible.index.to_numpy()[eligible.to_numpy().argmin()]
    return params[int(best)], runs


def in_force(path: Path) -> list[dict[str, float]]:
    """The calibrated point stored in ``path`` (none if there is no file, or if it lies outside the truncated
    prior), a parameter it does not set taken at the schema's default: a new calibration competes with the one
    it replaces, so that it never ends further from the targets on the same seeds."""
    if not path.is_file():
        return []
    from simulation.config import compose

    def at(node: Any, key: str) -> float:
        for part in key.split("."):
            node = node[part] if isinstance(node, dict) else getattr(node, part)
        return float(node)

    written = yaml.safe_load(path.read_text()) or {}
    written.pop("calibration", None)
    stored = flat(written)
    schema = compose(["calibration=none"])
    point = {k: float(stored[k]) if k in stored else at(schema, k) for k in PRIORS}
    inside = all(lo <= point[k] <= hi for k, (lo, hi) in PRIORS.items()) and abc.scouts_first(point)
    return [point] if inside else []


def candidates(path: Path, base: dict[str, float] | None) -> list[dict[str, float]]:
    """Points to compete in the refine besides the particles (a CSV, one row per point, a column per calibrated
    parameter it sets; the others from ``base``, the calibration in force): points found outside the ABC, for
    instance by exploring the balance between kinds, judged by the same criterion on the same seeds."""
    table = pd.read_csv(path)
    if unknown := sorted(set(table.columns) - set(PRIORS)):
        raise SystemExit(f"--candidates {path}: columns {unknown} are not calibrated parameters ({list(PRIORS)})")
    points: list[dict[str, float]] = []
    for _, row in table.iterrows():
        point: dict[str, float] = {**(base or {}), **{str(k): float(v) for k, v in row.items()}}
        if missing := [k for k in PRIORS if k not in point]:
            raise SystemExit(f"--candidates {path}: no value for {missing} (and no calibration in force)")
        if not all(lo <= point[k] <= hi for k, (lo, hi) in PRIORS.items()) or not abc.scouts_first(point):
            raise SystemExit(f"--candidates {path}: row {len(points) + 1} lies outside the (truncated) prior")
        points.append(point)
    return points


def flat(nested: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """The keys of a nested mapping, dotted (``{"a": {"b": 1}}`` → ``{"a.b": 1}``)."""
    out: dict[str, Any] = {}
    for key, value in nested.items():
        if isinstance(value, dict):
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


#: The distance given to a point outside the truncated prior (the scouts would not come first): never the best.
OUTSIDE_PRIOR = 100.0


def polish(
    start: dict[str, float], evaluations: int, seeds: int, jobs: int, extra: tuple[str, ...]
) -> tuple[dict[str, float], pd.DataFrame]:
    """Nelder–Mead (scipy, adaptive) from ``start`` within the priors' box, each point's distance the mean of
    :func:`abc.distance` over the same ``seeds`` seeds as :func:`refine` (common random numbers: the objective is
    a deterministic function of the parameters, and a step compares like with like). The ABC's last population is
    a handful of particles, each judged on one seed; polishing the closest one moves it along the ridge the
    single-seed noise hides. Points outside the truncated prior get :data:`OUTSIDE_PRIOR` without a run. The best
    point met, and one row per evaluation (its parameters, mean statistics and distance, in order)."""
    from scipy.optimize import minimize

    names = list(PRIORS)
    lo = np.array([PRIORS[n][0] for n in names])
    width = np.array([PRIORS[n][1] for n in names]) - lo
    seed_list = list(range(500, 500 + seeds))
    rows: list[dict[str, Any]] = []

    def objective(x: np.ndarray) -> float:
        params = {n: float(v) for n, v in zip(names, lo + np.clip(x, 0.0, 1.0) * width, strict=True)}
        if not abc.scouts_first(params):
            rows.append({**params, "distance": OUTSIDE_PRIOR})
            return OUTSIDE_PRIOR
        records = list(pool.map(_one, [(params, s, extra) for s in seed_list]))
        d = float(np.mean([abc.distance(r) for r in records]))
        slow = float(np.mean([abc.is_slow_infusion(r) for r in records]))
        means = {k: float(np.mean([r[k] for r in records])) for k in abc.TARGETS}
        rows.append({**params, **means, "slow_infusion_share": slow, "distance": d})
        return d

    x0 = (np.array([start[n] for n in names]) - lo) / width
    steps = np.where(x0 + 0.1 <= 1.0, 0.1, -0.1)  # a tenth of each range, inwards
    simplex = np.vstack([x0, x0 + np.diag(steps)])
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        minimize(
            objective,
            x0,
            method="Nelder-Mead",
            bounds=[(0.0, 1.0)] * len(names),
            options={"maxfev": evaluations, "initial_simplex": simplex, "adaptive": True, "xatol": 1e-3, "fatol": 1e-3},
        )
    best = min(rows, key=lambda row: float(row["distance"]))
    return {n: float(best[n]) for n in names}, pd.DataFrame(rows)

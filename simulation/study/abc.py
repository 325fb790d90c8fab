"""Calibration by ABC-SMC (approximate Bayesian computation with sequential Monte Carlo, the ``pyabc`` library).

The parameters the sources leave open and the calibration fits (``config.uncertainties``, those with a
``prior_rank``) are drawn from their declared ranges (uniform priors); each draw runs the default region's decade
once, and its distance to the targets (:data:`TARGETS`, in tolerance units, with a penalty for a curve that is not
a slow infusion) decides whether it joins the next population. Populations shrink the tolerance until the
simulation budget is spent. pyabc stores every population in a SQLite database, so an interrupted calibration
resumes (``--resume``).

Targets, each cited in ``docs/calibration.md``:

* PHARE 2015: 37% of firms and 38% of associations in at least one partnership (Territoires Conseils 2018,
  sequence 2), in the last month of the decade (±3 points);
* PHARE: about 1.2 million partnerships in France (Territoires Conseils 2018, sequence 2), as active cooperations
  per 10,000 inhabitants (1.2 million over France's 68.6 million inhabitants; within a factor of 1.5);
* a slow infusion ("croissance à infusion lente", sequence 3): :data:`simulation.study.targets.SLOW_INFUSION`.

The decade starts from no partnership and PHARE's 2015 stock is matched at its end: the simulated decade is the
infusion that made the stock (no spin-up; ``docs/calibration.md``, "The start").
"""

from __future__ import annotations

import functools
import hashlib
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation.config import compose
from simulation.config.uncertainties import UNCERTAINTIES, calibrated
from simulation.config.uncertainties import overrides as declared_overrides
from simulation.study.targets import SCOUTS, SLOW_INFUSION, TOLERANCE, bend, s_shape, yearly_increments

#: PHARE 2015's shares of firms and associations in a partnership.
PARTICIPATION = {"participation_firm": 0.37, "participation_association": 0.38}
#: About 1.2 million partnerships in France (PHARE), per 10,000 of France's 68.6 million inhabitants.
COOPERATIONS_PER_10K = 1.2e6 / 68.6e6 * 1e4
#: The factor within which the count of partnerships must fall.
COOPERATIONS_FACTOR = 1.5
#: Every target, by the statistic's name.
TARGETS: dict[str, float] = {**PARTICIPATION, "cooperations_per_10k": COOPERATIONS_PER_10K}
#: The setting of every calibration run: the default region at the default sample, the schema's defaults for the
#: parameters not drawn.
SETTING = ("calibration=none",)


def run_stats(params: dict[str, float], seed: int, extra: tuple[str, ...] = ()) -> dict[str, float]:
    """Run the decade with ``params`` and ``seed``; the statistics the distance compares."""
    from simulation.model import outcomes
    from simulation.model.model import TerritorialModel

    overrides = [*declared_overrides(params), *SETTING, *extra, f"seed={seed}"]
    config = compose(overrides)
    model = TerritorialModel(config).run()
    ts = outcomes.timeseries(model)
    active = ts["active_cooperations"].to_numpy(dtype=float)
    population_10k = float(model.territories.population.sum()) / 1e4
    return {
        **{k: float(ts[k].iloc[-1]) for k in PARTICIPATION},
        "cooperations_per_10k": float(active[-1]) / population_10k,
        **curve_shape(active, config.horizon_months),
        # what each year adds: averaged over seeds, the yearly increments of the mean curve (they are linear in it)
        **{f"increment_year_{k + 1}": float(v) for k, v in enumerate(yearly_increments(active))},
        # the curve itself, so that the mean curve over seeds can be judged whole (:func:`mean_curve_is_slow_infusion`)
        **{f"active_month_{k}": float(v) for k, v in enumerate(active)},
    }


def is_slow_infusion(stats: dict[str, float]) -> bool:
    """Whether one run's curve is a slow infusion (:data:`SLOW_INFUSION`, scaled to its horizon)."""
    horizon = stats.get("horizon_months", 120.0)
    lo, hi = (m * horizon / 120 for m in SLOW_INFUSION["inflection_months"])
    return bool(
        stats["year_one_share"] <= SLOW_INFUSION["max_year_one_share"]
        and stats["sse_ratio"] <= SLOW_INFUSION["max_sse_ratio_logistic_to_line"]
        and lo <= stats["inflection_month"] <= hi
        and stats["peak_increment_year_share"] <= SLOW_INFUSION["peak_increment_by_year"] / 10
        and stats["last_year_share_of_peak_increment"] <= SLOW_INFUSION["max_last_year_share_of_peak_increment"]
    )


#: How far a curve misses each condition of the slow infusion, in units of a typical miss: 3 points of the first
#: year's share, a tenth of the squared-error ratio, a year of the inflection or of the peak year, a tenth of the
#: last year's share of the peak increment.
MISS_UNITS = {"year_one": 0.03, "sse": 0.1, "inflection": 12.0, "peak_year": 0.1, "last_year": 0.1}


def infusion_miss(stats: dict[str, float]) -> float:
    """How far one run's curve is from a slow infusion (0 when it is one): the root sum of squares of each
    condition's shortfall (:data:`SLOW_INFUSION`, scaled to the horizon) in :data:`MISS_UNITS`."""
    horizon = stats.get("horizon_months", 120.0)
    lo, hi = (m * horizon / 120 for m in SLOW_INFUSION["inflection_months"])
    month = stats["inflection_month"]
    gaps = {
        "year_one": stats["year_one_share"] - SLOW_INFUSION["max_year_one_share"],
        "sse": stats["sse_ratio"] - SLOW_INFUSION["max_sse_ratio_logistic_to_line"],
        "inflection": max(lo - month, month - hi) * 120 / horizon,
        "peak_year": stats["peak_increment_year_share"] - SLOW_INFUSION["peak_increment_by_year"] / 10,
        "last_year": stats["last_year_share_of_peak_increment"]
        - SLOW_INFUSION["max_last_year_share_of_peak_increment"],
    }
    total = sum((max(gap, 0.0) / MISS_UNITS[k]) ** 2 for k, gap in gaps.items())
    return math.sqrt(total) if math.isfinite(total) else 1e6


def distance(stats: dict[str, float], _observed: dict[str, float] | None = None) -> float:
    """Distance to the targets in tolerance units (participation in units of 3 points; the count of cooperations
    in units of its factor, on a log scale), with how far the curve misses a slow infusion
    (:func:`infusion_miss`) as one more term, and 1 more for a curve that is not one: a graded distance, so
    that the populations move towards the slow infusion instead of only being told they miss it."""
    d2 = sum(((stats[k] - v) / TOLERANCE) ** 2 for k, v in PARTICIPATION.items())
    count = max(stats["cooperations_per_10k"], 1e-9)
    d2 += (math.log(count / COOPERATIONS_PER_10K) / math.log(COOPERATIONS_FACTOR)) ** 2
    d2 += infusion_miss(stats) ** 2
    return math.sqrt(d2) + (0.0 if is_slow_infusion(stats) else 1.0)


def curve_shape(active: np.ndarray, horizon_months: int) -> dict[str, float]:
    """The statistics of an emergence curve that :func:`is_slow_infusion` reads: the first year's share of the
    peak, the logistic's squared error over a straight line's and its inflection, the year of the largest yearly
    increment and the last year's share of it."""
    peak = max(float(active.max()), 1e-9)
    ratio, inflection = s_shape(active)
    peak_year, last_share = bend(active)
    return {
        "year_one_share": float(active[min(12, len(active) - 1)] / peak),
        "sse_ratio": ratio,
        "inflection_month": inflection,
        "peak_increment_year_share": peak_year,
        "last_year_share_of_peak_increment": last_share,
        "horizon_months": float(horizon_months),
    }


def mean_curve(runs: pd.DataFrame) -> np.ndarray:
    """The mean over the seeds of ``runs`` (rows of :func:`run_stats`) of their monthly active cooperations."""
    months = sorted(
        (c for c in runs.columns if str(c).startswith("active_month_")), key=lambda c: int(c.split("_")[-1])
    )
    return runs[months].mean().to_numpy(dtype=float)


def mean_curve_is_slow_infusion(runs: pd.DataFrame) -> bool:
    """Whether the mean curve of ``runs`` is a slow infusion by every condition a single run's curve is judged on
    (:func:`is_slow_infusion`), as ``tests/test_emergence.py`` reads the mean of its seeds."""
    curve = mean_curve(runs)
    return bool(len(curve) and curve.max() > 0 and is_slow_infusion(curve_shape(curve, len(curve))))


def mean_curve_bends(runs: pd.DataFrame) -> bool:
    """Whether the mean curve of ``runs`` (one row of :func:`run_stats` per seed) bends over within the decade as
    the slow infusion asks (:data:`SLOW_INFUSION`): its yearly increments peak by the peak year and the last year
    adds at most the allowed share of the best one. The mean of the seeds' yearly increments is the mean curve's."""
    years = sorted(
        (c for c in runs.columns if str(c).startswith("increment_year_")), key=lambda c: int(c.split("_")[-1])
    )
    mean = runs[years].mean().to_numpy()
    if len(mean) == 0 or mean.max() <= 0:
        return False
    peak_year = (int(mean.argmax()) + 1) / len(mean)
    return bool(
        peak_year <= SLOW_INFUSION["peak_increment_by_year"] / 10
        and mean[-1] <= SLOW_INFUSION["max_last_year_share_of_peak_increment"] * mean.max()
    )


def scouts_first(params: dict[str, float]) -> bool:
    """Associations and citizen groups stay the best scouts of needs (CESER 2019, preconisation 6): their idea
    rates at least every other kind's (a rate the draw does not set is the schema's default)."""
    rate = {k: params.get(f"ideas.rate_per_month.{k}", v) for k, v in _default_rates().items()}
    return min(rate[k] for k in SCOUTS) >= max(v for k, v in rate.items() if k not in SCOUTS)


@functools.cache
def _default_rates() -> dict[str, float]:
    """The schema's idea rates by kind (what a draw that does not set a rate runs with)."""
    rates = compose(["calibration=none"]).ideas.rate_per_month
    return {k: float(getattr(rates, k)) for k in vars(rates)}


def _seed_of(params: dict[str, float]) -> int:
    """A run seed derived from the draw itself: the same draw, the same run (the calibration is reproducible)."""
    text = ",".join(f"{k}={params[k]!r}" for k in sorted(params))
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16)


class Simulator:
    """The model as pyabc calls it: a draw (a dict of parameters) → its statistics (a dict)."""

    def __init__(self, extra: tuple[str, ...] = ()) -> None:
        self.extra = extra

    def __call__(self, draw: dict[str, float]) -> dict[str, float]:
        params = {k: float(draw[k]) for k in calibrated()}
        if not scouts_first(params):  # outside the truncated prior: never accepted
            return {"rejected": 1.0}
        return {**run_stats(params, _seed_of(params), self.extra), "rejected": 0.0}


def abc_distance(x: dict[str, float], x0: dict[str, float]) -> float:
    """pyabc's distance: :func:`distance`, infinite for a draw outside the truncated prior."""
    return math.inf if x.get("rejected", 0.0) else distance(x)


def priors() -> Any:
    """Uniform priors over the declared ranges of the calibrated parameters, truncated to the draws where the scouts
    come first (:func:`scouts_first`): the truncation is the prior's own (zero density outside, draws made again),
    so that pyabc never simulates, weighs or accepts a draw outside it."""
    import pyabc

    class ScoutsFirst(pyabc.Distribution):
        def rvs(self, *args: Any, **kwargs: Any) -> Any:
            while True:
                draw = super().rvs(*args, **kwargs)
                if scouts_first({k: float(v) for k, v in draw.items()}):
                    return draw

        def pdf(self, x: Any) -> float:
            inside = scouts_first({k: float(x[k]) for k in self})
            return float(super().pdf(x)) if inside else 0.0

    # scipy's uniform: loc, scale
    return ScoutsFirst(**{k: pyabc.RV("uniform", lo, hi - lo) for k, (lo, hi) in calibrated().items()})


def run_smc(
    db: Path,
    population: int,
    max_simulations: int,
    generations: int,
    jobs: int,
    extra: tuple[str, ...] = (),
    resume: bool = False,
    seed: int = 0,
    min_acceptance: float = 0.0,
) -> Any:
    """Run (or resume) ABC-SMC up to ``generations`` populations in all; the pyabc history (every population, its
    weights and distances). Resuming continues the database's calibration where it stopped. With ``min_acceptance``
    a population that accepts fewer draws than that share of its simulations ends the run (pyabc's
    ``min_acceptance_rate``: it simulates at most ``population / min_acceptance`` draws), as the budget does only
    between populations."""
    import pyabc

    np.random.seed(seed)  # noqa: NPY002  (pyabc draws and perturbs particles with numpy's global generator)
    sampler = (
        pyabc.sampler.MulticoreEvalParallelSampler(n_procs=jobs) if jobs > 1 else pyabc.sampler.SingleCoreSampler()
    )
    # Local covariances (each particle perturbed by the covariance of its nearest quarter of the population): the
    # posterior is a ridge, and one global covariance built from weights that sit on a few particles collapses,
    # until proposals get zero density under it and the weights become NaN.
    transition = pyabc.LocalTransition(k_fraction=0.25)
    abc = pyabc.ABCSMC(
        Simulator(extra), priors(), abc_distance, population_size=population, sampler=sampler, transitions=transition
    )
    db.parent.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{db}"
    if resume and db.exists():
        history = abc.load(url, 1)
        done = int(history.max_t) + 1
        if done >= generations:  # nothing left to run: the stored populations
            return history
        return abc.run(
            max_nr_populations=generations - done,
            max_total_nr_simulations=max_simulations,
            min_acceptance_rate=min_acceptance,
        )
    if db.exists():
        db.unlink()
    abc.new(url, {"observed": 0.0})
    return abc.run(
        max_nr_populations=generations, max_total_nr_simulations=max_simulations, min_acceptance_rate=min_acceptance
    )


def posterior(history: Any) -> pd.DataFrame:
    """The last population: one row per particle, its parameters, weight and distance."""
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    frame = frame.reset_index(drop=True)
    frame["weight"] = np.asarray(weights, dtype=float)
    pops = history.get_weighted_distances(t=history.max_t)
    frame["distance"] = pops["distance"].to_numpy(dtype=float)
    return frame


def predictive(post: pd.DataFrame, draws: int, jobs: int, extra: tuple[str, ...] = (), seed: int = 7) -> pd.DataFrame:
    """Posterior predictive check: ``draws`` particles drawn by weight, each run on a fresh seed."""
    from concurrent.futures import ProcessPoolExecutor

    rng = np.random.default_rng(seed)
    picks = rng.choice(len(post), size=draws, p=post["weight"] / post["weight"].sum())
    names = list(calibrated())
    jobs_list = [({n: float(post.loc[i, n]) for n in names}, 10_000 + j) for j, i in enumerate(picks)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        stats = list(pool.map(_predict_one, jobs_list, [extra] * len(jobs_list)))
    out = pd.DataFrame(stats)
    out["slow_infusion"] = [is_slow_infusion(s) for s in stats]
    return out


def _predict_one(job: tuple[dict[str, float], int], extra: tuple[str, ...]) -> dict[str, float]:
    params, seed = job
    return run_stats(params, seed, extra)


def summary_of(post: pd.DataFrame) -> dict[str, Any]:
    """Weighted posterior median and 90% interval of each parameter, with its declared prior."""

    def quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
        order = np.argsort(values)
        cum = np.cumsum(weights[order]) / weights.sum()
        return float(values[order][np.searchsorted(cum, q)])

    w = post["weight"].to_numpy(dtype=float)
    out = {}
    for name in calibrated():
        v = post[name].to_numpy(dtype=float)
        out[name] = {
            "prior": list(UNCERTAINTIES[name].bounds),
            "median": round(quantile(v, w, 0.5), 6),
            "interval90": [round(quantile(v, w, 0.05), 6), round(quantile(v, w, 0.95), 6)],
        }
    return out

"""Sensitivity analysis with SALib: Morris screening, Sobol indices, robustness of the lever ranking.

    python -m simulation.sensitivity morris  [--trajectories 10] [--jobs 2] [--name NAME]
    python -m simulation.sensitivity sobol   [--n 32] [--top 4] [--name NAME]   (after morris)
    python -m simulation.sensitivity ranking [--points 16] [--seeds 2] [--name NAME]

Every design point is one run through the sweep machinery
(:func:`simulation.runs.sweep.run_in_sweep`): rows land in the same parquet
datasets as a sweep's, under ``results/sensitivity/<name>/<stage>/``, and a
stage that is interrupted resumes where it stopped. Outcomes (docs/ODD.md § Outputs):
lasting cooperations, jobs per million public euros, participation of firms
and take-off month of the emergence curve.

* ``morris`` screens every uncertain parameter of :data:`UNCERTAIN`
  (SALib's Morris method: mu*, sigma), writes ``morris.csv`` and ``morris.png``;
* ``sobol`` computes first-order and total Sobol indices of the ``--top`` most
  influential parameters by Morris mu* (Saltelli sampling), ``sobol.csv``, ``sobol.png``;
* ``ranking`` asks whether the ranking of the CESER levers P1–P8 (extra
  lasting cooperations per M€ spent on the levers against the baseline, paired by seed) holds
  across the uncertain parameters: for Sobol points of the parameter space it
  ranks the levers, measures Kendall's tau against the ranking at the
  defaults, and reports for which parameter ranges the ranking changes
  (``ranking.csv``, ``ranking_by_range.csv``). Point -1 is the defaults again
  on other seeds: its tau is the noise floor a parameter effect must beat.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats import qmc

from simulation.config.levers import LEVERS
from simulation.config.uncertainties import overrides, screened
from simulation.model.indicators import SCREENED
from simulation.runs.provenance import REPO, to_json
from simulation.study import worlds
from simulation.study.analysis import cost_effectiveness
from simulation.study.designs import run_design

#: The uncertain parameters the designs vary, with their ranges, as declared (``config.uncertainties``).
UNCERTAIN: dict[str, tuple[float, float]] = screened()
#: The outcomes screened, as declared (``model.indicators``).
OUTCOMES = SCREENED
#: The scenarios of the CESER levers P1–P8 (each named after its lever), as declared (``config.levers``).
LEVER_SCENARIOS = [name for name, lever in LEVERS.items() if lever.ceser]


def short_name(parameter: str) -> str:
    """A parameter's label on a figure: its last two keys where the last alone is a kind or a stage
    (``partner_share.firm``, ``sociability.firm``, ``duration_months.seed``), else its last key."""
    keys = parameter.split(".")
    return ".".join(keys[-2:]) if len(keys) > 2 and keys[-2] not in ("params_by_lever",) else keys[-1]


def _problem(names: list[str]) -> dict[str, Any]:
    return {"num_vars": len(names), "names": names, "bounds": [list(UNCERTAIN[n]) for n in names]}


def _outcome(res: pd.DataFrame, outcome: str) -> np.ndarray:
    """An outcome over the design points; a missing value (no take-off) gets the mean, as SALib needs numbers."""
    y = res[outcome].to_numpy(dtype=float)
    return np.where(np.isnan(y), np.nanmean(y), y)


def _indices(
    res: pd.DataFrame, names: list[str], analyse: Callable[[np.ndarray], Any], keys: tuple[str, ...]
) -> pd.DataFrame:
    """A long table of SALib indices: one row per outcome and parameter, one column per index."""
    rows = []
    for outcome in OUTCOMES:
        si = analyse(_outcome(res, outcome))
        rows += [{"outcome": outcome, "parameter": n, **{k: si[k][i] for k in keys}} for i, n in enumerate(names)]
    return pd.DataFrame(rows)


def _overrides(names: list[str], row: np.ndarray, extra: list[str]) -> list[str]:
    return overrides({n: float(v) for n, v in zip(names, row, strict=True)}) + extra


def morris(out: Path, trajectories: int, jobs: int, extra: list[str]) -> pd.DataFrame:
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    names = list(UNCERTAIN)
    problem = _problem(names)
    x = morris_sample.sample(problem, trajectories, num_levels=4, seed=0)
    res = run_design([_overrides(names, r, extra) for r in x], out / "morris", jobs)
    table = _indices(
        res,
        names,
        lambda y: morris_analyze.analyze(problem, x, y, num_levels=4, seed=0),
        ("mu_star", "mu_star_conf", "sigma"),
    )
    table.to_csv(out / "morris.csv", index=False)
    morris_figure(table, trajectories, out / "morris.png")
    return table


def morris_figure(table: pd.DataFrame, trajectories: int, path: Path) -> None:
    """mu* against sigma for each outcome, the five largest named (drawn again from ``morris.csv`` alone)."""
    fig, axes = plt.subplots(1, len(OUTCOMES), figsize=(5 * len(OUTCOMES), 5))
    for ax, outcome in zip(axes, OUTCOMES, strict=True):
        t = table[table.outcome == outcome]
        ax.scatter(t.mu_star, t.sigma)
        for _, r in t.nlargest(5, "mu_star").iterrows():
            ax.annotate(short_name(r.parameter), (r.mu_star, r.sigma), fontsize=7)
        ax.set_title(outcome)
        ax.set_xlabel("mu* (mean |elementary effect|)")
        ax.set_ylabel("sigma (non-linearity, interactions)")
        ax.grid(alpha=0.3)
    fig.suptitle(f"Morris screening, {trajectories} trajectories")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def top_parameters(morris_table: pd.DataFrame, k: int) -> list[str]:
    """The ``k`` parameters with the largest normalised mu* summed over the outcomes."""
    t = morris_table.copy()
    t["norm"] = t.groupby("outcome")["mu_star"].transform(lambda s: s / s.max() if s.max() > 0 else s)
    return t.groupby("parameter")["norm"].sum().nlargest(k).index.tolist()


#: The seed of the Sobol analysis's bootstrap (its confidence intervals). Not 0: SALib 1.6's ``sobol.analyze``
#: tests ``if seed:`` and, given 0, resamples from numpy's global generator, so that the intervals changed from
#: one run of the same design to the next (``tests/test_sensitivity.py``).
SOBOL_BOOTSTRAP_SEED = 1


def sobol_indices(problem: dict[str, Any], y: np.ndarray) -> Any:
    """First-order and total Sobol indices of the outputs ``y`` of a Saltelli design (no second order), with
    bootstrap confidence intervals that the same outputs always give alike."""
    from SALib.analyze import sobol as sobol_analyze

    return sobol_analyze.analyze(problem, y, calc_second_order=False, seed=SOBOL_BOOTSTRAP_SEED)


def sobol(out: Path, n: int, top: int, jobs: int, extra: list[str]) -> pd.DataFrame:
    from SALib.sample import sobol as sobol_sample

    names = top_parameters(pd.read_csv(out / "morris.csv"), top)
    problem = _problem(names)
    x = sobol_sample.sample(problem, n, calc_second_order=False, seed=0)
    res = run_design([_overrides(names, r, extra) for r in x], out / "sobol", jobs)
    table = _indices(
        res,
        names,
        lambda y: sobol_indices(problem, y),
        ("S1", "S1_conf", "ST", "ST_conf"),
    )
    table.to_csv(out / "sobol.csv", index=False)
    sobol_figure(table, n, out / "sobol.png")
    return table


def sobol_figure(table: pd.DataFrame, n: int, path: Path) -> None:
    """First-order and total indices with their confidence half-widths (drawn again from ``sobol.csv`` alone)."""
    fig, axes = plt.subplots(1, len(OUTCOMES), figsize=(5 * len(OUTCOMES), 4), sharey=True)
    for ax, outcome in zip(axes, OUTCOMES, strict=True):
        t = table[table.outcome == outcome]
        y = np.arange(len(t))
        ax.barh(y - 0.2, t.S1, 0.4, xerr=t.S1_conf, label="first order")
        ax.barh(y + 0.2, t.ST, 0.4, xerr=t.ST_conf, label="total")
        ax.set_yticks(y, [short_name(p) for p in t.parameter])
        ax.set_title(outcome)
        ax.grid(alpha=0.3, axis="x")
    axes[0].legend()
    fig.suptitle(f"Sobol indices (Saltelli, N={n})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _lever_ranking(summary: pd.DataFrame) -> pd.Series:
    """Extra lasting cooperations per M€ spent on each lever, against the baseline, paired by seed: the value the
    council report ranks the levers by (:func:`simulation.study.analysis.cost_effectiveness`, a ratio of mean paired
    differences), best first."""
    ce = cost_effectiveness(summary[summary.scenario.isin(["baseline", *LEVER_SCENARIOS])])
    return ce.set_index("scenario")["lasting_cooperations_per_meur"].sort_values(ascending=False)


def ranking(out: Path, points: int, seeds: int, jobs: int, extra: list[str]) -> pd.DataFrame:
    names = list(UNCERTAIN)
    design = qmc.scale(
        qmc.Sobol(len(names), scramble=True, seed=1).random(points),
        [UNCERTAIN[n][0] for n in names],
        [UNCERTAIN[n][1] for n in names],
    )
    # Point 0: the defaults; point -1: the defaults on other seeds (the noise floor); 1..: the design.
    rows_design: list[tuple[int, np.ndarray | None, int]] = [(0, None, 0), (-1, None, seeds)]
    rows_design += [(p, row, 0) for p, row in enumerate(design, start=1)]
    jobs_list, keys = [], []
    for p, row, offset in rows_design:
        params = [] if row is None else _overrides(names, row, [])
        for scenario in ["baseline", *LEVER_SCENARIOS]:
            for s in range(offset, offset + seeds):
                jobs_list.append([*params, f"scenario={scenario}", f"seed={s}", *extra])
                keys.append((p, scenario, s))
    res = run_design(jobs_list, out / "ranking", jobs)
    res["point"] = [k[0] for k in keys]
    res["scenario"] = [k[1] for k in keys]
    reference = _lever_ranking(res[res.point == 0])
    rows = []
    for p, row, _ in rows_design:
        r = _lever_ranking(res[res.point == p])
        tau = stats.kendalltau(reference.rank().loc[r.index], r.rank()).statistic
        rows.append(
            {
                "point": p,
                **({} if row is None else dict(zip(names, row, strict=True))),
                "kendall_tau": tau,
                "top_lever": r.index[0],
                "ranking": " > ".join(r.index),
            }
        )
    table = pd.DataFrame(rows)
    table.to_csv(out / "ranking.csv", index=False)
    varied = table[table.point > 0]
    by_range = []
    for n in names:
        lo, hi = UNCERTAIN[n]
        for part, mask in (("lower half", varied[n] < (lo + hi) / 2), ("upper half", varied[n] >= (lo + hi) / 2)):
            sub = varied[mask]
            by_range.append(
                {
                    "parameter": n,
                    "range": part,
                    "points": len(sub),
                    "mean_kendall_tau": sub.kendall_tau.mean(),
                    "same_top_lever_share": (sub.top_lever == reference.index[0]).mean(),
                }
            )
    pd.DataFrame(by_range).to_csv(out / "ranking_by_range.csv", index=False)
    return table


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("stage", choices=("morris", "sobol", "ranking", "worlds"))
    parser.add_argument("--name", default="default", help="folder under results/sensitivity/")
    parser.add_argument("--trajectories", type=int, default=10)
    parser.add_argument("--n", type=int, default=32, help="Saltelli base sample size")
    parser.add_argument("--top", type=int, default=4)
    parser.add_argument("--points", type=int, default=16)
    parser.add_argument("--worlds", type=int, default=24, help="plausible worlds (the worlds stage)")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument(
        "--calibrated",
        choices=worlds.CALIBRATED,
        default="posterior",
        help="the worlds' calibrated parameters: drawn from the calibration's last population, or at its point",
    )
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--fast", action="store_true", help="small region, short horizon (tests)")
    args = parser.parse_args(argv)
    import re

    from simulation.config import FOLDER_NAME, FOLDER_NAME_SAYS
    from simulation.runs.simulate import folder_problem

    # Every argument checked before anything is made: a bad one must not leave a folder (or a lock) behind.
    if not re.fullmatch(FOLDER_NAME, args.name) or len(args.name) > 100:
        parser.error(f"--name {args.name!r}: allowed are {FOLDER_NAME_SAYS}, at most 100 characters")
    least = {"trajectories": 1, "n": 1, "top": 1, "points": 1, "seeds": 1, "worlds": 2}
    for key, low in least.items():
        if getattr(args, key) < low:
            parser.error(f"--{key} {getattr(args, key)}: must be >= {low}")
    if args.jobs == 0:
        parser.error("--jobs 0: must be >= 1 (or negative: all cores but |jobs| - 1, as joblib counts)")
    out = REPO / "results" / "sensitivity" / args.name
    if args.stage == "sobol" and not (out / "morris.csv").is_file():
        parser.error(
            f"sobol needs the Morris screening of --name {args.name!r} first ({out / 'morris.csv'} is missing): "
            f"run `python -m simulation.sensitivity morris --name {args.name}`"
        )
    problem = folder_problem(out)
    if problem:
        parser.error(f"{out}: {problem}")
    out.mkdir(parents=True, exist_ok=True)
    # --fast: the Cantal (configs/region/cantal.yaml) sampled at 0.0343 (~430 actors), five years
    extra = ["region=cantal", "region.sample_fraction=0.0343", "horizon_months=60"] if args.fast else []
    if args.stage == "morris":
        print(morris(out, args.trajectories, args.jobs, extra).to_string())
    elif args.stage == "sobol":
        print(sobol(out, args.n, args.top, args.jobs, extra).to_string())
    elif args.stage == "ranking":
        print(ranking(out, args.points, args.seeds, args.jobs, extra).to_string())
    else:
        print(to_json(worlds.run(out, args.worlds, args.seeds, args.jobs, extra, args.calibrated)))
    print(f"Written to {out}")


if __name__ == "__main__":
    main()

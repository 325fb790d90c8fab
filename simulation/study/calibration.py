"""Calibration of the baseline to PHARE (docs/calibration.md), by ABC-SMC (the ``pyabc`` library).

    python -m simulation.calibration [--population 48] [--simulations 800] [--generations 6] [--jobs 2]
                                     [--resume] [--fast]

Targets: PHARE 2015's 37% of firms and 38% of associations in a partnership (±3 points) and its 1.2 million
partnerships in France (as active cooperations per inhabitant, within a factor of 1.5), reached as a slow
infusion (:mod:`simulation.study.targets`, :mod:`simulation.study.abc`). The default region runs at its default
sample: the same shares and counts hold at any sample (docs/territories.md, "The sample").

Steps: ABC-SMC over the declared ranges of the calibrated parameters (``config.uncertainties``), until the
simulation budget is spent (a SQLite database under ``results/calibration/`` holds every population:
``--resume`` continues it); the ``--refine`` particles of the last population closest to the targets are run
again on ``--refine-seeds`` seeds, and the closest on average is the point estimate (the posterior is a ridge:
the open parameters compensate each other, so its median need not fit; the points whose mean curve bends over within
the decade come first) — the calibration in force competes with
them, so that a new one never ends further from the targets —, and Nelder–Mead polishes it on those seeds
(``--polish`` evaluations); posterior predictive checks run
``--predictive`` particles drawn by weight on fresh seeds; the point is checked on ``--check-seeds`` fresh seeds.
Everything is written with the method, priors, targets, posterior and checks, date and version to
``configs/calibration/phare2015.yaml``, which the default configuration includes, and the tables behind
``docs/calibration.md`` to ``docs/calibration/``. The refine and the polish are :mod:`simulation.study.point`.

The pioneer programmes (Labo des partenariats, Agir Ensemble, Émergence, Ecooparc) are not targets: they stay
out-of-sample checks (docs/validation.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from simulation.config import CONFIG_DIR
from simulation.runs.provenance import REPO, package_version
from simulation.study import abc
from simulation.study.point import PRIORS, candidates, flat, in_force, polish, refine, run_many
from simulation.study.targets import SCOUTS, SLOW_INFUSION, TOLERANCE, bend, s_shape, yearly_increments

#: The targets (PHARE), by statistic.
TARGETS = abc.TARGETS
OUTPUT = CONFIG_DIR / "calibration" / "phare2015.yaml"
#: Where the tables of the calibration's documentation go.
DOCS = REPO / "docs" / "calibration"
DATABASE = REPO / "results" / "calibration" / "abc.db"

__all__ = [
    "OUTPUT",
    "PRIORS",
    "SCOUTS",
    "SLOW_INFUSION",
    "TARGETS",
    "TOLERANCE",
    "bend",
    "check",
    "main",
    "s_shape",
    "write_config",
    "yearly_increments",
]


#: How the calibrated point is obtained (written into the calibration's record).
METHOD = (
    "ABC-SMC (pyabc): uniform priors over the declared ranges, truncated to keep the scouts first; point estimate: "
    "of the last population's particles closest to the targets, the calibration in force and the candidates given, "
    "the closest to the targets on average over more seeds"
)


def check(params: dict[str, float], seeds: int, jobs: int, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """The calibrated set on fresh seeds: each target's mean with its 95% interval, and the mean curve's shape."""
    from simulation.study.statistics import interval

    runs = run_many([params], list(range(1000, 1000 + seeds)), jobs, extra)
    out: dict[str, Any] = {
        "seeds": seeds,
        "slow_infusion_share": round(
            float(
                np.mean(
                    [abc.is_slow_infusion({str(k): float(v) for k, v in r.items()}) for r in runs.to_dict("records")]
                )
            ),
            3,
        ),
    }
    for k, target in TARGETS.items():
        mean, lo, hi, _ = interval(runs[k].to_numpy())
        within = (
            abs(mean - target) <= TOLERANCE
            if k in abc.PARTICIPATION
            else (1 / abc.COOPERATIONS_FACTOR <= mean / target <= abc.COOPERATIONS_FACTOR)
        )
        out[k] = {
            "target": round(target, 4),
            "mean": round(mean, 4),
            "ci95": [round(lo, 4), round(hi, 4)],
            "within_tolerance": bool(within),
        }
    for k in ("year_one_share", "inflection_month", "sse_ratio", "last_year_share_of_peak_increment"):
        out[f"{k}_mean"] = round(float(runs[k].mean()), 4)
    years = [c for c in runs.columns if str(c).startswith("increment_year_")]
    increments = runs[years].mean().to_numpy()
    out["mean_curve_bends"] = abc.mean_curve_bends(runs)
    out["mean_curve_sse_ratio"] = round(abc.s_shape(abc.mean_curve(runs))[0], 4)
    out["mean_curve_is_slow_infusion"] = abc.mean_curve_is_slow_infusion(runs)
    out["mean_curve_last_year_share_of_peak_increment"] = round(float(increments[-1] / increments.max()), 4)
    return out


#: The national check: all France at its default sample (PHARE's 1.2 million partnerships are a national count).
FRANCE = ("region=france",)


def national_check_only(path: Path, seeds: int, jobs: int) -> None:
    """Check the point written in ``path`` at :data:`FRANCE` on ``seeds`` fresh seeds and write the result into it
    (the key ``calibration.france``), the rest of the file unchanged."""
    written = yaml.safe_load(path.read_text())
    meta = written.pop("calibration")
    params = {k: float(v) for k, v in flat(written).items()}
    meta["france"] = check(params, seeds, jobs, FRANCE)
    write_config(params, meta, path)
    print(yaml.safe_dump({"france": meta["france"]}, sort_keys=False))


def write_config(params: dict[str, float], meta: dict[str, Any], path: Path) -> None:
    """The calibrated values as a config of the ``calibration`` group, with how they were made."""
    nested: dict[str, Any] = {}
    for key, value in params.items():
        node = nested
        *parents, leaf = key.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = float(round(value, 6))
    body = {**nested, "calibration": meta}
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (
        "# @package _global_\n"
        "# Written by `python -m simulation.calibration` (simulation/study/calibration.py): do not edit by hand.\n"
        "# The calibrated values of the parameters the sources leave open, and how they were obtained.\n"
    )
    path.write_text(header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True))


def _checked_arguments(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    from simulation.runs.simulate import folder_problem

    args = parser.parse_args(argv)
    for key in (
        "population",
        "simulations",
        "generations",
        "refine",
        "refine_seeds",
        "check_seeds",
        "predictive",
        "jobs",
    ):
        if getattr(args, key) < 1:
            parser.error(f"--{key.replace('_', '-')} {getattr(args, key)}: must be >= 1")
    if args.candidates is not None and not args.candidates.is_file():
        parser.error(f"--candidates {str(args.candidates)!r}: no such file")
    if not 0 <= args.min_acceptance < 1:
        parser.error(f"--min-acceptance {args.min_acceptance}: must be >= 0 and < 1")
    if args.polish < 0:
        parser.error(f"--polish {args.polish}: must be >= 0")
    if args.france_seeds < 0:
        parser.error(f"--france-seeds {args.france_seeds}: must be >= 0")
    if args.france_only and (args.france_seeds < 1 or not args.out.is_file()):
        parser.error(f"--france-only: needs --france-seeds >= 1 and a calibration already written at {args.out}")
    if args.out.suffix not in (".yaml", ".yml") or args.out.is_dir():
        parser.error(f"--out {str(args.out)!r}: must be a YAML file (name ending in .yaml), not a folder")
    folders = [("--out", args.out.resolve().parent), ("--db", args.db.resolve().parent)]
    folders.append(("--docs", args.docs.resolve()))
    for option, path in folders:  # --docs too: it is written last, after the whole calibration
        problem = folder_problem(path)
        if problem:
            parser.error(f"{option}: {path}: {problem}")
    if args.resume and not args.db.exists():
        parser.error(f"--resume: no calibration database at {args.db} to resume")
    return args


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--population", type=int, default=48, help="particles per population")
    parser.add_argument("--simulations", type=int, default=800, help="simulation budget of the ABC-SMC")
    parser.add_argument("--generations", type=int, default=6, help="most populations")
    parser.add_argument(
        "--min-acceptance",
        type=float,
        default=0.02,
        help="end the ABC-SMC when a population accepts fewer than this share of its draws (0: never)",
    )
    parser.add_argument("--refine", type=int, default=5, help="closest particles re-simulated")
    parser.add_argument("--refine-seeds", type=int, default=8, help="seeds per re-simulated particle")
    parser.add_argument("--polish", type=int, default=0, help="Nelder–Mead evaluations polishing the point (0: none)")
    parser.add_argument(
        "--candidates", type=Path, default=None, help="CSV of points that compete with the particles in the refine"
    )
    parser.add_argument("--predictive", type=int, default=30, help="posterior predictive draws")
    parser.add_argument("--check-seeds", type=int, default=30, help="fresh seeds to check the point on")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--db", type=Path, default=DATABASE, help="pyabc's database (resumable)")
    parser.add_argument("--resume", action="store_true", help="continue the calibration stored in --db")
    parser.add_argument("--out", type=Path, default=OUTPUT)
    parser.add_argument("--docs", type=Path, default=DOCS, help="folder of the documentation's tables")
    parser.add_argument(
        "--france-seeds", type=int, default=4, help="seeds of the national check at region=france (0: none)"
    )
    parser.add_argument(
        "--france-only",
        action="store_true",
        help="only the national check, of the point already in --out (written into it)",
    )
    parser.add_argument("--fast", action="store_true", help="a quick run on a small region (for tests)")
    args = _checked_arguments(parser, argv)
    if args.france_only:
        national_check_only(args.out, args.france_seeds, args.jobs)
        return
    extra: tuple[str, ...] = ("region=cantal", "horizon_months=60") if args.fast else ()
    history = abc.run_smc(
        args.db,
        args.population,
        args.simulations,
        args.generations,
        args.jobs,
        extra,
        args.resume,
        min_acceptance=args.min_acceptance,
    )
    post = abc.posterior(history)
    also = in_force(args.out) if not args.fast else []
    also += candidates(args.candidates, also[0] if also else None) if args.candidates else []
    params, refined = refine(post, args.refine, args.refine_seeds, args.jobs, extra, also)
    polished = pd.DataFrame()
    if args.polish:
        params, polished = polish(params, args.polish, args.refine_seeds, args.jobs, extra)
    predictive = abc.predictive(post, args.predictive, args.jobs, extra)
    result = check(params, args.check_seeds, args.jobs, extra)
    args.docs.mkdir(parents=True, exist_ok=True)
    post.to_csv(args.docs / "posterior.csv", index=False)
    predictive.to_csv(args.docs / "predictive.csv", index=False)
    refined.to_csv(args.docs / "refined.csv", index=False)
    if len(polished):
        polished.to_csv(args.docs / "polished.csv", index=False)
    populations = history.get_all_populations()
    national = (
        {"france": check(params, args.france_seeds, args.jobs, FRANCE)} if args.france_seeds and not args.fast else {}
    )
    meta = {
        "method": METHOD + (", polished by Nelder-Mead (scipy) on those seeds" if args.polish else ""),
        "library": f"pyabc {_version('pyabc')}",
        "targets": {k: round(v, 4) for k, v in TARGETS.items()},
        "targets_source": (
            "PHARE (Territoires Conseils 2018, sequence 2; docs/references.md): 37% of firms, 38% of associations in "
            "a partnership in 2015; about 1.2 million partnerships in France"
        ),
        "tolerance_points": TOLERANCE,
        "cooperations_factor": abc.COOPERATIONS_FACTOR,
        "slow_infusion": SLOW_INFUSION,
        "priors_uniform": {k: list(v) for k, v in PRIORS.items()},
        "prior_truncated_to": (
            f"idea rates of {' and '.join(SCOUTS)} >= every other kind's (CESER 2019, preconisation 6)"
        ),
        "populations": int(history.max_t + 1),
        "population_size": args.population,
        "simulations": int(history.total_nr_simulations),
        "final_epsilon": round(float(populations["epsilon"].iloc[-1]), 4),
        "posterior": abc.summary_of(post),
        "predictive": {
            "draws": args.predictive,
            **{k: [round(float(predictive[k].quantile(q)), 4) for q in (0.05, 0.5, 0.95)] for k in TARGETS},
            "slow_infusion_share": round(float(predictive["slow_infusion"].mean()), 3),
        },
        "refined_particles": args.refine,
        "refine_seeds": args.refine_seeds,
        "refine_also": ["the calibration in force"]
        + ([f"the points of {args.candidates.as_posix()}"] if args.candidates else []),
        "polish_evaluations": len(polished),
        "region": "the default (auvergne_rhone_alpes at its default sample)" if not args.fast else " ".join(extra),
        "result": result,
        **national,
        "date": dt.date.today().isoformat(),
        "package_version": package_version(),
    }
    write_config(params, meta, args.out)
    print(yaml.safe_dump({"params": params, "result": result}, sort_keys=False))


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


if __name__ == "__main__":
    main()

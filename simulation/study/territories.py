"""In which territories cooperations last: projects per territory and per type of territory, paired by seed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from simulation.config import TERRITORY_TYPES
from simulation.study.statistics import interval


def territory_projects(registry: pd.DataFrame, summary: pd.DataFrame, territories: Sequence[str]) -> pd.DataFrame:
    """Projects active and lasting at the horizon, per run and territory, from the project registry, in real units
    (each simulated project counts for its ``weight``, the real projects it stands for).

    Every run of ``summary`` and every name of ``territories`` gets a row, so a
    territory (or a run) without any project counts as zero rather than vanishing.

    Returns:
        Columns ``scenario``, ``seed``, ``territory``, ``active``, ``lasting``.
    """
    reg = registry.assign(scenario=registry["scenario"].astype(str), territory=registry["territory"].astype(str))
    weight = reg["weight"].astype(float) if "weight" in reg else 1.0
    reg = reg.assign(active=(reg["outcome"] != "failed") * weight, lasting=(reg["outcome"] == "lasting") * weight)
    counts = reg.groupby(["scenario", "seed", "territory"])[["active", "lasting"]].sum()
    runs = summary[["scenario", "seed"]].astype({"scenario": str}).drop_duplicates()
    full = pd.MultiIndex.from_tuples(
        [(sc, sd, t) for sc, sd in runs.itertuples(index=False) for t in territories],
        names=["scenario", "seed", "territory"],
    )
    return counts.reindex(full, fill_value=0.0).astype(float).reset_index()


def territories_without_project(counts: pd.DataFrame) -> pd.DataFrame:
    """Territories without any active project at the horizon ("qu'aucun territoire ne soit sans projet", CESER 2019).

    Args:
        counts: the output of :func:`territory_projects`.

    Returns:
        One row per scenario and territory without an active project in at least one
        run: ``scenario``, ``territory``, ``runs_without`` (how many runs) and ``runs``.
    """
    runs = counts.groupby("scenario")["seed"].nunique().rename("runs")
    empty = counts[counts["active"] == 0].groupby(["scenario", "territory"]).size().rename("runs_without")
    out = empty.reset_index().join(runs, on="scenario")
    return out.sort_values(["scenario", "territory"]).reset_index(drop=True)


def by_territory_type(
    counts: pd.DataFrame, types: Mapping[str, str], populations: Mapping[str, float], baseline: str = "baseline"
) -> pd.DataFrame:
    """Lasting cooperations at the horizon per type of territory (rural, peri-urban, urban: "in which territories").

    A run's count for a type is the sum over the territories of that type. Per scenario and type: the mean over
    runs, the same per 10,000 inhabitants of the type, the type's share of the scenario's lasting cooperations
    (ratio of means) and of the region's population, and the paired difference from the baseline by seed with
    its 95% t-interval (:func:`interval`; the baseline's own is 0).

    Args:
        counts: the output of :func:`territory_projects`.
        types: the type of each territory (``TerritoryConfig.type``); territories without one are left out.
        populations: the population of each territory.

    Returns:
        Columns ``scenario``, ``type``, ``lasting``, ``lasting_per_10k``, ``share``, ``population_share``,
        ``difference``, ``difference_ci_low``, ``difference_ci_high``, ``n_seeds``; types in the order of
        ``TERRITORY_TYPES`` (those present), scenarios sorted.
    """
    typed = counts[counts["territory"].isin(types)]
    order = [t for t in TERRITORY_TYPES if t in set(types.values())]
    per_run = (
        typed.assign(type=typed["territory"].map(types))
        .pivot_table(index=["scenario", "seed"], columns="type", values="lasting", aggfunc="sum", fill_value=0)
        .reindex(columns=order, fill_value=0)
        .astype(float)
    )
    pop = pd.Series({t: sum(populations[n] for n, ty in types.items() if ty == t) for t in order}, dtype=float)
    if baseline not in per_run.index.get_level_values("scenario"):
        raise ValueError(f"no run of the baseline scenario {baseline!r} in this sweep")
    base = per_run.loc[baseline]
    rows = []
    for scenario, runs in per_run.groupby(level="scenario", sort=True):
        runs = runs.droplevel("scenario")
        seeds = runs.index.intersection(base.index).sort_values()
        total = runs.sum(axis=1).mean()
        for t in order:
            d_mean, d_lo, d_hi, n = interval((runs.loc[seeds, t] - base.loc[seeds, t]).to_numpy())
            mean = float(runs[t].mean())
            rows.append(
                {
                    "scenario": scenario,
                    "type": t,
                    "lasting": mean,
                    "lasting_per_10k": mean / (pop[t] / 1e4),
                    "share": mean / total if total > 0 else float("nan"),
                    "population_share": float(pop[t] / pop.sum()),
                    "difference": d_mean,
                    "difference_ci_low": d_lo,
                    "difference_ci_high": d_hi,
                    "n_seeds": n,
                }
            )
    return pd.DataFrame(rows)

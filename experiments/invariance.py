"""Does the sample fraction change the answers? The baseline's shares and counts, and a lever's per-€ effect, at
fractions f, 2f and 4f, over many seeds (docs/territories.md, "The sample").

    python experiments/invariance.py [--region auvergne_rhone_alpes] [--fraction 0.01] [--seeds 12]
                                     [--lever p3_seed_grants] [--budget EUR] [--jobs 2] [--out docs/territories]

Each fraction runs the baseline and the lever's scenario on the same seeds; the lever's effect is the ratio of
the mean paired differences (extra lasting cooperations per extra public M€: all the public money of the
scenario beyond the baseline's, the lever's and the co-funding its projects draw alike). The
table gives each statistic's mean and standard error by fraction, and whether the largest and the smallest
fraction agree within seed noise: |difference| ≤ 2.5 standard errors of the difference (a two-sided test at
about 1%, stated before looking).
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from simulation.runs.provenance import to_json  # noqa: E402

#: The statistics compared across fractions.
STATISTICS = ("participation_firm", "participation_association", "lasting_cooperations", "projects_launched_cumulative")
#: How many standard errors of the difference the smallest and largest fraction may differ by.
Z = 2.5


def _run(job: tuple[list[str], int]) -> dict[str, float]:
    from simulation.config import compose
    from simulation.runs.simulate import simulate

    overrides, seed = job
    s = simulate(compose([*overrides, f"seed={seed}"])).summary
    keep = (*STATISTICS, "public_eur_cumulative", "actors")
    return {k: float(s[k]) for k in keep}


def measure(
    region: str, fraction: float, seeds: int, lever: str, jobs: int, budget: float | None = None
) -> pd.DataFrame:
    """One row per fraction, scenario and seed (the lever at ``budget`` euros a year, else its scenario's)."""
    rows = []
    todo = []
    for factor in (1, 2, 4):
        f = fraction * factor
        for scenario in ("baseline", lever):
            for seed in range(seeds):
                overrides = [f"region={region}", f"region.sample_fraction={f!r}", f"scenario={scenario}"]
                if budget is not None and scenario != "baseline":
                    overrides.append(f"policies.equal_budget_eur_per_year={budget!r}")
                todo.append((tuple(overrides), seed))
                rows.append({"fraction": f, "scenario": scenario, "seed": seed})
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(_run, [(list(o), s) for o, s in todo]))
    return pd.concat([pd.DataFrame(rows), pd.DataFrame(results)], axis=1)


def summarise(runs: pd.DataFrame, lever: str) -> pd.DataFrame:
    """Mean and standard error of each statistic (and the lever's per-M€ effect) by fraction."""
    out = []
    for f, group in runs.groupby("fraction"):
        base = group[group.scenario == "baseline"].set_index("seed")
        with_lever = group[group.scenario == lever].set_index("seed")
        for stat in STATISTICS:
            v = base[stat].to_numpy()
            out.append({"fraction": f, "statistic": stat, "mean": v.mean(), "se": v.std(ddof=1) / np.sqrt(len(v))})
        delta = (with_lever["lasting_cooperations"] - base["lasting_cooperations"]).to_numpy()
        extra = ((with_lever["public_eur_cumulative"] - base["public_eur_cumulative"]) / 1e6).to_numpy()
        ratio = delta.mean() / extra.mean()
        # delta method for a ratio of means over paired seeds
        cov = np.cov(delta, extra, ddof=1) / len(delta)
        se = np.sqrt(cov[0, 0] - 2 * ratio * cov[0, 1] + ratio**2 * cov[1, 1]) / abs(extra.mean())
        out.append({"fraction": f, "statistic": f"{lever}_lasting_per_meur", "mean": ratio, "se": se})
    table = pd.DataFrame(out)
    lo, hi = table.fraction.min(), table.fraction.max()
    verdict = []
    for stat, group in table.groupby("statistic", sort=False):
        a = group[group.fraction == lo].iloc[0]
        b = group[group.fraction == hi].iloc[0]
        z = (b["mean"] - a["mean"]) / np.hypot(a["se"], b["se"])
        verdict.append({"statistic": stat, "z_largest_vs_smallest": z, "agree": bool(abs(z) <= Z)})
    return table.merge(pd.DataFrame(verdict), on="statistic")


def figure(table: pd.DataFrame, path: Path) -> None:
    """Each statistic at each fraction, relative to its mean at the largest fraction, with ±2 standard errors: the
    answers drawn side by side, so that a dependence on the sample shows as a trend beyond the bars."""
    from matplotlib.figure import Figure

    stats = list(dict.fromkeys(table["statistic"]))
    fractions = sorted(table["fraction"].unique())
    fig = Figure(figsize=(7.5, 3.6), layout="constrained")
    ax = fig.subplots()
    for k, f in enumerate(fractions):
        rows = table[table.fraction == f].set_index("statistic").loc[stats]
        ref = table[table.fraction == fractions[-1]].set_index("statistic").loc[stats, "mean"]
        x = np.arange(len(stats)) + (k - (len(fractions) - 1) / 2) * 0.22
        ax.errorbar(x, rows["mean"] / ref, yerr=2 * rows["se"] / ref.abs(), fmt="o", capsize=3, label=f"{f:.0%}")
    ax.axhline(1.0, color="grey", lw=0.8)
    ax.set_xticks(np.arange(len(stats)), [s.replace("_", " ") for s in stats], rotation=15, fontsize=8)
    ax.set_ylabel(f"relative to the {fractions[-1]:.0%} sample")
    ax.legend(title="sample fraction", fontsize=8)
    fig.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--region", default="auvergne_rhone_alpes")
    parser.add_argument("--fraction", type=float, default=0.01)
    parser.add_argument("--seeds", type=int, default=12)
    parser.add_argument("--lever", default="p3_seed_grants")
    parser.add_argument("--budget", type=float, default=None, help="the lever's yearly budget, euros")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "territories")
    args = parser.parse_args(argv)
    runs = measure(args.region, args.fraction, args.seeds, args.lever, args.jobs, args.budget)
    table = summarise(runs, args.lever)
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "invariance.csv", index=False)
    figure(table, args.out / "invariance.png")
    meta = {"region": args.region, "fractions": sorted(runs.fraction.unique().tolist()), "seeds": args.seeds}
    meta |= {"lever": args.lever, "lever_budget_eur_per_year": args.budget}
    meta["actors"] = {str(f): int(g["actors"].iloc[0]) for f, g in runs.groupby("fraction")}
    (args.out / "invariance.json").write_text(to_json(meta))
    with pd.option_context("display.width", 160):
        print(table.round(4).to_string(index=False))


if __name__ == "__main__":
    main()

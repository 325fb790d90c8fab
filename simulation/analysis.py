"""Compare the scenarios of a sweep against the baseline, with 95% intervals across seeds.

    python -m simulation.analysis results/sweeps/<name> [--baseline baseline] [--out DIR]

For every scenario and indicator, the difference to the baseline is paired by
seed — the same seeds, so common random numbers cancel much of the noise —
and reported as the mean difference with a 95% t-interval over seeds. The
command writes, into ``<sweep>/analysis/`` (or ``--out``):

* ``comparison.csv`` and ``comparison.md`` — one row per scenario × indicator:
  scenario mean, baseline mean, paired difference and its interval, n seeds;
* ``cost_effectiveness.csv`` — extra lasting cooperations and jobs per million
  euros of extra public money, per scenario, with intervals;
* ``emergence.png`` — active cooperations over the decade, mean and 95% band
  per scenario;
* ``cost_effectiveness.png`` — the per-euro effect of each lever.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

from simulation.enums import ActorKind

#: Indicators compared (names of ``summary`` columns; MODEL.md §5).
INDICATORS = [
    "lasting_cooperations",
    "active_cooperations",
    "successes_cumulative",
    "failures_cumulative",
    "jobs",
    "jobs_created_cumulative",
    "value_eur_cumulative",
    "public_eur_cumulative",
    "public_eur_per_job",
    "public_eur_per_lasting_cooperation",
    "leverage",
    *[f"participation_{k.label}" for k in ActorKind],
    "territories_with_project_share",
    "territorial_inequality_gini",
    "takeoff_month",
    "recovery_months",
]


def interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float, int]:
    """Mean and t-interval of ``values`` (NaNs dropped): (mean, low, high, n)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    n = len(v)
    if n == 0:
        return float("nan"), float("nan"), float("nan"), 0
    mean = float(v.mean())
    if n == 1:
        return mean, float("nan"), float("nan"), 1
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * v.std(ddof=1) / np.sqrt(n))
    return mean, mean - half, mean + half, n


def load(sweep_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sweep's summary (a row per run) and time series (a row per run per month)."""
    summary = pd.read_parquet(sweep_dir / "summary")
    ts = pd.read_parquet(sweep_dir / "timeseries", columns=["scenario", "seed", "month", "active_cooperations"])
    for df in (summary, ts):
        df["scenario"] = df["scenario"].astype(str)
    return summary, ts


def compare(summary: pd.DataFrame, baseline: str = "baseline") -> pd.DataFrame:
    """Paired differences to the baseline, per scenario and indicator."""
    if baseline not in set(summary["scenario"]):
        raise ValueError(f"no run of the baseline scenario {baseline!r} in this sweep")
    base = summary[summary["scenario"] == baseline].set_index("seed")
    rows = []
    for scenario, runs in summary.groupby("scenario", sort=True):
        runs = runs.set_index("seed")
        seeds = runs.index.intersection(base.index)
        for ind in INDICATORS:
            if ind not in runs:
                continue
            s_mean, s_lo, s_hi, _ = interval(runs.loc[seeds, ind].to_numpy())
            b_mean = float(np.nanmean(base.loc[seeds, ind])) if len(seeds) else float("nan")
            d_mean, d_lo, d_hi, n = interval((runs.loc[seeds, ind] - base.loc[seeds, ind]).to_numpy())
            rows.append(
                {
                    "scenario": scenario,
                    "indicator": ind,
                    "mean": s_mean,
                    "ci_low": s_lo,
                    "ci_high": s_hi,
                    "baseline_mean": b_mean,
                    "difference": d_mean,
                    "difference_ci_low": d_lo,
                    "difference_ci_high": d_hi,
                    "n_seeds": n,
                }
            )
    return pd.DataFrame(rows)


def cost_effectiveness(summary: pd.DataFrame, baseline: str = "baseline") -> pd.DataFrame:
    """Extra lasting cooperations and jobs per extra million public euros, paired by seed."""
    base = summary[summary["scenario"] == baseline].set_index("seed")
    rows = []
    for scenario, runs in summary.groupby("scenario", sort=True):
        if scenario == baseline:
            continue
        runs = runs.set_index("seed")
        seeds = runs.index.intersection(base.index)
        extra_public = (runs.loc[seeds, "public_eur_cumulative"] - base.loc[seeds, "public_eur_cumulative"]) / 1e6
        row: dict[str, object] = {"scenario": scenario, "extra_public_meur": float(extra_public.mean())}
        for ind in ("lasting_cooperations", "jobs_created_cumulative"):
            per_meur = (runs.loc[seeds, ind] - base.loc[seeds, ind]) / extra_public.where(extra_public > 0)
            mean, lo, hi, n = interval(per_meur.to_numpy())
            row |= {f"{ind}_per_meur": mean, f"{ind}_per_meur_ci_low": lo, f"{ind}_per_meur_ci_high": hi}
            row["n_seeds"] = n
        rows.append(row)
    return pd.DataFrame(rows)


def emergence_plot(ts: pd.DataFrame, path: Path) -> None:
    """Active cooperations per month: mean and 95% band across seeds, one line per scenario."""
    fig, ax = plt.subplots(figsize=(10, 6))
    for scenario, runs in ts.groupby("scenario", sort=True):
        wide = runs.pivot_table(index="month", columns="seed", values="active_cooperations")
        stats_ = [interval(row) for row in wide.to_numpy()]
        mean = np.array([s[0] for s in stats_])
        lo = np.array([s[1] for s in stats_])
        hi = np.array([s[2] for s in stats_])
        years = wide.index.to_numpy() / 12
        lw = 2.5 if scenario == "baseline" else 1.2
        (line,) = ax.plot(years, mean, lw=lw, label=scenario, color="black" if scenario == "baseline" else None)
        ax.fill_between(years, lo, hi, color=line.get_color(), alpha=0.15)
    ax.set_xlabel("year")
    ax.set_ylabel("active cooperations (mean, 95% band across seeds)")
    ax.set_title("Emergence of cooperations: the slow infusion")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncols=2, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def cost_effectiveness_plot(ce: pd.DataFrame, path: Path) -> None:
    """Extra lasting cooperations and jobs per extra M€, with 95% intervals."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 0.45 * max(len(ce), 4) + 1.5), sharey=True)
    y = np.arange(len(ce))
    for ax, ind, label in zip(
        axes,
        ("lasting_cooperations", "jobs_created_cumulative"),
        ("extra lasting cooperations per extra M€", "extra jobs per extra M€"),
        strict=True,
    ):
        mean = ce[f"{ind}_per_meur"].to_numpy()
        err = np.vstack([mean - ce[f"{ind}_per_meur_ci_low"], ce[f"{ind}_per_meur_ci_high"] - mean])
        ax.barh(y, mean, xerr=np.nan_to_num(err), color="#31a354", alpha=0.8, capsize=3)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_xlabel(label)
        ax.grid(alpha=0.3, axis="x")
    axes[0].set_yticks(y, ce["scenario"])
    fig.suptitle("Cost-effectiveness against the baseline (paired by seed, 95% intervals)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def analyse(sweep_dir: Path, baseline: str = "baseline", out: Path | None = None) -> Path:
    """Write the comparison tables and plots of a sweep; return the folder."""
    out = out or sweep_dir / "analysis"
    out.mkdir(parents=True, exist_ok=True)
    summary, ts = load(sweep_dir)
    table = compare(summary, baseline)
    table.to_csv(out / "comparison.csv", index=False)
    (out / "comparison.md").write_text(
        f"# Scenarios against `{baseline}` (paired by seed, 95% t-intervals)\n\n"
        + table.to_markdown(index=False, floatfmt=".4g")
        + "\n"
    )
    ce = cost_effectiveness(summary, baseline)
    ce.to_csv(out / "cost_effectiveness.csv", index=False)
    emergence_plot(ts, out / "emergence.png")
    if len(ce):
        cost_effectiveness_plot(ce, out / "cost_effectiveness.png")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sweep_dir", type=Path, help="a sweep folder (results/sweeps/<name>)")
    parser.add_argument("--baseline", default="baseline", help="the scenario to compare against")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: <sweep>/analysis)")
    args = parser.parse_args(argv)
    if not (args.sweep_dir / "summary").is_dir():
        parser.error(f"{args.sweep_dir} is not a sweep folder (no summary/ dataset in it)")
    try:
        folder = analyse(args.sweep_dir, args.baseline, args.out)
    except ValueError as e:
        parser.error(str(e))
    print(f"Comparison written to {folder}")


if __name__ == "__main__":
    main()

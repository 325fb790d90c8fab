"""Compare the scenarios of a sweep against the baseline, with 95% intervals across seeds.

    python -m simulation.analysis results/sweeps/<name> [--baseline baseline] [--out DIR]

For every scenario and indicator, the difference to the baseline is paired by
seed — the same seeds, so common random numbers cancel much of the noise —
and reported as the mean difference with a 95% t-interval over seeds. The
command writes, into ``<sweep>/analysis/`` (or ``--out``):

* ``comparison.csv`` and ``comparison.md`` — one row per scenario × indicator:
  scenario mean, baseline mean, paired difference and its interval, n seeds;
* ``cost_effectiveness.csv`` — extra lasting cooperations, jobs and launched
  projects per million euros of extra public money, per scenario: the ratio of the
  mean paired differences, mean(Δ indicator) ÷ mean(Δ public M€), NaN when the mean
  extra money is not positive, with Fieller's 95% interval over seeds (which
  includes 0 exactly when the difference's t-interval does; unbounded when the
  extra money itself is not above zero beyond the noise);
* ``emergence.png`` — active cooperations over the horizon, mean and 95% band
  per scenario;
* ``cost_effectiveness.png`` — the per-euro effect of each lever.

The plotting functions take a :class:`PlotText` so that the council report
(``simulation.report``) draws the same figures with translated words.
"""

from __future__ import annotations

import argparse
import json
import math
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axis import Axis
from matplotlib.ticker import FuncFormatter
from scipy import stats

from simulation.config import TERRITORY_TYPES
from simulation.enums import ActorKind
from simulation.runs.datasets import read_table

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

#: Indicators that are shares, in [0, 1] (not percentages).
SHARES = {i for i in INDICATORS if i.startswith("participation_") or i.endswith("_share")}
#: Indicators bounded to [0, 1]: the shares and the Gini coefficient. Their intervals are clipped to it.
UNIT_INTERVAL = SHARES | {"territorial_inequality_gini"}


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
    """The sweep's summary (a row per run) and time series (a row per run per month), of its finished runs.

    A run is finished when its summary row is written (:mod:`simulation.runs.sweep`): the rows an interrupted
    sweep wrote for other runs are left out until the sweep is resumed.

    Raises:
        ValueError: the sweep holds more than one run of a scenario and seed (:func:`one_run_per_seed`).
    """
    summary = read_table(sweep_dir, "summary")
    ts = read_table(sweep_dir, "timeseries", columns=["scenario", "seed", "run_id", "month", "active_cooperations"])
    for df in (summary, ts):
        df["scenario"] = df["scenario"].astype(str)
    one_run_per_seed(summary)
    one_configuration_per_scenario(summary)
    return summary, finished_only(ts, summary)


def one_configuration_per_scenario(summary: pd.DataFrame) -> None:
    """Check that the runs of each scenario are seeds of one configuration (``config_id``, where the rows
    have it): a scenario's mean over seeds of two configurations would mean nothing.

    Raises:
        ValueError: naming the scenario and the columns in which its configurations differ.
    """
    if "config_id" not in summary:
        return
    counts = summary.groupby("scenario")["config_id"].nunique()
    several = counts[counts > 1]
    if not len(several):
        return
    scenario = several.index[0]
    runs = summary[summary["scenario"] == scenario]
    raise ValueError(
        f"scenario {scenario!r} holds runs of {several.iloc[0]} configurations (config ids "
        f"{', '.join(sorted(runs['config_id'].astype(str).unique()))}). {_what_differs(runs)}"
    )


def finished_only(rows: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """The rows of the runs that have a summary row (an interrupted sweep may have written others' rows)."""
    done = rows["run_id"].isin(set(summary["run_id"]))
    return rows if done.all() else rows[done].reset_index(drop=True)


def one_run_per_seed(summary: pd.DataFrame) -> None:
    """Check that every scenario has at most one run per seed: the comparisons pair runs by seed.

    Raises:
        ValueError: naming the scenario and seed with several runs, their run ids, and the columns
            that tell them apart.
    """
    counts = summary.groupby(["scenario", "seed"]).size()
    several = counts[counts > 1]
    if not len(several):
        return
    scenario, seed = several.index[0]
    runs = summary[(summary["scenario"] == scenario) & (summary["seed"] == seed)]
    raise ValueError(
        f"the sweep holds {len(runs)} runs of scenario {scenario!r} with seed {seed} (run ids "
        f"{', '.join(runs['run_id'].astype(str))}; {len(several)} scenario-seed pairs have several runs), and the "
        f"comparison pairs one run of each scenario with one of the baseline by seed. {_what_differs(runs)}"
    )


#: Columns that describe how a run was made (besides the swept keys, whose names are dotted config paths).
MAKING = ("config_id", "git_revision", "package_version", "git_dirty")


def _what_differs(runs: pd.DataFrame) -> str:
    """The columns in which ``runs`` (of one scenario) differ, beyond their seeds, and what to do about it.

    What sets a configuration is named first: the columns constant within each configuration (``config_id``),
    then, among them, the swept keys and the code's tags; results, which differ from seed to seed, last.
    """
    own = ("run_seconds", "seed", "run_id")
    # (a key absent from some runs' files is empty there: that is a difference too)
    differ = [c for c in runs.columns if c not in own and runs[c].astype(str).nunique(dropna=False) > 1]
    if "config_id" in runs:
        per_config = runs.astype(str).groupby("config_id")
        settings = {c for c in differ if (per_config[c].nunique(dropna=False) <= 1).all()}
        differ.sort(key=lambda c: (c not in settings, c not in MAKING and "." not in c))
    return (
        f"They differ in: {', '.join(differ[:12])}{', ...' if len(differ) > 12 else ''}. Analyse one "
        "configuration per sweep folder (a new output.sweep_name for each), or select the rows with pandas."
    )


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
            if ind not in runs or summary[ind].isna().all():
                continue  # defined in no run of the sweep (recovery after a shock, without a shock)
            s_mean, s_lo, s_hi, _ = interval(runs.loc[seeds, ind].to_numpy())
            if ind in UNIT_INTERVAL:  # a t-interval knows no bounds: a share's or a Gini's stays in [0, 1]
                s_lo, s_hi = max(s_lo, 0.0), min(s_hi, 1.0)
            b_mean = float(base.loc[seeds, ind].mean())  # NaN if none is defined
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


#: Indicators shown per extra M€ (``<indicator>_per_meur`` columns of :func:`cost_effectiveness`).
PER_MEUR = ("lasting_cooperations", "jobs_created_cumulative", "projects_launched_cumulative")


def ratio_of_means(delta: np.ndarray, extra: np.ndarray) -> float:
    """mean(delta) ÷ mean(extra) over seeds; NaN where mean(extra) ≤ 0."""
    den = float(np.mean(extra)) if len(extra) else 0.0
    return float(np.mean(delta)) / den if den > 0 else float("nan")


def fieller_interval(delta: np.ndarray, extra: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Fieller's interval of mean(delta) ÷ mean(extra), the two paired by seed (Fieller 1954).

    The ratios ρ whose numerator mean(delta) − ρ·mean(extra) a t-test over the seeds (n − 1 degrees of
    freedom, the sample covariance of delta and extra) does not reject. When mean(extra) is above zero
    beyond the noise (its own t-test), the set is an interval that contains 0 exactly when the t-interval
    of mean(delta) does: a per-M€ value and the indicator's difference never disagree on whether an effect
    is told from chance. Otherwise the set is unbounded: (−inf, inf), which includes 0 (nothing is claimed).
    NaN with fewer than 2 seeds or when mean(extra) is not positive (no ratio).
    """
    d, x = np.asarray(delta, float), np.asarray(extra, float)
    n = len(d)
    if n < 2:
        return float("nan"), float("nan")
    t2 = float(stats.t.ppf(0.5 + level / 2, n - 1)) ** 2
    cov = np.cov(np.vstack([d, x]), ddof=1) / n  # variances and covariance of the two means
    dm, xm = float(d.mean()), float(x.mean())
    a = xm * xm - t2 * cov[1, 1]
    b = dm * xm - t2 * cov[0, 1]
    c = dm * dm - t2 * cov[0, 0]
    if xm <= 0 or not np.isfinite(a):
        return float("nan"), float("nan")
    if a <= 0:
        return -math.inf, math.inf
    half = float(np.sqrt(max(b * b - a * c, 0.0)))
    return (b - half) / a, (b + half) / a


def ratio_difference_interval(
    delta: tuple[np.ndarray, np.ndarray], extra: tuple[np.ndarray, np.ndarray], level: float = 0.95
) -> tuple[float, float, float]:
    """The difference of two ratios of paired means, second − first, on the same seeds, and its t-interval.

    Each ratio R = mean(delta) ÷ mean(extra) is linearised seed by seed (delta-method):
    z = (delta − R·extra) ÷ mean(extra); the difference's interval is the t-interval over the seeds of the
    paired z's (n − 1 degrees of freedom). NaN where a ratio is; (−inf, inf) where a ratio's own interval is
    unbounded (:func:`fieller_interval`: its z would divide by money not above zero beyond the noise).

    Returns:
        (difference, low, high).
    """
    pairs = [(np.asarray(d, float), np.asarray(x, float)) for d, x in zip(delta, extra, strict=True)]
    ratios = [ratio_of_means(d, x) for d, x in pairs]
    point = ratios[1] - ratios[0]
    if not np.isfinite(point):
        return point, float("nan"), float("nan")
    # Fieller's set is unbounded exactly when the money's own t-interval reaches 0 (its leading coefficient ≤ 0)
    if any(interval(x, level)[1] <= 0 for _, x in pairs):
        return point, -math.inf, math.inf
    z = [(d - r * x) / x.mean() for (d, x), r in zip(pairs, ratios, strict=True)]
    _, lo, hi, _ = interval(z[1] - z[0], level)
    return point, point + lo, point + hi


def _paired(summary: pd.DataFrame, scenario: str, baseline: str, seeds: pd.Index | None = None) -> pd.DataFrame:
    """Differences scenario − baseline by seed (sorted), on ``seeds`` or the seeds both ran."""
    base = summary[summary["scenario"] == baseline].set_index("seed")
    runs = summary[summary["scenario"] == scenario].set_index("seed")
    common = runs.index.intersection(base.index) if seeds is None else seeds
    common = common.sort_values()
    cols = [c for c in (*PER_MEUR, "public_eur_cumulative") if c in runs]
    return runs.loc[common, cols] - base.loc[common, cols]


def cost_effectiveness(summary: pd.DataFrame, baseline: str = "baseline") -> pd.DataFrame:
    """Extra lasting cooperations, jobs and launched projects per extra million public euros, paired by seed.

    For a scenario and an indicator, the value is the ratio of the mean paired differences
    over seeds: mean(Δ indicator) ÷ mean(Δ public M€), NaN when the mean extra public money
    is not positive. Its 95% interval is Fieller's (:func:`fieller_interval`): it includes 0
    exactly when the t-interval of the indicator's difference does (unbounded, −inf to inf, when the extra
    money is not above zero beyond the noise); NaN with fewer than 2 seeds.
    """
    rows = []
    for scenario in sorted(set(summary["scenario"])):
        if scenario == baseline:
            continue
        diff = _paired(summary, scenario, baseline)
        n = len(diff)
        extra = diff["public_eur_cumulative"].to_numpy(float) / 1e6
        row: dict[str, object] = {"scenario": scenario, "extra_public_meur": float(extra.mean()) if n else np.nan}
        for ind in PER_MEUR:
            if ind not in diff:
                continue
            delta = diff[ind].to_numpy(float)
            lo, hi = fieller_interval(delta, extra)
            row |= {f"{ind}_per_meur": ratio_of_means(delta, extra), f"{ind}_per_meur_ci_low": lo}
            row[f"{ind}_per_meur_ci_high"] = hi
        row["n_seeds"] = n
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class PlotText:
    """The words of the comparison plots, so that a caller (the council report) can translate them.

    The defaults are the English labels of ``python -m simulation.analysis``.
    ``scenario_labels`` maps scenario names to display names (a name missing from
    it is shown as is); ``number_format`` formats tick values (e.g. with a French
    decimal comma), matplotlib's own when None.
    """

    year: str = "year"
    active_cooperations: str = "active cooperations (mean, 95% band across seeds)"
    emergence_title: str = "Emergence of cooperations: the slow infusion"
    lasting_per_meur: str = "extra lasting cooperations per extra M€"
    jobs_per_meur: str = "extra jobs per extra M€"
    launched_per_meur: str = "extra projects launched per extra M€"
    cost_effectiveness_title: str = "Cost-effectiveness against the baseline (paired by seed, 95% intervals)"
    projects_per_territory: str = "projects at the horizon (mean over seeds)"
    active_label: str = "active"
    lasting_label: str = "lasting"
    territory_title: str = "Cooperations per territory"
    scenario_labels: Mapping[str, str] = field(default_factory=dict)
    number_format: Callable[[float], str] | None = None

    def scenario(self, name: str) -> str:
        return self.scenario_labels.get(name, name)

    def format_axis(self, axis: Axis) -> None:
        if self.number_format is not None:
            fmt = self.number_format
            axis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt(v)))


def emergence_plot(ts: pd.DataFrame, path: Path, text: PlotText | None = None, dpi: int = 120) -> None:
    """Active cooperations per month: mean and 95% band across seeds, one line per scenario."""
    text = text or PlotText()
    fig, ax = plt.subplots(figsize=(9, 5.2))
    # The baseline in black, the others in tab10's colours but its grey, which would pass for the baseline.
    colours = iter([f"C{i}" for i in range(10) if i != 7] * 3)  # matplotlib's default cycle is tab10
    for scenario, runs in ts.groupby("scenario", sort=True):
        wide = runs.pivot_table(index="month", columns="seed", values="active_cooperations")
        stats_ = [interval(row) for row in wide.to_numpy()]
        mean = np.array([s[0] for s in stats_])
        lo = np.array([s[1] for s in stats_])
        hi = np.array([s[2] for s in stats_])
        years = wide.index.to_numpy() / 12
        lw = 2.5 if scenario == "baseline" else 1.2
        colour = "black" if scenario == "baseline" else next(colours)
        (line,) = ax.plot(years, mean, lw=lw, label=text.scenario(str(scenario)), color=colour)
        ax.fill_between(years, lo, hi, color=line.get_color(), alpha=0.15)
    ax.set_xlabel(text.year)
    ax.set_ylabel(text.active_cooperations)
    ax.set_title(text.emergence_title)
    text.format_axis(ax.xaxis)
    text.format_axis(ax.yaxis)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9, ncols=2, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)


def cost_effectiveness_plot(ce: pd.DataFrame, path: Path, text: PlotText | None = None, dpi: int = 120) -> None:
    """Extra lasting cooperations, jobs and launched projects per extra M€, with 95% intervals."""
    text = text or PlotText()
    panels = [
        (ind, label)
        for ind, label in zip(
            PER_MEUR, (text.lasting_per_meur, text.jobs_per_meur, text.launched_per_meur), strict=True
        )
        if f"{ind}_per_meur" in ce
    ]
    fig, axes = plt.subplots(
        1, len(panels), figsize=(3.6 * len(panels), 0.38 * max(len(ce), 4) + 1.6), sharey=True, squeeze=False
    )
    y = np.arange(len(ce))
    for ax, (ind, label) in zip(axes.flat, panels, strict=True):
        mean = ce[f"{ind}_per_meur"].to_numpy(float)
        err = np.vstack([mean - ce[f"{ind}_per_meur_ci_low"], ce[f"{ind}_per_meur_ci_high"] - mean])
        # (no bar for a missing or unbounded interval: fieller_interval)
        ax.barh(y, mean, xerr=np.clip(np.nan_to_num(err, posinf=0.0), 0, None), color="#31a354", alpha=0.8, capsize=3)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_xlabel(textwrap.fill(label, 30), fontsize=9)  # side by side, long labels would run together
        ax.tick_params(labelsize=9)
        text.format_axis(ax.xaxis)
        ax.grid(alpha=0.3, axis="x")
    axes.flat[0].set_yticks(y, [text.scenario(str(s)) for s in ce["scenario"]])
    fig.suptitle(text.cost_effectiveness_title)
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)


def territory_projects(registry: pd.DataFrame, summary: pd.DataFrame, territories: Sequence[str]) -> pd.DataFrame:
    """Projects active and lasting at the horizon, per run and territory, from the project registry.

    Every run of ``summary`` and every name of ``territories`` gets a row, so a
    territory (or a run) without any project counts as zero rather than vanishing.

    Returns:
        Columns ``scenario``, ``seed``, ``territory``, ``active``, ``lasting``.
    """
    reg = registry.assign(scenario=registry["scenario"].astype(str), territory=registry["territory"].astype(str))
    reg = reg.assign(active=reg["outcome"] != "failed", lasting=reg["outcome"] == "lasting")
    counts = reg.groupby(["scenario", "seed", "territory"])[["active", "lasting"]].sum()
    runs = summary[["scenario", "seed"]].astype({"scenario": str}).drop_duplicates()
    full = pd.MultiIndex.from_tuples(
        [(sc, sd, t) for sc, sd in runs.itertuples(index=False) for t in territories],
        names=["scenario", "seed", "territory"],
    )
    return counts.reindex(full, fill_value=0).astype(int).reset_index()


def territories_without_project(counts: pd.DataFrame) -> pd.DataFrame:
    """Territories left without any active project at the horizon ("qu'aucun territoire ne soit sans projet", 004).

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


def territory_plot(counts: pd.DataFrame, path: Path, text: PlotText | None = None, dpi: int = 120) -> None:
    """Mean active and lasting projects at the horizon: one panel per territory, one bar per scenario."""
    text = text or PlotText()
    means = counts.groupby(["territory", "scenario"], sort=True)[["active", "lasting"]].mean()
    territories = list(dict.fromkeys(counts["territory"]))
    scenarios = sorted(counts["scenario"].unique())
    ncols = min(4, len(territories))
    nrows = -(-len(territories) // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(2.3 * ncols, 0.2 * len(scenarios) * nrows + 1.4 * nrows), sharey=True, squeeze=False
    )
    y = np.arange(len(scenarios))
    for ax, territory in zip(axes.flat, territories, strict=False):
        m = means.loc[territory].reindex(scenarios)
        ax.barh(y, m["active"], color="#a1d99b", label=text.active_label)
        ax.barh(y, m["lasting"], color="#31a354", label=text.lasting_label)
        ax.set_title(territory, fontsize=9)
        ax.set_yticks(y, [text.scenario(s) for s in scenarios], fontsize=8)
        ax.tick_params(axis="x", labelsize=8)
        text.format_axis(ax.xaxis)
        ax.grid(alpha=0.3, axis="x")
    axes.flat[0].invert_yaxis()  # once: the panels share their y axis, so a flip per panel would cancel out
    for ax in axes.flat[len(territories) :]:
        ax.set_visible(False)
    handles, legend_labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, legend_labels, loc="lower center", ncols=2, frameon=False, fontsize=8)
    fig.supxlabel(text.projects_per_territory, fontsize=9, y=0.04)
    fig.suptitle(text.territory_title)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.savefig(path, dpi=dpi)
    plt.close(fig)


def ranking(
    comparison: pd.DataFrame,
    ce: pd.DataFrame,
    summary: pd.DataFrame,
    baseline: str = "baseline",
    by: str = "lasting_cooperations_per_meur",
) -> pd.DataFrame:
    """The scenarios ranked by a per-M€ effect, with the paired differences they rest on.

    One row per scenario of ``ce`` (the baseline is not in it), best first (NaN last),
    with ``rank``, the columns of ``ce``, the difference and interval of
    ``lasting_cooperations``, ``successes_cumulative`` and ``jobs_created_cumulative``
    (``<indicator>_difference``, ``_ci_low``, ``_ci_high``), and:

    * ``vs_leader``, ``vs_leader_ci_low``, ``vs_leader_ci_high``: the paired difference
      (scenario − leader) of ``by``, and its 95% t-interval over the seeds run by the scenario,
      the leader and the baseline (:func:`ratio_difference_interval`); 0 and no interval for the leader;
    * ``below_leader``: that interval excludes 0 (the leader is ahead beyond the seeds' noise);
      False when it includes 0 or is missing;
    * ``includes_zero``: the interval of ``by`` includes 0 (no effect detectable).

    Overlapping marginal intervals do not show that two levers are indistinguishable:
    only the paired interval of their difference does. See :func:`ranking_verdict`.
    """
    out = ce.copy()
    for ind in ("lasting_cooperations", "successes_cumulative", "jobs_created_cumulative"):
        rows = comparison[comparison["indicator"] == ind].set_index("scenario")
        out[f"{ind}_difference"] = out["scenario"].map(rows["difference"])
        out[f"{ind}_difference_ci_low"] = out["scenario"].map(rows["difference_ci_low"])
        out[f"{ind}_difference_ci_high"] = out["scenario"].map(rows["difference_ci_high"])
    out = out.sort_values(by, ascending=False, na_position="last", kind="stable").reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    ind = by.removesuffix("_per_meur")
    vs = np.full((len(out), 3), np.nan)
    if len(out) and np.isfinite(out[by].iloc[0]):
        leader = str(out["scenario"].iloc[0])
        lead = _paired(summary, leader, baseline)
        vs[0] = 0.0, np.nan, np.nan
        for i, scenario in enumerate(out["scenario"].iloc[1:], start=1):
            other = _paired(summary, str(scenario), baseline)
            seeds = lead.index.intersection(other.index).sort_values()
            if len(seeds) < 2:
                continue
            a, b = lead.loc[seeds], other.loc[seeds]
            money = (a["public_eur_cumulative"].to_numpy(float) / 1e6, b["public_eur_cumulative"].to_numpy(float) / 1e6)
            vs[i] = ratio_difference_interval((a[ind].to_numpy(float), b[ind].to_numpy(float)), money)
    out["vs_leader"], out["vs_leader_ci_low"], out["vs_leader_ci_high"] = vs.T
    out["below_leader"] = (out["vs_leader_ci_high"] < 0) | (out["vs_leader_ci_low"] > 0)
    out["includes_zero"] = (out[f"{by}_ci_low"] <= 0) & (out[f"{by}_ci_high"] >= 0)
    return out


def ranking_verdict(ranked: pd.DataFrame, by: str = "lasting_cooperations_per_meur") -> str:
    """What the ranking allows to say: ``"no_levers"``, ``"few_seeds"`` (a lever has fewer than 2
    paired seeds: no interval), ``"no_value"`` (no lever has a value), ``"none_stands_out"``
    (every lever has the same value, e.g. all 0) or ``"ranked"``."""
    if not len(ranked):
        return "no_levers"
    if int(ranked["n_seeds"].min()) < 2:
        return "few_seeds"
    values = ranked[by].to_numpy(float)
    if not np.isfinite(values).any():
        return "no_value"
    if len(values) > 1 and np.isfinite(values).all() and np.ptp(values) == 0:
        return "none_stands_out"
    return "ranked"


#: How the analysis computes its intervals, written beside its tables.
METHOD = {
    "comparison": "per scenario and indicator: mean over seeds; difference to the baseline paired by seed, "
    "with a 95% t-interval over the seeds both ran",
    "cost_effectiveness": "per extra M€ of public money: mean paired difference of the indicator / mean paired "
    "difference of public money (NaN when that is not positive), with Fieller's 95% interval over the seeds "
    "(t with n - 1 degrees of freedom; it includes 0 exactly when the difference's t-interval does; -inf to inf "
    "when the extra money is not above zero beyond the noise)",
    "ranking": "difference of a lever's per-M€ value from the leader's on the same seeds, with a 95% t-interval "
    "of the seed-by-seed linearised ratios (delta method)",
}


def provenance_of(sweep_dir: Path, summary: pd.DataFrame, baseline: str) -> dict[str, object]:
    """What the analysis was computed from: the sweep, its runs and their code, the method, the date."""
    import datetime as dt

    manifest_path = sweep_dir / "sweep.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    return {
        "sweep": sweep_dir.resolve().name,
        "sweep_command": manifest.get("overrides"),
        "baseline": baseline,
        "runs": len(summary),
        "seeds_by_scenario": {str(k): sorted(int(x) for x in v) for k, v in summary.groupby("scenario")["seed"]},
        "run_ids": sorted(summary["run_id"].astype(str)),
        "package_versions": sorted(summary["package_version"].astype(str).unique()),
        "git_revisions": sorted(summary["git_revision"].astype(str).unique()),
        "method": METHOD,
        "analysed_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def check_out(out: Path) -> None:
    """An output folder may exist, as a folder; a file or a dangling link in its place or above it, or a folder
    that cannot be written to, is refused up front (:func:`simulation.runs.simulate.folder_problem`).

    Raises:
        ValueError: naming the path and why.
    """
    from simulation.runs.simulate import folder_problem

    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {str(out)!r} exists and is not a folder: give a folder")
    problem = folder_problem(out)
    if problem:
        raise ValueError(f"--out {str(out)!r}: {problem}")


def analyse(sweep_dir: Path, baseline: str = "baseline", out: Path | None = None) -> Path:
    """Write the comparison tables and plots of a sweep, with ``provenance.json``; return the folder.

    The inputs are checked, and the tables computed, before the folder is made.
    """
    out = out or sweep_dir / "analysis"
    check_out(out)
    summary, ts = load(sweep_dir)
    if set(summary["scenario"]) == {baseline}:
        raise ValueError(f"the sweep holds only the baseline scenario {baseline!r}: nothing to compare it with")
    table = compare(summary, baseline)
    ce = cost_effectiveness(summary, baseline)
    out.mkdir(parents=True, exist_ok=True)
    (out / "cost_effectiveness.png").unlink(missing_ok=True)  # an earlier analysis's, if this one draws none
    table.to_csv(out / "comparison.csv", index=False)
    (out / "comparison.md").write_text(
        f"# Scenarios against `{baseline}` (paired by seed, 95% t-intervals)\n\n"
        f"Sweep `{sweep_dir.resolve().name}`, {len(summary)} runs; method and run ids in `provenance.json`.\n\n"
        + table.to_markdown(index=False, floatfmt=".4g")
        + "\n"
    )
    (out / "provenance.json").write_text(json.dumps(provenance_of(sweep_dir, summary, baseline), indent=2) + "\n")
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

"""The comparison's figures, in any language (:class:`PlotText`): emergence curves, per-M€ effects,
territories."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axis import Axis
from matplotlib.ticker import FuncFormatter

from simulation.model.indicators import PER_MEUR
from simulation.study.statistics import monthly_band


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
    lasting_per_meur: str = "extra lasting cooperations per M€ spent on the levers"
    jobs_per_meur: str = "extra jobs per M€ spent on the levers"
    launched_per_meur: str = "extra projects launched per M€ spent on the levers"
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
        years, mean, lo, hi = monthly_band(runs)
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
    """Extra lasting cooperations, jobs and launched projects per M€ spent on the levers, with 95% intervals."""
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

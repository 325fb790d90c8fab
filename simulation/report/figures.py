"""The report's figures, drawn for the printed A4 page in one language's words, embedded in the HTML as PNG data
URIs (the report is one self-contained file).

Each figure is drawn at the width it is printed (``PRINT_WIDTH_IN``: the A4 page less its margins, the width the
stylesheet gives every figure), so a font size in points here is its size on paper: no text is smaller than
``MIN_PT``. Drawn with matplotlib's object API (no pyplot state), so that reports can be built side by side.

* the emergence of cooperations: one small panel per scenario, each against the baseline (mean and 95% band
  across random draws), rather than every curve on one chart, which ten scenarios make unreadable;
* the effects per million euros: three panels of bars with their 95% intervals, best first;
* the territories by type (rural, peri-urban, urban): the share of territories with an active project at the
  horizon, and lasting cooperations per 10,000 inhabitants, legible for 9 territories as for 164.
"""

from __future__ import annotations

import base64
import io
import math
import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from simulation.model.indicators import PER_MEUR
from simulation.report.contents import ReportData
from simulation.study.statistics import monthly_band

#: The printed width of a figure: A4 (210 mm) less the page's side margins (16 mm each, ``report.css``).
PRINT_WIDTH_IN = (210 - 2 * 16) / 25.4
#: The smallest text on paper, in points.
MIN_PT = 8.0
FIGURE_DPI = 200
#: Font sizes, in points on paper.
TICK_PT, LABEL_PT, TITLE_PT = 8.0, 8.5, 9.0
BASELINE_COLOUR, LEVER_COLOUR = "#1d1d1d", "#2f7d4a"
TYPE_COLOURS = {"rural": "#74c476", "peri_urban": "#fd8d3c", "urban": "#6baed6"}

Number = Callable[[float], str]


def _figure(height_in: float) -> Figure:
    fig = Figure(figsize=(PRINT_WIDTH_IN, height_in), dpi=FIGURE_DPI)
    FigureCanvasAgg(fig)
    return fig


def _left_for(fig: Figure, labels: Sequence[str], pad_in: float = 0.12) -> float:
    """The left margin, as a fraction of the figure's width, that the longest of ``labels`` needs at ``TICK_PT``
    (measured by the figure's renderer): no tick label is cut at the page's edge."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    widths = [fig.text(0, 0, label, fontsize=TICK_PT).get_window_extent(renderer).width for label in labels]
    for text in list(fig.texts[-len(labels) :]):
        text.remove()
    return (max(widths, default=0.0) / fig.dpi + pad_in) / fig.get_figwidth()


def _numbers(ax: Any, number: Number, axis: str = "both") -> None:
    """Tick labels written as the report's language writes numbers ("0,5", "1 000")."""
    formatter = FuncFormatter(lambda v, _pos: number(v))
    if axis in ("x", "both"):
        ax.xaxis.set_major_formatter(formatter)
    if axis in ("y", "both"):
        ax.yaxis.set_major_formatter(formatter)
    ax.tick_params(labelsize=TICK_PT)


def emergence_figure(
    ts: pd.DataFrame,
    scenarios: Sequence[str],
    baseline: str,
    words: Mapping[str, str],
    names: Mapping[str, str],
    number: Number,
    height_in: float | None = None,
) -> Figure:
    """One panel per scenario other than the baseline: its active cooperations per month against the baseline's
    (means and 95% bands across random draws), on one shared scale. The panels fill the page's height."""
    others = [s for s in scenarios if s != baseline]
    n = max(len(others), 1)
    ncols = 1 if n == 1 else 2 if n <= 4 else 3
    nrows = math.ceil(n / ncols)
    row_in = min(4.4, 7.0 / nrows) if height_in is None else (height_in - 0.75) / nrows
    fig = _figure(row_in * nrows + 0.75)
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
    base = monthly_band(ts[ts["scenario"] == baseline])
    for ax, scenario in zip(axes.flat, others, strict=False):
        years, mean, lo, hi = monthly_band(ts[ts["scenario"] == scenario])
        ax.fill_between(base[0], base[2], base[3], color=BASELINE_COLOUR, alpha=0.12, lw=0)
        ax.plot(base[0], base[1], color=BASELINE_COLOUR, lw=1.1)
        ax.fill_between(years, lo, hi, color=LEVER_COLOUR, alpha=0.25, lw=0)
        ax.plot(years, mean, color=LEVER_COLOUR, lw=1.6)
        ax.set_title(names.get(scenario, scenario), fontsize=TITLE_PT, loc="left", pad=3)
        ax.grid(alpha=0.3)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_locator(MaxNLocator(5, integer=True))
        _numbers(ax, number)
    for ax in axes.flat[len(others) :]:
        ax.set_visible(False)
    fig.supxlabel(words["year"], fontsize=LABEL_PT, y=0.01)
    fig.supylabel(words["active_cooperations"], fontsize=LABEL_PT, x=0.005)
    handles = [
        Line2D([], [], color=BASELINE_COLOUR, lw=1.1, label=names.get(baseline, baseline)),
        Line2D([], [], color=LEVER_COLOUR, lw=1.6, label=words["scenario_curve"]),
    ]
    height = fig.get_figheight()
    fig.legend(handles=handles, loc="upper center", ncols=2, frameon=False, fontsize=LABEL_PT, bbox_to_anchor=(0.5, 1))
    # Room above the panels for the legend, and above each panel for its title; on the left for the longest
    # tick label and, beyond it, the axis's label (one line of LABEL_PT, a point being 1/72 in).
    first = axes.flat[0]
    low, high = first.get_ylim()
    ticks = [number(v) for v in first.get_yticks() if low <= v <= high]
    left = _left_for(fig, ticks, pad_in=0.12 + LABEL_PT / 72 + 0.1)
    fig.subplots_adjust(left=left, right=0.99, bottom=0.45 / height, top=1 - 0.5 / height, wspace=0.1)
    fig.subplots_adjust(hspace=0.4 / (row_in - 0.4))
    return fig


def cost_effectiveness_figure(
    ce: pd.DataFrame, words: Mapping[str, str], names: Mapping[str, str], number: Number, height_in: float | None = None
) -> Figure:
    """Extra lasting cooperations, jobs created and projects launched per M€ spent on the levers, with 95% intervals,
    the best (in the first panel's sense) at the top."""
    panels = [
        (ind, label)
        for ind, label in zip(
            PER_MEUR, (words["lasting_per_meur"], words["jobs_per_meur"], words["launched_per_meur"]), strict=True
        )
        if f"{ind}_per_meur" in ce
    ]
    fig = _figure(height_in or max(0.3 * len(ce) + 1.0, 3.2))
    axes = fig.subplots(1, len(panels), sharey=True, squeeze=False)
    y = np.arange(len(ce))[::-1]  # the first row (the best) at the top
    for ax, (ind, label) in zip(axes.flat, panels, strict=True):
        mean = ce[f"{ind}_per_meur"].to_numpy(float)
        err = np.vstack([mean - ce[f"{ind}_per_meur_ci_low"], ce[f"{ind}_per_meur_ci_high"] - mean])
        # (no bar for a missing or unbounded interval: fieller_interval)
        ax.barh(y, mean, xerr=np.clip(np.nan_to_num(err, posinf=0.0), 0, None), color=LEVER_COLOUR, alpha=0.8)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_xlabel(textwrap.fill(label, 24), fontsize=LABEL_PT)
        ax.grid(alpha=0.3, axis="x")
        ax.xaxis.set_major_locator(MaxNLocator(4))
        _numbers(ax, number, "x")
    ticks = [names.get(s, s) for s in ce["scenario"]]
    axes.flat[0].set_yticks(y, ticks, fontsize=TICK_PT)
    fig.subplots_adjust(left=_left_for(fig, ticks), right=0.98, top=0.97, bottom=0.75 / fig.get_figheight())
    fig.subplots_adjust(wspace=0.12)
    return fig


def territory_type_figure(
    frame: pd.DataFrame,
    scenarios: Sequence[str],
    words: Mapping[str, str],
    names: Mapping[str, str],
    type_names: Mapping[str, str],
    number: Number,
    height_in: float | None = None,
) -> Figure:
    """Per scenario, one bar per type of territory: the share of that type's territories with an active project
    at the horizon, and its lasting cooperations per 10,000 inhabitants (means over random draws)."""
    types = list(dict.fromkeys(frame["type"]))
    # A bar per type and scenario, 0.12 in each, within a page's height less the section's title and text.
    fig = _figure(height_in or min(0.1 * len(types) * len(scenarios) + 0.12 * len(scenarios) + 0.9, 6.5))
    axes = fig.subplots(1, 2, sharey=True, squeeze=False).flat
    height = 0.8 / len(types)
    y = np.arange(len(scenarios))[::-1]
    values = frame.set_index(["scenario", "type"])
    for ax, column, label, scale in (
        (axes[0], "with_project_share", words["with_project_share"], 100.0),
        (axes[1], "lasting_per_10k", words["lasting_per_10k"], 1.0),
    ):
        for k, t in enumerate(types):
            v = [scale * float(values[column].get((s, t), math.nan)) for s in scenarios]
            ax.barh(y + 0.4 - (k + 0.5) * height, v, height=height, color=TYPE_COLOURS.get(t, "#999"))
        ax.set_xlabel(textwrap.fill(label, 40), fontsize=LABEL_PT)
        ax.grid(alpha=0.3, axis="x")
        ax.xaxis.set_major_locator(MaxNLocator(5))
        _numbers(ax, number, "x")
    axes[0].set_xlim(0, 100)
    ticks = [names.get(s, s) for s in scenarios]
    axes[0].set_yticks(y, ticks, fontsize=TICK_PT)
    handles = [Patch(color=TYPE_COLOURS.get(t, "#999"), label=type_names.get(t, t)) for t in types]
    fig.legend(handles=handles, loc="upper center", ncols=len(types), frameon=False, fontsize=LABEL_PT)
    height = fig.get_figheight()
    fig.subplots_adjust(left=_left_for(fig, ticks), right=0.98, top=1 - 0.3 / height, bottom=0.62 / height)
    fig.subplots_adjust(wspace=0.1)
    return fig


def least_heights(data: ReportData) -> dict[str, float]:
    """The least height (inches) each figure may be given to absorb a page's stray tail (``heights`` of
    :func:`report_figures`): enough for its panels, bars and labels to stay legible."""
    n = len(data.compared.scenarios)
    levers = max(n - 1, 1)
    rows = math.ceil(levers / (1 if levers == 1 else 2 if levers <= 4 else 3))
    frame = data.frames.territory_types
    types = frame["type"].nunique() if frame is not None else 1
    return {
        "emergence": 1.6 * rows + 0.75,
        "cost_effectiveness": max(0.22 * levers + 1.0, 2.4),
        "territories": max(0.07 * types * n + 0.08 * n + 0.9, 1.5),
    }


def report_figures(
    data: ReportData,
    words: Mapping[str, str],
    names: Mapping[str, str],
    type_names: Mapping[str, str],
    number: Number,
    heights: Mapping[str, float] | None = None,
) -> dict[str, Figure]:
    """The report's figures (``emergence``, ``cost_effectiveness``, ``territories``), in ``words``, naming the
    scenarios by ``names`` and the types of territory by ``type_names``; ``heights`` (inches) overrides the height
    each would be given (never below :func:`least_heights`), to fit a page (:mod:`simulation.report.pages`)."""
    frames = data.frames
    scenarios = [s.name for s in data.compared.scenarios]
    baseline = data.compared.baseline
    least = least_heights(data)
    h = {k: max(v, least[k]) for k, v in (heights or {}).items()}
    figures = {
        "emergence": emergence_figure(
            frames.timeseries, scenarios, baseline, words, names, number, h.get("emergence")
        ),
        "cost_effectiveness": cost_effectiveness_figure(
            frames.cost_effectiveness, words, names, number, h.get("cost_effectiveness")
        ),
    }
    if frames.territory_types is not None:
        figures["territories"] = territory_type_figure(
            frames.territory_types, scenarios, words, names, type_names, number, h.get("territories")
        )
    return figures


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=FIGURE_DPI)
    return buf.getvalue()


def _legacy_territory_plot(data: ReportData, names: Mapping[str, str]) -> bytes:
    """A sweep that did not store its territories' types: one panel per territory (``analysis.territory_plot``)."""
    import tempfile
    from pathlib import Path

    from simulation.study import analysis

    with tempfile.TemporaryDirectory(prefix="ta-report-") as tmp:
        path = Path(tmp) / "territories.png"
        analysis.territory_plot(
            data.frames.territory_counts, path, analysis.PlotText(scenario_labels=names), dpi=150
        )
        return path.read_bytes()


def draw_figures(
    data: ReportData,
    words: Mapping[str, str],
    names: Mapping[str, str],
    type_names: Mapping[str, str],
    number: Number,
    heights: Mapping[str, float] | None = None,
) -> tuple[dict[str, str], dict[str, float]]:
    """The report's figures as PNG data URIs (:func:`report_figures`), and the height of each, in inches."""
    figures = report_figures(data, words, names, type_names, number, heights)
    pngs = {key: _png(fig) for key, fig in figures.items()}
    drawn = {key: float(fig.get_figheight()) for key, fig in figures.items()}
    if "territories" not in pngs:
        pngs["territories"] = _legacy_territory_plot(data, names)
    return {key: "data:image/png;base64," + base64.b64encode(png).decode("ascii") for key, png in pngs.items()}, drawn

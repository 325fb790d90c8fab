"""The report's figures, drawn by :mod:`simulation.study.analysis` with one language's words and embedded in the
HTML as PNG data URIs (the report is one self-contained file).
"""

from __future__ import annotations

import base64
import dataclasses
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from simulation.study import analysis

FIGURE_DPI = 150


def _data_uri(png: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii")


def draw_figures(
    data: dict[str, Any], text: analysis.PlotText, short: Mapping[str, str], places: Mapping[str, str]
) -> dict[str, str]:
    """The report's figures, drawn with ``text``'s words, as PNG data URIs.

    The figures name the scenarios by their ``short`` labels (P1–P8 as in CESER 2019; the captions
    give the key), so that their words stay legible printed on A4; territories are named by
    their ``places`` names.
    """
    frames = dict(data["frames"])
    counts = frames["territory_counts"]
    frames["territory_counts"] = counts.assign(territory=counts["territory"].map(lambda t: places.get(t, t)))
    terse = dataclasses.replace(text, scenario_labels=short)
    with tempfile.TemporaryDirectory(prefix="ta-report-") as tmp:
        folder = Path(tmp)
        analysis.emergence_plot(frames["timeseries"], folder / "emergence.png", terse, dpi=FIGURE_DPI)
        analysis.cost_effectiveness_plot(
            frames["cost_effectiveness"].iloc[::-1], folder / "ce.png", terse, dpi=FIGURE_DPI
        )  # best at the top
        analysis.territory_plot(frames["territory_counts"], folder / "territories.png", terse, dpi=FIGURE_DPI)
        return {
            "emergence": _data_uri(folder / "emergence.png"),
            "cost_effectiveness": _data_uri(folder / "ce.png"),
            "territories": _data_uri(folder / "territories.png"),
        }

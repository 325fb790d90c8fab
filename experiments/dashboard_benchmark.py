"""Months per second of the classroom dashboard's work, model and drawing, by region size.

One "month" of the dashboard is a step of both models (without and with the
policy) and the drawing of both panels (curve, network, PNG): what the server
does for each month it shows. Measured over year 2 and over year 9 (by then
the trust network holds ~45 ties per actor and each month costs more), for the
dashboard's default region sampled (``region.sample_fraction``) for about 2,000,
6,000 and 10,000 actors: the fraction is computed from the region's potential
partners in the data.
``python experiments/dashboard_benchmark.py``.
"""

from __future__ import annotations

import dataclasses
import time

from simulation.dashboard.labels import text
from simulation.dashboard.lesson import Lesson, Settings, configs
from simulation.dashboard.network import PanelFigure, shared_y_max
from simulation.model.model import TerritorialModel
from simulation.model.territory import organisations, region_table

#: Target actor counts of the measured regions.
SIZES = (2_000, 6_000, 10_000)


def sample_fraction(actors: int) -> float:
    """The ``region.sample_fraction`` of the dashboard's default region that gives about ``actors`` actors."""
    region = configs(Settings())[0].region
    return actors / float(organisations(region_table(region), region).sum())


def months_per_second(
    fraction: float | None, months: int = 12, warmup: int = 12, draw: bool = True
) -> tuple[int, float]:
    """Months per second of the default lesson, its region sampled at ``fraction`` (None: as the preset says)."""
    lesson = Lesson(Settings())
    if fraction is not None:
        for attr, cfg in zip(("without", "with_policy"), configs(lesson.settings), strict=True):
            region = dataclasses.replace(cfg.region, sample_fraction=fraction)
            setattr(lesson, attr, TerritorialModel(dataclasses.replace(cfg, region=region)))
    figures = [PanelFigure(m, lambda k, **v: text(k, "fr", **v), draw_network=draw) for m in lesson.models]
    for _ in range(warmup):
        lesson.step()
    start = time.perf_counter()
    for _ in range(months):
        lesson.step()
        y = shared_y_max(lesson.models)
        for fig, model in zip(figures, lesson.models, strict=True):
            fig.update(model, y)
            fig.png()
    return lesson.n_actors, months / (time.perf_counter() - start)


if __name__ == "__main__":
    print("| actors | months/s, network drawn (year 2 / year 9) | months/s, curves only (year 2 / year 9) |")
    print("|---:|---:|---:|")
    for size in SIZES:
        fraction = sample_fraction(size)
        cells = []
        for draw in (True, False):
            n, early = months_per_second(fraction, draw=draw)
            _, late = months_per_second(fraction, warmup=96, draw=draw)
            cells.append(f"{early:.1f} / {late:.1f}")
        print(f"| {n:,} | {cells[0]} | {cells[1]} |", flush=True)

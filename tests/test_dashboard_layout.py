"""The classroom dashboard as a class sees it on a projector: the emergence curve the largest element of each
panel with its legend outside it and its scale fitted to the run, the network's strong ties counted honestly,
no control over another, real territories small enough to animate, and a clean server log.

The browser tests start the real server (``python -m simulation.dashboard``) on 127.0.0.1 and drive Debian's
chromium with Playwright at 1280×720 and 1920×1080; set ``TA_SCREENSHOTS=<folder>`` to keep their screenshots.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import wait_until_serving

from simulation.dashboard import labels
from simulation.dashboard.lesson import MAX_ANIMATED_ACTORS, REGIONS, Lesson, Settings, actors_in, decade_y_max
from simulation.dashboard.network import (
    CURVE_AXES,
    MAX_TIES,
    MIN_TRUST,
    NETWORK_AXES,
    PanelFigure,
    nice_ceiling,
    short_name,
    strong_ties,
)
from simulation.model.outcomes import INTENSIVE

REPO = Path(__file__).resolve().parent.parent
SIZES = [(1280, 720), (1920, 1080)]


def fr(key: str, **values: Any) -> str:
    return labels.text(key, "fr", **values)


def _number_fr(v: float) -> str:
    return labels.number(v, "fr")


@functools.cache
def _lesson(region: str, months: int) -> Lesson:
    lesson = Lesson(Settings(region=region))
    for _ in range(months):
        lesson.step()
    return lesson


def _figure(region: str = "cantal", months: int = 36, compare: bool = True) -> PanelFigure:
    lesson = _lesson(region, months)
    fig = PanelFigure(lesson.with_policy, fr, compare=compare, number=_number_fr)
    fig.update(lesson.with_policy, decade_y_max(lesson.settings), reference=lesson.without)
    fig.png()
    return fig


# --------------------------------------------------------------------------- regions


def test_the_class_is_offered_real_territories_small_enough_to_animate() -> None:
    """A French département and a Moroccan region, both animated with their network; the default region of the
    model last (too many actors: curves and counters only). Each has its label, in both languages."""
    assert REGIONS[:2] == ("cantal", "oriental_morocco") and Settings().region == "cantal"
    for region in REGIONS[:2]:
        assert actors_in(region) <= MAX_ANIMATED_ACTORS, region
    for region in REGIONS:
        assert labels.text(f"region.{region}", "fr") and labels.text(f"region.{region}", "en")
    lesson = _lesson("cantal", 0)
    names = [str(n) for n in lesson.without.territories.names]
    assert len(names) == 9 and "CC du Pays de Salers" in names and "CA du Bassin d'Aurillac" in names
    assert len(_lesson("oriental_morocco", 0).without.territories.names) == 8


def test_the_network_names_each_territory_by_its_real_name() -> None:
    assert short_name("CC du Pays de Salers") == "Pays de Salers"
    assert short_name("CA du Bassin d'Aurillac") == "Bassin d'Aurillac"
    assert short_name("CC de la Châtaigneraie Cantalienne") == "Châtaigneraie Cantalienne"
    assert short_name("Oujda-Angad") == "Oujda-Angad" and short_name("CC Hautes Terres") == "Hautes Terres"
    for region in REGIONS[:2]:
        fig = _figure(region, 1)
        drawn = {t.get_text() for t in fig.net_ax.texts}
        assert drawn == {short_name(str(n)) for n in _lesson(region, 1).without.territories.names}, region


def test_counters_and_curves_are_in_real_units() -> None:
    """Counts are the sample's times 1 / sample_fraction, as the result files give them; shares are not."""
    lesson = _lesson("cantal", 24)
    assert lesson.scale == pytest.approx(1 / lesson.without.territories.sample_fraction) and lesson.scale > 1
    counters = lesson.counters(lesson.with_policy)
    for name, value in counters.items():
        raw = float(lesson.with_policy.datacollector.model_vars[name][-1])
        assert value == pytest.approx(raw if name in INTENSIVE else raw * lesson.scale, nan_ok=True), name
    fig = _figure("cantal", 24)
    _, y = fig._reference.get_data()
    assert list(y) == pytest.approx(
        [v * lesson.scale for v in lesson.without.datacollector.model_vars["active_cooperations"]]
    )


# --------------------------------------------------------------------------- the panel's figure


def test_the_curve_is_the_largest_element_and_its_legend_is_outside_it() -> None:
    fig = _figure()
    renderer = fig.fig.canvas.get_renderer()  # type: ignore[attr-defined]
    curve = fig.curve_ax.get_window_extent(renderer)
    network_square = (NETWORK_AXES[3] * fig.fig.bbox.height) ** 2  # the network is drawn in a square this tall
    assert curve.width * curve.height > 1.5 * network_square
    legend = fig.curve_ax.get_legend()
    assert legend is not None
    box = legend.get_window_extent(renderer)
    assert box.y0 >= curve.y1 - 1, "the legend is above the plotted area, not over the curves"
    assert fr("without_curve") in [t.get_text() for t in legend.get_texts()]
    drawn = fig.fig.get_tightbbox(renderer)  # everything drawn, in inches: nothing cut at the figure's edge
    assert drawn.x0 >= -0.01 and drawn.y0 >= -0.01
    assert drawn.x1 <= fig.fig.get_figwidth() + 0.01 and drawn.y1 <= fig.fig.get_figheight() + 0.01
    names = [t.get_window_extent(renderer) for t in fig.net_ax.texts]
    title = fig.net_ax._left_title.get_window_extent(renderer)
    assert not any(n.overlaps(title) for n in names), "a territory's name over the network's title"


def test_the_y_scale_is_fitted_to_the_run_of_the_settings() -> None:
    """Not a fixed scale: each region's limit is the nice ceiling of the highest point its decade reaches."""
    limits = {}
    for region in REGIONS[:2]:
        lesson = Lesson(Settings(region=region))
        while not lesson.finished:
            lesson.step()
        peak = max(
            float(np.sum([m.datacollector.model_vars[f"projects_{s}"] for s in STAGE_NAMES], axis=0).max())
            * lesson.scale
            for m in lesson.models
        )
        peak = max(
            peak, *(max(m.datacollector.model_vars["active_cooperations"]) * lesson.scale for m in lesson.models)
        )
        limits[region] = decade_y_max(lesson.settings)
        assert limits[region] == nice_ceiling(max(10.0, 1.05 * peak))
        assert peak >= 0.4 * limits[region], "the curve fills the chart"
        fig = PanelFigure(lesson.with_policy, fr, number=_number_fr)
        fig.update(lesson.with_policy, limits[region])
        assert fig.curve_ax.get_ylim() == (0.0, limits[region])
    assert len(set(limits.values())) == len(limits), limits


STAGE_NAMES = ("seed", "experimentation", "consolidation", "deployment")


def test_the_network_counts_every_strong_tie_and_calls_a_drawn_subset_a_subset(monkeypatch: pytest.MonkeyPatch) -> None:
    from simulation.dashboard import network
    from simulation.dashboard.network import network_title

    lesson = _lesson("cantal", 60)
    keys, trust = lesson.with_policy.trust.entries()
    src, dst = np.divmod(keys, lesson.with_policy.trust.n)
    strong = int(((src < dst) & (trust >= MIN_TRUST)).sum())  # counted here, apart from the panel's code
    assert len(strong_ties(lesson.with_policy.trust)[2]) == strong > 3
    fig = _figure("cantal", 60)
    assert (fig.strong, fig.drawn) == (strong, min(strong, MAX_TIES))
    assert fig.net_ax.get_title(loc="left") == fr("network_title", strong=_number_fr(strong))
    monkeypatch.setattr(network, "MAX_TIES", 3)  # fewer drawn than there are: the title says so
    fig._update_network(lesson.with_policy)
    assert fig.drawn == 3 and fig.strong == strong
    assert fig.net_ax.get_title(loc="left") == f"Réseau de confiance : 3 liens forts dessinés sur {_number_fr(strong)}"
    assert (
        network_title(fr, _number_fr, 1500, 92661)
        == "Réseau de confiance : 1\u202f500 liens forts dessinés sur 92\u202f661"
    )
    en = functools.partial(labels.text, lang="en")
    assert network_title(en, str, 1500, 92661) == "Trust network: 1500 of its 92661 strong ties drawn"
    assert network_title(fr, str, 0, 0) == "Réseau de confiance : pas encore de lien fort"
    assert network_title(fr, str, 1, 1) == "Réseau de confiance : 1 lien fort"


def test_drawing_a_panel_logs_no_warning(caplog: pytest.LogCaptureFixture) -> None:
    """The server's log stays clean: matplotlib's "Ignoring fixed x limits to fulfill fixed data aspect" came
    from a network drawn with fixed limits and an adjustable aspect, once per drawing, in every tab."""
    import warnings

    with caplog.at_level(logging.WARNING), warnings.catch_warnings():
        warnings.simplefilter("error")
        for months in (0, 12, 24):
            _figure("oriental_morocco", months)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.records


def test_the_readme_gives_the_code_s_slider_range() -> None:
    from simulation.dashboard.app import MAX_SPEED

    readme = (REPO / "README.md").read_text()
    ranges = re.findall(r"(\d+) to (\d+) months (?:a|per) second", readme)
    assert ranges == [("1", str(MAX_SPEED))], ranges


# --------------------------------------------------------------------------- in a browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The dashboard served on 127.0.0.1 by its own command; always stopped, with its process group."""
    from simulation.dashboard.assets import ensure_assets

    ensure_assets(quiet=True)
    port = _free_port()
    log = tmp_path_factory.mktemp("dashboard_layout") / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "simulation.dashboard", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=REPO,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_serving(url, proc, log)
        yield url, log
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)


def _month(pg: Any) -> int:
    m = re.search(r"(\d+)", pg.locator(".ta-clock").inner_text())
    assert m is not None
    return int(m[1])


def _shot(pg: Any, tmp_path: Path, name: str) -> None:
    pg.screenshot(path=tmp_path / name)
    if folder := os.environ.get("TA_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / name, Path(folder) / name)


def _boxes(pg: Any) -> dict[str, dict[str, float]]:
    """The page's controls, titles and figures, by name: their bounding boxes in the window."""
    selectors = [".ta-play", ".ta-step", ".ta-reset", ".ta-clock", ".ta-pace", ".ta-kinds", ".ta-language"]
    selectors += [f".ta-{part}-{w}" for part in ("panel-title", "counters") for w in (0, 1)]
    selectors += [".ta-panel-0 img", ".ta-panel-1 img"]
    out = {s: pg.locator(s).first.bounding_box() for s in selectors}
    out["note"] = pg.locator(".ta-note, .ta-end, .ta-too-slow").first.bounding_box()
    out["slider"] = pg.locator(".v-slider").first.bounding_box()
    return out


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] + 1 < b["x"] + b["width"]
        and b["x"] + 1 < a["x"] + a["width"]
        and a["y"] + 1 < b["y"] + b["height"]
        and b["y"] + 1 < a["y"] + a["height"]
    )


def _curve_box(pg: Any, which: int) -> dict[str, float]:
    """Where the curve's plotted area is drawn in the window: the panel's image, scaled whole into its box
    (object-fit: contain), times the curve's place in the figure."""
    img = pg.locator(f".ta-panel-{which} img")
    box = img.bounding_box()
    natural = img.evaluate("e => [e.naturalWidth, e.naturalHeight]")
    scale = min(box["width"] / natural[0], box["height"] / natural[1])
    w, h = natural[0] * scale, natural[1] * scale
    x0, y0 = box["x"] + (box["width"] - w) / 2, box["y"] + (box["height"] - h) / 2
    left, bottom, width, height = CURVE_AXES
    return {"x": x0 + left * w, "y": y0 + (1 - bottom - height) * h, "width": width * w, "height": height * h, "h": h}


def _check_layout(pg: Any, width: int, height: int) -> None:
    boxes = _boxes(pg)
    missing = [k for k, b in boxes.items() if b is None]
    assert not missing, missing
    for name, b in boxes.items():  # all in the window
        assert b["x"] >= 0 and b["y"] >= 0, name
        assert b["x"] + b["width"] <= width + 0.5 and b["y"] + b["height"] <= height + 0.5, (name, b)
    names = list(boxes)
    clashes = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :] if _overlap(boxes[a], boxes[b])]
    assert not clashes, clashes
    for which in (0, 1):
        curve = _curve_box(pg, which)
        network = (NETWORK_AXES[3] * curve["h"]) ** 2
        assert curve["width"] >= 0.27 * width and curve["height"] >= 0.15 * height, (which, curve)
        area = curve["width"] * curve["height"]
        assert area > network, "the curve is the panel's largest element"
        for part in ("counters", "panel-title"):
            other = boxes[f".ta-{part}-{which}"]
            assert area > other["width"] * other["height"], part
        keys = pg.locator(f".ta-counters-{which} .ta-stage-key")  # the curve's legend: above it, outside it
        assert keys.count() == 4
        for k in range(4):
            key = keys.nth(k).bounding_box()
            assert key["y"] + key["height"] <= curve["y"] and not _overlap(key, curve)


@pytest.mark.browser
@pytest.mark.parametrize(("width", "height"), SIZES)
def test_nothing_overlaps_and_the_curve_leads_each_panel(
    browser: Any, server: tuple[str, Path], width: int, height: int, tmp_path: Path
) -> None:
    url, _ = server
    context = browser.new_context(viewport={"width": width, "height": height})
    pg = context.new_page()
    try:
        pg.goto(url)
        pg.get_by_text(fr("clock", month=0, year=1)).wait_for(timeout=60_000)
        pg.wait_for_timeout(800)
        _check_layout(pg, width, height)
        _shot(pg, tmp_path, f"dashboard_{width}x{height}_m000.png")
        slider = pg.get_by_role("slider").first
        slider.focus()
        pg.keyboard.press("End")  # the fastest speed; the slider active, as while a teacher drags it
        assert pg.locator(".v-slider__thumb-label").count() == 0, "no bubble rises over the clock"
        pg.get_by_role("button", name=fr("play")).click()
        while _month(pg) < 21:
            pg.wait_for_timeout(100)
        pg.get_by_role("button", name=fr("pause")).click()
        pg.get_by_role("button", name=fr("play")).wait_for()
        pg.wait_for_timeout(600)
        while (month := _month(pg)) < 24:
            pg.get_by_role("button", name=fr("step")).click()
            pg.locator(f".ta-counters-1.ta-month-{month + 1}").wait_for()
        pg.wait_for_timeout(800)
        _check_layout(pg, width, height)
        _shot(pg, tmp_path, f"dashboard_{width}x{height}_m024.png")
        pg.get_by_role("button", name=fr("play")).click()
        pg.locator(".ta-end").wait_for(timeout=120_000)  # the end of the decade: its words in the note's place
        pg.locator(".ta-counters-1.ta-month-120").wait_for()
        pg.wait_for_timeout(800)
        assert _month(pg) == 120
        _check_layout(pg, width, height)
        _shot(pg, tmp_path, f"dashboard_{width}x{height}_m120.png")
    finally:
        context.close()


@pytest.mark.browser
def test_the_moroccan_region_animates_with_its_provinces(
    browser: Any, server: tuple[str, Path], tmp_path: Path
) -> None:
    url, _ = server
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    pg = context.new_page()
    try:
        pg.goto(url)
        pg.get_by_text(fr("clock", month=0, year=1)).wait_for(timeout=60_000)
        pg.locator(".v-select").first.click()
        pg.get_by_role("option", name=fr("region.oriental_morocco")).click()
        pg.get_by_text(re.compile(r"^8 territoires")).wait_for(timeout=60_000)
        assert pg.locator(".ta-too-large").count() == 0  # animated, network drawn
        for month in (1, 2):
            pg.get_by_role("button", name=fr("step")).click()
            pg.locator(f".ta-counters-1.ta-month-{month}").wait_for()
        pg.wait_for_timeout(600)
        _check_layout(pg, 1280, 720)
        _shot(pg, tmp_path, "dashboard_oriental_1280x720.png")
    finally:
        context.close()


@pytest.mark.browser
def test_the_server_log_stays_clean(browser: Any, server: tuple[str, Path]) -> None:
    """Two tabs, a few months each: the server writes no warning, however many tabs draw."""
    url, log = server
    contexts = [browser.new_context(viewport={"width": 1280, "height": 720}) for _ in range(2)]
    try:
        for context in contexts:
            pg = context.new_page()
            pg.goto(url)
            pg.get_by_text(fr("clock", month=0, year=1)).wait_for(timeout=60_000)
            for month in (1, 2, 3):
                pg.get_by_role("button", name=fr("step")).click()
                pg.locator(f".ta-counters-1.ta-month-{month}").wait_for()
    finally:
        for context in contexts:
            context.close()
    text = log.read_text(errors="replace")
    for word in ("Warning", "warning", "Ignoring", "Traceback", "Error"):
        assert word not in text, text[-3000:]

"""The components of the classroom page (:mod:`simulation.dashboard.app`): a panel (one side of the lesson:
title, counters, emergence curve and trust network), its counters, the page's styles, and the widget that
gives the page its language.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable

import ipyvuetify
import solara
import traitlets
from solara.alias import rw

from simulation.dashboard import labels
from simulation.dashboard.lesson import STAGE_REPORTERS, Lesson
from simulation.dashboard.network import STAGES, PanelFigure
from simulation.runs.plots import KIND_COLOURS, STAGE_COLOURS

#: A label look-up in the page's language: ``t(key, **values)``.
Text = Callable[..., str]

#: The page's own styles. Sized for a classroom projector (1280×720) up to 1920×1080 without scrolling: a
#: narrower sidebar, compact rows, and each panel's figure no taller than the window leaves it
#: (``FIGURE_MAX_HEIGHT``). The language switch shows the chosen language white on the blue bar.
CSS = """
.v-navigation-drawer.solara-content-main { min-width: 290px !important; max-width: 290px !important; }
.ta-sidebar .v-input--checkbox { margin-top: 0; padding-top: 0; }
.ta-sidebar .v-input--checkbox .v-input__slot { margin-bottom: 0; }
.ta-sidebar .v-input--checkbox .v-messages { display: none; }
.ta-sidebar .v-input--checkbox label { font-size: 14px; line-height: 1.2; }
.ta-panel .v-card__text { padding: 6px 10px 4px 10px; }
.ta-language .v-btn { background-color: transparent !important; color: rgba(255, 255, 255, 0.8) !important;
  border: 1px solid rgba(255, 255, 255, 0.6) !important; font-weight: 500; }
.ta-language .v-btn.v-btn--active { background-color: #ffffff !important; color: #0d47a1 !important;
  font-weight: 800; }
.ta-language .v-btn.v-btn--active::before { opacity: 0 !important; }
.ta-counters { font-size: 15px; line-height: 1.3; margin-bottom: 2px; }
.ta-counters i { font-style: normal; color: #555; margin-right: 4px; }
.ta-counters .ta-kind, .ta-counters .ta-stage { white-space: nowrap; }
.ta-stage-key { display: inline-block; width: 0.8em; height: 0.8em; margin-right: 3px; vertical-align: -0.05em;
  border: 1px solid rgba(0, 0, 0, 0.25); }
"""
#: The figure's height limit: the window's height less the app bar, the control rows, and a panel's title
#: and counters (measured at 1280×720: the network's bottom then ends inside the window).
FIGURE_MAX_HEIGHT = "calc(100vh - 370px)"

#: Sets ``<html lang>`` to the page's language: Solara's page template writes ``<html>`` without it.
HTML_LANG_TEMPLATE = """<template><span style="display: none"></span></template>
<script>
module.exports = {
  mounted() { document.documentElement.lang = this.lang; },
  watch: { lang(value) { document.documentElement.lang = value; } },
};
</script>"""


class HtmlLang(ipyvuetify.VuetifyTemplate):
    """An invisible widget whose ``lang`` becomes the page's ``<html lang>``."""

    template = traitlets.Unicode(HTML_LANG_TEMPLATE).tag(sync=True)
    lang = traitlets.Unicode("fr").tag(sync=True)


@solara.component
def Counters(lesson: Lesson, which: int, month: int, t: Text, lang: str) -> None:
    """The panel's counters at ``month``, read from the model's named reporters (``simulation.model.outcomes``)."""
    values = lesson.counters(lesson.models[which])

    def fmt(name: str, scale: float = 1.0, decimals: int = 0) -> str:
        v = values[name]
        return "—" if math.isnan(v) else labels.number(v * scale, lang, decimals)

    # Each "stage value" and "● kind value" is one unbreakable span: a line breaks between them, never
    # inside, so a dot is never left alone at the end of a line.
    # Each stage's name follows a square of its colour in the curve below: the curve's legend, outside it.
    stages = " · ".join(
        f"<span class='ta-stage'><span class='ta-stage-key' style='background:{STAGE_COLOURS[stage]}'></span>"
        f"{html.escape(t('stage.' + stage.label))} <b>{fmt(name)}</b></span>"
        for stage, name in zip(STAGES, STAGE_REPORTERS, strict=True)
    )
    kinds = " · ".join(
        f"<span class='ta-kind ta-kind-{k.label}'><span style='color:{KIND_COLOURS[k]}'>●</span> "
        f"{html.escape(t('kind.' + k.label))} <b>{fmt('participation_' + k.label, 100)}</b></span>"
        for k in lesson.kinds  # every kind the region holds
    )
    # Three lines of text, wrapping between items: ideas and jobs, projects by stage, participation by kind.
    lines = [
        f"<span class='ta-stage'><i>{html.escape(t('ideas'))}</i> <b>{fmt('ideas_cumulative')}</b></span> · "
        f"<span class='ta-stage'><i>{html.escape(t('jobs'))}</i> <b>{fmt('jobs')}</b></span>",
        f"<i>{html.escape(t('projects'))}</i> {stages}",
        f"<i>{html.escape(t('participation'))}</i> {kinds}",
    ]
    body = "".join(f"<div>{line}</div>" for line in lines)
    solara.HTML(
        tag="div",
        unsafe_innerHTML=body,
        classes=["ta-counters", f"ta-counters-{which}", f"ta-month-{month}"],  # the month shown, for the tests
    )


@solara.component
def Panel(lesson: Lesson, which: int, month: int, figure: PanelFigure, y_max: float, t: Text, lang: str) -> None:
    """One side of the lesson at ``month``: title, counters, emergence curve and trust network."""
    s = lesson.settings
    if which == 0:
        title = t("without")
    else:
        names = ", ".join(t(f"lever.{n}").split(" — ")[0] for n in s.levers) or t("no_lever")
        title = t("with", levers=names)
        if s.levers:
            title += " — " + t("with_budget", budget=labels.number(s.budget_eur_per_year, lang))
    colour = "#444" if which == 0 else "#2e7d32"
    with solara.Card(margin=0, classes=["ta-panel", f"ta-panel-{which}"]):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=html.escape(title),
            classes=[f"ta-panel-title-{which}"],
            style=f"font-size:20px;font-weight:600;color:{colour};margin-bottom:2px;white-space:nowrap;"
            "overflow:hidden;text-overflow:ellipsis",
        )
        Counters(lesson, which, month, t, lang)
        with lesson.lock:
            figure.update(lesson.models[which], y_max, reference=lesson.models[0])
            png = figure.png()
        # As wide as the panel, no taller than the window leaves: scaled down whole (object-fit), never cut.
        rw.Image(
            value=png,
            format="png",
            layout={"width": "100%", "height": "auto", "max_height": FIGURE_MAX_HEIGHT, "object_fit": "contain"},
        )

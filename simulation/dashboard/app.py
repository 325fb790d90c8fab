"""The classroom page: two regions side by side, without and with a policy, growing month by month.

A teacher picks a region preset, ticks policy levers (P1–P8 of the CESER
opinion, CESER 2019, and the levers of the other sources), sets their yearly budget, then plays,
pauses, steps and resets. The class sees why cooperation is a "croissance à
infusion lente" whose scale is the decade (Territoires Conseils 2018): trust is learned in joint
projects, and the network of strong ties, the emergence curve and the counters
grow slowly, then faster.

Built from Solara components rather than Mesa's ``SolaraViz``: SolaraViz
hosts one model, with English-only controls and parameters it rebuilds the
model from; the lesson needs two models stepped in lockstep, French and
English labels, and a budget refused with a message (the models untouched).
The play loop follows SolaraViz's ``ModelController`` (a thread that steps
while "playing"), and also stops when the browser session ends.

Everything lives per browser session (``use_memo``/``use_reactive`` in
``Page``): two classes, or two tabs, never share a model.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import threading
import time
from typing import Any, cast

import solara

from simulation.config import ConfigError
from simulation.dashboard import labels
from simulation.dashboard.components import CSS, HtmlLang, Panel, Text
from simulation.dashboard.lesson import (
    LEVERS,
    MAX_ANIMATED_ACTORS,
    REGIONS,
    Lesson,
    Pace,
    Settings,
    budget_bounds,
    clock,
    configs,
    decade_y_max,
    format_euros,
    parse_euros,
    too_large_to_animate,
)
from simulation.dashboard.network import PanelFigure
from simulation.runs.plots import KIND_COLOURS

#: Playing speed, months per second. The default is what the default region sustains all decade
#: with both panels drawn (README, "Classroom dashboard"). Every month is stepped and drawn: when the
#: machine cannot keep up, the page plays slower than chosen and says so (``Pace``).
DEFAULT_SPEED = 4
#: After the page has shown a month, the play loop waits at least this long before the next one. A click
#: renders the page in its own thread, and that render goes on for as long as another thread changes the
#: page's state during each of its passes: without a pause, a click made while playing (Pause, a language)
#: could wait for the end of the decade, or fail with "Too many renders" (reacton).
MIN_PAUSE_S = 0.02
#: The longest the play loop waits for the page to show a month before it steps the next (a lost render).
RENDER_WAIT_S = 5.0
#: The slider's top. Both panels stepped and drawn, the default region plays about 4 months per second on the
#: machines measured (3.5–5, README); 8 leaves room for a faster machine while the "too slow" notice (``Pace``)
#: stays the exception, not what half the slider gives.
MAX_SPEED = 8


def _config_problem(error: ConfigError) -> str:
    """The lines of a ConfigError after its "invalid configuration:" header."""
    lines = [ln.strip(" -") for ln in str(error).splitlines()[1:]]
    return "; ".join(ln for ln in lines if ln) or str(error)


def size_notice(n_actors: int, t: Text, lang: str) -> str | None:
    """The notice of a region too large to animate with its network drawn, or None."""
    if not too_large_to_animate(n_actors):
        return None
    return t("too_large", actors=labels.number(n_actors, lang), limit=labels.number(MAX_ANIMATED_ACTORS, lang))


def pace_text(pace: Pace, playing: bool, t: Text, lang: str) -> str:
    """The achieved speed shown next to the slider ("4,0 mois/s"; "—" when not playing)."""
    rate = pace.rate if playing else None
    return t("measured", rate="—" if rate is None else labels.number(rate, lang, 1))


def budget_problem(text_value: str, settings: Settings, t: Text, lang: str) -> tuple[Settings | None, str | None]:
    """The settings with the typed budget, or why it is refused (not a number, out of the schema's range)."""
    low, high = budget_bounds()
    try:
        value = parse_euros(text_value, lang)
    except ValueError:
        reason = t("not_a_number", text=text_value, low=labels.number(low, lang), high=labels.number(high, lang))
        return None, t("budget_refused", reason=reason)
    new = dataclasses.replace(settings, budget_eur_per_year=value)
    try:
        configs(new)  # the config schema's validation: the same rules as a run from the command line
    except ConfigError as e:
        if not low <= value <= high:
            reason = t(
                "out_of_range",
                value=labels.number(value, lang),
                low=labels.number(low, lang),
                high=labels.number(high, lang),
            )
        else:
            reason = _config_problem(e)
        return None, t("budget_refused", reason=reason)
    return new, None


@solara.component
def Page() -> None:
    """The dashboard, one instance per browser session."""
    lang = solara.use_reactive("fr")
    settings = solara.use_reactive(Settings())
    generation = solara.use_reactive(0)  # bumped by Reset: a new pair of models, same settings
    playing = solara.use_reactive(False)
    months_shown = solara.use_reactive(0)  # bumped after each month: re-renders the page
    speed = solara.use_reactive(DEFAULT_SPEED)
    budget_text = solara.use_reactive(format_euros(Settings().budget_eur_per_year, "fr"))
    budget_error = solara.use_reactive(cast(str | None, None))
    settings_error = solara.use_reactive(cast(str | None, None))

    lesson = solara.use_memo(lambda: Lesson(settings.value), [settings.value, generation.value])
    #: One y scale for the whole decade of these settings (a run without drawing, cached per settings).
    y_max = solara.use_memo(lambda: decade_y_max(settings.value), [settings.value])
    pace = solara.use_memo(Pace, [lesson])
    #: Set by Pause (and by anything that stops the play): no step starts once it is set.
    stopping = solara.use_memo(threading.Event, [])
    #: Set once the page has rendered the month the play loop last stepped (see ``MIN_PAUSE_S``).
    shown = solara.use_memo(threading.Event, [])
    solara.use_effect(shown.set, [months_shown.value])
    language = lang.value

    def t(key: str, **values: Any) -> str:
        return labels.text(key, language, **values)

    animate = not too_large_to_animate(lesson.n_actors)
    figures = solara.use_memo(
        lambda: [
            PanelFigure(
                m,
                t,
                draw_network=animate,
                compare=i == 1 and bool(lesson.settings.levers),
                number=functools.partial(labels.number, lang=language),
            )
            for i, m in enumerate(lesson.models)
        ],
        [lesson, language],
    )

    def play_loop(cancel: threading.Event) -> None:
        """Step both models while playing; stop on pause, at the horizon, or when the session closes."""
        if not playing.value:
            return
        from solara.server import kernel_context

        context = kernel_context.get_current_context() if kernel_context.has_current_context() else None
        pace.reset()
        while not lesson.finished:
            if context is not None and context.closed_event.is_set():
                return
            start = time.perf_counter()
            with lesson.lock:  # checked under the lock: once Pause holds it, no step starts
                if stopping.is_set() or cancel.is_set() or not playing.value:
                    return
                lesson.step()
            pace.month_done(time.perf_counter(), speed.value)
            shown.clear()
            months_shown.value = lesson.months_done  # renders the page, in this thread or in one rendering already
            shown.wait(RENDER_WAIT_S)  # one month stepped per month shown, whichever thread shows it
            cancel.wait(max(MIN_PAUSE_S, 1.0 / max(speed.value, 1) - (time.perf_counter() - start)))
        if lesson.finished and not stopping.is_set():
            playing.value = False

    solara.use_thread(play_loop, dependencies=[playing.value, lesson], intrusive_cancel=False)

    def stop() -> None:
        """Stop playing; returns once a month in flight is done, so the page then shows where the models are."""
        stopping.set()
        with lesson.lock:  # the play loop steps under this lock and checks ``stopping`` first
            pass
        pace.reset()
        playing.value = False
        months_shown.value = lesson.months_done

    def toggle_play() -> None:
        if playing.value:
            stop()
        else:
            stopping.clear()
            playing.value = True

    def on_language(new: str) -> None:
        """Switch language; the budget box is rewritten as the new language writes numbers."""
        lang.value = new
        budget_text.value = format_euros(settings.value.budget_eur_per_year, new)
        budget_error.value = None

    def change(new: Settings) -> None:
        """New settings: validated, then both models rebuilt at month 0; refused with a message otherwise."""
        try:
            configs(new)
        except ConfigError as e:
            settings_error.value = _config_problem(e)
            return
        settings_error.value = None
        stop()
        months_shown.value = 0
        settings.value = new

    def on_budget(value: str) -> None:
        # The language read now, not this render's: the box also reports the text on_language writes.
        current = lang.value
        new, problem = budget_problem(value, settings.value, functools.partial(labels.text, lang=current), current)
        budget_error.value = problem
        if new is not None and new != settings.value:
            change(new)

    def on_lever(name: str, on: bool) -> None:
        chosen = set(settings.value.levers) | {name} if on else set(settings.value.levers) - {name}
        change(dataclasses.replace(settings.value, levers=tuple(n for n in LEVERS if n in chosen)))

    def on_seed(value: int | None) -> None:
        if value is not None:
            change(dataclasses.replace(settings.value, seed=int(value)))

    def do_step() -> None:
        lesson.step()
        months_shown.value = lesson.months_done

    def do_reset() -> None:
        stop()
        months_shown.value = 0
        generation.value += 1

    solara.Title(t("app_title"))
    solara.Style(CSS)
    HtmlLang.element(lang=language)
    with solara.AppBar():
        solara.AppBarTitle(t("app_title"))
        solara.ToggleButtonsSingle(value=lang.value, on_value=on_language, values=["fr", "en"], classes=["ta-language"])

    with solara.Sidebar(), solara.Column(gap="4px", classes=["ta-sidebar"]):
        solara.Text(t("settings"), style="font-size:18px;font-weight:600")
        region_labels = {t(f"region.{r}"): r for r in REGIONS}
        solara.Select(
            label=t("region"),
            value=t(f"region.{settings.value.region}"),
            values=list(region_labels),
            on_value=lambda v: change(dataclasses.replace(settings.value, region=region_labels[v])),
        )
        solara.Text(
            t(
                "region_size",
                actors=labels.number(lesson.n_actors, language),
                territories=len(lesson.without.territories),
                one_in=labels.number(lesson.scale, language, 0 if float(lesson.scale).is_integer() else 1),
            ),
            style="color:#666;font-size:13px",
        )
        low, high = budget_bounds()
        solara.InputText(
            t("budget"), value=budget_text, on_value=on_budget, continuous_update=False, classes=["ta-budget"]
        )
        solara.Text(
            t("budget_help", low=labels.number(low, language), high=labels.number(high, language)),
            style="color:#666;font-size:13px",
        )
        if budget_error.value:
            solara.Error(budget_error.value, classes=["ta-budget-error"])
        solara.InputInt(t("seed"), value=settings.value.seed, on_value=on_seed, continuous_update=False)
        if settings_error.value:
            solara.Error(settings_error.value)
        solara.Text(t("policies"), style="font-weight:600;margin-top:8px")
        for name in LEVERS:
            solara.Checkbox(
                label=t(f"lever.{name}"),
                value=name in settings.value.levers,
                on_value=functools.partial(on_lever, name),
            )

    months_shown.value  # noqa: B018 - read so that a new month re-renders the page
    month, year = clock(lesson.months_done)
    with solara.Column(gap="6px", style="padding:0 4px"):
        with solara.Row(gap="12px", style="align-items:center;flex-wrap:wrap"):
            solara.Button(
                t("pause") if playing.value else t("play"),
                on_click=toggle_play,
                disabled=lesson.finished,
                color="primary",
                classes=["ta-play"],
                style="font-size:18px",
            )
            solara.Button(
                t("step"),
                on_click=do_step,
                disabled=playing.value or lesson.finished,
                color="primary",
                outlined=True,
                classes=["ta-step"],
                style="font-size:18px",
            )
            solara.Button(t("reset"), on_click=do_reset, outlined=True, classes=["ta-reset"], style="font-size:18px")
            solara.Text(
                t("clock", month=month, year=year),
                classes=["ta-clock"],
                style="font-size:28px;font-weight:700;margin-left:12px",
            )
        with solara.Row(gap="16px", style="align-items:center;flex-wrap:nowrap;height:36px"):
            # No bubble over the thumb: it would rise over the row above (the clock), and the label says the speed.
            with solara.Div(style="width:400px;flex:none"):
                solara.SliderInt(t("speed", speed=speed.value), value=speed, min=1, max=MAX_SPEED, thumb_label=False)
            solara.Text(
                pace_text(pace, playing.value, t, language),
                classes=["ta-pace"],
                style="font-size:15px;color:#555;white-space:nowrap",
            )
            # The "too slow" notice and the end of the run take the lesson note's place, in this row of fixed
            # height: they never push the panels down.
            if lesson.finished:
                solara.Text(
                    t("end_of_run", years=lesson.horizon_months // 12),
                    classes=["ta-end"],
                    style="font-size:14px;font-weight:600;color:#333;line-height:1.15",
                )
            elif playing.value and pace.too_slow:
                solara.Text(
                    t("too_slow", speed=speed.value),
                    classes=["ta-too-slow"],
                    style="font-size:14px;color:#b71c1c;font-weight:600;line-height:1.15;overflow:hidden;max-height:36px",
                )
            else:
                solara.Text(t("lesson_note"), classes=["ta-note"], style="font-size:14px;color:#555;line-height:1.15")
        if (notice := size_notice(lesson.n_actors, t, language)) is not None:
            solara.Warning(notice, classes=["ta-too-large"], dense=True)
        legend = " ".join(
            f"<span style='margin-right:12px;white-space:nowrap'><span style='color:{KIND_COLOURS[k]};"
            f"font-size:18px'>●</span> {html.escape(t('kind.' + k.label))}</span>"
            for k in lesson.kinds  # the kinds the region holds, as the counters
        )
        solara.HTML(tag="div", unsafe_innerHTML=legend, classes=["ta-kinds"], style="font-size:15px;line-height:1.3")
        with solara.Columns([1, 1], gutters_dense=True):
            for which in (0, 1):
                Panel(lesson, which, lesson.months_done, figures[which], y_max, t, language)

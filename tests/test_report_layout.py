"""The council report as its readers see it: a first page whose statements hold for any sweep, a provenance that
rebuilds every scenario, words for a French council and an English reader (no path, no internal name, no sweep
folder), figures legible on printed A4, territories legible at 164, and no page left nearly empty.

Two small sweeps of the Cantal (9 EPCI, 48 months), each made through the command a user types:

* ``quick``: one lever and two random draws (the smallest sweep the report ranks);
* ``resumed``: three scenarios on two draws, then a second command on the same folder that re-runs two of them
  with a third draw; its report must list both commands, in order.
"""

from __future__ import annotations

import dataclasses
import html as htmllib
import re
import shlex
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from conftest import run_sweep
from PIL import Image

from simulation.report import places
from simulation.report.build import LANGUAGES
from simulation.report.data import collect
from simulation.report.figures import MIN_PT, PRINT_WIDTH_IN, report_figures
from simulation.report.render import doc_reference, environment, render_html
from simulation.runs.datasets import read_table

REPO = Path(__file__).resolve().parent.parent
REGION = ("region=cantal", "horizon_months=48")
#: The sweeps' folder names: neither may appear in a report's text (only in its commands).
QUICK, RESUMED = "sweepquick", "sweepresumed"


def _report(sweep: Path, out: Path) -> Path:
    proc = subprocess.run(
        [sys.executable, "-m", "simulation.report", str(sweep), "--lang", "all", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return out


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    results = tmp_path_factory.mktemp("quick")
    sweep = run_sweep(results, QUICK, "scenario=baseline,p3_seed_grants", "seed=0,1", *REGION)
    return sweep, _report(sweep, tmp_path_factory.mktemp("quick_report"))


@pytest.fixture(scope="module")
def resumed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    results = tmp_path_factory.mktemp("resumed")
    run_sweep(results, RESUMED, "scenario=baseline,p3_seed_grants,p4_facilitation", "seed=0,1", *REGION)
    sweep = run_sweep(results, RESUMED, "scenario=baseline,p3_seed_grants", "seed=0,1,2", *REGION)
    return sweep, _report(sweep, tmp_path_factory.mktemp("resumed_report"))


class _Text(HTMLParser):
    """The text a reader sees: every text node outside code, styles and scripts, with the section it is in."""

    HIDDEN: ClassVar[set[str]] = {"code", "style", "script"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.section = ""
        self.texts: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("img", "meta", "br", "link"):
            return
        self.stack.append(tag)
        if tag == "section":
            self.section = dict(attrs).get("id") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("img", "meta", "br", "link") and self.stack:  # (a fragment may close what it did not open)
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if data.strip() and not self.HIDDEN & set(self.stack):
            self.texts.append((self.section, " ".join(data.split())))


def _text(html: str, section: str | None = None) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(t for s, t in parser.texts if section is None or s == section)


def _html(out: Path, lang: str) -> str:
    return (out / f"report.{lang}.html").read_text()


def _brief(html: str) -> str:
    return html[html.index('<section id="summary"') : html.index('<section id="compared"')]


# ---------------------------------------------------------------------- page 1


@pytest.mark.parametrize(
    ("lang", "only", "quick_sweep", "seeds", "calibrated", "depends"),
    [
        (
            "en",
            "the only lever of this sweep",
            "A quick sweep.",
            "Each value is a mean over 2 random draws per scenario",
            "They are for the calibrated parameters only",
            ("plausible worlds of the region ", "The ranking has not been tested across the uncertain"),
        ),
        (
            "fr",
            "seul levier de cette série",
            "Série de simulations rapide.",
            "Chaque valeur est une moyenne sur 2 tirages aléatoires par scénario",
            "Elles valent pour les paramètres calibrés seulement",
            ("mondes plausibles de la région ", "Le classement n’a pas été éprouvé sur les paramètres"),
        ),
    ],
)
def test_page_one_holds_for_one_lever_and_two_draws(
    quick: tuple[Path, Path],
    lang: str,
    only: str,
    quick_sweep: str,
    seeds: str,
    calibrated: str,
    depends: tuple[str, str],
) -> None:
    """No "every other lever is below it" when there is none; the quick sweep said on page 1; the headline value
    with its interval, the draws behind it, what the ranking depends on, and that the parameters are the
    calibrated ones (the summary has no ``world`` column)."""
    _, out = quick
    brief = _brief(_html(out, lang))
    text = _text(brief)
    from simulation.report.records import WORLDS_SUMMARY

    # what the ranking depends on: the ranking over plausible worlds when it has been made, else that it has not
    depends_on = depends[0] if WORLDS_SUMMARY.is_file() else depends[1]
    assert only in text and quick_sweep in text and seeds in text and calibrated in text and depends_on in text
    for wrong in ("Every other lever", "Tous les autres leviers", "not distinguishable", "Most extra lasting"):
        assert wrong not in text, wrong
    for key in ("lasting_cooperations_per_meur", "lasting_cooperations_per_meur_ci_low"):
        assert f'data-key="rank.p3_seed_grants.{key}"' in brief
    assert 'data-key="rank.p3_seed_grants.lasting_cooperations_per_meur_ci_high"' in brief
    assert 'data-key="compared.min_seeds" data-value="2.0"' in brief
    assert 'data-key="compared.few_seeds" data-value="20.0"' in brief


def test_the_brief_counts_plausible_worlds_when_the_sweep_has_them(
    quick: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A summary with a ``world`` column (draws of the uncertain parameters): page 1 says how many worlds."""
    from simulation.study import analysis

    sweep, _ = quick
    load = analysis.load

    def with_worlds(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
        summary, ts = load(folder)
        return summary.assign(world=summary["seed"] % 2), ts

    monkeypatch.setattr(analysis, "load", with_worlds)
    data = collect(sweep)
    assert data.compared.n_worlds == 2
    brief = _brief(render_html(data, "en", "cmd"))
    assert "They span" in _text(brief) and 'data-key="compared.n_worlds" data-value="2.0"' in brief
    assert "calibrated parameters only" not in _text(brief)
    assert "mondes plausibles" in _text(_brief(render_html(data, "fr", "cmd")))


def test_a_ranked_brief_says_every_other_lever_is_below_only_when_all_are(quick: tuple[Path, Path]) -> None:
    """With several levers, "every other lever is below it" needs every other lever below beyond the noise."""
    sweep, _ = quick
    data = collect(sweep)
    first = dict(data.ranking[0])
    second = first | {"scenario": "p4_facilitation", "rank": 2}
    data = dataclasses.replace(
        data, ranking=[first, second], n_levers=3, tied=[], below=["p4_facilitation"], verdict="ranked"
    )
    text = _text(_brief(render_html(data, "en", "cmd")))
    assert "Every other lever is below it" not in text and "P4 Project engineering is below it" in text
    data.n_levers = 2
    assert "Every other lever is below it" in _text(_brief(render_html(data, "en", "cmd")))


class _BlockEnds(HTMLParser):
    """The text of each block (a paragraph, a list item, a cell, ...), up to the next block's start or end: what
    WeasyPrint lays out as one run of lines. Inline elements (numbers, names in bold, links) do not cut it."""

    INLINE: ClassVar[set[str]] = {"a", "abbr", "b", "code", "em", "i", "small", "span", "strong", "sub", "sup", "time"}
    VOID: ClassVar[set[str]] = {"br", "hr", "img", "link", "meta", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.text = ""
        self.hidden = 0  # inside <head>: not laid out
        self.ends: list[str] = []  # the last words of each block

    def _boundary(self) -> None:
        if self.text.strip() and not self.hidden:
            self.ends.append(self.text[-60:])
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.INLINE:
            self._boundary()
        if tag == "head":
            self.hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.INLINE | self.VOID:
            self._boundary()
        if tag == "head":
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        self.text += data


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_block_of_text_ends_in_a_space(quick: tuple[Path, Path], resumed: tuple[Path, Path], lang: str) -> None:
    """No paragraph or bullet ends in a space (a template's line break before ``</li>``): WeasyPrint measures a
    block's last line with its trailing space, and when that space alone takes it past the width, it keeps only
    the line's first word and pushes the rest to a new line (page 1 printed "... from it" / "with" / "these random
    draws: ..."). Both sweeps' reports, and the report with page 1 in each of its ranked forms (ties, levers below,
    several levers, none of the CESER's) and levers at an equal budget."""
    sweep, _ = quick
    data = collect(sweep)
    first = dict(data.ranking[0])
    second = first | {"scenario": "p4_facilitation", "rank": 2}
    ranked = {"ranking": [first, second], "verdict": "ranked"}
    variants = [
        ranked | {"n_levers": 2, "tied": ["p4_facilitation"], "below": []},
        ranked | {"n_levers": 2, "tied": [], "below": ["p4_facilitation"]},
        ranked | {"n_levers": 3, "tied": [], "below": ["p4_facilitation"]},
        ranked | {"n_levers": 2, "tied": [], "below": [], "ceser_levers": [], "equal_budget": 250_000.0},
    ]
    pages = [_html(out, lang) for _, out in (quick, resumed)]
    pages += [render_html(dataclasses.replace(data, **v), lang, "cmd") for v in variants]
    spaced: list[str] = []
    for page in pages:
        parser = _BlockEnds()
        parser.feed(page)
        spaced += [end for end in parser.ends if end[-1] in " \t\r\n"]
    assert not spaced, spaced


# ---------------------------------------------------------------------- provenance


def test_the_provenance_lists_every_command_and_they_rebuild_the_sweep(
    resumed: tuple[Path, Path], tmp_path: Path
) -> None:
    """A second command that re-ran two of three scenarios: the page lists both, oldest first, with their dates,
    says they together rebuild the sweep; and running them, in order, on an empty folder does rebuild it."""
    sweep, out = resumed
    for lang, words in (("en", "made by 2 commands"), ("fr", "faites par 2 commandes")):
        prov = _html(out, lang)[_html(out, lang).index('<section id="provenance"') :]
        commands = re.findall(r"<li><span class=\"when\">([^<]*)</span><br><code>([^<]*)</code></li>", prov)
        assert len(commands) == 3, commands  # two sweep commands, then the report's
        (first_date, first), (second_date, second), (_, report) = commands
        assert first_date <= second_date
        assert "p4_facilitation" in first and "seed=0,1 " in first + " "
        assert "scenario=baseline,p3_seed_grants " in second and "seed=0,1,2" in second
        assert report.startswith("python -m simulation.report results/sweeps/")
        assert words in _text(prov)
    rebuilt = tmp_path / "results"
    for _, command in commands[:2]:
        args = shlex.split(htmllib.unescape(command))
        assert args[:3] == ["python", "-m", "simulation.run"]
        proc = subprocess.run(
            [sys.executable, *args[1:], f"output.results_dir={rebuilt}"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
    made = read_table(rebuilt / "sweeps" / RESUMED, "summary", ["scenario", "seed", "run_id"])
    original = read_table(sweep, "summary", ["scenario", "seed", "run_id"])
    key = ["scenario", "seed", "run_id"]
    pd.testing.assert_frame_equal(
        made[key].astype(str).sort_values(key).reset_index(drop=True),
        original[key].astype(str).sort_values(key).reset_index(drop=True),
    )


# ---------------------------------------------------------------------- words


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_path_internal_name_or_sweep_folder_in_the_text(
    quick: tuple[Path, Path], resumed: tuple[Path, Path], lang: str
) -> None:
    for sweep, out in (quick, resumed):
        html = _html(out, lang)
        text = _text(html)
        for word in (sweep.name, "docs/", ".md", ".py", "simulation/", "configs/", "results/", "sweep.json"):
            assert word not in text, word
        assert not re.findall(r"\b[a-z0-9]+_[a-z0-9_]+\b", text), "an internal name (scenario or column id)"
        title = re.search(r"<title>(.*?)</title>", html)
        assert title is not None and sweep.name not in title[1] and "Cantal" in title[1]
        footer = re.search(r'<div class="running-footer">(.*?)</div>', html)
        assert footer is not None and sweep.name not in footer[1]
        assert "Cantal (Auvergne-Rhône-Alpes)" in footer[1] and re.search(r"\d{4}</time>", footer[1])


def test_french_written_for_a_french_council() -> None:
    """The French catalogue says "intervalle de confiance à 95 %", never a Student law or test, and names the
    reference scenario in a sentence, not as a label after « à »."""
    from simulation.report import i18n

    french = " ".join(
        " ".join(m.string) if isinstance(m.string, tuple) else m.string for m in i18n.read_catalogue("fr") if m.id
    )
    for wrong in ("Student", "comparé à Référence", "aucune politique ajoutée", "graine d", "sweep"):
        assert wrong not in french, wrong
    assert "intervalle de confiance à 95" in french and "le scénario de référence, sans politique nouvelle" in french


@pytest.mark.parametrize(
    ("lang", "wrong", "right"),
    [
        ("en", ("per extra M€", "per extra million"), "per M€ spent on the levers"),
        ("fr", ("M€ supplémentaire", "million d’euros supplémentaire"), "par M€ dépensé pour les leviers"),
    ],
    ids=["en", "fr"],
)
def test_per_meur_values_are_said_to_divide_by_the_levers_spending(
    lang: str, wrong: tuple[str, ...], right: str
) -> None:
    """A per-M€ value divides by what the levers spent, not by the extra public money printed beside it: no text
    of the report calls it an effect per extra M€, and its figure says which money it is."""
    from simulation.report import i18n

    text = " ".join(
        " ".join(m.string) if isinstance(m.string, tuple) else m.string for m in i18n.read_catalogue(lang) if m.id
    )
    for w in wrong:
        assert w not in text, w
    assert right in text


@pytest.mark.parametrize(
    ("lang", "odd"),
    [
        ("en", 'See the model\'s documentation (ODD), section 7.9 “<span lang="en">Policy levers</span>”'),
        ("fr", 'Voir la documentation du modèle (ODD), section 7.9 «\u00a0<span lang="en">Policy levers</span>\u00a0»'),
    ],
)
def test_caveats_cite_documents_by_title_and_section(quick: tuple[Path, Path], lang: str, odd: str) -> None:
    _, out = quick
    caveats = _html(out, lang)[
        _html(out, lang).index('<section id="caveats"') : _html(out, lang).index('<section id="provenance"')
    ]
    assert odd in htmllib.unescape(caveats)
    cites = re.findall(r'section (?:([\d.]+) )?(?:“|«\u00a0)<span lang="en">([^<]+)</span>', caveats)
    assert len(cites) >= 8
    headings = "\n".join((REPO / "docs" / d).read_text() for d in ("ODD.md", "calibration.md", "sensitivity.md"))
    headings += "\n".join((REPO / "docs" / d).read_text() for d in ("validation.md", "territories.md"))
    for number, name in cites:  # each cited section exists, by its number and words
        numbered = rf"{re.escape(number)}\.?\s+" if number else ""
        assert re.search(rf"^#+\s+{numbered}{re.escape(name)}", headings, re.M), (number, name)
    ref = doc_reference("docs/ODD.md", "7.9")
    assert (ref["number"], ref["name"]) == ("7.9", "Policy levers")


# ---------------------------------------------------------------------- figures


def test_figure_text_is_at_least_8_points_on_paper(quick: tuple[Path, Path]) -> None:
    """Each figure is drawn at the width it is printed (the page less its margins, as the stylesheet says), so a
    point in it is a point on paper: no text smaller than 8 pt, none cut at the figure's edge."""
    sweep, _ = quick
    css = (REPO / "simulation" / "report" / "templates" / "report.css").read_text()
    margin = re.search(r"@page\s*{[^}]*margin:\s*([\d.]+)mm\s+([\d.]+)mm\s+([\d.]+)mm\s+([\d.]+)mm", css)
    assert margin is not None and "figure img { width: 100%" in css
    assert pytest.approx((210 - float(margin[2]) - float(margin[4])) / 25.4) == PRINT_WIDTH_IN
    data = collect(sweep)
    labels = vars(environment("fr").get_template("labels.j2").module)
    figures = report_figures(
        data, labels["figure_words"], labels["scenario_short_labels"], labels["territory_types_title"], str
    )
    assert set(figures) == {"emergence", "cost_effectiveness", "territories"}
    from matplotlib.text import Text

    for name, fig in figures.items():
        assert fig.get_figwidth() == pytest.approx(PRINT_WIDTH_IN), name
        texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
        assert texts, name
        for t in texts:
            printed = t.get_fontsize() * PRINT_WIDTH_IN / fig.get_figwidth()
            assert printed >= MIN_PT, (name, t.get_text(), printed)
        fig.canvas.draw()
        drawn = fig.get_tightbbox(fig.canvas.get_renderer())  # type: ignore[attr-defined]  # what is drawn, inches
        assert drawn.x0 >= -0.01 and drawn.y0 >= -0.01, name
        assert drawn.x1 <= fig.get_figwidth() + 0.01 and drawn.y1 <= fig.get_figheight() + 0.01, name


# ---------------------------------------------------------------------- territories


def test_territories_are_grouped_by_type_and_long_lists_capped() -> None:
    names = [f"CC {i:03d}" for i in range(164)]
    types = {n: ("rural" if i < 120 else "peri_urban" if i < 150 else "urban") for i, n in enumerate(names)}
    groups = places.region_by_type(names, types)
    assert [(g["type"], g["n"], len(g["names"]), g["others"]) for g in groups] == [
        ("rural", 120, places.MAX_NAMED_PER_TYPE, 120 - places.MAX_NAMED_PER_TYPE),
        ("peri_urban", 30, places.MAX_NAMED_PER_TYPE, 30 - places.MAX_NAMED_PER_TYPE),
        ("urban", 14, places.MAX_NAMED_PER_TYPE, 14 - places.MAX_NAMED_PER_TYPE),
    ]
    without = pd.DataFrame(
        {"scenario": "baseline", "territory": names[100:140], "runs_without": np.arange(40) % 5 + 1, "runs": 5}
    )
    entry = places.without_by_type(without, types)["baseline"]
    named = [r for g in entry["groups"] for r in g["rows"]]
    assert entry["n"] == 40 and len(named) == places.MAX_NAMED_WITHOUT and entry["others"] == 40 - len(named)
    assert [g["type"] for g in entry["groups"]] == ["rural", "peri_urban"]  # the order of the types
    top = sorted(without["runs_without"], reverse=True)[: places.MAX_NAMED_WITHOUT]
    assert sorted((r["runs_without"] for r in named), reverse=True) == top  # the most often left out are named
    never = places.never_without(names, without, types)
    assert sum(g["n"] for g in never) == 164 - 40 and all(
        n not in set(without["territory"]) for g in never for n in g["names"]
    )


def test_a_long_list_of_territories_says_how_many_are_left_out(quick: tuple[Path, Path]) -> None:
    sweep, _ = quick
    data = collect(sweep)
    types = {f"CC {i:03d}": "rural" for i in range(30)}
    without = pd.DataFrame({"scenario": "baseline", "territory": list(types), "runs_without": 2, "runs": 2})
    data.territories.without = places.without_by_type(without, types)
    data.territories.never_without = places.region_by_type(
        [f"CA {i:03d}" for i in range(30)], types | {f"CA {i:03d}": "rural" for i in range(30)}
    )
    left_out, unnamed = 30 - places.MAX_NAMED_WITHOUT, 30 - places.MAX_NAMED_PER_TYPE
    for lang, words in (("en", "and {} other territories"), ("fr", "et {} autres territoires")):
        section = render_html(data, lang, "cmd")
        section = section[section.index('<section id="territories"') : section.index('<section id="caveats"')]
        text = _text(section)  # the count is a number span: its text node apart
        assert words.format("").split("  ")[0] in text and words.format("").split("  ")[1] in text
        assert f'data-key="territories.baseline.others" data-value="{float(left_out)}"' in section
        assert f'data-key="territories.rural.others" data-value="{float(unnamed)}"' in section
        named = re.findall(r'<span lang="und">(CC \d+)</span>', section)
        assert len(named) == places.MAX_NAMED_WITHOUT


def test_rounded_shares_that_do_not_add_up_are_said_to_be_rounded(quick: tuple[Path, Path]) -> None:
    assert places.rounded_shares_add_up([0.62, 0.38]) and places.rounded_shares_add_up([0.333, 0.333, 0.334]) is False
    sweep, _ = quick
    data = collect(sweep)
    note = "The shares are rounded to the whole percent"
    assert data.territories.shares_add_up == (note not in render_html(data, "en", "cmd"))
    data.territories.shares_add_up = False
    assert note in render_html(data, "en", "cmd")


# ---------------------------------------------------------------------- pages


def _fills(pdf: Path, folder: Path) -> list[float]:
    """Each page's ink: the lowest inked row above the footer, as a share of the page's content height."""
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(folder / "page")], check=True, timeout=300)
    fills = []
    for page in sorted(folder.glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1])):
        with Image.open(page) as im:
            ink = np.asarray(im.convert("L")) < 200
        top, bottom = round(ink.shape[0] * 18 / 297), round(ink.shape[0] * (297 - 20) / 297)
        rows = np.flatnonzero(ink[top:bottom].any(axis=1))
        fills.append((rows.max() + 1) / (bottom - top) if len(rows) else 0.0)
    return fills


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_page_is_nearly_empty(
    quick: tuple[Path, Path], resumed: tuple[Path, Path], lang: str, tmp_path: Path
) -> None:
    """Every section starts a page; no page but the last of a section is less than half full, and none is a
    stray line or two (a caption, a table's last row)."""
    for k, (_, out) in enumerate((quick, resumed)):
        folder = tmp_path / str(k)
        folder.mkdir()
        fills = _fills(out / f"report.{lang}.pdf", folder)
        text = subprocess.run(
            ["pdftotext", "-layout", str(out / f"report.{lang}.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout.split("\f")
        starts = [i for i, page in enumerate(text) if re.match(r"\s*\d\. ", page)]
        last_of_section = {s - 1 for s in starts[1:]} | {len(fills) - 1}
        for i, fill in enumerate(fills):
            assert fill >= (0.2 if i in last_of_section else 0.5), (lang, out.name, i + 1, fills)

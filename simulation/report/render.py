"""The report in one language: the data of :func:`simulation.report.data.collect` put into the Jinja2 templates
with that language's catalogue (:mod:`simulation.report.i18n`) and figures, as one self-contained HTML
document; the PDF is the same HTML printed by WeasyPrint.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import subprocess
from pathlib import Path

import jinja2
from babel.numbers import format_decimal

from simulation.report import i18n
from simulation.report.contents import ReportData
from simulation.report.data import ReportError
from simulation.report.figures import draw_figures
from simulation.runs.provenance import REPO, git_revision, package_version

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: Fewer random draws than this for a scenario are flagged: its intervals are wide, the ranking fragile.
FEW_SEEDS = 20


def environment(lang: str) -> jinja2.Environment:
    """A Jinja2 environment with ``lang``'s catalogue installed (``_``, ``{% trans %}``)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(i18n.translations(lang), newstyle=False)  # type: ignore[attr-defined]
    return env


def _https_remote() -> str | None:
    """The https address of the repository's ``origin`` remote (credentials stripped), None if there is none."""
    try:
        url = subprocess.run(
            ["git", "config", "--get", "remote.origin.url"], cwd=REPO, capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.fullmatch(r"(?:ssh://)?[\w.-]+@([\w.-]+)[:/](.+?)(?:\.git)?/?", url) or re.fullmatch(
        r"https?://(?:[^@/]+@)?([\w.-]+(?::\d+)?)/(.+?)(?:\.git)?/?", url
    )
    return f"https://{m.group(1)}/{m.group(2)}" if m else None


#: A heading's numbering ("7.9", "4.") and the code it names in parentheses ("(`simulation/policies/`)"): the
#: report cites a section by its number and its words, never by a file of the repository.
SECTION_NUMBER = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+")
CODE_IN_HEADING = re.compile(r"\s*\([^)]*`[^)]*\)")


def doc_reference(path: str, heading: str) -> dict[str, str | None]:
    """A citation of a section of the repository's documentation, checked to exist.

    The report names the document by its title (the templates' ``documents``: "the model's documentation
    (ODD)") and the section by its number and words ("7.9", "Policy levers"), never by a path, of the repository
    or of this machine, so the report can be sent on. ``href`` is an https link to the section at the current
    git revision when the repository has an ``origin`` remote, None otherwise (plain text).

    Args:
        path: the document, relative to the repository (``docs/ODD.md``).
        heading: the start of the section's heading (``7.9``, ``Outputs``).

    Returns:
        ``path``, ``title`` (the heading, without the code it names), ``number`` (the section's number, or None),
        ``name`` (its words) and ``href``.

    Raises:
        ReportError: the document or the section does not exist (the citation is stale).
    """
    doc = REPO / path
    if not doc.exists():
        raise ReportError(f"cited document {path!r} does not exist")
    for line in doc.read_text().splitlines():
        m = re.match(r"#+\s+(.*)", line)
        if m and m.group(1).startswith(heading):
            heading_text = m.group(1).strip()
            slug = re.sub(r"[^\w\- ]", "", heading_text.lower()).replace(" ", "-")
            remote, revision = _https_remote(), git_revision()["git_revision"]
            href = f"{remote}/blob/{revision}/{path}#{slug}" if remote and revision != "unknown" else None
            title = CODE_IN_HEADING.sub("", heading_text).replace("`", "").strip()
            number = SECTION_NUMBER.match(title)
            return {
                "path": path,
                "title": title,
                "number": number.group(1) if number else None,
                "name": title[number.end() :] if number else title,
                "href": href,
            }
    raise ReportError(f"no section starting with {heading!r} in {path}")


def region_name(data: ReportData, countries: dict[str, str]) -> str:
    """The simulated region's name as its preset gives it ("Cantal (Auvergne-Rhône-Alpes)"), a Moroccan region's
    country in the report's language ("Oriental (Maroc)"); the preset's key for a sweep whose configuration could
    not be read."""
    region = data.compared.region
    if region is None:
        return ", ".join(data.compared.regions)
    label = region.label
    country = countries.get(region.country)
    if country:
        label = re.sub(r"\s*\([^)]*\)$", "", label) + f" ({country})"
    return label


def render_html(data: ReportData, lang: str, command: str) -> str:
    """The report in ``lang``, as one self-contained HTML document."""
    return render_report(data, lang, command)[0]


def _three_figures(value: float) -> int:
    """Decimals that show ``value`` to about three significant figures (none for large values)."""
    v = abs(float(value))
    return 0 if v == 0 or v >= 100 else min(6, 2 - math.floor(math.log10(v)))


def render_report(
    data: ReportData,
    lang: str,
    command: str,
    heights: dict[str, float] | None = None,
    compact: set[str] | frozenset[str] = frozenset(),
) -> tuple[str, dict[str, float]]:
    """The report in ``lang`` as one self-contained HTML document, its figures ``heights`` inches high (their
    own heights when None) and the sections ``compact`` set compact (:mod:`simulation.report.pages`), and the
    height each figure was drawn."""
    env = environment(lang)
    now = dt.datetime.now(dt.UTC)
    env.globals |= {
        "num": lambda key, value, digits=1, kind="decimal": i18n.number_span(key, value, lang, digits, kind),
        "param_num": lambda key, value: i18n.number_span(key, value, lang, _three_figures(value)),
        "doc": doc_reference,
        "lasting_months": data.compared.lasting_after_months,
        "few_seeds": FEW_SEEDS,
        "interval_separator": i18n.interval_separator(lang),
        "list_separator": i18n.list_separator(lang),
        "colon": "\u00a0: " if lang == "fr" else ": ",
        "long_date": lambda iso: i18n.long_date(iso, lang),
    }
    labels = vars(env.get_template("labels.j2").module)  # the variables labels.j2 sets
    report = {
        "version": package_version(),
        "git_revision": git_revision()["git_revision"],
        "date_utc": now.isoformat(timespec="seconds"),
        "date": now.date().isoformat(),
        "command": command,
        "region": region_name(data, labels["countries"]),
    }
    figures, drawn = draw_figures(
        data,
        labels["figure_words"],
        labels["scenario_short_labels"],
        labels["territory_types_title"],
        lambda v: format_decimal(v, locale=lang),
        heights,
    )
    html = env.get_template("report.html.j2").render(
        lang=lang, report=report, figures=figures, compact=compact, **data.context()
    )
    return html, drawn


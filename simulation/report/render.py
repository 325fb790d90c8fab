"""The report in one language: the data of :func:`simulation.report.data.collect` put into the Jinja2 templates
with that language's catalogue (:mod:`simulation.report.i18n`) and figures, as one self-contained HTML
document; the PDF is the same HTML printed by WeasyPrint.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path
from typing import Any

import jinja2
from babel.numbers import format_decimal

from simulation.report import i18n
from simulation.report.data import ReportError
from simulation.report.figures import draw_figures
from simulation.runs.provenance import REPO, git_revision, package_version
from simulation.study import analysis

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


def doc_reference(path: str, heading: str) -> dict[str, str | None]:
    """A citation of a section of the repository's documentation, checked to exist.

    The citation names the document by its path in the repository and the section by
    its title ("docs/ODD.md § 7.5 Policy levers"), never by a path on this machine, so
    the report can be sent on. ``href`` is an https link to the section at the current git
    revision when the repository has an ``origin`` remote, None otherwise (plain text).

    Args:
        path: the document, relative to the repository (``docs/ODD.md``).
        heading: the start of the section's heading (``7.9``, ``Outputs``).

    Raises:
        ReportError: the document or the section does not exist (the citation is stale).
    """
    doc = REPO / path
    if not doc.exists():
        raise ReportError(f"cited document {path!r} does not exist")
    for line in doc.read_text().splitlines():
        m = re.match(r"#+\s+(.*)", line)
        if m and m.group(1).startswith(heading):
            title = m.group(1).strip()
            slug = re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")
            remote, revision = _https_remote(), git_revision()["git_revision"]
            href = f"{remote}/blob/{revision}/{path}#{slug}" if remote and revision != "unknown" else None
            return {"path": path, "title": title.replace("`", ""), "href": href}
    raise ReportError(f"no section starting with {heading!r} in {path}")


def render_html(data: dict[str, Any], lang: str, command: str) -> str:
    """The report in ``lang``, as one self-contained HTML document."""
    env = environment(lang)
    env.globals |= {
        "num": lambda key, value, digits=1, kind="decimal": i18n.number_span(key, value, lang, digits, kind),
        "doc": doc_reference,
        "lasting_months": data["compared"]["lasting_after_months"],
        "few_seeds": FEW_SEEDS,
        "interval_separator": i18n.interval_separator(lang),
        "list_separator": i18n.list_separator(lang),
    }
    labels = vars(env.get_template("labels.j2").module)  # the variables labels.j2 sets
    text = analysis.PlotText(
        **labels["plot_text"],
        scenario_labels=labels["scenario_labels"],
        number_format=lambda v: format_decimal(v, locale=lang),
    )
    report = {
        "version": package_version(),
        "git_revision": git_revision()["git_revision"],
        "date_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": command,
    }
    context = {k: v for k, v in data.items() if k != "frames"}
    return env.get_template("report.html.j2").render(
        lang=lang,
        report=report,
        figures=draw_figures(data, text, labels["scenario_short_labels"], labels["territory_labels"]),
        **context,
    )


def html_to_pdf(html: str, base: Path) -> bytes:
    """The HTML printed to PDF by WeasyPrint (its print CSS: A4, a page per section, page numbers)."""
    import weasyprint  # imported here: it loads pango, which the HTML report alone does not need

    pdf: bytes = weasyprint.HTML(string=html, base_url=str(base)).write_pdf()
    return pdf

"""The PDF's pages: laid out by WeasyPrint, and no section left with a stray tail.

Each section of the report starts a page (the print stylesheet). A section that runs a few lines past a page
would leave those lines alone on a page of their own; when that section has a figure, the figure is drawn that
much shorter and the report laid out again (:func:`short_tails`), once: its figure keeps its printed width, so
its fonts keep their printed size; if the figure cannot be that much shorter, the section's tables and notes
are also set a little smaller (8 pt, the least the report prints).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: The section (its ``id``) each resizable figure is in.
FIGURE_OF_SECTION = {"emergence": "emergence", "per-meur": "cost_effectiveness", "territories": "territories"}
#: The report's sections (their ``id``).
SECTIONS = frozenset(
    {"summary", "compared", "ranking", "emergence", "per-meur", "territories", "caveats", "provenance"}
)
#: A section's last page filled less than this (a share of the page's content height) is a stray tail.
SHORT_TAIL = 0.35
#: Room left under the shortened figure's section, inches (page breaks are not exact).
SLACK_IN = 0.25
PX_PER_IN = 96.0  # CSS pixels, WeasyPrint's unit


def layout(html: str, base: Path) -> Any:
    """The HTML laid out in pages by WeasyPrint (a ``weasyprint.Document``)."""
    import weasyprint  # imported here: it loads pango, which the HTML report alone does not need

    return weasyprint.HTML(string=html, base_url=str(base)).render()


def fills(document: Any) -> list[tuple[set[str], float]]:
    """Each page's anchors (the ``id`` of the elements on it) and how far down its content goes, as a share of
    its content height: the bottom of its last line, image or table row."""
    from weasyprint.formatting_structure import boxes

    out = []
    for page in document.pages:
        box = page._page_box
        bottom, stack = 0.0, [c for c in box.children if not isinstance(c, boxes.MarginBox)]  # not the footer
        while stack:
            b = stack.pop()
            if isinstance(b, boxes.LineBox | boxes.ReplacedBox | boxes.TableRowBox):
                bottom = max(bottom, b.position_y + b.margin_height())
            else:
                stack.extend(getattr(b, "children", []))
        out.append((set(page.anchors), max(bottom - box.margin_top, 0.0) / box.height))
    return out


def section_pages(document: Any) -> dict[str, list[tuple[int, float]]]:
    """The pages (index, fill) of each section, by its ``id``, in order."""
    sections: dict[str, list[tuple[int, float]]] = {}
    current = None
    for i, (anchors, fill) in enumerate(fills(document)):
        starting = sorted(anchors & SECTIONS)  # each section starts a page: one at most
        if starting:
            current = starting[0]
        if current is not None:
            sections.setdefault(current, []).append((i, fill))
    return sections


def short_tails(document: Any, heights: dict[str, float], least: dict[str, float]) -> tuple[dict[str, float], set[str]]:
    """What takes each stray tail back onto its section's previous page: for each section of more than one page
    whose last page is filled less than ``SHORT_TAIL``, its figure drawn shorter by that page's content and
    ``SLACK_IN``; where the figure cannot be that short (``least``, inches), the section set compact too (its
    tables and notes a little smaller, never under 8 pt). Nothing when no section has a stray tail.

    Returns:
        (figure heights, inches; the sections to set compact).
    """
    page_in = document.pages[0]._page_box.height / PX_PER_IN if document.pages else 0.0
    shorter, compact = {}, set()
    for section, pages in section_pages(document).items():
        if len(pages) < 2 or pages[-1][1] >= SHORT_TAIL:
            continue
        figure = FIGURE_OF_SECTION.get(section)
        wanted = heights[figure] - pages[-1][1] * page_in - SLACK_IN if figure in heights else 0.0
        if figure in heights:
            shorter[figure] = max(wanted, least.get(figure, 0.0))
        if wanted < least.get(figure or "", 0.0) or figure not in heights:
            compact.add(section)
    return shorter, compact

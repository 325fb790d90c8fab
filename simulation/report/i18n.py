"""Translations and locale-aware numbers for the council report.

The catalogues are the ``.po`` files under ``locale/``: Babel reads one and compiles it
in memory into a :class:`babel.support.Translations` (a ``gettext.GNUTranslations``),
which Jinja2's ``i18n`` extension installs. Numbers are formatted by Babel with the
locale's own symbols (:mod:`simulation.i18n`, shared with the dashboard) and wrapped in a
``<span data-key=... data-value=...>`` that keeps the raw value next to the formatted
one, so that a test can check both.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from markupsafe import Markup, escape

from simulation.i18n import MISSING as MISSING
from simulation.i18n import decimal, euros, percent
from simulation.i18n import interval_separator as interval_separator
from simulation.i18n import list_separator as list_separator

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"


def catalogue_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(lang: str) -> Catalog:
    """The ``.po`` catalogue of ``lang``, parsed by Babel."""
    with catalogue_path(lang).open("rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


@functools.cache
def translations(lang: str) -> Translations:
    """The catalogue of ``lang`` compiled in memory (fuzzy entries left out, as ``msgfmt`` does)."""
    buf = io.BytesIO()
    write_mo(buf, read_catalogue(lang))
    buf.seek(0)
    return Translations(fp=buf, domain=DOMAIN)


def number_span(key: str, value: float, lang: str, digits: int = 1, kind: str = "decimal") -> Markup:
    """A number for the report: formatted for ``lang``, with its key and raw value as attributes.

    ``kind``: ``decimal`` (``digits`` decimals), ``eur`` (whole euros) or ``percent`` (a share shown as a
    whole percentage; ``data-digits`` is then the shown precision of the share, 2).
    """
    v = float(value)
    formats = {"eur": (euros, 0), "percent": (percent, 2)}
    if kind in formats:
        fmt, digits = formats[kind]
        text = fmt(v, lang)
    else:
        text = decimal(v, lang, digits)
    return Markup('<span class="num" data-key="{}" data-value="{}" data-digits="{}">{}</span>').format(
        key, repr(v), digits, escape(text)
    )


def long_date(iso: str, lang: str) -> str:
    """A date (ISO 8601, a time after it ignored) as ``lang`` writes it in full: "5 décembre 2026", "5 December
    2026"; the text as it is when it is not a date."""
    import datetime as dt

    from babel.dates import format_date

    try:
        day = dt.date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return format_date(day, format="long", locale=lang)

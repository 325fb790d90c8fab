"""Translations and locale-aware numbers for the council report.

The catalogues are the ``.po`` files under ``locale/``: Babel reads one and compiles it
in memory into a :class:`babel.support.Translations` (a ``gettext.GNUTranslations``),
which Jinja2's ``i18n`` extension installs. Numbers are formatted by Babel with the
locale's own symbols ("1 234,5" in French, "1,234.5" in English) and wrapped in a
``<span data-key=... data-value=...>`` that keeps the raw value next to the formatted
one, so that a test can check both.
"""

from __future__ import annotations

import functools
import io
import math
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import Translations
from markupsafe import Markup, escape

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
#: Shown for a missing value (NaN): a symbol, the same in every language.
MISSING = "—"


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


def decimal(value: float, lang: str, digits: int = 1) -> str:
    """``value`` with ``digits`` decimals and the locale's separators."""
    if value is None or math.isnan(value):
        return MISSING
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern, locale=lang)


def euros(value: float, lang: str) -> str:
    """Whole euros in the locale's currency pattern ("250 000 €", "€250,000")."""
    if value is None or math.isnan(value):
        return MISSING
    pattern = Locale.parse(lang).currency_formats["standard"].pattern.replace(".00", "")
    return format_currency(value, "EUR", format=pattern, locale=lang, currency_digits=False)


def percent(value: float, lang: str) -> str:
    """A share (0.8) as a whole percentage in the locale's pattern ("80 %", "80%")."""
    if value is None or math.isnan(value):
        return MISSING
    return format_percent(value, locale=lang)


def interval_separator(lang: str) -> str:
    """Between the bounds of an interval: ", " ("[0.2, 10.5]"), or " ; " where the comma is the
    decimal separator ("[0,2 ; 10,5]"), as the locale's number symbols say."""
    decimal_symbol = Locale.parse(lang).number_symbols.get("latn", {}).get("decimal", ".")
    return " ; " if decimal_symbol == "," else ", "


def list_separator(lang: str) -> str:
    """Between the items of a list whose items hold numbers or commas: "; " (French: a no-break space before)."""
    return "\u00a0; " if lang == "fr" else "; "


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

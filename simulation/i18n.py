"""Numbers as each language writes them, shared by the readers of the results (the council report and the
classroom dashboard): Babel formats them with the locale's own symbols ("1 234,5" in French, "1,234.5" in
English), so the page and the report write numbers alike.
"""

from __future__ import annotations

import math

from babel import Locale
from babel.numbers import format_currency, format_decimal, format_percent

#: Shown for a missing value (NaN): a symbol, the same in every language.
MISSING = "—"


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

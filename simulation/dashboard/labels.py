"""The dashboard's French and English labels: one catalogue, ``labels.yaml``, key → {fr, en}.

Every text the page shows comes from there (no UI string in the code), so a
teacher can switch language live and a translator edits one file. Numbers are
formatted the way each language writes them (``1 000 000`` / ``1,000,000``).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

from simulation.i18n import decimal

LANGUAGES = ("fr", "en")
CATALOGUE = Path(__file__).with_name("labels.yaml")


@functools.cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every label, by key, then by language."""
    data = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    return {str(k): {str(lang): str(v) for lang, v in entry.items()} for k, entry in data.items()}


def text(key: str, lang: str, **values: Any) -> str:
    """The label ``key`` in ``lang`` (``fr`` or ``en``), placeholders filled from ``values``.

    Raises:
        KeyError: for an unknown key or language (a missing label is a bug, not a fallback).
    """
    return catalogue()[key][lang].format(**values)


def number(value: float, lang: str, decimals: int = 0) -> str:
    """``value`` written as in ``lang``: ``1 250 000`` in French (narrow no-break spaces), ``1,250,000`` in English.

    Babel's formatting (:mod:`simulation.i18n`), so the page and the report write numbers alike.
    """
    return decimal(value, lang, decimals)

"""A user's own territories from a CSV file, checked cell by cell.

Columns (the first row names them, in any order, any letter case):

* required: ``name``, ``population`` (a whole number > 0), ``type`` (rural, peri_urban, urban);
* optional: ``code``; organisations by kind, ``firm`` or ``organisations_firm`` (and
  collectivite, association, citizen_group, university, media), each a number ≥ 0; fragility by
  domain, ``health_care`` or ``fragility_health_care`` (and the seven other domains), each a
  number from 0 to 1.

An empty optional cell takes its default: organisations per inhabitant of the country's real
territories of the same type (:func:`default_organisations`), fragility the type's profile
(:data:`simulation.data.common.FRAGILITY_BY_TYPE`); the ``filled_from_defaults`` column says
which cells were filled. Commas, semicolons or tabs separate cells (the first row decides);
with semicolons or tabs a decimal comma is read too. Every problem is reported with its row
as a spreadsheet shows it (the first row is row 1) and its column.
"""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path

import pandas as pd

from simulation.data.common import (
    DOMAINS,
    KINDS,
    TERRITORY_TYPES,
    TerritoryDataError,
    assemble,
)

REQUIRED = ("name", "population", "type")
MAX_REPORTED = 25

_WHOLE = re.compile(r"[0-9]+")
_SPACES = re.compile(r"[\s\u00a0\u202f_']")


def _canonical_columns() -> dict[str, str]:
    """Accepted header (lower case) → canonical column of the territory table."""
    names = {"name": "name", "population": "population", "type": "type", "code": "code"}
    for kind in KINDS:
        names[kind] = names[f"organisations_{kind}"] = f"organisations_{kind}"
    for domain in DOMAINS:
        names[domain] = names[f"fragility_{domain}"] = f"fragility_{domain}"
    return names


def allowed_columns() -> str:
    """The accepted columns, in words."""
    return (
        "name, population, type (required); code; "
        + ", ".join(KINDS)
        + " (organisations, optionally prefixed organisations_); "
        + ", ".join(DOMAINS)
        + " (fragility, optionally prefixed fragility_)"
    )


def default_organisations(population: pd.Series, types: pd.Series, country: str) -> pd.DataFrame:
    """Organisations by kind for territories known only by population and type: per inhabitant,
    the ratio over the country's real territories of the same type (for collectivités, communes
    per inhabitant, plus the collectivités above the communes)."""
    from simulation.data.organisations import COLLECTIVITES_ABOVE_COMMUNES

    if country == "FR":
        from simulation.data.french import france as load
    else:
        from simulation.data.moroccan import morocco as load
    real = load(None)
    totals = real.groupby("type")[["population", "communes", *(f"organisations_{k}" for k in KINDS)]].sum()
    pop = population.astype(float)
    out = {}
    for kind in KINDS:
        column = "communes" if kind == "collectivite" else f"organisations_{kind}"
        rate = types.map(totals[column] / totals["population"]).astype(float)
        out[f"organisations_{kind}"] = pop * rate
    out["organisations_collectivite"] = out["organisations_collectivite"] + COLLECTIVITES_ABOVE_COMMUNES[country]
    return pd.DataFrame(out, index=population.index)


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _number(text: str, decimal_comma: bool) -> float | None:
    """The cell as a finite number, or None."""
    cleaned = _SPACES.sub("", text)
    if decimal_comma:
        cleaned = cleaned.replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _whole(text: str) -> int | None:
    """The cell as a whole number (``12000``, ``12 000``, ``12000.0``), or None."""
    cleaned = _SPACES.sub("", text)
    if _WHOLE.fullmatch(cleaned):
        return int(cleaned)
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return int(value) if math.isfinite(value) and value.is_integer() else None


def _raise(errors: list[str]) -> None:
    shown = errors[:MAX_REPORTED]
    more = len(errors) - len(shown)
    message = "\n".join(shown) + (f"\n… and {more} more problem(s)" if more > 0 else "")
    raise TerritoryDataError(message, errors)


def read_territories_csv(path: str | Path, country: str = "FR") -> pd.DataFrame:
    """The territories of a CSV file as a territory table (:data:`simulation.data.common.COLUMNS` first).

    ``country`` (``"FR"`` or ``"MA"``) sets the defaults of empty optional cells. Raises
    :class:`TerritoryDataError` naming every bad row and column, and what is allowed.
    """
    if country not in ("FR", "MA"):
        raise TerritoryDataError(f"country: {country!r} is not FR or MA")
    path = Path(path)
    label = path.name
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise TerritoryDataError(f"{label}: not UTF-8 text (byte {err.start}); save it as 'CSV UTF-8'") from None
    if not text.strip():
        raise TerritoryDataError(
            f"{label}: the file is empty; its first row must name the columns ({', '.join(REQUIRED)})"
        )
    delimiter = _sniff_delimiter(text.splitlines()[0])
    decimal_comma = delimiter != ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as err:
        raise TerritoryDataError(f"{label}: not readable as CSV ({err})") from None

    # ---- the first row: the columns
    header = [cell.strip() for cell in records[0]]
    canonical = _canonical_columns()
    columns: list[str | None] = []
    errors: list[str] = []
    seen: dict[str, str] = {}
    for position, cell in enumerate(header, start=1):
        if cell == "":
            columns.append(None)
            continue
        target = canonical.get(cell.lower())
        if target is None:
            errors.append(f"{label} row 1, column {position}: unknown column {cell!r}; allowed: {allowed_columns()}")
        elif target in seen:
            errors.append(f"{label} row 1, column {position}: {cell!r} repeats column {seen[target]!r}")
        else:
            seen[target] = cell
            columns.append(target)
            continue
        columns.append(None)
    missing = [c for c in REQUIRED if c not in seen]
    if missing:
        errors.append(f"{label} row 1: missing column(s) {', '.join(missing)} (required: {', '.join(REQUIRED)})")
    if errors:
        _raise(errors)

    # ---- the rows
    rows: list[dict[str, object]] = []
    row_numbers: list[int] = []
    names: dict[str, int] = {}
    codes: dict[str, int] = {}
    for index, record in enumerate(records[1:], start=2):
        cells = [c.strip() for c in record]
        if not any(cells):
            continue  # a blank row
        if len(cells) > len(columns) and any(cells[len(columns) :]):
            errors.append(
                f"{label} row {index}: {len(cells)} cells, but row 1 names {len(columns)} columns "
                f"(a {delimiter!r} inside a cell needs quotes)"
            )
            continue
        cells += [""] * (len(columns) - len(cells))
        values: dict[str, object] = {}
        for column, cell in zip(columns, cells, strict=False):
            if column is None:
                continue
            shown = seen[column]
            where = f"{label} row {index}, column {shown}"
            if column == "name":
                if not cell:
                    errors.append(f"{where}: empty; every territory needs a name")
                elif cell in names:
                    errors.append(f"{where}: {cell!r} is already the name on row {names[cell]}; names must be unique")
                else:
                    names[cell] = index
                values["name"] = cell
            elif column == "code":
                if cell and cell in codes:
                    errors.append(f"{where}: {cell!r} is already the code on row {codes[cell]}; codes must be unique")
                elif cell:
                    codes[cell] = index
                values["code"] = cell
            elif column == "population":
                whole = _whole(cell)
                if whole is None or whole <= 0:
                    errors.append(f"{where}: {cell!r} is not a whole number > 0")
                values["population"] = whole
            elif column == "type":
                if cell not in TERRITORY_TYPES:
                    errors.append(f"{where}: {cell!r} is not a territory type; allowed: {', '.join(TERRITORY_TYPES)}")
                values["type"] = cell
            elif column.startswith("organisations_"):
                if cell:
                    number = _number(cell, decimal_comma)
                    if number is None or number < 0:
                        errors.append(f"{where}: {cell!r} is not a number ≥ 0 (organisations of the kind)")
                    values[column] = number
            elif cell:  # fragility
                number = _number(cell, decimal_comma)
                if number is None or not 0.0 <= number <= 1.0:
                    errors.append(f"{where}: {cell!r} is not a number from 0 to 1 (fragility)")
                values[column] = number
        rows.append(values)
        row_numbers.append(index)
    if not rows and not errors:
        errors.append(f"{label}: no territories; row 1 names the columns, the rows below it are empty")
    if errors:
        _raise(errors)

    # ---- the table, with defaults for empty optional cells
    given = pd.DataFrame(rows)
    base = pd.DataFrame(
        {
            "code": given["code"].where(given["code"].astype(bool), given["name"])
            if "code" in given
            else given["name"],
            "name": given["name"],
            "type": given["type"],
            "population": given["population"].astype("int64"),
        }
    )
    defaults = default_organisations(base["population"], base["type"], country)
    filled: list[list[str]] = [[] for _ in rows]
    organisations = pd.DataFrame(index=base.index)
    for column in defaults.columns:
        mine = given[column] if column in given else pd.Series([None] * len(given))
        is_default = mine.isna()
        organisations[column] = mine.where(~is_default, defaults[column]).astype(float)
        for i in is_default[is_default].index:
            filled[i].append(column)
    table = assemble(base, organisations, country, pd.DataFrame({"country": [country] * len(base)}))
    for column in (f"fragility_{d}" for d in DOMAINS):
        if column in given:
            mine = given[column]
            table[column] = mine.where(mine.notna(), table[column]).astype(float)
            missing_rows = mine.isna()
        else:
            missing_rows = pd.Series(True, index=table.index)
        for i in missing_rows[missing_rows].index:
            filled[i].append(column)
    table["filled_from_defaults"] = [",".join(f) for f in filled]
    table["row"] = row_numbers
    return table

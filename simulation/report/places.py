"""The territories as the council report presents them: legible for a département of 9 EPCI as for a region of
164, grouped by type (rural, peri-urban, urban), with long lists capped ("… and 87 others").

Language-free: the templates put the words around these lists, :mod:`simulation.report.figures` draws the
per-type frame.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from simulation.config import TERRITORY_TYPES

#: At most this many territories left without a project are named per scenario (those without one in the most
#: runs first); the others are counted ("and 87 others").
MAX_NAMED_WITHOUT = 16
#: At most this many territories of each type are named in the list of the region's territories.
MAX_NAMED_PER_TYPE = 12
#: The type of a territory whose type the sweep does not record (sweeps from before it stored its territories).
UNTYPED = ""


def _type_order(types: Mapping[str, str]) -> list[str]:
    present = set(types.values())
    return [t for t in TERRITORY_TYPES if t in present] + sorted(present - set(TERRITORY_TYPES))


def region_by_type(names: Sequence[str], types: Mapping[str, str]) -> list[dict[str, Any]]:
    """The region's territories by type, each type's names sorted and capped at ``MAX_NAMED_PER_TYPE``.

    Returns:
        One entry per type (``TERRITORY_TYPES`` order; ``UNTYPED`` when the types are unknown): ``type``, ``n``,
        ``names`` (shown) and ``others`` (how many are not shown).
    """
    by_type: dict[str, list[str]] = {}
    for name in names:
        by_type.setdefault(types.get(name, UNTYPED), []).append(name)
    order = [*_type_order(types), UNTYPED]
    return [
        {
            "type": t,
            "n": len(by_type[t]),
            "names": sorted(by_type[t])[:MAX_NAMED_PER_TYPE],
            "others": max(len(by_type[t]) - MAX_NAMED_PER_TYPE, 0),
        }
        for t in order
        if t in by_type
    ]


def without_by_type(without: pd.DataFrame, types: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Per scenario, its territories left without an active project, the most often left first, capped.

    Args:
        without: :func:`simulation.study.territories.territories_without_project`'s rows.
        types: each territory's type.

    Returns:
        scenario → ``groups`` (per type, ``TERRITORY_TYPES`` order: ``type`` and its named ``rows``, each a row of
        ``without``), ``n`` (territories left without a project in some run), ``others`` (how many are not
        named).
    """
    out: dict[str, dict[str, Any]] = {}
    for scenario, rows in without.groupby("scenario", sort=True):
        ranked = rows.sort_values(["runs_without", "territory"], ascending=[False, True], kind="stable")
        named = ranked.head(MAX_NAMED_WITHOUT).to_dict("records")
        groups = []
        for t in [*_type_order(types), UNTYPED]:
            here = sorted((r for r in named if types.get(r["territory"], UNTYPED) == t), key=lambda r: r["territory"])
            here.sort(key=lambda r: -r["runs_without"])
            if here:
                groups.append({"type": t, "rows": here})
        out[str(scenario)] = {"groups": groups, "n": len(ranked), "others": max(len(ranked) - len(named), 0)}
    return out


def type_frame(counts: pd.DataFrame, types: Mapping[str, str], populations: Mapping[str, float]) -> pd.DataFrame | None:
    """Per scenario and type of territory, mean over runs: the share of the type's territories with an active
    project at the horizon, and lasting cooperations per 10,000 inhabitants (the figure of section 5).

    Args:
        counts: :func:`simulation.study.territories.territory_projects`'s rows (a row per run and territory).

    Returns:
        Columns ``scenario``, ``type``, ``with_project_share``, ``lasting_per_10k``; None when the types are
        unknown.
    """
    if not types:
        return None
    typed = counts[counts["territory"].isin(types)].assign(type=lambda d: d["territory"].map(types))
    per_run = typed.assign(with_project=typed["active"] > 0).groupby(["scenario", "seed", "type"])
    runs = per_run.agg(with_project=("with_project", "mean"), lasting=("lasting", "sum")).reset_index()
    means = runs.groupby(["scenario", "type"])[["with_project", "lasting"]].mean().reset_index()
    people = pd.Series(populations, dtype=float).groupby(pd.Series(types)).sum()
    means["lasting_per_10k"] = means["lasting"] / (means["type"].map(people) / 1e4)
    order = {t: i for i, t in enumerate(_type_order(types))}
    means = means.sort_values(["scenario", "type"], key=lambda c: c.map(order) if c.name == "type" else c)
    return means.rename(columns={"with_project": "with_project_share"})[
        ["scenario", "type", "with_project_share", "lasting_per_10k"]
    ].reset_index(drop=True)


def rounded_shares_add_up(values: Sequence[float]) -> bool:
    """Whether shares shown as whole percentages (rounded half to even, as Babel does) add up to 100."""
    from decimal import ROUND_HALF_EVEN, Decimal

    shown = [int((Decimal(repr(float(v))) * 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)) for v in values]
    return sum(shown) == 100


def never_without(names: Sequence[str], without: pd.DataFrame, types: Mapping[str, str]) -> list[dict[str, Any]]:
    """The territories never left without an active project, in any scenario and run, by type (capped as
    :func:`region_by_type`): with the list of those left without one, every territory of the region is named."""
    left = set(without["territory"].astype(str)) if len(without) else set()
    return region_by_type([n for n in names if n not in left], types)

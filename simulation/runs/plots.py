"""Plots of one run: the emergence curve (a "croissance à infusion lente": Territoires Conseils 2018)."""

from __future__ import annotations

import io
from collections.abc import Mapping

import pandas as pd
from matplotlib.figure import Figure  # a Figure without pyplot: no GUI backend, and 0.4 s less to import

from simulation.enums import ActorKind, Stage
from simulation.model.indicators import FEW_ACTORS as FEW_ACTORS  # (a kind of fewer is drawn thin and dotted)

STAGE_COLOURS = {
    Stage.SEED: "#c7e9c0",
    Stage.EXPERIMENTATION: "#74c476",
    Stage.CONSOLIDATION: "#31a354",
    Stage.DEPLOYMENT: "#006d2c",
}
KIND_COLOURS = {
    ActorKind.COLLECTIVITE: "#1f77b4",
    ActorKind.FIRM: "#d62728",
    ActorKind.ASSOCIATION: "#ff7f0e",
    ActorKind.CITIZEN_GROUP: "#9467bd",
    ActorKind.UNIVERSITY: "#8c564b",
    ActorKind.MEDIA: "#7f7f7f",
}


#: Each kind as the plot's legend names it.
KIND_NAMES = {
    ActorKind.COLLECTIVITE: "collectivités",
    ActorKind.FIRM: "firms",
    ActorKind.ASSOCIATION: "associations",
    ActorKind.CITIZEN_GROUP: "citizen groups",
    ActorKind.UNIVERSITY: "universities",
    ActorKind.MEDIA: "media",
}


def emergence_png(
    ts: pd.DataFrame, title: str, lasting_after_months: int, actors_by_kind: Mapping[ActorKind, int] | None = None
) -> bytes:
    """:func:`emergence_figure` as a PNG file's bytes."""
    out = io.BytesIO()
    emergence_figure(ts, title, lasting_after_months, actors_by_kind).savefig(out, dpi=120, format="png")
    return out.getvalue()


def emergence_figure(
    ts: pd.DataFrame, title: str, lasting_after_months: int, actors_by_kind: Mapping[ActorKind, int] | None = None
) -> Figure:
    """Projects by stage over the decade (stacked), with each kind's participation rate.

    Args:
        ts: the monthly indicators (``simulation.model.outcomes.timeseries``).
        title: the plot title (scenario, region, seed).
        lasting_after_months: the age from which a cooperation counts as lasting
            (``projects.lasting_after_months``), for the label of its curve.
        actors_by_kind: how many actors of each kind the run simulated; each kind's label then says it, and a
            kind of fewer than :data:`FEW_ACTORS` is drawn thin and dotted.
    """
    years = ts["month"] / 12
    fig = Figure(figsize=(9, 7.5))
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    stages = list(STAGE_COLOURS)
    top.stackplot(
        years,
        [ts[f"projects_{s.label}"] for s in stages],
        labels=[s.label.replace("_", " ") for s in stages],
        colors=[STAGE_COLOURS[s] for s in stages],
    )
    top.plot(
        years,
        ts["lasting_cooperations"],
        color="black",
        lw=1.5,
        ls="--",
        label=f"lasting (≥ {lasting_after_months} months)",
    )
    top.set_ylabel("active cooperations")
    top.set_title(title)
    top.legend(loc="upper left", fontsize=8, frameon=False)
    top.grid(alpha=0.3)
    for kind, colour in KIND_COLOURS.items():
        col = f"participation_{kind.label}"
        if col in ts and ts[col].notna().any():
            label, style = KIND_NAMES[kind], {}
            if actors_by_kind is not None:
                n = actors_by_kind[kind]
                label += f" ({n:,} actor{'s' if n != 1 else ''})"
                if n < FEW_ACTORS:
                    style = {"lw": 0.8, "ls": ":"}
            bottom.plot(years, 100 * ts[col], color=colour, label=label, **style)
    shock = ts["shock_active"] > 0
    if shock.any():
        for ax in (top, bottom):
            ax.fill_between(
                years,
                0,
                1,
                where=shock,
                transform=ax.get_xaxis_transform(),
                color="grey",
                alpha=0.15,
                label="shock" if ax is top else None,
            )
    bottom.set_ylabel("participation (% of kind\nin an active project)")
    bottom.set_xlabel("year")
    bottom.set_ylim(0, 100)
    bottom.legend(loc="upper left", fontsize=8, ncols=3, frameon=False)
    bottom.grid(alpha=0.3)
    fig.tight_layout()
    return fig

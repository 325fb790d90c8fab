"""Drawing one panel of the lesson: the emergence curve above, the trust network below.

The trust network (process 2, docs/ODD.md §7.2: trust is learned from joint
projects, Territoires Conseils 2018) holds about 90 ties per actor after a decade — some 90,000 ties
on the default region — far too many to draw, or to read. The panel draws:

* every actor at a fixed place, computed once per region: territories side by
  side on a ring, each a disc whose area is its number of actors, the actors of
  a territory on a sunflower spiral ordered by kind, so that kinds form rings
  (collectivités at the centre) and colour tells them apart;
* only the strongest ties (at most ``max_ties``, and only above ``min_trust``),
  coloured and widened by trust: the cooperations that formed, not the
  acquaintances;
* actors engaged in an active project in full colour, the others faded.

It renders with matplotlib's object API (no pyplot: one figure per browser
session, safe across threads) and keeps its artists between months, updating
their data rather than drawing a new figure, so that a month renders in a few
tens of milliseconds.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize, to_rgba_array
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from numpy.typing import NDArray

from simulation.enums import ActorKind, Stage
from simulation.model.model import TerritorialModel
from simulation.model.trust import TrustNetwork
from simulation.runs.plots import KIND_COLOURS, STAGE_COLOURS

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

GOLDEN_ANGLE = np.pi * (3.0 - np.sqrt(5.0))
#: Most ties drawn, and the least trust a drawn tie has (the acquaintance cap is 0.35:
#: above it, trust was earned in a joint project).
MAX_TIES = 1_500
MIN_TRUST = 0.35
TRUST_CMAP = "YlOrRd"
STAGES = (Stage.SEED, Stage.EXPERIMENTATION, Stage.CONSOLIDATION, Stage.DEPLOYMENT)
#: The panel's figure, inches at ``DPI``: 576 × 450 px, shown at about 0.8× on a 1280×720 projector and
#: 1.3× at 1920×1080 (the page scales it to the window). Font sizes in points at this DPI: the smallest,
#: the ticks, shows at about 13 px at 1280×720.
FIGSIZE = (6.4, 5.0)
DPI = 90
TITLE_PT, LABEL_PT, TICK_PT, LEGEND_PT = 15, 14, 13, 12


def network_title(text: Callable[..., str], number: Callable[[float], str], shown: int, total: int) -> str:
    """The network's title, worded for none, one or several ties drawn (French and English singular differ)."""
    key = "network_title_none" if shown == 0 else "network_title_one" if shown == 1 else "network_title"
    return text(key, shown=number(shown), total=number(total))


def layout(territory: IntArray, kind: IntArray) -> FloatArray:
    """Fixed (x, y) of every actor: one disc per territory on a ring, kinds in rings within a disc.

    Deterministic (no random draw), so both panels of a lesson, and every month, share it.

    Args:
        territory: territory index of each actor.
        kind: actor kind of each actor.

    Returns:
        An (n, 2) array of positions, in a square of side about 2 centred on 0.
    """
    territory = np.asarray(territory)
    kind = np.asarray(kind)
    n = len(territory)
    pos = np.zeros((n, 2))
    if n == 0:
        return pos
    n_terr = int(territory.max()) + 1
    counts = np.bincount(territory, minlength=n_terr).astype(float)
    radius = np.sqrt(np.maximum(counts, 1.0))
    # Centres on a ring, each territory's angular share proportional to its diameter; the ring is
    # wide enough that every two discs keep a gap (chord between centres > sum of radii).
    share = 2 * np.pi * radius / radius.sum()
    angle = np.cumsum(share) - share / 2 + np.pi / 2
    sep = np.abs(angle[:, None] - angle[None, :])
    sep = np.minimum(sep, 2 * np.pi - sep)
    gap = 1.12 * (radius[:, None] + radius[None, :])
    off = ~np.eye(n_terr, dtype=bool)
    ring = float((gap[off] / (2 * np.sin(sep[off] / 2))).max()) if n_terr > 1 else 0.0
    centres = ring * np.column_stack([np.cos(angle), np.sin(angle)])
    for t in range(n_terr):
        members = np.flatnonzero(territory == t)
        members = members[np.argsort(kind[members], kind="stable")]
        k = np.arange(len(members))
        r = radius[t] * np.sqrt((k + 0.5) / max(len(members), 1))
        pos[members] = centres[t] + np.column_stack([r * np.cos(k * GOLDEN_ANGLE), r * np.sin(k * GOLDEN_ANGLE)])
    pos -= (pos.max(axis=0) + pos.min(axis=0)) / 2
    span = np.abs(pos).max()
    return pos / span if span > 0 else pos


def strongest_ties(
    trust: TrustNetwork, max_ties: int = MAX_TIES, min_trust: float = MIN_TRUST
) -> tuple[IntArray, IntArray, FloatArray]:
    """The ties to draw: at most ``max_ties`` undirected ties with trust ≥ ``min_trust``, strongest first.

    Returns:
        (i, j, trust) of each tie, i < j, sorted by decreasing trust (ties of equal trust by key).
    """
    keys, w = trust.entries()
    src, dst = np.divmod(keys, trust.n)
    keep = (src < dst) & (w >= min_trust)  # each undirected tie is stored twice
    src, dst, w = src[keep], dst[keep], w[keep]
    order = np.lexsort((src * trust.n + dst, -w))[:max_ties]
    return src[order], dst[order], w[order]


class PanelFigure:
    """One panel's figure (emergence curve over network), reused month after month.

    Args:
        model: the panel's model (its actors fix the layout).
        text: the label function of the page's language (``key, **values -> str``).
        draw_network: False for regions too large to animate: the curve alone.
        compare: the panel with a policy: its curve also shows, dashed, the active cooperations of the
            panel without policy (passed to :meth:`update`), so the lever's effect reads on one chart.
        number: writes a count as the page's language does (``1 384``, ``1,384``).
        dpi: resolution; the figure is ``FIGSIZE`` inches (6.4 × 3 without the network).
    """

    def __init__(
        self,
        model: TerritorialModel,
        text: Callable[..., str],
        *,
        draw_network: bool = True,
        compare: bool = False,
        number: Callable[[float], str] = lambda v: f"{v:.0f}",
        dpi: int = DPI,
    ) -> None:
        self.text = text
        self.number = number
        self.compare = compare
        self.draw_network = draw_network
        # A fixed layout (not "constrained"): recomputing it every month would double the render time.
        # Curve above, network below, in proportions that fill a panel of the page at 1280×720 and 1920×1080.
        self.fig = Figure(figsize=FIGSIZE if draw_network else (FIGSIZE[0], 3.0), dpi=dpi)
        FigureCanvasAgg(self.fig)
        if draw_network:
            self.curve_ax = self.fig.add_axes((0.125, 0.655, 0.855, 0.29))
            self.net_ax = self.fig.add_axes((0.0, 0.0, 1.0, 0.52))
        else:
            self.curve_ax = self.fig.add_axes((0.125, 0.22, 0.855, 0.66))
        self.horizon_months = int(model.config.horizon_months)
        self._init_curve()
        if draw_network:
            self._init_network(model)

    def _init_network(self, model: TerritorialModel) -> None:
        ax = self.net_ax
        self.pos = layout(model.actors.territory, model.actors.kind)
        colours = np.array([KIND_COLOURS[ActorKind(k)] for k in model.actors.kind])
        self.ties = LineCollection([], cmap=TRUST_CMAP, norm=Normalize(MIN_TRUST, 1.0), zorder=1, capstyle="round")
        ax.add_collection(self.ties)
        self.nodes = ax.scatter(self.pos[:, 0], self.pos[:, 1], s=7, c=colours, linewidths=0, zorder=2)
        self._rgba = to_rgba_array(colours)
        ax.set_xlim(-1.05, 1.05)
        ax.set_ylim(-1.05, 1.05)
        ax.set_aspect("equal", adjustable="datalim")  # the axes keep the full width: the title starts at the left
        ax.set_axis_off()

    def _init_curve(self) -> None:
        """Axes, ticks, title and legend: drawn once (clearing the axes every month costs more than a step).

        The x axis counts months, as the clock does ("Mois 14 — année 2"): a grid line at the end of each
        year, and each year's number in the middle of its twelve months, so month 14 is drawn above "2".
        """
        ax = self.curve_ax
        ax.set_xlim(0, self.horizon_months)
        ax.set_xticks(np.arange(0, self.horizon_months + 1, 12))
        ax.set_xticklabels([])
        years = np.arange(1, self.horizon_months // 12 + 1)
        ax.set_xticks(12 * years - 6, [str(y) for y in years], minor=True)
        ax.tick_params(axis="x", which="minor", length=0, labelsize=TICK_PT)
        ax.tick_params(axis="both", which="major", labelsize=TICK_PT)
        ax.set_xlabel(self.text("year_axis"), fontsize=LABEL_PT, labelpad=1)
        ax.set_ylabel(self.text("count_axis"), fontsize=LABEL_PT, labelpad=2)
        ax.set_title(self.text("curve_title"), fontsize=TITLE_PT, loc="left")
        ax.grid(alpha=0.3)
        handles: list[Any] = [
            Patch(color=STAGE_COLOURS[s], label=self.text(f"stage.{s.label}")) for s in reversed(STAGES)
        ]
        (self._reference,) = ax.plot([], [], color="#222", lw=1.8, ls="--", zorder=3)
        if self.compare:
            handles.append(Line2D([], [], color="#222", lw=1.8, ls="--", label=self.text("without_curve")))
        # Upper left, where a curve on a decade's scale stays low in the first years; on a white box, so
        # that a curve that does reach it runs under the legend, not through its text.
        ax.legend(
            handles=handles, loc="upper left", fontsize=LEGEND_PT, frameon=True, framealpha=0.9, edgecolor="#ccc"
        ).set_zorder(5)
        self._stack: list[Any] = []

    def update(self, model: TerritorialModel, y_max: float, reference: TerritorialModel | None = None) -> None:
        """Redraw the curve up to this month (with ``reference``'s active cooperations dashed, on a panel that
        compares), and the network's strongest ties and engaged actors."""
        ax = self.curve_ax
        for artist in self._stack:
            artist.remove()
        series = [model.datacollector.model_vars.get(f"projects_{s.label}", []) for s in STAGES]
        months = len(series[0])
        self._stack = (
            ax.stackplot(
                np.arange(1, months + 1), np.array(series, dtype=float), colors=[STAGE_COLOURS[s] for s in STAGES]
            )
            if months
            else []
        )
        if self.compare and reference is not None:
            active = reference.datacollector.model_vars.get("active_cooperations", [])
            self._reference.set_data(np.arange(1, len(active) + 1), active)
        ax.set_ylim(0, y_max)
        if self.draw_network:
            self._update_network(model)

    def _update_network(self, model: TerritorialModel) -> None:
        i, j, w = strongest_ties(model.trust)
        self.ties.set_segments(np.stack([self.pos[i], self.pos[j]], axis=1))  # type: ignore[arg-type]
        self.ties.set_array(w)
        self.ties.set_linewidth(list(0.4 + 2.0 * (w - MIN_TRUST) / (1 - MIN_TRUST)))
        rgba = self._rgba.copy()
        rgba[:, 3] = np.where(model.actors.engaged > 0, 1.0, 0.25)
        self.nodes.set_facecolor(rgba)  # type: ignore[arg-type]  # an (n, 4) RGBA array is accepted
        self.nodes.set_sizes(np.where(model.actors.engaged > 0, 16.0, 6.0))
        self.net_ax.set_title(
            network_title(self.text, self.number, len(w), model.trust.n_ties),
            fontsize=LABEL_PT,
            loc="left",
            x=0.02,
            pad=3,
        )

    def png(self) -> bytes:
        """The figure as PNG (light compression: encoding speed matters more than size on a local network)."""
        buf = io.BytesIO()
        self.fig.savefig(buf, format="png", pil_kwargs={"compress_level": 1})
        return buf.getvalue()


def shared_y_max(models: Sequence[TerritorialModel]) -> float:
    """A common y limit for the panels' curves, so that their heights compare: the highest point drawn so far
    (stacked stages, or the dashed active cooperations) with 5% headroom, rounded up to 1, 2 or 5 × 10^k (at
    least 10). The page gives it the models at the end of the decade (``lesson.decade_y_max``): one scale all
    decade, on which the slow first years look as slow as they are."""
    peak = 0.0
    for m in models:
        series = [m.datacollector.model_vars.get(f"projects_{s.label}", []) for s in STAGES]
        if series[0]:
            peak = max(peak, float(np.sum(np.array(series, dtype=float), axis=0).max()))
        if active := m.datacollector.model_vars.get("active_cooperations", []):
            peak = max(peak, float(max(active)))
    return nice_ceiling(max(10.0, 1.05 * peak))


def nice_ceiling(x: float) -> float:
    """The smallest of 1, 2, 5 × 10^k that is at least ``x`` (> 0)."""
    power = 10.0 ** np.floor(np.log10(x))
    return float(next(m * power for m in (1, 2, 5, 10) if m * power >= x * (1 - 1e-12)))

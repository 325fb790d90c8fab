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
* actors engaged in an active project in full colour, the others faded;
* each territory's name next to its disc.

The curve is the panel's largest element; its legend is outside it (the stages' colours key the counters
above the figure, and the dashed line of the panel without policy is keyed in the title row). Its counts are
in real units, as the result files give them (``simulation.model.outcomes``): the sample's times
``1 / region.sample_fraction``.

It renders with matplotlib's object API (no pyplot: one figure per browser
session, safe across threads) and keeps its artists between months, updating
their data rather than drawing a new figure, so that a month renders in a few
tens of milliseconds.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize, to_rgba_array
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter
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
#: The panel's figure, inches at ``DPI``: 576 × 432 px, shown at about 0.8× on a 1280×720 projector and
#: 1.4× at 1920×1080 (the page scales it to the panel's width, and no taller than the window leaves). Font sizes
#: in points at this DPI: the smallest, the territories' names, shows at about 11 px at 1280×720.
FIGSIZE = (6.4, 4.8)
DPI = 90
TITLE_PT, LABEL_PT, TICK_PT, NAME_PT = 15, 14, 13, 11.5
#: Where the curve's plotted area and the network's axes lie in the figure, as fractions of its width and height
#: (left, bottom, width, height): the curve is the largest element (the browser tests measure it on the page).
#: Below the curve: its year ticks and axis label, then the network's title.
CURVE_AXES = (0.135, 0.565, 0.845, 0.355)
NETWORK_AXES = (0.0, 0.0, 1.0, 0.405)
#: A curve-only figure (a region too large to animate): the same width, the curve alone.
CURVE_ONLY_FIGSIZE = (6.4, 3.0)
CURVE_ONLY_AXES = (0.135, 0.2, 0.845, 0.68)
#: Legal forms and articles left out of a territory's name on the network, where room is short: "CC du Pays de
#: Salers" is drawn "Pays de Salers", "CA du Bassin d'Aurillac" "Bassin d'Aurillac".
NAME_PREFIX = re.compile(
    r"^(?:(?:CC|CA|CU|Communauté (?:de communes|d'agglomération|urbaine)|Métropole)\s+)?"
    r"(?:(?:de la|de l'|du|des|de|d')\s*)?",
    re.IGNORECASE,
)


def short_name(name: str) -> str:
    """A territory's name as the network writes it: its legal form and leading article left out."""
    short = NAME_PREFIX.sub("", name, count=1).strip()
    return short[:1].upper() + short[1:] if short else name


def network_title(text: Callable[..., str], number: Callable[[float], str], drawn: int, strong: int) -> str:
    """The network's title: how many strong ties there are (trust above ``MIN_TRUST``), and, when not all of them
    are drawn, that the drawing is a subset ("1 500 liens forts dessinés sur 92 661"); worded for none and one
    (French and English singular differ)."""
    if strong == 0:
        return text("network_title_none")
    if strong == 1:
        return text("network_title_one")
    if drawn >= strong:
        return text("network_title", strong=number(strong))
    if drawn == 1:  # "1 lien fort dessiné", singular in French
        return text("network_title_subset_one", strong=number(strong))
    return text("network_title_subset", drawn=number(drawn), strong=number(strong))


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


def strong_ties(trust: TrustNetwork, min_trust: float = MIN_TRUST) -> tuple[IntArray, IntArray, FloatArray]:
    """Every undirected tie with trust ≥ ``min_trust``: (i, j, trust), i < j, in key order."""
    keys, w = trust.entries()
    src, dst = np.divmod(keys, trust.n)
    keep = (src < dst) & (w >= min_trust)  # each undirected tie is stored twice
    return src[keep], dst[keep], w[keep]


def strongest_ties(
    trust: TrustNetwork, max_ties: int = MAX_TIES, min_trust: float = MIN_TRUST
) -> tuple[IntArray, IntArray, FloatArray]:
    """The ties to draw: at most ``max_ties`` undirected ties with trust ≥ ``min_trust``, strongest first.

    Returns:
        (i, j, trust) of each tie, i < j, sorted by decreasing trust (ties of equal trust by key).
    """
    return _strongest(*strong_ties(trust, min_trust), trust.n, max_ties)


def _strongest(
    src: IntArray, dst: IntArray, w: FloatArray, n: int, max_ties: int
) -> tuple[IntArray, IntArray, FloatArray]:
    order = np.lexsort((src * n + dst, -w))[:max_ties]
    return src[order], dst[order], w[order]


def _scaled(model: TerritorialModel, name: str) -> FloatArray:
    """A monthly reporter of ``model`` so far, in real units (``Lesson.scale``: counts, not shares)."""
    values = np.asarray(model.datacollector.model_vars.get(name, []), dtype=float)
    return values / float(model.territories.sample_fraction)


class PanelFigure:
    """One panel's figure (emergence curve over network), reused month after month.

    Args:
        model: the panel's model (its actors fix the layout, its territories the names drawn).
        text: the label function of the page's language (``key, **values -> str``).
        draw_network: False for regions too large to animate: the curve alone.
        compare: the panel with a policy: its curve also shows, dashed, the active cooperations of the
            panel without policy (passed to :meth:`update`), so the lever's effect reads on one chart.
        number: writes a count as the page's language does (``1 384``, ``1,384``).
        dpi: resolution; the figure is ``FIGSIZE`` inches (``CURVE_ONLY_FIGSIZE`` without the network).
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
        self.fig = Figure(figsize=FIGSIZE if draw_network else CURVE_ONLY_FIGSIZE, dpi=dpi)
        FigureCanvasAgg(self.fig)
        self.curve_ax = self.fig.add_axes(CURVE_AXES if draw_network else CURVE_ONLY_AXES)
        self.horizon_months = int(model.config.horizon_months)
        self._init_curve()
        if draw_network:
            self.net_ax = self.fig.add_axes(NETWORK_AXES)
            self._init_network(model)

    def _init_network(self, model: TerritorialModel) -> None:
        ax = self.net_ax
        self.pos = layout(model.actors.territory, model.actors.kind)
        colours = np.array([KIND_COLOURS[ActorKind(k)] for k in model.actors.kind])
        self.ties = LineCollection([], cmap=TRUST_CMAP, norm=Normalize(MIN_TRUST, 1.0), zorder=1, capstyle="round")
        ax.add_collection(self.ties)
        self.nodes = ax.scatter(self.pos[:, 0], self.pos[:, 1], s=5, c=colours, linewidths=0, zorder=2)
        self._rgba = to_rgba_array(colours)
        # The layout fills a square of side 2.1; the axes are a wide strip. The x range is widened to the strip's
        # proportions, so that a unit is as long across as up (the discs stay round) with fixed limits: no
        # "adjustable" aspect, which matplotlib would refuse with a warning each time it draws fixed limits.
        width_in, height_in = self.fig.get_size_inches() * np.array(NETWORK_AXES[2:])
        half = 1.08
        ax.set_xlim(-half * width_in / height_in, half * width_in / height_in)
        ax.set_ylim(-half, half)
        ax.set_axis_off()
        self._name_territories(model, ax)

    def _name_territories(self, model: TerritorialModel, ax: Any) -> None:
        """Each territory's (short) name beside its disc, on the side away from the ring's centre: left of the
        discs of the ring's left half, right of the others, level with the disc's centre (a name above or
        below a disc would run into the title or out of the figure)."""
        territory = np.asarray(model.actors.territory)
        for t, name in enumerate(model.territories.names):
            members = self.pos[territory == t]
            if not len(members):
                continue
            centre = members.mean(axis=0)
            radius = float(np.linalg.norm(members - centre, axis=1).max())
            side = 1.0 if centre[0] >= 0 else -1.0
            ax.text(
                centre[0] + side * (radius + 0.05),
                centre[1],
                short_name(str(name)),
                fontsize=NAME_PT,
                ha="left" if side > 0 else "right",
                va="center",
                color="#333",
                zorder=3,
            )

    def _init_curve(self) -> None:
        """Axes, ticks and title: drawn once (clearing the axes every month costs more than a step).

        The x axis counts months, as the clock does ("Mois 14 — année 2"): a grid line at the end of each
        year, and each year's number in the middle of its twelve months, so month 14 is drawn above "2".
        No legend inside the axes: the stages' colours key the panel's counters, above the figure, and the
        dashed curve of a panel that compares is keyed in the title row, right of the title.
        """
        ax = self.curve_ax
        ax.set_xlim(0, self.horizon_months)
        ax.set_xticks(np.arange(0, self.horizon_months + 1, 12))
        ax.set_xticklabels([])
        years = np.arange(1, self.horizon_months // 12 + 1)
        ax.set_xticks(12 * years - 6, [str(y) for y in years], minor=True)
        ax.tick_params(axis="x", which="minor", length=0, labelsize=TICK_PT, pad=2)
        ax.tick_params(axis="both", which="major", labelsize=TICK_PT)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: self.number(v)))
        ax.set_xlabel(self.text("year_axis"), fontsize=LABEL_PT, labelpad=0)
        ax.set_ylabel(self.text("count_axis"), fontsize=LABEL_PT, labelpad=2)
        ax.set_title(self.text("curve_title"), fontsize=TITLE_PT, loc="left", pad=5)
        ax.grid(alpha=0.3)
        (self._reference,) = ax.plot([], [], color="#222", lw=1.8, ls="--", zorder=3)
        if self.compare:  # in the title row, right of the title: above the plotted area, never over a curve
            handle = Line2D([], [], color="#222", lw=1.8, ls="--", label=self.text("without_curve"))
            ax.legend(
                handles=[handle],
                loc="lower right",
                bbox_to_anchor=(1.0, 1.0),
                fontsize=LABEL_PT - 1,
                frameon=True,
                framealpha=1.0,
                edgecolor="none",
                borderaxespad=0.0,
                borderpad=0.1,
                handlelength=2.0,
            ).set_zorder(5)
        self._stack: list[Any] = []

    def update(self, model: TerritorialModel, y_max: float, reference: TerritorialModel | None = None) -> None:
        """Redraw the curve up to this month (with ``reference``'s active cooperations dashed, on a panel that
        compares), and the network's strongest ties and engaged actors."""
        ax = self.curve_ax
        for artist in self._stack:
            artist.remove()
        series = [_scaled(model, f"projects_{s.label}") for s in STAGES]
        months = len(series[0])
        self._stack = (
            ax.stackplot(np.arange(1, months + 1), np.array(series), colors=[STAGE_COLOURS[s] for s in STAGES])
            if months
            else []
        )
        if self.compare and reference is not None:
            active = _scaled(reference, "active_cooperations")
            self._reference.set_data(np.arange(1, len(active) + 1), active)
        if ax.get_ylim()[1] != y_max:
            ax.set_ylim(0, y_max)
            self._fit_left_margin(y_max)
        if self.draw_network:
            self._update_network(model)

    def _fit_left_margin(self, y_max: float) -> None:
        """Widen the curve's left margin to its longest tick label ("20 000") and its axis label, keeping its
        right edge: no text is cut at the figure's edge, whatever the region's size (once per y limit)."""
        renderer = self.fig.canvas.get_renderer()  # type: ignore[attr-defined]
        probe = self.fig.text(0, 0, self.number(y_max), fontsize=TICK_PT)
        ticks_in = probe.get_window_extent(renderer).width / self.fig.dpi
        probe.remove()
        label_in = LABEL_PT * 1.5 / 72  # the rotated axis label's height, and its padding
        left = min((ticks_in + label_in + 0.12) / self.fig.get_figwidth(), 0.3)
        box = self.curve_ax.get_position()
        default_left = (CURVE_AXES if self.draw_network else CURVE_ONLY_AXES)[0]
        left = max(left, default_left)
        self.curve_ax.set_position((left, box.y0, box.x1 - left, box.height))

    def _update_network(self, model: TerritorialModel) -> None:
        src, dst, weight = strong_ties(model.trust)
        i, j, w = _strongest(src, dst, weight, model.trust.n, MAX_TIES)
        self.ties.set_segments(np.stack([self.pos[i], self.pos[j]], axis=1))  # type: ignore[arg-type]
        self.ties.set_array(w)
        self.ties.set_linewidth(list(0.4 + 2.0 * (w - MIN_TRUST) / (1 - MIN_TRUST)))
        rgba = self._rgba.copy()
        rgba[:, 3] = np.where(model.actors.engaged > 0, 1.0, 0.25)
        self.nodes.set_facecolor(rgba)  # type: ignore[arg-type]  # an (n, 4) RGBA array is accepted
        self.nodes.set_sizes(np.where(model.actors.engaged > 0, 14.0, 5.0))
        self.strong, self.drawn = len(weight), len(w)
        self.net_ax.set_title(
            network_title(self.text, self.number, self.drawn, self.strong),
            fontsize=LABEL_PT,
            loc="left",
            x=0.02,
            pad=2,
        )

    def png(self) -> bytes:
        """The figure as PNG (light compression: encoding speed matters more than size on a local network)."""
        buf = io.BytesIO()
        self.fig.savefig(buf, format="png", pil_kwargs={"compress_level": 1})
        return buf.getvalue()


def shared_y_max(models: Sequence[TerritorialModel]) -> float:
    """A common y limit for the panels' curves, so that their heights compare: the highest point drawn so far
    (stacked stages, or the dashed active cooperations, in real units) with 5% headroom, rounded up to 1, 2 or
    5 × 10^k (at least 10). The page gives it the models at the end of the decade (``lesson.decade_y_max``): one
    scale all decade, fitted to the run of these settings, on which the slow first years look as slow as they
    are."""
    peak = 0.0
    for m in models:
        series = [_scaled(m, f"projects_{s.label}") for s in STAGES]
        if len(series[0]):
            peak = max(peak, float(np.sum(series, axis=0).max()))
        if len(active := _scaled(m, "active_cooperations")):
            peak = max(peak, float(active.max()))
    return nice_ceiling(max(10.0, 1.05 * peak))


def nice_ceiling(x: float) -> float:
    """The smallest of 1, 1.5, 2, 3, 4, 5, 6, 8 × 10^k that is at least ``x`` (> 0): a round limit the curve
    always fills to more than half (a 1-2-5 ladder would leave up to 60% of the chart empty)."""
    power = 10.0 ** np.floor(np.log10(x))
    return float(next(m * power for m in (1, 1.5, 2, 3, 4, 5, 6, 8, 10) if m * power >= x * (1 - 1e-12)))

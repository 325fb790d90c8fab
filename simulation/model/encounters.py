"""Process 1: encounters (docs/ODD.md §7.1).

Every month actors meet (i) people of their network — a known partner, chosen
in proportion to trust (which keeps used ties alive), or a friend of a friend —,
(ii) strangers of their own territory and (iii) rarely, anyone in the region.
Encounters across sectors turn into a tie less often ("cloisonnement", Territoires Conseils 2018).
Facilitators broker extra encounters inside their territory that are not
filtered by sector ("mettre en relation", "décloisonnement", Territoires Conseils 2018), and
policies (events, networks: CESER 2019, P2 and P8) can add their own. A shock
scales every rate (Reengineering: the covid crisis).

All encounters of the month are drawn as arrays: a Poisson count per actor
and channel, then the partners, in one batch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from simulation.kernels import encounters as kernels

if TYPE_CHECKING:
    from simulation.model.model import TerritorialModel

Pairs = tuple[NDArray[np.int64], NDArray[np.int64]]
Encounters = tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]


def _initiators(rng: np.random.Generator, rate: NDArray[np.float64], channels: list[float]) -> list[NDArray[np.int64]]:
    """Each actor, repeated as many times as it meets someone this month through each channel.

    Every actor's encounters are Poisson with rate ``rate × channel rate`` per
    channel, drawn as one Poisson count with the summed rate, each encounter then
    given a channel in proportion to the channel rates (the same distribution:
    Poisson splitting).
    """
    total = float(sum(channels))
    if total <= 0:
        return [np.empty(0, dtype=np.int64)] * len(channels)
    # the channel is the number of cumulated shares at or below a uniform (``searchsorted(..., side="right")``)
    who, channel = kernels.initiators(rate * total, np.cumsum(channels) / total, rng)
    return [who[channel == c] for c in range(len(channels))]


def random_in_territory(
    model: TerritorialModel, territory: NDArray[np.int64], u: NDArray[np.float64]
) -> NDArray[np.int64]:
    """A uniformly drawn actor of each given territory (actors are stored territory by territory)."""
    start = model.actors.start
    size = start[territory + 1] - start[territory]
    return start[territory] + np.minimum((u * size).astype(np.int64), size - 1)


def draw_encounters(model: TerritorialModel) -> Encounters:
    """This month's encounters from the three channels, after the sector filter.

    Returns:
        (a, b, hint): the pairs, and for a repeat contact the entry of the tie in ``a``'s
        row (a look-up spared to :meth:`simulation.model.trust.TrustNetwork.meet`), else -1.
    """
    cfg = model.config.encounters
    rng = model.streams["encounters"]
    actors = model.actors
    base = actors.sociability * model.shock.encounter_factor

    a, a2, a3 = _initiators(rng, base, [cfg.network_per_month, cfg.territory_per_month, cfg.cross_territory_per_month])
    # (i) the network: a known partner (chosen in proportion to trust), or a friend of a friend
    net = model.trust.contacts(a, rng, cfg.repeat_contact_share)

    # (ii) strangers of the same territory
    b2 = random_in_territory(model, actors.territory[a2], rng.random(len(a2)))

    # (iii) anyone in the region
    b3 = rng.integers(0, actors.n, size=len(a3))

    a = np.concatenate([net[0], a2, a3])
    b = np.concatenate([net[1], b2, b3])
    hint = np.concatenate([net[2], np.full(len(a2) + len(a3), -1, dtype=np.int64)])
    return kernels.sector_filter(a, b, hint, actors.sector, float(cfg.cross_sector_acceptance), rng)


def brokered_encounters(model: TerritorialModel) -> Pairs:
    """Introductions made by facilitators in their territory, across sectors (Territoires Conseils 2018)."""
    rng = model.streams["facilitation"]
    rate = model.config.encounters.facilitator_introductions_per_month * model.shock.encounter_factor
    terr = np.array([f.territory for f in model.facilitators], dtype=np.int64)
    if len(terr) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    fte = np.array([f.fte for f in model.facilitators])
    terr = np.repeat(terr, rng.poisson(rate * fte))
    a = random_in_territory(model, terr, rng.random(len(terr)))
    b = random_in_territory(model, terr, rng.random(len(terr)))
    # A facilitator introduces people who would not have met: keep cross-sector pairs.
    cross = model.actors.sector[a] != model.actors.sector[b]
    return a[cross], b[cross]


def initial_trust(model: TerritorialModel, a: NDArray[np.int64], b: NDArray[np.int64]) -> NDArray[np.float64]:
    """Starting trust of a new tie: lower across sectors (Territoires Conseils 2018), higher where social capital is."""
    t = model.config.trust
    actors = model.actors
    cross = actors.sector[a] != actors.sector[b]
    start = np.where(cross, t.initial_cross_sector, t.initial_same_sector)
    g = model.territories.generalised_trust[actors.territory[a]]
    return start * (0.5 + t.generalised_weight * g)


def encounters(model: TerritorialModel) -> int:
    """Process 1: draw the month's encounters and let them shape the trust network.

    Returns:
        The number of new ties.
    """
    drawn = draw_encounters(model)
    parts = [drawn[:2], brokered_encounters(model), model.hooks.extra_encounters(model)]
    a = np.concatenate([p[0] for p in parts])
    b = np.concatenate([p[1] for p in parts])
    hint = np.concatenate([drawn[2], np.full(len(a) - len(drawn[2]), -1, dtype=np.int64)])
    t = model.config.trust
    return model.trust.meet(a, b, initial_trust(model, a, b), t.acquaintance_cap, t.acquaintance_gain, hint)

"""Process 1: encounters (docs/ODD.md §7.1).

Every month actors meet (i) people of their network — a known partner, chosen
in proportion to trust (which keeps used ties alive), or a friend of a friend —,
(ii) strangers of their own territory and (iii) rarely, anyone in the region.
Encounters across sectors turn into a tie less often ("cloisonnement", Territoires Conseils 2018).
Facilitators broker extra encounters inside their territory that are not
filtered by sector ("mettre en relation", "décloisonnement", Territoires Conseils 2018), and
policies (events, networks: CESER 2019, P2 and P8) can add their own. A shock
scales every rate (Reengineering: the covid crisis).

The month's own encounters (the three channels) are drawn and applied in one
compiled pass over the actors (:meth:`simulation.model.trust.TrustNetwork.month_encounters`):
a Poisson count per actor, each encounter given a channel in proportion to the
channel rates, its partner drawn, the sector filter, and the tie made or
strengthened. Brokered and policy encounters follow, as pairs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from simulation.kernels.encounters import STRANGER_TRIES

if TYPE_CHECKING:
    from simulation.model.model import TerritorialModel

Pairs = tuple[NDArray[np.int64], NDArray[np.int64]]


def random_in_territory(
    model: TerritorialModel, territory: NDArray[np.int64], u: NDArray[np.float64]
) -> NDArray[np.int64]:
    """A uniformly drawn actor of each given territory (actors are stored territory by territory)."""
    start = model.actors.start
    size = start[territory + 1] - start[territory]
    return start[territory] + np.minimum((u * size).astype(np.int64), size - 1)


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
    # A facilitator introduces people who would not have met: strangers (one drawn again if already known, as
    # the month's other encounters do: simulation.kernels.encounters.STRANGER_TRIES), across sectors.
    for _ in range(STRANGER_TRIES):
        known = (a == b) | (model.trust.get(a, b) > 0)
        if not known.any():
            break
        b[known] = random_in_territory(model, terr[known], rng.random(int(known.sum())))
    keep = (a != b) & (model.trust.get(a, b) <= 0) & (model.actors.sector[a] != model.actors.sector[b])
    return a[keep], b[keep]


def initial_trust(model: TerritorialModel, a: NDArray[np.int64], b: NDArray[np.int64]) -> NDArray[np.float64]:
    """Starting trust of a new tie: lower across sectors (Territoires Conseils 2018), higher where social capital is."""
    t = model.config.trust
    actors = model.actors
    cross = actors.sector[a] != actors.sector[b]
    start = np.where(cross, t.initial_cross_sector, t.initial_same_sector)
    g = model.territories.generalised_trust[actors.territory[a]]
    return start * (0.5 + t.generalised_weight * g)


def initial_trust_by_territory(model: TerritorialModel) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """:func:`initial_trust` of a same-sector and of a cross-sector tie started by an actor of each territory."""
    t = model.config.trust
    factor = 0.5 + t.generalised_weight * model.territories.generalised_trust
    return t.initial_same_sector * factor, t.initial_cross_sector * factor


def encounters(model: TerritorialModel) -> int:
    """Process 1: draw the month's encounters and let them shape the trust network.

    Returns:
        The number of new ties.
    """
    cfg = model.config.encounters
    t = model.config.trust
    actors = model.actors
    new = model.trust.month_encounters(
        actors.sociability * model.shock.encounter_factor,
        (cfg.network_per_month, cfg.territory_per_month, cfg.cross_territory_per_month),
        actors.territory,
        actors.start,
        initial_trust_by_territory(model),
        cfg.repeat_contact_share,
        cfg.cross_sector_acceptance,
        t.acquaintance_cap,
        t.acquaintance_gain,
        model.streams["encounters"],
    )
    parts = [brokered_encounters(model), model.hooks.extra_encounters(model)]
    a = np.concatenate([p[0] for p in parts])
    b = np.concatenate([p[1] for p in parts])
    if len(a):
        new += model.trust.meet(a, b, initial_trust(model, a, b), t.acquaintance_cap, t.acquaintance_gain)
    return new

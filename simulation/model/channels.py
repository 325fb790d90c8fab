"""How a coalition's members came together: the registry's ``channel`` (docs/ODD.md, Outputs).

Read from how the coalition formed (the idea's origin, a facilitator's help, partners from elsewhere, trust above
what acquaintance alone gives), for every coalition of the month at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from simulation.model.ideas import Idea
    from simulation.model.model import TerritorialModel


def channels_of(
    model: TerritorialModel, ideas: list[Idea], members: NDArray[np.int64], helped: NDArray[np.bool_]
) -> list[str]:
    """How each coalition's members came together, as its formation shows it (the registry's ``channel``);
    ``members``: one row per coalition, initiator first, padded with -1.

    The idea's own origin first: an ``event`` (a creative evening, P2), a ``follow_up`` or a ``replication`` of
    another project. Else the recruitment: ``facilitator`` when a partner joined only because a facilitator
    lowered the trust needed (its aligning of interests and introductions); a partner from another territory
    makes it ``support_network`` where a regional network (P8) brings territories together, else
    ``cross_territory``; partners who had already worked or met repeatedly with the initiator (trust above what
    acquaintance alone gives) make it ``network``; acquaintances of the territory only, ``territory``.
    """
    if not ideas:
        return []
    actors = model.actors
    partners = members[:, 1:]
    valid = partners >= 0
    safe = np.where(valid, partners, 0)
    home = np.array([idea.territory for idea in ideas], dtype=np.int64)
    away = ((actors.territory[safe] != home[:, None]) & valid).any(axis=1)
    initiators = np.repeat(members[:, 0], partners.shape[1]).reshape(partners.shape)
    trust = model.trust.get(initiators[valid], partners[valid])
    known = np.zeros(partners.shape, dtype=bool)
    known[valid] = trust > model.config.trust.acquaintance_cap
    networks = model.hooks.by_name.get("p8_networks")
    outside = "support_network" if networks is not None and networks.budget_eur_per_year > 0 else "cross_territory"
    return [
        idea.origin
        if idea.origin in ("event", "follow_up", "replication")
        else "facilitator"
        if h
        else outside
        if a
        else ("network" if k else "territory")
        for idea, h, a, k in zip(ideas, helped.tolist(), away.tolist(), known.any(axis=1).tolist(), strict=True)
    ]

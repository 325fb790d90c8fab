"""Process 3: local needs perceived → project ideas (docs/ODD.md §7.3).

Actors perceive the needs of their territory in the domains they care about
and propose ideas; associations and citizen groups are the best scouts
(CESER 2019, P6) — their default idea rates are the highest. Experience makes actors
more inventive, and successful projects spawn follow-up ideas (Territoires Conseils 2018: "Le
projet nourrit le projet"); deployed projects are replicated elsewhere
(essaimer). Needs already addressed by active projects are perceived less
(saturation), which is what bends the emergence curve into an S.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from simulation.enums import DOMAINS, Domain
from simulation.kernels import ideas as kernels

if TYPE_CHECKING:
    from simulation.model.model import TerritorialModel


@dataclass
class Idea:
    """A project idea waiting for a coalition."""

    initiator: int
    territory: int
    domain: Domain
    created_month: int
    origin: str = "need"  # "need", "follow_up", "replication" or "event"
    parent_project: int = -1
    #: The people of the event the idea was born at (P2), whom its initiator may invite; empty otherwise.
    pool: tuple[int, ...] = ()


def column(ideas: list[Idea], name: str) -> NDArray[np.int64]:
    """One integer field of every idea (``"territory"``, ``"domain"``, ``"initiator"``, ``"created_month"``), as
    an array: ``map`` over an ``attrgetter``, faster than a generator over the month's many ideas."""
    return np.fromiter(map(attrgetter(name), ideas), dtype=np.int64, count=len(ideas))


#: The weight, in actors of the sample, of a territory's type-wide rate in the estimate of its own rate of active
#: projects (:func:`active_per_10k`).
SHRINK_ACTORS = 200.0


def active_per_10k(model: TerritorialModel) -> NDArray[np.float64]:
    """Active projects per 10,000 inhabitants in each (territory, domain), as the sample estimates it.

    A territory's own count is shrunk towards the rate of the region's territories of its type, with the weight
    of :data:`SHRINK_ACTORS` actors: a sample holds few projects of a small territory, and a saturating need read
    from those few would jump where the real territory's does not (and depend on the sample's size).
    """
    terr = model.territories
    active = model.projects.active_by_territory_domain()
    pop = terr.population_10k[:, None]
    types = terr.type_index
    n_domains = active.shape[1]
    # (numpy.add.at's sums by type, in its order: each (type, domain)'s territories one after the other; a third of
    # its time)
    cells = (types[:, None] * n_domains + np.arange(n_domains)).ravel()
    by_type_active = np.bincount(cells, weights=active.ravel(), minlength=3 * n_domains).reshape(3, n_domains)
    by_type_pop = np.zeros(3)
    np.add.at(by_type_pop, types, terr.population_10k)
    pooled = by_type_active[types] / np.maximum(by_type_pop[types], 1e-12)[:, None]
    prior = SHRINK_ACTORS * pop / np.maximum(model.actors_per_territory[:, None], 1.0)  # in 10k inhabitants
    return (active + pooled * prior) / (pop + prior)


def effective_need(model: TerritorialModel) -> NDArray[np.float64]:
    """Need per (territory, domain): fragility discounted by the projects already at work on it.

    Kept until the active projects next change (a month's follow-up ideas read it once per project that passes a
    stage: recomputing it each time was most of a large region's run).
    """
    return _need(model).copy()


def _need(model: TerritorialModel) -> NDArray[np.float64]:
    """:func:`effective_need` itself, to be read, not written."""
    version = model.projects.active_version
    cached = model.need_cache
    if cached is None or cached[0] != version:
        cached = model.need_cache = (version, _effective_need(model))
    return cached[1]


def _effective_need(model: TerritorialModel) -> NDArray[np.float64]:
    cfg = model.config.ideas
    rate = active_per_10k(model)
    return model.territories.fragility / (
        1.0 + (rate / cfg.need_half_saturation_per_10k) ** cfg.need_saturation_exponent
    )


def generate_ideas(model: TerritorialModel) -> list[Idea]:
    """New ideas of the month: one Bernoulli draw per actor, then a domain per proposer."""
    cfg = model.config.ideas
    actors = model.actors
    rng = model.streams["ideas"]
    # An actor proposes with probability rate × perceived need (its interest in each domain × the need there,
    # averaged over domains) × experience; then each proposer's domain is drawn in proportion to those weights.
    rate = np.array(cfg.rate_per_month.as_list())[actors.kind]
    experience = 1.0 + cfg.experience_boost * np.log1p(actors.experience)
    multiplier = np.broadcast_to(np.asarray(model.hooks.idea_rate_multiplier(model), dtype=np.float64), (actors.n,))
    proposers, domain = kernels.proposals(
        effective_need(model),
        actors.territory,
        actors.interest,
        rate,
        experience,
        multiplier,
        actors.busy,
        actors.max_projects,
        rng,
    )
    territory = actors.territory[proposers]
    return [
        Idea(i, t, DOMAINS[d], model.month)
        for i, t, d in zip(proposers.tolist(), territory.tolist(), domain.tolist(), strict=True)
    ]


def unmet_shares(model: TerritorialModel, territory: NDArray[np.int64], domain: NDArray[np.int64]) -> NDArray:
    """Share of each territory's need in each domain (pairs ``territory[k]``, ``domain[k]``) that active projects
    leave unmet (0..1; 0 where the territory has no fragility in the domain)."""
    fragility = model.territories.fragility[territory, domain]
    unmet = np.zeros(len(fragility))
    some = fragility > 0
    unmet[some] = _need(model)[territory[some], domain[some]] / fragility[some]
    return unmet


def unmet_share(model: TerritorialModel, territory: int, domain: int) -> float:
    """:func:`unmet_shares` of one territory and domain."""
    return float(unmet_shares(model, np.array([territory]), np.array([domain]))[0])


def follow_up_chances(model: TerritorialModel, pids: NDArray[np.int64]) -> NDArray[np.float64]:
    """The probability that each project of ``pids``, reaching consolidation now, spawns a follow-up idea: the
    configured probability times the share of its need still unmet (:func:`unmet_shares`)."""
    table = model.projects
    return model.config.ideas.follow_up_probability * unmet_shares(model, table.territory[pids], table.domain[pids])


def follow_up_idea(model: TerritorialModel, project_id: int, chance: float | None = None) -> Idea | None:
    """A success may spawn a follow-up idea in its territory (Territoires Conseils 2018), if the need is not met yet.

    ``chance``: its probability (:func:`follow_up_chances`), when already known.
    """
    rng = model.streams["ideas"]
    p = model.projects.records[project_id]
    if chance is None:
        chance = float(follow_up_chances(model, np.array([project_id]))[0])
    if rng.random() >= chance:
        return None
    initiator = int(p.members[rng.integers(len(p.members))])
    return Idea(initiator, p.territory, p.domain, model.month, "follow_up", p.id)


def spawned_ideas(model: TerritorialModel, pids: NDArray[np.int64], follow_up: NDArray[np.bool_]) -> list[Idea]:
    """The ideas spawned by the projects ``pids``, in that order: a follow-up idea (:func:`follow_up_idea`) where
    ``follow_up`` (a project reaching consolidation), else a replication (:func:`replication_idea`: a project that
    has run its course of deployment). Both draw from the ``ideas`` stream, project after project."""
    chances = iter(follow_up_chances(model, pids[follow_up]).tolist())
    out = []
    for pid, f in zip(pids.tolist(), follow_up.tolist(), strict=True):
        idea = follow_up_idea(model, pid, next(chances)) if f else replication_idea(model, pid)
        if idea is not None:
            out.append(idea)
    return out


def replication_idea(model: TerritorialModel, project_id: int) -> Idea | None:
    """A deployed project may be replicated in another territory (essaimer, Territoires Conseils 2018)."""
    rng = model.streams["ideas"]
    p = model.projects.records[project_id]
    if len(model.territories) < 2:
        return None
    t = int(rng.integers(len(model.territories) - 1))  # any territory but the project's, uniformly
    t += t >= p.territory
    prob = model.config.ideas.replication_probability * model.hooks.replication_multiplier(model)
    if rng.random() >= min(prob * unmet_share(model, t, p.domain), 1.0):
        return None
    lo, hi = model.actors.start[t], model.actors.start[t + 1]
    if hi <= lo:
        return None
    # The idea travels to an actor of the same kind as the project's initiator, if there is one.
    kinds = model.actors.kind[lo:hi]
    same = np.flatnonzero(kinds == model.actors.kind[p.initiator])
    pool = same if len(same) else np.arange(hi - lo)
    initiator = int(lo + pool[rng.integers(len(pool))])
    return Idea(initiator, t, p.domain, model.month, "replication", p.id)

"""Actors and facilitators: the Mesa agents of the model (docs/ODD.md §2).

Kinds and what each brings and seeks follow the value-chain table of
Territoires Conseils 2018 (sequence 2); "nomadic" firms follow Reengineering;
facilitators (ingénierie territoriale: animateur, "générateurs de projets",
Territoires Conseils 2018 and CESER 2019, P4) are a distinct role that policies
can fund. Sources: docs/references.md.

Design: every actor is a Mesa :class:`Actor` — the model's objects and its API
(``model.agents_by_type[Actor]``, ``actor.kind``, ``actor.trusted_partners()``)
— while the state that every actor touches every month lives in the arrays of
:class:`ActorTable`, one row per actor, so that monthly processes are batch
array operations. An ``Actor`` is a view onto its row. Per-agent Python runs
only for actors that act this month (initiators recruiting partners).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np
from numpy.typing import NDArray

from simulation.config import ActorParams, RegionConfig
from simulation.enums import SECTOR_OF_KIND, ActorKind, Domain

if TYPE_CHECKING:
    from simulation.model.ideas import Idea
    from simulation.model.model import TerritorialModel
    from simulation.model.projects import Project


class ActorTable:
    """Per-actor state in arrays (row ``i`` is the actor with ``index == i``).

    Actors are laid out territory by territory, so that the actors of
    territory ``t`` are the contiguous rows ``start[t]:start[t+1]``.
    """

    def __init__(
        self, counts: NDArray[np.int64], region: RegionConfig, params: ActorParams, rng: np.random.Generator
    ) -> None:
        # ``counts``: actors by territory and kind (``territory.actor_counts``)
        n_terr, n_kinds = counts.shape
        flat = counts.reshape(-1)
        self.territory: NDArray[np.int64] = np.repeat(np.repeat(np.arange(n_terr), n_kinds), flat)
        self.kind: NDArray[np.int64] = np.repeat(np.tile(np.arange(n_kinds), n_terr), flat)
        self.n = len(self.kind)
        self.start: NDArray[np.int64] = np.concatenate([[0], np.cumsum(counts.sum(axis=1))]).astype(np.int64)
        #: How many actors of each kind (by kind value).
        self.count_by_kind = np.bincount(self.kind, minlength=len(ActorKind))
        self.sector = np.array([SECTOR_OF_KIND[ActorKind(k)] for k in range(n_kinds)])[self.kind]

        self.nomadic = (self.kind == ActorKind.FIRM) & (rng.random(self.n) < region.nomadic_firm_share)
        # What each actor seeks: its kind's mean interest per domain, with individual spread.
        mean_interest = np.array(params.seeks.as_matrix())[self.kind]
        spread = rng.lognormal(0.0, params.interest_sigma, size=(self.n, len(Domain)))
        self.interest: NDArray[np.float64] = mean_interest * spread
        self.interest /= np.maximum(self.interest.mean(axis=1, keepdims=True), 1e-12)
        # What each actor brings: its kind's row of the value-chain table (Territoires Conseils 2018).
        self.brings: NDArray[np.float64] = np.array(params.brings.as_matrix())[self.kind]
        # Yearly means of money (euros) and volunteer time (hours), lognormal between actors.
        budget_scale = rng.lognormal(-(params.budget_sigma**2) / 2, params.budget_sigma, size=self.n)
        self.yearly_budget_eur = np.array(params.cooperation_budget_eur_per_year.as_list())[self.kind] * budget_scale
        self.yearly_volunteer_hours = np.array(params.volunteer_hours_per_year.as_list())[self.kind] * budget_scale
        self.budget_eur = np.zeros(self.n)  # what is left this year
        self.volunteer_hours = np.zeros(self.n)
        self.max_projects = np.array(params.max_projects.as_list(), dtype=np.int64)[self.kind]
        self.sociability = np.array(params.sociability.as_list())[self.kind]

        self.experience = np.zeros(self.n)  # successes lived (stages passed together)
        self.busy = np.zeros(self.n, dtype=np.int64)  # projects still being built (seed..consolidation)
        self.engaged = np.zeros(self.n, dtype=np.int64)  # active projects of any stage
        self.ever_engaged = np.zeros(self.n, dtype=bool)

    def has_capacity(self, who: NDArray[np.int64] | int) -> NDArray[np.bool_] | bool:
        """Whether actors can take on one more project."""
        return self.busy[who] < self.max_projects[who]


class Actor(mesa.Agent):
    """A territorial actor: collectivité, firm, association, citizen group, university or media.

    Args:
        model: the model.
        index: the actor's row in :class:`ActorTable`.
    """

    model: TerritorialModel

    def __init__(self, model: TerritorialModel, index: int) -> None:
        # Mesa's Agent.__init__ written out, registration included (tests/test_agents.py holds them equal), and
        # ``index`` taken as the int it is: the model makes an actor per row, 100,000 of them at 100k actors, and
        # the call to Agent.__init__ and its own to super().__init__ were a tenth of the making of one.
        self.model = model
        self.unique_id = None
        self.pos = None
        model.register_agent(self)
        for dataset in self._datasets:
            model.data_registry[dataset].add_agent(self)
        self.index = index

    @property
    def kind(self) -> ActorKind:
        return ActorKind(int(self.model.actors.kind[self.index]))

    @property
    def territory(self) -> int:
        return int(self.model.actors.territory[self.index])

    @property
    def nomadic(self) -> bool:
        """A firm not anchored in its territory (Reengineering: "enseignes nomades")."""
        return bool(self.model.actors.nomadic[self.index])

    @property
    def experience(self) -> float:
        return float(self.model.actors.experience[self.index])

    def trusted_partners(self, min_trust: float = 0.0) -> dict[int, float]:
        """Actors this one trusts at least ``min_trust``, with the trust of each tie."""
        ids, w = self.model.trust.neighbours(self.index)
        keep = w >= min_trust
        return dict(zip(ids[keep].tolist(), w[keep].tolist(), strict=True))

    def propose(self, idea: Idea) -> Project | None:
        """Act on an idea: recruit partners, pool funds and launch a project (processes 4–5)."""
        from simulation.model.alliances import form_alliances

        return form_alliances(self.model, [idea])[0]


class Facilitator(mesa.Agent):
    """Territorial engineering (Territoires Conseils 2018; CESER 2019, P4): connects actors and supports projects.

    A facilitator brokers encounters across sectors in its territory (process 1),
    lowers the trust needed to recruit partners (process 4) and, while it has
    room, supports projects through their stages, which lowers their hazard
    (process 6). Its yearly cost is engineering money, financed apart from
    projects (Territoires Conseils 2018).

    Args:
        model: the model.
        territory: index of the territory it serves.
        funder: who pays for it: ``"territory"`` or a policy's name.
        fte: full-time equivalent (0..1]: a part-time facilitator brokers and supports proportionally less.
    """

    model: TerritorialModel

    def __init__(self, model: TerritorialModel, territory: int, funder: str = "territory", fte: float = 1.0) -> None:
        super().__init__(model)
        self.territory = int(territory)
        self.funder = funder
        self.fte = float(fte)
        self.supported: set[int] = set()  # ids of projects it supports

        # The projects it can support at once: its share of a full-time facilitator's capacity, a part of a
        # project counting as a whole one with that probability (so that on average a sample's part-time
        # facilitators support what the real ones do).
        slots = self.fte * model.config.alliances.facilitator_project_capacity
        whole = int(slots)
        self.capacity = whole + int(model.streams["setup"].random() < slots - whole)

    @property
    def has_room(self) -> bool:
        return len(self.supported) < self.capacity
